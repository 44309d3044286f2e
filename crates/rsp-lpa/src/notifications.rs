//! Notification handling (SGP.22 v2.5 §3.5 / §5.7.9–§5.7.11, §5.6.4): pending
//! notifications are read from the eUICC (ES10b.RetrieveNotificationsList), delivered to
//! their notificationAddress (ES9+.HandleNotification), and removed from the eUICC
//! (ES10b.RemoveNotificationFromList) once the SM-DP+ has accepted them.

use rsp_codec::asn1::{
    self, DeleteNotificationStatus, NotificationEvent, NotificationMetadata, PendingNotification,
};
use rsp_codec::json::Base64Bytes;
use rsp_codec::json::es9plus::HandleNotificationRequest;
use serde::Serialize;

use crate::error::LpaError;
use crate::es9plus::Es9PlusClient;
use crate::es10::Es10Channel;
use crate::es10b::{self, seq_u64};
use crate::profiles::iccid_to_text;

/// A pending notification as the LPA shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct NotificationSummary {
    /// Sequence number given by the eUICC.
    pub seq_number: u64,
    /// `install`, `enable`, `disable` or `delete`.
    pub operation: &'static str,
    /// Where it goes (FQDN, optionally `:port`).
    pub notification_address: String,
    /// ICCID of the profile, if given.
    pub iccid: Option<String>,
}

/// What happened to one notification in [`process`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ProcessedNotification {
    /// The notification.
    #[serde(flatten)]
    pub notification: NotificationSummary,
    /// Delivered and removed from the eUICC.
    pub delivered: bool,
    /// Why delivery or removal failed.
    pub error: Option<String>,
}

fn operation(event: &NotificationEvent) -> &'static str {
    if event.is_set(NotificationEvent::NOTIFICATION_INSTALL) {
        "install"
    } else if event.is_set(NotificationEvent::NOTIFICATION_ENABLE) {
        "enable"
    } else if event.is_set(NotificationEvent::NOTIFICATION_DISABLE) {
        "disable"
    } else if event.is_set(NotificationEvent::NOTIFICATION_DELETE) {
        "delete"
    } else {
        "unknown"
    }
}

fn summary(m: &NotificationMetadata) -> Result<NotificationSummary, LpaError> {
    Ok(NotificationSummary {
        seq_number: seq_u64(&m.seq_number)?,
        operation: operation(&m.profile_management_operation),
        notification_address: m.notification_address.clone(),
        iccid: m.iccid.as_ref().map(iccid_to_text),
    })
}

/// The metadata inside a `PendingNotification` TLV (§5.7.10).
fn metadata_of(pending: &[u8]) -> Result<NotificationMetadata, LpaError> {
    let decoded: PendingNotification =
        asn1::decode(pending).map_err(LpaError::es10("RetrieveNotificationsList"))?;
    Ok(match decoded {
        PendingNotification::ProfileInstallationResult(pir) => pir
            .profile_installation_result_data
            .value()
            .notification_metadata
            .clone(),
        PendingNotification::OtherSignedNotification(o) => o.tbs_other_notification.value().clone(),
    })
}

/// The sequence number of a PendingNotification (its NotificationMetadata, §5.7.10).
pub fn seq_number_of(pending: &[u8]) -> Result<u64, LpaError> {
    summary(&metadata_of(pending)?).map(|n| n.seq_number)
}

/// ES10b.ListNotification, summarised.
pub fn list<E: Es10Channel + ?Sized>(
    channel: &mut E,
) -> Result<Vec<NotificationSummary>, LpaError> {
    es10b::list_notification(channel)?
        .iter()
        .map(summary)
        .collect()
}

/// ES10b.RemoveNotificationFromList of `seq_number`; `false` if there was none.
pub fn remove<E: Es10Channel + ?Sized>(channel: &mut E, seq_number: u64) -> Result<bool, LpaError> {
    match es10b::remove_notification(channel, seq_number)? {
        DeleteNotificationStatus::OK => Ok(true),
        DeleteNotificationStatus::NOTHING_TO_DELETE => Ok(false),
        other => Err(LpaError::EuiccRefused {
            function: "RemoveNotificationFromList",
            code: other.0,
            reason: "undefinedError",
        }),
    }
}

/// Delivers every pending notification (or only `only`) and removes each one the SM-DP+
/// accepted. A failure of one notification is reported in its entry, not as an error:
/// it stays on the eUICC for a later attempt.
pub async fn process<E: Es10Channel + ?Sized>(
    channel: &mut E,
    es9: &Es9PlusClient,
    only: Option<u64>,
) -> Result<Vec<ProcessedNotification>, LpaError> {
    let pending = es10b::retrieve_notifications(channel, only)?;
    let mut out = Vec::with_capacity(pending.len());
    for der in pending {
        let metadata = metadata_of(&der)?;
        let notification = summary(&metadata)?;
        if only.is_some_and(|seq| seq != notification.seq_number) {
            continue;
        }
        let request = HandleNotificationRequest {
            pending_notification: Base64Bytes::new(der),
        };
        let sent = es9
            .handle_notification(&notification.notification_address, &request)
            .await;
        let result = match sent {
            Ok(()) => remove(channel, notification.seq_number).map(drop),
            Err(e) => Err(e),
        };
        match &result {
            Ok(()) => tracing::info!(
                seq = notification.seq_number,
                operation = notification.operation,
                address = %notification.notification_address,
                "notification delivered"
            ),
            Err(e) => tracing::warn!(
                seq = notification.seq_number,
                error = %e,
                "notification not delivered"
            ),
        }
        out.push(ProcessedNotification {
            notification,
            delivered: result.is_ok(),
            error: result.err().map(|e| e.to_string()),
        });
    }
    Ok(out)
}
