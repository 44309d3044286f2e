//! ES12 (SM-DP+ → SM-DS) JSON bodies, SGP.22 v2.5 §6.5.2.13–§6.5.2.14 (semantics §5.5).
//! Both responses are a [`HeaderOnlyResponse`].

use serde::{Deserialize, Serialize};

use super::header::{HeaderOnlyResponse, RequestHeader};
use super::http::{Es12Function, Function, RspFunction};
use super::ids::Eid;
use super::lenient;

/// `registerEvent` request (§6.5.2.13).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RegisterEventRequest {
    /// Caller and call identifiers.
    pub header: RequestHeader,
    /// The eUICC the event is for.
    pub eid: Eid,
    /// The SM-DP+ (or SM-DS) address the LPA shall contact.
    pub rsp_server_address: String,
    /// The EventID (the MatchingID used towards the SM-DP+).
    pub event_id: String,
    /// True: an Alternative SM-DS shall forward (cascade) the registration to the Root SM-DS.
    #[serde(deserialize_with = "lenient::bool_or_string")]
    pub forwarding_indicator: bool,
}

/// `deleteEvent` request (§6.5.2.14).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DeleteEventRequest {
    /// Caller and call identifiers.
    pub header: RequestHeader,
    /// The eUICC the event is for.
    pub eid: Eid,
    /// The EventID to delete.
    pub event_id: String,
}

/// Marker: ES12.RegisterEvent.
#[derive(Debug, Clone, Copy)]
pub struct RegisterEvent;
/// Marker: ES12.DeleteEvent.
#[derive(Debug, Clone, Copy)]
pub struct DeleteEvent;

impl RspFunction for RegisterEvent {
    const FUNCTION: Function = Function::Es12(Es12Function::RegisterEvent);
    type Request = RegisterEventRequest;
    type Response = HeaderOnlyResponse;
}

impl RspFunction for DeleteEvent {
    const FUNCTION: Function = Function::Es12(Es12Function::DeleteEvent);
    type Request = DeleteEventRequest;
    type Response = HeaderOnlyResponse;
}
