//! ESipa over HTTPS, ASN.1 binding (SGP.32 v1.2 §6.1, §6.3): `POST /gsma/rsp2/asn1` with
//! `Content-Type: application/x-gsma-rsp-asn1`, one DER `EsipaMessageFromIpaToEim` in, one
//! DER `EsipaMessageFromEimToIpa` out with HTTP 200 (HTTP 204 without body for
//! HandleNotification, which has no response).
//!
//! Functions: GetEimPackage (§5.14.6), ProvideEimPackageResult (§5.14.7),
//! HandleNotification (§5.14.4), and the indirect download relays (InitiateAuthentication,
//! AuthenticateClient, GetBoundProfilePackage, CancelSession, §5.14.1–§5.14.5) through
//! [`rsp_eim::relay`] and the ES9+ ASN.1 client [`Es9Relay`]. A body
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
    AuthenticateClientResponseEsipa, CancelSessionResponseEsipa, EimPackageError,
    EsipaMessageFromEimToIpa, EsipaMessageFromIpaToEim, GetBoundProfilePackageResponseEsipa,
    GetEimPackageResponse, InitiateAuthenticationResponseEsipa, ProvideEimPackageResultError,
    ProvideEimPackageResultResponse,
};
use rsp_codec::status::RspError;
use rsp_eim::{Eim, EimError, EimStore, RelayStore};

pub use crate::es9plus_relay::Es9Relay;

use crate::asn1_binding::{self, ASN1_PATH, asn1_response, is_asn1_content_type};

/// The ESipa route of an eIM; `es9` reaches the SM-DP+s of indirect downloads.
pub fn router<S: EimStore + RelayStore + 'static>(eim: Arc<Eim<S>>, es9: Es9Relay) -> Router {
    Router::new()
        .route(ASN1_PATH, post(handle::<S>))
        .with_state((eim, es9))
}

/// A relayed call's answer: counted `relayed` or `refused` (the SM-DP+'s or the eIM's
/// error alternative), 500 when the eIM could not relay at all (SM-DP+ unreachable,
/// storage failure).
fn relayed<T>(
    function: &'static str,
    result: Result<T, EimError>,
    message: impl FnOnce(T) -> (bool, EsipaMessageFromEimToIpa),
) -> Outcome {
    match result {
        Ok(r) => {
            let (ok, out) = message(r);
            count(function, if ok { "relayed" } else { "refused" });
            encode(&out)
        }
        Err(e) => failed(function, &e),
    }
}

/// `rsp_esipa_calls_total{function,result}`.
fn count(function: &'static str, result: &'static str) {
    metrics::counter!("rsp_esipa_calls_total", "function" => function, "result" => result)
        .increment(1);
}

fn encode(message: &EsipaMessageFromEimToIpa) -> Outcome {
    match rsp_codec::asn1::encode(message) {
        Ok(der) => Outcome::Answer(der),
        Err(e) => {
            tracing::error!(error = %e, "ESipa response not encodable");
            Outcome::ServerError
        }
    }
}

fn failed(function: &'static str, e: &EimError) -> Outcome {
    tracing::error!(function, error = %e, "ESipa call failed");
    count(function, "error");
    Outcome::ServerError
}

/// What one ESipa exchange gives back, whatever carries it (HTTPS here, CoAP in
/// [`crate::esipa_coap`]).
#[derive(Debug)]
pub enum Outcome {
    /// One DER `EsipaMessageFromEimToIpa`.
    Answer(Vec<u8>),
    /// No answer message (HandleNotification, §5.14.4).
    NoContent,
    /// Not one ESipa request the eIM takes.
    BadRequest,
    /// The eIM failed (storage, SM-DP+ unreachable in a relay, encoding).
    ServerError,
}

async fn handle<S: EimStore + RelayStore + 'static>(
    State((eim, es9)): State<(Arc<Eim<S>>, Es9Relay)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let content_type = crate::binding::content_type(&headers);
    if !content_type.is_some_and(is_asn1_content_type) {
        count("unknown", "badRequest");
        return asn1_binding::bad_request("esipa", &RspError::ProtocolFormatInvalid);
    }
    match exchange(&eim, &es9, &body).await {
        Outcome::Answer(der) => asn1_response(der),
        Outcome::NoContent => asn1_binding::no_content(),
        Outcome::BadRequest => asn1_binding::bad_request("esipa", &RspError::ProtocolFormatInvalid),
        Outcome::ServerError => asn1_binding::server_error(),
    }
}

/// One ESipa exchange: the DER request `body` decoded, served, the answer encoded.
pub async fn exchange<S: EimStore + RelayStore + 'static>(
    eim: &Eim<S>,
    es9: &Es9Relay,
    body: &[u8],
) -> Outcome {
    use EsipaMessageFromEimToIpa as Out;
    use EsipaMessageFromIpaToEim as In;
    let message = match rsp_codec::asn1::decode::<EsipaMessageFromIpaToEim>(body) {
        Ok(m) => m,
        Err(e) => {
            tracing::info!(error = %e, "ESipa body not decodable");
            count("unknown", "badRequest");
            return Outcome::BadRequest;
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
                    Outcome::NoContent
                }
                Err(EimError::Refused(reason)) => {
                    // No response message to carry a refusal (§5.14.4): acknowledged, logged.
                    tracing::info!(%reason, "notification result refused");
                    count(F, "refused");
                    Outcome::NoContent
                }
                Err(e) => failed(F, &e),
            }
        }
        // Indirect Profile download (§3.2, §5.14.1–§5.14.5): relayed to the SM-DP+.
        In::InitiateAuthenticationRequestEsipa(req) => {
            let r = eim.relay_initiate_authentication(&req, es9).await;
            relayed("initiateAuthentication", r, |r| {
                let ok = matches!(
                    r,
                    InitiateAuthenticationResponseEsipa::InitiateAuthenticationOkEsipa(_)
                );
                (ok, Out::InitiateAuthenticationResponseEsipa(r))
            })
        }
        In::AuthenticateClientRequestEsipa(req) => {
            let r = eim.relay_authenticate_client(&req, es9).await;
            relayed("authenticateClient", r, |r| {
                let ok = !matches!(
                    r,
                    AuthenticateClientResponseEsipa::AuthenticateClientErrorEsipa(_)
                );
                (ok, Out::AuthenticateClientResponseEsipa(r))
            })
        }
        In::GetBoundProfilePackageRequestEsipa(req) => {
            let r = eim.relay_get_bound_profile_package(&req, es9).await;
            relayed("getBoundProfilePackage", r, |r| {
                let ok = matches!(
                    r,
                    GetBoundProfilePackageResponseEsipa::GetBoundProfilePackageOkEsipa(_)
                );
                (ok, Out::GetBoundProfilePackageResponseEsipa(r))
            })
        }
        In::CancelSessionRequestEsipa(req) => {
            let r = eim.relay_cancel_session(&req, es9).await;
            relayed("cancelSession", r, |r| {
                let ok = matches!(r, CancelSessionResponseEsipa::CancelSessionOk(_));
                (ok, Out::CancelSessionResponseEsipa(r))
            })
        }
        In::TransferEimPackageResponse(_) => {
            count("transferEimPackage", "badRequest");
            Outcome::BadRequest
        }
    }
}
