//! Keys and the two capabilities callers use: [`Signer`] and [`KeyAgreement`].

mod encoding;
mod public;
mod software;

pub use public::PublicKey;
pub use software::SoftwareKey;

use zeroize::Zeroizing;

use crate::{CryptoError, Curve};

/// Anything that signs: software keys now, PKCS#11 (HSM) keys later, without touching callers.
pub trait Signer: Send + Sync {
    /// Curve of the key.
    fn curve(&self) -> Curve;
    /// Public half of the key.
    fn public_key(&self) -> &PublicKey;
    /// ECDSA-SHA256 over `msg`, plain `r‖s` (BSI TR-03111, SGP.22 §2.6.5).
    fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError>;
    /// ECDSA-SHA256 over `msg`, DER `ECDSA-Sig-Value` (X.509 certificates and CRLs).
    fn sign_der(&self, msg: &[u8]) -> Result<Vec<u8>, CryptoError> {
        crate::tr03111::raw_to_der(&self.sign_raw(msg)?)
    }
}

/// Anything that does ECKA (ECDH, SGP.22 §3.1.3.2 / BSI TR-03111 §4.3.1): software keys now,
/// PKCS#11 later.
pub trait KeyAgreement: Send + Sync {
    /// Curve of the key.
    fn curve(&self) -> Curve;
    /// Public half of the key.
    fn public_key(&self) -> &PublicKey;
    /// ECKA-DH: the x-coordinate of `d · Q_peer`. Fails if `peer` is on another curve.
    fn ecka(&self, peer: &PublicKey) -> Result<SharedSecret, CryptoError>;
}

/// ECKA shared secret ShS (the x-coordinate, 32 bytes), zeroized on drop.
#[derive(Clone)]
pub struct SharedSecret(Zeroizing<[u8; 32]>);

impl SharedSecret {
    /// Wraps a shared secret computed elsewhere (e.g. by an HSM via `CKM_ECDH1_DERIVE`).
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self(Zeroizing::new(bytes))
    }

    pub(crate) fn from_zeroizing(bytes: Zeroizing<[u8; 32]>) -> Self {
        Self(bytes)
    }

    /// The secret bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_slice()
    }
}

impl std::fmt::Debug for SharedSecret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SharedSecret(<redacted>)")
    }
}
