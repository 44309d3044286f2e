//! The lab of the SM-DP resilience tests (`smdp_resilience.rs`), on top of
//! `SoapLab` (`common::m2m`): `rsp serve smdp` processes with their own identity, database
//! and CERT.DP.ECDSA (started, killed with SIGKILL, started again), ES2 requests from the
//! Operator with a known MessageID, personalised Profile Packages, a second lab card with
//! its own EID and MSISDN on the lab SMSC, and polling of the SM-DP's admin API.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use base64::Engine as _;
use rsp_pki::Role;
use serde_json::{Value, json};

use crate::common::m2m::{KIC, KID, get_json, post, soap_post, tls_client};
use crate::common::{Running, free_port, rsp, wait_healthy};

pub use crate::common::smdp_lab::OPERATOR;

use crate::common::smdp_lab::pem;

/// The generic Profile Package with `iccid` in its header and EF.ICCID.
pub fn package(iccid: &str) -> Vec<u8> {
    let mut pkg = rsp_saip::template::generic();
    let mut p = rsp_saip::personalise::Personalisation::default();
    p.set("iccid", iccid).unwrap();
    rsp_saip::personalise::personalise(&mut pkg, &p).unwrap();
    pkg.encode().unwrap()
}

/// One `rsp serve smdp` of the lab: its folder (CERT.DP.ECDSA sources, log), ports,
/// database and the arguments it starts with.
pub struct Smdp {
    pub dir: PathBuf,
    pub es2_port: u16,
    pub admin: u16,
    args: Vec<String>,
}

/// What differs between the lab's SM-DPs.
pub struct SmdpSpec<'a> {
    /// The test PKI's NIST folder (TLS certificates, the TLS CI).
    pub nist: &'a Path,
    /// Database URL.
    pub database: String,
    /// Data key file (replicas on one database share it).
    pub data_key: PathBuf,
    /// `--smdp-id`.
    pub smdp_id: &'a str,
    /// The test PKI identity (`nist/NAME.pem`) of its TLS client certificate towards the
    /// SM-SR: its CN is the SM-DP the SM-SR sees.
    pub client: &'a str,
    /// The lab PKI whose CI issues its CERT.DP.ECDSA (the one the card's ECASD trusts).
    pub lab: &'a rsp_pki::TestPki,
    /// The SM-SR's web services port.
    pub smsr_port: u16,
    /// More arguments.
    pub extra: &'a [&'a str],
}

impl Smdp {
    /// An SM-DP in a new folder under `parent`.
    pub fn new(parent: &Path, spec: &SmdpSpec<'_>) -> Self {
        let dir = parent.join(format!(
            "smdp-{}",
            &hex::encode(crate::common::smdp_lab::rand_bytes())[..8]
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let dp = spec.lab.get(Role::DpAuth).unwrap();
        std::fs::write(dir.join("dp.der"), dp.cert.der()).unwrap();
        std::fs::write(
            dir.join("dp.key.pem"),
            pem("PRIVATE KEY", &dp.key.to_pkcs8_der()),
        )
        .unwrap();
        let ci = spec.lab.get(Role::Ci).unwrap();
        std::fs::write(
            dir.join("ci.key.pem"),
            pem("PRIVATE KEY", &ci.key.to_pkcs8_der()),
        )
        .unwrap();
        let (es2_port, admin) = (free_port(), free_port());
        let nist = |f: &str| spec.nist.join(f).display().to_string();
        let file = |f: &str| dir.join(f).display().to_string();
        let mut args: Vec<String> = vec![
            "serve".into(),
            "smdp".into(),
            "--log-format".into(),
            "json".into(),
            "--listen".into(),
            format!("127.0.0.1:{es2_port}"),
            "--admin-listen".into(),
            format!("127.0.0.1:{admin}"),
            "--database".into(),
            spec.database.clone(),
            "--data-key-file".into(),
            spec.data_key.display().to_string(),
            "--tls-cert".into(),
            nist("dp-tls.pem"),
            "--tls-key".into(),
            nist("dp-tls.key.pem"),
            "--client-ca".into(),
            nist("ci.pem"),
            "--smdp-id".into(),
            spec.smdp_id.into(),
            "--host-id".into(),
            "SMDP-LAB".into(),
            "--dp-key".into(),
            file("dp.key.pem"),
            "--dp-cert".into(),
            file("dp.der"),
            "--ci-key".into(),
            file("ci.key.pem"),
            "--smsr".into(),
            format!("smsr1=https://localhost:{}/gsma/sgp02/es3", spec.smsr_port),
            "--es3-client-cert".into(),
            nist(&format!("{}.pem", spec.client)),
            "--es3-client-key".into(),
            nist(&format!("{}.key.pem", spec.client)),
            "--es3-ca".into(),
            nist("ci.pem"),
        ];
        args.extend(spec.extra.iter().map(|a| (*a).to_owned()));
        Smdp {
            dir,
            es2_port,
            admin,
            args,
        }
    }

    /// Starts it (its JSON log appended to `dir/smdp.log`) and waits until it answers.
    pub fn start(&self) -> Running {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("smdp.log"))
            .unwrap();
        let child = rsp().args(&self.args).stderr(log).spawn().unwrap();
        let mut running = Running(child);
        wait_healthy(self.admin, &mut running.0);
        running
    }

    /// Its log so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("smdp.log")).unwrap_or_default()
    }

    /// Imports a Profile of type `generic` with `iccid` through the admin API.
    pub fn import(&self, iccid: &str, msisdn: Option<&str>) {
        let b64 = base64::engine::general_purpose::STANDARD.encode(package(iccid));
        let mut body = json!({"iccid": iccid, "profileType": "generic", "package": b64});
        if let Some(m) = msisdn {
            body["msisdn"] = m.into();
        }
        let (status, body) = post(self.admin, "/smdp/v1/profiles", &body);
        assert_eq!(status, 201, "{body}");
    }

    /// POSTs an ES2 envelope as the Operator; the HTTP status and body.
    pub fn es2(&self, rt: &tokio::runtime::Runtime, nist: &Path, body: String) -> (u16, String) {
        let url = format!("https://localhost:{}/gsma/sgp02/es2", self.es2_port);
        soap_post(rt, &tls_client(nist, "mno"), &url, body)
    }

    /// The orders, newest first.
    pub fn orders(&self) -> Vec<Value> {
        let v = get_json(self.admin, "/smdp/v1/orders");
        v["orders"].as_array().cloned().unwrap_or_default()
    }

    /// The Profiles of the inventory.
    pub fn profiles(&self) -> Vec<Value> {
        let v = get_json(self.admin, "/smdp/v1/profiles");
        v["profiles"].as_array().cloned().unwrap_or_default()
    }

    /// Order `id` once `done` holds for it (polled every 100 ms, at most `seconds`).
    pub fn wait_order(&self, id: i64, seconds: u64, done: impl Fn(&Value) -> bool) -> Value {
        let start = Instant::now();
        loop {
            let o = get_json(self.admin, &format!("/smdp/v1/orders/{id}"));
            if done(&o) {
                return o;
            }
            assert!(
                start.elapsed() < Duration::from_secs(seconds),
                "order {id}: {o}\n{}",
                self.log()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
    }
}

/// Issues a TLS certificate (`nist/NAME.pem`, `nist/NAME.key.pem`) for `host` from the test
/// PKI's CI: another SM-DP's client identity towards the SM-SR.
pub fn issue_tls(nist: &Path, name: &str, host: &str) {
    let out = rsp()
        .args(["pki", "issue", "--role", "dp-tls", "--host", host])
        .arg("--ca-cert")
        .arg(nist.join("ci.pem"))
        .arg("--ca-key")
        .arg(nist.join("ci.key.pem"))
        .arg("--out")
        .arg(nist.join(name))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// A lab card on the SMSC at its own MSISDN (`common::m2m::device_at`).
pub struct Card {
    pub device: Arc<crate::common::m2m::Device>,
    pub eid: String,
}

/// A card with EID `eid` and one enabled Profile (`iccid`, `msisdn`), bound to the lab
/// SMSC as `device` serving `msisdn`.
pub fn second_card(
    rt: &tokio::runtime::Runtime,
    smsc: std::net::SocketAddr,
    eid: &str,
    iccid: &str,
    msisdn: &str,
) -> Card {
    let keyset = rsp_m2m_euicc::Scp80Keyset::new(
        1,
        rsp_ota::Kic::new(rsp_ota::CipherAlgorithm::TdesCbc2Key, 1),
        &KIC,
        rsp_ota::Kid::new(rsp_ota::IntegrityAlgorithm::TdesCbcMac2Key, 1),
        &KID,
    )
    .unwrap();
    let m2m = rsp_testkit::m2m::card_with_eid(
        eid,
        vec![keyset],
        &[rsp_testkit::m2m::LabProfile {
            index: 0,
            iccid,
            msisdn,
            enabled: true,
            fallback: true,
        }],
    );
    let device = rt.block_on(crate::common::m2m::device_at(smsc, m2m, msisdn));
    Card {
        device,
        eid: eid.to_owned(),
    }
}

/// Registers `card`'s EIS at the SM-SR (admin API on `smsr_admin`) with its ECASD
/// certificate and its enabled Profile (`iccid`, `msisdn`) owned by `operator`.
pub fn register(smsr_admin: u16, card: &Card, iccid: &str, msisdn: &str, operator: &str) {
    let ecasd = rsp_testkit::m2m::lab_pki(&card.eid)
        .get(Role::Euicc)
        .unwrap()
        .cert
        .der()
        .to_vec();
    let (status, body) = post(
        smsr_admin,
        "/smsr/v1/euiccs",
        &json!({
            "eis": {
                "eid": card.eid, "eumId": "eum", "smsrId": "",
                "ecasdCertificate": base64::engine::general_purpose::STANDARD.encode(&ecasd),
                "profiles": [{
                    "iccid": iccid,
                    "isdPAid": rsp_codec::sgp02::Aid::isd_p(0).unwrap().to_hex(),
                    "mnoId": operator, "state": "ENABLED", "fallbackAttribute": true,
                    "subscriptionAddress": {"msisdn": msisdn}
                }]
            },
            "keys": {"scp80": [{"version": 1, "algorithm": "tdes",
                "kic": hex::encode(KIC), "kid": hex::encode(KID)}]}
        }),
    );
    assert_eq!(status, 201, "{body}");
}

/// The DownloadProfileResponses the Operator's endpoint received so far.
pub fn responses(
    rt: &tokio::runtime::Runtime,
    received: &Arc<tokio::sync::Mutex<Vec<String>>>,
) -> Vec<String> {
    rt.block_on(async { received.lock().await.clone() })
        .into_iter()
        .filter(|b| b.contains("DownloadProfileResponse"))
        .collect()
}
