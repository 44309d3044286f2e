//! ES9+ (LPA → SM-DP+) JSON bodies, SGP.22 v2.5 §6.5.2.6–§6.5.2.10 (function semantics
//! §5.6). ASN.1 values are opaque [`Base64Bytes`] here (their DER types are in `asn1`).
//! Requests have no `header`; responses have one.

use serde::{Deserialize, Serialize};

use super::Base64Bytes;
use super::envelope::NoContent;
use super::header::{HeaderOnlyResponse, ResponseHeader};
use super::http::{Es9PlusFunction, Function, RspFunction};
use super::ids::TransactionIdHex;

/// `initiateAuthentication` request (§6.5.2.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateAuthenticationRequest {
    /// 16 random bytes from ES10b.GetEUICCChallenge.
    pub euicc_challenge: Base64Bytes,
    /// DER `EUICCInfo1` (tag `BF20`).
    pub euicc_info1: Base64Bytes,
    /// The SM-DP+ address (FQDN) the LPA used.
    pub smdp_address: String,
}

/// `initiateAuthentication` response (§6.5.2.6); also the ES11 one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct InitiateAuthenticationResponse {
    /// Status.
    pub header: ResponseHeader,
    /// The new RSP session.
    pub transaction_id: TransactionIdHex,
    /// DER `ServerSigned1`.
    pub server_signed1: Base64Bytes,
    /// `serverSignature1` (tag `5F37`, r‖s).
    pub server_signature1: Base64Bytes,
    /// DER `SubjectKeyIdentifier` of the CI key the eUICC shall use.
    #[serde(rename = "euiccCiPKIdToBeUsed")]
    pub euicc_ci_pk_id_to_be_used: Base64Bytes,
    /// DER certificate CERT.XXauth.ECDSA.
    pub server_certificate: Base64Bytes,
}

/// `getBoundProfilePackage` request (§6.5.2.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBoundProfilePackageRequest {
    /// The RSP session.
    pub transaction_id: TransactionIdHex,
    /// DER `PrepareDownloadResponse` (tag `BF21`).
    pub prepare_download_response: Base64Bytes,
}

/// `getBoundProfilePackage` response (§6.5.2.7).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct GetBoundProfilePackageResponse {
    /// Status.
    pub header: ResponseHeader,
    /// The RSP session.
    pub transaction_id: TransactionIdHex,
    /// DER `BoundProfilePackage` (tag `BF36`).
    pub bound_profile_package: Base64Bytes,
}

/// `authenticateClient` request (§6.5.2.8); also the ES11 one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateClientRequest {
    /// The RSP session.
    pub transaction_id: TransactionIdHex,
    /// DER `AuthenticateServerResponse` (tag `BF38`).
    pub authenticate_server_response: Base64Bytes,
}

/// `authenticateClient` response (§6.5.2.8).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct AuthenticateClientResponse {
    /// Status.
    pub header: ResponseHeader,
    /// The RSP session.
    pub transaction_id: TransactionIdHex,
    /// DER `StoreMetadataRequest` (tag `BF25`).
    pub profile_metadata: Base64Bytes,
    /// DER `SmdpSigned2`.
    pub smdp_signed2: Base64Bytes,
    /// `smdpSignature2` (tag `5F37`, r‖s).
    pub smdp_signature2: Base64Bytes,
    /// DER certificate CERT.DPpb.ECDSA.
    pub smdp_certificate: Base64Bytes,
}

/// `handleNotification` request (§6.5.2.9); success is HTTP 204.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct HandleNotificationRequest {
    /// DER `PendingNotification`.
    pub pending_notification: Base64Bytes,
}

/// `cancelSession` request (§6.5.2.10); the response is a [`HeaderOnlyResponse`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CancelSessionRequest {
    /// The RSP session.
    pub transaction_id: TransactionIdHex,
    /// DER `CancelSessionResponse` (tag `BF41`) from ES10b.CancelSession.
    pub cancel_session_response: Base64Bytes,
}

/// Marker: ES9+.InitiateAuthentication.
#[derive(Debug, Clone, Copy)]
pub struct InitiateAuthentication;
/// Marker: ES9+.GetBoundProfilePackage.
#[derive(Debug, Clone, Copy)]
pub struct GetBoundProfilePackage;
/// Marker: ES9+.AuthenticateClient.
#[derive(Debug, Clone, Copy)]
pub struct AuthenticateClient;
/// Marker: ES9+.HandleNotification.
#[derive(Debug, Clone, Copy)]
pub struct HandleNotification;
/// Marker: ES9+.CancelSession.
#[derive(Debug, Clone, Copy)]
pub struct CancelSession;

impl RspFunction for InitiateAuthentication {
    const FUNCTION: Function = Function::Es9Plus(Es9PlusFunction::InitiateAuthentication);
    type Request = InitiateAuthenticationRequest;
    type Response = InitiateAuthenticationResponse;
}

impl RspFunction for GetBoundProfilePackage {
    const FUNCTION: Function = Function::Es9Plus(Es9PlusFunction::GetBoundProfilePackage);
    type Request = GetBoundProfilePackageRequest;
    type Response = GetBoundProfilePackageResponse;
}

impl RspFunction for AuthenticateClient {
    const FUNCTION: Function = Function::Es9Plus(Es9PlusFunction::AuthenticateClient);
    type Request = AuthenticateClientRequest;
    type Response = AuthenticateClientResponse;
}

impl RspFunction for HandleNotification {
    const FUNCTION: Function = Function::Es9Plus(Es9PlusFunction::HandleNotification);
    type Request = HandleNotificationRequest;
    type Response = NoContent;
}

impl RspFunction for CancelSession {
    const FUNCTION: Function = Function::Es9Plus(Es9PlusFunction::CancelSession);
    type Request = CancelSessionRequest;
    type Response = HeaderOnlyResponse;
}
