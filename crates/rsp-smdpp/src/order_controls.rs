//! The controls an Operator puts on a download order (SGP.22 v2.5 §5.6.3 status codes
//! 8.8.5/4.10 and 8.8.5/6.4): an expiry instant and a maximum number of download attempts.
//!
//! SGP.22 names the two refusals of ES9+.AuthenticateClient ("Download order" 8.8.5: 4.10
//! "Time to Live Expired", 6.4 "Maximum number of retries exceeded") and leaves their limits
//! to the SM-DP+ and its Operator. Here:
//! - every order gets its controls when it is created (ES2+.DownloadOrder), from
//!   [`OrderPolicy`] (server configuration); the admin API may change them per order;
//! - an expired order ends when the eUICC next asks for it: the Profile goes to
//!   [`OrderControls::on_expiry`] exactly as ES2+.CancelOrder would move it (never back to
//!   `Available` once its Bound Profile Package left the SM-DP+), and the EID it was ever
//!   linked to stays recorded ([`crate::ProfileRecord::eid_ever_bound`]);
//! - each ES9+.AuthenticateClient that selects the Profile counts one attempt; once
//!   `max_download_attempts` were made, the next is refused. The Confirmation Code attempt
//!   limit (8.2.7/6.4, GetBoundProfilePackage) is separate.

use std::time::Duration;

use rsp_codec::json::es2plus::FinalProfileStatusIndicator;
use rsp_codec::status::RspError;

use crate::profile::ProfileRecord;
use crate::profile_state::{ProfileEvent, ProfileState, TransitionError, transition};

/// The controls of one order, stored with the Profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderControls {
    /// When the order expires (Unix milliseconds); `None`: never (no order, or an order
    /// created before order controls existed).
    pub expires_at_ms: Option<i64>,
    /// The state an expired order leaves the Profile in (like CancelOrder's
    /// `finalProfileStatusIndicator`, SGP.22 §5.3.3).
    pub on_expiry: FinalProfileStatusIndicator,
    /// ES9+.AuthenticateClient calls that selected this Profile for the current order.
    pub download_attempts: u32,
    /// Attempts allowed; 0: unlimited.
    pub max_download_attempts: u32,
}

impl Default for OrderControls {
    /// No order: no expiry, back to `Available`, no attempt, unlimited.
    fn default() -> Self {
        Self {
            expires_at_ms: None,
            on_expiry: FinalProfileStatusIndicator::Available,
            download_attempts: 0,
            max_download_attempts: 0,
        }
    }
}

/// Why an order no longer serves a download.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrderRefusal {
    /// The expiry instant passed: 8.8.5/4.10.
    Expired,
    /// `max_download_attempts` were made: 8.8.5/6.4.
    AttemptsExhausted,
}

impl OrderRefusal {
    /// The ES9+.AuthenticateClient status code (SGP.22 §5.6.3).
    pub fn rsp_error(self) -> RspError {
        match self {
            Self::Expired => RspError::DownloadOrderExpired,
            Self::AttemptsExhausted => RspError::DownloadOrderRetriesExceeded,
        }
    }
}

impl OrderControls {
    /// Whether the order expired at `now_ms`.
    pub fn is_expired(&self, now_ms: i64) -> bool {
        self.expires_at_ms.is_some_and(|at| at <= now_ms)
    }

    /// Whether every allowed download attempt was made.
    pub fn attempts_exhausted(&self) -> bool {
        self.max_download_attempts != 0 && self.download_attempts >= self.max_download_attempts
    }

    /// Counts one download attempt (an AuthenticateClient that selected the Profile).
    pub fn count_attempt(&mut self) {
        self.download_attempts = self.download_attempts.saturating_add(1);
    }
}

/// The server-wide defaults of new orders (configuration).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OrderPolicy {
    /// Time from DownloadOrder to expiry; `None`: orders never expire.
    pub ttl: Option<Duration>,
    /// The state an expired order leaves the Profile in.
    pub on_expiry: FinalProfileStatusIndicator,
    /// Download attempts per order; 0: unlimited.
    pub max_download_attempts: u32,
}

impl Default for OrderPolicy {
    /// 30 days, back to `Available`, 5 download attempts.
    fn default() -> Self {
        Self {
            ttl: Some(Duration::from_secs(30 * 24 * 3600)),
            on_expiry: FinalProfileStatusIndicator::Available,
            max_download_attempts: 5,
        }
    }
}

impl OrderPolicy {
    /// The controls of an order created at `now_ms` (no attempt made yet).
    pub fn new_order(&self, now_ms: i64) -> OrderControls {
        let expires_at_ms = self.ttl.map(|ttl| {
            let ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
            now_ms.saturating_add(ms)
        });
        OrderControls {
            expires_at_ms,
            on_expiry: self.on_expiry,
            download_attempts: 0,
            max_download_attempts: self.max_download_attempts,
        }
    }
}

/// A Profile in one of these states has a pending order that can expire (it was not
/// delivered yet: SGP.22 §3.1.1).
pub fn order_pending(state: ProfileState) -> bool {
    matches!(
        state,
        ProfileState::Allocated
            | ProfileState::Linked
            | ProfileState::Confirmed
            | ProfileState::Released
    )
}

/// What ES9+.AuthenticateClient must refuse for `profile` at `now_ms` (expiry first), if
/// anything. Only a pending order expires; attempts are checked on a Released one (the only
/// state a download proceeds from).
pub fn check(profile: &ProfileRecord, now_ms: i64) -> Option<OrderRefusal> {
    if order_pending(profile.state) && profile.order.is_expired(now_ms) {
        return Some(OrderRefusal::Expired);
    }
    if profile.state == ProfileState::Released && profile.order.attempts_exhausted() {
        return Some(OrderRefusal::AttemptsExhausted);
    }
    None
}

/// Ends the order of `profile`, as CancelOrder does (SGP.22 §5.3.3): the state moves by the
/// CancelOrder transition with `final_status`, the order's EID link, MatchingID,
/// Confirmation Code and SM-DS address are cleared, and its controls reset (the attempt
/// counter starts again with the next order). `eid_ever_bound` is kept.
pub fn end_order(
    profile: &mut ProfileRecord,
    final_status: FinalProfileStatusIndicator,
) -> Result<(), TransitionError> {
    profile.state = transition(
        profile.state,
        ProfileEvent::CancelOrder {
            final_status,
            downloaded_ever: profile.downloaded_ever,
        },
    )?;
    profile.eid = None;
    profile.matching_id = None;
    profile.cc_hash = None;
    profile.cc_attempts = 0;
    profile.smds_address = None;
    profile.order = OrderControls::default();
    Ok(())
}

/// Ends an expired order: [`end_order`] with the order's own `on_expiry`.
pub fn expire(profile: &mut ProfileRecord) -> Result<(), TransitionError> {
    end_order(profile, profile.order.on_expiry)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "order_controls_tests.rs"]
mod tests;
