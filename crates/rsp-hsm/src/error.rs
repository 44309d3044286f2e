//! Typed errors of the key store. None carries a PIN or key material.

use std::path::PathBuf;

use crate::uri::UriError;

/// Why a PKCS#11 key could not be loaded or used.
#[derive(Debug, thiserror::Error)]
pub enum HsmError {
    /// The `pkcs11:` URI is malformed.
    #[error("pkcs11 URI: {0}")]
    Uri(#[from] UriError),
    /// The module file does not exist.
    #[error("PKCS#11 module {0} not found (install softhsm2 or set RSP_PKCS11_MODULE)")]
    ModuleMissing(PathBuf),
    /// The module could not be loaded or initialised.
    #[error("PKCS#11 module {path}: {reason}")]
    Module {
        /// Library path.
        path: PathBuf,
        /// Why.
        reason: String,
    },
    /// No initialised token matches the URI.
    #[error("no token matches {0}")]
    NoToken(String),
    /// No object matches the URI.
    #[error("no object matches {0}")]
    NoObject(String),
    /// Several objects match the URI.
    #[error("several objects match {0}: add id= or a unique object=")]
    Ambiguous(String),
    /// The object to generate exists already.
    #[error("{0} exists already")]
    Exists(String),
    /// Neither `pin-value`, `pin-source` nor `RSP_PKCS11_PIN`.
    #[error("no PIN: add pin-source=file:… to the URI or set RSP_PKCS11_PIN")]
    NoPin,
    /// The PIN file cannot be read.
    #[error("PIN file {path}: {reason}")]
    PinSource {
        /// The file.
        path: PathBuf,
        /// Why (I/O error kind).
        reason: String,
    },
    /// The token refused the PIN.
    #[error("the token refused the PIN")]
    PinIncorrect,
    /// The key is not a usable EC (P-256 / brainpoolP256r1) or AES key.
    #[error("unsupported key: {0}")]
    UnsupportedKey(&'static str),
    /// A PKCS#11 call failed.
    #[error("PKCS#11: {0}")]
    Pkcs11(String),
    /// A lock was poisoned by a panicking thread.
    #[error("internal lock poisoned")]
    Poisoned,
}

impl From<cryptoki::error::Error> for HsmError {
    fn from(e: cryptoki::error::Error) -> Self {
        HsmError::Pkcs11(e.to_string())
    }
}
