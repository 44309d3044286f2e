//! Profile Packages at rest: AES-256-GCM, no plaintext Ki/OPc anywhere in the database.
#![allow(clippy::unwrap_used)]

mod common;

use common::{TestDb, backends, iccid, op};
use rsp_smdpp::store::{InventoryStore, StoreError};
use rsp_smdpp::{NewProfile, ProfilePackage};
use rsp_storage::{Backend, DataKey, SqlStore};
use sqlx::{AssertSqlSafe, Row};

/// Distinctive test values (not from any real profile).
const KI: [u8; 16] = [
    0x5A, 0xC3, 0x11, 0x9E, 0x72, 0x04, 0xD8, 0x6B, 0xF1, 0x2C, 0x83, 0x47, 0xB9, 0x05, 0xEE, 0x3D,
];
const OPC: [u8; 16] = [
    0x0F, 0xE1, 0x9A, 0x44, 0x7C, 0x21, 0xB3, 0x58, 0x06, 0xDD, 0x92, 0x6E, 0x31, 0xA7, 0xC4, 0x18,
];

/// A package holding Ki and OPc (as an AKA parameter element would), raw and as hex text.
fn package() -> Vec<u8> {
    let mut p = b"A1 AKA parameter Ki=".to_vec();
    p.extend_from_slice(&KI);
    p.extend_from_slice(b" OPc=");
    p.extend_from_slice(&OPC);
    p.extend_from_slice(
        format!(" {} {}", hex::encode_upper(KI), hex::encode_upper(OPC)).as_bytes(),
    );
    p
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

/// Fails if the bytes hold Ki or OPc raw or as hex (either case).
fn assert_no_secret(bytes: &[u8], what: &str) {
    for secret in [KI, OPC] {
        for needle in [
            secret.to_vec(),
            hex::encode(secret).into_bytes(),
            hex::encode_upper(secret).into_bytes(),
        ] {
            assert!(!contains(bytes, &needle), "{what} holds a plaintext secret");
        }
    }
}

async fn import(db: &TestDb) {
    let profiles: Vec<NewProfile> = (1..=3)
        .map(|n| NewProfile {
            iccid: iccid(n),
            operator: op("operator-a"),
            profile_type: "gold".into(),
            package: ProfilePackage::new(package()),
            metadata: rsp_smdpp::ProfileMetadata::default(),
        })
        .collect();
    db.store.import(&profiles).await.unwrap();
}

#[tokio::test]
async fn no_plaintext_secret_in_the_database() {
    for db in backends().await {
        import(&db).await;
        assert_eq!(
            db.store
                .load_package(&iccid(2))
                .await
                .unwrap()
                .unwrap()
                .expose(),
            package()
        );
        assert!(db.store.load_package(&iccid(9)).await.unwrap().is_none());
        match db.backend() {
            Backend::Sqlite => {
                // The file itself, with its WAL and shared-memory files, before and after close.
                let path = db.sqlite_path().unwrap().clone();
                let read_all = || {
                    let mut all = Vec::new();
                    for suffix in ["", "-wal", "-shm"] {
                        let mut p = path.clone().into_os_string();
                        p.push(suffix);
                        all.extend(std::fs::read(p).unwrap_or_default());
                    }
                    all
                };
                let open = read_all();
                assert!(
                    contains(&open, b"operator-a") || !open.is_empty(),
                    "files were read"
                );
                assert_no_secret(&open, "SQLite files (open)");
                db.store.close().await;
                let closed = read_all();
                assert!(
                    contains(&closed, b"8949000000000000002"),
                    "data reached the file"
                );
                assert_no_secret(&closed, "SQLite file (closed)");
            }
            Backend::Postgres => {
                // Every row of every table of the schema, as text (bytea as hex).
                let pool = db.store.pool();
                let tables: Vec<String> = sqlx::query_scalar(
                    "SELECT CAST(table_name AS TEXT) FROM information_schema.tables WHERE table_schema = 'public'",
                )
                .fetch_all(pool)
                .await
                .unwrap();
                assert!(tables.iter().any(|t| t == "smdpp_profiles"));
                let mut dump = String::new();
                for t in tables {
                    let rows = sqlx::query(AssertSqlSafe(format!(
                        "SELECT CAST(t AS TEXT) AS r FROM {t} t"
                    )))
                    .fetch_all(pool)
                    .await
                    .unwrap();
                    for r in rows {
                        dump.push_str(&r.get::<String, _>("r"));
                        dump.push('\n');
                    }
                }
                assert!(dump.contains("8949000000000000002"), "rows were read");
                assert_no_secret(dump.as_bytes(), "PostgreSQL rows");
            }
        }
        db.finish().await;
    }
}

#[tokio::test]
async fn tampered_or_foreign_ciphertext_is_refused() {
    for db in backends().await {
        import(&db).await;
        // Move row 1's ciphertext to row 2: the ICCID is the associated data.
        let pool = db.store.pool();
        let sealed: Vec<u8> =
            sqlx::query_scalar("SELECT package_enc FROM smdpp_profile_packages WHERE iccid = $1")
                .bind(iccid(1).digits())
                .fetch_one(pool)
                .await
                .unwrap();
        sqlx::query("UPDATE smdpp_profile_packages SET package_enc = $1 WHERE iccid = $2")
            .bind(sealed)
            .bind(iccid(2).digits())
            .execute(pool)
            .await
            .unwrap();
        let e = db.store.load_package(&iccid(2)).await.unwrap_err();
        assert!(matches!(e, StoreError::Crypto), "{e:?}");
        // Another key cannot read the others.
        let other = SqlStore::connect(&db.url, DataKey::new("test-key-1", &[0x43; 32]).unwrap())
            .await
            .unwrap();
        assert!(matches!(
            other.load_package(&iccid(3)).await,
            Err(StoreError::Crypto)
        ));
        other.close().await;
        assert!(db.store.load_package(&iccid(3)).await.unwrap().is_some());
        db.finish().await;
    }
}
