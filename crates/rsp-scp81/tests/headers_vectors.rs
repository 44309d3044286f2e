//! The Amendment B HTTP binding: header values and the two messages of a dialog.

use hyper::http::{HeaderMap, HeaderValue, StatusCode};
use rsp_scp81::headers::{
    self, AdminFrom, AdminProtocol, Aid, HeaderError, ScriptMedia, ScriptStatus, SeIdType,
};
use rsp_scp81::message::{AgentPost, MessageError, NextUri, ServerReply};

const EID: &str = "89049032123451234512345678901235";
const ISD_R: &str = "A0000005591010FFFFFFFF8900000100";

fn isd_r() -> Aid {
    Aid::new(hex::decode(ISD_R).expect("hex")).expect("aid")
}

#[test]
fn admin_from_sgp02_form() {
    let from = AdminFrom::euicc(EID, isd_r()).expect("valid");
    let text = format!("//se-id/eid/{EID};//aa-id/aid/A000000559/1010FFFFFFFF8900000100");
    assert_eq!(from.to_string(), text);
    assert_eq!(AdminFrom::parse(&text).expect("parses"), from);
    // Unsplit and lower-case AID accepted on input.
    let loose = format!(
        "//se-id/eid/{EID};//aa-id/aid/{}",
        ISD_R.to_ascii_lowercase()
    );
    assert_eq!(AdminFrom::parse(&loose).expect("parses"), from);
    // The RID/PIX split form of a public test (AID 000102…0F).
    let a = Aid::parse_path("0001020304/05060708090A0B0C0D0E0F", "t").expect("parses");
    assert_eq!(a.as_bytes(), &(0u8..16).collect::<Vec<_>>()[..]);
    // se-id only; CUD.
    let cud = AdminFrom::parse("//se-id/CUD/0123456789abcdef0123").expect("parses");
    assert_eq!(
        (cud.se.kind, cud.se.value.as_str(), cud.agent),
        (SeIdType::Cud, "0123456789ABCDEF0123", None)
    );
}

#[test]
fn admin_from_refusals() {
    for v in [
        "",
        "//se-id/eid/123456",                               // EID not 32 digits
        &format!("//se-id/eid/{EID};//aa-id/aid/A0000005"), // AID of 4 octets
        &format!("//se-id/eid/{EID};//aa-id/aid/A00000055/91010"), // RID not 5 octets
        &format!("//se-id/imei/{EID}"),                     // unknown se-id type
        &format!("se-id/eid/{EID}"),                        // no leading //
        &format!("//se-id/eid/{EID};//aa-id/aid/A000000559/10G0"), // non-hex
        &format!("//se-id/eid/{EID};//aa-id/aid/"),
    ] {
        assert!(AdminFrom::parse(v).is_err(), "{v:?} accepted");
    }
}

#[test]
fn targeted_application_and_status_tokens() {
    let isdp =
        Aid::new(hex::decode("A0000005591010FFFFFFFF8900001100").expect("hex")).expect("aid");
    assert_eq!(
        isdp.to_targeted_application(),
        "//aid/A000000559/1010FFFFFFFF8900001100"
    );
    assert_eq!(
        Aid::parse_targeted_application("//aid/A000000559/1010FFFFFFFF8900001100").expect("ok"),
        isdp
    );
    assert!(Aid::parse_targeted_application("/aid/A000000559/10").is_err());
    for (s, t) in [
        (ScriptStatus::Ok, "ok"),
        (ScriptStatus::UnknownApplication, "unknown-application"),
        (ScriptStatus::NotASecurityDomain, "not-a-security-domain"),
        (ScriptStatus::SecurityError, "security-error"),
        (ScriptStatus::UnavailableSe, "unavailable-se"),
        (
            ScriptStatus::TemporarilyUnavailableApplication,
            "temporarily-unavailable-application",
        ),
        (ScriptStatus::ScriptFormatError, "script-format-error"),
    ] {
        assert_eq!(s.as_str(), t);
        assert_eq!(ScriptStatus::parse(t).expect("token"), s);
    }
    assert!(ScriptStatus::parse("OK").is_err());
    assert!(ScriptStatus::parse("fine").is_err());
    assert_eq!(headers::parse_resume("true"), Ok(true));
    assert!(headers::parse_resume("yes").is_err());
}

#[test]
fn protocol_and_content_type() {
    let p = AdminProtocol::parse("globalplatform-remote-admin/1.0").expect("parses");
    assert!(p.is_supported());
    assert_eq!(p.to_string(), headers::PROTOCOL);
    assert!(
        AdminProtocol::parse("globalplatform-remote-admin/1.1.1")
            .expect("parses")
            .is_supported()
    );
    assert!(
        !AdminProtocol::parse("globalplatform-remote-admin/2.0")
            .expect("parses")
            .is_supported()
    );
    assert!(AdminProtocol::parse("gsma/rsp/v2.2.0").is_err());
    assert!(AdminProtocol::parse("globalplatform-remote-admin/1.x").is_err());

    assert_eq!(
        headers::parse_content_type(headers::CONTENT_TYPE_COMMAND),
        Ok(ScriptMedia::Command)
    );
    assert_eq!(
        headers::parse_content_type(headers::CONTENT_TYPE_RESPONSE),
        Ok(ScriptMedia::Response)
    );
    assert_eq!(
        headers::parse_content_type(
            "Application/VND.globalplatform.card-content-mgt-response; version=1.0"
        ),
        Ok(ScriptMedia::Response)
    );
    for bad in [
        "application/octet-stream",
        "application/vnd.globalplatform.card-content-mgt", // version required
        "application/vnd.globalplatform.card-content-mgt;version=2.0", // major 2
        "application/vnd.globalplatform.card-content-mgt;charset=utf-8",
        "application/vnd.globalplatform.card-content-mgt;version=1.0;version=1.0",
    ] {
        assert!(
            headers::parse_content_type(bad).is_err(),
            "{bad:?} accepted"
        );
    }
}

/// Header name/value pairs of a test case.
type Headers<'a> = Vec<(&'static str, &'a str)>;

fn map(pairs: &[(&'static str, &str)]) -> HeaderMap {
    let mut h = HeaderMap::new();
    for (k, v) in pairs {
        h.append(*k, HeaderValue::from_str(v).expect("value"));
    }
    h
}

#[test]
fn agent_post_build_and_parse() {
    let from = AdminFrom::euicc(EID, isd_r()).expect("valid");
    let mut post = AgentPost::initial(from.clone(), false);
    let mut h = HeaderMap::new();
    post.write_headers(&mut h, false).expect("writes");
    assert_eq!(
        h.get("x-admin-protocol").expect("set"),
        "globalplatform-remote-admin/1.0"
    );
    assert_eq!(
        h.get("x-admin-from").expect("set").to_str().expect("ascii"),
        from.to_string()
    );
    assert!(h.get("content-type").is_none() && h.get("x-admin-script-status").is_none());
    assert_eq!(AgentPost::parse(&h, 0).expect("parses"), post);

    post.script_status = Some(ScriptStatus::Ok);
    post.resume = true;
    let mut h = HeaderMap::new();
    post.write_headers(&mut h, true).expect("writes");
    assert_eq!(
        h.get("content-type").expect("set"),
        headers::CONTENT_TYPE_RESPONSE
    );
    assert_eq!(h.get("x-admin-resume").expect("set"), "true");
    assert_eq!(AgentPost::parse(&h, 10).expect("parses"), post);
}

#[test]
fn agent_post_refusals() {
    let from = format!("//se-id/eid/{EID};//aa-id/aid/A000000559/1010FFFFFFFF8900000100");
    let proto = ("x-admin-protocol", headers::PROTOCOL);
    let ct = ("content-type", headers::CONTENT_TYPE_RESPONSE);
    let ok = ("x-admin-script-status", "ok");
    let f = ("x-admin-from", from.as_str());
    let cases: Vec<(Headers, usize, HeaderError)> = vec![
        (vec![f], 0, HeaderError::Missing("X-Admin-Protocol")),
        (vec![proto], 0, HeaderError::Missing("X-Admin-From")),
        (vec![proto, f, ok], 5, HeaderError::Missing("Content-Type")),
        (
            vec![proto, f, ct],
            5,
            HeaderError::Missing("X-Admin-Script-Status"),
        ),
        (
            vec![
                proto,
                f,
                ok,
                ("content-type", headers::CONTENT_TYPE_COMMAND),
            ],
            5,
            HeaderError::UnexpectedContentType(headers::CONTENT_TYPE_COMMAND.into()),
        ),
        (vec![proto, f, f], 0, HeaderError::Malformed("X-Admin-From")),
        (
            vec![proto, f, ("x-admin-script-status", "done")],
            0,
            HeaderError::Malformed("X-Admin-Script-Status"),
        ),
        (
            vec![("x-admin-protocol", "globalplatform-remote-admin/2.0"), f],
            0,
            HeaderError::UnsupportedProtocol("globalplatform-remote-admin/2.0".into()),
        ),
        (
            vec![
                proto,
                f,
                ("x-admin-targeted-application", "//aid/A000000559/10"),
            ],
            0,
            HeaderError::NotAllowed("X-Admin-Targeted-Application"),
        ),
    ];
    for (pairs, len, want) in cases {
        assert_eq!(
            AgentPost::parse(&map(&pairs), len),
            Err(want.clone()),
            "{pairs:?}"
        );
    }
}

#[test]
fn server_reply_build_and_parse() {
    let isdp =
        Aid::new(hex::decode("A0000005591010FFFFFFFF8900001100").expect("hex")).expect("aid");
    let reply = ServerReply::Script {
        script: hex::decode("aa0a220880e2910003bf3100").expect("hex"),
        target: Some(isdp),
        next_uri: Some(NextUri::new("/gp/ram?session=1&step=1").expect("uri")),
    };
    let resp = reply.to_response().expect("builds");
    assert_eq!(resp.status(), StatusCode::OK);
    let h = resp.headers();
    assert_eq!(
        h.get("content-type").expect("set"),
        headers::CONTENT_TYPE_COMMAND
    );
    assert_eq!(
        h.get("x-admin-next-uri").expect("set"),
        "/gp/ram?session=1&step=1"
    );
    assert_eq!(
        h.get("x-admin-targeted-application").expect("set"),
        "//aid/A000000559/1010FFFFFFFF8900001100"
    );
    assert_eq!(h.get("x-admin-protocol").expect("set"), headers::PROTOCOL);
    let back = ServerReply::parse(resp.status(), h, resp.body().to_vec()).expect("parses");
    assert_eq!(back, reply);

    let end = ServerReply::end().to_response().expect("builds");
    assert_eq!(end.status(), StatusCode::NO_CONTENT);
    assert!(end.headers().get("x-admin-next-uri").is_none() && end.body().is_empty());
    assert_eq!(
        ServerReply::parse(end.status(), end.headers(), vec![]).expect("parses"),
        ServerReply::end()
    );
}

#[test]
fn server_reply_refusals() {
    let ct = ("content-type", headers::CONTENT_TYPE_COMMAND);
    let p = |s: u16, pairs: &[(&'static str, &str)], body: &[u8]| {
        ServerReply::parse(
            StatusCode::from_u16(s).expect("status"),
            &map(pairs),
            body.to_vec(),
        )
    };
    assert_eq!(
        p(200, &[], b"x"),
        Err(MessageError::Header(HeaderError::Missing("Content-Type")))
    );
    assert_eq!(
        p(200, &[ct], b""),
        Err(MessageError::Body("200 OK without a command script"))
    );
    assert_eq!(
        p(204, &[], b"x"),
        Err(MessageError::Body("204 No Content with a body"))
    );
    assert!(
        p(
            204,
            &[("x-admin-targeted-application", "//aid/A000000559/10")],
            b""
        )
        .is_err()
    );
    assert_eq!(p(302, &[], b""), Err(MessageError::Status(302)));
    assert!(p(204, &[("x-admin-next-uri", "javascript:alert(1)")], b"").is_err());
    assert!(p(204, &[("x-admin-next-uri", "relative/path")], b"").is_err());
    assert!(
        p(
            204,
            &[("x-admin-next-uri", "https://smsr.example/gp?step=2")],
            b""
        )
        .is_ok()
    );
    assert!(
        p(
            200,
            &[("content-type", headers::CONTENT_TYPE_RESPONSE)],
            b"x"
        )
        .is_err()
    );
    assert!(
        p(
            204,
            &[("x-admin-protocol", "globalplatform-remote-admin/3.0")],
            b""
        )
        .is_err()
    );
}
