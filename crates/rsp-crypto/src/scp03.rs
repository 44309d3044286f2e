//! GlobalPlatform Secure Channel Protocol '03' (GP Card Specification v2.3 Amendment D
//! v1.1+), AES-128 keys, S8 mode, for the M2M ES8 profile download (SGP.02 §4.1.3.3).
//!
//! * Key derivation (Amd D §4.1.5): NIST SP 800-108 KDF in counter mode with AES-CMAC
//!   ([`kdf`]); session keys S-ENC, S-MAC, S-RMAC from host challenge ‖ card challenge
//!   ([`Session`]); 8-byte card and host cryptograms; the optional pseudo-random card
//!   challenge ([`pseudo_random_card_challenge`]).
//! * Mutual authentication (Amd D §6.2, §7.1): INITIALIZE UPDATE then EXTERNAL AUTHENTICATE.
//!   The off-card side goes [`HostHandshake`] → (card cryptogram checked) → [`HostChannel`];
//!   the card side [`CardChannel::begin`] → [`CardHandshake`] → (host cryptogram and C-MAC
//!   checked) → [`CardChannel`].
//! * Secure messaging (Amd D §6.2.4–§6.2.7): C-MAC, C-DECRYPTION, R-MAC, R-ENCRYPTION, as
//!   selected by the [`SecurityLevel`] of EXTERNAL AUTHENTICATE.
//!
//! Two framings ([`Framing`]): command APDUs, and the SCP03t TLVs of SGP.02 §4.1.3.3 (`84`
//! INITIALIZE UPDATE, `85` EXTERNAL AUTHENTICATE, `86` protected data), where the MAC covers
//! the tag and the length (which counts the 8-byte MAC) in place of `CLA INS P1 P2 Lc`. The
//! error TLVs of SCP03t are left to the caller.

use aes::Aes128;
use aes::cipher::block_padding::Iso7816;
use aes::cipher::{BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, KeyInit, KeyIvInit};
use cmac::{Cmac, Mac};
use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::CryptoError;
use crate::tlv::{encode_length, parse_tlv};

/// Length of an AES-128 key.
pub const KEY_LEN: usize = 16;
/// Length of host and card challenges in S8 mode.
pub const CHALLENGE_LEN: usize = 8;
/// Length of the card and host cryptograms in S8 mode.
pub const CRYPTOGRAM_LEN: usize = 8;
/// Length of a C-MAC or R-MAC in S8 mode.
pub const MAC_LEN: usize = 8;
/// Length of the key diversification data of the INITIALIZE UPDATE response.
pub const KEY_DIVERSIFICATION_DATA_LEN: usize = 10;
/// Length of the sequence counter of the INITIALIZE UPDATE response.
pub const SEQUENCE_COUNTER_LEN: usize = 3;

/// Derivation constant of the card cryptogram (Amd D §4.1.5 Table 4-1).
pub const DERIVE_CARD_CRYPTOGRAM: u8 = 0x00;
/// Derivation constant of the host cryptogram.
pub const DERIVE_HOST_CRYPTOGRAM: u8 = 0x01;
/// Derivation constant of the pseudo-random card challenge.
pub const DERIVE_CARD_CHALLENGE: u8 = 0x02;
/// Derivation constant of S-ENC.
pub const DERIVE_S_ENC: u8 = 0x04;
/// Derivation constant of S-MAC.
pub const DERIVE_S_MAC: u8 = 0x06;
/// Derivation constant of S-RMAC.
pub const DERIVE_S_RMAC: u8 = 0x07;

/// SCP identifier in the INITIALIZE UPDATE response.
pub const SCP_ID: u8 = 0x03;
/// i-parameter bit: S16 mode (16-byte challenges, cryptograms and MACs; not supported here).
pub const I_S16: u8 = 0x01;
/// i-parameter bit: pseudo-random card challenge (Amd D §5.1, §6.2.2.1).
pub const I_PSEUDO_RANDOM_CHALLENGE: u8 = 0x10;
/// i-parameter bit: R-MAC supported.
pub const I_R_MAC: u8 = 0x20;
/// i-parameter bit: R-ENCRYPTION supported.
pub const I_R_ENCRYPTION: u8 = 0x40;

/// SCP03t tag of INITIALIZE UPDATE (command and response; SGP.02 §4.1.3.3).
pub const TAG_INITIALIZE_UPDATE: u8 = 0x84;
/// SCP03t tag of EXTERNAL AUTHENTICATE.
pub const TAG_EXTERNAL_AUTHENTICATE: u8 = 0x85;
/// SCP03t tag of protected data.
pub const TAG_DATA: u8 = 0x86;

/// INS of INITIALIZE UPDATE.
pub const INS_INITIALIZE_UPDATE: u8 = 0x50;
/// INS of EXTERNAL AUTHENTICATE.
pub const INS_EXTERNAL_AUTHENTICATE: u8 = 0x82;

const BLOCK_LEN: usize = 16;
/// The KDF counter is one byte: at most 255 CMAC blocks.
const KDF_MAX_BYTES: usize = 255 * BLOCK_LEN;
/// Bits 'L' of the cryptograms and the card challenge (Amd D §6.2.2).
const L_64: u16 = 64;
/// Bits 'L' of an AES-128 session key.
const L_128: u16 = 128;

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
fn kdf_array<const N: usize>(key: &[u8; 16], constant: u8, context: &[u8], bits: u16) -> [u8; N] {
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
    keys: SessionKeys,
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

/// The off-card entity between INITIALIZE UPDATE and the check of the card cryptogram.
pub struct HostHandshake {
    keys: StaticKeys,
    command: InitializeUpdate,
}

impl std::fmt::Debug for HostHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostHandshake")
            .field("command", &self.command)
            .finish_non_exhaustive()
    }
}

impl HostHandshake {
    /// Starts with a random host challenge.
    pub fn new(keys: StaticKeys, key_version: u8, key_id: u8) -> Result<Self, CryptoError> {
        Ok(Self::with_challenge(
            keys,
            key_version,
            key_id,
            random_challenge()?,
        ))
    }

    /// Starts with a given host challenge (tests, replays of known traces).
    pub fn with_challenge(
        keys: StaticKeys,
        key_version: u8,
        key_id: u8,
        host_challenge: [u8; 8],
    ) -> Self {
        Self {
            keys,
            command: InitializeUpdate {
                key_version,
                key_id,
                host_challenge,
            },
        }
    }

    /// The INITIALIZE UPDATE command to send.
    pub fn initialize_update(&self) -> &InitializeUpdate {
        &self.command
    }

    /// Checks the card's INITIALIZE UPDATE response (the response data in APDU framing, the
    /// `84` TLV in TLV framing) and builds the EXTERNAL AUTHENTICATE command, C-MACed with
    /// an all-zero chaining value (Amd D §7.1.2). Returns the channel and that command; the
    /// channel is usable once the card has accepted it.
    ///
    /// Fails with [`CryptoError::Cryptogram`] when the card cryptogram does not match (other
    /// keys on the card), and with [`CryptoError::SecureChannel`] when the key version differs
    /// from a non-zero requested one or the card does not offer the R-MAC / R-ENCRYPTION the
    /// security level asks for.
    pub fn authenticate(
        self,
        response: &[u8],
        level: SecurityLevel,
        framing: Framing,
    ) -> Result<(HostChannel, Vec<u8>), CryptoError> {
        let response = match framing {
            Framing::Apdu => InitializeUpdateResponse::parse(response)?,
            Framing::Tlv => InitializeUpdateResponse::parse_tlv(response)?,
        };
        if self.command.key_version != 0 && response.key_version != self.command.key_version {
            return Err(CryptoError::SecureChannel(
                "key version differs from the request",
            ));
        }
        check_level_offered(level, response.i_param)?;
        let session = Session::derive(
            &self.keys,
            &self.command.host_challenge,
            &response.card_challenge,
        );
        let expected = session.card_cryptogram();
        if !bool::from(expected.ct_eq(&response.card_cryptogram)) {
            return Err(CryptoError::Cryptogram);
        }
        let mut channel = HostChannel {
            state: ChannelState::new(session.keys.clone(), level),
        };
        let host_cryptogram = session.host_cryptogram();
        let command = match framing {
            Framing::Apdu => {
                let header = [0x84, INS_EXTERNAL_AUTHENTICATE, level.bits(), 0x00];
                channel
                    .state
                    .mac_apdu(header, &host_cryptogram, &[], false)?
            }
            Framing::Tlv => {
                let mut data = [0u8; 1 + CRYPTOGRAM_LEN];
                if let Some((first, rest)) = data.split_first_mut() {
                    *first = level.bits();
                    rest.copy_from_slice(&host_cryptogram);
                }
                channel.state.mac_tlv(TAG_EXTERNAL_AUTHENTICATE, &data)
            }
        };
        Ok((channel, command))
    }
}

fn check_level_offered(level: SecurityLevel, i_param: u8) -> Result<(), CryptoError> {
    if level.contains(SecurityLevel::R_MAC) && i_param & I_R_MAC == 0 {
        return Err(CryptoError::SecureChannel(
            "the card does not support R-MAC",
        ));
    }
    if level.contains(SecurityLevel::R_ENCRYPTION) && i_param & I_R_ENCRYPTION == 0 {
        return Err(CryptoError::SecureChannel(
            "the card does not support R-ENCRYPTION",
        ));
    }
    Ok(())
}

/// The off-card side of an open session: wraps commands, unwraps responses.
///
/// On any error the state is left unchanged; Amd D ends the session on a secure messaging
/// error, so the caller should drop the channel.
pub struct HostChannel {
    state: ChannelState,
}

impl std::fmt::Debug for HostChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HostChannel")
            .field("level", &self.state.level)
            .field("encryption_counter", &self.state.counter)
            .finish_non_exhaustive()
    }
}

impl HostChannel {
    /// The security level of the session.
    pub fn security_level(&self) -> SecurityLevel {
        self.state.level
    }

    /// The encryption counter of the last command (0 before the first).
    pub fn encryption_counter(&self) -> u64 {
        self.state.counter
    }

    /// Protects a command APDU (short or extended, cases 1–4) per the security level:
    /// C-DECRYPTION of the data field if present (the encryption counter advances for every
    /// command), then the C-MAC over MCV ‖ CLA ‖ INS ‖ P1 ‖ P2 ‖ Lc ‖ data with the secure
    /// messaging bit in CLA (`04`; `20` for the further interindustry classes) and the
    /// logical channel cleared (Amd D §6.2.4); Lc counts the MAC. With R-MAC, a present Le
    /// becomes `00` (or `0000`), as the response grows by the R-MAC and padding.
    pub fn wrap_command_apdu(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.state.level.contains(SecurityLevel::C_MAC) {
            return Ok(apdu.to_vec());
        }
        let cmd = parse_apdu(apdu)?;
        let [cla, ins, p1, p2] = cmd.header;
        let next = self.state.next_counter()?;
        let data = self.state.encrypt_command(cmd.data, next)?;
        let mut le = cmd.le.to_vec();
        if self.state.level.contains(SecurityLevel::R_MAC) {
            le.iter_mut().for_each(|b| *b = 0);
        }
        let wrapped = self
            .state
            .mac_apdu([sm_cla(cla), ins, p1, p2], &data, &le, cmd.extended)?;
        self.state.counter = next;
        Ok(wrapped)
    }

    /// Protects data as a `86` TLV (SCP03t): C-DECRYPTION if the level asks for it and the
    /// data is not empty (the counter advances regardless), then the C-MAC over
    /// MCV ‖ `86` ‖ length ‖ data, the length counting the MAC.
    pub fn wrap_command_tlv(&mut self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.state.level.contains(SecurityLevel::C_MAC) {
            return Ok(plain_tlv(TAG_DATA, data));
        }
        let next = self.state.next_counter()?;
        let data = self.state.encrypt_command(data, next)?;
        let wrapped = self.state.mac_tlv(TAG_DATA, &data);
        self.state.counter = next;
        Ok(wrapped)
    }

    /// Checks and opens a response APDU (data ‖ SW1 SW2) per the security level: R-MAC over
    /// MCV ‖ data ‖ SW1 SW2 with S-RMAC, the MCV being the C-MAC of the last command, then
    /// R-ENCRYPTION with ICV = AES(S-ENC, `80` ‖ counter) (Amd D §6.2.5, §6.2.7). A response
    /// with an error status word (other than `9000`, `62xx`, `63xx`) carries no protection
    /// and is returned as is. Returns the plain data ‖ SW1 SW2.
    pub fn unwrap_response_apdu(&mut self, response: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (data, sw) = response
            .split_last_chunk::<2>()
            .ok_or(CryptoError::SecureChannel(
                "response shorter than its status word",
            ))?;
        if !self.state.level.contains(SecurityLevel::R_MAC) || is_error_sw(*sw) {
            return Ok(response.to_vec());
        }
        let (data, mac) = data
            .split_last_chunk::<MAC_LEN>()
            .ok_or(CryptoError::SecureChannel(
                "response shorter than its R-MAC",
            ))?;
        self.state.verify_rmac(&[data, sw], mac)?;
        let mut plain = self.state.decrypt_response(data)?;
        plain.extend_from_slice(sw);
        Ok(plain)
    }

    /// Checks and opens a response TLV: with R-MAC, the value ends with the R-MAC over
    /// MCV ‖ tag ‖ length ‖ data, the length counting the R-MAC, and with R-ENCRYPTION the
    /// data is the ciphertext. This TLV-mode R-MAC input is our reading, by analogy with the
    /// C-MAC of SCP03t (SGP.02 §4.1.3.3 does not spell it out). Returns the tag and the
    /// plain data.
    pub fn unwrap_response_tlv(&mut self, tlv: &[u8]) -> Result<(Vec<u8>, Vec<u8>), CryptoError> {
        let (parsed, rest) = parse_tlv(tlv)?;
        if !rest.is_empty() {
            return Err(CryptoError::Tlv("trailing bytes after TLV"));
        }
        if !self.state.level.contains(SecurityLevel::R_MAC) {
            return Ok((parsed.tag.to_vec(), parsed.value.to_vec()));
        }
        let (data, mac) = parsed
            .value
            .split_last_chunk::<MAC_LEN>()
            .ok_or(CryptoError::Tlv("value shorter than its R-MAC"))?;
        self.state.verify_rmac(&[parsed.header, data], mac)?;
        Ok((parsed.tag.to_vec(), self.state.decrypt_response(data)?))
    }
}

/// What the card puts in its INITIALIZE UPDATE response besides challenge and cryptogram.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CardParameters {
    /// Key diversification data.
    pub key_diversification_data: [u8; 10],
    /// Key version number of the key set.
    pub key_version: u8,
    /// The i-parameter (`I_*` bits; S16 mode is not supported).
    pub i_param: u8,
}

/// The card between its INITIALIZE UPDATE response and EXTERNAL AUTHENTICATE. `Clone`
/// so that a card can keep it in state it copies for all-or-nothing updates.
#[derive(Clone)]
pub struct CardHandshake {
    session: Session,
    i_param: u8,
}

impl std::fmt::Debug for CardHandshake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardHandshake")
            .field("i_param", &self.i_param)
            .finish_non_exhaustive()
    }
}

impl CardHandshake {
    /// Verifies an EXTERNAL AUTHENTICATE command APDU (`84 82 level 00 10` host cryptogram
    /// ‖ C-MAC): the security level, the host cryptogram ([`CryptoError::Cryptogram`]) and
    /// the C-MAC over an all-zero chaining value ([`CryptoError::Mac`]). The handshake is
    /// consumed either way: after a failure a new INITIALIZE UPDATE is needed.
    pub fn external_authenticate_apdu(self, apdu: &[u8]) -> Result<CardChannel, CryptoError> {
        let cmd = parse_apdu(apdu)?;
        let [cla, ins, p1, _p2] = cmd.header;
        if ins != INS_EXTERNAL_AUTHENTICATE || !has_sm_bit(cla) {
            return Err(CryptoError::SecureChannel(
                "not a secured EXTERNAL AUTHENTICATE command",
            ));
        }
        let level = SecurityLevel::from_byte(p1)?;
        let (cryptogram, mac) = split_mac(cmd.data)?;
        self.finish(level, cryptogram, mac, |state| {
            state.apdu_mac(&cmd.header, cmd.lc, cryptogram)
        })
    }

    /// Verifies an EXTERNAL AUTHENTICATE `85` TLV (level ‖ host cryptogram ‖ C-MAC, the MAC
    /// over MCV ‖ `85` ‖ length ‖ level ‖ host cryptogram). Consumed either way.
    pub fn external_authenticate_tlv(self, tlv: &[u8]) -> Result<CardChannel, CryptoError> {
        let (parsed, rest) = parse_tlv(tlv)?;
        if !rest.is_empty() || parsed.tag != [TAG_EXTERNAL_AUTHENTICATE] {
            return Err(CryptoError::Tlv("expected one 85 TLV"));
        }
        let (data, mac) = split_mac(parsed.value)?;
        let (level, cryptogram) = data.split_first().ok_or(CryptoError::SecureChannel(
            "EXTERNAL AUTHENTICATE too short",
        ))?;
        let level = SecurityLevel::from_byte(*level)?;
        self.finish(level, cryptogram, mac, |state| {
            state.full_mac(&[parsed.header, data])
        })
    }

    fn finish(
        self,
        level: SecurityLevel,
        cryptogram: &[u8],
        mac: &[u8],
        compute_mac: impl FnOnce(&ChannelState) -> [u8; BLOCK_LEN],
    ) -> Result<CardChannel, CryptoError> {
        check_level_offered(level, self.i_param)?;
        let expected = self.session.host_cryptogram();
        if !bool::from(expected.as_slice().ct_eq(cryptogram)) {
            return Err(CryptoError::Cryptogram);
        }
        let mut state = ChannelState::new(self.session.keys.clone(), level);
        let full = compute_mac(&state);
        state.check_and_chain(full, mac)?;
        Ok(CardChannel { state })
    }
}

/// The card side of an open session: unwraps commands, wraps responses.
///
/// On any error the state is left unchanged; Amd D ends the session on a secure messaging
/// error, so the caller should drop the channel.
#[derive(Clone)]
pub struct CardChannel {
    state: ChannelState,
}

impl std::fmt::Debug for CardChannel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CardChannel")
            .field("level", &self.state.level)
            .field("encryption_counter", &self.state.counter)
            .finish_non_exhaustive()
    }
}

impl CardChannel {
    /// Handles INITIALIZE UPDATE on the card: derives the session from the static keys, the
    /// host challenge and `card_challenge` (random, or [`pseudo_random_card_challenge`] with
    /// `sequence_counter` given exactly when `params.i_param` says so) and returns the
    /// handshake waiting for EXTERNAL AUTHENTICATE together with the response to send
    /// ([`InitializeUpdateResponse::to_bytes`] or [`InitializeUpdateResponse::to_tlv`]).
    pub fn begin(
        keys: &StaticKeys,
        command: &InitializeUpdate,
        params: &CardParameters,
        card_challenge: [u8; 8],
        sequence_counter: Option<[u8; 3]>,
    ) -> Result<(CardHandshake, InitializeUpdateResponse), CryptoError> {
        if params.i_param & I_S16 != 0 {
            return Err(CryptoError::SecureChannel("S16 mode is not supported"));
        }
        if sequence_counter.is_some() != (params.i_param & I_PSEUDO_RANDOM_CHALLENGE != 0) {
            return Err(CryptoError::SecureChannel(
                "a sequence counter goes with a pseudo-random card challenge only",
            ));
        }
        let session = Session::derive(keys, &command.host_challenge, &card_challenge);
        let response = InitializeUpdateResponse {
            key_diversification_data: params.key_diversification_data,
            key_version: params.key_version,
            i_param: params.i_param,
            card_challenge,
            card_cryptogram: session.card_cryptogram(),
            sequence_counter,
        };
        Ok((
            CardHandshake {
                session,
                i_param: params.i_param,
            },
            response,
        ))
    }

    /// The security level of the session.
    pub fn security_level(&self) -> SecurityLevel {
        self.state.level
    }

    /// The encryption counter of the last command (0 before the first).
    pub fn encryption_counter(&self) -> u64 {
        self.state.counter
    }

    /// Verifies and opens a command APDU: C-MAC (over the header as received with the
    /// logical channel cleared), then C-DECRYPTION and the padding. Returns the plain APDU
    /// with the secure messaging bit cleared, Lc adjusted and Le kept.
    pub fn unwrap_command_apdu(&mut self, apdu: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.state.level.contains(SecurityLevel::C_MAC) {
            return Ok(apdu.to_vec());
        }
        let cmd = parse_apdu(apdu)?;
        let [cla, ins, p1, p2] = cmd.header;
        if !has_sm_bit(cla) {
            return Err(CryptoError::SecureChannel(
                "secure messaging bit missing in CLA",
            ));
        }
        let (data, mac) = split_mac(cmd.data)?;
        let full = self.state.apdu_mac(&cmd.header, cmd.lc, data);
        self.state.verify_mac(&full, mac)?;
        let next = self.state.next_counter()?;
        let plain = self.state.decrypt_command(data, next)?;
        let out = encode_apdu(
            [clear_sm_cla(cla), ins, p1, p2],
            &plain,
            cmd.le,
            cmd.extended,
        )?;
        *self.state.mcv = full;
        self.state.counter = next;
        Ok(out)
    }

    /// Verifies and opens a `86` TLV; returns the plain data.
    pub fn unwrap_command_tlv(&mut self, tlv: &[u8]) -> Result<Vec<u8>, CryptoError> {
        let (parsed, rest) = parse_tlv(tlv)?;
        if !rest.is_empty() || parsed.tag != [TAG_DATA] {
            return Err(CryptoError::Tlv("expected one 86 TLV"));
        }
        if !self.state.level.contains(SecurityLevel::C_MAC) {
            return Ok(parsed.value.to_vec());
        }
        let (data, mac) = split_mac(parsed.value)?;
        let full = self.state.full_mac(&[parsed.header, data]);
        self.state.verify_mac(&full, mac)?;
        let next = self.state.next_counter()?;
        let plain = self.state.decrypt_command(data, next)?;
        *self.state.mcv = full;
        self.state.counter = next;
        Ok(plain)
    }

    /// Protects a response: R-ENCRYPTION of non-empty data, then the R-MAC over
    /// MCV ‖ data ‖ SW1 SW2 (Amd D §6.2.5, §6.2.7); returns data ‖ R-MAC ‖ SW1 SW2. With an
    /// error status word only the status word is returned.
    pub fn wrap_response_apdu(&mut self, data: &[u8], sw: [u8; 2]) -> Result<Vec<u8>, CryptoError> {
        if is_error_sw(sw) {
            return Ok(sw.to_vec());
        }
        let mut out = if self.state.level.contains(SecurityLevel::R_MAC) {
            let data = self.state.encrypt_response(data)?;
            let mac = self.state.full_rmac(&[&data, &sw]);
            let mut out = data;
            out.extend_from_slice(mac.get(..MAC_LEN).unwrap_or_default());
            out
        } else {
            data.to_vec()
        };
        out.extend_from_slice(&sw);
        Ok(out)
    }

    /// Protects a response TLV with tag `tag` (e.g. `[0x86]`): R-ENCRYPTION, then the R-MAC
    /// over MCV ‖ tag ‖ length ‖ data, the length counting the R-MAC (our reading; see
    /// [`HostChannel::unwrap_response_tlv`]).
    pub fn wrap_response_tlv(&mut self, tag: &[u8], data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.state.level.contains(SecurityLevel::R_MAC) {
            let mut out = tag.to_vec();
            encode_length(data.len(), &mut out);
            out.extend_from_slice(data);
            return Ok(out);
        }
        let data = self.state.encrypt_response(data)?;
        let mut out = tag.to_vec();
        encode_length(data.len() + MAC_LEN, &mut out);
        let mac = self.state.full_rmac(&[&out, &data]);
        out.extend_from_slice(&data);
        out.extend_from_slice(mac.get(..MAC_LEN).unwrap_or_default());
        Ok(out)
    }
}

/// Keys, security level, MAC chaining value and encryption counter shared by both sides.
#[derive(Clone)]
struct ChannelState {
    keys: SessionKeys,
    level: SecurityLevel,
    mcv: Zeroizing<[u8; BLOCK_LEN]>,
    counter: u64,
}

impl ChannelState {
    /// After EXTERNAL AUTHENTICATE: the first MCV is 16 zero bytes (Amd D §6.2.4); the
    /// encryption counter is 0 and is incremented before each command, so the first
    /// command after EXTERNAL AUTHENTICATE uses 1 (Amd D §6.2.6).
    fn new(keys: SessionKeys, level: SecurityLevel) -> Self {
        Self {
            keys,
            level,
            mcv: Zeroizing::new([0; BLOCK_LEN]),
            counter: 0,
        }
    }

    fn next_counter(&self) -> Result<u64, CryptoError> {
        self.counter
            .checked_add(1)
            .ok_or(CryptoError::CounterExhausted)
    }

    /// ICV = AES(S-ENC, counter as a 16-byte big-endian block), with the first byte set to
    /// `80` for responses (Amd D §6.2.6, §6.2.7).
    fn icv(&self, counter: u64, response: bool) -> [u8; BLOCK_LEN] {
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
    fn encrypt_command(&self, data: &[u8], counter: u64) -> Result<Vec<u8>, CryptoError> {
        if !self.level.contains(SecurityLevel::C_DECRYPTION) || data.is_empty() {
            return Ok(data.to_vec());
        }
        let icv = self.icv(counter, false);
        Ok(
            cbc::Encryptor::<Aes128>::new(self.keys.s_enc().into(), (&icv).into())
                .encrypt_padded_vec::<Iso7816>(data),
        )
    }

    fn decrypt_command(&self, data: &[u8], counter: u64) -> Result<Vec<u8>, CryptoError> {
        if !self.level.contains(SecurityLevel::C_DECRYPTION) || data.is_empty() {
            return Ok(data.to_vec());
        }
        self.decrypt(data, self.icv(counter, false))
    }

    fn encrypt_response(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.level.contains(SecurityLevel::R_ENCRYPTION) || data.is_empty() {
            return Ok(data.to_vec());
        }
        let icv = self.icv(self.counter, true);
        Ok(
            cbc::Encryptor::<Aes128>::new(self.keys.s_enc().into(), (&icv).into())
                .encrypt_padded_vec::<Iso7816>(data),
        )
    }

    fn decrypt_response(&self, data: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if !self.level.contains(SecurityLevel::R_ENCRYPTION) || data.is_empty() {
            return Ok(data.to_vec());
        }
        self.decrypt(data, self.icv(self.counter, true))
    }

    fn decrypt(&self, data: &[u8], icv: [u8; BLOCK_LEN]) -> Result<Vec<u8>, CryptoError> {
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
    fn full_mac(&self, parts: &[&[u8]]) -> [u8; BLOCK_LEN] {
        cmac_parts(self.keys.s_mac(), &self.mcv, parts)
    }

    /// Full AES-CMAC(S-RMAC, MCV ‖ parts); the MCV is the C-MAC of the last command.
    fn full_rmac(&self, parts: &[&[u8]]) -> [u8; BLOCK_LEN] {
        cmac_parts(self.keys.s_rmac(), &self.mcv, parts)
    }

    /// The C-MAC of a received APDU: CLA with the secure messaging bit and logical channel
    /// cleared to the MAC form, the Lc bytes as received.
    fn apdu_mac(&self, header: &[u8; 4], lc: &[u8], data: &[u8]) -> [u8; BLOCK_LEN] {
        let [cla, ins, p1, p2] = *header;
        self.full_mac(&[&[mac_cla(cla), ins, p1, p2], lc, data])
    }

    fn verify_mac(&self, full: &[u8; BLOCK_LEN], mac: &[u8]) -> Result<(), CryptoError> {
        let expected = full.get(..MAC_LEN).unwrap_or_default();
        if bool::from(expected.ct_eq(mac)) {
            Ok(())
        } else {
            Err(CryptoError::Mac)
        }
    }

    fn check_and_chain(&mut self, full: [u8; BLOCK_LEN], mac: &[u8]) -> Result<(), CryptoError> {
        self.verify_mac(&full, mac)?;
        *self.mcv = full;
        Ok(())
    }

    fn verify_rmac(&self, parts: &[&[u8]], mac: &[u8]) -> Result<(), CryptoError> {
        let full = self.full_rmac(parts);
        self.verify_mac(&full, mac)
    }

    /// Appends the C-MAC to a command APDU built from `header` (CLA already with the secure
    /// messaging bit), `data` and `le`; updates the MCV.
    fn mac_apdu(
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
    fn mac_tlv(&mut self, tag: u8, data: &[u8]) -> Vec<u8> {
        let mut out = vec![tag];
        encode_length(data.len() + MAC_LEN, &mut out);
        let full = self.full_mac(&[&out, data]);
        out.extend_from_slice(data);
        out.extend_from_slice(full.get(..MAC_LEN).unwrap_or_default());
        *self.mcv = full;
        out
    }
}

fn cmac_parts(key: &[u8; 16], mcv: &[u8; BLOCK_LEN], parts: &[&[u8]]) -> [u8; BLOCK_LEN] {
    let mut mac = <Cmac<Aes128> as KeyInit>::new(key.into());
    mac.update(mcv);
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

fn plain_tlv(tag: u8, data: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    encode_length(data.len(), &mut out);
    out.extend_from_slice(data);
    out
}

/// The value of a TLV that must be exactly one TLV with the single-byte tag `tag`.
fn single_tlv(tlv: &[u8], tag: u8) -> Result<&[u8], CryptoError> {
    let (parsed, rest) = parse_tlv(tlv)?;
    if !rest.is_empty() || parsed.tag != [tag] {
        return Err(CryptoError::Tlv("unexpected tag or trailing bytes"));
    }
    Ok(parsed.value)
}

fn split_mac(data: &[u8]) -> Result<(&[u8], &[u8]), CryptoError> {
    data.split_last_chunk::<MAC_LEN>()
        .map(|(d, m)| (d, m.as_slice()))
        .ok_or(CryptoError::SecureChannel("data shorter than its C-MAC"))
}

/// Error status words: all but `9000`, `62xx` and `63xx` (Amd D §6.2.5).
fn is_error_sw(sw: [u8; 2]) -> bool {
    !matches!(sw, [0x90, 0x00] | [0x62 | 0x63, _])
}

/// Further interindustry class bytes (ISO/IEC 7816-4 §5.4.1) have bit 7 set.
fn is_further_interindustry(cla: u8) -> bool {
    cla & 0x40 != 0
}

/// CLA as transmitted with secure messaging: `04` set (and `08` cleared) for the first
/// interindustry classes, `20` set for the further ones (GP CS v2.3 §11.1.4).
fn sm_cla(cla: u8) -> u8 {
    if is_further_interindustry(cla) {
        cla | 0x20
    } else {
        (cla & !0x08) | 0x04
    }
}

fn has_sm_bit(cla: u8) -> bool {
    if is_further_interindustry(cla) {
        cla & 0x20 != 0
    } else {
        cla & 0x0C == 0x04
    }
}

fn clear_sm_cla(cla: u8) -> u8 {
    if is_further_interindustry(cla) {
        cla & !0x20
    } else {
        cla & !0x0C
    }
}

/// CLA in the C-MAC input: secure messaging indicated, logical channel number zero
/// (Amd D §6.2.4).
fn mac_cla(cla: u8) -> u8 {
    if is_further_interindustry(cla) {
        (cla & 0xF0) | 0x20
    } else {
        (cla & 0xF0) | 0x04
    }
}

/// A command APDU split into its parts (ISO/IEC 7816-3 §12.1.3, cases 1 to 4, short and
/// extended lengths).
struct Apdu<'a> {
    header: [u8; 4],
    /// The Lc bytes as received (empty, 1 byte, or `00` + 2 bytes).
    lc: &'a [u8],
    data: &'a [u8],
    /// The Le bytes without the leading `00` of case 2E: empty, 1 byte or 2 bytes.
    le: &'a [u8],
    extended: bool,
}

fn parse_apdu(apdu: &[u8]) -> Result<Apdu<'_>, CryptoError> {
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

fn encode_lc(len: usize, extended: bool) -> Result<Vec<u8>, CryptoError> {
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

fn encode_apdu(
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn apdu_cases_parse_and_reencode() {
        for apdu in [
            &[0x80, 0xF2, 0x20, 0x02][..],
            &[0x80, 0xCA, 0x00, 0x66, 0x00],
            &[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00],
            &[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00, 0x00],
            &[0x80, 0xCA, 0x00, 0x66, 0x00, 0x01, 0x00],
            &[0x80, 0xF2, 0x20, 0x02, 0x00, 0x00, 0x02, 0x4F, 0x00],
            &[
                0x80, 0xF2, 0x20, 0x02, 0x00, 0x00, 0x02, 0x4F, 0x00, 0x00, 0x00,
            ],
        ] {
            let p = parse_apdu(apdu).unwrap();
            assert_eq!(
                encode_apdu(p.header, p.data, p.le, p.extended).unwrap(),
                apdu
            );
        }
        for bad in [
            &[0x80, 0xF2, 0x20][..],
            &[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F],
            &[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00, 0x00, 0x00],
            &[0x80, 0xF2, 0x20, 0x02, 0x00, 0x00],
            &[0x80, 0xF2, 0x20, 0x02, 0x00, 0x00, 0x00, 0x00],
        ] {
            assert!(parse_apdu(bad).is_err(), "{bad:02X?}");
        }
    }

    #[test]
    fn class_byte_forms() {
        assert_eq!(sm_cla(0x80), 0x84);
        assert_eq!(sm_cla(0x81), 0x85);
        assert_eq!(mac_cla(0x85), 0x84);
        assert_eq!(clear_sm_cla(0x85), 0x81);
        assert_eq!(sm_cla(0xC1), 0xE1);
        assert_eq!(mac_cla(0xE1), 0xE0);
        assert_eq!(clear_sm_cla(0xE1), 0xC1);
        assert!(has_sm_bit(0x84) && !has_sm_bit(0x80) && !has_sm_bit(0x8C));
    }

    #[test]
    fn security_levels() {
        for ok in [0x00, 0x01, 0x03, 0x11, 0x13, 0x33] {
            assert_eq!(SecurityLevel::from_byte(ok).unwrap().bits(), ok);
        }
        for bad in [0x02, 0x10, 0x12, 0x23, 0x31, 0x80] {
            assert!(SecurityLevel::from_byte(bad).is_err());
        }
        let level = SecurityLevel::C_MAC | SecurityLevel::R_MAC;
        assert!(level.contains(SecurityLevel::R_MAC));
        assert!(!level.contains(SecurityLevel::C_DECRYPTION));
    }

    #[test]
    fn kdf_lengths() {
        let key = [7u8; 16];
        assert_eq!(kdf(&key, 4, b"ctx", 64).len(), 8);
        assert_eq!(kdf(&key, 4, b"ctx", 256).len(), 32);
        assert_eq!(kdf(&key, 4, b"ctx", u16::MAX).len(), KDF_MAX_BYTES);
        // L is part of the input: the first 8 bytes of a 128-bit output differ from a
        // 64-bit output.
        assert_ne!(
            kdf(&key, 4, b"ctx", 64).as_slice(),
            &kdf(&key, 4, b"ctx", 128)[..8]
        );
    }

    #[test]
    fn debug_is_redacted() {
        let keys = StaticKeys::from_bytes([1; 16], [2; 16], [3; 16]);
        assert_eq!(format!("{keys:?}"), "StaticKeys(<redacted>)");
        let session = Session::derive(&keys, &[0; 8], &[1; 8]);
        assert_eq!(format!("{session:?}"), "Session(<redacted>)");
        assert_eq!(format!("{:?}", session.keys()), "SessionKeys(<redacted>)");
    }
}
