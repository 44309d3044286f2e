//! ES9+.HandleNotification (SGP.22 v2.5 §5.6.4): the eUICC's signed notifications, relayed
//! by the LPA. The function has no error response: what does not verify is logged and
//! dropped; only a store failure is reported (so the LPA may retry).

use rsp_codec::asn1::{
    self, FinalResult, OtherSignedNotification, PendingNotification, ProfileInstallationResult,
};
use rsp_codec::status::RspError;
use time::OffsetDateTime;

use super::{Es9Plus, Es9PlusError, notification_point, session_euicc_key, session_profile_of};
use crate::outbox::PointStatus;
use crate::profile_state::{ProfileEvent, transition};
use crate::session::{SessionPhase, SessionStore};
use crate::store::{InventoryStore, StoreError};

/// BPP installation failed (SGP.22 §5.3.5 reports the eUICC's result in `resultData`).
const INSTALLATION_FAILED: RspError = RspError::ExecutionError;

impl<S: InventoryStore + SessionStore> Es9Plus<S> {
    /// Handles one `PendingNotification` (DER as received).
    pub async fn handle_notification(
        &self,
        pending_notification: &[u8],
    ) -> Result<(), Es9PlusError> {
        let Ok(notification) = asn1::decode::<PendingNotification>(pending_notification) else {
            tracing::info!("undecodable pendingNotification dropped");
            return Ok(());
        };
        let outcome = match notification {
            PendingNotification::ProfileInstallationResult(pir) => {
                self.installation_result(&pir, pending_notification).await
            }
            PendingNotification::OtherSignedNotification(other) => {
                self.other_notification(&other, pending_notification).await
            }
        };
        match outcome {
            Err(Es9PlusError::Rejected(e)) => {
                tracing::info!(reason = %e.message(), "notification dropped");
                Ok(())
            }
            other => other,
        }
    }

    /// ProfileInstallationResult: euiccSignPIR over ProfileInstallationResultData as
    /// received, with the eUICC key of its session; Profile → Installed or Error (a failed
    /// Profile is not offered again, SGP.22 §3.1.3), ES2+ notification point 4.
    async fn installation_result(
        &self,
        pir: &ProfileInstallationResult,
        der: &[u8],
    ) -> Result<(), Es9PlusError> {
        let data = &pir.profile_installation_result_data;
        let tid = data.value().transaction_id.as_bytes();
        let mut read = self
            .store
            .get_session_with_profile(tid, false)
            .await?
            .filter(|r| r.session.phase == SessionPhase::BppDelivered)
            .ok_or(RspError::TransactionIdUnknown)?;
        session_euicc_key(&read.session)?
            .verify_raw(data.raw(), &pir.euicc_sign_pir.0)
            .map_err(|_| RspError::EuiccVerificationFailed)?;
        let mut profile = session_profile_of(&mut read)?;
        let session = read.session;
        let (event, status) = match data.value().final_result {
            FinalResult::SuccessResult(_) => {
                (ProfileEvent::InstallationSucceeded, PointStatus::Success)
            }
            FinalResult::ErrorResult(_) => (
                ProfileEvent::InstallationFailed,
                PointStatus::Failed(rsp_codec::status::StatusCode {
                    subject: INSTALLATION_FAILED.subject_code(),
                    reason: INSTALLATION_FAILED.reason_code(),
                }),
            ),
        };
        profile.state = transition(profile.state, event)?;
        let mut point = self.progress(&profile, notification_point::BPP_INSTALLATION, status);
        if let Some(p) = point.as_mut() {
            p.result_data = Some(der.to_vec());
        }
        let mut next = session;
        next.phase = SessionPhase::Closed;
        next.otsk_dp = None;
        self.store
            .update_session(&next, Some(&profile), point.as_slice())
            .await?;
        Ok(())
    }

    /// Enable / disable / delete notifications: eUICC and EUM certificates validated,
    /// signature over tbsOtherNotification as received, then forwarded to the Profile's
    /// Operator (notification point 5). The Profile's SM-DP+ state does not change.
    async fn other_notification(
        &self,
        other: &OtherSignedNotification,
        der: &[u8],
    ) -> Result<(), Es9PlusError> {
        let chain = rsp_auth::euicc_chain::validate(
            self.credentials().trust(),
            &other.euicc_certificate,
            &other.eum_certificate,
            OffsetDateTime::now_utc(),
        )?;
        chain
            .leaf
            .public_key()
            .verify_raw(
                other.tbs_other_notification.raw(),
                &other.euicc_notification_signature,
            )
            .map_err(|_| RspError::EuiccVerificationFailed)?;
        let Some(iccid) = other.tbs_other_notification.value().iccid.as_ref() else {
            return Err(RspError::ProtocolFormatInvalid.into());
        };
        let iccid = iccid_from_bcd(iccid.as_bytes()).ok_or(RspError::ProtocolFormatInvalid)?;
        let profile = self
            .store
            .find_by_iccid(&iccid)
            .await?
            .ok_or(RspError::IccidUnknown)?;
        if chain.eid.as_deref() != profile.eid_ever_bound.as_ref().map(|e| e.as_str()) {
            return Err(RspError::EidRefused.into());
        }
        let point = self.progress(
            &profile,
            notification_point::PROFILE_MANAGEMENT,
            PointStatus::Success,
        );
        let Some(mut point) = point else {
            return Ok(());
        };
        point.result_data = Some(der.to_vec());
        // No state change: an outbox-only write on the record's current version.
        match self.store.update(&profile, &[point]).await {
            Ok(_) => Ok(()),
            Err(StoreError::Conflict) => Err(RspError::ExecutionError.into()),
            Err(e) => Err(e.into()),
        }
    }
}

/// The ICCID of a swapped-nibble BCD `Iccid` (padding `F` dropped).
fn iccid_from_bcd(bcd: &[u8; 10]) -> Option<rsp_codec::json::Iccid> {
    let mut digits = String::with_capacity(20);
    for byte in bcd {
        for nibble in [byte & 0x0F, byte >> 4] {
            match nibble {
                0..=9 => digits.push(char::from(b'0' + nibble)),
                0x0F => {}
                _ => return None,
            }
        }
    }
    rsp_codec::json::Iccid::parse(&digits).ok()
}
