//! The database handle: one sqlx `Any` pool over SQLite or PostgreSQL, so the stores have a
//! single code path; the few dialect differences live in [`crate::sql`].

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rsp_smdpp::store::StoreError;
use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{Any, AnyPool, Executor, Transaction};

use crate::cipher::DataKey;
use crate::error::db;

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

/// SQLite connection settings (SQLite docs "Write-Ahead Logging", "PRAGMA busy_timeout"):
/// WAL lets readers run beside the writer; writers wait up to 30 s for the write lock instead
/// of failing at once; `synchronous=NORMAL` is durable across process crashes in WAL mode.
const SQLITE_PRAGMAS: &str = "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; \
     PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON;";

/// The SQL store of the SM-DP+ (implements `InventoryStore` and `OutboxStore`). Cheap to
/// clone: clones share the pool.
#[derive(Clone)]
pub struct SqlStore {
    pub(crate) pool: AnyPool,
    pub(crate) backend: Backend,
    pub(crate) key: Arc<DataKey>,
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
                        conn.execute(SQLITE_PRAGMAS).await?;
                    }
                    Ok(())
                })
            })
            .connect(url)
            .await
            .map_err(db)?;
        Ok(Self {
            pool,
            backend,
            key: Arc::new(key),
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

    /// Starts a write transaction: `BEGIN IMMEDIATE` on SQLite (takes the write lock now, so a
    /// read-then-write transaction cannot fail on lock upgrade), plain `BEGIN` (READ
    /// COMMITTED) on PostgreSQL, where the statements lock rows themselves.
    pub(crate) async fn begin_write(&self) -> Result<Transaction<'static, Any>, StoreError> {
        match self.backend {
            Backend::Sqlite => self.pool.begin_with("BEGIN IMMEDIATE").await,
            Backend::Postgres => self.pool.begin().await,
        }
        .map_err(db)
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

/// Escapes the characters that end the path part of a `sqlite:` URL.
fn url_escape(path: &str) -> String {
    path.replace('%', "%25")
        .replace('?', "%3F")
        .replace('#', "%23")
}
