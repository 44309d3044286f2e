//! The database handle. The stores run their statements through [`crate::db::Conn`]: rusqlite
//! on SQLite, sqlx on PostgreSQL, one code path; the few dialect differences live in
//! [`crate::sql`]. An sqlx `Any` pool over either database also serves migrations,
//! administration queries and tests ([`SqlStore::pool`]).

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rsp_smdpp::store::StoreError;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::cipher::DataKey;
use crate::db::Conn;
use crate::error::db;
use crate::sqlite::{self, SqliteDb, Synchronous};

/// Which database a store talks to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// Embedded, one file (the default deployment).
    Sqlite,
    /// Shared by several server processes.
    Postgres,
}

impl Backend {
    /// The backend a URL names (`sqlite:…`, `postgres://…`, `postgresql://…`).
    pub fn of_url(url: &str) -> Option<Self> {
        if url.starts_with("sqlite:") {
            Some(Self::Sqlite)
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Some(Self::Postgres)
        } else {
            None
        }
    }
}

/// Pool settings.
#[derive(Debug, Clone)]
pub struct PoolConfig {
    /// Connections kept by the pool.
    pub max_connections: u32,
    /// How long to wait for a connection from the pool.
    pub acquire_timeout: Duration,
}

impl Default for PoolConfig {
    /// 8 connections, 30 s acquire timeout.
    fn default() -> Self {
        Self {
            max_connections: 8,
            acquire_timeout: Duration::from_secs(30),
        }
    }
}

/// The SQL store of the SM-DP+ (implements `InventoryStore` and `OutboxStore`). Cheap to
/// clone: clones share the pool.
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) key: Arc<DataKey>,
    /// The rusqlite connections of a SQLite store.
    sqlite: Option<Arc<SqliteDb>>,
}

impl SqlStore {
    /// Connects to `url` with the default [`PoolConfig`] (does not migrate).
    pub async fn connect(url: &str, key: DataKey) -> Result<Self, StoreError> {
        Self::connect_with(url, key, &PoolConfig::default()).await
    }

    /// Opens (creating if missing) the SQLite database file `path`.
    pub async fn open_sqlite(path: &Path, key: DataKey) -> Result<Self, StoreError> {
        let url = format!("sqlite://{}?mode=rwc", url_escape(&path.to_string_lossy()));
        Self::connect(&url, key).await
    }

    /// Connects to `url` (`sqlite://FILE?mode=rwc` or `postgres://…`).
    pub async fn connect_with(
        url: &str,
        key: DataKey,
        config: &PoolConfig,
    ) -> Result<Self, StoreError> {
        let backend = Backend::of_url(url).ok_or(StoreError::Corrupt("database URL scheme"))?;
        let (url, sync) = match backend {
            Backend::Sqlite => take_synchronous(url)?,
            Backend::Postgres => (url.to_owned(), Synchronous::default()),
        };
        let url = url.as_str();
        install_default_drivers();
        let pool = AnyPoolOptions::new()
            .max_connections(config.max_connections)
            .acquire_timeout(config.acquire_timeout)
            // A local SQLite file cannot drop the connection: skip the ping round trip to
            // the connection's worker thread on every acquire (measured in the SM-DP+
            // profile). PostgreSQL keeps it, to replace connections the server closed.
            .test_before_acquire(backend != Backend::Sqlite)
            .after_connect(move |conn, _| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute(sqlite::PRAGMAS).await?;
                        conn.execute(sync.pragma()).await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(db)?;
        let sqlite = match backend {
            Backend::Sqlite => Some(Arc::new(SqliteDb::open(&sqlite_path(url), sync)?)),
            Backend::Postgres => None,
        };
        Ok(Self {
            pool,
            backend,
            key: Arc::new(key),
            sqlite,
        })
    }

    /// Applies the pending schema migrations of this backend.
    pub async fn migrate(&self) -> Result<(), StoreError> {
        crate::migrate::migrator(self.backend)
            .run(&self.pool)
            .await
            .map_err(crate::error::migrate)
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The pool (administration and tests).
    pub fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Closes all connections.
    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Starts a write transaction: on SQLite a savepoint in a group transaction (`BEGIN
    /// IMMEDIATE` takes the write lock at once, so a read-then-write transaction cannot fail
    /// on lock upgrade; see [`crate::group_commit`]), plain `BEGIN` (READ COMMITTED) on
    /// PostgreSQL, where the statements lock rows themselves.
    pub(crate) async fn begin_write(&self) -> Result<Tx, StoreError> {
        match &self.sqlite {
            Some(s) => s.write().await.map(Tx::Sqlite),
            None => self.pool.begin().await.map(Tx::Postgres).map_err(db),
        }
    }

    /// The statement of the pair `sqlite`, `postgres` for this backend.
    pub(crate) fn pick(&self, sqlite: &'static str, postgres: &'static str) -> &'static str {
        match self.backend {
            Backend::Sqlite => sqlite,
            Backend::Postgres => postgres,
        }
    }

    /// Claims the due rows of a role's outbox ([`crate::sql::RoleOutbox`]) for `lease`
    /// seconds from `now`, at most `limit`, each mapped by `f`; in the order they were queued.
    pub(crate) async fn claim_role_outbox<T: Send>(
        &self,
        outbox: &crate::sql::RoleOutbox,
        now: i64,
        limit: i64,
        lease: i64,
        f: impl Fn(&dyn crate::db::RowRead) -> Result<T, StoreError> + Send,
    ) -> Result<Vec<T>, StoreError> {
        let sql = self.pick(outbox.claim_sqlite, outbox.claim_postgres);
        let mut claimed = self
            .write_rows(
                sql,
                &[now.into(), now.saturating_add(lease).into(), limit.into()],
                move |r| Ok((r.int("id")?, f(r)?)),
            )
            .await?;
        claimed.sort_by_key(|(id, _)| *id);
        Ok(claimed.into_iter().map(|(_, item)| item).collect())
    }

    /// Ends a row of a role's outbox: delivered (`done`) or given up (`failed`).
    pub(crate) async fn role_outbox_ended(
        &self,
        outbox: &crate::sql::RoleOutbox,
        id: i64,
        delivered: bool,
    ) -> Result<(), StoreError> {
        let state = if delivered { "done" } else { "failed" };
        self.write_exec(outbox.ended, &[id.into(), state.into()])
            .await
            .map(drop)
    }

    /// Reschedules a pending row of a role's outbox to `at`.
    pub(crate) async fn role_outbox_retry(
        &self,
        outbox: &crate::sql::RoleOutbox,
        id: i64,
        at: i64,
    ) -> Result<(), StoreError> {
        self.write_exec(outbox.retry, &[id.into(), at.into()])
            .await
            .map(drop)
    }

    /// One statement in its own write transaction, mapping the rows it returns (the
    /// roles whose stores run one statement per call: eIM, SM-SR, M2M SM-DP).
    pub(crate) async fn write_rows<T: Send>(
        &self,
        sql: &'static str,
        params: &[crate::db::Param<'_>],
        f: impl Fn(&dyn crate::db::RowRead) -> Result<T, StoreError> + Send,
    ) -> Result<Vec<T>, StoreError> {
        let mut tx = self.begin_write().await?;
        let rows = tx.conn().fetch_all(sql, params, f).await?;
        tx.commit().await?;
        Ok(rows)
    }

    /// One statement in its own write transaction; the rows it changed.
    pub(crate) async fn write_exec(
        &self,
        sql: &'static str,
        params: &[crate::db::Param<'_>],
    ) -> Result<u64, StoreError> {
        let mut tx = self.begin_write().await?;
        let n = tx.conn().execute(sql, params).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// One query outside a transaction, mapping every row.
    pub(crate) async fn read_rows<T>(
        &self,
        sql: &'static str,
        params: &[crate::db::Param<'_>],
        f: impl Fn(&dyn crate::db::RowRead) -> Result<T, StoreError> + Send,
    ) -> Result<Vec<T>, StoreError> {
        let mut r = self.read().await?;
        let read = r.conn()?.fetch_all(sql, params, f).await;
        r.settle(read).await
    }

    /// A connection for reads outside a transaction.
    pub(crate) async fn read(&self) -> Result<Reader<'_>, StoreError> {
        match &self.sqlite {
            Some(s) => s.read().map(Reader::Sqlite),
            None => self.pool.acquire().await.map(Reader::Postgres).map_err(db),
        }
    }
}

/// A write transaction; rolled back when dropped before [`Tx::commit`].
pub(crate) enum Tx {
    Sqlite(sqlite::WriteTx),
    Postgres(Transaction<'static, Any>),
}

impl Tx {
    pub(crate) fn conn(&mut self) -> Conn<'_> {
        match self {
            Tx::Sqlite(t) => Conn::Sqlite(t.conn()),
            Tx::Postgres(t) => Conn::Postgres(t),
        }
    }

    pub(crate) async fn commit(self) -> Result<(), StoreError> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await.map_err(db),
        }
    }

    /// Commits after `written` succeeded, else rolls back and returns its error. A
    /// [`StoreError::Conflict`] on SQLite also waits for the group commit the transaction
    /// was in ([`sqlite::WriteTx::abandon`]), so the caller's re-read sees the change that
    /// won.
    pub(crate) async fn finish(self, written: Result<(), StoreError>) -> Result<(), StoreError> {
        match (written, self) {
            (Ok(()), tx) => tx.commit().await,
            (Err(StoreError::Conflict), Tx::Sqlite(t)) => {
                t.abandon().await;
                Err(StoreError::Conflict)
            }
            (Err(e), _) => Err(e),
        }
    }
}

/// A connection for reads.
pub(crate) enum Reader<'a> {
    Sqlite(sqlite::ReadLease<'a>),
    Postgres(PoolConnection<Any>),
}

impl Reader<'_> {
    pub(crate) fn conn(&mut self) -> Result<Conn<'_>, StoreError> {
        match self {
            Reader::Sqlite(l) => l
                .conn()
                .map(Conn::Sqlite)
                .ok_or(StoreError::Corrupt("reader connection")),
            Reader::Postgres(c) => Ok(Conn::Postgres(c)),
        }
    }

    /// Returns `read`, the result of reads on this connection, once they are known to hold:
    /// a SQLite read inside an open group transaction waits for its COMMIT
    /// ([`sqlite::ReadLease::settle`]). Every read ends through here.
    pub(crate) async fn settle<T>(self, read: Result<T, StoreError>) -> Result<T, StoreError> {
        let value = read?;
        match self {
            Reader::Sqlite(l) => l.settle().await?,
            Reader::Postgres(_) => {}
        }
        Ok(value)
    }
}

impl std::fmt::Debug for SqlStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqlStore")
            .field("backend", &self.backend)
            .field("key", &self.key)
            .finish_non_exhaustive()
    }
}

/// Takes `synchronous=normal|full` out of a `sqlite:` URL's query (sqlx refuses parameters it
/// does not know).
fn take_synchronous(url: &str) -> Result<(String, Synchronous), StoreError> {
    let Some((base, query)) = url.split_once('?') else {
        return Ok((url.to_owned(), Synchronous::default()));
    };
    let mut sync = Synchronous::default();
    let mut kept = Vec::new();
    for pair in query.split('&') {
        match pair.split_once('=') {
            Some((key, value)) if key.eq_ignore_ascii_case("synchronous") => {
                sync = Synchronous::parse(value).ok_or_else(|| {
                    StoreError::Backend(
                        format!("synchronous={value} in the database URL: expected normal or full")
                            .into(),
                    )
                })?;
            }
            _ => kept.push(pair),
        }
    }
    let url = if kept.is_empty() {
        base.to_owned()
    } else {
        format!("{base}?{}", kept.join("&"))
    };
    Ok((url, sync))
}

/// The file of a `sqlite:` URL (`sqlite://PATH?…` or `sqlite:PATH?…`, escapes undone).
fn sqlite_path(url: &str) -> std::path::PathBuf {
    let rest = url.strip_prefix("sqlite:").unwrap_or(url);
    let rest = rest.strip_prefix("//").unwrap_or(rest);
    let path = rest.split(['?', '#']).next().unwrap_or_default();
    path.replace("%3F", "?")
        .replace("%23", "#")
        .replace("%25", "%")
        .into()
}

/// Escapes the characters that end the path part of a `sqlite:` URL.
fn url_escape(path: &str) -> String {
    path.replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23")
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use super::*;

    #[test]
    fn synchronous_is_taken_out_of_a_sqlite_url() {
        assert_eq!(
            take_synchronous("sqlite://a.db?mode=rwc&synchronous=FULL").unwrap(),
            ("sqlite://a.db?mode=rwc".to_owned(), Synchronous::Full)
        );
        assert_eq!(
            take_synchronous("sqlite://a.db?synchronous=normal").unwrap(),
            ("sqlite://a.db".to_owned(), Synchronous::Normal)
        );
        assert_eq!(
            take_synchronous("sqlite://a.db?mode=rwc").unwrap(),
            ("sqlite://a.db?mode=rwc".to_owned(), Synchronous::Normal)
        );
        let e = take_synchronous("sqlite://a.db?synchronous=off").unwrap_err();
        assert!(e.to_string().contains("expected normal or full"), "{e}");
    }

    /// A read snapshot dropped before its end leaves no transaction behind, neither on the
    /// writer connection (the next write begins) nor on a pooled reader.
    #[tokio::test]
    async fn an_unfinished_read_snapshot_is_rolled_back() {
        let dir = rsp_testkit::fs::TempDir::new();
        let key = DataKey::new("k", &[7; 32]).unwrap();
        let store = SqlStore::open_sqlite(&dir.path().join("r.db"), key)
            .await
            .unwrap();
        {
            let mut r = store.read().await.unwrap();
            assert!(matches!(&r, Reader::Sqlite(sqlite::ReadLease::Writer(_))));
            let _ = r.conn().unwrap().begin_read().unwrap();
        }
        let mut tx = store.begin_write().await.unwrap();
        tx.conn()
            .execute("CREATE TABLE t (x INTEGER)", &[])
            .await
            .unwrap();
        // With the writer busy, reads take a pooled connection.
        for _ in 0..2 {
            let mut r = store.read().await.unwrap();
            let Reader::Sqlite(lease @ sqlite::ReadLease::Pooled { .. }) = &mut r else {
                panic!("a pooled reader")
            };
            let conn = lease.conn().unwrap();
            assert!(conn.is_autocommit());
            conn.execute_batch("BEGIN").unwrap();
        }
        tx.commit().await.unwrap();
    }

    /// `?synchronous=full` reaches the writer connection, and its COMMITs (on a blocking
    /// thread) still land.
    #[tokio::test]
    async fn a_full_sync_store_commits() {
        let dir = rsp_testkit::fs::TempDir::new();
        let url = format!(
            "sqlite://{}?mode=rwc&synchronous=full",
            url_escape(&dir.path().join("full.db").to_string_lossy())
        );
        let key = DataKey::new("k", &[7; 32]).unwrap();
        let store = SqlStore::connect(&url, key).await.unwrap();
        let mut tx = store.begin_write().await.unwrap();
        let Tx::Sqlite(t) = &mut tx else {
            panic!("a SQLite store")
        };
        let mode: i64 = t
            .conn()
            .query_row("PRAGMA synchronous", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, 2, "FULL");
        t.conn()
            .execute_batch("CREATE TABLE t (x INTEGER)")
            .unwrap();
        tx.commit().await.unwrap();
        let mut r = store.read().await.unwrap();
        let Reader::Sqlite(lease) = &mut r else {
            panic!("a SQLite store")
        };
        let n: i64 = lease
            .conn()
            .unwrap()
            .query_row(
                "SELECT COUNT(*) FROM sqlite_schema WHERE name = 't'",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(n, 1);
        store.close().await;
    }
}
