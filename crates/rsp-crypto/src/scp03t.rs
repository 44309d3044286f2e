//! SCP03t / BSP: protection of the Bound Profile Package segments (SGP.22 §2.5.3–§2.5.4,
//! §2.6.4.4–§2.6.4.6; GlobalPlatform Card Specification Amd F / SCP03).
//!
//! Per TLV, with one block counter (starting at 1) and one MAC chaining value shared by
//! all `86`, `87` and `88` TLVs of a session:
//! * `86` / `87`: ISO/IEC 9797-1 method 2 padding (always added), AES-128-CBC under S-ENC
//!   with ICV = AES(S-ENC, counter as a 16-byte big-endian block);
//! * `88`: no encryption, but the block counter still advances;
//! * C-MAC = AES-CMAC(S-MAC, MCV ‖ tag ‖ length ‖ data), where the length counts the
//!   8-byte MAC; its first 8 bytes are appended and the full 16 bytes become the next MCV.
//!
//! A protected TLV is at most 1020 bytes (tag, length and MAC included, SGP.22 §2.5.3), so
//! an encrypted segment carries at most 1007 bytes of plaintext and a MAC-only one 1008.

use aes::Aes128;
use aes::cipher::block_padding::Iso7816;
use aes::cipher::{BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use cmac::{Cmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use crate::CryptoError;
use crate::kdf::SessionKeys;
pub use crate::tlv::{Tlv, encode_length, encode_tlv, parse_tlv, split_tlvs};

/// Tag of a profile segment (`sequenceOf86`), encrypted and MACed.
pub const TAG_PROFILE_SEGMENT: u8 = 0x86;
/// Tag of `ConfigureISDPRequest` / `ReplaceSessionKeysRequest` segments, encrypted and MACed.
pub const TAG_ENCRYPTED: u8 = 0x87;
/// Tag of `StoreMetadataRequest` segments, MAC only.
pub const TAG_MAC_ONLY: u8 = 0x88;

/// Maximum size of one protected TLV, tag, length and MAC included (SGP.22 §2.5.3).
pub const MAX_SEGMENT_LEN: usize = 1020;
/// Maximum plaintext of one encrypted segment: 1020 - 1 (tag) - 3 (length) - 8 (MAC) = 1008
/// bytes of ciphertext, of which at least one byte is padding (SGP.22 §2.5.3 NOTE).
pub const MAX_ENCRYPTED_PLAINTEXT: usize = 1007;
/// Maximum data of one MAC-only segment: 1020 - 1 - 3 - 8.
pub const MAX_MAC_ONLY_PLAINTEXT: usize = 1008;

const MAC_LEN: usize = 8;
const BLOCK_LEN: usize = 16;

/// The SCP03t state of one BPP: keys, MAC chaining value and block counter.
///
/// Methods are listed in the order an SM-DP+ builds the BPP (SGP.22 §2.5.4):
/// [`configure_isdp`](Self::configure_isdp) → [`store_metadata`](Self::store_metadata) →
/// optional [`replace_session_keys`](Self::replace_session_keys) →
/// [`profile_segments`](Self::profile_segments). After `ReplaceSessionKeys`, the profile
/// segments are protected by a *new* `Scp03t` built from the PPKs (counter back to 1).
pub struct Scp03t {
    keys: SessionKeys,
    mcv: Zeroizing<[u8; BLOCK_LEN]>,
    counter: u64,
}

impl std::fmt::Debug for Scp03t {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Scp03t")
            .field("block_counter", &self.counter)
            .finish_non_exhaustive()
    }
}

impl Scp03t {
    /// Starts a session: MCV = initial MCV, block counter = 1.
    pub fn new(keys: SessionKeys) -> Self {
        let mcv = Zeroizing::new(*keys.initial_mcv());
        Self {
            keys,
            mcv,
            counter: 1,
        }
    }

    /// Block counter of the next TLV.
    pub fn block_counter(&self) -> u64 {
        self.counter
    }

    /// Current MAC chaining value.
    pub fn mac_chaining_value(&self) -> &[u8; 16] {
        &self.mcv
    }

    /// `firstSequenceOf87`: the `ConfigureISDPRequest` (`BF24`), encrypted.
    pub fn configure_isdp(&mut self, request: &[u8]) -> Result<Vec<Vec<u8>>, CryptoError> {
        self.protect_segments(TAG_ENCRYPTED, request)
    }

    /// `sequenceOf88`: the `StoreMetadataRequest` (`BF25`), MAC only.
    pub fn store_metadata(&mut self, request: &[u8]) -> Result<Vec<Vec<u8>>, CryptoError> {
        self.protect_segments(TAG_MAC_ONLY, request)
    }

    /// `secondSequenceOf87`: the `ReplaceSessionKeysRequest` (`BF26`), encrypted.
    pub fn replace_session_keys(&mut self, request: &[u8]) -> Result<Vec<Vec<u8>>, CryptoError> {
        self.protect_segments(TAG_ENCRYPTED, request)
    }

    /// `sequenceOf86`: the profile package split into segments of at most 1007 bytes,
    /// each encrypted and MACed.
    pub fn profile_segments(&mut self, profile: &[u8]) -> Result<Vec<Vec<u8>>, CryptoError> {
        self.protect_segments(TAG_PROFILE_SEGMENT, profile)
    }

    /// Splits `data` into the largest segments the tag allows and protects each in order.
    pub fn protect_segments(&mut self, tag: u8, data: &[u8]) -> Result<Vec<Vec<u8>>, CryptoError> {
        if data.is_empty() {
            return Err(CryptoError::Tlv("nothing to protect"));
        }
        let max = max_plaintext(tag)?;
        data.chunks(max)
            .map(|chunk| self.protect(tag, chunk))
            .collect()
    }

    /// Protects one TLV (`86`/`87`: encrypt then MAC; `88`: MAC only).
    pub fn protect(&mut self, tag: u8, plaintext: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if plaintext.len() > max_plaintext(tag)? {
            return Err(CryptoError::Tlv("segment plaintext too long"));
        }
        let next_counter = self.next_counter()?;
        let data = if tag == TAG_MAC_ONLY {
            plaintext.to_vec()
        } else {
            let icv = self.icv();
            cbc::Encryptor::<Aes128>::new(self.keys.s_enc().into(), (&icv).into())
                .encrypt_padded_vec::<Iso7816>(plaintext)
        };
        let mut out = Vec::with_capacity(4 + data.len() + MAC_LEN);
        out.push(tag);
        encode_length(data.len() + MAC_LEN, &mut out);
        let full_mac = self.cmac(&out, &data);
        out.extend_from_slice(&data);
        out.extend_from_slice(full_mac.get(..MAC_LEN).unwrap_or_default());
        self.counter = next_counter;
        *self.mcv = full_mac;
        Ok(out)
    }

    /// Verifies and opens one protected TLV; returns its tag and plaintext. The MAC is
    /// compared in constant time; on any error the session state is left unchanged.
    /// Segments longer than 1020 bytes are accepted (some SM-DP+ implementations split
    /// 1008-byte plaintexts, giving 1036-byte TLVs).
    pub fn unprotect(&mut self, protected: &[u8]) -> Result<(u8, Vec<u8>), CryptoError> {
        let (tlv, rest) = parse_tlv(protected)?;
        if !rest.is_empty() {
            return Err(CryptoError::Tlv("trailing bytes after segment"));
        }
        let tag = match tlv.tag {
            [t @ (TAG_PROFILE_SEGMENT | TAG_ENCRYPTED | TAG_MAC_ONLY)] => *t,
            _ => return Err(CryptoError::Tlv("unexpected tag")),
        };
        let data_len = tlv
            .value
            .len()
            .checked_sub(MAC_LEN)
            .ok_or(CryptoError::Tlv("segment shorter than its MAC"))?;
        let (data, mac) = tlv.value.split_at(data_len);
        let next_counter = self.next_counter()?;
        let full_mac = self.cmac(tlv.header, data);
        let expected = full_mac.get(..MAC_LEN).unwrap_or_default();
        if !bool::from(expected.ct_eq(mac)) {
            return Err(CryptoError::Mac);
        }
        let plaintext = if tag == TAG_MAC_ONLY {
            data.to_vec()
        } else {
            if data.is_empty() || data.len() % BLOCK_LEN != 0 {
                return Err(CryptoError::Decrypt(
                    "ciphertext is not a non-empty multiple of 16 bytes",
                ));
            }
            let icv = self.icv();
            cbc::Decryptor::<Aes128>::new(self.keys.s_enc().into(), (&icv).into())
                .decrypt_padded_vec::<Iso7816>(data)
                .map_err(|_| CryptoError::Padding)?
        };
        self.counter = next_counter;
        *self.mcv = full_mac;
        Ok((tag, plaintext))
    }

    /// Opens a sequence of protected TLVs that must all carry `tag`; returns the
    /// concatenated plaintext. On error, the segments opened before stay consumed.
    pub fn unprotect_segments<'a, I>(
        &mut self,
        tag: u8,
        segments: I,
    ) -> Result<Vec<u8>, CryptoError>
    where
        I: IntoIterator<Item = &'a [u8]>,
    {
        let mut out = Vec::new();
        for segment in segments {
            if segment.first() != Some(&tag) {
                return Err(CryptoError::Tlv("unexpected tag"));
            }
            let (_, plaintext) = self.unprotect(segment)?;
            out.extend_from_slice(&plaintext);
        }
        Ok(out)
    }

    /// Opens the value of a `sequenceOf86` / `sequenceOf87` / `sequenceOf88` (the member
    /// TLVs concatenated, as inside `A0`..`A3`); returns the concatenated plaintext.
    pub fn unprotect_sequence(&mut self, tag: u8, members: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let tlvs = split_tlvs(members)?;
        self.unprotect_segments(tag, tlvs.iter().map(|t| t.raw))
    }

    fn next_counter(&self) -> Result<u64, CryptoError> {
        self.counter
            .checked_add(1)
            .ok_or(CryptoError::CounterExhausted)
    }

    /// ICV = AES(S-ENC, block counter as a 16-byte big-endian block) (GP SCP03 §6.2.6).
    fn icv(&self) -> [u8; BLOCK_LEN] {
        let mut block = [0u8; BLOCK_LEN];
        let (_, low) = block.split_at_mut(BLOCK_LEN - 8);
        low.copy_from_slice(&self.counter.to_be_bytes());
        let mut block = aes::Block::from(block);
        Aes128::new(self.keys.s_enc().into()).encrypt_block(&mut block);
        block.into()
    }

    /// Full 16-byte AES-CMAC(S-MAC, MCV ‖ header ‖ data).
    fn cmac(&self, header: &[u8], data: &[u8]) -> [u8; BLOCK_LEN] {
        let mut mac = <Cmac<Aes128> as KeyInit>::new(self.keys.s_mac().into());
        mac.update(self.mcv.as_slice());
        mac.update(header);
        mac.update(data);
        mac.finalize().into_bytes().into()
    }
}

fn max_plaintext(tag: u8) -> Result<usize, CryptoError> {
    match tag {
        TAG_PROFILE_SEGMENT | TAG_ENCRYPTED => Ok(MAX_ENCRYPTED_PLAINTEXT),
        TAG_MAC_ONLY => Ok(MAX_MAC_ONLY_PLAINTEXT),
        _ => Err(CryptoError::Tlv("SCP03t tag must be 86, 87 or 88")),
    }
}
