//! The bulk (fleet scale) endpoints of the eIM's northbound REST API, routed by
//! [`crate::eim_api::router`] behind the same tenant authentication:
//!
//! - `POST /eim/v1/euiccs:bulk`: register eUICCs from a CSV body (`text/csv`, streamed,
//!   written in batches of 10 000 rows; per-row errors with line numbers).
//! - `POST /eim/v1/operations:bulk`: queue the same operation for a list of the tenant's
//!   eUICCs or all of them, set-wise (202).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use rsp_eim::{Eim, EimError, EimStore, OperationKind};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::admin::error;
use crate::eim_api::{Object, TenantId, eim_error, parse};

/// `POST /eim/v1/euiccs:bulk`'s answer.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
#[schema(rename_all = "camelCase")]
struct BulkReportDoc {
    /// Data rows read.
    rows: u64,
    registered: u64,
    /// Rows whose EID was registered already or came earlier in the file.
    duplicates: u64,
    /// Rows refused (a field not valid).
    invalid: u64,
    /// Every row up to this line was written or refused.
    committed_through_line: u64,
    /// The first 1000 refused or duplicate rows: `{"line", "eid", "error"}`.
    errors: Vec<Object>,
    errors_truncated: bool,
}

/// Longest CSV line taken (certificates included).
const MAX_CSV_LINE: usize = 64 * 1024;

#[utoipa::path(post, path = "/eim/v1/euiccs:bulk", tag = "eim", security(("tenantToken" = [])),
    request_body(content = String, content_type = "text/csv",
        description = "Header `eid,eimId,curve,counterValue` (any order; only `eid` required; \
            optional `associationToken`, `euiccCertificate`, `eumCertificate` as base64 DER), \
            then one eUICC per line"),
    responses((status = 200, description = "Read to the end: registered, duplicates and refused rows by line", body = BulkReportDoc),
        (status = 400, description = "Not a CSV of eUICCs (header, encoding)", body = crate::openapi::ErrorBody),
        (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody),
        (status = 415, description = "Not text/csv", body = crate::openapi::ErrorBody)))]
pub(crate) async fn register_csv<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Response {
    use hyper::body::Body as _;
    let csv = headers
        .get(axum::http::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.split(';').next())
        .is_some_and(|v| v.trim().eq_ignore_ascii_case("text/csv"));
    if !csv {
        return error(StatusCode::UNSUPPORTED_MEDIA_TYPE, "expected text/csv");
    }
    let mut registration = eim.csv_registration(&tenant);
    let mut body = body;
    let mut pending: Vec<u8> = Vec::new();
    // Lines are fed as they arrive; a full batch is written before more is read.
    let feed = async |bytes: &[u8], registration: &mut rsp_eim::bulk::CsvRegistration<'_>| {
        for line in bytes.split(|b| *b == b'\n') {
            let Ok(text) = std::str::from_utf8(line) else {
                return Err(error(StatusCode::BAD_REQUEST, "CSV is not UTF-8"));
            };
            if let Err(e) = registration.line(text) {
                return Err(eim_error(&e));
            }
            if registration.batch_full()
                && let Err(e) = registration.flush(eim.store()).await
            {
                return Err(bulk_failed(registration.report(), &e));
            }
        }
        Ok(())
    };
    loop {
        let frame = std::future::poll_fn(|cx| std::pin::Pin::new(&mut body).poll_frame(cx)).await;
        let data = match frame {
            None => break,
            Some(Err(e)) => return error(StatusCode::BAD_REQUEST, &format!("body: {e}")),
            Some(Ok(frame)) => match frame.into_data() {
                Ok(data) => data,
                Err(_) => continue,
            },
        };
        pending.extend_from_slice(&data);
        let Some(end) = pending.iter().rposition(|b| *b == b'\n') else {
            if pending.len() > MAX_CSV_LINE {
                return error(StatusCode::BAD_REQUEST, "CSV line too long");
            }
            continue;
        };
        let rest = pending.split_off(end + 1);
        pending.truncate(end);
        if let Err(r) = feed(&pending, &mut registration).await {
            return r;
        }
        pending = rest;
    }
    if !pending.is_empty()
        && let Err(r) = feed(&pending, &mut registration).await
    {
        return r;
    }
    let partial = registration.report().clone();
    match registration.finish(eim.store()).await {
        Ok(report) => Json(report).into_response(),
        Err(e @ EimError::Invalid(_)) => eim_error(&e),
        Err(e) => bulk_failed(&partial, &e),
    }
}

/// A bulk registration stopped by the store: 503 with what was written.
fn bulk_failed(report: &rsp_eim::bulk::BulkReport, e: &EimError) -> Response {
    tracing::error!(error = %e, "bulk registration failed");
    let mut body = serde_json::to_value(report).unwrap_or(Value::Null);
    if let Value::Object(map) = &mut body {
        map.insert("error".into(), Value::from("storage unavailable"));
    }
    (StatusCode::SERVICE_UNAVAILABLE, Json(body)).into_response()
}

/// `POST /eim/v1/operations:bulk`.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct BulkQueue {
    /// The operation, as for `POST /eim/v1/euiccs/{eid}/operations`.
    operation: Object,
    /// The eUICCs (at most 50 000); or `all`.
    #[serde(default)]
    eids: Option<Vec<String>>,
    /// Every eUICC of the tenant.
    #[serde(default)]
    all: bool,
}

/// `POST /eim/v1/operations:bulk`'s answer.
#[derive(utoipa::ToSchema)]
#[allow(dead_code)]
struct BulkQueueDoc {
    /// Operations queued.
    queued: u64,
    /// EIDs of the list not queued for (not valid, unknown, another tenant's).
    skipped: Vec<String>,
}

/// EIDs per `POST /eim/v1/operations:bulk`.
const MAX_BULK_EIDS: usize = 50_000;

#[utoipa::path(post, path = "/eim/v1/operations:bulk", tag = "eim", security(("tenantToken" = [])),
    request_body(content = BulkQueue, description = "`{\"operation\": {…}, \"eids\": [\"…\"]}` or `{\"operation\": {…}, \"all\": true}`"),
    responses((status = 202, description = "Queued, one operation per eUICC", body = BulkQueueDoc),
        (status = 400, description = "Invalid operation or request", body = crate::openapi::ErrorBody),
        (status = 401, description = "Missing or unknown bearer token", body = crate::openapi::ErrorBody)))]
pub(crate) async fn queue_bulk<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    Extension(TenantId(tenant)): Extension<TenantId>,
    body: Bytes,
) -> Response {
    let request: BulkQueue = match parse(&body) {
        Ok(r) => r,
        Err(r) => return *r,
    };
    let kind: OperationKind =
        match serde_json::from_value(Value::Object(request.operation.into_iter().collect())) {
            Ok(k) => k,
            Err(e) => return error(StatusCode::BAD_REQUEST, &format!("invalid operation: {e}")),
        };
    let eids = match (request.eids, request.all) {
        (Some(list), false) if list.len() <= MAX_BULK_EIDS => Some(list),
        (Some(_), false) => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                "at most 50000 EIDs per call (or \"all\": true)",
            );
        }
        (None, true) => None,
        _ => return error(StatusCode::BAD_REQUEST, "give either eids or \"all\": true"),
    };
    match eim.queue_bulk(&tenant, eids.as_deref(), kind).await {
        Ok((queued, skipped)) => (
            StatusCode::ACCEPTED,
            Json(json!({"queued": queued, "skipped": skipped})),
        )
            .into_response(),
        Err(e) => eim_error(&e),
    }
}
