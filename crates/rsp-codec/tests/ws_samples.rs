//! Hand-written envelopes in other spellings than ours (other prefixes, default
//! namespaces, comments, CDATA, character references, odd whitespace) parse to the same
//! messages; malformed, hostile and wrong ones are refused with a Sender fault.

mod ws_common;

use rsp_codec::ws::ProfileRequest;
use rsp_codec::ws::es4::{Es4Message, Es4Request};
use rsp_codec::ws::{FaultCode, WsError, envelope, xml};
use ws_common::*;

const ENABLE_OTHER_PREFIXES: &str = r#"<?xml version='1.0' encoding='UTF-8'?>
<!-- written by another SOAP stack -->
<s:Envelope xmlns:s="http://www.w3.org/2003/05/soap-envelope"
            xmlns:a="http://www.w3.org/2005/08/addressing">
  <s:Header>
    <a:Action s:mustUnderstand="true">http://gsma.com/ES4/ProfileManagent/ES4-EnableProfile</a:Action>
    <a:MessageID>
        urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01
    </a:MessageID>
    <a:ReplyTo><a:Address>https://mno.example.com/gsma/callback</a:Address></a:ReplyTo>
    <a:From><!-- us --><a:Address>http://mno.example.com/MNO1</a:Address></a:From>
    <a:To>https://smsr.example.com/gsma</a:To>
  </s:Header>
  <s:Body>
    <EnableProfile xmlns="http://namespaces.gsma.org/esim-messaging/1">
      <FunctionCallIdentifier><![CDATA[call-0001]]></FunctionCallIdentifier>
      <ValidityPeriod>600</ValidityPeriod>
      <Eid>&#56;9049032123451234512345678901235</Eid>
      <Iccid>8944500102198304826</Iccid>
    </EnableProfile>
  </s:Body>
</s:Envelope>"#;

#[test]
fn other_prefixes_default_namespace_comments_cdata_charrefs() {
    let env = envelope::parse(ENABLE_OTHER_PREFIXES).expect("parse");
    let mut expected = request_header("https://smsr.example.com/gsma");
    expected.action = "http://gsma.com/ES4/ProfileManagent/ES4-EnableProfile".into();
    assert_eq!(env.header, expected);
    let msg = Es4Message::from_envelope(&env).expect("message");
    let Es4Message::Request(req) = msg else {
        panic!("not a request")
    };
    assert_eq!(req.function_call_identifier, "call-0001");
    assert_eq!(req.validity_period, Some(600));
    assert_eq!(
        req.body,
        Es4Request(ProfileRequest::EnableProfile {
            eid: EID.into(),
            iccid: ICCID.into()
        })
    );
}

#[test]
fn response_with_status_codes_and_entities() {
    let text = r#"<soap12:Envelope xmlns:soap12="http://www.w3.org/2003/05/soap-envelope"><soap12:Header><w:MessageID xmlns:w="http://www.w3.org/2005/08/addressing">m2</w:MessageID><w:Action xmlns:w="http://www.w3.org/2005/08/addressing">http://gsma.com/ES4/ProfileManagent/ES4-DisableProfileResponse</w:Action><w:RelatesTo xmlns:w="http://www.w3.org/2005/08/addressing">m1</w:RelatesTo></soap12:Header><soap12:Body><g:DisableProfileResponse xmlns:g="http://namespaces.gsma.org/esim-messaging/1"><g:FunctionExecutionStatus><g:Status>Failed</g:Status><g:StatusCodeData><g:SubjectCode>8.2.1</g:SubjectCode><g:ReasonCode>3.8</g:ReasonCode><g:Message>POL2 &lt;disable&gt; &amp; not allowed</g:Message></g:StatusCodeData></g:FunctionExecutionStatus></g:DisableProfileResponse></soap12:Body></soap12:Envelope>"#;
    let env = envelope::parse(text).expect("parse");
    assert_eq!(env.header.relates_to.as_deref(), Some("m1"));
    assert_eq!(env.header.to, None);
    let Es4Message::Response(r) = Es4Message::from_envelope(&env).expect("msg") else {
        panic!()
    };
    let data = r.status.status_code_data.expect("codes");
    assert_eq!(
        (data.subject_code.as_str(), data.reason_code.as_str()),
        ("8.2.1", "3.8")
    );
    assert_eq!(
        data.message.as_deref(),
        Some("POL2 <disable> & not allowed")
    );
}

fn refused(text: &str) -> WsError {
    envelope::parse(text).expect_err("must be refused")
}

fn swap(from: &str, to: &str) -> String {
    assert!(ENABLE_OTHER_PREFIXES.contains(from), "{from}");
    ENABLE_OTHER_PREFIXES.replacen(from, to, 1)
}

#[test]
fn soap_1_1_namespace_refused() {
    let t = swap(
        "http://www.w3.org/2003/05/soap-envelope",
        "http://schemas.xmlsoap.org/soap/envelope/",
    );
    assert!(matches!(refused(&t), WsError::NotEnvelope(_)));
}

#[test]
fn wrong_addressing_namespace_means_missing_headers() {
    let t = swap(
        "http://www.w3.org/2005/08/addressing",
        "http://schemas.xmlsoap.org/ws/2004/08/addressing",
    );
    // Its Action is marked mustUnderstand, and we do not understand that namespace.
    assert!(matches!(refused(&t), WsError::NotUnderstood(_)));
    let t = t.replace(r#" s:mustUnderstand="true""#, "");
    assert_eq!(refused(&t), WsError::Missing("wsa:MessageID"));
}

#[test]
fn body_in_a_foreign_namespace_is_no_es4_message() {
    let t = swap(
        "http://namespaces.gsma.org/esim-messaging/1",
        "http://example.com/other",
    );
    let env = envelope::parse(&t).expect("envelope itself is fine");
    assert!(matches!(
        Es4Message::from_envelope(&env),
        Err(WsError::UnknownMessage(_))
    ));
}

#[test]
fn missing_message_id_or_action_refused() {
    let no_id = swap(
        "<a:MessageID>\n        urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01\n    </a:MessageID>",
        "",
    );
    assert_eq!(refused(&no_id), WsError::Missing("wsa:MessageID"));
    let empty_id = swap(
        "<a:MessageID>\n        urn:uuid:6b1a6f8e-1c1d-4a1e-9d55-2c7d0d1e0a01\n    </a:MessageID>",
        "<a:MessageID> </a:MessageID>",
    );
    assert_eq!(refused(&empty_id), WsError::Missing("wsa:MessageID"));
    let no_action = swap(
        r#"<a:Action s:mustUnderstand="true">http://gsma.com/ES4/ProfileManagent/ES4-EnableProfile</a:Action>"#,
        "",
    );
    assert_eq!(refused(&no_action), WsError::Missing("wsa:Action"));
}

#[test]
fn action_not_matching_body_refused() {
    let t = swap("ES4-EnableProfile<", "ES4-DisableProfile<");
    let env = envelope::parse(&t).expect("parse");
    assert!(matches!(
        Es4Message::from_envelope(&env),
        Err(WsError::ActionMismatch(_))
    ));
}

#[test]
fn doctype_and_entities_refused() {
    let xxe = r#"<?xml version="1.0"?>
<!DOCTYPE e [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<e:Envelope xmlns:e="http://www.w3.org/2003/05/soap-envelope"><e:Body><x>&x;</x></e:Body></e:Envelope>"#;
    assert_eq!(refused(xxe), WsError::Doctype);
    let bomb = "<!DOCTYPE l [<!ENTITY a \"aaaa\"><!ENTITY b \"&a;&a;&a;&a;\">]><l>&b;</l>";
    assert_eq!(refused(bomb), WsError::Doctype);
    // An entity never declared is refused too (no DTD to look it up in).
    let undeclared = swap("<ValidityPeriod>600", "<ValidityPeriod>&x;600");
    assert!(matches!(refused(&undeclared), WsError::Xml(_)));
}

#[test]
fn oversize_and_deep_nesting_refused() {
    let padding = format!("<!--{}-->", "x".repeat(xml::MAX_SIZE));
    let big = swap("<s:Body>", &format!("<s:Body>{padding}"));
    assert!(matches!(refused(&big), WsError::TooLarge(_)));
    let depth = xml::MAX_DEPTH + 1;
    let deep = format!("{}{}", "<a>".repeat(depth), "</a>".repeat(depth));
    assert_eq!(refused(&deep), WsError::TooDeep);
}

#[test]
fn bad_eid_and_iccid_refused() {
    for (from, to, what) in [
        (
            "&#56;9049032123451234512345678901235",
            "8904903212345123451234567890123",
            "Eid",
        ),
        (
            "&#56;9049032123451234512345678901235",
            "8904903212345123451234567890123A",
            "Eid",
        ),
        ("8944500102198304826", "894450010219830482", "Iccid"),
        ("8944500102198304826", "894450010219830482F", "Iccid"),
    ] {
        let t = swap(from, to);
        let env = envelope::parse(&t).expect("parse");
        match Es4Message::from_envelope(&env) {
            Err(WsError::Invalid(name, _)) => assert_eq!(name, what),
            other => panic!("{to}: {other:?}"),
        }
    }
    // A character reference cannot smuggle a non-digit past the check.
    let t = swap("<Eid>&#56;", "<Eid>&#x41;");
    assert!(matches!(
        Es4Message::from_envelope(&envelope::parse(&t).expect("parse")),
        Err(WsError::Invalid("Eid", _))
    ));
}

#[test]
fn malformed_xml_refused() {
    for bad in [
        "",
        "<s:Envelope xmlns:s=\"http://www.w3.org/2003/05/soap-envelope\"><s:Body>",
        "<x:Envelope><x:Body/></x:Envelope>",
        "<a/><b/>",
        &swap("</s:Header>", "</s:Headr>"),
        &swap("<s:Body>", "<s:Body><extra xmlns=\"urn:x\"/>"),
    ] {
        let e = refused(bad);
        assert_eq!(e.fault().code, FaultCode::Sender, "{bad}: {e}");
    }
}

#[test]
fn unknown_must_understand_header_gets_a_must_understand_fault() {
    let t = swap(
        "<s:Header>",
        r#"<s:Header><x:Security xmlns:x="urn:example:sec" s:mustUnderstand="1"/>"#,
    );
    let e = refused(&t);
    assert!(matches!(e, WsError::NotUnderstood(_)), "{e}");
    assert_eq!(e.fault().code, FaultCode::MustUnderstand);
    // The same block without mustUnderstand is ignored.
    let t = swap(
        "<s:Header>",
        r#"<s:Header><x:Security xmlns:x="urn:example:sec"/>"#,
    );
    envelope::parse(&t).expect("optional header blocks are ignored");
    // The fault code survives a round trip.
    let text = envelope::build_fault("m", None, &e.fault());
    let env = envelope::parse(&text).expect("fault envelope");
    let f = rsp_codec::ws::Fault::from_element(&env.body)
        .expect("fault")
        .expect("valid");
    assert_eq!(f.code, FaultCode::MustUnderstand);
}

#[test]
fn duplicate_addressing_headers_refused() {
    let t = swap("<a:To>", "<a:MessageID>urn:uuid:other</a:MessageID><a:To>");
    assert!(matches!(
        refused(&t),
        WsError::Invalid("WS-Addressing header", _)
    ));
}

#[test]
fn bytes_entry_point_bounds_size_and_encoding() {
    let env = envelope::parse_bytes(ENABLE_OTHER_PREFIXES.as_bytes()).expect("utf-8");
    assert_eq!(env.header.message_id, MSG_ID);
    let mut bom = vec![0xEF, 0xBB, 0xBF];
    bom.extend_from_slice(ENABLE_OTHER_PREFIXES.as_bytes());
    envelope::parse_bytes(&bom).expect("a UTF-8 byte order mark is fine");
    let latin1 = ENABLE_OTHER_PREFIXES
        .replace("call-0001", "call-\u{e9}")
        .replace('\u{e9}', "\u{0}");
    let mut bytes = latin1.into_bytes();
    if let Some(p) = bytes.iter().position(|&b| b == 0) {
        bytes[p] = 0xE9; // Latin-1 é, invalid UTF-8
    }
    assert!(matches!(
        envelope::parse_bytes(&bytes),
        Err(WsError::Xml(_))
    ));
    let huge = vec![b' '; rsp_codec::ws::xml::MAX_SIZE + 1];
    assert!(matches!(
        envelope::parse_bytes(&huge),
        Err(WsError::TooLarge(_))
    ));
}

#[test]
fn bad_aid_in_send_data_refused() {
    use rsp_codec::ws::es3::Es3Message;
    let send = fixture("es3_send_data.xml");
    for bad in [
        "A00000055",
        "A0000005591010FFFFFFFF89000010000000",
        "A000000559101G",
    ] {
        let t = send.replace("A0000005591010FFFFFFFF8900001000", bad);
        let env = envelope::parse(&t).expect("parse");
        assert!(
            matches!(
                Es3Message::from_envelope(&env),
                Err(WsError::Invalid("sd-aid", _))
            ),
            "{bad}"
        );
    }
}

#[test]
fn unknown_elements_from_richer_peers_are_ignored() {
    // A response carrying the Njiwa-style timing elements and EIS parts we do not model.
    let golden = fixture("es4_get_eis_response.xml");
    let t = golden
        .replace(
            "<rps:FunctionExecutionStatus>",
            "<rps:ProcessingStart>2026-12-06T05:00:00Z</rps:ProcessingStart>\
             <rps:ProcessingEnd>2026-12-06T05:00:01Z</rps:ProcessingEnd>\
             <rps:AcceptableValidityPeriod>600</rps:AcceptableValidityPeriod>\
             <rps:FunctionExecutionStatus>",
        )
        .replace(
            "</rps:Ecasd>",
            "</rps:Ecasd><rps:EuiccCapabilities><rps:HttpSupport>true</rps:HttpSupport>\
             </rps:EuiccCapabilities>",
        )
        .replace(
            "<rps:Smsr-id>",
            "<rps:lastAuditDate>2026-12-01T00:00:00Z</rps:lastAuditDate><rps:Smsr-id>",
        );
    let plain =
        Es4Message::from_envelope(&envelope::parse(&golden).expect("golden")).expect("golden");
    let richer = Es4Message::from_envelope(&envelope::parse(&t).expect("parse")).expect("richer");
    assert_eq!(richer, plain);
}

#[test]
fn messages_of_another_interface_refused() {
    use rsp_codec::ws::es1::Es1Message;
    use rsp_codec::ws::es3::Es3Message;
    // An ES3-only function on ES4, an ES4 request and a notification on ES1.
    let create = envelope::parse(&fixture("es3_create_isdp.xml")).expect("parse");
    assert!(matches!(
        Es4Message::from_envelope(&create),
        Err(WsError::UnknownMessage(_))
    ));
    let enable = envelope::parse(&fixture("es4_enable_profile.xml")).expect("parse");
    assert!(matches!(
        Es1Message::from_envelope(&enable),
        Err(WsError::UnknownMessage(_))
    ));
    let note = envelope::parse(&fixture("es4_profile_enabled_notification.xml")).expect("parse");
    assert!(matches!(
        Es1Message::from_envelope(&note),
        Err(WsError::UnknownMessage(_))
    ));
    // ES3 has the function too, but under its own action URI.
    assert!(matches!(
        Es3Message::from_envelope(&enable),
        Err(WsError::ActionMismatch(_))
    ));
}

#[test]
fn es2_spellings_and_refusals() {
    use rsp_codec::ws::Message;
    use rsp_codec::ws::es2::{Es2Message, Es2Request};
    use rsp_codec::ws::es3::Es3Message;
    let download = fixture("es2_download_profile.xml");
    let golden = Es2Message::from_envelope(&envelope::parse(&download).expect("parse"));
    let golden = golden.expect("golden");
    // Njiwa's `Smsr-Id` spelling reads the same; `1` is a boolean too.
    let njiwa = download
        .replace("Smsr-id>", "Smsr-Id>")
        .replace(">true<", ">1<");
    let env = envelope::parse(&njiwa).expect("parse");
    assert_eq!(Es2Message::from_envelope(&env).expect("njiwa"), golden);
    // No SM-SR, no ProfileType, a bad EnableProfile or ICCID: refused.
    for (from, to) in [
        ("<rps:Smsr-id>1.3.6.1.4.1.99999.20</rps:Smsr-id>", ""),
        ("<rps:ProfileType>M2M-Telemetry</rps:ProfileType>", ""),
        (">true<", ">yes<"),
        ("8944500102198304826", "89445001"),
    ] {
        let env = envelope::parse(&download.replace(from, to)).expect("parse");
        assert!(Es2Message::from_envelope(&env).is_err(), "{from}");
    }
    let enable = envelope::parse(
        &fixture("es2_enable_profile.xml")
            .replace("<rps:Smsr-id>1.3.6.1.4.1.99999.20</rps:Smsr-id>", ""),
    )
    .expect("parse");
    assert_eq!(
        Es2Message::from_envelope(&enable),
        Err(WsError::Missing("Smsr-id"))
    );
    let Message::Request(r) = golden else {
        panic!("a request")
    };
    assert!(matches!(
        r.body,
        Es2Request::DownloadProfile {
            enable_profile: true,
            ..
        }
    ));
    // The SM-SR change notification travels on ES2, ES3 and ES4 (SM-SR → SM-DP → Operator,
    // SM-SR → Operator), never on ES1; its action names the interface it is on.
    let change = fixture("es2_smsr_change_notification.xml");
    let on_es3 = change.replace(
        "/ES2/ProfileManagentCallBack/ES2-",
        "/ES3/ProfileManagentCallBack/ES3-",
    );
    let env = envelope::parse(&on_es3).expect("parse");
    assert!(matches!(
        Es3Message::from_envelope(&env),
        Ok(Message::SmsrChange(_))
    ));
    let env = envelope::parse(&change).expect("parse");
    assert!(matches!(
        Es3Message::from_envelope(&env),
        Err(WsError::ActionMismatch(_))
    ));
    let on_es4 = change.replace(
        "/ES2/ProfileManagentCallBack/ES2-",
        "/ES4/ProfileManagentCallBack/ES4-",
    );
    let env = envelope::parse(&on_es4).expect("parse");
    assert!(matches!(
        Es4Message::from_envelope(&env),
        Ok(Message::SmsrChange(_))
    ));
    // An ES4-only function on ES2.
    let fallback = envelope::parse(&fixture("es4_set_fallback_attribute.xml")).expect("parse");
    assert!(matches!(
        Es2Message::from_envelope(&fallback),
        Err(WsError::UnknownMessage(_))
    ));
}
