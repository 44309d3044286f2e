//! The SM-DS (Discovery Service) of SGP.22 v2.5: Event Records registered by SM-DP+s
//! (ES12, §5.5) and by Alternative SM-DSes at the Root SM-DS (ES15 cascade, §3.6.1), and their
//! retrieval by the eUICC through the LPA (ES11, §5.8) after the common mutual
//! authentication of §3.0.1 ([`rsp_auth`], CERT.DSauth in place of CERT.DPauth).
//!
//! Transport-free and storage-free, like `rsp-smdpp`: each function takes the decoded
//! request and answers the ASN.1 or domain value, or an [`SmdsError`] with its SGP.22 status
//! code; every state lives in an [`SmdsStore`] so any replica can serve any call.
//!
//! - [`event`]: the Event Record and its identifiers.
//! - [`store`]: what the SM-DS needs from persistence.
//! - [`es12`]: RegisterEvent / DeleteEvent (also ES15 when the caller is an SM-DS).
//! - [`es11`]: InitiateAuthentication / AuthenticateClient.
//! - [`cascade`]: the Alternative SM-DS's registrations at the Root SM-DS (ES15), kept as a
//!   desired state per EID that a sender converges.

pub mod cascade;
pub mod config;
pub mod error;
pub mod es11;
pub mod es12;
pub mod event;
pub mod store;

pub use config::{SmdsConfig, SmdsRole};
pub use error::SmdsError;
pub use event::{EventId, EventOwner, EventRecord};
pub use store::{SmdsKey, SmdsSession, SmdsStore, StoreError};

/// The server credentials of an SM-DS: CERT.DSauth with its key, per CI.
pub type Credentials = rsp_auth::ServerCredentials<rsp_auth::SigningCredential>;

/// Now, in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(now).unwrap_or(i64::MAX)
}
