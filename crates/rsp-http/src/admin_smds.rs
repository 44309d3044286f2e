//! The SM-DS admin API (plain HTTP, keep it on loopback or set a bearer token): `/health`,
//! `/metrics`, and the Event Records for operations.
//!
//! - `GET /admin/v1/events?eid=&owner=&limit=`: events, newest first (limit 1..=1000,
//!   default 100), each `{eid, eventId, rspServerAddress, owner, forwarding, createdAt}`.
//! - `GET /admin/v1/events/counts`: `{events, pendingCascades}` (cascades to the root not
//!   yet acknowledged, on an Alternative SM-DS).

use std::sync::Arc;

use axum::extract::{Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use rsp_codec::json::Eid;
use rsp_smds::store::EventQuery;
use rsp_smds::{EventOwner, SmdsStore};
use rsp_storage::SqlStore;
use serde::{Deserialize, Serialize};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::admin::{database_health, error, metrics_text, token_ok};
use crate::openapi::{ApiInfo, ErrorBody};

#[derive(Clone)]
struct SmdsAdmin {
    store: SqlStore,
    token: Arc<Option<String>>,
}

/// The SM-DS admin API's document info.
pub const API_INFO: ApiInfo = ApiInfo {
    title: "SM-DS admin API",
    description: "Event Records (SGP.22 v2.5 §3.6) for operations, cascade backlog, health \
        and Prometheus metrics. Plain HTTP on the admin listener (loopback, or a bearer token).",
};

/// The SM-DS admin routes with their OpenAPI document; every route of the SM-DS admin API
/// is listed here ([`crate::openapi`]). `bearer_token` protects `/admin/v1/*` and
/// `/metrics` when set.
pub fn openapi_router(store: SqlStore, bearer_token: Option<String>) -> OpenApiRouter {
    let _ = crate::metrics::handle();
    let state = SmdsAdmin {
        store,
        token: Arc::new(bearer_token),
    };
    let protected = OpenApiRouter::new()
        .routes(routes!(metrics))
        .routes(routes!(list))
        .routes(routes!(counts))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth));
    OpenApiRouter::new()
        .routes(routes!(health))
        .merge(protected)
        .with_state(state)
}

/// The SM-DS admin router and `/openapi.json`.
pub fn router(store: SqlStore, bearer_token: Option<String>) -> Router {
    crate::openapi::serve(openapi_router(store, bearer_token), &API_INFO)
}

async fn auth(State(state): State<SmdsAdmin>, req: Request, next: Next) -> Response {
    if token_ok(req.headers(), state.token.as_deref()) {
        next.run(req).await
    } else {
        error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token")
    }
}

/// Liveness and readiness: the database answers.
#[utoipa::path(
    get,
    path = "/health",
    tag = "smds",
    responses(
        (status = 200, description = "The database answers", body = String,
            content_type = "text/plain"),
        (status = 503, description = "The database does not answer", body = String,
            content_type = "text/plain"),
    )
)]
async fn health(State(state): State<SmdsAdmin>) -> Response {
    database_health(&state.store).await
}

/// Prometheus metrics of this process (text exposition format 0.0.4).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "smds",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "Prometheus text format", body = String,
            content_type = "text/plain"),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
    )
)]
async fn metrics() -> Response {
    metrics_text().await
}

/// `GET /admin/v1/events` filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
struct ListQuery {
    /// Only the events of this EID (32 digits).
    eid: Option<String>,
    /// Only the events of this owner (the registering server's certificate CN).
    owner: Option<String>,
    /// At most this many (1..=1000, default 100).
    limit: Option<u32>,
}

/// An Event Record.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct EventView {
    /// EID (32 digits).
    pub eid: String,
    /// EventID.
    pub event_id: String,
    /// The SM-DP+ or SM-DS that holds the event.
    pub rsp_server_address: String,
    /// The registering server (certificate CN).
    pub owner: String,
    /// Forwarding indicator (cascade to the root SM-DS).
    pub forwarding: bool,
    /// Unix milliseconds.
    pub created_at: i64,
}

/// `GET /admin/v1/events/counts` answer.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct EventCounts {
    /// Event Records held.
    pub events: u64,
    /// Cascades to the root SM-DS not yet acknowledged.
    pub pending_cascades: u64,
}

/// Event Records, newest first.
#[utoipa::path(
    get,
    path = "/admin/v1/events",
    tag = "smds",
    security(("adminToken" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The events", body = Vec<EventView>),
        (status = 400, description = "Invalid filter", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
    )
)]
async fn list(State(state): State<SmdsAdmin>, Query(q): Query<ListQuery>) -> Response {
    let eid = match q.eid.as_deref().map(Eid::parse).transpose() {
        Ok(eid) => eid,
        Err(_) => return error(StatusCode::BAD_REQUEST, "eid: 32 digits expected"),
    };
    let query = EventQuery {
        eid,
        owner: q.owner.map(EventOwner::new),
        limit: q.limit.unwrap_or(100),
    };
    match state.store.list_events(&query).await {
        Ok(events) => Json(
            events
                .into_iter()
                .map(|e| EventView {
                    eid: e.eid.as_str().to_owned(),
                    event_id: e.event_id.as_str().to_owned(),
                    rsp_server_address: e.rsp_server_address,
                    owner: e.owner.as_str().to_owned(),
                    forwarding: e.forwarding,
                    created_at: e.created_at_ms,
                })
                .collect::<Vec<_>>(),
        )
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "listing events failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "storage failure")
        }
    }
}

/// How many events, and how many cascades are pending.
#[utoipa::path(
    get,
    path = "/admin/v1/events/counts",
    tag = "smds",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "The counts", body = EventCounts),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
    )
)]
async fn counts(State(state): State<SmdsAdmin>) -> Response {
    let (events, pending) = (
        state.store.count_events().await,
        state.store.pending_cascades().await,
    );
    match (events, pending) {
        (Ok(events), Ok(pending)) => Json(EventCounts {
            events,
            pending_cascades: pending,
        })
        .into_response(),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "counting events failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "storage failure")
        }
    }
}
