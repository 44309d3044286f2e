//! [`SmdsStore`] over SQL: Event Records, ES11 sessions with their used challenges, and the
//! cascade state of an Alternative SM-DS (migration `20261206000001_smds`).

use std::time::Duration;

use rsp_codec::json::Eid;
use rsp_smdpp::store::{StoreError as DbError, UniqueKey};
use rsp_smds::event::{EventId, EventOwner, EventRecord};
use rsp_smds::store::{
    Cascade, CascadeTarget, EventQuery, SmdsKey, SmdsSession, SmdsStore, StoreError,
};

use crate::backend::SqlStore;
use crate::db::RowRead;
use crate::inventory::now_ms;
use crate::sql::Dialect;

/// The columns [`event`] reads.
macro_rules! event_columns {
    () => {
        "owner, event_id, eid, rsp_server_address, forwarding, created_at_ms"
    };
}

/// The columns [`cascade`] reads.
macro_rules! cascade_columns {
    () => {
        "eid, event_id, root_address, wanted, registered, attempts, last_error"
    };
}

const INSERT_EVENT: &str = "INSERT INTO smds_events (owner, event_id, eid, rsp_server_address, \
     forwarding, created_at_ms) VALUES ($1, $2, $3, $4, $5, $6)";

/// The EID's cascade becomes wanted; a new row takes `$2` as its cascade EventID. Going
/// from unwanted to wanted restarts the attempts and is due at once.
const WANT_CASCADE: &str = "INSERT INTO smds_cascades (eid, event_id, root_address, wanted, \
     registered, attempts, due_at_ms) VALUES ($1, $2, $3, 1, 0, 0, $4) \
     ON CONFLICT (eid) DO UPDATE SET attempts = CASE WHEN smds_cascades.wanted = 1 \
     THEN smds_cascades.attempts ELSE 0 END, due_at_ms = CASE WHEN smds_cascades.wanted = 1 \
     THEN smds_cascades.due_at_ms ELSE $4 END, wanted = 1";

const DELETE_EVENT: &str = concat!(
    "DELETE FROM smds_events WHERE owner = $1 AND eid = $2 AND event_id = $3 RETURNING ",
    event_columns!()
);

/// After the EID's last forwarded event went: its cascade is no longer wanted.
const UNWANT_CASCADE: &str = "UPDATE smds_cascades SET wanted = 0, attempts = 0, \
     due_at_ms = $2 WHERE eid = $1 AND wanted = 1 \
     AND NOT EXISTS (SELECT 1 FROM smds_events WHERE eid = $1 AND forwarding = 1)";

/// A cascade neither wanted nor registered at the root is forgotten.
const FORGET_CASCADE: &str =
    "DELETE FROM smds_cascades WHERE eid = $1 AND wanted = 0 AND registered = 0";

const EVENTS_FOR_EID: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM smds_events WHERE eid = $1 ORDER BY id"
);

const LIST_EVENTS: &str = concat!(
    "SELECT ",
    event_columns!(),
    " FROM smds_events WHERE ($1 IS NULL OR eid = $1) AND ($2 IS NULL OR owner = $2) \
     ORDER BY id DESC LIMIT $3"
);

const COUNT_EVENTS: &str = "SELECT COUNT(*) AS n FROM smds_events";

const CASCADE_FOR_EID: &str = concat!(
    "SELECT ",
    cascade_columns!(),
    " FROM smds_cascades WHERE eid = $1"
);

const CASCADE_SYNCED: &str = "UPDATE smds_cascades SET registered = $2, attempts = 0, \
     last_error = NULL, due_at_ms = $3 WHERE eid = $1";

const CASCADE_RETRY: &str =
    "UPDATE smds_cascades SET due_at_ms = $2, last_error = $3 WHERE eid = $1";

const PENDING_CASCADES: &str = "SELECT COUNT(*) AS n FROM smds_cascades WHERE wanted <> registered";

const INSERT_CHALLENGE: &str =
    "INSERT INTO smds_euicc_challenges (euicc_challenge, created_at_ms) VALUES ($1, $2)";

const INSERT_SESSION: &str = "INSERT INTO smds_sessions (transaction_id, ci_key_id, \
     euicc_challenge, server_challenge, created_at_ms, expires_at_ms, completed) \
     VALUES ($1, $2, $3, $4, $5, $6, 0)";

const SELECT_SESSION: &str = "SELECT transaction_id, ci_key_id, euicc_challenge, \
     server_challenge, created_at_ms, expires_at_ms, completed FROM smds_sessions \
     WHERE transaction_id = $1";

const COMPLETE_SESSION: &str =
    "UPDATE smds_sessions SET completed = 1 WHERE transaction_id = $1 AND completed = 0";

const PURGE_SESSIONS: &str = "DELETE FROM smds_sessions WHERE expires_at_ms < $1";

const PURGE_CHALLENGES: &str = "DELETE FROM smds_euicc_challenges WHERE created_at_ms < $1";

/// The backend's error as the SM-DS's: a unique violation is taken as `on_duplicate`.
fn smds_err(on_duplicate: SmdsKey) -> impl Fn(DbError) -> StoreError {
    move |e| match e {
        DbError::Duplicate(UniqueKey::EuiccChallenge) => {
            StoreError::Duplicate(SmdsKey::EuiccChallenge)
        }
        DbError::Duplicate(_) => StoreError::Duplicate(on_duplicate),
        DbError::Corrupt(c) => StoreError::Corrupt(c),
        other => StoreError::Backend(Box::new(other)),
    }
}

/// Outside a registration no event is inserted: a duplicate is a challenge.
fn err(e: DbError) -> StoreError {
    smds_err(SmdsKey::EuiccChallenge)(e)
}

fn flag(v: bool) -> i64 {
    i64::from(v)
}

fn eid_of(text: String) -> Result<Eid, DbError> {
    Eid::parse(&text).map_err(|_| DbError::Corrupt("eid"))
}

fn event(row: &dyn RowRead) -> Result<EventRecord, DbError> {
    Ok(EventRecord {
        eid: eid_of(row.text("eid")?)?,
        event_id: EventId::parse(&row.text("event_id")?).ok_or(DbError::Corrupt("event_id"))?,
        rsp_server_address: row.text("rsp_server_address")?,
        owner: EventOwner::new(row.text("owner")?),
        forwarding: row.int("forwarding")? != 0,
        created_at_ms: row.int("created_at_ms")?,
    })
}

fn cascade(row: &dyn RowRead) -> Result<Cascade, DbError> {
    Ok(Cascade {
        eid: eid_of(row.text("eid")?)?,
        event_id: EventId::parse(&row.text("event_id")?).ok_or(DbError::Corrupt("event_id"))?,
        root_address: row.text("root_address")?,
        wanted: row.int("wanted")? != 0,
        registered: row.int("registered")? != 0,
        attempts: u32::try_from(row.int("attempts")?).unwrap_or(u32::MAX),
        last_error: row.opt_text("last_error")?,
    })
}

fn session(row: &dyn RowRead) -> Result<SmdsSession, DbError> {
    Ok(SmdsSession {
        transaction_id: hex::decode(row.text("transaction_id")?)
            .map_err(|_| DbError::Corrupt("transaction_id"))?,
        ci_key_id: row.blob("ci_key_id")?,
        euicc_challenge: row.blob("euicc_challenge")?,
        server_challenge: row.blob("server_challenge")?,
        created_at_ms: row.int("created_at_ms")?,
        expires_at_ms: row.int("expires_at_ms")?,
        completed: row.int("completed")? != 0,
    })
}

fn count(n: i64) -> Result<u64, DbError> {
    u64::try_from(n).map_err(|_| DbError::Corrupt("count"))
}

impl SqlStore {
    async fn register(
        &self,
        e: &EventRecord,
        cascade: Option<CascadeTarget<'_>>,
    ) -> Result<(), DbError> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute(
                INSERT_EVENT,
                &[
                    e.owner.as_str().into(),
                    e.event_id.as_str().into(),
                    e.eid.as_str().into(),
                    e.rsp_server_address.as_str().into(),
                    flag(e.forwarding).into(),
                    e.created_at_ms.into(),
                ],
            )
            .await?;
        let details = format!(
            "{{\"rspServerAddress\":{},\"forwarding\":{}}}",
            crate::audit::json_string(&e.rsp_server_address),
            e.forwarding
        );
        crate::audit::record_in(
            &mut tx.conn(),
            &[crate::audit::AuditEvent {
                actor: e.owner.as_str(),
                action: "smds.event.register",
                subject: e.eid.as_str(),
                details: &details,
            }],
        )
        .await?;
        if let Some(c) = cascade {
            tx.conn()
                .execute(
                    WANT_CASCADE,
                    &[
                        e.eid.as_str().into(),
                        c.new_event_id.as_str().into(),
                        c.root_address.into(),
                        now_ms().into(),
                    ],
                )
                .await?;
        }
        tx.commit().await
    }

    async fn delete(
        &self,
        owner: &EventOwner,
        eid: &Eid,
        event_id: &EventId,
    ) -> Result<Option<EventRecord>, DbError> {
        let mut tx = self.begin_write().await?;
        let deleted = tx
            .conn()
            .fetch_optional(
                DELETE_EVENT,
                &[
                    owner.as_str().into(),
                    eid.as_str().into(),
                    event_id.as_str().into(),
                ],
                event,
            )
            .await?;
        if let Some(e) = &deleted {
            crate::audit::record_in(
                &mut tx.conn(),
                &[crate::audit::AuditEvent {
                    actor: owner.as_str(),
                    action: "smds.event.delete",
                    subject: eid.as_str(),
                    details: &format!(
                        "{{\"rspServerAddress\":{}}}",
                        crate::audit::json_string(&e.rsp_server_address)
                    ),
                }],
            )
            .await?;
        }
        if deleted.as_ref().is_some_and(|e| e.forwarding) {
            tx.conn()
                .execute(UNWANT_CASCADE, &[eid.as_str().into(), now_ms().into()])
                .await?;
            tx.conn()
                .execute(FORGET_CASCADE, &[eid.as_str().into()])
                .await?;
        }
        tx.commit().await?;
        Ok(deleted)
    }

    async fn new_session(&self, s: &SmdsSession) -> Result<(), DbError> {
        let mut tx = self.begin_write().await?;
        tx.conn()
            .execute(
                INSERT_CHALLENGE,
                &[s.euicc_challenge.as_slice().into(), now_ms().into()],
            )
            .await?;
        tx.conn()
            .execute(
                INSERT_SESSION,
                &[
                    hex::encode_upper(&s.transaction_id).as_str().into(),
                    s.ci_key_id.as_slice().into(),
                    s.euicc_challenge.as_slice().into(),
                    s.server_challenge.as_slice().into(),
                    s.created_at_ms.into(),
                    s.expires_at_ms.into(),
                ],
            )
            .await?;
        tx.commit().await
    }

    /// One statement in its own write transaction; the rows it changed.
    async fn write_count(
        &self,
        sql: &'static str,
        params: &[crate::db::Param<'_>],
    ) -> Result<u64, DbError> {
        let mut tx = self.begin_write().await?;
        let n = tx.conn().execute(sql, params).await?;
        tx.commit().await?;
        Ok(n)
    }

    async fn read_all<T>(
        &self,
        sql: &'static str,
        params: &[crate::db::Param<'_>],
        f: impl Fn(&dyn RowRead) -> Result<T, DbError> + Send,
    ) -> Result<Vec<T>, DbError> {
        let mut r = self.read().await?;
        let read = r.conn()?.fetch_all(sql, params, f).await;
        r.settle(read).await
    }
}

impl SmdsStore for SqlStore {
    async fn register_event(
        &self,
        event: &EventRecord,
        cascade: Option<CascadeTarget<'_>>,
    ) -> Result<(), StoreError> {
        self.register(event, cascade)
            .await
            .map_err(smds_err(SmdsKey::Event))
    }

    async fn delete_event(
        &self,
        owner: &EventOwner,
        eid: &Eid,
        event_id: &EventId,
    ) -> Result<Option<EventRecord>, StoreError> {
        self.delete(owner, eid, event_id).await.map_err(err)
    }

    async fn events_for_eid(&self, eid: &Eid) -> Result<Vec<EventRecord>, StoreError> {
        self.read_all(EVENTS_FOR_EID, &[eid.as_str().into()], event)
            .await
            .map_err(err)
    }

    async fn cascade_for_eid(&self, eid: &Eid) -> Result<Option<Cascade>, StoreError> {
        let found = self
            .read_all(CASCADE_FOR_EID, &[eid.as_str().into()], cascade)
            .await
            .map_err(err)?;
        Ok(found.into_iter().next())
    }

    async fn list_events(&self, query: &EventQuery) -> Result<Vec<EventRecord>, StoreError> {
        let limit = i64::from(query.limit.clamp(1, 1000));
        self.read_all(
            LIST_EVENTS,
            &[
                query.eid.as_ref().map(Eid::as_str).into(),
                query.owner.as_ref().map(EventOwner::as_str).into(),
                limit.into(),
            ],
            event,
        )
        .await
        .map_err(err)
    }

    async fn count_events(&self) -> Result<u64, StoreError> {
        let n = self
            .read_all(COUNT_EVENTS, &[], |row| row.int("n"))
            .await
            .map_err(err)?;
        count(n.into_iter().next().unwrap_or(0)).map_err(err)
    }

    async fn create_session(&self, session: &SmdsSession) -> Result<(), StoreError> {
        self.new_session(session).await.map_err(err)
    }

    async fn get_session(&self, transaction_id: &[u8]) -> Result<Option<SmdsSession>, StoreError> {
        let tid = hex::encode_upper(transaction_id);
        let found = self
            .read_all(SELECT_SESSION, &[tid.as_str().into()], session)
            .await
            .map_err(err)?;
        Ok(found.into_iter().next())
    }

    async fn complete_session(&self, transaction_id: &[u8]) -> Result<bool, StoreError> {
        let tid = hex::encode_upper(transaction_id);
        let n = self
            .write_count(COMPLETE_SESSION, &[tid.as_str().into()])
            .await
            .map_err(err)?;
        Ok(n == 1)
    }

    async fn purge_sessions(&self, before_ms: i64) -> Result<u64, StoreError> {
        let purge = async {
            let mut tx = self.begin_write().await?;
            let n = tx
                .conn()
                .execute(PURGE_SESSIONS, &[before_ms.into()])
                .await?;
            tx.conn()
                .execute(PURGE_CHALLENGES, &[before_ms.into()])
                .await?;
            tx.commit().await?;
            Ok(n)
        };
        purge.await.map_err(err)
    }

    async fn claim_cascades(
        &self,
        now_ms: i64,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<Cascade>, StoreError> {
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let claim = async {
            let mut tx = self.begin_write().await?;
            let claimed = tx
                .conn()
                .fetch_all(
                    Dialect::of(self.backend).claim_cascades,
                    &[
                        now_ms.saturating_add(lease_ms).into(),
                        now_ms.into(),
                        i64::from(limit).into(),
                    ],
                    cascade,
                )
                .await?;
            tx.commit().await?;
            Ok(claimed)
        };
        claim.await.map_err(err)
    }

    async fn cascade_synced(&self, eid: &Eid, registered: bool) -> Result<(), StoreError> {
        let sync = async {
            let mut tx = self.begin_write().await?;
            tx.conn()
                .execute(
                    CASCADE_SYNCED,
                    &[
                        eid.as_str().into(),
                        flag(registered).into(),
                        now_ms().into(),
                    ],
                )
                .await?;
            tx.conn()
                .execute(FORGET_CASCADE, &[eid.as_str().into()])
                .await?;
            tx.commit().await
        };
        sync.await.map_err(err)
    }

    async fn cascade_retry(
        &self,
        eid: &Eid,
        due_at_ms: i64,
        error: &str,
    ) -> Result<(), StoreError> {
        self.write_count(
            CASCADE_RETRY,
            &[eid.as_str().into(), due_at_ms.into(), error.into()],
        )
        .await
        .map(drop)
        .map_err(err)
    }

    async fn pending_cascades(&self) -> Result<u64, StoreError> {
        let n = self
            .read_all(PENDING_CASCADES, &[], |row| row.int("n"))
            .await
            .map_err(err)?;
        count(n.into_iter().next().unwrap_or(0)).map_err(err)
    }
}
