//! The ASN.1 binding (SGP.22 v2.5 §6.6) as every role serving it shares it: `POST
//! /gsma/rsp2/asn1` with `Content-Type: application/x-gsma-rsp-asn1` and `X-Admin-Protocol:
//! gsma/rsp/v2.x.y`, one DER `RemoteProfileProvisioningRequest` in, one DER
//! `RemoteProfileProvisioningResponse` out with HTTP 200. A request that is not the
//! binding's (content type, protocol version, body not one DER request) gets HTTP 400
//! without body: the binding has no response carrying a generic status code.
//!
//! The SM-DP+ ([`crate::es9plus_asn1`], ES9+) and the SM-DS ([`crate::es11_asn1`], ES11)
//! each decide which requests they answer and how; this module holds the role-independent
//! parts: the header checks, the envelope slicing (the eUICC-produced fields are handed on
//! as the bytes received, never re-encoded: the eUICC signatures cover them, and `rasn`
//! accepts some non-DER input that a re-encoding would silently change), the error
//! INTEGER tables and the responses.

use axum::http::{HeaderMap, HeaderName, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rsp_codec::json::http::ADMIN_PROTOCOL;
use rsp_codec::status::RspError;
use rsp_crypto::scp03t::{Tlv, parse_tlv, split_tlvs};

use crate::binding;

/// The binding's single path (§6.6).
pub const ASN1_PATH: &str = "/gsma/rsp2/asn1";

/// The binding's media type (§6.6), for requests and responses.
pub const ASN1_CONTENT_TYPE: &str = "application/x-gsma-rsp-asn1";

/// `undefinedError(127)`, the last entry of every error INTEGER list of the ES9+ and ES11
/// responses (§6.6, `RSPDefinitions`): the answer for a status code without an INTEGER of
/// its own.
pub const UNDEFINED_ERROR: i64 = 127;

/// Status code → error INTEGER of one function's response (SGP.22 §5.6.x and §5.8.x name
/// the status codes, the ASN.1 module the INTEGERs).
pub type ErrorTable = &'static [(RspError, i64)];

/// The INTEGER of `error` in `table`, [`UNDEFINED_ERROR`] when it has none.
pub fn error_code(table: ErrorTable, error: &RspError) -> i64 {
    table
        .iter()
        .find(|(e, _)| e == error)
        .map_or(UNDEFINED_ERROR, |(_, code)| *code)
}

// ------------------------------------------------------------------ request parsing

/// The explicit `[2]` of `RemoteProfileProvisioningRequest`.
const ENVELOPE_TAG: &[u8] = &[0xA2];

/// Checks `Content-Type` (§6.6) and `X-Admin-Protocol` (§6.5.1, also required here); the
/// status code of the first that fails (for logs and metrics: the answer is HTTP 400).
pub fn check_headers(headers: &HeaderMap) -> Result<(), RspError> {
    if !binding::content_type(headers).is_some_and(is_asn1_content_type) {
        return Err(RspError::ProtocolFormatInvalid);
    }
    binding::check_protocol_version(headers).map_err(|r| r.error())
}

/// `application/x-gsma-rsp-asn1`, ASCII case-insensitive, parameters ignored.
pub fn is_asn1_content_type(value: &str) -> bool {
    value
        .split(';')
        .next()
        .is_some_and(|media| media.trim().eq_ignore_ascii_case(ASN1_CONTENT_TYPE))
}

/// One request envelope `A2 { request }` sliced as received: the request TLV and its
/// fields. The caller decodes the whole body with the codec first (which checks it as a
/// whole) and takes the eUICC-produced fields from here.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope<'a> {
    /// The request TLV inside `A2` (e.g. `BF39` InitiateAuthenticationRequest).
    pub request: Tlv<'a>,
    /// The request's fields, in order.
    pub fields: Vec<Tlv<'a>>,
}

impl<'a> Envelope<'a> {
    /// Slices `body`: exactly one `A2` TLV holding exactly one request TLV whose value is a
    /// sequence of TLVs. `None` otherwise (truncated, trailing bytes, indefinite length).
    pub fn parse(body: &'a [u8]) -> Option<Self> {
        let (outer, rest) = parse_tlv(body).ok()?;
        if outer.tag != ENVELOPE_TAG || !rest.is_empty() {
            return None;
        }
        let (request, rest) = parse_tlv(outer.value).ok()?;
        if !rest.is_empty() {
            return None;
        }
        let fields = split_tlvs(request.value).ok()?;
        Some(Self { request, fields })
    }

    /// The first field with `tag`.
    pub fn field(&self, tag: &[u8]) -> Option<Tlv<'a>> {
        self.fields.iter().find(|t| t.tag == tag).copied()
    }
}

/// The two tag bytes of the request inside `A2`, read from the first bytes only (for
/// counting a refused body by function). `None` when the body does not start like an
/// envelope.
pub fn peek_request_tag(body: &[u8]) -> Option<[u8; 2]> {
    let (&first, rest) = body.split_first()?;
    if [first] != ENVELOPE_TAG {
        return None;
    }
    let (&len, rest) = rest.split_first()?;
    let skip = if len & 0x80 == 0 {
        0
    } else {
        usize::from(len & 0x7F)
    };
    match rest.get(skip..skip.checked_add(2)?)? {
        &[a, b] => Some([a, b]),
        _ => None,
    }
}

// ------------------------------------------------------------------------ responses

/// `X-Admin-Protocol` of every answer.
fn admin_protocol() -> (HeaderName, HeaderValue) {
    (
        HeaderName::from_static("x-admin-protocol"),
        HeaderValue::from_static(ADMIN_PROTOCOL),
    )
}

/// HTTP 200 with one DER `RemoteProfileProvisioningResponse` (§6.6).
pub fn asn1_response(der: Vec<u8>) -> Response {
    (
        StatusCode::OK,
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(ASN1_CONTENT_TYPE),
            ),
            admin_protocol(),
        ],
        der,
    )
        .into_response()
}

/// HTTP 400 without body: not a request of this binding (or not one this server answers).
/// `interface` names the interface in the log line.
pub fn bad_request(interface: &'static str, error: &RspError) -> Response {
    tracing::info!(interface, code = %error.message(), "ASN.1 request refused");
    (StatusCode::BAD_REQUEST, [admin_protocol()]).into_response()
}

/// HTTP 204 without body: a function without response message (ES9+.HandleNotification).
pub fn no_content() -> Response {
    (StatusCode::NO_CONTENT, [admin_protocol()]).into_response()
}

/// HTTP 500 without body: a failure the function's response cannot carry.
pub fn server_error() -> Response {
    (StatusCode::INTERNAL_SERVER_ERROR, [admin_protocol()]).into_response()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn content_types() {
        assert!(is_asn1_content_type("application/x-gsma-rsp-asn1"));
        assert!(is_asn1_content_type(
            "Application/X-GSMA-RSP-ASN1; charset=binary"
        ));
        assert!(!is_asn1_content_type("application/json"));
        assert!(!is_asn1_content_type("application/x-gsma-rsp-asn1x"));
    }

    #[test]
    fn envelopes() {
        // A2 { BF39 { 81 01 AA, 83 00 } }
        let body = [0xA2, 0x08, 0xBF, 0x39, 0x05, 0x81, 0x01, 0xAA, 0x83, 0x00];
        let e = Envelope::parse(&body).unwrap();
        assert_eq!(e.request.tag, [0xBF, 0x39]);
        assert_eq!(e.fields.len(), 2);
        assert_eq!(e.field(&[0x81]).unwrap().raw, [0x81, 0x01, 0xAA]);
        assert_eq!(e.field(&[0x84]), None);
        for bad in [
            &[][..],
            &[0x30, 0x00],
            &[0xA2, 0x00],
            &[0xA2, 0x05, 0xBF, 0x39, 0x00],
            &[0xA2, 0x03, 0xBF, 0x39, 0x00, 0x00],
            &[0xA2, 0x80, 0xBF, 0x3D, 0x00, 0x00, 0x00],
            &[0xA2, 0x04, 0xBF, 0x39, 0x01, 0x81],
        ] {
            assert_eq!(Envelope::parse(bad), None, "{bad:02x?}");
        }
    }

    #[test]
    fn peeked_tags() {
        assert_eq!(peek_request_tag(&[0xA2, 0x81]), None);
        assert_eq!(peek_request_tag(&[0x30, 0x02, 0xBF, 0x3B]), None);
        assert_eq!(
            peek_request_tag(&[0xA2, 0x81, 0x90, 0xBF, 0x3B]),
            Some([0xBF, 0x3B])
        );
        assert_eq!(
            peek_request_tag(&[0xA2, 0x05, 0xBF, 0x39]),
            Some([0xBF, 0x39])
        );
    }

    #[test]
    fn tables() {
        const T: ErrorTable = &[(RspError::TransactionIdUnknown, 7)];
        assert_eq!(error_code(T, &RspError::TransactionIdUnknown), 7);
        assert_eq!(error_code(T, &RspError::ExecutionError), UNDEFINED_ERROR);
    }
}
