//! Encryption at rest of Profile Packages (they hold Ki, OPc, PINs and PUKs): AES-256-GCM with
//! a fresh 96-bit nonce from the OS RNG per row and the ICCID as associated data, so a
//! ciphertext moved to another row does not decrypt.

use std::fmt;

use aws_lc_rs::aead::{AES_256_GCM, Aad, LessSafeKey, NONCE_LEN, Nonce, UnboundKey};
use rsp_smdpp::ProfilePackage;
use rsp_smdpp::session::SecretBytes;
use rsp_smdpp::store::StoreError;
use zeroize::Zeroizing;

/// Domain-separation prefix of the associated data (format version 1).
const AAD_PREFIX: &[u8] = b"rsp-smdpp/profile-package/v1/";
/// Domain-separation prefix of the associated data of a session's otSK.DP.ECKA.
const SESSION_AAD_PREFIX: &[u8] = b"rsp-smdpp/session-otsk/v1/";
/// Domain-separation prefix of the associated data of an SM-SR eUICC's keys.
const SMSR_KEYS_AAD_PREFIX: &[u8] = b"rsp-smsr/euicc-keys/v1/";
const SMDP_PACKAGE_AAD_PREFIX: &[u8] = b"rsp-smdp/profile-package/v1/";
/// GCM tag length.
const TAG_LEN: usize = 16;

/// The data-encryption key for Profile Packages, with an identifier stored beside each row
/// (to allow rotation). `Debug` shows only the identifier.
pub struct DataKey {
    id: String,
    key: LessSafeKey,
}

impl DataKey {
    /// A key from 32 secret bytes (the caller wipes its copy) and a non-secret identifier.
    pub fn new(id: impl Into<String>, bytes: &[u8; 32]) -> Result<Self, StoreError> {
        let unbound = UnboundKey::new(&AES_256_GCM, bytes).map_err(|_| StoreError::Crypto)?;
        Ok(Self {
            id: id.into(),
            key: LessSafeKey::new(unbound),
        })
    }

    /// The key identifier.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// `nonce ‖ ciphertext ‖ tag` of `package`, bound to `iccid_digits`.
    pub(crate) fn seal(
        &self,
        iccid_digits: &str,
        package: &ProfilePackage,
    ) -> Result<Vec<u8>, StoreError> {
        self.seal_with(aad(AAD_PREFIX, iccid_digits), package.expose())
    }

    /// Decrypts a value made by [`DataKey::seal`] for the same ICCID.
    pub(crate) fn open(
        &self,
        iccid_digits: &str,
        sealed: &[u8],
    ) -> Result<ProfilePackage, StoreError> {
        let plain = self.open_with(aad(AAD_PREFIX, iccid_digits), sealed)?;
        Ok(ProfilePackage::new(plain.to_vec()))
    }

    /// Seals the otSK.DP.ECKA of RSP session `transaction_hex` (its own AAD domain).
    pub(crate) fn seal_session_key(
        &self,
        transaction_hex: &str,
        secret: &SecretBytes,
    ) -> Result<Vec<u8>, StoreError> {
        self.seal_with(aad(SESSION_AAD_PREFIX, transaction_hex), secret.expose())
    }

    /// Opens a value made by [`DataKey::seal_session_key`] for the same session.
    pub(crate) fn open_session_key(
        &self,
        transaction_hex: &str,
        sealed: &[u8],
    ) -> Result<SecretBytes, StoreError> {
        let plain = self.open_with(aad(SESSION_AAD_PREFIX, transaction_hex), sealed)?;
        Ok(SecretBytes::new(plain.to_vec()))
    }

    /// Seals the SM-SR's key material of eUICC `eid` (its own AAD domain, bound to the EID).
    pub(crate) fn seal_smsr_keys(&self, eid: &str, plain: &[u8]) -> Result<Vec<u8>, StoreError> {
        self.seal_with(aad(SMSR_KEYS_AAD_PREFIX, eid), plain)
    }

    /// Opens a value made by [`DataKey::seal_smsr_keys`] for the same EID.
    pub(crate) fn open_smsr_keys(
        &self,
        eid: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        self.open_with(aad(SMSR_KEYS_AAD_PREFIX, eid), sealed)
    }

    /// Seals the M2M SM-DP's Profile Package of `iccid` (its own AAD domain, bound to the
    /// ICCID).
    pub(crate) fn seal_smdp_package(
        &self,
        iccid: &str,
        plain: &[u8],
    ) -> Result<Vec<u8>, StoreError> {
        self.seal_with(aad(SMDP_PACKAGE_AAD_PREFIX, iccid), plain)
    }

    /// Opens a value made by [`DataKey::seal_smdp_package`] for the same ICCID.
    pub(crate) fn open_smdp_package(
        &self,
        iccid: &str,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        self.open_with(aad(SMDP_PACKAGE_AAD_PREFIX, iccid), sealed)
    }

    fn seal_with(&self, aad: Aad<Vec<u8>>, plaintext: &[u8]) -> Result<Vec<u8>, StoreError> {
        let mut nonce = [0u8; NONCE_LEN];
        getrandom::fill(&mut nonce).map_err(|_| StoreError::Crypto)?;
        let mut body = Zeroizing::new(Vec::with_capacity(plaintext.len() + TAG_LEN));
        body.extend_from_slice(plaintext);
        self.key
            .seal_in_place_append_tag(Nonce::assume_unique_for_key(nonce), aad, &mut *body)
            .map_err(|_| StoreError::Crypto)?;
        let mut sealed = Vec::with_capacity(NONCE_LEN + body.len());
        sealed.extend_from_slice(&nonce);
        sealed.extend_from_slice(&body);
        Ok(sealed)
    }

    fn open_with(
        &self,
        aad: Aad<Vec<u8>>,
        sealed: &[u8],
    ) -> Result<Zeroizing<Vec<u8>>, StoreError> {
        let (nonce, body) = sealed
            .split_first_chunk::<NONCE_LEN>()
            .ok_or(StoreError::Crypto)?;
        let mut buf = Zeroizing::new(body.to_vec());
        let len = self
            .key
            .open_in_place(Nonce::assume_unique_for_key(*nonce), aad, &mut buf)
            .map_err(|_| StoreError::Crypto)?
            .len();
        buf.truncate(len);
        Ok(buf)
    }
}

fn aad(prefix: &[u8], bound_to: &str) -> Aad<Vec<u8>> {
    let mut a = prefix.to_vec();
    a.extend_from_slice(bound_to.as_bytes());
    Aad::from(a)
}

impl fmt::Debug for DataKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DataKey")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn key() -> DataKey {
        DataKey::new("k1", &[7u8; 32]).unwrap()
    }

    #[test]
    fn round_trip_and_binding() {
        let k = key();
        let p = ProfilePackage::new(b"secret Ki".to_vec());
        let a = k.seal("8949000000000000001", &p).unwrap();
        let b = k.seal("8949000000000000001", &p).unwrap();
        assert_ne!(a[..NONCE_LEN], b[..NONCE_LEN], "fresh nonce per seal");
        assert_eq!(a.len(), NONCE_LEN + 9 + TAG_LEN);
        assert_eq!(k.open("8949000000000000001", &a).unwrap(), p);
        assert!(
            k.open("8949000000000000002", &a).is_err(),
            "bound to the ICCID"
        );
        let mut tampered = a.clone();
        tampered[NONCE_LEN] ^= 1;
        assert!(k.open("8949000000000000001", &tampered).is_err());
        assert!(k.open("8949000000000000001", &a[..5]).is_err());
        let other = DataKey::new("k2", &[8u8; 32]).unwrap();
        assert!(other.open("8949000000000000001", &a).is_err());
        assert_eq!(format!("{k:?}"), "DataKey { id: \"k1\", .. }");
    }
}
