//! Test fixtures: a fresh database per test on every available backend.
//!
//! SQLite: a new file in the temp directory. PostgreSQL: a new database `rsp_test_<random>`
//! created through the maintenance database of `RSP_TEST_POSTGRES_URL` (default
//! `postgres://postgres@127.0.0.1:5432/postgres`) and dropped by [`TestDb::finish`]. When
//! PostgreSQL is unreachable the PostgreSQL half is skipped with a printed line, unless `CI`
//! is set: then the test fails, so CI cannot skip silently.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;
use std::time::Duration;

use rsp_codec::json::{Eid, Iccid};
use rsp_codec::status::RspError;
use rsp_smdpp::es2plus::Es2PlusError;
use rsp_smdpp::{NewProfile, OperatorId, ProfileMetadata, ProfilePackage};
use rsp_storage::{Backend, DataKey, SqlStore};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

pub fn key() -> DataKey {
    DataKey::new("test-key-1", &[0x42; 32]).unwrap()
}

fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).unwrap();
    hex::encode(b)
}

enum Cleanup {
    Sqlite(PathBuf),
    Postgres { admin_url: String, name: String },
}

/// One migrated database.
pub struct TestDb {
    pub store: SqlStore,
    pub url: String,
    cleanup: Cleanup,
}

impl TestDb {
    pub fn backend(&self) -> Backend {
        self.store.backend()
    }

    /// Another pool on the same database (a second server process).
    pub async fn second_store(&self) -> SqlStore {
        SqlStore::connect(&self.url, key()).await.unwrap()
    }

    /// Closes the pool and removes the database (also done on drop, e.g. after a panic).
    pub async fn finish(self) {
        self.store.close().await;
    }

    /// SQLite file path (SQLite only).
    pub fn sqlite_path(&self) -> Option<&PathBuf> {
        match &self.cleanup {
            Cleanup::Sqlite(p) => Some(p),
            Cleanup::Postgres { .. } => None,
        }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        match &self.cleanup {
            Cleanup::Sqlite(path) => {
                for suffix in ["", "-wal", "-shm"] {
                    let mut p = path.clone().into_os_string();
                    p.push(suffix);
                    let _ = std::fs::remove_file(p);
                }
            }
            Cleanup::Postgres { admin_url, name } => {
                // Drop may run inside the test's runtime: use a thread with its own.
                let (admin_url, db_name) = (admin_url.clone(), name.clone());
                let dropped = std::thread::spawn(move || {
                    let rt = tokio::runtime::Builder::new_current_thread()
                        .enable_all()
                        .build()
                        .unwrap();
                    rt.block_on(async {
                        let mut admin = PgConnection::connect(&admin_url).await.unwrap();
                        let sql = format!("DROP DATABASE IF EXISTS {db_name} WITH (FORCE)");
                        admin.execute(AssertSqlSafe(sql)).await.unwrap();
                    });
                })
                .join();
                if dropped.is_err() {
                    eprintln!("could not drop test database {name}");
                }
            }
        }
    }
}

pub async fn sqlite() -> TestDb {
    let path = std::env::temp_dir().join(format!("rsp_test_{}.sqlite", random_hex(8)));
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = SqlStore::open_sqlite(&path, key()).await.unwrap();
    store.migrate().await.unwrap();
    TestDb {
        store,
        url,
        cleanup: Cleanup::Sqlite(path),
    }
}

/// `None` (after printing why) when PostgreSQL is unreachable and `CI` is unset.
pub async fn postgres() -> Option<TestDb> {
    let admin_url =
        std::env::var("RSP_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
    let admin =
        tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(&admin_url)).await;
    let mut admin = match admin {
        Ok(Ok(c)) => c,
        failure => {
            let why = match failure {
                Ok(Err(e)) => e.to_string(),
                _ => "timeout".to_owned(),
            };
            if std::env::var_os("CI").is_some() {
                panic!("PostgreSQL at {admin_url} unreachable ({why}) and CI is set");
            }
            println!(
                "SKIP PostgreSQL half: {admin_url} unreachable ({why}); set CI to make this fatal"
            );
            return None;
        }
    };
    let name = format!("rsp_test_{}", random_hex(8));
    admin
        .execute(AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .await
        .unwrap();
    admin.close().await.unwrap();
    let (base, query) = match admin_url.split_once('?') {
        Some((b, q)) => (b, format!("?{q}")),
        None => (admin_url.as_str(), String::new()),
    };
    let (server, _) = base.rsplit_once('/').unwrap();
    let url = format!("{server}/{name}{query}");
    let store = SqlStore::connect(&url, key()).await.unwrap();
    store.migrate().await.unwrap();
    Some(TestDb {
        store,
        url,
        cleanup: Cleanup::Postgres { admin_url, name },
    })
}

/// SQLite, then PostgreSQL when reachable.
pub async fn backends() -> Vec<TestDb> {
    let mut v = vec![sqlite().await];
    v.extend(postgres().await);
    v
}

pub fn iccid(n: u64) -> Iccid {
    Iccid::parse(&format!("89490000{n:011}")).unwrap()
}

pub fn eid(n: u64) -> Eid {
    Eid::parse(&format!("89049032{n:024}")).unwrap()
}

pub fn op(name: &str) -> OperatorId {
    OperatorId::new(name)
}

/// `n` Profiles of `profile_type` for `operator`, ICCIDs `first..first+n`.
pub fn stock(operator: &str, profile_type: &str, first: u64, n: u64) -> Vec<NewProfile> {
    (first..first + n)
        .map(|i| NewProfile {
            iccid: iccid(i),
            operator: op(operator),
            profile_type: profile_type.to_owned(),
            package: ProfilePackage::new(format!("package of {i}").into_bytes()),
            metadata: ProfileMetadata::default(),
        })
        .collect()
}

/// "subject/reason" of a refusal.
pub fn code(e: &Es2PlusError) -> String {
    let r: RspError = e.rsp_error();
    format!("{}/{}", r.subject_code(), r.reason_code())
}

/// "subject/reason" of a result expected to fail.
pub fn err_code<T: std::fmt::Debug>(r: Result<T, Es2PlusError>) -> String {
    code(&r.expect_err("expected a refusal"))
}
