//! ES9+.InitiateAuthentication (SGP.22 v2.5 §5.6.1, §3.1.2 steps 6–10).

use rsp_auth::SelectError;
use rsp_codec::asn1::{
    self, Certificate, EUICCInfo1, Extensions, InitiateAuthenticationOkEs9, Octet16, TransactionId,
};
use rsp_codec::status::RspError;

use super::error::bad_format;
use super::{Es9Plus, Es9PlusError, now_ms, random16};
use crate::session::{Session, SessionPhase, SessionStore};
use crate::store::{InventoryStore, StoreError, UniqueKey};

impl<S: InventoryStore + SessionStore> Es9Plus<S> {
    /// Starts an RSP session.
    ///
    /// `euicc_challenge` (16 bytes) and `euicc_info1` (DER of `EUICCInfo1`, tag BF20) as
    /// received; `smdp_address` as sent by the LPA. Errors: address not this SM-DP+'s
    /// 8.8.1/3.8; an `svn` other than 2.x 8.8.3/3.1; no trusted CI the eUICC can sign with
    /// 8.8.2/3.1; no CERT.DPauth under a CI it can verify 8.8.4/3.7 (§5.6.1, see
    /// [`rsp_auth::ServerCredentials::select`]); malformed input 1.3.1/2.1; an `euiccChallenge`
    /// already used with this SM-DP+ 8.1/6.1 (a replayed challenge is not a fresh eUICC
    /// challenge; SGP.22 lists no dedicated code).
    pub async fn initiate_authentication(
        &self,
        euicc_challenge: &[u8],
        euicc_info1: &[u8],
        smdp_address: &str,
    ) -> Result<InitiateAuthenticationOkEs9, Es9PlusError> {
        if !smdp_address.eq_ignore_ascii_case(&self.config.smdp_address) {
            return Err(RspError::SmdpAddressRefused.into());
        }
        let challenge = Octet16::try_from(euicc_challenge).map_err(bad_format)?;
        let info1: EUICCInfo1 = asn1::decode(euicc_info1).map_err(bad_format)?;
        // §5.6.1: the SM-DP+ verifies that it supports the eUICC's SVN.
        if !rsp_auth::svn_supported(&info1) {
            return Err(RspError::SmdpSvnUnsupported.into());
        }
        let selection = self
            .credentials
            .select(
                &info1.euicc_ci_pk_id_list_for_verification,
                &info1.euicc_ci_pk_id_list_for_signing,
            )
            .map_err(SelectError::es9plus)?;
        let (ci_key_id, dp) = (selection.ci, selection.credentials);
        let transaction_id = random16()?;
        let server_challenge = random16()?;
        let (signed, signature) = rsp_auth::server_signed1(
            &transaction_id,
            challenge,
            &self.config.smdp_address,
            server_challenge,
            dp.dp_auth.signer.as_ref(),
        )?;
        let now = now_ms();
        let ttl = i64::try_from(self.config.session_ttl.as_millis()).unwrap_or(i64::MAX);
        let session = Session {
            transaction_id: transaction_id.to_vec(),
            phase: SessionPhase::Initiated,
            ci_key_id: ci_key_id.to_vec(),
            euicc_challenge: euicc_challenge.to_vec(),
            server_challenge: server_challenge.to_vec(),
            profile: None,
            eid: None,
            euicc_public_key: None,
            smdp_signature2: None,
            cc_required: false,
            euicc_otpk: None,
            otsk_dp: None,
            created_at_ms: now,
            expires_at_ms: now.saturating_add(ttl),
            version: 0,
        };
        match self.store.create_session(&session).await {
            Err(StoreError::Duplicate(UniqueKey::EuiccChallenge)) => {
                tracing::warn!("replayed euiccChallenge refused");
                return Err(RspError::EuiccVerificationFailed.into());
            }
            other => other?,
        }
        Ok(InitiateAuthenticationOkEs9 {
            transaction_id: TransactionId(transaction_id.to_vec().into()),
            server_signed1: signed,
            server_signature1: signature.into(),
            euicc_ci_pk_id_to_be_used: selection.to_be_used.into(),
            server_certificate: Certificate::from_der(dp.dp_auth.cert.der())?,
            ext: Extensions::default(),
        })
    }
}
