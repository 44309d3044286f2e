//! Errors of the key establishment.

use rsp_codec::sgp02::{Sgp02Error, StatusWord};
use rsp_crypto::CryptoError;

/// Why a key establishment step failed.
#[derive(Debug, thiserror::Error)]
pub enum KeyEstError {
    /// A message could not be built or parsed.
    #[error("codec: {0}")]
    Codec(#[from] Sgp02Error),
    /// A cryptographic operation failed (a key, a signature, the RNG).
    #[error("crypto: {0}")]
    Crypto(#[from] CryptoError),
    /// The eUICC refused a command with this status word.
    #[error("the eUICC answered {0:?}")]
    Refused(StatusWord),
    /// The eUICC's answer is not what the step expects.
    #[error("unexpected answer: {0}")]
    Unexpected(&'static str),
    /// The receipt of the key establishment does not verify: the eUICC did not derive
    /// the same keys.
    #[error("the key establishment receipt does not verify")]
    Receipt,
    /// The credential is unusable (certificate, key, curve).
    #[error("credential: {0}")]
    Credential(String),
}
