//! ES11 (LPA → SM-DS) JSON bodies, SGP.22 v2.5 §6.5.2.11–§6.5.2.12 (semantics §5.8).
//! The authentication messages mirror ES9+ (`smdsAddress` instead of `smdpAddress`); the
//! AuthenticateClient output is the list of Event Records (ASN.1 `AuthenticateClientOkEs11`:
//! `eventEntries SEQUENCE OF EventEntries { eventId, rspServerAddress }`, as JSON objects).

use serde::{Deserialize, Serialize};

use super::Base64Bytes;
use super::es9plus::{AuthenticateClientRequest, InitiateAuthenticationResponse};
use super::header::ResponseHeader;
use super::http::{Es11Function, Function, RspFunction};
use super::ids::TransactionIdHex;

/// `initiateAuthentication` request (§6.5.2.11).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateAuthenticationRequest {
    /// 16 random bytes from ES10b.GetEUICCChallenge.
    pub euicc_challenge: Base64Bytes,
    /// DER `EUICCInfo1` (tag `BF20`).
    pub euicc_info1: Base64Bytes,
    /// The SM-DS address (FQDN) the LPA used.
    pub smds_address: String,
}

/// One Event Record (SGP.22 §3.6; ASN.1 `EventEntries`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EventEntry {
    /// The EventID (used as MatchingID towards the SM-DP+).
    pub event_id: String,
    /// Where to go: an SM-DP+ or another SM-DS address.
    pub rsp_server_address: String,
}

/// `authenticateClient` response (§6.5.2.12).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateClientResponse {
    /// Status.
    pub header: ResponseHeader,
    /// The RSP session (always written; tolerated absent on input, lpac ignores it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub transaction_id: Option<TransactionIdHex>,
    /// The pending events for this eUICC (possibly empty).
    pub event_entries: Vec<EventEntry>,
}

/// Marker: ES11.InitiateAuthentication.
#[derive(Debug, Clone, Copy)]
pub struct InitiateAuthentication;
/// Marker: ES11.AuthenticateClient.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticateClient;

impl RspFunction for InitiateAuthentication {
    const FUNCTION: Function = Function::Es11(Es11Function::InitiateAuthentication);
    type Request = InitiateAuthenticationRequest;
    type Response = InitiateAuthenticationResponse;
}

impl RspFunction for AuthenticateClient {
    const FUNCTION: Function = Function::Es11(Es11Function::AuthenticateClient);
    type Request = AuthenticateClientRequest;
    type Response = AuthenticateClientResponse;
}
