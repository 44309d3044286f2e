//! ES2+ (Operator ↔ SM-DP+) JSON bodies, SGP.22 v2.5 §6.5.2.1–§6.5.2.5 (semantics §5.3).
//! Every request has a [`RequestHeader`]; every response a [`ResponseHeader`], except the
//! HTTP 204 answer to HandleDownloadProgressInfo (SM-DP+ → Operator).

use serde::{Deserialize, Serialize};

use super::Base64Bytes;
use super::envelope::NoContent;
use super::header::{FunctionExecutionStatus, HeaderOnlyResponse, RequestHeader, ResponseHeader};
use super::http::{Es2PlusFunction, Function, RspFunction};
use super::ids::{ConfirmationCode, Eid, Iccid};
use super::lenient;
use super::timestamp::Timestamp;

/// `downloadOrder` request (§6.5.2.1): reserve a Profile by ICCID or by Profile Type.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadOrderRequest {
    /// Caller and call identifiers.
    pub header: RequestHeader,
    /// Links the Profile to this eUICC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid>,
    /// The Profile to reserve (or `profileType`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iccid: Option<Iccid>,
    /// Any Profile of this type (or `iccid`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_type: Option<String>,
}

/// `downloadOrder` response (§6.5.2.1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DownloadOrderResponse {
    /// Status.
    pub header: ResponseHeader,
    /// The reserved Profile.
    pub iccid: Iccid,
}

/// `confirmOrder` request (§6.5.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmOrderRequest {
    /// Caller and call identifiers.
    pub header: RequestHeader,
    /// The Profile of the order.
    pub iccid: Iccid,
    /// Links the Profile to this eUICC.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid>,
    /// Operator-chosen MatchingID (the SM-DP+ generates one when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_id: Option<String>,
    /// Code the end user must enter (SGP.22 §4.7).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub confirmation_code: Option<ConfirmationCode>,
    /// SM-DS where the SM-DP+ shall register an event.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smds_address: Option<String>,
    /// True: the Profile is released for download now.
    #[serde(deserialize_with = "lenient::bool_or_string")]
    pub release_flag: bool,
}

/// `confirmOrder` response (§6.5.2.2).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ConfirmOrderResponse {
    /// Status.
    pub header: ResponseHeader,
    /// The eUICC the order is linked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid>,
    /// The MatchingID (for the Activation Code or the SM-DS event).
    pub matching_id: String,
    /// The SM-DP+ address for the Activation Code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub smdp_address: Option<String>,
}

/// What happens to the Profile of a cancelled order (§5.3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FinalProfileStatusIndicator {
    /// Back to the pool.
    Available,
    /// Never to be used again.
    Unavailable,
}

/// `cancelOrder` request (§6.5.2.3); the response is a [`HeaderOnlyResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelOrderRequest {
    /// Caller and call identifiers.
    pub header: RequestHeader,
    /// The Profile of the order.
    pub iccid: Iccid,
    /// The eUICC the order is linked to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid>,
    /// The MatchingID of the order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matching_id: Option<String>,
    /// `Available` or `Unavailable`.
    pub final_profile_status_indicator: FinalProfileStatusIndicator,
}

/// `releaseProfile` request (§6.5.2.4); the response is a [`HeaderOnlyResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ReleaseProfileRequest {
    /// Caller and call identifiers.
    pub header: RequestHeader,
    /// The Profile to release.
    pub iccid: Iccid,
}

/// `handleDownloadProgressInfo` request (§6.5.2.5), SM-DP+ → Operator; answered by HTTP 204.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandleDownloadProgressInfoRequest {
    /// Caller and call identifiers.
    pub header: RequestHeader,
    /// The eUICC, when known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub eid: Option<Eid>,
    /// The Profile.
    pub iccid: Iccid,
    /// Its Profile Type.
    pub profile_type: String,
    /// When the notification point was reached.
    pub timestamp: Timestamp,
    /// Which notification point (§5.3.5), a JSON integer (decimal strings accepted).
    #[serde(deserialize_with = "lenient::u32_or_string")]
    pub notification_point_id: u32,
    /// Outcome at that point.
    pub notification_point_status: FunctionExecutionStatus,
    /// DER data from the eUICC (e.g. the Profile Installation Result), when relevant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result_data: Option<Base64Bytes>,
    /// Device IMEI, when known (sent by some SM-DP+ implementations, e.g. ostelco prime).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub imei: Option<String>,
}

/// Marker: ES2+.DownloadOrder.
#[derive(Debug, Clone, Copy)]
pub struct DownloadOrder;
/// Marker: ES2+.ConfirmOrder.
#[derive(Debug, Clone, Copy)]
pub struct ConfirmOrder;
/// Marker: ES2+.CancelOrder.
#[derive(Debug, Clone, Copy)]
pub struct CancelOrder;
/// Marker: ES2+.ReleaseProfile.
#[derive(Debug, Clone, Copy)]
pub struct ReleaseProfile;
/// Marker: ES2+.HandleDownloadProgressInfo.
#[derive(Debug, Clone, Copy)]
pub struct HandleDownloadProgressInfo;

impl RspFunction for DownloadOrder {
    const FUNCTION: Function = Function::Es2Plus(Es2PlusFunction::DownloadOrder);
    type Request = DownloadOrderRequest;
    type Response = DownloadOrderResponse;
}

impl RspFunction for ConfirmOrder {
    const FUNCTION: Function = Function::Es2Plus(Es2PlusFunction::ConfirmOrder);
    type Request = ConfirmOrderRequest;
    type Response = ConfirmOrderResponse;
}

impl RspFunction for CancelOrder {
    const FUNCTION: Function = Function::Es2Plus(Es2PlusFunction::CancelOrder);
    type Request = CancelOrderRequest;
    type Response = HeaderOnlyResponse;
}

impl RspFunction for ReleaseProfile {
    const FUNCTION: Function = Function::Es2Plus(Es2PlusFunction::ReleaseProfile);
    type Request = ReleaseProfileRequest;
    type Response = HeaderOnlyResponse;
}

impl RspFunction for HandleDownloadProgressInfo {
    const FUNCTION: Function = Function::Es2Plus(Es2PlusFunction::HandleDownloadProgressInfo);
    type Request = HandleDownloadProgressInfoRequest;
    type Response = NoContent;
}
