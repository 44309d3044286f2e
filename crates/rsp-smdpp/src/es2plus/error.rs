//! The outcome of a refused or failed ES2+ call.

use rsp_codec::status::RspError;

use crate::profile_state::TransitionError;
use crate::store::StoreError;

/// Why an ES2+ function did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum Es2PlusError {
    /// Refused by an SGP.22 §5.3 rule, with its status code.
    #[error("{0}")]
    Rejected(RspError),
    /// The store failed (answered as 1.2/4.2, details only in logs).
    #[error("storage failure: {0}")]
    Store(#[source] StoreError),
    /// The OS random generator failed (answered as 1.2/4.2).
    #[error("random generator failure")]
    Rng,
}

impl Es2PlusError {
    /// The status code for the response's `statusCodeData`.
    pub fn rsp_error(&self) -> RspError {
        match self {
            Es2PlusError::Rejected(e) => e.clone(),
            Es2PlusError::Store(_) | Es2PlusError::Rng => RspError::ExecutionError,
        }
    }
}

impl From<TransitionError> for Es2PlusError {
    fn from(e: TransitionError) -> Self {
        Es2PlusError::Rejected(e.rsp_error())
    }
}

impl From<RspError> for Es2PlusError {
    fn from(e: RspError) -> Self {
        Es2PlusError::Rejected(e)
    }
}

impl From<StoreError> for Es2PlusError {
    fn from(e: StoreError) -> Self {
        Es2PlusError::Store(e)
    }
}
