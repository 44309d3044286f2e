//! Tests of the ES7 codec: round trips, goldens (element by element), refusals.

use super::*;
use crate::ws::eis::{Ecasd, ProfileInfo, ProfileState};
use crate::ws::envelope;
use crate::ws::{StatusCodeData, SubscriptionAddress};

const EID_: &str = "89049032123451234512345678901235";
const MSG_ID: &str = "urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01";
/// A CERT.SR.ECDSA-shaped GlobalPlatform certificate (`7F21` { `93` serial, `42` CA,
/// … }), truncated: the codec checks the tag only.
const CERT: [u8; 12] = [
    0x7F, 0x21, 0x09, 0x93, 0x01, 0x01, 0x42, 0x04, 0x45, 0x47, 0x4D, 0x41,
];

fn request_header() -> WsHeader {
    WsHeader {
        to: Some("https://smsr1.example.com/gsma/ES7".into()),
        from: Some("http://smsr2.example.com/SMSR2".into()),
        reply_to: Some("https://smsr2.example.com/gsma/ES7".into()),
        message_id: MSG_ID.into(),
        ..WsHeader::default()
    }
}

fn response_header() -> WsHeader {
    WsHeader {
        to: Some("https://smsr2.example.com/gsma/ES7".into()),
        from: Some("http://smsr1.example.com/SMSR1".into()),
        message_id: "urn:uuid:0c0ffee0-0000-4000-8000-000000000002".into(),
        relates_to: Some(MSG_ID.into()),
        ..WsHeader::default()
    }
}

fn eis() -> Eis {
    Eis {
        eid: EID_.into(),
        eum_id: "1.3.6.1.4.1.99999.10".into(),
        production_date: "2026-01-15T00:00:00Z".into(),
        platform_type: "JavaCard".into(),
        platform_version: "3.0.5".into(),
        ecasd: Some(Ecasd {
            aid: "A0000005591010FFFFFFFF8900000200".into(),
            certificate: vec![0x30, 0x03, 0x02, 0x01, 0x01],
        }),
        remaining_memory: Some(300_000),
        available_memory_for_profiles: None,
        smsr_id: Some("1.3.6.1.4.1.99999.20".into()),
        profiles: vec![ProfileInfo {
            iccid: "8944500102198304826".into(),
            isdp_aid: "A0000005591010FFFFFFFF8900001000".into(),
            mno_id: "1.3.6.1.4.1.99999.30".into(),
            fallback_attribute: true,
            subscription_address: Some(SubscriptionAddress {
                msisdn: Some("447700900123".into()),
                imsi: None,
            }),
            state: ProfileState::Enabled,
            smdp_id: None,
            profile_type: None,
            allocated_memory: None,
            pol2: None,
        }],
        isd_r: None,
    }
}

fn req(body: Es7Request) -> Es7Message {
    Es7Message::Request(Request {
        function_call_identifier: "call-0001".into(),
        validity_period: Some(600),
        body,
    })
}

fn authenticate() -> Es7Request {
    Es7Request::AuthenticateSmsr {
        eid: EID_.into(),
        smsr_certificate: CERT.to_vec(),
    }
}

fn key_set() -> Es7Request {
    Es7Request::CreateAdditionalKeySet {
        eid: EID_.into(),
        key_version_number: 0x0A,
        initial_sequence_counter: 1,
        ecc_key_length: EccKeyLength::Ecc256,
        scenario_parameter: 0x09,
        host_id: b"SMSR2".to_vec(),
        ephemeral_public_key: [&[0x04][..], &[0x11; 64]].concat(),
        signature: vec![0x5A; 64],
    }
}

fn authenticate_response() -> Es7Response {
    Es7Response {
        random_challenge: Some((0x20..0x30).collect()),
        ..Es7Response::new(
            Function::AuthenticateSmsr,
            FunctionExecutionStatus::success(),
        )
    }
}

fn key_set_response() -> Es7Response {
    Es7Response {
        derivation_random: Some((0x40..0x50).collect()),
        receipt: Some((0x60..0x70).collect()),
        ..Es7Response::new(
            Function::CreateAdditionalKeySet,
            FunctionExecutionStatus::success(),
        )
    }
}

fn failed() -> FunctionExecutionStatus {
    FunctionExecutionStatus {
        status: ExecutionStatus::Failed,
        status_code_data: Some(StatusCodeData {
            subject_code: "8.5.3".into(),
            reason_code: "6.3".into(),
            subject_identifier: None,
            message: Some("invalid certificate".into()),
        }),
    }
}

fn notification() -> SmsrChangeNotification {
    SmsrChangeNotification {
        eis: Box::new(eis()),
        completion_timestamp: "2026-12-06T05:00:00Z".into(),
    }
}

fn messages() -> Vec<Es7Message> {
    let mut v = vec![
        req(Es7Request::HandoverEuicc(Box::new(eis()))),
        req(authenticate()),
        req(key_set()),
        Es7Message::Response(Es7Response::new(
            Function::HandoverEuicc,
            FunctionExecutionStatus::success(),
        )),
        Es7Message::Response(authenticate_response()),
        Es7Message::Response(key_set_response()),
        Es7Message::Response(Es7Response {
            derivation_random: None,
            ..key_set_response()
        }),
        Es7Message::SmsrChange(notification()),
    ];
    v.extend(
        Function::ES7
            .into_iter()
            .map(|f| Es7Message::Response(Es7Response::new(f, failed()))),
    );
    v
}

fn build(msg: &Es7Message) -> String {
    let header = match msg {
        Es7Message::Request(_) => request_header(),
        _ => response_header(),
    };
    envelope::build(&msg.envelope(header))
}

const HANDOVER_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr1.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr2.example.com/SMSR2</wsa:Address>
    </wsa:From>
    <wsa:ReplyTo>
      <wsa:Address>https://smsr2.example.com/gsma/ES7</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-HandoverEUICC</wsa:Action>
  </env:Header>
  <env:Body>
    <rps:HandoverEUICC>
      <rps:FunctionCallIdentifier>call-0001</rps:FunctionCallIdentifier>
      <rps:ValidityPeriod>600</rps:ValidityPeriod>
      <rps:Eis>
        <rps:EumSignedInfo>
          <rps:Eid>89049032123451234512345678901235</rps:Eid>
          <rps:Eum-Id>1.3.6.1.4.1.99999.10</rps:Eum-Id>
          <rps:ProductionDate>2026-01-15T00:00:00Z</rps:ProductionDate>
          <rps:PlatformType>JavaCard</rps:PlatformType>
          <rps:PlatformVersion>3.0.5</rps:PlatformVersion>
          <rps:Ecasd>
            <rps:Aid>A0000005591010FFFFFFFF8900000200</rps:Aid>
            <rps:Certificate>MAMCAQE=</rps:Certificate>
          </rps:Ecasd>
        </rps:EumSignedInfo>
        <rps:RemainingMemory>300000</rps:RemainingMemory>
        <rps:Smsr-id>1.3.6.1.4.1.99999.20</rps:Smsr-id>
        <rps:ProfileInfo>
          <rps:Iccid>8944500102198304826</rps:Iccid>
          <rps:Isd-p-aid>A0000005591010FFFFFFFF8900001000</rps:Isd-p-aid>
          <rps:Mno-id>1.3.6.1.4.1.99999.30</rps:Mno-id>
          <rps:FallbackAttribute>true</rps:FallbackAttribute>
          <rps:SubscriptionAddress>
            <rps:Msisdn>447700900123</rps:Msisdn>
          </rps:SubscriptionAddress>
          <rps:State>Enabled</rps:State>
        </rps:ProfileInfo>
      </rps:Eis>
    </rps:HandoverEUICC>
  </env:Body>
</env:Envelope>
"#;

const AUTHENTICATE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr1.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr2.example.com/SMSR2</wsa:Address>
    </wsa:From>
    <wsa:ReplyTo>
      <wsa:Address>https://smsr2.example.com/gsma/ES7</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-AuthenticateSMSR</wsa:Action>
  </env:Header>
  <env:Body>
    <rps:AuthenticateSMSR>
      <rps:FunctionCallIdentifier>call-0001</rps:FunctionCallIdentifier>
      <rps:ValidityPeriod>600</rps:ValidityPeriod>
      <rps:Eid>89049032123451234512345678901235</rps:Eid>
      <rps:SmsrCertificate>7F2109930101420445474D41</rps:SmsrCertificate>
    </rps:AuthenticateSMSR>
  </env:Body>
</env:Envelope>
"#;

const KEY_SET_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr1.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr2.example.com/SMSR2</wsa:Address>
    </wsa:From>
    <wsa:ReplyTo>
      <wsa:Address>https://smsr2.example.com/gsma/ES7</wsa:Address>
    </wsa:ReplyTo>
    <wsa:MessageID>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-CreateAdditionalKeySet</wsa:Action>
  </env:Header>
  <env:Body>
    <rps:CreateAdditionalKeySet>
      <rps:FunctionCallIdentifier>call-0001</rps:FunctionCallIdentifier>
      <rps:ValidityPeriod>600</rps:ValidityPeriod>
      <rps:Eid>89049032123451234512345678901235</rps:Eid>
      <rps:KeyVersionNumber>10</rps:KeyVersionNumber>
      <rps:InitialSequenceCounter>1</rps:InitialSequenceCounter>
      <rps:ECCKeyLength>ECC-256</rps:ECCKeyLength>
      <rps:ScenarioParameter>9</rps:ScenarioParameter>
      <rps:HostID>534D535232</rps:HostID>
      <rps:EphemeralPublicKey>0411111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111111</rps:EphemeralPublicKey>
      <rps:Signature>5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A5A</rps:Signature>
    </rps:CreateAdditionalKeySet>
  </env:Body>
</env:Envelope>
"#;

const AUTHENTICATE_RESPONSE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr2.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr1.example.com/SMSR1</wsa:Address>
    </wsa:From>
    <wsa:MessageID>urn:uuid:0c0ffee0-0000-4000-8000-000000000002</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-AuthenticateSMSRResponse</wsa:Action>
    <wsa:RelatesTo>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:RelatesTo>
  </env:Header>
  <env:Body>
    <rps:AuthenticateSMSRResponse>
      <rps:FunctionExecutionStatus>
        <rps:Status>Executed-Success</rps:Status>
      </rps:FunctionExecutionStatus>
      <rps:RandomChallenge>202122232425262728292A2B2C2D2E2F</rps:RandomChallenge>
    </rps:AuthenticateSMSRResponse>
  </env:Body>
</env:Envelope>
"#;

const KEY_SET_RESPONSE_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr2.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr1.example.com/SMSR1</wsa:Address>
    </wsa:From>
    <wsa:MessageID>urn:uuid:0c0ffee0-0000-4000-8000-000000000002</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagement/ES7-CreateAdditionalKeySetResponse</wsa:Action>
    <wsa:RelatesTo>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:RelatesTo>
  </env:Header>
  <env:Body>
    <rps:CreateAdditionalKeySetResponse>
      <rps:FunctionExecutionStatus>
        <rps:Status>Executed-Success</rps:Status>
      </rps:FunctionExecutionStatus>
      <rps:DerivationRandom>404142434445464748494A4B4C4D4E4F</rps:DerivationRandom>
      <rps:Receipt>606162636465666768696A6B6C6D6E6F</rps:Receipt>
    </rps:CreateAdditionalKeySetResponse>
  </env:Body>
</env:Envelope>
"#;

const NOTIFICATION_GOLDEN: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<env:Envelope xmlns:env="http://www.w3.org/2003/05/soap-envelope" xmlns:wsa="http://www.w3.org/2005/08/addressing" xmlns:rps="http://namespaces.gsma.org/esim-messaging/1">
  <env:Header>
    <wsa:To>https://smsr2.example.com/gsma/ES7</wsa:To>
    <wsa:From>
      <wsa:Address>http://smsr1.example.com/SMSR1</wsa:Address>
    </wsa:From>
    <wsa:MessageID>urn:uuid:0c0ffee0-0000-4000-8000-000000000002</wsa:MessageID>
    <wsa:Action>http://gsma.com/ES7/eUICCManagementCallBack/ES7-HandleSMSRChangeNotification</wsa:Action>
    <wsa:RelatesTo>urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01</wsa:RelatesTo>
  </env:Header>
  <env:Body>
    <rps:HandleSMSRChangeNotification>
      <rps:Eis>
        <rps:EumSignedInfo>
          <rps:Eid>89049032123451234512345678901235</rps:Eid>
          <rps:Eum-Id>1.3.6.1.4.1.99999.10</rps:Eum-Id>
          <rps:ProductionDate>2026-01-15T00:00:00Z</rps:ProductionDate>
          <rps:PlatformType>JavaCard</rps:PlatformType>
          <rps:PlatformVersion>3.0.5</rps:PlatformVersion>
          <rps:Ecasd>
            <rps:Aid>A0000005591010FFFFFFFF8900000200</rps:Aid>
            <rps:Certificate>MAMCAQE=</rps:Certificate>
          </rps:Ecasd>
        </rps:EumSignedInfo>
        <rps:RemainingMemory>300000</rps:RemainingMemory>
        <rps:Smsr-id>1.3.6.1.4.1.99999.20</rps:Smsr-id>
        <rps:ProfileInfo>
          <rps:Iccid>8944500102198304826</rps:Iccid>
          <rps:Isd-p-aid>A0000005591010FFFFFFFF8900001000</rps:Isd-p-aid>
          <rps:Mno-id>1.3.6.1.4.1.99999.30</rps:Mno-id>
          <rps:FallbackAttribute>true</rps:FallbackAttribute>
          <rps:SubscriptionAddress>
            <rps:Msisdn>447700900123</rps:Msisdn>
          </rps:SubscriptionAddress>
          <rps:State>Enabled</rps:State>
        </rps:ProfileInfo>
      </rps:Eis>
      <rps:CompletionTimestamp>2026-12-06T05:00:00Z</rps:CompletionTimestamp>
    </rps:HandleSMSRChangeNotification>
  </env:Body>
</env:Envelope>
"#;

/// Every leaf under `el` as (path, text), in document order, the GSMA namespace
/// checked on the way.
fn leaves(el: &Element) -> Vec<(String, String)> {
    fn walk(el: &Element, path: &str, out: &mut Vec<(String, String)>) {
        for c in &el.children {
            assert_eq!(c.ns, NS_GSMA, "{}", c.name);
            let p = if path.is_empty() {
                c.name.clone()
            } else {
                format!("{path}/{}", c.name)
            };
            if c.children.is_empty() {
                out.push((p, c.trimmed().to_owned()));
            } else {
                walk(c, &p, out);
            }
        }
    }
    let mut out = Vec::new();
    walk(el, "", &mut out);
    out
}

fn check_golden(golden: &str, msg: &Es7Message, body: &str, want: &[(&str, &str)]) {
    assert_eq!(build(msg), golden, "written bytes differ");
    let env = envelope::parse(golden).expect("golden");
    assert_eq!(env.header.action, msg.action());
    assert!(env.body.is(NS_GSMA, body), "{}", env.body.name);
    let want: Vec<_> = want
        .iter()
        .map(|(n, t)| ((*n).to_owned(), (*t).to_owned()))
        .collect();
    assert_eq!(leaves(&env.body), want);
    assert_eq!(&Es7Message::from_envelope(&env).expect("read"), msg);
}

const EIS_LEAVES: [(&str, &str); 14] = [
    ("Eis/EumSignedInfo/Eid", EID_),
    ("Eis/EumSignedInfo/Eum-Id", "1.3.6.1.4.1.99999.10"),
    ("Eis/EumSignedInfo/ProductionDate", "2026-01-15T00:00:00Z"),
    ("Eis/EumSignedInfo/PlatformType", "JavaCard"),
    ("Eis/EumSignedInfo/PlatformVersion", "3.0.5"),
    (
        "Eis/EumSignedInfo/Ecasd/Aid",
        "A0000005591010FFFFFFFF8900000200",
    ),
    ("Eis/EumSignedInfo/Ecasd/Certificate", "MAMCAQE="),
    ("Eis/RemainingMemory", "300000"),
    ("Eis/Smsr-id", "1.3.6.1.4.1.99999.20"),
    ("Eis/ProfileInfo/Iccid", "8944500102198304826"),
    (
        "Eis/ProfileInfo/Isd-p-aid",
        "A0000005591010FFFFFFFF8900001000",
    ),
    ("Eis/ProfileInfo/Mno-id", "1.3.6.1.4.1.99999.30"),
    ("Eis/ProfileInfo/FallbackAttribute", "true"),
    ("Eis/ProfileInfo/SubscriptionAddress/Msisdn", "447700900123"),
];

#[test]
fn handover_euicc_matches_golden() {
    let mut want = vec![
        ("FunctionCallIdentifier", "call-0001"),
        ("ValidityPeriod", "600"),
    ];
    want.extend(EIS_LEAVES);
    want.push(("Eis/ProfileInfo/State", "Enabled"));
    check_golden(
        HANDOVER_GOLDEN,
        &req(Es7Request::HandoverEuicc(Box::new(eis()))),
        "HandoverEUICC",
        &want,
    );
    let mut want = EIS_LEAVES.to_vec();
    want.push(("Eis/ProfileInfo/State", "Enabled"));
    want.push(("CompletionTimestamp", "2026-12-06T05:00:00Z"));
    check_golden(
        NOTIFICATION_GOLDEN,
        &Es7Message::SmsrChange(notification()),
        "HandleSMSRChangeNotification",
        &want,
    );
}

#[test]
fn authenticate_smsr_matches_golden() {
    check_golden(
        AUTHENTICATE_GOLDEN,
        &req(authenticate()),
        "AuthenticateSMSR",
        &[
            ("FunctionCallIdentifier", "call-0001"),
            ("ValidityPeriod", "600"),
            ("Eid", EID_),
            ("SmsrCertificate", "7F2109930101420445474D41"),
        ],
    );
    check_golden(
        AUTHENTICATE_RESPONSE_GOLDEN,
        &Es7Message::Response(authenticate_response()),
        "AuthenticateSMSRResponse",
        &[
            ("FunctionExecutionStatus/Status", "Executed-Success"),
            ("RandomChallenge", "202122232425262728292A2B2C2D2E2F"),
        ],
    );
}

#[test]
fn create_additional_key_set_matches_golden() {
    let epk = format!("04{}", "11".repeat(64));
    let signature = "5A".repeat(64);
    check_golden(
        KEY_SET_GOLDEN,
        &req(key_set()),
        "CreateAdditionalKeySet",
        &[
            ("FunctionCallIdentifier", "call-0001"),
            ("ValidityPeriod", "600"),
            ("Eid", EID_),
            ("KeyVersionNumber", "10"),
            ("InitialSequenceCounter", "1"),
            ("ECCKeyLength", "ECC-256"),
            ("ScenarioParameter", "9"),
            ("HostID", "534D535232"),
            ("EphemeralPublicKey", &epk),
            ("Signature", &signature),
        ],
    );
    check_golden(
        KEY_SET_RESPONSE_GOLDEN,
        &Es7Message::Response(key_set_response()),
        "CreateAdditionalKeySetResponse",
        &[
            ("FunctionExecutionStatus/Status", "Executed-Success"),
            ("DerivationRandom", "404142434445464748494A4B4C4D4E4F"),
            ("Receipt", "606162636465666768696A6B6C6D6E6F"),
        ],
    );
}

#[test]
fn messages_round_trip() {
    let mut actions = std::collections::HashSet::new();
    for (n, msg) in messages().iter().enumerate() {
        let header = match msg {
            Es7Message::Request(_) => request_header(),
            _ => response_header(),
        };
        let env = msg.envelope(header);
        assert_eq!(env.header.action, msg.action());
        let text = envelope::build(&env);
        let parsed = envelope::parse(&text).expect("parse");
        assert_eq!(parsed, env, "envelope {n}");
        let back = Es7Message::from_envelope(&parsed).expect("message");
        assert_eq!(&back, msg, "message {n}:\n{text}");
        assert_eq!(envelope::build(&back.envelope(parsed.header.clone())), text);
        actions.insert(msg.action());
    }
    // Three requests, three responses and the notification.
    assert_eq!(actions.len(), 7);
}

/// `golden` with `from` replaced by `to`, read.
fn read(golden: &str, from: &str, to: &str) -> Result<Es7Message, WsError> {
    let text = golden.replace(from, to);
    assert_ne!(text, golden, "{from} not in the golden text");
    Es7Message::from_envelope(&envelope::parse(&text).expect("parse"))
}

#[test]
fn refusals() {
    let eid_line = format!("      <rps:Eid>{EID_}</rps:Eid>\n");
    for golden in [AUTHENTICATE_GOLDEN, KEY_SET_GOLDEN] {
        assert_eq!(read(golden, &eid_line, ""), Err(WsError::Missing("Eid")));
        assert!(matches!(
            read(golden, EID_, "8904903212345123451234567890123"),
            Err(WsError::Invalid("Eid", _))
        ));
    }
    assert!(matches!(
        read(HANDOVER_GOLDEN, EID_, "8904903212345123451234567890123X"),
        Err(WsError::Invalid("Eid", _))
    ));
    let eis_start = HANDOVER_GOLDEN.find("      <rps:Eis>").expect("Eis");
    let eis_end = HANDOVER_GOLDEN.find("</rps:Eis>\n").expect("/Eis") + 11;
    assert_eq!(
        read(HANDOVER_GOLDEN, &HANDOVER_GOLDEN[eis_start..eis_end], ""),
        Err(WsError::Missing("Eis"))
    );
    // Bad hex, and hex that is no GlobalPlatform certificate.
    assert!(matches!(
        read(AUTHENTICATE_GOLDEN, "7F2109930101", "7F2109930G01"),
        Err(WsError::Invalid("SmsrCertificate", _))
    ));
    assert!(matches!(
        read(AUTHENTICATE_GOLDEN, ">7F21", ">7F4E"),
        Err(WsError::Invalid("SmsrCertificate", _))
    ));
    assert!(matches!(
        read(KEY_SET_GOLDEN, ">0411", ">0X11"),
        Err(WsError::Invalid("EphemeralPublicKey", _))
    ));
    assert!(matches!(
        read(KEY_SET_GOLDEN, ">5A5A", ">5A5"),
        Err(WsError::Invalid("Signature", _))
    ));
    assert!(matches!(
        read(KEY_SET_GOLDEN, ">534D535232<", "><"),
        Err(WsError::Invalid("HostID", _))
    ));
    assert!(matches!(
        read(KEY_SET_RESPONSE_GOLDEN, ">6061", ">Z061"),
        Err(WsError::Invalid("Receipt", _))
    ));
    assert!(matches!(
        read(AUTHENTICATE_RESPONSE_GOLDEN, ">2021", ">2O21"),
        Err(WsError::Invalid("RandomChallenge", _))
    ));
    // Out of range and unknown values.
    assert!(matches!(
        read(
            KEY_SET_GOLDEN,
            ">10</rps:KeyVersionNumber>",
            ">256</rps:KeyVersionNumber>"
        ),
        Err(WsError::Invalid("KeyVersionNumber", _))
    ));
    assert!(matches!(
        read(KEY_SET_GOLDEN, "ECC-256", "ECC-255"),
        Err(WsError::Invalid("ECCKeyLength", _))
    ));
    // A successful response without its output.
    let rc = "      <rps:RandomChallenge>202122232425262728292A2B2C2D2E2F</rps:RandomChallenge>\n";
    assert_eq!(
        read(AUTHENTICATE_RESPONSE_GOLDEN, rc, ""),
        Err(WsError::Missing("RandomChallenge"))
    );
    let receipt = "      <rps:Receipt>606162636465666768696A6B6C6D6E6F</rps:Receipt>\n";
    assert_eq!(
        read(KEY_SET_RESPONSE_GOLDEN, receipt, ""),
        Err(WsError::Missing("Receipt"))
    );
    // The action must match, and ES4's bodies are no ES7 messages.
    assert!(matches!(
        read(
            AUTHENTICATE_GOLDEN,
            "ES7-AuthenticateSMSR<",
            "ES7-CreateAdditionalKeySet<"
        ),
        Err(WsError::ActionMismatch(_))
    ));
    assert!(matches!(
        read(
            AUTHENTICATE_GOLDEN,
            "rps:AuthenticateSMSR>",
            "rps:EnableProfile>"
        ),
        Err(WsError::UnknownMessage(_))
    ));
}

#[test]
fn schema_spelling_of_host_id_is_accepted() {
    let text = KEY_SET_GOLDEN.replace("HostID>", "HostId>");
    let env = envelope::parse(&text).expect("parse");
    assert_eq!(
        Es7Message::from_envelope(&env).expect("read"),
        req(key_set())
    );
}

#[test]
fn isd_r_relay_of_the_key_establishment() {
    let r = Es7Response::from_isd_r_answer(
        Function::AuthenticateSmsr,
        &[&[0x85, 0x10][..], &[7; 16]].concat(),
    )
    .expect("challenge");
    assert_eq!(r.random_challenge, Some(vec![7; 16]));
    let data = KeySetReceipt {
        derivation_random: Some(vec![1; 16]),
        receipt: vec![2; 16],
    }
    .encode()
    .expect("receipt");
    let r =
        Es7Response::from_isd_r_answer(Function::CreateAdditionalKeySet, &data).expect("receipt");
    assert_eq!(r.derivation_random, Some(vec![1; 16]));
    assert_eq!(r.receipt, Some(vec![2; 16]));
    assert!(Es7Response::from_isd_r_answer(Function::HandoverEuicc, &data).is_err());
    assert!(Es7Response::from_isd_r_answer(Function::AuthenticateSmsr, &data).is_err());

    let ephemeral = EcPublicKey {
        q: [&[0x04][..], &[0x22; 64]].concat(),
        parameter_reference: sc::KEY_PARAMETER_P256,
    };
    let req = Es7Request::CreateAdditionalKeySet {
        eid: "89049032000000000000000000000163".into(),
        key_version_number: 3,
        initial_sequence_counter: 1,
        ecc_key_length: EccKeyLength::Ecc256,
        scenario_parameter: sc::SCENARIO_PARAM_CERTIFICATE
            | sc::SCENARIO_PARAM_DR
            | sc::SCENARIO_PARAM_HOST_ID,
        host_id: b"SMSR2".to_vec(),
        ephemeral_public_key: ephemeral.to_tlv().expect("7F49"),
        signature: vec![0x44; 64],
    };
    let apdu = req.isd_r_apdu().expect("relay").expect("an APDU");
    assert_eq!(&apdu[..4], &[0x80, 0xE2, 0x89, 0x01]);
    let crt = KeyAgreementCrt::isd_r(
        3,
        1,
        sc::SCENARIO_PARAM_CERTIFICATE | sc::SCENARIO_PARAM_DR | sc::SCENARIO_PARAM_HOST_ID,
        Some(b"SMSR2".to_vec()),
    )
    .expect("crt");
    let want = KeySetKeyAgreement {
        crt,
        ephemeral_key: ephemeral,
        signature: vec![0x44; 64],
    };
    assert_eq!(apdu, want.to_apdu().expect("apdu"));
    let not_a_cert = Es7Request::AuthenticateSmsr {
        eid: "89049032000000000000000000000163".into(),
        smsr_certificate: vec![0x7F, 0x21, 0x00],
    };
    assert!(not_a_cert.isd_r_apdu().is_err());
}
