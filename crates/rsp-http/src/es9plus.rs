//! ES9+ server (SGP.22 v2.5 §5.6, JSON binding §6.5.2.6–§6.5.2.10): the LPA-facing
//! download functions. No client certificate is needed (the eUICC authenticates inside the
//! protocol). ASN.1 values travel base64-encoded as complete TLVs (e.g. `serverSignature1`
//! starts with `5F37`, `euiccCiPKIdToBeUsed` with `04`).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rsp_codec::json::TransactionIdHex;
use rsp_codec::json::es9plus::{
    AuthenticateClientRequest, AuthenticateClientResponse, CancelSessionRequest,
    GetBoundProfilePackageRequest, GetBoundProfilePackageResponse, HandleNotificationRequest,
    InitiateAuthenticationRequest, InitiateAuthenticationResponse,
};
use rsp_codec::json::{Base64Bytes, Es9PlusFunction, HeaderOnlyResponse, ResponseHeader};
use rsp_codec::status::RspError;
use rsp_smdpp::es9plus::{Es9Plus, Es9PlusError};
use rsp_smdpp::session::SessionStore;
use rsp_smdpp::store::InventoryStore;
use serde::Serialize;

use crate::binding::{self, Rejection, decode_request};

/// The ES9+ routes.
pub fn router<S>(service: Arc<Es9Plus<S>>) -> Router
where
    S: InventoryStore + SessionStore + 'static,
{
    Router::new()
        .route(
            Es9PlusFunction::InitiateAuthentication.path(),
            post(initiate_authentication::<S>),
        )
        .route(
            Es9PlusFunction::AuthenticateClient.path(),
            post(authenticate_client::<S>),
        )
        .route(
            Es9PlusFunction::GetBoundProfilePackage.path(),
            post(get_bound_profile_package::<S>),
        )
        .route(
            Es9PlusFunction::HandleNotification.path(),
            post(handle_notification::<S>),
        )
        .route(
            Es9PlusFunction::CancelSession.path(),
            post(cancel_session::<S>),
        )
        .with_state(service)
}

/// Counts one ES9+ call by function and outcome (JSON and ASN.1 bindings alike).
pub(crate) fn record(function: Es9PlusFunction, error: Option<&RspError>) {
    crate::metrics::record_call("rsp_es9plus_calls_total", function.name(), error);
}

fn rejected(function: Es9PlusFunction, r: &Rejection) -> Response {
    record(function, Some(&r.error()));
    r.response()
}

fn success<T: Serialize>(function: Es9PlusFunction, body: &T) -> Response {
    record(function, None);
    binding::json_response(StatusCode::OK, body)
}

fn failure(function: Es9PlusFunction, e: &Es9PlusError) -> Response {
    let code = e.rsp_error();
    match e {
        Es9PlusError::Rejected(_) => {
            tracing::info!(function = function.name(), error = %e, "ES9+ refused")
        }
        _ => tracing::error!(function = function.name(), error = %e, "ES9+ failed"),
    }
    record(function, Some(&code));
    binding::failed(&code)
}

/// Our own message could not be encoded: 1.2/4.2 (SM-DP+ execution error).
fn encode_failure(function: Es9PlusFunction, what: &str) -> Response {
    tracing::error!(
        function = function.name(),
        what,
        "ES9+ response encoding failed"
    );
    record(function, Some(&RspError::ExecutionError));
    binding::failed(&RspError::ExecutionError)
}

const SIGNATURE_TAG: [u8; 2] = [0x5F, 0x37];

fn der<T: rasn::Encode>(value: &T) -> Option<Base64Bytes> {
    rasn::der::encode(value).ok().map(Base64Bytes::new)
}

fn transaction_id(bytes: &[u8]) -> Option<TransactionIdHex> {
    TransactionIdHex::from_bytes(bytes.to_vec()).ok()
}

async fn initiate_authentication<S: InventoryStore + SessionStore>(
    State(svc): State<Arc<Es9Plus<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es9PlusFunction = Es9PlusFunction::InitiateAuthentication;
    let req: InitiateAuthenticationRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    let ok = match svc
        .initiate_authentication(
            req.euicc_challenge.as_bytes(),
            req.euicc_info1.as_bytes(),
            &req.smdp_address,
        )
        .await
    {
        Ok(ok) => ok,
        Err(e) => return failure(F, &e),
    };
    match initiate_response(&ok) {
        Some(body) => success(F, &body),
        None => encode_failure(F, "initiateAuthentication fields"),
    }
}

/// The JSON answer of InitiateAuthentication (ES9+ §6.5.2.6, and ES11 §6.5.2.11 which has
/// the same shape); `None` if a field does not encode.
pub(crate) fn initiate_response(
    ok: &rsp_codec::asn1::InitiateAuthenticationOkEs9,
) -> Option<InitiateAuthenticationResponse> {
    Some(InitiateAuthenticationResponse {
        header: ResponseHeader::success(),
        transaction_id: transaction_id(&ok.transaction_id.0)?,
        server_signed1: Base64Bytes::new(ok.server_signed1.raw().to_vec()),
        server_signature1: Base64Bytes::new(rsp_codec::tlv::wrap(
            &SIGNATURE_TAG,
            &ok.server_signature1,
        )),
        euicc_ci_pk_id_to_be_used: der(&ok.euicc_ci_pk_id_to_be_used)?,
        server_certificate: der(&ok.server_certificate)?,
    })
}

async fn authenticate_client<S: InventoryStore + SessionStore>(
    State(svc): State<Arc<Es9Plus<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es9PlusFunction = Es9PlusFunction::AuthenticateClient;
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
    let (Some(tid), Some(metadata), Some(cert)) = (
        transaction_id(&ok.transaction_id.0),
        der(&ok.profile_meta_data),
        der(&ok.smdp_certificate),
    ) else {
        return encode_failure(F, "authenticateClient fields");
    };
    success(
        F,
        &AuthenticateClientResponse {
            header: ResponseHeader::success(),
            transaction_id: tid,
            profile_metadata: metadata,
            smdp_signed2: Base64Bytes::new(ok.smdp_signed2.raw().to_vec()),
            smdp_signature2: Base64Bytes::new(rsp_codec::tlv::wrap(
                &SIGNATURE_TAG,
                &ok.smdp_signature2,
            )),
            smdp_certificate: cert,
        },
    )
}

async fn get_bound_profile_package<S: InventoryStore + SessionStore>(
    State(svc): State<Arc<Es9Plus<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es9PlusFunction = Es9PlusFunction::GetBoundProfilePackage;
    let req: GetBoundProfilePackageRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    let ok = match svc
        .get_bound_profile_package(
            req.transaction_id.as_bytes(),
            req.prepare_download_response.as_bytes(),
        )
        .await
    {
        Ok(ok) => ok,
        Err(e) => return failure(F, &e),
    };
    let (Some(tid), Some(bpp)) = (
        transaction_id(&ok.transaction_id.0),
        der(&ok.bound_profile_package),
    ) else {
        return encode_failure(F, "boundProfilePackage");
    };
    success(
        F,
        &GetBoundProfilePackageResponse {
            header: ResponseHeader::success(),
            transaction_id: tid,
            bound_profile_package: bpp,
        },
    )
}

async fn handle_notification<S: InventoryStore + SessionStore>(
    State(svc): State<Arc<Es9Plus<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es9PlusFunction = Es9PlusFunction::HandleNotification;
    let req: HandleNotificationRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    match svc
        .handle_notification(req.pending_notification.as_bytes())
        .await
    {
        // §6.5.2.9: success is HTTP 204 without body.
        Ok(()) => {
            record(F, None);
            StatusCode::NO_CONTENT.into_response()
        }
        Err(e) => failure(F, &e),
    }
}

async fn cancel_session<S: InventoryStore + SessionStore>(
    State(svc): State<Arc<Es9Plus<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    const F: Es9PlusFunction = Es9PlusFunction::CancelSession;
    let req: CancelSessionRequest = match decode_request(&headers, &body) {
        Ok(r) => r,
        Err(r) => return rejected(F, &r),
    };
    match svc
        .cancel_session(
            req.transaction_id.as_bytes(),
            req.cancel_session_response.as_bytes(),
        )
        .await
    {
        Ok(()) => success(F, &HeaderOnlyResponse::success()),
        Err(e) => failure(F, &e),
    }
}
