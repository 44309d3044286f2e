//! Two `rsp serve eim` processes on one PostgreSQL database share a fleet: eUICCs
//! registered from CSV through one (`POST /eim/v1/euiccs:bulk`, duplicates and refused rows
//! reported by line), operations queued set-wise through the other (`POST
//! /eim/v1/operations:bulk`); then rounds in which both are polled for every EID at once
//! (ESipa GetEimPackage): each operation goes to exactly one poller within its lease, and
//! every eUICC Package of an eUICC has its own counter value, whichever process signed it.
//! Between rounds the delivered operations are cancelled, so the next one is delivered.
//!
//! Runs when PostgreSQL is reachable (`RSP_TEST_POSTGRES_URL`, default
//! postgres://postgres@127.0.0.1:5432/postgres); with `CI` set it must be.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::process::Stdio;

use common::{Running, free_port, rsp, temp_dir, test_pki, wait_healthy};
use rsp_codec::asn1::sgp32::{EimPackageError, GetEimPackageResponse};
use rsp_lpa::EsipaClient;
use serde_json::{Value, json};

const TOKEN: &str = "fleet-token";
const FLEET: u64 = 60;
const ROUNDS: usize = 3;

fn eid(n: u64) -> String {
    rsp_pki::eid_with_check_digits(&format!("890490320000000000{:012}", 5_000_000 + n)).unwrap()
}

fn start(pki: &std::path::Path, url: &str, hash: &str) -> (u16, Running) {
    let (port, admin) = (free_port(), free_port());
    let mut cmd = rsp();
    cmd.args(["serve", "eim", "--listen", &format!("127.0.0.1:{port}")])
        .args(["--admin-listen", &format!("127.0.0.1:{admin}")])
        .arg("--pki")
        .arg(pki)
        .args([
            "--eim-id",
            "eim.fleet",
            "--tenant",
            &format!("fleet={hash}"),
        ])
        .args(["--database", url])
        .env_remove("RSP_EIM_ADMIN_TOKEN")
        .env_remove("RSP_EIM_DATABASE")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut running = Running(cmd.spawn().unwrap());
    wait_healthy(admin, &mut running.0);
    (port, running)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_eims_on_one_postgres_deliver_each_package_once() {
    use sha2::Digest as _;
    let Some(db) = rsp_testkit::pg::PgDb::create().await else {
        return;
    };
    let dir = temp_dir();
    let pki = test_pki(&dir);
    let hash = hex::encode(sha2::Sha256::digest(TOKEN.as_bytes()));
    let (port_a, _a) = start(&pki, &db.url, &hash);
    let (port_b, _b) = start(&pki, &db.url, &hash);
    let ca = std::fs::read(pki.join("nist/ci.pem")).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([reqwest::Certificate::from_pem(&ca).unwrap()])
        .build()
        .unwrap();
    let rest = |port: u16, path: &str| {
        http.post(format!("https://localhost:{port}/eim/v1{path}"))
            .bearer_auth(TOKEN)
    };

    // The fleet from CSV through A: a bad check digit, a duplicate line, an unknown curve.
    let mut csv = String::from("eid,curve,counterValue\n");
    for n in 1..=FLEET {
        csv.push_str(&format!("{},nist,{}\n", eid(n), n % 5));
    }
    csv.push_str(&format!("{},nist,0\n", eid(1)));
    csv.push_str("89049032000000000000000000000000,nist,0\n");
    csv.push_str(&format!("{},ed25519,0\n", eid(FLEET + 1)));
    let report: Value = rest(port_a, "/euiccs:bulk")
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(report["registered"], FLEET, "{report}");
    assert_eq!(report["duplicates"], 1, "{report}");
    assert_eq!(report["invalid"], 2, "{report}");
    let lines: Vec<u64> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["line"].as_u64().unwrap())
        .collect();
    assert_eq!(lines, vec![FLEET + 2, FLEET + 3, FLEET + 4], "{report}");
    // Registering the file again through B: every row a duplicate, nothing written.
    let again: Value = rest(port_b, "/euiccs:bulk")
        .header("content-type", "text/csv")
        .body(format!("eid\n{}\n", eid(2)))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (&again["registered"], &again["duplicates"]),
        (&json!(0), &json!(1))
    );

    // ROUNDS operations per eUICC, queued set-wise through B.
    for _ in 0..ROUNDS {
        let r = rest(port_b, "/operations:bulk")
            .json(
                &json!({"operation": {"type": "psmo", "psmos": [{"op": "listProfileInfo"}]},
                          "all": true}),
            )
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), 202);
        let body: Value = r.json().await.unwrap();
        assert_eq!(body["queued"], FLEET, "{body}");
    }

    let pollers = [
        EsipaClient::new(http.clone(), &format!("localhost:{port_a}")),
        EsipaClient::new(http.clone(), &format!("localhost:{port_b}")),
    ];
    let mut counters: HashMap<String, HashSet<i64>> = HashMap::new();
    for round in 0..ROUNDS {
        // Both processes, twice each, for every EID at once.
        let mut tasks = Vec::new();
        for n in 1..=FLEET {
            for p in pollers.iter().chain(pollers.iter()) {
                let (p, text) = (p.clone(), eid(n));
                let bytes: [u8; 16] = hex::decode(&text).unwrap().try_into().unwrap();
                tasks.push(tokio::spawn(async move {
                    (text, p.get_eim_package(bytes).await.unwrap())
                }));
            }
        }
        let mut delivered: HashMap<String, i64> = HashMap::new();
        for t in tasks {
            let (text, answer) = t.await.unwrap();
            match answer {
                GetEimPackageResponse::EuiccPackageRequest(req) => {
                    let counter: i64 = req
                        .euicc_package_signed
                        .value()
                        .counter_value
                        .to_string()
                        .parse()
                        .unwrap();
                    assert!(
                        delivered.insert(text.clone(), counter).is_none(),
                        "round {round}: {text} delivered twice within its lease"
                    );
                    assert!(
                        counters.entry(text.clone()).or_default().insert(counter),
                        "{text}: counter value {counter} used twice"
                    );
                }
                GetEimPackageResponse::EimPackageError(
                    EimPackageError::NO_EIM_PACKAGE_AVAILABLE,
                ) => {}
                other => panic!("{text}: {other:?}"),
            }
        }
        assert_eq!(
            delivered.len(),
            usize::try_from(FLEET).unwrap(),
            "round {round}"
        );
        // Cancel what was delivered, alternating processes: the next operation comes up.
        for (i, text) in delivered.keys().enumerate() {
            let port = if i % 2 == 0 { port_a } else { port_b };
            let ops: Value = http
                .get(format!(
                    "https://localhost:{port}/eim/v1/euiccs/{text}/operations"
                ))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            let id = ops["operations"]
                .as_array()
                .unwrap()
                .iter()
                .find(|o| o["status"] == "delivered")
                .unwrap()["id"]
                .as_i64()
                .unwrap();
            let r = http
                .delete(format!("https://localhost:{port}/eim/v1/operations/{id}"))
                .bearer_auth(TOKEN)
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), 200);
        }
    }
    // Every eUICC got ROUNDS packages, counters its initial value + 1, + 2, …
    for n in 1..=FLEET {
        let got = &counters[&eid(n)];
        let first = i64::try_from(n % 5).unwrap();
        let want: HashSet<i64> = (1..=ROUNDS as i64).map(|k| first + k).collect();
        assert_eq!(got, &want, "{}", eid(n));
    }
    let _ = std::fs::remove_dir_all(&dir);
}
