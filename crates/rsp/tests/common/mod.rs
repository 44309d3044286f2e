//! Helpers of the CLI tests that run `rsp serve …` as a process: the binary, a temporary
//! directory, free ports, a bare HTTP GET, the child killed on drop, waiting for /health.
#![allow(dead_code, clippy::unwrap_used)]

pub mod es3_tamper;
pub mod m2m;
pub mod smdp_lab;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::PathBuf;
use std::process::{Child, Command};
use std::time::{Duration, Instant};

pub fn rsp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rsp"))
}

pub fn temp_dir() -> PathBuf {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let p = std::env::temp_dir().join(format!("rsp_serve_test_{}", hex::encode(b)));
    std::fs::create_dir_all(&p).unwrap();
    p
}

pub use rsp_testkit::net::free_port;

pub fn http_get(port: u16, path: &str) -> Option<String> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    write!(
        s,
        "GET {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    Some(out)
}

pub struct Running(pub Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

pub fn wait_healthy(port: u16, child: &mut Child) {
    let start = Instant::now();
    loop {
        if let Some(resp) = http_get(port, "/health")
            && resp.starts_with("HTTP/1.1 200")
        {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early: {status}");
        }
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "server did not start"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

/// The JSON file `path` once a child process has written it (a `--serve` command's
/// `quickstart.json`); panics if the child exits first or after 30 s.
pub fn wait_for_json(path: &std::path::Path, child: &mut Child) -> serde_json::Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(text) = std::fs::read_to_string(path)
            && let Ok(v) = serde_json::from_str::<serde_json::Value>(&text)
        {
            return v;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the server exited early: {status}");
        }
        assert!(Instant::now() < deadline, "no {}", path.display());
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// ES2+ at the SM-DP+ on `localhost:port` over mutual TLS with the Operator certificate
/// of the test PKI in `pki`; the answer, asserted `Executed-Success`.
pub async fn es2(
    pki: &std::path::Path,
    port: u16,
    function: &str,
    body: serde_json::Value,
) -> serde_json::Value {
    let mut identity = std::fs::read(pki.join("nist/mno.key.pem")).unwrap();
    identity.extend(std::fs::read(pki.join("nist/mno.pem")).unwrap());
    let ca =
        reqwest::Certificate::from_pem(&std::fs::read(pki.join("nist/ci.pem")).unwrap()).unwrap();
    let client = reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(&identity).unwrap())
        .build()
        .unwrap();
    let text = client
        .post(format!(
            "https://localhost:{port}/gsma/rsp2/es2plus/{function}"
        ))
        .header("Content-Type", "application/json;charset=UTF-8")
        .header("X-Admin-Protocol", "gsma/rsp/v2.5.0")
        .body(body.to_string())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let v: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        v["header"]["functionExecutionStatus"]["status"], "Executed-Success",
        "{v}"
    );
    v
}

/// `rsp pki init` into `dir/pki`; its path.
pub fn test_pki(dir: &std::path::Path) -> PathBuf {
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
    pki
}
