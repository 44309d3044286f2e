//! Golden envelopes (tests/fixtures/ws, written by hand from our reading of SGP.02 Annex B):
//! the codec writes exactly these bytes and reads them back to the same message. If
//! `xmllint` is installed, every envelope we write also validates against the SOAP 1.2
//! envelope schema in the same directory.

mod ws_common;

use std::io::Write as _;
use std::process::{Command, Stdio};

use rsp_codec::ws::es1::{Es1Message, Es1Request};
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::es3::{Es3Message, Es3Request};
use rsp_codec::ws::es4::{Es4Message, Es4Request};
use rsp_codec::ws::message::{Message, Request, RequestBody, Response};
use rsp_codec::ws::*;
use ws_common::*;

fn req<B>(body: B) -> Request<B> {
    Request {
        function_call_identifier: "call-0001".into(),
        validity_period: Some(600),
        body,
    }
}

fn xmllint_validates(text: &str) -> Option<bool> {
    let schema = format!(
        "{}/tests/fixtures/ws/soap-envelope.xsd",
        env!("CARGO_MANIFEST_DIR")
    );
    let mut child = Command::new("xmllint")
        .args(["--noout", "--nonet", "--schema", &schema, "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    Some(child.wait().ok()?.success())
}

fn check<B: RequestBody + PartialEq + std::fmt::Debug>(file: &str, msg: Message<B>) {
    let to = match B::INTERFACE {
        Interface::Es1 => "https://smsr.example.com/gsma/ES1",
        Interface::Es2 => "https://smdp.example.com/gsma/ES2",
        Interface::Es3 => "https://smsr.example.com/gsma/ES3",
        Interface::Es4 => "https://smsr.example.com/gsma/ES4",
    };
    let header = match msg {
        Message::Request(_) => request_header(to),
        _ => response_header(),
    };
    let golden = fixture(file);
    let env = msg.envelope(header);
    let ours = envelope::build(&env);
    assert_eq!(ours, golden, "{file}: written bytes differ");
    let parsed = envelope::parse(&golden).expect(file);
    assert_eq!(parsed, env, "{file}");
    assert_eq!(
        Message::<B>::from_envelope(&parsed).expect(file),
        msg,
        "{file}"
    );
    if let Some(valid) = xmllint_validates(&ours) {
        assert!(
            valid,
            "{file}: xmllint rejects it against soap-envelope.xsd"
        );
    }
}

#[test]
fn es4_requests_match_golden_files() {
    let files = [
        "es4_enable_profile.xml",
        "es4_disable_profile.xml",
        "es4_delete_profile.xml",
        "es4_set_fallback_attribute.xml",
        "es4_update_policy_rules.xml",
        "es4_update_subscription_address.xml",
        "es4_get_eis.xml",
        "es4_audit_eis.xml",
    ];
    for (file, r) in files.into_iter().zip(es4_requests()) {
        check(file, Es4Message::Request(req(Es4Request(r))));
    }
}

#[test]
fn es4_responses_and_notifications_match_golden_files() {
    check(
        "es4_enable_profile_response_failed.xml",
        Es4Message::Response(Response {
            function: Function::EnableProfile,
            status: failed(),
            eis: None,
            iccid: None,
            euicc_response_data: None,
        }),
    );
    check(
        "es4_get_eis_response.xml",
        Es4Message::Response(Response {
            function: Function::GetEis,
            status: FunctionExecutionStatus::success(),
            eis: Some(Box::new(eis(false))),
            iccid: None,
            euicc_response_data: None,
        }),
    );
    let files = [
        "es4_profile_enabled_notification.xml",
        "es4_profile_disabled_notification.xml",
        "es4_profile_deleted_notification.xml",
    ];
    for (file, n) in files.into_iter().zip(notifications()) {
        check(file, Es4Message::Notification(n));
    }
}

#[test]
fn es3_messages_match_golden_files() {
    let reqs = es3_requests();
    let delete = reqs
        .iter()
        .find(|r| matches!(r, Es3Request::Profile(ProfileRequest::DeleteProfile { .. })))
        .cloned()
        .expect("delete");
    check("es3_delete_isdp.xml", Es3Message::Request(req(delete)));
    let files = [
        "es3_create_isdp.xml",
        "es3_send_data.xml",
        "es3_profile_download_completed.xml",
        "es3_update_connectivity_parameters.xml",
    ];
    for (file, r) in files.into_iter().zip(reqs.into_iter().skip(8)) {
        check(file, Es3Message::Request(req(r)));
    }
    check(
        "es3_create_isdp_response_failed.xml",
        Es3Message::Response(Response {
            function: Function::CreateIsdp,
            status: failed(),
            eis: None,
            iccid: None,
            euicc_response_data: None,
        }),
    );
    check(
        "es3_send_data_response.xml",
        Es3Message::Response(send_data_response()),
    );
}

#[test]
fn es2_messages_match_golden_files() {
    let reqs = es2_requests();
    let enable = reqs[0].clone();
    let download = reqs
        .iter()
        .find(|r| matches!(r, Es2Request::DownloadProfile { iccid: Some(_), .. }))
        .cloned()
        .expect("download");
    check("es2_enable_profile.xml", Es2Message::Request(req(enable)));
    check(
        "es2_download_profile.xml",
        Es2Message::Request(req(download)),
    );
    check(
        "es2_download_profile_response.xml",
        Es2Message::Response(download_profile_response()),
    );
    check(
        "es2_smsr_change_notification.xml",
        Es2Message::SmsrChange(smsr_change()),
    );
}

#[test]
fn es1_messages_match_golden_files() {
    check(
        "es1_register_eis.xml",
        Es1Message::Request(req(Es1Request::RegisterEis(Box::new(eis(true))))),
    );
    check(
        "es1_register_eis_response.xml",
        Es1Message::Response(Response {
            function: Function::RegisterEis,
            status: FunctionExecutionStatus::success(),
            eis: None,
            iccid: None,
            euicc_response_data: None,
        }),
    );
}

#[test]
fn fault_matches_golden_file() {
    let err = WsError::Missing("wsa:Action");
    let ours = envelope::build_fault(
        "urn:uuid:0c0ffee0-0000-4000-8000-000000000003",
        Some(MSG_ID),
        &err.fault(),
    );
    assert_eq!(ours, fixture("fault.xml"));
    if let Some(valid) = xmllint_validates(&ours) {
        assert!(valid, "fault.xml: xmllint rejects it");
    }
    // The schema check is real: a misplaced Header is rejected.
    let misplaced = ours.replacen("<env:Header>", "<env:Body/><env:Header>", 1);
    if let Some(valid) = xmllint_validates(&misplaced) {
        assert!(!valid, "xmllint accepted a Body before the Header");
    }
}
