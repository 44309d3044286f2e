//! ES2+ (Operator → SM-DP+), SGP.22 v2.5 §5.3: the rules of DownloadOrder, ConfirmOrder,
//! CancelOrder and ReleaseProfile over an [`InventoryStore`]. The transport layer maps the
//! JSON bodies of `rsp_codec::json::es2plus` to the request types here, and an
//! [`Es2PlusError`] to the response's `statusCodeData`.
//!
//! Every function acts only on the calling Operator's Profiles; another Operator's ICCID
//! answers 8.2.1/3.9 exactly like an unknown one, so Operators cannot probe each other.

mod cancel_order;
mod confirm_order;
mod download_order;
mod error;
mod release_profile;

pub use cancel_order::CancelOrder;
pub use confirm_order::{ConfirmOrder, ConfirmOrderResult};
pub use download_order::DownloadOrder;
pub use error::Es2PlusError;

use rsp_codec::json::Iccid;
use rsp_codec::status::RspError;

use crate::operator::OperatorId;
use crate::order_controls::OrderPolicy;
use crate::profile::ProfileRecord;
use crate::store::InventoryStore;

/// Settings of the ES2+ service.
#[derive(Debug, Clone)]
pub struct Es2PlusConfig {
    /// This SM-DP+'s address, returned by ConfirmOrder for the Activation Code (§4.1).
    pub smdp_address: String,
    /// Confirmation Code attempts allowed per order (ES9+ answers 8.2.7/6.4 after).
    pub cc_max_attempts: u32,
    /// Re-reads after an optimistic-concurrency conflict before giving up (1.2/4.2).
    pub max_conflict_retries: u32,
    /// Expiry and download attempts of new orders ([`crate::order_controls`]).
    pub orders: OrderPolicy,
    /// The SM-DSes this SM-DP+ registers events at (ES12); ConfirmOrder refuses another
    /// `smdsAddress` with 8.9/5.1 (§5.3.2). `None`: any well-formed address.
    pub smds_addresses: Option<Vec<String>>,
}

impl Es2PlusConfig {
    /// Defaults: 5 Confirmation Code attempts, 8 conflict retries, [`OrderPolicy::default`].
    pub fn new(smdp_address: impl Into<String>) -> Self {
        Self {
            smdp_address: smdp_address.into(),
            cc_max_attempts: 5,
            max_conflict_retries: 8,
            orders: OrderPolicy::default(),
            smds_addresses: None,
        }
    }
}

/// The ES2+ functions of one SM-DP+.
#[derive(Debug, Clone)]
pub struct Es2Plus<S> {
    store: S,
    config: Es2PlusConfig,
}

impl<S: InventoryStore> Es2Plus<S> {
    /// A service over `store`.
    pub fn new(store: S, config: Es2PlusConfig) -> Self {
        Self { store, config }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// The settings.
    pub fn config(&self) -> &Es2PlusConfig {
        &self.config
    }

    /// The caller's Profile `iccid`, or 8.2.1/3.9 (unknown, or another Operator's).
    async fn owned_profile(
        &self,
        operator: &OperatorId,
        iccid: &Iccid,
    ) -> Result<ProfileRecord, Es2PlusError> {
        self.store
            .get(operator, iccid)
            .await?
            .ok_or(Es2PlusError::Rejected(RspError::IccidUnknown))
    }
}

/// Runs `attempt` again while it fails with an optimistic-concurrency conflict.
macro_rules! retry_on_conflict {
    ($self:ident, $attempt:expr) => {{
        let mut tries = 0u32;
        loop {
            match $attempt.await {
                Err($crate::es2plus::Es2PlusError::Store($crate::store::StoreError::Conflict))
                    if tries < $self.config.max_conflict_retries =>
                {
                    tries += 1;
                }
                other => break other,
            }
        }
    }};
}
pub(crate) use retry_on_conflict;
