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
use common::m2m::{SoapLab, card, get_json, post};
use common::smdp_lab::{
    OPERATOR, SMDP, es2_request, es2_send, lab_smdp_args, refused, smdp_command, start,
    write_dp_files,
};
use common::{free_port, rsp, temp_dir, test_pki};
use rsp_codec::sgp02::consts::{LC_DISABLED, LC_ENABLED};
use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_codec::ws::ProfileRequest;
use rsp_codec::ws::es2::Es2Request;
use rsp_pki::Role;
use serde_json::json;

const NEW_MSISDN: &str = "447700900077";

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
    command.args(lab_smdp_args(dir, nist, lab.ws_port));
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
