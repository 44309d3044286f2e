//! [`Base64Bytes`]: an ASN.1 (DER) value carried in a JSON string (SGP.22 §6.5.1: "base64
//! encoded binary data", RFC 4648 §4 standard alphabet).
//!
//! Output: standard alphabet with `=` padding, no line breaks.
//! Input (decision, documented in `README.md`): ASCII whitespace (space, tab, CR, LF) is
//! skipped, because MIME-style encoders (e.g. Android `Base64.DEFAULT`, used by some LPAs)
//! wrap lines at 76 characters; padding may be present or absent; the URL-safe alphabet,
//! other characters and non-zero trailing bits are rejected.

use std::fmt;

use base64::Engine as _;
use base64::alphabet::STANDARD;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::error::FieldError;

/// Encoder: standard alphabet, padded.
const ENCODER: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new().with_encode_padding(true),
);

/// Decoder: standard alphabet, padding optional, canonical trailing bits.
const DECODER: GeneralPurpose = GeneralPurpose::new(
    &STANDARD,
    GeneralPurposeConfig::new()
        .with_decode_padding_mode(DecodePaddingMode::Indifferent)
        .with_decode_allow_trailing_bits(false),
);

/// Binary data travelling as a base64 JSON string.
#[derive(Clone, PartialEq, Eq, Hash, Default)]
pub struct Base64Bytes(Vec<u8>);

impl Base64Bytes {
    /// Wraps raw bytes.
    pub fn new(bytes: impl Into<Vec<u8>>) -> Self {
        Self(bytes.into())
    }

    /// Decodes a base64 string (see the module doc for what is accepted).
    pub fn decode(text: &str) -> Result<Self, FieldError> {
        let compact: Vec<u8> = text
            .bytes()
            .filter(|b| !matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
            .collect();
        DECODER
            .decode(&compact)
            .map(Self)
            .map_err(|e| FieldError::Base64(e.to_string()))
    }

    /// Encodes as standard padded base64.
    pub fn encode(&self) -> String {
        ENCODER.encode(&self.0)
    }

    /// The bytes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.0
    }

    /// Takes the bytes.
    pub fn into_vec(self) -> Vec<u8> {
        self.0
    }
}

impl From<Vec<u8>> for Base64Bytes {
    fn from(v: Vec<u8>) -> Self {
        Self(v)
    }
}

impl From<&[u8]> for Base64Bytes {
    fn from(v: &[u8]) -> Self {
        Self(v.to_vec())
    }
}

impl AsRef<[u8]> for Base64Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

/// Shows the length and the first bytes only: these values are large and some are signed
/// personal data (EID in certificates), so logs stay short.
impl fmt::Debug for Base64Bytes {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let head: String = self.0.iter().take(8).map(|b| format!("{b:02X}")).collect();
        write!(f, "Base64Bytes({} bytes: {head}…)", self.0.len())
    }
}

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.encode())
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = std::borrow::Cow::<'de, str>::deserialize(d)?;
        Self::decode(&text).map_err(serde::de::Error::custom)
    }
}
