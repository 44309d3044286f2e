//! A fresh PostgreSQL database per test.
//!
//! The database `rsp_test_<random>` is created through the maintenance database of
//! `RSP_TEST_POSTGRES_URL` (default [`DEFAULT_ADMIN_URL`]) and dropped when the [`PgDb`] is
//! dropped. When PostgreSQL is unreachable, [`PgDb::create`] prints why and returns `None`
//! so the test can skip its PostgreSQL half, unless `CI` is set: then it panics, so CI
//! cannot skip silently.

use std::time::Duration;

use rsp_storage::{DataKey, SqlStore};
use sqlx::{AssertSqlSafe, Connection, Executor, PgConnection};

/// The maintenance database used when `RSP_TEST_POSTGRES_URL` is unset.
pub const DEFAULT_ADMIN_URL: &str = "postgres://postgres@127.0.0.1:5432/postgres";

/// An empty test database, dropped (`WITH (FORCE)`, so open pools do not block it) on drop.
pub struct PgDb {
    /// Connection URL of the test database.
    pub url: String,
    admin_url: String,
    name: String,
}

impl PgDb {
    /// Creates the database; `None` (after printing why) when PostgreSQL is unreachable and
    /// `CI` is unset.
    pub async fn create() -> Option<Self> {
        let admin_url =
            std::env::var("RSP_TEST_POSTGRES_URL").unwrap_or_else(|_| DEFAULT_ADMIN_URL.to_owned());
        let connect =
            tokio::time::timeout(Duration::from_secs(5), PgConnection::connect(&admin_url)).await;
        let mut admin = match connect {
            Ok(Ok(c)) => c,
            failure => {
                let why = match failure {
                    Ok(Err(e)) => e.to_string(),
                    _ => "timeout".to_owned(),
                };
                assert!(
                    std::env::var_os("CI").is_none(),
                    "PostgreSQL at {admin_url} unreachable ({why}) and CI is set"
                );
                println!(
                    "SKIP PostgreSQL half: {admin_url} unreachable ({why}); set CI to make this fatal"
                );
                return None;
            }
        };
        let name = format!("rsp_test_{}", crate::random_hex(8));
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
        Some(PgDb {
            url,
            admin_url,
            name,
        })
    }

    /// A new pool on the database, migrated, encrypting with `key`.
    pub async fn store(&self, key: DataKey) -> SqlStore {
        let store = SqlStore::connect(&self.url, key).await.unwrap();
        store.migrate().await.unwrap();
        store
    }
}

impl Drop for PgDb {
    fn drop(&mut self) {
        // Drop may run inside the test's runtime: use a thread with its own.
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        let dropped = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .unwrap();
            rt.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.unwrap();
                let sql = format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)");
                admin.execute(AssertSqlSafe(sql)).await.unwrap();
            });
        })
        .join();
        if dropped.is_err() {
            eprintln!("could not drop test database {}", self.name);
        }
    }
}
