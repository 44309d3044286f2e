//! `rsp quickstart --iot` (SGP.32): exit 0 with the profile downloaded through an
//! eIM-triggered IPA poll, enabled by a PSMO and Installed at the SM-DP+; with `--serve`,
//! the eIM keeps running and `rsp ipa poll` on the quickstart's eUICC runs a PSMO queued
//! through the eIM's REST API (the IPA CLI end to end over HTTPS).
#![allow(clippy::unwrap_used)]

mod common;

use std::process::Stdio;
use std::time::{Duration, Instant};

use common::{Running, rsp, temp_dir, wait_for_json};

/// Direct download by the IPA, then (`--indirect`) the eIM relaying ES9+ for it.
#[test]
fn quickstart_iot_downloads_through_the_ipa_and_enables_by_psmo() {
    quickstart(&[], "direct from the SM-DP+");
    quickstart(&["--indirect"], "indirect: the eIM relayed ES9+");
}

fn quickstart(extra: &[&str], mode: &str) {
    let cwd = temp_dir();
    let out = rsp()
        .args(["quickstart", "--iot", "--dir", "qs"])
        .args(extra)
        .current_dir(&cwd)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    for needle in [
        "Starting the eIM",
        "ES10b.AddInitialEim",
        "downloaded and installed ICCID 89001",
        "notification 1 to the eIM: delivered",
        "enableResult 0",
        "\"enableResult\":0",
        "\"enabledIccid\":\"89001",
        "is Installed",
        mode,
    ] {
        assert!(stdout.contains(needle), "missing {needle:?} in:\n{stdout}");
    }
    let _ = std::fs::remove_dir_all(&cwd);
}

#[test]
fn ipa_cli_runs_a_psmo_queued_at_the_eim() {
    let cwd = temp_dir();
    let child = rsp()
        .args([
            "quickstart",
            "--iot",
            "--serve",
            "--port",
            "0",
            "--admin-port",
            "0",
        ])
        .args(["--eim-port", "0"])
        .current_dir(&cwd)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let info = wait_for_json(&cwd.join("quickstart.json"), &mut server.0);
    let api = info["eim_api_url"].as_str().unwrap().to_owned();
    let token = info["eim_token"].as_str().unwrap().to_owned();
    let ca = info["tls_ca"].as_str().unwrap().to_owned();
    let state = info["euicc_state"].as_str().unwrap().to_owned();

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&std::fs::read(&ca).unwrap()).unwrap()])
        .build()
        .unwrap();
    let get = |url: String| {
        let (http, token) = (http.clone(), token.clone());
        async move {
            let r = http.get(url).bearer_auth(token).send().await.unwrap();
            assert!(r.status().is_success(), "{}", r.status());
            r.json::<serde_json::Value>().await.unwrap()
        }
    };
    let euiccs = runtime.block_on(get(format!("{api}/euiccs")));
    let euicc = &euiccs["euiccs"][0];
    let eid = euicc["eid"].as_str().unwrap().to_owned();
    let iccid = euicc["state"]["enabledIccid"].as_str().unwrap().to_owned();

    // A tenant queues a disable PSMO; the IPA CLI on the same eUICC state runs it.
    let op: serde_json::Value = runtime.block_on(async {
        let r = http
            .post(format!("{api}/euiccs/{eid}/operations"))
            .bearer_auth(&token)
            .json(
                &serde_json::json!({"type": "psmo", "psmos": [{"op": "disable", "iccid": iccid}]}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
        r.json().await.unwrap()
    });
    let out = rsp()
        .args(["ipa", "--state", &state, "--tls-ca", &ca, "--json", "poll"])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(report["drained"], true, "{report}");
    assert_eq!(report["handled"][0]["kind"], "euiccPackage", "{report}");
    assert_eq!(
        report["handled"][0]["results"][0], "disableResult 0",
        "{report}"
    );

    // The eIM has the eUICC-signed result and the new state.
    let id = op["id"].as_i64().unwrap();
    let done = runtime.block_on(get(format!("{api}/operations/{id}")));
    assert_eq!(done["status"], "done", "{done}");
    let view = runtime.block_on(get(format!("{api}/euiccs/{eid}")));
    assert!(view["state"]["enabledIccid"].is_null(), "{view}");

    // Nothing pending: a second poll is empty.
    let again = rsp()
        .args(["ipa", "--state", &state, "--tls-ca", &ca, "poll"])
        .output()
        .unwrap();
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stdout).contains("nothing pending"));

    // The same eUICC with its own IPA (IPAe): `rsp euicc serve --ipae` activates it and
    // polls the eIM itself; an enable PSMO queued by the tenant is run without `rsp ipa`.
    let ipae = Running(
        rsp()
            .args(["euicc", "serve", "--stdio", "--state", &state])
            .args(["--ipae", "--ipae-interval", "1", "--ipae-tls-ca", &ca])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let op: serde_json::Value = runtime.block_on(async {
        let r = http
            .post(format!("{api}/euiccs/{eid}/operations"))
            .bearer_auth(&token)
            .json(&serde_json::json!({"type": "psmo", "psmos": [{"op": "enable", "iccid": iccid}]}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status().as_u16(), 202);
        r.json().await.unwrap()
    });
    let id = op["id"].as_i64().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        let done = runtime.block_on(get(format!("{api}/operations/{id}")));
        if done["status"] == "done" {
            break;
        }
        assert!(Instant::now() < deadline, "the IPAe did not run it: {done}");
        std::thread::sleep(Duration::from_millis(200));
    }
    let view = runtime.block_on(get(format!("{api}/euiccs/{eid}")));
    assert_eq!(view["state"]["enabledIccid"], iccid.as_str(), "{view}");
    // While the IPAe is active the device's IPA stays away (one active IPA).
    let refused = rsp()
        .args(["ipa", "--state", &state, "--tls-ca", &ca, "poll"])
        .output()
        .unwrap();
    assert!(!refused.status.success());
    assert!(
        String::from_utf8_lossy(&refused.stderr).contains("IPAe is active"),
        "{}",
        String::from_utf8_lossy(&refused.stderr)
    );
    drop(ipae);
    drop(server);
    let _ = std::fs::remove_dir_all(&cwd);
}
