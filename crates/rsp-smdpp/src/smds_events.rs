//! The SM-DP+'s Event Records at SM-DSes (SGP.22 §3.6.1; ES12 §5.5): an order confirmed
//! with an `smdsAddress` (ES2+.ConfirmOrder §5.3.2, or ReleaseProfile later) and released
//! wants an event at that SM-DS for its EID, with its MatchingID as EventID, until it is
//! downloaded, cancelled or expired; then the event is deleted.
//!
//! The Profile row, written in the order's own transaction, is the source of truth: a sender
//! (transport layer) reconciles the SM-DSes with it through [`SmdsEventStore`], retrying
//! until each SM-DS acknowledges, so a registration is neither lost (crash, SM-DS down) nor
//! made twice.

use std::future::Future;
use std::time::Duration;

use rsp_codec::json::{Eid, Iccid};

use crate::store::StoreError;

/// One registration or deletion to make.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmdsEventTask {
    /// The order's Profile.
    pub iccid: Iccid,
    /// The SM-DS.
    pub smds_address: String,
    /// The EventID (the order's MatchingID).
    pub event_id: String,
    /// The eUICC.
    pub eid: Eid,
    /// Whether the event shall exist (register) or not (delete).
    pub wanted: bool,
    /// Attempts since the last success, this one included.
    pub attempts: u32,
}

/// Persistence of the event registrations.
pub trait SmdsEventStore: Send + Sync {
    /// Picks up new orders that want an event, then takes up to `limit` registrations whose
    /// SM-DS state differs from the order's and that are due at `now_ms`, counting an
    /// attempt on each and hiding them from other senders for `lease`.
    fn claim_smds_events(
        &self,
        now_ms: i64,
        lease: Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<SmdsEventTask>, StoreError>> + Send;

    /// The SM-DS acknowledged: the event of `iccid` now exists there or not (a registration
    /// neither wanted nor registered is forgotten).
    fn smds_event_synced(
        &self,
        iccid: &Iccid,
        registered: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sending failed; try again at `due_at_ms`.
    fn smds_event_retry(
        &self,
        iccid: &Iccid,
        due_at_ms: i64,
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Registrations and deletions not yet acknowledged (known to the sender).
    fn pending_smds_events(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
