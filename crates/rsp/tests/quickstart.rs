//! `rsp quickstart` as a newcomer runs it: exit 0, every step printed, the SM-DP+ shows the
//! profile Installed, then a second profile found through the SM-DS and downloaded; `--serve` keeps the SM-DP+ up with two unused Activation Codes in
//! quickstart.json, and another download with one of them succeeds.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Running, rsp, temp_dir, wait_for_json};

#[test]
fn quickstart_downloads_enables_and_reports_installed() {
    let cwd = temp_dir();
    let start = Instant::now();
    let out = rsp()
        .args(["quickstart", "--dir", "qs"])
        .current_dir(&cwd)
        .output()
        .unwrap();
    let elapsed = start.elapsed();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "Writing a test PKI",
        "Activation Code: LPA:1$localhost:",
        "installed ICCID 89001",
        "enabled; 1 notification(s) delivered",
        "\"state\":\"Installed\"",
        "Starting the SM-DS",
        "the SM-DP+ registers event",
        "-> SM-DP+ localhost:",
        "the SM-DP+ deletes its event (ES12)",
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    // The bound is 10 s after the build; a debug build on 2 cores takes < 2 s.
    assert!(elapsed < Duration::from_secs(10), "{elapsed:?}");

    // A second run reuses (wipes) its own directory; a foreign directory is refused.
    let again = rsp()
        .args(["quickstart", "--dir", "qs"])
        .current_dir(&cwd)
        .output()
        .unwrap();
    assert!(again.status.success());
    std::fs::create_dir_all(cwd.join("foreign")).unwrap();
    std::fs::write(cwd.join("foreign/keep.txt"), "mine").unwrap();
    let refused = rsp()
        .args(["quickstart", "--dir", "foreign"])
        .current_dir(&cwd)
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(cwd.join("foreign/keep.txt").exists());
    let _ = std::fs::remove_dir_all(&cwd);
}

#[test]
fn quickstart_serve_leaves_orders_for_another_lpa() {
    let cwd = temp_dir();
    let child = rsp()
        .args(["quickstart", "--serve", "--port", "0", "--admin-port", "0"])
        .args(["--smds-port", "0"])
        .current_dir(&cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let info = wait_for_json(&cwd.join("quickstart.json"), &mut server.0);
    for key in [
        "smdp_address",
        "smds_address",
        "smds_admin_url",
        "euicc_state",
        "pki_dir",
        "admin_url",
        "es2plus_url",
        "profile_type",
    ] {
        assert!(info[key].is_string(), "{key} missing in {info}");
    }
    let codes = info["activation_codes"].as_array().unwrap();
    assert_eq!(codes.len(), 2);

    // Another LPA (the CLI) downloads with an unused code into the fresh eUICC state of
    // quickstart.json, which remembers its identity: no --pki needed.
    let pki = info["pki_dir"].as_str().unwrap();
    let state = info["euicc_state"].as_str().unwrap();
    let out = rsp()
        .args(["lpa", "--json", "--state", state, "download", "--tls-ca"])
        .arg(Path::new(pki).join("nist/ci.pem"))
        .args(["--activation-code", codes[0].as_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let listed = rsp()
        .args(["euicc", "info", "--json", "--state", state])
        .output()
        .unwrap();
    assert!(listed.status.success());
    let listed: serde_json::Value = serde_json::from_slice(&listed.stdout).unwrap();
    assert_eq!(listed["profiles"].as_array().unwrap().len(), 1);
    drop(server);
    let _ = std::fs::remove_dir_all(&cwd);
}
