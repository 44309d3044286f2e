//! Test fixtures: a fresh database per test on every available backend.
//!
//! SQLite: a new file in a temporary directory. PostgreSQL: a new database from
//! [`rsp_testkit::pg::PgDb`] (skipped with a printed line when PostgreSQL is unreachable,
//! unless `CI` is set). Both are removed when the [`TestDb`] is dropped.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::PathBuf;

use rsp_codec::json::{Eid, Iccid};
use rsp_codec::status::RspError;
use rsp_smdpp::es2plus::Es2PlusError;
use rsp_smdpp::{NewProfile, OperatorId, ProfileMetadata, ProfilePackage};
use rsp_storage::{Backend, DataKey, SqlStore};
use rsp_testkit::fs::TempDir;
use rsp_testkit::pg::PgDb;

pub fn key() -> DataKey {
    DataKey::new("test-key-1", &[0x42; 32]).unwrap()
}

enum Cleanup {
    /// The SQLite file lives in the directory, removed with it.
    Sqlite {
        _dir: TempDir,
        path: PathBuf,
    },
    Postgres(PgDb),
}

/// One migrated database, removed on drop (also after a panic).
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

    /// Closes the pool and removes the database.
    pub async fn finish(self) {
        self.store.close().await;
    }

    /// SQLite file path (SQLite only).
    pub fn sqlite_path(&self) -> Option<&PathBuf> {
        match &self.cleanup {
            Cleanup::Sqlite { path, .. } => Some(path),
            Cleanup::Postgres(_) => None,
        }
    }
}

pub async fn sqlite() -> TestDb {
    let dir = TempDir::new();
    let path = dir.0.join("rsp_test.sqlite");
    let url = format!("sqlite://{}?mode=rwc", path.display());
    let store = SqlStore::open_sqlite(&path, key()).await.unwrap();
    store.migrate().await.unwrap();
    TestDb {
        store,
        url,
        cleanup: Cleanup::Sqlite { _dir: dir, path },
    }
}

/// `None` (after printing why) when PostgreSQL is unreachable and `CI` is unset.
pub async fn postgres() -> Option<TestDb> {
    let pg = PgDb::create().await?;
    Some(TestDb {
        store: pg.store(key()).await,
        url: pg.url.clone(),
        cleanup: Cleanup::Postgres(pg),
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
