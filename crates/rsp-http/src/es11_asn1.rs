//! ES11 over the ASN.1 binding (SGP.22 v2.5 §6.6): the SM-DS answers `POST /gsma/rsp2/asn1`
//! with `Content-Type: application/x-gsma-rsp-asn1` and `X-Admin-Protocol: gsma/rsp/v2.x.y`,
//! one DER `RemoteProfileProvisioningRequest` in, one DER `RemoteProfileProvisioningResponse`
//! out with HTTP 200.
//!
//! ES11 has two functions (§5.8): `initiateAuthenticationRequest` (BF39, its `serverAddress`
//! field naming the SM-DS), answered `InitiateAuthenticationResponse` (BF39) as for ES9+;
//! and `authenticateClientRequest` (BF3B), answered `AuthenticateClientResponseEs11` (BF40)
//! with the eUICC's Event Records. A function failure is the function's own error
//! alternative with the INTEGER of [`error_code`]; any other request (the ES9+-only
//! functions included) and anything not of the binding get HTTP 400 without body, as on the
//! SM-DP+ ([`crate::es9plus_asn1`]), whose envelope handling this module shares
//! ([`crate::asn1_binding`]).
//!
//! The eUICC-produced parts (`EUICCInfo1`, `AuthenticateServerResponse`) go to [`Es11`] as
//! the bytes received, sliced out of the body, never re-encoded.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use rsp_codec::asn1::{
    self, AuthenticateClientErrorEs11, AuthenticateClientResponseEs11, InitiateAuthenticationError,
    InitiateAuthenticationResponse, Octet16, RemoteProfileProvisioningRequest,
    RemoteProfileProvisioningResponse,
};
use rsp_codec::json::Es11Function;
use rsp_codec::status::RspError;
use rsp_smds::es11::Es11;
use rsp_smds::{SmdsError, SmdsStore};

use crate::asn1_binding::{
    self, ASN1_PATH, Envelope, ErrorTable, asn1_response, check_headers, peek_request_tag,
};
use crate::es11::record;

/// The ES11 ASN.1 route of an SM-DS.
pub fn router<S: SmdsStore + 'static>(service: Arc<Es11<S>>) -> Router {
    Router::new()
        .route(ASN1_PATH, post(handle::<S>))
        .with_state(service)
}

// ----------------------------------------------------------------- error INTEGERs

/// §5.8.1 → `InitiateAuthenticationResponse.initiateAuthenticationError`: the SM-DS codes
/// take the INTEGERs of their SM-DP+ counterparts (§6.6 has one list for both).
const INITIATE_AUTHENTICATION: ErrorTable = &[
    (
        RspError::SmdsAddressRefused,
        InitiateAuthenticationError::INVALID_DP_ADDRESS.0,
    ),
    (
        RspError::SmdsSvnUnsupported,
        InitiateAuthenticationError::EUICC_VERSION_NOT_SUPPORTED_BY_DP.0,
    ),
    (
        RspError::SmdsSecurityConfigurationUnsupported,
        InitiateAuthenticationError::CI_PK_NOT_SUPPORTED.0,
    ),
    // 8.9.4/3.7: no CERT.DSauth under any CI the eUICC supports, i.e. no usable CI.
    (
        RspError::SmdsCertificateUnavailable,
        InitiateAuthenticationError::CI_PK_NOT_SUPPORTED.0,
    ),
];

/// §5.8.2 → `AuthenticateClientResponseEs11.authenticateClientError`.
const AUTHENTICATE_CLIENT: ErrorTable = &[
    (
        RspError::EumCertificateInvalid,
        AuthenticateClientErrorEs11::EUM_CERTIFICATE_INVALID.0,
    ),
    (
        RspError::EumCertificateExpired,
        AuthenticateClientErrorEs11::EUM_CERTIFICATE_EXPIRED.0,
    ),
    (
        RspError::EuiccCertificateInvalid,
        AuthenticateClientErrorEs11::EUICC_CERTIFICATE_INVALID.0,
    ),
    (
        RspError::EuiccCertificateExpired,
        AuthenticateClientErrorEs11::EUICC_CERTIFICATE_EXPIRED.0,
    ),
    (
        RspError::EuiccVerificationFailed,
        AuthenticateClientErrorEs11::EUICC_SIGNATURE_INVALID.0,
    ),
    (
        RspError::EventUnknown,
        AuthenticateClientErrorEs11::EVENT_ID_UNKNOWN.0,
    ),
    (
        RspError::TransactionIdUnknown,
        AuthenticateClientErrorEs11::INVALID_TRANSACTION_ID.0,
    ),
];

/// The ASN.1 error INTEGER of ES11 `function` for status code `error` (SGP.22 §5.8.1 and
/// §5.8.2 name the status codes, §6.6 the INTEGERs);
/// [`UNDEFINED_ERROR`](crate::asn1_binding::UNDEFINED_ERROR) when the function's list has
/// none for it (e.g. an untrusted CI, 8.11.1/3.9, or an execution error).
pub fn error_code(function: Es11Function, error: &RspError) -> i64 {
    let table = match function {
        Es11Function::InitiateAuthentication => INITIATE_AUTHENTICATION,
        Es11Function::AuthenticateClient => AUTHENTICATE_CLIENT,
    };
    asn1_binding::error_code(table, error)
}

/// The error alternative of `function`'s response carrying `code`.
fn error_response(function: Es11Function, code: i64) -> RemoteProfileProvisioningResponse {
    use RemoteProfileProvisioningResponse as R;
    match function {
        Es11Function::InitiateAuthentication => R::InitiateAuthenticationResponse(
            InitiateAuthenticationResponse::InitiateAuthenticationError(code.into()),
        ),
        Es11Function::AuthenticateClient => R::AuthenticateClientResponseEs11(
            AuthenticateClientResponseEs11::AuthenticateClientError(code.into()),
        ),
    }
}

// ------------------------------------------------------------------ request parsing

/// One decoded ES11 request, its eUICC-produced parts as received.
#[derive(Debug, PartialEq, Eq)]
enum Call<'a> {
    InitiateAuthentication {
        euicc_challenge: Octet16,
        /// The `serverAddress` field (`smdpAddress` in the ASN.1 type): the SM-DS address.
        smds_address: String,
        /// `EUICCInfo1` TLV (BF20).
        euicc_info1: &'a [u8],
    },
    AuthenticateClient {
        transaction_id: Vec<u8>,
        /// `AuthenticateServerResponse` TLV (BF38).
        response: &'a [u8],
    },
}

impl Call<'_> {
    fn function(&self) -> Es11Function {
        match self {
            Call::InitiateAuthentication { .. } => Es11Function::InitiateAuthentication,
            Call::AuthenticateClient { .. } => Es11Function::AuthenticateClient,
        }
    }
}

/// Why a body is not an ES11 request.
#[derive(Debug, PartialEq, Eq)]
enum NotEs11 {
    /// Not one DER `RemoteProfileProvisioningRequest`.
    Malformed,
    /// A request of the binding that ES11 does not have (GetBoundProfilePackage,
    /// CancelSession, HandleNotification: ES9+ only).
    OtherFunction,
}

/// Decodes `body` (checked as a whole by the codec) and slices the eUICC parts out of it.
fn parse(body: &[u8]) -> Result<Call<'_>, NotEs11> {
    use RemoteProfileProvisioningRequest as Q;
    let request: RemoteProfileProvisioningRequest =
        asn1::decode(body).map_err(|_| NotEs11::Malformed)?;
    let envelope = Envelope::parse(body).ok_or(NotEs11::Malformed)?;
    let field = |tag: &[u8]| envelope.field(tag).ok_or(NotEs11::Malformed);
    Ok(match request {
        Q::InitiateAuthenticationRequest(r) => Call::InitiateAuthentication {
            euicc_challenge: r.euicc_challenge,
            smds_address: r.smdp_address,
            euicc_info1: field(&[0xBF, 0x20])?.raw,
        },
        Q::AuthenticateClientRequest(r) => Call::AuthenticateClient {
            transaction_id: r.transaction_id.as_bytes().to_vec(),
            response: field(&[0xBF, 0x38])?.raw,
        },
        Q::GetBoundProfilePackageRequest(_)
        | Q::CancelSessionRequestEs9(_)
        | Q::HandleNotification(_) => return Err(NotEs11::OtherFunction),
    })
}

/// The ES11 function a body is meant for, from its tags only (for counting refusals).
fn peek_function(body: &[u8]) -> Option<Es11Function> {
    match peek_request_tag(body)? {
        [0xBF, 0x39] => Some(Es11Function::InitiateAuthentication),
        [0xBF, 0x3B] => Some(Es11Function::AuthenticateClient),
        _ => None,
    }
}

// ------------------------------------------------------------------------ responses

/// HTTP 400 without body: not an ES11 request of this binding.
fn bad_request(function: Option<Es11Function>, error: &RspError) -> Response {
    if let Some(f) = function {
        record(f, Some(error));
    }
    asn1_binding::bad_request("ES11", error)
}

/// The function's error alternative for `error`.
fn failed(function: Es11Function, error: &RspError) -> Response {
    record(function, Some(error));
    match asn1::encode(&error_response(function, error_code(function, error))) {
        Ok(der) => asn1_response(der),
        Err(e) => {
            tracing::error!(function = function.name(), error = %e, "ES11 error encoding failed");
            asn1_binding::server_error()
        }
    }
}

/// The Ok alternative built by `ok`, or the error alternative of the failure.
fn answer<T>(
    function: Es11Function,
    result: Result<T, SmdsError>,
    ok: impl FnOnce(T) -> RemoteProfileProvisioningResponse,
) -> Response {
    match result {
        Ok(value) => match asn1::encode(&ok(value)) {
            Ok(der) => {
                record(function, None);
                asn1_response(der)
            }
            Err(e) => {
                tracing::error!(function = function.name(), error = %e, "ES11 response encoding failed");
                failed(function, &RspError::ExecutionError)
            }
        },
        Err(e) => {
            match &e {
                SmdsError::Rejected(_) => {
                    tracing::info!(function = function.name(), error = %e, "ES11 refused")
                }
                _ => tracing::error!(function = function.name(), error = %e, "ES11 failed"),
            }
            failed(function, &e.rsp_error())
        }
    }
}

// ------------------------------------------------------------------------- handler

async fn handle<S: SmdsStore>(
    State(svc): State<Arc<Es11<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    use RemoteProfileProvisioningResponse as R;
    if let Err(e) = check_headers(&headers) {
        return bad_request(peek_function(&body), &e);
    }
    let call = match parse(&body) {
        Ok(call) => call,
        Err(NotEs11::Malformed) => {
            return bad_request(peek_function(&body), &RspError::ProtocolFormatInvalid);
        }
        // No status code names "not this interface": logged as a format error.
        Err(NotEs11::OtherFunction) => {
            return bad_request(None, &RspError::ProtocolFormatInvalid);
        }
    };
    let function = call.function();
    match call {
        Call::InitiateAuthentication {
            euicc_challenge,
            smds_address,
            euicc_info1,
        } => {
            let result = svc
                .initiate_authentication(euicc_challenge.as_bytes(), euicc_info1, &smds_address)
                .await;
            answer(function, result, |ok| {
                R::InitiateAuthenticationResponse(
                    InitiateAuthenticationResponse::InitiateAuthenticationOk(Box::new(ok)),
                )
            })
        }
        Call::AuthenticateClient {
            transaction_id,
            response,
        } => {
            let result = svc.authenticate_client(&transaction_id, response).await;
            answer(function, result, |ok| {
                R::AuthenticateClientResponseEs11(
                    AuthenticateClientResponseEs11::AuthenticateClientOk(ok),
                )
            })
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::asn1_binding::UNDEFINED_ERROR;
    use rsp_codec::status::RspError as E;

    #[test]
    fn error_codes_per_function() {
        use Es11Function as F;
        let cases: &[(F, E, i64)] = &[
            (F::InitiateAuthentication, E::SmdsAddressRefused, 1),
            (F::InitiateAuthentication, E::SmdsSvnUnsupported, 2),
            (
                F::InitiateAuthentication,
                E::SmdsSecurityConfigurationUnsupported,
                3,
            ),
            (F::InitiateAuthentication, E::SmdsCertificateUnavailable, 3),
            (F::InitiateAuthentication, E::EuiccVerificationFailed, 127),
            (F::AuthenticateClient, E::EumCertificateInvalid, 1),
            (F::AuthenticateClient, E::EumCertificateExpired, 2),
            (F::AuthenticateClient, E::EuiccCertificateInvalid, 3),
            (F::AuthenticateClient, E::EuiccCertificateExpired, 4),
            (F::AuthenticateClient, E::EuiccVerificationFailed, 5),
            (F::AuthenticateClient, E::EventUnknown, 6),
            (F::AuthenticateClient, E::TransactionIdUnknown, 7),
            (F::AuthenticateClient, E::CiPublicKeyUnknown, 127),
        ];
        for (f, e, code) in cases {
            assert_eq!(error_code(*f, e), *code, "{f:?} {e:?}");
        }
        for f in [F::InitiateAuthentication, F::AuthenticateClient] {
            for generic in [
                E::ExecutionError,
                E::ProtocolFormatInvalid,
                E::ProtocolVersionUnsupported,
            ] {
                assert_eq!(error_code(f, &generic), UNDEFINED_ERROR);
            }
            // Every table entry is one of the function's own status codes (§5.8.x).
            let specific = RspError::specific_to(rsp_codec::json::Function::Es11(f));
            let table = match f {
                F::InitiateAuthentication => INITIATE_AUTHENTICATION,
                F::AuthenticateClient => AUTHENTICATE_CLIENT,
            };
            for (e, _) in table {
                assert!(specific.contains(e), "{f:?}: {e:?}");
            }
        }
    }

    #[test]
    fn error_alternatives_encode() {
        let der = asn1::encode(&error_response(Es11Function::InitiateAuthentication, 1)).unwrap();
        // A2 { BF39 { 81 01 01 } }
        assert_eq!(der, [0xA2, 0x06, 0xBF, 0x39, 0x03, 0x81, 0x01, 0x01]);
        let der = asn1::encode(&error_response(Es11Function::AuthenticateClient, 7)).unwrap();
        // A2 { BF40 { 81 01 07 } }
        assert_eq!(der, [0xA2, 0x06, 0xBF, 0x40, 0x03, 0x81, 0x01, 0x07]);
    }

    #[test]
    fn es9plus_only_requests_are_not_es11() {
        // A2 { BF41 { 80 01 07, A1 { 81 01 05 } } }: CancelSession.
        let body = [
            0xA2, 0x0B, 0xBF, 0x41, 0x08, 0x80, 0x01, 0x07, 0xA1, 0x03, 0x81, 0x01, 0x05,
        ];
        assert_eq!(parse(&body), Err(NotEs11::OtherFunction));
        assert_eq!(peek_function(&body), None);
        // A2 { BF3D { A0 { 04 01 AA } } }: HandleNotification.
        let body = [0xA2, 0x08, 0xBF, 0x3D, 0x05, 0xA0, 0x03, 0x04, 0x01, 0xAA];
        assert_eq!(parse(&body), Err(NotEs11::OtherFunction));
        for body in [&[][..], &[0x30, 0x00], &[0xA2, 0x05, 0xBF, 0x39, 0x00]] {
            assert_eq!(parse(body), Err(NotEs11::Malformed), "{body:02x?}");
        }
        assert_eq!(
            peek_function(&[0xA2, 0x81, 0x90, 0xBF, 0x3B]),
            Some(Es11Function::AuthenticateClient)
        );
    }
}
