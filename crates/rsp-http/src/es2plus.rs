//! ES2+ server (SGP.22 v2.5 §5.3, JSON binding §6.5.2.1–§6.5.2.4): DownloadOrder,
//! ConfirmOrder, CancelOrder and ReleaseProfile, for the Operator named by the mTLS client
//! certificate ([`crate::identity`]).

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use axum::{Router, middleware};
use rsp_codec::json::Es2PlusFunction;
use rsp_codec::json::HeaderOnlyResponse;
use rsp_codec::json::ResponseHeader;
use rsp_codec::json::es2plus::{
    CancelOrderRequest, ConfirmOrderRequest, ConfirmOrderResponse, DownloadOrderRequest,
    DownloadOrderResponse, ReleaseProfileRequest,
};
use rsp_codec::status::RspError;
use rsp_smdpp::OperatorId;
use rsp_smdpp::es2plus::{CancelOrder, ConfirmOrder, DownloadOrder, Es2Plus, Es2PlusError};
use rsp_smdpp::store::InventoryStore;
use serde::Serialize;

use crate::binding::{self, Rejection, decode_request};
use crate::identity::{OperatorResolver, require_operator};

/// The ES2+ routes, each requiring an Operator client certificate.
pub fn router<S>(service: Arc<Es2Plus<S>>, resolver: Arc<OperatorResolver>) -> Router
where
    S: InventoryStore + 'static,
{
    Router::new()
        .route(
            Es2PlusFunction::DownloadOrder.path(),
            post(download_order::<S>),
        )
        .route(
            Es2PlusFunction::ConfirmOrder.path(),
            post(confirm_order::<S>),
        )
        .route(Es2PlusFunction::CancelOrder.path(), post(cancel_order::<S>))
        .route(
            Es2PlusFunction::ReleaseProfile.path(),
            post(release_profile::<S>),
        )
        .route_layer(middleware::from_fn_with_state(resolver, require_operator))
        .with_state(service)
}

/// Counts one ES2+ call by function and outcome.
fn record(function: Es2PlusFunction, error: Option<&RspError>) {
    crate::metrics::record_call("rsp_es2plus_calls_total", function.name(), error);
}

fn rejected(function: Es2PlusFunction, r: &Rejection) -> Response {
    record(function, Some(&r.error()));
    r.response()
}

fn success<T: Serialize>(function: Es2PlusFunction, body: &T) -> Response {
    record(function, None);
    binding::json_response(StatusCode::OK, body)
}

fn failure(function: Es2PlusFunction, operator: &OperatorId, e: &Es2PlusError) -> Response {
    let code = e.rsp_error();
    match e {
        Es2PlusError::Rejected(_) => {
            tracing::info!(function = function.name(), %operator, error = %e, "ES2+ refused")
        }
        _ => tracing::error!(function = function.name(), %operator, error = %e, "ES2+ failed"),
    }
    record(function, Some(&code));
    binding::failed(&code)
}

async fn download_order<S: InventoryStore>(
    State(svc): State<Arc<Es2Plus<S>>>,
    Extension(operator): Extension<OperatorId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es2PlusFunction = Es2PlusFunction::DownloadOrder;
    let req: DownloadOrderRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    match svc
        .download_order(&operator, &DownloadOrder::from(&req))
        .await
    {
        Ok(iccid) => success(
            F,
            &DownloadOrderResponse {
                header: ResponseHeader::success(),
                iccid,
            },
        ),
        Err(e) => failure(F, &operator, &e),
    }
}

async fn confirm_order<S: InventoryStore>(
    State(svc): State<Arc<Es2Plus<S>>>,
    Extension(operator): Extension<OperatorId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es2PlusFunction = Es2PlusFunction::ConfirmOrder;
    let req: ConfirmOrderRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    match svc
        .confirm_order(&operator, &ConfirmOrder::from(&req))
        .await
    {
        Ok(out) => success(
            F,
            &ConfirmOrderResponse {
                header: ResponseHeader::success(),
                eid: out.eid,
                matching_id: out
                    .matching_id
                    .map(|m| m.as_str().to_owned())
                    .unwrap_or_default(),
                smdp_address: Some(out.smdp_address),
            },
        ),
        Err(e) => failure(F, &operator, &e),
    }
}

async fn cancel_order<S: InventoryStore>(
    State(svc): State<Arc<Es2Plus<S>>>,
    Extension(operator): Extension<OperatorId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es2PlusFunction = Es2PlusFunction::CancelOrder;
    let req: CancelOrderRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    match svc.cancel_order(&operator, &CancelOrder::from(&req)).await {
        Ok(()) => success(F, &HeaderOnlyResponse::success()),
        Err(e) => failure(F, &operator, &e),
    }
}

async fn release_profile<S: InventoryStore>(
    State(svc): State<Arc<Es2Plus<S>>>,
    Extension(operator): Extension<OperatorId>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es2PlusFunction = Es2PlusFunction::ReleaseProfile;
    let req: ReleaseProfileRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    match svc.release_profile(&operator, &req.iccid).await {
        Ok(()) => success(F, &HeaderOnlyResponse::success()),
        Err(e) => failure(F, &operator, &e),
    }
}
