//! `rsp serve smds` as a user runs it: options documented in --help; a Root and an
//! Alternative SM-DS started on the `rsp pki init` output; ES12 over mutual TLS with curl
//! (an independent client) as the SM-DP+ (CERT.DPtls); the forwarded event cascaded to the
//! root (ES15) and visible in the root's admin API; deletion by another certificate refused
//! 8.9.5/3.9 and by the owner accepted, the cascade then deleted at the root; SIGTERM.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Running, free_port, http_get, rsp, temp_dir, test_pki, wait_healthy};

const EID: &str = "89049032123451234512345678901235";

#[test]
fn help_documents_every_option() {
    let out = rsp().args(["serve", "smds", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--config",
        "--listen",
        "--admin-listen",
        "--address",
        "--database",
        "--pki",
        "--tls-cert",
        "--tls-key",
        "--client-ca",
        "--ds-credentials",
        "--crl",
        "--role",
        "--root-address",
        "--root-ca",
        "--es15-client-cert",
        "--es15-client-key",
        "--log-format",
        "RSP_SMDS_LISTEN",
        "RSP_SMDS_ADMIN_TOKEN",
        "rsp_smds_pending_cascades",
    ] {
        assert!(help.contains(opt), "{opt} missing from --help:\n{help}");
    }
    // An alternative SM-DS needs its root.
    let out = rsp()
        .args(["serve", "smds", "--role", "alternative"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("--root-address"));
}

fn start(dir: &Path, pki: &Path, name: &str, root: Option<u16>) -> (Running, u16, u16) {
    let (port, admin) = (free_port(), free_port());
    let mut cmd = rsp();
    cmd.args(["serve", "smds", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .args(["--address", &format!("localhost:{port}")])
        .arg("--pki")
        .arg(pki)
        .arg("--audit-key")
        .arg(pki.join("nist/eim.key.pem"))
        .arg("--database")
        .arg(format!(
            "sqlite://{}",
            dir.join(format!("{name}.db")).display()
        ))
        .env_remove("RSP_SMDS_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(root) = root {
        cmd.args(["--role", "alternative"])
            .args(["--root-address", &format!("localhost:{root}")]);
    }
    let mut running = Running(cmd.spawn().unwrap());
    wait_healthy(admin, &mut running.0);
    (running, port, admin)
}

/// ES12 `function` at `port` with curl presenting `identity` of the NIST PKI.
fn curl_es12(pki: &Path, port: u16, identity: &str, function: &str, body: &str) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(pki.join("nist/ci.pem"))
        .arg("--cert")
        .arg(pki.join(format!("nist/{identity}.pem")))
        .arg("--key")
        .arg(pki.join(format!("nist/{identity}.key.pem")))
        .args([
            "-H",
            "Content-Type: application/json;charset=UTF-8",
            "-H",
            "X-Admin-Protocol: gsma/rsp/v2.5.0",
            "-d",
            body,
            &format!("https://localhost:{port}/gsma/rsp2/es12/{function}"),
        ])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Polls the admin `path` until `accept` holds (the cascade sender runs every 0.5 s).
fn wait_admin(port: u16, path: &str, accept: impl Fn(&str) -> bool) -> String {
    let start = Instant::now();
    loop {
        let body = http_get(port, path).unwrap_or_default();
        if accept(&body) {
            return body;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "{path}: {body}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn root_and_alternative_smds_cascade_an_event() {
    if Command::new("curl").arg("-V").output().is_err() {
        println!("SKIP: curl not on PATH");
        return;
    }
    let dir = temp_dir();
    let pki = test_pki(&dir);
    let (mut root, root_port, root_admin) = start(&dir, &pki, "root", None);
    let (mut alt, alt_port, alt_admin) = start(&dir, &pki, "alt", Some(root_port));

    let header = r#""header":{"functionRequesterIdentifier":"smdp","functionCallIdentifier":"1"}"#;
    let register = format!(
        r#"{{{header},"eid":"{EID}","rspServerAddress":"smdp.example.com","eventId":"EVT-1","forwardingIndicator":true}}"#
    );
    let out = curl_es12(&pki, alt_port, "dp-tls", "registerEvent", &register);
    assert!(out.contains("Executed-Success"), "{out}");
    let again = curl_es12(&pki, alt_port, "dp-tls", "registerEvent", &register);
    assert!(again.contains(r#""subjectCode":"8.9.5""#), "{again}");
    assert!(again.contains(r#""reasonCode":"3.3""#), "{again}");

    // The cascade reaches the root: an event for the EID pointing at the alternative.
    let events = wait_admin(root_admin, &format!("/admin/v1/events?eid={EID}"), |b| {
        b.contains(&format!("localhost:{alt_port}"))
    });
    assert!(events.contains(EID), "{events}");
    let counts = wait_admin(alt_admin, "/admin/v1/events/counts", |b| {
        b.contains(r#""pendingCascades":0"#)
    });
    assert!(counts.contains(r#""events":1"#), "{counts}");

    // Another certificate cannot delete it; the owner can, and the cascade goes too.
    let delete = format!(r#"{{{header},"eid":"{EID}","eventId":"EVT-1"}}"#);
    let other = curl_es12(&pki, alt_port, "mno", "deleteEvent", &delete);
    assert!(other.contains(r#""subjectCode":"8.9.5""#), "{other}");
    assert!(other.contains(r#""reasonCode":"3.9""#), "{other}");
    let out = curl_es12(&pki, alt_port, "dp-tls", "deleteEvent", &delete);
    assert!(out.contains("Executed-Success"), "{out}");
    wait_admin(root_admin, "/admin/v1/events/counts", |b| {
        b.contains(r#""events":0"#)
    });
    let metrics = http_get(alt_admin, "/metrics").unwrap();
    assert!(metrics.contains("rsp_es12_calls_total"), "{metrics}");
    assert!(
        metrics.contains("rsp_smds_cascades_sent_total"),
        "{metrics}"
    );

    for server in [&mut alt, &mut root] {
        let pid = server.0.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-TERM", &pid])
                .status()
                .unwrap()
                .success()
        );
        let start = Instant::now();
        let status = loop {
            if let Some(s) = server.0.try_wait().unwrap() {
                break s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "no exit after SIGTERM"
            );
            std::thread::sleep(Duration::from_millis(50));
        };
        assert!(status.success(), "{status}");
    }
    // The alternative's audit trail: intact, signed at shutdown, with the ES12 calls and
    // the event changes (no EventID in it: it is the order's MatchingID).
    let url = format!("sqlite://{}", dir.join("alt.db").display());
    let verify = rsp()
        .args(["audit", "verify", "--database", &url, "--trusted-key"])
        .arg(pki.join("nist/eim.key.pem"))
        .output()
        .unwrap();
    let out = String::from_utf8_lossy(&verify.stdout);
    assert!(
        verify.status.success(),
        "{out}{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    assert!(out.contains("1 signed checkpoints"), "{out}");
    let export = rsp()
        .args(["audit", "export", "--database", &url])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&export.stdout);
    for action in [
        "config.start",
        "es12.registerEvent",
        "smds.event.register",
        "es12.deleteEvent",
        "smds.event.delete",
    ] {
        assert!(
            text.contains(&format!("\"action\":\"{action}\"")),
            "{action}: {text}"
        );
    }
    assert!(!text.contains("EVT-1"), "{text}");
    let _ = std::fs::remove_dir_all(&dir);
}
