//! What the SM-SR needs from persistence. `rsp-storage` implements it for SQLite and
//! PostgreSQL (`smsr.rs`, migration `20261210000001_smsr`).
//!
//! Rules every implementation keeps:
//! - The EIS is one document per eUICC with a version; [`SmsrStore::complete`] changes it
//!   only if the version is the one read (a concurrent change makes it fail, nothing is
//!   overwritten).
//! - Keys are sealed at rest (AES-256-GCM under the data key, the EID as associated data).
//! - [`SmsrStore::next_counter`] allocates the SCP80 counter with one atomic statement, so
//!   two replicas never send two packets with one counter.
//! - [`SmsrStore::mark_sent`] succeeds for one caller per attempt (the attempt number is
//!   the condition), so two replicas never send one attempt twice.
//! - Every write of an EIS rewrites the eUICC's MSISDNs ([`SmsrStore::eid_by_msisdn`]).
//! - [`SmsrStore::complete`] ends an operation once: a second PoR or a late retry finds it
//!   final and changes nothing.

use std::future::Future;

use crate::keys::EuiccKeys;
use crate::model::Eis;
use crate::notice::{Addressed, QueuedNotice};
use crate::operation::{NewOperation, Operation, Outcome};

/// A storage failure.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// A unique key is taken (an EID registered twice).
    #[error("duplicate")]
    Duplicate,
    /// A stored value does not parse, or a sealed value does not open.
    #[error("stored data is invalid: {0}")]
    Corrupt(&'static str),
    /// The database failed.
    #[error("database error: {0}")]
    Backend(#[source] Box<dyn std::error::Error + Send + Sync>),
}

/// An EIS with the version it was read at.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEis {
    /// The document.
    pub eis: Eis,
    /// Its version (incremented by every change).
    pub version: i64,
}

/// A default notification received from an eUICC (deduplicated by EID and sequence).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReceivedNotification {
    /// The eUICC.
    pub eid: String,
    /// Its sequence number.
    pub sequence: u16,
    /// The notification type byte.
    pub kind: u8,
    /// The ISD-P AID it names (hex), if any.
    pub isd_p_aid: Option<String>,
}

/// Persistence of the SM-SR (with its SM-SR change records, [`SmsrChangeStore`]).
pub trait SmsrStore: SmsrChangeStore + Send + Sync {
    /// Registers an eUICC (ES1 RegisterEIS) with its keys; `Duplicate` if the EID exists.
    fn register(
        &self,
        eis: &Eis,
        keys: &EuiccKeys,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The EIS of an eUICC.
    fn eis(&self, eid: &str) -> impl Future<Output = Result<Option<StoredEis>, StoreError>> + Send;

    /// Replaces the EIS if it is still at `version` and queues `notices` with it; `false`
    /// (nothing written) when it changed meanwhile.
    fn update_eis(
        &self,
        eis: &Eis,
        version: i64,
        notices: &[Addressed],
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The keys of an eUICC (opened from their sealed form).
    fn keys(&self, eid: &str)
    -> impl Future<Output = Result<Option<EuiccKeys>, StoreError>> + Send;

    /// Allocates the next SCP80 counter of the eUICC's ISD-R keysets.
    fn next_counter(&self, eid: &str) -> impl Future<Output = Result<u64, StoreError>> + Send;

    /// Queues an operation.
    fn queue(
        &self,
        op: &NewOperation,
    ) -> impl Future<Output = Result<Operation, StoreError>> + Send;

    /// Operations to send now: per eUICC the oldest unfinished one, if its next attempt is
    /// due (operations of one eUICC run in order, one at a time), at most `limit`.
    fn due(
        &self,
        now: i64,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Operation>, StoreError>> + Send;

    /// Records attempt `attempt` (sent with `counter`, next due at `next_attempt_at`) if
    /// the operation has made `attempt - 1` attempts and is unfinished; `false` otherwise
    /// (another replica sent it, or it ended).
    fn mark_sent(
        &self,
        id: i64,
        attempt: u32,
        counter: u64,
        next_attempt_at: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// The unfinished operation of the eUICC whose last attempt used `counter`.
    fn sent_by_counter(
        &self,
        eid: &str,
        counter: u64,
    ) -> impl Future<Output = Result<Option<Operation>, StoreError>> + Send;

    /// Ends an operation (if not ended yet) and, in the same transaction, replaces the EIS
    /// when `eis` is given at its read version and queues `notices`. `false` when the
    /// operation had ended or the EIS changed meanwhile (then nothing is written).
    fn complete(
        &self,
        id: i64,
        outcome: &Outcome,
        eis: Option<(&Eis, i64)>,
        notices: &[Addressed],
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Claims up to `limit` due notices for `lease` seconds (their attempt counted).
    fn claim_notices(
        &self,
        now: i64,
        limit: i64,
        lease: i64,
    ) -> impl Future<Output = Result<Vec<QueuedNotice>, StoreError>> + Send;

    /// Ends a notice: delivered (`true`) or given up (`false`).
    fn notice_ended(
        &self,
        id: i64,
        delivered: bool,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Reschedules a notice whose delivery failed.
    fn notice_retry(&self, id: i64, at: i64)
    -> impl Future<Output = Result<(), StoreError>> + Send;

    /// One operation.
    fn operation(
        &self,
        id: i64,
    ) -> impl Future<Output = Result<Option<Operation>, StoreError>> + Send;

    /// The operation log of an eUICC, newest first.
    fn operations(
        &self,
        eid: &str,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<Operation>, StoreError>> + Send;

    /// The eUICC whose SCP81 PSK has this identity.
    fn eid_by_psk_identity(
        &self,
        identity: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// The oldest unfinished operation of the eUICC (the one ES5 works on).
    fn oldest_unfinished(
        &self,
        eid: &str,
    ) -> impl Future<Output = Result<Option<Operation>, StoreError>> + Send;

    /// The eUICC one of whose Profiles has this MSISDN.
    fn eid_by_msisdn(
        &self,
        msisdn: &str,
    ) -> impl Future<Output = Result<Option<String>, StoreError>> + Send;

    /// Accepts the counter of an MO packet if it is higher than every one accepted before
    /// from this eUICC (TS 102 225 §5.1.1 counter "higher"); `false` for a replay.
    fn accept_mo_counter(
        &self,
        eid: &str,
        counter: u64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// Records a notification; `false` when this EID and sequence number came before.
    fn record_notification(
        &self,
        n: &ReceivedNotification,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;
}

/// Persistence of SM-SR changes (SGP.02 §3.7, [`crate::es7`]): one record per eUICC and
/// side, moved by compare-and-set on its stage, and the key and EIS changes of a handover.
/// `rsp-storage` implements it next to [`SmsrStore`] (migration `20261212000031_smsr_change`).
pub trait SmsrChangeStore: Send + Sync {
    /// Records a new change; `Duplicate` while an unfinished one exists for the eUICC and
    /// side (a finished one is replaced).
    fn open_change(
        &self,
        change: &crate::es7::SmsrChange,
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// The change of `eid` on `side`, finished or not.
    fn change(
        &self,
        eid: &str,
        side: crate::es7::Side,
    ) -> impl Future<Output = Result<Option<crate::es7::SmsrChange>, StoreError>> + Send;

    /// Writes `change` if its stored stage is still `from` (a stage name); `false` when
    /// another step moved it meanwhile (nothing written).
    fn move_change(
        &self,
        change: &crate::es7::SmsrChange,
        from: &str,
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// [`SmsrChangeStore::move_change`] that queues `operations` and `notices` in the same
    /// transaction (nothing is written when another step moved the change meanwhile).
    fn move_change_queueing(
        &self,
        change: &crate::es7::SmsrChange,
        from: &str,
        operations: &[NewOperation],
        notices: &[crate::notice::Addressed],
        now: i64,
    ) -> impl Future<Output = Result<bool, StoreError>> + Send;

    /// SM-SR2: replaces the eUICC's ISD-R keys (sealed) and makes the next SCP80 counter
    /// follow `counter` (the new keyset's InitialSequenceCounter), in one transaction.
    fn install_keys(
        &self,
        eid: &str,
        keys: &EuiccKeys,
        counter: u64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// SM-SR1: forgets the eUICC (its EIS, keys and MSISDNs; the operation log stays) and
    /// queues `notices`, in one transaction.
    fn remove_euicc(
        &self,
        eid: &str,
        notices: &[Addressed],
        now: i64,
    ) -> impl Future<Output = Result<(), StoreError>> + Send;

    /// Unfinished changes whose next step is this SM-SR's or that may expire (every stage
    /// but `awaitingCompletion`), least recently moved first.
    fn changes_to_drive(
        &self,
        limit: i64,
    ) -> impl Future<Output = Result<Vec<crate::es7::SmsrChange>, StoreError>> + Send;
}
