//! Fault campaign (issue 24 point 6), loopback only and bounded in time: real nginx on the
//! shipped template in front of three `rsp serve smdpp` replicas (plus a spare) on a
//! private PostgreSQL cluster, a steady download load by LPAs with virtual eUICCs, and
//! meanwhile (a) `kill -9` of one replica and its restart, (b) a PostgreSQL crash
//! (`pg_ctl stop -m immediate`) and restart, (c) the spare replica started and stopped,
//! and an outage of the Operator's ES2+ endpoint (HandleDownloadProgressInfo answered 503).
//!
//! Afterwards: every started download was retried to completion; every Profile is in one
//! consistent state (Installed on its device's EID, or still Released and never bound);
//! no Profile is bound to two EIDs; every ES2+ HandleDownloadProgressInfo message queued in
//! the outbox was delivered to the Operator's HTTPS endpoint. The figures are printed
//! (docs/deploy.md records them).
//!
//! `RSP_FAULT_CAMPAIGN_SECS` sets the load duration (default 24 s; deploy/fault-campaign.sh
//! runs longer campaigns). Skips without nginx or PostgreSQL binaries unless `CI` is set.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod cluster;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use cluster::pgcluster::{PgCluster, find_pg_bin};
use cluster::{Nginx, Replica, Setup, find_nginx, free_port, healthy, load, receiver, required};
use rsp_testkit::fs::TempDir;

const PROFILE_TYPE: &str = "campaign";
/// Devices downloading at the same time, at most.
const PARALLEL: usize = 8;
/// Downloads started per second (a steady load, well below what the replicas can serve).
const RATE: u64 = 16;

/// One injected fault: what, when (from the campaign start), and how long until the
/// affected component answered `/health` again (a killed replica: kill, 1 s down, restart,
/// healthy; PostgreSQL: stop, 1 s down, start, every replica healthy).
#[derive(Debug, Clone)]
struct Fault {
    what: String,
    at: Duration,
    back_after: Duration,
}

/// The fault schedule, in a cycle of seven steps about 2.6 s apart until `end`: kill,
/// spare start/stop, kill, PostgreSQL crash, kill, spare start/stop, Operator outage.
fn inject_faults(
    replicas: &mut [Replica],
    spare: &mut Replica,
    pg: &PgCluster,
    operator: &receiver::Received,
    setup: &Setup,
    (start, end): (Instant, Instant),
) -> Vec<Fault> {
    let mut faults = Vec::new();
    let (mut step, mut kills) = (0usize, 0usize);
    std::thread::sleep(Duration::from_secs(2));
    while Instant::now() + Duration::from_secs(2) < end {
        let at = start.elapsed();
        let t0 = Instant::now();
        let what = match step % 7 {
            // (a) kill -9, restart one second later.
            0 | 2 | 4 => {
                let r = &mut replicas[kills % replicas.len()];
                kills += 1;
                r.kill9();
                std::thread::sleep(Duration::from_secs(1));
                r.start(setup);
                format!("kill -9 + restart {}", r.name)
            }
            // (b) PostgreSQL crash and restart; the replicas keep running.
            3 => {
                pg.stop(true);
                std::thread::sleep(Duration::from_secs(1));
                pg.start();
                let deadline = Instant::now() + Duration::from_secs(30);
                while !replicas.iter().all(|r| healthy(r.admin)) {
                    assert!(
                        Instant::now() < deadline,
                        "replicas unhealthy after PG restart"
                    );
                    std::thread::sleep(Duration::from_millis(50));
                }
                "PostgreSQL stop -m immediate + start".to_owned()
            }
            // The Operator's endpoint answers 503 for 3 s: the messages wait in the outbox
            // (retried after 10 s), through the kills that follow.
            6 => {
                operator.set_down(true);
                std::thread::sleep(Duration::from_secs(3));
                operator.set_down(false);
                "Operator ES2+ endpoint 503 for 3 s".to_owned()
            }
            // (c) the spare replica joins (nginx already lists it), later leaves (SIGTERM).
            _ => {
                if spare.is_running() {
                    spare.stop();
                    format!("stop (SIGTERM) {}", spare.name)
                } else {
                    spare.start(setup);
                    format!("start {}", spare.name)
                }
            }
        };
        faults.push(Fault {
            what,
            at,
            back_after: t0.elapsed(),
        });
        step += 1;
        std::thread::sleep(Duration::from_millis(1500));
    }
    if spare.is_running() {
        spare.stop();
    }
    faults
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fault_campaign_under_download_load() {
    let Some(nginx) = required("nginx with the stream module", find_nginx()) else {
        return;
    };
    let Some(pg_bin) = required("PostgreSQL server binaries (initdb, pg_ctl)", find_pg_bin())
    else {
        return;
    };
    let secs: u64 = std::env::var("RSP_FAULT_CAMPAIGN_SECS")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(24);
    let dir = TempDir::new();
    let pg = Arc::new(PgCluster::create(&pg_bin, dir.path()));
    pg.psql("postgres", "CREATE DATABASE rsp");
    let receiver_port = free_port();
    let setup = Arc::new(Setup::new(dir.path(), &pg.url("rsp"), receiver_port));
    let received = receiver::start(&setup.dir.join("pki/nist"), receiver_port).await;
    let mut replicas: Vec<Replica> = (0..3)
        .map(|i| Replica::new(&setup, &format!("replica-{i}")))
        .collect();
    let mut spare = Replica::new(&setup, "spare");
    for r in &mut replicas {
        r.start(&setup);
    }
    let upstreams: Vec<&Replica> = replicas.iter().chain([&spare]).collect();
    let proxy = Nginx::start(&nginx, &setup, &upstreams);

    // Stock and orders (before the faults), more than the load can use.
    let stock = usize::try_from(secs * RATE).unwrap() + 4;
    let codes = cluster::stock_and_orders(&setup, replicas[0].admin, PROFILE_TYPE, 0, stock).await;
    let identities = Arc::new(Mutex::new(
        load::identities(&setup, 0, stock)
            .into_iter()
            .map(Some)
            .collect::<Vec<_>>(),
    ));
    let codes = Arc::new(codes);

    // The load: RATE downloads a second, PARALLEL devices at most at a time, until the load
    // time is over; each started download is retried until done (at most 60 s after).
    let start = Instant::now();
    let load_end = start + Duration::from_secs(secs);
    let next = Arc::new(AtomicUsize::new(0));
    let workers: Vec<_> = (0..PARALLEL)
        .map(|_| {
            let (next, codes, ids, ci) = (
                next.clone(),
                codes.clone(),
                identities.clone(),
                setup.ci_pem(),
            );
            tokio::spawn(async move {
                let mut outcomes = Vec::new();
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    // Download i starts at i / RATE seconds (or later, when all are busy).
                    let due = start + Duration::from_millis(i as u64 * 1000 / RATE);
                    if i >= codes.len() || due >= load_end {
                        return outcomes;
                    }
                    tokio::time::sleep_until(due.into()).await;
                    let id = ids.lock().unwrap()[i].take().unwrap();
                    let (iccid, ac) = codes[i].clone();
                    let deadline = load_end + Duration::from_secs(60);
                    let pause = Duration::from_millis(250);
                    outcomes.push(
                        load::download_until_done(id, iccid, ac, ci.clone(), pause, deadline).await,
                    );
                }
            })
        })
        .collect();

    // The faults, on a thread of their own (process control blocks).
    let (pg2, setup2, operator) = (pg.clone(), setup.clone(), received.clone());
    let faults_task = tokio::task::spawn_blocking(move || {
        let faults = inject_faults(
            &mut replicas,
            &mut spare,
            &pg2,
            &operator,
            &setup2,
            (start, load_end),
        );
        (faults, replicas, spare)
    });
    let mut outcomes = Vec::new();
    for w in workers {
        outcomes.extend(w.await.unwrap());
    }
    let (faults, mut replicas, _spare) = faults_task.await.unwrap();
    let load_time = start.elapsed();
    for r in &mut replicas {
        assert!(r.is_running(), "{} died during the campaign", r.name);
    }

    // Every started download completed.
    let unfinished: Vec<_> = outcomes.iter().filter(|o| !o.done).collect();
    assert!(
        unfinished.is_empty(),
        "downloads not completed: {unfinished:?}"
    );
    assert!(outcomes.len() >= 8, "load too small: {}", outcomes.len());
    let by_iccid: HashMap<&str, &load::Outcome> =
        outcomes.iter().map(|o| (o.iccid.as_str(), o)).collect();

    // Every Profile in one consistent state; none bound to two EIDs.
    let rows = pg.psql(
        "rsp",
        &format!(
            "SELECT iccid, state, coalesce(eid, ''), coalesce(eid_ever_bound, '') \
             FROM smdpp_profiles WHERE profile_type = '{PROFILE_TYPE}'"
        ),
    );
    assert_eq!(rows.len(), stock);
    let mut eids = HashSet::new();
    for row in &rows {
        let f: Vec<&str> = row.split('|').collect();
        let (iccid, state, eid, ever) = (f[0], f[1], f[2], f[3]);
        match by_iccid.get(iccid) {
            Some(o) => {
                assert_eq!(
                    (state, eid, ever),
                    ("Installed", o.eid.as_str(), eid),
                    "{row}"
                );
                assert!(eids.insert(eid.to_owned()), "EID {eid} bound twice");
            }
            None => assert_eq!((state, eid, ever), ("Released", "", ""), "{row}"),
        }
    }

    // No ES2+ progress message lost: the outbox drains (a message claimed by a killed
    // replica waits for its 60 s lease), and the Operator received each one.
    let drain_start = Instant::now();
    let deadline = drain_start + Duration::from_secs(80);
    loop {
        let pending = pg.psql(
            "rsp",
            "SELECT count(*) FROM smdpp_es2plus_outbox WHERE state <> 'delivered'",
        );
        if pending[0] == "0" {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} outbox message(s) undelivered",
            pending[0]
        );
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    let drained_after = drain_start.elapsed();
    let queued = pg.psql(
        "rsp",
        "SELECT iccid || '|' || notification_point_id || '|' || point_status FROM smdpp_es2plus_outbox",
    );
    // Each queued message at least once (at-least-once delivery: a replica killed between
    // the Operator's 204 and its own bookkeeping sends it again).
    let got = received.all();
    let mut got_count: HashMap<String, usize> = HashMap::new();
    for (i, p, st) in &got {
        *got_count.entry(format!("{i}|{p}|{st}")).or_insert(0) += 1;
    }
    let mut queued_count: HashMap<&str, usize> = HashMap::new();
    for q in &queued {
        *queued_count.entry(q.as_str()).or_insert(0) += 1;
    }
    for (q, n) in &queued_count {
        let received_n = got_count.get(*q).copied().unwrap_or(0);
        assert!(
            received_n >= *n,
            "queued message {q} x{n}, received x{received_n}"
        );
    }
    for o in &outcomes {
        assert!(
            got_count.contains_key(&format!("{}|4|Executed-Success", o.iccid)),
            "no installation message for {}",
            o.iccid
        );
    }

    // Figures.
    let retried: Vec<&load::Outcome> = outcomes.iter().filter(|o| o.retries > 0).collect();
    let failed_tries: u32 = outcomes.iter().map(|o| o.retries).sum();
    println!("FAULT CAMPAIGN: {secs} s of load, {load_time:.1?} until the last download");
    println!(
        "downloads completed: {} (of {} started), failed tries: {failed_tries}, downloads retried: {} (max {} retries)",
        outcomes.iter().filter(|o| o.done).count(),
        outcomes.len(),
        retried.len(),
        outcomes.iter().map(|o| o.retries).max().unwrap_or(0),
    );
    let mut took: Vec<Duration> = outcomes.iter().map(|o| o.finished - o.started).collect();
    took.sort();
    println!(
        "download time (retries included): median {:.0?}, p99 {:.0?}, max {:.0?}",
        took[took.len() / 2],
        took[took.len() * 99 / 100],
        took[took.len() - 1]
    );
    for f in &faults {
        // Service recovery: the first download completed after the fault began.
        let first_after = outcomes
            .iter()
            .filter_map(|o| o.finished.checked_duration_since(start + f.at))
            .min();
        println!(
            "fault at {:>5.1?}: {:<38} back after {:>7.2?}; next download completed {:.2?} after the fault",
            f.at,
            f.what,
            f.back_after,
            first_after.unwrap_or_default()
        );
    }
    println!(
        "ES2+ progress messages: {} queued, {} received ({} delivered twice, {} calls refused during the outage and retried), none lost; outbox drained {drained_after:.1?} after the load",
        queued.len(),
        got.len(),
        got.len().saturating_sub(queued.len()),
        received.refused()
    );
    if let Some(o) = retried.first() {
        println!("example retried error: {:?}", o.first_error);
    }
    println!(
        "nginx connections per upstream: {:?}",
        proxy.connections_per_upstream()
    );
    assert!(faults.iter().any(|f| f.what.starts_with("kill -9")));
    assert!(faults.iter().any(|f| f.what.starts_with("PostgreSQL")));
    assert!(faults.iter().any(|f| f.what.starts_with("start spare")));
    assert!(
        received.refused() > 0,
        "the Operator outage refused nothing"
    );
    drop(proxy);
    drop(replicas);
}
