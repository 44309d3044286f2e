//! Group commit of the SQLite write transactions.
//!
//! A commit writes every page the transaction changed to the WAL (two `pwrite`s a page) and
//! takes and drops file locks; the write transactions of concurrent downloads change the
//! same few pages (neighbouring session and Profile rows, the tail of an index). So each
//! write transaction is a savepoint inside one `BEGIN IMMEDIATE … COMMIT` shared with the
//! transactions that start while it waits for that COMMIT, and the group pays once.
//!
//! A member's own statements still run without suspending, between `SAVEPOINT` and
//! `RELEASE` (or `ROLLBACK TO` when it is dropped unfinished), so no other task sees it
//! half-done. It then waits for the COMMIT, which a task spawned by the group's first waiter
//! runs once the runtime has run the tasks that were ready (`yield_now`): under load they
//! join the group; with nothing else to do the COMMIT follows at once. Nothing is reported
//! committed before it is: a failed COMMIT, or SQLite rolling back the whole transaction
//! (it may on SQLITE_FULL, SQLITE_IOERR, SQLITE_BUSY or SQLITE_NOMEM), fails every member.

use std::sync::Arc;
use std::time::{Duration, Instant};

use rsp_smdpp::store::StoreError;
use rusqlite::{Connection, ErrorCode};
use tokio::sync::{Mutex as AsyncMutex, OwnedMutexGuard, oneshot};

use crate::sqlite::{err, run, run_raw};

/// How long a write transaction waits for another process's to end (as SQLite's
/// `busy_timeout` on the other connections, [`crate::sqlite::PRAGMAS`]).
const BUSY_WAIT: Duration = Duration::from_secs(30);

/// The longest pause between two tries of `BEGIN IMMEDIATE`.
const MAX_PAUSE: Duration = Duration::from_millis(20);

/// The outcome of a group's COMMIT, as told to each member.
type Outcome = Result<(), Arc<str>>;

/// The writer connection and the group transaction open on it, if any.
pub(crate) struct Writer {
    conn: Connection,
    /// COMMIT on a blocking thread (`synchronous=FULL`: it waits for an fsync).
    blocking_commit: bool,
    /// Members whose savepoint was released, waiting for the COMMIT; `None` outside a group.
    group: Option<Vec<oneshot::Sender<Outcome>>>,
}

/// The writer, shared by the store's tasks.
pub(crate) type SharedWriter = Arc<AsyncMutex<Writer>>;

impl Writer {
    pub(crate) fn new(conn: Connection, blocking_commit: bool) -> SharedWriter {
        Arc::new(AsyncMutex::new(Self {
            conn,
            blocking_commit,
            group: None,
        }))
    }

    /// The connection, for reads, when no group transaction is open (whose changes are not
    /// committed yet).
    pub(crate) fn idle_conn(&mut self) -> Option<&mut Connection> {
        match self.group {
            None => Some(&mut self.conn),
            Some(_) => None,
        }
    }

    /// COMMITs the group (or rolls back what SQLite left) and tells every member; nothing
    /// when no group is open.
    pub(crate) fn finish(&mut self) {
        let Some(members) = self.group.take() else {
            return;
        };
        let outcome: Outcome = if self.conn.is_autocommit() {
            Err("SQLite rolled the transaction back".into())
        } else {
            run(&self.conn, "COMMIT").map_err(|e| Arc::from(e.to_string()))
        };
        if outcome.is_err() && !self.conn.is_autocommit() {
            // Fails only when SQLite already rolled back.
            let _ = run(&self.conn, "ROLLBACK");
        }
        for member in members {
            // A member that stopped waiting (its request was cancelled) is not told.
            let _ = member.send(outcome.clone());
        }
    }
}

/// Starts a write transaction: joins the open group, or opens one (`BEGIN IMMEDIATE`: the
/// write lock is taken now, so a read-then-write transaction cannot fail on lock upgrade).
pub(crate) async fn begin(writer: &SharedWriter) -> Result<WriteTx, StoreError> {
    let mut w = Arc::clone(writer).lock_owned().await;
    if w.group.is_none() {
        begin_immediate(&mut w).await?;
        w.group = Some(Vec::new());
    }
    if let Err(e) = run(&w.conn, "SAVEPOINT member") {
        if w.group.as_ref().is_some_and(Vec::is_empty) {
            w.finish();
        }
        return Err(e);
    }
    Ok(WriteTx {
        writer: w,
        shared: Arc::clone(writer),
        released: false,
    })
}

/// `BEGIN IMMEDIATE`, waiting (without blocking the thread) while another process holds the
/// database's write lock: the writer connection has no busy timeout, since SQLite's busy
/// handler sleeps on the calling thread, where the task that will COMMIT this process's own
/// group may be queued.
async fn begin_immediate(w: &mut Writer) -> Result<(), StoreError> {
    let started = Instant::now();
    let mut pause = Duration::from_millis(1);
    if !w.conn.is_autocommit() {
        // Outside a group the connection holds no transaction, unless a read snapshot's
        // ROLLBACK failed (crate::sqlite::ReadLease): end it, or BEGIN would fail.
        let _ = run_raw(&w.conn, "ROLLBACK");
    }
    loop {
        match run_raw(&w.conn, "BEGIN IMMEDIATE") {
            Ok(()) => return Ok(()),
            Err(e)
                if e.sqlite_error_code() == Some(ErrorCode::DatabaseBusy)
                    && started.elapsed() < BUSY_WAIT =>
            {
                tokio::time::sleep(pause).await;
                pause = (pause * 2).min(MAX_PAUSE);
            }
            Err(e) => return Err(err(e)),
        }
    }
}

/// One member of a group transaction; rolled back to its savepoint when dropped before
/// [`WriteTx::commit`].
pub(crate) struct WriteTx {
    writer: OwnedMutexGuard<Writer>,
    shared: SharedWriter,
    /// Set by [`WriteTx::commit`]: the savepoint is released, nothing to undo.
    released: bool,
}

impl WriteTx {
    /// The connection, for this transaction's statements.
    pub(crate) fn conn(&mut self) -> &mut Connection {
        &mut self.writer.conn
    }

    /// Releases the savepoint and waits for the group's COMMIT.
    pub(crate) async fn commit(mut self) -> Result<(), StoreError> {
        run(&self.writer.conn, "RELEASE member")?;
        self.released = true;
        let told = join(&mut self.writer, &self.shared)?;
        // Unlocks the writer for the next member (or the COMMIT).
        drop(self);
        outcome(told).await
    }

    /// Undoes this member and waits until the group it was in has committed (or failed): a
    /// caller that lost a compare-and-swap to another member of the group then reads that
    /// member's change when it reads again (until the COMMIT, only the writer sees it).
    pub(crate) async fn abandon(mut self) {
        rollback_member(&mut self.writer);
        self.released = true;
        // A group still open after the rollback has a waiting member, hence a committer.
        let Some(members) = self.writer.group.as_mut() else {
            return;
        };
        let (tell, told) = oneshot::channel();
        members.push(tell);
        drop(self);
        let _ = told.await;
    }
}

/// Adds a member to the open group of `w` (locked) and, for the first one, spawns the task
/// that COMMITs the group once the writer is unlocked; the receiver gets the outcome.
fn join(w: &mut Writer, shared: &SharedWriter) -> Result<oneshot::Receiver<Outcome>, StoreError> {
    let (tell, told) = oneshot::channel();
    let Some(members) = w.group.as_mut() else {
        return Err(StoreError::Corrupt("group transaction closed"));
    };
    members.push(tell);
    if members.len() == 1 {
        match tokio::runtime::Handle::try_current() {
            Ok(runtime) => {
                let shared = Arc::clone(shared);
                runtime.spawn(async move {
                    tokio::task::yield_now().await;
                    let mut writer = shared.lock_owned().await;
                    if writer.blocking_commit {
                        // If that thread panicked, the members learn it from their dropped
                        // channels.
                        let _ = tokio::task::spawn_blocking(move || writer.finish()).await;
                    } else {
                        writer.finish();
                    }
                });
            }
            // Outside a runtime (no other task could join anyway): commit now.
            Err(_) => w.finish(),
        }
    }
    Ok(told)
}

/// The group's outcome as told to one member.
async fn outcome(told: oneshot::Receiver<Outcome>) -> Result<(), StoreError> {
    match told.await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(message)) => Err(StoreError::Backend(message.to_string().into())),
        Err(_) => Err(StoreError::Backend(
            "the group transaction ended without COMMIT".into(),
        )),
    }
}

/// Reads on the writer connection while no member holds it: the writer's page cache stays
/// valid across its own commits, where a reader connection's is dropped at every commit and
/// its pages read again from the files.
pub(crate) enum WriterRead {
    /// No group transaction is open: reads see committed data only.
    Idle(OwnedMutexGuard<Writer>),
    /// A group transaction waits for its COMMIT: reads also see its members' changes, so
    /// their result may be used only after [`GroupRead::settle`].
    InGroup(GroupRead),
}

/// Takes the writer for reads if no member holds it (else the caller uses another
/// connection: never waits, so a task holding a [`WriteTx`] may read too).
pub(crate) fn try_read(shared: &SharedWriter) -> Option<WriterRead> {
    let writer = Arc::clone(shared).try_lock_owned().ok()?;
    Some(match writer.group {
        None => WriterRead::Idle(writer),
        Some(_) => WriterRead::InGroup(GroupRead {
            writer,
            shared: Arc::clone(shared),
        }),
    })
}

/// Reads inside an open group transaction, which join it as a member without changes: they
/// hold if, and once, the group commits (a read-only member of a serial schedule).
pub(crate) struct GroupRead {
    writer: OwnedMutexGuard<Writer>,
    shared: SharedWriter,
}

impl GroupRead {
    /// The connection, inside the group's transaction.
    pub(crate) fn conn(&mut self) -> &mut Connection {
        &mut self.writer.conn
    }

    /// Unlocks the writer and waits for the group's COMMIT: an error when the group (and
    /// so what was read) did not commit.
    pub(crate) async fn settle(mut self) -> Result<(), StoreError> {
        let told = join(&mut self.writer, &self.shared)?;
        drop(self);
        outcome(told).await
    }
}

/// Undoes a member's changes; when that leaves the group without waiting members, the group
/// ends (an idle writer must not keep the file's write lock).
fn rollback_member(w: &mut Writer) {
    // Fails only when SQLite already rolled back the whole transaction; `finish` tells the
    // waiting members then.
    let _ = run(&w.conn, "ROLLBACK TO member").and_then(|()| run(&w.conn, "RELEASE member"));
    if w.conn.is_autocommit() || w.group.as_ref().is_some_and(Vec::is_empty) {
        w.finish();
    }
}

impl Drop for WriteTx {
    fn drop(&mut self) {
        if !self.released {
            rollback_member(&mut self.writer);
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]

    use std::sync::Arc;

    use crate::sqlite::SqliteDb;

    fn rows(path: &std::path::Path) -> Vec<i64> {
        let conn = rusqlite::Connection::open(path).unwrap();
        let mut st = conn.prepare("SELECT x FROM t ORDER BY x").unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    async fn open(dir: &rsp_testkit::fs::TempDir) -> (Arc<SqliteDb>, std::path::PathBuf) {
        let path = dir.path().join("group.db");
        let db = Arc::new(SqliteDb::open(&path, crate::Synchronous::Normal).unwrap());
        let tx = tx_with(&db, "CREATE TABLE t (x INTEGER)").await;
        tx.commit().await.unwrap();
        (db, path)
    }

    /// A write transaction that has run `sql`, not committed yet.
    async fn tx_with(db: &SqliteDb, sql: &str) -> super::WriteTx {
        let mut tx = db.write().await.unwrap();
        tx.conn().execute_batch(sql).unwrap();
        tx
    }

    /// `b` and `c` start while `a` waits for its COMMIT, so the three share one group: `b`,
    /// dropped unfinished, is undone alone; `a` and `c` are committed together.
    #[tokio::test]
    async fn a_group_commits_its_members_and_undoes_a_dropped_one() {
        let dir = rsp_testkit::fs::TempDir::new();
        let (db, path) = open(&dir).await;
        let a = tx_with(&db, "INSERT INTO t VALUES (1)").await;
        let other = Arc::clone(&db);
        let later = tokio::spawn(async move {
            drop(tx_with(&other, "INSERT INTO t VALUES (2)").await);
            tx_with(&other, "INSERT INTO t VALUES (3)")
                .await
                .commit()
                .await
        });
        a.commit().await.unwrap();
        later.await.unwrap().unwrap();
        assert_eq!(rows(&path), [1, 3]);
        // The writer is idle again: the next transaction opens a new group.
        let d = tx_with(&db, "INSERT INTO t VALUES (4)").await;
        d.commit().await.unwrap();
        assert_eq!(rows(&path), [1, 3, 4]);
    }

    /// When SQLite rolls the whole transaction back (here a member's own ROLLBACK), every
    /// member of the group fails, including one that had already released its savepoint.
    #[tokio::test]
    async fn a_rolled_back_group_fails_every_member() {
        let dir = rsp_testkit::fs::TempDir::new();
        let (db, path) = open(&dir).await;
        let a = tx_with(&db, "INSERT INTO t VALUES (1)").await;
        let other = Arc::clone(&db);
        let later = tokio::spawn(async move { tx_with(&other, "ROLLBACK").await.commit().await });
        assert!(
            a.commit().await.is_err(),
            "a was rolled back with the group"
        );
        assert!(later.await.unwrap().is_err());
        assert!(rows(&path).is_empty());
        let c = tx_with(&db, "INSERT INTO t VALUES (5)").await;
        c.commit().await.unwrap();
        assert_eq!(rows(&path), [5]);
    }

    /// The group of `a`, released and waiting for its COMMIT, with a read lease inside it.
    async fn read_in_group(
        db: &Arc<SqliteDb>,
    ) -> (
        crate::sqlite::ReadLease<'_>,
        tokio::task::JoinHandle<Result<(), rsp_smdpp::store::StoreError>>,
    ) {
        let a = tx_with(db, "INSERT INTO t VALUES (1)").await;
        let committing = tokio::spawn(a.commit());
        for _ in 0..100 {
            tokio::task::yield_now().await;
            let lease = db.read().unwrap();
            if matches!(lease, crate::sqlite::ReadLease::InGroup(_)) {
                return (lease, committing);
            }
        }
        panic!("no read inside the open group")
    }

    fn count(lease: &mut crate::sqlite::ReadLease<'_>) -> i64 {
        lease
            .conn()
            .unwrap()
            .query_row("SELECT COUNT(*) FROM t", [], |r| r.get(0))
            .unwrap()
    }

    /// A read while a group waits for its COMMIT runs on the writer connection, inside the
    /// group, and holds once the group has committed.
    #[tokio::test]
    async fn a_read_inside_a_group_holds_once_it_commits() {
        let dir = rsp_testkit::fs::TempDir::new();
        let (db, path) = open(&dir).await;
        let (mut lease, committing) = read_in_group(&db).await;
        assert_eq!(count(&mut lease), 1, "the read sees the group's change");
        lease.settle().await.unwrap();
        committing.await.unwrap().unwrap();
        assert_eq!(rows(&path), [1], "settled after the COMMIT");
        // The writer is idle again: a read takes it without a group.
        let mut lease = db.read().unwrap();
        assert!(matches!(lease, crate::sqlite::ReadLease::Writer(_)));
        assert_eq!(count(&mut lease), 1);
    }

    /// When the group a read was inside does not commit (here SQLite rolled it all back),
    /// the read fails with it.
    #[tokio::test]
    async fn a_read_inside_a_failed_group_fails() {
        let dir = rsp_testkit::fs::TempDir::new();
        let (db, path) = open(&dir).await;
        let (mut lease, committing) = read_in_group(&db).await;
        assert_eq!(count(&mut lease), 1);
        lease.conn().unwrap().execute_batch("ROLLBACK").unwrap();
        assert!(
            lease.settle().await.is_err(),
            "what was read never committed"
        );
        assert!(committing.await.unwrap().is_err());
        assert!(rows(&path).is_empty());
    }

    /// A read while a member holds the writer takes a reader connection, which sees
    /// committed data only (a task holding a write transaction may read without waiting
    /// for itself).
    #[tokio::test]
    async fn a_read_beside_a_running_member_uses_a_reader() {
        let dir = rsp_testkit::fs::TempDir::new();
        let (db, _path) = open(&dir).await;
        let a = tx_with(&db, "INSERT INTO t VALUES (1)").await;
        let mut lease = db.read().unwrap();
        assert!(matches!(lease, crate::sqlite::ReadLease::Pooled { .. }));
        assert_eq!(count(&mut lease), 0);
        lease.settle().await.unwrap();
        a.commit().await.unwrap();
        let mut lease = db.read().unwrap();
        assert_eq!(count(&mut lease), 1);
    }
}
