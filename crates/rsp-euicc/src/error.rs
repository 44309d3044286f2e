//! Typed errors. No variant carries key material.

use rsp_codec::asn1::CodecError;
use rsp_crypto::CryptoError;
use rsp_pki::PkiError;

/// Failures of setting up or persisting the eUICC (identity files, state file).
#[derive(Debug, thiserror::Error)]
pub enum EuiccError {
    /// Reading an identity or state file failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The I/O error.
        source: std::io::Error,
    },
    /// The identity is inconsistent (key does not match certificate, EIDs differ...).
    #[error("identity: {0}")]
    Identity(String),
    /// A certificate is malformed or its chain does not validate.
    #[error(transparent)]
    Pki(#[from] PkiError),
    /// A key is malformed.
    #[error(transparent)]
    Crypto(#[from] CryptoError),
    /// The state file is not valid JSON for [`crate::EuiccState`].
    #[error("state file {path}: {reason}")]
    State {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// An ES10 command that cannot be answered with an ASN.1 response; the APDU layer maps
/// each to a status word ([`Es10Error::status_word`]).
#[derive(Debug, thiserror::Error)]
pub enum Es10Error {
    /// No data in the STORE DATA sequence.
    #[error("empty ES10 request")]
    Empty,
    /// The first tag is not an ES10 function this eUICC implements.
    #[error("unknown ES10 function tag {0}")]
    UnknownFunction(String),
    /// The request does not decode as its ASN.1 type.
    #[error("malformed ES10 request: {0}")]
    Malformed(#[from] CodecError),
    /// A BPP segment arrived while no LoadBoundProfilePackage is in progress.
    #[error("BPP segment outside a LoadBoundProfilePackage sequence")]
    UnexpectedSegment,
    /// LoadBoundProfilePackage without a prepared download session (SGP.22 §5.7.6).
    #[error("no download session")]
    NoSession,
    /// An internal failure (signing, randomness, state persistence).
    #[error("internal failure: {0}")]
    Internal(String),
}

impl Es10Error {
    /// ISO/IEC 7816-4 status word for this failure.
    pub fn status_word(&self) -> u16 {
        match self {
            Es10Error::Empty => 0x6700,
            Es10Error::UnknownFunction(_) => 0x6A88,
            Es10Error::Malformed(_) | Es10Error::UnexpectedSegment => 0x6A80,
            Es10Error::NoSession => 0x6985,
            Es10Error::Internal(_) => 0x6F00,
        }
    }
}

impl Es10Error {
    /// No eUICC credential (cannot happen for an `Identity` built by `Identity::new`).
    pub(crate) fn no_credential() -> Self {
        Es10Error::Internal("no eUICC credential".into())
    }

    /// Encoding a locally built value failed.
    pub(crate) fn encoding(err: CodecError) -> Self {
        Es10Error::Internal(err.to_string())
    }
}

impl From<CryptoError> for Es10Error {
    fn from(err: CryptoError) -> Self {
        Es10Error::Internal(err.to_string())
    }
}
