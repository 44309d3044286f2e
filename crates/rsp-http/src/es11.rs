//! ES11 server (LPA → SM-DS, SGP.22 v2.5 §5.8, JSON binding §6.5.2.11–§6.5.2.12): the
//! common mutual authentication with CERT.DSauth, then the eUICC's Event Records. No client
//! certificate (the eUICC authenticates inside the protocol). The InitiateAuthentication
//! answer has the ES9+ shape ([`crate::es9plus::initiate_response`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::routing::post;
use rsp_codec::json::es9plus::AuthenticateClientRequest;
use rsp_codec::json::es11::{
    AuthenticateClientResponse, EventEntry, InitiateAuthenticationRequest,
};
use rsp_codec::json::{Es11Function, ResponseHeader, TransactionIdHex};
use rsp_codec::status::RspError;
use rsp_smds::SmdsError;
use rsp_smds::SmdsStore;
use rsp_smds::es11::Es11;

use crate::binding::{self, Rejection, decode_request};

/// The ES11 routes.
pub fn router<S: SmdsStore + 'static>(service: Arc<Es11<S>>) -> Router {
    Router::new()
        .route(
            Es11Function::InitiateAuthentication.path(),
            post(initiate_authentication::<S>),
        )
        .route(
            Es11Function::AuthenticateClient.path(),
            post(authenticate_client::<S>),
        )
        .with_state(service)
}

/// Counts one ES11 call by function and outcome (JSON and ASN.1 bindings alike).
pub(crate) fn record(function: Es11Function, error: Option<&RspError>) {
    crate::metrics::record_call("rsp_es11_calls_total", function.name(), error);
}

fn rejected(function: Es11Function, r: &Rejection) -> Response {
    record(function, Some(&r.error()));
    r.response()
}

fn failure(function: Es11Function, e: &SmdsError) -> Response {
    let code = e.rsp_error();
    match e {
        SmdsError::Rejected(_) => {
            tracing::info!(function = function.name(), error = %e, "ES11 refused")
        }
        _ => tracing::error!(function = function.name(), error = %e, "ES11 failed"),
    }
    record(function, Some(&code));
    binding::failed(&code)
}

async fn initiate_authentication<S: SmdsStore>(
    State(svc): State<Arc<Es11<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es11Function = Es11Function::InitiateAuthentication;
    let req: InitiateAuthenticationRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    let ok = match svc
        .initiate_authentication(
            req.euicc_challenge.as_bytes(),
            req.euicc_info1.as_bytes(),
            &req.smds_address,
        )
        .await
    {
        Ok(ok) => ok,
        Err(e) => return failure(F, &e),
    };
    match crate::es9plus::initiate_response(&ok) {
        Some(body) => {
            record(F, None);
            binding::json_response(StatusCode::OK, &body)
        }
        None => failure(
            F,
            &SmdsError::Encode("initiateAuthentication fields".into()),
        ),
    }
}

async fn authenticate_client<S: SmdsStore>(
    State(svc): State<Arc<Es11<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es11Function = Es11Function::AuthenticateClient;
    let req: AuthenticateClientRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    let ok = match svc
        .authenticate_client(
            req.transaction_id.as_bytes(),
            req.authenticate_server_response.as_bytes(),
        )
        .await
    {
        Ok(ok) => ok,
        Err(e) => return failure(F, &e),
    };
    record(F, None);
    binding::json_response(
        StatusCode::OK,
        &AuthenticateClientResponse {
            header: ResponseHeader::success(),
            transaction_id: TransactionIdHex::from_bytes(ok.transaction_id.as_bytes().to_vec())
                .ok(),
            event_entries: ok
                .event_entries
                .into_iter()
                .map(|e| EventEntry {
                    event_id: e.event_id,
                    rsp_server_address: e.rsp_server_address,
                })
                .collect(),
        },
    )
}
