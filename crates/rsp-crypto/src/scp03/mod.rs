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

pub(super) const BLOCK_LEN: usize = 16;
/// The KDF counter is one byte: at most 255 CMAC blocks.
pub(super) const KDF_MAX_BYTES: usize = 255 * BLOCK_LEN;
/// Bits 'L' of the cryptograms and the card challenge (Amd D §6.2.2).
pub(super) const L_64: u16 = 64;
/// Bits 'L' of an AES-128 session key.
pub(super) const L_128: u16 = 128;

mod card;
mod channel;
mod host;
mod keys;
mod messages;
#[cfg(test)]
mod tests;

pub use card::*;
use channel::*;
pub use host::*;
pub use keys::*;
pub use messages::*;
