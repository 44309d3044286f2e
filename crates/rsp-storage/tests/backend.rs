//! Connection setup and schema management on both backends.
#![allow(clippy::unwrap_used)]

mod common;

use common::{backends, iccid, key, op, stock};
use rsp_smdpp::store::{InventoryStore, StoreError, UniqueKey};
use rsp_storage::{Backend, SqlStore};

#[tokio::test]
async fn sqlite_runs_in_wal_mode_with_a_busy_timeout() {
    let db = common::sqlite().await;
    let mode: String = sqlx::query_scalar("PRAGMA journal_mode")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(mode, "wal");
    let timeout: i64 = sqlx::query_scalar("PRAGMA busy_timeout")
        .fetch_one(db.store.pool())
        .await
        .unwrap();
    assert_eq!(timeout, 30_000);
    db.finish().await;
}

/// Commits only append to the WAL; the background checkpointer moves the pages into the
/// database file soon after (no request pays for a checkpoint).
#[tokio::test]
async fn sqlite_wal_is_checkpointed_in_the_background() {
    let db = common::sqlite().await;
    let path = db.sqlite_path().unwrap().clone();
    db.store.import(&stock("op", "T", 0, 2000)).await.unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    let size = || std::fs::metadata(&path).map_or(0, |m| m.len());
    while size() < 200_000 {
        assert!(
            std::time::Instant::now() < deadline,
            "database file still {} bytes: the WAL was not checkpointed",
            size()
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    db.finish().await;
}

#[tokio::test]
async fn migrations_are_idempotent_and_recorded() {
    for db in backends().await {
        db.store.migrate().await.unwrap();
        let second = db.second_store().await;
        second.migrate().await.unwrap();
        second.close().await;
        let versions: Vec<i64> =
            sqlx::query_scalar("SELECT version FROM _sqlx_migrations ORDER BY version")
                .fetch_all(db.store.pool())
                .await
                .unwrap();
        assert_eq!(
            versions,
            vec![
                20261128000001,
                20261128000002,
                20261203000001,
                20261203000002,
                20261205000001,
                20261205000002,
                20261206000001,
                20261206000002,
                20261206000003,
                20261207000001,
                20261208000001,
                20261209000001,
                20261210000001,
                20261211000001,
                20261212000002,
                20261212000005,
                20261212000031,
                20261212000041,
                20261212000042
            ],
            "{:?}",
            db.backend()
        );
        db.finish().await;
    }
}

#[tokio::test]
async fn unknown_url_schemes_are_refused() {
    assert_eq!(Backend::of_url("sqlite://x.db"), Some(Backend::Sqlite));
    assert_eq!(
        Backend::of_url("postgresql://h/db"),
        Some(Backend::Postgres)
    );
    assert!(SqlStore::connect("mysql://h/db", key()).await.is_err());
}

#[tokio::test]
async fn import_is_all_or_nothing() {
    for db in backends().await {
        db.store
            .import(&stock("operator-a", "gold", 1, 2))
            .await
            .unwrap();
        // ICCIDs 3 and 4 are new, 2 is a duplicate (even for another Operator).
        let e = db
            .store
            .import(&stock("operator-b", "gold", 2, 3))
            .await
            .unwrap_err();
        assert!(
            matches!(e, StoreError::Duplicate(UniqueKey::Iccid)),
            "{e:?}"
        );
        assert!(
            db.store
                .get(&op("operator-b"), &iccid(3))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            db.store
                .get(&op("operator-b"), &iccid(2))
                .await
                .unwrap()
                .is_none()
        );
        assert!(
            db.store
                .get(&op("operator-a"), &iccid(2))
                .await
                .unwrap()
                .is_some()
        );
        db.finish().await;
    }
}
