//! The eIM (eSIM IoT remote Manager) of SGP.32 v1.2: the IoT service provider's tenants,
//! the eUICC registry with the eIM's association on each eUICC (§2.11.1), a queue of
//! operations per eUICC (PSMOs and eCOs as eIM-signed eUICC Packages, §2.9; IPA data
//! requests and profile download triggers, §2.11.2), the ESipa functions the IPA calls
//! (GetEimPackage §5.14.6, ProvideEimPackageResult §5.14.7, HandleNotification §5.14.4) with
//! the eUICC's result signatures verified against its certificate chain (CI → EUM → eUICC,
//! `rsp-pki`), and the eIM's view of each eUICC updated from the results.
//!
//! Transport-free and storage-free like `rsp-smds`: every state lives in an [`EimStore`]
//! so any replica can serve any call.
//!
//! - [`model`]: tenants, eUICCs, operations, outbox entries.
//! - [`store`]: what the eIM needs from persistence.
//! - [`package`]: the messages delivered to the IPA, eIM-signed where the spec says so.
//! - [`result`]: verification of `EuiccPackageResult` and the state it implies.
//! - [`service`]: the eIM over a store: keys, trust, the northbound operations.
//! - [`bulk`]: fleet scale: bulk registration from CSV, one operation queued for many eUICCs.
//! - [`esipa`]: the ESipa functions.
//! - [`relay`]: indirect Profile download, ES9+ relayed for the IPA.

pub mod bulk;
pub mod error;
pub mod esipa;
pub mod model;
pub mod package;
pub mod relay;
pub mod result;
pub mod service;
pub mod store;

pub use error::EimError;
pub use model::{
    EcoSpec, EimConfig, EimCurve, EuiccRecord, EuiccState, Operation, OperationKind,
    OperationStatus, OutboxItem, OutboxKind, ProfileView, PsmoSpec, Tenant,
};
pub use relay::{Es9Asn1Client, RelaySession, RelayStore};
pub use service::{Eim, EimKeys, RegisterEuicc};
pub use store::{EimStore, StoreError};

/// Now, in Unix milliseconds.
pub fn now_ms() -> i64 {
    let now = time::OffsetDateTime::now_utc().unix_timestamp_nanos() / 1_000_000;
    i64::try_from(now).unwrap_or(i64::MAX)
}

/// SHA-256 of an API token, as tenants are looked up.
pub fn token_hash(token: &str) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(token.as_bytes()).into()
}
