//! Shared helpers of the asn1_* integration tests.
#![allow(dead_code, clippy::unwrap_used)] // shared by several test crates; tests may unwrap

use std::fmt::Debug;

use rasn::{Decode, Encode};
use rsp_codec::asn1::*;

/// One asn1tools-generated encoding.
pub struct Fixture {
    pub name: String,
    pub type_name: String,
    pub bytes: Vec<u8>,
}

/// All fixtures of rsp_fixtures.json.
pub fn fixtures() -> Vec<Fixture> {
    let text = include_str!("../fixtures/asn1/rsp_fixtures.json");
    let json: serde_json::Value = serde_json::from_str(text).unwrap();
    json["fixtures"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| Fixture {
            name: f["name"].as_str().unwrap().to_owned(),
            type_name: f["type"].as_str().unwrap().to_owned(),
            bytes: hex::decode(f["hex"].as_str().unwrap()).unwrap(),
        })
        .collect()
}

/// The bytes of the fixture called `name`.
pub fn fixture(name: &str) -> Vec<u8> {
    fixtures()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("no fixture {name}"))
        .bytes
}

/// Decodes `bytes` as `T`, re-encodes and asserts the bytes are identical.
pub fn roundtrip<T: Decode + Encode + Debug>(bytes: &[u8]) -> T {
    let value: T = decode(bytes).unwrap_or_else(|e| panic!("decode failed: {e}"));
    let again = encode(&value).unwrap_or_else(|e| panic!("encode failed: {e}"));
    assert_eq!(
        hex::encode_upper(&again),
        hex::encode_upper(bytes),
        "re-encoding differs"
    );
    value
}

/// Asserts decode(bytes) == expected and encode(expected) == bytes.
pub fn check_both_ways<T: Decode + Encode + Debug + PartialEq>(bytes: &[u8], expected: &T) {
    let decoded: T = roundtrip(bytes);
    assert_eq!(&decoded, expected, "decoded value differs");
    let ours = encode(expected).unwrap();
    assert_eq!(
        hex::encode_upper(ours),
        hex::encode_upper(bytes),
        "our encoding differs"
    );
}

pub fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).unwrap()
}

/// Something to do with bytes once their Rust type is known.
pub trait ByType {
    fn call<T: Decode + Encode + Debug>(&mut self, bytes: &[u8]);
}

/// Runs `f` with the Rust type named `type_name` (the ASN.1 type name); false if unknown.
pub fn with_type(type_name: &str, bytes: &[u8], f: &mut impl ByType) -> bool {
    match type_name {
        "EuiccConfiguredAddressesRequest" => f.call::<EuiccConfiguredAddressesRequest>(bytes),
        "EuiccConfiguredAddressesResponse" => f.call::<EuiccConfiguredAddressesResponse>(bytes),
        "SetDefaultDpAddressRequest" => f.call::<SetDefaultDpAddressRequest>(bytes),
        "SetDefaultDpAddressResponse" => f.call::<SetDefaultDpAddressResponse>(bytes),
        "GetEuiccInfo1Request" => f.call::<GetEuiccInfo1Request>(bytes),
        "EUICCInfo1" => f.call::<EUICCInfo1>(bytes),
        "EUICCInfo2" => f.call::<EUICCInfo2>(bytes),
        "AuthenticateServerRequest" => f.call::<AuthenticateServerRequest>(bytes),
        "AuthenticateServerResponse" => f.call::<AuthenticateServerResponse>(bytes),
        "PrepareDownloadRequest" => f.call::<PrepareDownloadRequest>(bytes),
        "PrepareDownloadResponse" => f.call::<PrepareDownloadResponse>(bytes),
        "CancelSessionRequest" => f.call::<CancelSessionRequest>(bytes),
        "CancelSessionResponse" => f.call::<CancelSessionResponse>(bytes),
        "GetEuiccChallengeResponse" => f.call::<GetEuiccChallengeResponse>(bytes),
        "ListNotificationRequest" => f.call::<ListNotificationRequest>(bytes),
        "ListNotificationResponse" => f.call::<ListNotificationResponse>(bytes),
        "RetrieveNotificationsListRequest" => f.call::<RetrieveNotificationsListRequest>(bytes),
        "RetrieveNotificationsListResponse" => f.call::<RetrieveNotificationsListResponse>(bytes),
        "NotificationSentRequest" => f.call::<NotificationSentRequest>(bytes),
        "NotificationSentResponse" => f.call::<NotificationSentResponse>(bytes),
        "LoadCRLRequest" => f.call::<LoadCRLRequest>(bytes),
        "LoadCRLResponse" => f.call::<LoadCRLResponse>(bytes),
        "GetRatResponse" => f.call::<GetRatResponse>(bytes),
        "ProfileInfoListRequest" => f.call::<ProfileInfoListRequest>(bytes),
        "ProfileInfoListResponse" => f.call::<ProfileInfoListResponse>(bytes),
        "EnableProfileRequest" => f.call::<EnableProfileRequest>(bytes),
        "EnableProfileResponse" => f.call::<EnableProfileResponse>(bytes),
        "DisableProfileRequest" => f.call::<DisableProfileRequest>(bytes),
        "DisableProfileResponse" => f.call::<DisableProfileResponse>(bytes),
        "DeleteProfileRequest" => f.call::<DeleteProfileRequest>(bytes),
        "DeleteProfileResponse" => f.call::<DeleteProfileResponse>(bytes),
        "EuiccMemoryResetRequest" => f.call::<EuiccMemoryResetRequest>(bytes),
        "EuiccMemoryResetResponse" => f.call::<EuiccMemoryResetResponse>(bytes),
        "GetEuiccDataRequest" => f.call::<GetEuiccDataRequest>(bytes),
        "GetEuiccDataResponse" => f.call::<GetEuiccDataResponse>(bytes),
        "SetNicknameRequest" => f.call::<SetNicknameRequest>(bytes),
        "SetNicknameResponse" => f.call::<SetNicknameResponse>(bytes),
        "ISDRProprietaryApplicationTemplate" => f.call::<ISDRProprietaryApplicationTemplate>(bytes),
        "LpaeActivationRequest" => f.call::<LpaeActivationRequest>(bytes),
        "LpaeActivationResponse" => f.call::<LpaeActivationResponse>(bytes),
        "InitialiseSecureChannelRequest" => f.call::<InitialiseSecureChannelRequest>(bytes),
        "ConfigureISDPRequest" => f.call::<ConfigureISDPRequest>(bytes),
        "StoreMetadataRequest" => f.call::<StoreMetadataRequest>(bytes),
        "ReplaceSessionKeysRequest" => f.call::<ReplaceSessionKeysRequest>(bytes),
        "UpdateMetadataRequest" => f.call::<UpdateMetadataRequest>(bytes),
        "BoundProfilePackage" => f.call::<BoundProfilePackage>(bytes),
        "ProfileInstallationResult" => f.call::<ProfileInstallationResult>(bytes),
        "InitiateAuthenticationRequest" => f.call::<InitiateAuthenticationRequest>(bytes),
        "InitiateAuthenticationResponse" => f.call::<InitiateAuthenticationResponse>(bytes),
        "AuthenticateClientRequest" => f.call::<AuthenticateClientRequest>(bytes),
        "AuthenticateClientResponseEs9" => f.call::<AuthenticateClientResponseEs9>(bytes),
        "GetBoundProfilePackageRequest" => f.call::<GetBoundProfilePackageRequest>(bytes),
        "GetBoundProfilePackageResponse" => f.call::<GetBoundProfilePackageResponse>(bytes),
        "HandleNotification" => f.call::<HandleNotification>(bytes),
        "CancelSessionRequestEs9" => f.call::<CancelSessionRequestEs9>(bytes),
        "CancelSessionResponseEs9" => f.call::<CancelSessionResponseEs9>(bytes),
        "RemoteProfileProvisioningRequest" => f.call::<RemoteProfileProvisioningRequest>(bytes),
        "RemoteProfileProvisioningResponse" => f.call::<RemoteProfileProvisioningResponse>(bytes),
        "AuthenticateClientResponseEs11" => f.call::<AuthenticateClientResponseEs11>(bytes),
        _ => return false,
    }
    true
}
