//! The off-card side: handshake and channel.

use subtle::ConstantTimeEq;

use super::*;
use crate::CryptoError;
use crate::tlv::parse_tlv;

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

pub(super) fn check_level_offered(level: SecurityLevel, i_param: u8) -> Result<(), CryptoError> {
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
