//! The response packet, PoR (TS 102 225 §5.2) in its SMS-PP form (TS 31.115 §4.4):
//! `RPL(2) RHL(1) TAR(3) CNTR(5) PCNTR Status-Code [RC/CC/DS] [data]`, secured as the
//! second octet of the command's SPI asks, with the command's KIc and KID.

use crate::OtaError;
use crate::counter::Counter;
use crate::crypto::SecurityKeys;
use crate::packet::{self, Protection};
use crate::spi::{Kic, Kid, Spi};

/// TS 31.115 §4.4 (SMS-PP): the RC/CC/DS of a PoR also covers the user data header's
/// UDHL, IEI `71` and IEIDL (`02 71 00`), i.e. the RPI; a command's does not cover its
/// `02 70 00`. Both checked against pySim's published packets (tests/pysim_vectors.rs).
pub const RESPONSE_MAC_PREFIX: [u8; 3] = [0x02, 0x71, 0x00];

/// PoR status codes (TS 102 225 §5.2, table "Response Status Codes").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PorStatus {
    /// `00` PoR OK.
    Ok,
    /// `01` RC/CC/DS failed.
    RcCcDsFailed,
    /// `02` CNTR low.
    CntrLow,
    /// `03` CNTR high.
    CntrHigh,
    /// `04` CNTR blocked.
    CntrBlocked,
    /// `05` ciphering error.
    CipheringError,
    /// `06` unidentified security error.
    UnidentifiedSecurityError,
    /// `07` insufficient memory to process the incoming message.
    InsufficientMemory,
    /// `08` more time needed to process the command packet.
    MoreTime,
    /// `09` TAR unknown.
    TarUnknown,
    /// `0A` insufficient security level.
    InsufficientSecurityLevel,
    /// Any other (reserved or transport-specific) value, e.g. TS 31.115's `0B`.
    Other(u8),
}

impl PorStatus {
    /// The status octet.
    pub fn code(self) -> u8 {
        match self {
            PorStatus::Ok => 0x00,
            PorStatus::RcCcDsFailed => 0x01,
            PorStatus::CntrLow => 0x02,
            PorStatus::CntrHigh => 0x03,
            PorStatus::CntrBlocked => 0x04,
            PorStatus::CipheringError => 0x05,
            PorStatus::UnidentifiedSecurityError => 0x06,
            PorStatus::InsufficientMemory => 0x07,
            PorStatus::MoreTime => 0x08,
            PorStatus::TarUnknown => 0x09,
            PorStatus::InsufficientSecurityLevel => 0x0a,
            PorStatus::Other(c) => c,
        }
    }

    /// From the status octet.
    pub fn from_code(c: u8) -> Self {
        match c {
            0x00 => PorStatus::Ok,
            0x01 => PorStatus::RcCcDsFailed,
            0x02 => PorStatus::CntrLow,
            0x03 => PorStatus::CntrHigh,
            0x04 => PorStatus::CntrBlocked,
            0x05 => PorStatus::CipheringError,
            0x06 => PorStatus::UnidentifiedSecurityError,
            0x07 => PorStatus::InsufficientMemory,
            0x08 => PorStatus::MoreTime,
            0x09 => PorStatus::TarUnknown,
            0x0a => PorStatus::InsufficientSecurityLevel,
            other => PorStatus::Other(other),
        }
    }
}

/// The content of a PoR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenedResponse {
    /// TAR of the command this answers.
    pub tar: [u8; 3],
    /// CNTR (a copy of the command's counter).
    pub counter: Counter,
    /// Number of padding octets (PCNTR).
    pub padding: u8,
    /// Response status code.
    pub status: PorStatus,
    /// Additional response data (TS 102 226 §5.1.2 / §5.2.2), without padding.
    pub data: Vec<u8>,
}

/// Which command a PoR answers: its SPI (second octet decides the PoR's security),
/// KIc and KID.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PorSecurity {
    /// SPI of the command.
    pub spi: Spi,
    /// KIc of the command.
    pub kic: Kic,
    /// KID of the command.
    pub kid: Kid,
}

impl PorSecurity {
    fn protection<'a>(&self, keys: &'a SecurityKeys) -> Result<Protection<'a>, OtaError> {
        Protection::resolve(
            self.spi.por_ciphering,
            self.spi.por_integrity,
            self.kic,
            self.kid,
            keys,
        )
    }
}

impl OpenedResponse {
    /// Builds the PoR from RPL onwards; PCNTR is recomputed.
    pub fn seal(&self, security: &PorSecurity, keys: &SecurityKeys) -> Result<Vec<u8>, OtaError> {
        let p = security.protection(keys)?;
        // RHL counts TAR..RC/CC/DS (§5.2: 10 + length of the RC/CC/DS).
        let rhl = u8::try_from(10 + p.mac_len()).map_err(|_| OtaError::TooLong)?;
        let mut clear = vec![rhl];
        clear.extend_from_slice(&self.tar);
        let status = [self.status.code()];
        packet::seal(
            &p,
            &RESPONSE_MAC_PREFIX,
            &clear,
            &self.counter.0,
            &status,
            &self.data,
        )
    }
}

/// A received PoR whose clear part (RPL, RHL, TAR) has been parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResponsePacket {
    /// TAR (in clear, to find the command and its keys).
    pub tar: [u8; 3],
    raw: Vec<u8>,
}

impl ResponsePacket {
    /// Parses RPL, RHL and TAR and checks RPL.
    pub fn parse(bytes: &[u8]) -> Result<Self, OtaError> {
        let (rpl, rest) = bytes
            .split_first_chunk::<2>()
            .ok_or(OtaError::Malformed("no RPL"))?;
        if usize::from(u16::from_be_bytes(*rpl)) != rest.len() {
            return Err(OtaError::Malformed("RPL does not match the packet length"));
        }
        let [_rhl, t1, t2, t3] = *rest
            .first_chunk::<4>()
            .ok_or(OtaError::Malformed("response header truncated"))?;
        Ok(ResponsePacket {
            tar: [t1, t2, t3],
            raw: bytes.to_vec(),
        })
    }

    /// Deciphers and verifies the PoR as the command's SPI asked.
    pub fn open(
        &self,
        security: &PorSecurity,
        keys: &SecurityKeys,
    ) -> Result<OpenedResponse, OtaError> {
        let p = security.protection(keys)?;
        let (len_and_clear, secured) = self.raw.split_at(6);
        let rhl = len_and_clear.get(2).copied().unwrap_or(0);
        if usize::from(rhl) != 10 + p.mac_len() {
            return Err(OtaError::Malformed("RHL does not match the SPI and KID"));
        }
        let opened = packet::open(&p, &RESPONSE_MAC_PREFIX, len_and_clear, secured, 1)?;
        Ok(OpenedResponse {
            tar: self.tar,
            counter: Counter(opened.cntr),
            padding: opened.pcntr,
            status: PorStatus::from_code(opened.extra.first().copied().unwrap_or(0)),
            data: opened.data,
        })
    }
}
