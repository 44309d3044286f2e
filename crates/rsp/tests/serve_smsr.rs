//! `rsp serve smsr` as a process with the lab SMSC and a device ESME driving the virtual
//! M2M eUICC: registration and an audit over the admin API; a PoR that arrives while the
//! SM-SR is down (kill -9) is stored by the SMSC and completes the operation after the
//! restart; a lost PoR is retried with a new counter; `--help`.
#![allow(clippy::unwrap_used)]

mod common;

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use common::{Running, free_port, http_get, rsp, temp_dir, wait_healthy};
use rsp_codec::sgp02::Aid;
use rsp_m2m_euicc::M2mEuicc;
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use rsp_sms::{
    Account, Esme, EsmeConfig, Inbound, Limits, Reassembler, SmppAddress, Smsc, SmscConfig,
};
use serde_json::{Value, json};
use tokio::sync::Mutex;

const KIC: [u8; 16] = [0x5a; 16];
const KID: [u8; 16] = [0xa5; 16];
const SMSR_MSISDN: &str = "447700900000";
const DEVICE_MSISDN: &str = "447700900001";
const ICCID: &str = "8944000000000000011";

fn card() -> M2mEuicc {
    let keyset = rsp_m2m_euicc::Scp80Keyset::new(
        1,
        Kic::new(CipherAlgorithm::TdesCbc2Key, 1),
        &KIC,
        Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 1),
        &KID,
    )
    .unwrap();
    rsp_testkit::m2m::card(
        vec![keyset],
        &[rsp_testkit::m2m::LabProfile {
            index: 0,
            iccid: ICCID,
            msisdn: DEVICE_MSISDN,
            enabled: true,
            fallback: true,
        }],
    )
}

/// What the device does with the PoRs the card makes.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Mode {
    Answer,
    Hold,
    Drop,
}

struct Device {
    mode: Mutex<Mode>,
    held: Mutex<Vec<Vec<u8>>>,
    packets: std::sync::atomic::AtomicUsize,
    esme: OnceLock<Arc<Esme>>,
}

impl Device {
    async fn send(&self, ud: &[u8]) {
        let esme = self.esme.get().unwrap();
        esme.submit_binary(
            &SmppAddress::international(DEVICE_MSISDN),
            &SmppAddress::international(SMSR_MSISDN),
            ud,
            0,
        )
        .await
        .unwrap();
    }

    async fn release(&self) {
        let held = std::mem::take(&mut *self.held.lock().await);
        for ud in held {
            self.send(&ud).await;
        }
    }
}

async fn device(smsc: std::net::SocketAddr, card: M2mEuicc) -> Arc<Device> {
    let (esme, mut inbound) = Esme::bind_transceiver(
        smsc,
        EsmeConfig::new("device", "devpw").address_range(DEVICE_MSISDN),
    )
    .await
    .unwrap();
    let dev = Arc::new(Device {
        mode: Mutex::new(Mode::Answer),
        held: Mutex::new(Vec::new()),
        packets: Default::default(),
        esme: OnceLock::new(),
    });
    let _ = dev.esme.set(Arc::new(esme));
    let d = dev.clone();
    let mut card = card;
    tokio::spawn(async move {
        let mut reassembler = Reassembler::new(Limits::default());
        let mut reference = 0u8;
        while let Some(m) = inbound.recv().await {
            let Inbound::Message(m) = m else { continue };
            let Some(whole) = reassembler.push(&m.source.address, &m.user_data).unwrap() else {
                continue;
            };
            let packet = rsp_ota::sms::unwrap_command(&whole.user_data)
                .unwrap()
                .to_vec();
            let received = card.receive_command_packet(&packet).unwrap();
            d.packets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let Some(por) = received.por else { continue };
            reference = reference.wrapping_add(1);
            let mode = *d.mode.lock().await;
            for ud in por.submit_user_data(reference).unwrap() {
                match mode {
                    Mode::Answer => d.send(&ud).await,
                    Mode::Hold => d.held.lock().await.push(ud),
                    Mode::Drop => {}
                }
            }
        }
    });
    dev
}

fn post(port: u16, path: &str, body: &Value) -> (u16, Value) {
    use std::io::{Read, Write};
    let body = body.to_string();
    let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(
        s,
        "POST {path} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let status = out.get(9..12).and_then(|c| c.parse().ok()).unwrap_or(0);
    (status, body_json(&out))
}

fn body_json(response: &str) -> Value {
    let body = response.split("\r\n\r\n").nth(1).unwrap_or_default();
    serde_json::from_str(body).unwrap_or(Value::Null)
}

fn get_json(port: u16, path: &str) -> Value {
    body_json(&http_get(port, path).unwrap())
}

struct Server {
    dir: std::path::PathBuf,
    smsc: std::net::SocketAddr,
    admin: u16,
}

impl Server {
    fn start(&self) -> Running {
        let child = rsp()
            .args([
                "serve",
                "smsr",
                "--scp81-listen",
                "127.0.0.1:0",
                "--log-format",
                "text",
            ])
            .arg("--admin-listen")
            .arg(format!("127.0.0.1:{}", self.admin))
            .arg("--database")
            .arg(format!("sqlite://{}", self.dir.join("smsr.db").display()))
            .arg("--data-key-file")
            .arg(self.dir.join("data.key"))
            .arg("--smsc")
            .arg(self.smsc.to_string())
            .args(["--smpp-system-id", "smsr", "--msisdn", SMSR_MSISDN])
            .arg("--smpp-password-file")
            .arg(self.dir.join("smpp.pw"))
            .args([
                "--send-interval",
                "1",
                "--retry-after",
                "3",
                "--max-attempts",
                "4",
            ])
            .stderr(std::fs::File::create(self.dir.join("smsr.log")).unwrap())
            .spawn()
            .unwrap();
        let mut running = Running(child);
        wait_healthy(self.admin, &mut running.0);
        running
    }
}

fn wait_op(port: u16, id: i64, seconds: u64) -> Value {
    let start = Instant::now();
    loop {
        let op = get_json(port, &format!("/smsr/v1/operations/{id}"));
        if matches!(op["status"].as_str(), Some("done" | "failed")) {
            return op;
        }
        assert!(
            start.elapsed() < Duration::from_secs(seconds),
            "operation {id}: {op}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

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
    let smsc = rt
        .block_on(Smsc::start(SmscConfig::new(
            "127.0.0.1:0".parse().unwrap(),
            vec![
                Account::new("smsr", "smsrpw"),
                Account::new("device", "devpw"),
            ],
        )))
        .unwrap();
    let dir = temp_dir();
    std::fs::write(dir.join("smpp.pw"), "smsrpw\n").unwrap();
    let server = Server {
        dir: dir.clone(),
        smsc: smsc.local_addr(),
        admin: free_port(),
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
