//! Private keys held in process memory.

use zeroize::Zeroizing;

use super::encoding::{self, PrivateKeyParts};
use super::{KeyAgreement, PublicKey, SharedSecret, Signer};
use crate::backend::PrivateKey;
use crate::{CryptoError, Curve};

/// Software private key; zeroized on drop; `Debug` prints curve and public key only.
pub struct SoftwareKey {
    public: PublicKey,
    private: PrivateKey,
}

impl SoftwareKey {
    /// Generates a fresh key from the operating system random generator.
    pub fn generate(curve: Curve) -> Result<Self, CryptoError> {
        Self::from_private(curve, PrivateKey::generate(curve)?)
    }

    /// From a big-endian private scalar in [1, n-1] (at most 32 bytes).
    pub fn from_scalar(curve: Curve, scalar: &[u8]) -> Result<Self, CryptoError> {
        Self::from_private(curve, PrivateKey::from_scalar(curve, scalar)?)
    }

    fn from_private(curve: Curve, private: PrivateKey) -> Result<Self, CryptoError> {
        let public = PublicKey::from_sec1(curve, &private.public_point())?;
        Ok(Self { public, private })
    }

    fn from_parts(parts: PrivateKeyParts) -> Result<Self, CryptoError> {
        let key = Self::from_scalar(parts.curve, &parts.scalar)?;
        if let Some(public) = parts.public {
            let stated = PublicKey::from_sec1(parts.curve, &public)?;
            if stated != key.public {
                return Err(CryptoError::KeyEncoding(
                    "public key does not match private key".into(),
                ));
            }
        }
        Ok(key)
    }

    /// PEM `PRIVATE KEY` (PKCS#8) or `EC PRIVATE KEY` (SEC1); a leading
    /// `EC PARAMETERS` block (as OpenSSL writes) supplies the curve if SEC1 omits it.
    pub fn from_pem(pem: &str) -> Result<Self, CryptoError> {
        let mut params_curve = None;
        for block in encoding::pem_blocks(pem)? {
            match block.label.as_str() {
                "EC PARAMETERS" => params_curve = Some(encoding::parse_ec_parameters(&block.der)?),
                "PRIVATE KEY" => return Self::from_pkcs8_der(&block.der),
                "EC PRIVATE KEY" => {
                    return Self::from_parts(encoding::parse_sec1(&block.der, params_curve)?);
                }
                other => return Err(CryptoError::Pem(format!("unexpected PEM label {other}"))),
            }
        }
        Err(CryptoError::Pem("no private key block found".into()))
    }

    /// DER PKCS#8 `PrivateKeyInfo` (unencrypted).
    pub fn from_pkcs8_der(der: &[u8]) -> Result<Self, CryptoError> {
        Self::from_parts(encoding::parse_pkcs8(der)?)
    }

    /// DER SEC1 `ECPrivateKey` carrying its named curve.
    pub fn from_sec1_der(der: &[u8]) -> Result<Self, CryptoError> {
        Self::from_parts(encoding::parse_sec1(der, None)?)
    }

    /// DER PKCS#8 `PrivateKeyInfo` (as OpenSSL writes it: inner SEC1 key with the public
    /// key and without parameters).
    pub fn to_pkcs8_der(&self) -> Zeroizing<Vec<u8>> {
        let scalar = self.private.scalar();
        // Encoding fixed-size fields cannot fail; the empty fallback never parses.
        encoding::encode_pkcs8(
            self.public.curve(),
            scalar.as_slice(),
            self.public.sec1_uncompressed(),
        )
        .unwrap_or_default()
    }

    /// PEM `PRIVATE KEY` (PKCS#8).
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        let der = self.to_pkcs8_der();
        Zeroizing::new(
            der::pem::encode_string("PRIVATE KEY", der::pem::LineEnding::LF, &der)
                .unwrap_or_default(),
        )
    }
}

impl Signer for SoftwareKey {
    fn curve(&self) -> Curve {
        self.public.curve()
    }

    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn sign_raw(&self, msg: &[u8]) -> Result<[u8; 64], CryptoError> {
        self.private.sign_raw(msg)
    }
}

impl KeyAgreement for SoftwareKey {
    fn curve(&self) -> Curve {
        self.public.curve()
    }

    fn public_key(&self) -> &PublicKey {
        &self.public
    }

    fn ecka(&self, peer: &PublicKey) -> Result<SharedSecret, CryptoError> {
        if peer.curve() != self.public.curve() {
            return Err(CryptoError::CurveMismatch);
        }
        let point: &[u8; 65] = peer
            .sec1_uncompressed()
            .try_into()
            .map_err(|_| CryptoError::InvalidPoint)?;
        Ok(SharedSecret::from_zeroizing(
            self.private.ecka(&peer.verifier, point)?,
        ))
    }
}

impl std::fmt::Debug for SoftwareKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SoftwareKey")
            .field("public", &self.public)
            .finish_non_exhaustive()
    }
}
