//! `rsp serve smsr` as a process with the lab SMSC and a device ESME driving the virtual
//! M2M eUICC: registration and an audit over the admin API; a PoR that arrives while the
//! SM-SR is down (kill -9) is stored by the SMSC and completes the operation after the
//! restart; a lost PoR is retried with a new counter; `--help`.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::m2m::{
    DEVICE_MSISDN, ICCID, KIC, KID, Mode, Server, card, device, get_json, lab_smsc, post, wait_op,
};
use common::{free_port, rsp, temp_dir};
use rsp_codec::sgp02::Aid;
use serde_json::json;

#[test]
fn help() {
    let out = rsp().args(["serve", "smsr", "--help"]).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--smsc",
        "--scp81-listen",
        "--database",
        "--operator",
        "--max-attempts",
        "--audit-key",
    ] {
        assert!(text.contains(flag), "{flag} in --help");
    }
}

#[test]
fn restart_mid_operation_and_lost_por() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let dir = temp_dir();
    let smsc = lab_smsc(&rt, &dir, &[("device", "devpw")]);
    let server = Server {
        dir: dir.clone(),
        smsc: smsc.local_addr(),
        admin: free_port(),
        extra: Vec::new(),
    };
    let card = card();
    let eid = card.eid().to_owned();
    let dev = rt.block_on(device(smsc.local_addr(), card));

    let mut running = server.start();
    let (status, body) = post(
        server.admin,
        "/smsr/v1/euiccs",
        &json!({
            "eis": {
                "eid": eid, "eumId": "eum", "smsrId": "",
                "profiles": [{
                    "iccid": ICCID, "isdPAid": Aid::isd_p(0).unwrap().to_hex(), "mnoId": "mno1",
                    "state": "ENABLED", "fallbackAttribute": true,
                    "subscriptionAddress": {"msisdn": DEVICE_MSISDN}
                }]
            },
            "keys": {"scp80": [{"version": 1, "algorithm": "tdes",
                "kic": hex::encode(KIC), "kid": hex::encode(KID)}]}
        }),
    );
    assert_eq!(status, 201, "{body}");
    let eis = get_json(server.admin, &format!("/smsr/v1/euiccs/{eid}"));
    assert_eq!(eis["smsrId"], "smsr.localhost");
    assert!(
        !eis.to_string().contains(&hex::encode(KIC)),
        "keys are never shown"
    );

    // 1. The PoR comes while the SM-SR is down: kill -9 after the SMS went out, the
    //    device answers then, the SMSC keeps the PoR, the restarted SM-SR completes.
    rt.block_on(async { *dev.mode.lock().await = Mode::Hold });
    let (status, op) = post(
        server.admin,
        &format!("/smsr/v1/euiccs/{eid}/operations"),
        &json!({"function": "auditEis", "requester": {"kind": "operator", "id": "mno1"}}),
    );
    assert_eq!(status, 202, "{op}");
    let id = op["id"].as_i64().unwrap();
    let start = Instant::now();
    while dev.packets.load(std::sync::atomic::Ordering::SeqCst) < 1 {
        assert!(
            start.elapsed() < Duration::from_secs(15),
            "the SMS never reached the device"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    running.0.kill().unwrap();
    running.0.wait().unwrap();
    rt.block_on(async {
        *dev.mode.lock().await = Mode::Answer;
        dev.release().await;
    });
    let running = server.start();
    let op = wait_op(server.admin, id, 20);
    assert_eq!(op["status"], "done", "{op}");
    assert_eq!(
        op["attempts"], 1,
        "completed by the PoR stored in the SMSC: {op}"
    );
    let eis = get_json(server.admin, &format!("/smsr/v1/euiccs/{eid}"));
    assert!(eis["lastAuditDate"].is_string(), "{eis}");

    // 2. A lost PoR: the SM-SR sends again after --retry-after with a new counter; the
    //    card accepts it (counter higher) and the second PoR ends the operation.
    rt.block_on(async { *dev.mode.lock().await = Mode::Drop });
    let (_, op) = post(
        server.admin,
        &format!("/smsr/v1/euiccs/{eid}/operations"),
        &json!({"function": "setFallbackAttribute", "iccid": ICCID}),
    );
    let id = op["id"].as_i64().unwrap();
    let before = dev.packets.load(std::sync::atomic::Ordering::SeqCst);
    let start = Instant::now();
    while dev.packets.load(std::sync::atomic::Ordering::SeqCst) < before + 1 {
        assert!(start.elapsed() < Duration::from_secs(15));
        std::thread::sleep(Duration::from_millis(50));
    }
    rt.block_on(async { *dev.mode.lock().await = Mode::Answer });
    let op = wait_op(server.admin, id, 20);
    assert_eq!(op["status"], "done", "{op}");
    assert_eq!(op["attempts"], 2, "{op}");
    let log = get_json(server.admin, &format!("/smsr/v1/euiccs/{eid}/operations"));
    assert_eq!(
        log.as_array().map(Vec::len),
        Some(2),
        "operation log: {log}"
    );
    drop(running);
    rt.block_on(smsc.shutdown());
    let _ = std::fs::remove_dir_all(&dir);
}
