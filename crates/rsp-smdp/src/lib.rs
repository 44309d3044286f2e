//! The M2M SM-DP of SGP.02 (Subscription Manager – Data Preparation): its domain rules,
//! without HTTP or SQL.
//!
//! - [`certificate`]: CERT.DP.ECDSA, the GlobalPlatform-format certificate the CI issues
//!   over the SM-DP's key (SGP.02 §2.3.2), built from its X.509 certificate (from
//!   `rsp-keyest`, shared with the SM-SR).
//! - [`es8`]: ES8 through the SM-SR's SendData — the ISD-P key establishment (§3.1.2,
//!   GP Amd E scenario #3; `rsp_keyest::establish`, shared with the new SM-SR's ISD-R
//!   key establishment of ES7).
//! - [`download`]: the Profile Package download in SCP03t on the established keyset
//!   (§3.1.3).
//! - [`order`]: a DownloadProfile order carried out over ES3 with the SM-SR, resumable
//!   from its last stage.
//! - [`notification`]: the SM-SRs' Profile and SM-SR change notifications recorded and
//!   passed on to the Operators.
//! - [`service`]: the SM-DP service: orders accepted, run by a leased worker, results queued.
//! - [`store`]: what the SM-DP needs from persistence (inventory, orders, results).

pub mod download;
mod error;
pub mod notification;
pub mod order;
pub mod service;
pub mod store;

pub use error::SmdpError;
pub use rsp_keyest::Credential as SmdpCredential;
pub use rsp_keyest::certificate;
pub use rsp_keyest::establish as es8;
