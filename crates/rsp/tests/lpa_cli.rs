//! `rsp lpa` as a user runs it: a full download from a running `rsp serve smdpp` into the
//! virtual eUICC served by another process (`rsp euicc serve --stdio`, driven over lpac's
//! stdio protocol), the installation notification delivered (Profile `Installed` on the
//! SM-DP+), then profile management on the same state file in-process, and a refused
//! download reported in one line with its SGP.22 status code.
#![allow(clippy::unwrap_used)]

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use common::es2;
use serde_json::{Value, json};

fn rsp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rsp"))
}

fn temp_dir() -> PathBuf {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let p = std::env::temp_dir().join(format!("rsp_lpa_cli_{}", hex::encode(b)));
    std::fs::create_dir_all(&p).unwrap();
    p
}

use rsp_testkit::net::free_port;

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn stdout_of(out: &Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// One HTTP/1.1 request on the admin port (plain HTTP on loopback).
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
    let body = out.split_once("\r\n\r\n").map(|(_, b)| b.to_owned())?;
    Some((status, body))
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn wait_healthy(port: u16, child: &mut Child) {
    let start = Instant::now();
    loop {
        if admin(port, "GET", "/health", None).is_some_and(|(st, _)| st == 200) {
            return;
        }
        if let Ok(Some(status)) = child.try_wait() {
            panic!("server exited early: {status}");
        }
        assert!(start.elapsed() < Duration::from_secs(30), "no start");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn help_documents_every_command_and_option() {
    let help = stdout_of(&rsp().args(["lpa", "--help"]).output().unwrap());
    for word in [
        "download",
        "profile",
        "notification",
        "chip",
        "--stdio-card",
        "--state",
        "--pki",
        "--tls-ca",
        "--no-notify",
        "--json",
    ] {
        assert!(help.contains(word), "{word} missing:\n{help}");
    }
    let help = stdout_of(&rsp().args(["lpa", "download", "--help"]).output().unwrap());
    for word in [
        "--activation-code",
        "--confirmation-code",
        "--imei",
        "--tls-ca",
    ] {
        assert!(help.contains(word), "{word} missing:\n{help}");
    }
    for sub in [
        vec!["profile", "--help"],
        vec!["notification", "--help"],
        vec!["chip", "info", "--help"],
    ] {
        let help = stdout_of(&rsp().arg("lpa").args(&sub).output().unwrap());
        assert!(help.contains("Usage"), "{help}");
    }
}

/// `rsp lpa discover` and `rsp lpa download --discover` (SGP.22 §3.6.3): help and the
/// argument rules, checked before any card or network traffic; `--root-ds` and
/// `--default-dp` of the virtual eUICC, recorded in its state and answered by ES10a
/// GetEuiccConfiguredAddresses (`chip info`).
#[test]
fn discover_arguments_and_configured_addresses() {
    let help = stdout_of(&rsp().args(["lpa", "--help"]).output().unwrap());
    for word in ["discover", "--root-ds", "--default-dp"] {
        assert!(help.contains(word), "{word} missing:\n{help}");
    }
    let help = stdout_of(&rsp().args(["lpa", "discover", "--help"]).output().unwrap());
    for word in ["--smds", "--imei", "--json", "--tls-ca", "root SM-DS"] {
        assert!(help.contains(word), "{word} missing:\n{help}");
    }
    let help = stdout_of(&rsp().args(["lpa", "download", "--help"]).output().unwrap());
    for word in ["--discover", "--smds", "--activation-code"] {
        assert!(help.contains(word), "{word} missing:\n{help}");
    }
    let help = stdout_of(&rsp().args(["euicc", "info", "--help"]).output().unwrap());
    for word in ["--root-ds", "--default-dp"] {
        assert!(help.contains(word), "{word} missing:\n{help}");
    }
    // Usage errors (clap: exit code 2), whatever the card.
    for args in [
        vec!["lpa", "download"],
        vec!["lpa", "download", "--smds", "ds.example.com"],
        vec![
            "lpa",
            "download",
            "--activation-code",
            "LPA:1$a$b",
            "--discover",
        ],
        vec![
            "lpa",
            "download",
            "--discover",
            "--confirmation-code",
            "1234",
        ],
        vec![
            "lpa",
            "--stdio-card",
            "x",
            "--root-ds",
            "ds.example.com",
            "discover",
        ],
        vec!["lpa", "discover", "--smds"],
    ] {
        let out = rsp().args(&args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}: {out:?}");
    }

    let dir = temp_dir();
    let pki = dir.join("pki");
    stdout_of(
        &rsp()
            .args(["pki", "init", "--out", s(&pki)])
            .output()
            .unwrap(),
    );
    let state = dir.join("euicc.json");
    let info = |extra: &[&str]| {
        let out = rsp()
            .args([
                "euicc",
                "info",
                "--json",
                "--state",
                s(&state),
                "--pki",
                s(&pki),
            ])
            .args(extra)
            .output()
            .unwrap();
        serde_json::from_str::<Value>(&stdout_of(&out)).unwrap()
    };
    assert_eq!(info(&[])["rootDsAddress"], "lpa.ds.gsma.com");
    let v = info(&[
        "--root-ds",
        "ds.example.com:8443",
        "--default-dp",
        "dp.example.com",
    ]);
    assert_eq!(v["rootDsAddress"], "ds.example.com:8443");
    assert_eq!(v["defaultDpAddress"], "dp.example.com");
    // Kept in the state file: the LPA reads them over ES10a without the options.
    let out = rsp()
        .args(["lpa", "--state", s(&state), "chip", "info", "--json"])
        .output()
        .unwrap();
    let chip: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(chip["rootDsAddress"], "ds.example.com:8443");
    assert_eq!(chip["defaultDpAddress"], "dp.example.com");
    // Not an address.
    let out = rsp()
        .args(["euicc", "info", "--state", s(&state), "--root-ds", "a b"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("not an address"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// The admin API's record of Profile `iccid`.
fn profile_record(admin_port: u16, iccid: &str) -> Value {
    let (_, record) = admin(
        admin_port,
        "GET",
        &format!("/admin/v1/profiles/{iccid}"),
        None,
    )
    .unwrap();
    serde_json::from_str(&record).unwrap()
}

/// Inventory and order: admin import, ES2+ DownloadOrder + ConfirmOrder (released); the
/// Activation Code. A real profile package (the eUICC processes its profile elements,
/// SGP.22 §2.5.6): the generic template with this ICCID (E.118 Luhn digit), base64 for the
/// admin API.
async fn released_order(
    pki: &Path,
    port: u16,
    admin_port: u16,
    iccid: &str,
    profile_name: &str,
) -> String {
    let package = {
        let template = rsp_saip::template::generic().encode().unwrap();
        let mut p = rsp_saip::Personalisation::default();
        p.set("iccid", iccid).unwrap();
        let der = rsp_saip::patch::personalise_der(&template, &p).unwrap();
        base64::engine::Engine::encode(&base64::engine::general_purpose::STANDARD, der)
    };
    let (status, body) = admin(
        admin_port,
        "POST",
        "/admin/v1/profiles",
        Some(
            &json!({"iccid": iccid, "operator": "Test Operator", "profileType": "T1",
            "profilePackage": package, "serviceProviderName": "Test Operator",
            "profileName": profile_name}),
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
    let confirmed = es2(
        pki,
        port,
        "confirmOrder",
        json!({"header": header, "iccid": iccid, "releaseFlag": true}),
    )
    .await;
    format!(
        "LPA:1${}${}",
        confirmed["smdpAddress"].as_str().unwrap(),
        confirmed["matchingId"].as_str().unwrap()
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_through_a_stdio_card_from_a_running_smdpp() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    stdout_of(
        &rsp()
            .args(["pki", "init", "--out", s(&pki)])
            .output()
            .unwrap(),
    );
    let (port, admin_port) = (free_port(), free_port());
    let address = format!("localhost:{port}");
    let child = rsp()
        .args(["serve", "smdpp", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin_port}")])
        .args(["--pki", s(&pki)])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smdpp.db").display()))
        .args(["--data-key-file", s(&dir.join("data.key"))])
        .env("RSP_SMDPP_ADDRESS", &address)
        .env_remove("RSP_SMDPP_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    wait_healthy(admin_port, &mut server.0);

    let iccid = "8949000000000000018";
    let ac = released_order(&pki, port, admin_port, iccid, "CLI profile").await;
    assert!(ac.contains(&address), "{ac}");

    // The download, through `rsp euicc serve --stdio` in a child process.
    let state = dir.join("euicc.json");
    let card = format!(
        "{} euicc serve --stdio --state {} --pki {}",
        env!("CARGO_BIN_EXE_rsp"),
        s(&state),
        s(&pki)
    );
    let ca = pki.join("nist/ci.pem");
    let run = |args: &[&str]| {
        rsp()
            .args(["lpa", "--stdio-card", &card])
            .args(args)
            .args(["--tls-ca", s(&ca)])
            .output()
            .unwrap()
    };
    let out = stdout_of(&run(&["download", "--activation-code", &ac, "--json"]));
    let result: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(result["installation"]["result"], "success", "{result}");
    assert_eq!(
        result["installation"]["isdpAid"].as_str().map(str::len),
        Some(32)
    );
    assert_eq!(result["iccid"], iccid);
    assert_eq!(result["profileName"], "CLI profile");
    assert_eq!(result["notifications"][0]["delivered"], true, "{result}");
    assert_eq!(result["notifications"][0]["operation"], "install");
    let record = profile_record(admin_port, iccid);
    assert_eq!(record["state"], "Installed", "{record}");

    // Listed by the stdio card, then managed in-process on the same state file.
    let list: Value =
        serde_json::from_str(&stdout_of(&run(&["profile", "list", "--json"]))).unwrap();
    assert_eq!(list[0]["iccid"], iccid);
    assert_eq!(list[0]["state"], "disabled");
    let local = |args: &[&str]| {
        rsp()
            .args(["lpa", "--state", s(&state), "--pki", s(&pki)])
            .args(args)
            .args(["--tls-ca", s(&ca)])
            .output()
            .unwrap()
    };
    let text = stdout_of(&local(&["profile", "enable", iccid]));
    assert!(text.contains(&format!("enabled {iccid}")), "{text}");
    stdout_of(&local(&["profile", "nickname", iccid, "cli"]));
    let text = stdout_of(&local(&["profile", "list"]));
    assert!(
        text.contains(iccid) && text.contains("enabled") && text.contains("(cli)"),
        "{text}"
    );
    let info: Value =
        serde_json::from_str(&stdout_of(&local(&["chip", "info", "--json"]))).unwrap();
    assert_eq!(info["eid"], "89049032000000000000000000000163");
    let pending: Value =
        serde_json::from_str(&stdout_of(&local(&["notification", "list", "--json"]))).unwrap();
    assert_eq!(pending, json!([]));
    stdout_of(&local(&["profile", "disable", iccid]));
    stdout_of(&local(&["profile", "delete", iccid, "--no-notify"]));
    assert!(stdout_of(&local(&["profile", "list"])).contains("no profile"));

    // The same activation code again: the SM-DP+ refuses; one line with the code.
    let out = run(&["download", "--activation-code", &ac]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err
        .lines()
        .find(|l| l.starts_with("error:"))
        .unwrap_or_else(|| panic!("{err}"));
    assert!(
        line.contains("subjectCode") && line.contains("reasonCode"),
        "{err}"
    );
    println!("refused as: {line}");
    // A malformed activation code is refused before any network traffic.
    let out = local(&["download", "--activation-code", "LPA:2$x$y"]);
    assert!(!out.status.success());
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// The SGP.26 test set loaded by `rsp serve smdpp` from its config file
/// (`[[es9-credential-files]]`): a virtual eUICC holding the SGP.26 NIST eUICC identity
/// (`rsp euicc serve --stdio --cert … --ci …`) downloads through `rsp lpa`. TLS uses the
/// project's own DPtls (the SGP.26 one is not named localhost). Skips without
/// `RSP_REFERENCE_DIR`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sgp26_euicc_downloads_from_an_smdpp_configured_by_file() {
    let Some(base) = std::env::var_os("RSP_REFERENCE_DIR")
        .map(|d| Path::new(&d).join("sgp26/full"))
        .filter(|d| d.is_dir())
    else {
        println!("SKIP: RSP_REFERENCE_DIR is not set");
        return;
    };
    let dir = temp_dir();
    let pki = dir.join("pki");
    stdout_of(
        &rsp()
            .args(["pki", "init", "--out", s(&pki)])
            .output()
            .unwrap(),
    );
    let (port, admin_port) = (free_port(), free_port());
    let f = |sub: &str| base.join(sub).display().to_string();
    let config = format!(
        r#"listen = "127.0.0.1:{port}"
admin-listen = "127.0.0.1:{admin_port}"
address = "localhost:{port}"
database = "sqlite://{db}"
pki = "{pki}"
data-key-file = "{key}"

[[es9-credential-files]]
ci = "{ci}"
dp-auth = "{dp_auth}"
dp-auth-key = "{dp_auth_key}"
dp-pb = "{dp_pb}"
dp-pb-key = "{dp_pb_key}"
"#,
        db = dir.join("smdpp.db").display(),
        pki = pki.display(),
        key = dir.join("data.key").display(),
        ci = f("CertificateIssuer/CERT_CI_ECDSA_NIST.der"),
        dp_auth = f("DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der"),
        dp_auth_key = f("DPauth/SK_S_SM_DPauth_ECDSA_NIST.pem"),
        dp_pb = f("DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der"),
        dp_pb_key = f("DPpb/SK_S_SM_DPpb_ECDSA_NIST.pem"),
    );
    let config_file = dir.join("smdpp.toml");
    std::fs::write(&config_file, config).unwrap();
    let child = rsp()
        .args(["serve", "smdpp", "--config", s(&config_file)])
        .env_remove("RSP_SMDPP_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    wait_healthy(admin_port, &mut server.0);
    let iccid = "8949000000000000026";
    let ac = released_order(&pki, port, admin_port, iccid, "SGP.26 profile").await;

    let card = format!(
        "{} euicc serve --stdio --state {} --cert {} --key {} --eum {} --ci {}",
        env!("CARGO_BIN_EXE_rsp"),
        s(&dir.join("euicc.json")),
        f("eUICC/CERT_EUICC_ECDSA_NIST.der"),
        f("eUICC/SK_EUICC_ECDSA_NIST.pem"),
        f("EUM/CERT_EUM_ECDSA_NIST.der"),
        f("CertificateIssuer/CERT_CI_ECDSA_NIST.der"),
    );
    let out = rsp()
        .args(["lpa", "--stdio-card", &card])
        .args(["download", "--activation-code", &ac, "--json"])
        .args(["--tls-ca", s(&pki.join("nist/ci.pem"))])
        .output()
        .unwrap();
    let result: Value = serde_json::from_str(&stdout_of(&out)).unwrap();
    assert_eq!(result["installation"]["result"], "success", "{result}");
    assert_eq!(result["iccid"], iccid);
    let record = profile_record(admin_port, iccid);
    assert_eq!(record["state"], "Installed", "{record}");
    // Bound to the EID of the SGP.26 eUICC certificate (its subject serialNumber).
    assert_eq!(
        record["eid"], "89049032123451234512345678901235",
        "{record}"
    );
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}

/// An SM-DS in this process over HTTPS (DStls and CERT.DSauth of the NIST test PKI,
/// SQLite), on a free port; stops when the sender is dropped.
async fn start_smds(pki: &Path, dir: &Path) -> (String, tokio::sync::oneshot::Sender<()>) {
    let nist = pki.join("nist");
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("localhost:{}", listener.local_addr().unwrap().port());
    let tls = rsp_http::tls::server_config(&rsp_http::tls::TlsFiles {
        cert_chain: nist.join("ds-tls.pem"),
        key: nist.join("ds-tls.key.pem"),
        client_ca: vec![nist.join("ci.pem")],
    })
    .unwrap();
    let key = rsp_storage::DataKey::new("test-key-1", &[0x42; 32]).unwrap();
    let store = rsp_storage::SqlStore::open_sqlite(&dir.join("smds.sqlite"), key)
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let config = rsp_smds::SmdsConfig::new(&address);
    let credentials = rsp_http::credentials::load_smds(std::slice::from_ref(&nist), &[]).unwrap();
    let es11 = std::sync::Arc::new(rsp_smds::es11::Es11::new(
        store.clone(),
        credentials,
        config.clone(),
    ));
    let es12 = std::sync::Arc::new(rsp_smds::es12::Es12::new(store, config));
    let app = rsp_http::app::smds_router(es11, es12);
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(async move {
        let _ = rsp_http::server::serve_tls(listener, tls, app, async {
            let _ = rx.await;
        })
        .await;
    });
    (address, tx)
}

/// `rsp lpa discover` and `rsp lpa download --discover` as a user runs them: a released
/// order on `rsp serve smdpp`, its MatchingID registered as an event for the eUICC's EID
/// at an SM-DS (ES12, SGP.22 §3.6.1); the eUICC created with that SM-DS as its root
/// (`--root-ds`); discovery without --smds (ES10a root address) and with it, as JSON and
/// as a table; then the download of every event found, the Profile `Installed` on the
/// SM-DP+, and nothing left to download after the event is deleted.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn discover_and_download_from_an_smds() {
    let dir = temp_dir();
    let pki = dir.join("pki");
    stdout_of(
        &rsp()
            .args(["pki", "init", "--out", s(&pki)])
            .output()
            .unwrap(),
    );
    let (port, admin_port) = (free_port(), free_port());
    let smdp = format!("localhost:{port}");
    let child = rsp()
        .args(["serve", "smdpp", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin_port}")])
        .args(["--pki", s(&pki)])
        .arg("--database")
        .arg(format!("sqlite://{}", dir.join("smdpp.db").display()))
        .args(["--data-key-file", s(&dir.join("data.key"))])
        .env("RSP_SMDPP_ADDRESS", &smdp)
        .env_remove("RSP_SMDPP_ADMIN_TOKEN")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut server = Running(child);
    wait_healthy(admin_port, &mut server.0);
    let (smds, _stop) = start_smds(&pki, &dir).await;

    let iccid = "8949000000000000034";
    let ac = released_order(&pki, port, admin_port, iccid, "Discovered profile").await;
    let event_id = ac.rsplit('$').next().unwrap().to_owned();
    let state = dir.join("euicc.json");
    let info = rsp()
        .args([
            "euicc",
            "info",
            "--json",
            "--state",
            s(&state),
            "--pki",
            s(&pki),
        ])
        .args(["--root-ds", &smds])
        .output()
        .unwrap();
    let info: Value = serde_json::from_str(&stdout_of(&info)).unwrap();
    let eid = rsp_codec::json::Eid::parse(info["eid"].as_str().unwrap()).unwrap();

    // The SM-DP+'s ES12 RegisterEvent (mutual TLS with its DPtls certificate).
    let nist = pki.join("nist");
    let mut identity = std::fs::read(nist.join("dp-tls.key.pem")).unwrap();
    identity.extend(std::fs::read(nist.join("dp-tls.pem")).unwrap());
    let ca = reqwest::Certificate::from_pem(&std::fs::read(nist.join("ci.pem")).unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(&identity).unwrap())
        .build()
        .unwrap();
    let es12 = rsp_http::smds_client::SmdsClient::new(
        http,
        rsp_http::smds_client::Caller::Smdp,
        "dp-tls",
        &smdp,
    );
    es12.register_event(&smds, &eid, &event_id, false)
        .await
        .unwrap();

    let ca = nist.join("ci.pem");
    let lpa = |args: &[&str]| {
        rsp()
            .args(["lpa", "--state", s(&state)])
            .args(args)
            .args(["--tls-ca", s(&ca)])
            .output()
            .unwrap()
    };
    // From the root SM-DS configured in the eUICC.
    let found: Value = serde_json::from_str(&stdout_of(&lpa(&["discover", "--json"]))).unwrap();
    assert_eq!(
        found,
        json!([{"eventId": event_id, "smdpAddress": smdp, "smdsAddress": smds}])
    );
    // Named, as a table.
    let text = stdout_of(&lpa(&["discover", "--smds", &smds]));
    let mut lines = text.lines();
    let head = lines.next().unwrap();
    assert!(head.starts_with("EVENT ID") && head.contains("SM-DP+") && head.contains("SM-DS"));
    let row: Vec<&str> = lines.next().unwrap().split_whitespace().collect();
    assert_eq!(row, [event_id.as_str(), smdp.as_str(), smds.as_str()]);

    // Download every event found.
    let out = stdout_of(&lpa(&["download", "--discover", "--json"]));
    let done: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(done.as_array().map(Vec::len), Some(1), "{done}");
    assert_eq!(done[0]["eventId"], event_id.as_str());
    assert_eq!(done[0]["activationCode"], ac.as_str());
    assert_eq!(
        done[0]["result"]["installation"]["result"], "success",
        "{done}"
    );
    assert_eq!(done[0]["result"]["iccid"], iccid);
    let record = profile_record(admin_port, iccid);
    assert_eq!(record["state"], "Installed", "{record}");

    // The event deleted by its owner (ES12 DeleteEvent, as the SM-DP+ does once the
    // Profile is downloaded, SGP.22 §3.6.2): no event, and --discover has nothing to do.
    es12.delete_event(&smds, &eid, &event_id).await.unwrap();
    let text = stdout_of(&lpa(&["discover"]));
    assert!(text.contains("no event"), "{text}");
    let text = stdout_of(&lpa(&["download", "--discover", "--smds", &smds]));
    assert!(text.contains("no event"), "{text}");
    // An SM-DS that is not there: one error line.
    let out = lpa(&["discover", "--smds", &format!("localhost:{}", free_port())]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("event discovery at the SM-DS"));
    drop(server);
    let _ = std::fs::remove_dir_all(&dir);
}
