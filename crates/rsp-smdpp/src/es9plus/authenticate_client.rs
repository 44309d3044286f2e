//! ES9+.AuthenticateClient (SGP.22 v2.5 §5.6.3, §3.1.3 steps 11–18).

use rsp_auth::{AuthenticatedEuicc, SessionEcho};
use rsp_codec::asn1::{
    AuthenticateClientOk, Certificate, CtxParams1, Extensions, Iccid as AsnIccid,
    NotificationConfigurationInformation, NotificationEvent, ProfileClass as AsnProfileClass, Raw,
    SmdpSigned2, StoreMetadataRequest, TransactionId,
};
use rsp_codec::json::Eid;
use rsp_codec::status::RspError;
use rsp_crypto::tr03111::tlv_5f37;
use time::OffsetDateTime;

use super::{Es9Plus, Es9PlusConfig, Es9PlusError, eligibility, iccid_bcd, notification_point};
use crate::matching_id::MatchingId;
use crate::outbox::PointStatus;
use crate::profile::ProfileRecord;
use crate::profile_state::ProfileState;
use crate::session::{SecretBytes, SessionPhase, SessionStore};
use crate::store::InventoryStore;

impl<S: InventoryStore + SessionStore> Es9Plus<S> {
    /// Authenticates the eUICC and picks the Profile.
    ///
    /// `authenticate_server_response` is the DER of `AuthenticateServerResponse` (BF38) as
    /// received. Errors (SGP.22 §5.6.3): unknown/expired transaction 8.10.1/3.9; EUM
    /// certificate 8.1.2/6.1 or 6.3; eUICC certificate 8.1.3/6.1 or 6.3; untrusted CI
    /// 8.11.1/3.9; bad euiccSignature1 or session data 8.1/6.1; unknown MatchingID
    /// 8.2.6/3.8; EID not the ordered one 8.1.1/3.8; Profile confirmed but not released
    /// 8.2/1.2; delivered Profile 8.2/3.7; Confirmation Code retries used up 8.8.5/6.4;
    /// order expired 8.8.5/4.10 or its download attempts used up 8.8.5/6.4
    /// ([`crate::order_controls`]); not eligible 8.2.5/4.3 (also a Profile Policy Rule the
    /// eUICC forbids, [`crate::ppr`]) or 8.1/4.8.
    pub async fn authenticate_client(
        &self,
        transaction_id: &[u8],
        authenticate_server_response: &[u8],
    ) -> Result<AuthenticateClientOk, Es9PlusError> {
        let session = self
            .live_session(transaction_id, &[SessionPhase::Initiated])
            .await?;
        let AuthenticatedEuicc {
            response: ok,
            chain,
            eid,
        } = rsp_auth::verify_authenticate_server_response(
            authenticate_server_response,
            self.credentials().trust(),
            SessionEcho {
                transaction_id: &session.transaction_id,
                server_address: &self.config.smdp_address,
                server_challenge: &session.server_challenge,
            },
            OffsetDateTime::now_utc(),
        )?;
        let signed1 = ok.euicc_signed1.value();
        let Some(CtxParams1::CtxParamsForCommonAuthentication(ctx)) = signed1.ctx_params1.known()
        else {
            return Err(RspError::ProtocolFormatInvalid.into());
        };
        let mut profile = self.pick_profile(ctx.matching_id.as_deref(), &eid).await?;
        eligibility::check(&signed1.euicc_info2, &profile)?;
        eligibility::check_policy_rules(&signed1.euicc_info2, &profile.metadata)?;

        let credentials = self.credentials();
        let dp = credentials
            .by_ci(&session.ci_key_id)
            .ok_or(Es9PlusError::Rejected(RspError::SmdpCertificateUnavailable))?;
        let signature1: [u8; 64] = ok
            .euicc_signature1
            .as_ref()
            .try_into()
            .map_err(|_| RspError::EuiccVerificationFailed)?;
        let cc_required = profile.cc_hash.is_some();
        let earlier = self.earlier_binding(&profile).await?;
        let signed2 = Raw::new(SmdpSigned2 {
            transaction_id: TransactionId(session.transaction_id.clone().into()),
            cc_required_flag: cc_required,
            bpp_euicc_otpk: earlier.as_ref().map(|(otpk, _)| otpk.clone().into()),
            ext: Extensions::default(),
        })?;
        let mut message = signed2.raw().to_vec();
        message.extend_from_slice(&tlv_5f37(&signature1));
        let signature2 = dp.dp_pb.signer.sign_raw(&message)?;

        if profile.eid.is_none() {
            // An order without EID (Allocated, then Released) is bound now (SGP.22 §3.1.2).
            if !profile.link_eid(&eid) {
                return Err(RspError::EidRefused.into());
            }
        }
        profile.order.count_attempt();
        let mut next = session.clone();
        next.phase = SessionPhase::Authenticated;
        next.profile = Some((profile.operator.clone(), profile.iccid.clone()));
        next.eid = Some(eid);
        next.euicc_public_key = Some(chain.leaf.public_key().to_spki_der());
        next.smdp_signature2 = Some(signature2.to_vec());
        next.cc_required = cc_required;
        (next.euicc_otpk, next.otsk_dp) = earlier.unzip();
        let point = self.progress(
            &profile,
            notification_point::ELIGIBILITY,
            PointStatus::Success,
        );
        self.store
            .update_session(&next, Some(&profile), point.as_slice())
            .await?;
        profile.version += 1;
        Ok(AuthenticateClientOk {
            transaction_id: TransactionId(session.transaction_id.into()),
            profile_meta_data: store_metadata(&profile, &self.config),
            smdp_signed2: signed2,
            smdp_signature2: signature2.to_vec().into(),
            smdp_certificate: Certificate::from_der(dp.dp_pb.cert.der())?,
            ext: Extensions::default(),
        })
    }

    /// The binding of the session that delivered `profile`'s BPP before (a Downloaded
    /// Profile): otPK.EUICC.ECKA and otSK.DP.ECKA, if that session still keeps them. Its
    /// otPK.EUICC goes to the eUICC as `bppEuiccOtpk` (SGP.22 §5.6.3, smdpSigned2), so an
    /// eUICC that kept its otSK.EUICC can take a package bound the same way (§5.6.2).
    async fn earlier_binding(
        &self,
        profile: &ProfileRecord,
    ) -> Result<Option<(Vec<u8>, SecretBytes)>, Es9PlusError> {
        let Some(tid) = profile
            .bpp_transaction_id
            .as_deref()
            .filter(|_| profile.state == ProfileState::Downloaded)
        else {
            return Ok(None);
        };
        let earlier = self.store.get_session(tid).await?;
        Ok(
            earlier.and_then(|s| match (s.profile, s.eid, s.euicc_otpk, s.otsk_dp) {
                (Some((_, iccid)), eid, Some(otpk), Some(otsk))
                    if iccid == profile.iccid && eid == profile.eid =>
                {
                    Some((otpk, otsk))
                }
                _ => None,
            }),
        )
    }

    /// The Profile ordered for this MatchingID and EID, or for the EID alone (default
    /// SM-DP+ flow, empty MatchingID, SGP.22 §3.1.2).
    async fn pick_profile(
        &self,
        matching_id: Option<&str>,
        eid: &Eid,
    ) -> Result<ProfileRecord, Es9PlusError> {
        let profile = match matching_id.filter(|m| !m.is_empty()) {
            Some(m) => {
                // Looked up as received (§5.6.3): an ID no order carries is unknown.
                let id = MatchingId::received(m).ok_or(RspError::MatchingIdRefused)?;
                let p = self
                    .store
                    .find_by_matching_id(&id)
                    .await?
                    .ok_or(RspError::MatchingIdRefused)?;
                let bound = p.eid.as_ref().or(p.eid_ever_bound.as_ref());
                if bound.is_some_and(|b| b != eid) {
                    return Err(RspError::EidRefused.into());
                }
                p
            }
            None => self
                .store
                .find_released_for_eid(eid)
                .await?
                .into_iter()
                .next()
                .ok_or(RspError::MatchingIdRefused)?,
        };
        // An order locked by too many wrong Confirmation Codes answers 8.8.5/6.4 (§5.6.3),
        // before the state check (the lockout also moved the Profile to Error).
        if profile.cc_hash.is_some() && profile.cc_attempts >= profile.cc_max_attempts {
            return Err(RspError::DownloadOrderRetriesExceeded.into());
        }
        self.check_order_controls(&profile).await?;
        match profile.state {
            ProfileState::Released => {}
            // A delivered BPP whose installation was never reported: the same eUICC may try
            // again in a new session (SGP.22 §3.1.3, §5.6.2 retry).
            ProfileState::Downloaded if profile.eid.as_ref() == Some(eid) => {}
            ProfileState::Confirmed => return Err(RspError::ProfileNotReleased.into()),
            ProfileState::Downloaded | ProfileState::Installed | ProfileState::Error => {
                return Err(RspError::BppUnavailable.into());
            }
            _ => return Err(RspError::MatchingIdRefused.into()),
        }
        Ok(profile)
    }
}

/// `profileMetadata` / ES8+.StoreMetadata of `profile` (SGP.22 §5.5.3), asking the eUICC
/// to send the notifications of `config.notify_events` to this SM-DP+ (§5.4.1).
pub(crate) fn store_metadata(
    profile: &ProfileRecord,
    config: &Es9PlusConfig,
) -> StoreMetadataRequest {
    let notification_configuration_info = (!config.notify_events.is_empty()).then(|| {
        vec![NotificationConfigurationInformation {
            profile_management_operation: NotificationEvent::from_bits(&config.notify_events),
            notification_address: config.smdp_address.clone(),
            ext: Extensions::default(),
        }]
    });
    StoreMetadataRequest {
        iccid: AsnIccid::new(iccid_bcd(&profile.iccid)),
        service_provider_name: profile.metadata.service_provider_name.clone(),
        profile_name: profile.metadata.profile_name.clone(),
        icon_type: None,
        icon: None,
        profile_class: AsnProfileClass::from(profile.metadata.profile_class.value()),
        notification_configuration_info,
        profile_owner: None,
        profile_policy_rules: profile.metadata.profile_policy_rules.to_asn1(),
        service_specific_data_stored_in_euicc: None,
        service_specific_data_not_stored_in_euicc: None,
        ext: Extensions::default(),
    }
}
