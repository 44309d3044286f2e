//! Security levels, framings, INITIALIZE UPDATE and its response (Amd D §7.1).

use super::*;
use crate::CryptoError;
use crate::tlv::encode_length;

/// Security level of EXTERNAL AUTHENTICATE P1 (Amd D §5.1, §7.1.2.1): C-MAC `01`,
/// C-DECRYPTION `02`, R-MAC `10`, R-ENCRYPTION `20`. Only the combinations `00`, `01`,
/// `03`, `11`, `13` and `33` are valid.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct SecurityLevel(u8);

impl SecurityLevel {
    /// No secure messaging.
    pub const NONE: Self = Self(0x00);
    /// C-MAC.
    pub const C_MAC: Self = Self(0x01);
    /// C-DECRYPTION (only with C-MAC).
    pub const C_DECRYPTION: Self = Self(0x02);
    /// R-MAC (only with C-MAC).
    pub const R_MAC: Self = Self(0x10);
    /// R-ENCRYPTION (only with C-DECRYPTION and R-MAC).
    pub const R_ENCRYPTION: Self = Self(0x20);
    /// Everything: C-MAC, C-DECRYPTION, R-MAC, R-ENCRYPTION (`33`).
    pub const ALL: Self = Self(0x33);

    /// From the P1 byte; rejects reserved bits and combinations Amd D does not allow.
    pub fn from_byte(byte: u8) -> Result<Self, CryptoError> {
        match byte {
            0x00 | 0x01 | 0x03 | 0x11 | 0x13 | 0x33 => Ok(Self(byte)),
            _ => Err(CryptoError::SecureChannel("invalid security level")),
        }
    }

    /// The P1 byte.
    pub fn bits(self) -> u8 {
        self.0
    }

    /// Whether every bit of `other` is set.
    pub fn contains(self, other: Self) -> bool {
        self.0 & other.0 == other.0
    }
}

impl std::ops::BitOr for SecurityLevel {
    type Output = Self;
    fn bitor(self, rhs: Self) -> Self {
        Self(self.0 | rhs.0)
    }
}

impl std::fmt::Debug for SecurityLevel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SecurityLevel({:02X})", self.0)
    }
}

/// How the commands and responses of a session are framed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Framing {
    /// ISO/IEC 7816-4 command APDUs; responses are data ‖ SW1 SW2.
    Apdu,
    /// SCP03t BER-TLVs (SGP.02 §4.1.3.3): tags `84`, `85`, `86`.
    Tlv,
}

/// The INITIALIZE UPDATE command parameters (Amd D §7.1.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializeUpdate {
    /// Key version number (P1; `00`: the first available key set).
    pub key_version: u8,
    /// Key identifier (P2; `00` for SCP03).
    pub key_id: u8,
    /// The host challenge.
    pub host_challenge: [u8; 8],
}

impl InitializeUpdate {
    /// `80 50 P1 P2 08 host-challenge 00`.
    pub fn to_apdu(&self) -> Vec<u8> {
        let mut apdu = vec![
            0x80,
            INS_INITIALIZE_UPDATE,
            self.key_version,
            self.key_id,
            CHALLENGE_LEN as u8,
        ];
        apdu.extend_from_slice(&self.host_challenge);
        apdu.push(0x00);
        apdu
    }

    /// `84 0A key-version key-id host-challenge`.
    pub fn to_tlv(&self) -> Vec<u8> {
        let mut tlv = vec![
            TAG_INITIALIZE_UPDATE,
            (2 + CHALLENGE_LEN) as u8,
            self.key_version,
            self.key_id,
        ];
        tlv.extend_from_slice(&self.host_challenge);
        tlv
    }

    /// Parses an INITIALIZE UPDATE command APDU (CLA `80`–`83`, any Le).
    pub fn parse_apdu(apdu: &[u8]) -> Result<Self, CryptoError> {
        let cmd = parse_apdu(apdu)?;
        let [cla, ins, key_version, key_id] = cmd.header;
        if ins != INS_INITIALIZE_UPDATE || cla & 0x0C != 0 {
            return Err(CryptoError::SecureChannel(
                "not an INITIALIZE UPDATE command",
            ));
        }
        let host_challenge = cmd
            .data
            .try_into()
            .map_err(|_| CryptoError::SecureChannel("host challenge must be 8 bytes"))?;
        Ok(Self {
            key_version,
            key_id,
            host_challenge,
        })
    }

    /// Parses a `84` TLV.
    pub fn parse_tlv(tlv: &[u8]) -> Result<Self, CryptoError> {
        let value = single_tlv(tlv, TAG_INITIALIZE_UPDATE)?;
        match value {
            [key_version, key_id, challenge @ ..] => Ok(Self {
                key_version: *key_version,
                key_id: *key_id,
                host_challenge: challenge
                    .try_into()
                    .map_err(|_| CryptoError::SecureChannel("host challenge must be 8 bytes"))?,
            }),
            _ => Err(CryptoError::SecureChannel(
                "INITIALIZE UPDATE TLV too short",
            )),
        }
    }
}

/// The INITIALIZE UPDATE response (Amd D §7.1.1.6, S8 mode).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct InitializeUpdateResponse {
    /// Key diversification data.
    pub key_diversification_data: [u8; 10],
    /// Key version number of the key set used.
    pub key_version: u8,
    /// The i-parameter (`I_*` bits).
    pub i_param: u8,
    /// The card challenge.
    pub card_challenge: [u8; 8],
    /// The card cryptogram.
    pub card_cryptogram: [u8; 8],
    /// Sequence counter, present with a pseudo-random card challenge.
    pub sequence_counter: Option<[u8; 3]>,
}

impl InitializeUpdateResponse {
    /// The response data (without status word): 29 bytes, or 32 with the sequence counter.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(32);
        out.extend_from_slice(&self.key_diversification_data);
        out.extend_from_slice(&[self.key_version, SCP_ID, self.i_param]);
        out.extend_from_slice(&self.card_challenge);
        out.extend_from_slice(&self.card_cryptogram);
        if let Some(counter) = &self.sequence_counter {
            out.extend_from_slice(counter);
        }
        out
    }

    /// The response as a `84` TLV (SCP03t).
    pub fn to_tlv(&self) -> Vec<u8> {
        let data = self.to_bytes();
        let mut out = vec![TAG_INITIALIZE_UPDATE];
        encode_length(data.len(), &mut out);
        out.extend_from_slice(&data);
        out
    }

    /// Parses the response data (without status word). Rejects S16 mode and an SCP
    /// identifier other than `03`; the sequence counter must be present exactly when the
    /// i-parameter announces a pseudo-random card challenge.
    pub fn parse(data: &[u8]) -> Result<Self, CryptoError> {
        let bad = || CryptoError::SecureChannel("malformed INITIALIZE UPDATE response");
        let (kdd, rest) = data
            .split_first_chunk::<KEY_DIVERSIFICATION_DATA_LEN>()
            .ok_or_else(bad)?;
        let ([key_version, scp_id, i_param], rest) = rest
            .split_first_chunk::<3>()
            .map(|(a, r)| (*a, r))
            .ok_or_else(bad)?;
        if scp_id != SCP_ID {
            return Err(CryptoError::SecureChannel("SCP identifier is not 03"));
        }
        if i_param & I_S16 != 0 {
            return Err(CryptoError::SecureChannel("S16 mode is not supported"));
        }
        let (card_challenge, rest) = rest.split_first_chunk::<CHALLENGE_LEN>().ok_or_else(bad)?;
        let (card_cryptogram, rest) = rest.split_first_chunk::<CRYPTOGRAM_LEN>().ok_or_else(bad)?;
        let sequence_counter = match (rest.len(), i_param & I_PSEUDO_RANDOM_CHALLENGE != 0) {
            (0, false) => None,
            (SEQUENCE_COUNTER_LEN, true) => rest.try_into().ok(),
            _ => return Err(bad()),
        };
        Ok(Self {
            key_diversification_data: *kdd,
            key_version,
            i_param,
            card_challenge: *card_challenge,
            card_cryptogram: *card_cryptogram,
            sequence_counter,
        })
    }

    /// Parses a `84` TLV carrying the response data (SCP03t).
    pub fn parse_tlv(tlv: &[u8]) -> Result<Self, CryptoError> {
        Self::parse(single_tlv(tlv, TAG_INITIALIZE_UPDATE)?)
    }
}
