//! ES2+.DownloadOrder (SGP.22 v2.5 §5.3.1): reserve a Profile, by ICCID or by Profile Type,
//! optionally linked to an EID.

use rsp_codec::json::es2plus::DownloadOrderRequest;
use rsp_codec::json::{Eid, Iccid};
use rsp_codec::status::RspError;

use super::{Es2Plus, Es2PlusError, retry_on_conflict};
use crate::es9plus::now_ms;
use crate::operator::OperatorId;
use crate::profile_state::{ProfileEvent, ProfileState, transition};
use crate::store::{Claim, InventoryStore};

/// DownloadOrder input.
#[derive(Debug, Clone, Default)]
pub struct DownloadOrder {
    /// Link the Profile to this eUICC. The SM-DP+ keeps no eUICC registry, so any
    /// well-formed EID is accepted (8.1.1/3.9 is never returned).
    pub eid: Option<Eid>,
    /// Reserve this Profile …
    pub iccid: Option<Iccid>,
    /// … or any Available Profile of this type (both: they must agree, else 8.2.5/3.8).
    pub profile_type: Option<String>,
}

impl From<&DownloadOrderRequest> for DownloadOrder {
    fn from(r: &DownloadOrderRequest) -> Self {
        Self {
            eid: r.eid.clone(),
            iccid: r.iccid.clone(),
            profile_type: r.profile_type.clone(),
        }
    }
}

impl<S: InventoryStore> Es2Plus<S> {
    /// Reserves a Profile and returns its ICCID.
    ///
    /// Errors: neither ICCID nor Profile Type 1.3.1/2.3; ICCID unknown (or not the caller's)
    /// 8.2.1/3.9; Profile not Available, or once linked to another EID, 8.2.1/3.3; type and
    /// ICCID disagree 8.2.5/3.8; type unknown to the caller 8.2.5/3.9; none left 8.2.5/3.7.
    pub async fn download_order(
        &self,
        operator: &OperatorId,
        order: &DownloadOrder,
    ) -> Result<Iccid, Es2PlusError> {
        let with_eid = order.eid.is_some();
        match (&order.iccid, &order.profile_type) {
            (Some(iccid), profile_type) => {
                retry_on_conflict!(
                    self,
                    self.order_by_iccid(
                        operator,
                        iccid,
                        profile_type.as_deref(),
                        order.eid.as_ref()
                    )
                )
            }
            (None, Some(profile_type)) => {
                let new_state = transition(
                    ProfileState::Available,
                    ProfileEvent::DownloadOrder { with_eid },
                )?;
                let claim = Claim {
                    operator,
                    profile_type,
                    eid: order.eid.as_ref(),
                    new_state,
                    order: self.config.orders.new_order(now_ms()),
                };
                if let Some(record) = self.store.claim_available(claim).await? {
                    return Ok(record.iccid);
                }
                Err(
                    if self.store.has_profile_type(operator, profile_type).await? {
                        RspError::ProfileTypeUnavailable.into()
                    } else {
                        RspError::ProfileTypeUnknown.into()
                    },
                )
            }
            (None, None) => Err(RspError::ConditionalElementMissing.into()),
        }
    }

    async fn order_by_iccid(
        &self,
        operator: &OperatorId,
        iccid: &Iccid,
        profile_type: Option<&str>,
        eid: Option<&Eid>,
    ) -> Result<Iccid, Es2PlusError> {
        let mut record = self.owned_profile(operator, iccid).await?;
        if profile_type.is_some_and(|t| t != record.profile_type) {
            return Err(RspError::ProfileTypeMismatch.into());
        }
        record.state = transition(
            record.state,
            ProfileEvent::DownloadOrder {
                with_eid: eid.is_some(),
            },
        )?;
        if let Some(eid) = eid
            && !record.link_eid(eid)
        {
            // Once linked to another eUICC: not available to this one (one EID, ever).
            return Err(RspError::IccidUnavailable.into());
        }
        record.order = self.config.orders.new_order(now_ms());
        let record = self.store.update(&record, &[]).await?;
        Ok(record.iccid)
    }
}
