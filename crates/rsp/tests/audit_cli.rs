//! `rsp audit` against a real `rsp serve smdpp` (issue 24, audit trail): the server records
//! its configuration and admin calls, chains them and signs a checkpoint at shutdown with
//! --audit-key; `rsp audit verify` proves the trail intact (also against the trusted key)
//! and `rsp audit export` writes JSON lines; after one byte of one record is changed in the
//! database file, `verify` fails and names that record.
#![allow(clippy::unwrap_used)]

mod common;

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{Running, free_port, http_get, rsp, temp_dir, wait_healthy};

fn stop(server: &mut Running) {
    let pid = server.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let start = Instant::now();
    loop {
        if let Some(status) = server.0.try_wait().unwrap() {
            assert!(status.success(), "{status}");
            return;
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "no exit after SIGTERM"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn the_trail_verifies_exports_and_names_a_changed_record() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    assert!(
        rsp()
            .args(["pki", "init", "--out"])
            .arg(&pki)
            .status()
            .unwrap()
            .success()
    );
    // A dedicated audit key (a new key from `rsp pki csr`).
    let audit = dir.join("audit");
    let out = rsp()
        .args([
            "pki",
            "csr",
            "--role",
            "mno",
            "--subject",
            "CN=Audit",
            "--out",
        ])
        .arg(&audit)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let audit_key = dir.join("audit.key.pem");
    let db = dir.join("smdpp.db");
    let url = format!("sqlite://{}", db.display());
    let (port, admin) = (free_port(), free_port());
    let child = rsp()
        .args(["serve", "smdpp", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .arg("--pki")
        .arg(&pki)
        .arg("--database")
        .arg(&url)
        .arg("--data-key-file")
        .arg(dir.join("data.key"))
        .arg("--audit-key")
        .arg(&audit_key)
        .env_remove("RSP_SMDPP_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    wait_healthy(admin, &mut server.0);
    for _ in 0..3 {
        let r = http_get(admin, "/admin/v1/profiles").unwrap();
        assert!(r.starts_with("HTTP/1.1 200"), "{r}");
    }
    stop(&mut server);

    let verify = |extra: &[&str]| {
        rsp()
            .args(["audit", "verify", "--database", &url])
            .args(extra)
            .output()
            .unwrap()
    };
    let ok = verify(&["--trusted-key", audit_key.to_str().unwrap()]);
    let stdout = String::from_utf8_lossy(&ok.stdout);
    assert!(
        ok.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&ok.stderr)
    );
    assert!(
        stdout.starts_with("OK: 4 records chained, 1 signed checkpoints"),
        "{stdout}"
    );
    // Another trusted key: refused.
    let other = verify(&["--trusted-key", pki.join("nist/mno.pem").to_str().unwrap()]);
    assert!(!other.status.success());
    assert!(String::from_utf8_lossy(&other.stderr).contains("another key"));

    let export = rsp()
        .args(["audit", "export", "--database", &url])
        .output()
        .unwrap();
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&export.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines.len(), 4);
    assert_eq!(lines[0]["action"], "config.start");
    assert_eq!(lines[0]["details"]["signedCheckpoints"], true);
    assert_eq!(lines[1]["action"], "admin.GET");
    assert_eq!(lines[1]["subject"], "/admin/v1/profiles");
    assert_eq!(lines[1]["details"]["httpStatus"], 200);

    // One byte of record 1 changed in the database file: named.
    let mut bytes = std::fs::read(&db).unwrap();
    let needle = b"\"signedCheckpoints\":true";
    let at = bytes
        .windows(needle.len())
        .position(|w| w == needle)
        .expect("record 1 in the file");
    bytes[at + needle.len() - 4] = b'T';
    std::fs::write(&db, bytes).unwrap();
    let broken = verify(&[]);
    assert!(!broken.status.success());
    let err = String::from_utf8_lossy(&broken.stderr);
    assert!(err.contains("BROKEN at record 1"), "{err}");
    let _ = std::fs::remove_dir_all(&dir);
}
