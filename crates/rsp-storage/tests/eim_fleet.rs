//! The eIM store at fleet scale (`eim_bulk.rs`, migration 20261209000001) on SQLite and
//! PostgreSQL: a batch registration reports the EIDs registered already (in the database
//! or twice in the batch) and writes the rest; the same operation queued set-wise for a
//! list of EIDs (another tenant's and unknown ones skipped) or for all of a tenant's; the
//! one-statement poll answers unknown / empty / claimed, hands an operation to one of two
//! concurrent processes per lease.
#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashSet;
use std::time::Duration;

use common::{backends, eid};
use rsp_eim::model::{EimCurve, EuiccRecord, EuiccState, OperationKind, PsmoSpec};
use rsp_eim::store::{BulkTarget, EimStore, Poll};

fn record(n: u64, tenant: &str) -> EuiccRecord {
    EuiccRecord {
        eid: eid(n),
        tenant: tenant.into(),
        eim_id: "eim.test".into(),
        counter_value: i64::try_from(n).unwrap(),
        association_token: n.is_multiple_of(2).then_some(7),
        curve: if n.is_multiple_of(3) {
            EimCurve::Brainpool
        } else {
            EimCurve::Nist
        },
        euicc_certificate: (n == 5).then(|| vec![0x30, 0x01, 0xAB]),
        eum_certificate: (n == 5).then(|| vec![0x30, 0x02]),
        state: EuiccState::default(),
        created_at_ms: 1,
    }
}

fn list_profiles() -> OperationKind {
    OperationKind::Psmo {
        psmos: vec![PsmoSpec::ListProfileInfo],
    }
}

#[tokio::test]
async fn a_batch_registers_set_wise_and_reports_duplicates() {
    for db in backends().await {
        db.store.register_euicc(&record(3, "t")).await.unwrap();
        let mut batch: Vec<EuiccRecord> = (1..=2000).map(|n| record(n, "t")).collect();
        batch.push(record(10, "t"));
        let duplicates = db.store.register_euiccs(&batch).await.unwrap();
        assert_eq!(duplicates, vec![eid(3), eid(10)], "{:?}", db.backend());
        for n in [1, 2, 3, 5, 6, 2000] {
            let got = db.store.euicc(&eid(n)).await.unwrap().unwrap();
            assert_eq!(got, record(n, "t"), "{:?}", db.backend());
        }
        assert!(db.store.register_euiccs(&[]).await.unwrap().is_empty());
        db.finish().await;
    }
}

#[tokio::test]
async fn the_same_operation_is_queued_for_a_list_or_a_tenant() {
    for db in backends().await {
        let batch: Vec<EuiccRecord> = (1..=50)
            .map(|n| record(n, if n > 40 { "other" } else { "t" }))
            .collect();
        assert!(db.store.register_euiccs(&batch).await.unwrap().is_empty());
        // A list: another tenant's EID (45) and an unknown one (99) are skipped.
        let list = [eid(7), eid(2), eid(45), eid(99), eid(3)];
        let (n, queued) = db
            .store
            .queue_operations("t", BulkTarget::Eids(&list), &list_profiles())
            .await
            .unwrap();
        assert_eq!(n, 3);
        assert_eq!(queued, vec![eid(7), eid(2), eid(3)], "{:?}", db.backend());
        // Operation ids follow the list's order.
        let mut ids = Vec::new();
        for n in [7, 2, 3] {
            ids.push(db.store.list_operations(&eid(n), 10).await.unwrap()[0].id);
        }
        assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
        // The whole tenant.
        let (n, _) = db
            .store
            .queue_operations("t", BulkTarget::All, &list_profiles())
            .await
            .unwrap();
        assert_eq!(n, 40);
        assert_eq!(db.store.pending_operations().await.unwrap(), 43);
        assert!(
            db.store
                .list_operations(&eid(45), 10)
                .await
                .unwrap()
                .is_empty()
        );
        db.finish().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_poll_is_one_statement_and_claims_once_per_lease() {
    for db in backends().await {
        let other = db.second_store().await;
        let batch: Vec<EuiccRecord> = (1..=20).map(|n| record(n, "t")).collect();
        db.store.register_euiccs(&batch).await.unwrap();
        let lease = Duration::from_secs(60);
        assert_eq!(
            db.store
                .poll_operation(&eid(99), 1000, lease)
                .await
                .unwrap(),
            Poll::UnknownEid
        );
        assert_eq!(
            db.store.poll_operation(&eid(1), 1000, lease).await.unwrap(),
            Poll::Empty
        );
        db.store
            .queue_operations("t", BulkTarget::All, &list_profiles())
            .await
            .unwrap();
        // Both processes poll every EID at once: each operation goes to one of them.
        let mut tasks = Vec::new();
        for n in 1..=20 {
            for s in [db.store.clone(), other.clone()] {
                tasks.push(tokio::spawn(async move {
                    s.poll_operation(&eid(n), 2000, lease).await.unwrap()
                }));
            }
        }
        let mut claimed = HashSet::new();
        let mut empty = 0;
        for t in tasks {
            match t.await.unwrap() {
                Poll::Claimed(op) => {
                    assert_eq!(op.deliveries, 1);
                    assert!(claimed.insert(op.id), "operation {} claimed twice", op.id);
                }
                Poll::Empty => empty += 1,
                Poll::UnknownEid => panic!("a registered EID unknown"),
            }
        }
        assert_eq!((claimed.len(), empty), (20, 20), "{:?}", db.backend());
        // Within the lease nothing; after it, the same operation again.
        assert_eq!(
            db.store
                .poll_operation(&eid(1), 61_000, lease)
                .await
                .unwrap(),
            Poll::Empty
        );
        let Poll::Claimed(again) = db
            .store
            .poll_operation(&eid(1), 62_001, lease)
            .await
            .unwrap()
        else {
            panic!("the lease ran out")
        };
        assert_eq!(again.deliveries, 2);
        other.close().await;
        db.finish().await;
    }
}
