//! The outcome of a refused or failed SM-DS call.

use rsp_codec::status::RspError;

use crate::store::StoreError;

/// Why an ES11 / ES12 / ES15 function did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum SmdsError {
    /// Refused by an SGP.22 rule, with its status code.
    #[error("{0}")]
    Rejected(RspError),
    /// The store failed (answered as 1.2/4.2, details only in logs).
    #[error("storage failure: {0}")]
    Store(#[source] StoreError),
    /// Signing or encoding by the SM-DS failed (1.2/4.2).
    #[error("SM-DS signing failed: {0}")]
    Sign(#[source] rsp_auth::SignError),
    /// The SM-DS could not encode one of its own messages (1.2/4.2).
    #[error("encoding failed: {0}")]
    Encode(String),
    /// The OS random generator failed (1.2/4.2).
    #[error("random generator failure")]
    Rng,
}

impl SmdsError {
    /// The status code for the response's `statusCodeData`.
    pub fn rsp_error(&self) -> RspError {
        match self {
            Self::Rejected(e) => e.clone(),
            Self::Store(_) | Self::Sign(_) | Self::Encode(_) | Self::Rng => {
                RspError::ExecutionError
            }
        }
    }
}

impl From<RspError> for SmdsError {
    fn from(e: RspError) -> Self {
        Self::Rejected(e)
    }
}

impl From<StoreError> for SmdsError {
    fn from(e: StoreError) -> Self {
        Self::Store(e)
    }
}

impl From<rsp_auth::SignError> for SmdsError {
    fn from(e: rsp_auth::SignError) -> Self {
        Self::Sign(e)
    }
}

impl From<rsp_codec::asn1::CodecError> for SmdsError {
    fn from(e: rsp_codec::asn1::CodecError) -> Self {
        Self::Encode(e.to_string())
    }
}
