//! SCP03 key derivation (Amd D §4.1.5), static and session keys, cryptograms.

use aes::Aes128;
use aes::cipher::{BlockCipherEncrypt, KeyInit};
use cmac::{Cmac, Mac};
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use super::*;
use crate::CryptoError;

/// NIST SP 800-108 KDF in counter mode with AES-CMAC as PRF (Amd D §4.1.5): block i =
/// CMAC(key, 11 × `00` ‖ constant ‖ `00` ‖ L (2 bytes, bits) ‖ i (1 byte, from 1) ‖ context).
///
/// Returns ⌈`out_bits` / 8⌉ bytes, at most 4080 (the one-byte counter allows 255 blocks;
/// longer requests are cut there). SCP03 only asks for 64 and 128 bits.
pub fn kdf(key: &[u8; 16], constant: u8, context: &[u8], out_bits: u16) -> Zeroizing<Vec<u8>> {
    let out_len = usize::from(out_bits).div_ceil(8).min(KDF_MAX_BYTES);
    let mut out = Zeroizing::new(Vec::with_capacity(out_len + BLOCK_LEN));
    let mut prefix = [0u8; 16];
    if let Some(tail) = prefix.get_mut(11..16) {
        let [l_hi, l_lo] = out_bits.to_be_bytes();
        tail.copy_from_slice(&[constant, 0x00, l_hi, l_lo, 0x00]);
    }
    for i in 1..=u8::MAX {
        if out.len() >= out_len {
            break;
        }
        if let Some(counter) = prefix.last_mut() {
            *counter = i;
        }
        let mut mac = <Cmac<Aes128> as KeyInit>::new(key.into());
        mac.update(&prefix);
        mac.update(context);
        let block = Zeroizing::new(<[u8; BLOCK_LEN]>::from(mac.finalize().into_bytes()));
        out.extend_from_slice(block.as_slice());
    }
    out.truncate(out_len);
    out
}

/// First `N` bytes of a KDF output of `N * 8` bits.
pub(super) fn kdf_array<const N: usize>(
    key: &[u8; 16],
    constant: u8,
    context: &[u8],
    bits: u16,
) -> [u8; N] {
    let out = kdf(key, constant, context, bits);
    let mut arr = [0u8; N];
    if let Some(src) = out.get(..N) {
        arr.copy_from_slice(src);
    }
    arr
}

/// Key check value of an AES key (GP Card Specification v2.3 §11.8.2.3.3 / Amd D §7.2.2):
/// the first 3 bytes of AES(key, 16 × `01`).
pub fn key_check_value(key: &[u8; 16]) -> [u8; 3] {
    let mut block = aes::Block::from([0x01u8; BLOCK_LEN]);
    Aes128::new(key.into()).encrypt_block(&mut block);
    let mut kcv = [0u8; 3];
    if let Some(src) = block.get(..3) {
        kcv.copy_from_slice(src);
    }
    kcv
}

/// Pseudo-random card challenge (Amd D §6.2.2.1): KDF(static Key-ENC, constant `02`,
/// context = sequence counter ‖ AID of the Security Domain, L = 64).
pub fn pseudo_random_card_challenge(
    key_enc: &[u8; 16],
    sequence_counter: &[u8; 3],
    aid: &[u8],
) -> [u8; 8] {
    let mut context = Vec::with_capacity(SEQUENCE_COUNTER_LEN + aid.len());
    context.extend_from_slice(sequence_counter);
    context.extend_from_slice(aid);
    kdf_array(key_enc, DERIVE_CARD_CHALLENGE, &context, L_64)
}

/// Eight random bytes from the operating system (host challenge, random card challenge).
pub fn random_challenge() -> Result<[u8; 8], CryptoError> {
    let mut challenge = [0u8; CHALLENGE_LEN];
    getrandom::fill(&mut challenge).map_err(|_| CryptoError::Rng)?;
    Ok(challenge)
}

/// The static keys of an SCP03 key set (Key-ENC, Key-MAC, Key-DEK), zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct StaticKeys {
    enc: [u8; KEY_LEN],
    mac: [u8; KEY_LEN],
    dek: [u8; KEY_LEN],
}

impl StaticKeys {
    /// From explicit key values.
    pub fn from_bytes(enc: [u8; 16], mac: [u8; 16], dek: [u8; 16]) -> Self {
        Self { enc, mac, dek }
    }

    /// A fresh random key set.
    pub fn generate() -> Result<Self, CryptoError> {
        let mut bytes = Zeroizing::new([0u8; 3 * KEY_LEN]);
        getrandom::fill(bytes.as_mut_slice()).map_err(|_| CryptoError::Rng)?;
        let mut keys = Self::from_bytes([0; KEY_LEN], [0; KEY_LEN], [0; KEY_LEN]);
        for (dst, src) in [&mut keys.enc, &mut keys.mac, &mut keys.dek]
            .into_iter()
            .zip(bytes.chunks_exact(KEY_LEN))
        {
            dst.copy_from_slice(src);
        }
        Ok(keys)
    }

    /// Key-ENC.
    pub fn enc(&self) -> &[u8; 16] {
        &self.enc
    }

    /// Key-MAC.
    pub fn mac(&self) -> &[u8; 16] {
        &self.mac
    }

    /// Key-DEK.
    pub fn dek(&self) -> &[u8; 16] {
        &self.dek
    }
}

impl std::fmt::Debug for StaticKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("StaticKeys(<redacted>)")
    }
}

/// The session keys of one secure channel session, zeroized on drop.
#[derive(Clone, Zeroize, ZeroizeOnDrop)]
pub struct SessionKeys {
    s_enc: [u8; KEY_LEN],
    s_mac: [u8; KEY_LEN],
    s_rmac: [u8; KEY_LEN],
}

impl SessionKeys {
    /// From explicit values (tests, keys computed elsewhere).
    pub fn from_parts(s_enc: [u8; 16], s_mac: [u8; 16], s_rmac: [u8; 16]) -> Self {
        Self {
            s_enc,
            s_mac,
            s_rmac,
        }
    }

    /// S-ENC.
    pub fn s_enc(&self) -> &[u8; 16] {
        &self.s_enc
    }

    /// S-MAC.
    pub fn s_mac(&self) -> &[u8; 16] {
        &self.s_mac
    }

    /// S-RMAC.
    pub fn s_rmac(&self) -> &[u8; 16] {
        &self.s_rmac
    }
}

impl std::fmt::Debug for SessionKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SessionKeys(<redacted>)")
    }
}

/// The session key material of one INITIALIZE UPDATE exchange (Amd D §6.2.1): S-ENC from
/// Key-ENC, S-MAC and S-RMAC from Key-MAC, context = host challenge ‖ card challenge.
#[derive(Clone)]
pub struct Session {
    pub(super) keys: SessionKeys,
    context: [u8; 2 * CHALLENGE_LEN],
}

impl Session {
    /// Derives the session keys.
    pub fn derive(keys: &StaticKeys, host_challenge: &[u8; 8], card_challenge: &[u8; 8]) -> Self {
        let mut context = [0u8; 2 * CHALLENGE_LEN];
        let (host, card) = context.split_at_mut(CHALLENGE_LEN);
        host.copy_from_slice(host_challenge);
        card.copy_from_slice(card_challenge);
        let keys = SessionKeys {
            s_enc: kdf_array(keys.enc(), DERIVE_S_ENC, &context, L_128),
            s_mac: kdf_array(keys.mac(), DERIVE_S_MAC, &context, L_128),
            s_rmac: kdf_array(keys.mac(), DERIVE_S_RMAC, &context, L_128),
        };
        Self { keys, context }
    }

    /// The session keys.
    pub fn keys(&self) -> &SessionKeys {
        &self.keys
    }

    /// Card cryptogram (Amd D §6.2.2.2): KDF(S-MAC, `00`, host ‖ card challenge, L = 64).
    pub fn card_cryptogram(&self) -> [u8; 8] {
        kdf_array(
            self.keys.s_mac(),
            DERIVE_CARD_CRYPTOGRAM,
            &self.context,
            L_64,
        )
    }

    /// Host cryptogram (Amd D §6.2.2.3): KDF(S-MAC, `01`, host ‖ card challenge, L = 64).
    pub fn host_cryptogram(&self) -> [u8; 8] {
        kdf_array(
            self.keys.s_mac(),
            DERIVE_HOST_CRYPTOGRAM,
            &self.context,
            L_64,
        )
    }
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Session(<redacted>)")
    }
}
