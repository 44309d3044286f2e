//! Session key derivation for the Bound Profile Package (SGP.22 §3.1.3.2 / §2.6.4.2 and
//! Annex G; BSI TR-03111 §4.3.3 X9.63 KDF): ShS from ECKA, then
//! `KDF(ShS, SharedInfo)` with SHA-256 and a 32-bit counter starting at 1, split into
//! initial MAC chaining value ‖ S-ENC ‖ S-MAC.

use sha2::{Digest, Sha256};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::{CryptoError, SharedSecret};

/// Key type `88` of the control reference template: AES (GP Amd F §6.5.2.3).
pub const KEY_TYPE_AES: u8 = 0x88;
/// Key length `10`: 16-byte (AES-128) session keys.
pub const KEY_LENGTH_AES128: u8 = 0x10;
/// Length of an EID (SGP.29): 16 bytes.
pub const EID_LEN: usize = 16;
/// Maximum length of the host identifier (SGP.22 §5.5.1 `hostId OCTET STRING (SIZE(1..16))`).
pub const MAX_HOST_ID_LEN: usize = 16;

/// Length in bytes of each derived key.
const KEY_LEN: usize = 16;

/// Control reference template of `InitialiseSecureChannelRequest` (tag `A6`, SGP.22 §5.5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ControlReferenceTemplate<'a> {
    /// `80`: key type, `88` for AES.
    pub key_type: u8,
    /// `81`: key length, `10` for AES-128.
    pub key_length: u8,
    /// `84`: host identifier chosen by the SM-DP+ (1..16 bytes).
    pub host_id: &'a [u8],
}

impl<'a> ControlReferenceTemplate<'a> {
    /// The only template SGP.22 v2 defines: AES-128 with the given host identifier.
    pub fn aes128(host_id: &'a [u8]) -> Self {
        Self {
            key_type: KEY_TYPE_AES,
            key_length: KEY_LENGTH_AES128,
            host_id,
        }
    }
}

/// The three session keys of one BPP (SGP.22 Annex G), zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    initial_mcv: [u8; KEY_LEN],
    s_enc: [u8; KEY_LEN],
    s_mac: [u8; KEY_LEN],
}

impl SessionKeys {
    /// From explicit key material, e.g. the PPK-ENC / PPK-MAC / initial MCV of a
    /// `ReplaceSessionKeysRequest` (SGP.22 §5.5.4).
    pub fn from_parts(initial_mcv: [u8; 16], s_enc: [u8; 16], s_mac: [u8; 16]) -> Self {
        Self {
            initial_mcv,
            s_enc,
            s_mac,
        }
    }

    /// Fresh random keys (e.g. PPK-ENC / PPK-MAC for a pre-protected profile package).
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new([0u8; 3 * KEY_LEN]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| CryptoError::Rng)?;
        Ok(Self::split(&bytes))
    }

    fn split(bytes: &[u8; 3 * KEY_LEN]) -> Self {
        let mut keys = Self::from_parts([0; KEY_LEN], [0; KEY_LEN], [0; KEY_LEN]);
        let (mcv, rest) = bytes.split_at(KEY_LEN);
        let (enc, mac) = rest.split_at(KEY_LEN);
        keys.initial_mcv.copy_from_slice(mcv);
        keys.s_enc.copy_from_slice(enc);
        keys.s_mac.copy_from_slice(mac);
        keys
    }

    /// Initial MAC chaining value.
    pub fn initial_mcv(&self) -> &[u8; 16] {
        &self.initial_mcv
    }

    /// S-ENC (or PPK-ENC).
    pub fn s_enc(&self) -> &[u8; 16] {
        &self.s_enc
    }

    /// S-MAC (or PPK-MAC).
    pub fn s_mac(&self) -> &[u8; 16] {
        &self.s_mac
    }
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(<redacted>)")
    }
}

/// SharedInfo = keyType ‖ keyLength ‖ L(hostId) ‖ hostId ‖ L(EID) ‖ EID (SGP.22 Annex G).
pub fn shared_info(crt: &ControlReferenceTemplate<'_>, eid: &[u8]) -> Result<Vec<u8>, CryptoError> {
    if crt.key_type != KEY_TYPE_AES || crt.key_length != KEY_LENGTH_AES128 {
        return Err(CryptoError::Kdf(
            "only key type 88 with key length 10 (AES-128) is supported",
        ));
    }
    if crt.host_id.is_empty() || crt.host_id.len() > MAX_HOST_ID_LEN {
        return Err(CryptoError::Kdf("host identifier must be 1..16 bytes"));
    }
    if eid.len() != EID_LEN {
        return Err(CryptoError::Kdf("EID must be 16 bytes"));
    }
    let mut info = Vec::with_capacity(4 + crt.host_id.len() + eid.len());
    info.push(crt.key_type);
    info.push(crt.key_length);
    // Both lengths are at most 16, so the single-byte length form is exact.
    info.push(crt.host_id.len() as u8);
    info.extend_from_slice(crt.host_id);
    info.push(EID_LEN as u8);
    info.extend_from_slice(eid);
    Ok(info)
}

/// ANSI X9.63 KDF with SHA-256 (BSI TR-03111 §4.3.3): block i = SHA-256(Z ‖ i (32-bit BE,
/// from 1) ‖ SharedInfo), concatenated and truncated to `out.len()`.
pub fn x963_kdf_sha256(z: &[u8], shared_info: &[u8], out: &mut [u8]) -> Result<(), CryptoError> {
    for (i, chunk) in out.chunks_mut(32).enumerate() {
        let counter = u32::try_from(i + 1).map_err(|_| CryptoError::Kdf("output too long"))?;
        let mut hasher = Sha256::new();
        hasher.update(z);
        hasher.update(counter.to_be_bytes());
        hasher.update(shared_info);
        let block = Zeroizing::new(<[u8; 32]>::from(hasher.finalize()));
        let n = chunk.len();
        chunk.copy_from_slice(block.get(..n).ok_or(CryptoError::Kdf("chunk"))?);
    }
    Ok(())
}

/// Derives the BPP session keys from ShS, the control reference template and the EID
/// (SGP.22 §3.1.3.2 step "generate the session keys", Annex G).
pub fn derive_session_keys(
    shs: &SharedSecret,
    crt: &ControlReferenceTemplate<'_>,
    eid: &[u8],
) -> Result<SessionKeys, CryptoError> {
    derive_session_keys_from_bytes(shs.as_bytes(), crt, eid)
}

/// As [`derive_session_keys`], from raw ShS bytes (test vectors, HSM-computed secrets).
pub fn derive_session_keys_from_bytes(
    shs: &[u8],
    crt: &ControlReferenceTemplate<'_>,
    eid: &[u8],
) -> Result<SessionKeys, CryptoError> {
    let info = shared_info(crt, eid)?;
    let mut out = Zeroizing::new([0u8; 3 * KEY_LEN]);
    x963_kdf_sha256(shs, &info, out.as_mut_slice())?;
    Ok(SessionKeys::split(&out))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn shared_info_layout() {
        let crt = ControlReferenceTemplate::aes128(&[0xAA, 0xBB]);
        let info = shared_info(&crt, &[0x89; 16]).unwrap();
        let mut expected = vec![0x88, 0x10, 0x02, 0xAA, 0xBB, 0x10];
        expected.extend_from_slice(&[0x89; 16]);
        assert_eq!(info, expected);
    }

    #[test]
    fn rejects_bad_inputs() {
        let eid = [0x89; 16];
        assert!(shared_info(&ControlReferenceTemplate::aes128(&[]), &eid).is_err());
        assert!(shared_info(&ControlReferenceTemplate::aes128(&[0; 17]), &eid).is_err());
        assert!(shared_info(&ControlReferenceTemplate::aes128(&[1]), &eid[..15]).is_err());
        let crt = ControlReferenceTemplate {
            key_type: 0x80,
            key_length: 0x10,
            host_id: &[1],
        };
        assert!(shared_info(&crt, &eid).is_err());
    }

    #[test]
    fn debug_is_redacted() {
        let keys = SessionKeys::from_parts([1; 16], [2; 16], [3; 16]);
        assert_eq!(format!("{keys:?}"), "SessionKeys(<redacted>)");
    }
}
