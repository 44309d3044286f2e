//! What the eIM needs from persistence. `rsp-storage` implements it for SQLite and
//! PostgreSQL (`eim.rs`, migration `20261207000001_eim`).
//!
//! Rules every implementation keeps:
//! - [`EimStore::next_counter`] allocates a counter value with one atomic statement, so two
//!   processes never sign two packages with the same counter for one eUICC.
//! - [`EimStore::claim_operation`] hands the oldest unfinished operation of an eUICC to one
//!   caller at a time: a delivered operation is handed out again only after its lease ran
//!   out (operations of one eUICC run in order, one in flight).
//! - [`EimStore::complete_operation`] succeeds once per operation (a replayed result finds it
//!   finished) and changes the eUICC's state and queues the webhook in the same transaction.
//! - Fleet scale: [`EimStore::register_euiccs`] and [`EimStore::queue_operations`] write a
//!   whole batch set-wise (one statement, one transaction), and [`EimStore::poll_operation`]
//!   answers an empty poll in one statement (one round trip on PostgreSQL).

use std::future::Future;
use std::time::Duration;

use rsp_codec::json::Eid;

use crate::model::{
    EuiccRecord, EuiccState, Operation, OperationKind, OperationStatus, OutboxItem, OutboxKind,
    Tenant,
};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken (an EID registered twice).
    #[error("duplicate")]
    Duplicate,
    /// A stored value does not parse (the database was changed outside this code).
    #[error("stored data is invalid: {0}")]
    Corrupt(&'static str),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// The end of an operation ([`EimStore::complete_operation`]).
#[derive(Debug, Clone)]
pub struct Completion<'a> {
    /// The operation.
    pub operation_id: i64,
    /// Done or failed.
    pub status: OperationStatus,
    /// Result summary (JSON).
    pub result: &'a serde_json::Value,
    /// The eUICC's new state, if the result changed it.
    pub state: Option<&'a EuiccState>,
    /// The tenant's webhook, to queue the result for.
    pub webhook: Option<(&'a str, &'a [u8])>,
}

/// What one poll of an eUICC's queue found ([`EimStore::poll_operation`]).
#[derive(Debug, Clone, PartialEq)]
pub enum Poll {
    /// No eUICC has this EID.
    UnknownEid,
    /// Nothing to hand out: no unfinished operation, or the oldest one is delivered and
    /// its lease runs.
    Empty,
    /// The oldest unfinished operation, now leased to the caller.
    Claimed(Box<Operation>),
}

/// Which eUICCs a bulk queue ([`EimStore::queue_operations`]) is for.
#[derive(Debug, Clone, Copy)]
pub enum BulkTarget<'a> {
    /// Every eUICC of the tenant.
    All,
    /// These EIDs, those of the tenant (others are skipped and reported).
    Eids(&'a [Eid]),
}

/// Persistence of the eIM.
pub trait EimStore: Send + Sync {
    /// Creates or updates a tenant (configuration sync at start-up).
    fn upsert_tenant(&self, tenant: &Tenant)
    -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Removes every tenant whose id is not in `keep` (their tokens stop working; their
    /// eUICCs and operations stay); the ids removed.
    fn remove_tenants_except(
        &self,
        keep: &[String],
    ) -> impl Future<Output = Result<Vec<String>, StoreError>> + Send;

    /// The tenant whose token hashes to `token_sha256`.
    fn tenant_by_token(
        &self,
        token_sha256: &[u8; 32],
    ) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send;

    /// The tenant `id`.
    fn tenant(&self, id: &str) -> impl Future<Output = Result<Option<Tenant>, StoreError>> + Send;

    /// Registers an eUICC ([`StoreError::Duplicate`] when its EID is known).
    fn register_euicc(
        &self,
        euicc: &EuiccRecord,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The eUICC `eid`, whatever its tenant.
    fn euicc(
        &self,
        eid: &Eid,
    ) -> impl Future<Output = Result<Option<EuiccRecord>, StoreError>> + Send;

    /// The eUICCs of `tenant`, by EID, at most `limit`.
    fn list_euiccs(
        &self,
        tenant: &str,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<EuiccRecord>, StoreError>> + Send;

    /// Records the eUICC's certificates (learnt from an IpaEuiccDataResponse).
    fn set_certificates(
        &self,
        eid: &Eid,
        euicc_certificate: &[u8],
        eum_certificate: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Allocates the next counter value of `eid` (`None`: unknown eUICC).
    fn next_counter(
        &self,
        eid: &Eid,
    ) -> impl Future<Output = Result<Option<i64>, StoreError>> + Send;

    /// Queues an operation; its id.
    fn queue_operation(
        &self,
        eid: &Eid,
        tenant: &str,
        kind: &OperationKind,
    ) -> impl Future<Output = Result<i64, StoreError>> + Send;

    /// Hands out the oldest unfinished operation of `eid` if it is pending or its lease
    /// ran out, leasing it for `lease`.
    fn claim_operation(
        &self,
        eid: &Eid,
        now_ms: i64,
        lease: Duration,
    ) -> impl Future<Output = Result<Option<Operation>, StoreError>> + Send;

    /// Keeps what was delivered for an operation: its counter value, transaction id and
    /// message, so a re-delivery sends the same bytes.
    fn set_delivered(
        &self,
        operation_id: i64,
        counter_value: Option<i64>,
        transaction_id: &[u8],
        message: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The delivered, unfinished operation of `eid` with this transaction id, or with this
    /// counter value.
    fn delivered_operation(
        &self,
        eid: &Eid,
        transaction_id: Option<&[u8]>,
        counter_value: Option<i64>,
    ) -> impl Future<Output = Result<Option<Operation>, StoreError>> + Send;

    /// Finishes a delivered operation; `false` when it was finished already.
    fn complete_operation(
        &self,
        completion: &Completion<'_>,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Cancels a pending or delivered operation (it becomes failed with `result`); `false`
    /// when it was finished already.
    fn cancel_operation(
        &self,
        operation_id: i64,
        result: &serde_json::Value,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records a result received (accepted or refused, with why), kept for audit.
    fn record_result(
        &self,
        eid: &Eid,
        operation_id: Option<i64>,
        accepted: bool,
        reason: &str,
        der: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Stores a notification from the IPA and, with `forward_to`, queues it for that
    /// SM-DP+ (ES9+.HandleNotification) in the same transaction.
    fn store_notification(
        &self,
        eid: Option<&Eid>,
        der: &[u8],
        forward_to: Option<&str>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The operation `id`.
    fn operation(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<Operation>, StoreError>> + Send;

    /// The operations of `eid`, newest first, at most `limit`.
    fn list_operations(
        &self,
        eid: &Eid,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Operation>, StoreError>> + Send;

    /// Queues a message outside an operation's completion.
    fn queue_outbox(
        &self,
        kind: OutboxKind,
        target: &str,
        body: &[u8],
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Takes up to `limit` outbox entries due at `now_ms`, counting an attempt on each and
    /// hiding them from other senders for `lease`.
    fn claim_outbox(
        &self,
        now_ms: i64,
        lease: Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<OutboxItem>, StoreError>> + Send;

    /// Sent: the entry goes.
    fn outbox_sent(&self, id: i64) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sending failed; try again at `due_at_ms` (or give up: `due_at_ms` `None`).
    fn outbox_retry(
        &self,
        id: i64,
        due_at_ms: Option<i64>,
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Operations not finished (pending or delivered).
    fn pending_operations(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Registers a batch of eUICCs in one transaction, set-wise; the EIDs that were
    /// registered already (nothing is written for them). On a database error nothing of the
    /// batch is written.
    fn register_euiccs(
        &self,
        euiccs: &[EuiccRecord],
    ) -> impl Future<Output = Result<Vec<Eid>, StoreError>> + Send;

    /// Queues `kind` for the eUICCs of `tenant` that `target` names, in one statement
    /// (operation ids follow the EIDs' order); the EIDs queued for (`Eids`) or, for `All`,
    /// none, and the number queued.
    fn queue_operations(
        &self,
        tenant: &str,
        target: BulkTarget<'_>,
        kind: &OperationKind,
    ) -> impl Future<Output = Result<(u64, Vec<Eid>), StoreError>> + Send;

    /// One poll of `eid`'s queue: whether the eUICC is known and, if its oldest unfinished
    /// operation is pending or its lease ran out, that operation leased for `lease` (as
    /// [`EimStore::claim_operation`]).
    fn poll_operation(
        &self,
        eid: &Eid,
        now_ms: i64,
        lease: Duration,
    ) -> impl Future<Output = Result<Poll, StoreError>> + Send;
}
