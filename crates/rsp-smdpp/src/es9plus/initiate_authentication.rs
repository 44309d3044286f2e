//! ES9+.InitiateAuthentication (SGP.22 v2.5 §5.6.1, §3.1.2 steps 6–10).

use rsp_auth::{InitiateError, Initiated};
use rsp_codec::asn1::InitiateAuthenticationOkEs9;
use rsp_codec::status::RspError;

use super::{Es9Plus, Es9PlusError, now_ms};
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
        let credentials = self.credentials();
        let Initiated {
            ok,
            ci,
            server_challenge,
            ..
        } = rsp_auth::initiate(
            &*credentials,
            |dp| &dp.dp_auth,
            euicc_challenge,
            euicc_info1,
            &self.config.smdp_address,
        )
        .map_err(|e| match e {
            InitiateError::Format => RspError::ProtocolFormatInvalid.into(),
            InitiateError::Svn => RspError::SmdpSvnUnsupported.into(),
            InitiateError::Select(e) => e.es9plus().into(),
            InitiateError::Sign(e) => Es9PlusError::from(e),
            InitiateError::Rng => Es9PlusError::Rng,
        })?;
        let now = now_ms();
        let ttl = i64::try_from(self.config.session_ttl.as_millis()).unwrap_or(i64::MAX);
        let session = Session {
            transaction_id: ok.transaction_id.as_bytes().to_vec(),
            phase: SessionPhase::Initiated,
            ci_key_id: ci.to_vec(),
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
        Ok(ok)
    }
}
