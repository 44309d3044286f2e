//! The host side of GlobalPlatform Amd E scenario #3 as SGP.02 uses it, shared by the
//! M2M SM-DP (ES8, an ISD-P's SCP03 keyset) and the new SM-SR of an SM-SR change (ES7,
//! an ISD-R SCP80 keyset), without HTTP or SQL.
//!
//! - [`certificate`]: CERT.DP.ECDSA / CERT.SR.ECDSA, the GlobalPlatform-format
//!   certificate the CI issues over the SM-DP's or SM-SR's key (SGP.02 §2.3.2), built
//!   from its X.509 certificate, and the [`Credential`] (certificate and signing key).
//! - [`establish`]: the key establishment itself, one type per state, for both targets.

pub mod certificate;
mod error;
pub mod establish;

pub use certificate::Credential;
pub use error::KeyEstError;
pub use establish::{AwaitingReceipt, IsdrKeyset, KeyEstablishment, Target};
