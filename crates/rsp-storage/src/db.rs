//! One statement API over both databases, so each store method is written once.
//!
//! PostgreSQL goes through sqlx (`Any` driver, async). SQLite goes through rusqlite on the
//! calling thread: an embedded database answers in microseconds, and a direct call costs
//! far less than sqlx's hand-off of every statement to a per-connection worker thread (two
//! thread wake-ups per statement, measured as the largest part of the SM-DP+'s CPU per
//! download). The async methods below never suspend on SQLite.

use rsp_smdpp::store::StoreError;
use sqlx::any::AnyRow;
use sqlx::{Any, AnyConnection, Row as _};

use crate::error::db;
use crate::sqlite;

/// A statement parameter (`$1`, `$2`, … in order). NULLs keep their type, which
/// PostgreSQL needs to resolve the parameter.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Param<'a> {
    Int(Option<i64>),
    Text(Option<&'a str>),
    Blob(Option<&'a [u8]>),
}

impl From<i64> for Param<'_> {
    fn from(v: i64) -> Self {
        Param::Int(Some(v))
    }
}

impl From<Option<i64>> for Param<'_> {
    fn from(v: Option<i64>) -> Self {
        Param::Int(v)
    }
}

impl<'a> From<&'a str> for Param<'a> {
    fn from(v: &'a str) -> Self {
        Param::Text(Some(v))
    }
}

impl<'a> From<Option<&'a str>> for Param<'a> {
    fn from(v: Option<&'a str>) -> Self {
        Param::Text(v)
    }
}

impl<'a> From<&'a [u8]> for Param<'a> {
    fn from(v: &'a [u8]) -> Self {
        Param::Blob(Some(v))
    }
}

impl<'a> From<Option<&'a [u8]>> for Param<'a> {
    fn from(v: Option<&'a [u8]>) -> Self {
        Param::Blob(v)
    }
}

/// Typed column access by name on a result row of either backend.
pub(crate) trait RowRead {
    fn opt_int(&self, column: &'static str) -> Result<Option<i64>, StoreError>;
    fn opt_text(&self, column: &'static str) -> Result<Option<String>, StoreError>;
    fn opt_blob(&self, column: &'static str) -> Result<Option<Vec<u8>>, StoreError>;

    fn int(&self, column: &'static str) -> Result<i64, StoreError> {
        self.opt_int(column)?.ok_or(StoreError::Corrupt(column))
    }
    fn text(&self, column: &'static str) -> Result<String, StoreError> {
        self.opt_text(column)?.ok_or(StoreError::Corrupt(column))
    }
    fn blob(&self, column: &'static str) -> Result<Vec<u8>, StoreError> {
        self.opt_blob(column)?.ok_or(StoreError::Corrupt(column))
    }
}

impl RowRead for AnyRow {
    fn opt_int(&self, column: &'static str) -> Result<Option<i64>, StoreError> {
        self.try_get(column).map_err(db)
    }
    fn opt_text(&self, column: &'static str) -> Result<Option<String>, StoreError> {
        self.try_get(column).map_err(db)
    }
    fn opt_blob(&self, column: &'static str) -> Result<Option<Vec<u8>>, StoreError> {
        self.try_get(column).map_err(db)
    }
}

/// A read snapshot of [`Conn::begin_read`]: whether it began a transaction to end.
#[must_use]
pub(crate) struct Snapshot(bool);

/// A connection of either backend, inside or outside a transaction.
pub(crate) enum Conn<'c> {
    Sqlite(&'c mut rusqlite::Connection),
    Postgres(&'c mut AnyConnection),
}

type AnyQuery<'q> = sqlx::query::Query<'q, Any, sqlx::any::AnyArguments>;

fn bind<'q>(mut q: AnyQuery<'q>, params: &[Param<'q>]) -> AnyQuery<'q> {
    for p in params {
        q = match *p {
            Param::Int(v) => q.bind(v),
            Param::Text(v) => q.bind(v),
            Param::Blob(v) => q.bind(v),
        };
    }
    q
}

impl Conn<'_> {
    /// Starts a snapshot for several reads: on SQLite one read transaction, so the reads
    /// share one lock and one look at the WAL instead of one each (none when the connection
    /// is already inside a transaction, which is the snapshot then). Nothing on PostgreSQL,
    /// where a transaction would cost two round trips: each statement reads committed data,
    /// and every write compares versions anyway. End it with [`Conn::end_read`] and what
    /// this returned (a SQLite lease left inside it is rolled back when returned).
    pub(crate) fn begin_read(&mut self) -> Result<Snapshot, StoreError> {
        match self {
            Conn::Sqlite(c) if c.is_autocommit() => {
                sqlite::run(c, "BEGIN").map(|()| Snapshot(true))
            }
            _ => Ok(Snapshot(false)),
        }
    }

    /// Ends [`Conn::begin_read`]'s snapshot.
    pub(crate) fn end_read(&mut self, snapshot: Snapshot) -> Result<(), StoreError> {
        match self {
            Conn::Sqlite(c) if snapshot.0 => sqlite::run(c, "COMMIT"),
            _ => Ok(()),
        }
    }

    /// Runs one statement; the number of rows it changed.
    pub(crate) async fn execute(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<u64, StoreError> {
        match self {
            Conn::Sqlite(c) => sqlite::execute(c, sql, params),
            Conn::Postgres(c) => Ok(bind(sqlx::query(sql), params)
                .execute(&mut **c)
                .await
                .map_err(db)?
                .rows_affected()),
        }
    }

    /// Runs one query and maps every row with `f`.
    pub(crate) async fn fetch_all<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl Fn(&dyn RowRead) -> Result<T, StoreError> + Send,
    ) -> Result<Vec<T>, StoreError> {
        match self {
            Conn::Sqlite(c) => sqlite::fetch(c, sql, params, usize::MAX, &f),
            Conn::Postgres(c) => bind(sqlx::query(sql), params)
                .fetch_all(&mut **c)
                .await
                .map_err(db)?
                .iter()
                .map(|r| f(r))
                .collect(),
        }
    }

    /// Runs one query and maps its first row with `f`, if any.
    pub(crate) async fn fetch_optional<T>(
        &mut self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl Fn(&dyn RowRead) -> Result<T, StoreError> + Send,
    ) -> Result<Option<T>, StoreError> {
        match self {
            Conn::Sqlite(c) => Ok(sqlite::fetch(c, sql, params, 1, &f)?.pop()),
            Conn::Postgres(c) => bind(sqlx::query(sql), params)
                .fetch_optional(&mut **c)
                .await
                .map_err(db)?
                .as_ref()
                .map(|r| f(r))
                .transpose(),
        }
    }
}
