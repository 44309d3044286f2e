//! `rsp serve smdp` under restarts and concurrency (issue 27, acceptance point 2), with
//! `rsp serve smsr`, the lab SMSC and the virtual M2M eUICCs over SMS, all as processes:
//!
//! - an SM-DP killed (SIGKILL) while its order is at `isdp_created` resumes it from its
//!   stage once started again on the same database: the order ends enabled in the ISD-P it
//!   had created, the Operator gets one DownloadProfileResponse, one Profile is taken, and
//!   the Operator's retry of the same request (its MessageID) is the same order;
//! - a DownloadProfile sent twice (same MessageID) is one order with one answer;
//! - two SM-DPs (their own identities, CERT.DP.ECDSA and databases) download at the same
//!   time through one SM-SR to two eUICCs, and neither sees or manages the other's Profile;
//!   two SM-DPs ordering for one eUICC at once: one installs, the other installs or fails
//!   cleanly (the SM-SR's ISD-P AID choice, see docs/smdp.md);
//! - on PostgreSQL (`RSP_TEST_POSTGRES_URL`; skipped when unreachable unless `CI` is set):
//!   two replicas of one SM-DP on one database share the orders, each run by exactly one,
//!   the second enabled (the serve_smdp happy path on PostgreSQL);
//!
//! The lease renewal and the stop of a worker that lost its order: `smdp_lease.rs`.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/smdp_resilience_lab.rs"]
mod lab;

use std::time::{Duration, Instant};

use common::m2m::{SoapLab, get_json, operator_endpoint};
use common::smdp_lab::es2_request;
use common::{temp_dir, test_pki};
use lab::{OPERATOR, Smdp, SmdpSpec, issue_tls, responses, second_card};
use rsp_codec::sgp02::Aid;
use rsp_codec::sgp02::consts::LC_ENABLED;
use rsp_codec::ws::ProfileRequest;
use rsp_codec::ws::es2::Es2Request;

/// The SM-DP identity of `dp-tls.pem` (its CN), as the SoapLab's SM-SR knows it.
const SMDP: &str = "localhost";
const NEW_MSISDN: &str = "447700900077";
const ICCID_A: &str = "8944000000000000100";
const ICCID_B: &str = "8944000000000000118";

fn download(eid: &str, enable: bool) -> Es2Request {
    Es2Request::DownloadProfile {
        eid: eid.to_owned(),
        smsr_id: "smsr1".into(),
        profile_type: "generic".into(),
        iccid: None,
        enable_profile: enable,
    }
}

/// The MessageID of an envelope.
fn message_id(envelope: &str) -> String {
    rsp_codec::ws::envelope::parse(envelope)
        .unwrap()
        .header
        .message_id
}

/// Waits until the Operator's endpoint holds `n` DownloadProfileResponses (at most
/// `seconds`), then 3 s more to see that no other comes; they all.
fn wait_responses(lab: &SoapLab, smdps: &[&Smdp], n: usize, seconds: u64) -> Vec<String> {
    let start = Instant::now();
    while responses(&lab.rt, &lab.received).len() < n {
        assert!(
            start.elapsed() < Duration::from_secs(seconds),
            "{} DownloadProfileResponses: {:?}\n{}",
            responses(&lab.rt, &lab.received).len(),
            smdps.iter().map(|s| s.orders()).collect::<Vec<_>>(),
            smdps.iter().map(|s| s.log()).collect::<String>()
        );
        std::thread::sleep(Duration::from_millis(300));
    }
    std::thread::sleep(Duration::from_secs(3));
    responses(&lab.rt, &lab.received)
}

#[test]
fn a_killed_smdp_resumes_its_order_from_its_stage() {
    let lab = SoapLab::start(OPERATOR, Some(SMDP));
    let pki = rsp_testkit::m2m::lab_pki(&lab.eid);
    let smdp = Smdp::new(
        &lab.dir,
        &SmdpSpec {
            nist: &lab.nist,
            database: format!("sqlite://{}", lab.dir.join("smdp.db").display()),
            data_key: lab.dir.join("smdp-data.key"),
            smdp_id: SMDP,
            client: "dp-tls",
            lab: &pki,
            smsr_port: lab.ws_port,
            // The shortest lease: the order is due again 30 s after the last renewal.
            extra: &["--order-lease", "30"],
        },
    );
    let mut running = smdp.start();
    smdp.import(ICCID_A, Some(NEW_MSISDN));
    smdp.import(ICCID_B, None);

    let reply_to = format!("http://{}/es4", lab.endpoint);
    let request = es2_request(download(&lab.eid, true), Some(reply_to));
    let (status, text) = smdp.es2(&lab.rt, &lab.nist, request.clone());
    assert_eq!(status, 202, "{text}");

    // Killed once the ISD-P exists, during the key establishment and download over SMS.
    let before = smdp.wait_order(1, 300, |o| o["stage"] != "accepted");
    assert_eq!(before["stage"], "isdp_created", "{before}");
    let aid = before["isdpAid"].as_str().unwrap().to_owned();
    running.0.kill().unwrap();
    running.0.wait().unwrap();
    let killed_at = Instant::now();
    assert!(responses(&lab.rt, &lab.received).is_empty());

    let _running = smdp.start();
    // The Operator, without an answer, sends the same request again: the same order.
    let (status, text) = smdp.es2(&lab.rt, &lab.nist, request.clone());
    assert_eq!(status, 202, "{text}");
    assert_eq!(smdp.orders().len(), 1, "{:?}", smdp.orders());

    let got = wait_responses(&lab, &[&smdp], 1, 600);
    assert_eq!(got.len(), 1, "one DownloadProfileResponse: {got:?}");
    // Not before the lease of the killed run had run out.
    assert!(killed_at.elapsed() >= Duration::from_secs(20));
    let response = &got[0];
    assert!(response.contains(&message_id(&request)), "{response}");
    let order = get_json(smdp.admin, "/smdp/v1/orders/1");
    assert_eq!(order["ended"], true, "{order}");
    eprintln!("the order after the restart: {order}");
    let iccid = order["iccid"].as_str().unwrap().to_owned();
    assert_eq!(iccid, ICCID_A, "{order}");
    // Resumed in the ISD-P it had created, not a second one.
    assert_eq!(order["isdpAid"], aid.as_str(), "{order}");
    let card = lab.device.card.lock().unwrap();
    let isdps = &card.state().isdps;
    match order["stage"].as_str() {
        Some("enabled") => {
            assert!(response.contains("Executed-Success"), "{response}");
            let p = card.state().isdp(&Aid::from_hex(&aid).unwrap()).unwrap();
            assert_eq!(p.iccid.as_deref(), Some(ICCID_A));
            assert_eq!(p.life_cycle, LC_ENABLED);
            assert_eq!(
                isdps
                    .iter()
                    .filter(|p| p.iccid.as_deref() == Some(ICCID_A))
                    .count(),
                1
            );
        }
        // Or it failed cleanly: SGP.02 codes, the ISD-P rolled back.
        _ => {
            assert_eq!(order["stage"], "failed", "{order}");
            assert!(order["failure"]["subjectCode"].is_string(), "{order}");
            assert!(response.contains("Failed"), "{response}");
            assert!(
                card.state().isdp(&Aid::from_hex(&aid).unwrap()).is_none(),
                "rolled back"
            );
        }
    }
    drop(card);
    // One Profile taken; the other still available.
    let states: Vec<(String, String)> = smdp
        .profiles()
        .iter()
        .map(|p| {
            (
                p["iccid"].as_str().unwrap().to_owned(),
                p["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert_eq!(states[1], (ICCID_B.to_owned(), "available".to_owned()));
    assert_ne!(states[0].1, "available");
    drop(_running);
    lab.finish();
}

/// DownloadProfile sent twice with one MessageID: one order, one Profile, the same answer
/// (202 and one DownloadProfileResponse with ReplyTo; the same response without).
#[test]
fn a_repeated_download_profile_is_one_order() {
    let dir = temp_dir();
    let nist = test_pki(&dir).join("nist");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let (endpoint, received) = operator_endpoint(&rt);
    let eid = common::m2m::card().eid().to_owned();
    let pki = rsp_testkit::m2m::lab_pki(&eid);
    let smdp = Smdp::new(
        &dir,
        &SmdpSpec {
            nist: &nist,
            database: format!("sqlite://{}", dir.join("smdp.db").display()),
            data_key: dir.join("smdp-data.key"),
            smdp_id: SMDP,
            client: "dp-tls",
            lab: &pki,
            // Port 1: the SM-SR is out of reach; no retry window: an order fails at once.
            smsr_port: 1,
            extra: &["--order-retry-window", "0"],
        },
    );
    let _running = smdp.start();
    for iccid in [ICCID_A, ICCID_B, "8944000000000000126"] {
        smdp.import(iccid, None);
    }

    let reply_to = format!("http://{endpoint}/es4");
    let request = es2_request(download(&eid, false), Some(reply_to));
    for _ in 0..2 {
        let (status, text) = smdp.es2(&rt, &nist, request.clone());
        assert_eq!(status, 202, "{text}");
    }
    smdp.wait_order(1, 60, |o| o["ended"] == true);
    let start = Instant::now();
    while responses(&rt, &received).is_empty() {
        assert!(start.elapsed() < Duration::from_secs(60), "{}", smdp.log());
        std::thread::sleep(Duration::from_millis(200));
    }
    // Sent again after the order ended: still the same order, no second response.
    let (status, _) = smdp.es2(&rt, &nist, request.clone());
    assert_eq!(status, 202);
    std::thread::sleep(Duration::from_secs(3));
    let got = responses(&rt, &received);
    assert_eq!(got.len(), 1, "{got:?}");
    assert!(got[0].contains(&message_id(&request)), "{}", got[0]);

    // Without ReplyTo: the answer waits for the order; the repeat gets the same answer.
    let request = es2_request(download(&eid, false), None);
    let (status, first) = smdp.es2(&rt, &nist, request.clone());
    assert_eq!(status, 200, "{first}");
    assert!(
        first.contains("Failed") && first.contains("8.7") && first.contains(ICCID_B),
        "{first}"
    );
    let (status, second) = smdp.es2(&rt, &nist, request.clone());
    assert_eq!(status, 200, "{second}");
    // The same body (the headers differ in their own MessageID).
    let body = |t: &str| t[t.find(":Body").unwrap()..].to_owned();
    assert_eq!(body(&first), body(&second));

    // Two orders, two Profiles taken; the third still available.
    assert_eq!(smdp.orders().len(), 2, "{:?}", smdp.orders());
    let states: Vec<String> = smdp
        .profiles()
        .iter()
        .map(|p| p["state"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(states, ["failed", "failed", "available"]);
    drop(_running);
    let _ = std::fs::remove_dir_all(&dir);
}

const EID_2: &str = "89049032000000000000000000000260";
const CARD_2_ICCID: &str = "8944000000000000027";
const CARD_2_MSISDN: &str = "447700900002";

#[test]
fn two_smdps_download_through_one_smsr_to_two_cards() {
    let lab = SoapLab::start(OPERATOR, Some(SMDP));
    let card2 = second_card(
        &lab.rt,
        lab.smsc.local_addr(),
        EID_2,
        CARD_2_ICCID,
        CARD_2_MSISDN,
    );
    lab::register(
        lab.server.admin,
        &card2,
        CARD_2_ICCID,
        CARD_2_MSISDN,
        OPERATOR,
    );
    // The second SM-DP: its own TLS client identity (CN smdp2.localhost), CERT.DP.ECDSA from
    // the CI the second card trusts, its own database.
    issue_tls(&lab.nist, "dp2-tls", "smdp2.localhost");
    let (pki1, pki2) = (
        rsp_testkit::m2m::lab_pki(&lab.eid),
        rsp_testkit::m2m::lab_pki(&card2.eid),
    );
    let spec = |n: &str, id: &'static str, client: &'static str, pki| SmdpSpec {
        nist: &lab.nist,
        database: format!("sqlite://{}", lab.dir.join(format!("{n}.db")).display()),
        data_key: lab.dir.join(format!("{n}.key")),
        smdp_id: id,
        client,
        lab: pki,
        smsr_port: lab.ws_port,
        extra: &[],
    };
    let smdp1 = Smdp::new(&lab.dir, &spec("smdp1", SMDP, "dp-tls", &pki1));
    let smdp2 = Smdp::new(
        &lab.dir,
        &spec("smdp2", "smdp2.localhost", "dp2-tls", &pki2),
    );
    let (_r1, _r2) = (smdp1.start(), smdp2.start());
    smdp1.import(ICCID_A, None);
    smdp2.import(ICCID_B, None);

    let reply_to = format!("http://{}/es4", lab.endpoint);
    let r1 = es2_request(download(&lab.eid, false), Some(reply_to.clone()));
    let r2 = es2_request(download(&card2.eid, false), Some(reply_to));
    assert_eq!(smdp1.es2(&lab.rt, &lab.nist, r1.clone()).0, 202);
    assert_eq!(smdp2.es2(&lab.rt, &lab.nist, r2.clone()).0, 202);

    let got = wait_responses(&lab, &[&smdp1, &smdp2], 2, 600);
    assert_eq!(got.len(), 2, "{got:?}");
    for (request, iccid) in [(&r1, ICCID_A), (&r2, ICCID_B)] {
        let r = got
            .iter()
            .find(|r| r.contains(&message_id(request)))
            .unwrap();
        assert!(r.contains("Executed-Success") && r.contains(iccid), "{r}");
    }
    for (smdp, card, iccid) in [
        (&smdp1, &lab.device.card, ICCID_A),
        (&smdp2, &card2.device.card, ICCID_B),
    ] {
        let order = get_json(smdp.admin, "/smdp/v1/orders/1");
        assert_eq!(order["stage"], "completed", "{order}");
        let aid = Aid::from_hex(order["isdpAid"].as_str().unwrap()).unwrap();
        let card = card.lock().unwrap();
        let p = card.state().isdp(&aid).unwrap();
        assert_eq!(p.iccid.as_deref(), Some(iccid));
        // Only this SM-DP's Profile is new on this card.
        assert_eq!(card.state().isdps.len(), 2);
    }

    // Each SM-DP sees, through the SM-SR, its own Profile only; managing the other's is
    // refused (the SM-SR's ownership checks).
    let relay = |smdp: &Smdp, request: ProfileRequest| {
        let body = Es2Request::Profile {
            smsr_id: "smsr1".into(),
            request,
        };
        smdp.es2(&lab.rt, &lab.nist, es2_request(body, None)).1
    };
    let eis1_by_2 = relay(
        &smdp2,
        ProfileRequest::GetEis {
            eid: lab.eid.clone(),
        },
    );
    assert!(!eis1_by_2.contains(ICCID_A), "{eis1_by_2}");
    let eis1_by_1 = relay(
        &smdp1,
        ProfileRequest::GetEis {
            eid: lab.eid.clone(),
        },
    );
    assert!(eis1_by_1.contains(ICCID_A), "{eis1_by_1}");
    let eis2_by_1 = relay(
        &smdp1,
        ProfileRequest::GetEis {
            eid: card2.eid.clone(),
        },
    );
    assert!(!eis2_by_1.contains(ICCID_B), "{eis2_by_1}");
    let delete = relay(
        &smdp2,
        ProfileRequest::DeleteProfile {
            eid: lab.eid.clone(),
            iccid: ICCID_A.into(),
        },
    );
    assert!(delete.contains("Failed"), "{delete}");
    drop((_r1, _r2));
    lab.finish();
}

/// Two SM-DPs (their own TLS identity, one CERT.DP.ECDSA source: the card's CI) order for
/// one eUICC at the same time. The SM-SR serialises the functions per eUICC and gives the
/// second CreateISDP another ISD-P AID than the one still queued: both orders install
/// their Profile, each in its own ISD-P.
#[test]
fn two_smdps_order_for_one_card_at_once() {
    let lab = SoapLab::start(OPERATOR, Some(SMDP));
    issue_tls(&lab.nist, "dp2-tls", "smdp2.localhost");
    let pki = rsp_testkit::m2m::lab_pki(&lab.eid);
    let spec = |n: &str, id: &'static str, client: &'static str| SmdpSpec {
        nist: &lab.nist,
        database: format!("sqlite://{}", lab.dir.join(format!("{n}.db")).display()),
        data_key: lab.dir.join(format!("{n}.key")),
        smdp_id: id,
        client,
        lab: &pki,
        smsr_port: lab.ws_port,
        extra: &[],
    };
    let smdp1 = Smdp::new(&lab.dir, &spec("smdp1", SMDP, "dp-tls"));
    let smdp2 = Smdp::new(&lab.dir, &spec("smdp2", "smdp2.localhost", "dp2-tls"));
    let (_r1, _r2) = (smdp1.start(), smdp2.start());
    smdp1.import(ICCID_A, None);
    smdp2.import(ICCID_B, None);
    let reply_to = format!("http://{}/es4", lab.endpoint);
    let r1 = es2_request(download(&lab.eid, false), Some(reply_to.clone()));
    let r2 = es2_request(download(&lab.eid, false), Some(reply_to));
    assert_eq!(smdp1.es2(&lab.rt, &lab.nist, r1).0, 202);
    assert_eq!(smdp2.es2(&lab.rt, &lab.nist, r2).0, 202);
    let got = wait_responses(&lab, &[&smdp1, &smdp2], 2, 600);
    assert_eq!(got.len(), 2, "{got:?}");
    let card = lab.device.card.lock().unwrap();
    let mut isdps = Vec::new();
    for (smdp, iccid) in [(&smdp1, ICCID_A), (&smdp2, ICCID_B)] {
        let order = get_json(smdp.admin, "/smdp/v1/orders/1");
        let installed = card
            .state()
            .isdps
            .iter()
            .filter(|p| p.iccid.as_deref() == Some(iccid))
            .count();
        assert_eq!(order["stage"], "completed", "{order}");
        assert_eq!(installed, 1, "{order}");
        isdps.push(order["isdpAid"].as_str().unwrap_or_default().to_owned());
    }
    assert_ne!(isdps[0], isdps[1]);
    // The lab card's own Profile and one ISD-P per order.
    assert_eq!(card.state().isdps.len(), 3);
    drop(card);
    drop((_r1, _r2));
    lab.finish();
}

/// The download on PostgreSQL, with two replicas of the SM-DP on one database: both
/// orders complete, each run by exactly one replica (its "order ended" log line), one
/// response each, one ISD-P each on the card.
#[test]
fn two_replicas_on_one_postgres_database_share_the_orders() {
    let lab = SoapLab::start(OPERATOR, Some(SMDP));
    let Some(pg) = lab.rt.block_on(rsp_testkit::pg::PgDb::create()) else {
        lab.finish();
        return;
    };
    let pki = rsp_testkit::m2m::lab_pki(&lab.eid);
    let spec = SmdpSpec {
        nist: &lab.nist,
        database: pg.url.clone(),
        data_key: lab.dir.join("smdp-data.key"),
        smdp_id: SMDP,
        client: "dp-tls",
        lab: &pki,
        smsr_port: lab.ws_port,
        extra: &["--order-workers", "1"],
    };
    let (a, b) = (Smdp::new(&lab.dir, &spec), Smdp::new(&lab.dir, &spec));
    let ra = a.start();
    let rb = b.start();
    a.import(ICCID_A, None);
    b.import(ICCID_B, Some(NEW_MSISDN));
    let reply_to = format!("http://{}/es4", lab.endpoint);
    // One order through each replica's ES2, one after the other (the second enables its
    // Profile once the first is in).
    let r1 = es2_request(download(&lab.eid, false), Some(reply_to.clone()));
    assert_eq!(a.es2(&lab.rt, &lab.nist, r1).0, 202);
    let first = a.wait_order(1, 600, |o| o["ended"] == true);
    assert_eq!(first["stage"], "completed", "{first}");
    // The second is enabled (last: the card moves to the new Profile's MSISDN).
    let r2 = es2_request(download(&lab.eid, true), Some(reply_to));
    assert_eq!(b.es2(&lab.rt, &lab.nist, r2).0, 202);
    let got = wait_responses(&lab, &[&a, &b], 2, 600);
    assert_eq!(got.len(), 2, "{got:?}");
    let orders = b.orders();
    assert_eq!(orders.len(), 2, "{orders:?}");
    assert!(
        got.iter().all(|r| r.contains("Executed-Success")),
        "{got:?}"
    );
    for o in &orders {
        let stage = if o["iccid"] == ICCID_B {
            "enabled"
        } else {
            "completed"
        };
        assert_eq!(o["stage"], stage, "{o}");
        let id = o["id"].as_i64().unwrap();
        let ran = [&a, &b]
            .iter()
            .filter(|s| {
                s.log().lines().any(|l| {
                    l.contains("\"message\":\"order ended\"")
                        && l.contains(&format!("\"order\":{id}"))
                })
            })
            .count();
        assert_eq!(
            ran,
            1,
            "order {id} ended by one replica\n{}\n{}",
            a.log(),
            b.log()
        );
    }
    let card = lab.device.card.lock().unwrap();
    let enabled = card.state().enabled().unwrap();
    assert_eq!(enabled.iccid.as_deref(), Some(ICCID_B));
    for iccid in [ICCID_A, ICCID_B] {
        assert_eq!(
            card.state()
                .isdps
                .iter()
                .filter(|p| p.iccid.as_deref() == Some(iccid))
                .count(),
            1
        );
    }
    drop(card);
    drop((ra, rb));
    drop(pg);
    lab.finish();
}
