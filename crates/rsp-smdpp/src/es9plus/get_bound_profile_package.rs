//! ES9+.GetBoundProfilePackage (SGP.22 v2.5 §5.6.2, §3.1.3 steps 19–24).

use rsp_codec::asn1::{
    self, DownloadErrorCode, Extensions, GetBoundProfilePackageOk, PrepareDownloadResponse,
    PrepareDownloadResponseOk, TransactionId,
};
use rsp_codec::status::RspError;
use rsp_crypto::tr03111::tlv_5f37;
use rsp_crypto::{PublicKey, SoftwareKey};

use super::authenticate_client::store_metadata;
use super::bpp::{self, Binding};
use super::error::bad_format;
use super::{
    Es9Plus, Es9PlusError, eid_bytes, notification_point, session_euicc_key, session_profile_of,
};
use crate::outbox::PointStatus;
use crate::profile::ProfileRecord;
use crate::profile_state::{ProfileEvent, ProfileState, transition};
use crate::session::{SecretBytes, Session, SessionPhase, SessionStore};
use crate::store::InventoryStore;

impl<S: InventoryStore + SessionStore> Es9Plus<S> {
    /// Binds the Profile to the eUICC's one-time key and returns the BPP.
    ///
    /// `prepare_download_response` is the DER of `PrepareDownloadResponse` (BF21) as
    /// received. Errors (SGP.22 §5.6.2): unknown/expired transaction 8.10.1/3.9; bad
    /// euiccSignature2 8.1/6.1; Confirmation Code missing 8.2.7/2.2, wrong 8.2.7/3.8, retries
    /// used up 8.2.7/6.4 (the order is then terminated: Profile state `Error`); a new
    /// otPK.EUICC after a delivered BPP of the same session 8.2/3.7. A retry with the same
    /// otPK.EUICC, in this session or a new one of the same eUICC for the same Profile,
    /// returns a package bound to the same otPK.DP; another otPK.EUICC in a new session gets
    /// a fresh otPK.DP.
    pub async fn get_bound_profile_package(
        &self,
        transaction_id: &[u8],
        prepare_download_response: &[u8],
    ) -> Result<GetBoundProfilePackageOk, Es9PlusError> {
        let mut read = self
            .live_session_with_profile(
                transaction_id,
                &[SessionPhase::Authenticated, SessionPhase::BppDelivered],
                true,
            )
            .await?;
        let session = &read.session;
        let response: PrepareDownloadResponse =
            asn1::decode(prepare_download_response).map_err(bad_format)?;
        let ok = match response {
            PrepareDownloadResponse::DownloadResponseOk(ok) => ok,
            PrepareDownloadResponse::DownloadResponseError(e) => {
                return Err(map_euicc_error(e.download_error_code).into());
            }
        };
        let euicc_key = session_euicc_key(session)?;
        verify_signature2(&ok, session, &euicc_key)?;
        let signed2 = ok.euicc_signed2.value();
        let curve = euicc_key.curve();
        let otpk = PublicKey::from_sec1(curve, &signed2.euicc_otpk)
            .map_err(|_| RspError::EuiccVerificationFailed)?;
        let mut profile = session_profile_of(&mut read)?;
        let session = &read.session;

        // The key pair of an earlier binding to this same otPK.EUICC: this session's own
        // (a repeated GetBoundProfilePackage) or one carried over by AuthenticateClient from
        // an earlier session of this eUICC (SGP.22 §3.1.3, §5.6.2: same otPK.DP again).
        let stored_otsk = match (&session.euicc_otpk, &session.otsk_dp) {
            (Some(pk), Some(sk)) if pk.as_slice() == otpk.sec1_uncompressed() => {
                Some(SoftwareKey::from_pkcs8_der(sk.expose())?)
            }
            _ => None,
        };
        let retry = session.phase == SessionPhase::BppDelivered;
        let otsk = if retry {
            // SGP.22 §5.6.2: a new binding after a delivered BPP in the same session is
            // refused.
            stored_otsk.ok_or(RspError::BppUnavailable)?
        } else {
            self.check_confirmation_code(&mut profile, session, signed2.hash_cc.as_ref())
                .await?;
            match stored_otsk {
                Some(key) => key,
                None => SoftwareKey::generate(curve)?,
            }
        };

        let eid = session
            .eid
            .as_ref()
            .and_then(eid_bytes)
            .ok_or(Es9PlusError::Rejected(RspError::ExecutionError))?;
        let credentials = self.credentials();
        let dp = credentials
            .by_ci(&session.ci_key_id)
            .ok_or(Es9PlusError::Rejected(RspError::SmdpCertificateUnavailable))?;
        let package = read
            .package
            .as_ref()
            .ok_or(Es9PlusError::Rejected(RspError::ExecutionError))?;
        let bpp = bpp::build(&Binding {
            transaction_id: &session.transaction_id,
            host_id: &self.config.host_id,
            eid: &eid,
            euicc_otpk: &otpk,
            otsk_dp: &otsk,
            dp_pb: dp.dp_pb.signer.as_ref(),
            metadata: &store_metadata(&profile, &self.config),
            package: package.expose(),
        })?;

        if !retry {
            profile.state = transition(profile.state, ProfileEvent::BppDelivered)?;
            profile.downloaded_ever = true;
            profile.bpp_transaction_id = Some(session.transaction_id.clone());
            let mut next = session.clone();
            next.phase = SessionPhase::BppDelivered;
            next.euicc_otpk = Some(otpk.sec1_uncompressed().to_vec());
            next.otsk_dp = Some(SecretBytes::new(otsk.to_pkcs8_der().to_vec()));
            let point = self.progress(
                &profile,
                notification_point::BPP_DOWNLOAD,
                PointStatus::Success,
            );
            self.store
                .update_session(&next, Some(&profile), point.as_slice())
                .await?;
        }
        Ok(GetBoundProfilePackageOk {
            transaction_id: TransactionId(read.session.transaction_id.into()),
            bound_profile_package: bpp,
            ext: Extensions::default(),
        })
    }

    /// SGP.22 §5.6.2 / §3.1.3: `hashCc` = SHA-256(SHA-256(CC) ‖ transactionId) when the
    /// order has a Confirmation Code; wrong attempts are counted, the last one ends the order.
    async fn check_confirmation_code(
        &self,
        profile: &mut ProfileRecord,
        session: &Session,
        hash_cc: Option<&rsp_codec::asn1::Octet32>,
    ) -> Result<(), Es9PlusError> {
        let Some(expected) = profile.cc_hash.clone() else {
            return Ok(());
        };
        if profile.cc_attempts >= profile.cc_max_attempts {
            return Err(RspError::ConfirmationCodeRetriesExceeded.into());
        }
        let hash_cc = hash_cc.ok_or(RspError::ConfirmationCodeMissing)?;
        if expected.verify(hash_cc.as_bytes(), &session.transaction_id) {
            return Ok(());
        }
        profile.cc_attempts = profile.cc_attempts.saturating_add(1);
        let exhausted = profile.cc_attempts >= profile.cc_max_attempts;
        let error = if exhausted {
            RspError::ConfirmationCodeRetriesExceeded
        } else {
            RspError::ConfirmationCodeRefused
        };
        let code = rsp_codec::status::StatusCode {
            subject: error.subject_code(),
            reason: error.reason_code(),
        };
        let point = self.progress(
            profile,
            notification_point::CONFIRMATION_FAILURE,
            PointStatus::Failed(code),
        );
        let mut next = session.clone();
        if exhausted {
            // The download order is terminated (SGP.22 §3.1.3): no further attempt.
            profile.state = ProfileState::Error;
            next.phase = SessionPhase::Closed;
        }
        self.store
            .update_session(&next, Some(profile), point.as_slice())
            .await?;
        Err(error.into())
    }
}

/// euiccSignature2 over euiccSigned2 as received ‖ the smdpSignature2 TLV (SGP.22 §5.6.2),
/// with the eUICC key of this session, else 8.1/6.1; the echoed transactionId must be the
/// request's, else 8.10.1/3.9.
fn verify_signature2(
    ok: &PrepareDownloadResponseOk,
    session: &Session,
    euicc_key: &PublicKey,
) -> Result<(), Es9PlusError> {
    let smdp_signature2: [u8; 64] = session
        .smdp_signature2
        .as_deref()
        .and_then(|s| s.try_into().ok())
        .ok_or(RspError::EuiccVerificationFailed)?;
    let mut message = ok.euicc_signed2.raw().to_vec();
    message.extend_from_slice(&tlv_5f37(&smdp_signature2));
    euicc_key
        .verify_raw(&message, &ok.euicc_signature2)
        .map_err(|_| RspError::EuiccVerificationFailed)?;
    if ok.euicc_signed2.value().transaction_id.as_bytes() != session.transaction_id.as_slice() {
        return Err(RspError::TransactionIdUnknown.into());
    }
    Ok(())
}

/// The eUICC's own refusal (§5.7.5 DownloadErrorCode) as an ES9+ status code.
fn map_euicc_error(code: DownloadErrorCode) -> RspError {
    if code == DownloadErrorCode::INVALID_TRANSACTION_ID
        || code == DownloadErrorCode::NO_SESSION_CONTEXT
    {
        RspError::TransactionIdUnknown
    } else {
        RspError::EuiccVerificationFailed
    }
}
