//! The ES2+ caller's identity (SGP.22 §2.6.6: ES2+ is mutually authenticated TLS).
//!
//! rustls has already verified the client certificate against the configured trust anchors
//! ([`crate::tls`]). The Operator is then named by the certificate's subject `commonName`,
//! optionally translated by a configured table (`CN → OperatorId`); with a table configured,
//! a CN not in it is refused. A request without a client certificate, or with a certificate
//! without a usable CN, is refused with HTTP 403 and `Failed` 1.1/1.1 (function requester
//! unknown) before its body is read.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use const_oid::ObjectIdentifier;
use der::Decode;
use der::asn1::{PrintableStringRef, Utf8StringRef};
use der::{Tag, Tagged};
use rsp_codec::status::RspError;
use rsp_smdpp::OperatorId;
use x509_cert::Certificate;

use crate::binding;
use crate::server::PeerCertificate;

/// `id-at-commonName` (X.520).
const COMMON_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.3");

/// Maps a verified client certificate to an Operator.
#[derive(Debug, Clone, Default)]
pub struct OperatorResolver {
    /// `subject CN → OperatorId`; empty: the CN is the OperatorId.
    by_common_name: HashMap<String, OperatorId>,
}

impl OperatorResolver {
    /// The CN of the certificate is the OperatorId.
    pub fn by_common_name() -> Self {
        Self::default()
    }

    /// Only the listed CNs are Operators, each with its OperatorId.
    pub fn with_table(table: HashMap<String, OperatorId>) -> Self {
        Self {
            by_common_name: table,
        }
    }

    /// The Operator of a verified certificate, if any.
    pub fn resolve(&self, cert_der: &[u8]) -> Option<OperatorId> {
        let cn = common_name(cert_der)?;
        if self.by_common_name.is_empty() {
            return (!cn.is_empty()).then(|| OperatorId::new(cn));
        }
        self.by_common_name.get(&cn).cloned()
    }
}

/// The single subject `commonName` of a DER certificate (UTF8String or PrintableString).
pub fn common_name(cert_der: &[u8]) -> Option<String> {
    let cert = Certificate::from_der(cert_der).ok()?;
    let subject = cert.tbs_certificate().subject();
    let mut found = subject.iter().filter(|atv| atv.oid == COMMON_NAME);
    let atv = found.next()?;
    if found.next().is_some() {
        return None;
    }
    let v = &atv.value;
    match v.tag() {
        Tag::Utf8String => Utf8StringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_owned()),
        Tag::PrintableString => PrintableStringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_owned()),
        _ => None,
    }
}

/// Middleware: resolves the caller's [`OperatorId`] into the request extensions, or answers
/// HTTP 403 `Failed` 1.1/1.1.
pub async fn require_operator(
    State(resolver): State<Arc<OperatorResolver>>,
    mut req: Request,
    next: Next,
) -> Response {
    let operator = req
        .extensions()
        .get::<PeerCertificate>()
        .and_then(|c| resolver.resolve(c.0.as_ref()));
    match operator {
        Some(op) => {
            req.extensions_mut().insert(op);
            next.run(req).await
        }
        None => binding::failed_with_http(
            axum::http::StatusCode::FORBIDDEN,
            &RspError::RequesterUnknown,
        ),
    }
}
