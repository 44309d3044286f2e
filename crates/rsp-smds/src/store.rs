//! What the SM-DS needs from persistence. `rsp-storage` implements it for SQLite and
//! PostgreSQL.
//!
//! Rules every implementation keeps:
//! - An EventID is unique per owner ([`SmdsKey::Event`]); an EID may have several events.
//! - [`SmdsStore::register_event`] and [`SmdsStore::delete_event`] change the event and the
//!   cascade state of its EID in one transaction, so a cascade is never lost nor left behind.
//! - An `euiccChallenge` opens at most one ES11 session ([`SmdsKey::EuiccChallenge`]), and
//!   [`SmdsStore::complete_session`] succeeds once per session (a replayed
//!   AuthenticateClient finds it used).

use std::future::Future;
use std::time::Duration;

use rsp_codec::json::Eid;

use crate::event::{EventId, EventOwner, EventRecord};

/// A unique key that an insert would duplicate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SmdsKey {
    /// The owner already has an event with this EventID.
    Event,
    /// The eUICC challenge was already used in an ES11 session (replay).
    EuiccChallenge,
}

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken.
    #[error("duplicate {0:?}")]
    Duplicate(SmdsKey),
    /// A stored value does not parse (the database was changed outside this code).
    #[error("stored data is invalid: {0}")]
    Corrupt(&'static str),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// One ES11 session (SGP.22 §5.8.1-§5.8.2), identified by its `transactionId`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SmdsSession {
    /// `transactionId` (16 random bytes).
    pub transaction_id: Vec<u8>,
    /// Subject key identifier of the CI whose CERT.DSauth signed serverSigned1.
    pub ci_key_id: Vec<u8>,
    /// `euiccChallenge` (unique per SM-DS).
    pub euicc_challenge: Vec<u8>,
    /// `serverChallenge`.
    pub server_challenge: Vec<u8>,
    /// Creation (Unix milliseconds).
    pub created_at_ms: i64,
    /// After this instant the session is unknown (8.10.1/3.9).
    pub expires_at_ms: i64,
    /// AuthenticateClient answered: the session is spent.
    pub completed: bool,
}

/// What an Alternative SM-DS asks of the root for one EID (ES15, §3.6.1): a cascade event
/// pointing at itself while at least one forwarded event of the EID exists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cascade {
    /// The eUICC.
    pub eid: Eid,
    /// The EventID of the cascade event at the root (made by this SM-DS).
    pub event_id: EventId,
    /// The Root SM-DS.
    pub root_address: String,
    /// Whether the cascade event shall exist at the root.
    pub wanted: bool,
    /// Whether the root has acknowledged it (registered and not deleted since).
    pub registered: bool,
    /// Sending attempts since the last success.
    pub attempts: u32,
    /// The last sending error, if any.
    pub last_error: Option<String>,
}

/// A registration to cascade with an event ([`SmdsStore::register_event`]).
#[derive(Debug, Clone, Copy)]
pub struct CascadeTarget<'a> {
    /// The Root SM-DS.
    pub root_address: &'a str,
    /// The cascade EventID to use when the EID has no cascade yet.
    pub new_event_id: &'a EventId,
}

/// A page of the admin listing.
#[derive(Debug, Clone, Default)]
pub struct EventQuery {
    /// Only this EID.
    pub eid: Option<Eid>,
    /// Only this owner.
    pub owner: Option<EventOwner>,
    /// At most this many (the store caps it).
    pub limit: u32,
}

/// Persistence of the SM-DS.
pub trait SmdsStore: Send + Sync {
    /// Stores `event` ([`StoreError::Duplicate`] with [`SmdsKey::Event`] when its owner
    /// already has this EventID) and, with `cascade`, marks the EID's cascade event wanted
    /// at the root, in the same transaction.
    fn register_event(
        &self,
        event: &EventRecord,
        cascade: Option<CascadeTarget<'_>>,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Deletes `owner`'s event `event_id` for `eid` and returns it (`None`: no such event
    /// of this owner). When it was the EID's last forwarded event, the EID's cascade is no
    /// longer wanted (same transaction).
    fn delete_event(
        &self,
        owner: &EventOwner,
        eid: &Eid,
        event_id: &EventId,
    ) -> impl Future<Output = Result<Option<EventRecord>, StoreError>> + Send;

    /// The events of `eid`, oldest first.
    fn events_for_eid(
        &self,
        eid: &Eid,
    ) -> impl Future<Output = Result<Vec<EventRecord>, StoreError>> + Send;

    /// The cascade state of `eid` at this (alternative) SM-DS.
    fn cascade_for_eid(
        &self,
        eid: &Eid,
    ) -> impl Future<Output = Result<Option<Cascade>, StoreError>> + Send;

    /// The admin listing, newest first.
    fn list_events(
        &self,
        query: &EventQuery,
    ) -> impl Future<Output = Result<Vec<EventRecord>, StoreError>> + Send;

    /// The number of events.
    fn count_events(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Stores a new session and marks its `euicc_challenge` used, atomically
    /// ([`SmdsKey::EuiccChallenge`] on a replayed challenge).
    fn create_session(
        &self,
        session: &SmdsSession,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The session `transaction_id`, expired or not.
    fn get_session(
        &self,
        transaction_id: &[u8],
    ) -> impl Future<Output = Result<Option<SmdsSession>, StoreError>> + Send;

    /// Marks the session spent; `false` when it was already (a replay or a concurrent call).
    fn complete_session(
        &self,
        transaction_id: &[u8],
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Deletes the sessions that expired before `before_ms` and the challenges recorded
    /// before it; returns the number of sessions deleted.
    fn purge_sessions(
        &self,
        before_ms: i64,
    ) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Takes up to `limit` cascades whose root state differs from the wanted one and that
    /// are due at `now_ms`, counts an attempt on each and hides them from other senders for
    /// `lease`.
    fn claim_cascades(
        &self,
        now_ms: i64,
        lease: Duration,
        limit: u32,
    ) -> impl Future<Output = Result<Vec<Cascade>, StoreError>> + Send;

    /// The root acknowledged: the cascade of `eid` is now `registered` there (a cascade
    /// neither wanted nor registered is forgotten).
    fn cascade_synced(
        &self,
        eid: &Eid,
        registered: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Sending failed; try again at `due_at_ms`.
    fn cascade_retry(
        &self,
        eid: &Eid,
        due_at_ms: i64,
        error: &str,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Cascades whose root state differs from the wanted one.
    fn pending_cascades(&self) -> impl Future<Output = Result<u64, StoreError>> + Send;
}
