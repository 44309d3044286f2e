//! The M2M SM-DP lab of the CLI tests: `rsp serve smdp` as a process beside the web-service
//! lab of [`super::m2m::SoapLab`] (`rsp serve smsr`, the lab SMSC, the device driving the
//! lab card), the lab's CERT.DP.ECDSA files, ES2 envelopes sent as the Operator, and waiting
//! for what the Operator's endpoint receives.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::{Message, Request};
use rsp_pki::Role;
use serde_json::{Value, json};

use super::m2m::{SoapLab, get_json, post, soap_post, tls_client};
use super::{Running, free_port, rsp, wait_healthy};

pub const OPERATOR: &str = "Test Operator";
/// The SM-DP's identifier: the CN of the test PKI's dp-tls certificate it presents.
pub const SMDP: &str = "localhost";

pub fn pem(label: &str, der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(chunk).unwrap());
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

pub fn rand_bytes() -> [u8; 16] {
    let mut b = [0u8; 16];
    getrandom::fill(&mut b).unwrap();
    b
}

/// An ES2 request envelope from the Operator.
pub fn es2_request(body: Es2Request, reply_to: Option<String>) -> String {
    let id = format!("urn:uuid:{}", hex::encode(rand_bytes()));
    let msg: Es2Message = Message::Request(Request {
        function_call_identifier: id.clone(),
        validity_period: Some(600),
        body,
    });
    envelope::build(&msg.envelope(WsHeader {
        to: Some("https://localhost/gsma/sgp02/es2".into()),
        from: Some(OPERATOR.into()),
        reply_to,
        message_id: id,
        action: String::new(),
        relates_to: None,
    }))
}

/// POSTs an ES2 envelope as the Operator (the test PKI's `mno.pem`, CN "Test Operator")
/// to the SM-DP on `localhost:port`; the HTTP status and body.
pub fn es2_send(
    rt: &tokio::runtime::Runtime,
    nist: &Path,
    port: u16,
    body: String,
) -> (u16, String) {
    let url = format!("https://localhost:{port}/gsma/sgp02/es2");
    soap_post(rt, &tls_client(nist, "mno"), &url, body)
}

/// Writes the lab's CERT.DP.ECDSA source into `dir`: `dp.der` (the SM-DP's X.509
/// certificate), `dp.key.pem` (its key) and `ci.key.pem` (the lab CI's key).
pub fn write_dp_files(dir: &Path, lab: &rsp_pki::TestPki) {
    let dp = lab.get(Role::DpAuth).unwrap();
    std::fs::write(dir.join("dp.der"), dp.cert.der()).unwrap();
    std::fs::write(
        dir.join("dp.key.pem"),
        pem("PRIVATE KEY", &dp.key.to_pkcs8_der()),
    )
    .unwrap();
    std::fs::write(
        dir.join("ci.key.pem"),
        pem(
            "PRIVATE KEY",
            &lab.get(Role::Ci).unwrap().key.to_pkcs8_der(),
        ),
    )
    .unwrap();
}

/// `rsp serve smdp` on `es2_port` and `admin` with its database and data key in `dir`, the
/// test PKI's localhost TLS certificate and CI, and the ECDSA key `dp_key`.
pub fn smdp_command(
    dir: &Path,
    nist: &Path,
    es2_port: u16,
    admin: u16,
    dp_key: &Path,
) -> std::process::Command {
    let mut c = rsp();
    c.args(["serve", "smdp", "--log-format", "text"])
        .arg("--listen")
        .arg(format!("127.0.0.1:{es2_port}"))
        .arg("--admin-listen")
        .arg(format!("127.0.0.1:{admin}"))
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smdp.db").display()))
        .arg("--data-key-file")
        .arg(dir.join("smdp-data.key"))
        .arg("--tls-cert")
        .arg(nist.join("dp-tls.pem"))
        .arg("--tls-key")
        .arg(nist.join("dp-tls.key.pem"))
        .arg("--client-ca")
        .arg(nist.join("ci.pem"))
        .arg("--dp-key")
        .arg(dp_key);
    c
}

/// The arguments that make `smdp_command` the lab's SM-DP: CERT.DP.ECDSA issued at start by
/// the lab CI (files of [`write_dp_files`] in `dir`), the SM-SR `smsr1` at `smsr_port`,
/// the test PKI's dp-tls as the ES3 client identity.
pub fn lab_smdp_args(dir: &Path, nist: &Path, smsr_port: u16) -> Vec<String> {
    let p = |p: PathBuf| p.display().to_string();
    vec![
        "--smdp-id".into(),
        SMDP.into(),
        "--host-id".into(),
        "SMDP-LAB".into(),
        "--dp-cert".into(),
        p(dir.join("dp.der")),
        "--ci-key".into(),
        p(dir.join("ci.key.pem")),
        "--smsr".into(),
        format!("smsr1=https://localhost:{smsr_port}/gsma/sgp02/es3"),
        "--es3-client-cert".into(),
        p(nist.join("dp-tls.pem")),
        "--es3-client-key".into(),
        p(nist.join("dp-tls.key.pem")),
        "--es3-ca".into(),
        p(nist.join("ci.pem")),
    ]
}

/// Runs `command`, which must fail saying `says`.
pub fn refused(mut command: std::process::Command, says: &str) {
    let out = command.output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(says), "{stderr}");
}

/// Spawns `command` (its log to `dir/smdp.log`) and waits until its admin API answers.
pub fn start(mut command: std::process::Command, dir: &Path, admin: u16) -> Running {
    let child = command
        .stderr(std::fs::File::create(dir.join("smdp.log")).unwrap())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_healthy(admin, &mut running.0);
    running
}

/// Imports `package` as a Profile of `profile_type` through the admin API on `admin`.
pub fn import(admin: u16, iccid: &str, profile_type: &str, msisdn: Option<&str>, package: &[u8]) {
    let mut body = json!({
        "iccid": iccid,
        "profileType": profile_type,
        "package": base64::engine::general_purpose::STANDARD.encode(package),
    });
    if let Some(m) = msisdn {
        body["msisdn"] = m.into();
    }
    let (status, body) = post(admin, "/smdp/v1/profiles", &body);
    assert_eq!(status, 201, "{body}");
}

/// The SM-DP lab: the SOAP lab, and `rsp serve smdp` as its SM-SR's SM-DP.
pub struct SmdpLab {
    pub soap: SoapLab,
    pub smdp: Option<Running>,
    /// The SM-DP's ES2 (and ES3 notification) port.
    pub es2_port: u16,
    /// The SM-DP's admin port.
    pub admin: u16,
}

impl SmdpLab {
    /// The lab with the SM-SR's notices for the SM-DP going to its ES3 notification
    /// endpoint (the SM-SR presenting the test PKI's dp-tls, CN localhost) and the SM-DP's
    /// Operator endpoint the SOAP lab's collecting one; `smdp_extra` more SM-DP arguments.
    pub fn start(lab_profile_smdp: Option<&str>, smdp_extra: &[&str]) -> Self {
        Self::start_with(lab_profile_smdp, smdp_extra, |_| None)
    }

    /// [`Self::start`] with the SM-DP reaching its SM-SR `smsr1` at the ES3 URL `es3` gives
    /// once the SOAP lab runs (a proxy in front of the SM-SR's endpoint), directly when none.
    pub fn start_with(
        lab_profile_smdp: Option<&str>,
        smdp_extra: &[&str],
        es3: impl FnOnce(&SoapLab) -> Option<String>,
    ) -> Self {
        let mut soap = SoapLab::start(OPERATOR, lab_profile_smdp);
        let es2_port = free_port();
        let admin = free_port();
        let nist = soap.nist.clone();
        let path = |f: &str| nist.join(f).display().to_string();
        // The SM-SR again, now also sending the SM-DP's notices over mutual TLS.
        soap.running.take();
        soap.server.extra.extend([
            "--smdp".into(),
            format!("{SMDP}=https://localhost:{es2_port}/gsma/sgp02/es3"),
            "--notice-ca".into(),
            path("ci.pem"),
            "--client-cert".into(),
            path("dp-tls.pem"),
            "--client-key".into(),
            path("dp-tls.key.pem"),
        ]);
        soap.running = Some(soap.server.start());
        write_dp_files(&soap.dir, &rsp_testkit::m2m::lab_pki(&soap.eid));
        let mut command = smdp_command(
            &soap.dir,
            &nist,
            es2_port,
            admin,
            &soap.dir.join("dp.key.pem"),
        );
        let mut args = lab_smdp_args(&soap.dir, &nist, soap.ws_port);
        if let Some(url) = es3(&soap) {
            let at = args.iter().position(|a| a == "--smsr").unwrap() + 1;
            args[at] = format!("smsr1={url}");
        }
        command
            .args(args)
            .arg("--operator")
            .arg(format!("{OPERATOR}=http://{}/es4", soap.endpoint))
            .args(smdp_extra);
        let smdp = Some(start(command, &soap.dir, admin));
        SmdpLab {
            soap,
            smdp,
            es2_port,
            admin,
        }
    }

    /// Sends an ES2 request as the Operator; the HTTP status and body.
    pub fn es2(&self, body: Es2Request, reply_to: Option<String>) -> (u16, String) {
        es2_send(
            &self.soap.rt,
            &self.soap.nist,
            self.es2_port,
            es2_request(body, reply_to),
        )
    }

    /// The ReplyTo address of the Operator's collecting endpoint.
    pub fn reply_to(&self) -> String {
        format!("http://{}/es4", self.soap.endpoint)
    }

    /// What the Operator's endpoint received so far.
    pub fn received(&self) -> Vec<String> {
        self.soap
            .rt
            .block_on(async { self.soap.received.lock().await.clone() })
    }

    /// Waits (at most `seconds`) until the Operator's endpoint has received a body for which
    /// `pred` holds; that body.
    pub fn wait_received(&self, seconds: u64, what: &str, pred: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            if let Some(r) = self.received().into_iter().find(|b| pred(b)) {
                return r;
            }
            assert!(
                start.elapsed() < Duration::from_secs(seconds),
                "no {what}: orders {}; notifications {}; received {:?}",
                get_json(self.admin, "/smdp/v1/orders"),
                get_json(self.admin, "/smdp/v1/notifications"),
                self.received()
            );
            std::thread::sleep(Duration::from_millis(300));
        }
    }

    /// An admin API JSON document of the SM-DP.
    pub fn get(&self, path: &str) -> Value {
        get_json(self.admin, path)
    }

    /// Stops the SM-DP and the SOAP lab.
    pub fn finish(mut self) {
        self.smdp.take();
        self.soap.finish();
    }
}
