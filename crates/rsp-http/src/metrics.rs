//! Prometheus metrics: one process-wide recorder, and a middleware counting HTTP requests
//! and their latency per route and status.

use std::sync::OnceLock;
use std::time::Instant;

use axum::extract::{MatchedPath, Request};
use axum::middleware::Next;
use axum::response::Response;
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// The handle of the process-wide Prometheus recorder, installing it on first use; `None`
/// when another global recorder was installed first.
pub fn handle() -> Option<&'static PrometheusHandle> {
    HANDLE
        .get_or_init(|| match PrometheusBuilder::new().install_recorder() {
            Ok(h) => Some(h),
            Err(e) => {
                tracing::warn!(error = %e, "metrics recorder not installed");
                None
            }
        })
        .as_ref()
}

/// Middleware: `rsp_http_requests_total{route,status}` and
/// `rsp_http_request_duration_seconds{route}`.
pub async fn track(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    let started = Instant::now();
    let response = next.run(req).await;
    let status = response.status().as_u16().to_string();
    metrics::counter!("rsp_http_requests_total", "route" => route.clone(), "status" => status)
        .increment(1);
    metrics::histogram!("rsp_http_request_duration_seconds", "route" => route)
        .record(started.elapsed().as_secs_f64());
    response
}

/// Counts one call of a GSMA function under `metric` (`rsp_es2plus_calls_total`,
/// `rsp_es9plus_calls_total`), labelled by function, execution status and, when it
/// failed, its SGP.22 `subject/reason` code.
pub(crate) fn record_call(
    metric: &'static str,
    function: &'static str,
    error: Option<&rsp_codec::status::RspError>,
) {
    let (status, code) = match error {
        None => ("Executed-Success", String::new()),
        Some(e) => (
            "Failed",
            format!("{}/{}", e.subject_code().as_str(), e.reason_code().as_str()),
        ),
    };
    metrics::counter!(
        metric,
        "function" => function,
        "status" => status,
        "code" => code,
    )
    .increment(1);
}
