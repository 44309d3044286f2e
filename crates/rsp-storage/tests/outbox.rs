//! The ES2+ HandleDownloadProgressInfo outbox: written in the transaction of the state
//! change (a failure after the change rolls both back), leased, retried, delivered.
#![allow(clippy::unwrap_used)]

mod common;

use std::time::Duration;

use common::{TestDb, backends, eid, iccid, op, stock};
use rsp_codec::status::RspError;
use rsp_smdpp::ProfileState;
use rsp_smdpp::outbox::{DownloadProgress, PointStatus};
use rsp_smdpp::store::{InventoryStore, OutboxStore};
use rsp_storage::Backend;
use sqlx::Executor;

const OP: &str = "operator-a";

fn message(point: u32, status: PointStatus) -> DownloadProgress {
    DownloadProgress {
        operator: op(OP),
        iccid: iccid(1),
        eid: Some(eid(1)),
        profile_type: "gold".into(),
        timestamp_ms: 1_000,
        notification_point_id: point,
        status,
        result_data: Some(vec![0xBF, 0x37, 0x00]),
    }
}

async fn outbox_rows(db: &TestDb) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM smdpp_es2plus_outbox")
        .fetch_one(db.store.pool())
        .await
        .unwrap()
}

/// Makes every outbox insert fail, as a crash or constraint failure after the UPDATE would.
async fn inject_outbox_failure(db: &TestDb) {
    let pool = db.store.pool();
    match db.backend() {
        Backend::Sqlite => {
            pool.execute(
                "CREATE TRIGGER fail_outbox BEFORE INSERT ON smdpp_es2plus_outbox \
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END",
            )
            .await
            .unwrap();
        }
        Backend::Postgres => {
            pool.execute(
                "CREATE FUNCTION fail_outbox() RETURNS trigger LANGUAGE plpgsql AS \
                 $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$",
            )
            .await
            .unwrap();
            pool.execute(
                "CREATE TRIGGER fail_outbox BEFORE INSERT ON smdpp_es2plus_outbox \
                 FOR EACH ROW EXECUTE FUNCTION fail_outbox()",
            )
            .await
            .unwrap();
        }
    }
}

#[tokio::test]
async fn outbox_row_is_atomic_with_the_state_change() {
    for db in backends().await {
        db.store.import(&stock(OP, "gold", 1, 1)).await.unwrap();
        let before = db.store.get(&op(OP), &iccid(1)).await.unwrap().unwrap();
        let mut next = before.clone();
        next.state = ProfileState::Linked;
        next.eid = Some(eid(1));

        inject_outbox_failure(&db).await;
        let msg = message(3, PointStatus::Success);
        assert!(
            db.store
                .update(&next, std::slice::from_ref(&msg))
                .await
                .is_err()
        );
        let after = db.store.get(&op(OP), &iccid(1)).await.unwrap().unwrap();
        assert_eq!(
            after,
            before,
            "{:?}: the state change was rolled back",
            db.backend()
        );
        assert_eq!(outbox_rows(&db).await, 0);

        db.store
            .pool()
            .execute("DROP TRIGGER fail_outbox ON smdpp_es2plus_outbox")
            .await
            .ok();
        db.store
            .pool()
            .execute("DROP TRIGGER IF EXISTS fail_outbox")
            .await
            .ok();
        let updated = db.store.update(&next, &[msg]).await.unwrap();
        assert_eq!(updated.version, before.version + 1);
        assert_eq!(outbox_rows(&db).await, 1);
        assert_eq!(db.store.pending_count().await.unwrap(), 1);
        db.finish().await;
    }
}

#[tokio::test]
async fn outbox_lease_retry_and_delivery() {
    for db in backends().await {
        db.store.import(&stock(OP, "gold", 1, 1)).await.unwrap();
        let mut r = db.store.get(&op(OP), &iccid(1)).await.unwrap().unwrap();
        r.state = ProfileState::Linked;
        r.eid = Some(eid(1));
        let failed = message(
            4,
            PointStatus::Failed(RspError::EuiccVerificationFailed.status_code()),
        );
        let ok = message(3, PointStatus::Success);
        db.store
            .update(&r, &[ok.clone(), failed.clone()])
            .await
            .unwrap();

        let lease = Duration::from_secs(60);
        assert!(
            db.store.claim_due(999, lease, 10).await.unwrap().is_empty(),
            "not due yet"
        );
        let got = db.store.claim_due(1_000, lease, 10).await.unwrap();
        assert_eq!(got.len(), 2);
        let by_point = |p: u32| {
            got.iter()
                .find(|e| e.message.notification_point_id == p)
                .unwrap()
        };
        assert_eq!(by_point(3).message, ok);
        assert_eq!(by_point(4).message, failed);
        assert!(got.iter().all(|e| e.attempts == 1));
        // Leased: another sender gets nothing until the lease ends.
        assert!(
            db.store
                .claim_due(2_000, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );

        db.store
            .mark_delivered(by_point(3).id, 2_000)
            .await
            .unwrap();
        db.store
            .reschedule(by_point(4).id, 5_000, "HTTP 503")
            .await
            .unwrap();
        assert!(
            db.store
                .claim_due(4_999, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );
        let again = db.store.claim_due(5_000, lease, 10).await.unwrap();
        assert_eq!(again.len(), 1);
        assert_eq!((again[0].id, again[0].attempts), (by_point(4).id, 2));
        db.store
            .abandon(again[0].id, 6_000, "retries exhausted")
            .await
            .unwrap();
        assert_eq!(db.store.pending_count().await.unwrap(), 0);
        assert!(
            db.store
                .claim_due(i64::MAX / 2, lease, 10)
                .await
                .unwrap()
                .is_empty()
        );
        db.finish().await;
    }
}
