//! One step of a role's outbox sender, shared by the M2M roles' senders (the SM-DP's
//! DownloadProfileResponses and ES2 notifications, the SM-SR's notices): claim the due
//! entries under a lease, deliver each, then mark it delivered, retry it with backoff, or
//! give it up after the last attempt or when it can never be delivered. Delivery is at
//! least once: a receiver de-duplicates by the message identifier it gets.

use std::future::Future;
use std::time::Duration;

use tokio::sync::watch;

/// A claimed entry.
#[derive(Debug, Clone)]
pub struct Claimed<T> {
    /// Store identifier.
    pub id: i64,
    /// The entry.
    pub item: T,
    /// Delivery attempts so far, this one included.
    pub attempts: u32,
}

/// A role's outbox as the sender sees it.
pub trait Outbox: Sync {
    /// What it holds.
    type Item: Send;
    /// Claims up to `limit` due entries for `lease` seconds.
    fn claim(
        &self,
        now: i64,
        limit: i64,
        lease: i64,
    ) -> impl Future<Output = Result<Vec<Claimed<Self::Item>>, String>> + Send;
    /// Delivered (`true`) or given up (`false`).
    fn ended(&self, id: i64, delivered: bool) -> impl Future<Output = Result<(), String>> + Send;
    /// Due again at `at`.
    fn retry(&self, id: i64, at: i64) -> impl Future<Output = Result<(), String>> + Send;
}

/// Declares `$adapter`, a view of a store `S: $bound` as an [`Outbox`] of `$item` through
/// the store's `$claim`, `$ended` and `$retry` methods (each role's outbox has its own
/// names; the items carry their `id` and `attempts`).
macro_rules! store_outbox {
    ($adapter:ident, $bound:path, $item:ty, $claim:ident, $ended:ident, $retry:ident) => {
        struct $adapter<'a, S>(&'a S);

        impl<S: $bound> $crate::outbox_step::Outbox for $adapter<'_, S> {
            type Item = $item;

            async fn claim(
                &self,
                now: i64,
                limit: i64,
                lease: i64,
            ) -> Result<Vec<$crate::outbox_step::Claimed<$item>>, String> {
                let claimed = self
                    .0
                    .$claim(now, limit, lease)
                    .await
                    .map_err(|e| e.to_string())?;
                Ok(claimed
                    .into_iter()
                    .map(|q| $crate::outbox_step::Claimed {
                        id: q.id,
                        attempts: q.attempts,
                        item: q,
                    })
                    .collect())
            }

            async fn ended(&self, id: i64, delivered: bool) -> Result<(), String> {
                self.0
                    .$ended(id, delivered)
                    .await
                    .map_err(|e| e.to_string())
            }

            async fn retry(&self, id: i64, at: i64) -> Result<(), String> {
                self.0.$retry(id, at).await.map_err(|e| e.to_string())
            }
        }
    };
}
pub(crate) use store_outbox;

/// How one delivery went.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Attempt {
    /// The receiver took it (2xx).
    Delivered,
    /// Not this time (no answer, a refusal): tried again later.
    Failed(String),
    /// Never deliverable (no endpoint for its destination): given up at once.
    Undeliverable(String),
}

/// The sender's settings.
#[derive(Debug, Clone, Copy)]
pub struct Policy {
    /// Entries claimed per step.
    pub batch: i64,
    /// Seconds a claim holds an entry.
    pub lease: i64,
    /// Attempts before an entry is given up.
    pub max_attempts: u32,
}

/// Wait before the next attempt after `attempts` failed ones: 5 s doubling, at most 10 min.
pub fn backoff(attempts: u32) -> i64 {
    (5_i64 << attempts.saturating_sub(1).min(7)).min(600)
}

/// POSTs `body` to `url` with `content_type`: [`Attempt::Delivered`] on a 2xx answer.
pub async fn post(
    client: &reqwest::Client,
    url: &str,
    content_type: &str,
    headers: &[(String, String)],
    body: Vec<u8>,
) -> Attempt {
    let mut request = client
        .post(url)
        .header("content-type", content_type)
        .body(body);
    for (k, v) in headers {
        request = request.header(k, v);
    }
    match request.send().await {
        Ok(r) if r.status().is_success() => Attempt::Delivered,
        Ok(r) => Attempt::Failed(format!("HTTP {}", r.status())),
        Err(e) => Attempt::Failed(e.to_string()),
    }
}

/// One step: claims due entries of `outbox` at `now` and delivers each with `deliver`;
/// the delivery outcomes, in order (`what` names the entries in the log).
pub async fn step<O, F, Fut>(
    outbox: &O,
    now: i64,
    policy: Policy,
    what: &str,
    deliver: F,
) -> Vec<(Claimed<O::Item>, Attempt)>
where
    O: Outbox,
    F: Fn(&Claimed<O::Item>) -> Fut,
    Fut: Future<Output = Attempt>,
{
    let claimed = match outbox.claim(now, policy.batch, policy.lease).await {
        Ok(c) => c,
        Err(e) => {
            tracing::warn!(error = %e, "claiming {what}s failed");
            return Vec::new();
        }
    };
    let mut out = Vec::with_capacity(claimed.len());
    for entry in claimed {
        let attempt = deliver(&entry).await;
        let recorded = match &attempt {
            Attempt::Delivered => outbox.ended(entry.id, true).await,
            Attempt::Undeliverable(e) => {
                tracing::warn!(id = entry.id, error = %e, "{what} given up: undeliverable");
                outbox.ended(entry.id, false).await
            }
            Attempt::Failed(e) if entry.attempts >= policy.max_attempts => {
                tracing::warn!(id = entry.id, attempts = entry.attempts, error = %e,
                    "{what} given up");
                outbox.ended(entry.id, false).await
            }
            Attempt::Failed(e) => {
                tracing::info!(id = entry.id, error = %e, "{what} not delivered; retried later");
                outbox
                    .retry(entry.id, now.saturating_add(backoff(entry.attempts)))
                    .await
            }
        };
        if let Err(e) = recorded {
            tracing::warn!(id = entry.id, error = %e, "recording a {what} failed");
        }
        out.push((entry, attempt));
    }
    out
}

/// Runs `step` every `interval` until `shutdown` turns true (the SM-DP's senders).
pub async fn run_every<F, Fut>(interval: Duration, mut shutdown: watch::Receiver<bool>, step: F)
where
    F: Fn() -> Fut,
    Fut: Future<Output = usize>,
{
    loop {
        step().await;
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            return;
        }
    }
}
