//! SGP.02 (M2M) ES5 command codec: the GlobalPlatform C-APDUs an SM-SR sends to the ISD-R
//! (and ISD-Ps, ECASD) inside SCP80/SCP81 remote APDU scripts, the response data the
//! eUICC answers with, and the default notification the eUICC sends to the SM-SR.
//! Pure codec: no I/O, no crypto, no domain rules.
//!
//! - [`consts`]: every AID, TAR, INS, DGI, tag, life-cycle byte and status word (our
//!   reading of SGP.02 v4.2, in one place).
//! - [`types`]: AIDs, TS 23.040 addresses, ICCIDs, status words.
//! - [`command`]: the ES5 C-APDUs (CreateISDP, Enable/Disable/DeleteProfile, …), each
//!   with `to_apdu()` / `parse()`, and [`Es5Command`] that dispatches a received APDU.
//! - [`response`]: response data (GET STATUS entries, EID, extended card resources,
//!   eUICC certificate, INSTALL response).
//! - [`notification`]: the `E1` default notification (SGP.02 §4.1.1.11).
//! - [`es8`]: ES8 through the SM-SR — ISD-P key establishment and SCP03t profile download.

pub mod command;
pub mod consts;
pub mod es8;
pub mod notification;
pub mod response;
mod store_data;
mod tlv;
pub mod types;

pub use command::{
    AdminSessionTrigger, CreateIsdp, DeleteKey, DeleteProfile, DisableProfile, EnableProfile,
    Es5Command, GetData, GetStatus, HandleNotificationConfirmation, SetFallbackAttribute,
    UpdateConnectivityParameters, UpdateSmsrAddressingParameters,
};
pub use notification::{DefaultNotification, NotificationType};
pub use response::{
    EidResponse, EuiccCertificateResponse, ExtendedCardResources, InstallResponse, IsdStatus,
    IsdStatusList,
};
pub use types::{Aid, SmsAddress, StatusWord, iccid_from_digits, iccid_to_digits};

/// Errors of the SGP.02 ES5 codec.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Sgp02Error {
    /// Input too short or a length field disagrees with the bytes present.
    #[error("malformed: {0}")]
    Malformed(&'static str),
    /// A command whose CLA/INS/P1/P2 this codec does not know (the eUICC answers `6D00`).
    #[error("unknown command {cla:02X} {ins:02X} {p1:02X} {p2:02X}")]
    UnknownCommand {
        /// CLA.
        cla: u8,
        /// INS.
        ins: u8,
        /// P1.
        p1: u8,
        /// P2.
        p2: u8,
    },
    /// A STORE DATA DGI this codec does not know.
    #[error("unknown DGI {0:04X}")]
    UnknownDgi(u16),
    /// A tag that is not allowed at this place.
    #[error("unexpected tag {tag:04X} in {context}")]
    UnexpectedTag {
        /// The tag found.
        tag: u16,
        /// Where.
        context: &'static str,
    },
    /// A value of the wrong length or out of range.
    #[error("invalid value: {0}")]
    InvalidValue(&'static str),
    /// The data would not fit the length fields.
    #[error("too long")]
    TooLong,
}

impl Sgp02Error {
    /// The status word an eUICC answers a command that failed to parse with.
    pub fn status_word(&self) -> StatusWord {
        match self {
            Sgp02Error::UnknownCommand { .. } => StatusWord(consts::SW_INS_NOT_SUPPORTED),
            _ => StatusWord(consts::SW_INCORRECT_DATA),
        }
    }
}

#[cfg(test)]
mod tests;
