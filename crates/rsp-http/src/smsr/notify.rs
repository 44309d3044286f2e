//! The SM-SR's notice sender: claims queued notices (operation results for a `ReplyTo`,
//! Profile changes for Operators and SM-DPs), renders each for its destination, POSTs it
//! over HTTPS (with the SM-SR's client certificate when configured) and marks it delivered,
//! or retries it with backoff and gives up after the last attempt. Delivery is at least
//! once: a receiver de-duplicates by the message identifier it gets.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rsp_smsr::notice::{Destination, QueuedNotice};
use rsp_smsr::store::SmsrStore;
use tokio::sync::watch;

/// Where the notices of each Operator and SM-DP go (configured), by identifier.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// Operator identifier → notification URL.
    pub operators: HashMap<String, String>,
    /// SM-DP identifier → notification URL.
    pub smdps: HashMap<String, String>,
}

impl Endpoints {
    /// The URL a notice goes to, if known.
    pub fn url(&self, destination: &Destination) -> Option<String> {
        match destination {
            Destination::ReplyTo(url) => Some(url.clone()),
            Destination::Operator(id) => self.operators.get(id).cloned(),
            Destination::SmDp(id) => self.smdps.get(id).cloned(),
        }
    }
}

/// A rendered notice: the body, its content type and extra headers.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Request body.
    pub body: Vec<u8>,
    /// `Content-Type`.
    pub content_type: String,
    /// Extra headers (e.g. a SOAP action).
    pub headers: Vec<(String, String)>,
}

/// Renders notices in the receiver's binding.
pub type Renderer = Arc<dyn Fn(&QueuedNotice) -> Result<Rendered, String> + Send + Sync>;

/// The sender's settings.
#[derive(Clone)]
pub struct NoticeSender {
    /// HTTPS client (trust anchors, client identity).
    pub client: reqwest::Client,
    /// Destinations.
    pub endpoints: Endpoints,
    /// The binding.
    pub render: Renderer,
    /// Attempts before a notice is given up.
    pub max_attempts: u32,
    /// How long a claim holds a notice, seconds.
    pub lease: i64,
}

fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// Wait before the next attempt after `attempts` failed ones: 5 s doubling, at most 10 min.
fn backoff(attempts: u32) -> i64 {
    (5_i64 << attempts.saturating_sub(1).min(7)).min(600)
}

impl NoticeSender {
    /// Delivers one claimed notice; `Ok(true)` when delivered.
    async fn deliver(&self, n: &QueuedNotice) -> Result<bool, String> {
        let Some(url) = self.endpoints.url(&n.item.destination) else {
            return Err(format!("no endpoint for {:?}", n.item.destination));
        };
        let rendered = (self.render)(n)?;
        let mut request = self
            .client
            .post(&url)
            .header("content-type", rendered.content_type)
            .body(rendered.body);
        for (k, v) in rendered.headers {
            request = request.header(k, v);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        Ok(response.status().is_success())
    }

    /// One step: claim due notices and deliver them; the number delivered.
    pub async fn step<S: SmsrStore>(&self, store: &S) -> usize {
        let now = unix_now();
        let claimed = match store.claim_notices(now, 50, self.lease).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "claiming notices failed");
                return 0;
            }
        };
        let mut delivered = 0;
        for n in claimed {
            let result = self.deliver(&n).await;
            let outcome = match &result {
                Ok(true) => store.notice_ended(n.id, true).await,
                _ if n.attempts >= self.max_attempts => {
                    tracing::warn!(notice = n.id, attempts = n.attempts, "notice given up");
                    store.notice_ended(n.id, false).await
                }
                _ => store.notice_retry(n.id, now + backoff(n.attempts)).await,
            };
            match result {
                Ok(true) => delivered += 1,
                Ok(false) => tracing::info!(notice = n.id, "notice refused; retried later"),
                Err(e) => {
                    tracing::info!(notice = n.id, error = %e, "notice not delivered; retried later")
                }
            }
            if let Err(e) = outcome {
                tracing::warn!(notice = n.id, error = %e, "recording a notice failed");
            }
        }
        delivered
    }
}

/// The JSON rendering of a notice (the `Notice` as serialised, with a `noticeId` the
/// receiver de-duplicates by), until the web-service binding renders ES4/ES3 messages.
pub fn json_renderer() -> Renderer {
    Arc::new(|n: &QueuedNotice| {
        let mut value = serde_json::to_value(&n.item.notice).map_err(|e| e.to_string())?;
        if let Some(o) = value.as_object_mut() {
            o.insert("noticeId".into(), n.id.into());
        }
        Ok(Rendered {
            body: serde_json::to_vec(&value).map_err(|e| e.to_string())?,
            content_type: "application/json".into(),
            headers: Vec::new(),
        })
    })
}

/// Runs the sender every `interval` until `shutdown` turns true.
pub async fn run<S: SmsrStore>(
    store: S,
    sender: NoticeSender,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let delivered = sender.step(&store).await;
        if delivered > 0 {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}
