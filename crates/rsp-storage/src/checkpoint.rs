//! WAL checkpoints of the SQLite file, on a background thread, so requests never pay for
//! them (SQLite docs "Write-Ahead Logging" §"Checkpointing").
//!
//! Every [`CHECKPOINT_EVERY`] a PASSIVE checkpoint copies the committed frames back into
//! the database file without waiting for, or blocking, the readers and the writer. That
//! alone never lets the WAL start again from its beginning: SQLite rewinds it only at the
//! BEGIN of a writer that finds every frame copied back, which under a steady write load
//! does not happen (measured: the WAL grew by 300 MB over 8,000 downloads, each frame an
//! append that also extends the file), §"Avoiding Excessively Large WAL Files". So once the
//! WAL holds [`Limits::rewind_at_frames`], a RESTART checkpoint copies the rest and rewinds
//! it. This process's writes wait for that on the writer's mutex (an open group is
//! committed first, so its write lock is free); another process's writer waits on SQLite's
//! lock. The writer then overwrites the file's first frames instead of extending it. A WAL
//! already much larger than that (a burst, or a file written before this rule) is cut back
//! to zero (TRUNCATE) instead.
//!
//! The rewind must also wait for the readers whose snapshot still reads from the WAL, with
//! the writes held back meanwhile; a long read (an admin listing, another process's
//! snapshot) would hold them back as long. So it waits [`REWIND_WAIT`] at most, and after a
//! rewind that could not finish the next ones come at longer and longer intervals (up to
//! [`MAX_BACKOFF`] rounds), so a long reader lets the WAL grow instead of stalling writes.
//!
//! Metrics: `rsp_sqlite_wal_frames` (frames in the WAL at the last round) and
//! `rsp_sqlite_wal_rewinds_total{result="rewound"|"busy"}`.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rsp_smdpp::store::StoreError;
use rusqlite::Connection;

use crate::group_commit::SharedWriter;

/// How often the background thread checkpoints the WAL into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// How long a rewind waits for another process's writer and for the readers still on the
/// WAL before it gives up (it also bounds how long dropping the store may wait).
const REWIND_WAIT: Duration = Duration::from_millis(10);

/// Rounds skipped at most after rewinds that could not finish.
const MAX_BACKOFF: u32 = 16;

/// When the WAL is rewound.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Limits {
    /// Frames in the WAL from which it is rewound.
    pub(crate) rewind_at_frames: i64,
}

impl Default for Limits {
    /// 4096 frames: 16 MiB with 4 KiB pages, a few seconds of writes at full load.
    fn default() -> Self {
        Self {
            rewind_at_frames: 4096,
        }
    }
}

/// The checkpoint thread; stopped and joined on drop.
pub(crate) struct Checkpointer {
    stop: Arc<(Mutex<bool>, Condvar)>,
    thread: Option<JoinHandle<()>>,
}

impl Checkpointer {
    /// Starts the thread on its own connection `conn` to the file at `path`.
    pub(crate) fn start(
        conn: Connection,
        path: &Path,
        writer: SharedWriter,
        limits: Limits,
    ) -> Result<Self, StoreError> {
        let backend = |e| StoreError::Backend(Box::new(e));
        conn.busy_timeout(REWIND_WAIT).map_err(backend)?;
        // The page size is fixed once the file is in WAL mode.
        let page: i64 = conn
            .query_row("PRAGMA page_size", [], |r| r.get(0))
            .map_err(backend)?;
        let wal = Wal {
            path: wal_path(path),
            truncate_above: (4 * limits.rewind_at_frames * page).unsigned_abs(),
            rewind_at_frames: limits.rewind_at_frames,
        };
        let stop = Arc::new((Mutex::new(false), Condvar::new()));
        let signal = Arc::clone(&stop);
        let thread = std::thread::Builder::new()
            .name("rsp-sqlite-checkpoint".into())
            .spawn(move || {
                let (lock, wake) = &*signal;
                let Ok(mut stopped) = lock.lock() else {
                    return;
                };
                let mut pace = Backoff::default();
                while !*stopped {
                    stopped = match wake.wait_timeout(stopped, CHECKPOINT_EVERY) {
                        Ok((guard, _)) => guard,
                        Err(_) => return,
                    };
                    round(&conn, &wal, &writer, &mut pace);
                }
            })
            .map_err(|e| StoreError::Backend(Box::new(e)))?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }
}

/// The WAL file and when it is rewound.
struct Wal {
    path: PathBuf,
    /// File size (bytes) above which a rewind also truncates it.
    truncate_above: u64,
    rewind_at_frames: i64,
}

/// When the next rewind may be tried.
#[derive(Default)]
struct Backoff {
    /// Rounds to skip after the last rewind that could not finish (0 after one that did).
    after_failure: u32,
    /// Rounds still to skip.
    skip: u32,
}

/// One round: PASSIVE, then a rewind if the WAL has grown past the limit. A failure (the
/// file busy elsewhere) is retried in a later round.
fn round(conn: &Connection, wal: &Wal, writer: &SharedWriter, pace: &mut Backoff) {
    let Some(passive) = checkpoint(conn, "PASSIVE") else {
        return;
    };
    metrics::gauge!("rsp_sqlite_wal_frames").set(passive.frames as f64);
    if passive.frames < wal.rewind_at_frames {
        return;
    }
    if pace.skip > 0 {
        pace.skip -= 1;
        return;
    }
    let oversized = std::fs::metadata(&wal.path).is_ok_and(|m| m.len() > wal.truncate_above);
    // Not on a runtime thread: blocking on the async mutex is allowed here.
    let mut w = writer.blocking_lock();
    w.finish();
    let rewound = checkpoint(conn, if oversized { "TRUNCATE" } else { "RESTART" });
    drop(w);
    let done = rewound.is_some_and(|c| !c.busy);
    let result = if done { "rewound" } else { "busy" };
    metrics::counter!("rsp_sqlite_wal_rewinds_total", "result" => result).increment(1);
    if done {
        *pace = Backoff::default();
    } else {
        pace.after_failure = (pace.after_failure * 2).clamp(1, MAX_BACKOFF);
        pace.skip = pace.after_failure;
    }
}

/// What `PRAGMA wal_checkpoint` reports.
struct Checkpoint {
    /// It could not finish (a lock it waited for stayed taken).
    busy: bool,
    /// Frames in the WAL.
    frames: i64,
}

/// Runs `PRAGMA wal_checkpoint(mode)`; `None` when it failed.
fn checkpoint(conn: &Connection, mode: &str) -> Option<Checkpoint> {
    let sql = format!("PRAGMA wal_checkpoint({mode})");
    // Columns: busy (1 when it could not finish), frames in the WAL, frames copied back.
    conn.query_row(&sql, [], |row| {
        Ok(Checkpoint {
            busy: row.get::<_, i64>(0)? != 0,
            frames: row.get(1)?,
        })
    })
    .ok()
}

/// The WAL file beside the database file (SQLite docs "Write-Ahead Logging": `-wal`).
fn wal_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push("-wal");
    PathBuf::from(name)
}

impl Drop for Checkpointer {
    fn drop(&mut self) {
        let (lock, wake) = &*self.stop;
        if let Ok(mut stopped) = lock.lock() {
            *stopped = true;
        }
        wake.notify_all();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::path::Path;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::time::{Duration, Instant};

    use super::{Limits, wal_path};
    use crate::sqlite::SqliteDb;

    const ROW: usize = 3000;

    async fn open(path: &Path) -> Arc<SqliteDb> {
        let limits = Limits {
            rewind_at_frames: 64,
        };
        let db = Arc::new(SqliteDb::open_with(path, crate::Synchronous::Normal, limits).unwrap());
        let mut tx = db.write().await.unwrap();
        tx.conn().execute_batch("CREATE TABLE t (x BLOB)").unwrap();
        tx.commit().await.unwrap();
        db
    }

    /// Inserts one row, then pauses 1 ms (about a thousand writes a second, two frames
    /// each); how long the write took.
    async fn write(db: &SqliteDb) -> Duration {
        let started = Instant::now();
        let mut tx = db.write().await.unwrap();
        tx.conn()
            .execute("INSERT INTO t VALUES (?1)", [&[0x5a_u8; ROW][..]])
            .unwrap();
        tx.commit().await.unwrap();
        let took = started.elapsed();
        tokio::time::sleep(Duration::from_millis(1)).await;
        took
    }

    fn wal_size(db: &Path) -> u64 {
        std::fs::metadata(wal_path(db)).map_or(0, |m| m.len())
    }

    /// Steady writes beside a reader that never pauses: a PASSIVE checkpoint alone never
    /// catches up with them, so the WAL would hold every frame written (16 MiB for the 8 MiB
    /// of rows, measured); the rewinds keep it near the limit plus a round's frames.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn the_wal_stays_bounded_under_a_steady_write_load() {
        const WRITTEN: usize = 8 << 20;
        let dir = rsp_testkit::fs::TempDir::new();
        let path = dir.path().join("wal.db");
        let db = open(&path).await;
        let done = Arc::new(AtomicBool::new(false));
        let reader = {
            let (db, done) = (Arc::clone(&db), Arc::clone(&done));
            tokio::spawn(async move {
                while !done.load(Ordering::Relaxed) {
                    let mut lease = db.read().unwrap();
                    let conn = lease.conn().unwrap();
                    let last: Option<i64> = conn
                        .query_row("SELECT max(rowid) FROM t", [], |r| r.get(0))
                        .unwrap();
                    assert!(last.is_none_or(|n| n > 0));
                    lease.settle().await.unwrap();
                    tokio::task::yield_now().await;
                }
            })
        };
        let mut largest = 0;
        for _ in 0..WRITTEN / ROW {
            write(&db).await;
            largest = largest.max(wal_size(&path));
        }
        done.store(true, Ordering::Relaxed);
        reader.await.unwrap();
        assert!(
            largest < (WRITTEN / 3) as u64,
            "the WAL reached {largest} bytes for {WRITTEN} bytes written"
        );
    }

    /// A read snapshot held for a second (here another connection's, as another process's
    /// would be) keeps the WAL from being rewound; the writes go on meanwhile, none held back
    /// for long, and the WAL is rewound once the snapshot ends.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn a_long_read_delays_the_rewind_not_the_writes() {
        let dir = rsp_testkit::fs::TempDir::new();
        let path = dir.path().join("wal.db");
        let db = open(&path).await;
        let snapshot = rusqlite::Connection::open(&path).unwrap();
        snapshot.execute_batch("BEGIN").unwrap();
        let rows: i64 = snapshot
            .query_row("SELECT count(*) FROM t", [], |r| r.get(0))
            .unwrap();
        assert_eq!(rows, 0);

        let held = Instant::now();
        let mut slowest = Duration::ZERO;
        while held.elapsed() < Duration::from_secs(1) {
            slowest = slowest.max(write(&db).await);
        }
        let grown = wal_size(&path);
        snapshot.execute_batch("COMMIT").unwrap();
        let ended = Instant::now();
        let mut after = Vec::new();
        while ended.elapsed() < Duration::from_secs(3) {
            write(&db).await;
            after.push(wal_size(&path));
        }
        assert!(
            slowest < Duration::from_millis(250),
            "a write waited {slowest:?} behind the rewind"
        );
        assert!(
            after.iter().any(|&n| n < grown),
            "the WAL ({grown} bytes when the snapshot ended) was not rewound (at least {:?} after)",
            after.iter().min()
        );
    }
}
