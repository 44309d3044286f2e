//! ES9+ and ES11 bodies against fixtures written by `fixtures/json/gen_fixtures.py` with
//! field names taken from lpac (`euicc/es9p.c`), pySim (`pySim/esim/es9p.py`) and the
//! Eastcompeace LPA SDK (`Es11FunctionImpl`): parse, compare the decoded bytes with Python's
//! base64 output, and re-serialise to the identical JSON value (so every field name matches).

#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

use rsp_codec::json::{
    Es9PlusFunction, ExecutionStatus, Function, NoContent, Outcome, RspFunction, decode_response,
    es9plus, es11,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/json/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn expected(field: &str) -> Vec<u8> {
    let hex_text = fixture("expected_hex")[field].as_str().unwrap().to_owned();
    hex::decode(hex_text).unwrap()
}

/// Parses the fixture as `T` and checks that serialising gives back the same JSON.
fn round_trip<T: Serialize + DeserializeOwned>(name: &str) -> T {
    let json = fixture(name);
    let parsed: T = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json, "{name}");
    parsed
}

#[test]
fn initiate_authentication_request() {
    let r: es9plus::InitiateAuthenticationRequest =
        round_trip("es9plus_initiate_authentication_request");
    assert_eq!(r.euicc_challenge.as_bytes(), expected("euiccChallenge"));
    assert_eq!(r.euicc_info1.as_bytes(), expected("euiccInfo1"));
    assert_eq!(r.smdp_address, "testsmdpplus1.example.com");
}

#[test]
fn initiate_authentication_response() {
    let r: es9plus::InitiateAuthenticationResponse =
        round_trip("es9plus_initiate_authentication_response");
    assert_eq!(
        r.transaction_id.to_string(),
        "8C7E2B29D5A2466C9A1D1F2A3B4C5D6E"
    );
    assert_eq!(r.server_signed1.as_bytes(), expected("serverSigned1"));
    assert_eq!(r.server_signature1.as_bytes(), expected("serverSignature1"));
    assert_eq!(
        r.euicc_ci_pk_id_to_be_used.as_bytes(),
        expected("euiccCiPKIdToBeUsed")
    );
    assert_eq!(
        r.server_certificate.as_bytes(),
        expected("serverCertificate")
    );
    assert_eq!(
        r.header.function_execution_status.status,
        ExecutionStatus::ExecutedSuccess
    );
}

#[test]
fn authenticate_client() {
    let q: es9plus::AuthenticateClientRequest = round_trip("es9plus_authenticate_client_request");
    assert_eq!(
        q.authenticate_server_response.as_bytes(),
        expected("authenticateServerResponse")
    );
    let r: es9plus::AuthenticateClientResponse = round_trip("es9plus_authenticate_client_response");
    assert_eq!(r.profile_metadata.as_bytes(), expected("profileMetadata"));
    assert_eq!(r.smdp_signed2.as_bytes(), expected("smdpSigned2"));
    assert_eq!(r.smdp_signature2.as_bytes(), expected("serverSignature1"));
    assert_eq!(r.smdp_certificate.as_bytes(), expected("serverCertificate"));
}

#[test]
fn get_bound_profile_package() {
    let q: es9plus::GetBoundProfilePackageRequest =
        round_trip("es9plus_get_bound_profile_package_request");
    assert_eq!(
        q.prepare_download_response.as_bytes(),
        expected("prepareDownloadResponse")
    );
    let r: es9plus::GetBoundProfilePackageResponse =
        round_trip("es9plus_get_bound_profile_package_response");
    assert_eq!(
        r.bound_profile_package.as_bytes(),
        expected("boundProfilePackage")
    );
}

#[test]
fn handle_notification_and_cancel_session() {
    let n: es9plus::HandleNotificationRequest = round_trip("es9plus_handle_notification_request");
    assert_eq!(
        n.pending_notification.as_bytes(),
        expected("pendingNotification")
    );
    let c: es9plus::CancelSessionRequest = round_trip("es9plus_cancel_session_request");
    assert_eq!(
        c.cancel_session_response.as_bytes(),
        expected("cancelSessionResponse")
    );
    assert!(!es9plus::HandleNotification::FUNCTION.has_response_body());
    assert_eq!(
        es9plus::HandleNotification::FUNCTION,
        Function::Es9Plus(Es9PlusFunction::HandleNotification)
    );
    // 204 has no body; NoContent is only a type-level placeholder.
    let _: <es9plus::HandleNotification as RspFunction>::Response = NoContent;
}

#[test]
fn es11_messages() {
    let q: es11::InitiateAuthenticationRequest = round_trip("es11_initiate_authentication_request");
    assert_eq!(q.smds_address, "lpa.ds.gsma.com");
    assert_eq!(q.euicc_info1.as_bytes(), expected("euiccInfo1"));
    let r: es11::AuthenticateClientResponse = round_trip("es11_authenticate_client_response");
    assert_eq!(r.event_entries.len(), 2);
    assert_eq!(r.event_entries[1].event_id, "EVT-0002");
    assert_eq!(r.event_entries[1].rsp_server_address, "smdp.example.org");
    // lpac reads only eventEntries: a response without transactionId is accepted.
    let mut bare = fixture("es11_authenticate_client_response");
    bare.as_object_mut().unwrap().remove("transactionId");
    let r: es11::AuthenticateClientResponse = serde_json::from_value(bare.clone()).unwrap();
    assert!(r.transaction_id.is_none());
    assert_eq!(serde_json::to_value(&r).unwrap(), bare);
}

#[test]
fn unknown_fields_are_ignored() {
    let mut json = fixture("es9plus_initiate_authentication_response");
    let obj = json.as_object_mut().unwrap();
    obj.insert("otherCertsInChain".into(), Value::String("MAA=".into()));
    obj.insert("futureField".into(), serde_json::json!({"a": [1, 2]}));
    let r: es9plus::InitiateAuthenticationResponse = serde_json::from_value(json).unwrap();
    assert_eq!(
        serde_json::to_value(&r).unwrap(),
        fixture("es9plus_initiate_authentication_response")
    );
    // A header sent on an ES9+ request (pySim's client does) is ignored too.
    let mut q = fixture("es9plus_authenticate_client_request");
    q.as_object_mut().unwrap().insert(
        "header".into(),
        serde_json::json!({"functionRequesterIdentifier": "x", "functionCallIdentifier": "y"}),
    );
    let _: es9plus::AuthenticateClientRequest = serde_json::from_value(q).unwrap();
}

#[test]
fn missing_mandatory_field_is_an_error() {
    for field in [
        "transactionId",
        "serverSigned1",
        "serverCertificate",
        "header",
    ] {
        let mut json = fixture("es9plus_initiate_authentication_response");
        json.as_object_mut().unwrap().remove(field);
        let r = serde_json::from_value::<es9plus::InitiateAuthenticationResponse>(json);
        assert!(r.is_err(), "{field}");
    }
}

#[test]
fn decode_response_success_and_failure() {
    let ok = serde_json::to_vec(&fixture("es9plus_get_bound_profile_package_response")).unwrap();
    match decode_response::<es9plus::GetBoundProfilePackageResponse>(&ok).unwrap() {
        Outcome::Executed(r) => assert_eq!(
            r.bound_profile_package.as_bytes(),
            expected("boundProfilePackage")
        ),
        other => panic!("{other:?}"),
    }
    // A failure has only the header: the output fields are absent, which is not an error.
    let failed = serde_json::to_vec(&fixture("status_failed_transaction_unknown")).unwrap();
    match decode_response::<es9plus::GetBoundProfilePackageResponse>(&failed).unwrap() {
        Outcome::NotExecuted(status) => {
            assert_eq!(status.status, ExecutionStatus::Failed);
            let data = status.status_code_data.unwrap();
            assert_eq!(
                data.error(),
                rsp_codec::status::RspError::TransactionIdUnknown
            );
        }
        other => panic!("{other:?}"),
    }
    // Executed but a mandatory output missing: an error, not a panic.
    let broken = br#"{"header":{"functionExecutionStatus":{"status":"Executed-Success"}}}"#;
    assert!(decode_response::<es9plus::GetBoundProfilePackageResponse>(broken).is_err());
    assert!(decode_response::<es9plus::GetBoundProfilePackageResponse>(b"not json").is_err());
    assert!(decode_response::<es9plus::GetBoundProfilePackageResponse>(b"{}").is_err());
}
