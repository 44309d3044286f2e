//! `rsp serve eim` as a user runs it: options documented in --help; started on the
//! `rsp pki init` output with one tenant; /health; the REST API with curl (an independent
//! client): a wrong token refused, an eUICC registered; ESipa GetEimPackage as raw DER with
//! curl answered noEimPackageAvailable; the ESipa counter in /metrics; the tenant's call in
//! the audit trail.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{Running, free_port, http_get, rsp, temp_dir, wait_healthy};

const EID: &str = "89049032123451234512345678901235";
/// SHA-256 of "secret-token".
const TOKEN: &str = "secret-token";

#[test]
fn help_documents_every_option() {
    let out = rsp().args(["serve", "eim", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--config",
        "--listen",
        "--admin-listen",
        "--database",
        "--pki",
        "--tls-cert",
        "--tls-key",
        "--eim-id",
        "--eim-key-nist",
        "--eim-key-brainpool",
        "--ci",
        "--smdp-ca",
        "--tenant",
        "--log-format",
        "--audit-key",
        "RSP_EIM_LISTEN",
        "RSP_EIM_ADMIN_TOKEN",
        "rsp_esipa_calls_total",
        "rsp_eim_pending_operations",
    ] {
        assert!(help.contains(opt), "{opt} missing from --help:\n{help}");
    }
    let out = rsp()
        .args(["serve", "eim", "--pki", "/nonexistent"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("signing key"));
}

fn curl(pki: &Path, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(pki.join("nist/ci.pem"))
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn serves_esipa_and_the_rest_api() {
    if Command::new("curl").arg("-V").output().is_err() {
        println!("SKIP: curl not on PATH");
        return;
    }
    let dir = temp_dir();
    let pki = dir.join("pki");
    let out = rsp()
        .args(["pki", "init", "--out"])
        .arg(&pki)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let hash = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(TOKEN.as_bytes()))
    };
    let (port, admin) = (free_port(), free_port());
    let mut cmd = rsp();
    cmd.args(["serve", "eim", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .arg("--pki")
        .arg(&pki)
        .args(["--tenant", &format!("acme={hash}")])
        .arg("--audit-key")
        .arg(pki.join("nist/eim.key.pem"))
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("eim.db").display()))
        .env_remove("RSP_EIM_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut running = Running(cmd.spawn().unwrap());
    wait_healthy(admin, &mut running.0);

    let base = format!("https://localhost:{port}");
    let code = curl(
        &pki,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "Authorization: Bearer wrong",
            &format!("{base}/eim/v1/euiccs"),
        ],
    );
    assert_eq!(code, "401");
    let body = curl(
        &pki,
        &[
            "-H",
            &format!("Authorization: Bearer {TOKEN}"),
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!(r#"{{"eid":"{EID}"}}"#),
            &format!("{base}/eim/v1/euiccs"),
        ],
    );
    assert!(body.contains(EID), "{body}");

    // GetEimPackageRequest BF4F { 5A 10 EID }, as raw DER.
    let mut der = vec![0xBF, 0x4F, 0x12, 0x5A, 0x10];
    der.extend(hex::decode(EID).unwrap());
    let req = dir.join("get.der");
    std::fs::write(&req, &der).unwrap();
    let resp = dir.join("resp.der");
    curl(
        &pki,
        &[
            "-H",
            "Content-Type: application/x-gsma-rsp-asn1",
            "--data-binary",
            &format!("@{}", req.display()),
            "-o",
            resp.to_str().unwrap(),
            &format!("{base}/gsma/rsp2/asn1"),
        ],
    );
    // GetEimPackageResponse BF4F { eimPackageError 02 01 01 (noEimPackageAvailable) }.
    assert_eq!(
        std::fs::read(&resp).unwrap(),
        [0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01]
    );

    let metrics = http_get(admin, "/metrics").unwrap();
    assert!(metrics.contains("rsp_esipa_calls_total"), "{metrics}");
    assert!(metrics.contains("noEimPackageAvailable"), "{metrics}");
    drop(running);
    // The tenant's registration is in the audit trail, which verifies.
    let db = format!("sqlite://{}", dir.join("eim.db").display());
    let out = rsp()
        .args(["audit", "export", "--database", &db])
        .output()
        .unwrap();
    let trail = String::from_utf8_lossy(&out.stdout);
    assert!(
        trail.contains("\"actor\":\"acme\"") && trail.contains("eim.POST"),
        "{trail}"
    );
    let out = rsp()
        .args(["audit", "verify", "--database", &db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}
