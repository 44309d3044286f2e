//! `rsp serve smsr`'s ES4 web service (SOAP 1.2 + WS-Addressing over mutual TLS) against
//! the lab device: GetEIS and AuditEIS answered synchronously (the audit after the eUICC's
//! PoR), SetFallbackAttribute with a ReplyTo acknowledged with 202 and its response POSTed
//! there later with RelatesTo, a refusal with its SGP.02 codes, a SOAP fault for a
//! malformed request, no client certificate refused; then the metrics of all this and the
//! audit trail (the calls with their caller, the operations queued and ended, no key
//! material), which `rsp audit verify` accepts.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::m2m::{ICCID, KIC, SoapLab, sample};
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es4::{Es4Message, Es4Request};
use rsp_codec::ws::{ExecutionStatus, Message, ProfileRequest};

const OPERATOR: &str = "Test Operator";

fn request(message_id: &str, reply_to: Option<&str>, body: ProfileRequest) -> String {
    let msg: Es4Message = Message::Request(rsp_codec::ws::Request {
        function_call_identifier: format!("fc-{message_id}"),
        validity_period: Some(60),
        body: Es4Request(body),
    });
    envelope::build(&msg.envelope(WsHeader {
        to: Some("https://localhost/gsma/sgp02/es4".into()),
        from: Some(OPERATOR.into()),
        reply_to: reply_to.map(str::to_owned),
        message_id: message_id.into(),
        action: String::new(),
        relates_to: None,
    }))
}

fn answer(text: &str) -> (WsHeader, rsp_codec::ws::Response) {
    let env = envelope::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    match Es4Message::from_envelope(&env).unwrap() {
        Message::Response(r) => (env.header, r),
        other => panic!("not a response: {other:?}"),
    }
}

#[test]
fn es4_over_soap() {
    let lab = SoapLab::start(OPERATOR, None);
    let (rt, received, endpoint, nist) = (&lab.rt, &lab.received, lab.endpoint, &lab.nist);
    let eid = lab.eid.clone();
    let url = lab.url("/gsma/sgp02/es4");
    let client = lab.client("mno");
    let call = |body: String| lab.soap(&client, "/gsma/sgp02/es4", body);

    // GetEIS: synchronous, the EIS as the Operator sees it, no keys.
    let (code, text) = call(request(
        "m-1",
        None,
        ProfileRequest::GetEis { eid: eid.clone() },
    ));
    assert_eq!(code, 200, "{text}");
    let (header, r) = answer(&text);
    assert_eq!(header.relates_to.as_deref(), Some("m-1"));
    assert_eq!(r.status.status, ExecutionStatus::Success, "{text}");
    let eis = r.eis.unwrap();
    assert_eq!(eis.profiles.len(), 1);
    assert!(eis.isd_r.is_none(), "keys are never given to an Operator");
    assert!(!text.to_lowercase().contains(&hex::encode(KIC)));

    // AuditEIS without ReplyTo: answered once the eUICC's PoR came back.
    let (code, text) = call(request(
        "m-2",
        None,
        ProfileRequest::AuditEis {
            eid: eid.clone(),
            iccids: vec![],
        },
    ));
    assert_eq!(code, 200, "{text}");
    let (_, r) = answer(&text);
    assert_eq!(r.status.status, ExecutionStatus::Success, "{text}");
    assert!(r.eis.is_some_and(|e| e.remaining_memory.is_some()));

    // SetFallbackAttribute with a ReplyTo: 202 now, the response to ReplyTo later.
    let reply_to = format!("http://{endpoint}/es4");
    let (code, text) = call(request(
        "m-3",
        Some(&reply_to),
        ProfileRequest::SetFallbackAttribute {
            eid: eid.clone(),
            iccid: ICCID.into(),
        },
    ));
    assert_eq!(code, 202, "{text}");
    let start = Instant::now();
    let async_answer = loop {
        let got = rt.block_on(async { received.lock().await.clone() });
        if let Some(t) = got.iter().find(|t| t.contains("m-3")) {
            break t.clone();
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no asynchronous response"
        );
        std::thread::sleep(Duration::from_millis(100));
    };
    let (header, r) = answer(&async_answer);
    assert_eq!(header.relates_to.as_deref(), Some("m-3"));
    assert_eq!(r.status.status, ExecutionStatus::Success, "{async_answer}");

    // A refusal answers at once with its codes.
    let (_, text) = call(request(
        "m-4",
        None,
        ProfileRequest::EnableProfile {
            eid: eid.clone(),
            iccid: "8944000000000000999".into(),
        },
    ));
    let (_, r) = answer(&text);
    assert_eq!(r.status.status, ExecutionStatus::Failed);
    let codes = r.status.status_code_data.unwrap();
    assert_eq!(
        (codes.subject_code.as_str(), codes.reason_code.as_str()),
        ("8.2.1", "3.9")
    );

    // The same over the Operator's CLI: `rsp m2m es4 get-eis` and a refusal with its codes.
    let es4_cli = |args: &[&str]| {
        let out = common::rsp()
            .args(["m2m", "es4"])
            .args(args)
            .args(["--url", &url, "--eid", &eid])
            .arg("--cert")
            .arg(nist.join("mno.pem"))
            .arg("--key")
            .arg(nist.join("mno.key.pem"))
            .arg("--ca")
            .arg(nist.join("ci.pem"))
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let v = es4_cli(&["get-eis"]);
    assert_eq!(v["status"], "Executed-Success", "{v}");
    assert_eq!(v["eis"]["profiles"][0]["iccid"], ICCID, "{v}");
    let v = es4_cli(&["disable", "--iccid", ICCID]);
    assert_eq!(v["status"], "Failed", "the fallback Profile: {v}");
    assert_eq!(v["statusCodeData"]["subjectCode"], "8.2.1", "{v}");
    let help = common::rsp()
        .args(["m2m", "es4", "--help"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&help.stdout).contains("update-policy"));

    // Malformed: a SOAP fault. No client certificate: refused.
    let (code, text) = call("<not-soap/>".into());
    assert_eq!(code, 400);
    assert!(text.contains("Fault"), "{text}");
    let anonymous = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(
            &std::fs::read(nist.join("ci.pem")).unwrap(),
        )
        .unwrap()])
        .build()
        .unwrap();
    let code = rt.block_on(async {
        anonymous
            .post(&url)
            .body(request(
                "m-5",
                None,
                ProfileRequest::GetEis { eid: eid.clone() },
            ))
            .send()
            .await
            .map(|r| r.status().as_u16())
            .unwrap_or(0)
    });
    assert!(
        code == 403 || code == 0,
        "without a client certificate: {code}"
    );
    metrics_and_audit(lab, &eid);
}

fn metrics_and_audit(mut lab: common::m2m::SoapLab, eid: &str) {
    let metrics = common::http_get(lab.server.admin, "/metrics").unwrap();
    let at_least = |name: &str, labels: &[&str], min: f64| {
        let v = sample(&metrics, name, labels)
            .unwrap_or_else(|| panic!("{name} {labels:?} in {metrics}"));
        assert!(v >= min, "{name} {labels:?} = {v} < {min}");
        v
    };
    let ws = "rsp_smsr_ws_calls_total";
    // GetEIS over SOAP and over the CLI.
    let get = &[
        "interface=\"es4\"",
        "function=\"GetEIS\"",
        "status=\"Executed-Success\"",
    ];
    assert_eq!(at_least(ws, get, 2.0), 2.0);
    at_least(
        ws,
        &["function=\"SetFallbackAttribute\"", "status=\"Accepted\""],
        1.0,
    );
    at_least(
        ws,
        &["function=\"EnableProfile\"", "code=\"8.2.1/3.9\""],
        1.0,
    );
    at_least(ws, &["function=\"unknown\"", "status=\"Fault\""], 1.0);
    let ended = "rsp_smsr_operations_ended_total";
    let audit = &[
        "function=\"AuditEIS\"",
        "transport=\"sms\"",
        "status=\"done\"",
    ];
    assert_eq!(at_least(ended, audit, 1.0), 1.0);
    at_least(ended, &["function=\"SetFallbackAttribute\""], 1.0);
    let count = "rsp_smsr_operation_duration_seconds_count";
    at_least(count, &["function=\"AuditEIS\"", "transport=\"sms\""], 1.0);
    // AuditEIS and SetFallbackAttribute went out and came back (PoRs).
    let es5 = "rsp_smsr_es5_messages_total";
    at_least(es5, &["transport=\"sms\"", "direction=\"out\""], 2.0);
    at_least(es5, &["transport=\"sms\"", "direction=\"in\""], 2.0);
    at_least(
        "rsp_smsr_notices_total",
        &["destination=\"replyTo\"", "result=\"delivered\""],
        1.0,
    );
    assert!(!metrics.contains(eid), "no EID as a label");

    // The audit trail, read after the server stopped (its last records chained).
    lab.running.take();
    let (text, lines) = common::m2m::audit_trail(&lab.dir.join("smsr.db"));
    for kic in [hex::encode(KIC), hex::encode_upper(KIC)] {
        assert!(!text.contains(&kic), "key material in the audit trail");
    }
    let of = |action: &str| -> Vec<&serde_json::Value> {
        lines.iter().filter(|l| l["action"] == action).collect()
    };
    assert_eq!(of("config.start").len(), 1, "{lines:?}");
    let registered = of("smsr.eis.register");
    assert_eq!(registered.len(), 1, "{lines:?}");
    assert_eq!(registered[0]["subject"], eid);
    assert_eq!(registered[0]["details"]["scp80Keysets"], 1);
    assert!(!of("admin.POST").is_empty(), "{lines:?}");
    // The anonymous GetEIS, if TLS let it through, is recorded without a caller.
    let gets: Vec<_> = of("es4.GetEIS")
        .into_iter()
        .filter(|l| l["actor"] == OPERATOR)
        .collect();
    assert_eq!(gets.len(), 2, "{lines:?}");
    assert_eq!(gets[0]["subject"], eid);
    assert_eq!(gets[0]["details"]["httpStatus"], 200);
    let refused = of("es4.EnableProfile");
    assert_eq!(refused[0]["details"]["code"], "8.2.1/3.9", "{lines:?}");
    assert_eq!(refused[0]["details"]["iccid"], "8944000000000000999");
    let fallback = of("es4.SetFallbackAttribute");
    assert_eq!(fallback[0]["details"]["httpStatus"], 202, "{lines:?}");
    assert_eq!(of("es4.unknown")[0]["details"]["status"], "Fault");
    let queued = of("smsr.operation.queue");
    let audit_queued = queued
        .iter()
        .find(|l| l["details"]["function"] == "AuditEIS")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(audit_queued["actor"], OPERATOR);
    assert_eq!(audit_queued["details"]["transport"], "sms");
    let audit_ended = of("smsr.operation.end")
        .into_iter()
        .find(|l| l["details"]["function"] == "AuditEIS")
        .unwrap_or_else(|| panic!("{lines:?}"));
    assert_eq!(audit_ended["subject"], eid);
    assert_eq!(audit_ended["details"]["status"], "done");
    assert_eq!(
        audit_ended["details"]["operation"],
        audit_queued["details"]["operation"]
    );
    lab.finish();
}
