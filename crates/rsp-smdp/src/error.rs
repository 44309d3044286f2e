//! Errors of the M2M SM-DP domain.

use rsp_codec::sgp02::{Sgp02Error, StatusWord};
use rsp_crypto::CryptoError;
use rsp_keyest::KeyEstError;

/// Why an ES8 step failed.
#[derive(Debug, thiserror::Error)]
pub enum SmdpError {
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
    /// The SCP03t session failed (card cryptogram, R-MAC).
    #[error("SCP03t: {0}")]
    Scp03t(&'static str),
    /// The credential is unusable (certificate, key, curve).
    #[error("credential: {0}")]
    Credential(String),
}

/// The key establishment's errors are the SM-DP's, variant for variant.
impl From<KeyEstError> for SmdpError {
    fn from(e: KeyEstError) -> Self {
        match e {
            KeyEstError::Codec(e) => Self::Codec(e),
            KeyEstError::Crypto(e) => Self::Crypto(e),
            KeyEstError::Refused(sw) => Self::Refused(sw),
            KeyEstError::Unexpected(s) => Self::Unexpected(s),
            KeyEstError::Receipt => Self::Receipt,
            KeyEstError::Credential(s) => Self::Credential(s),
        }
    }
}
