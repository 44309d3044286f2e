//! One loader for every long-term key: a key "path" is either a PEM file (software key,
//! the default), a `pkcs11:` URI, or a file whose only content is a `pkcs11:` URI (so the
//! directory layouts of `rsp pki init` can point into a token without new options).

use std::path::{Path, PathBuf};

use rsp_crypto::{CryptoError, Curve, KeyAgreement, PublicKey, SharedSecret, Signer, SoftwareKey};

use crate::HsmError;
use crate::key::HsmKey;
use crate::uri::{Pkcs11Uri, is_pkcs11_uri};

/// Why a key could not be loaded. Never carries key bytes or a PIN.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    /// The file is missing or unreadable.
    #[error("cannot read {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The file is neither an EC private key (PEM) nor a `pkcs11:` URI.
    #[error("{0}: not a usable EC private key")]
    NotAKey(PathBuf),
    /// The token key could not be opened.
    #[error("{0}")]
    Hsm(#[from] HsmError),
}

/// Where a key lives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySource {
    /// A PEM file (PKCS#8 or SEC1).
    File(PathBuf),
    /// A token object.
    Pkcs11(Box<Pkcs11Uri>),
}

impl KeySource {
    /// `pkcs11:` URIs become [`KeySource::Pkcs11`], anything else a file path.
    pub fn parse(s: &str) -> Result<Self, HsmError> {
        if is_pkcs11_uri(s) {
            Ok(Self::Pkcs11(Box::new(Pkcs11Uri::parse(s)?)))
        } else {
            Ok(Self::File(PathBuf::from(s)))
        }
    }

    /// From a configured path (a `pkcs11:` URI given where a path is expected).
    pub fn from_path(p: &Path) -> Result<Self, HsmError> {
        Self::parse(&p.to_string_lossy())
    }
}

/// A long-term private key, in software or in a token.
#[derive(Debug)]
pub enum AnyKey {
    /// In memory.
    Software(SoftwareKey),
    /// In a PKCS#11 token.
    Hsm(HsmKey),
}

/// Loads the key at `path` (see the module documentation).
pub fn load_key(path: &Path) -> Result<AnyKey, LoadError> {
    match KeySource::from_path(path)? {
        KeySource::Pkcs11(uri) => Ok(AnyKey::Hsm(HsmKey::open(&uri)?)),
        KeySource::File(path) => {
            let text =
                zeroize::Zeroizing::new(std::fs::read_to_string(&path).map_err(|source| {
                    LoadError::Io {
                        path: path.clone(),
                        source,
                    }
                })?);
            let trimmed = text.trim();
            if is_pkcs11_uri(trimmed) && !trimmed.contains('\n') {
                return Ok(AnyKey::Hsm(HsmKey::open(
                    &Pkcs11Uri::parse(trimmed).map_err(HsmError::from)?,
                )?));
            }
            SoftwareKey::from_pem(&text)
                .map(AnyKey::Software)
                .map_err(|_| LoadError::NotAKey(path))
        }
    }
}

impl AnyKey {
    /// True when the key is in a token.
    pub fn is_hsm(&self) -> bool {
        matches!(self, AnyKey::Hsm(_))
    }

    /// Public half of the key.
    pub fn public_key(&self) -> &PublicKey {
        Signer::public_key(self)
    }

    /// Curve of the key.
    pub fn curve(&self) -> Curve {
        Signer::curve(self)
    }
}

impl Signer for AnyKey {
    fn curve(&self) -> Curve {
        match self {
            AnyKey::Software(k) => Signer::curve(k),
            AnyKey::Hsm(k) => Signer::curve(k),
        }
    }

    fn public_key(&self) -> &PublicKey {
        match self {
            AnyKey::Software(k) => Signer::public_key(k),
            AnyKey::Hsm(k) => Signer::public_key(k),
        }
    }

    fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError> {
        match self {
            AnyKey::Software(k) => k.sign_raw(msg),
            AnyKey::Hsm(k) => k.sign_raw(msg),
        }
    }
}

impl KeyAgreement for AnyKey {
    fn curve(&self) -> Curve {
        Signer::curve(self)
    }

    fn public_key(&self) -> &PublicKey {
        Signer::public_key(self)
    }

    fn ecka(&self, peer: &PublicKey) -> Result<SharedSecret, CryptoError> {
        match self {
            AnyKey::Software(k) => k.ecka(peer),
            AnyKey::Hsm(k) => k.ecka(peer),
        }
    }
}
