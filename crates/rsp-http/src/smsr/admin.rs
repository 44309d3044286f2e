//! The SM-SR's admin API (JSON, plain HTTP on the admin listener, bearer token when
//! configured): what an operations engineer needs beside the GSMA interfaces.
//!
//! - `POST /smsr/v1/euiccs`: register an eUICC (EIS and ISD-R keys; ES1 RegisterEIS).
//! - `GET /smsr/v1/euiccs/{eid}`: its EIS (no keys, ever).
//! - `POST /smsr/v1/euiccs/{eid}/operations`: request an ES5 function as an Operator, an
//!   SM-DP or the SM-SR (202, the operation).
//! - `GET /smsr/v1/euiccs/{eid}/operations?limit=`: its operation log, newest first.
//! - `GET /smsr/v1/operations/{id}`: one operation with its outcome.
//! - `PUT /smsr/v1/euiccs/{eid}/profiles/{iccid}`: POL2 or subscription address
//!   (UpdatePolicyRules / UpdateSubscriptionAddress).
//! - `GET /health`, `GET /metrics`.
//!
//! Errors answer `{"statusCodeData": …}` with the SGP.02 subject and reason codes.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use axum::{Json, Router};
use rsp_smsr::service::{Request as SmsrRequest, SmsrService};
use rsp_smsr::store::SmsrStore;
use rsp_smsr::{Eis, EuiccKeys, Function, LocalFunction, Pol2, Requester, SmsrError, Transport};
use serde::Deserialize;
use serde_json::json;

use crate::admin::error;

fn failed(e: &SmsrError) -> Response {
    let status = match e {
        SmsrError::UnknownEid | SmsrError::UnknownProfile => StatusCode::NOT_FOUND,
        SmsrError::EidInUse | SmsrError::Busy => StatusCode::CONFLICT,
        SmsrError::NotOwner => StatusCode::FORBIDDEN,
        SmsrError::Invalid(_) | SmsrError::Missing(_) => StatusCode::BAD_REQUEST,
        SmsrError::InvalidTransition(..) | SmsrError::Pol2(_) | SmsrError::Fallback(_) => {
            StatusCode::CONFLICT
        }
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    (
        status,
        Json(json!({ "statusCodeData": e.status_code_data() })),
    )
        .into_response()
}

/// Registration body: the EIS and the ISD-R keys.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Register {
    eis: Eis,
    keys: EuiccKeys,
}

async fn register<S: SmsrStore + 'static>(
    State(smsr): State<Arc<SmsrService<S>>>,
    Json(body): Json<Register>,
) -> Response {
    let eid = body.eis.eid.to_string();
    match smsr
        .register_eis(body.eis, &body.keys, rsp_smsr::service::unix_now())
        .await
    {
        Ok(()) => (StatusCode::CREATED, Json(json!({ "eid": eid }))).into_response(),
        Err(e) => failed(&e),
    }
}

async fn eis<S: SmsrStore + 'static>(
    State(smsr): State<Arc<SmsrService<S>>>,
    Path(eid): Path<String>,
) -> Response {
    match smsr.get_eis(&Requester::SmSr, &eid).await {
        Ok(e) => Json(e).into_response(),
        Err(e) => failed(&e),
    }
}

/// An operation request (the function's fields flattened in, so unknown fields are
/// not refused here; the function's own are checked).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct Queue {
    /// Who asks; default the SM-SR itself.
    #[serde(default)]
    requester: Option<Requester>,
    /// The function (`{"function": "enableProfile", "iccid": "…"}`).
    #[serde(flatten)]
    function: Function,
    /// `sms` or `https`; default: HTTPS when the eUICC supports it.
    #[serde(default)]
    transport: Option<Transport>,
    /// Validity period, seconds.
    #[serde(default)]
    validity: Option<i64>,
}

async fn queue<S: SmsrStore + 'static>(
    State(smsr): State<Arc<SmsrService<S>>>,
    Path(eid): Path<String>,
    Json(body): Json<Queue>,
) -> Response {
    let request = SmsrRequest {
        requester: body.requester.unwrap_or(Requester::SmSr),
        eid,
        function: body.function,
        transport: body.transport,
        message_id: None,
        reply_to: None,
        validity: body.validity,
    };
    match smsr.request(request, rsp_smsr::service::unix_now()).await {
        Ok(op) => (StatusCode::ACCEPTED, Json(op)).into_response(),
        Err(e) => failed(&e),
    }
}

#[derive(Deserialize)]
struct Limit {
    limit: Option<i64>,
}

async fn operations<S: SmsrStore + 'static>(
    State(smsr): State<Arc<SmsrService<S>>>,
    Path(eid): Path<String>,
    Query(q): Query<Limit>,
) -> Response {
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    match smsr.store().operations(&eid, limit).await {
        Ok(ops) => Json(ops).into_response(),
        Err(e) => error(StatusCode::INTERNAL_SERVER_ERROR, &format!("store: {e}")),
    }
}

async fn operation<S: SmsrStore + 'static>(
    State(smsr): State<Arc<SmsrService<S>>>,
    Path(id): Path<i64>,
) -> Response {
    match smsr.operation(id).await {
        Ok(Some(op)) => Json(op).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such operation"),
        Err(e) => failed(&e),
    }
}

/// A change of the SM-SR's records of one Profile.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ProfileUpdate {
    #[serde(default)]
    requester: Option<Requester>,
    #[serde(default)]
    pol2: Option<Pol2>,
    #[serde(default)]
    msisdn: Option<String>,
    #[serde(default)]
    imsi: Option<String>,
}

async fn update_profile<S: SmsrStore + 'static>(
    State(smsr): State<Arc<SmsrService<S>>>,
    Path((eid, iccid)): Path<(String, String)>,
    Json(body): Json<ProfileUpdate>,
) -> Response {
    let Ok(iccid) = rsp_codec::json::Iccid::parse(&iccid) else {
        return failed(&SmsrError::Invalid("ICCID"));
    };
    let requester = body.requester.unwrap_or(Requester::SmSr);
    let mut changes = Vec::new();
    if let Some(pol2) = body.pol2 {
        changes.push(LocalFunction::UpdatePolicyRules {
            iccid: iccid.clone(),
            pol2,
        });
    }
    if body.msisdn.is_some() || body.imsi.is_some() {
        changes.push(LocalFunction::UpdateSubscriptionAddress {
            iccid,
            msisdn: body.msisdn,
            imsi: body.imsi,
        });
    }
    if changes.is_empty() {
        return failed(&SmsrError::Missing("pol2, msisdn or imsi"));
    }
    let mut last = None;
    for c in &changes {
        match smsr.update_local(&requester, &eid, c).await {
            Ok(e) => last = Some(e),
            Err(e) => return failed(&e),
        }
    }
    Json(last).into_response()
}

/// The admin router over `smsr` (with `/health` from the database and `/metrics`);
/// `bearer_token` protects everything but `/health`.
pub fn router<S: SmsrStore + 'static>(
    smsr: Arc<SmsrService<S>>,
    health: rsp_storage::SqlStore,
    bearer_token: Option<String>,
) -> Router {
    let routes = Router::new()
        .route("/smsr/v1/euiccs", post(register::<S>))
        .route("/smsr/v1/euiccs/{eid}", get(eis::<S>))
        .route(
            "/smsr/v1/euiccs/{eid}/operations",
            post(queue::<S>).get(operations::<S>),
        )
        .route(
            "/smsr/v1/euiccs/{eid}/profiles/{iccid}",
            put(update_profile::<S>),
        )
        .route("/smsr/v1/operations/{id}", get(operation::<S>))
        .with_state(smsr);
    crate::admin::protected_admin(routes, health, bearer_token)
}
