//! The M2M SM-DP's admin API (JSON, plain HTTP on the admin listener, bearer token when
//! configured).
//!
//! - `POST /smdp/v1/profiles`: import a Profile (`iccid`, `profileType`, `msisdn`,
//!   `package` = the Profile Package DER in base64). The package must pass the eUICC's
//!   installation checks (`rsp_saip::install::check`) and its header must carry the ICCID.
//!   201; 409 when the ICCID exists; 400 when the package does not do.
//! - `GET /smdp/v1/profiles?limit=`: the inventory (no packages, ever).
//! - `GET /smdp/v1/orders?limit=`: the orders, newest first; `GET /smdp/v1/orders/{id}`:
//!   one (its `stage`: accepted, isdp_created, installed, completed, enabled, failed).
//! - `GET /smdp/v1/notifications?limit=`: the SM-SRs' Profile notifications as received,
//!   newest first, with the Operator each was passed on to and its delivery state.
//! - `GET /health`, `GET /metrics`.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use rsp_smdp::notification::NotificationStore;
use rsp_smdp::order::Es3;
use rsp_smdp::service::{SmdpService, unix_now};
use rsp_smdp::store::{NewProfile, SmdpStore, StoreError, StoredOrder};
use serde::Deserialize;
use serde_json::json;

use crate::admin::error;

fn store_failed(e: &StoreError) -> Response {
    match e {
        StoreError::Duplicate => error(StatusCode::CONFLICT, "this ICCID is imported already"),
        other => error(StatusCode::INTERNAL_SERVER_ERROR, &other.to_string()),
    }
}

/// Import body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Import {
    iccid: String,
    profile_type: String,
    #[serde(default)]
    msisdn: Option<String>,
    package: String,
}

async fn import<S: SmdpStore + 'static, C: Es3 + Sync + Send + 'static>(
    State(smdp): State<Arc<SmdpService<S, C>>>,
    Json(body): Json<Import>,
) -> Response {
    if !(18..=20).contains(&body.iccid.len()) || !body.iccid.bytes().all(|b| b.is_ascii_digit()) {
        return error(StatusCode::BAD_REQUEST, "iccid: 18..20 digits expected");
    }
    if body.profile_type.is_empty() {
        return error(StatusCode::BAD_REQUEST, "profileType is empty");
    }
    if let Some(m) = &body.msisdn
        && (m.is_empty() || m.len() > 15 || !m.bytes().all(|b| b.is_ascii_digit()))
    {
        return error(StatusCode::BAD_REQUEST, "msisdn: 1..15 digits expected");
    }
    let Ok(package) = base64::engine::general_purpose::STANDARD.decode(&body.package) else {
        return error(StatusCode::BAD_REQUEST, "package: base64 expected");
    };
    let checked = match rsp_saip::install::check(&package) {
        Ok(c) => c,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("package: the eUICC would not install it: {e:?}"),
            );
        }
    };
    if checked.iccid().as_deref() != Some(body.iccid.as_str()) {
        return error(
            StatusCode::BAD_REQUEST,
            "package: its header carries another ICCID",
        );
    }
    let profile = NewProfile {
        iccid: body.iccid,
        profile_type: body.profile_type,
        msisdn: body.msisdn,
        package,
    };
    match smdp.store().import_profile(&profile, unix_now()).await {
        Ok(()) => match smdp.store().profile(&profile.iccid).await {
            Ok(Some(p)) => (StatusCode::CREATED, Json(p)).into_response(),
            Ok(None) => error(StatusCode::INTERNAL_SERVER_ERROR, "imported Profile gone"),
            Err(e) => store_failed(&e),
        },
        Err(e) => store_failed(&e),
    }
}

#[derive(Deserialize)]
struct Limit {
    limit: Option<i64>,
}

async fn profiles<S: SmdpStore + 'static, C: Es3 + Sync + Send + 'static>(
    State(smdp): State<Arc<SmdpService<S, C>>>,
    Query(q): Query<Limit>,
) -> Response {
    match smdp
        .store()
        .profiles(q.limit.unwrap_or(100).clamp(1, 1000))
        .await
    {
        Ok(p) => Json(json!({ "profiles": p })).into_response(),
        Err(e) => store_failed(&e),
    }
}

fn order_json(o: &StoredOrder) -> serde_json::Value {
    json!({
        "id": o.id,
        "operator": o.operator,
        "messageId": o.message_id,
        "replyTo": o.reply_to,
        "smsrId": o.smsr_id,
        "eid": o.order.eid,
        "iccid": o.order.iccid,
        "profileType": o.order.profile_type,
        "msisdn": o.order.msisdn,
        "enable": o.order.enable,
        "isdpAid": o.order.isdp_aid,
        "stage": o.order.stage.as_str(),
        "ended": o.ended(),
        "failure": o.failure,
        "createdAt": o.created_at,
        "updatedAt": o.updated_at,
    })
}

async fn orders<S: SmdpStore + 'static, C: Es3 + Sync + Send + 'static>(
    State(smdp): State<Arc<SmdpService<S, C>>>,
    Query(q): Query<Limit>,
) -> Response {
    match smdp
        .store()
        .orders(q.limit.unwrap_or(100).clamp(1, 1000))
        .await
    {
        Ok(o) => {
            Json(json!({ "orders": o.iter().map(order_json).collect::<Vec<_>>() })).into_response()
        }
        Err(e) => store_failed(&e),
    }
}

async fn order<S: SmdpStore + 'static, C: Es3 + Sync + Send + 'static>(
    State(smdp): State<Arc<SmdpService<S, C>>>,
    Path(id): Path<i64>,
) -> Response {
    match smdp.store().order(id).await {
        Ok(Some(o)) => Json(order_json(&o)).into_response(),
        Ok(None) => error(StatusCode::NOT_FOUND, "no such order"),
        Err(e) => store_failed(&e),
    }
}

async fn notifications<
    S: SmdpStore + NotificationStore + 'static,
    C: Es3 + Sync + Send + 'static,
>(
    State(smdp): State<Arc<SmdpService<S, C>>>,
    Query(q): Query<Limit>,
) -> Response {
    match smdp
        .store()
        .notifications(q.limit.unwrap_or(100).clamp(1, 1000))
        .await
    {
        Ok(n) => Json(json!({ "notifications": n })).into_response(),
        Err(e) => store_failed(&e),
    }
}

/// The admin router over `smdp` (with `/health` from the database and `/metrics`);
/// `bearer_token` protects everything but `/health`.
pub fn router<S: SmdpStore + NotificationStore + 'static, C: Es3 + Sync + Send + 'static>(
    smdp: Arc<SmdpService<S, C>>,
    health: rsp_storage::SqlStore,
    bearer_token: Option<String>,
) -> Router {
    let routes = Router::new()
        .route(
            "/smdp/v1/profiles",
            get(profiles::<S, C>).post(import::<S, C>),
        )
        .route("/smdp/v1/orders", get(orders::<S, C>))
        .route("/smdp/v1/orders/{id}", get(order::<S, C>))
        .route("/smdp/v1/notifications", get(notifications::<S, C>))
        .with_state(smdp);
    crate::admin::protected_admin(routes, health, bearer_token)
}
