//! The eIM's northbound REST API for IoT service providers (JSON, `docs/eim.md`), on the
//! eIM's HTTPS listener beside ESipa. Each request carries `Authorization: Bearer <token>`;
//! the token names one tenant (only its SHA-256 is stored), and a tenant sees only its own
//! eUICCs: another tenant's EID answers 404 exactly like an unknown one.
//!
//! - `POST /eim/v1/euiccs`: register one eUICC (object, 201) or several (array, 200 with a
//!   status per entry).
//! - `GET /eim/v1/euiccs?limit=`: the tenant's eUICCs.
//! - `GET /eim/v1/euiccs/{eid}`: one eUICC with the state the eIM knows.
//! - `POST /eim/v1/euiccs/{eid}/operations`: queue a PSMO / eCO package, an IPA data request
//!   or a download trigger (202).
//! - `GET /eim/v1/euiccs/{eid}/operations?limit=`: its operations, newest first.
//! - `GET /eim/v1/operations/{id}`: one operation with its result.
//! - `DELETE /eim/v1/operations/{id}`: cancel a pending or delivered operation (the queue
//!   of the eUICC moves on).
//! - `POST /eim/v1/euiccs:bulk`: register eUICCs from a CSV body (`text/csv`, streamed,
//!   written in batches of 10 000 rows; per-row errors with line numbers).
//! - `POST /eim/v1/operations:bulk`: queue the same operation for a list of the tenant's
//!   eUICCs or all of them, set-wise (202). The two bulk handlers are in
//!   [`crate::eim_api_bulk`].
//! - `GET /openapi.json`: the OpenAPI 3.1 document of these (no token).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json, Router};
use base64::Engine as _;
use rsp_eim::{Eim, EimError, EimStore, EuiccRecord, Operation, OperationKind, RegisterEuicc};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::admin::error;
use crate::eim_api_bulk::{queue_bulk, register_csv};

/// The tenant a request was authenticated as.
#[derive(Clone, Debug)]
pub(crate) struct TenantId(pub(crate) String);

/// The northbound routes over `eim`.
pub fn router<S: EimStore + 'static>(eim: Arc<Eim<S>>) -> Router {
    Router::new()
        .route("/eim/v1/euiccs", post(register::<S>).get(list::<S>))
        .route("/eim/v1/euiccs:bulk", post(register_csv::<S>))
        .route("/eim/v1/operations:bulk", post(queue_bulk::<S>))
        .route("/eim/v1/euiccs/{eid}", get(euicc::<S>))
        .route(
            "/eim/v1/euiccs/{eid}/operations",
            post(queue::<S>).get(operations::<S>),
        )
        .route(
            "/eim/v1/operations/{id}",
            get(operation::<S>).delete(cancel::<S>),
        )
        .route_layer(middleware::from_fn_with_state(eim.clone(), auth::<S>))
        .with_state(eim)
        .route("/openapi.json", get(openapi_json))
}

/// Name of the bearer security scheme of the REST API: a tenant's token.
pub const TENANT_TOKEN: &str = "tenantToken";

/// The operations of the REST API, for its OpenAPI document.
#[derive(utoipa::OpenApi)]
#[openapi(paths(
    register,
    crate::eim_api_bulk::register_csv,
    list,
    euicc,
    queue,
    crate::eim_api_bulk::queue_bulk,
    operations,
    operation,
    cancel
))]
struct EimApiDoc;

/// The OpenAPI 3.1 document of the REST API (`GET /openapi.json` on the HTTPS listener).
pub fn openapi_document() -> utoipa::openapi::OpenApi {
    use utoipa::OpenApi as _;
    use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
    let router: utoipa_axum::router::OpenApiRouter =
        utoipa_axum::router::OpenApiRouter::with_openapi(EimApiDoc::openapi());
    let mut doc = crate::openapi::document(&router, &API_INFO);
    let components = doc.components.get_or_insert_with(Default::default);
    components
        .security_schemes
        .remove(crate::openapi::ADMIN_TOKEN);
    components.add_security_scheme(
        TENANT_TOKEN,
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "A tenant's token (the eIM stores its SHA-256: --tenant ID=SHA256)",
                ))
                .build(),
        ),
    );
    doc
}

const API_INFO: crate::openapi::ApiInfo = crate::openapi::ApiInfo {
    title: "eIM REST API",
    description: "The eIM's northbound REST API (SGP.32) for IoT service providers: register \
        eUICCs, queue PSMO / eCO packages, IPA data requests and download triggers, read their \
        results. Served on the eIM's HTTPS listener beside ESipa; every call under /eim/v1 \
        carries a tenant's bearer token.",
};

async fn openapi_json() -> Response {
    let json = openapi_document().to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "OpenAPI document not serialisable");
        "{}".to_owned()
    });
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        json,
    )
        .into_response()
}

/// An eUICC as the REST API shows it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "camelCase")]
struct EuiccDoc {
    eid: String,
    eim_id: String,
    counter_value: i64,
    association_token: Option<i64>,
    curve: String,
    certificate_known: bool,
    state: Object,
    created_at: i64,
}

/// An operation as the REST API shows it.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "camelCase")]
struct OperationDoc {
    id: i64,
    eid: String,
    status: String,
    /// The operation as queued (`{"type": "psmo"|"eco"|"ipaData"|"download", …}`).
    operation: Object,
    counter_value: Option<i64>,
    transaction_id: Option<String>,
    deliveries: i64,
    result: Option<Object>,
    created_at: i64,
    updated_at: i64,
}

/// `GET /eim/v1/euiccs`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct EuiccListDoc {
    euiccs: Vec<EuiccDoc>,
}

/// `GET /eim/v1/euiccs/{eid}/operations`.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct OperationListDoc {
    operations: Vec<OperationDoc>,
}

/// Any JSON object.
pub(crate) type Object = std::collections::BTreeMap<String, Value>;

async fn auth<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    mut req: Request,
    next: Next,
) -> Response {
    let token = req
        .headers()
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty());
    let Some(token) = token else {
        return error(StatusCode::UNAUTHORIZED, "missing bearer token");
    };
    match eim
        .store()
        .tenant_by_token(&rsp_eim::token_hash(token))
        .await
    {
        Ok(Some(t)) => {
            req.extensions_mut().insert(TenantId(t.id.clone()));
            let mut response = next.run(req).await;
            // For the audit layer outside the router ([`audit_tenant_calls`]).
            response.extensions_mut().insert(TenantId(t.id));
            response
        }
        Ok(None) => error(StatusCode::UNAUTHORIZED, "unknown bearer token"),
        Err(e) => {
            tracing::error!(error = %e, "tenant lookup failed");
            error(StatusCode::SERVICE_UNAVAILABLE, "storage unavailable")
        }
    }
}

pub(crate) fn eim_error(e: &EimError) -> Response {
    match e {
        EimError::Invalid(what) => error(StatusCode::BAD_REQUEST, &format!("invalid {what}")),
        EimError::NotFound => error(StatusCode::NOT_FOUND, "no such eUICC or operation"),
        EimError::Duplicate => error(StatusCode::CONFLICT, "EID already registered"),
        EimError::NoKey(curve) => error(
            StatusCode::BAD_REQUEST,
            &format!("this eIM has no {curve} key"),
        ),
        other => {
            tracing::error!(error = %other, "eIM API call failed");
            error(StatusCode::INTERNAL_SERVER_ERROR, "internal error")
        }
    }
}

fn euicc_view(e: &EuiccRecord) -> Value {
    json!({
        "eid": e.eid.as_str(),
        "eimId": e.eim_id,
        "counterValue": e.counter_value,
        "associationToken": e.association_token,
        "curve": e.curve,
        "certificateKnown": e.euicc_certificate.is_some(),
        "state": e.state,
        "createdAt": e.created_at_ms,
    })
}

fn operation_view(o: &Operation) -> Value {
    json!({
        "id": o.id,
        "eid": o.eid.as_str(),
        "status": o.status,
        "operation": o.kind,
        "counterValue": o.counter_value,
        "transactionId": o.transaction_id.as_deref().map(hex::encode_upper),
        "deliveries": o.deliveries,
        "result": o.result,
        "createdAt": o.created_at_ms,
        "updatedAt": o.updated_at_ms,
    })
}

pub(crate) fn parse<T: for<'de> Deserialize<'de>>(body: &[u8]) -> Result<T, Box<Response>> {
    serde_json::from_slice(body).map_err(|e| {
        Box::new(error(
            StatusCode::BAD_REQUEST,
            &format!("invalid JSON: {e}"),
        ))
    })
}

#[utoipa::path(post, path = "/eim/v1/euiccs", tag = "eim", security(("tenantToken" = [])),
    request_body(content = Object, description = "One eUICC (`{\"eid\": …}`) or an array of them"),
    responses((status = 201, description = "Registered (one eUICC; an array answers 200 with a status per entry)", body = EuiccDoc),
        (status = 400, description = "Invalid request", body = crate::openapi::ErrorBody),
        (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody),
        (status = 409, description = "EID already registered", body = crate::openapi::ErrorBody)))]
async fn register<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    body: Bytes,
) -> Response {
    let value: Value = match parse(&body) {
        Ok(v) => v,
        Err(r) => return *r,
    };
    if let Value::Array(items) = value {
        if items.len() > 10_000 {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "at most 10000 eUICCs per call",
            );
        }
        let mut results = Vec::with_capacity(items.len());
        let mut registered = 0;
        for item in items {
            let eid = item.get("eid").cloned().unwrap_or(Value::Null);
            let outcome = match serde_json::from_value::<RegisterEuicc>(item) {
                Ok(r) => eim.register(&tenant, &r).await,
                Err(e) => Err(EimError::invalid(format!("entry: {e}"))),
            };
            results.push(match outcome {
                Ok(_) => {
                    registered += 1;
                    json!({"eid": eid, "status": 201})
                }
                Err(e) => {
                    let status = eim_error(&e).status().as_u16();
                    json!({"eid": eid, "status": status, "error": e.to_string()})
                }
            });
        }
        return Json(json!({"registered": registered, "results": results})).into_response();
    }
    let r = match serde_json::from_value::<RegisterEuicc>(value) {
        Ok(r) => r,
        Err(e) => return error(StatusCode::BAD_REQUEST, &format!("invalid JSON: {e}")),
    };
    match eim.register(&tenant, &r).await {
        Ok(e) => (StatusCode::CREATED, Json(euicc_view(&e))).into_response(),
        Err(e) => eim_error(&e),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Limit {
    limit: Option<u32>,
}

#[utoipa::path(get, path = "/eim/v1/euiccs", tag = "eim", security(("tenantToken" = [])),
    params(("limit" = Option<u32>, Query, description = "At most this many [default: 100]")),
    responses((status = 200, description = "The tenant's eUICCs", body = EuiccListDoc),
        (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody)))]
async fn list<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Query(q): Query<Limit>,
) -> Response {
    match eim
        .store()
        .list_euiccs(&tenant, q.limit.unwrap_or(100))
        .await
    {
        Ok(list) => {
            Json(json!({"euiccs": list.iter().map(euicc_view).collect::<Vec<_>>()})).into_response()
        }
        Err(e) => eim_error(&e.into()),
    }
}

#[utoipa::path(get, path = "/eim/v1/euiccs/{eid}", tag = "eim", security(("tenantToken" = [])),
    params(("eid" = String, Path, description = "EID, 32 digits")),
    responses((status = 200, description = "The eUICC", body = EuiccDoc), (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody), (status = 404, description = "No such eUICC or operation (or another tenant's)", body = crate::openapi::ErrorBody)))]
async fn euicc<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(eid): Path<String>,
) -> Response {
    match eim.euicc(&tenant, &eid).await {
        Ok(e) => Json(euicc_view(&e)).into_response(),
        Err(e) => eim_error(&e),
    }
}

#[utoipa::path(post, path = "/eim/v1/euiccs/{eid}/operations", tag = "eim", security(("tenantToken" = [])),
    params(("eid" = String, Path, description = "EID, 32 digits")),
    request_body(content = Object, description = "`{\"type\": \"psmo\"|\"eco\"|\"ipaData\"|\"download\", …}` (docs/eim.md)"),
    responses((status = 202, description = "Queued", body = OperationDoc),
        (status = 400, description = "Invalid operation", body = crate::openapi::ErrorBody), (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody), (status = 404, description = "No such eUICC or operation (or another tenant's)", body = crate::openapi::ErrorBody)))]
async fn queue<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(eid): Path<String>,
    body: Bytes,
) -> Response {
    let kind: OperationKind = match parse(&body) {
        Ok(k) => k,
        Err(r) => return *r,
    };
    match eim.queue(&tenant, &eid, kind).await {
        Ok(op) => (StatusCode::ACCEPTED, Json(operation_view(&op))).into_response(),
        Err(e) => eim_error(&e),
    }
}

#[utoipa::path(get, path = "/eim/v1/euiccs/{eid}/operations", tag = "eim", security(("tenantToken" = [])),
    params(("eid" = String, Path, description = "EID, 32 digits"),
        ("limit" = Option<u32>, Query, description = "At most this many [default: 100]")),
    responses((status = 200, description = "Its operations, newest first", body = OperationListDoc), (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody), (status = 404, description = "No such eUICC or operation (or another tenant's)", body = crate::openapi::ErrorBody)))]
async fn operations<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(eid): Path<String>,
    Query(q): Query<Limit>,
) -> Response {
    match eim.operations(&tenant, &eid, q.limit.unwrap_or(100)).await {
        Ok(ops) => Json(json!({
            "operations": ops.iter().map(operation_view).collect::<Vec<_>>()
        }))
        .into_response(),
        Err(e) => eim_error(&e),
    }
}

#[utoipa::path(get, path = "/eim/v1/operations/{id}", tag = "eim", security(("tenantToken" = [])),
    params(("id" = i64, Path, description = "Operation id")),
    responses((status = 200, description = "The operation with its result", body = OperationDoc), (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody), (status = 404, description = "No such eUICC or operation (or another tenant's)", body = crate::openapi::ErrorBody)))]
async fn operation<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(id): Path<i64>,
) -> Response {
    match eim.operation(&tenant, id).await {
        Ok(op) => Json(operation_view(&op)).into_response(),
        Err(e) => eim_error(&e),
    }
}

#[utoipa::path(delete, path = "/eim/v1/operations/{id}", tag = "eim", security(("tenantToken" = [])),
    params(("id" = i64, Path, description = "Operation id")),
    responses((status = 200, description = "Cancelled", body = OperationDoc),
        (status = 409, description = "Operation already finished", body = crate::openapi::ErrorBody), (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody), (status = 404, description = "No such eUICC or operation (or another tenant's)", body = crate::openapi::ErrorBody)))]
async fn cancel<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    Path(id): Path<i64>,
) -> Response {
    match eim.cancel(&tenant, id).await {
        Ok(op) => Json(operation_view(&op)).into_response(),
        Err(EimError::Invalid(_)) => error(StatusCode::CONFLICT, "operation already finished"),
        Err(e) => eim_error(&e),
    }
}

/// Records every tenant call that may change something (`POST`, `DELETE` under `/eim/v1/`)
/// in the audit trail (docs/audit.md): actor the tenant, action `eim.<METHOD>`, subject the
/// path, with the HTTP status. Reads are not recorded, nor ESipa (its results are kept in
/// `eim_results`).
pub async fn audit_tenant_calls(
    State(store): State<rsp_storage::SqlStore>,
    req: Request,
    next: Next,
) -> Response {
    let method = req.method().clone();
    let path = req.uri().path().to_owned();
    if method == axum::http::Method::GET || !path.starts_with("/eim/v1/") {
        return next.run(req).await;
    }
    let response = next.run(req).await;
    if let Some(TenantId(tenant)) = response.extensions().get::<TenantId>() {
        let details = format!("{{\"httpStatus\":{}}}", response.status().as_u16());
        let event = rsp_storage::audit::AuditEvent {
            actor: tenant,
            action: &format!("eim.{method}"),
            subject: &path,
            details: &details,
        };
        if let Err(e) = store.record_audit(&[event]).await {
            tracing::error!(error = %e, "audit record failed");
        }
    }
    response
}

/// The base64 of `der` (certificates in registration bodies).
pub fn base64_der(der: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(der)
}

/// The eIM's admin listener (plain HTTP, keep it on loopback or set a bearer token):
/// `/health` (database reachable) and `/metrics` (Prometheus).
pub fn admin_router(store: rsp_storage::SqlStore, bearer_token: Option<String>) -> Router {
    crate::admin::protected_admin(Router::new(), store, bearer_token)
}
