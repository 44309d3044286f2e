//! What the SM-DP+ domain needs from persistence, one trait per need. `rsp-storage`
//! implements them for SQLite and PostgreSQL.
//!
//! Rules every implementation keeps:
//! - ICCIDs are keyed by their significant digits ([`Iccid::digits`]); a padding `F` is not
//!   part of the identity.
//! - [`InventoryStore::update`] is a compare-and-swap on [`ProfileRecord::version`]; the
//!   outbox messages given with it are written in the same transaction, or not at all.
//! - [`InventoryStore::claim_available`] picks and updates one `Available` Profile
//!   atomically: two concurrent claims never get the same Profile.
//! - Profile Packages are encrypted at rest.

use std::future::Future;
use std::time::Duration;

use rsp_codec::json::{Eid, Iccid};

use crate::matching_id::MatchingId;
use crate::operator::OperatorId;
use crate::order_controls::OrderControls;
use crate::outbox::{DownloadProgress, OutboxEntry};
use crate::profile::{NewProfile, ProfilePackage, ProfileRecord};
use crate::profile_state::ProfileState;

/// A unique key that an insert or update would duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UniqueKey {
    /// The ICCID is already in the inventory.
    Iccid,
    /// The MatchingID is already used by another order.
    MatchingId,
    /// The eUICC challenge was already used in an RSP session (ES9+ replay).
    EuiccChallenge,
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record changed since it was read (optimistic concurrency): read again and retry.
    #[error("the record was changed concurrently")]
    Conflict,
    /// A unique key is taken.
    #[error("duplicate {0:?}")]
    Duplicate(UniqueKey),
    /// The record to update does not exist.
    #[error("no such record")]
    NotFound,
    /// A stored value does not parse (the database was changed outside this code).
    #[error("stored data is invalid: {0}")]
    Corrupt(&'static str),
    /// Encrypting or decrypting a Profile Package failed (wrong key or tampered row).
    #[error("profile package encryption failed")]
    Crypto,
    /// The database failed.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// An atomic "take one Available Profile of this type" request (DownloadOrder by Profile Type).
#[derive(Debug, Clone, Copy)]
pub struct Claim<'a> {
    /// The calling Operator.
    pub operator: &'a OperatorId,
    /// Its Profile Type.
    pub profile_type: &'a str,
    /// The eUICC to link, if any. A Profile whose `eid_ever_bound` is set is only taken for
    /// that same EID, never for another EID nor for an order without EID.
    pub eid: Option<&'a Eid>,
    /// The state to move the claimed Profile to (from [`crate::profile_state::transition`]).
    pub new_state: ProfileState,
    /// The controls of the new order (expiry, download attempts).
    pub order: OrderControls,
}

/// The Profile inventory.
pub trait InventoryStore: Send + Sync {
    /// Adds Profiles in state `Available`, all or none ([`UniqueKey::Iccid`] on a duplicate).
    fn import(
        &self,
        profiles: &[NewProfile],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The Profile `iccid` if `operator` owns it.
    fn get(
        &self,
        operator: &OperatorId,
        iccid: &Iccid,
    ) -> impl Future<Output = Result<Option<ProfileRecord>, StoreError>> + Send;

    /// Atomically picks one `Available` Profile matching `claim`, moves it to
    /// `claim.new_state` and links `claim.eid`; `None` when there is none.
    fn claim_available(
        &self,
        claim: Claim<'_>,
    ) -> impl Future<Output = Result<Option<ProfileRecord>, StoreError>> + Send;

    /// Whether `operator` has any Profile (in any state) of `profile_type`.
    fn has_profile_type(
        &self,
        operator: &OperatorId,
        profile_type: &str,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Writes `record` if its row is still at `record.version`, and queues `outbox` in the
    /// same transaction. Returns the record with its new version.
    fn update(
        &self,
        record: &ProfileRecord,
        outbox: &[DownloadProgress],
    ) -> impl Future<Output = Result<ProfileRecord, StoreError>> + Send;

    /// The Profile whose order has this MatchingID (any Operator: ES9+ knows no Operator).
    fn find_by_matching_id(
        &self,
        matching_id: &MatchingId,
    ) -> impl Future<Output = Result<Option<ProfileRecord>, StoreError>> + Send;

    /// Released Profiles linked to `eid` without MatchingID: the default SM-DP+ flow
    /// (SGP.22 §3.1.2, an empty MatchingID in the Activation Code / eUICC request).
    fn find_released_for_eid(
        &self,
        eid: &Eid,
    ) -> impl Future<Output = Result<Vec<ProfileRecord>, StoreError>> + Send;

    /// The Profile `iccid`, whoever owns it (ES9+ knows no Operator).
    fn find_by_iccid(
        &self,
        iccid: &Iccid,
    ) -> impl Future<Output = Result<Option<ProfileRecord>, StoreError>> + Send;

    /// The decrypted Profile Package of `iccid`.
    fn load_package(
        &self,
        iccid: &Iccid,
    ) -> impl Future<Output = Result<Option<ProfilePackage>, StoreError>> + Send;
}

/// The ES2+.HandleDownloadProgressInfo outbox (messages are added by
/// [`InventoryStore::update`]).
pub trait OutboxStore: Send + Sync {
    /// Takes up to `limit` messages due at `now_ms`, counts an attempt on each and hides them
    /// from other senders for `lease` (a sender that dies mid-way loses only its lease).
    fn claim_due(
        &self,
        now_ms: i64,
        lease: Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxEntry>, StoreError>> + Send;

    /// The Operator acknowledged message `id`.
    fn mark_delivered(
        &self,
        id: i64,
        now_ms: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Delivery failed; try again at `due_at_ms`.
    fn reschedule(
        &self,
        id: i64,
        due_at_ms: i64,
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Delivery failed for good (retries exhausted); the message stays for inspection.
    fn abandon(
        &self,
        id: i64,
        now_ms: i64,
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Messages neither delivered nor abandoned.
    fn pending_count(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
