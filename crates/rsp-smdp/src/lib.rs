//! The M2M SM-DP of SGP.02 (Subscription Manager – Data Preparation): its domain rules,
//! without HTTP or SQL.
//!
//! - [`certificate`]: CERT.DP.ECDSA, the GlobalPlatform-format certificate the CI issues
//!   over the SM-DP's key (SGP.02 §2.3.2), built from its X.509 certificate.
//! - [`es8`]: ES8 through the SM-SR's SendData — the ISD-P key establishment (§3.1.2,
//!   GP Amd E scenario #3).
//! - [`download`]: the Profile Package download in SCP03t on the established keyset
//!   (§3.1.3).
//! - [`order`]: a DownloadProfile order carried out over ES3 with the SM-SR, resumable
//!   from its last stage.
//! - [`notification`]: the SM-SRs' Profile notifications recorded and passed on to the
//!   Operators.
//! - [`service`]: the SM-DP service: orders accepted, run by a leased worker, results queued.
//! - [`store`]: what the SM-DP needs from persistence (inventory, orders, results).

pub mod certificate;
pub mod download;
mod error;
pub mod es8;
pub mod notification;
pub mod order;
pub mod service;
pub mod store;

pub use certificate::SmdpCredential;
pub use error::SmdpError;
