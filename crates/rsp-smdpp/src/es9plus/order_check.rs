//! The order controls at ES9+.AuthenticateClient (SGP.22 v2.5 §5.6.3: 8.8.5/4.10 and
//! 8.8.5/6.4); the rules are in [`crate::order_controls`].

use rsp_codec::status::RspError;

use super::{Es9Plus, Es9PlusError, notification_point, now_ms};
use crate::order_controls::{self, OrderRefusal};
use crate::outbox::PointStatus;
use crate::profile::ProfileRecord;
use crate::session::SessionStore;
use crate::store::{InventoryStore, StoreError};

impl<S: InventoryStore + SessionStore> Es9Plus<S> {
    /// Refuses the download of `profile` when its order expired (8.8.5/4.10) or its download
    /// attempts are used up (8.8.5/6.4). An expired order is ended first: the Profile moves
    /// to the state its order chose, and its Operator gets an ES2+.HandleDownloadProgressInfo
    /// at the eligibility and retry limit check point, status `Expired` (§5.3.5).
    pub(super) async fn check_order_controls(
        &self,
        profile: &ProfileRecord,
    ) -> Result<(), Es9PlusError> {
        match order_controls::check(profile, now_ms()) {
            None => Ok(()),
            Some(OrderRefusal::Expired) => {
                let point = self.progress(
                    profile,
                    notification_point::ELIGIBILITY,
                    PointStatus::Expired,
                );
                let mut ended = profile.clone();
                order_controls::expire(&mut ended)?;
                match self.store.update(&ended, point.as_slice()).await {
                    // Changed meanwhile (another call ended it, or the Operator acted): the
                    // order this call read has expired all the same.
                    Ok(_) | Err(StoreError::Conflict) => {}
                    Err(e) => return Err(e.into()),
                }
                tracing::info!(
                    iccid = profile.iccid.digits(),
                    state = %ended.state,
                    "download order expired"
                );
                Err(RspError::DownloadOrderExpired.into())
            }
            Some(refusal) => Err(refusal.rsp_error().into()),
        }
    }
}
