//! ES2+.ReleaseProfile (SGP.22 v2.5 §5.3.4): release a Confirmed order for download.

use rsp_codec::json::Iccid;

use super::{Es2Plus, Es2PlusError, retry_on_conflict};
use crate::operator::OperatorId;
use crate::profile_state::{ProfileEvent, transition};
use crate::store::InventoryStore;

impl<S: InventoryStore> Es2Plus<S> {
    /// Moves the caller's Profile `iccid` from Confirmed to Released.
    ///
    /// Errors: unknown (or another Operator's) ICCID 8.2.1/3.9; not Confirmed 8.2.1/3.5.
    pub async fn release_profile(
        &self,
        operator: &OperatorId,
        iccid: &Iccid,
    ) -> Result<(), Es2PlusError> {
        retry_on_conflict!(self, self.try_release(operator, iccid))
    }

    async fn try_release(&self, operator: &OperatorId, iccid: &Iccid) -> Result<(), Es2PlusError> {
        let mut record = self.owned_profile(operator, iccid).await?;
        record.state = transition(record.state, ProfileEvent::ReleaseProfile)?;
        self.store.update(&record, &[]).await?;
        Ok(())
    }
}
