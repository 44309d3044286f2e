//! OpenAPI 3.1 documents of the servers' REST APIs (the admin APIs, health, metrics),
//! generated from the handlers with `utoipa` and served at `GET /openapi.json` by each role.
//!
//! The document and the routes come from one source: a role's REST router is a
//! [`utoipa_axum::router::OpenApiRouter`] built with `routes!(handler, …)` over handlers
//! annotated with `#[utoipa::path(…)]`, so a route cannot be served without being
//! documented, nor documented without being served.
//!
//! **How a role joins** (one place per role lists its paths: its admin `router` function):
//! 1. annotate each handler with `#[utoipa::path(get|post|…, path = "…", tag = ROLE,
//!    security(("adminToken" = [])) when the bearer token protects it, responses(…))]` and
//!    derive `utoipa::ToSchema` on its JSON request and response bodies (errors:
//!    [`ErrorBody`]);
//! 2. list the handlers in the role's router function: `OpenApiRouter::new()
//!    .routes(routes!(a, b))` (handlers of one path together);
//! 3. finish with [`serve`]`(router, &ApiInfo { … })`, which adds the bearer security scheme,
//!    the title and `/openapi.json`, and returns the plain axum router.
//!
//! `crates/rsp/tests/openapi.rs` validates every role's document with
//! `openapi-spec-validator` and calls every documented operation against a running
//! `rsp serve <role>` (its `walk` helper): a new operation or role needs its requests there.

use std::sync::Arc;

use axum::Extension;
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use utoipa::OpenApi;
use utoipa::openapi::security::{Http, HttpAuthScheme, SecurityScheme};
use utoipa_axum::router::OpenApiRouter;

/// Name of the bearer security scheme of the admin APIs (`Authorization: Bearer <token>`,
/// the role's `RSP_<ROLE>_ADMIN_TOKEN`).
pub const ADMIN_TOKEN: &str = "adminToken";

/// The body of every admin API error (4xx, 5xx).
#[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema, Debug)]
pub struct ErrorBody {
    /// What went wrong, for a human (never a secret).
    pub error: String,
}

/// Title and description of a role's document.
#[derive(Debug, Clone)]
pub struct ApiInfo {
    /// E.g. "SM-DP+ admin API".
    pub title: &'static str,
    /// A paragraph on what the API is for.
    pub description: &'static str,
}

/// The parts common to every role's document: `/openapi.json` itself.
#[derive(OpenApi)]
#[openapi(paths(openapi_json))]
struct Common;

/// `GET /openapi.json`: the OpenAPI 3.1 document of this API (no authentication: it holds
/// no secret).
#[utoipa::path(
    get,
    path = "/openapi.json",
    tag = "meta",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API",
        content_type = "application/json", body = Object))
)]
async fn openapi_json(Extension(doc): Extension<Arc<String>>) -> Response {
    (
        [(header::CONTENT_TYPE, "application/json")],
        doc.as_str().to_owned(),
    )
        .into_response()
}

/// The document of `router` completed with `info`, the bearer security scheme and
/// `/openapi.json` (without serving it: [`serve`] does).
pub fn document<S>(router: &OpenApiRouter<S>, info: &ApiInfo) -> utoipa::openapi::OpenApi
where
    S: Clone + Send + Sync + 'static,
{
    let mut doc = router.get_openapi().clone();
    doc.merge(Common::openapi());
    doc.info.title = info.title.to_owned();
    doc.info.description = Some(info.description.to_owned());
    doc.info.version = env!("CARGO_PKG_VERSION").to_owned();
    // Not the defaults utoipa takes from its own package.
    doc.info.contact = None;
    doc.info.license = Some(utoipa::openapi::License::new("Apache-2.0"));
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        ADMIN_TOKEN,
        SecurityScheme::Http(
            Http::builder()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "The role's admin token (RSP_SMDPP_ADMIN_TOKEN, RSP_SMDS_ADMIN_TOKEN); \
                     not enforced when the server runs without one (loopback only)",
                ))
                .build(),
        ),
    );
    doc
}

/// The axum router of `router` plus `GET /openapi.json` serving its document.
pub fn serve<S>(router: OpenApiRouter<S>, info: &ApiInfo) -> axum::Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    let doc = document(&router, info);
    // Serialising a document of plain strings and maps cannot fail; an empty object would
    // fail the validator loudly rather than the server.
    let json = doc.to_json().unwrap_or_else(|e| {
        tracing::error!(error = %e, "OpenAPI document not serialisable");
        "{}".to_owned()
    });
    let (plain, _) = router.split_for_parts();
    plain.route(
        "/openapi.json",
        get(openapi_json).layer(Extension(Arc::new(json))),
    )
}
