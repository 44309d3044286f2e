//! SM-DP+ domain (SGP.22 v2.5): the Profile inventory state machine, the ES2+ functions an
//! Operator calls, and the storage traits they need. No HTTP and no SQL here: the transport
//! layer calls [`es2plus::Es2Plus`], and `rsp-storage` implements [`store`] for SQLite and
//! PostgreSQL.
//!
//! - [`profile_state`]: the Profile states of SGP.22 §3.1 / §5.3 and the transition function.
//! - [`profile`]: a Profile's inventory record and the secret Profile Package.
//! - [`matching_id`], [`confirmation_code`]: the two download-order secrets (SGP.22 §4.1, §3.1.3).
//! - [`order_controls`]: order expiry and download attempts; [`ppr`]: Profile Policy Rules.
//! - [`outbox`]: ES2+.HandleDownloadProgressInfo messages queued with each state change.
//! - [`smds_events`]: the orders' Event Records at SM-DSes (ES12), reconciled by a sender.
//! - [`store`]: the persistence traits ([`store::InventoryStore`], [`store::OutboxStore`]).
//! - [`es2plus`]: DownloadOrder, ConfirmOrder, CancelOrder, ReleaseProfile (SGP.22 §5.3.1–§5.3.4).
//! - [`es9plus`]: the LPA-facing download functions (SGP.22 §5.6) and the Bound Profile
//!   Package (§2.5, ES8+ §5.5); [`session`]: the RSP session they keep in the store.

pub mod confirmation_code;
pub mod es2plus;
pub mod es9plus;
pub mod matching_id;
pub mod operator;
pub mod order_controls;
pub mod outbox;
pub mod ppr;
pub mod profile;
pub mod profile_state;
pub mod session;
pub mod smds_events;
pub mod store;

pub use operator::OperatorId;
pub use profile::{
    NewProfile, PackageVersion, ProfileClass, ProfileMetadata, ProfilePackage, ProfileRecord,
};
pub use profile_state::{ProfileEvent, ProfileState, TransitionError};
