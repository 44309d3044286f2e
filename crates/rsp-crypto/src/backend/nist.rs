//! NIST P-256 on AWS-LC (`aws-lc-rs`), several times faster than the pure-Rust `p256`
//! crate; `p256` is only used to decompress compressed points.

use std::sync::OnceLock;

use aws_lc_rs::encoding::{AsBigEndian, EcPrivateKeyBin};
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

/// The uncompressed encoding of a SEC1 point; a compressed one is validated and
/// decompressed with `p256`. (An uncompressed one is validated by AWS-LC when it is parsed:
/// coordinates below p, on the curve.)
fn uncompressed(point: &[u8]) -> Result<[u8; POINT_LEN], CryptoError> {
    if let Ok(unc) = <[u8; POINT_LEN]>::try_from(point)
        && unc[0] == 0x04
    {
        return Ok(unc);
    }
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

/// P-256 private key: one AWS-LC object for ECDH, one for ECDSA made at the first
/// signature, and the scalar for export. (Building the ECDSA key pair checks it with a
/// second scalar multiplication; a one-time ECKA key of a session never signs.)
pub(crate) struct PrivateKey {
    scalar: Zeroizing<[u8; SCALAR_LEN]>,
    public: [u8; POINT_LEN],
    signing: OnceLock<signature::EcdsaKeyPair>,
    agreement: agreement::PrivateKey,
}

impl PrivateKey {
    pub(crate) fn from_scalar(scalar: &[u8; SCALAR_LEN]) -> Result<Self, CryptoError> {
        let agreement = agreement::PrivateKey::from_private_key(&agreement::ECDH_P256, scalar)
            .map_err(|_| CryptoError::InvalidKey)?;
        Self::with_agreement(Zeroizing::new(*scalar), agreement)
    }

    /// A fresh key from AWS-LC's generator (FIPS 186-4 B.4.2 candidate testing). One
    /// scalar multiplication: `from_scalar` also checks the key pair with a second one.
    pub(crate) fn generate() -> Result<Self, CryptoError> {
        let agreement =
            agreement::PrivateKey::generate(&agreement::ECDH_P256).map_err(|_| CryptoError::Rng)?;
        let be: EcPrivateKeyBin = agreement.as_be_bytes().map_err(|_| CryptoError::Rng)?;
        let scalar: [u8; SCALAR_LEN] = be.as_ref().try_into().map_err(|_| CryptoError::Rng)?;
        Self::with_agreement(Zeroizing::new(scalar), agreement)
    }

    fn with_agreement(
        scalar: Zeroizing<[u8; SCALAR_LEN]>,
        agreement: agreement::PrivateKey,
    ) -> Result<Self, CryptoError> {
        let public_key = agreement
            .compute_public_key()
            .map_err(|_| CryptoError::InvalidKey)?;
        let public: [u8; POINT_LEN] = public_key
            .as_ref()
            .try_into()
            .map_err(|_| CryptoError::InvalidKey)?;
        Ok(Self {
            scalar,
            public,
            signing: OnceLock::new(),
            agreement,
        })
    }

    pub(crate) fn public_point(&self) -> [u8; POINT_LEN] {
        self.public
    }

    pub(crate) fn scalar(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        self.scalar.clone()
    }

    fn signing(&self) -> Result<&signature::EcdsaKeyPair, CryptoError> {
        if let Some(k) = self.signing.get() {
            return Ok(k);
        }
        let k = signature::EcdsaKeyPair::from_private_key_and_public_key(
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            self.scalar.as_slice(),
            &self.public,
        )
        .map_err(|_| CryptoError::InvalidKey)?;
        Ok(self.signing.get_or_init(|| k))
    }

    pub(crate) fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError> {
        let sig = self
            .signing()?
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
