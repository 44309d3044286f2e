//! No profile is ever bound to two EIDs, with two `rsp serve smdpp` processes on one
//! PostgreSQL database behind a TCP load balancer (SGP.22 §3.1.3 / issue acceptance):
//! 200 parallel ES2+ DownloadOrders by Profile Type with 100 profiles in stock reserve
//! exactly 100 distinct profiles; then 200 eUICCs (distinct EIDs) race in pairs on the 100
//! Activation Codes over ES9+, and exactly 100 downloads succeed, each profile Installed on
//! the EID of its winner.
//!
//! Runs when PostgreSQL is reachable (`RSP_TEST_POSTGRES_URL`, default
//! postgres://postgres@127.0.0.1:5432/postgres); with `CI` set it must be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::{HashMap, HashSet};
use std::io::Read;
use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use rsp_crypto::{Curve, SoftwareKey};
use rsp_euicc::{EuiccConfig, Identity, Isdr, StateStore};
use rsp_http::es2plus_client::ClientTls;
use rsp_http::es2plus_operator::Es2PlusOperatorClient;
use rsp_lpa::{Es9PlusClient, Lpa};
use rsp_pki::{Role, TestPki, TestPkiOptions};

const STOCK: usize = 100;
const ATTEMPTS: usize = 200;
const PROFILE_TYPE: &str = "race";

fn rsp() -> Command {
    Command::new(env!("CARGO_BIN_EXE_rsp"))
}

fn temp_dir() -> PathBuf {
    let mut b = [0u8; 8];
    getrandom::fill(&mut b).unwrap();
    let p = std::env::temp_dir().join(format!("rsp_race_test_{}", hex::encode(b)));
    std::fs::create_dir_all(&p).unwrap();
    p
}

use rsp_testkit::net::free_port;

/// `psql` against the admin URL; `None` when PostgreSQL is unreachable.
fn psql(url: &str, sql: &str) -> Option<()> {
    let out = Command::new("psql")
        .args([url, "-v", "ON_ERROR_STOP=1", "-q", "-c", sql])
        .output()
        .ok()?;
    out.status.success().then_some(())
}

struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// A TCP load balancer (TLS passes through): round robin over `backends`.
fn load_balancer(backends: Vec<u16>) -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let next = AtomicUsize::new(0);
    std::thread::spawn(move || {
        for client in listener.incoming().flatten() {
            let backend = backends[next.fetch_add(1, Ordering::Relaxed) % backends.len()];
            let Ok(server) = TcpStream::connect(("127.0.0.1", backend)) else {
                continue;
            };
            let (Ok(c2), Ok(s2)) = (client.try_clone(), server.try_clone()) else {
                continue;
            };
            std::thread::spawn(move || pipe(client, server));
            std::thread::spawn(move || pipe(s2, c2));
        }
    });
    port
}

fn pipe(mut from: TcpStream, mut to: TcpStream) {
    let _ = std::io::copy(&mut from, &mut to);
    let _ = to.shutdown(std::net::Shutdown::Write);
}

fn wait_healthy(admin_port: u16, child: &mut Child) {
    let deadline = Instant::now() + Duration::from_secs(30);
    loop {
        if let Ok(mut s) = TcpStream::connect(("127.0.0.1", admin_port)) {
            use std::io::Write;
            let _ = write!(
                s,
                "GET /health HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
            );
            let mut out = String::new();
            let _ = s.read_to_string(&mut out);
            if out.starts_with("HTTP/1.1 200") {
                return;
            }
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("rsp serve smdpp exited: {status}");
        }
        assert!(Instant::now() < deadline, "SM-DP+ not healthy");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `n` eUICC identities with distinct EIDs under the test PKI's EUM.
fn euicc_identities(pki: &TestPki, opts: &TestPkiOptions, n: usize) -> Vec<Identity> {
    let eum = pki.get(Role::Eum).unwrap();
    let ci = pki.get(Role::Ci).unwrap().cert.clone();
    let prefix = &opts.eid[..rsp_pki::EID_PREFIX_LEN];
    (0..n)
        .map(|i| {
            let first30 = format!("{prefix}{:022}", 1000 + i);
            let eid = rsp_pki::eid_with_check_digits(&first30).unwrap();
            let key = SoftwareKey::generate(Curve::NistP256).unwrap();
            let o = TestPkiOptions {
                eid,
                ..opts.clone()
            };
            let req = rsp_pki::request_for(Role::Euicc, &key, &o).unwrap();
            let cert = rsp_pki::issue(&req, Some(&eum.cert), &eum.key).unwrap();
            Identity::new(vec![(cert, eum.cert.clone(), key)], vec![ci.clone()]).unwrap()
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_profile_bound_twice_with_two_servers_on_postgres() {
    let base = std::env::var("RSP_TEST_POSTGRES_URL")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
    let db = format!("rsp_race_{}", std::process::id());
    if psql(&base, &format!("DROP DATABASE IF EXISTS {db}")).is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "PostgreSQL unreachable at {base} (CI is set)"
        );
        eprintln!("skipped: PostgreSQL unreachable at {base}");
        return;
    }
    psql(&base, &format!("CREATE DATABASE {db}")).unwrap();
    let db_url = match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{db}"),
        None => panic!("bad RSP_TEST_POSTGRES_URL"),
    };

    let dir = temp_dir();
    let opts = TestPkiOptions {
        smdp_host: "localhost".into(),
        ..TestPkiOptions::default()
    };
    let pki = TestPki::generate(Curve::NistP256, &opts).unwrap();
    let pki_dir = dir.join("pki");
    pki.write_to(&pki_dir.join("nist"), false).unwrap();
    std::fs::write(dir.join("data.key"), "42".repeat(32)).unwrap();

    // Two server processes behind one address (the load balancer's).
    let (p1, p2) = (free_port(), free_port());
    let (a1, a2) = (free_port(), free_port());
    let lb = load_balancer(vec![p1, p2]);
    let address = format!("localhost:{lb}");
    let mut servers = Vec::new();
    for (port, admin) in [(p1, a1), (p2, a2)] {
        let child = rsp()
            .args(["serve", "smdpp", "--log-format", "text"])
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
            .args(["--address", &address, "--database", &db_url])
            .arg("--pki")
            .arg(&pki_dir)
            .arg("--data-key-file")
            .arg(dir.join("data.key"))
            .env("RUST_LOG", "error")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        servers.push(Running(child));
    }
    wait_healthy(a1, &mut servers[0].0);
    wait_healthy(a2, &mut servers[1].0);

    // Stock: 100 profiles of one type, imported through the admin API of server 1.
    let mut csv = String::from("iccid\n");
    for i in 0..STOCK {
        let body = format!("89490000000000{:04}", 1000 + i);
        csv.push_str(&format!(
            "{body}{}\n",
            rsp_saip::luhn::check_digit(&body).unwrap()
        ));
    }
    let http = reqwest::Client::new();
    let r = http
        .post(format!("http://127.0.0.1:{a1}/admin/v1/batches"))
        .json(&serde_json::json!({"operator": "Test Operator", "profileType": PROFILE_TYPE, "data": csv}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 201, "{}", r.text().await.unwrap());

    // 200 parallel DownloadOrders by Profile Type over both servers: exactly 100 succeed.
    let nist = pki_dir.join("nist");
    let mut identity = std::fs::read(nist.join("mno.key.pem")).unwrap();
    identity.extend(std::fs::read(nist.join("mno.pem")).unwrap());
    let tls = ClientTls {
        roots_pem: vec![std::fs::read(nist.join("ci.pem")).unwrap()],
        identity_pem: Some(identity),
    };
    let es2 = Arc::new(
        Es2PlusOperatorClient::new(format!("https://{address}"), &tls, "race-test").unwrap(),
    );
    let orders: Vec<_> = (0..ATTEMPTS)
        .map(|_| {
            let es2 = es2.clone();
            tokio::spawn(async move {
                es2.download_order(None, None, Some(PROFILE_TYPE.into()))
                    .await
            })
        })
        .collect();
    let mut reserved = Vec::new();
    for o in orders {
        if let Ok(iccid) = o.await.unwrap() {
            reserved.push(iccid);
        }
    }
    assert_eq!(reserved.len(), STOCK, "DownloadOrder successes");
    let distinct: HashSet<_> = reserved.iter().map(|i| i.digits().to_owned()).collect();
    assert_eq!(distinct.len(), STOCK, "a profile was reserved twice");

    let mut codes = Vec::new();
    for iccid in reserved {
        let confirmed = es2
            .confirm_order(iccid.clone(), None, None, None, true)
            .await
            .unwrap();
        codes.push((
            iccid.digits().to_owned(),
            format!("LPA:1${address}${}", confirmed.matching_id),
        ));
    }

    // 200 eUICCs race in pairs on the 100 Activation Codes.
    let identities = euicc_identities(&pki, &opts, ATTEMPTS);
    let eids: Vec<String> = identities.iter().map(|i| i.eid_text().to_owned()).collect();
    let es9 = Es9PlusClient::from_ca_files(&[nist.join("ci.pem")]).unwrap();
    let mut tasks = Vec::new();
    for (n, identity) in identities.into_iter().enumerate() {
        let (iccid, ac) = codes[n % STOCK].clone();
        let es9 = es9.clone();
        tasks.push(tokio::spawn(async move {
            let isdr = Isdr::new(identity, EuiccConfig::default(), StateStore::memory()).unwrap();
            let mut lpa = Lpa::new(isdr, es9);
            let result = lpa.download(&ac, None, None).await;
            (n, iccid, result.map(|r| r.is_success()))
        }));
    }
    let mut winners: HashMap<String, String> = HashMap::new();
    let mut failures = 0;
    for t in tasks {
        let (n, iccid, result) = t.await.unwrap();
        match result {
            Ok(true) => {
                let previous = winners.insert(iccid.clone(), eids[n].clone());
                assert!(previous.is_none(), "{iccid} downloaded twice");
            }
            Ok(false) => panic!("installation failed for eUICC {n}"),
            Err(_) => failures += 1,
        }
    }
    assert_eq!(winners.len(), STOCK, "successful downloads");
    assert_eq!(failures, ATTEMPTS - STOCK);

    // The SM-DP+ (either server) shows each profile Installed on its winner's EID.
    let list: serde_json::Value = http
        .get(format!(
            "http://127.0.0.1:{a2}/admin/v1/profiles?profileType={PROFILE_TYPE}"
        ))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let profiles = list["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), STOCK);
    for p in profiles {
        let iccid = p["iccid"].as_str().unwrap();
        assert_eq!(p["state"], "Installed", "{p}");
        assert_eq!(p["eid"].as_str(), winners.get(iccid).map(String::as_str));
    }

    // Both processes served ES9+ calls (the race really crossed processes).
    for admin in [a1, a2] {
        let metrics = http
            .get(format!("http://127.0.0.1:{admin}/metrics"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        assert!(
            metrics.contains("rsp_es9plus_calls_total"),
            "server on admin port {admin} served no ES9+ call"
        );
    }

    drop(servers);
    let _ = psql(&base, &format!("DROP DATABASE IF EXISTS {db}"));
    let _ = std::fs::remove_dir_all(&dir);
}
