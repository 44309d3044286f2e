//! The command packet (TS 102 225 §5.1) in its SMS-PP form (TS 31.115 §4.2):
//! `CPL(2) CHL(1) SPI(2) KIc KID TAR(3) CNTR(5) PCNTR RC/CC/DS [secured data]`. The CPI
//! is the user-data-header IEI `70` (see [`crate::sms`]) and the CHI is null.

use crate::OtaError;
use crate::counter::Counter;
use crate::crypto::SecurityKeys;
use crate::packet::{self, Protection};
use crate::spi::{Kic, Kid, Spi};

/// Length of CHL..TAR: CHL, SPI, KIc, KID, TAR.
const CLEAR_LEN: usize = 1 + 2 + 1 + 1 + 3;

/// The header fields of a command packet that the sender chooses.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CommandHeader {
    /// Security parameter indicator.
    pub spi: Spi,
    /// Ciphering key identifier.
    pub kic: Kic,
    /// Integrity key identifier.
    pub kid: Kid,
    /// Toolkit application reference (TS 101 220 §6).
    pub tar: [u8; 3],
    /// Replay counter.
    pub counter: Counter,
}

/// A received command packet whose clear header has been parsed; [`CommandPacket::open`]
/// deciphers and verifies the rest with the keys that KIc/KID/TAR select.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandPacket {
    /// SPI (always sent in clear).
    pub spi: Spi,
    /// KIc.
    pub kic: Kic,
    /// KID.
    pub kid: Kid,
    /// TAR.
    pub tar: [u8; 3],
    raw: Vec<u8>,
}

/// A command packet after deciphering and RC/CC verification.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedCommand {
    /// The header, with the counter that was received.
    pub header: CommandHeader,
    /// Number of padding octets (PCNTR).
    pub padding: u8,
    /// The secured data without padding (TS 102 226 remote commands).
    pub data: Vec<u8>,
}

impl CommandHeader {
    /// Builds the command packet from CPL onwards (TS 102 225 §5.1, TS 31.115 §4.2).
    pub fn seal(&self, keys: &SecurityKeys, data: &[u8]) -> Result<Vec<u8>, OtaError> {
        let p = Protection::resolve(
            self.spi.ciphering,
            self.spi.integrity,
            self.kic,
            self.kid,
            keys,
        )?;
        // CHL counts SPI..RC/CC/DS (§5.1: 13 + length of the RC/CC/DS).
        let chl = u8::try_from(13 + p.mac_len()).map_err(|_| OtaError::TooLong)?;
        let mut clear = vec![chl];
        clear.extend_from_slice(&self.spi.to_bytes());
        clear.push(self.kic.0);
        clear.push(self.kid.0);
        clear.extend_from_slice(&self.tar);
        packet::seal(&p, &[], &clear, &self.counter.0, &[], data)
    }
}

impl CommandPacket {
    /// Parses the clear part of a command packet (from CPL onwards) and checks CPL.
    pub fn parse(bytes: &[u8]) -> Result<Self, OtaError> {
        let (cpl, rest) = bytes
            .split_first_chunk::<2>()
            .ok_or(OtaError::Malformed("no CPL"))?;
        if usize::from(u16::from_be_bytes(*cpl)) != rest.len() {
            return Err(OtaError::Malformed("CPL does not match the packet length"));
        }
        let clear = rest
            .first_chunk::<CLEAR_LEN>()
            .ok_or(OtaError::Malformed("command header truncated"))?;
        let [_chl, s1, s2, kic, kid, t1, t2, t3] = *clear;
        Ok(CommandPacket {
            spi: Spi::from_bytes([s1, s2])?,
            kic: Kic(kic),
            kid: Kid(kid),
            tar: [t1, t2, t3],
            raw: bytes.to_vec(),
        })
    }

    /// Deciphers (if the SPI says so), checks CHL and PCNTR, and verifies the RC/CC.
    /// The counter is returned, not checked: see [`crate::counter::check_counter`].
    pub fn open(&self, keys: &SecurityKeys) -> Result<OpenedCommand, OtaError> {
        let p = Protection::resolve(
            self.spi.ciphering,
            self.spi.integrity,
            self.kic,
            self.kid,
            keys,
        )?;
        let (len_and_clear, secured) = self.raw.split_at(2 + CLEAR_LEN);
        let chl = len_and_clear.get(2).copied().unwrap_or(0);
        if usize::from(chl) != 13 + p.mac_len() {
            return Err(OtaError::Malformed("CHL does not match the SPI and KID"));
        }
        let opened = packet::open(&p, &[], len_and_clear, secured, 0)?;
        Ok(OpenedCommand {
            header: CommandHeader {
                spi: self.spi,
                kic: self.kic,
                kid: self.kid,
                tar: self.tar,
                counter: Counter(opened.cntr),
            },
            padding: opened.pcntr,
            data: opened.data,
        })
    }
}
