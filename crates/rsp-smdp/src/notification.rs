//! The SM-SRs' notifications, passed on to the Operators (SGP.02 §5.4 ES3
//! HandleProfileEnabled/Disabled/DeletedNotification and HandleSMSRChangeNotification →
//! §5.3 ES2 notifications of the same name): a Profile this SM-DP put on an eUICC changed
//! state, or the eUICC moved to another SM-SR (§3.7), and the Operators concerned are told.
//!
//! - A notification is recorded once per (SM-SR, `wsa:MessageID`): the SM-SR delivers at
//!   least once, a repeat changes nothing ([`Recorded::Duplicate`]).
//! - A Profile notification's Operator is the one whose DownloadProfile order put that
//!   Profile (ICCID) on that eUICC (EID). An SM-SR change goes to every Operator with an
//!   order of this SM-DP that installed a Profile on that eUICC (our reading: SGP.02 names
//!   no filter; the SM-DP tells the Operators it serves on that eUICC). Without one it is
//!   kept as received and not passed on ([`Recorded::Unrouted`]).
//! - The ES2 notifications are queued in the same write as the record (a transactional
//!   outbox) and sent at least once, retried, like the DownloadProfileResponses.

use std::future::Future;

use serde::Serialize;

use crate::store::StoreError;

/// What happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationEvent {
    /// HandleProfileEnabledNotification.
    Enabled,
    /// HandleProfileDisabledNotification.
    Disabled,
    /// HandleProfileDeletedNotification (the ISD-P is gone).
    Deleted,
    /// HandleSMSRChangeNotification (the eUICC is managed by another SM-SR now).
    SmsrChange,
}

impl NotificationEvent {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Enabled => "enabled",
            Self::Disabled => "disabled",
            Self::Deleted => "deleted",
            Self::SmsrChange => "smsr_change",
        }
    }

    /// The event of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "enabled" => Self::Enabled,
            "disabled" => Self::Disabled,
            "deleted" => Self::Deleted,
            "smsr_change" => Self::SmsrChange,
            _ => return None,
        })
    }
}

/// What a notification is about.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub enum Subject {
    /// A Profile ([`NotificationEvent::Enabled`], `Disabled`, `Deleted`).
    Profile {
        /// Its ICCID.
        iccid: String,
    },
    /// The eUICC's new SM-SR ([`NotificationEvent::SmsrChange`]).
    Eis {
        /// The EIS as the SM-SR sent it: its web-service element (`rps:Eis`, written
        /// without ISD-R keys), passed on as it came.
        eis: String,
    },
}

/// A notification as an SM-SR sent it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReceivedNotification {
    /// The SM-SR that sent it (from its client certificate).
    pub smsr_id: String,
    /// Its `wsa:MessageID`.
    pub message_id: String,
    /// What happened.
    pub event: NotificationEvent,
    /// eUICC.
    pub eid: String,
    /// The Profile, or the EIS.
    #[serde(flatten)]
    pub subject: Subject,
    /// `CompletionTimestamp` as sent (`xs:dateTime`).
    pub completion_timestamp: String,
}

impl ReceivedNotification {
    /// The Profile's ICCID, for a Profile notification.
    pub fn iccid(&self) -> Option<&str> {
        match &self.subject {
            Subject::Profile { iccid } => Some(iccid),
            Subject::Eis { .. } => None,
        }
    }

    /// The EIS, for an SM-SR change.
    pub fn eis(&self) -> Option<&str> {
        match &self.subject {
            Subject::Eis { eis } => Some(eis),
            Subject::Profile { .. } => None,
        }
    }
}

/// What [`NotificationStore::record_notification`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recorded {
    /// Recorded and queued for these Operators (one for a Profile notification).
    Forwarded(Vec<String>),
    /// Recorded; no order of this SM-DP put the Profile on the eUICC.
    Unrouted,
    /// Recorded before (same SM-SR and MessageID): nothing done.
    Duplicate,
}

/// Where a recorded notification stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationState {
    /// To be sent to the Operator.
    Pending,
    /// The Operator took it.
    Done,
    /// Given up.
    Failed,
    /// Nobody to pass it on to.
    Unrouted,
}

impl NotificationState {
    /// The state of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "pending" => Self::Pending,
            "done" => Self::Done,
            "failed" => Self::Failed,
            "unrouted" => Self::Unrouted,
            _ => return None,
        })
    }
}

/// A recorded notification (admin view).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredNotification {
    /// Store identifier.
    pub id: i64,
    /// As received.
    #[serde(flatten)]
    pub notification: ReceivedNotification,
    /// The Operator it goes to.
    pub operator: Option<String>,
    /// Where it stands.
    pub state: NotificationState,
    /// Delivery attempts so far.
    pub attempts: u32,
    /// Unix seconds.
    pub received_at: i64,
}

/// A notification claimed for delivery to its Operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedNotification {
    /// Store identifier.
    pub id: i64,
    /// As received.
    pub notification: ReceivedNotification,
    /// The Operator.
    pub operator: String,
    /// Delivery attempts so far (including this one once claimed).
    pub attempts: u32,
}

/// Persistence of the notifications (`rsp-storage`, migrations
/// `20261212000002_smdp_notifications`, `20261212000041_smdp_smsr_change_notifications`).
pub trait NotificationStore: Send + Sync {
    /// Records `n` unless its (SM-SR, MessageID) is known, with its Operators (see the
    /// module's rules) and, when there are any, queued for each, in one write.
    fn record_notification(
        &self,
        n: &ReceivedNotification,
        now: i64,
    ) -> impl Future<Output = Result<Recorded, StoreError>> + Send;

    /// Claims up to `limit` due notifications for `lease` seconds (their attempt counted).
    fn claim_notifications(
        &self,
        now: i64,
        limit: i64,
        lease: i64,
    ) -> impl Future<Output = Result<Vec<QueuedNotification>, StoreError>> + Send;

    /// Ends one: delivered (`true`) or given up (`false`).
    fn notification_ended(
        &self,
        id: i64,
        delivered: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Reschedules one whose delivery failed.
    fn notification_retry(
        &self,
        id: i64,
        at: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The notifications, newest first, at most `limit`.
    fn notifications(
        &self,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredNotification>, StoreError>> + Send;
}
