//! Errors of the profile toolkit. Messages never contain key or PIN values.

use thiserror::Error;

/// Decoding or encoding a profile package failed.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum CodecError {
    /// The package is empty.
    #[error("empty profile package")]
    Empty,
    /// A TLV header could not be read (truncated or malformed tag/length).
    #[error("element #{index} at byte offset {offset}: {reason}")]
    Tlv {
        index: usize,
        offset: usize,
        reason: &'static str,
    },
    /// The outer tag is not a `ProfileElement` alternative.
    #[error(
        "element #{index} at byte offset {offset}: tag {tag} is not a ProfileElement (context-specific, constructed)"
    )]
    WrongTag {
        index: usize,
        offset: usize,
        tag: String,
    },
    /// The element's content does not match its ASN.1 definition.
    #[error("element #{index} ({name}) at byte offset {offset}: {reason}")]
    Element {
        index: usize,
        offset: usize,
        name: &'static str,
        reason: String,
    },
    /// The element decodes but is not in canonical DER (ITU-T X.690 §10, e.g. an INTEGER
    /// with leading zero bytes, §8.3.2). `at` (a package offset) is the last byte whose
    /// re-encoding differs: inside the offending TLV. Refused so that decode/encode stays
    /// byte-exact and the in-place and typed personalisations cannot disagree.
    #[error(
        "element #{index} ({name}) at byte offset {offset}: not canonical DER (X.690 §10) at byte offset {at}"
    )]
    NotDer {
        index: usize,
        offset: usize,
        name: &'static str,
        at: usize,
    },
    /// A value could not be encoded.
    #[error("element #{index} ({name}): cannot encode: {reason}")]
    Encode {
        index: usize,
        name: &'static str,
        reason: String,
    },
}
