//! ES9+ over the ASN.1 binding (SGP.22 v2.5 §6.6): `POST /gsma/rsp2/asn1` with
//! `Content-Type: application/x-gsma-rsp-asn1` and `X-Admin-Protocol: gsma/rsp/v2.x.y`, one
//! DER `RemoteProfileProvisioningRequest` in, one DER `RemoteProfileProvisioningResponse`
//! out with HTTP 200; HandleNotification is answered HTTP 204 without body.
//!
//! A function failure is the function's own error alternative with the INTEGER of
//! [`error_code`] (§5.6.1–§5.6.5). A request that is not the binding's (content type,
//! protocol version, body not one DER `RemoteProfileProvisioningRequest`) gets HTTP 400
//! without body: the ASN.1 binding has no response carrying a generic status code.
//!
//! The eUICC-produced parts go to [`Es9Plus`] as the bytes received, sliced out of the body
//! and never re-encoded: the eUICC signatures cover them, and `rasn` accepts some non-DER
//! input that a re-encoding would silently change. The header checks, the slicing and the
//! responses are the binding's common parts ([`crate::asn1_binding`]), shared with ES11.

use std::sync::Arc;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::response::Response;
use axum::routing::post;
use rsp_codec::asn1::{
    self, AuthenticateClientErrorEs9, AuthenticateClientResponseEs9, CancelSessionErrorEs9,
    CancelSessionOk, CancelSessionResponseEs9, GetBoundProfilePackageError,
    GetBoundProfilePackageResponse, InitiateAuthenticationError, InitiateAuthenticationResponse,
    Octet16, RemoteProfileProvisioningRequest, RemoteProfileProvisioningResponse,
};
use rsp_codec::json::Es9PlusFunction;
use rsp_codec::status::RspError;
use rsp_crypto::scp03t::{encode_tlv, parse_tlv};
use rsp_smdpp::es9plus::{Es9Plus, Es9PlusError};
use rsp_smdpp::session::SessionStore;
use rsp_smdpp::store::InventoryStore;

use crate::asn1_binding::{
    self, Envelope, ErrorTable, asn1_response, check_headers, peek_request_tag,
};
pub use crate::asn1_binding::{ASN1_CONTENT_TYPE, ASN1_PATH, UNDEFINED_ERROR};
use crate::es9plus::record;

/// The ES9+ ASN.1 route.
pub fn router<S>(service: Arc<Es9Plus<S>>) -> Router
where
    S: InventoryStore + SessionStore + 'static,
{
    Router::new()
        .route(ASN1_PATH, post(handle::<S>))
        .with_state(service)
}

// ----------------------------------------------------------------- error INTEGERs

/// §5.6.1 → `InitiateAuthenticationResponse.initiateAuthenticationError`.
const INITIATE_AUTHENTICATION: ErrorTable = &[
    (
        RspError::SmdpAddressRefused,
        InitiateAuthenticationError::INVALID_DP_ADDRESS.0,
    ),
    (
        RspError::SmdpSvnUnsupported,
        InitiateAuthenticationError::EUICC_VERSION_NOT_SUPPORTED_BY_DP.0,
    ),
    (
        RspError::SmdpSecurityConfigurationUnsupported,
        InitiateAuthenticationError::CI_PK_NOT_SUPPORTED.0,
    ),
    // 8.8.4/3.7: no CERT.DPauth under any CI the eUICC supports, i.e. no usable CI.
    (
        RspError::SmdpCertificateUnavailable,
        InitiateAuthenticationError::CI_PK_NOT_SUPPORTED.0,
    ),
];

/// §5.6.3 → `AuthenticateClientResponseEs9.authenticateClientError`.
const AUTHENTICATE_CLIENT: ErrorTable = &[
    (
        RspError::EumCertificateInvalid,
        AuthenticateClientErrorEs9::EUM_CERTIFICATE_INVALID.0,
    ),
    (
        RspError::EumCertificateExpired,
        AuthenticateClientErrorEs9::EUM_CERTIFICATE_EXPIRED.0,
    ),
    (
        RspError::EuiccCertificateInvalid,
        AuthenticateClientErrorEs9::EUICC_CERTIFICATE_INVALID.0,
    ),
    (
        RspError::EuiccCertificateExpired,
        AuthenticateClientErrorEs9::EUICC_CERTIFICATE_EXPIRED.0,
    ),
    (
        RspError::EuiccVerificationFailed,
        AuthenticateClientErrorEs9::EUICC_SIGNATURE_INVALID.0,
    ),
    (
        RspError::MatchingIdRefused,
        AuthenticateClientErrorEs9::MATCHING_ID_REFUSED.0,
    ),
    (
        RspError::EidRefused,
        AuthenticateClientErrorEs9::EID_MISMATCH.0,
    ),
    (
        RspError::NoEligibleProfile,
        AuthenticateClientErrorEs9::NO_ELIGIBLE_PROFILE.0,
    ),
    (
        RspError::CiPublicKeyUnknown,
        AuthenticateClientErrorEs9::CI_PK_UNKNOWN.0,
    ),
    (
        RspError::TransactionIdUnknown,
        AuthenticateClientErrorEs9::INVALID_TRANSACTION_ID.0,
    ),
    (
        RspError::EuiccInsufficientMemory,
        AuthenticateClientErrorEs9::INSUFFICIENT_MEMORY.0,
    ),
];

/// §5.6.2 → `GetBoundProfilePackageResponse.getBoundProfilePackageError`.
const GET_BOUND_PROFILE_PACKAGE: ErrorTable = &[
    (
        RspError::EuiccVerificationFailed,
        GetBoundProfilePackageError::EUICC_SIGNATURE_INVALID.0,
    ),
    (
        RspError::ConfirmationCodeMissing,
        GetBoundProfilePackageError::CONFIRMATION_CODE_MISSING.0,
    ),
    (
        RspError::ConfirmationCodeRefused,
        GetBoundProfilePackageError::CONFIRMATION_CODE_REFUSED.0,
    ),
    (
        RspError::ConfirmationCodeRetriesExceeded,
        GetBoundProfilePackageError::CONFIRMATION_CODE_RETRIES_EXCEEDED.0,
    ),
    (
        RspError::BppUnavailable,
        GetBoundProfilePackageError::BPP_REBINDING_REFUSED.0,
    ),
    (
        RspError::DownloadOrderExpired,
        GetBoundProfilePackageError::DOWNLOAD_ORDER_EXPIRED.0,
    ),
    (
        RspError::TransactionIdUnknown,
        GetBoundProfilePackageError::INVALID_TRANSACTION_ID.0,
    ),
];

/// §5.6.5 → `CancelSessionResponseEs9.cancelSessionError`.
const CANCEL_SESSION: ErrorTable = &[
    (
        RspError::TransactionIdUnknown,
        CancelSessionErrorEs9::INVALID_TRANSACTION_ID.0,
    ),
    (
        RspError::EuiccVerificationFailed,
        CancelSessionErrorEs9::EUICC_SIGNATURE_INVALID.0,
    ),
];

/// The ASN.1 error INTEGER of `function` for status code `error` (SGP.22 §5.6.1–§5.6.5
/// name the status code of each error, §6.6 the INTEGERs); [`UNDEFINED_ERROR`] when the
/// function's list has none for it. `None` for HandleNotification, which has no error
/// response (§5.6.4).
pub fn error_code(function: Es9PlusFunction, error: &RspError) -> Option<i64> {
    let table = match function {
        Es9PlusFunction::InitiateAuthentication => INITIATE_AUTHENTICATION,
        Es9PlusFunction::AuthenticateClient => AUTHENTICATE_CLIENT,
        Es9PlusFunction::GetBoundProfilePackage => GET_BOUND_PROFILE_PACKAGE,
        Es9PlusFunction::CancelSession => CANCEL_SESSION,
        Es9PlusFunction::HandleNotification => return None,
    };
    Some(asn1_binding::error_code(table, error))
}

/// The error alternative of `function`'s response carrying `code`.
fn error_response(
    function: Es9PlusFunction,
    code: i64,
) -> Option<RemoteProfileProvisioningResponse> {
    use RemoteProfileProvisioningResponse as R;
    Some(match function {
        Es9PlusFunction::InitiateAuthentication => R::InitiateAuthenticationResponse(
            InitiateAuthenticationResponse::InitiateAuthenticationError(code.into()),
        ),
        Es9PlusFunction::AuthenticateClient => R::AuthenticateClientResponseEs9(
            AuthenticateClientResponseEs9::AuthenticateClientError(code.into()),
        ),
        Es9PlusFunction::GetBoundProfilePackage => R::GetBoundProfilePackageResponse(
            GetBoundProfilePackageResponse::GetBoundProfilePackageError(code.into()),
        ),
        Es9PlusFunction::CancelSession => {
            R::CancelSessionResponseEs9(CancelSessionResponseEs9::CancelSessionError(code.into()))
        }
        Es9PlusFunction::HandleNotification => return None,
    })
}

// ------------------------------------------------------------------ request parsing

/// One decoded request, its eUICC-produced parts as received.
#[derive(Debug, PartialEq, Eq)]
enum Call<'a> {
    InitiateAuthentication {
        euicc_challenge: Octet16,
        smdp_address: String,
        /// `EUICCInfo1` TLV (BF20).
        euicc_info1: &'a [u8],
    },
    AuthenticateClient {
        transaction_id: Vec<u8>,
        /// `AuthenticateServerResponse` TLV (BF38).
        response: &'a [u8],
    },
    GetBoundProfilePackage {
        transaction_id: Vec<u8>,
        /// `PrepareDownloadResponse` TLV (BF21).
        response: &'a [u8],
    },
    HandleNotification {
        /// `PendingNotification` TLV (BF37 or 30).
        notification: &'a [u8],
    },
    CancelSession {
        transaction_id: Vec<u8>,
        /// `CancelSessionResponse` (BF41), see [`parse`].
        response: Vec<u8>,
    },
}

impl Call<'_> {
    fn function(&self) -> Es9PlusFunction {
        match self {
            Call::InitiateAuthentication { .. } => Es9PlusFunction::InitiateAuthentication,
            Call::AuthenticateClient { .. } => Es9PlusFunction::AuthenticateClient,
            Call::GetBoundProfilePackage { .. } => Es9PlusFunction::GetBoundProfilePackage,
            Call::HandleNotification { .. } => Es9PlusFunction::HandleNotification,
            Call::CancelSession { .. } => Es9PlusFunction::CancelSession,
        }
    }
}

/// Decodes `body` (checked as a whole by the codec) and slices the eUICC parts out of it.
fn parse(body: &[u8]) -> Option<Call<'_>> {
    use RemoteProfileProvisioningRequest as Q;
    let request: RemoteProfileProvisioningRequest = asn1::decode(body).ok()?;
    let envelope = Envelope::parse(body)?;
    let field = |tag: &[u8]| envelope.field(tag);
    Some(match request {
        Q::InitiateAuthenticationRequest(r) => Call::InitiateAuthentication {
            euicc_challenge: r.euicc_challenge,
            smdp_address: r.smdp_address,
            euicc_info1: field(&[0xBF, 0x20])?.raw,
        },
        Q::AuthenticateClientRequest(r) => Call::AuthenticateClient {
            transaction_id: r.transaction_id.as_bytes().to_vec(),
            response: field(&[0xBF, 0x38])?.raw,
        },
        Q::GetBoundProfilePackageRequest(r) => Call::GetBoundProfilePackage {
            transaction_id: r.transaction_id.as_bytes().to_vec(),
            response: field(&[0xBF, 0x21])?.raw,
        },
        Q::HandleNotification(_) => {
            // `[0]` is explicit around the CHOICE (automatic tagging): A0 { BF37 | 30 }.
            let (notification, rest) = parse_tlv(field(&[0xA0])?.value).ok()?;
            if !rest.is_empty() {
                return None;
            }
            Call::HandleNotification {
                notification: notification.raw,
            }
        }
        Q::CancelSessionRequestEs9(r) => Call::CancelSession {
            transaction_id: r.transaction_id.as_bytes().to_vec(),
            // `[1]` replaces the BF41 tag of CancelSessionResponse (implicit over a tagged
            // CHOICE): restore it. The signed part inside is unchanged.
            response: encode_tlv(&[0xBF, 0x41], field(&[0xA1])?.value),
        },
    })
}

/// The function a body is meant for, from its tags only (for counting refusals).
fn peek_function(body: &[u8]) -> Option<Es9PlusFunction> {
    match peek_request_tag(body)? {
        [0xBF, 0x39] => Some(Es9PlusFunction::InitiateAuthentication),
        [0xBF, 0x3B] => Some(Es9PlusFunction::AuthenticateClient),
        [0xBF, 0x3A] => Some(Es9PlusFunction::GetBoundProfilePackage),
        [0xBF, 0x3D] => Some(Es9PlusFunction::HandleNotification),
        [0xBF, 0x41] => Some(Es9PlusFunction::CancelSession),
        _ => None,
    }
}

// ------------------------------------------------------------------------ responses

/// HTTP 400 without body: not a request of this binding.
fn bad_request(function: Option<Es9PlusFunction>, error: &RspError) -> Response {
    if let Some(f) = function {
        record(f, Some(error));
    }
    asn1_binding::bad_request("ES9+", error)
}

/// The function's error alternative for `error`.
fn failed(function: Es9PlusFunction, error: &RspError) -> Response {
    record(function, Some(error));
    let der = error_code(function, error)
        .and_then(|code| error_response(function, code))
        .and_then(|response| asn1::encode(&response).ok());
    match der {
        Some(der) => asn1_response(der),
        // HandleNotification has no error alternative: let the LPA retry later.
        None => asn1_binding::server_error(),
    }
}

fn log_failure(function: Es9PlusFunction, e: &Es9PlusError) {
    match e {
        Es9PlusError::Rejected(_) => {
            tracing::info!(function = function.name(), error = %e, "ES9+ refused")
        }
        _ => tracing::error!(function = function.name(), error = %e, "ES9+ failed"),
    }
}

/// The Ok alternative built by `ok`, or the error alternative of the failure.
fn answer<T>(
    function: Es9PlusFunction,
    result: Result<T, Es9PlusError>,
    ok: impl FnOnce(T) -> RemoteProfileProvisioningResponse,
) -> Response {
    match result {
        Ok(value) => match asn1::encode(&ok(value)) {
            Ok(der) => {
                record(function, None);
                asn1_response(der)
            }
            Err(e) => {
                tracing::error!(function = function.name(), error = %e, "ES9+ response encoding failed");
                failed(function, &RspError::ExecutionError)
            }
        },
        Err(e) => {
            log_failure(function, &e);
            failed(function, &e.rsp_error())
        }
    }
}

// ------------------------------------------------------------------------- handler

async fn handle<S: InventoryStore + SessionStore>(
    State(svc): State<Arc<Es9Plus<S>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    use RemoteProfileProvisioningResponse as R;
    if let Err(e) = check_headers(&headers) {
        return bad_request(peek_function(&body), &e);
    }
    let Some(call) = parse(&body) else {
        return bad_request(peek_function(&body), &RspError::ProtocolFormatInvalid);
    };
    let function = call.function();
    match call {
        Call::InitiateAuthentication {
            euicc_challenge,
            smdp_address,
            euicc_info1,
        } => {
            let result = svc
                .initiate_authentication(euicc_challenge.as_bytes(), euicc_info1, &smdp_address)
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
                R::AuthenticateClientResponseEs9(
                    AuthenticateClientResponseEs9::AuthenticateClientOk(Box::new(ok)),
                )
            })
        }
        Call::GetBoundProfilePackage {
            transaction_id,
            response,
        } => {
            let result = svc
                .get_bound_profile_package(&transaction_id, response)
                .await;
            answer(function, result, |ok| {
                R::GetBoundProfilePackageResponse(
                    GetBoundProfilePackageResponse::GetBoundProfilePackageOk(Box::new(ok)),
                )
            })
        }
        Call::CancelSession {
            transaction_id,
            response,
        } => {
            let result = svc.cancel_session(&transaction_id, &response).await;
            answer(function, result, |()| {
                R::CancelSessionResponseEs9(CancelSessionResponseEs9::CancelSessionOk(
                    CancelSessionOk::default(),
                ))
            })
        }
        Call::HandleNotification { notification } => {
            match svc.handle_notification(notification).await {
                // §6.6: HandleNotification has no response message: HTTP 204, no body.
                Ok(()) => {
                    record(function, None);
                    asn1_binding::no_content()
                }
                Err(e) => {
                    log_failure(function, &e);
                    failed(function, &e.rsp_error())
                }
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use rsp_codec::status::RspError as E;

    #[test]
    fn error_codes_per_function() {
        use Es9PlusFunction as F;
        let cases: &[(F, E, i64)] = &[
            (F::InitiateAuthentication, E::SmdpAddressRefused, 1),
            (F::InitiateAuthentication, E::SmdpSvnUnsupported, 2),
            (
                F::InitiateAuthentication,
                E::SmdpSecurityConfigurationUnsupported,
                3,
            ),
            (F::InitiateAuthentication, E::SmdpCertificateUnavailable, 3),
            (F::InitiateAuthentication, E::EuiccVerificationFailed, 127),
            (F::AuthenticateClient, E::EumCertificateInvalid, 1),
            (F::AuthenticateClient, E::EumCertificateExpired, 2),
            (F::AuthenticateClient, E::EuiccCertificateInvalid, 3),
            (F::AuthenticateClient, E::EuiccCertificateExpired, 4),
            (F::AuthenticateClient, E::EuiccVerificationFailed, 5),
            (F::AuthenticateClient, E::MatchingIdRefused, 6),
            (F::AuthenticateClient, E::EidRefused, 7),
            (F::AuthenticateClient, E::NoEligibleProfile, 8),
            (F::AuthenticateClient, E::CiPublicKeyUnknown, 9),
            (F::AuthenticateClient, E::TransactionIdUnknown, 10),
            (F::AuthenticateClient, E::EuiccInsufficientMemory, 11),
            (F::AuthenticateClient, E::ProfileNotReleased, 127),
            (F::AuthenticateClient, E::DownloadOrderRetriesExceeded, 127),
            (F::GetBoundProfilePackage, E::EuiccVerificationFailed, 1),
            (F::GetBoundProfilePackage, E::ConfirmationCodeMissing, 2),
            (F::GetBoundProfilePackage, E::ConfirmationCodeRefused, 3),
            (
                F::GetBoundProfilePackage,
                E::ConfirmationCodeRetriesExceeded,
                4,
            ),
            (F::GetBoundProfilePackage, E::BppUnavailable, 5),
            (F::GetBoundProfilePackage, E::DownloadOrderExpired, 6),
            (F::GetBoundProfilePackage, E::TransactionIdUnknown, 95),
            (F::CancelSession, E::TransactionIdUnknown, 1),
            (F::CancelSession, E::EuiccVerificationFailed, 2),
            (F::CancelSession, E::SmdpOidInvalid, 127),
        ];
        for (f, e, code) in cases {
            assert_eq!(error_code(*f, e), Some(*code), "{f:?} {e:?}");
        }
        for f in [
            F::InitiateAuthentication,
            F::AuthenticateClient,
            F::GetBoundProfilePackage,
            F::CancelSession,
        ] {
            for generic in [
                E::ExecutionError,
                E::ProtocolFormatInvalid,
                E::ProtocolVersionUnsupported,
            ] {
                assert_eq!(error_code(f, &generic), Some(UNDEFINED_ERROR));
            }
            // Every table entry is one of the function's own status codes (§5.6.x).
            let specific = RspError::specific_to(rsp_codec::json::Function::Es9Plus(f));
            let table = match f {
                F::InitiateAuthentication => INITIATE_AUTHENTICATION,
                F::AuthenticateClient => AUTHENTICATE_CLIENT,
                F::GetBoundProfilePackage => GET_BOUND_PROFILE_PACKAGE,
                _ => CANCEL_SESSION,
            };
            for (e, _) in table {
                assert!(specific.contains(e), "{f:?}: {e:?}");
            }
        }
        assert_eq!(error_code(F::HandleNotification, &E::ExecutionError), None);
    }

    #[test]
    fn error_alternatives_encode() {
        let der =
            asn1::encode(&error_response(Es9PlusFunction::InitiateAuthentication, 1).unwrap())
                .unwrap();
        // A2 { BF39 { 81 01 01 } }
        assert_eq!(der, [0xA2, 0x06, 0xBF, 0x39, 0x03, 0x81, 0x01, 0x01]);
        let der =
            asn1::encode(&error_response(Es9PlusFunction::CancelSession, 127).unwrap()).unwrap();
        assert_eq!(der, [0xA2, 0x06, 0xBF, 0x41, 0x03, 0x81, 0x01, 0x7F]);
        assert!(error_response(Es9PlusFunction::HandleNotification, 127).is_none());
    }

    #[test]
    fn cancel_session_response_gets_its_own_tag_back() {
        // A2 { BF41 { 80 01 07, A1 { 81 01 05 } } }: cancelSessionResponseError(5).
        let body = [
            0xA2, 0x0B, 0xBF, 0x41, 0x08, 0x80, 0x01, 0x07, 0xA1, 0x03, 0x81, 0x01, 0x05,
        ];
        assert_eq!(
            parse(&body),
            Some(Call::CancelSession {
                transaction_id: vec![0x07],
                response: vec![0xBF, 0x41, 0x03, 0x81, 0x01, 0x05],
            })
        );
        assert_eq!(peek_function(&body), Some(Es9PlusFunction::CancelSession));
    }

    #[test]
    fn handle_notification_unwraps_the_explicit_tag() {
        // A2 { BF3D { A0 { 04 01 AA } } }: an alternative unknown to v2.5, kept as is.
        let body = [0xA2, 0x08, 0xBF, 0x3D, 0x05, 0xA0, 0x03, 0x04, 0x01, 0xAA];
        assert_eq!(
            parse(&body),
            Some(Call::HandleNotification {
                notification: &[0x04, 0x01, 0xAA],
            })
        );
    }

    #[test]
    fn malformed_bodies() {
        for body in [
            &[][..],
            &[0x30, 0x00],
            &[0xA2, 0x00],
            &[0xA2, 0x05, 0xBF, 0x39, 0x00],
            &[0xA2, 0x03, 0xBF, 0x39, 0x00, 0x00],
            &[0xA2, 0x80, 0xBF, 0x3D, 0x00, 0x00, 0x00],
        ] {
            assert_eq!(parse(body), None, "{body:02x?}");
        }
        assert_eq!(peek_function(&[0xA2, 0x81]), None);
        assert_eq!(
            peek_function(&[0xA2, 0x81, 0x90, 0xBF, 0x3B]),
            Some(Es9PlusFunction::AuthenticateClient)
        );
    }
}
