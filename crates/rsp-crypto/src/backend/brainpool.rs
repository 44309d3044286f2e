//! brainpoolP256r1 (RFC 5639) on RustCrypto `bp256` + `ecdsa` (RFC 6979 deterministic nonces).

use bp256::BrainpoolP256r1;
use ecdsa::signature::{Signer as _, Verifier as _};
use elliptic_curve::sec1::ToSec1Point;
use zeroize::Zeroizing;

use super::{POINT_LEN, SCALAR_LEN};
use crate::CryptoError;

type SigningKey = ecdsa::SigningKey<BrainpoolP256r1>;
type VerifyingKey = ecdsa::VerifyingKey<BrainpoolP256r1>;
type Signature = ecdsa::Signature<BrainpoolP256r1>;

/// Parsed verification key.
#[derive(Clone)]
pub(crate) struct Verifier {
    key: VerifyingKey,
}

impl Verifier {
    pub(crate) fn new(point: &[u8]) -> Result<(Self, [u8; POINT_LEN]), CryptoError> {
        let key = VerifyingKey::from_sec1_bytes(point).map_err(|_| CryptoError::InvalidPoint)?;
        let sec1 = key.to_sec1_point(false);
        let point = sec1
            .as_bytes()
            .try_into()
            .map_err(|_| CryptoError::InvalidPoint)?;
        Ok((Self { key }, point))
    }

    pub(crate) fn verify_raw(&self, msg: &[u8], sig: &[u8; 64]) -> Result<(), CryptoError> {
        let sig = Signature::from_slice(sig).map_err(|_| CryptoError::InvalidSignature)?;
        self.key
            .verify(msg, &sig)
            .map_err(|_| CryptoError::InvalidSignature)
    }
}

/// brainpoolP256r1 private key (zeroized on drop by `ecdsa::SigningKey`).
pub(crate) struct PrivateKey {
    key: SigningKey,
}

impl PrivateKey {
    pub(crate) fn from_scalar(scalar: &[u8; SCALAR_LEN]) -> Result<Self, CryptoError> {
        let key = SigningKey::from_slice(scalar).map_err(|_| CryptoError::InvalidKey)?;
        Ok(Self { key })
    }

    pub(crate) fn public_point(&self) -> [u8; POINT_LEN] {
        let sec1 = self.key.verifying_key().as_affine().to_sec1_point(false);
        let mut out = [0u8; POINT_LEN];
        // An affine point of a valid key is never the identity, so the encoding is 65 bytes.
        if let Some(bytes) = sec1.as_bytes().get(..POINT_LEN) {
            out.copy_from_slice(bytes);
        }
        out
    }

    pub(crate) fn scalar(&self) -> Zeroizing<[u8; SCALAR_LEN]> {
        let bytes = Zeroizing::new(self.key.to_bytes());
        let mut out = Zeroizing::new([0u8; SCALAR_LEN]);
        out.copy_from_slice(bytes.as_slice());
        out
    }

    pub(crate) fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError> {
        let sig: Signature = self.key.try_sign(msg).map_err(|_| CryptoError::Signing)?;
        let bytes = sig.to_bytes();
        bytes
            .as_slice()
            .try_into()
            .map_err(|_| CryptoError::Signing)
    }

    pub(crate) fn ecka(&self, peer: &Verifier) -> Zeroizing<[u8; SCALAR_LEN]> {
        let shared = elliptic_curve::ecdh::diffie_hellman(
            self.key.as_nonzero_scalar(),
            peer.key.as_affine(),
        );
        let mut out = Zeroizing::new([0u8; SCALAR_LEN]);
        out.copy_from_slice(shared.raw_secret_bytes().as_slice());
        out
    }
}
