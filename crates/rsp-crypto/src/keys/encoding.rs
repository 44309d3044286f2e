//! Key file formats: PEM framing (RFC 7468), SubjectPublicKeyInfo (RFC 5480),
//! PKCS#8 (RFC 5208/5958) and SEC1 `ECPrivateKey` (RFC 5915).

use der::asn1::{ObjectIdentifier, OctetStringRef};
use der::{AnyRef, Decode, Encode};
use pkcs8::spki::{AlgorithmIdentifierRef, SubjectPublicKeyInfoRef};
use zeroize::Zeroizing;

use crate::backend::POINT_LEN;
use crate::curve::OID_EC_PUBLIC_KEY;
use crate::{CryptoError, Curve};

const PEM_BEGIN: &str = "-----BEGIN ";
const PEM_END: &str = "-----END ";
const PEM_DASHES: &str = "-----";

/// A decoded PEM block: its label and (possibly secret) DER content.
pub(crate) struct PemBlock {
    pub(crate) label: String,
    pub(crate) der: Zeroizing<Vec<u8>>,
}

/// Splits text holding one or more PEM blocks (e.g. OpenSSL's `EC PARAMETERS`
/// followed by `EC PRIVATE KEY`) and decodes each.
pub(crate) fn pem_blocks(text: &str) -> Result<Vec<PemBlock>, CryptoError> {
    let mut blocks = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find(PEM_BEGIN) {
        let from_begin = rest.get(start..).unwrap_or_default();
        let end = from_begin
            .find(PEM_END)
            .ok_or_else(|| CryptoError::Pem("missing END line".into()))?;
        let after_end = from_begin.get(end + PEM_END.len()..).unwrap_or_default();
        let close = after_end
            .find(PEM_DASHES)
            .ok_or_else(|| CryptoError::Pem("unterminated END line".into()))?;
        let block_len = end + PEM_END.len() + close + PEM_DASHES.len();
        let block = from_begin.get(..block_len).unwrap_or_default();
        let (label, der) =
            der::pem::decode_vec(block.as_bytes()).map_err(|e| CryptoError::Pem(e.to_string()))?;
        blocks.push(PemBlock {
            label: label.to_owned(),
            der: Zeroizing::new(der),
        });
        rest = from_begin.get(block_len..).unwrap_or_default();
    }
    if blocks.is_empty() {
        return Err(CryptoError::Pem("no PEM block found".into()));
    }
    Ok(blocks)
}

/// The DER content of the single block labelled `label`.
pub(crate) fn pem_block(text: &str, label: &str) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    pem_blocks(text)?
        .into_iter()
        .find(|b| b.label == label)
        .map(|b| b.der)
        .ok_or_else(|| CryptoError::Pem(format!("no {label} block found")))
}

fn key_encoding(e: der::Error) -> CryptoError {
    CryptoError::KeyEncoding(e.to_string())
}

/// Curve named by the `parameters` of an id-ecPublicKey AlgorithmIdentifier.
fn curve_of_algorithm(alg: &AlgorithmIdentifierRef<'_>) -> Result<Curve, CryptoError> {
    if alg.oid != OID_EC_PUBLIC_KEY {
        return Err(CryptoError::UnsupportedAlgorithm(alg.oid.to_string()));
    }
    let params = alg
        .parameters
        .ok_or_else(|| CryptoError::KeyEncoding("missing EC parameters".into()))?;
    let oid: ObjectIdentifier = params
        .decode_as()
        .map_err(|_| CryptoError::UnsupportedCurve("explicit or non-OID parameters".into()))?;
    Curve::from_object_identifier(&oid)
}

/// Parses a SubjectPublicKeyInfo; returns the curve and the raw SEC1 point bytes.
pub(crate) fn parse_spki(der: &[u8]) -> Result<(Curve, &[u8]), CryptoError> {
    let spki = SubjectPublicKeyInfoRef::from_der(der).map_err(key_encoding)?;
    let curve = curve_of_algorithm(&spki.algorithm)?;
    let point = spki
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| CryptoError::KeyEncoding("public key BIT STRING has unused bits".into()))?;
    Ok((curve, point))
}

fn algorithm_identifier(curve_oid: &ObjectIdentifier) -> AlgorithmIdentifierRef<'_> {
    AlgorithmIdentifierRef {
        oid: OID_EC_PUBLIC_KEY,
        parameters: Some(AnyRef::from(curve_oid)),
    }
}

/// DER `SubjectPublicKeyInfo` header for a 65-byte uncompressed point (RFC 5480):
/// SEQUENCE { SEQUENCE { id-ecPublicKey, namedCurve }, BIT STRING (0 unused bits) }.
const SPKI_PREFIX_NIST: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x08, 0x2A,
    0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];
const SPKI_PREFIX_BRAINPOOL: [u8; 27] = [
    0x30, 0x5A, 0x30, 0x14, 0x06, 0x07, 0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01, 0x06, 0x09, 0x2B,
    0x24, 0x03, 0x03, 0x02, 0x08, 0x01, 0x01, 0x07, 0x03, 0x42, 0x00,
];

/// Encodes a SubjectPublicKeyInfo for a 65-byte uncompressed point.
pub(crate) fn encode_spki(curve: Curve, point: &[u8; POINT_LEN]) -> Vec<u8> {
    let prefix: &[u8] = match curve {
        Curve::NistP256 => &SPKI_PREFIX_NIST,
        Curve::BrainpoolP256r1 => &SPKI_PREFIX_BRAINPOOL,
    };
    let mut out = Vec::with_capacity(prefix.len() + POINT_LEN);
    out.extend_from_slice(prefix);
    out.extend_from_slice(point);
    out
}

/// A private key taken apart: curve and big-endian scalar.
pub(crate) struct PrivateKeyParts {
    pub(crate) curve: Curve,
    pub(crate) scalar: Zeroizing<Vec<u8>>,
    /// Public key carried in the file, if any (checked against the scalar by the caller).
    pub(crate) public: Option<Vec<u8>>,
}

/// Parses a SEC1 `ECPrivateKey`; `outer_curve` comes from a PKCS#8 wrapper or a
/// preceding `EC PARAMETERS` block and must agree with the inner parameters if both exist.
pub(crate) fn parse_sec1(
    der: &[u8],
    outer_curve: Option<Curve>,
) -> Result<PrivateKeyParts, CryptoError> {
    let key = sec1::EcPrivateKey::from_der(der).map_err(key_encoding)?;
    let inner_curve = match key.parameters {
        Some(params) => {
            let oid = params
                .named_curve()
                .ok_or_else(|| CryptoError::UnsupportedCurve("explicit parameters".into()))?;
            Some(Curve::from_object_identifier(&oid)?)
        }
        None => None,
    };
    let curve = match (inner_curve, outer_curve) {
        (Some(a), Some(b)) if a != b => {
            return Err(CryptoError::KeyEncoding(
                "conflicting curve parameters".into(),
            ));
        }
        (Some(c), _) | (None, Some(c)) => c,
        (None, None) => return Err(CryptoError::KeyEncoding("curve not specified".into())),
    };
    Ok(PrivateKeyParts {
        curve,
        scalar: Zeroizing::new(key.private_key.to_vec()),
        public: key.public_key.map(<[u8]>::to_vec),
    })
}

/// Parses a PKCS#8 `PrivateKeyInfo` holding an EC key.
pub(crate) fn parse_pkcs8(der: &[u8]) -> Result<PrivateKeyParts, CryptoError> {
    let info = pkcs8::PrivateKeyInfoRef::from_der(der).map_err(key_encoding)?;
    let curve = curve_of_algorithm(&info.algorithm)?;
    parse_sec1(info.private_key.as_bytes(), Some(curve))
}

/// Parses an `EC PARAMETERS` block (a namedCurve OID).
pub(crate) fn parse_ec_parameters(der: &[u8]) -> Result<Curve, CryptoError> {
    let params = sec1::EcParameters::from_der(der).map_err(key_encoding)?;
    let oid = params
        .named_curve()
        .ok_or_else(|| CryptoError::UnsupportedCurve("explicit parameters".into()))?;
    Curve::from_object_identifier(&oid)
}

/// Encodes PKCS#8 `PrivateKeyInfo` wrapping a SEC1 `ECPrivateKey` (with public key,
/// without inner parameters, as OpenSSL writes it).
pub(crate) fn encode_pkcs8(
    curve: Curve,
    scalar: &[u8],
    public: &[u8],
) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    let sec1_key = sec1::EcPrivateKey {
        private_key: scalar,
        parameters: None,
        public_key: Some(public),
    };
    let inner = Zeroizing::new(sec1_key.to_der().map_err(key_encoding)?);
    let oid = curve.object_identifier();
    let info = pkcs8::PrivateKeyInfoRef {
        algorithm: algorithm_identifier(&oid),
        private_key: OctetStringRef::new(&inner).map_err(key_encoding)?,
        public_key: None,
    };
    Ok(Zeroizing::new(info.to_der().map_err(key_encoding)?))
}
