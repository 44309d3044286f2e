//! ES9+ over the ASN.1 binding (SGP.22 v2.5 §6.6) for tests: hand-built request envelopes
//! around the bytes a test eUICC produced, the HTTPS transport, and the response
//! alternatives; plus ordering a Profile in-process through ES2+.
#![allow(dead_code, clippy::unwrap_used)]

use rsp_codec::asn1::{
    self, AuthenticateClientErrorEs9, AuthenticateClientOk, AuthenticateClientResponseEs9,
    CancelSessionErrorEs9, CancelSessionResponseEs9, GetBoundProfilePackageError,
    GetBoundProfilePackageOk, GetBoundProfilePackageResponse, InitiateAuthenticationError,
    InitiateAuthenticationOkEs9, InitiateAuthenticationResponse, RemoteProfileProvisioningRequest,
    RemoteProfileProvisioningResponse,
};
use rsp_crypto::scp03t::{encode_tlv, parse_tlv};
use rsp_smdpp::ProfileState;
use rsp_smdpp::es2plus::{Es2Plus, Es2PlusConfig};
use rsp_smdpp::store::InventoryStore;

use super::{OPERATOR, SMDP_ADDRESS, Server, new_profile};

pub const ASN1: &str = "application/x-gsma-rsp-asn1";

// ------------------------------------------------------------ request envelopes (§6.6)

/// `RemoteProfileProvisioningRequest`: `A2 { request }`.
pub fn envelope(request: &[u8]) -> Vec<u8> {
    encode_tlv(&[0xA2], request)
}

pub fn concat(parts: &[&[u8]]) -> Vec<u8> {
    parts.concat()
}

/// `InitiateAuthenticationRequest` BF39 { 81 challenge, 83 address, BF20 info1 }.
pub fn initiate_authentication(challenge: &[u8; 16], address: &str, info1: &[u8]) -> Vec<u8> {
    let fields = concat(&[
        &encode_tlv(&[0x81], challenge),
        &encode_tlv(&[0x83], address.as_bytes()),
        info1,
    ]);
    envelope(&encode_tlv(&[0xBF, 0x39], &fields))
}

/// `AuthenticateClientRequest` BF3B { 80 transactionId, BF38 as produced by the eUICC }.
pub fn authenticate_client(tid: &[u8], authenticate_server_response: &[u8]) -> Vec<u8> {
    let fields = concat(&[&encode_tlv(&[0x80], tid), authenticate_server_response]);
    envelope(&encode_tlv(&[0xBF, 0x3B], &fields))
}

/// `GetBoundProfilePackageRequest` BF3A { 80 transactionId, BF21 as produced }.
pub fn get_bound_profile_package(tid: &[u8], prepare_download_response: &[u8]) -> Vec<u8> {
    let fields = concat(&[&encode_tlv(&[0x80], tid), prepare_download_response]);
    envelope(&encode_tlv(&[0xBF, 0x3A], &fields))
}

/// `HandleNotification` BF3D { A0 { PendingNotification as produced } }.
pub fn handle_notification(pending_notification: &[u8]) -> Vec<u8> {
    envelope(&encode_tlv(
        &[0xBF, 0x3D],
        &encode_tlv(&[0xA0], pending_notification),
    ))
}

/// `CancelSessionRequestEs9` BF41 { 80 transactionId, A1 (CancelSessionResponse's contents) }.
pub fn cancel_session(tid: &[u8], cancel_session_response: &[u8]) -> Vec<u8> {
    let (csr, rest) = parse_tlv(cancel_session_response).unwrap();
    assert_eq!((csr.tag, rest), (&[0xBF, 0x41][..], &[][..]));
    let fields = concat(&[&encode_tlv(&[0x80], tid), &encode_tlv(&[0xA1], csr.value)]);
    envelope(&encode_tlv(&[0xBF, 0x41], &fields))
}

/// EUICCInfo1 (BF20) announcing CI key `ski` for verification and signing, svn 2.2.0.
pub fn euicc_info1(ski: &[u8]) -> Vec<u8> {
    let list = encode_tlv(&[0x04], ski);
    let body = concat(&[
        &[0x82, 0x03, 0x02, 0x02, 0x00],
        &encode_tlv(&[0xA9], &list),
        &encode_tlv(&[0xAA], &list),
    ]);
    encode_tlv(&[0xBF, 0x20], &body)
}

// ----------------------------------------------------------------------- transport

pub struct Answer {
    pub status: u16,
    pub content_type: Option<String>,
    pub admin_protocol: Option<String>,
    pub body: Vec<u8>,
}

pub async fn post(
    client: &reqwest::Client,
    server: &Server,
    content_type: &str,
    admin_protocol: Option<&str>,
    body: Vec<u8>,
) -> Answer {
    let mut req = client
        .post(format!("{}/gsma/rsp2/asn1", server.base()))
        .header("Content-Type", content_type)
        .header("User-Agent", "gsma-rsp-lpad")
        .body(body);
    if let Some(v) = admin_protocol {
        req = req.header("X-Admin-Protocol", v);
    }
    let resp = req.send().await.unwrap();
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    let (content_type, admin_protocol) = (header("content-type"), header("x-admin-protocol"));
    Answer {
        status: resp.status().as_u16(),
        content_type,
        admin_protocol,
        body: resp.bytes().await.unwrap().to_vec(),
    }
}

/// One well-formed request: HTTP 200 with one DER RemoteProfileProvisioningResponse.
pub async fn call(
    client: &reqwest::Client,
    server: &Server,
    request: Vec<u8>,
) -> RemoteProfileProvisioningResponse {
    // The hand-built envelope is a valid RemoteProfileProvisioningRequest.
    asn1::decode::<RemoteProfileProvisioningRequest>(&request).expect("request decodes");
    let a = post(client, server, ASN1, Some("gsma/rsp/v2.2.0"), request).await;
    assert_eq!(a.status, 200, "{:02x?}", a.body);
    assert_eq!(a.content_type.as_deref(), Some(ASN1));
    assert!(a.admin_protocol.unwrap().starts_with("gsma/rsp/v2."));
    asn1::decode(&a.body).expect("one DER RemoteProfileProvisioningResponse")
}

pub fn initiate_ok(r: RemoteProfileProvisioningResponse) -> InitiateAuthenticationOkEs9 {
    match r {
        RemoteProfileProvisioningResponse::InitiateAuthenticationResponse(
            InitiateAuthenticationResponse::InitiateAuthenticationOk(ok),
        ) => *ok,
        other => panic!("not InitiateAuthenticationOk: {other:?}"),
    }
}

pub fn initiate_error(r: RemoteProfileProvisioningResponse) -> InitiateAuthenticationError {
    match r {
        RemoteProfileProvisioningResponse::InitiateAuthenticationResponse(
            InitiateAuthenticationResponse::InitiateAuthenticationError(e),
        ) => e,
        other => panic!("not initiateAuthenticationError: {other:?}"),
    }
}

pub fn authenticate_result(
    r: RemoteProfileProvisioningResponse,
) -> Result<AuthenticateClientOk, AuthenticateClientErrorEs9> {
    match r {
        RemoteProfileProvisioningResponse::AuthenticateClientResponseEs9(
            AuthenticateClientResponseEs9::AuthenticateClientOk(ok),
        ) => Ok(*ok),
        RemoteProfileProvisioningResponse::AuthenticateClientResponseEs9(
            AuthenticateClientResponseEs9::AuthenticateClientError(e),
        ) => Err(e),
        other => panic!("not AuthenticateClientResponseEs9: {other:?}"),
    }
}

pub fn bpp_result(
    r: RemoteProfileProvisioningResponse,
) -> Result<GetBoundProfilePackageOk, GetBoundProfilePackageError> {
    match r {
        RemoteProfileProvisioningResponse::GetBoundProfilePackageResponse(
            GetBoundProfilePackageResponse::GetBoundProfilePackageOk(ok),
        ) => Ok(*ok),
        RemoteProfileProvisioningResponse::GetBoundProfilePackageResponse(
            GetBoundProfilePackageResponse::GetBoundProfilePackageError(e),
        ) => Err(e),
        other => panic!("not GetBoundProfilePackageResponse: {other:?}"),
    }
}

pub fn cancel_result(r: RemoteProfileProvisioningResponse) -> Result<(), CancelSessionErrorEs9> {
    match r {
        RemoteProfileProvisioningResponse::CancelSessionResponseEs9(
            CancelSessionResponseEs9::CancelSessionOk(_),
        ) => Ok(()),
        RemoteProfileProvisioningResponse::CancelSessionResponseEs9(
            CancelSessionResponseEs9::CancelSessionError(e),
        ) => Err(e),
        other => panic!("not CancelSessionResponseEs9: {other:?}"),
    }
}

/// Imports `iccid` and orders it for `eid`, released, with MatchingID `matching_id` and an
/// optional Confirmation Code.
pub async fn order(server: &Server, iccid: &str, eid: &str, matching_id: &str, cc: Option<&str>) {
    server
        .store
        .import(&[new_profile(iccid, OPERATOR, "T1")])
        .await
        .unwrap();
    let es2 = Es2Plus::new(server.store.clone(), Es2PlusConfig::new(SMDP_ADDRESS));
    super::download_and_confirm(&es2, iccid, eid, matching_id, cc).await;
}

pub async fn state(server: &Server, iccid: &str) -> ProfileState {
    server
        .store
        .find_by_iccid(&iccid.parse().unwrap())
        .await
        .unwrap()
        .unwrap()
        .state
}
