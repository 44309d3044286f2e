//! The order lease of `rsp serve smdp`'s worker (`rsp_http::smdp::es2::run_leased`) in
//! process, over SQLite: renewed while a step outlasts it, so no other worker takes the
//! order; once another claim holds the order, the worker stops without another call to the
//! SM-SR or a write.
#![allow(clippy::unwrap_used)]

mod common;
#[path = "common/smdp_resilience_lab.rs"]
mod lab;

use std::time::Duration;

use common::temp_dir;
use lab::OPERATOR;

const ICCID_A: &str = "8944000000000000100";

/// An SM-SR whose every answer never comes (a step that outlasts the lease); it counts the
/// calls.
#[derive(Clone, Default)]
struct Stalled(std::sync::Arc<std::sync::atomic::AtomicUsize>);

impl rsp_smdp::order::Es3 for Stalled {
    async fn call(
        &self,
        _request: rsp_codec::ws::es3::Es3Request,
    ) -> Result<rsp_codec::ws::Response, rsp_smdp::order::OrderError> {
        self.0.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        std::future::pending().await
    }
}

fn service(
    store: rsp_storage::SqlStore,
    smsr: Stalled,
    lease: i64,
) -> std::sync::Arc<rsp_smdp::service::SmdpService<rsp_storage::SqlStore, Stalled>> {
    use rsp_pki::Role;
    let eid = common::m2m::card().eid().to_owned();
    let pki = rsp_testkit::m2m::lab_pki(&eid);
    let dp = pki.get(Role::DpAuth).unwrap();
    let credential = rsp_smdp::SmdpCredential::new(
        rsp_smdp::certificate::issue(&dp.cert, &pki.get(Role::Ci).unwrap().key).unwrap(),
        std::sync::Arc::new(
            rsp_crypto::SoftwareKey::from_pkcs8_der(&dp.key.to_pkcs8_der()).unwrap(),
        ),
    )
    .unwrap();
    let config = rsp_smdp::service::SmdpConfig {
        credential,
        host_id: b"SMDP-LAB".to_vec(),
        key_version: 0x30,
        max_apdus_per_script: 4,
        lease,
        retry_window: 3600,
        retry_after: 30,
    };
    std::sync::Arc::new(rsp_smdp::service::SmdpService::new(
        store,
        std::collections::HashMap::from([("smsr1".to_owned(), smsr)]),
        config,
    ))
}

/// The worker renews the lease of an order whose step outlasts it, so no other worker
/// takes it; once another claim holds the order (here: a replica whose clock is past the
/// lease), the renewal finds it lost and the run stops where it is, without another call
/// to the SM-SR or a write, and the order is the new claim's.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_renews_its_lease_and_stops_once_it_lost_the_order() {
    use rsp_smdp::store::{NewOrder, NewProfile, SmdpStore};
    let dir = temp_dir();
    let url = format!("sqlite://{}?mode=rwc", dir.join("smdp.db").display());
    let key = || rsp_storage::DataKey::new("k1", &[0x42; 32]).unwrap();
    let store = rsp_storage::SqlStore::connect(&url, key()).await.unwrap();
    store.migrate().await.unwrap();
    let other = rsp_storage::SqlStore::connect(&url, key()).await.unwrap();
    let now = rsp_smdp::service::unix_now();
    store
        .import_profile(
            &NewProfile {
                iccid: ICCID_A.into(),
                profile_type: "generic".into(),
                msisdn: None,
                package: lab::package(ICCID_A),
            },
            now,
        )
        .await
        .unwrap();
    let smsr = Stalled::default();
    let first = service(store.clone(), smsr.clone(), 3);
    let accepted = first
        .accept(&NewOrder {
            operator: OPERATOR.into(),
            message_id: Some("msg-1".into()),
            reply_to: None,
            eid: common::m2m::card().eid().to_owned(),
            smsr_id: "smsr1".into(),
            profile_type: "generic".into(),
            iccid: None,
            enable: false,
            now,
        })
        .await
        .unwrap();
    let claimed = first.claim(4).await.unwrap();
    assert_eq!(claimed.len(), 1);
    let claimed_until = claimed[0].order.lease_until;
    let worker = tokio::spawn(rsp_http::smdp::es2::run_leased(
        first.clone(),
        claimed[0].clone(),
    ));

    // The step (GetEIS) outlasts the 3 s lease: renewed every second, nobody takes it.
    tokio::time::sleep(Duration::from_secs(5)).await;
    let second = service(other.clone(), Stalled::default(), 3);
    assert!(second.claim(4).await.unwrap().is_empty());
    let held = store.order(accepted.id).await.unwrap().unwrap();
    assert!(held.lease_until > claimed_until, "renewed: {held:?}");
    assert_eq!(smsr.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    assert!(!worker.is_finished());

    // A replica whose clock is past the lease claims it: the first worker stops.
    let later = held.lease_until + 1;
    let taken = other.claim_orders(later, later + 600, 4, 77).await.unwrap();
    assert_eq!(taken.len(), 1);
    tokio::time::timeout(Duration::from_secs(5), worker)
        .await
        .expect("the worker stops")
        .unwrap();
    let after = store.order(accepted.id).await.unwrap().unwrap();
    assert_eq!(
        after.lease_until,
        later + 600,
        "untouched by the first worker"
    );
    assert_eq!(after.order.stage, rsp_smdp::order::Stage::Accepted);
    assert!(!first.renew(&claimed[0]).await.unwrap());
    assert!(
        other
            .renew_lease(accepted.id, 77, later + 700)
            .await
            .unwrap()
    );
    assert_eq!(smsr.0.load(std::sync::atomic::Ordering::SeqCst), 1);
    store.close().await;
    other.close().await;
    let _ = std::fs::remove_dir_all(&dir);
}
