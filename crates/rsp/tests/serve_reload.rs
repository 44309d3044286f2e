//! SIGHUP reload of a running `rsp serve smdpp` (issue 24 point 8): a renewed DPtls
//! certificate and a CRL revoking the Operator's ES2+ client certificate are put in place,
//! SIGHUP; then a new connection sees the new certificate, the Operator's certificate is
//! refused at the handshake, and a keep-alive connection opened before the reload keeps
//! working. A broken file and SIGHUP: the reload fails, is logged, and the previous
//! configuration stays in force. SIGTERM drains requests in flight, for a bounded time.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use common::{Running, free_port, rsp, temp_dir, wait_healthy};
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_rustls::TlsConnector;
use tokio_rustls::client::TlsStream;

fn ok(args: &[&str]) {
    let out = rsp().args(args).output().unwrap();
    assert!(
        out.status.success(),
        "rsp {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A CRL of the CI (PEM) listing `revoked`.
fn crl(pki: &Path, out: &Path, number: &str, revoked: &[PathBuf]) {
    let ci = pki.join("nist/ci.pem");
    let ci_key = pki.join("nist/ci.key.pem");
    let mut args = vec!["pki", "crl", "--ca-cert", s(&ci), "--ca-key", s(&ci_key)];
    for r in revoked {
        args.extend(["--revoke", s(r)]);
    }
    args.extend(["--number", number, "--out", s(out)]);
    ok(&args);
}

fn connector(pki: &Path, identity: Option<&str>) -> TlsConnector {
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(pki.join("nist/ci.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let builder = rustls::ClientConfig::builder().with_root_certificates(roots);
    let mut config = match identity {
        Some(name) => {
            let chain = CertificateDer::pem_file_iter(pki.join(format!("nist/{name}.pem")))
                .unwrap()
                .collect::<Result<Vec<_>, _>>()
                .unwrap();
            let key =
                PrivateKeyDer::from_pem_file(pki.join(format!("nist/{name}.key.pem"))).unwrap();
            builder.with_client_auth_cert(chain, key).unwrap()
        }
        None => builder.with_no_client_auth(),
    };
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    TlsConnector::from(Arc::new(config))
}

async fn connect(port: u16, connector: &TlsConnector) -> std::io::Result<TlsStream<TcpStream>> {
    let tcp = TcpStream::connect(("127.0.0.1", port)).await?;
    connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
}

/// The server's end-entity certificate on `tls`.
fn server_cert(tls: &TlsStream<TcpStream>) -> Vec<u8> {
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

/// One ES2+ DownloadOrder (unknown ICCID) on `tls`, keeping the connection open; the status
/// line and body.
async fn es2_call(tls: &mut TlsStream<TcpStream>) -> std::io::Result<String> {
    let body = r#"{"header":{"functionRequesterIdentifier":"op","functionCallIdentifier":"1"},"iccid":"8949000000000000011"}"#;
    let request = format!(
        "POST /gsma/rsp2/es2plus/downloadOrder HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/json;charset=UTF-8\r\nX-Admin-Protocol: gsma/rsp/v2.5.0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    tls.write_all(request.as_bytes()).await?;
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = tls.read(&mut chunk).await?;
        if n == 0 {
            return Err(std::io::Error::other("connection closed"));
        }
        buf.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&buf).into_owned();
        if let Some(end) = text.find("\r\n\r\n") {
            let length = text[..end]
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length:")
                        .map(|v| v.trim().parse::<usize>().unwrap())
                })
                .unwrap_or(0);
            if buf.len() >= end + 4 + length {
                return Ok(text);
            }
        }
    }
}

fn der_of(pem: &Path) -> Vec<u8> {
    CertificateDer::pem_file_iter(pem)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .to_vec()
}

fn hup(running: &Running) {
    let pid = running.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-HUP", &pid])
            .status()
            .unwrap()
            .success()
    );
}

/// Waits until the log holds `needle` `count` times.
fn wait_log(log: &Path, needle: &str, count: usize) -> String {
    let start = Instant::now();
    loop {
        let text = std::fs::read_to_string(log).unwrap_or_default();
        if text.matches(needle).count() >= count {
            return text;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "no {needle:?} in the log:\n{text}"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_certificate_and_crl_without_dropping_connections() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    ok(&["pki", "init", "--out", s(&pki)]);
    let crl_file = dir.join("ci-crl.pem");
    crl(&pki, &crl_file, "1", &[]);
    let (port, admin) = (free_port(), free_port());
    let log = dir.join("server.log");
    let child = rsp()
        .args(["serve", "smdpp", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .args(["--pki", s(&pki), "--crl", s(&crl_file)])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smdpp.db").display()))
        .arg("--data-key-file")
        .arg(dir.join("data.key"))
        .env("RSP_SMDPP_ADDRESS", "localhost")
        .env("RSP_SMDPP_LOG_FORMAT", "json")
        .env_remove("RSP_SMDPP_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_healthy(admin, &mut running.0);

    // The Operator's keep-alive ES2+ connection, before the reload.
    let operator = connector(&pki, Some("mno"));
    let mut kept = connect(port, &operator).await.unwrap();
    let old_cert = server_cert(&kept);
    assert_eq!(old_cert, der_of(&pki.join("nist/dp-tls.pem")));
    let answer = es2_call(&mut kept).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");

    // A renewed DPtls (new key) in place of the old files, and a CRL revoking the Operator.
    let renewed = dir.join("renewed-tls");
    ok(&[
        "pki",
        "issue",
        "--ca-cert",
        s(&pki.join("nist/ci.pem")),
        "--ca-key",
        s(&pki.join("nist/ci.key.pem")),
        "--role",
        "dp-tls",
        "--out",
        s(&renewed),
    ]);
    std::fs::copy(dir.join("renewed-tls.pem"), pki.join("nist/dp-tls.pem")).unwrap();
    std::fs::copy(
        dir.join("renewed-tls.key.pem"),
        pki.join("nist/dp-tls.key.pem"),
    )
    .unwrap();
    crl(&pki, &crl_file, "2", &[pki.join("nist/mno.pem")]);
    hup(&running);
    wait_log(&log, "certificates and CRLs reloaded", 1);

    // New connections get the renewed certificate.
    let anonymous = connector(&pki, None);
    let fresh = connect(port, &anonymous).await.unwrap();
    let new_cert = server_cert(&fresh);
    assert_ne!(new_cert, old_cert);
    assert_eq!(new_cert, der_of(&dir.join("renewed-tls.pem")));
    // The revoked Operator certificate is refused on a new connection (TLS 1.3: the
    // server's alert arrives with the first read).
    let refused = match connect(port, &operator).await {
        Err(e) => e.to_string(),
        Ok(mut tls) => match es2_call(&mut tls).await {
            Err(e) => e.to_string(),
            Ok(answer) => panic!("revoked certificate accepted: {answer}"),
        },
    };
    assert!(refused.to_lowercase().contains("revoked"), "{refused}");
    // The connection established before the reload still works, with the old certificate.
    let answer = es2_call(&mut kept).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert_eq!(server_cert(&kept), old_cert);

    // A broken key file: the reload fails, says why, and changes nothing.
    std::fs::write(pki.join("nist/dp-tls.key.pem"), "not a key\n").unwrap();
    hup(&running);
    let text = wait_log(&log, "reload failed", 1);
    assert!(text.contains("dp-tls.key.pem"), "{text}");
    let after = connect(port, &anonymous).await.unwrap();
    assert_eq!(server_cert(&after), new_cert);
    let answer = es2_call(&mut kept).await.unwrap();
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Imports the Profile `iccid` with a released order `matching_id` through the admin API;
/// its Activation Code.
async fn released(admin: u16, iccid: &str, matching_id: &str) -> String {
    let http = reqwest::Client::new();
    let base = format!("http://127.0.0.1:{admin}/admin/v1");
    let template = rsp_saip::template::generic().encode().unwrap();
    let mut p = rsp_saip::Personalisation::default();
    p.set("iccid", iccid).unwrap();
    let package = base64::engine::Engine::encode(
        &base64::engine::general_purpose::STANDARD,
        rsp_saip::patch::personalise_der(&template, &p).unwrap(),
    );
    let r = http
        .post(format!("{base}/profiles"))
        .json(
            &serde_json::json!({"iccid": iccid, "operator": "op", "profileType": "T1",
            "profilePackage": package}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let r = http
        .post(format!("{base}/orders/{iccid}/import"))
        .json(&serde_json::json!({"matchingId": matching_id}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201);
    let v: serde_json::Value = http
        .get(format!("{base}/orders/{iccid}/activation-code"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    v["qrCodeText"].as_str().unwrap().to_owned()
}

/// ES9+ side: an eUICC whose EUM a reloaded CRL revokes can no longer authenticate
/// (SGP.22 §4.5.2.2), while it could before the reload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloaded_crl_refuses_a_revoked_euicc_chain() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    ok(&["pki", "init", "--out", s(&pki)]);
    let crl_file = dir.join("ci-crl.pem");
    crl(&pki, &crl_file, "1", &[]);
    let (port, admin) = (free_port(), free_port());
    let log = dir.join("server.log");
    let child = rsp()
        .args(["serve", "smdpp", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .args(["--pki", s(&pki), "--crl", s(&crl_file)])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smdpp.db").display()))
        .arg("--data-key-file")
        .arg(dir.join("data.key"))
        .env("RSP_SMDPP_ADDRESS", format!("localhost:{port}"))
        .env_remove("RSP_SMDPP_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_healthy(admin, &mut running.0);
    let state = dir.join("euicc.json");
    let download = |ac: &str| {
        rsp()
            .args(["lpa", "--state", s(&state), "--pki", s(&pki)])
            .args(["download", "--activation-code", ac])
            .args(["--tls-ca", s(&pki.join("nist/ci.pem"))])
            .output()
            .unwrap()
    };
    let first = released(admin, "8949000000000000018", "RELOAD-0001").await;
    let second = released(admin, "8949000000000000026", "RELOAD-0002").await;
    let out = download(&first);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    crl(&pki, &crl_file, "2", &[pki.join("nist/eum.pem")]);
    hup(&running);
    wait_log(&log, "certificates and CRLs reloaded", 1);
    let out = download(&second);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "revoked EUM accepted");
    // SGP.22 §5.6.3 AuthenticateClient: EUM Certificate verification failed, 8.1.2 / 6.1.
    assert!(err.contains("subjectCode 8.1.2 reasonCode 6.1"), "{err}");
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}

/// Graceful shutdown: a request in flight at SIGTERM (its body still arriving) is answered
/// before the process exits with status 0; new connections are refused meanwhile; a request
/// that never completes does not hold the exit beyond the drain timeout (15 s).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_drains_a_request_in_flight() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    ok(&["pki", "init", "--out", s(&pki)]);
    let (port, admin) = (free_port(), free_port());
    let child = rsp()
        .args(["serve", "smdpp", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .args(["--pki", s(&pki)])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smdpp.db").display()))
        .arg("--data-key-file")
        .arg(dir.join("data.key"))
        .env_remove("RSP_SMDPP_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_healthy(admin, &mut running.0);

    let operator = connector(&pki, Some("mno"));
    let mut tls = connect(port, &operator).await.unwrap();
    let body = r#"{"header":{"functionRequesterIdentifier":"op","functionCallIdentifier":"1"},"iccid":"8949000000000000011"}"#;
    let head = format!(
        "POST /gsma/rsp2/es2plus/downloadOrder HTTP/1.1\r\nHost: localhost\r\n\
         Content-Type: application/json;charset=UTF-8\r\nX-Admin-Protocol: gsma/rsp/v2.5.0\r\n\
         Content-Length: {}\r\n\r\n",
        body.len()
    );
    let (first, rest) = body.split_at(20);
    tls.write_all(head.as_bytes()).await.unwrap();
    tls.write_all(first.as_bytes()).await.unwrap();
    tls.flush().await.unwrap();
    // A client that stops in the middle of its request and never finishes.
    let mut stuck = connect(port, &operator).await.unwrap();
    stuck.write_all(head.as_bytes()).await.unwrap();
    stuck.write_all(first.as_bytes()).await.unwrap();
    stuck.flush().await.unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;

    let pid = running.0.id().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    tokio::time::sleep(Duration::from_millis(500)).await;
    // The listener is closed: no new connection.
    assert!(connect(port, &operator).await.is_err());
    assert!(
        running.0.try_wait().unwrap().is_none(),
        "exited before the drain"
    );
    // The request in flight completes.
    tls.write_all(rest.as_bytes()).await.unwrap();
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(answer.contains(r#""reasonCode":"3.9""#), "{answer}");
    let start = Instant::now();
    let status = loop {
        if let Some(status) = running.0.try_wait().unwrap() {
            break status;
        }
        assert!(
            start.elapsed() < Duration::from_secs(25),
            "no exit after the drain timeout"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(status.success(), "{status}");
    drop(stuck);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SM-DS reloads its DStls certificate on SIGHUP as the SM-DP+ does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smds_sighup_reloads_its_tls_certificate() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    ok(&["pki", "init", "--out", s(&pki)]);
    let (port, admin) = (free_port(), free_port());
    let log = dir.join("smds.log");
    let child = rsp()
        .args(["serve", "smds", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .args(["--address", &format!("localhost:{port}"), "--pki", s(&pki)])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smds.db").display()))
        .env_remove("RSP_SMDS_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut running = Running(child);
    wait_healthy(admin, &mut running.0);
    let anonymous = connector(&pki, None);
    let before = connect(port, &anonymous).await.unwrap();
    assert_eq!(server_cert(&before), der_of(&pki.join("nist/ds-tls.pem")));
    ok(&[
        "pki",
        "issue",
        "--ca-cert",
        s(&pki.join("nist/ci.pem")),
        "--ca-key",
        s(&pki.join("nist/ci.key.pem")),
        "--role",
        "ds-tls",
        "--out",
        s(&dir.join("renewed-ds-tls")),
    ]);
    std::fs::copy(dir.join("renewed-ds-tls.pem"), pki.join("nist/ds-tls.pem")).unwrap();
    std::fs::copy(
        dir.join("renewed-ds-tls.key.pem"),
        pki.join("nist/ds-tls.key.pem"),
    )
    .unwrap();
    hup(&running);
    wait_log(&log, "certificates and CRLs reloaded", 1);
    let after = connect(port, &anonymous).await.unwrap();
    assert_eq!(server_cert(&after), der_of(&dir.join("renewed-ds-tls.pem")));
    assert_ne!(server_cert(&after), server_cert(&before));
    drop(running);
    let _ = std::fs::remove_dir_all(&dir);
}
