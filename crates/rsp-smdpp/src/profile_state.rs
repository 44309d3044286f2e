//! The Profile states an SM-DP+ keeps for each Profile of its inventory (SGP.22 v2.5 §3.1.1,
//! §5.3 ES2+, §5.6 ES9+), and the one function that moves between them: [`transition`].
//!
//! ```text
//! Available ─DownloadOrder(no EID)→ Allocated ─┐
//!           ─DownloadOrder(EID)───→ Linked ────┴─ConfirmOrder(release=false)→ Confirmed ─ReleaseProfile┐
//!                                              └─ConfirmOrder(release=true)──→ Released ←──────────────┘
//! Released ─BPP delivered→ Downloaded ─installation success→ Installed
//!                                     ─installation failure→ Error
//!                                     ─BPP delivered again (retry, same EID)→ Downloaded
//! Allocated|Linked|Confirmed|Released|Downloaded|Error ─CancelOrder→ Available | Unavailable
//! ```
//!
//! CancelOrder returns a Profile to `Available` only if its Bound Profile Package was never
//! delivered (its secrets may have left the SM-DP+); otherwise the Profile becomes
//! `Unavailable` whatever the Operator asked (SGP.22 §5.3.3 finalProfileStatusIndicator).
//! The "one EID ever" rule is not a state: see [`crate::ProfileRecord::eid_ever_bound`].

use std::fmt;

use rsp_codec::json::es2plus::FinalProfileStatusIndicator;
use rsp_codec::status::{RspError, StatusCode};

/// A Profile's state on the SM-DP+.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ProfileState {
    /// In stock, free for a download order.
    Available,
    /// Reserved by DownloadOrder without an EID (SGP.22 §5.3.1).
    Allocated,
    /// Reserved by DownloadOrder for one EID (SGP.22 §5.3.1).
    Linked,
    /// ConfirmOrder done, not yet released for download (SGP.22 §5.3.2).
    Confirmed,
    /// Released for download (ConfirmOrder with releaseFlag, or ReleaseProfile §5.3.4).
    Released,
    /// The Bound Profile Package was delivered to the LPA (ES9+.GetBoundProfilePackage).
    Downloaded,
    /// The eUICC reported a successful installation (Profile Installation Result).
    Installed,
    /// The download or installation failed.
    Error,
    /// Withdrawn for good (CancelOrder with finalProfileStatusIndicator `Unavailable`).
    Unavailable,
}

impl ProfileState {
    /// Every state, in lifecycle order.
    pub const ALL: [ProfileState; 9] = [
        Self::Available,
        Self::Allocated,
        Self::Linked,
        Self::Confirmed,
        Self::Released,
        Self::Downloaded,
        Self::Installed,
        Self::Error,
        Self::Unavailable,
    ];

    /// The stored name (also used in logs).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Available => "Available",
            Self::Allocated => "Allocated",
            Self::Linked => "Linked",
            Self::Confirmed => "Confirmed",
            Self::Released => "Released",
            Self::Downloaded => "Downloaded",
            Self::Installed => "Installed",
            Self::Error => "Error",
            Self::Unavailable => "Unavailable",
        }
    }

    /// Parses a stored name.
    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|s| s.as_str() == name)
    }
}

impl fmt::Display for ProfileState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What happens to a Profile.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProfileEvent {
    /// ES2+.DownloadOrder (SGP.22 §5.3.1); `with_eid` when the Operator gave an EID.
    DownloadOrder {
        /// The order names the eUICC.
        with_eid: bool,
    },
    /// ES2+.ConfirmOrder (SGP.22 §5.3.2).
    ConfirmOrder {
        /// `releaseFlag`.
        release: bool,
    },
    /// ES2+.ReleaseProfile (SGP.22 §5.3.4).
    ReleaseProfile,
    /// ES2+.CancelOrder (SGP.22 §5.3.3).
    CancelOrder {
        /// What the Operator asked for.
        final_status: FinalProfileStatusIndicator,
        /// The Bound Profile Package was delivered at least once.
        downloaded_ever: bool,
    },
    /// ES9+.GetBoundProfilePackage delivered the BPP (SGP.22 §5.6.2).
    BppDelivered,
    /// The eUICC's Profile Installation Result reports success (SGP.22 §5.6.4).
    InstallationSucceeded,
    /// The eUICC's Profile Installation Result reports an error (SGP.22 §5.6.4).
    InstallationFailed,
}

impl ProfileEvent {
    /// The event's name, for messages.
    pub const fn name(self) -> &'static str {
        match self {
            Self::DownloadOrder { .. } => "DownloadOrder",
            Self::ConfirmOrder { .. } => "ConfirmOrder",
            Self::ReleaseProfile => "ReleaseProfile",
            Self::CancelOrder { .. } => "CancelOrder",
            Self::BppDelivered => "BPP delivery",
            Self::InstallationSucceeded => "installation success",
            Self::InstallationFailed => "installation failure",
        }
    }
}

/// An event that the current state does not allow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("{} is not allowed in Profile state {from}", event.name())]
pub struct TransitionError {
    /// The state the Profile is in.
    pub from: ProfileState,
    /// The refused event.
    pub event: ProfileEvent,
}

/// SGP.22 §5.2.6.2 reason 3.5 "Invalid Transition" on subject 8.2.1 (Profile ICCID).
const ICCID_INVALID_TRANSITION: StatusCode = StatusCode::from_static("8.2.1", "3.5");

impl TransitionError {
    /// The SGP.22 status code the ES2+/ES9+ caller gets.
    ///
    /// DownloadOrder on a Profile that is not Available: 8.2.1/3.3 "not available" (§5.3.1).
    /// ConfirmOrder, CancelOrder, ReleaseProfile: 8.2.1/3.5 "Invalid Transition" (§5.3.4
    /// names it for ReleaseProfile; SGP.22 lists no other code for a Profile in the wrong state,
    /// so this suite uses it for the other two as well). BPP delivery: 8.2/3.7 (§5.6.2).
    pub fn rsp_error(&self) -> RspError {
        match self.event {
            ProfileEvent::DownloadOrder { .. } => RspError::IccidUnavailable,
            ProfileEvent::ConfirmOrder { .. }
            | ProfileEvent::CancelOrder { .. }
            | ProfileEvent::ReleaseProfile => RspError::from_status_code(ICCID_INVALID_TRANSITION),
            ProfileEvent::BppDelivered => RspError::BppUnavailable,
            ProfileEvent::InstallationSucceeded | ProfileEvent::InstallationFailed => {
                RspError::ExecutionError
            }
        }
    }
}

/// The state after `event`, or why `event` is refused in state `from`.
pub fn transition(
    from: ProfileState,
    event: ProfileEvent,
) -> Result<ProfileState, TransitionError> {
    use ProfileEvent as E;
    use ProfileState as S;
    let to = match (from, event) {
        (S::Available, E::DownloadOrder { with_eid: false }) => S::Allocated,
        (S::Available, E::DownloadOrder { with_eid: true }) => S::Linked,
        (S::Allocated | S::Linked, E::ConfirmOrder { release: false }) => S::Confirmed,
        (S::Allocated | S::Linked, E::ConfirmOrder { release: true }) => S::Released,
        (S::Confirmed, E::ReleaseProfile) => S::Released,
        // A new session of the same eUICC re-binds a downloaded Profile (§3.1.3 retry).
        (S::Released | S::Downloaded, E::BppDelivered) => S::Downloaded,
        (S::Downloaded, E::InstallationSucceeded) => S::Installed,
        (S::Downloaded, E::InstallationFailed) => S::Error,
        (
            S::Allocated | S::Linked | S::Confirmed | S::Released | S::Downloaded | S::Error,
            E::CancelOrder {
                final_status,
                downloaded_ever,
            },
        ) => match final_status {
            FinalProfileStatusIndicator::Available if !downloaded_ever && from != S::Downloaded => {
                S::Available
            }
            _ => S::Unavailable,
        },
        _ => return Err(TransitionError { from, event }),
    };
    Ok(to)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
#[path = "profile_state_tests.rs"]
mod tests;
