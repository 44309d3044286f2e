//! `rsp serve smdp` end to end: with `rsp serve smsr` and the lab's virtual M2M eUICC over
//! SMS, the generic Profile imported through the admin API, an Operator's ES2
//! DownloadProfile (SOAP over mutual TLS, ReplyTo, EnableProfile) is answered 202; the
//! SM-DP's worker downloads the Profile through the SM-SR's ES3 (CreateISDP, ES8 key
//! establishment and SCP03t download as SendData, UpdateConnectivityParameters,
//! ProfileDownloadCompleted, EnableProfile); the Operator's endpoint receives the
//! DownloadProfileResponse with the ICCID; the card holds the Profile enabled; the order
//! shows stage `enabled` and the Profile `installed`; GetEIS relayed to the SM-SR shows it.
//! Refusals answer synchronously with their status codes.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use base64::Engine as _;
use common::m2m::{SoapLab, card, get_json, post, soap_post, tls_client};
use common::{Running, free_port, rsp, temp_dir, test_pki, wait_healthy};
use rsp_codec::sgp02::consts::{LC_DISABLED, LC_ENABLED};
use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::{Message, ProfileRequest, Request};
use rsp_pki::Role;
use serde_json::json;

const OPERATOR: &str = "Test Operator";
const SMDP: &str = "localhost";
const NEW_MSISDN: &str = "447700900077";

fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

/// An ES2 request envelope from the Operator.
fn es2_request(body: Es2Request, reply_to: Option<String>) -> String {
    let id = format!("urn:uuid:{}", hex::encode(rand_bytes()));
    let msg: Es2Message = Message::Request(Request {
        function_call_identifier: id.clone(),
        validity_period: Some(600),
        body,
    });
    envelope::build(&msg.envelope(WsHeader {
        to: Some("https://localhost/gsma/sgp02/es2".into()),
        from: Some(OPERATOR.into()),
        reply_to,
        message_id: id,
        action: String::new(),
        relates_to: None,
    }))
}

/// POSTs an ES2 envelope as the Operator (the test PKI's `mno.pem`, CN "Test Operator")
/// to the SM-DP on `localhost:port`; the HTTP status and body.
fn es2_send(
    rt: &tokio::runtime::Runtime,
    nist: &std::path::Path,
    port: u16,
    body: String,
) -> (u16, String) {
    let url = format!("https://localhost:{port}/gsma/sgp02/es2");
    soap_post(rt, &tls_client(nist, "mno"), &url, body)
}

/// Writes the lab's CERT.DP.ECDSA source into `dir`: `dp.der` (the SM-DP's X.509
/// certificate), `dp.key.pem` (its key) and `ci.key.pem` (the lab CI's key).
fn write_dp_files(dir: &std::path::Path, lab: &rsp_pki::TestPki) {
    let dp = lab.get(Role::DpAuth).unwrap();
    std::fs::write(dir.join("dp.der"), dp.cert.der()).unwrap();
    std::fs::write(
        dir.join("dp.key.pem"),
        pem("PRIVATE KEY", &dp.key.to_pkcs8_der()),
    )
    .unwrap();
    std::fs::write(
        dir.join("ci.key.pem"),
        pem(
            "PRIVATE KEY",
            &lab.get(Role::Ci).unwrap().key.to_pkcs8_der(),
        ),
    )
    .unwrap();
}

/// `rsp serve smdp` on `es2_port` and `admin` with its database and data key in `dir`, the
/// test PKI's localhost TLS certificate and CI, and the ECDSA key `dp_key`.
fn smdp_command(
    dir: &std::path::Path,
    nist: &std::path::Path,
    es2_port: u16,
    admin: u16,
    dp_key: &std::path::Path,
) -> std::process::Command {
    let mut c = rsp();
    c.args(["serve", "smdp", "--log-format", "text"])
        .arg("--listen")
        .arg(format!("127.0.0.1:{es2_port}"))
        .arg("--admin-listen")
        .arg(format!("127.0.0.1:{admin}"))
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smdp.db").display()))
        .arg("--data-key-file")
        .arg(dir.join("smdp-data.key"))
        .arg("--tls-cert")
        .arg(nist.join("dp-tls.pem"))
        .arg("--tls-key")
        .arg(nist.join("dp-tls.key.pem"))
        .arg("--client-ca")
        .arg(nist.join("ci.pem"))
        .arg("--dp-key")
        .arg(dp_key);
    c
}

/// Runs `command`, which must fail saying `says`.
fn refused(mut command: std::process::Command, says: &str) {
    let out = command.output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(says), "{stderr}");
}

/// Spawns `command` (its log to `dir/smdp.log`) and waits until its admin API answers.
fn start(mut command: std::process::Command, dir: &std::path::Path, admin: u16) -> Running {
    let child = command
        .stderr(std::fs::File::create(dir.join("smdp.log")).unwrap())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_healthy(admin, &mut running.0);
    running
}

fn rand_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    b
}

#[test]
fn an_es2_download_profile_installs_and_enables_the_profile() {
    let lab = SoapLab::start(OPERATOR, Some(SMDP));
    let (dir, nist) = (&lab.dir, &lab.nist);

    // The SM-DP: CERT.DP.ECDSA issued at start by the lab CI (--ci-key), TLS from the test
    // PKI (dp-tls, CN localhost: the SM-DP identifier the SM-SR sees).
    write_dp_files(dir, &rsp_testkit::m2m::lab_pki(&lab.eid));
    let es2_port = free_port();
    let smdp_admin = free_port();
    let mut command = smdp_command(dir, nist, es2_port, smdp_admin, &dir.join("dp.key.pem"));
    command
        .args(["--smdp-id", SMDP, "--host-id", "SMDP-LAB"])
        .arg("--dp-cert")
        .arg(dir.join("dp.der"))
        .arg("--ci-key")
        .arg(dir.join("ci.key.pem"))
        .arg("--smsr")
        .arg(format!(
            "smsr1=https://localhost:{}/gsma/sgp02/es3",
            lab.ws_port
        ))
        .arg("--es3-client-cert")
        .arg(nist.join("dp-tls.pem"))
        .arg("--es3-client-key")
        .arg(nist.join("dp-tls.key.pem"))
        .arg("--es3-ca")
        .arg(nist.join("ci.pem"));
    let smdp = start(command, dir, smdp_admin);

    // Import the generic Profile; a package whose header names another ICCID is refused.
    let iccid = rsp_saip::template::values::ICCID;
    let package = rsp_saip::template::generic().encode().unwrap();
    let b64 = base64::engine::general_purpose::STANDARD.encode(&package);
    let (status, body) = post(
        smdp_admin,
        "/smdp/v1/profiles",
        &json!({"iccid": "8900100000000000010", "profileType": "generic", "package": b64}),
    );
    assert_eq!(status, 400, "{body}");
    let (status, body) = post(
        smdp_admin,
        "/smdp/v1/profiles",
        &json!({"iccid": iccid, "profileType": "generic", "msisdn": NEW_MSISDN, "package": b64}),
    );
    assert_eq!(status, 201, "{body}");
    assert_eq!(body["state"], "available", "{body}");
    let (status, body) = post(
        smdp_admin,
        "/smdp/v1/profiles",
        &json!({"iccid": iccid, "profileType": "generic", "package": b64}),
    );
    assert_eq!(status, 409, "{body}");

    // The Operator over ES2 (mutual TLS, its certificate's CN is the Operator).
    let send = |body: String| es2_send(&lab.rt, nist, es2_port, body);
    let download = |profile_type: &str| Es2Request::DownloadProfile {
        eid: lab.eid.clone(),
        smsr_id: "smsr1".into(),
        profile_type: profile_type.into(),
        iccid: None,
        enable_profile: true,
    };
    // Unknown type: answered at once, Profile Type / Unknown.
    let (status, text) = send(es2_request(download("nope"), None));
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("Failed") && text.contains("8.2.5") && text.contains("3.9"),
        "{text}"
    );

    let reply_to = format!("http://{}/es4", lab.endpoint);
    let (status, text) = send(es2_request(download("generic"), Some(reply_to)));
    assert_eq!(status, 202, "{text}");
    // The only Profile of the type is taken now.
    let (_, text) = send(es2_request(download("generic"), None));
    assert!(text.contains("8.2.5") && text.contains("3.7"), "{text}");

    // The DownloadProfileResponse reaches the ReplyTo.
    let start = Instant::now();
    let response = loop {
        let got = lab.rt.block_on(async { lab.received.lock().await.clone() });
        if let Some(r) = got.iter().find(|b| b.contains("DownloadProfileResponse")) {
            break r.clone();
        }
        let orders = get_json(smdp_admin, "/smdp/v1/orders");
        assert!(
            start.elapsed() < Duration::from_secs(400),
            "no DownloadProfileResponse: {orders}; {got:?}"
        );
        std::thread::sleep(Duration::from_millis(500));
    };
    assert!(response.contains("Executed-Success"), "{response}");
    assert!(response.contains(iccid), "{response}");

    let order = get_json(smdp_admin, "/smdp/v1/orders/1");
    assert_eq!(order["stage"], "enabled", "{order}");
    assert_eq!(order["ended"], true, "{order}");
    assert_eq!(order["operator"], OPERATOR, "{order}");
    assert_eq!(order["iccid"], iccid, "{order}");
    let profiles = get_json(smdp_admin, "/smdp/v1/profiles");
    assert_eq!(profiles["profiles"][0]["state"], "installed", "{profiles}");

    // On the card: the new ISD-P holds the Profile, enabled, with its MSISDN.
    let aid = Aid::from_hex(order["isdpAid"].as_str().unwrap()).unwrap();
    {
        let card = lab.device.card.lock().unwrap();
        let p = card.state().isdp(&aid).unwrap().clone();
        assert_eq!(p.iccid.as_deref(), Some(iccid));
        assert_eq!(p.life_cycle, LC_ENABLED);
        assert_eq!(p.msisdn, Some(SmsAddress::international(NEW_MSISDN)));
        assert_eq!(
            card.state()
                .isdp(&Aid::isd_p(0).unwrap())
                .unwrap()
                .life_cycle,
            LC_DISABLED
        );
    }

    // A profile function relayed to the SM-SR over ES3: GetEIS shows the new Profile
    // enabled; an SM-SR the SM-DP does not know is refused (SM-SR / Unknown).
    let get_eis = |smsr_id: &str| Es2Request::Profile {
        smsr_id: smsr_id.into(),
        request: ProfileRequest::GetEis {
            eid: lab.eid.clone(),
        },
    };
    let (status, text) = send(es2_request(get_eis("smsr1"), None));
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("Executed-Success") && text.contains(iccid),
        "{text}"
    );
    let (_, text) = send(es2_request(get_eis("smsr9"), None));
    assert!(text.contains("Failed") && text.contains("8.7"), "{text}");

    drop(smdp);
    lab.finish();
}

/// CERT.DP.ECDSA from a file (`--dp-gp-cert`, written by `rsp m2m smdp-cert`): started when
/// the key matches it, refused when it does not or when no source is given.
#[test]
fn the_dp_certificate_comes_from_a_file_or_the_lab_ci() {
    let dir = temp_dir();
    let pki = test_pki(&dir);
    let nist = pki.join("nist");
    let lab = rsp_testkit::m2m::lab_pki(card().eid());
    let dp = lab.get(Role::DpAuth).unwrap();
    write_dp_files(&dir, &lab);
    // `rsp m2m smdp-cert` issues CERT.DP.ECDSA as the in-process issuer does.
    let out = rsp()
        .args(["m2m", "smdp-cert", "--dp-cert"])
        .arg(dir.join("dp.der"))
        .arg("--ci-key")
        .arg(dir.join("ci.key.pem"))
        .arg("--out")
        .arg(dir.join("dp.gp"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let written = std::fs::read(dir.join("dp.gp")).unwrap();
    let gp = rsp_codec::sgp02::es8::GpCertificate::parse(&written).unwrap();
    let expected = rsp_smdp::certificate::issue(&dp.cert, &lab.get(Role::Ci).unwrap().key).unwrap();
    assert_eq!(gp.signed_data().unwrap(), expected.signed_data().unwrap());
    assert_eq!(gp.to_tlv().unwrap(), written);
    let admin = free_port();
    let es2_port = free_port();
    let smdp = |source: &[&str], key: &std::path::Path| {
        let mut c = smdp_command(&dir, &nist, es2_port, admin, key);
        // Port 1: the SM-SR is out of reach; no retry window, so an order fails at once.
        c.args(["--smsr", "smsr1=https://localhost:1/gsma/sgp02/es3"])
            .args(["--order-retry-window", "0"])
            .args(source);
        c
    };
    let gp_file = dir.join("dp.gp");
    let gp_args = ["--dp-gp-cert", gp_file.to_str().unwrap()];

    refused(smdp(&[], &dir.join("dp.key.pem")), "CERT.DP.ECDSA");
    refused(
        smdp(&gp_args, &nist.join("dp-auth.key.pem")),
        "does not match",
    );
    let running = start(smdp(&gp_args, &dir.join("dp.key.pem")), &dir, admin);
    let profiles = get_json(admin, "/smdp/v1/profiles");
    assert_eq!(profiles["profiles"], json!([]), "{profiles}");

    // Without ReplyTo the answer waits for the order: here the SM-SR is unreachable, so
    // the order fails at GetEIS and the answer says so (SM-SR / no answer) with the ICCID.
    let iccid = rsp_saip::template::values::ICCID;
    let package = rsp_saip::template::generic().encode().unwrap();
    let (status, body) = post(
        admin,
        "/smdp/v1/profiles",
        &json!({"iccid": iccid, "profileType": "generic",
            "package": base64::engine::general_purpose::STANDARD.encode(&package)}),
    );
    assert_eq!(status, 201, "{body}");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let request = Es2Request::DownloadProfile {
        eid: card().eid().to_owned(),
        smsr_id: "smsr1".into(),
        profile_type: "generic".into(),
        iccid: None,
        enable_profile: false,
    };
    let (status, text) = es2_send(&rt, &nist, es2_port, es2_request(request, None));
    assert_eq!(status, 200, "{text}");
    assert!(
        text.contains("Failed") && text.contains("8.7") && text.contains("5.1"),
        "{text}"
    );
    assert!(text.contains(iccid), "{text}");
    let order = get_json(admin, "/smdp/v1/orders/1");
    assert_eq!(order["stage"], "failed", "{order}");
    assert_eq!(order["failure"]["subjectCode"], "8.7", "{order}");
    let profiles = get_json(admin, "/smdp/v1/profiles");
    assert_eq!(profiles["profiles"][0]["state"], "failed", "{profiles}");
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}
