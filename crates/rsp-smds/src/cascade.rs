//! The Alternative SM-DS's cascade to the Root SM-DS (SGP.22 §3.6.1, ES15): while an EID has
//! a forwarded event here, the root holds one cascade event for it pointing at this SM-DS;
//! it is deleted with the last one. The store keeps the wanted and the acknowledged state per
//! EID ([`crate::store::Cascade`]); [`send_due`] converges them through a [`RootClient`],
//! retrying with back-off until the root acknowledges, across restarts and replicas.
//!
//! The root answering "EventID duplicated" to a registration, or "Event unknown" to a
//! deletion, means an earlier attempt went through without its answer: both count as done.

use std::future::Future;
use std::time::Duration;

use rsp_codec::json::Eid;
use rsp_codec::status::RspError;

use crate::event::EventId;
use crate::now_ms;
use crate::store::{Cascade, SmdsStore, StoreError};

/// How an ES15 call to the root ended when it did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SendError {
    /// The root answered with a status code.
    #[error("root SM-DS answered {}/{}", .0.subject_code(), .0.reason_code())]
    Refused(RspError),
    /// The root could not be reached or answered nonsense (retried).
    #[error("root SM-DS unreachable: {0}")]
    Transport(String),
}

/// The ES15 client of the Root SM-DS.
pub trait RootClient: Send + Sync {
    /// ES15.RegisterEvent at `root`: `eid`, `event_id`, this SM-DS as the server address,
    /// no forwarding.
    fn register(
        &self,
        root: &str,
        eid: &Eid,
        event_id: &EventId,
    ) -> impl Future<Output = Result<(), SendError>> + Send;

    /// ES15.DeleteEvent at `root`.
    fn delete(
        &self,
        root: &str,
        eid: &Eid,
        event_id: &EventId,
    ) -> impl Future<Output = Result<(), SendError>> + Send;
}

/// Retry timing of the cascade sender.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// How long a claimed cascade stays hidden from other senders.
    pub lease: Duration,
    /// First back-off; doubled per attempt up to `max_backoff`.
    pub backoff: Duration,
    /// Longest back-off.
    pub max_backoff: Duration,
    /// Cascades taken per round.
    pub batch: u32,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            lease: Duration::from_secs(30),
            backoff: Duration::from_secs(1),
            max_backoff: Duration::from_secs(300),
            batch: 32,
        }
    }
}

impl RetryPolicy {
    /// The back-off after `attempts` failed attempts.
    pub fn delay(&self, attempts: u32) -> Duration {
        let factor = 1u32 << attempts.saturating_sub(1).min(16);
        self.backoff.saturating_mul(factor).min(self.max_backoff)
    }
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Round {
    /// Cascades the root acknowledged.
    pub synced: u32,
    /// Cascades that failed and wait for a retry.
    pub failed: u32,
}

/// Sends the due cascades once; returns what happened.
pub async fn send_due<S: SmdsStore, C: RootClient>(
    store: &S,
    client: &C,
    policy: &RetryPolicy,
) -> Result<Round, StoreError> {
    let due = store
        .claim_cascades(now_ms(), policy.lease, policy.batch)
        .await?;
    let mut round = Round::default();
    for cascade in due {
        match send_one(client, &cascade).await {
            Ok(()) => {
                store.cascade_synced(&cascade.eid, cascade.wanted).await?;
                round.synced += 1;
            }
            Err(e) => {
                let delay = policy.delay(cascade.attempts);
                let due_at = now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(0));
                tracing::warn!(eid = %cascade.eid.as_str(), error = %e, "ES15 cascade failed, retrying");
                store
                    .cascade_retry(&cascade.eid, due_at, &e.to_string())
                    .await?;
                round.failed += 1;
            }
        }
    }
    Ok(round)
}

async fn send_one<C: RootClient>(client: &C, c: &Cascade) -> Result<(), SendError> {
    let result = if c.wanted {
        client.register(&c.root_address, &c.eid, &c.event_id).await
    } else {
        client.delete(&c.root_address, &c.eid, &c.event_id).await
    };
    settled(c.wanted, result)
}

/// The outcome of a registration (`wanted`) or deletion at an SM-DS, with "EventID
/// duplicated" to a registration and "Event unknown" to a deletion taken as done: an
/// earlier attempt went through without its answer. Serves every ES12/ES15 sender.
pub fn settled(wanted: bool, result: Result<(), SendError>) -> Result<(), SendError> {
    match result {
        Err(SendError::Refused(RspError::EventIdDuplicated)) if wanted => Ok(()),
        Err(SendError::Refused(RspError::EventUnknown)) if !wanted => Ok(()),
        other => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy::default();
        assert_eq!(p.delay(0), Duration::from_secs(1));
        assert_eq!(p.delay(1), Duration::from_secs(1));
        assert_eq!(p.delay(2), Duration::from_secs(2));
        assert_eq!(p.delay(5), Duration::from_secs(16));
        assert_eq!(p.delay(30), Duration::from_secs(300));
    }
}
