//! Common JSON binding rules (SGP.22 v2.5 §6.5.1): request header checks, body decoding and
//! the response format. Function-level failures travel in the JSON header with HTTP 200
//! (§6.5.1.4); only transport-level problems use other HTTP status codes.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use rsp_codec::json::HeaderOnlyResponse;
use rsp_codec::json::http::{
    ADMIN_PROTOCOL, ADMIN_PROTOCOL_HEADER, CONTENT_TYPE, is_json_content_type, parse_admin_protocol,
};
use rsp_codec::status::RspError;
use serde::Serialize;
use serde::de::DeserializeOwned;

/// The protocol major version this server speaks (`gsma/rsp/v2.x.y`).
const SUPPORTED_MAJOR: u8 = 2;

/// A JSON response with the binding's headers.
pub fn json_response<T: Serialize>(status: StatusCode, body: &T) -> Response {
    match serde_json::to_vec(body) {
        Ok(bytes) => (
            status,
            [
                (header::CONTENT_TYPE, HeaderValue::from_static(CONTENT_TYPE)),
                (
                    header::HeaderName::from_static("x-admin-protocol"),
                    HeaderValue::from_static(ADMIN_PROTOCOL),
                ),
            ],
            bytes,
        )
            .into_response(),
        Err(_) => StatusCode::INTERNAL_SERVER_ERROR.into_response(),
    }
}

/// `Failed` with the code of `error`, HTTP 200.
pub fn failed(error: &RspError) -> Response {
    failed_with_http(StatusCode::OK, error)
}

/// `Failed` with the code of `error` and a chosen HTTP status.
pub fn failed_with_http(status: StatusCode, error: &RspError) -> Response {
    json_response(status, &HeaderOnlyResponse::failed(error))
}

/// Why a request was refused before its function ran.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Rejection {
    /// Not `application/json` (HTTP 400, `Failed` 1.3.1/2.1).
    ContentType,
    /// `X-Admin-Protocol` missing, malformed or not v2 (HTTP 200, `Failed` 1.3.2/3.1).
    ProtocolVersion,
    /// Body is not the function's JSON (HTTP 200, `Failed` 1.3.1/2.1 or 2.2).
    Body(RspError),
}

impl Rejection {
    /// The response.
    pub fn response(&self) -> Response {
        match self {
            Rejection::ContentType => {
                failed_with_http(StatusCode::BAD_REQUEST, &RspError::ProtocolFormatInvalid)
            }
            Rejection::ProtocolVersion => failed(&RspError::ProtocolVersionUnsupported),
            Rejection::Body(e) => failed(e),
        }
    }

    /// The status code reported (for metrics).
    pub fn error(&self) -> RspError {
        match self {
            Rejection::ContentType => RspError::ProtocolFormatInvalid,
            Rejection::ProtocolVersion => RspError::ProtocolVersionUnsupported,
            Rejection::Body(e) => e.clone(),
        }
    }
}

/// The `Content-Type` header, if present and visible ASCII.
pub fn content_type(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
}

/// Checks `X-Admin-Protocol: gsma/rsp/v2.x.y` (§6.5.1, also required by the ASN.1 binding
/// §6.6).
pub fn check_protocol_version(headers: &HeaderMap) -> Result<(), Rejection> {
    let version = headers
        .get(ADMIN_PROTOCOL_HEADER)
        .and_then(|v| v.to_str().ok())
        .and_then(parse_admin_protocol);
    if version.is_none_or(|(major, _, _)| major != SUPPORTED_MAJOR) {
        return Err(Rejection::ProtocolVersion);
    }
    Ok(())
}

/// Checks `Content-Type` and `X-Admin-Protocol` (§6.5.1) and decodes the body.
pub fn decode_request<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: &[u8],
) -> Result<T, Rejection> {
    if !content_type(headers).is_some_and(is_json_content_type) {
        return Err(Rejection::ContentType);
    }
    check_protocol_version(headers)?;
    serde_json::from_slice(body).map_err(|e| {
        // serde_json reports an absent field as "missing field `name`".
        let missing = e.is_data() && e.to_string().starts_with("missing field");
        Rejection::Body(if missing {
            RspError::MandatoryElementMissing
        } else {
            RspError::ProtocolFormatInvalid
        })
    })
}
