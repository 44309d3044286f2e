//! What the M2M SM-DP needs from persistence. `rsp-storage` implements it for SQLite and
//! PostgreSQL (`smdp.rs`, migration `20261211000001_smdp`).
//!
//! Rules every implementation keeps:
//! - Profile Packages are sealed at rest (AES-256-GCM under the data key, the ICCID as
//!   associated data) and never listed with the inventory.
//! - [`SmdpStore::create_order`] takes a Profile and writes the order in one transaction
//!   whose Profile update is conditional on the Profile being `available`: one Profile
//!   never goes to two orders.
//! - [`SmdpStore::claim_orders`] leases an order to one worker until the lease ends, under
//!   a token of that claim; a checkpoint, a lease renewal or the end of an order is written
//!   only under the token it was claimed with, so a worker that renews its lease keeps the
//!   order and one whose lease ran out and was taken over writes nothing: two replicas
//!   never run one order.
//! - [`SmdpStore::create_order`] de-duplicates by the Operator and the request's
//!   `MessageID` (a unique key): a request sent again gets the order of the first.
//! - [`SmdpStore::finish_order`] ends an order, sets its Profile `installed` or `failed`
//!   and queues the response notice in one transaction (a transactional outbox).

use std::future::Future;

use serde::{Deserialize, Serialize};

use crate::order::{DownloadOrder, Stage};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken (an ICCID imported twice).
    #[error("duplicate")]
    Duplicate,
    /// A stored value does not parse, or a sealed value does not open.
    #[error("stored data is invalid: {0}")]
    Corrupt(&'static str),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// Where a Profile of the inventory stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProfileState {
    /// Imported, not given to any order.
    Available,
    /// Taken by an order that has not ended.
    Allocated,
    /// Installed on an eUICC by its order.
    Installed,
    /// Its order failed; not offered again (the operator decides what happens to it).
    Failed,
}

impl ProfileState {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Available => "available",
            Self::Allocated => "allocated",
            Self::Installed => "installed",
            Self::Failed => "failed",
        }
    }

    /// The state of a stored name.
    pub fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "available" => Self::Available,
            "allocated" => Self::Allocated,
            "installed" => Self::Installed,
            "failed" => Self::Failed,
            _ => return None,
        })
    }
}

/// A Profile to import.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewProfile {
    /// ICCID (digits).
    pub iccid: String,
    /// Profile type.
    pub profile_type: String,
    /// MSISDN, when the Profile has one.
    pub msisdn: Option<String>,
    /// The Profile Package (SAIP DER); sealed by the store.
    pub package: Vec<u8>,
}

/// A Profile of the inventory (without its package).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Profile {
    /// ICCID.
    pub iccid: String,
    /// Profile type.
    pub profile_type: String,
    /// MSISDN.
    pub msisdn: Option<String>,
    /// State.
    pub state: ProfileState,
    /// Unix seconds.
    pub created_at: i64,
}

/// A DownloadProfile request accepted from an Operator.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewOrder {
    /// The Operator that sent it (client certificate identity); also the `Mno-ID`.
    pub operator: String,
    /// The request's `MessageID`.
    pub message_id: Option<String>,
    /// The request's `ReplyTo`.
    pub reply_to: Option<String>,
    /// eUICC.
    pub eid: String,
    /// Its SM-SR.
    pub smsr_id: String,
    /// Profile type.
    pub profile_type: String,
    /// The Profile asked for, if one.
    pub iccid: Option<String>,
    /// Enable once installed.
    pub enable: bool,
    /// Unix seconds.
    pub now: i64,
}

/// An order as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct StoredOrder {
    /// Store identifier.
    pub id: i64,
    /// The Operator that sent it.
    pub operator: String,
    /// The request's `MessageID`.
    pub message_id: Option<String>,
    /// The request's `ReplyTo`.
    pub reply_to: Option<String>,
    /// The SM-SR.
    pub smsr_id: String,
    /// The order the downloader carries out (its stage included).
    pub order: DownloadOrder,
    /// Why it failed.
    pub failure: Option<Failure>,
    /// Unix seconds.
    pub created_at: i64,
    /// Unix seconds.
    pub updated_at: i64,
    /// The lease of the worker running it (unix seconds; 0 when none).
    pub lease_until: i64,
}

impl StoredOrder {
    /// Whether the order has ended (installed with nothing left to do, enabled, failed).
    pub fn ended(&self) -> bool {
        ended(&self.order)
    }
}

/// Whether `order` has nothing left to do.
pub fn ended(order: &DownloadOrder) -> bool {
    match order.stage {
        Stage::Failed | Stage::Enabled => true,
        Stage::Completed => !order.enable,
        _ => false,
    }
}

/// What [`SmdpStore::create_order`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Created {
    /// The order, with its Profile allocated.
    Order(Box<StoredOrder>),
    /// No Profile of this type was ever imported.
    UnknownProfileType,
    /// Every Profile of this type is taken.
    NoneAvailable,
    /// The ICCID asked for is not in the inventory (or is of another type).
    UnknownIccid,
    /// The ICCID asked for is taken by another order.
    IccidTaken,
    /// The Operator sent this `MessageID` before: the order of that request (no second
    /// order, no second Profile taken).
    Repeated(Box<StoredOrder>),
}

/// Why an order failed: an SGP.02 subject/reason code pair and a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Failure {
    /// Subject code.
    pub subject_code: String,
    /// Reason code.
    pub reason_code: String,
    /// What happened.
    pub message: String,
}

/// Where a notice goes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "camelCase")]
pub enum Destination {
    /// The `ReplyTo` address of the request.
    ReplyTo(String),
    /// An Operator's ES2 notification endpoint (configured per Operator).
    Operator(String),
}

/// The asynchronous DownloadProfileResponse of an order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadResult {
    /// Where it goes.
    pub destination: Destination,
    /// The order.
    pub order_id: i64,
    /// `RelatesTo`: the request's `MessageID`.
    pub relates_to: Option<String>,
    /// The Profile's ICCID.
    pub iccid: String,
    /// Executed-Success or Failed.
    pub success: bool,
    /// Why the order failed.
    pub failure: Option<Failure>,
    /// Not sent before this time (unix seconds): the result of a synchronous
    /// DownloadProfile waits for the HTTP answer that carries it
    /// ([`SmdpStore::result_answered`]); sent only if that answer was not given.
    #[serde(skip)]
    pub not_before: Option<i64>,
}

/// A queued notice as the sender claims it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedResult {
    /// Store identifier.
    pub id: i64,
    /// The notice.
    pub result: DownloadResult,
    /// Delivery attempts so far (including this one once claimed).
    pub attempts: u32,
}

/// Persistence of the M2M SM-DP.
pub trait SmdpStore: Send + Sync {
    /// Imports a Profile (`available`); `Duplicate` if the ICCID exists.
    fn import_profile(
        &self,
        profile: &NewProfile,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// One Profile of the inventory.
    fn profile(
        &self,
        iccid: &str,
    ) -> impl Future<Output = Result<Option<Profile>, StoreError>> + Send;

    /// The inventory, by ICCID, at most `limit`.
    fn profiles(&self, limit: i64)
    -> impl Future<Output = Result<Vec<Profile>, StoreError>> + Send;

    /// The Profile Package of a Profile (opened).
    fn package(
        &self,
        iccid: &str,
    ) -> impl Future<Output = Result<Option<Vec<u8>>, StoreError>> + Send;

    /// Allocates a Profile (the one asked for, else the first available of the type) and
    /// writes the order at [`Stage::Accepted`], atomically; [`Created::Repeated`] when the
    /// Operator already sent an order with this `MessageID`.
    fn create_order(
        &self,
        order: &NewOrder,
    ) -> impl Future<Output = Result<Created, StoreError>> + Send;

    /// Leases up to `limit` unended orders whose lease is over, until `lease_until`, under
    /// the claim's `token` (random, never 0).
    fn claim_orders(
        &self,
        now: i64,
        lease_until: i64,
        limit: i64,
        token: i64,
    ) -> impl Future<Output = Result<Vec<StoredOrder>, StoreError>> + Send;

    /// Writes the order's progress (stage, ISD-P) if it is still held under the claim
    /// `token`, its lease extended to `new_lease`; `false` when the order was lost.
    fn checkpoint(
        &self,
        id: i64,
        order: &DownloadOrder,
        token: i64,
        new_lease: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Gives up the claim `token` of an order that could not go on now (its SM-SR out of
    /// reach), keeping its progress: due again at `due` for any worker; a renewal under
    /// the claim after this one finds the order lost. `false` when the order was lost.
    fn postpone(
        &self,
        id: i64,
        order: &DownloadOrder,
        token: i64,
        due: i64,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Extends the lease of an order held under the claim `token` to `new_lease`; `false`
    /// when the order was lost (taken over, or ended).
    fn renew_lease(
        &self,
        id: i64,
        token: i64,
        new_lease: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Ends the order held under the claim `token`: its stage and failure, its Profile
    /// `installed` (it reached the eUICC) or `failed`, and `result` queued; `false` when
    /// the order was lost.
    fn finish_order(
        &self,
        id: i64,
        order: &DownloadOrder,
        failure: Option<&Failure>,
        token: i64,
        result: Option<&DownloadResult>,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// One order.
    fn order(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<StoredOrder>, StoreError>> + Send;

    /// The orders, newest first, at most `limit`.
    fn orders(
        &self,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<StoredOrder>, StoreError>> + Send;

    /// Claims up to `limit` due results for `lease` seconds (their attempt counted).
    fn claim_results(
        &self,
        now: i64,
        limit: i64,
        lease: i64,
    ) -> impl Future<Output = Result<Vec<QueuedResult>, StoreError>> + Send;

    /// Ends a result: delivered (`true`) or given up (`false`).
    fn result_ended(
        &self,
        id: i64,
        delivered: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The order's result went back in the HTTP response of its synchronous
    /// DownloadProfile: a result of it still waiting is not sent (SGP.02 §5.1.1: a
    /// synchronous function has one response). `true` when one was waiting.
    fn result_answered(
        &self,
        order_id: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Reschedules a result whose delivery failed.
    fn result_retry(&self, id: i64, at: i64)
    -> impl Future<Output = Result<(), StoreError>> + Send;
}
