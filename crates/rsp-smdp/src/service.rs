//! The M2M SM-DP as a service (SGP.02 §3.1, §5.3 ES2 DownloadProfile): orders accepted from
//! Operators against the Profile inventory, carried out by a worker over ES3 with the
//! eUICC's SM-SR ([`Downloader`]), their result queued for the Operator.
//!
//! - [`SmdpService::accept`] allocates a Profile (the one named, else the first available
//!   of the type) and stores the order; what it refuses carries an SGP.02 status code
//!   ([`ServiceError::status_code`]).
//! - [`SmdpService::accept`] of a request whose `MessageID` the Operator sent before (a
//!   retry) returns the order of the first request: no second order, no second Profile.
//! - [`SmdpService::claim`] leases due orders under a random claim token (one worker per
//!   order); [`SmdpService::run_claimed`] runs one from its stage, persisting the order
//!   after every stage under its claim, and ends it: the order's stage and error, its
//!   Profile `installed` or `failed`, and the DownloadProfileResponse queued (to the
//!   request's `ReplyTo`, else to the Operator's endpoint) in one transaction. The worker
//!   renews the lease while a step runs ([`SmdpService::renew`]; a slow SMS step outlasts
//!   a lease) and stops the run, writing nothing, once the renewal says the order is lost.
//!   An order whose worker died is taken up again from its stage once the lease runs out.
//!   [`SmdpService::run_due`] is claim and run, one order after the other.
//!
//! A step the SM-SR refused, or the eUICC failed, ends the order as failed (the ISD-P
//! deleted when the download itself failed, see [`Downloader::run`]). A step that did not
//! reach the SM-SR (no answer, an unreadable one) leaves the order at its stage for
//! another try [`SmdpConfig::retry_after`] seconds later, for as long as the order is
//! younger than [`SmdpConfig::retry_window`]; then it fails with 8.7 / 5.1.

use std::collections::HashMap;

use rsp_codec::json::StatusCodeData;
use rsp_codec::status::{ReasonCode, StatusCode, SubjectCode};

use crate::SmdpCredential;
use crate::order::{Checkpoint, DownloadOrder, Downloader, Es3, OrderError, Stage};
use crate::store::{
    Created, Destination, DownloadResult, Failure, NewOrder, SmdpStore, StoreError, StoredOrder,
};

/// Why the SM-DP refuses or fails a function.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// No Profile of this type in the inventory.
    #[error("unknown Profile type")]
    UnknownProfileType,
    /// Every Profile of this type is taken.
    #[error("no Profile of this type is available")]
    NoneAvailable,
    /// The ICCID named is not in the inventory (or is of another type).
    #[error("unknown ICCID")]
    UnknownIccid,
    /// The ICCID named is taken by another order.
    #[error("the Profile is already allocated")]
    IccidTaken,
    /// The SM-SR named is not one this SM-DP knows.
    #[error("unknown SM-SR")]
    UnknownSmsr,
    /// The SM-DP's database failed.
    #[error("SM-DP storage failure: {0}")]
    Store(#[from] StoreError),
}

impl ServiceError {
    /// The subject/reason pair (SGP.02 §5.1.6.4; the per-case choices are our reading).
    pub fn status_code(&self) -> StatusCode {
        let (subject, reason) = match self {
            // Profile Type, Unknown.
            Self::UnknownProfileType => ("8.2.5", "3.9"),
            // Profile Type, Unavailable (none left).
            Self::NoneAvailable => ("8.2.5", "3.7"),
            // Profile ICCID, Unknown.
            Self::UnknownIccid => ("8.2.1", "3.9"),
            // Profile ICCID, Already in use.
            Self::IccidTaken => ("8.2.1", "3.3"),
            // SM-SR, Unknown.
            Self::UnknownSmsr => ("8.7", "3.9"),
            // Function provider, execution error.
            Self::Store(_) => ("1.2", "4.2"),
        };
        StatusCode {
            subject: SubjectCode::from_static(subject),
            reason: ReasonCode::from_static(reason),
        }
    }

    /// `statusCodeData` with this error's message.
    pub fn status_code_data(&self) -> StatusCodeData {
        status_data(self.status_code(), self.to_string())
    }
}

fn status_data(code: StatusCode, message: String) -> StatusCodeData {
    StatusCodeData {
        subject_code: code.subject,
        reason_code: code.reason,
        subject_identifier: None,
        message: Some(message),
    }
}

/// PEStatus of an installation the eUICC aborted for lack of memory (TCA SAIP §8.11).
const PE_NOT_ENOUGH_MEMORY: u32 = 4;

/// The status code a failed order reports: the SM-SR's own when it refused a function
/// (passed through), else ours (our reading): the eUICC aborted the installation for lack
/// of memory (8.1, 4.8 insufficient memory), refused or aborted otherwise (8.1, 4.2
/// execution error), the SM-SR unreachable (8.7, 5.1 no answer), the EIS lacking what the
/// download needs (8.1, 3.8 refused), the package unusable (8.2, 4.2).
pub fn order_failure(e: &OrderError) -> Failure {
    let message = e.to_string();
    if let OrderError::Refused {
        status: Some(s), ..
    } = e
    {
        return Failure {
            subject_code: s.subject_code.clone(),
            reason_code: s.reason_code.clone(),
            message,
        };
    }
    let (subject, reason) = match e {
        // PEStatus not-enough-memory (TCA SAIP §8.11): eUICC, Insufficient Memory (SGP.02
        // §5.1.6.4 reason 4.8).
        OrderError::Installation(PE_NOT_ENOUGH_MEMORY) => ("8.1", "4.8"),
        OrderError::Refused { .. } | OrderError::Es8(_) | OrderError::Installation(_) => {
            ("8.1", "4.2")
        }
        OrderError::Transport(_) | OrderError::Abandoned => ("8.7", "5.1"),
        OrderError::Eis(_) => ("8.1", "3.8"),
        OrderError::Package(_) => ("8.2", "4.2"),
    };
    Failure {
        subject_code: subject.to_owned(),
        reason_code: reason.to_owned(),
        message,
    }
}

/// What the SM-DP brings to its orders.
pub struct SmdpConfig {
    /// CERT.DP.ECDSA and its key.
    pub credential: SmdpCredential,
    /// Host identifier in the ISD-P key derivation (1..16 octets).
    pub host_id: Vec<u8>,
    /// Key version of the ISD-P keysets established.
    pub key_version: u8,
    /// C-APDUs per SendData.
    pub max_apdus_per_script: usize,
    /// Seconds a worker holds an order between two checkpoints or lease renewals.
    pub lease: i64,
    /// Seconds after its creation during which an order that could not reach its SM-SR
    /// is tried again (0: never).
    pub retry_window: i64,
    /// Seconds between two tries.
    pub retry_after: i64,
}

/// Seconds the result of a synchronous DownloadProfile (no ReplyTo) is held back after the
/// order ended, for the waiting HTTP answer to take it (it polls the order far more often).
pub const INLINE_ANSWER_HOLD: i64 = 10;

/// The M2M SM-DP; `C` reaches one SM-SR over ES3.
pub struct SmdpService<S, C> {
    store: S,
    smsrs: HashMap<String, C>,
    config: SmdpConfig,
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    time::OffsetDateTime::now_utc().unix_timestamp()
}

/// An order this worker claimed, with the token of its claim.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The order as claimed.
    pub order: StoredOrder,
    /// The claim's token: the checkpoints, renewals and end of the order are written
    /// under it.
    pub token: i64,
}

/// A random claim token (never 0, the token of an order never claimed).
fn claim_token() -> i64 {
    let mut b = [0u8; 8];
    // Without randomness, a token from the clock still differs from claim to claim.
    if getrandom::fill(&mut b).is_err() {
        let nanos = time::OffsetDateTime::now_utc().unix_timestamp_nanos();
        b = i64::try_from(nanos.rem_euclid(i128::from(i64::MAX)))
            .unwrap_or(1)
            .to_be_bytes();
    }
    i64::from_be_bytes(b) | 1
}

struct LeasedCheckpoint<'a, S> {
    store: &'a S,
    id: i64,
    token: i64,
    lease: i64,
}

impl<S: SmdpStore> Checkpoint for LeasedCheckpoint<'_, S> {
    async fn save(&mut self, order: &DownloadOrder) -> bool {
        let now = unix_now();
        let next = now.saturating_add(self.lease);
        matches!(
            self.store
                .checkpoint(self.id, order, self.token, next, now)
                .await,
            Ok(true)
        )
    }
}

impl<S: SmdpStore, C: Es3 + Sync> SmdpService<S, C> {
    /// A service over `store` reaching the SM-SRs of `smsrs` (by SM-SR identifier).
    pub fn new(store: S, smsrs: HashMap<String, C>, config: SmdpConfig) -> Self {
        Self {
            store,
            smsrs,
            config,
        }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The ES3 client of an SM-SR.
    pub fn smsr(&self, smsr_id: &str) -> Option<&C> {
        self.smsrs.get(smsr_id)
    }

    /// Accepts a DownloadProfile order.
    pub async fn accept(&self, order: &NewOrder) -> Result<StoredOrder, ServiceError> {
        if !self.smsrs.contains_key(&order.smsr_id) {
            return Err(ServiceError::UnknownSmsr);
        }
        match self.store.create_order(order).await? {
            Created::Order(o) => Ok(*o),
            Created::UnknownProfileType => Err(ServiceError::UnknownProfileType),
            Created::NoneAvailable => Err(ServiceError::NoneAvailable),
            Created::UnknownIccid => Err(ServiceError::UnknownIccid),
            Created::IccidTaken => Err(ServiceError::IccidTaken),
            Created::Repeated(o) => Ok(*o),
        }
    }

    /// Seconds of a lease.
    pub fn lease(&self) -> i64 {
        self.config.lease
    }

    /// Leases up to `limit` due orders to this worker, under a new claim token.
    pub async fn claim(&self, limit: i64) -> Result<Vec<Claimed>, StoreError> {
        let now = unix_now();
        let token = claim_token();
        let claimed = self
            .store
            .claim_orders(now, now.saturating_add(self.config.lease), limit, token)
            .await?;
        Ok(claimed
            .into_iter()
            .map(|order| Claimed { order, token })
            .collect())
    }

    /// Extends the lease of a claimed order by [`SmdpConfig::lease`] seconds from now;
    /// `false` when the order is no longer this claim's (taken over or ended).
    pub async fn renew(&self, claimed: &Claimed) -> Result<bool, StoreError> {
        let until = unix_now().saturating_add(self.config.lease);
        self.store
            .renew_lease(claimed.order.id, claimed.token, until)
            .await
    }

    /// Claims up to `limit` due orders and runs them one after the other; how many ended.
    pub async fn run_due(&self, limit: i64) -> Result<usize, StoreError> {
        let mut ended = 0;
        for c in self.claim(limit).await? {
            if self.run_claimed(c).await? {
                ended += 1;
            }
        }
        Ok(ended)
    }

    /// Runs one claimed order to its end; `false` when it did not end (postponed after a
    /// transport failure, or lost to another worker meanwhile).
    pub async fn run_claimed(&self, claimed: Claimed) -> Result<bool, StoreError> {
        let Claimed {
            order: stored,
            token,
        } = claimed;
        let mut order = stored.order.clone();
        let mut checkpoint = LeasedCheckpoint {
            store: &self.store,
            id: stored.id,
            token,
            lease: self.config.lease,
        };
        let outcome = match (
            self.smsrs.get(&stored.smsr_id),
            self.store.package(&order.iccid).await?,
        ) {
            (None, _) => Err(OrderError::Transport(format!(
                "no ES3 endpoint for SM-SR {}",
                stored.smsr_id
            ))),
            (_, None) => Err(OrderError::Package("not in the inventory")),
            (Some(es3), Some(package)) => {
                let downloader = Downloader {
                    es3,
                    credential: &self.config.credential,
                    host_id: &self.config.host_id,
                    key_version: self.config.key_version,
                    max_apdus_per_script: self.config.max_apdus_per_script,
                };
                downloader.run(&mut order, &package, &mut checkpoint).await
            }
        };
        if matches!(outcome, Err(OrderError::Abandoned)) {
            return Ok(false);
        }
        let now = unix_now();
        if matches!(outcome, Err(OrderError::Transport(_)))
            && now < stored.created_at.saturating_add(self.config.retry_window)
        {
            // Keep the progress and give the claim up (a lease renewal racing this write
            // cannot push the retry back); the order is due again at `due`.
            let due = now.saturating_add(self.config.retry_after.max(1));
            self.store
                .postpone(stored.id, &order, token, due, now)
                .await?;
            return Ok(false);
        }
        let failure = outcome.as_ref().err().map(order_failure);
        if failure.is_some() && matches!(order.stage, Stage::Accepted | Stage::IsdpCreated) {
            order.stage = Stage::Failed;
        }
        let result = DownloadResult {
            destination: match &stored.reply_to {
                Some(r) => Destination::ReplyTo(r.clone()),
                None => Destination::Operator(stored.operator.clone()),
            },
            order_id: stored.id,
            relates_to: stored.message_id.clone(),
            iccid: order.iccid.clone(),
            success: failure.is_none(),
            failure: failure.clone(),
            // Without ReplyTo the Operator waits for the answer in the HTTP response; the
            // result goes to its endpoint only if that wait ended first.
            not_before: stored
                .reply_to
                .is_none()
                .then(|| now.saturating_add(INLINE_ANSWER_HOLD)),
        };
        self.store
            .finish_order(
                stored.id,
                &order,
                failure.as_ref(),
                token,
                Some(&result),
                unix_now(),
            )
            .await
    }
}

impl<S: SmdpStore> Checkpoint for &mut LeasedCheckpoint<'_, S> {
    fn save(&mut self, order: &DownloadOrder) -> impl Future<Output = bool> + Send {
        (**self).save(order)
    }
}
