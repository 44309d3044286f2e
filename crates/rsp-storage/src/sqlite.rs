//! SQLite through rusqlite, called directly on the async worker thread (see [`crate::db`]).
//!
//! One writer connection behind an async mutex (SQLite has one writer at a time anyway;
//! waiting in-process is cheaper than SQLite's busy-sleep loop), whose write transactions
//! commit in groups ([`crate::group_commit`]), and a few reader connections, which WAL lets
//! run beside the writer. Statements are prepared once per connection and cached. WAL
//! checkpoints run on a background thread, not in a committing request ([`crate::checkpoint`]).

use std::cell::Cell;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use rsp_smdpp::store::StoreError;
use rusqlite::{CachedStatement, Connection, OpenFlags};
use tokio::sync::OwnedMutexGuard;

use crate::checkpoint::{self, Checkpointer};
use crate::db::{Param, RowRead};
use crate::error::unique_key;
pub(crate) use crate::group_commit::WriteTx;
use crate::group_commit::{self, GroupRead, SharedWriter, Writer, WriterRead};

/// SQLite connection settings (SQLite docs "Write-Ahead Logging", "PRAGMA busy_timeout"):
/// WAL lets readers run beside the writer; a writer of another process is waited for up to
/// 30 s instead of failing at once. The `synchronous` setting follows, from [`Synchronous`].
pub(crate) const PRAGMAS: &str =
    "PRAGMA busy_timeout = 30000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON;";

/// When a COMMIT reaches the disk (SQLite docs "PRAGMA synchronous"; `?synchronous=` on the
/// database URL).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Synchronous {
    /// `NORMAL` (the default): in WAL mode durable across a process crash, not across a power
    /// loss, which may undo the commits since the last checkpoint (at most about 100 ms).
    #[default]
    Normal,
    /// `FULL`: the WAL is synced at every COMMIT (one fsync per group commit, run on a blocking
    /// thread), so an answered state change survives a power loss. Costs throughput and
    /// latency where fsync is slow (docs/benchmarks.md).
    Full,
}

impl Synchronous {
    /// The `synchronous=` value of a database URL (`normal` or `full`, any case).
    pub fn parse(value: &str) -> Option<Self> {
        [("normal", Self::Normal), ("full", Self::Full)]
            .into_iter()
            .find_map(|(name, mode)| value.eq_ignore_ascii_case(name).then_some(mode))
    }

    /// The PRAGMA that sets it.
    pub(crate) fn pragma(self) -> &'static str {
        match self {
            Self::Normal => "PRAGMA synchronous = NORMAL;",
            Self::Full => "PRAGMA synchronous = FULL;",
        }
    }
}

/// Idle reader connections kept for reuse.
const READERS_KEPT: usize = 8;

/// Prepared statements cached per connection (the stores use about 25).
const STATEMENT_CACHE: usize = 64;

/// The connections to one SQLite file.
pub(crate) struct SqliteDb {
    path: PathBuf,
    sync: Synchronous,
    writer: SharedWriter,
    readers: Mutex<Vec<Connection>>,
    _checkpointer: Checkpointer,
}

fn open(path: &Path, sync: Synchronous) -> Result<Connection, StoreError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_CREATE
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags).map_err(err)?;
    conn.execute_batch(PRAGMAS).map_err(err)?;
    conn.execute_batch(sync.pragma()).map_err(err)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    Ok(conn)
}

impl SqliteDb {
    /// Opens (creating if missing) the database file `path`.
    pub(crate) fn open(path: &Path, sync: Synchronous) -> Result<Self, StoreError> {
        Self::open_with(path, sync, checkpoint::Limits::default())
    }

    /// [`SqliteDb::open`] with other checkpoint limits.
    pub(crate) fn open_with(
        path: &Path,
        sync: Synchronous,
        limits: checkpoint::Limits,
    ) -> Result<Self, StoreError> {
        let writer = open(path, sync)?;
        // The committing request would otherwise run the checkpoint (copy and fsync) itself
        // when the WAL passes 1000 pages (SQLite docs "Automatic Checkpoint").
        // No busy timeout: `BEGIN IMMEDIATE` waits for another process's writer itself
        // (crate::group_commit), without blocking the thread.
        writer
            .execute_batch("PRAGMA wal_autocheckpoint = 0; PRAGMA busy_timeout = 0;")
            .map_err(err)?;
        let writer = Writer::new(writer, sync == Synchronous::Full);
        let checkpointer =
            Checkpointer::start(open(path, sync)?, path, Arc::clone(&writer), limits)?;
        Ok(Self {
            path: path.to_owned(),
            sync,
            writer,
            readers: Mutex::new(Vec::new()),
            _checkpointer: checkpointer,
        })
    }

    /// Starts a write transaction (see [`crate::group_commit`]).
    pub(crate) async fn write(&self) -> Result<WriteTx, StoreError> {
        group_commit::begin(&self.writer).await
    }

    /// A connection for reads: the writer connection when no member of a write transaction
    /// holds it, else a reader connection (returned to the pool when the lease is dropped).
    /// The writer's page cache stays valid across its own commits, while a reader's is
    /// dropped whenever another connection committed, and its pages are then read again from
    /// the files. Inside an open group transaction the read holds once the group commits
    /// ([`ReadLease::settle`]); with `synchronous=FULL`, where that waits for an fsync, a
    /// reader connection serves instead.
    pub(crate) fn read(&self) -> Result<ReadLease<'_>, StoreError> {
        match group_commit::try_read(&self.writer) {
            Some(WriterRead::Idle(writer)) => return Ok(ReadLease::Writer(writer)),
            Some(WriterRead::InGroup(group)) if self.sync != Synchronous::Full => {
                return Ok(ReadLease::InGroup(Some(group)));
            }
            _ => {}
        }
        let idle = self.readers.lock().ok().and_then(|mut r| r.pop());
        let conn = match idle {
            Some(c) => c,
            None => open(&self.path, self.sync)?,
        };
        Ok(ReadLease::Pooled {
            db: self,
            conn: Some(conn),
        })
    }
}

/// A connection for reads borrowed from [`SqliteDb`].
pub(crate) enum ReadLease<'a> {
    /// The idle writer connection, held for the read.
    Writer(OwnedMutexGuard<Writer>),
    /// The writer connection inside an open group transaction; `None` only while
    /// [`ReadLease::settle`] hands it on.
    InGroup(Option<GroupRead>),
    /// A reader connection; `None` only while [`Drop`] hands it back.
    Pooled {
        db: &'a SqliteDb,
        conn: Option<Connection>,
    },
}

impl ReadLease<'_> {
    pub(crate) fn conn(&mut self) -> Option<&mut Connection> {
        match self {
            ReadLease::Writer(w) => w.idle_conn(),
            ReadLease::InGroup(g) => g.as_mut().map(GroupRead::conn),
            ReadLease::Pooled { conn, .. } => conn.as_mut(),
        }
    }

    /// Ends the lease once what was read is committed: inside a group transaction, waits
    /// for its COMMIT (an error if it failed); at once otherwise.
    pub(crate) async fn settle(mut self) -> Result<(), StoreError> {
        let group = match &mut self {
            ReadLease::InGroup(g) => g.take(),
            _ => None,
        };
        drop(self);
        match group {
            Some(g) => g.settle().await,
            None => Ok(()),
        }
    }
}

impl Drop for ReadLease<'_> {
    /// A connection still inside a read transaction (a read snapshot that did not reach its
    /// end) is rolled back first; a pooled one that cannot be is closed instead of kept.
    /// Reads inside a group transaction changed nothing: nothing to undo.
    fn drop(&mut self) {
        let clean = |c: &Connection| c.is_autocommit() || run(c, "ROLLBACK").is_ok();
        match self {
            ReadLease::Writer(w) => {
                // Should ROLLBACK fail, `group_commit::begin` rolls back before its BEGIN.
                if let Some(c) = w.idle_conn() {
                    clean(c);
                }
            }
            ReadLease::InGroup(_) => {}
            ReadLease::Pooled { db, conn } => {
                if let (Some(conn), Ok(mut idle)) = (conn.take(), db.readers.lock())
                    && idle.len() < READERS_KEPT
                    && clean(&conn)
                {
                    idle.push(conn);
                }
            }
        }
    }
}

/// A transaction-control statement, prepared once per connection (`execute_batch` would
/// parse it again at every call).
pub(crate) fn run(conn: &Connection, sql: &str) -> Result<(), StoreError> {
    run_raw(conn, sql).map_err(err)
}

/// [`run`] with SQLite's own error, for a caller that tells SQLITE_BUSY apart.
pub(crate) fn run_raw(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)
        .and_then(|mut st| st.raw_execute())
        .map(drop)
}

/// Prepares `sql` (cached) and binds its `$N` placeholders to `params[N-1]` (a placeholder
/// may appear several times in the text, a parameter not at all). Reads SQLite's own names
/// of the placeholders, so binding allocates nothing.
fn prepare<'c>(
    conn: &'c Connection,
    sql: &str,
    params: &[Param<'_>],
) -> Result<CachedStatement<'c>, StoreError> {
    let mut st = conn.prepare_cached(sql).map_err(err)?;
    for index in 1..=st.parameter_count() {
        let p = st
            .parameter_name(index)
            .and_then(|name| name.strip_prefix('$'))
            .and_then(|n| n.parse::<usize>().ok())
            .and_then(|n| n.checked_sub(1))
            .and_then(|n| params.get(n))
            .ok_or(StoreError::Corrupt("statement parameters"))?;
        match *p {
            Param::Int(v) => st.raw_bind_parameter(index, v),
            Param::Text(v) => st.raw_bind_parameter(index, v),
            Param::Blob(v) => st.raw_bind_parameter(index, v),
        }
        .map_err(err)?;
    }
    Ok(st)
}

/// Runs one statement that returns no rows; the number of rows it changed.
pub(crate) fn execute(
    conn: &Connection,
    sql: &str,
    params: &[Param<'_>],
) -> Result<u64, StoreError> {
    let mut st = prepare(conn, sql, params)?;
    let changed = st.raw_execute().map_err(err)?;
    u64::try_from(changed).map_err(|_| StoreError::Corrupt("row count"))
}

/// Runs one query and maps up to `limit` rows with `f`. (An `UPDATE … RETURNING` makes all
/// its changes at the first step, so stopping early loses nothing.)
pub(crate) fn fetch<T>(
    conn: &Connection,
    sql: &str,
    params: &[Param<'_>],
    limit: usize,
    f: &dyn Fn(&dyn RowRead) -> Result<T, StoreError>,
) -> Result<Vec<T>, StoreError> {
    let mut st = prepare(conn, sql, params)?;
    let mut rows = st.raw_query();
    let mut out = Vec::new();
    while out.len() < limit {
        match rows.next().map_err(err)? {
            Some(row) => out.push(f(&SqliteRow {
                row,
                next: Cell::new(0),
            })?),
            None => break,
        }
    }
    Ok(out)
}

/// A result row; `next` is where the next read is expected (readers take the columns in
/// SELECT order), so a lookup is one name comparison. (rusqlite's by-name access compares
/// the name with every column's, case-insensitively, at each read.)
struct SqliteRow<'r, 's> {
    row: &'r rusqlite::Row<'s>,
    next: Cell<usize>,
}

impl SqliteRow<'_, '_> {
    fn get<T: rusqlite::types::FromSql>(&self, column: &'static str) -> Result<T, StoreError> {
        let expected = self.next.get();
        let statement = self.row.as_ref();
        let index = if statement
            .column_name(expected)
            .is_ok_and(|name| name == column)
        {
            expected
        } else {
            statement.column_index(column).map_err(err)?
        };
        self.next.set(index + 1);
        self.row.get(index).map_err(err)
    }
}

impl RowRead for SqliteRow<'_, '_> {
    fn opt_int(&self, column: &'static str) -> Result<Option<i64>, StoreError> {
        self.get(column)
    }
    fn opt_text(&self, column: &'static str) -> Result<Option<String>, StoreError> {
        self.get(column)
    }
    fn opt_blob(&self, column: &'static str) -> Result<Option<Vec<u8>>, StoreError> {
        self.get(column)
    }
}

/// Maps a rusqlite error; unique violations become [`StoreError::Duplicate`].
pub(crate) fn err(e: rusqlite::Error) -> StoreError {
    if let rusqlite::Error::SqliteFailure(f, message) = &e
        && (f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_UNIQUE
            || f.extended_code == rusqlite::ffi::SQLITE_CONSTRAINT_PRIMARYKEY)
    {
        // SQLite names the column in the message ("UNIQUE constraint failed: t.column").
        let message = message.as_deref().unwrap_or_default();
        return StoreError::Duplicate(unique_key(|column| message.contains(column)));
    }
    StoreError::Backend(Box::new(e))
}
