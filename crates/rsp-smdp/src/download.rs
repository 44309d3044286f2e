//! ES8 Profile download and installation (SGP.02 §3.1.3, §4.1.3.3) from the SM-DP's side:
//! an SCP03t session with the ISD-P on the keyset of the key establishment
//! ([`crate::es8`]), then the Profile Package in protected `86` segments, each TLV in a
//! STORE DATA ([`Scp03tCommand`]; our reading of how the TLVs reach the ISD-P through ES3
//! SendData). States consume themselves: [`Download`] (INITIALIZE UPDATE sent) →
//! [`AwaitingResult`] (EXTERNAL AUTHENTICATE and the segments sent) → [`Installation`].
//!
//! The session asks for C-MAC, C-DECRYPTION, R-MAC and R-ENCRYPTION (`33`, as the public
//! Njiwa SM-DP reads SGP.02 §4.1.3.3): the Profile travels encrypted and the eUICC's
//! `EUICCResponse` (TCA SAIP §8.11) comes back encrypted and MACed.

use rsp_codec::sgp02::es8::Scp03tCommand;
use rsp_crypto::isdp_keys::IsdpKeys;
use rsp_crypto::scp03::{Framing, HostChannel, HostHandshake, SecurityLevel, TAG_DATA};
use rsp_saip::model::EuiccResponse;

use crate::SmdpError;
use crate::es8::{KEY_ID, script_answer};

/// Plaintext octets per segment: the `86` TLV (`86 81 L`, ciphertext, 8-byte C-MAC) fits
/// a short STORE DATA (Lc ≤ 255): 252 octets of value leave 240 of ciphertext, and the
/// padding takes at least one.
pub const SEGMENT_PLAINTEXT: usize = 239;

/// The session's security level.
fn level() -> SecurityLevel {
    SecurityLevel::C_MAC
        | SecurityLevel::C_DECRYPTION
        | SecurityLevel::R_MAC
        | SecurityLevel::R_ENCRYPTION
}

/// The start: INITIALIZE UPDATE to the ISD-P.
pub struct Download {
    handshake: HostHandshake,
}

impl std::fmt::Debug for Download {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Download").finish_non_exhaustive()
    }
}

impl Download {
    /// A download on the keyset `keys` (key version `key_version`); returns it with the
    /// first script, the STORE DATA carrying INITIALIZE UPDATE.
    pub fn new(keys: &IsdpKeys, key_version: u8) -> Result<(Self, Vec<Vec<u8>>), SmdpError> {
        let handshake = HostHandshake::new(keys.keyset().clone(), key_version, KEY_ID)?;
        let apdu = Scp03tCommand::single(handshake.initialize_update().to_tlv()).to_apdu()?;
        Ok((Self { handshake }, vec![apdu]))
    }

    /// The ISD-P answered INITIALIZE UPDATE: checks the card cryptogram and returns the
    /// commands that authenticate the session and carry `package` (to be sent in order, in
    /// one SendData or several), with the state waiting for the eUICC's result.
    pub fn on_initialize_update(
        self,
        rapdus: &[Vec<u8>],
        package: &[u8],
    ) -> Result<(Vec<Vec<u8>>, AwaitingResult), SmdpError> {
        if package.is_empty() {
            return Err(SmdpError::Unexpected("an empty Profile Package"));
        }
        let response = script_answer(rapdus)?;
        let (mut channel, external_authenticate) = self
            .handshake
            .authenticate(response, level(), Framing::Tlv)
            .map_err(|e| match e {
                rsp_crypto::CryptoError::Cryptogram => {
                    SmdpError::Scp03t("the card cryptogram does not verify")
                }
                other => SmdpError::Crypto(other),
            })?;
        let segments = package.chunks(SEGMENT_PLAINTEXT);
        let count = segments.len();
        let mut apdus = Vec::with_capacity(count + 1);
        apdus.push(Scp03tCommand::single(external_authenticate).to_apdu()?);
        for (i, chunk) in segments.enumerate() {
            let tlv = channel.wrap_command_tlv(chunk)?;
            apdus.push(
                Scp03tCommand {
                    tlv,
                    last: i + 1 == count,
                    // The block number wraps (GP §11.11.2.2 has one octet).
                    block: u8::try_from(i % 256).unwrap_or_default(),
                }
                .to_apdu()?,
            );
        }
        Ok((apdus, AwaitingResult { channel }))
    }
}

/// The segments are on their way; the eUICC's answer to the last one decides.
pub struct AwaitingResult {
    channel: HostChannel,
}

impl std::fmt::Debug for AwaitingResult {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AwaitingResult").finish_non_exhaustive()
    }
}

/// What the eUICC reported for the Profile Package.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installation {
    /// Installed: the ISD-P holds the Profile, disabled.
    Installed,
    /// Not installed; the first `PEStatus` code (TCA SAIP §8.11: 4 not-enough-memory,
    /// 3 bad-values, 5 invalid-request-format, …).
    Aborted {
        /// The status code.
        status: u32,
    },
}

impl AwaitingResult {
    /// The response script of the last SendData (every earlier one must have been a
    /// success, see [`script_answer`]): verifies the R-MAC of the `86` TLV and reads the
    /// `EUICCResponse`.
    pub fn on_result(mut self, rapdus: &[Vec<u8>]) -> Result<Installation, SmdpError> {
        let tlv = script_answer(rapdus)?;
        let (tag, der) = self
            .channel
            .unwrap_response_tlv(tlv)
            .map_err(|_| SmdpError::Scp03t("the eUICC's response does not verify"))?;
        if tag != [TAG_DATA] {
            return Err(SmdpError::Unexpected("the result is not a 86 TLV"));
        }
        let response: EuiccResponse = rsp_codec::asn1::decode(&der)
            .map_err(|_| SmdpError::Unexpected("the result is not an EUICCResponse"))?;
        let failed = response.pe_status.iter().find(|s| s.status != 0);
        Ok(match (failed, response.profile_installation_aborted) {
            (None, None) => Installation::Installed,
            (Some(s), _) => Installation::Aborted { status: s.status },
            (None, Some(())) => Installation::Aborted { status: 0 },
        })
    }
}
