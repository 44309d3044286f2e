//! ES2+.ConfirmOrder (SGP.22 v2.5 §5.3.2): confirm a reserved Profile, fix its MatchingID and
//! Confirmation Code, and optionally release it.

use rsp_codec::json::es2plus::ConfirmOrderRequest;
use rsp_codec::json::{ConfirmationCode, Eid, Iccid};
use rsp_codec::status::RspError;

use super::{Es2Plus, Es2PlusError, retry_on_conflict};
use crate::confirmation_code::CcHash;
use crate::matching_id::MatchingId;
use crate::operator::OperatorId;
use crate::profile_state::{ProfileEvent, ProfileState, TransitionError, transition};
use crate::store::{InventoryStore, StoreError, UniqueKey};

/// Longest `smdsAddress` accepted (an FQDN is at most 253 characters).
const MAX_SMDS_ADDRESS_LEN: usize = 255;

/// ConfirmOrder input.
#[derive(Debug, Clone)]
pub struct ConfirmOrder {
    /// The reserved Profile.
    pub iccid: Iccid,
    /// Links the Profile to this eUICC (must equal the EID of a Linked Profile).
    pub eid: Option<Eid>,
    /// `None`: the SM-DP+ generates one. `Some("")`: no MatchingID, the order is served to
    /// its EID through the default SM-DP+ flow (needs an EID). `Some(id)`: the Operator's.
    pub matching_id: Option<String>,
    /// Code the end user must enter (stored as SHA-256 only).
    pub confirmation_code: Option<ConfirmationCode>,
    /// SM-DS for an event registration (kept; needs an EID and a MatchingID).
    pub smds_address: Option<String>,
    /// Release now (state Released) or later by ReleaseProfile (state Confirmed).
    pub release_flag: bool,
}

impl From<&ConfirmOrderRequest> for ConfirmOrder {
    fn from(r: &ConfirmOrderRequest) -> Self {
        Self {
            iccid: r.iccid.clone(),
            eid: r.eid.clone(),
            matching_id: r.matching_id.clone(),
            confirmation_code: r.confirmation_code.clone(),
            smds_address: r.smds_address.clone(),
            release_flag: r.release_flag,
        }
    }
}

/// ConfirmOrder output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfirmOrderResult {
    /// The eUICC the order is linked to, if any.
    pub eid: Option<Eid>,
    /// The order's MatchingID; `None` for the default SM-DP+ flow (JSON: empty string).
    pub matching_id: Option<MatchingId>,
    /// This SM-DP+'s address (for the Activation Code).
    pub smdp_address: String,
}

/// Where the order's MatchingID comes from.
enum MatchingIdSource {
    Generated,
    Operator(MatchingId),
    None,
}

impl<S: InventoryStore> Es2Plus<S> {
    /// Confirms the caller's Allocated or Linked Profile.
    ///
    /// Errors: unknown (or another Operator's) ICCID 8.2.1/3.9; already confirmed (or past
    /// that: Released, Downloaded, Installed, Error, Unavailable) 8.2.1/3.3; Available (no
    /// DownloadOrder) 8.2.1/3.5; EID differs from the linked one (or from the one the Profile was ever
    /// linked to) 8.1.1/3.10; empty MatchingID or `smdsAddress` without any EID 8.1.1/2.2;
    /// `smdsAddress` with an empty MatchingID 8.2.6/2.2; malformed MatchingID 8.2.6/2.1;
    /// MatchingID used by another order 8.2.6/3.3; empty Confirmation Code or malformed
    /// `smdsAddress` 1.3.1/2.1; an `smdsAddress` not among the configured SM-DSes 8.9/5.1.
    /// A released order with an `smdsAddress` gets its event registered there
    /// ([`crate::smds_events`]).
    pub async fn confirm_order(
        &self,
        operator: &OperatorId,
        order: &ConfirmOrder,
    ) -> Result<ConfirmOrderResult, Es2PlusError> {
        let source = match order.matching_id.as_deref() {
            None => MatchingIdSource::Generated,
            Some("") => MatchingIdSource::None,
            Some(id) => MatchingIdSource::Operator(
                MatchingId::parse(id)
                    .map_err(|_| Es2PlusError::Rejected(RspError::MatchingIdInvalid))?,
            ),
        };
        if order
            .confirmation_code
            .as_ref()
            .is_some_and(|cc| cc.expose().is_empty())
            || order
                .smds_address
                .as_ref()
                .is_some_and(|a| !valid_smds_address(a))
        {
            return Err(RspError::ProtocolFormatInvalid.into());
        }
        if let (Some(address), Some(known)) = (&order.smds_address, &self.config.smds_addresses)
            && !known.iter().any(|k| k.eq_ignore_ascii_case(address))
        {
            // §5.3.2: an SM-DS this SM-DP+ cannot reach.
            return Err(RspError::SmdsInaccessible.into());
        }
        // A generated MatchingID that collides (125 random bits: never in practice) is drawn anew.
        let mut tries = 0u32;
        loop {
            let matching_id = match &source {
                MatchingIdSource::Generated => {
                    Some(MatchingId::generate().map_err(|_| Es2PlusError::Rng)?)
                }
                MatchingIdSource::Operator(id) => Some(id.clone()),
                MatchingIdSource::None => None,
            };
            match retry_on_conflict!(self, self.try_confirm(operator, order, matching_id.clone())) {
                Err(Es2PlusError::Store(StoreError::Duplicate(UniqueKey::MatchingId))) => {
                    if matches!(source, MatchingIdSource::Generated) && tries < 3 {
                        tries += 1;
                        continue;
                    }
                    return Err(RspError::MatchingIdConflict.into());
                }
                other => return other,
            }
        }
    }

    async fn try_confirm(
        &self,
        operator: &OperatorId,
        order: &ConfirmOrder,
        matching_id: Option<MatchingId>,
    ) -> Result<ConfirmOrderResult, Es2PlusError> {
        let mut record = self.owned_profile(operator, &order.iccid).await?;
        record.state = transition(
            record.state,
            ProfileEvent::ConfirmOrder {
                release: order.release_flag,
            },
        )
        .map_err(refused_state)?;
        if let Some(eid) = &order.eid {
            let consistent = record.eid.as_ref().is_none_or(|linked| linked == eid);
            if !consistent || !record.link_eid(eid) {
                return Err(RspError::EidAssociationInvalid.into());
            }
        }
        if record.eid.is_none() && (matching_id.is_none() || order.smds_address.is_some()) {
            return Err(RspError::EidMissing.into());
        }
        if matching_id.is_none() && order.smds_address.is_some() {
            return Err(RspError::MatchingIdMissing.into());
        }
        record.matching_id = matching_id;
        record.cc_hash = order.confirmation_code.as_ref().map(CcHash::of);
        record.cc_attempts = 0;
        record.cc_max_attempts = self.config.cc_max_attempts;
        record.smds_address = order.smds_address.clone();
        let record = self.store.update(&record, &[]).await?;
        Ok(ConfirmOrderResult {
            eid: record.eid,
            matching_id: record.matching_id,
            smdp_address: self.config.smdp_address.clone(),
        })
    }
}

/// The code for a ConfirmOrder the Profile's state does not allow (SGP.22 §5.3.2 names no
/// state code): a Profile already confirmed, or past that, is in use by its order, 8.2.1/3.3
/// "Already in Use" as DownloadOrder answers (§5.3.1); an Available Profile was never ordered,
/// 8.2.1/3.5 "Invalid Transition".
fn refused_state(e: TransitionError) -> Es2PlusError {
    match e.from {
        ProfileState::Available => e.into(),
        _ => RspError::IccidUnavailable.into(),
    }
}

/// A host name (optionally with port): 1..=255 characters of `A-Za-z0-9.-:`.
fn valid_smds_address(address: &str) -> bool {
    !address.is_empty()
        && address.len() <= MAX_SMDS_ADDRESS_LEN
        && address
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':'))
}
