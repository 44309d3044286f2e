//! Parsing X.509 certificates (PEM or DER) while keeping the bytes as received.
//!
//! Signatures are always verified over the `tbsCertificate` bytes exactly as
//! they arrived, never over a re-encoding (SGP.22 §4.5.2, RFC 5280 §4.1.1.3).

use crate::error::{CertId, PkiError};
use crate::ext::CertExtensions;
use der::{Decode, Encode, Reader, SliceReader};
use rsp_crypto::PublicKey;
use std::sync::Arc;
use x509_cert::Certificate;

/// `ecdsa-with-SHA256` (RFC 5758 §3.2), the only signature algorithm of the RSP PKI.
pub const ECDSA_WITH_SHA256: der::asn1::ObjectIdentifier =
    der::asn1::ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// A parsed certificate with its DER bytes as received and its decoded extensions.
/// Immutable once parsed; clones share it.
#[derive(Clone, Debug)]
pub struct Cert(Arc<Parsed>);

#[derive(Debug)]
struct Parsed {
    der: Vec<u8>,
    spans: Spans,
    inner: Certificate,
    public_key: PublicKey,
    ext: CertExtensions,
}

/// Byte ranges inside the received DER.
#[derive(Debug, Clone, Copy)]
struct Spans {
    tbs: (usize, usize),
    issuer: (usize, usize),
    subject: (usize, usize),
}

impl PartialEq for Cert {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0) || self.0.der == other.0.der
    }
}
impl Eq for Cert {}

impl Cert {
    /// Parse one DER-encoded certificate (no trailing bytes).
    pub fn from_der(der: &[u8]) -> Result<Self, PkiError> {
        let decode = |reason: String| PkiError::Decode {
            what: "certificate".into(),
            reason,
        };
        let inner = Certificate::from_der(der).map_err(|e| decode(e.to_string()))?;
        let spans = cert_spans(der).map_err(|e| decode(e.to_string()))?;
        let id = || id_of(&inner, "X.509");
        let tbs = inner.tbs_certificate();
        if tbs.version() != x509_cert::certificate::Version::V3 {
            return Err(malformed(id(), "is not an X.509 v3 certificate"));
        }
        if inner.signature_algorithm() != tbs.signature() {
            return Err(malformed(
                id(),
                "signatureAlgorithm differs from tbsCertificate.signature",
            ));
        }
        let alg = inner.signature_algorithm();
        if alg.oid != ECDSA_WITH_SHA256 || alg.parameters.is_some() {
            return Err(malformed(
                id(),
                format!("signature algorithm {} is not ecdsa-with-SHA256", alg.oid),
            ));
        }
        if inner.signature().as_bytes().is_none() {
            return Err(malformed(id(), "signature BIT STRING has unused bits"));
        }
        let spki = tbs
            .subject_public_key_info()
            .to_der()
            .map_err(|e| malformed(id(), format!("public key: {e}")))?;
        let public_key = PublicKey::from_spki_der(&spki).map_err(|e| {
            malformed(
                id(),
                format!("public key is not an EC key on P-256 or brainpoolP256r1: {e}"),
            )
        })?;
        let ext = CertExtensions::decode(tbs.extensions().map(Vec::as_slice), &id)?;
        Ok(Cert(Arc::new(Parsed {
            der: der.to_vec(),
            spans,
            inner,
            public_key,
            ext,
        })))
    }

    /// Parse one certificate given as PEM text (`CERTIFICATE` block).
    pub fn from_pem(pem: &str) -> Result<Self, PkiError> {
        let mut all = Self::all_from_pem(pem)?;
        match (all.pop(), all.is_empty()) {
            (Some(cert), true) => Ok(cert),
            (None, _) => Err(PkiError::Decode {
                what: "PEM".into(),
                reason: "no CERTIFICATE block".into(),
            }),
            (Some(_), false) => Err(PkiError::Decode {
                what: "PEM".into(),
                reason: "more than one CERTIFICATE block".into(),
            }),
        }
    }

    /// Parse every `CERTIFICATE` block of a PEM bundle, in order.
    pub fn all_from_pem(pem: &str) -> Result<Vec<Self>, PkiError> {
        pem_blocks(pem, "CERTIFICATE")?
            .iter()
            .map(|der| Self::from_der(der))
            .collect()
    }

    /// Parse bytes that are either PEM text or raw DER (one or more certificates).
    pub fn all_from_bytes(bytes: &[u8]) -> Result<Vec<Self>, PkiError> {
        if bytes.first() == Some(&0x30) {
            return Ok(vec![Self::from_der(bytes)?]);
        }
        let text = std::str::from_utf8(bytes).map_err(|_| PkiError::Decode {
            what: "certificate file".into(),
            reason: "neither DER nor PEM text".into(),
        })?;
        Self::all_from_pem(text)
    }

    /// Parse bytes holding exactly one certificate, PEM or DER.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, PkiError> {
        let mut all = Self::all_from_bytes(bytes)?;
        match (all.pop(), all.is_empty()) {
            (Some(cert), true) => Ok(cert),
            _ => Err(PkiError::Decode {
                what: "certificate file".into(),
                reason: "expected exactly one certificate".into(),
            }),
        }
    }

    /// The whole certificate, DER, as received.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }

    /// The tbsCertificate TLV, as received (the bytes the issuer signed).
    pub fn tbs_der(&self) -> &[u8] {
        self.span(self.0.spans.tbs)
    }

    /// The issuer Name TLV, as received.
    pub fn issuer_der(&self) -> &[u8] {
        self.span(self.0.spans.issuer)
    }

    /// The subject Name TLV, as received.
    pub fn subject_der(&self) -> &[u8] {
        self.span(self.0.spans.subject)
    }

    fn span(&self, (start, end): (usize, usize)) -> &[u8] {
        self.0.der.get(start..end).unwrap_or(&[])
    }

    /// The issuer's signature, DER `ECDSA-Sig-Value`.
    pub fn signature_der(&self) -> &[u8] {
        self.0.inner.signature().raw_bytes()
    }

    /// The decoded x509-cert structure.
    pub fn x509(&self) -> &Certificate {
        &self.0.inner
    }

    /// The subject public key.
    pub fn public_key(&self) -> &PublicKey {
        &self.0.public_key
    }

    /// Decoded extensions.
    pub fn extensions(&self) -> &CertExtensions {
        &self.0.ext
    }

    /// Subject key identifier, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.0.ext.ski.as_deref()
    }

    /// The first subjectAltName registeredID, dotted: the entity's OID (for CERT.DPauth,
    /// the SM-DP+ OID, SGP.22 §4.5.2.1).
    pub fn registered_id(&self) -> Option<&str> {
        self.0
            .ext
            .subject_alt_name
            .iter()
            .flatten()
            .find_map(|e| match e {
                crate::SanEntry::RegisteredId(oid) => Some(oid.as_str()),
                _ => None,
            })
    }

    /// Authority key identifier (keyIdentifier field), if present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.0.ext.aki.as_deref()
    }

    /// Subject DN as an RFC 4514 string.
    pub fn subject_string(&self) -> String {
        self.0.inner.tbs_certificate().subject().to_string()
    }

    /// Issuer DN as an RFC 4514 string.
    pub fn issuer_string(&self) -> String {
        self.0.inner.tbs_certificate().issuer().to_string()
    }

    /// Serial number bytes (big-endian, as encoded).
    pub fn serial(&self) -> &[u8] {
        self.0.inner.tbs_certificate().serial_number().as_bytes()
    }

    /// notBefore as seconds since the Unix epoch.
    pub fn not_before_unix(&self) -> u64 {
        let v = self.0.inner.tbs_certificate().validity();
        v.not_before.to_unix_duration().as_secs()
    }

    /// notAfter as seconds since the Unix epoch.
    pub fn not_after_unix(&self) -> u64 {
        let v = self.0.inner.tbs_certificate().validity();
        v.not_after.to_unix_duration().as_secs()
    }

    /// The subject `serialNumber` attribute (the EID in an eUICC certificate), if any.
    pub fn subject_serial_number(&self) -> Option<String> {
        crate::name::attribute(
            self.0.inner.tbs_certificate().subject(),
            crate::name::SERIAL_NUMBER,
        )
    }

    /// The subject `organizationName` attribute, if exactly one.
    pub fn subject_organization(&self) -> Option<String> {
        crate::name::attribute(
            self.0.inner.tbs_certificate().subject(),
            crate::name::ORGANIZATION,
        )
    }

    /// A label for error messages.
    pub fn id(&self, role: &'static str) -> Box<CertId> {
        id_of(&self.0.inner, role)
    }

    /// PEM text of the certificate.
    pub fn to_pem(&self) -> String {
        pem_encode("CERTIFICATE", &self.0.der)
    }
}

fn id_of(cert: &Certificate, role: &'static str) -> Box<CertId> {
    let tbs = cert.tbs_certificate();
    Box::new(CertId {
        role,
        subject: tbs.subject().to_string(),
        serial: hex::encode_upper(tbs.serial_number().as_bytes()),
    })
}

fn malformed(cert: Box<CertId>, reason: impl Into<String>) -> PkiError {
    PkiError::Malformed {
        cert,
        reason: reason.into(),
    }
}

/// Offsets of tbsCertificate and of its issuer and subject Names (RFC 5280 §4.1: version
/// [0] if present, serialNumber, signature, issuer, validity, subject).
fn cert_spans(der: &[u8]) -> der::Result<Spans> {
    let tbs = tbs_span(der)?;
    let mut reader = SliceReader::new(der.get(tbs.0..tbs.1).unwrap_or(&[]))?;
    der::Header::decode(&mut reader)?
        .tag()
        .assert_eq(der::Tag::Sequence)?;
    // The next element's tag and its span in `der`.
    let next = |reader: &mut SliceReader| -> der::Result<(der::Tag, (usize, usize))> {
        let start = tbs.0 + usize::try_from(reader.position())?;
        let tag = der::Tag::peek(reader)?;
        let len = reader.tlv_bytes()?.len();
        Ok((tag, (start, start + len)))
    };
    let mut tag = next(&mut reader)?.0;
    if tag.is_context_specific() {
        tag = next(&mut reader)?.0; // after the version, serialNumber
    }
    tag.assert_eq(der::Tag::Integer)?;
    next(&mut reader)?; // signature
    let (_, issuer) = next(&mut reader)?;
    next(&mut reader)?; // validity
    let (_, subject) = next(&mut reader)?;
    Ok(Spans {
        tbs,
        issuer,
        subject,
    })
}

/// Offsets of the first element (tbsCertificate / tbsCertList) inside the outer SEQUENCE.
pub(crate) fn tbs_span(der: &[u8]) -> der::Result<(usize, usize)> {
    let mut reader = SliceReader::new(der)?;
    let header = der::Header::decode(&mut reader)?;
    header.tag().assert_eq(der::Tag::Sequence)?;
    let start = usize::try_from(reader.position())?;
    let tbs = reader.tlv_bytes()?;
    Ok((start, start + tbs.len()))
}

/// Every PEM block with `label` in `text`, decoded.
pub(crate) fn pem_blocks(text: &str, label: &str) -> Result<Vec<Vec<u8>>, PkiError> {
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(b) = rest.find(&begin) {
        let after = rest.get(b..).unwrap_or("");
        let Some(e) = after.find(&end) else {
            return Err(PkiError::Decode {
                what: "PEM".into(),
                reason: format!("unterminated {label} block"),
            });
        };
        let block = after.get(..e + end.len()).unwrap_or("");
        let (got, der) = der::pem::decode_vec(block.as_bytes()).map_err(|e| PkiError::Decode {
            what: "PEM".into(),
            reason: e.to_string(),
        })?;
        if got != label {
            return Err(PkiError::Decode {
                what: "PEM".into(),
                reason: format!("unexpected label {got}"),
            });
        }
        out.push(der);
        rest = after.get(e + end.len()..).unwrap_or("");
    }
    Ok(out)
}

/// PEM-encode `der` under `label` (64-column lines, LF).
pub(crate) fn pem_encode(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap_or_default()
}
