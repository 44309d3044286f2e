//! Real nginx (Debian's, stream module) on the shipped template
//! deploy/nginx/rsp-smdpp.conf.template in front of three `rsp serve smdpp` replicas on one
//! fresh PostgreSQL database: ES2+ orders (mutual TLS passed through) and profile downloads
//! by LPAs with virtual eUICCs go through nginx, are spread over the replicas (each
//! replica's Prometheus counters), and keep succeeding after one replica is `kill -9`ed.
//!
//! Skips without nginx or PostgreSQL, unless `CI` is set (.ci/run installs nginx).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::time::{Duration, Instant};

use cluster::{Nginx, Replica, Setup, counter, find_nginx, free_port, load, receiver, required};
use rsp_testkit::fs::TempDir;
use rsp_testkit::pg::PgDb;

const ES9: &str = "rsp_es9plus_calls_total";

/// Downloads `codes` with `parallel` devices at a time; every one must complete.
async fn download_all(
    setup: &Setup,
    codes: &[(String, String)],
    first_eid: usize,
) -> Vec<load::Outcome> {
    let ids = load::identities(setup, first_eid, codes.len());
    let deadline = Instant::now() + Duration::from_secs(40);
    let tasks: Vec<_> = ids
        .into_iter()
        .zip(codes.iter().cloned())
        .map(|(id, (iccid, ac))| {
            tokio::spawn(load::download_until_done(
                id,
                iccid,
                ac,
                setup.ci_pem(),
                Duration::from_millis(200),
                deadline,
            ))
        })
        .collect();
    let mut out = Vec::new();
    for t in tasks {
        let o = t.await.unwrap();
        assert!(o.done, "download not completed: {o:?}");
        out.push(o);
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn downloads_through_nginx_spread_over_replicas_and_survive_a_kill() {
    let Some(nginx) = required("nginx with the stream module", find_nginx()) else {
        return;
    };
    let Some(db) = PgDb::create().await else {
        return;
    };
    let dir = TempDir::new();
    let receiver_port = free_port();
    let setup = Setup::new(dir.path(), &db.url, receiver_port);
    let received = receiver::start(&setup.dir.join("pki/nist"), receiver_port).await;
    let mut replicas: Vec<Replica> = (0..3)
        .map(|i| Replica::new(&setup, &format!("replica-{i}")))
        .collect();
    for r in &mut replicas {
        r.start(&setup);
    }
    let proxy = Nginx::start(&nginx, &setup, &replicas.iter().collect::<Vec<_>>());

    let codes = cluster::stock_and_orders(&setup, replicas[0].admin, "nginx", 0, 12).await;

    // Six downloads with every replica up: each replica serves part of them.
    let first = download_all(&setup, &codes[..6], 0).await;
    let per_replica: Vec<f64> = replicas.iter().map(|r| counter(r.admin, ES9)).collect();
    println!("ES9+ calls per replica: {per_replica:?}");
    println!(
        "nginx connections per upstream: {:?}",
        proxy.connections_per_upstream()
    );
    assert!(
        per_replica.iter().all(|&n| n > 0.0),
        "a replica served no ES9+ call: {per_replica:?}"
    );

    // kill -9 of one replica: the next six downloads still complete through the other two
    // (nginx's passive check leaves the dead upstream out after its refused connections).
    replicas[0].kill9();
    let before: Vec<f64> = replicas[1..]
        .iter()
        .map(|r| counter(r.admin, ES9))
        .collect();
    let second = download_all(&setup, &codes[6..], 6).await;
    let after: Vec<f64> = replicas[1..]
        .iter()
        .map(|r| counter(r.admin, ES9))
        .collect();
    let served: f64 = after.iter().zip(&before).map(|(a, b)| a - b).sum();
    // At least InitiateAuthentication, AuthenticateClient, GetBoundProfilePackage and
    // HandleNotification per download.
    assert!(served >= 4.0 * 6.0, "{before:?} -> {after:?}");
    let retries: u32 = first.iter().chain(&second).map(|o| o.retries).sum();
    println!("12 downloads through nginx, {retries} retried step(s) after the kill");

    // Every Profile Installed on the EID of its device, seen from a surviving replica.
    let list: serde_json::Value = reqwest::get(format!(
        "http://127.0.0.1:{}/admin/v1/profiles?profileType=nginx",
        replicas[1].admin
    ))
    .await
    .unwrap()
    .json()
    .await
    .unwrap();
    let profiles = list["profiles"].as_array().unwrap();
    assert_eq!(profiles.len(), 12);
    for o in first.iter().chain(&second) {
        let p = profiles
            .iter()
            .find(|p| p["iccid"] == o.iccid.as_str())
            .unwrap();
        assert_eq!(p["state"], "Installed", "{p}");
        assert_eq!(p["eid"].as_str(), Some(o.eid.as_str()), "{p}");
    }

    // The Operator heard of each installation (ES2+ HandleDownloadProgressInfo, point 4).
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let got = received.all();
        let missing: Vec<_> = first
            .iter()
            .chain(&second)
            .filter(|o| {
                !got.iter()
                    .any(|(i, p, s)| *i == o.iccid && *p == 4 && s == "Executed-Success")
            })
            .map(|o| o.iccid.clone())
            .collect();
        if missing.is_empty() {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no installation progress message for {missing:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    // Passthrough: nginx saw the TLS ClientHello's SNI (ssl_preread), not a request.
    let access = std::fs::read_to_string(proxy.run.join("smdpp-access.log")).unwrap();
    assert!(access.contains("sni=localhost"), "{access}");
    drop(proxy);
    drop(replicas);
}
