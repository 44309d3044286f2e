//! ETSI TS 102 225 secured packets (SCP80) as the SGP.02 M2M SM-SR uses them on ES5
//! over SMS-PP (ETSI TS 102 225 v12+, 3GPP TS 31.115), transport-free.
//!
//! - [`spi`]: the SPI, KIc and KID bytes (TS 102 225 §5.1.1–§5.1.3).
//! - [`command`]: the command packet, built and opened (TS 102 225 §5.1, TS 31.115 §4.2).
//! - [`response`]: the response packet (PoR) and its status codes (TS 102 225 §5.2,
//!   TS 31.115 §4.4).
//! - [`crypto`]: ciphering (DES/3DES/AES-CBC, zero IV) and RC/CC (CRC, CBC-MAC, AES-CMAC).
//! - [`counter`]: the receiving entity's replay check (TS 102 225 §5.1.1 counter modes).
//! - [`sms`]: the TS 31.115 user-data-header wrapping (IEI `70` / `71`).
//! - [`ram`]: the TS 102 226 §5 remote APDU formats (compact and expanded) carried as
//!   secured data.

pub mod command;
pub mod counter;
pub mod crypto;
mod packet;
pub mod ram;
pub mod response;
pub mod sms;
pub mod spi;

pub use command::{CommandHeader, CommandPacket, OpenedCommand};
pub use counter::{Counter, check_counter};
pub use crypto::{SecretKey, SecurityKeys};
pub use ram::{CommandScript, RamError, RemoteFormat, ResponseScript};
pub use response::{OpenedResponse, PorSecurity, PorStatus, ResponsePacket};
pub use spi::{
    CipherAlgorithm, CounterMode, Integrity, IntegrityAlgorithm, Kic, Kid, PorMode, Spi,
};

/// Errors of this crate. [`OtaError::por_status`] maps the ones a receiving entity must
/// report in a PoR to their TS 102 225 §5.2 status code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OtaError {
    /// The packet is too short, or a length field disagrees with the bytes present.
    #[error("malformed packet: {0}")]
    Malformed(&'static str),
    /// An algorithm or mode that this crate does not implement (DS, proprietary, RFU).
    #[error("unsupported: {0}")]
    Unsupported(&'static str),
    /// A key is missing or has the wrong length for its algorithm.
    #[error("key error: {0}")]
    Key(&'static str),
    /// The RC/CC/DS does not match (status `01`).
    #[error("RC/CC/DS failed")]
    IntegrityFailed,
    /// The ciphered part is not a whole number of blocks or PCNTR is inconsistent (status `05`).
    #[error("ciphering error: {0}")]
    Ciphering(&'static str),
    /// The counter check of §5.1.1 refused the packet.
    #[error("counter refused: {0:?}")]
    Counter(PorStatus),
    /// The packet would not fit the 16-bit length fields.
    #[error("packet too long")]
    TooLong,
}

impl OtaError {
    /// The PoR status code (TS 102 225 §5.2, table 5.2) a receiving entity reports for
    /// this error.
    pub fn por_status(&self) -> PorStatus {
        match self {
            OtaError::IntegrityFailed => PorStatus::RcCcDsFailed,
            OtaError::Ciphering(_) => PorStatus::CipheringError,
            OtaError::Counter(status) => *status,
            OtaError::Key(_) | OtaError::Unsupported(_) => PorStatus::InsufficientSecurityLevel,
            OtaError::Malformed(_) | OtaError::TooLong => PorStatus::UnidentifiedSecurityError,
        }
    }
}
