//! Why an eIM function did not succeed.

use crate::store::StoreError;

/// A refused or failed eIM call.
#[derive(Debug, thiserror::Error)]
pub enum EimError {
    /// A field of the caller's request is not acceptable (API: 400).
    #[error("invalid {0}")]
    Invalid(String),
    /// The eUICC (or operation) is unknown to this caller (API: 404; ESipa: eidNotFound).
    #[error("not found")]
    NotFound,
    /// The EID is already registered (API: 409).
    #[error("already registered")]
    Duplicate,
    /// A result was refused (wrong signature, unknown certificate, no such package); the
    /// reason is recorded with the result.
    #[error("result refused: {0}")]
    Refused(String),
    /// The store failed.
    #[error("storage failure: {0}")]
    Store(#[source] StoreError),
    /// Signing failed (the eIM key).
    #[error("signing failed: {0}")]
    Sign(String),
    /// The eIM could not encode one of its own messages.
    #[error("encoding failed: {0}")]
    Encode(String),
    /// The SM-DP+ of an indirect download could not be reached or gave no usable answer.
    #[error("relay to the SM-DP+ failed: {0}")]
    Relay(String),
    /// No eIM key for the curve of the eUICC's association.
    #[error("no eIM key for curve {0}")]
    NoKey(&'static str),
}

impl EimError {
    /// [`EimError::Invalid`] naming `what`.
    pub fn invalid(what: impl Into<String>) -> Self {
        Self::Invalid(what.into())
    }
}

impl From<StoreError> for EimError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::Duplicate => Self::Duplicate,
            other => Self::Store(other),
        }
    }
}
