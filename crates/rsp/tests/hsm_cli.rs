//! Every long-term key of the SM-DP+ in a SoftHSM2 token (docs/hsm.md), as an operator sets
//! it up with the CLI: `rsp pki csr --key pkcs11:…` generates DPauth, DPpb (both curves)
//! and DPtls (P-256) in the token and signs the CSRs there (checked by `openssl req
//! -verify`), `rsp pki issue --csr` certifies them under the test CI, `rsp pki verify --key
//! pkcs11:…` matches them, `rsp hsm data-key` wraps the data key; then `rsp serve smdpp`
//! runs on them and a NIST-only and a brainpool-only virtual eUICC each download a Profile
//! through `rsp lpa` over HTTPS. The PIN never shows in the server's log. Skips without
//! SoftHSM2, required with CI=true.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::{Running, es2, free_port, rsp, temp_dir};
use rsp_hsm::testing::{TEST_PIN, TestToken};
use serde_json::{Value, json};

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn ok(out: Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn admin(port: u16, method: &str, path: &str, body: Option<&Value>) -> Option<(u16, String)> {
    let mut s = TcpStream::connect(("127.0.0.1", port)).ok()?;
    s.set_read_timeout(Some(Duration::from_secs(10))).ok()?;
    let body = body.map(Value::to_string).unwrap_or_default();
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\
         Content-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .ok()?;
    let mut out = String::new();
    s.read_to_string(&mut out).ok()?;
    let status = out.get(9..12)?.parse().ok()?;
    Some((status, out.split_once("\r\n\r\n")?.1.to_owned()))
}

async fn released_order(pki: &Path, port: u16, admin_port: u16, iccid: &str) -> String {
    let template = rsp_saip::template::generic().encode().unwrap();
    let mut p = rsp_saip::Personalisation::default();
    p.set("iccid", iccid).unwrap();
    let der = rsp_saip::patch::personalise_der(&template, &p).unwrap();
    let package = base64::engine::Engine::encode(&base64::engine::general_purpose::STANDARD, der);
    let (status, body) = admin(
        admin_port,
        "POST",
        "/admin/v1/profiles",
        Some(
            &json!({"iccid": iccid, "operator": "Test Operator", "profileType": "T1",
            "profilePackage": package, "serviceProviderName": "Test Operator",
            "profileName": "HSM profile"}),
        ),
    )
    .unwrap();
    assert_eq!(status, 201, "{body}");
    let header = json!({"functionRequesterIdentifier": "op", "functionCallIdentifier": "1"});
    es2(
        pki,
        port,
        "downloadOrder",
        json!({"header": header, "iccid": iccid}),
    )
    .await;
    let c = es2(
        pki,
        port,
        "confirmOrder",
        json!({"header": header, "iccid": iccid, "releaseFlag": true}),
    )
    .await;
    format!(
        "LPA:1${}${}",
        c["smdpAddress"].as_str().unwrap(),
        c["matchingId"].as_str().unwrap()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn full_downloads_with_every_smdp_key_in_softhsm() {
    let dir = temp_dir();
    let Some(token) = TestToken::create(&dir.join("hsm"), "rsp-cli") else {
        return;
    };
    let conf = token.conf();
    let hsm = |cmd: &mut Command| -> Output {
        cmd.env("SOFTHSM2_CONF", &conf)
            .env_remove("RSP_PKCS11_PIN")
            .output()
            .unwrap()
    };
    std::fs::write(dir.join("pin"), format!("{TEST_PIN}\n")).unwrap();
    let uri = |object: &str, kind: &str| {
        format!(
            "pkcs11:token=rsp-cli;object={object};type={kind}?pin-source=file:{}&module-path={}",
            dir.join("pin").display(),
            token.module.display()
        )
    };
    let pki = dir.join("pki");
    ok(rsp()
        .args(["pki", "init", "--out", s(&pki)])
        .output()
        .unwrap());

    // Token keys, CSRs signed in the token, certificates under each CI.
    let mut keys = vec![("nist", "dp-tls", "CN=localhost,O=RSPTEST")];
    for curve in ["nist", "brainpool"] {
        keys.push((curve, "dp-auth", "CN=HSM SMDP auth,O=RSPTEST"));
        keys.push((curve, "dp-pb", "CN=HSM SMDP pb,O=RSPTEST"));
    }
    for (curve, role, subject) in keys {
        let key = uri(&format!("{curve}-{role}"), "private");
        let out = dir.join(format!("{curve}-{role}"));
        let text = ok(hsm(rsp()
            .args(["pki", "csr", "--role", role, "--subject", subject])
            .args(["--registered-id", "2.999.10", "--curve", curve])
            .args(["--key", &key, "--out", s(&out)])));
        assert!(text.contains("new key generated in the token"), "{text}");
        assert!(!out.with_extension("key.pem").exists());
        let csr = dir.join(format!("{curve}-{role}.csr"));
        let verified = Command::new("openssl")
            .args(["req", "-verify", "-noout", "-in", s(&csr)])
            .output()
            .unwrap();
        assert!(
            verified.status.success(),
            "openssl req -verify: {}",
            String::from_utf8_lossy(&verified.stderr)
        );
        let ci = pki.join(curve);
        ok(rsp()
            .args(["pki", "issue", "--role", role, "--csr", s(&csr)])
            .args([
                "--ca-cert",
                s(&ci.join("ci.pem")),
                "--ca-key",
                s(&ci.join("ci.key.pem")),
            ])
            .args(["--out", s(&ci.join(format!("{role}.pem"))), "--force"])
            .output()
            .unwrap());
        let text = ok(hsm(rsp()
            .args([
                "pki",
                "verify",
                "--ca",
                s(&ci.join("ci.pem")),
                "--key",
                &key,
            ])
            .arg(ci.join(format!("{role}.pem")))));
        assert!(text.contains("certifies the key"), "{text}");
        // The key file of the `rsp pki init` layout now names the token key.
        std::fs::write(ci.join(format!("{role}.key.pem")), format!("{key}\n")).unwrap();
    }
    let data_key = dir.join("data.key");
    ok(hsm(rsp()
        .args(["hsm", "data-key", "--kek", &uri("data-kek", "secret-key")])
        .args(["--out", s(&data_key)])));
    let text = std::fs::read_to_string(&data_key).unwrap();
    assert!(
        text.contains("wrapped = ") && !text.contains(TEST_PIN),
        "{text}"
    );

    // The SM-DP+ on token keys only (DPtls through --tls-key as a URI, the rest by files).
    let (port, admin_port) = (free_port(), free_port());
    let log = dir.join("smdpp.log");
    let child = rsp()
        .args(["serve", "smdpp", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin_port}")])
        .args([
            "--pki",
            s(&pki),
            "--tls-key",
            &uri("nist-dp-tls", "private"),
        ])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smdpp.db").display()))
        .args(["--data-key-file", s(&data_key)])
        .env("RSP_SMDPP_ADDRESS", format!("localhost:{port}"))
        .env("SOFTHSM2_CONF", &conf)
        .env_remove("RSP_SMDPP_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let start = Instant::now();
    while admin(admin_port, "GET", "/health", None).is_none_or(|(st, _)| st != 200) {
        if let Ok(Some(st)) = server.0.try_wait() {
            panic!(
                "server exited: {st}: {}",
                std::fs::read_to_string(&log).unwrap()
            );
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no start");
        std::thread::sleep(Duration::from_millis(100));
    }

    for (curve, iccid) in [
        ("nist", "8949000000000000026"),
        ("brainpool", "8949000000000000034"),
    ] {
        let ac = released_order(&pki, port, admin_port, iccid).await;
        let c = pki.join(curve);
        let card = format!(
            "{} euicc serve --stdio --state {} --cert {} --key {} --eum {} --ci {}",
            env!("CARGO_BIN_EXE_rsp"),
            s(&dir.join(format!("euicc-{curve}.json"))),
            s(&c.join("euicc.pem")),
            s(&c.join("euicc.key.pem")),
            s(&c.join("eum.pem")),
            s(&c.join("ci.pem")),
        );
        let out = ok(rsp()
            .args(["lpa", "--stdio-card", &card, "download", "--json"])
            .args([
                "--activation-code",
                &ac,
                "--tls-ca",
                s(&pki.join("nist/ci.pem")),
            ])
            .output()
            .unwrap());
        let result: Value = serde_json::from_str(&out).unwrap();
        assert_eq!(
            result["installation"]["result"], "success",
            "{curve}: {result}"
        );
        assert_eq!(result["iccid"], iccid);
        let (_, record) = admin(
            admin_port,
            "GET",
            &format!("/admin/v1/profiles/{iccid}"),
            None,
        )
        .unwrap();
        assert!(record.contains("\"Installed\""), "{curve}: {record}");
    }
    drop(server);
    let log = std::fs::read_to_string(&log).unwrap();
    assert!(!log.contains(TEST_PIN), "the PIN is in the log");
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SM-DS on keys imported into the token by `rsp hsm import` (DSauth on both curves,
/// DStls, the audit checkpoint key): it starts, and a TLS client that trusts only the CI
/// completes the handshake signed in the token (curl, an independent client).
#[test]
fn smds_runs_on_imported_token_keys() {
    let dir = temp_dir();
    let Some(token) = TestToken::create(&dir.join("hsm"), "rsp-smds") else {
        return;
    };
    let conf = token.conf();
    let pki = dir.join("pki");
    ok(rsp()
        .args(["pki", "init", "--out", s(&pki)])
        .output()
        .unwrap());
    let uri = |object: &str| {
        format!(
            "pkcs11:token=rsp-smds;object={object};type=private?module-path={}",
            token.module.display()
        )
    };
    for (curve, file) in [
        ("nist", "ds-auth"),
        ("brainpool", "ds-auth"),
        ("nist", "ds-tls"),
        ("nist", "eim"),
    ] {
        let key = uri(&format!("{curve}-{file}"));
        let path = pki.join(curve).join(format!("{file}.key.pem"));
        let text = ok(rsp()
            .args(["hsm", "import", "--key", &key, "--from", s(&path)])
            .env("SOFTHSM2_CONF", &conf)
            .env("RSP_PKCS11_PIN", TEST_PIN)
            .output()
            .unwrap());
        assert!(text.contains("imported"), "{text}");
        std::fs::write(&path, format!("{key}\n")).unwrap();
    }
    let (port, admin_port) = (free_port(), free_port());
    let log = dir.join("smds.log");
    let child = rsp()
        .args(["serve", "smds", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin_port}")])
        .args(["--address", &format!("localhost:{port}"), "--pki", s(&pki)])
        .args(["--audit-key", s(&pki.join("nist/eim.key.pem"))])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smds.db").display()))
        .env("SOFTHSM2_CONF", &conf)
        .env("RSP_PKCS11_PIN", TEST_PIN)
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    let start = Instant::now();
    while admin(admin_port, "GET", "/health", None).is_none_or(|(st, _)| st != 200) {
        if let Ok(Some(st)) = server.0.try_wait() {
            panic!(
                "server exited: {st}: {}",
                std::fs::read_to_string(&log).unwrap()
            );
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no start");
        std::thread::sleep(Duration::from_millis(100));
    }
    let out = Command::new("curl")
        .args(["-sS", "-o", "/dev/null", "-w", "%{http_code}", "--cacert"])
        .arg(pki.join("nist/ci.pem"))
        .arg(format!("https://localhost:{port}/health"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "TLS with the token key: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(server);
    assert!(!std::fs::read_to_string(&log).unwrap().contains(TEST_PIN));
    let _ = std::fs::remove_dir_all(&dir);
}
