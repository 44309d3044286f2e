//! NIST P-256 on AWS-LC (`aws-lc-rs`), several times faster than the pure-Rust `p256`
//! crate; `p256` is only used to validate and decompress points at construction.

use aws_lc_rs::{agreement, rand::SystemRandom, signature};
use elliptic_curve::sec1::ToSec1Point;
use zeroize::Zeroizing;

use super::{POINT_LEN, SCALAR_LEN};
use crate::CryptoError;

/// Parsed verification key (parsed once, reused for every verify).
#[derive(Clone)]
pub(crate) struct Verifier {
    key: signature::ParsedPublicKey,
}

/// Validates a SEC1 point on P-256 and returns its uncompressed encoding.
fn uncompressed(point: &[u8]) -> Result<[u8; POINT_LEN], CryptoError> {
    let pk = p256::PublicKey::from_sec1_bytes(point).map_err(|_| CryptoError::InvalidPoint)?;
    let sec1 = pk.as_affine().to_sec1_point(false);
    sec1.as_bytes()
        .try_into()
        .map_err(|_| CryptoError::InvalidPoint)
}

impl Verifier {
    pub(crate) fn new(point: &[u8]) -> Result<(Self, [u8; POINT_LEN]), CryptoError> {
        let point = uncompressed(point)?;
        let key = signature::ParsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
            .map_err(|_| CryptoError::InvalidPoint)?;
        Ok((Self { key }, point))
    }

    pub(crate) fn verify_raw(&self, msg: &[u8], sig: &[u8; 64]) -> Result<(), CryptoError> {
        self.key
            .verify_sig(msg, sig)
            .map_err(|_| CryptoError::InvalidSignature)
    }
}

/// P-256 private key: one AWS-LC object for ECDSA, one for ECDH, and the scalar for export.
pub(crate) struct PrivateKey {
    scalar: Zeroizing<[u8; SCALAR_LEN]>,
    public: [u8; POINT_LEN],
    signing: signature::EcdsaKeyPair,
    agreement: agreement::PrivateKey,
}

impl PrivateKey {
    pub(crate) fn from_scalar(scalar: &[u8; SCALAR_LEN]) -> Result<Self, CryptoError> {
        let agreement = agreement::PrivateKey::from_private_key(&agreement::ECDH_P256, scalar)
            .map_err(|_| CryptoError::InvalidKey)?;
        let public_key = agreement
            .compute_public_key()
            .map_err(|_| CryptoError::InvalidKey)?;
        let public: [u8; POINT_LEN] = public_key
            .as_ref()
            .try_into()
            .map_err(|_| CryptoError::InvalidKey)?;
        let signing = signature::EcdsaKeyPair::from_private_key_and_public_key(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            scalar,
            &public,
        )
        .map_err(|_| CryptoError::InvalidKey)?;
        Ok(Self {
            scalar: Zeroizing::new(*scalar),
            public,
            signing,
            agreement,
        })
    }

    pub(crate) fn public_point(&self) -> [u8; POINT_LEN] {
        self.public
    }

    pub(crate) fn scalar(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        self.scalar.clone()
    }

    pub(crate) fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError> {
        let sig = self
            .signing
            .sign(&SystemRandom::new(), msg)
            .map_err(|_| CryptoError::Signing)?;
        sig.as_ref().try_into().map_err(|_| CryptoError::Signing)
    }

    pub(crate) fn ecka(
        &self,
        peer_point: &[u8; POINT_LEN],
    ) -> Result<Zeroizing<[u8; SCALAR_LEN]>, CryptoError> {
        let peer = agreement::UnparsedPublicKey::new(&agreement::ECDH_P256, peer_point);
        agreement::agree(&self.agreement, peer, CryptoError::Agreement, |z| {
            let mut out = Zeroizing::new([0u8; SCALAR_LEN]);
            if z.len() != SCALAR_LEN {
                return Err(CryptoError::Agreement);
            }
            out.copy_from_slice(z);
            Ok(out)
        })
    }
}
