//! The M2M SM-DP store (migrations 20261211000001, 20261212000005) on SQLite and
//! PostgreSQL: packages sealed at rest and bound to their ICCID, one Profile per order under
//! concurrency (two store instances), one order per Operator MessageID under concurrency,
//! the refusals of an order, orders leased to one claim (renewed, taken over once run out),
//! the order's end with its Profile and its result in one transaction, the results outbox,
//! a synchronous order's result held back and not sent once answered (20261212000042).
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;

use common::backends;
use rsp_smdp::order::Stage;
use rsp_smdp::store::{
    Created, Destination, DownloadResult, Failure, NewOrder, NewProfile, ProfileState, SmdpStore,
    StoreError,
};

const PACKAGE: [u8; 64] = [0x5A; 64];

fn iccid(n: u32) -> String {
    format!("89044045{n:011}")
}

fn profile(n: u32, profile_type: &str) -> NewProfile {
    NewProfile {
        iccid: iccid(n),
        profile_type: profile_type.into(),
        msisdn: Some(format!("4479001{n:05}")),
        package: PACKAGE.to_vec(),
    }
}

fn new_order(profile_type: &str, iccid: Option<String>, now: i64) -> NewOrder {
    NewOrder {
        operator: "mno1".into(),
        message_id: Some(format!("msg-{now}")),
        reply_to: Some("https://mno1.test/es2".into()),
        eid: "89049032123451234512345678901235".into(),
        smsr_id: "smsr1".into(),
        profile_type: profile_type.into(),
        iccid,
        enable: true,
        now,
    }
}

fn created(c: Created) -> rsp_smdp::store::StoredOrder {
    match c {
        Created::Order(o) => *o,
        other => panic!("no order: {other:?}"),
    }
}

#[tokio::test]
async fn inventory_seals_packages() {
    for db in backends().await {
        db.store
            .import_profile(&profile(1, "generic"), 10)
            .await
            .unwrap();
        assert!(matches!(
            db.store.import_profile(&profile(1, "generic"), 10).await,
            Err(StoreError::Duplicate)
        ));
        let p = db.store.profile(&iccid(1)).await.unwrap().unwrap();
        assert_eq!(p.state, ProfileState::Available);
        assert_eq!(p.msisdn.as_deref(), Some("447900100001"));
        assert_eq!(db.store.profiles(10).await.unwrap(), vec![p]);
        assert_eq!(db.store.package(&iccid(1)).await.unwrap().unwrap(), PACKAGE);
        assert!(db.store.package(&iccid(2)).await.unwrap().is_none());

        // Not in the table in clear; moved to another Profile's row it does not open.
        let raw: Vec<u8> = sqlx::query_scalar("SELECT package_sealed FROM smdp_profiles")
            .fetch_one(db.store.pool())
            .await
            .unwrap();
        assert!(!raw.windows(16).any(|w| w == [0x5A; 16]));
        db.store
            .import_profile(&profile(2, "generic"), 10)
            .await
            .unwrap();
        sqlx::query("UPDATE smdp_profiles SET package_sealed = $1 WHERE iccid = $2")
            .bind(raw)
            .bind(iccid(2))
            .execute(db.store.pool())
            .await
            .unwrap();
        assert!(matches!(
            db.store.package(&iccid(2)).await,
            Err(StoreError::Corrupt(_))
        ));
        db.finish().await;
    }
}

#[tokio::test]
async fn one_profile_per_order() {
    for db in backends().await {
        let other = db.second_store().await;
        for n in 0..10 {
            db.store
                .import_profile(&profile(n, "generic"), 10)
                .await
                .unwrap();
        }
        db.store
            .import_profile(&profile(99, "other"), 10)
            .await
            .unwrap();
        let mut tasks = Vec::new();
        for i in 0..16 {
            let s = if i % 2 == 0 {
                db.store.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                s.create_order(&new_order("generic", None, 100 + i))
                    .await
                    .unwrap()
            }));
        }
        let mut iccids = HashSet::new();
        let mut refused = 0;
        for t in tasks {
            match t.await.unwrap() {
                Created::Order(o) => {
                    assert_eq!(o.order.stage, Stage::Accepted);
                    assert!(o.order.enable);
                    assert_eq!(o.order.mno_id, "mno1");
                    assert!(
                        iccids.insert(o.order.iccid.clone()),
                        "a Profile given twice"
                    );
                }
                Created::NoneAvailable => refused += 1,
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((iccids.len(), refused), (10, 6));
        for n in 0..10 {
            let p = db.store.profile(&iccid(n)).await.unwrap().unwrap();
            assert_eq!(p.state, ProfileState::Allocated);
        }
        assert_eq!(
            db.store
                .create_order(&new_order("unknown", None, 1))
                .await
                .unwrap(),
            Created::UnknownProfileType
        );
        // A given ICCID: taken, of another type, unknown, then available.
        assert_eq!(
            db.store
                .create_order(&new_order("generic", Some(iccid(3)), 1))
                .await
                .unwrap(),
            Created::IccidTaken
        );
        assert_eq!(
            db.store
                .create_order(&new_order("generic", Some(iccid(99)), 1))
                .await
                .unwrap(),
            Created::UnknownIccid
        );
        assert_eq!(
            db.store
                .create_order(&new_order("generic", Some(iccid(77)), 1))
                .await
                .unwrap(),
            Created::UnknownIccid
        );
        let o = created(
            db.store
                .create_order(&new_order("other", Some(iccid(99)), 1))
                .await
                .unwrap(),
        );
        assert_eq!(o.order.iccid, iccid(99));
        assert_eq!(o.order.msisdn.as_deref(), Some("447900100099"));
        assert_eq!(db.store.orders(100).await.unwrap().len(), 11);
        other.close().await;
        db.finish().await;
    }
}

/// A DownloadProfile sent again with its MessageID (here 16 times at once over two store
/// instances) is one order and takes one Profile; another Operator's same MessageID is
/// another order.
#[tokio::test]
async fn one_order_per_message_id() {
    for db in backends().await {
        let other = db.second_store().await;
        for n in 0..4 {
            db.store
                .import_profile(&profile(n, "generic"), 10)
                .await
                .unwrap();
        }
        let mut tasks = Vec::new();
        for i in 0..16 {
            let s = if i % 2 == 0 {
                db.store.clone()
            } else {
                other.clone()
            };
            tasks.push(tokio::spawn(async move {
                s.create_order(&new_order("generic", None, 100))
                    .await
                    .unwrap()
            }));
        }
        let (mut first, mut repeated) = (Vec::new(), Vec::new());
        for t in tasks {
            match t.await.unwrap() {
                Created::Order(o) => first.push(*o),
                Created::Repeated(o) => repeated.push(*o),
                other => panic!("{other:?}"),
            }
        }
        assert_eq!((first.len(), repeated.len()), (1, 15));
        assert!(repeated.iter().all(|o| o.id == first[0].id));
        let allocated = db.store.profiles(10).await.unwrap();
        assert_eq!(
            allocated
                .iter()
                .filter(|p| p.state == ProfileState::Allocated)
                .count(),
            1
        );
        // The same MessageID from another Operator is its own order.
        let mut theirs = new_order("generic", None, 100);
        theirs.operator = "mno2".into();
        let o = created(db.store.create_order(&theirs).await.unwrap());
        assert_ne!(o.id, first[0].id);
        assert_eq!(db.store.orders(100).await.unwrap().len(), 2);
        other.close().await;
        db.finish().await;
    }
}

#[tokio::test]
async fn orders_are_leased_and_end_once() {
    for db in backends().await {
        let other = db.second_store().await;
        db.store
            .import_profile(&profile(1, "generic"), 10)
            .await
            .unwrap();
        db.store
            .import_profile(&profile(2, "generic"), 10)
            .await
            .unwrap();
        let a = created(
            db.store
                .create_order(&new_order("generic", None, 100))
                .await
                .unwrap(),
        );
        let b = created(
            db.store
                .create_order(&new_order("generic", None, 101))
                .await
                .unwrap(),
        );

        // One claimant (claim token 11) gets each order; nobody else until the lease ends.
        let first = db.store.claim_orders(200, 260, 10, 11).await.unwrap();
        assert_eq!(
            first.iter().map(|o| o.id).collect::<Vec<_>>(),
            vec![a.id, b.id]
        );
        assert!(
            other
                .claim_orders(210, 270, 10, 22)
                .await
                .unwrap()
                .is_empty()
        );

        // Checkpoints and renewals under the claim extend the lease; another claim's write
        // nothing.
        let mut oa = first[0].order.clone();
        oa.stage = Stage::IsdpCreated;
        oa.isdp_aid = Some("A0000005591010FFFFFFFF8900001100".into());
        assert!(db.store.checkpoint(a.id, &oa, 11, 320, 210).await.unwrap());
        assert!(!other.checkpoint(a.id, &oa, 22, 400, 211).await.unwrap());
        assert!(db.store.renew_lease(a.id, 11, 330).await.unwrap());
        assert!(!other.renew_lease(a.id, 22, 500).await.unwrap());
        // The lease of b ran out: another worker takes it over (claim 33); the first
        // claim of b is stale: it neither renews nor checkpoints.
        let taken = other.claim_orders(300, 360, 10, 33).await.unwrap();
        assert_eq!(taken.iter().map(|o| o.id).collect::<Vec<_>>(), vec![b.id]);
        assert!(!db.store.renew_lease(b.id, 11, 400).await.unwrap());
        let ob_stale = first[1].order.clone();
        assert!(
            !db.store
                .checkpoint(b.id, &ob_stale, 11, 400, 301)
                .await
                .unwrap()
        );
        let stored = db.store.order(a.id).await.unwrap().unwrap();
        assert_eq!(stored.order, oa);
        assert_eq!(stored.lease_until, 330);

        // a ends enabled: its Profile installed, its result queued, once.
        oa.stage = Stage::Enabled;
        let result = DownloadResult {
            destination: Destination::ReplyTo("https://mno1.test/es2".into()),
            order_id: a.id,
            relates_to: a.message_id.clone(),
            iccid: oa.iccid.clone(),
            success: true,
            failure: None,
            not_before: None,
        };
        assert!(
            db.store
                .finish_order(a.id, &oa, None, 11, Some(&result), 330)
                .await
                .unwrap()
        );
        assert!(
            !db.store
                .finish_order(a.id, &oa, None, 0, Some(&result), 331)
                .await
                .unwrap()
        );
        let ended = db.store.order(a.id).await.unwrap().unwrap();
        assert!(ended.ended());
        assert_eq!(ended.order.stage, Stage::Enabled);
        assert_eq!(
            db.store.profile(&oa.iccid).await.unwrap().unwrap().state,
            ProfileState::Installed
        );

        // A postponed order: its progress kept, due at the given time, the claim given up
        // (no renewal under it), claimed again once due.
        assert!(
            other
                .postpone(b.id, &taken[0].order, 33, 350, 305)
                .await
                .unwrap()
        );
        assert!(!other.renew_lease(b.id, 33, 900).await.unwrap());
        assert!(
            other
                .claim_orders(340, 400, 10, 55)
                .await
                .unwrap()
                .is_empty()
        );
        let again = other.claim_orders(350, 360, 10, 66).await.unwrap();
        assert_eq!(again.iter().map(|o| o.id).collect::<Vec<_>>(), vec![b.id]);

        // An ended order renews no lease.
        assert!(!db.store.renew_lease(a.id, 11, 400).await.unwrap());

        // b fails under its latest claim, not the first one.
        let refused = Failure {
            subject_code: "8.2.1".into(),
            reason_code: "3.3".into(),
            message: "the SM-SR refused CreateISDP".into(),
        };
        let mut ob = taken[0].order.clone();
        ob.stage = Stage::Failed;
        assert!(
            !db.store
                .finish_order(b.id, &ob, Some(&refused), 11, None, 340)
                .await
                .unwrap()
        );
        assert!(
            other
                .finish_order(b.id, &ob, Some(&refused), 66, None, 340)
                .await
                .unwrap()
        );
        let failed = db.store.order(b.id).await.unwrap().unwrap();
        assert_eq!(failed.failure, Some(refused));
        assert_eq!(
            db.store.profile(&ob.iccid).await.unwrap().unwrap().state,
            ProfileState::Failed
        );
        assert!(
            db.store
                .claim_orders(10_000, 10_060, 10, 44)
                .await
                .unwrap()
                .is_empty()
        );

        // The outbox: claimed with a lease, retried, ended.
        let claimed = db.store.claim_results(400, 10, 30).await.unwrap();
        assert_eq!(claimed.len(), 1);
        assert_eq!(claimed[0].result, result);
        assert_eq!(claimed[0].attempts, 1);
        assert!(other.claim_results(410, 10, 30).await.unwrap().is_empty());
        db.store.result_retry(claimed[0].id, 500).await.unwrap();
        assert!(
            db.store
                .claim_results(499, 10, 30)
                .await
                .unwrap()
                .is_empty()
        );
        let again = db.store.claim_results(500, 10, 30).await.unwrap();
        assert_eq!(again[0].attempts, 2);
        db.store.result_ended(again[0].id, true).await.unwrap();
        assert!(
            db.store
                .claim_results(10_000, 10, 30)
                .await
                .unwrap()
                .is_empty()
        );
        other.close().await;
        db.finish().await;
    }
}

/// A synchronous DownloadProfile's result is queued held back; answered in the HTTP
/// response it is never sent; not answered, it is sent once the hold is over.
#[tokio::test]
async fn a_result_answered_inline_is_not_sent() {
    for db in backends().await {
        let s = &db.store;
        for n in 0..2 {
            s.import_profile(&profile(n, "generic"), 1).await.unwrap();
        }
        let mut ids = Vec::new();
        for now in [10, 11] {
            let order = NewOrder {
                reply_to: None,
                ..new_order("generic", None, now)
            };
            ids.push(created(s.create_order(&order).await.unwrap()).id);
        }
        let claimed = s.claim_orders(20, 100, 10, 5).await.unwrap();
        assert_eq!(claimed.len(), 2);
        for o in &claimed {
            let mut order = o.order.clone();
            order.stage = Stage::Enabled;
            let result = DownloadResult {
                destination: Destination::Operator("mno1".into()),
                order_id: o.id,
                relates_to: o.message_id.clone(),
                iccid: order.iccid.clone(),
                success: true,
                failure: None,
                not_before: Some(40),
            };
            assert!(
                s.finish_order(o.id, &order, None, 5, Some(&result), 30)
                    .await
                    .unwrap()
            );
        }
        // Held back: nothing due before 40.
        assert!(s.claim_results(39, 10, 30).await.unwrap().is_empty());
        assert!(s.result_answered(ids[0]).await.unwrap());
        assert!(!s.result_answered(ids[0]).await.unwrap());
        let due = s.claim_results(40, 10, 30).await.unwrap();
        assert_eq!(due.len(), 1, "{due:?}");
        assert_eq!(due[0].result.order_id, ids[1]);
        db.finish().await;
    }
}
