//! Curve backends behind one enum: AWS-LC for NIST P-256 (speed), RustCrypto for
//! brainpoolP256r1 (AWS-LC has no brainpool).

mod brainpool;
mod nist;

use zeroize::Zeroizing;

use crate::{CryptoError, Curve};

/// Length of an uncompressed SEC1 point `04‖X‖Y` on a 256-bit curve.
pub(crate) const POINT_LEN: usize = 65;
/// Length of a scalar / field element on a 256-bit curve.
pub(crate) const SCALAR_LEN: usize = 32;

/// A parsed, validated public key ready for repeated verification.
#[derive(Clone)]
pub(crate) enum Verifier {
    Nist(nist::Verifier),
    Brainpool(brainpool::Verifier),
}

impl Verifier {
    /// Validates `point` (compressed or uncompressed SEC1) on `curve`; returns the
    /// verifier and the uncompressed encoding.
    pub(crate) fn new(curve: Curve, point: &[u8]) -> Result<(Self, [u8; POINT_LEN]), CryptoError> {
        match curve {
            Curve::NistP256 => {
                let (v, p) = nist::Verifier::new(point)?;
                Ok((Verifier::Nist(v), p))
            }
            Curve::BrainpoolP256r1 => {
                let (v, p) = brainpool::Verifier::new(point)?;
                Ok((Verifier::Brainpool(v), p))
            }
        }
    }

    /// ECDSA-SHA256 verification of a plain `r‖s` signature.
    pub(crate) fn verify_raw(&self, msg: &[u8], sig: &[u8; 64]) -> Result<(), CryptoError> {
        match self {
            Verifier::Nist(v) => v.verify_raw(msg, sig),
            Verifier::Brainpool(v) => v.verify_raw(msg, sig),
        }
    }
}

/// A private key of either curve.
pub(crate) enum PrivateKey {
    Nist(nist::PrivateKey),
    Brainpool(brainpool::PrivateKey),
}

impl PrivateKey {
    /// Builds a key from a big-endian scalar (at most 32 bytes, left-padded).
    pub(crate) fn from_scalar(curve: Curve, scalar: &[u8]) -> Result<Self, CryptoError> {
        let mut padded = Zeroizing::new([0u8; SCALAR_LEN]);
        let start = SCALAR_LEN
            .checked_sub(scalar.len())
            .ok_or(CryptoError::InvalidKey)?;
        padded
            .get_mut(start..)
            .ok_or(CryptoError::InvalidKey)?
            .copy_from_slice(scalar);
        match curve {
            Curve::NistP256 => Ok(PrivateKey::Nist(nist::PrivateKey::from_scalar(&padded)?)),
            Curve::BrainpoolP256r1 => Ok(PrivateKey::Brainpool(
                brainpool::PrivateKey::from_scalar(&padded)?,
            )),
        }
    }

    /// Fresh random key from the operating system generator.
    pub(crate) fn generate(curve: Curve) -> Result<Self, CryptoError> {
        if curve == Curve::NistP256 {
            return Ok(PrivateKey::Nist(nist::PrivateKey::generate()?));
        }
        // Rejection sampling: scalars outside [1, n-1] are refused by `from_scalar`.
        // brainpoolP256r1's order is about 0.66 * 2^256, so about a third of the
        // draws are retried; 64 failures in a row (p < 2^-99) means a broken generator.
        for _ in 0..64 {
            let mut bytes = Zeroizing::new([0u8; SCALAR_LEN]);
            getrandom::fill(bytes.as_mut_slice()).map_err(|_| CryptoError::Rng)?;
            if let Ok(key) = Self::from_scalar(curve, bytes.as_slice()) {
                return Ok(key);
            }
        }
        Err(CryptoError::Rng)
    }

    /// Uncompressed public point.
    pub(crate) fn public_point(&self) -> [u8; POINT_LEN] {
        match self {
            PrivateKey::Nist(k) => k.public_point(),
            PrivateKey::Brainpool(k) => k.public_point(),
        }
    }

    /// Big-endian private scalar (for export only).
    pub(crate) fn scalar(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        match self {
            PrivateKey::Nist(k) => k.scalar(),
            PrivateKey::Brainpool(k) => k.scalar(),
        }
    }

    /// ECDSA-SHA256, plain `r‖s`.
    pub(crate) fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError> {
        match self {
            PrivateKey::Nist(k) => k.sign_raw(msg),
            PrivateKey::Brainpool(k) => k.sign_raw(msg),
        }
    }

    /// ECDH x-coordinate with a validated peer key on the same curve.
    pub(crate) fn ecka(
        &self,
        peer: &Verifier,
        peer_point: &[u8; POINT_LEN],
    ) -> Result<Zeroizing<[u8; SCALAR_LEN]>, CryptoError> {
        match (self, peer) {
            (PrivateKey::Nist(k), Verifier::Nist(_)) => k.ecka(peer_point),
            (PrivateKey::Brainpool(k), Verifier::Brainpool(v)) => Ok(k.ecka(v)),
            _ => Err(CryptoError::CurveMismatch),
        }
    }
}
