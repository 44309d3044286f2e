//! The servers' side of the audit trail (`rsp_storage::audit`): ES2+ and admin calls
//! recorded as they are answered, long-term key uses counted and recorded, the inbox
//! chained in batches, and signed checkpoints of the chain's head with a dedicated audit
//! key. Nothing secret goes in: caller, function, path, HTTP status, key names and counts.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use rsp_crypto::{CryptoError, Curve, PublicKey, Signer};
use rsp_storage::SqlStore;
use rsp_storage::audit::{AuditCheckpoint, AuditEvent, checkpoint_message};

use crate::identity::common_name;
use crate::server::PeerCertificate;

/// The ES2+ path prefix (every function under it is recorded).
const ES2PLUS_PREFIX: &str = "/gsma/rsp2/es2plus/";

/// Middleware state: where calls are recorded.
#[derive(Clone, Debug)]
pub struct AuditCalls {
    store: SqlStore,
}

impl AuditCalls {
    /// Records into `store`.
    pub fn new(store: SqlStore) -> Self {
        Self { store }
    }
}

/// Records every ES2+ call on the TLS listener (actor: the client certificate's CN).
/// Other paths (ES9+) pass through unrecorded: the Profile changes they cause are recorded
/// by the store itself.
pub async fn audit_es2plus(State(a): State<AuditCalls>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    let Some(function) = path.strip_prefix(ES2PLUS_PREFIX).map(str::to_owned) else {
        return next.run(req).await;
    };
    let actor = req
        .extensions()
        .get::<PeerCertificate>()
        .and_then(|c| common_name(c.0.as_ref()))
        .unwrap_or_else(|| "(no client certificate)".into());
    let response = next.run(req).await;
    record(
        &a.store,
        &actor,
        &format!("es2plus.{function}"),
        &path,
        response.status().as_u16(),
    )
    .await;
    response
}

/// Records every admin API call but `/health` and `/metrics` (actor `admin`).
pub async fn audit_admin(State(a): State<AuditCalls>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_owned();
    if path == "/health" || path == "/metrics" {
        return next.run(req).await;
    }
    let method = req.method().as_str().to_owned();
    let response = next.run(req).await;
    record(
        &a.store,
        "admin",
        &format!("admin.{method}"),
        &path,
        response.status().as_u16(),
    )
    .await;
    response
}

async fn record(store: &SqlStore, actor: &str, action: &str, subject: &str, status: u16) {
    let details = format!("{{\"httpStatus\":{status}}}");
    let event = AuditEvent {
        actor,
        action,
        subject,
        details: &details,
    };
    if let Err(e) = store.record_audit(&[event]).await {
        tracing::error!(error = %e, action, "audit record failed");
    }
}

/// Counters of long-term key uses, one per wrapped key.
#[derive(Debug, Default)]
pub struct KeyUses {
    keys: Mutex<Vec<(String, Arc<AtomicU64>)>>,
}

impl KeyUses {
    /// `signer`, counting its uses under `name` (e.g. `dp-auth nist`).
    pub fn wrap(&self, name: impl Into<String>, signer: Arc<dyn Signer>) -> Arc<dyn Signer> {
        let uses = Arc::new(AtomicU64::new(0));
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((name.into(), uses.clone()));
        Arc::new(Counting {
            inner: signer,
            uses,
        })
    }

    /// The uses since the last call, per key with any.
    fn take(&self) -> Vec<(String, u64)> {
        self.keys
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .iter()
            .filter_map(|(name, uses)| {
                let n = uses.swap(0, Ordering::Relaxed);
                (n > 0).then(|| (name.clone(), n))
            })
            .collect()
    }
}

struct Counting {
    inner: Arc<dyn Signer>,
    uses: Arc<AtomicU64>,
}

impl Signer for Counting {
    fn curve(&self) -> Curve {
        self.inner.curve()
    }
    fn public_key(&self) -> &PublicKey {
        self.inner.public_key()
    }
    fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError> {
        self.uses.fetch_add(1, Ordering::Relaxed);
        self.inner.sign_raw(msg)
    }
    fn sign_der(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        self.uses.fetch_add(1, Ordering::Relaxed);
        self.inner.sign_der(msg)
    }
}

/// How the audit task runs.
#[derive(Clone)]
pub struct AuditTask {
    /// Key uses to record.
    pub key_uses: Arc<KeyUses>,
    /// Signs checkpoints; `None`: no checkpoints (the chain alone).
    pub checkpoint_key: Option<Arc<dyn Signer>>,
    /// How often the inbox is chained (and key uses recorded).
    pub chain_every: Duration,
    /// How often the head is signed when it moved.
    pub checkpoint_every: Duration,
}

/// Chains the inbox, records key uses and signs checkpoints until `shutdown`, then once
/// more (a final checkpoint covers everything recorded).
pub async fn run_audit(
    store: SqlStore,
    task: AuditTask,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut since_checkpoint = Duration::ZERO;
    let mut last_signed = None;
    loop {
        let stopping = tokio::select! {
            () = tokio::time::sleep(task.chain_every) => false,
            () = &mut shutdown => true,
        };
        since_checkpoint += task.chain_every;
        round(&store, &task.key_uses).await;
        if stopping || since_checkpoint >= task.checkpoint_every {
            since_checkpoint = Duration::ZERO;
            if let Some(key) = &task.checkpoint_key {
                last_signed = checkpoint(&store, key.as_ref(), last_signed).await;
            }
        }
        if stopping {
            break;
        }
    }
}

async fn round(store: &SqlStore, key_uses: &KeyUses) {
    let uses = key_uses.take();
    if !uses.is_empty() {
        let details: Vec<String> = uses
            .iter()
            .map(|(_, n)| format!("{{\"signatures\":{n}}}"))
            .collect();
        let events: Vec<AuditEvent<'_>> = uses
            .iter()
            .zip(&details)
            .map(|((name, _), details)| AuditEvent {
                actor: "system",
                action: "key.use",
                subject: name,
                details,
            })
            .collect();
        if let Err(e) = store.record_audit(&events).await {
            tracing::error!(error = %e, "audit: key uses not recorded");
        }
    }
    loop {
        match store.chain_audit(500).await {
            Ok(500) => continue,
            Ok(_) => break,
            Err(e) => {
                tracing::error!(error = %e, "audit: chaining failed");
                break;
            }
        }
    }
}

/// Signs the head if it moved since `last`; the head signed.
async fn checkpoint(store: &SqlStore, key: &dyn Signer, last: Option<i64>) -> Option<i64> {
    let (id, hash) = match store.audit_head().await {
        Ok(Some(head)) => head,
        Ok(None) => return last,
        Err(e) => {
            tracing::error!(error = %e, "audit: head not read");
            return last;
        }
    };
    if last == Some(id) {
        return last;
    }
    let signature = match key.sign_der(&checkpoint_message(id, &hash)) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "audit: checkpoint not signed");
            return last;
        }
    };
    let c = AuditCheckpoint {
        record_id: id,
        hash,
        at_ms: time::OffsetDateTime::now_utc().unix_timestamp() * 1000,
        signature,
        public_key: key.public_key().to_spki_der(),
    };
    match store.add_audit_checkpoint(&c).await {
        Ok(()) => Some(id),
        Err(e) => {
            tracing::error!(error = %e, "audit: checkpoint not stored");
            last
        }
    }
}

/// A configuration event (`config.start`): `what` and a JSON summary without secrets.
pub async fn record_config(store: &SqlStore, what: &str, summary: &str) {
    let event = AuditEvent {
        actor: "system",
        action: "config.start",
        subject: what,
        details: summary,
    };
    if let Err(e) = store.record_audit(&[event]).await {
        tracing::error!(error = %e, "audit: configuration not recorded");
    }
}
