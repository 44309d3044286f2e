//! Sample values shared by the `ws_*` tests (SGP.02 web-service binding).
#![allow(dead_code)]

use rsp_codec::ws::es1::{Es1Message, Es1Request};
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::es3::{Es3Message, Es3Request};
use rsp_codec::ws::es4::{Es4Message, Es4Request};
use rsp_codec::ws::message::{Notification, Request, Response, SmsrChangeNotification};
use rsp_codec::ws::*;
use zeroize::Zeroizing;

pub const EID: &str = "89049032123451234512345678901235";
pub const ICCID: &str = "8944500102198304826";
pub const ICCID2: &str = "89445001021983048260";
pub const MSG_ID: &str = "urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01";

pub fn fixture(name: &str) -> String {
    let path = format!("{}/tests/fixtures/ws/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The header of a request (asynchronous: ReplyTo set).
pub fn request_header(to: &str) -> WsHeader {
    WsHeader {
        to: Some(to.to_owned()),
        from: Some("http://mno.example.com/MNO1".into()),
        reply_to: Some("https://mno.example.com/gsma/callback".into()),
        message_id: MSG_ID.into(),
        action: String::new(),
        relates_to: None,
    }
}

/// The header of a response or notification.
pub fn response_header() -> WsHeader {
    WsHeader {
        to: Some("https://mno.example.com/gsma/callback".into()),
        from: Some("http://smsr.example.com/SMSR1".into()),
        reply_to: None,
        message_id: "urn:uuid:0c0ffee0-0000-4000-8000-000000000002".into(),
        action: String::new(),
        relates_to: Some(MSG_ID.into()),
    }
}

pub fn pol2() -> Pol2 {
    Pol2 {
        rules: vec![
            Pol2Rule {
                action: PolicyAction::Disable,
                qualification: Qualification::NotAllowed,
            },
            Pol2Rule {
                action: PolicyAction::Delete,
                qualification: Qualification::AutoDelete,
            },
        ],
    }
}

pub fn address() -> SubscriptionAddress {
    SubscriptionAddress {
        msisdn: Some("447700900123".into()),
        imsi: Some("234150999999999".into()),
    }
}

pub fn eis(with_keys: bool) -> Eis {
    Eis {
        eid: EID.into(),
        eum_id: "1.3.6.1.4.1.99999.10".into(),
        production_date: "2026-01-15T00:00:00Z".into(),
        platform_type: "JavaCard".into(),
        platform_version: "3.0.5".into(),
        ecasd: Some(Ecasd {
            aid: "A0000005591010FFFFFFFF8900000200".into(),
            certificate: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        }),
        remaining_memory: Some(300_000),
        available_memory_for_profiles: Some(250_000),
        smsr_id: Some("1.3.6.1.4.1.99999.20".into()),
        profiles: vec![
            ProfileInfo {
                iccid: ICCID.into(),
                isdp_aid: "A0000005591010FFFFFFFF8900001000".into(),
                mno_id: "1.3.6.1.4.1.99999.30".into(),
                fallback_attribute: true,
                subscription_address: Some(address()),
                state: ProfileState::Enabled,
                smdp_id: Some("1.3.6.1.4.1.99999.40".into()),
                profile_type: Some("M2M-Telemetry".into()),
                allocated_memory: Some(40_000),
                pol2: Some(pol2()),
            },
            ProfileInfo {
                iccid: ICCID2.into(),
                isdp_aid: "A0000005591010FFFFFFFF8900001100".into(),
                mno_id: "1.3.6.1.4.1.99999.31".into(),
                fallback_attribute: false,
                subscription_address: None,
                state: ProfileState::Disabled,
                smdp_id: None,
                profile_type: None,
                allocated_memory: None,
                pol2: None,
            },
        ],
        isd_r: with_keys.then(|| IsdR {
            aid: "A0000005591010FFFFFFFF8900000100".into(),
            scp80_keysets: vec![Scp80Keyset {
                version: 1,
                algorithm: Scp80Algorithm::Aes,
                kic: Zeroizing::new((0x10..0x20).collect()),
                kid: Zeroizing::new((0x20..0x30).collect()),
            }],
            scp81_psk: Some(Scp81Psk {
                identity: "8001028110".into(),
                key: Zeroizing::new((0x40..0x50).collect()),
            }),
        }),
    }
}

fn req<B>(body: B) -> Request<B> {
    Request {
        function_call_identifier: "call-0001".into(),
        validity_period: Some(600),
        body,
    }
}

pub fn es4_requests() -> Vec<ProfileRequest> {
    let (e, i) = (EID.to_owned(), ICCID.to_owned());
    vec![
        ProfileRequest::EnableProfile {
            eid: e.clone(),
            iccid: i.clone(),
        },
        ProfileRequest::DisableProfile {
            eid: e.clone(),
            iccid: i.clone(),
        },
        ProfileRequest::DeleteProfile {
            eid: e.clone(),
            iccid: i.clone(),
        },
        ProfileRequest::SetFallbackAttribute {
            eid: e.clone(),
            iccid: i.clone(),
        },
        ProfileRequest::UpdatePolicyRules {
            eid: e.clone(),
            iccid: i.clone(),
            pol2: pol2(),
        },
        ProfileRequest::UpdateSubscriptionAddress {
            eid: e.clone(),
            iccid: i.clone(),
            new_subscription_address: address(),
        },
        ProfileRequest::GetEis { eid: e.clone() },
        ProfileRequest::AuditEis {
            eid: e.clone(),
            iccids: vec![i, ICCID2.into()],
        },
    ]
}

pub fn notifications() -> Vec<Notification> {
    NotificationKind::ALL
        .into_iter()
        .map(|kind| Notification {
            kind,
            eid: EID.into(),
            iccid: ICCID.into(),
            completion_timestamp: "2026-12-06T05:00:00Z".into(),
        })
        .collect()
}

pub fn failed() -> FunctionExecutionStatus {
    FunctionExecutionStatus {
        status: ExecutionStatus::Failed,
        status_code_data: Some(StatusCodeData {
            subject_code: "8.2.1".into(),
            reason_code: "3.8".into(),
            subject_identifier: Some(ICCID.into()),
            message: Some("Profile & POL2 <refused>".into()),
        }),
    }
}

pub fn es4_messages() -> Vec<Es4Message> {
    let mut v: Vec<Es4Message> = es4_requests()
        .into_iter()
        .map(|r| Es4Message::Request(req(Es4Request(r))))
        .collect();
    for f in Function::of(Interface::Es4) {
        v.push(Es4Message::Response(Response {
            function: *f,
            status: FunctionExecutionStatus::success(),
            eis: None,
            iccid: None,
            euicc_response_data: None,
        }));
    }
    v.push(Es4Message::Response(Response {
        function: Function::EnableProfile,
        status: failed(),
        eis: None,
        iccid: None,
        euicc_response_data: None,
    }));
    v.push(Es4Message::Response(Response {
        function: Function::GetEis,
        status: FunctionExecutionStatus::success(),
        eis: Some(Box::new(eis(false))),
        iccid: None,
        euicc_response_data: None,
    }));
    v.extend(notifications().into_iter().map(Es4Message::Notification));
    v
}

pub fn es3_requests() -> Vec<Es3Request> {
    let mut v: Vec<Es3Request> = es4_requests()
        .into_iter()
        .map(Es3Request::Profile)
        .collect();
    v.push(Es3Request::CreateIsdp {
        eid: EID.into(),
        iccid: ICCID.into(),
        mno_id: "1.3.6.1.4.1.99999.30".into(),
        required_memory: 40_000,
        more_to_do: Some(true),
    });
    v.push(Es3Request::SendData {
        eid: EID.into(),
        sd_aid: "A0000005591010FFFFFFFF8900001000".into(),
        data: vec![0x80, 0xE2, 0x91, 0x00, 0x03, 0x01, 0x02, 0x03],
        more_to_do: Some(false),
    });
    v.push(Es3Request::ProfileDownloadCompleted {
        eid: EID.into(),
        iccid: ICCID.into(),
        profile_type: Some("M2M-Telemetry".into()),
        subscription_address: Some(address()),
        pol2: Some(pol2()),
    });
    v.push(Es3Request::UpdateConnectivityParameters {
        eid: EID.into(),
        iccid: ICCID.into(),
        connectivity_parameters: vec![0xA0, 0x02, 0x81, 0x00],
    });
    v
}

pub fn es3_messages() -> Vec<Es3Message> {
    let mut v: Vec<Es3Message> = es3_requests()
        .into_iter()
        .map(|r| Es3Message::Request(req(r)))
        .collect();
    for f in Function::of(Interface::Es3) {
        v.push(Es3Message::Response(Response {
            function: *f,
            status: failed(),
            eis: None,
            iccid: None,
            euicc_response_data: None,
        }));
    }
    v.push(Es3Message::Response(send_data_response()));
    v.extend(notifications().into_iter().map(Es3Message::Notification));
    v.push(Es3Message::SmsrChange(smsr_change()));
    v
}

/// A SendData response carrying the eUICC's response script (TS 102 226 expanded: one
/// R-APDU `9000`).
pub fn send_data_response() -> Response {
    Response {
        euicc_response_data: Some(vec![0xAB, 0x07, 0x80, 0x01, 0x01, 0x23, 0x02, 0x90, 0x00]),
        ..Response::new(Function::SendData, FunctionExecutionStatus::success())
    }
}

pub fn es1_messages() -> Vec<Es1Message> {
    vec![
        Es1Message::Request(req(Es1Request::RegisterEis(Box::new(eis(true))))),
        Es1Message::Response(Response {
            function: Function::RegisterEis,
            status: FunctionExecutionStatus::success(),
            eis: None,
            iccid: None,
            euicc_response_data: None,
        }),
    ]
}

pub const SMSR_ID: &str = "1.3.6.1.4.1.99999.20";

/// The ES2 requests: ES4's profile requests but SetFallbackAttribute, with the SM-SR, and
/// DownloadProfile with and without an ICCID.
pub fn es2_requests() -> Vec<Es2Request> {
    let mut v: Vec<Es2Request> = es4_requests()
        .into_iter()
        .filter(|r| !matches!(r, ProfileRequest::SetFallbackAttribute { .. }))
        .map(|request| Es2Request::Profile {
            smsr_id: SMSR_ID.into(),
            request,
        })
        .collect();
    v.push(Es2Request::DownloadProfile {
        eid: EID.into(),
        smsr_id: SMSR_ID.into(),
        profile_type: "M2M-Telemetry".into(),
        iccid: Some(ICCID.into()),
        enable_profile: true,
    });
    v.push(Es2Request::DownloadProfile {
        eid: EID.into(),
        smsr_id: SMSR_ID.into(),
        profile_type: "M2M-Telemetry".into(),
        iccid: None,
        enable_profile: false,
    });
    v
}

/// A DownloadProfile response: the ICCID downloaded and the eUICC's response data.
pub fn download_profile_response() -> Response {
    Response {
        iccid: Some(ICCID2.into()),
        euicc_response_data: Some(vec![0xAB, 0x07, 0x80, 0x01, 0x01, 0x23, 0x02, 0x90, 0x00]),
        ..Response::new(
            Function::DownloadProfile,
            FunctionExecutionStatus::success(),
        )
    }
}

pub fn smsr_change() -> SmsrChangeNotification {
    SmsrChangeNotification {
        eis: Box::new(eis(false)),
        completion_timestamp: "2026-12-06T05:00:00Z".into(),
    }
}

pub fn es2_messages() -> Vec<Es2Message> {
    let mut v: Vec<Es2Message> = es2_requests()
        .into_iter()
        .map(|r| Es2Message::Request(req(r)))
        .collect();
    for f in Function::of(Interface::Es2) {
        v.push(Es2Message::Response(Response::new(*f, failed())));
    }
    v.push(Es2Message::Response(download_profile_response()));
    v.push(Es2Message::Response(Response {
        eis: Some(Box::new(eis(false))),
        ..Response::new(Function::GetEis, FunctionExecutionStatus::success())
    }));
    v.extend(notifications().into_iter().map(Es2Message::Notification));
    v.push(Es2Message::SmsrChange(smsr_change()));
    v
}
