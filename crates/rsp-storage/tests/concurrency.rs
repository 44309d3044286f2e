//! Concurrent ES2+ calls from two connection pools (two server processes) on one database:
//! no Profile is handed out twice, no order is lost, stale writes lose cleanly.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;

use common::{TestDb, backends, code, eid, iccid, op, stock};
use rsp_smdpp::ProfileState;
use rsp_smdpp::es2plus::{ConfirmOrder, DownloadOrder, Es2Plus, Es2PlusConfig};
use rsp_smdpp::store::InventoryStore;
use rsp_storage::SqlStore;
use tokio::task::JoinSet;

const OP: &str = "operator-a";

async fn two_services(db: &TestDb) -> [Arc<Es2Plus<SqlStore>>; 2] {
    let config = Es2PlusConfig::new("smdp.example.com");
    [
        Arc::new(Es2Plus::new(db.store.clone(), config.clone())),
        Arc::new(Es2Plus::new(db.second_store().await, config)),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_orders_for_one_hundred_profiles() {
    for db in backends().await {
        db.store.import(&stock(OP, "bulk", 1, 100)).await.unwrap();
        let services = two_services(&db).await;
        let mut tasks = JoinSet::new();
        for i in 0..200u64 {
            let svc = Arc::clone(&services[(i % 2) as usize]);
            tasks.spawn(async move {
                let order = DownloadOrder {
                    eid: Some(eid(1000 + i)),
                    iccid: None,
                    profile_type: Some("bulk".into()),
                };
                (i, svc.download_order(&op(OP), &order).await)
            });
        }
        let mut won: HashMap<u64, rsp_codec::json::Iccid> = HashMap::new();
        let mut refused = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined.unwrap() {
                (i, Ok(iccid)) => {
                    won.insert(i, iccid);
                }
                (_, Err(e)) => refused.push(code(&e)),
            }
        }
        assert_eq!(won.len(), 100, "{:?}: successes", db.backend());
        assert_eq!(refused.len(), 100);
        assert!(refused.iter().all(|c| c == "8.2.5/3.7"), "{refused:?}");
        let distinct: HashSet<_> = won.values().cloned().collect();
        assert_eq!(distinct.len(), 100, "a Profile was given twice");
        for (i, got) in &won {
            let r = db.store.get(&op(OP), got).await.unwrap().unwrap();
            assert_eq!(r.state, ProfileState::Linked);
            assert_eq!(r.eid, Some(eid(1000 + i)), "bound to the EID that won it");
            assert_eq!(r.eid_ever_bound, Some(eid(1000 + i)));
            assert_eq!(r.version, 1, "changed exactly once");
        }
        for n in 1..=100 {
            assert!(distinct.contains(&iccid(n)), "every Profile was handed out");
        }
        for s in &services {
            s.store().close().await;
        }
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_confirm_orders_on_one_profile() {
    for db in backends().await {
        db.store.import(&stock(OP, "gold", 1, 1)).await.unwrap();
        let services = two_services(&db).await;
        services[0]
            .download_order(
                &op(OP),
                &DownloadOrder {
                    iccid: Some(iccid(1)),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        let mut tasks = JoinSet::new();
        for i in 0..20u64 {
            let svc = Arc::clone(&services[(i % 2) as usize]);
            tasks.spawn(async move {
                let order = ConfirmOrder {
                    iccid: iccid(1),
                    eid: Some(eid(i)),
                    matching_id: None,
                    confirmation_code: None,
                    smds_address: None,
                    release_flag: true,
                };
                (i, svc.confirm_order(&op(OP), &order).await)
            });
        }
        let mut winners = Vec::new();
        let mut refused = Vec::new();
        while let Some(joined) = tasks.join_next().await {
            match joined.unwrap() {
                (i, Ok(_)) => winners.push(i),
                (_, Err(e)) => refused.push(code(&e)),
            }
        }
        assert_eq!(winners.len(), 1, "{:?}", db.backend());
        // The losers find the Profile Released by the winner: in use (§5.3.2, see confirm_order).
        assert!(refused.iter().all(|c| c == "8.2.1/3.3"), "{refused:?}");
        let r = db.store.get(&op(OP), &iccid(1)).await.unwrap().unwrap();
        assert_eq!(
            (r.state, r.eid),
            (ProfileState::Released, Some(eid(winners[0])))
        );
        for s in &services {
            s.store().close().await;
        }
        db.finish().await;
    }
}
