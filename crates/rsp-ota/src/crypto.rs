//! Ciphering and RC/CC of TS 102 225 (§5.1.2, §5.1.3, §5.1.4): DES/3DES/AES in CBC mode
//! with a zero IV, DES/3DES CBC-MAC (ISO/IEC 9797-1 MAC algorithm 1, zero IV, zero
//! padding), AES-CMAC (RFC 4493 / NIST SP 800-38B) truncated to 8 octets, and the
//! CRC-16/CRC-32 redundancy checks.

use aes::{Aes128, Aes192, Aes256};
use cbc::cipher::block_padding::NoPadding;
use cbc::cipher::{BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use cmac::{Cmac, Mac};
use des::{Des, TdesEde2, TdesEde3};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::OtaError;
use crate::spi::{CipherAlgorithm, IntegrityAlgorithm};

/// A key (KIc or KID value). Zeroized on drop; its bytes never appear in `Debug`.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<Vec<u8>>);

impl SecretKey {
    /// Wraps key bytes.
    pub fn new(bytes: &[u8]) -> Self {
        SecretKey(Zeroizing::new(bytes.to_vec()))
    }
    /// The key bytes.
    pub fn expose(&self) -> &[u8] {
        &self.0
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecretKey({} bytes, redacted)", self.0.len())
    }
}

/// The keys named by the KIc and KID of a packet (either may be absent when the SPI
/// does not use it).
#[derive(Clone, Debug, Default)]
pub struct SecurityKeys {
    /// Ciphering key (KIc).
    pub kic: Option<SecretKey>,
    /// Integrity key (KID).
    pub kid: Option<SecretKey>,
}

impl SecurityKeys {
    /// Both keys.
    pub fn new(kic: &[u8], kid: &[u8]) -> Self {
        SecurityKeys {
            kic: Some(SecretKey::new(kic)),
            kid: Some(SecretKey::new(kid)),
        }
    }
}

/// Block length of a ciphering algorithm (8 for DES/3DES, 16 for AES).
pub fn block_len(algorithm: CipherAlgorithm) -> usize {
    match algorithm {
        CipherAlgorithm::AesCbc => 16,
        _ => 8,
    }
}

/// CBC with a zero IV and no padding (the caller has padded, §5.1.2); `decrypt` selects
/// the direction. The data must be a whole number of blocks.
fn cbc(
    algorithm: CipherAlgorithm,
    key: &[u8],
    data: &[u8],
    decrypt: bool,
) -> Result<Vec<u8>, OtaError> {
    macro_rules! run {
        ($c:ty, $bl:expr) => {{
            let iv = [0u8; $bl];
            if decrypt {
                cbc::Decryptor::<$c>::new_from_slices(key, &iv)
                    .map_err(|_| OtaError::Key("wrong key length"))?
                    .decrypt_padded_vec::<NoPadding>(data)
                    .map_err(|_| OtaError::Ciphering("not a whole number of blocks"))
            } else {
                Ok(cbc::Encryptor::<$c>::new_from_slices(key, &iv)
                    .map_err(|_| OtaError::Key("wrong key length"))?
                    .encrypt_padded_vec::<NoPadding>(data))
            }
        }};
    }
    if !data.len().is_multiple_of(block_len(algorithm)) {
        return Err(OtaError::Ciphering("not a whole number of blocks"));
    }
    match (algorithm, key.len()) {
        (CipherAlgorithm::DesCbc, 8) => run!(Des, 8),
        (CipherAlgorithm::TdesCbc2Key, 16) => run!(TdesEde2, 8),
        (CipherAlgorithm::TdesCbc3Key, 24) => run!(TdesEde3, 8),
        (CipherAlgorithm::AesCbc, 16) => run!(Aes128, 16),
        (CipherAlgorithm::AesCbc, 24) => run!(Aes192, 16),
        (CipherAlgorithm::AesCbc, 32) => run!(Aes256, 16),
        _ => Err(OtaError::Key("wrong key length for the KIc algorithm")),
    }
}

/// Enciphers `data` (a whole number of blocks) in CBC mode with a zero IV (§5.1.2).
pub fn encrypt(algorithm: CipherAlgorithm, key: &[u8], data: &[u8]) -> Result<Vec<u8>, OtaError> {
    cbc(algorithm, key, data, false)
}

/// Deciphers `data` (a whole number of blocks) in CBC mode with a zero IV (§5.1.2).
pub fn decrypt(algorithm: CipherAlgorithm, key: &[u8], data: &[u8]) -> Result<Vec<u8>, OtaError> {
    cbc(algorithm, key, data, true)
}

/// Computes the RC or CC over `data` (§5.1.3, §5.1.4). CBC-MACs zero-pad the input to
/// the block length (ISO/IEC 9797-1 padding method 1) and return the last block; AES-CMAC
/// returns the 8 leftmost octets of the 16-octet tag.
pub fn integrity(
    algorithm: IntegrityAlgorithm,
    key: Option<&[u8]>,
    data: &[u8],
) -> Result<Vec<u8>, OtaError> {
    let key = || key.ok_or(OtaError::Key("KID key missing"));
    let cbc_mac = |alg: CipherAlgorithm| -> Result<Vec<u8>, OtaError> {
        let mut padded = data.to_vec();
        let bl = block_len(alg);
        while padded.is_empty() || !padded.len().is_multiple_of(bl) {
            padded.push(0);
        }
        let out = encrypt(alg, key()?, &padded)?;
        Ok(out.get(out.len() - bl..).unwrap_or_default().to_vec())
    };
    match algorithm {
        IntegrityAlgorithm::Crc16 => Ok(crc16(data).to_be_bytes().to_vec()),
        IntegrityAlgorithm::Crc32 => Ok(crc32(data).to_be_bytes().to_vec()),
        IntegrityAlgorithm::DesCbcMac => cbc_mac(CipherAlgorithm::DesCbc),
        IntegrityAlgorithm::TdesCbcMac2Key => cbc_mac(CipherAlgorithm::TdesCbc2Key),
        IntegrityAlgorithm::TdesCbcMac3Key => cbc_mac(CipherAlgorithm::TdesCbc3Key),
        IntegrityAlgorithm::AesCmac => {
            let tag = aes_cmac(key()?, data)?;
            Ok(tag.get(..8).unwrap_or_default().to_vec())
        }
    }
}

/// Constant-time comparison of a received RC/CC with the computed one.
pub fn verify_integrity(
    algorithm: IntegrityAlgorithm,
    key: Option<&[u8]>,
    data: &[u8],
    received: &[u8],
) -> Result<(), OtaError> {
    let expected = integrity(algorithm, key, data)?;
    if bool::from(expected.as_slice().ct_eq(received)) {
        Ok(())
    } else {
        Err(OtaError::IntegrityFailed)
    }
}

/// Full 16-octet AES-CMAC (RFC 4493) with a 16, 24 or 32 octet key.
pub fn aes_cmac(key: &[u8], data: &[u8]) -> Result<[u8; 16], OtaError> {
    macro_rules! run {
        ($c:ty) => {{
            let mut mac = <Cmac<$c> as KeyInit>::new_from_slice(key)
                .map_err(|_| OtaError::Key("wrong AES key length"))?;
            mac.update(data);
            Ok(mac.finalize().into_bytes().into())
        }};
    }
    match key.len() {
        16 => run!(Aes128),
        24 => run!(Aes192),
        32 => run!(Aes256),
        _ => Err(OtaError::Key("wrong AES key length")),
    }
}

/// CRC-32 of ISO/IEC 13239 (reflected polynomial `04C11DB7`, init and final XOR all ones).
pub fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xffff_ffffu32;
    for &b in data {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0xedb8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

/// CRC-16 of ISO/IEC 13239 (reflected polynomial `1021`, init and final XOR all ones).
pub fn crc16(data: &[u8]) -> u16 {
    let mut crc = 0xffffu16;
    for &b in data {
        crc ^= u16::from(b);
        for _ in 0..8 {
            crc = if crc & 1 != 0 {
                (crc >> 1) ^ 0x8408
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn crc_check_values() {
        // Catalogue check values over "123456789" (CRC-32/ISO-HDLC, CRC-16/IBM-SDLC).
        assert_eq!(crc32(b"123456789"), 0xcbf4_3926);
        assert_eq!(crc16(b"123456789"), 0x906e);
    }

    #[test]
    fn key_debug_is_redacted() {
        let k = SecretKey::new(&[0xAB; 16]);
        let s = format!("{k:?}");
        assert!(
            !s.contains("171") && !s.to_lowercase().contains("ab,"),
            "{s}"
        );
    }

    #[test]
    fn wrong_key_lengths_are_errors() {
        assert!(encrypt(CipherAlgorithm::AesCbc, &[0; 15], &[0; 16]).is_err());
        assert!(encrypt(CipherAlgorithm::TdesCbc2Key, &[0; 24], &[0; 8]).is_err());
        assert!(encrypt(CipherAlgorithm::DesCbc, &[0; 8], &[0; 7]).is_err());
        assert!(integrity(IntegrityAlgorithm::AesCmac, None, b"x").is_err());
    }

    #[test]
    fn tdes_three_equal_keys_is_single_des() {
        // EDE with K1 = K2 = K3 reduces to single DES: a cross-check of the two ciphers.
        let k = [0x13, 0x34, 0x57, 0x79, 0x9b, 0xbc, 0xdf, 0xf1];
        let k3: Vec<u8> = k.iter().chain(&k).chain(&k).copied().collect();
        let data = [0x01, 0x23, 0x45, 0x67, 0x89, 0xab, 0xcd, 0xef];
        let a = encrypt(CipherAlgorithm::DesCbc, &k, &data).expect("des");
        let b = encrypt(CipherAlgorithm::TdesCbc3Key, &k3, &data).expect("3des");
        assert_eq!(a, b);
        // FIPS 46 / classic worked example: DES(133457799BBCDFF1, 0123456789ABCDEF).
        assert_eq!(a, [0x85, 0xe8, 0x13, 0x54, 0x0f, 0x0a, 0xb4, 0x05]);
    }
}
