//! The SGP.02 M2M SM-SR (Subscription Manager – Secure Routing), transport-free:
//!
//! - [`model`]: the eUICC Information Set (EIS) kept per eUICC.
//! - [`keys`]: the ISD-R's SCP80 keysets and SCP81 PSK (sealed at rest, never shown).
//! - [`operation`]: requests become operations, queued, sent over ES5, retried, ended once.
//! - [`es4`]: the checks before a Profile-management function is queued (ownership,
//!   state, POL2, fallback).
//! - [`es5`]: the scripts, SCP80 sealing, PoRs and MO notifications.
//! - [`es7`]: the SM-SR change (§3.7): one record per eUICC and side, its stages.
//! - [`service`]: ES1/ES3/ES4 requests, the ES5 sender step, incoming SMS.
//! - [`store`]: what the SM-SR needs from persistence.
//! - [`notice`]: operation results and Profile changes for callers (transactional outbox).
//! - [`change`]: the SM-SR change's requests, ES7 messages and driver steps over the store.
//! - [`error`]: every failure with its SGP.02 subject and reason code.

pub mod change;
pub mod error;
pub mod es4;
pub mod es5;
pub mod es7;
pub mod keys;
pub mod model;
pub mod notice;
pub mod operation;
pub mod service;
pub mod store;

pub use error::SmsrError;
pub use keys::{EuiccKeys, KeyError, Scp80Algorithm, Scp80Keyset, Scp81Psk};
pub use model::{Eis, EuiccCapabilities, Pol2, ProfileInfo, ProfileState, SubscriptionAddress};
pub use operation::{
    Function, LocalFunction, NewOperation, Operation, OperationStatus, Outcome, Requester,
    RetryPolicy, Transport,
};
