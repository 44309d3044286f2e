//! ES12 (SM-DP+ → SM-DS, SGP.22 v2.5 §5.5) and, with an Alternative SM-DS as the caller,
//! ES15 (§3.6.1, same functions): RegisterEvent and DeleteEvent. The caller is the
//! [`EventOwner`] its TLS client certificate names.

use rsp_codec::json::Eid;
use rsp_codec::status::RspError;

use crate::event::{EventId, EventOwner, EventRecord, valid_server_address};
use crate::store::{CascadeTarget, SmdsKey, SmdsStore, StoreError};
use crate::{SmdsConfig, SmdsError, now_ms};

/// A RegisterEvent request, decoded.
#[derive(Debug, Clone, Copy)]
pub struct Registration<'a> {
    /// The eUICC.
    pub eid: &'a Eid,
    /// The EventID (the MatchingID of the download).
    pub event_id: &'a str,
    /// The SM-DP+ (or SM-DS) the eUICC shall contact.
    pub rsp_server_address: &'a str,
    /// `forwardingIndicator`: an Alternative SM-DS cascades the event to the root.
    pub forwarding: bool,
}

/// The ES12 / ES15 functions of one SM-DS.
#[derive(Debug, Clone)]
pub struct Es12<S> {
    store: S,
    config: SmdsConfig,
}

impl<S: SmdsStore> Es12<S> {
    /// A service over `store`.
    pub fn new(store: S, config: SmdsConfig) -> Self {
        Self { store, config }
    }

    /// The store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// ES12.RegisterEvent (§5.5.1). Errors: an EventID `owner` already registered
    /// 8.9.5/3.3; an empty or oversized EventID or a malformed address 1.3.1/2.1. At an
    /// Alternative SM-DS a forwarded event also makes the EID's cascade event wanted at the
    /// root (sent by [`crate::cascade`], never lost: same transaction).
    pub async fn register_event(
        &self,
        owner: &EventOwner,
        registration: Registration<'_>,
    ) -> Result<EventRecord, SmdsError> {
        let event_id =
            EventId::parse(registration.event_id).ok_or(RspError::ProtocolFormatInvalid)?;
        if !valid_server_address(registration.rsp_server_address) {
            return Err(RspError::ProtocolFormatInvalid.into());
        }
        let event = EventRecord {
            eid: registration.eid.clone(),
            event_id,
            rsp_server_address: registration.rsp_server_address.to_owned(),
            owner: owner.clone(),
            forwarding: registration.forwarding,
            created_at_ms: now_ms(),
        };
        let cascade_id;
        let cascade = match self.config.root_address() {
            Some(root_address) if registration.forwarding => {
                cascade_id = new_cascade_id()?;
                Some(CascadeTarget {
                    root_address,
                    new_event_id: &cascade_id,
                })
            }
            _ => None,
        };
        match self.store.register_event(&event, cascade).await {
            Err(StoreError::Duplicate(SmdsKey::Event)) => Err(RspError::EventIdDuplicated.into()),
            other => other.map(|()| event).map_err(SmdsError::from),
        }
    }

    /// ES12.DeleteEvent (§5.5.2). Only the owner deletes its event: an EventID that
    /// `owner` has not registered for `eid` (absent, or another SM-DP+'s) is 8.9.5/3.9.
    pub async fn delete_event(
        &self,
        owner: &EventOwner,
        eid: &Eid,
        event_id: &str,
    ) -> Result<EventRecord, SmdsError> {
        let event_id = EventId::parse(event_id).ok_or(RspError::EventUnknown)?;
        self.store
            .delete_event(owner, eid, &event_id)
            .await?
            .ok_or_else(|| RspError::EventUnknown.into())
    }
}

/// A fresh cascade EventID: 16 random bytes in upper-case hex.
fn new_cascade_id() -> Result<EventId, SmdsError> {
    let bytes = rsp_auth::random16().ok_or(SmdsError::Rng)?;
    EventId::parse(&hex::encode_upper(bytes)).ok_or(SmdsError::Rng)
}
