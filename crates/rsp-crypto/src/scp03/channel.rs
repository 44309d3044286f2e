//! Secure messaging state shared by both sides (Amd D §6.2.4–§6.2.7) and APDU helpers.

use aes::Aes128;
use aes::cipher::block_padding::Iso7816;
use aes::cipher::{BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use cmac::{Cmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

use super::*;
use crate::CryptoError;
use crate::tlv::{encode_length, parse_tlv};

/// Keys, security level, MAC chaining value and encryption counter shared by both sides.
#[derive(Clone)]
pub(super) struct ChannelState {
    pub(super) keys: SessionKeys,
    pub(super) level: SecurityLevel,
    pub(super) mcv: Zeroizing<[u8; BLOCK_LEN]>,
    pub(super) counter: u64,
}

impl ChannelState {
    /// After EXTERNAL AUTHENTICATE: the first MCV is 16 zero bytes (Amd D §6.2.4); the
    /// encryption counter is 0 and is incremented before each command, so the first
    /// command after EXTERNAL AUTHENTICATE uses 1 (Amd D §6.2.6).
    pub(super) fn new(keys: SessionKeys, level: SecurityLevel) -> Self {
        Self {
            keys,
            level,
            mcv: Zeroizing::new([0; BLOCK_LEN]),
            counter: 0,
        }
    }

    pub(super) fn next_counter(&self) -> Result<u64, CryptoError> {
        self.counter
            .checked_add(1)
            .ok_or(CryptoError::CounterExhausted)
    }

    /// ICV = AES(S-ENC, counter as a 16-byte big-endian block), with the first byte set to
    /// `80` for responses (Amd D §6.2.6, §6.2.7).
    pub(super) fn icv(&self, counter: u64, response: bool) -> [u8; BLOCK_LEN] {
        let mut block = [0u8; BLOCK_LEN];
        let (high, low) = block.split_at_mut(BLOCK_LEN - 8);
        low.copy_from_slice(&counter.to_be_bytes());
        if response && let Some(first) = high.first_mut() {
            *first = 0x80;
        }
        let mut block = aes::Block::from(block);
        Aes128::new(self.keys.s_enc().into()).encrypt_block(&mut block);
        block.into()
    }

    /// C-DECRYPTION on the host: padded and encrypted when the level asks for it and there is
    /// data (Amd D §6.2.6: no encryption without a data field).
    pub(super) fn encrypt_command(
        &self,
        data: &[u8],
        counter: u64,
    ) -> Result<Vec<u8>, CryptoError> {
        if !self.level.contains(SecurityLevel::C_DECRYPTION) || data.is_empty() {
            return Ok(data.to_vec());
        }
        let icv = self.icv(counter, false);
        Ok(
            cbc::Encryptor::<Aes128>::new(self.keys.s_enc().into(), (&icv).into())
                .encrypt_padded_vec::<Iso7816>(data),
        )
    }

    pub(super) fn decrypt_command(
        &self,
        data: &[u8],
        counter: u64,
    ) -> Result<Vec<u8>, CryptoError> {
        if !self.level.contains(SecurityLevel::C_DECRYPTION) || data.is_empty() {
            return Ok(data.to_vec());
        }
        self.decrypt(data, self.icv(counter, false))
    }

    pub(super) fn encrypt_response(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.level.contains(SecurityLevel::R_ENCRYPTION) || data.is_empty() {
            return Ok(data.to_vec());
        }
        let icv = self.icv(self.counter, true);
        Ok(
            cbc::Encryptor::<Aes128>::new(self.keys.s_enc().into(), (&icv).into())
                .encrypt_padded_vec::<Iso7816>(data),
        )
    }

    pub(super) fn decrypt_response(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.level.contains(SecurityLevel::R_ENCRYPTION) || data.is_empty() {
            return Ok(data.to_vec());
        }
        self.decrypt(data, self.icv(self.counter, true))
    }

    pub(super) fn decrypt(
        &self,
        data: &[u8],
        icv: [u8; BLOCK_LEN],
    ) -> Result<Vec<u8>, CryptoError> {
        if !data.len().is_multiple_of(BLOCK_LEN) {
            return Err(CryptoError::Decrypt(
                "ciphertext is not a multiple of 16 bytes",
            ));
        }
        cbc::Decryptor::<Aes128>::new(self.keys.s_enc().into(), (&icv).into())
            .decrypt_padded_vec::<Iso7816>(data)
            .map_err(|_| CryptoError::Padding)
    }

    /// Full AES-CMAC(S-MAC, MCV ‖ parts).
    pub(super) fn full_mac(&self, parts: &[&[u8]]) -> [u8; BLOCK_LEN] {
        cmac_parts(self.keys.s_mac(), &self.mcv, parts)
    }

    /// Full AES-CMAC(S-RMAC, MCV ‖ parts); the MCV is the C-MAC of the last command.
    pub(super) fn full_rmac(&self, parts: &[&[u8]]) -> [u8; BLOCK_LEN] {
        cmac_parts(self.keys.s_rmac(), &self.mcv, parts)
    }

    /// The C-MAC of a received APDU: CLA with the secure messaging bit and logical channel
    /// cleared to the MAC form, the Lc bytes as received.
    pub(super) fn apdu_mac(&self, header: &[u8; 4], lc: &[u8], data: &[u8]) -> [u8; BLOCK_LEN] {
        let [cla, ins, p1, p2] = *header;
        self.full_mac(&[&[mac_cla(cla), ins, p1, p2], lc, data])
    }

    pub(super) fn verify_mac(&self, full: &[u8; BLOCK_LEN], mac: &[u8]) -> Result<(), CryptoError> {
        let expected = full.get(..MAC_LEN).unwrap_or_default();
        if bool::from(expected.ct_eq(mac)) {
            Ok(())
        } else {
            Err(CryptoError::Mac)
        }
    }

    pub(super) fn check_and_chain(
        &mut self,
        full: [u8; BLOCK_LEN],
        mac: &[u8],
    ) -> Result<(), CryptoError> {
        self.verify_mac(&full, mac)?;
        *self.mcv = full;
        Ok(())
    }

    pub(super) fn verify_rmac(&self, parts: &[&[u8]], mac: &[u8]) -> Result<(), CryptoError> {
        let full = self.full_rmac(parts);
        self.verify_mac(&full, mac)
    }

    /// Appends the C-MAC to a command APDU built from `header` (CLA already with the secure
    /// messaging bit), `data` and `le`; updates the MCV.
    pub(super) fn mac_apdu(
        &mut self,
        header: [u8; 4],
        data: &[u8],
        le: &[u8],
        extended: bool,
    ) -> Result<Vec<u8>, CryptoError> {
        let lc_value = data.len() + MAC_LEN;
        let lc = encode_lc(lc_value, extended)?;
        let full = self.apdu_mac(&header, &lc, data);
        let mut body = data.to_vec();
        body.extend_from_slice(full.get(..MAC_LEN).unwrap_or_default());
        let out = encode_apdu(header, &body, le, extended)?;
        *self.mcv = full;
        Ok(out)
    }

    /// `tag` ‖ length ‖ data ‖ C-MAC, the MAC over MCV ‖ tag ‖ length ‖ data; updates the MCV.
    pub(super) fn mac_tlv(&mut self, tag: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        encode_length(data.len() + MAC_LEN, &mut out);
        let full = self.full_mac(&[&out, data]);
        out.extend_from_slice(data);
        out.extend_from_slice(full.get(..MAC_LEN).unwrap_or_default());
        *self.mcv = full;
        out
    }
}

pub(super) fn cmac_parts(
    key: &[u8; 16],
    mcv: &[u8; BLOCK_LEN],
    parts: &[&[u8]],
) -> [u8; BLOCK_LEN] {
    let mut mac = <Cmac<Aes128> as KeyInit>::new(key.into());
    mac.update(mcv);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

pub(super) fn plain_tlv(tag: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    encode_length(data.len(), &mut out);
    out.extend_from_slice(data);
    out
}

/// The value of a TLV that must be exactly one TLV with the single-byte tag `tag`.
pub(super) fn single_tlv(tlv: &[u8], tag: u8) -> Result<&[u8], CryptoError> {
    let (parsed, rest) = parse_tlv(tlv)?;
    if !rest.is_empty() || parsed.tag != [tag] {
        return Err(CryptoError::Tlv("unexpected tag or trailing bytes"));
    }
    Ok(parsed.value)
}

pub(super) fn split_mac(data: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    data.split_last_chunk::<MAC_LEN>()
        .map(|(d, m)| (d, m.as_slice()))
        .ok_or(CryptoError::SecureChannel("data shorter than its C-MAC"))
}

/// Error status words: all but `9000`, `62xx` and `63xx` (Amd D §6.2.5).
pub(super) fn is_error_sw(sw: [u8; 2]) -> bool {
    !matches!(sw, [0x90, 0x00] | [0x62 | 0x63, _])
}

/// Further interindustry class bytes (ISO/IEC 7816-4 §5.4.1) have bit 7 set.
pub(super) fn is_further_interindustry(cla: u8) -> bool {
    cla & 0x40 != 0
}

/// CLA as transmitted with secure messaging: `04` set (and `08` cleared) for the first
/// interindustry classes, `20` set for the further ones (GP CS v2.3 §11.1.4).
pub(super) fn sm_cla(cla: u8) -> u8 {
    if is_further_interindustry(cla) {
        cla | 0x20
    } else {
        (cla & !0x08) | 0x04
    }
}

pub(super) fn has_sm_bit(cla: u8) -> bool {
    if is_further_interindustry(cla) {
        cla & 0x20 != 0
    } else {
        cla & 0x0C == 0x04
    }
}

pub(super) fn clear_sm_cla(cla: u8) -> u8 {
    if is_further_interindustry(cla) {
        cla & !0x20
    } else {
        cla & !0x0C
    }
}

/// CLA in the C-MAC input: secure messaging indicated, logical channel number zero
/// (Amd D §6.2.4).
pub(super) fn mac_cla(cla: u8) -> u8 {
    if is_further_interindustry(cla) {
        (cla & 0xF0) | 0x20
    } else {
        (cla & 0xF0) | 0x04
    }
}

/// A command APDU split into its parts (ISO/IEC 7816-3 §12.1.3, cases 1 to 4, short and
/// extended lengths).
pub(super) struct Apdu<'a> {
    pub(super) header: [u8; 4],
    /// The Lc bytes as received (empty, 1 byte, or `00` + 2 bytes).
    pub(super) lc: &'a [u8],
    pub(super) data: &'a [u8],
    /// The Le bytes without the leading `00` of case 2E: empty, 1 byte or 2 bytes.
    pub(super) le: &'a [u8],
    pub(super) extended: bool,
}

pub(super) fn parse_apdu(apdu: &[u8]) -> Result<Apdu<'_>, CryptoError> {
    let bad = CryptoError::SecureChannel("malformed command APDU");
    let (header, body) = apdu.split_first_chunk::<4>().ok_or(bad.clone())?;
    let header = *header;
    let apdu = |lc, data, le, extended| Apdu {
        header,
        lc,
        data,
        le,
        extended,
    };
    match body {
        [] => Ok(apdu(&[], &[], &[], false)),
        [_] => Ok(apdu(&[], &[], body, false)),
        [0x00, le @ ..] if le.len() == 2 => Ok(apdu(&[], &[], le, true)),
        [0x00, hi, lo, rest @ ..] if body.len() > 3 => {
            let lc = usize::from(u16::from_be_bytes([*hi, *lo]));
            let lc_bytes = body.get(..3).ok_or(bad.clone())?;
            match (lc, rest.len().checked_sub(lc)) {
                (1.., Some(0)) => Ok(apdu(lc_bytes, rest, &[], true)),
                (1.., Some(2)) => {
                    let (data, le) = rest.split_at(lc);
                    Ok(apdu(lc_bytes, data, le, true))
                }
                _ => Err(bad),
            }
        }
        [lc, rest @ ..] if *lc != 0 => {
            let n = usize::from(*lc);
            let lc_bytes = body.get(..1).ok_or(bad.clone())?;
            match rest.len().checked_sub(n) {
                Some(0) => Ok(apdu(lc_bytes, rest, &[], false)),
                Some(1) => {
                    let (data, le) = rest.split_at(n);
                    Ok(apdu(lc_bytes, data, le, false))
                }
                _ => Err(bad),
            }
        }
        _ => Err(bad),
    }
}

pub(super) fn encode_lc(len: usize, extended: bool) -> Result<Vec<u8>, CryptoError> {
    match (len, extended) {
        (0, _) => Ok(Vec::new()),
        (1..=255, false) => Ok(vec![len as u8]),
        (1..=65535, true) => {
            let [hi, lo] = (len as u16).to_be_bytes();
            Ok(vec![0x00, hi, lo])
        }
        (_, false) => Err(CryptoError::SecureChannel("data too long for a short APDU")),
        (_, true) => Err(CryptoError::SecureChannel("data too long for an APDU")),
    }
}

pub(super) fn encode_apdu(
    header: [u8; 4],
    data: &[u8],
    le: &[u8],
    extended: bool,
) -> Result<Vec<u8>, CryptoError> {
    let mut out = Vec::with_capacity(4 + 3 + data.len() + 2);
    out.extend_from_slice(&header);
    out.extend_from_slice(&encode_lc(data.len(), extended)?);
    out.extend_from_slice(data);
    if extended && data.is_empty() && !le.is_empty() {
        out.push(0x00);
    }
    out.extend_from_slice(le);
    Ok(out)
}
