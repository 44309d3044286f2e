//! ES2+ and ES12 bodies against fixtures whose field names come from pySim
//! (`pySim/esim/es2p.py`), ostelco prime's ES2+ models and an operator's ES12 client
//! (see `fixtures/json/README.md`): parse, check values, re-serialise to identical JSON.

#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

use rsp_codec::json::{ExecutionStatus, HeaderOnlyResponse, RspFunction, es2plus, es12};
use rsp_codec::status::RspError;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

fn fixture(name: &str) -> Value {
    let path = format!(
        "{}/tests/fixtures/json/{name}.json",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"));
    serde_json::from_str(&text).unwrap()
}

fn round_trip<T: Serialize + DeserializeOwned>(name: &str) -> T {
    let json = fixture(name);
    let parsed: T = serde_json::from_value(json.clone()).unwrap();
    assert_eq!(serde_json::to_value(&parsed).unwrap(), json, "{name}");
    parsed
}

#[test]
fn download_order() {
    let q: es2plus::DownloadOrderRequest = round_trip("es2plus_download_order_request");
    assert_eq!(q.header.function_requester_identifier, "OPERATOR-1");
    assert!(q.iccid.is_none());
    assert_eq!(q.profile_type.as_deref(), Some("Generic"));
    let r: es2plus::DownloadOrderResponse = round_trip("es2plus_download_order_response");
    assert_eq!(r.iccid.digits(), "8900000000000000001");
}

#[test]
fn confirm_order() {
    let q: es2plus::ConfirmOrderRequest = round_trip("es2plus_confirm_order_request");
    assert!(q.release_flag);
    assert_eq!(q.confirmation_code.as_ref().unwrap().expose(), "86420975");
    let debug = format!("{q:?}");
    assert!(
        !debug.contains("86420975"),
        "confirmation code leaked: {debug}"
    );
    let r: es2plus::ConfirmOrderResponse = round_trip("es2plus_confirm_order_response");
    assert_eq!(r.matching_id, "QR-G-5C-1LS-1W1Z9P7");
}

#[test]
fn confirm_order_minimal_omits_absent_fields() {
    let minimal = json!({
        "header": {"functionRequesterIdentifier": "OP", "functionCallIdentifier": "1"},
        "iccid": "8900000000000000001F",
        "releaseFlag": false
    });
    let q: es2plus::ConfirmOrderRequest = serde_json::from_value(minimal.clone()).unwrap();
    assert_eq!(serde_json::to_value(&q).unwrap(), minimal);
    // ostelco's client sends the flag as a string.
    let mut text_flag = minimal.clone();
    text_flag["releaseFlag"] = json!("true");
    let q: es2plus::ConfirmOrderRequest = serde_json::from_value(text_flag).unwrap();
    assert!(q.release_flag);
    let mut bad_flag = minimal;
    bad_flag["releaseFlag"] = json!("yes");
    assert!(serde_json::from_value::<es2plus::ConfirmOrderRequest>(bad_flag).is_err());
}

#[test]
fn cancel_order_and_release_profile() {
    let q: es2plus::CancelOrderRequest = round_trip("es2plus_cancel_order_request");
    assert_eq!(
        q.final_profile_status_indicator,
        es2plus::FinalProfileStatusIndicator::Available
    );
    let mut bad = fixture("es2plus_cancel_order_request");
    bad["finalProfileStatusIndicator"] = json!("Deleted");
    assert!(serde_json::from_value::<es2plus::CancelOrderRequest>(bad).is_err());
    let _: es2plus::ReleaseProfileRequest = round_trip("es2plus_release_profile_request");
    let ok = HeaderOnlyResponse::success();
    assert_eq!(
        serde_json::to_value(&ok).unwrap(),
        json!({"header": {"functionExecutionStatus": {"status": "Executed-Success"}}})
    );
}

#[test]
fn handle_download_progress_info() {
    let q: es2plus::HandleDownloadProgressInfoRequest =
        round_trip("es2plus_handle_download_progress_info_request");
    assert_eq!(q.notification_point_id, 4);
    assert_eq!(q.timestamp.get().unix_timestamp(), 1_709_712_641);
    assert_eq!(q.notification_point_status.status, ExecutionStatus::Failed);
    let data = q.notification_point_status.status_code_data.unwrap();
    assert_eq!(data.error(), RspError::EuiccInsufficientMemory);
    assert!(!es2plus::HandleDownloadProgressInfo::FUNCTION.has_response_body());
    // Some SM-DP+ vendors and pySim send notificationPointId as a string.
    let mut text_id = fixture("es2plus_handle_download_progress_info_request");
    text_id["notificationPointId"] = json!("102");
    let q: es2plus::HandleDownloadProgressInfoRequest = serde_json::from_value(text_id).unwrap();
    assert_eq!(q.notification_point_id, 102);
    for bad in [
        json!("-1"),
        json!("x"),
        json!(""),
        json!(-3),
        json!(1.5),
        json!("99999999999"),
    ] {
        let mut j = fixture("es2plus_handle_download_progress_info_request");
        j["notificationPointId"] = bad.clone();
        assert!(
            serde_json::from_value::<es2plus::HandleDownloadProgressInfoRequest>(j).is_err(),
            "{bad}"
        );
    }
    let mut bad_time = fixture("es2plus_handle_download_progress_info_request");
    bad_time["timestamp"] = json!("1709712641");
    assert!(
        serde_json::from_value::<es2plus::HandleDownloadProgressInfoRequest>(bad_time).is_err()
    );
}

#[test]
fn request_header_is_mandatory_on_es2plus() {
    let mut j = fixture("es2plus_release_profile_request");
    j.as_object_mut().unwrap().remove("header");
    assert!(serde_json::from_value::<es2plus::ReleaseProfileRequest>(j).is_err());
    let mut j = fixture("es2plus_release_profile_request");
    j["header"]
        .as_object_mut()
        .unwrap()
        .remove("functionCallIdentifier");
    assert!(serde_json::from_value::<es2plus::ReleaseProfileRequest>(j).is_err());
}

#[test]
fn es12_register_and_delete_event() {
    let q: es12::RegisterEventRequest = round_trip("es12_register_event_request");
    assert!(!q.forwarding_indicator);
    assert_eq!(q.event_id, "EVT-0001");
    let d: es12::DeleteEventRequest = round_trip("es12_delete_event_request");
    assert_eq!(d.eid.as_str(), "89049032123451234512345678901235");
    let mut bad_eid = fixture("es12_delete_event_request");
    bad_eid["eid"] = json!("8904903212345123451234567890123");
    assert!(serde_json::from_value::<es12::DeleteEventRequest>(bad_eid).is_err());
}
