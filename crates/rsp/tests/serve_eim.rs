//! `rsp serve eim` as a user runs it: options documented in --help; started on the
//! `rsp pki init` output with one tenant; /health; the REST API with curl (an independent
//! client): a wrong token refused, an eUICC registered; ESipa GetEimPackage as raw DER with
//! curl answered noEimPackageAvailable; the ESipa counter in /metrics; the tenant's call in
//! the audit trail. SIGHUP: a renewed TLS certificate served to new connections.
#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::process::{Command, Stdio};

use common::{Running, free_port, http_get, rsp, temp_dir, test_pki, wait_healthy};

const EID: &str = "89049032123451234512345678901235";
/// SHA-256 of "secret-token".
const TOKEN: &str = "secret-token";

#[test]
fn help_documents_every_option() {
    let out = rsp().args(["serve", "eim", "--help"]).output().unwrap();
    assert!(out.status.success());
    let help = String::from_utf8_lossy(&out.stdout);
    for opt in [
        "--config",
        "--listen",
        "--admin-listen",
        "--database",
        "--pki",
        "--tls-cert",
        "--tls-key",
        "--eim-id",
        "--eim-key-nist",
        "--eim-key-brainpool",
        "--ci",
        "--smdp-ca",
        "--tenant",
        "--log-format",
        "--audit-key",
        "--coap-listen",
        "RSP_EIM_LISTEN",
        "RSP_EIM_ADMIN_TOKEN",
        "rsp_esipa_calls_total",
        "rsp_eim_pending_operations",
    ] {
        assert!(help.contains(opt), "{opt} missing from --help:\n{help}");
    }
    let out = rsp()
        .args(["serve", "eim", "--pki", "/nonexistent"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("signing key"));
}

fn curl(pki: &Path, args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--cacert"])
        .arg(pki.join("nist/ci.pem"))
        .args(args)
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn serves_esipa_and_the_rest_api() {
    if Command::new("curl").arg("-V").output().is_err() {
        println!("SKIP: curl not on PATH");
        return;
    }
    let dir = temp_dir();
    let pki = test_pki(&dir);
    let hash = {
        use sha2::Digest as _;
        hex::encode(sha2::Sha256::digest(TOKEN.as_bytes()))
    };
    let (port, admin) = (free_port(), free_port());
    let coap = std::net::UdpSocket::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cmd = rsp();
    cmd.args(["serve", "eim", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .args(["--coap-listen", &format!("127.0.0.1:{coap}")])
        .arg("--pki")
        .arg(&pki)
        .args(["--tenant", &format!("acme={hash}")])
        .arg("--audit-key")
        .arg(pki.join("nist/eim.key.pem"))
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("eim.db").display()))
        .env_remove("RSP_EIM_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut running = Running(cmd.spawn().unwrap());
    wait_healthy(admin, &mut running.0);

    let base = format!("https://localhost:{port}");
    let code = curl(
        &pki,
        &[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-H",
            "Authorization: Bearer wrong",
            &format!("{base}/eim/v1/euiccs"),
        ],
    );
    assert_eq!(code, "401");
    let body = curl(
        &pki,
        &[
            "-H",
            &format!("Authorization: Bearer {TOKEN}"),
            "-H",
            "Content-Type: application/json",
            "-d",
            &format!(r#"{{"eid":"{EID}"}}"#),
            &format!("{base}/eim/v1/euiccs"),
        ],
    );
    assert!(body.contains(EID), "{body}");

    // GetEimPackageRequest BF4F { 5A 10 EID }, as raw DER.
    let mut der = vec![0xBF, 0x4F, 0x12, 0x5A, 0x10];
    der.extend(hex::decode(EID).unwrap());
    let req = dir.join("get.der");
    std::fs::write(&req, &der).unwrap();
    let resp = dir.join("resp.der");
    curl(
        &pki,
        &[
            "-H",
            "Content-Type: application/x-gsma-rsp-asn1",
            "--data-binary",
            &format!("@{}", req.display()),
            "-o",
            resp.to_str().unwrap(),
            &format!("{base}/gsma/rsp2/asn1"),
        ],
    );
    // GetEimPackageResponse BF4F { eimPackageError 02 01 01 (noEimPackageAvailable) }.
    assert_eq!(
        std::fs::read(&resp).unwrap(),
        [0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01]
    );
    // The same call over CoAP/DTLS (--coap-listen), the eIM's TLS certificate checked.
    let answer = tokio::runtime::Runtime::new().unwrap().block_on(async {
        let client = rsp_coap::CoapEsipaClient::connect(
            format!("127.0.0.1:{coap}").parse().unwrap(),
            rsp_coap::ClientDtls {
                ca_pem: std::fs::read_to_string(pki.join("nist/ci.pem")).unwrap(),
                server_name: "localhost".into(),
            },
        )
        .await
        .unwrap();
        client.exchange(&der).await.unwrap()
    });
    assert_eq!(answer, Some(vec![0xBF, 0x4F, 0x03, 0x02, 0x01, 0x01]));

    let metrics = http_get(admin, "/metrics").unwrap();
    assert!(metrics.contains("rsp_esipa_calls_total"), "{metrics}");
    assert!(metrics.contains("noEimPackageAvailable"), "{metrics}");
    drop(running);
    // The tenant's registration is in the audit trail, which verifies.
    let db = format!("sqlite://{}", dir.join("eim.db").display());
    let out = rsp()
        .args(["audit", "export", "--database", &db])
        .output()
        .unwrap();
    let trail = String::from_utf8_lossy(&out.stdout);
    assert!(
        trail.contains("\"actor\":\"acme\"") && trail.contains("eim.POST"),
        "{trail}"
    );
    let out = rsp()
        .args(["audit", "verify", "--database", &db])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let _ = std::fs::remove_dir_all(dir);
}

/// The end-entity certificate the eIM's HTTPS listener presents to a new connection.
async fn served_cert(pki: &Path, port: u16) -> Vec<u8> {
    use rustls::pki_types::pem::PemObject;
    use rustls::pki_types::{CertificateDer, ServerName};
    let _ = rustls::crypto::aws_lc_rs::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    for cert in CertificateDer::pem_file_iter(pki.join("nist/ci.pem")).unwrap() {
        roots.add(cert.unwrap()).unwrap();
    }
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(std::sync::Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .unwrap();
    let tls = connector
        .connect(ServerName::try_from("localhost").unwrap(), tcp)
        .await
        .unwrap();
    tls.get_ref().1.peer_certificates().unwrap()[0].to_vec()
}

fn first_der(pem: &Path) -> Vec<u8> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    CertificateDer::pem_file_iter(pem)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .to_vec()
}

/// SIGHUP: a renewed TLS certificate and key put in place of the old files are served to new
/// connections, and the reload is logged; a broken key and SIGHUP leave the renewed one in force.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sighup_reloads_the_tls_certificate() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    let run = |args: &[&std::ffi::OsStr]| {
        let out = rsp().args(args).output().unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    };
    run(&[
        "pki".as_ref(),
        "init".as_ref(),
        "--out".as_ref(),
        pki.as_os_str(),
    ]);
    let (port, admin) = (free_port(), free_port());
    let log = dir.join("eim.log");
    let mut cmd = rsp();
    cmd.args(["serve", "eim", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .arg("--pki")
        .arg(&pki)
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("eim.db").display()))
        .env("RSP_EIM_LOG_FORMAT", "json")
        .env_remove("RSP_EIM_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap());
    let mut running = Running(cmd.spawn().unwrap());
    wait_healthy(admin, &mut running.0);
    let old = served_cert(&pki, port).await;
    assert_eq!(old, first_der(&pki.join("nist/dp-tls.pem")));

    let renewed = dir.join("renewed-tls");
    run(&[
        "pki".as_ref(),
        "issue".as_ref(),
        "--ca-cert".as_ref(),
        pki.join("nist/ci.pem").as_os_str(),
        "--ca-key".as_ref(),
        pki.join("nist/ci.key.pem").as_os_str(),
        "--role".as_ref(),
        "dp-tls".as_ref(),
        "--out".as_ref(),
        renewed.as_os_str(),
    ]);
    std::fs::copy(dir.join("renewed-tls.pem"), pki.join("nist/dp-tls.pem")).unwrap();
    std::fs::copy(
        dir.join("renewed-tls.key.pem"),
        pki.join("nist/dp-tls.key.pem"),
    )
    .unwrap();
    let hup = || {
        let pid = running.0.id().to_string();
        assert!(
            Command::new("kill")
                .args(["-HUP", &pid])
                .status()
                .unwrap()
                .success()
        );
    };
    let wait_log = |needle: &str| {
        let start = std::time::Instant::now();
        loop {
            let text = std::fs::read_to_string(&log).unwrap_or_default();
            if text.contains(needle) {
                return;
            }
            assert!(
                start.elapsed() < std::time::Duration::from_secs(20),
                "no {needle:?} in the log:\n{text}"
            );
            std::thread::sleep(std::time::Duration::from_millis(100));
        }
    };
    hup();
    wait_log("certificates and CRLs reloaded");
    let new = served_cert(&pki, port).await;
    assert_ne!(new, old);
    assert_eq!(new, first_der(&dir.join("renewed-tls.pem")));

    // A broken key: the reload fails and the renewed certificate stays in force.
    std::fs::write(pki.join("nist/dp-tls.key.pem"), "not a key").unwrap();
    hup();
    wait_log("TLS certificate or key");
    assert_eq!(served_cert(&pki, port).await, new);
}
