//! The ES12 client (SM-DP+ → SM-DS, SGP.22 v2.5 §5.5) and ES15 client (Alternative SM-DS →
//! Root SM-DS, §3.6.1): RegisterEvent and DeleteEvent over mutually authenticated TLS, the
//! caller presenting its TLS certificate (CERT.DPtls / CERT.DStls) as client certificate.

use rsp_codec::json::es12::{DeleteEventRequest, RegisterEventRequest};
use rsp_codec::json::http::{ADMIN_PROTOCOL, ADMIN_PROTOCOL_HEADER, CONTENT_TYPE};
use rsp_codec::json::{
    Eid, Es12Function, HeaderOnlyResponse, Outcome, RequestHeader, decode_response,
};
use rsp_codec::status::RspError;
use rsp_smds::cascade::{RootClient, SendError};
use rsp_smds::event::EventId;
use serde::Serialize;

use crate::es12::{ES15_DELETE_EVENT, ES15_REGISTER_EVENT};

/// Which interface the calls belong to (same bodies, different paths).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Caller {
    /// An SM-DP+ (ES12).
    Smdp,
    /// An Alternative SM-DS cascading to the root (ES15).
    AlternativeSmds,
}

/// An ES12 / ES15 client.
#[derive(Debug, Clone)]
pub struct SmdsClient {
    http: reqwest::Client,
    caller: Caller,
    /// `functionRequesterIdentifier` of the requests.
    requester: String,
    /// The RSP server address registered with each event (this SM-DP+ or SM-DS).
    own_address: String,
}

impl SmdsClient {
    /// A client over `http` (built with the caller's TLS identity and the SM-DS's roots,
    /// e.g. by [`crate::es2plus_client::build_client`]).
    pub fn new(
        http: reqwest::Client,
        caller: Caller,
        requester: impl Into<String>,
        own_address: impl Into<String>,
    ) -> Self {
        Self {
            http,
            caller,
            requester: requester.into(),
            own_address: own_address.into(),
        }
    }

    fn path(&self, function: Es12Function) -> &'static str {
        match (self.caller, function) {
            (Caller::Smdp, f) => f.path(),
            (Caller::AlternativeSmds, Es12Function::RegisterEvent) => ES15_REGISTER_EVENT,
            (Caller::AlternativeSmds, Es12Function::DeleteEvent) => ES15_DELETE_EVENT,
        }
    }

    fn header(&self) -> RequestHeader {
        let id = rsp_auth::random16().map(hex::encode).unwrap_or_default();
        RequestHeader {
            function_requester_identifier: self.requester.clone(),
            function_call_identifier: id,
        }
    }

    async fn call<B: Serialize>(
        &self,
        smds: &str,
        function: Es12Function,
        body: &B,
    ) -> Result<(), SendError> {
        let url = format!("https://{smds}{}", self.path(function));
        let json = serde_json::to_vec(body).map_err(|e| SendError::Transport(e.to_string()))?;
        let response = self
            .http
            .post(&url)
            .header(reqwest::header::CONTENT_TYPE, CONTENT_TYPE)
            .header(ADMIN_PROTOCOL_HEADER, ADMIN_PROTOCOL)
            .body(json)
            .send()
            .await
            .map_err(|e| SendError::Transport(format!("{url}: {e}")))?;
        let status = response.status().as_u16();
        let bytes = response
            .bytes()
            .await
            .map_err(|e| SendError::Transport(format!("{url}: {e}")))?;
        match decode_response::<HeaderOnlyResponse>(&bytes) {
            Ok(Outcome::Executed(_)) if status == 200 => Ok(()),
            Ok(Outcome::NotExecuted(fes)) => Err(SendError::Refused(
                fes.status_code_data
                    .map(|d| RspError::from_status_code(d.status_code()))
                    .unwrap_or(RspError::SmdsExecutionError),
            )),
            _ => Err(SendError::Transport(format!(
                "{url}: unexpected response (HTTP {status})"
            ))),
        }
    }

    /// RegisterEvent at `smds` for `eid` with this caller's address.
    pub async fn register_event(
        &self,
        smds: &str,
        eid: &Eid,
        event_id: &str,
        forwarding: bool,
    ) -> Result<(), SendError> {
        let body = RegisterEventRequest {
            header: self.header(),
            eid: eid.clone(),
            rsp_server_address: self.own_address.clone(),
            event_id: event_id.to_owned(),
            forwarding_indicator: forwarding,
        };
        self.call(smds, Es12Function::RegisterEvent, &body).await
    }

    /// DeleteEvent at `smds`.
    pub async fn delete_event(
        &self,
        smds: &str,
        eid: &Eid,
        event_id: &str,
    ) -> Result<(), SendError> {
        let body = DeleteEventRequest {
            header: self.header(),
            eid: eid.clone(),
            event_id: event_id.to_owned(),
        };
        self.call(smds, Es12Function::DeleteEvent, &body).await
    }
}

impl RootClient for SmdsClient {
    async fn register(&self, root: &str, eid: &Eid, event_id: &EventId) -> Result<(), SendError> {
        self.register_event(root, eid, event_id.as_str(), false)
            .await
    }

    async fn delete(&self, root: &str, eid: &Eid, event_id: &EventId) -> Result<(), SendError> {
        self.delete_event(root, eid, event_id.as_str()).await
    }
}

/// Runs the Alternative SM-DS's cascade sender ([`rsp_smds::cascade::send_due`]) every
/// `interval` until `shutdown` completes, exporting `rsp_smds_pending_cascades` and
/// counting `rsp_smds_cascades_sent_total{result}`.
pub async fn run_cascades<S: rsp_smds::SmdsStore>(
    store: S,
    client: SmdsClient,
    policy: rsp_smds::cascade::RetryPolicy,
    interval: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        match rsp_smds::cascade::send_due(&store, &client, &policy).await {
            Ok(round) => {
                metrics::counter!("rsp_smds_cascades_sent_total", "result" => "synced")
                    .increment(u64::from(round.synced));
                metrics::counter!("rsp_smds_cascades_sent_total", "result" => "failed")
                    .increment(u64::from(round.failed));
            }
            Err(e) => tracing::warn!(error = %e, "cascade sender: storage failure"),
        }
        if let Ok(n) = store.pending_cascades().await {
            #[allow(clippy::cast_precision_loss)]
            metrics::gauge!("rsp_smds_pending_cascades").set(n as f64);
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => break,
        }
    }
}

/// Runs the SM-DP+'s event registrations at SM-DSes (ES12, [`rsp_smdpp::smds_events`])
/// every `interval` until `shutdown` completes: registers the events that released orders
/// want (with `forwardingIndicator` set, so an Alternative SM-DS cascades them) and deletes
/// those they no longer want, retrying with `policy`'s back-off. Exports
/// `rsp_smdpp_smds_events_pending` and counts `rsp_smdpp_smds_events_sent_total{result}`.
pub async fn run_smds_events<S: rsp_smdpp::smds_events::SmdsEventStore>(
    store: S,
    client: SmdsClient,
    policy: rsp_smds::cascade::RetryPolicy,
    interval: std::time::Duration,
    shutdown: impl std::future::Future<Output = ()>,
) {
    tokio::pin!(shutdown);
    loop {
        if let Err(e) = smds_events_round(&store, &client, &policy).await {
            tracing::warn!(error = %e, "SM-DS event sender: storage failure");
        }
        if let Ok(n) = store.pending_smds_events().await {
            #[allow(clippy::cast_precision_loss)]
            metrics::gauge!("rsp_smdpp_smds_events_pending").set(n as f64);
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            () = &mut shutdown => break,
        }
    }
}

/// One round of [`run_smds_events`]: the number of (synced, failed) tasks.
pub async fn smds_events_round<S: rsp_smdpp::smds_events::SmdsEventStore>(
    store: &S,
    client: &SmdsClient,
    policy: &rsp_smds::cascade::RetryPolicy,
) -> Result<(u32, u32), rsp_smdpp::store::StoreError> {
    let now = now_ms();
    let due = store
        .claim_smds_events(now, policy.lease, policy.batch)
        .await?;
    let (mut synced, mut failed) = (0, 0);
    for t in due {
        let result = if t.wanted {
            client
                .register_event(&t.smds_address, &t.eid, &t.event_id, true)
                .await
        } else {
            client
                .delete_event(&t.smds_address, &t.eid, &t.event_id)
                .await
        };
        match rsp_smds::cascade::settled(t.wanted, result) {
            Ok(()) => {
                store.smds_event_synced(&t.iccid, t.wanted).await?;
                synced += 1;
                metrics::counter!("rsp_smdpp_smds_events_sent_total", "result" => "synced")
                    .increment(1);
            }
            Err(e) => {
                let delay = policy.delay(t.attempts);
                let due_at = now_ms().saturating_add(i64::try_from(delay.as_millis()).unwrap_or(0));
                tracing::warn!(iccid = t.iccid.as_str(), smds = %t.smds_address, error = %e,
                    "ES12 event registration failed, retrying");
                store
                    .smds_event_retry(&t.iccid, due_at, &e.to_string())
                    .await?;
                failed += 1;
                metrics::counter!("rsp_smdpp_smds_events_sent_total", "result" => "failed")
                    .increment(1);
            }
        }
    }
    Ok((synced, failed))
}

fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}
