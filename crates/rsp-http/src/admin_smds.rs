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
use axum::routing::get;
use axum::{Json, Router};
use rsp_codec::json::Eid;
use rsp_smds::store::EventQuery;
use rsp_smds::{EventOwner, SmdsStore};
use rsp_storage::SqlStore;
use serde::{Deserialize, Serialize};

use crate::admin::{database_health, error, metrics_text, token_ok};

#[derive(Clone)]
struct SmdsAdmin {
    store: SqlStore,
    token: Arc<Option<String>>,
}

/// The SM-DS admin router over `store`; `bearer_token` protects `/admin/v1/*` and
/// `/metrics` when set.
pub fn router(store: SqlStore, bearer_token: Option<String>) -> Router {
    let _ = crate::metrics::handle();
    let state = SmdsAdmin {
        store,
        token: Arc::new(bearer_token),
    };
    let protected = Router::new()
        .route("/metrics", get(metrics_text))
        .route("/admin/v1/events", get(list))
        .route("/admin/v1/events/counts", get(counts))
        .route_layer(middleware::from_fn_with_state(state.clone(), auth));
    Router::new()
        .route("/health", get(health))
        .merge(protected)
        .with_state(state)
}

async fn auth(State(state): State<SmdsAdmin>, req: Request, next: Next) -> Response {
    if token_ok(req.headers(), state.token.as_deref()) {
        next.run(req).await
    } else {
        error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token")
    }
}

async fn health(State(state): State<SmdsAdmin>) -> Response {
    database_health(&state.store).await
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ListQuery {
    eid: Option<String>,
    owner: Option<String>,
    limit: Option<u32>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct EventView {
    eid: String,
    event_id: String,
    rsp_server_address: String,
    owner: String,
    forwarding: bool,
    /// Unix milliseconds.
    created_at: i64,
}

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

async fn counts(State(state): State<SmdsAdmin>) -> Response {
    let (events, pending) = (
        state.store.count_events().await,
        state.store.pending_cascades().await,
    );
    match (events, pending) {
        (Ok(events), Ok(pending)) => Json(serde_json::json!({
            "events": events,
            "pendingCascades": pending,
        }))
        .into_response(),
        (Err(e), _) | (_, Err(e)) => {
            tracing::error!(error = %e, "counting events failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "storage failure")
        }
    }
}
