//! Schema migrations, embedded at build time: one folder per backend with the same schema
//! intent (`migrations/sqlite`, `migrations/postgres`), the same versions and descriptions.

use std::borrow::Cow;

use sqlx::SqlStr;
use sqlx::migrate::{Migration, MigrationType, Migrator};

use crate::backend::Backend;

/// (version, description, SQLite SQL, PostgreSQL SQL).
const MIGRATIONS: &[(i64, &str, &str, &str)] = &[
    (
        20261128000001,
        "smdpp inventory",
        include_str!("../migrations/sqlite/20261128000001_smdpp_inventory.sql"),
        include_str!("../migrations/postgres/20261128000001_smdpp_inventory.sql"),
    ),
    (
        20261128000002,
        "smdpp es9plus",
        include_str!("../migrations/sqlite/20261128000002_smdpp_es9plus.sql"),
        include_str!("../migrations/postgres/20261128000002_smdpp_es9plus.sql"),
    ),
    (
        20261203000001,
        "smdpp packages",
        include_str!("../migrations/sqlite/20261203000001_smdpp_packages.sql"),
        include_str!("../migrations/postgres/20261203000001_smdpp_packages.sql"),
    ),
    (
        20261203000002,
        "smdpp es9plus writes",
        include_str!("../migrations/sqlite/20261203000002_smdpp_es9plus_writes.sql"),
        include_str!("../migrations/postgres/20261203000002_smdpp_es9plus_writes.sql"),
    ),
    (
        20261205000001,
        "smdpp order controls",
        include_str!("../migrations/sqlite/20261205000001_smdpp_order_controls.sql"),
        include_str!("../migrations/postgres/20261205000001_smdpp_order_controls.sql"),
    ),
    (
        20261205000002,
        "smdpp download retry",
        include_str!("../migrations/sqlite/20261205000002_smdpp_download_retry.sql"),
        include_str!("../migrations/postgres/20261205000002_smdpp_download_retry.sql"),
    ),
    (
        20261206000001,
        "smds",
        include_str!("../migrations/sqlite/20261206000001_smds.sql"),
        include_str!("../migrations/postgres/20261206000001_smds.sql"),
    ),
    (
        20261206000002,
        "smdpp smds events",
        include_str!("../migrations/sqlite/20261206000002_smdpp_smds_events.sql"),
        include_str!("../migrations/postgres/20261206000002_smdpp_smds_events.sql"),
    ),
    (
        20261206000003,
        "audit",
        include_str!("../migrations/sqlite/20261206000003_audit.sql"),
        include_str!("../migrations/postgres/20261206000003_audit.sql"),
    ),
    (
        20261207000001,
        "eim",
        include_str!("../migrations/sqlite/20261207000001_eim.sql"),
        include_str!("../migrations/postgres/20261207000001_eim.sql"),
    ),
    (
        20261208000001,
        "eim relay",
        include_str!("../migrations/sqlite/20261208000001_eim_relay.sql"),
        include_str!("../migrations/postgres/20261208000001_eim_relay.sql"),
    ),
    (
        20261209000001,
        "eim fleet",
        include_str!("../migrations/sqlite/20261209000001_eim_fleet.sql"),
        include_str!("../migrations/postgres/20261209000001_eim_fleet.sql"),
    ),
    (
        20261210000001,
        "smsr",
        include_str!("../migrations/sqlite/20261210000001_smsr.sql"),
        include_str!("../migrations/postgres/20261210000001_smsr.sql"),
    ),
    (
        20261211000001,
        "smdp",
        include_str!("../migrations/sqlite/20261211000001_smdp.sql"),
        include_str!("../migrations/postgres/20261211000001_smdp.sql"),
    ),
    (
        20261212000002,
        "smdp notifications",
        include_str!("../migrations/sqlite/20261212000002_smdp_notifications.sql"),
        include_str!("../migrations/postgres/20261212000002_smdp_notifications.sql"),
    ),
    (
        20261212000005,
        "smdp order lease",
        include_str!("../migrations/sqlite/20261212000005_smdp_order_lease.sql"),
        include_str!("../migrations/postgres/20261212000005_smdp_order_lease.sql"),
    ),
    (
        20261212000031,
        "smsr change",
        include_str!("../migrations/sqlite/20261212000031_smsr_change.sql"),
        include_str!("../migrations/postgres/20261212000031_smsr_change.sql"),
    ),
    (
        20261212000041,
        "smdp smsr change notifications",
        include_str!("../migrations/sqlite/20261212000041_smdp_smsr_change_notifications.sql"),
        include_str!("../migrations/postgres/20261212000041_smdp_smsr_change_notifications.sql"),
    ),
    (
        20261212000042,
        "smdp result order",
        include_str!("../migrations/sqlite/20261212000042_smdp_result_order.sql"),
        include_str!("../migrations/postgres/20261212000042_smdp_result_order.sql"),
    ),
];

/// The migrator of `backend`.
pub(crate) fn migrator(backend: Backend) -> Migrator {
    Migrator::with_migrations(migrations(backend))
}

/// Every migration of `backend`, oldest first.
fn migrations(backend: Backend) -> Vec<Migration> {
    MIGRATIONS
        .iter()
        .map(|&(version, description, sqlite, postgres)| {
            let sql = match backend {
                Backend::Sqlite => sqlite,
                Backend::Postgres => postgres,
            };
            Migration::new(
                version,
                Cow::Borrowed(description),
                MigrationType::Simple,
                SqlStr::from_static(sql),
                false,
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;
    use crate::{DataKey, SqlStore};
    use rsp_codec::json::Iccid;
    use rsp_crypto::Curve;
    use rsp_pki::{Role, TestPki, TestPkiOptions};
    use rsp_smdpp::ProfilePackage;
    use rsp_smdpp::session::SessionStore;
    use rsp_smdpp::store::{InventoryStore, StoreError, UniqueKey};

    /// The migrator of `backend` up to and including `version`.
    fn migrator_upto(backend: Backend, version: i64) -> Migrator {
        let mut kept = migrations(backend);
        kept.retain(|m| m.version <= version);
        Migrator::with_migrations(kept)
    }

    /// 20261203000001 moves each package from its Profile row to `smdpp_profile_packages`
    /// unchanged (still decrypts, still bound to its ICCID) and records its plain size.
    async fn packages_survive(store: &SqlStore) {
        migrator_upto(store.backend, 20261128000002)
            .run(&store.pool)
            .await
            .unwrap();
        let iccid = Iccid::parse("8949000000000000017").unwrap();
        let package = ProfilePackage::new(vec![0xA5; 12_345]);
        let sealed = store.key.seal(iccid.digits(), &package).unwrap();
        sqlx::query(
            "INSERT INTO smdpp_profiles (iccid, operator_id, profile_type, state, package_enc, \
             package_key_id, created_at_ms, updated_at_ms) \
             VALUES ($1, 'op', 'type', 'Available', $2, $3, 0, 0)",
        )
        .bind(iccid.digits())
        .bind(sealed)
        .bind(store.key.id())
        .execute(&store.pool)
        .await
        .unwrap();
        store.migrate().await.unwrap();
        let loaded = store.load_package(&iccid).await.unwrap().unwrap();
        assert_eq!(loaded.expose(), package.expose());
        let record = store.find_by_iccid(&iccid).await.unwrap().unwrap();
        assert_eq!(record.package_size, 12_345);
    }

    /// 20261203000002: a session stored with the whole eUICC certificate still yields its
    /// public key, and the challenges used before stay used.
    async fn sessions_survive(store: &SqlStore) {
        migrator_upto(store.backend, 20261203000001)
            .run(&store.pool)
            .await
            .unwrap();
        let pki = TestPki::generate(Curve::NistP256, &TestPkiOptions::default()).unwrap();
        let euicc = &pki.get(Role::Euicc).unwrap().cert;
        let tid = [0x5Au8; 16];
        let used = [0x11u8; 16];
        sqlx::query(
            "INSERT INTO smdpp_rsp_sessions (transaction_id, phase, ci_key_id, euicc_challenge, \
             server_challenge, euicc_certificate, created_at_ms, expires_at_ms) \
             VALUES ($1, 'Authenticated', $2, $3, $3, $4, 0, 9007199254740991)",
        )
        .bind("5A".repeat(16))
        .bind(&[1u8, 2][..])
        .bind(&used[..])
        .bind(euicc.der())
        .execute(&store.pool)
        .await
        .unwrap();
        sqlx::query("INSERT INTO smdpp_euicc_challenges VALUES ($1, 0)")
            .bind(&used[..])
            .execute(&store.pool)
            .await
            .unwrap();
        store.migrate().await.unwrap();

        let session = store.get_session(&tid).await.unwrap().unwrap();
        assert_eq!(
            session.euicc_public_key.as_deref(),
            Some(euicc.public_key().to_spki_der().as_slice())
        );
        let mut replay = session.clone();
        replay.transaction_id = vec![0x77; 16];
        assert!(matches!(
            store.create_session(&replay).await,
            Err(StoreError::Duplicate(UniqueKey::EuiccChallenge))
        ));
    }

    fn key() -> DataKey {
        DataKey::new("k", &[7; 32]).unwrap()
    }

    #[tokio::test]
    async fn upgrades_keep_packages_and_sessions_sqlite() {
        let dir = rsp_testkit::fs::TempDir::new();
        for (file, check) in [("p.db", 0), ("s.db", 1)] {
            let store = SqlStore::open_sqlite(&dir.path().join(file), key())
                .await
                .unwrap();
            if check == 0 {
                packages_survive(&store).await;
            } else {
                sessions_survive(&store).await;
            }
            store.close().await;
        }
    }

    #[tokio::test]
    async fn upgrades_keep_packages_and_sessions_postgres() {
        for check in [0, 1] {
            let Some(pg) = rsp_testkit::pg::PgDb::create().await else {
                return;
            };
            let store = SqlStore::connect(&pg.url, key()).await.unwrap();
            if check == 0 {
                packages_survive(&store).await;
            } else {
                sessions_survive(&store).await;
            }
            store.close().await;
        }
    }
}
