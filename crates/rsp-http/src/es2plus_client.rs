//! ES2+.HandleDownloadProgressInfo sender (SGP.22 v2.5 §5.3.5, JSON binding §6.5.2.5): claims
//! due outbox messages, POSTs each to its Operator over HTTPS, and marks it delivered on a
//! 2xx answer or reschedules it with the [`RetryPolicy`] backoff. All state is in the
//! database (leases, attempts, due times), so several senders and restarts are safe.

use std::collections::HashMap;
use std::future::Future;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use rsp_codec::json::es2plus::HandleDownloadProgressInfoRequest;
use rsp_codec::json::http::{ADMIN_PROTOCOL, ADMIN_PROTOCOL_HEADER, CONTENT_TYPE};
use rsp_codec::json::{
    Base64Bytes, Es2PlusFunction, ExecutionStatus, FunctionExecutionStatus, RequestHeader,
    StatusCodeData, Timestamp,
};
use rsp_smdpp::OperatorId;
use rsp_smdpp::outbox::{DownloadProgress, OutboxEntry, PointStatus, RetryPolicy};
use rsp_smdpp::store::{OutboxStore, StoreError};
use time::OffsetDateTime;

/// Why the sender could not be set up or a round failed.
#[derive(Debug, thiserror::Error)]
pub enum SenderError {
    /// The HTTP client could not be built (bad CA or client identity PEM).
    #[error("HTTP client: {0}")]
    Client(#[source] reqwest::Error),
    /// The client key is in a PKCS#11 token and could not be used (no key material here).
    #[error("HTTP client key in token: {0}")]
    TokenIdentity(String),
    /// The outbox store failed.
    #[error("outbox: {0}")]
    Store(#[from] StoreError),
}

/// Sender settings.
#[derive(Debug, Clone)]
pub struct SenderConfig {
    /// Each Operator's ES2+ base URL (e.g. `https://bss.example:8443`); the function path is
    /// appended.
    pub endpoints: HashMap<OperatorId, String>,
    /// Backoff for failed deliveries.
    pub retry: RetryPolicy,
    /// `functionRequesterIdentifier` sent in the request header (this SM-DP+).
    pub requester_id: String,
    /// Pause between polls when nothing was due.
    pub poll_interval: Duration,
    /// Messages claimed per round.
    pub batch: u32,
    /// How long a claimed message stays hidden from other senders.
    pub lease: Duration,
    /// Per-request timeout.
    pub request_timeout: Duration,
}

impl SenderConfig {
    /// Defaults: 2 s polling, batches of 32, 60 s lease, 20 s request timeout.
    pub fn new(requester_id: impl Into<String>, endpoints: HashMap<OperatorId, String>) -> Self {
        Self {
            endpoints,
            retry: RetryPolicy::default(),
            requester_id: requester_id.into(),
            poll_interval: Duration::from_secs(2),
            batch: 32,
            lease: Duration::from_secs(60),
            request_timeout: Duration::from_secs(20),
        }
    }
}

/// TLS material of the sender's HTTPS client.
#[derive(Clone, Default)]
pub struct ClientTls {
    /// Trust anchors for the Operators' servers (PEM); empty: the platform's roots.
    pub roots_pem: Vec<Vec<u8>>,
    /// Our client certificate chain and private key, one PEM (key + certificates).
    pub identity_pem: Option<Vec<u8>>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls")
            .field("roots", &self.roots_pem.len())
            .field(
                "identity",
                &self.identity_pem.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// Builds the HTTPS client (rustls).
pub fn build_client(tls: &ClientTls, timeout: Duration) -> Result<reqwest::Client, SenderError> {
    let mut builder = reqwest::Client::builder()
        .timeout(timeout)
        .https_only(false)
        .tls_version_min(reqwest::tls::Version::TLS_1_2);
    if !tls.roots_pem.is_empty() {
        let mut certs = Vec::new();
        for pem in &tls.roots_pem {
            certs.extend(reqwest::Certificate::from_pem_bundle(pem).map_err(SenderError::Client)?);
        }
        builder = builder.tls_certs_only(certs);
    }
    match &tls.identity_pem {
        // The key is a `pkcs11:` URI (docs/hsm.md): signatures made in the token.
        Some(id) if crate::tls_key::identity_is_token(id) => {
            let config = crate::tls_key::token_client_config(id, &tls.roots_pem)
                .map_err(SenderError::TokenIdentity)?;
            builder = builder.tls_backend_preconfigured(config);
        }
        Some(pem) => {
            builder =
                builder.identity(reqwest::Identity::from_pem(pem).map_err(SenderError::Client)?);
        }
        None => {}
    }
    builder.build().map_err(SenderError::Client)
}

/// The HandleDownloadProgressInfo sender.
#[derive(Debug, Clone)]
pub struct ProgressSender<O> {
    store: O,
    client: reqwest::Client,
    config: SenderConfig,
}

/// What one round did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct RoundStats {
    /// Acknowledged by the Operator.
    pub delivered: usize,
    /// Failed, to be retried.
    pub rescheduled: usize,
    /// Failed for good.
    pub abandoned: usize,
}

fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

/// The JSON body of one message (§6.5.2.5).
pub fn request_body(entry: &OutboxEntry, requester_id: &str) -> HandleDownloadProgressInfoRequest {
    let m: &DownloadProgress = &entry.message;
    // Whole seconds: the binding's DateTime is `YYYY-MM-DDThh:mm:ssZ` (SGP.22 §6.5.1).
    let at = OffsetDateTime::from_unix_timestamp(m.timestamp_ms.div_euclid(1000))
        .unwrap_or(OffsetDateTime::UNIX_EPOCH);
    let status = match &m.status {
        PointStatus::Success => FunctionExecutionStatus::success(),
        PointStatus::Failed(code) => FunctionExecutionStatus {
            status: ExecutionStatus::Failed,
            status_code_data: Some(StatusCodeData {
                subject_code: code.subject.clone(),
                reason_code: code.reason.clone(),
                subject_identifier: None,
                message: None,
            }),
        },
        PointStatus::Expired => FunctionExecutionStatus {
            status: ExecutionStatus::Expired,
            status_code_data: None,
        },
    };
    HandleDownloadProgressInfoRequest {
        header: RequestHeader {
            function_requester_identifier: requester_id.to_owned(),
            function_call_identifier: format!("dpi-{}-{}", entry.id, entry.attempts),
        },
        eid: m.eid.clone(),
        iccid: m.iccid.clone(),
        profile_type: m.profile_type.clone(),
        timestamp: Timestamp::new(at),
        notification_point_id: m.notification_point_id,
        notification_point_status: status,
        result_data: m.result_data.clone().map(Base64Bytes::new),
        imei: None,
    }
}

impl<O: OutboxStore> ProgressSender<O> {
    /// A sender over `store` using `client`.
    pub fn new(store: O, client: reqwest::Client, config: SenderConfig) -> Self {
        Self {
            store,
            client,
            config,
        }
    }

    /// Claims due messages once and tries each.
    pub async fn run_once(&self) -> Result<RoundStats, SenderError> {
        let due = self
            .store
            .claim_due(now_ms(), self.config.lease, self.config.batch)
            .await?;
        let mut stats = RoundStats::default();
        for entry in due {
            match self.deliver(&entry).await {
                Ok(()) => {
                    self.store.mark_delivered(entry.id, now_ms()).await?;
                    stats.delivered += 1;
                    metrics::counter!("rsp_es2plus_progress_sent_total", "result" => "delivered")
                        .increment(1);
                }
                Err(reason) => {
                    tracing::warn!(id = entry.id, attempts = entry.attempts,
                        operator = %entry.message.operator, %reason, "HandleDownloadProgressInfo failed");
                    match self.config.retry.next_delay(entry.attempts) {
                        Some(delay) => {
                            let due = now_ms().saturating_add(
                                i64::try_from(delay.as_millis()).unwrap_or(i64::MAX),
                            );
                            self.store.reschedule(entry.id, due, &reason).await?;
                            stats.rescheduled += 1;
                        }
                        None => {
                            self.store.abandon(entry.id, now_ms(), &reason).await?;
                            stats.abandoned += 1;
                        }
                    }
                    metrics::counter!("rsp_es2plus_progress_sent_total", "result" => "failed")
                        .increment(1);
                }
            }
        }
        Ok(stats)
    }

    /// One POST; `Err` carries a reason for the outbox row (no secrets).
    async fn deliver(&self, entry: &OutboxEntry) -> Result<(), String> {
        let base = self
            .config
            .endpoints
            .get(&entry.message.operator)
            .ok_or_else(|| "no ES2+ notification URL configured for the operator".to_owned())?;
        let url = format!(
            "{}{}",
            base.trim_end_matches('/'),
            Es2PlusFunction::HandleDownloadProgressInfo.path()
        );
        let body = serde_json::to_vec(&request_body(entry, &self.config.requester_id))
            .map_err(|e| format!("encoding: {e}"))?;
        let response = self
            .client
            .post(url)
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(ADMIN_PROTOCOL_HEADER, ADMIN_PROTOCOL)
            .body(body)
            .send()
            .await
            .map_err(|e| format!("request: {e}"))?;
        let status = response.status();
        if status.is_success() {
            Ok(())
        } else {
            Err(format!("HTTP {}", status.as_u16()))
        }
    }

    /// Runs rounds until `shutdown` completes; a failed round is logged and retried after
    /// the poll interval.
    pub async fn run(self, shutdown: impl Future<Output = ()>) {
        tokio::pin!(shutdown);
        loop {
            let pause = match self.run_once().await {
                Ok(s) if s.delivered + s.rescheduled + s.abandoned > 0 => Duration::ZERO,
                Ok(_) => self.config.poll_interval,
                Err(e) => {
                    tracing::error!(error = %e, "outbox round failed");
                    self.config.poll_interval
                }
            };
            tokio::select! {
                () = tokio::time::sleep(pause) => {}
                () = &mut shutdown => break,
            }
        }
    }
}
