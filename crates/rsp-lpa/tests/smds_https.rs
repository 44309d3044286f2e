//! The SM-DS over HTTPS (SGP.22 v2.5 §3.6, ES12 §5.5, ES11 §5.8, ES15): the Operator's
//! ConfirmOrder over ES2+ names an Alternative SM-DS (down at first, registered once back);
//! the SM-DP+ registers the event there (ES12), which cascades it to the Root SM-DS (ES15);
//! the LPA asks the root, follows the cascade to the alternative SM-DS, finds the SM-DP+
//! event and downloads the Profile with the EventID as MatchingID; after the download the
//! SM-DP+ deletes its event and the cascade at the root goes with it. On both curves (TLS
//! NIST), SQLite and PostgreSQL; two SM-DS processes on one PostgreSQL database; and the
//! refusals with their status codes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;

use common::smds::*;
use common::*;
use rsp_codec::json::Eid;
use rsp_codec::status::RspError;
use rsp_crypto::Curve;
use rsp_http::smds_client::{Caller, smds_events_round};
use rsp_lpa::LpaError;
use rsp_lpa::discover::DiscoveredEvent;
use rsp_smdpp::smds_events::SmdsEventStore;
use rsp_smds::SmdsStore;
use rsp_smds::cascade::{RetryPolicy, SendError, send_due};
use rsp_storage::SqlStore;

fn refused(r: Result<(), SendError>) -> RspError {
    match r {
        Err(SendError::Refused(e)) => e,
        other => panic!("expected a refusal, got {other:?}"),
    }
}

fn es11_code(e: LpaError) -> (String, String) {
    match e {
        LpaError::Es9Failed {
            data: Some(data), ..
        } => (
            data.subject_code.as_str().to_owned(),
            data.reason_code.as_str().to_owned(),
        ),
        other => panic!("expected an ES11 failure, got {other:?}"),
    }
}

async fn cascade(alt: &Smds, nist: &Path) {
    let es15 = client(nist, "ds-tls", Caller::AlternativeSmds, &alt.address);
    let round = send_due(&alt.store, &es15, &RetryPolicy::default())
        .await
        .unwrap();
    assert_eq!(round.failed, 0, "{round:?}");
}

async fn discovery_through_a_cascade(curve: Curve, stores: [SqlStore; 3], dir: &Path) {
    let nist = write_pki(dir, "nist", Curve::NistP256);
    let pki = if curve == Curve::NistP256 {
        nist.clone()
    } else {
        write_pki(dir, dir_name(curve), curve)
    };
    let [smdp_store, root_store, alt_store] = stores;
    let smdp = Server::start_on(smdp_store, &nist, &pki, ServerOptions::default()).await;
    let root = Smds::start(root_store, &nist, &pki, None).await;
    let alt = Smds::start(alt_store, &nist, &pki, Some(&root.address)).await;
    let eid = eid_of(&pki);

    // The operator's order for this EID names the alternative SM-DS (ConfirmOrder
    // smdsAddress). The alternative SM-DS is down at first: the order succeeds, the
    // registration waits and is retried once it is back (same port), made once.
    let alt_address = alt.address.clone();
    let alt_port: u16 = alt_address.rsplit(':').next().unwrap().parse().unwrap();
    let alt_store = alt.store.clone();
    alt.stop().await;
    let iccid = "8949000000000000026";
    let event_id = order_with_smds(&smdp, &nist, iccid, &eid, &alt_address).await;
    let es12 = client(&nist, "dp-tls", Caller::Smdp, &smdp.address);
    let policy = RetryPolicy {
        backoff: std::time::Duration::ZERO,
        ..RetryPolicy::default()
    };
    let (synced, failed) = smds_events_round(&smdp.store, &es12, &policy)
        .await
        .unwrap();
    assert_eq!((synced, failed), (0, 1));
    assert_eq!(smdp.store.pending_smds_events().await.unwrap(), 1);
    let alt = Smds::start_on_port(alt_store, &nist, &pki, Some(&root.address), alt_port).await;
    assert_eq!(
        smds_events_round(&smdp.store, &es12, &policy)
            .await
            .unwrap(),
        (1, 0)
    );
    assert_eq!(smdp.store.pending_smds_events().await.unwrap(), 0);
    assert_eq!(
        smds_events_round(&smdp.store, &es12, &policy)
            .await
            .unwrap(),
        (0, 0),
        "nothing sent twice"
    );
    let at_alt = alt.store.events_for_eid(&eid).await.unwrap();
    assert_eq!(at_alt.len(), 1);
    assert_eq!(at_alt[0].event_id.as_str(), event_id);
    assert_eq!(at_alt[0].rsp_server_address, smdp.address);
    // Registered twice by the same SM-DP+: 8.9.5/3.3.
    let dup = es12
        .register_event(&alt.address, &eid, &event_id, true)
        .await;
    assert_eq!(refused(dup), RspError::EventIdDuplicated);
    assert_eq!(alt.store.pending_cascades().await.unwrap(), 1);
    cascade(&alt, &nist).await;
    assert_eq!(alt.store.pending_cascades().await.unwrap(), 0);
    let at_root = root.store.events_for_eid(&eid).await.unwrap();
    assert_eq!(at_root.len(), 1);
    assert_eq!(at_root[0].rsp_server_address, alt.address);

    // The LPA asks the root and follows the cascade to the alternative SM-DS.
    let mut lpa = lpa(euicc(&pki), &nist.join("ci.pem"));
    let found = lpa.discover(&root.address, None).await.unwrap();
    assert_eq!(
        found,
        [DiscoveredEvent {
            event_id: event_id.clone(),
            smdp_address: smdp.address.clone(),
            smds_address: alt.address.clone(),
        }]
    );
    let result = lpa
        .download(
            &format!("LPA:1${}${}", found[0].smdp_address, found[0].event_id),
            None,
            None,
        )
        .await
        .unwrap();
    assert!(result.is_success(), "{result:?}");
    assert_eq!(smdp.state(iccid).await, "Installed");

    // The download completed: the SM-DP+ deletes its event, and the cascade goes with it.
    // Only the owner deletes (8.9.5/3.9 for another SM-DP+ and for an unknown EventID).
    let other = client(&nist, "mno", Caller::Smdp, "other.example.com");
    let r = other.delete_event(&alt.address, &eid, &event_id).await;
    assert_eq!(refused(r), RspError::EventUnknown);
    let r = es12.delete_event(&alt.address, &eid, "NO-SUCH-EVENT").await;
    assert_eq!(refused(r), RspError::EventUnknown);
    assert_eq!(
        smds_events_round(&smdp.store, &es12, &policy)
            .await
            .unwrap(),
        (1, 0)
    );
    assert!(alt.store.events_for_eid(&eid).await.unwrap().is_empty());
    cascade(&alt, &nist).await;
    assert!(root.store.events_for_eid(&eid).await.unwrap().is_empty());
    assert!(alt.store.cascade_for_eid(&eid).await.unwrap().is_none());
    assert!(lpa.discover(&root.address, None).await.unwrap().is_empty());
    assert_eq!(smdp.store.pending_smds_events().await.unwrap(), 0);

    alt.stop().await;
    root.stop().await;
    smdp.stop().await;
}

#[tokio::test]
async fn discovery_through_a_cascade_nist_sqlite() {
    let dir = TempDir::new();
    let stores = [
        store_in(&dir.0, "smdp").await,
        store_in(&dir.0, "root").await,
        store_in(&dir.0, "alt").await,
    ];
    discovery_through_a_cascade(Curve::NistP256, stores, &dir.0).await;
}

#[tokio::test]
async fn discovery_through_a_cascade_brainpool_postgres() {
    let dir = TempDir::new();
    let (Some(a), Some(b), Some(c)) = (
        rsp_testkit::pg::PgDb::create().await,
        rsp_testkit::pg::PgDb::create().await,
        rsp_testkit::pg::PgDb::create().await,
    ) else {
        return;
    };
    let stores = [
        a.store(key()).await,
        b.store(key()).await,
        c.store(key()).await,
    ];
    discovery_through_a_cascade(Curve::BrainpoolP256r1, stores, &dir.0).await;
}

/// Imports `iccid`, then the Operator orders it over ES2+ (HTTPS, mutual TLS with its
/// certificate mno.pem): DownloadOrder for `eid`, ConfirmOrder with `smds` as smdsAddress,
/// released. Returns the MatchingID the SM-DP+ generated, which is the EventID.
async fn order_with_smds(smdp: &Server, nist: &Path, iccid: &str, eid: &Eid, smds: &str) -> String {
    use rsp_smdpp::store::InventoryStore;
    let op = rsp_smdpp::OperatorId::new(OPERATOR);
    smdp.store
        .import(&[rsp_smdpp::NewProfile {
            iccid: iccid.parse().unwrap(),
            operator: op,
            profile_type: "T1".into(),
            package: rsp_smdpp::ProfilePackage::new(profile_package(iccid)),
            metadata: rsp_smdpp::ProfileMetadata::default(),
        }])
        .await
        .unwrap();
    let mut identity = std::fs::read(nist.join("mno.key.pem")).unwrap();
    identity.extend(std::fs::read(nist.join("mno.pem")).unwrap());
    let es2 = rsp_http::es2plus_operator::Es2PlusOperatorClient::new(
        format!("https://{}", smdp.address),
        &rsp_http::es2plus_client::ClientTls {
            roots_pem: vec![std::fs::read(nist.join("ci.pem")).unwrap()],
            identity_pem: Some(identity),
        },
        "smds-test-operator",
    )
    .unwrap();
    let iccid = es2
        .download_order(Some(eid.clone()), Some(iccid.parse().unwrap()), None)
        .await
        .unwrap();
    let confirmed = es2
        .confirm_order_at_smds(iccid, eid.clone(), smds.to_owned())
        .await
        .unwrap();
    confirmed.matching_id
}

/// ES11 refusals: another SM-DS address (8.9.1/3.8), an eUICC whose CI the SM-DS does not
/// trust (8.9.2/3.1), a MatchingID naming no event (8.9.5/3.9). (Single-use sessions: the
/// store test `es11_sessions_are_single_use_and_challenges_are_not_reused`.)
#[tokio::test]
async fn es11_refusals() {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let foreign = write_pki(&dir.0, "foreign", Curve::NistP256);
    let smds = Smds::start(store_in(&dir.0, "smds").await, &nist, &nist, None).await;
    let es11 = rsp_lpa::Es9PlusClient::from_ca_files(&[nist.join("ci.pem")]).unwrap();

    let mut card = rsp_lpa::ApduChannel::open(euicc(&nist)).unwrap();
    // No event: an empty list, not an error.
    let none = rsp_lpa::discover::retrieve_events(&mut card, &es11, &smds.address, None, None)
        .await
        .unwrap();
    assert!(none.is_empty());
    let unknown =
        rsp_lpa::discover::retrieve_events(&mut card, &es11, &smds.address, Some("NOPE"), None)
            .await
            .unwrap_err();
    assert_eq!(es11_code(unknown), ("8.9.5".into(), "3.9".into()));

    // Another SM-DS address in InitiateAuthentication.
    let wrong = rsp_codec::json::es11::InitiateAuthenticationRequest {
        euicc_challenge: rsp_codec::json::Base64Bytes::new(vec![7; 16]),
        euicc_info1: rsp_codec::json::Base64Bytes::new(
            rsp_lpa::es10b::get_euicc_info1(&mut card).unwrap().0,
        ),
        smds_address: "other-smds.example.com".into(),
    };
    let e = es11
        .es11_initiate_authentication(&smds.address, &wrong)
        .await
        .unwrap_err();
    assert_eq!(es11_code(e), ("8.9.1".into(), "3.8".into()));

    // An eUICC of another CI: nothing it can sign with is trusted.
    let mut stranger = rsp_lpa::ApduChannel::open(euicc(&foreign)).unwrap();
    let e = rsp_lpa::discover::retrieve_events(&mut stranger, &es11, &smds.address, None, None)
        .await
        .unwrap_err();
    assert_eq!(es11_code(e), ("8.9.2".into(), "3.1".into()));
    smds.stop().await;
}

/// Two SM-DS processes (two pools) on one PostgreSQL database serve the same events: an
/// event registered at one is discovered at the other; the same EventID registered at both
/// at once is stored once (the other answer is 8.9.5/3.3); both cascade senders running at
/// once send the EID's cascade to the root once.
#[tokio::test]
async fn two_smds_processes_on_one_postgres_database() {
    let dir = TempDir::new();
    let Some(pg) = rsp_testkit::pg::PgDb::create().await else {
        return;
    };
    let Some(root_pg) = rsp_testkit::pg::PgDb::create().await else {
        return;
    };
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let root = Smds::start(root_pg.store(key()).await, &nist, &nist, None).await;
    let a = Smds::start(pg.store(key()).await, &nist, &nist, Some(&root.address)).await;
    let b = Smds::start(pg.store(key()).await, &nist, &nist, Some(&root.address)).await;
    let eid = eid_of(&nist);
    let es12 = client(&nist, "dp-tls", Caller::Smdp, "smdp.example.com");

    let (ra, rb) = tokio::join!(
        es12.register_event(&a.address, &eid, "EVT-SHARED", true),
        es12.register_event(&b.address, &eid, "EVT-SHARED", true),
    );
    let outcomes = [ra, rb];
    assert_eq!(
        outcomes.iter().filter(|r| r.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    let refusal = outcomes.into_iter().find(|r| r.is_err()).unwrap();
    assert_eq!(refused(refusal), RspError::EventIdDuplicated);

    // Discovered through the other process.
    let mut card = rsp_lpa::ApduChannel::open(euicc(&nist)).unwrap();
    let es11 = rsp_lpa::Es9PlusClient::from_ca_files(&[nist.join("ci.pem")]).unwrap();
    for smds in [&a, &b] {
        let events =
            rsp_lpa::discover::retrieve_events(&mut card, &es11, &smds.address, None, None)
                .await
                .unwrap();
        assert_eq!(events.len(), 1, "{events:?}");
        assert_eq!(events[0].event_id, "EVT-SHARED");
    }

    // Both senders at once: one cascade registration at the root.
    let es15 = client(&nist, "ds-tls", Caller::AlternativeSmds, &a.address);
    let policy = RetryPolicy::default();
    let (x, y) = tokio::join!(
        send_due(&a.store, &es15, &policy),
        send_due(&b.store, &es15, &policy),
    );
    let (x, y) = (x.unwrap(), y.unwrap());
    assert_eq!(x.synced + y.synced, 1, "{x:?} {y:?}");
    assert_eq!(x.failed + y.failed, 0);
    assert_eq!(root.store.events_for_eid(&eid).await.unwrap().len(), 1);
    assert_eq!(a.store.pending_cascades().await.unwrap(), 0);

    a.stop().await;
    b.stop().await;
    root.stop().await;
}
