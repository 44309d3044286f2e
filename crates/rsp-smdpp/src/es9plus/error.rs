//! The outcome of a refused or failed ES9+ call.

use rsp_codec::status::RspError;
use rsp_crypto::CryptoError;

use crate::profile_state::TransitionError;
use crate::store::StoreError;

/// Why an ES9+ function did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Es9PlusError {
    /// Refused by an SGP.22 §5.6 rule, with its status code.
    #[error("{0}")]
    Rejected(RspError),
    /// The store failed (answered as 1.2/4.2, details only in logs).
    #[error("storage failure: {0}")]
    Store(#[source] StoreError),
    /// A signing or key-agreement operation of the SM-DP+ failed (1.2/4.2).
    #[error("SM-DP+ cryptographic operation failed: {0}")]
    Crypto(#[source] CryptoError),
    /// The SM-DP+ could not encode one of its own messages (1.2/4.2).
    #[error("encoding failed: {0}")]
    Encode(String),
    /// The OS random generator failed (1.2/4.2).
    #[error("random generator failure")]
    Rng,
}

impl Es9PlusError {
    /// The status code for the response's `statusCodeData`.
    pub fn rsp_error(&self) -> RspError {
        match self {
            Self::Rejected(e) => e.clone(),
            Self::Store(_) | Self::Crypto(_) | Self::Encode(_) | Self::Rng => {
                RspError::ExecutionError
            }
        }
    }
}

impl From<RspError> for Es9PlusError {
    fn from(e: RspError) -> Self {
        Self::Rejected(e)
    }
}

impl From<StoreError> for Es9PlusError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<rsp_auth::SignError> for Es9PlusError {
    fn from(e: rsp_auth::SignError) -> Self {
        match e {
            rsp_auth::SignError::Encode(e) => Self::Encode(e.to_string()),
            rsp_auth::SignError::Sign(e) => Self::Crypto(e),
        }
    }
}

impl From<CryptoError> for Es9PlusError {
    fn from(e: CryptoError) -> Self {
        Self::Crypto(e)
    }
}

impl From<TransitionError> for Es9PlusError {
    fn from(e: TransitionError) -> Self {
        Self::Rejected(e.rsp_error())
    }
}

impl From<rsp_codec::asn1::CodecError> for Es9PlusError {
    fn from(e: rsp_codec::asn1::CodecError) -> Self {
        Self::Encode(e.to_string())
    }
}

/// A request field that does not decode: 1.3.1/2.1 (SGP.22 §5.2.6, invalid request format).
pub(crate) fn bad_format<E>(_: E) -> Es9PlusError {
    Es9PlusError::Rejected(RspError::ProtocolFormatInvalid)
}
