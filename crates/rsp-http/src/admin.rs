//! Admin REST API (separate listener, loopback by default): Profile import and search,
//! Activation Codes (SGP.22 v2.5 §4.1) as text, PNG or SVG QR code, health and Prometheus
//! metrics. No secret (Profile Package, Confirmation Code hash) ever leaves through it.

use std::sync::Arc;

use axum::extract::{Path, Query, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine;
use qrcode::QrCode;
use rsp_codec::json::Iccid;
use rsp_smdpp::profile::ProfileMetadata;
use rsp_smdpp::store::{InventoryStore, StoreError, UniqueKey};
use rsp_smdpp::{NewProfile, OperatorId, ProfilePackage, ProfileRecord};
use rsp_storage::SqlStore;
use serde::{Deserialize, Serialize};
use sqlx::Row;

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

#[derive(Clone)]
struct AdminState {
    store: SqlStore,
    config: Arc<AdminConfig>,
}

/// The admin routes.
pub fn router(store: SqlStore, config: AdminConfig) -> Router {
    let _ = crate::metrics::handle();
    let state = AdminState {
        store,
        config: Arc::new(config),
    };
    let protected = Router::new()
        .route(
            "/admin/v1/profiles",
            get(list_profiles).post(import_profile),
        )
        .route("/admin/v1/profiles/{iccid}", get(get_profile))
        .route(
            "/admin/v1/batches",
            post(|State(state): State<AdminState>, body| {
                crate::admin_batch::import_batch(state.store, body)
            }),
        )
        .route(
            "/admin/v1/orders/{iccid}/controls",
            get(|State(s): State<AdminState>, Path(iccid): Path<String>| {
                crate::admin_orders::get_controls(s.store, iccid)
            })
            .put(
                |State(s): State<AdminState>, Path(iccid): Path<String>, body| {
                    crate::admin_orders::put_controls(s.store, iccid, body)
                },
            ),
        )
        .route(
            "/admin/v1/orders/{iccid}/import",
            post(
                |State(s): State<AdminState>, Path(iccid): Path<String>, body| {
                    crate::admin_order_import::import_order(s.store, iccid, body)
                },
            ),
        )
        .route(
            "/admin/v1/orders/{iccid}/activation-code",
            get(activation_code_route),
        )
        .route("/admin/v1/smds-events/pending", get(pending_smds_events))
        .route("/metrics", get(metrics_text))
        .route_layer(middleware::from_fn_with_state(state.clone(), bearer_auth));
    Router::new()
        .route("/health", get(health))
        .merge(protected)
        .with_state(state)
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

pub(crate) fn error(status: StatusCode, message: &str) -> Response {
    (status, Json(serde_json::json!({ "error": message }))).into_response()
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

async fn health(State(state): State<AdminState>) -> Response {
    database_health(&state.store).await
}

/// `GET /admin/v1/smds-events/pending`: `{"pendingSmdsEvents": n}`, the ES12 event
/// registrations and deletions at SM-DSes not yet acknowledged ([`rsp_smdpp::smds_events`]).
async fn pending_smds_events(State(state): State<AdminState>) -> Response {
    use rsp_smdpp::smds_events::SmdsEventStore;
    match state.store.pending_smds_events().await {
        Ok(n) => Json(serde_json::json!({ "pendingSmdsEvents": n })).into_response(),
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
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ImportRequest {
    iccid: String,
    operator: String,
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
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
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
            Json(serde_json::json!({ "iccid": iccid.digits(), "state": "Available" })),
        )
            .into_response(),
        Err(e) => store_error(&e),
    }
}

/// `GET /admin/v1/profiles` filters.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ListQuery {
    state: Option<String>,
    operator: Option<String>,
    profile_type: Option<String>,
    limit: Option<u32>,
}

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
    Json(serde_json::json!({ "profiles": out })).into_response()
}

/// The full record of `iccid` (any Operator), or an error response.
async fn find(state: &AdminState, iccid: &str) -> Result<ProfileRecord, Response> {
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

async fn get_profile(State(state): State<AdminState>, Path(iccid): Path<String>) -> Response {
    match find(&state, &iccid).await {
        Ok(record) => Json(ProfileSummary::from(&record)).into_response(),
        Err(r) => r,
    }
}

/// The Activation Code of SGP.22 v2.5 §4.1: `1$<SM-DP+ address>$<MatchingID>`, with
/// `$$1` appended (empty SM-DP+ OID, Confirmation Code required flag) when a Confirmation
/// Code is required.
pub fn activation_code(smdp_address: &str, matching_id: &str, cc_required: bool) -> String {
    let mut ac = format!("1${smdp_address}${matching_id}");
    if cc_required {
        ac.push_str("$$1");
    }
    ac
}

/// `?format=` of the activation-code endpoint.
#[derive(Deserialize)]
struct AcQuery {
    format: Option<String>,
}

async fn activation_code_handler(
    state: AdminState,
    iccid: String,
    format: Option<String>,
) -> Response {
    let record = match find(&state, &iccid).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(matching_id) = record.matching_id.as_ref() else {
        return error(
            StatusCode::CONFLICT,
            "the profile has no order with a MatchingID",
        );
    };
    if !matching_id.is_activation_code_safe() {
        // SGP.22 §4.1: an Activation Code carries only 0-9, A-Z and '-'; an order imported
        // with another system's MatchingID is downloaded with that ID typed in or sent by
        // the LPA as it is, not through an Activation Code of ours.
        return error(
            StatusCode::CONFLICT,
            "the order's MatchingID (imported) has characters an Activation Code cannot carry",
        );
    }
    let ac = activation_code(
        &state.config.smdp_address,
        matching_id.as_str(),
        record.cc_hash.is_some(),
    );
    let qr_text = format!("LPA:{ac}");
    match format.as_deref() {
        None | Some("text") | Some("json") => {
            Json(serde_json::json!({ "activationCode": ac, "qrCodeText": qr_text })).into_response()
        }
        Some("png") => match qr_png(&qr_text) {
            Some(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
            None => error(StatusCode::INTERNAL_SERVER_ERROR, "QR code encoding failed"),
        },
        Some("svg") => match QrCode::new(qr_text.as_bytes()) {
            Ok(code) => {
                let svg = code
                    .render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(256, 256)
                    .build();
                ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
            }
            Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "QR code encoding failed"),
        },
        Some(_) => error(StatusCode::BAD_REQUEST, "format must be text, png or svg"),
    }
}

async fn activation_code_route(
    State(state): State<AdminState>,
    Path(iccid): Path<String>,
    Query(q): Query<AcQuery>,
) -> Response {
    activation_code_handler(state, iccid, q.format).await
}

/// A PNG QR code of `text`.
fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(256, 256)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).ok()?;
    Some(out.into_inner())
}
