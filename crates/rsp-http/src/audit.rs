//! The servers' side of the audit trail (`rsp_storage::audit`): ES2+ (ES12, ES15) and admin
//! calls
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

/// Middleware state: where calls are recorded, and which interfaces.
#[derive(Clone, Debug)]
pub struct AuditCalls {
    store: SqlStore,
    interfaces: &'static [&'static str],
}

impl AuditCalls {
    /// Records into `store` the calls of `interfaces` (path segments under `/gsma/rsp2/`,
    /// e.g. `es2plus`, `es12`, `es15`).
    pub fn new(store: SqlStore, interfaces: &'static [&'static str]) -> Self {
        Self { store, interfaces }
    }

    /// `(interface, function)` of a recorded path.
    fn recorded<'p>(&self, path: &'p str) -> Option<(&'p str, &'p str)> {
        let (interface, function) = path.strip_prefix("/gsma/rsp2/")?.split_once('/')?;
        self.interfaces
            .contains(&interface)
            .then_some((interface, function))
    }
}

/// Records every call of the configured interfaces on the TLS listener (actor: the client
/// certificate's CN): ES2+ on the SM-DP+, ES12/ES15 on the SM-DS. Other paths (ES9+, ES11)
/// pass through unrecorded: the changes they cause are recorded by the store itself.
pub async fn audit_interface_calls(
    State(a): State<AuditCalls>,
    req: Request,
    next: Next,
) -> Response {
    let path = req.uri().path().to_owned();
    let Some((interface, function)) = a.recorded(&path) else {
        return next.run(req).await;
    };
    let action = format!("{interface}.{function}");
    let actor = req
        .extensions()
        .get::<PeerCertificate>()
        .and_then(|c| common_name(c.0.as_ref()))
        .unwrap_or_else(|| "(no client certificate)".into());
    let response = next.run(req).await;
    record(&a.store, &actor, &action, &path, response.status().as_u16()).await;
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
    record_config_event(store, "config.start", what, summary).await;
}

/// A configuration event `action` (`config.start`, `config.reload`, `config.reload-failed`).
pub async fn record_config_event(store: &SqlStore, action: &str, what: &str, summary: &str) {
    let event = AuditEvent {
        actor: "system",
        action,
        subject: what,
        details: summary,
    };
    if let Err(e) = store.record_audit(&[event]).await {
        tracing::error!(error = %e, "audit: configuration not recorded");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rsp_crypto::SoftwareKey;

    #[test]
    fn key_uses_are_counted_per_key_and_reset_when_taken() {
        let uses = KeyUses::default();
        let a = uses.wrap(
            "dp-auth",
            Arc::new(SoftwareKey::generate(Curve::NistP256).unwrap()),
        );
        let b = uses.wrap(
            "dp-pb",
            Arc::new(SoftwareKey::generate(Curve::NistP256).unwrap()),
        );
        let sig = a.sign_raw(b"m").unwrap();
        a.public_key().verify_raw(b"m", &sig).unwrap();
        a.sign_der(b"m").unwrap();
        assert_eq!(uses.take(), vec![("dp-auth".to_owned(), 2)]);
        assert!(uses.take().is_empty());
        b.sign_raw(b"n").unwrap();
        assert_eq!(uses.take(), vec![("dp-pb".to_owned(), 1)]);
    }
}
