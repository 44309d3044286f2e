//! ES12 server (SM-DP+ → SM-DS, SGP.22 v2.5 §5.5, JSON binding §6.5.2.13–§6.5.2.14), and
//! the same functions as ES15 (Alternative SM-DS → Root SM-DS, §3.6.1) under
//! `/gsma/rsp2/es15/`. Mutually authenticated TLS (§2.6.6): the caller's client certificate,
//! verified against the configured CIs, names the [`EventOwner`] by its subject
//! `commonName`; without one the call is refused with HTTP 403 and 1.1/1.1.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, Request, State};
use axum::http::{HeaderMap, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::routing::post;
use axum::{Router, middleware};
use rsp_codec::json::es12::{DeleteEventRequest, RegisterEventRequest};
use rsp_codec::json::{Es12Function, HeaderOnlyResponse};
use rsp_codec::status::RspError;
use rsp_smds::es12::{Es12, Registration};
use rsp_smds::{EventOwner, SmdsError, SmdsStore};

use crate::binding::{self, Rejection, decode_request};
use crate::identity::common_name;
use crate::server::PeerCertificate;

/// ES15.RegisterEvent (same body as ES12's).
pub const ES15_REGISTER_EVENT: &str = "/gsma/rsp2/es15/registerEvent";
/// ES15.DeleteEvent (same body as ES12's).
pub const ES15_DELETE_EVENT: &str = "/gsma/rsp2/es15/deleteEvent";

/// The ES12 and ES15 routes, each requiring a client certificate.
pub fn router<S: SmdsStore + 'static>(service: Arc<Es12<S>>) -> Router {
    Router::new()
        .route(
            Es12Function::RegisterEvent.path(),
            post(register_event::<S>),
        )
        .route(ES15_REGISTER_EVENT, post(register_event::<S>))
        .route(Es12Function::DeleteEvent.path(), post(delete_event::<S>))
        .route(ES15_DELETE_EVENT, post(delete_event::<S>))
        .route_layer(middleware::from_fn(require_owner))
        .with_state(service)
}

/// Middleware: the caller's [`EventOwner`] from its verified client certificate, or HTTP 403
/// `Failed` 1.1/1.1.
async fn require_owner(mut req: Request, next: Next) -> Response {
    let owner = req
        .extensions()
        .get::<PeerCertificate>()
        .and_then(|c| common_name(c.0.as_ref()))
        .filter(|cn| !cn.is_empty());
    match owner {
        Some(cn) => {
            req.extensions_mut().insert(EventOwner::new(cn));
            next.run(req).await
        }
        None => binding::failed_with_http(StatusCode::FORBIDDEN, &RspError::RequesterUnknown),
    }
}

fn record(function: Es12Function, error: Option<&RspError>) {
    crate::metrics::record_call("rsp_es12_calls_total", function.name(), error);
}

fn rejected(function: Es12Function, r: &Rejection) -> Response {
    record(function, Some(&r.error()));
    r.response()
}

fn answer(function: Es12Function, owner: &EventOwner, result: Result<(), SmdsError>) -> Response {
    match result {
        Ok(()) => {
            record(function, None);
            binding::json_response(StatusCode::OK, &HeaderOnlyResponse::success())
        }
        Err(e) => {
            let code = e.rsp_error();
            match e {
                SmdsError::Rejected(_) => {
                    tracing::info!(function = function.name(), %owner, error = %e, "ES12 refused")
                }
                _ => tracing::error!(function = function.name(), %owner, error = %e, "ES12 failed"),
            }
            record(function, Some(&code));
            binding::failed(&code)
        }
    }
}

async fn register_event<S: SmdsStore>(
    State(svc): State<Arc<Es12<S>>>,
    Extension(owner): Extension<EventOwner>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es12Function = Es12Function::RegisterEvent;
    let req: RegisterEventRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    let registration = Registration {
        eid: &req.eid,
        event_id: &req.event_id,
        rsp_server_address: &req.rsp_server_address,
        forwarding: req.forwarding_indicator,
    };
    let result = svc.register_event(&owner, registration).await;
    if let Ok(e) = &result {
        tracing::info!(%owner, eid = e.eid.as_str(), event_id = %e.event_id, "event registered");
    }
    answer(F, &owner, result.map(drop))
}

async fn delete_event<S: SmdsStore>(
    State(svc): State<Arc<Es12<S>>>,
    Extension(owner): Extension<EventOwner>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es12Function = Es12Function::DeleteEvent;
    let req: DeleteEventRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    let result = svc.delete_event(&owner, &req.eid, &req.event_id).await;
    answer(F, &owner, result.map(drop))
}
