//! The M2M SM-DP's ES2 web service (SGP.02 §5.3; SOAP 1.2 + WS-Addressing over mutually
//! authenticated HTTPS): `POST /gsma/sgp02/es2`. The caller is the Operator named by the
//! subject CN of its TLS client certificate (as the SM-SR's ES4).
//!
//! - DownloadProfile becomes an order ([`SmdpService::accept`]). With a `wsa:ReplyTo` it is
//!   acknowledged at once (HTTP 202) and the DownloadProfileResponse (with `Iccid`) goes to
//!   ReplyTo when the order ends ([`run_results`]); without one the response waits for the
//!   order (at most [`SYNC_WAIT`], then `Expired`; the result then goes to the Operator's
//!   configured endpoint when it ends, and only then: a result answered in the HTTP
//!   response is not sent again).
//! - The profile functions (GetEIS, AuditEIS, Enable/Disable/DeleteProfile,
//!   UpdatePolicyRules, UpdateSubscriptionAddress) are relayed to the SM-SR named in
//!   `Smsr-id` over ES3 and its answer is passed back (synchronously).
//!
//! A DownloadProfile sent again with the same `MessageID` by the same Operator (a retry)
//! is the order of the first request: answered as it was (202, or the order's result),
//! with no second order and no second Profile taken.
//!
//! [`run_orders`] is the worker loop that carries orders out, several at a time.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::es3::Es3Request;
use rsp_codec::ws::names::WSA_ANONYMOUS;
use rsp_codec::ws::{self, ExecutionStatus, FunctionExecutionStatus, Message, RequestBody};
use rsp_smdp::order::Es3;
use rsp_smdp::service::{self, ServiceError, SmdpService, unix_now};
use rsp_smdp::store::{Destination, NewOrder, QueuedResult, SmdpStore};
use tokio::sync::watch;

use crate::outbox_step::{self, Attempt, Claimed, Policy};
use crate::server::PeerCertificate;
use crate::smsr::ws::{
    SOAP_CONTENT_TYPE, caller, message_id, parse, soap, stable_message_id, unauthenticated,
};

/// Longest wait of a synchronous DownloadProfile response.
pub const SYNC_WAIT: Duration = Duration::from_secs(120);

/// The shared state of the ES2 endpoint.
pub struct Es2State<S, C> {
    /// The SM-DP.
    pub smdp: Arc<SmdpService<S, C>>,
    /// The SM-DP's identifier (`wsa:From` of its messages).
    pub smdp_id: String,
}

fn status_of_error(e: &ServiceError) -> FunctionExecutionStatus {
    let c = e.status_code();
    FunctionExecutionStatus::failed(c.subject.as_str(), c.reason.as_str(), Some(&e.to_string()))
}

fn respond(request: &WsHeader, smdp_id: &str, response: ws::Response) -> Response {
    let header = WsHeader {
        to: request.from.clone(),
        from: Some(smdp_id.to_owned()),
        reply_to: None,
        message_id: message_id(),
        action: String::new(),
        relates_to: Some(request.message_id.clone()),
    };
    let msg: Es2Message = Message::Response(response);
    soap(StatusCode::OK, envelope::build(&msg.envelope(header)))
}

/// The DownloadProfileResponse of a result (also the body of a queued one).
pub fn download_response(iccid: Option<String>, status: FunctionExecutionStatus) -> ws::Response {
    ws::Response {
        function: ws::Function::DownloadProfile,
        status,
        iccid,
        eis: None,
        euicc_response_data: None,
    }
}

fn result_status(r: &rsp_smdp::store::DownloadResult) -> FunctionExecutionStatus {
    match &r.failure {
        None => FunctionExecutionStatus::success(),
        Some(f) => {
            FunctionExecutionStatus::failed(&f.subject_code, &f.reason_code, Some(&f.message))
        }
    }
}

async fn es2<S: SmdpStore + 'static, C: Es3 + Sync + Send + 'static>(
    State(state): State<Arc<Es2State<S, C>>>,
    cert: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Response {
    let Some(operator) = caller(cert) else {
        return unauthenticated();
    };
    let (header, request) = match parse::<Es2Request>(&body) {
        Ok(r) => r,
        Err(f) => return *f,
    };
    let function = request.body.function();
    match request.body {
        Es2Request::Profile { smsr_id, request } => {
            let Some(es3) = state.smdp.smsr(&smsr_id) else {
                let status = status_of_error(&ServiceError::UnknownSmsr);
                return respond(&header, &state.smdp_id, ws::Response::new(function, status));
            };
            let answer = match es3.call(Es3Request::Profile(request)).await {
                Ok(mut r) => {
                    r.function = function;
                    r
                }
                Err(e) => ws::Response::new(
                    function,
                    FunctionExecutionStatus::failed("8.7", "5.1", Some(&e.to_string())),
                ),
            };
            respond(&header, &state.smdp_id, answer)
        }
        Es2Request::DownloadProfile {
            eid,
            smsr_id,
            profile_type,
            iccid,
            enable_profile,
        } => {
            let reply_to = header
                .reply_to
                .clone()
                .filter(|r| r != WSA_ANONYMOUS && !r.is_empty());
            let order = NewOrder {
                operator,
                message_id: Some(header.message_id.clone()),
                reply_to: reply_to.clone(),
                eid,
                smsr_id,
                profile_type,
                iccid,
                enable: enable_profile,
                now: unix_now(),
            };
            let stored = match state.smdp.accept(&order).await {
                Ok(o) => o,
                Err(e) => {
                    return respond(
                        &header,
                        &state.smdp_id,
                        download_response(None, status_of_error(&e)),
                    );
                }
            };
            if reply_to.is_some() {
                return StatusCode::ACCEPTED.into_response();
            }
            let start = Instant::now();
            loop {
                match state.smdp.store().order(stored.id).await {
                    Ok(Some(o)) if o.ended() => {
                        // This answer carries the result: the one queued for the Operator's
                        // endpoint (held back for it) is not sent as well.
                        if let Err(e) = state.smdp.store().result_answered(o.id).await {
                            tracing::warn!(order = o.id, error = %e,
                                "the answered result stays queued");
                        }
                        let status = match &o.failure {
                            None => FunctionExecutionStatus::success(),
                            Some(f) => FunctionExecutionStatus::failed(
                                &f.subject_code,
                                &f.reason_code,
                                Some(&f.message),
                            ),
                        };
                        return respond(
                            &header,
                            &state.smdp_id,
                            download_response(Some(o.order.iccid), status),
                        );
                    }
                    Ok(_) if start.elapsed() < SYNC_WAIT => {
                        tokio::time::sleep(Duration::from_millis(200)).await;
                    }
                    Ok(_) => {
                        let mut status =
                            FunctionExecutionStatus::failed("1.6", "4.10", Some("still running"));
                        status.status = ExecutionStatus::Expired;
                        return respond(
                            &header,
                            &state.smdp_id,
                            download_response(Some(stored.order.iccid.clone()), status),
                        );
                    }
                    Err(e) => {
                        let e = ServiceError::Store(e);
                        return respond(
                            &header,
                            &state.smdp_id,
                            download_response(None, status_of_error(&e)),
                        );
                    }
                }
            }
        }
    }
}

/// The ES2 route over `smdp`.
pub fn router<S: SmdpStore + 'static, C: Es3 + Sync + Send + 'static>(
    smdp: Arc<SmdpService<S, C>>,
    smdp_id: String,
) -> Router {
    let state = Arc::new(Es2State { smdp, smdp_id });
    Router::new()
        .route("/gsma/sgp02/es2", post(es2::<S, C>))
        .with_state(state)
}

/// Runs due orders, up to `workers` at a time, looking for due ones every `interval` (and
/// whenever one finishes) until `shutdown` turns true. Each order runs in a task of its
/// own ([`run_leased`]); the lease of the store keeps two workers (of this or another
/// replica) off one order. On shutdown the running orders are stopped where they are:
/// another worker resumes them from their stage once their lease runs out.
pub async fn run_orders<S: SmdpStore + 'static, C: Es3 + Sync + Send + 'static>(
    smdp: Arc<SmdpService<S, C>>,
    interval: Duration,
    workers: usize,
    mut shutdown: watch::Receiver<bool>,
) {
    let workers = workers.max(1);
    let mut running = tokio::task::JoinSet::new();
    loop {
        while running.try_join_next().is_some() {}
        let free = workers.saturating_sub(running.len());
        if free > 0 {
            match smdp.claim(i64::try_from(free).unwrap_or(1)).await {
                Ok(claimed) => {
                    for c in claimed {
                        running.spawn(run_leased(smdp.clone(), c));
                    }
                }
                Err(e) => tracing::warn!(error = %e, "claiming orders failed"),
            }
        }
        tokio::select! {
            _ = tokio::time::sleep(interval) => {}
            Some(_) = running.join_next(), if !running.is_empty() => {}
            _ = shutdown.changed() => {}
        }
        if *shutdown.borrow() {
            running.shutdown().await;
            return;
        }
    }
}

/// Aborts its task when dropped.
struct Aborting<T>(tokio::task::JoinHandle<T>);

impl<T> Drop for Aborting<T> {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// Runs one claimed order in a task of its own and renews its lease every third of the
/// lease while it runs (a step over SMS can outlast a lease). A renewal that finds the
/// order no longer this claim's (another worker took it over after the lease ran out)
/// aborts the task at its next await: it sends and writes nothing more, and whatever it
/// had not yet written is refused by the store (its writes are conditional on the claim).
pub async fn run_leased<S: SmdpStore + 'static, C: Es3 + Sync + Send + 'static>(
    smdp: Arc<SmdpService<S, C>>,
    claimed: service::Claimed,
) {
    let id = claimed.order.id;
    let every = Duration::from_secs(u64::try_from(smdp.lease() / 3).unwrap_or(1).max(1));
    let runner = smdp.clone();
    let order = claimed.clone();
    let mut task = Aborting(tokio::spawn(async move { runner.run_claimed(order).await }));
    loop {
        tokio::select! {
            r = &mut task.0 => {
                match r {
                    Ok(Ok(true)) => tracing::info!(order = id, "order ended"),
                    Ok(Ok(false)) => tracing::info!(order = id, "order postponed or taken over"),
                    Ok(Err(e)) => tracing::warn!(order = id, error = %e, "running an order failed"),
                    Err(e) => tracing::warn!(order = id, error = %e, "order task failed"),
                }
                return;
            }
            _ = tokio::time::sleep(every) => match smdp.renew(&claimed).await {
                Ok(true) => {}
                // Ended meanwhile (its task is finishing), or taken over: stop it.
                Ok(false) => {
                    if !task.0.is_finished() {
                        tracing::warn!(order = id, "order lease lost: this worker stops it");
                    }
                    return;
                }
                Err(e) => tracing::warn!(order = id, error = %e, "renewing an order lease failed"),
            },
        }
    }
}

/// Delivers queued DownloadProfileResponses.
#[derive(Clone)]
pub struct ResultSender {
    /// HTTPS client (the SM-DP's client certificate when configured).
    pub client: reqwest::Client,
    /// Operator identifier → its ES2 notification endpoint.
    pub operators: HashMap<String, String>,
    /// The SM-DP's identifier.
    pub smdp_id: String,
    /// Attempts before giving up.
    pub max_attempts: u32,
    /// Seconds a claim holds a result.
    pub lease: i64,
}

crate::outbox_step::store_outbox!(
    Results,
    SmdpStore,
    QueuedResult,
    claim_results,
    result_ended,
    result_retry
);

impl ResultSender {
    fn render(&self, q: &QueuedResult, url: &str) -> String {
        let r = &q.result;
        let header = WsHeader {
            to: Some(url.to_owned()),
            from: Some(self.smdp_id.clone()),
            reply_to: None,
            // One MessageID for every delivery of this result: the Operator de-duplicates.
            message_id: stable_message_id(&[
                b"smdp-download-result",
                self.smdp_id.as_bytes(),
                &q.id.to_be_bytes(),
            ]),
            action: String::new(),
            relates_to: r.relates_to.clone(),
        };
        let msg: Es2Message =
            Message::Response(download_response(Some(r.iccid.clone()), result_status(r)));
        envelope::build(&msg.envelope(header))
    }

    /// Where `q` goes: the ReplyTo, else its Operator's endpoint; `None` when the Operator
    /// has none (nothing will ever deliver it).
    fn url(&self, q: &QueuedResult) -> Option<String> {
        match &q.result.destination {
            Destination::ReplyTo(u) => Some(u.clone()),
            Destination::Operator(id) => self.operators.get(id).cloned(),
        }
    }

    /// Claims and sends due results once; how many were delivered.
    pub async fn step<S: SmdpStore>(&self, store: &S) -> usize {
        let policy = Policy {
            batch: 50,
            lease: self.lease,
            max_attempts: self.max_attempts,
        };
        let sent = outbox_step::step(
            &Results(store),
            unix_now(),
            policy,
            "DownloadProfileResponse",
            |c: &Claimed<QueuedResult>| {
                let target = self.url(&c.item).map(|u| (self.render(&c.item, &u), u));
                let destination = c.item.result.destination.clone();
                async move {
                    let Some((body, url)) = target else {
                        return Attempt::Undeliverable(format!("no endpoint for {destination:?}"));
                    };
                    outbox_step::post(
                        &self.client,
                        &url,
                        SOAP_CONTENT_TYPE,
                        &[],
                        body.into_bytes(),
                    )
                    .await
                }
            },
        )
        .await;
        sent.iter()
            .filter(|(_, a)| *a == Attempt::Delivered)
            .count()
    }
}

/// Sends results every `interval` until `shutdown` turns true.
pub async fn run_results<S: SmdpStore + 'static>(
    store: S,
    sender: ResultSender,
    interval: Duration,
    shutdown: watch::Receiver<bool>,
) {
    outbox_step::run_every(interval, shutdown, || sender.step(&store)).await;
}
