//! The eIM's outbox sender: results POSTed to the tenants' webhooks (JSON), and notifications
//! received from IPAs forwarded to the SM-DP+ they name with ES9+.HandleNotification
//! (SGP.22 §5.6.4 JSON binding, `pendingNotification` base64; SGP.32 §3.5: the eIM relays
//! notifications it receives over ESipa). Entries live in the database, so a crash or a
//! second replica loses nothing; each is retried with exponential backoff (1 s … 1 h) and
//! given up after [`MAX_ATTEMPTS`].

use std::future::Future;
use std::time::Duration;

use base64::Engine as _;
use rsp_codec::json::http::{ADMIN_PROTOCOL, ADMIN_PROTOCOL_HEADER};
use rsp_eim::{EimStore, OutboxItem, OutboxKind};

/// Attempts before an entry is given up (kept in the table with its last error).
pub const MAX_ATTEMPTS: u32 = 20;

/// The HTTP clients of the outbox.
#[derive(Debug, Clone)]
pub struct EimSender {
    /// For webhooks (platform roots; plain HTTP allowed).
    pub webhook: reqwest::Client,
    /// For SM-DP+s (their TLS roots).
    pub es9: reqwest::Client,
}

async fn send(sender: &EimSender, item: &OutboxItem) -> Result<(), String> {
    let response = match item.kind {
        OutboxKind::Webhook => {
            sender
                .webhook
                .post(&item.target)
                .header("content-type", "application/json")
                .body(item.body.clone())
                .send()
                .await
        }
        OutboxKind::Es9Notification => {
            let body = serde_json::json!({
                "pendingNotification":
                    base64::engine::general_purpose::STANDARD.encode(&item.body),
            });
            sender
                .es9
                .post(format!(
                    "https://{}/gsma/rsp2/es9plus/handleNotification",
                    item.target
                ))
                .header("content-type", "application/json;charset=UTF-8")
                .header(ADMIN_PROTOCOL_HEADER, ADMIN_PROTOCOL)
                .body(body.to_string())
                .send()
                .await
        }
    };
    match response {
        Ok(r) if r.status().is_success() => Ok(()),
        Ok(r) => Err(format!("HTTP {}", r.status().as_u16())),
        Err(e) => Err(format!("{e}")),
    }
}

/// One round: claims due entries and sends them; the number handled.
pub async fn send_due<S: EimStore>(store: &S, sender: &EimSender) -> usize {
    let now = rsp_eim::now_ms();
    let items = match store.claim_outbox(now, Duration::from_secs(60), 16).await {
        Ok(items) => items,
        Err(e) => {
            tracing::warn!(error = %e, "eIM outbox claim failed");
            return 0;
        }
    };
    for item in &items {
        let kind = item.kind.as_str();
        let outcome = send(sender, item).await;
        let stored = match &outcome {
            Ok(()) => store.outbox_sent(item.id).await,
            Err(reason) => {
                let due = (item.attempts < MAX_ATTEMPTS).then(|| {
                    let backoff = 1000i64 << item.attempts.min(12);
                    now.saturating_add(backoff.min(3_600_000))
                });
                tracing::info!(id = item.id, kind, attempts = item.attempts, error = %reason,
                    "eIM outbox send failed");
                store.outbox_retry(item.id, due, reason).await
            }
        };
        let result = if outcome.is_ok() { "sent" } else { "failed" };
        metrics::counter!("rsp_eim_outbox_sent_total", "kind" => kind, "result" => result)
            .increment(1);
        if let Err(e) = stored {
            tracing::warn!(error = %e, "eIM outbox update failed");
        }
    }
    items.len()
}

/// Sends due entries every `every` until `shutdown`, and keeps the
/// `rsp_eim_pending_operations` gauge current: recounted every 5 s, or less often when
/// counting takes long (a million pending operations: at most 1% of the time counting).
pub async fn run_eim_outbox<S: EimStore + rsp_eim::RelayStore>(
    store: S,
    sender: EimSender,
    every: Duration,
    shutdown: impl Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    let mut next_count = tokio::time::Instant::now();
    loop {
        while send_due(&store, &sender).await > 0 {}
        if tokio::time::Instant::now() >= next_count {
            let start = tokio::time::Instant::now();
            if let Ok(n) = store.pending_operations().await {
                metrics::gauge!("rsp_eim_pending_operations").set(n as f64);
            }
            // Indirect-download sessions past any RSP session's life are forgotten.
            let before = rsp_eim::now_ms() - rsp_eim::relay::RELAY_SESSION_TTL_MS;
            if let Err(e) = store.expire_relay_sessions(before).await {
                tracing::warn!(error = %e, "expiring relay sessions");
            }
            next_count = start + (start.elapsed() * 100).max(Duration::from_secs(5));
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = &mut shutdown => break,
        }
    }
}
