//! ES2+.HandleDownloadProgressInfo messages (SGP.22 §5.3.5), SM-DP+ → Operator.
//!
//! A message is queued in the same database transaction as the Profile state change it
//! reports (transactional outbox), so a crash can neither lose it nor send it for a change
//! that was rolled back. A sender (later) claims due messages, calls the Operator, and marks
//! each delivered or reschedules it with [`RetryPolicy`].

use std::time::Duration;

use rsp_codec::json::{Eid, Iccid};
use rsp_codec::status::StatusCode;

use crate::operator::OperatorId;

/// `notificationPointStatus` (SGP.22 §6.5.1.4 FunctionExecutionStatus).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PointStatus {
    /// `Executed-Success`.
    Success,
    /// `Failed`, with the status code of the failure.
    Failed(StatusCode),
    /// `Expired` (e.g. the download order timed out).
    Expired,
}

/// One HandleDownloadProgressInfo call to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DownloadProgress {
    /// Whose ES2+ endpoint to call.
    pub operator: OperatorId,
    /// The Profile.
    pub iccid: Iccid,
    /// The eUICC, when known.
    pub eid: Option<Eid>,
    /// Its Profile Type.
    pub profile_type: String,
    /// When the notification point was reached (Unix milliseconds).
    pub timestamp_ms: i64,
    /// SGP.22 §5.3.5 notification point (1 eligibility check, 2 confirmation, 3 BPP download,
    /// 4 BPP installation, 5..= Profile management notifications).
    pub notification_point_id: u32,
    /// Outcome at that point.
    pub status: PointStatus,
    /// DER data from the eUICC (e.g. a ProfileInstallationResult), if any.
    pub result_data: Option<Vec<u8>>,
}

/// A queued message as the sender sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutboxEntry {
    /// Store-assigned identifier.
    pub id: i64,
    /// The message.
    pub message: DownloadProgress,
    /// Delivery attempts started so far (including the current one once claimed).
    pub attempts: u32,
}

/// Exponential backoff for failed deliveries: `base · 2^(attempts-1)`, capped at `max`,
/// abandoned after `max_attempts`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Delay after the first failure.
    pub base: Duration,
    /// Longest delay.
    pub max: Duration,
    /// Attempts before the message is abandoned.
    pub max_attempts: u32,
}

impl Default for RetryPolicy {
    /// 10 s, doubling up to 1 h, 20 attempts (about 14 hours in all).
    fn default() -> Self {
        Self {
            base: Duration::from_secs(10),
            max: Duration::from_secs(3600),
            max_attempts: 20,
        }
    }
}

impl RetryPolicy {
    /// Delay before the next attempt after `attempts` failed ones; `None` to give up.
    pub fn next_delay(&self, attempts: u32) -> Option<Duration> {
        if attempts == 0 || attempts >= self.max_attempts {
            return if attempts == 0 {
                Some(Duration::ZERO)
            } else {
                None
            };
        }
        let factor = 1u32.checked_shl(attempts - 1).unwrap_or(u32::MAX);
        Some(self.base.saturating_mul(factor).min(self.max))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_gives_up() {
        let p = RetryPolicy {
            base: Duration::from_secs(10),
            max: Duration::from_secs(60),
            max_attempts: 6,
        };
        let delays: Vec<Option<u64>> = (0..=6)
            .map(|a| p.next_delay(a).map(|d| d.as_secs()))
            .collect();
        assert_eq!(
            delays,
            [
                Some(0),
                Some(10),
                Some(20),
                Some(40),
                Some(60),
                Some(60),
                None
            ]
        );
        let long = RetryPolicy {
            max_attempts: u32::MAX,
            ..RetryPolicy::default()
        };
        assert_eq!(long.next_delay(100), Some(Duration::from_secs(3600)));
    }
}
