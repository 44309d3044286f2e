//! Admin REST API (separate listener, loopback by default): Profile import and search,
//! Activation Codes (SGP.22 v2.5 §4.1) as text, PNG or SVG QR code, health and Prometheus
//! metrics. No secret (Profile Package, Confirmation Code hash) ever leaves through it.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::{Json, Router};
use base64::Engine;
use rsp_codec::json::Iccid;
use rsp_smdpp::profile::ProfileMetadata;
use rsp_smdpp::store::{InventoryStore, StoreError, UniqueKey};
use rsp_smdpp::{NewProfile, OperatorId, ProfilePackage, ProfileRecord};
use rsp_storage::SqlStore;
use serde::{Deserialize, Serialize};
use sqlx::Row;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

pub use crate::admin_activation::activation_code;
use crate::openapi::{ApiInfo, ErrorBody};

/// Settings of the admin API.
#[derive(Clone)]
pub struct AdminConfig {
    /// The SM-DP+ address put into Activation Codes.
    pub smdp_address: String,
    /// Bearer token required on `/admin/v1/*` and `/metrics`; `None`: no authentication
    /// (acceptable on loopback only).
    pub bearer_token: Option<String>,
}

impl std::fmt::Debug for AdminConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AdminConfig")
            .field("smdp_address", &self.smdp_address)
            .field(
                "bearer_token",
                &self.bearer_token.as_ref().map(|_| "<redacted>"),
            )
            .finish()
    }
}

/// The state of the SM-DP+ admin handlers.
#[derive(Clone)]
pub(crate) struct AdminState {
    pub(crate) store: SqlStore,
    pub(crate) config: Arc<AdminConfig>,
}

/// The SM-DP+ admin API's document info.
pub const API_INFO: ApiInfo = ApiInfo {
    title: "SM-DP+ admin API",
    description: "Inventory import and search, download order controls and import, \
        Activation Codes (SGP.22 v2.5 §4.1), pending ES12 events, health and Prometheus \
        metrics. Plain HTTP on the admin listener (loopback, or a bearer token).",
};

/// The admin routes with their OpenAPI document (served at `/openapi.json`). Every route of
/// the SM-DP+ admin API is listed here ([`crate::openapi`]).
pub fn openapi_router(store: SqlStore, config: AdminConfig) -> OpenApiRouter {
    let _ = crate::metrics::handle();
    let state = AdminState {
        store,
        config: Arc::new(config),
    };
    let protected = OpenApiRouter::new()
        .routes(routes!(list_profiles, import_profile))
        .routes(routes!(get_profile))
        .routes(routes!(crate::admin_batch::import_batch))
        .routes(routes!(
            crate::admin_orders::get_controls,
            crate::admin_orders::put_controls
        ))
        .routes(routes!(crate::admin_order_import::import_order))
        .routes(routes!(crate::admin_activation::get_activation_code))
        .routes(routes!(pending_smds_events))
        .routes(routes!(metrics))
        .route_layer(middleware::from_fn_with_state(state.clone(), bearer_auth));
    OpenApiRouter::new()
        .routes(routes!(health))
        .merge(protected)
        .with_state(state)
}

/// The admin routes and `/openapi.json`.
pub fn router(store: SqlStore, config: AdminConfig) -> Router {
    crate::openapi::serve(openapi_router(store, config), &API_INFO)
}

/// Constant-time comparison of the `Authorization: Bearer` token.
async fn bearer_auth(State(state): State<AdminState>, req: Request, next: Next) -> Response {
    if token_ok(req.headers(), state.config.bearer_token.as_deref()) {
        next.run(req).await
    } else {
        error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token")
    }
}

/// Whether `headers` carry `Authorization: Bearer <expected>` (constant-time); always
/// true without an expected token. Serves every role's admin API.
pub(crate) fn token_ok(headers: &axum::http::HeaderMap, expected: Option<&str>) -> bool {
    let Some(expected) = expected else {
        return true;
    };
    let given = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .unwrap_or("");
    given.len() == expected.len()
        && given
            .bytes()
            .zip(expected.bytes())
            .fold(0u8, |acc, (a, b)| acc | (a ^ b))
            == 0
}

/// `router` behind `Authorization: Bearer <token>` (nothing asked without a token), and
/// `/health` from `store` in front of it, unprotected: the admin listener of the roles
/// whose admin API is a plain router (eIM, SM-SR).
pub(crate) fn protected_admin(router: Router, store: SqlStore, token: Option<String>) -> Router {
    let _ = crate::metrics::handle();
    let token = std::sync::Arc::new(token);
    let protected = router
        .route("/metrics", axum::routing::get(metrics_text))
        .route_layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let token = token.clone();
                async move {
                    if token_ok(req.headers(), token.as_deref()) {
                        next.run(req).await
                    } else {
                        error(StatusCode::UNAUTHORIZED, "missing or wrong bearer token")
                    }
                }
            },
        ));
    Router::new()
        .route(
            "/health",
            axum::routing::get(move || {
                let store = store.clone();
                async move { database_health(&store).await }
            }),
        )
        .merge(protected)
}

pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (
        status,
        Json(ErrorBody {
            error: message.to_owned(),
        }),
    )
        .into_response()
}

pub(crate) fn store_error(e: &StoreError) -> Response {
    match e {
        StoreError::Duplicate(UniqueKey::Iccid) => {
            error(StatusCode::CONFLICT, "ICCID already in the inventory")
        }
        StoreError::Duplicate(UniqueKey::MatchingId) => {
            error(StatusCode::CONFLICT, "MatchingID already used")
        }
        _ => {
            tracing::error!(error = %e, "admin store failure");
            error(StatusCode::INTERNAL_SERVER_ERROR, "storage failure")
        }
    }
}

/// Liveness and readiness: the database answers.
#[utoipa::path(
    get,
    path = "/health",
    tag = "smdpp",
    responses(
        (status = 200, description = "The database answers", body = String,
            content_type = "text/plain"),
        (status = 503, description = "The database does not answer", body = String,
            content_type = "text/plain"),
    )
)]
async fn health(State(state): State<AdminState>) -> Response {
    database_health(&state.store).await
}

/// Prometheus metrics of this process (text exposition format 0.0.4).
#[utoipa::path(
    get,
    path = "/metrics",
    tag = "smdpp",
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

/// ES12 event registrations and deletions not yet acknowledged by their SM-DS.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct PendingSmdsEvents {
    /// How many are waiting in the outbox.
    pub pending_smds_events: u64,
}

/// `GET /admin/v1/smds-events/pending`: the ES12 event registrations and deletions at
/// SM-DSes not yet acknowledged ([`rsp_smdpp::smds_events`]).
#[utoipa::path(
    get,
    path = "/admin/v1/smds-events/pending",
    tag = "smdpp",
    security(("adminToken" = [])),
    responses(
        (status = 200, description = "The count", body = PendingSmdsEvents),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 500, description = "Storage failure", body = ErrorBody),
    )
)]
async fn pending_smds_events(State(state): State<AdminState>) -> Response {
    use rsp_smdpp::smds_events::SmdsEventStore;
    match state.store.pending_smds_events().await {
        Ok(n) => Json(PendingSmdsEvents {
            pending_smds_events: n,
        })
        .into_response(),
        Err(e) => {
            tracing::error!(error = %e, "counting SM-DS events failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "storage failure")
        }
    }
}

/// `/health`: 200 when the database answers, else 503.
pub(crate) async fn database_health(store: &SqlStore) -> Response {
    match sqlx::query("SELECT 1").execute(store.pool()).await {
        Ok(_) => (StatusCode::OK, "ok\n").into_response(),
        Err(_) => (StatusCode::SERVICE_UNAVAILABLE, "database unreachable\n").into_response(),
    }
}

/// `/metrics`: the Prometheus text of this process.
pub(crate) async fn metrics_text() -> Response {
    match crate::metrics::handle() {
        Some(h) => (
            [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
            h.render(),
        )
            .into_response(),
        None => error(
            StatusCode::SERVICE_UNAVAILABLE,
            "metrics recorder unavailable",
        ),
    }
}

/// `POST /admin/v1/profiles` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct ImportRequest {
    /// ICCID (19 or 20 digits); the package's ProfileHeader must carry it.
    iccid: String,
    /// Owning Operator (its ES2+ identity).
    operator: String,
    /// Profile Type named by ES2+.DownloadOrder.
    profile_type: String,
    /// The Profile Package (DER ProfileElements), base64.
    profile_package: String,
    /// `serviceProviderName` shown to the end user (SGP.22 §5.5.3 Profile Metadata).
    #[serde(default)]
    service_provider_name: String,
    /// `profileName` shown to the end user.
    #[serde(default)]
    profile_name: String,
    /// `test`, `provisioning` or `operational` (default).
    #[serde(default)]
    profile_class: Option<String>,
    /// Profile Policy Rules (`ppr1`, `ppr2`, `pprUpdateControl`; SGP.22 §2.9.1).
    #[serde(default)]
    profile_policy_rules: Vec<String>,
}

/// A Profile as the admin API shows it (no secrets).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ProfileSummary {
    /// ICCID (significant digits).
    pub iccid: String,
    /// Owning Operator.
    pub operator: String,
    /// Profile Type.
    pub profile_type: String,
    /// SM-DP+ state (SGP.22 §3.1).
    pub state: String,
    /// Linked eUICC, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<String>,
    /// The order's MatchingID, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_id: Option<String>,
    /// Whether a Confirmation Code is required.
    #[serde(default)]
    pub confirmation_code_required: bool,
}

impl From<&ProfileRecord> for ProfileSummary {
    fn from(r: &ProfileRecord) -> Self {
        Self {
            iccid: r.iccid.digits().to_owned(),
            operator: r.operator.as_str().to_owned(),
            profile_type: r.profile_type.clone(),
            state: r.state.as_str().to_owned(),
            eid: r.eid.as_ref().map(|e| e.as_str().to_owned()),
            matching_id: r.matching_id.as_ref().map(|m| m.as_str().to_owned()),
            confirmation_code_required: r.cc_hash.is_some(),
        }
    }
}

/// A Profile just imported.
#[derive(Serialize, Deserialize, Debug, utoipa::ToSchema)]
pub struct ImportedProfile {
    /// ICCID (significant digits).
    pub iccid: String,
    /// `Available`.
    pub state: String,
}

/// Imports one Profile (a TCA eUICC Profile Package) into the inventory, Available.
#[utoipa::path(
    post,
    path = "/admin/v1/profiles",
    tag = "smdpp",
    security(("adminToken" = [])),
    request_body = ImportRequest,
    responses(
        (status = 201, description = "Imported", body = ImportedProfile),
        (status = 400, description = "Malformed request or package", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 409, description = "ICCID already in the inventory", body = ErrorBody),
    )
)]
async fn import_profile(
    State(state): State<AdminState>,
    body: Result<Json<ImportRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected JSON {iccid, operator, profileType, profilePackage}",
        );
    };
    let Ok(iccid) = Iccid::parse(&req.iccid) else {
        return error(StatusCode::BAD_REQUEST, "invalid iccid");
    };
    if req.operator.is_empty() || req.profile_type.is_empty() {
        return error(
            StatusCode::BAD_REQUEST,
            "operator and profileType must not be empty",
        );
    }
    let Ok(package) = base64::engine::general_purpose::STANDARD.decode(req.profile_package.trim())
    else {
        return error(StatusCode::BAD_REQUEST, "profilePackage is not base64");
    };
    // The package must be a TCA eUICC Profile Package whose header names this ICCID.
    let decoded = match rsp_saip::ProfilePackage::decode(&package) {
        Ok(p) => p,
        Err(e) => {
            return error(
                StatusCode::BAD_REQUEST,
                &format!("profilePackage is not a TCA profile package: {e}"),
            );
        }
    };
    let header_iccid = decoded
        .header()
        .map(|h| rsp_saip::bcd::decode_plain(&h.iccid));
    if header_iccid.as_deref() != Some(iccid.digits()) {
        return error(
            StatusCode::BAD_REQUEST,
            "profilePackage: its ProfileHeader ICCID is not the given iccid",
        );
    }
    let Some(profile_class) = crate::admin_batch::profile_class(req.profile_class.as_deref())
    else {
        return error(
            StatusCode::BAD_REQUEST,
            "profileClass must be test, provisioning or operational",
        );
    };
    let profile_policy_rules =
        match crate::admin_batch::policy_rules(&req.profile_policy_rules, profile_class) {
            Ok(r) => r,
            Err(m) => return error(StatusCode::BAD_REQUEST, &m),
        };
    let profile = NewProfile {
        iccid: iccid.clone(),
        operator: OperatorId::new(req.operator),
        profile_type: req.profile_type,
        package: ProfilePackage::new(package),
        metadata: ProfileMetadata {
            service_provider_name: req.service_provider_name,
            profile_name: req.profile_name,
            profile_class,
            profile_policy_rules,
        },
    };
    match state.store.import(std::slice::from_ref(&profile)).await {
        Ok(()) => (
            StatusCode::CREATED,
            Json(ImportedProfile {
                iccid: iccid.digits().to_owned(),
                state: "Available".to_owned(),
            }),
        )
            .into_response(),
        Err(e) => store_error(&e),
    }
}

/// `GET /admin/v1/profiles` filters.
#[derive(Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase")]
#[into_params(parameter_in = Query)]
pub(crate) struct ListQuery {
    /// SM-DP+ state (SGP.22 §3.1), e.g. `Available`.
    state: Option<String>,
    /// Owning Operator.
    operator: Option<String>,
    /// Profile Type.
    profile_type: Option<String>,
    /// At most this many (default 1000, at most 10000), by ICCID.
    limit: Option<u32>,
}

/// `GET /admin/v1/profiles` answer.
#[derive(Serialize, Deserialize, Debug, utoipa::ToSchema)]
pub struct ProfileList {
    /// The Profiles found, by ICCID.
    pub profiles: Vec<ProfileSummary>,
}

/// Searches the inventory.
#[utoipa::path(
    get,
    path = "/admin/v1/profiles",
    tag = "smdpp",
    security(("adminToken" = [])),
    params(ListQuery),
    responses(
        (status = 200, description = "The Profiles found", body = ProfileList),
        (status = 400, description = "Unknown state", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
    )
)]
async fn list_profiles(State(state): State<AdminState>, Query(q): Query<ListQuery>) -> Response {
    if q.state
        .as_deref()
        .is_some_and(|s| rsp_smdpp::ProfileState::parse(s).is_none())
    {
        return error(StatusCode::BAD_REQUEST, "unknown state");
    }
    let filters = [
        ("state", q.state),
        ("operator_id", q.operator),
        ("profile_type", q.profile_type),
    ];
    let mut sql = String::from(
        "SELECT iccid, operator_id, profile_type, state, eid, matching_id FROM smdpp_profiles",
    );
    let mut values = Vec::new();
    for (column, value) in filters {
        if let Some(v) = value {
            values.push(v);
            let joiner = if values.len() == 1 {
                " WHERE "
            } else {
                " AND "
            };
            sql.push_str(&format!("{joiner}{column} = ${}", values.len()));
        }
    }
    let limit = q.limit.unwrap_or(1000).min(10_000);
    sql.push_str(&format!(" ORDER BY iccid LIMIT {limit}"));
    let mut query = sqlx::query(sqlx::AssertSqlSafe(sql));
    for v in values {
        query = query.bind(v);
    }
    let rows = match query.fetch_all(state.store.pool()).await {
        Ok(rows) => rows,
        Err(e) => return store_error(&StoreError::Backend(Box::new(e))),
    };
    let mut out = Vec::with_capacity(rows.len());
    for row in rows {
        let summary = (|| -> Result<ProfileSummary, sqlx::Error> {
            Ok(ProfileSummary {
                iccid: row.try_get("iccid")?,
                operator: row.try_get("operator_id")?,
                profile_type: row.try_get("profile_type")?,
                state: row.try_get("state")?,
                eid: row.try_get("eid")?,
                matching_id: row.try_get("matching_id")?,
                confirmation_code_required: false,
            })
        })();
        match summary {
            Ok(s) => out.push(s),
            Err(e) => return store_error(&StoreError::Backend(Box::new(e))),
        }
    }
    Json(ProfileList { profiles: out }).into_response()
}

/// The full record of `iccid` (any Operator), or an error response.
pub(crate) async fn find(state: &AdminState, iccid: &str) -> Result<ProfileRecord, Response> {
    let not_found = || error(StatusCode::NOT_FOUND, "no such profile");
    let iccid = Iccid::parse(iccid).map_err(|_| error(StatusCode::BAD_REQUEST, "invalid iccid"))?;
    let row = sqlx::query("SELECT operator_id FROM smdpp_profiles WHERE iccid = $1")
        .bind(iccid.digits().to_owned())
        .fetch_optional(state.store.pool())
        .await
        .map_err(|e| store_error(&StoreError::Backend(Box::new(e))))?
        .ok_or_else(not_found)?;
    let operator: String = row
        .try_get("operator_id")
        .map_err(|e| store_error(&StoreError::Backend(Box::new(e))))?;
    state
        .store
        .get(&OperatorId::new(operator), &iccid)
        .await
        .map_err(|e| store_error(&e))?
        .ok_or_else(not_found)
}

/// One Profile (no secret).
#[utoipa::path(
    get,
    path = "/admin/v1/profiles/{iccid}",
    tag = "smdpp",
    security(("adminToken" = [])),
    params(("iccid" = String, Path, description = "ICCID (19 or 20 digits)")),
    responses(
        (status = 200, description = "The Profile", body = ProfileSummary),
        (status = 400, description = "Invalid ICCID", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 404, description = "No such Profile", body = ErrorBody),
    )
)]
async fn get_profile(State(state): State<AdminState>, Path(iccid): Path<String>) -> Response {
    match find(&state, &iccid).await {
        Ok(record) => Json(ProfileSummary::from(&record)).into_response(),
        Err(r) => r,
    }
}
