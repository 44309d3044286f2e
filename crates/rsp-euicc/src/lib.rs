//! A virtual eUICC implementing the eUICC side of GSMA SGP.22 v2.5, and of SGP.32 v1.2 in IoT
//! mode ([`iot`]).
//!
//! Layers, each in its own module:
//! - [`apdu`]: the card as bytes in / bytes out (ISO/IEC 7816-4 logical channels, SELECT,
//!   GlobalPlatform STORE DATA chaining, `61xx` + GET RESPONSE), SGP.22 §5.7.1 / §2.5.5;
//! - [`isdr`]: the ISD-R, dispatching one complete ES10 request by tag to [`es10a`],
//!   [`es10b`] and [`es10c`] (SGP.22 §5.7), and BPP segments to the ES8+ loader
//!   ([`es8plus`], SGP.22 §2.5 and §5.5);
//! - [`identity`]: EID, eUICC / EUM certificates, eUICC key, trusted CIs;
//! - [`uicc`]: the enabled Profile as a UICC (file system, PINs, AUTHENTICATE), ETSI
//!   TS 102 221 / 3GPP TS 31.102;
//! - [`iot`]: the IoT mode (SGP.32 v1.2 §5.9): eIM associations, eUICC Packages, IPA data;
//! - [`state`] and [`store`]: profiles, notifications and settings, persisted as JSON.

pub mod apdu;
mod bpp;
pub mod config;
mod download;
pub mod error;
pub mod es10a;
pub mod es10b;
pub mod es10c;
pub mod es8plus;
pub mod identity;
mod info;
pub mod iot;
pub mod isdr;
mod notification;
mod rat;
pub mod state;
pub mod store;
pub mod uicc;

pub use apdu::{Card, ISDR_AID};
pub use config::EuiccConfig;
pub use error::{Es10Error, EuiccError};
pub use identity::{EuiccCredential, Identity};
pub use isdr::Isdr;
pub use state::{EuiccState, Profile, StoredNotification};
pub use store::StateStore;
