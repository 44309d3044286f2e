//! ES2+.CancelOrder (SGP.22 v2.5 §5.3.3): end a pending order, returning the Profile to
//! stock or withdrawing it.

use rsp_codec::json::es2plus::{CancelOrderRequest, FinalProfileStatusIndicator};
use rsp_codec::json::{Eid, Iccid};
use rsp_codec::status::RspError;

use super::{Es2Plus, Es2PlusError, retry_on_conflict};
use crate::operator::OperatorId;
use crate::profile_state::{ProfileEvent, transition};
use crate::store::InventoryStore;

/// CancelOrder input.
#[derive(Debug, Clone)]
pub struct CancelOrder {
    /// The Profile of the order.
    pub iccid: Iccid,
    /// The EID the order is linked to: required when it is linked to one (§5.3.3).
    pub eid: Option<Eid>,
    /// If given, must be the order's MatchingID (`""`: the order has none).
    pub matching_id: Option<String>,
    /// `Available` (back to stock, unless the BPP was ever delivered) or `Unavailable`.
    pub final_status: FinalProfileStatusIndicator,
}

impl From<&CancelOrderRequest> for CancelOrder {
    fn from(r: &CancelOrderRequest) -> Self {
        Self {
            iccid: r.iccid.clone(),
            eid: r.eid.clone(),
            matching_id: r.matching_id.clone(),
            final_status: r.final_profile_status_indicator,
        }
    }
}

impl<S: InventoryStore> Es2Plus<S> {
    /// Cancels the order on the caller's Profile.
    ///
    /// The order's EID link, MatchingID, Confirmation Code and SM-DS address are cleared; the
    /// record of the EID the Profile was ever linked to stays, so a Profile back in stock is
    /// only ever ordered again for that same eUICC (or without EID until one is linked).
    ///
    /// Errors: unknown (or another Operator's) ICCID 8.2.1/3.9; EID given but not the one the
    /// order is linked to (or the order has none) 8.1.1/3.10 (§5.3.3 "EID - Invalid
    /// Association"); no EID for an order linked to one 8.1.1/2.2 (see [`check_eid`]);
    /// MatchingID differs 8.2.6/3.10; state Available, Installed or Unavailable 8.2.1/3.5.
    pub async fn cancel_order(
        &self,
        operator: &OperatorId,
        order: &CancelOrder,
    ) -> Result<(), Es2PlusError> {
        retry_on_conflict!(self, self.try_cancel(operator, order))
    }

    async fn try_cancel(
        &self,
        operator: &OperatorId,
        order: &CancelOrder,
    ) -> Result<(), Es2PlusError> {
        let mut record = self.owned_profile(operator, &order.iccid).await?;
        check_eid(order.eid.as_ref(), record.eid.as_ref())?;
        if let Some(given) = order.matching_id.as_deref() {
            let stored = record.matching_id.as_ref().map_or("", |m| m.as_str());
            if given != stored {
                return Err(RspError::MatchingIdAssociationInvalid.into());
            }
        }
        record.state = transition(
            record.state,
            ProfileEvent::CancelOrder {
                final_status: order.final_status,
                downloaded_ever: record.downloaded_ever,
            },
        )?;
        record.eid = None;
        record.matching_id = None;
        record.cc_hash = None;
        record.cc_attempts = 0;
        record.smds_address = None;
        record.order = crate::order_controls::OrderControls::default();
        self.store.update(&record, &[]).await?;
        Ok(())
    }
}

/// The EID of a CancelOrder against the EID the order is linked to (SGP.22 §5.3.3).
///
/// A different EID, or an EID for an order without one, is "EID - Invalid Association"
/// 8.1.1/3.10 (§5.3.3). §5.3.3 names no code for a missing EID; an order linked to an eUICC
/// (by DownloadOrder, ConfirmOrder, or by the eUICC itself in AuthenticateClient, which the
/// Operator learns from HandleDownloadProgressInfo, §5.3.5) is only cancelled by a caller that
/// names that eUICC, so a missing EID is refused as "EID - Mandatory Element Missing"
/// 8.1.1/2.2, the code §5.3.2 gives for an EID missing in the context of an order.
fn check_eid(given: Option<&Eid>, linked: Option<&Eid>) -> Result<(), RspError> {
    match (given, linked) {
        (None, None) => Ok(()),
        (None, Some(_)) => Err(RspError::EidMissing),
        (Some(given), linked) if linked == Some(given) => Ok(()),
        (Some(_), _) => Err(RspError::EidAssociationInvalid),
    }
}
