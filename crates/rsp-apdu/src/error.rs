//! Errors of the transports. Only I/O with the peer can end a session; whatever the
//! peer sends that is not understood is answered or logged, never fatal.

use thiserror::Error;

/// Why a transport stopped.
#[derive(Debug, Error)]
pub enum TransportError {
    /// Reading from or writing to the peer failed.
    #[error("{context}: {source}")]
    Io {
        context: &'static str,
        #[source]
        source: std::io::Error,
    },
    /// The address given for vpcd is not `HOST:PORT`.
    #[error("invalid vpcd address {0:?}: expected HOST:PORT")]
    Address(String),
}

impl TransportError {
    pub(crate) fn io(context: &'static str) -> impl FnOnce(std::io::Error) -> Self {
        move |source| TransportError::Io { context, source }
    }
}
