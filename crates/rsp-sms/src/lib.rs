//! SMS transport for the SGP.02 M2M SM-SR (ES5 over SMS).
//!
//! - [`address`], [`tpdu`], [`udh`]: 3GPP TS 23.040 addresses, SMS-DELIVER/SMS-SUBMIT
//!   and the user data header (codecs, no I/O).
//! - [`concat`]: concatenated SMS for secured packets longer than one SMS (TS 23.040
//!   §9.2.3.24.1, TS 31.115 §4.2).
//! - [`esme`]: an SMPP 3.4 ESME (the SM-SR's, or a handset simulator's) over TCP.
//! - [`smsc`]: an SMPP 3.4 SMSC for tests and labs (store-and-forward between ESMEs).
//!
//! SMPP PDUs are encoded and decoded by the `smpp34` crate; the SMSC runs on its server.

pub mod address;
pub mod concat;
pub mod esme;
mod inbound;
mod smpp;
pub mod smsc;
pub mod tpdu;
pub mod udh;

pub use address::{Address, AddressValue, Timestamp, TypeOfAddress};
pub use concat::{Complete, ConcatError, Limits, Reassembler, split, split_response};
pub use esme::{DeliveryReceipt, Esme, EsmeConfig, EsmeError, Inbound, Message, SmppAddress};
pub use smsc::{Account, Smsc, SmscConfig, SmscError, SmscStats};
pub use tpdu::{SmsDeliver, SmsSubmit, TpduError, UserData, ValidityPeriod};

/// IEI of the command packet identifier (TS 31.115 §4.2).
pub const IEI_COMMAND_PACKET: u8 = 0x70;
/// IEI of the response packet identifier (TS 31.115 §4.4).
pub const IEI_RESPONSE_PACKET: u8 = 0x71;
