//! The card side: handshake and channel.

use subtle::ConstantTimeEq;

use super::*;
use crate::CryptoError;
use crate::tlv::{encode_length, parse_tlv};

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
