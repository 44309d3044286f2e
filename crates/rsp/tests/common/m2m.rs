//! The M2M lab of the SM-SR CLI tests: a device ESME on the lab SMSC driving the virtual
//! M2M eUICC (answering, holding or dropping its PoRs), `rsp serve smsr` as a process,
//! and small HTTP helpers for its admin API.

use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use rsp_m2m_euicc::M2mEuicc;
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use rsp_sms::{Esme, EsmeConfig, Inbound, Limits, Reassembler, SmppAddress};
use serde_json::Value;
use tokio::sync::Mutex;

use super::{Running, http_get, rsp, wait_healthy};

pub const KIC: [u8; 16] = [0x5a; 16];
pub const KID: [u8; 16] = [0xa5; 16];
pub const SMSR_MSISDN: &str = "447700900000";
pub const DEVICE_MSISDN: &str = "447700900001";
pub const ICCID: &str = "8944000000000000011";

pub fn card() -> M2mEuicc {
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
pub enum Mode {
    Answer,
    Hold,
    Drop,
}

pub struct Device {
    /// The card's MSISDN on the lab SMSC.
    pub msisdn: String,
    pub mode: Mutex<Mode>,
    /// Held PoRs with the address each goes back to.
    pub held: Mutex<Vec<(SmppAddress, Vec<u8>)>>,
    pub packets: std::sync::atomic::AtomicUsize,
    pub esme: OnceLock<Arc<Esme>>,
    /// The card behind the modem (tests read its state).
    pub card: std::sync::Mutex<M2mEuicc>,
}

impl Device {
    /// Sends a PoR back to `to`, the sender of the command packet (the SM-SR that sent
    /// it: two SM-SRs share the lab SMSC in the SM-SR change test).
    async fn send(&self, to: &SmppAddress, ud: &[u8]) {
        let esme = self.esme.get().unwrap();
        esme.submit_binary(&SmppAddress::international(&self.msisdn), to, ud, 0)
            .await
            .unwrap();
    }

    /// Sends the card's unconfirmed default notifications as the modem does (MO command
    /// packets, IEI `70`) to the SM-SR its addressing names ([`SMSR_MSISDN`] while it
    /// names none); returns that address.
    pub async fn send_notifications(&self) -> String {
        let (to, packets) = {
            let mut card = self.card.lock().unwrap();
            let to = card
                .state()
                .smsr
                .msisdn
                .as_ref()
                .map_or_else(|| SMSR_MSISDN.to_owned(), |a| a.digits.clone());
            (to, card.pending_notifications().unwrap())
        };
        let esme = self.esme.get().unwrap();
        for (i, packet) in packets.iter().enumerate() {
            // Concatenation references apart from the PoRs' (which count up from 1).
            let reference = 0x80u8.wrapping_add(u8::try_from(i).unwrap());
            esme.submit_command_packet(
                &SmppAddress::international(&self.msisdn),
                &SmppAddress::international(&to),
                packet,
                reference,
                0,
            )
            .await
            .unwrap();
        }
        to
    }

    pub async fn release(&self) {
        let held = std::mem::take(&mut *self.held.lock().await);
        for (to, ud) in held {
            self.send(&to, &ud).await;
        }
    }
}

pub async fn device(smsc: std::net::SocketAddr, card: M2mEuicc) -> Arc<Device> {
    device_at(smsc, card, DEVICE_MSISDN).await
}

/// [`device`] for a card at `msisdn` (a second card of a lab).
pub async fn device_at(smsc: std::net::SocketAddr, card: M2mEuicc, msisdn: &str) -> Arc<Device> {
    let (esme, mut inbound) = Esme::bind_transceiver(
        smsc,
        EsmeConfig::new("device", "devpw").address_range(msisdn),
    )
    .await
    .unwrap();
    let dev = Arc::new(Device {
        msisdn: msisdn.to_owned(),
        mode: Mutex::new(Mode::Answer),
        held: Mutex::new(Vec::new()),
        packets: Default::default(),
        esme: OnceLock::new(),
        card: std::sync::Mutex::new(card),
    });
    let _ = dev.esme.set(Arc::new(esme));
    let d = dev.clone();
    tokio::spawn(async move {
        let mut reassembler = Reassembler::new(Limits::default());
        let mut reference = 0u8;
        while let Some(m) = inbound.recv().await {
            let Inbound::Message(m) = m else { continue };
            let from = m.source.clone();
            let Some(whole) = reassembler.push(&m.source.address, &m.user_data).unwrap() else {
                continue;
            };
            let packet = rsp_ota::sms::unwrap_command(&whole.user_data)
                .unwrap()
                .to_vec();
            let received = d
                .card
                .lock()
                .unwrap()
                .receive_command_packet(&packet)
                .unwrap();
            d.packets.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let Some(por) = received.por else { continue };
            reference = reference.wrapping_add(1);
            let mode = *d.mode.lock().await;
            for ud in por.submit_user_data(reference).unwrap() {
                match mode {
                    Mode::Answer => d.send(&from, &ud).await,
                    Mode::Hold => d.held.lock().await.push((from.clone(), ud)),
                    Mode::Drop => {}
                }
            }
        }
    });
    dev
}

pub fn post(port: u16, path: &str, body: &Value) -> (u16, Value) {
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

pub fn get_json(port: u16, path: &str) -> Value {
    body_json(&http_get(port, path).unwrap())
}

pub struct Server {
    pub dir: std::path::PathBuf,
    pub smsc: std::net::SocketAddr,
    pub admin: u16,
    /// More arguments of `rsp serve smsr`.
    pub extra: Vec<String>,
}

impl Server {
    pub fn start(&self) -> Running {
        let scp81 = if self.extra.iter().any(|a| a == "--scp81-listen") {
            Vec::new()
        } else {
            vec!["--scp81-listen", "127.0.0.1:0"]
        };
        // `extra` may give the SM-SR its own SMPP account and address (a second SM-SR,
        // in a folder of its own with its password in `smpp.pw`).
        let smpp: &[&str] = if self.extra.iter().any(|a| a == "--msisdn") {
            &[]
        } else {
            &["--smpp-system-id", "smsr", "--msisdn", SMSR_MSISDN]
        };
        let child = rsp()
            .args(["serve", "smsr", "--log-format", "text"])
            .args(scp81)
            .arg("--admin-listen")
            .arg(format!("127.0.0.1:{}", self.admin))
            .arg("--database")
            .arg(format!("sqlite://{}", self.dir.join("smsr.db").display()))
            .arg("--data-key-file")
            .arg(self.dir.join("data.key"))
            .arg("--smsc")
            .arg(self.smsc.to_string())
            .args(smpp)
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
            .args(&self.extra)
            .stderr(std::fs::File::create(self.dir.join("smsr.log")).unwrap())
            .spawn()
            .unwrap();
        let mut running = Running(child);
        wait_healthy(self.admin, &mut running.0);
        running
    }
}

pub fn wait_op(port: u16, id: i64, seconds: u64) -> Value {
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

/// The lab SMSC with an `smsr:smsrpw` account and `devices` (system_id, password), and
/// `dir/smpp.pw` holding the SM-SR's password.
pub fn lab_smsc(
    rt: &tokio::runtime::Runtime,
    dir: &std::path::Path,
    devices: &[(&str, &str)],
) -> rsp_sms::Smsc {
    let mut accounts = vec![rsp_sms::Account::new("smsr", "smsrpw")];
    accounts.extend(devices.iter().map(|(id, pw)| rsp_sms::Account::new(id, pw)));
    std::fs::write(dir.join("smpp.pw"), "smsrpw\n").unwrap();
    rt.block_on(rsp_sms::Smsc::start(rsp_sms::SmscConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        accounts,
    )))
    .unwrap()
}

/// An Operator's endpoint collecting the bodies POSTed to `/es4` (asynchronous responses
/// and notifications); its address and what it received.
pub fn operator_endpoint(
    rt: &tokio::runtime::Runtime,
) -> (std::net::SocketAddr, Arc<Mutex<Vec<String>>>) {
    let received: Arc<Mutex<Vec<String>>> = Arc::default();
    let sink = received.clone();
    let addr = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let app = axum::Router::new().route(
            "/es4",
            axum::routing::post(move |body: String| {
                let sink = sink.clone();
                async move {
                    sink.lock().await.push(body);
                    axum::http::StatusCode::OK
                }
            }),
        );
        tokio::spawn(async move { axum::serve(listener, app).await });
        addr
    });
    (addr, received)
}

/// The `rsp serve smsr` arguments of its web services with the test PKI's localhost
/// certificate and CI, notices for `operator` to `endpoint`.
pub fn web_service_args(
    nist: &std::path::Path,
    port: u16,
    operator: &str,
    endpoint: std::net::SocketAddr,
) -> Vec<String> {
    vec![
        "--listen".into(),
        format!("127.0.0.1:{port}"),
        "--tls-cert".into(),
        nist.join("dp-tls.pem").display().to_string(),
        "--tls-key".into(),
        nist.join("dp-tls.key.pem").display().to_string(),
        "--client-ca".into(),
        nist.join("ci.pem").display().to_string(),
        "--operator".into(),
        format!("{operator}=http://{endpoint}/es4"),
    ]
}

/// An HTTPS client trusting the test CI of `nist`, presenting the test PKI's `identity`
/// (`mno` for an Operator, `dp-tls` for an SM-DP).
pub fn tls_client(nist: &std::path::Path, identity: &str) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(nist.join("ci.pem")).unwrap()).unwrap();
    let mut pem = std::fs::read(nist.join(format!("{identity}.key.pem"))).unwrap();
    pem.extend(std::fs::read(nist.join(format!("{identity}.pem"))).unwrap());
    reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(&pem).unwrap())
        .build()
        .unwrap()
}

/// POSTs a SOAP envelope to `url`; the status and body.
pub fn soap_post(
    rt: &tokio::runtime::Runtime,
    client: &reqwest::Client,
    url: &str,
    body: String,
) -> (u16, String) {
    let request = client
        .post(url)
        .header("content-type", "application/soap+xml; charset=utf-8")
        .body(body);
    rt.block_on(async move {
        let r = request.send().await.unwrap();
        (r.status().as_u16(), r.text().await.unwrap())
    })
}

/// The web-service lab of the SOAP tests: `rsp serve smsr` with its web services (the test
/// PKI's localhost certificate, notices for `operator` to a collecting endpoint), the lab
/// SMSC, the device driving the lab card, and the card's EIS registered with its ECASD
/// certificate and one enabled Profile owned by `operator` (SM-DP `smdp` when given).
pub struct SoapLab {
    pub rt: tokio::runtime::Runtime,
    pub dir: std::path::PathBuf,
    /// The test PKI's NIST folder (ci.pem, mno*.pem, dp-tls*.pem).
    pub nist: std::path::PathBuf,
    pub smsc: rsp_sms::Smsc,
    /// The Operator's endpoint and what it received.
    pub endpoint: std::net::SocketAddr,
    pub received: Arc<Mutex<Vec<String>>>,
    pub server: Server,
    pub running: Option<Running>,
    pub device: Arc<Device>,
    pub eid: String,
    /// The web services' port.
    pub ws_port: u16,
}

impl SoapLab {
    pub fn start(operator: &str, smdp: Option<&str>) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .unwrap();
        let dir = super::temp_dir();
        let nist = super::test_pki(&dir).join("nist");
        let smsc = lab_smsc(&rt, &dir, &[("device", "devpw")]);
        let (endpoint, received) = operator_endpoint(&rt);
        let ws_port = super::free_port();
        let server = Server {
            dir: dir.clone(),
            smsc: smsc.local_addr(),
            admin: super::free_port(),
            extra: web_service_args(&nist, ws_port, operator, endpoint),
        };
        let card = card();
        let eid = card.eid().to_owned();
        let device = rt.block_on(device(smsc.local_addr(), card));
        let running = server.start();
        let ecasd = rsp_testkit::m2m::lab_pki(&eid)
            .get(rsp_pki::Role::Euicc)
            .unwrap()
            .cert
            .der()
            .to_vec();
        let mut profile = serde_json::json!({
            "iccid": ICCID,
            "isdPAid": rsp_codec::sgp02::Aid::isd_p(0).unwrap().to_hex(),
            "mnoId": operator, "state": "ENABLED", "fallbackAttribute": true,
            "subscriptionAddress": {"msisdn": DEVICE_MSISDN}
        });
        if let Some(smdp) = smdp {
            profile["smdpId"] = smdp.into();
        }
        let (status, body) = post(
            server.admin,
            "/smsr/v1/euiccs",
            &serde_json::json!({
                "eis": {
                    "eid": eid, "eumId": "eum", "smsrId": "",
                    "ecasdCertificate": base64::Engine::encode(
                        &base64::engine::general_purpose::STANDARD, &ecasd),
                    "profiles": [profile]
                },
                "keys": {"scp80": [{"version": 1, "algorithm": "tdes",
                    "kic": hex::encode(KIC), "kid": hex::encode(KID)}]}
            }),
        );
        assert_eq!(status, 201, "{body}");
        SoapLab {
            rt,
            dir,
            nist,
            smsc,
            endpoint,
            received,
            server,
            running: Some(running),
            device,
            eid,
            ws_port,
        }
    }

    /// An HTTPS client trusting the test CI, presenting the test PKI's `identity`
    /// (`mno` for an Operator, `dp-tls` for an SM-DP).
    pub fn client(&self, identity: &str) -> reqwest::Client {
        tls_client(&self.nist, identity)
    }

    /// The web service at `path` (e.g. `/gsma/sgp02/es4`).
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.ws_port)
    }

    /// POSTs a SOAP envelope; the status and body.
    pub fn soap(&self, client: &reqwest::Client, path: &str, body: String) -> (u16, String) {
        soap_post(&self.rt, client, &self.url(path), body)
    }

    /// Stops the SM-SR and the SMSC and removes the lab's folder.
    pub fn finish(mut self) {
        self.running.take();
        self.rt.block_on(self.smsc.shutdown());
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The value of the Prometheus sample of `name` whose labels include all of `labels`
/// (each `key="value"`).
pub fn sample(metrics: &str, name: &str, labels: &[&str]) -> Option<f64> {
    metrics
        .lines()
        .filter(|l| l.starts_with(&format!("{name}{{")))
        .find(|l| labels.iter().all(|x| l.contains(x)))
        .and_then(|l| l.rsplit(' ').next())
        .and_then(|v| v.parse().ok())
}

/// The audit trail of the SM-SR database `db` (a stopped server's): `rsp audit verify`
/// must pass; the text of `rsp audit export` and its records.
pub fn audit_trail(db: &std::path::Path) -> (String, Vec<Value>) {
    let url = format!("sqlite://{}", db.display());
    let verify = rsp()
        .args(["audit", "verify", "--database", &url])
        .output()
        .unwrap();
    assert!(
        verify.status.success(),
        "{}",
        String::from_utf8_lossy(&verify.stderr)
    );
    let export = rsp()
        .args(["audit", "export", "--database", &url])
        .output()
        .unwrap();
    assert!(export.status.success());
    let text = String::from_utf8_lossy(&export.stdout).into_owned();
    let records = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (text, records)
}
