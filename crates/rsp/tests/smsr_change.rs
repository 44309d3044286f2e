//! The SM-SR change (SGP.02 §3.7) between two `rsp serve smsr` processes sharing the lab
//! SMSC: SM-SR1 holds the lab card, SM-SR2 is empty. The Operator calls PrepareSMSRChange
//! on SM-SR2 and SMSRChange on SM-SR1 (ES4 SOAP, mutual TLS); SM-SR1 hands the EIS over
//! (ES7 HandoverEUICC), SM-SR2 establishes its own ISD-R keyset through SM-SR1
//! (AuthenticateSMSR, CreateAdditionalKeySet relayed to the card over SMS), answers,
//! SM-SR1 forgets the eUICC and notifies SM-SR2, which notifies the Operator and points the
//! card's SM-SR addressing at itself (ES5 UpdateSMSRAddressingParameters under its new
//! keyset). Then SM-SR2 enables a Profile with the new keyset, SM-SR1 refuses one (unknown
//! EID), and the card's default notification after a failed attach (fallback) goes to
//! SM-SR2, which applies and confirms it. Refused first: HandoverEUICC from an SM-SR
//! without a pending change. Run with the card's PKI (ECASD, CERT.SR.ECDSA) on NIST P-256
//! and on brainpoolP256r1.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use common::m2m::{
    DEVICE_MSISDN, ICCID, KIC, KID, Server, device, get_json, lab_smsc, operator_endpoint, post,
    sample, soap_post, tls_client, web_service_args,
};
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es4::Es4Request;
use rsp_codec::ws::es7::{Es7Message, Es7Request};
use rsp_codec::ws::{ExecutionStatus, Message, ProfileRequest, RequestBody};
use rsp_crypto::Curve;
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use rsp_pki::Role;

const OPERATOR: &str = "Test Operator";
const SMSR1: &str = "smsr1.localhost";
const SMSR2: &str = "smsr2.localhost";
const SMSR2_MSISDN: &str = "447700900002";
const ICCID2: &str = "8944000000000000029";
const MSISDN2: &str = "447700900003";

fn header(message_id: &str) -> WsHeader {
    WsHeader {
        to: None,
        from: Some(OPERATOR.into()),
        reply_to: None,
        message_id: message_id.into(),
        action: String::new(),
        relates_to: None,
    }
}

fn request<B: RequestBody>(message_id: &str, body: B) -> String {
    let msg: Message<B> = Message::Request(rsp_codec::ws::Request {
        function_call_identifier: format!("fc-{message_id}"),
        validity_period: Some(300),
        body,
    });
    envelope::build(&msg.envelope(header(message_id)))
}

/// The response's execution status and its subject/reason codes.
fn status<B: RequestBody>(text: &str) -> (ExecutionStatus, Option<(String, String)>) {
    let env = envelope::parse(text).unwrap_or_else(|e| panic!("{e}: {text}"));
    match Message::<B>::from_envelope(&env).unwrap() {
        Message::Response(r) => (
            r.status.status,
            r.status
                .status_code_data
                .map(|d| (d.subject_code, d.reason_code)),
        ),
        _ => panic!("not a response: {text}"),
    }
}

/// `rsp pki issue` of a TLS certificate for `host` under the test CI: DIR/NAME.pem, .key.pem.
fn tls_identity(nist: &Path, host: &str, out: &Path) {
    let o = common::rsp()
        .args([
            "pki",
            "issue",
            "--role",
            "dp-tls",
            "--host",
            host,
            "--ca-cert",
        ])
        .arg(nist.join("ci.pem"))
        .arg("--ca-key")
        .arg(nist.join("ci.key.pem"))
        .arg("--out")
        .arg(out)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
}

/// The lab card, its ECASD on `curve`.
fn card(curve: Curve) -> rsp_m2m_euicc::M2mEuicc {
    let keyset = rsp_m2m_euicc::Scp80Keyset::new(
        1,
        Kic::new(CipherAlgorithm::TdesCbc2Key, 1),
        &KIC,
        Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 1),
        &KID,
    )
    .unwrap();
    let profile = |index, iccid, msisdn, enabled| rsp_testkit::m2m::LabProfile {
        index,
        iccid,
        msisdn,
        enabled,
        fallback: enabled,
    };
    let mut card = rsp_testkit::m2m::card_on(
        curve,
        rsp_pki::DEFAULT_EID,
        vec![keyset],
        &[
            profile(0, ICCID, DEVICE_MSISDN, true),
            profile(1, ICCID2, MSISDN2, false),
        ],
    );
    // SM-SR1's SCP81 PSK on the ISD-R too: it goes with SM-SR1's keysets.
    card.set_scp81_psk(PSK_IDENTITY, &PSK).unwrap();
    card
}

const PSK_IDENTITY: &str = "smsr1-psk";
const PSK: [u8; 16] = [0x5C; 16];

fn wait_for(what: &str, seconds: u64, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while !f() {
        assert!(
            start.elapsed() < Duration::from_secs(seconds),
            "timed out waiting for {what}"
        );
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn smsr_change_between_two_servers() {
    smsr_change(Curve::NistP256);
}

#[test]
fn smsr_change_on_brainpool() {
    smsr_change(Curve::BrainpoolP256r1);
}

/// How many ES5 SMS the SM-SR logging to `dir` refused so far.
fn refused_sms(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("smsr.log"))
        .unwrap()
        .matches("ES5 SMS refused")
        .count()
}

/// The change with the card's PKI on `curve`.
fn smsr_change(curve: Curve) {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir1 = common::temp_dir();
    let dir2 = common::temp_dir();
    let nist = common::test_pki(&dir1).join("nist");
    tls_identity(&nist, SMSR1, &dir1.join("smsr1"));
    // `tls_client(dir1, "smsr1")` trusts dir1/ci.pem.
    std::fs::copy(nist.join("ci.pem"), dir1.join("ci.pem")).unwrap();
    tls_identity(&nist, SMSR2, &dir2.join("smsr2"));
    let smsc = lab_smsc(&rt, &dir1, &[("device", "devpw"), ("smsr2", "smsr2pw")]);
    std::fs::write(dir2.join("smpp.pw"), "smsr2pw\n").unwrap();
    let (endpoint, received) = operator_endpoint(&rt);
    let card = card(curve);
    let eid = card.eid().to_owned();
    let dev = rt.block_on(device(smsc.local_addr(), card));

    // SM-SR2's CERT.SR.ECDSA from the card's CI (the SM-DS auth certificate's key stands
    // in for the SM-SR's, as in rsp-keyest's tests).
    let lab = rsp_testkit::m2m::lab_pki_on(&eid, curve);
    assert_eq!(
        lab.get(Role::Euicc).unwrap().cert.public_key().curve(),
        curve
    );
    let sr = lab.get(Role::DsAuth).unwrap();
    let gp = rsp_smdp::certificate::issue_smsr(&sr.cert, &lab.get(Role::Ci).unwrap().key).unwrap();
    std::fs::write(dir2.join("sr.gp"), gp.to_tlv().unwrap()).unwrap();
    std::fs::write(dir2.join("sr.key.pem"), sr.key.to_pkcs8_pem().as_bytes()).unwrap();

    let (ws1, ws2) = (common::free_port(), common::free_port());
    let es7 = |port: u16| format!("https://localhost:{port}/gsma/sgp02/es7");
    let with = |mut v: Vec<String>, more: &[&str]| {
        v.extend(more.iter().map(|s| (*s).to_owned()));
        v
    };
    let path = |p: std::path::PathBuf| p.display().to_string();
    let server1 = Server {
        dir: dir1.clone(),
        smsc: smsc.local_addr(),
        admin: common::free_port(),
        extra: with(
            web_service_args(&nist, ws1, OPERATOR, endpoint),
            &[
                "--smsr-id",
                SMSR1,
                "--client-cert",
                &path(dir1.join("smsr1.pem")),
                "--client-key",
                &path(dir1.join("smsr1.key.pem")),
                "--notice-ca",
                &path(nist.join("ci.pem")),
                "--peer-smsr",
                &format!("{SMSR2}={}", es7(ws2)),
            ],
        ),
    };
    let server2 = Server {
        dir: dir2.clone(),
        smsc: smsc.local_addr(),
        admin: common::free_port(),
        extra: with(
            web_service_args(&nist, ws2, OPERATOR, endpoint),
            &[
                "--smsr-id",
                SMSR2,
                "--smpp-system-id",
                "smsr2",
                "--msisdn",
                SMSR2_MSISDN,
                "--client-cert",
                &path(dir2.join("smsr2.pem")),
                "--client-key",
                &path(dir2.join("smsr2.key.pem")),
                "--notice-ca",
                &path(nist.join("ci.pem")),
                "--peer-smsr",
                &format!("{SMSR1}={}", es7(ws1)),
                "--sr-gp-cert",
                &path(dir2.join("sr.gp")),
                "--sr-key",
                &path(dir2.join("sr.key.pem")),
            ],
        ),
    };
    let running1 = server1.start();
    let running2 = server2.start();

    // The card's EIS on SM-SR1: two Profiles of the Operator, the first enabled.
    let ecasd = lab.get(Role::Euicc).unwrap().cert.der().to_vec();
    let profile = |index: u8, iccid: &str, msisdn: &str, enabled: bool| {
        serde_json::json!({
            "iccid": iccid,
            "isdPAid": rsp_codec::sgp02::Aid::isd_p(index).unwrap().to_hex(),
            "mnoId": OPERATOR,
            "state": if enabled { "ENABLED" } else { "DISABLED" },
            "fallbackAttribute": enabled,
            "subscriptionAddress": {"msisdn": msisdn}
        })
    };
    let (code, body) = post(
        server1.admin,
        "/smsr/v1/euiccs",
        &serde_json::json!({
            "eis": {
                "eid": eid, "eumId": "eum", "smsrId": "",
                "ecasdCertificate": base64::Engine::encode(
                    &base64::engine::general_purpose::STANDARD, &ecasd),
                "profiles": [profile(0, ICCID, DEVICE_MSISDN, true),
                             profile(1, ICCID2, MSISDN2, false)]
            },
            "keys": {"scp80": [{"version": 1, "algorithm": "tdes",
                "kic": hex::encode(KIC), "kid": hex::encode(KID)}],
                "scp81": {"identity": PSK_IDENTITY, "key": hex::encode(PSK)}}
        }),
    );
    assert_eq!(code, 201, "{body}");

    let mno = tls_client(&nist, "mno");
    let smsr1_client = tls_client(&dir1, "smsr1");
    let es4 = |port: u16| format!("https://localhost:{port}/gsma/sgp02/es4");

    // Refused: HandoverEUICC from SM-SR1 before any PrepareSMSRChange on SM-SR2.
    let handover = Es7Message::Request(rsp_codec::ws::Request {
        function_call_identifier: "fc-h".into(),
        validity_period: None,
        body: Es7Request::HandoverEuicc(Box::new(rsp_codec::ws::Eis {
            eid: eid.clone(),
            eum_id: "eum".into(),
            production_date: String::new(),
            platform_type: String::new(),
            platform_version: String::new(),
            ecasd: None,
            remaining_memory: None,
            available_memory_for_profiles: None,
            smsr_id: Some(SMSR1.into()),
            profiles: Vec::new(),
            isd_r: None,
        })),
    });
    let text = envelope::build(&handover.envelope(WsHeader {
        reply_to: Some(es7(ws1)),
        ..header("urn:rsp:es7:forged")
    }));
    let (code, text) = soap_post(&rt, &smsr1_client, &es7(ws2), text);
    assert_eq!(code, 200, "{text}");
    match Es7Message::from_envelope(&envelope::parse(&text).unwrap()).unwrap() {
        Es7Message::Response(r) => {
            assert_eq!(r.status.status, ExecutionStatus::Failed, "{text}");
            let d = r.status.status_code_data.unwrap();
            assert_eq!(
                (d.subject_code.as_str(), d.reason_code.as_str()),
                ("1.1", "1.2")
            );
        }
        other => panic!("{other:?}"),
    }
    // SM-SR2 does not know the eUICC.
    let (_, text) = soap_post(
        &rt,
        &mno,
        &es4(ws2),
        request(
            "g-0",
            Es4Request(ProfileRequest::GetEis { eid: eid.clone() }),
        ),
    );
    assert_eq!(
        status::<Es4Request>(&text),
        (
            ExecutionStatus::Failed,
            Some(("8.1.1".into(), "3.9".into()))
        )
    );

    // The Operator starts the change over ES4 with `rsp m2m es4` (SOAP over mutual TLS).
    let operator_call = |function: &str, port: u16, smsr_flag: &str, smsr: &str| {
        let out = common::rsp()
            .args(["m2m", "es4", function, "--url", &es4(port), "--eid", &eid])
            .args([smsr_flag, smsr])
            .arg("--cert")
            .arg(nist.join("mno.pem"))
            .arg("--key")
            .arg(nist.join("mno.key.pem"))
            .arg("--ca")
            .arg(nist.join("ci.pem"))
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout).into_owned();
        assert!(
            out.status.success(),
            "{text}{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["status"], "Executed-Success", "{text}");
    };
    operator_call("prepare-smsr-change", ws2, "--current-smsr-id", SMSR1);
    operator_call("smsr-change", ws1, "--target-smsr-id", SMSR2);

    // The change completes: SM-SR2 shows the eUICC, the Operator is told.
    wait_for("SM-SR2 to hold the eUICC", 90, || {
        get_json(server2.admin, &format!("/smsr/v1/euiccs/{eid}"))["smsrId"] == SMSR2
    });
    wait_for("HandleSMSRChangeNotification", 30, || {
        rt.block_on(received.lock())
            .iter()
            .any(|b| b.contains("HandleSMSRChangeNotification") && b.contains(SMSR2))
    });
    let (_, text) = soap_post(
        &rt,
        &mno,
        &es4(ws2),
        request(
            "g-1",
            Es4Request(ProfileRequest::GetEis { eid: eid.clone() }),
        ),
    );
    assert_eq!(
        status::<Es4Request>(&text).0,
        ExecutionStatus::Success,
        "{text}"
    );
    // SM-SR2 pointed the card's SM-SR addressing at itself (its MSISDN, the TAR of the
    // card's MO packets), the first ES5 function under its new keyset.
    wait_for("the card's SM-SR addressing", 60, || {
        let card = dev.card.lock().unwrap();
        card.state().smsr.msisdn.as_ref().map(|a| a.digits.as_str()) == Some(SMSR2_MSISDN)
    });
    assert_eq!(
        dev.card.lock().unwrap().state().smsr.tar,
        Some(rsp_codec::sgp02::consts::ISD_R_TAR)
    );
    let log = get_json(server2.admin, &format!("/smsr/v1/euiccs/{eid}/operations"));
    let first = log.as_array().unwrap().last().unwrap();
    assert_eq!(
        first["function"]["function"], "updateSmsrAddressingParameters",
        "{log}"
    );
    assert_eq!(first["function"]["msisdn"], SMSR2_MSISDN, "{log}");
    assert_eq!(first["requester"]["kind"], "smSr", "{log}");
    assert_eq!(first["status"], "done", "{log}");

    // The card holds SM-SR2's AES keyset of version 2 only: SM-SR1 deleted its own and its
    // SCP81 PSK, and a packet under its keyset is refused now.
    {
        let mut card = dev.card.lock().unwrap();
        let versions: Vec<u8> = card.state().keysets.iter().map(|k| k.version).collect();
        assert_eq!(versions, vec![2], "the card's ISD-R keysets");
        assert!(card.state().scp81_psk.is_none(), "SM-SR1's PSK deleted");
        let old =
            rsp_smsr::Scp80Keyset::new(1, rsp_smsr::Scp80Algorithm::Tdes, &KIC, &KID).unwrap();
        let script = rsp_smsr::es5::Es5Script {
            tar: rsp_codec::sgp02::consts::ISD_R_TAR,
            apdus: vec![rsp_codec::sgp02::GetStatus { aid: None }.to_apdu().unwrap()],
        };
        let packet = rsp_smsr::es5::seal(&old, 1_000, &script).unwrap();
        // The card knows no keyset of that version any more.
        let r = card.receive_command_packet(&packet);
        assert!(!matches!(r, Ok(ref r) if r.accepted), "{r:?}");
    }

    // SM-SR1 forgot the eUICC.
    let enable = |n: &str| {
        request(
            n,
            Es4Request(ProfileRequest::EnableProfile {
                eid: eid.clone(),
                iccid: ICCID2.into(),
            }),
        )
    };
    let (_, text) = soap_post(&rt, &mno, &es4(ws1), enable("e-1"));
    assert_eq!(
        status::<Es4Request>(&text),
        (
            ExecutionStatus::Failed,
            Some(("8.1.1".into(), "3.9".into()))
        )
    );

    // The metrics of both sides: each reached `completed`; the ES7 calls by function.
    let metrics1 = common::http_get(server1.admin, "/metrics").unwrap();
    let metrics2 = common::http_get(server2.admin, "/metrics").unwrap();
    let changes = "rsp_smsr_changes_total";
    let completed = |side: &str| [format!("side=\"{side}\""), "stage=\"completed\"".into()];
    let [a, b] = completed("current");
    assert_eq!(
        sample(&metrics1, changes, &[&a, &b]),
        Some(1.0),
        "{metrics1}"
    );
    let [a, b] = completed("new");
    assert_eq!(
        sample(&metrics2, changes, &[&a, &b]),
        Some(1.0),
        "{metrics2}"
    );
    let es7_call = |m: &str, function: &str, status: &str| {
        let labels = [
            "interface=\"es7\"".to_owned(),
            format!("function=\"{function}\""),
            format!("status=\"{status}\""),
        ];
        let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
        sample(m, "rsp_smsr_ws_calls_total", &labels).unwrap_or(0.0)
    };
    assert!(
        es7_call(&metrics1, "AuthenticateSMSR", "Executed-Success") >= 1.0,
        "{metrics1}"
    );
    assert!(
        es7_call(&metrics1, "HandoverEUICCResponse", "Received") >= 1.0,
        "{metrics1}"
    );
    assert!(
        es7_call(&metrics2, "HandoverEUICC", "Accepted") >= 1.0,
        "{metrics2}"
    );
    assert!(
        es7_call(&metrics2, "HandleSMSRChangeNotification", "Received") >= 1.0,
        "{metrics2}"
    );

    // SM-SR2 enables the second Profile with its keyset.
    let packets = dev.packets.load(std::sync::atomic::Ordering::SeqCst);
    let (code, text) = soap_post(&rt, &mno, &es4(ws2), enable("e-2"));
    assert_eq!(code, 200, "{text}");
    assert_eq!(
        status::<Es4Request>(&text).0,
        ExecutionStatus::Success,
        "{text}"
    );
    assert!(dev.packets.load(std::sync::atomic::Ordering::SeqCst) > packets);
    {
        let card = dev.card.lock().unwrap();
        let enabled = card.state().enabled().unwrap();
        assert_eq!(enabled.aid, rsp_codec::sgp02::Aid::isd_p(1).unwrap());
        let new = card
            .state()
            .keysets
            .iter()
            .find(|k| k.version == 2)
            .unwrap();
        assert!(new.counter.to_u64() > 0, "the new keyset's counter moved");
    }

    // The attach with the second Profile fails: the card falls back to the first and
    // notifies (type 03). Its notification goes to SM-SR2, which records the fallback in
    // the EIS and confirms it (under the new keyset); SM-SR1 gets nothing.
    let refused1 = refused_sms(&dir1);
    dev.card.lock().unwrap().network_attach(false).unwrap();
    let to = rt.block_on(dev.send_notifications());
    assert_eq!(to, SMSR2_MSISDN);
    wait_for("SM-SR2 to apply the fallback notification", 60, || {
        let eis = get_json(server2.admin, &format!("/smsr/v1/euiccs/{eid}"));
        eis["profiles"]
            .as_array()
            .unwrap()
            .iter()
            .any(|p| p["iccid"] == ICCID && p["state"] == "ENABLED")
    });
    wait_for("SM-SR2's confirmation", 60, || {
        dev.card.lock().unwrap().state().pending.is_empty()
    });
    assert_eq!(refused_sms(&dir1), refused1, "SM-SR1 got an SMS");

    drop(running1);
    drop(running2);
    // Both audit trails verify and hold each stage of their side, with the peer, the ES7
    // calls with the calling SM-SR; SM-SR1 removed the EIS; no key.
    for (dir, side, peer, call) in [
        (&dir1, "current", SMSR2, "es7.AuthenticateSMSR"),
        (&dir2, "new", SMSR1, "es7.HandoverEUICC"),
    ] {
        let (text, trail) = common::m2m::audit_trail(&dir.join("smsr.db"));
        assert!(!text.contains(&hex::encode(KIC)) && !text.contains(&hex::encode_upper(KIC)));
        let done = trail
            .iter()
            .find(|r| r["action"] == "smsr.change.completed")
            .unwrap_or_else(|| panic!("{side}: {text}"));
        assert_eq!(done["subject"], eid.as_str());
        assert_eq!(done["actor"], OPERATOR);
        assert_eq!(done["details"]["side"], side);
        assert_eq!(done["details"]["peer"], peer);
        let called = trail
            .iter()
            .find(|r| r["action"] == call)
            .unwrap_or_else(|| panic!("{call}: {text}"));
        assert_eq!(called["actor"], peer, "the peer's client certificate CN");
        assert_eq!(called["subject"], eid.as_str());
        let removed = trail.iter().any(|r| r["action"] == "smsr.eis.remove");
        assert_eq!(removed, side == "current", "{text}");
    }
    rt.block_on(smsc.shutdown());
    let _ = std::fs::remove_dir_all(&dir1);
    let _ = std::fs::remove_dir_all(&dir2);
}
