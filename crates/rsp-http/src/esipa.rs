//! ESipa over HTTPS, ASN.1 binding (SGP.32 v1.2 §6.1, §6.3): `POST /gsma/rsp2/asn1` with
//! `Content-Type: application/x-gsma-rsp-asn1`, one DER `EsipaMessageFromIpaToEim` in, one
//! DER `EsipaMessageFromEimToIpa` out with HTTP 200 (HTTP 204 without body for
//! HandleNotification, which has no response).
//!
//! Functions: GetEimPackage (§5.14.6), ProvideEimPackageResult (§5.14.7),
//! HandleNotification (§5.14.4). The indirect download relays (InitiateAuthentication,
//! AuthenticateClient, GetBoundProfilePackage, CancelSession, §5.14.1–§5.14.5) are not
//! served yet: each is answered with its own error alternative `undefinedError(127)`. A body
//! that is not one DER message, or a TransferEimPackageResponse (eIM-initiated push, not
//! used over HTTPS retrieval), gets HTTP 400 without body, as the ES9+/ES11 ASN.1 bindings
//! do ([`crate::asn1_binding`]).

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use rsp_codec::asn1::sgp32::{
    AuthenticateClientErrorEsipa, AuthenticateClientResponseEsipa, CancelSessionErrorEsipa,
    CancelSessionResponseEsipa, EimPackageError, EsipaMessageFromEimToIpa,
    EsipaMessageFromIpaToEim, GetBoundProfilePackageErrorEsipa,
    GetBoundProfilePackageResponseEsipa, GetEimPackageResponse, InitiateAuthenticationErrorEsipa,
    InitiateAuthenticationResponseEsipa, ProvideEimPackageResultError,
    ProvideEimPackageResultResponse,
};
use rsp_codec::status::RspError;
use rsp_eim::{Eim, EimError, EimStore};

use crate::asn1_binding::{self, ASN1_PATH, asn1_response, is_asn1_content_type};

/// The ESipa route of an eIM.
pub fn router<S: EimStore + 'static>(eim: Arc<Eim<S>>) -> Router {
    Router::new()
        .route(ASN1_PATH, post(handle::<S>))
        .with_state(eim)
}

/// `rsp_esipa_calls_total{function,result}`.
fn count(function: &'static str, result: &'static str) {
    metrics::counter!("rsp_esipa_calls_total", "function" => function, "result" => result)
        .increment(1);
}

fn encode(message: &EsipaMessageFromEimToIpa) -> Response {
    match rsp_codec::asn1::encode(message) {
        Ok(der) => asn1_response(der),
        Err(e) => {
            tracing::error!(error = %e, "ESipa response not encodable");
            asn1_binding::server_error()
        }
    }
}

fn failed(function: &'static str, e: &EimError) -> Response {
    tracing::error!(function, error = %e, "ESipa call failed");
    count(function, "error");
    asn1_binding::server_error()
}

async fn handle<S: EimStore + 'static>(
    State(eim): State<Arc<Eim<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    use EsipaMessageFromEimToIpa as Out;
    use EsipaMessageFromIpaToEim as In;
    let content_type = crate::binding::content_type(&headers);
    if !content_type.is_some_and(is_asn1_content_type) {
        count("unknown", "badRequest");
        return asn1_binding::bad_request("esipa", &RspError::ProtocolFormatInvalid);
    }
    let message = match rsp_codec::asn1::decode::<EsipaMessageFromIpaToEim>(&body) {
        Ok(m) => m,
        Err(e) => {
            tracing::info!(error = %e, "ESipa body not decodable");
            count("unknown", "badRequest");
            return asn1_binding::bad_request("esipa", &RspError::ProtocolFormatInvalid);
        }
    };
    match message {
        In::GetEimPackageRequest(req) => {
            const F: &str = "getEimPackage";
            match eim.get_eim_package(&req).await {
                Ok(resp) => {
                    count(
                        F,
                        match &resp {
                            GetEimPackageResponse::EuiccPackageRequest(_) => "euiccPackage",
                            GetEimPackageResponse::IpaEuiccDataRequest(_) => "ipaEuiccData",
                            GetEimPackageResponse::ProfileDownloadTriggerRequest(_) => {
                                "profileDownloadTrigger"
                            }
                            GetEimPackageResponse::EimPackageError(e)
                                if *e == EimPackageError::NO_EIM_PACKAGE_AVAILABLE =>
                            {
                                "noEimPackageAvailable"
                            }
                            GetEimPackageResponse::EimPackageError(_) => "eimPackageError",
                        },
                    );
                    encode(&Out::GetEimPackageResponse(resp))
                }
                Err(e) => failed(F, &e),
            }
        }
        In::ProvideEimPackageResult(req) => {
            const F: &str = "provideEimPackageResult";
            match eim.provide_result(&req).await {
                Ok(resp) => {
                    count(
                        F,
                        match &resp {
                            ProvideEimPackageResultResponse::ProvideEimPackageResultError(_) => {
                                "error"
                            }
                            _ => "accepted",
                        },
                    );
                    encode(&Out::ProvideEimPackageResultResponse(resp))
                }
                Err(EimError::Refused(_)) => {
                    count(F, "refused");
                    encode(&Out::ProvideEimPackageResultResponse(
                        ProvideEimPackageResultResponse::ProvideEimPackageResultError(
                            ProvideEimPackageResultError::UNDEFINED_ERROR,
                        ),
                    ))
                }
                Err(e) => failed(F, &e),
            }
        }
        In::HandleNotificationEsipa(n) => {
            const F: &str = "handleNotification";
            match eim.handle_notification(&n).await {
                Ok(()) => {
                    count(F, "accepted");
                    asn1_binding::no_content()
                }
                Err(EimError::Refused(reason)) => {
                    // No response message to carry a refusal (§5.14.4): acknowledged, logged.
                    tracing::info!(%reason, "notification result refused");
                    count(F, "refused");
                    asn1_binding::no_content()
                }
                Err(e) => failed(F, &e),
            }
        }
        // Indirect Profile download through the eIM (§3.2.3) is not offered yet.
        In::InitiateAuthenticationRequestEsipa(_) => {
            count("initiateAuthentication", "notSupported");
            encode(&Out::InitiateAuthenticationResponseEsipa(
                InitiateAuthenticationResponseEsipa::InitiateAuthenticationErrorEsipa(
                    InitiateAuthenticationErrorEsipa::UNDEFINED_ERROR,
                ),
            ))
        }
        In::AuthenticateClientRequestEsipa(_) => {
            count("authenticateClient", "notSupported");
            encode(&Out::AuthenticateClientResponseEsipa(
                AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(
                    AuthenticateClientErrorEsipa::UNDEFINED_ERROR,
                ),
            ))
        }
        In::GetBoundProfilePackageRequestEsipa(_) => {
            count("getBoundProfilePackage", "notSupported");
            encode(&Out::GetBoundProfilePackageResponseEsipa(
                GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageErrorEsipa(
                    GetBoundProfilePackageErrorEsipa::UNDEFINED_ERROR,
                ),
            ))
        }
        In::CancelSessionRequestEsipa(_) => {
            count("cancelSession", "notSupported");
            encode(&Out::CancelSessionResponseEsipa(
                CancelSessionResponseEsipa::CancelSessionError(
                    CancelSessionErrorEsipa::UNDEFINED_ERROR,
                ),
            ))
        }
        In::TransferEimPackageResponse(_) => {
            count("transferEimPackage", "badRequest");
            asn1_binding::bad_request("esipa", &RspError::ProtocolFormatInvalid)
        }
    }
}
