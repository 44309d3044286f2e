//! ES9+.CancelSession (SGP.22 v2.5 §5.6.5, §3.1.3 "cancel session").

use rsp_codec::asn1::{self, CancelSessionReason, CancelSessionResponse};
use rsp_codec::status::{RspError, StatusCode};

use super::error::bad_format;
use super::{Es9Plus, Es9PlusError, notification_point, session_euicc_key};
use crate::outbox::PointStatus;
use crate::profile_state::ProfileState;
use crate::session::{SessionPhase, SessionStore};
use crate::store::InventoryStore;

impl<S: InventoryStore + SessionStore> Es9Plus<S> {
    /// Ends the session at the eUICC's request.
    ///
    /// `cancel_session_response` is the DER of `CancelSessionResponse` (BF41) as received.
    /// Errors: unknown/expired/closed transaction 8.10.1/3.9; signature not by this
    /// session's eUICC 8.1/6.1; smdpOid not this SM-DP+'s 8.8/3.10. The Profile stays
    /// Released (a new download may follow, SGP.22 §3.1.3); after a delivered BPP with
    /// `loadBppExecutionError` it becomes Error.
    /// The Operator is notified (point 3, Failed) and the session is closed.
    pub async fn cancel_session(
        &self,
        transaction_id: &[u8],
        cancel_session_response: &[u8],
    ) -> Result<(), Es9PlusError> {
        let session = self
            .live_session(
                transaction_id,
                &[
                    SessionPhase::Initiated,
                    SessionPhase::Authenticated,
                    SessionPhase::BppDelivered,
                ],
            )
            .await?;
        let response: CancelSessionResponse =
            asn1::decode(cancel_session_response).map_err(bad_format)?;
        let CancelSessionResponse::CancelSessionResponseOk(ok) = response else {
            return Err(RspError::TransactionIdUnknown.into());
        };
        session_euicc_key(&session)?
            .verify_raw(
                ok.euicc_cancel_session_signed.raw(),
                &ok.euicc_cancel_session_signature,
            )
            .map_err(|_| RspError::EuiccVerificationFailed)?;
        let signed = ok.euicc_cancel_session_signed.value();
        if signed.transaction_id.as_bytes() != session.transaction_id.as_slice() {
            return Err(RspError::TransactionIdUnknown.into());
        }
        // §5.6.5: smdpOid is the SM-DP+ OID of the CERT.DPauth.ECDSA this session used.
        let own_oid = self
            .credentials()
            .by_ci(&session.ci_key_id)
            .and_then(|dp| dp.dp_auth.cert.registered_id())
            .and_then(asn1::oid_from_text);
        if own_oid.as_ref() != Some(&signed.smdp_oid) {
            return Err(RspError::SmdpOidInvalid.into());
        }
        let mut profile = self.session_profile(&session).await?;
        if profile.state == ProfileState::Downloaded
            && signed.reason == CancelSessionReason::LOAD_BPP_EXECUTION_ERROR
        {
            profile.state = ProfileState::Error;
        }
        let code = StatusCode::from_static("8.10", "3.8");
        let point = self.progress(
            &profile,
            notification_point::BPP_DOWNLOAD,
            PointStatus::Failed(code),
        );
        let mut next = session;
        next.phase = SessionPhase::Closed;
        next.otsk_dp = None;
        self.store
            .update_session(&next, Some(&profile), point.as_slice())
            .await?;
        Ok(())
    }
}
