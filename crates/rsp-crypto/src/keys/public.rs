//! EC public keys, validated at construction and parsed once for fast verification.

use crate::backend::{POINT_LEN, Verifier};
use crate::{CryptoError, Curve, tr03111};

/// An EC public key, validated on its curve at construction.
#[derive(Clone)]
pub struct PublicKey {
    curve: Curve,
    point: [u8; POINT_LEN],
    pub(crate) verifier: Verifier,
}

impl PublicKey {
    /// From a SEC1 point, compressed (`02`/`03‖X`) or uncompressed (`04‖X‖Y`).
    /// Rejects points not on `curve` and the point at infinity.
    pub fn from_sec1(curve: Curve, point: &[u8]) -> Result<Self, CryptoError> {
        let (verifier, point) = Verifier::new(curve, point)?;
        Ok(Self {
            curve,
            point,
            verifier,
        })
    }

    /// From a DER `SubjectPublicKeyInfo` (id-ecPublicKey with a named curve, RFC 5480).
    pub fn from_spki_der(spki: &[u8]) -> Result<Self, CryptoError> {
        let (curve, point) = super::encoding::parse_spki(spki)?;
        Self::from_sec1(curve, point)
    }

    /// From a PEM `PUBLIC KEY` (SubjectPublicKeyInfo).
    pub fn from_spki_pem(pem: &str) -> Result<Self, CryptoError> {
        let der = super::encoding::pem_block(pem, "PUBLIC KEY")?;
        Self::from_spki_der(&der)
    }

    /// DER `SubjectPublicKeyInfo` with the uncompressed point.
    pub fn to_spki_der(&self) -> Vec<u8> {
        super::encoding::encode_spki(self.curve, &self.point)
    }

    /// Curve of the key.
    pub fn curve(&self) -> Curve {
        self.curve
    }

    /// Uncompressed SEC1 point `04‖X‖Y` (65 bytes).
    pub fn sec1_uncompressed(&self) -> &[u8] {
        &self.point
    }

    /// ECDSA with SHA-256; signature in BSI TR-03111 plain form `r‖s` (exactly 64 bytes).
    pub fn verify_raw(&self, msg: &[u8], sig_rs: &[u8]) -> Result<(), CryptoError> {
        let sig: &[u8; 64] = sig_rs
            .try_into()
            .map_err(|_| CryptoError::BadSignatureLength {
                expected: tr03111::RAW_SIGNATURE_LEN,
                actual: sig_rs.len(),
            })?;
        self.verifier.verify_raw(msg, sig)
    }

    /// ECDSA with SHA-256; signature as DER `ECDSA-Sig-Value` (X.509 certificates and CRLs).
    pub fn verify_der(&self, msg: &[u8], sig_der: &[u8]) -> Result<(), CryptoError> {
        let raw = tr03111::der_to_raw(sig_der)?;
        self.verifier.verify_raw(msg, &raw)
    }
}

impl PartialEq for PublicKey {
    fn eq(&self, other: &Self) -> bool {
        self.curve == other.curve && self.point == other.point
    }
}

impl Eq for PublicKey {}

impl std::fmt::Debug for PublicKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "PublicKey({:?}, ", self.curve)?;
        for b in &self.point {
            write!(f, "{b:02x}")?;
        }
        f.write_str(")")
    }
}
