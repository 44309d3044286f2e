//! Top-level DER encode / strict decode entry points and the codec error type.

use rasn::{Decode, Encode};

/// Errors of the ASN.1 layer. Messages never carry key material: RSP structures decoded
/// here hold public data, signatures and encrypted BPP segments only.
#[derive(Debug, thiserror::Error)]
pub enum CodecError {
    /// The bytes are not a valid encoding of the expected type.
    #[error("ASN.1 decoding failed: {0}")]
    Decode(String),
    /// The value could not be DER-encoded.
    #[error("ASN.1 encoding failed: {0}")]
    Encode(String),
    /// A complete value was decoded but bytes were left after it.
    #[error("{0} unexpected byte(s) after the ASN.1 value")]
    TrailingBytes(usize),
    /// A fixed-size field got the wrong number of bytes.
    #[error("{type_name} must be {expected} bytes, got {actual}")]
    Size {
        /// ASN.1 type name.
        type_name: &'static str,
        /// Size required by the definition.
        expected: usize,
        /// Size given.
        actual: usize,
    },
}

impl From<rasn::error::DecodeError> for CodecError {
    fn from(err: rasn::error::DecodeError) -> Self {
        Self::Decode(err.to_string())
    }
}

impl From<rasn::error::EncodeError> for CodecError {
    fn from(err: rasn::error::EncodeError) -> Self {
        Self::Encode(err.to_string())
    }
}

/// Decodes exactly one `T` from `bytes`, rejecting trailing bytes.
///
/// Uses `rasn`'s DER decoder: indefinite lengths are refused (which also bounds the
/// nesting an attacker can make us walk), but some non-canonical forms such as long-form
/// lengths are tolerated, so bytes from a peer may differ from our own re-encoding.
///
/// Never verify a signature over a re-encoding of the result: keep the bytes
/// (see [`super::Raw`]).
pub fn decode<T: Decode>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, rest) = rasn::der::decode_with_remainder::<T>(bytes)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(CodecError::TrailingBytes(rest.len()))
    }
}

/// Like [`decode`] under BER rules: also accepts indefinite lengths, BOOLEAN values other
/// than `FF` for TRUE, and other forms DER forbids. Use it only for peers known to send
/// BER; rasn parses indefinite-length nesting iteratively, so depth is not a stack risk.
pub fn decode_ber<T: Decode>(bytes: &[u8]) -> Result<T, CodecError> {
    let (value, rest) = rasn::ber::decode_with_remainder::<T>(bytes)?;
    if rest.is_empty() {
        Ok(value)
    } else {
        Err(CodecError::TrailingBytes(rest.len()))
    }
}

/// Decodes one `T` from the front of `bytes` and returns what follows (for concatenated
/// TLVs, e.g. a segmented BPP).
pub fn decode_prefix<T: Decode>(bytes: &[u8]) -> Result<(T, &[u8]), CodecError> {
    Ok(rasn::der::decode_with_remainder::<T>(bytes)?)
}

/// DER-encodes `value`.
pub fn encode<T: Encode>(value: &T) -> Result<Vec<u8>, CodecError> {
    Ok(rasn::der::encode(value)?)
}
