//! [`SmsrStore`] over SQL: the EIS documents with versions, sealed ISD-R keys, atomic SCP80
//! counters, operations run one at a time per eUICC, and received notifications (migration
//! `20261210000001_smsr`).

use rsp_smdpp::store::StoreError as DbError;
use rsp_smsr::keys::EuiccKeys;
use rsp_smsr::model::Eis;
use rsp_smsr::notice::{Addressed, QueuedNotice};
use rsp_smsr::operation::{NewOperation, Operation, OperationStatus, Outcome, Transport};
use rsp_smsr::store::{ReceivedNotification, SmsrStore, StoreError, StoredEis};

use crate::backend::{SqlStore, Tx};
use crate::db::{Param, RowRead};
use crate::row::{attempts, json};
use crate::smsr_audit;
use crate::sql::{RoleOutbox, role_outbox};

macro_rules! op_columns {
    () => {
        "id, eid, function, requester, transport, status, attempts, counter, message_id, \
         reply_to, created_at, expires_at, next_attempt_at, outcome"
    };
}

const INSERT_EUICC: &str = "INSERT INTO smsr_euiccs (eid, eis, version, keys_sealed, key_id, \
     psk_identity, counter, created_at) VALUES ($1, $2, 1, $3, $4, $5, 0, $6)";
const EID_BY_PSK_IDENTITY: &str = "SELECT eid FROM smsr_euiccs WHERE psk_identity = $1";
const OLDEST_UNFINISHED: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM smsr_operations WHERE eid = $1 AND status IN ('queued', 'sent') ORDER BY id LIMIT 1"
);
const SELECT_EIS: &str = "SELECT eis, version FROM smsr_euiccs WHERE eid = $1";
const SELECT_KEYS: &str = "SELECT keys_sealed FROM smsr_euiccs WHERE eid = $1";
const UPDATE_EIS: &str = "UPDATE smsr_euiccs SET eis = $2, version = version + 1 \
     WHERE eid = $1 AND version = $3";
/// One statement: two replicas never get the same value.
const NEXT_COUNTER: &str =
    "UPDATE smsr_euiccs SET counter = counter + 1 WHERE eid = $1 RETURNING counter";
const INSERT_OP: &str = concat!(
    "INSERT INTO smsr_operations (eid, function, requester, transport, status, attempts, \
     message_id, reply_to, created_at, expires_at, next_attempt_at, updated_at) \
     VALUES ($1, $2, $3, $4, 'queued', 0, $5, $6, $7, $8, $7, $7) RETURNING ",
    op_columns!()
);
/// Per eUICC the oldest unfinished operation, when its next attempt is due.
const DUE: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM smsr_operations o WHERE o.status IN ('queued', 'sent') AND o.next_attempt_at <= $1 \
     AND o.id = (SELECT MIN(p.id) FROM smsr_operations p WHERE p.eid = o.eid \
     AND p.status IN ('queued', 'sent')) ORDER BY o.next_attempt_at, o.id LIMIT $2"
);
/// The attempt number is the condition: one replica wins each attempt.
const MARK_SENT: &str = "UPDATE smsr_operations SET status = 'sent', attempts = $2, counter = $3, \
     next_attempt_at = $4, updated_at = $5 WHERE id = $1 AND attempts = $2 - 1 \
     AND status IN ('queued', 'sent')";
const BY_COUNTER: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM smsr_operations WHERE eid = $1 AND counter = $2 AND status = 'sent' \
     ORDER BY id LIMIT 1"
);
/// Returns the ended operation (for its audit record and metrics).
const COMPLETE: &str = concat!(
    "UPDATE smsr_operations SET status = $2, outcome = $3, updated_at = $4 \
     WHERE id = $1 AND status IN ('queued', 'sent') RETURNING ",
    op_columns!()
);
const BY_ID: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM smsr_operations WHERE id = $1"
);
const BY_EID: &str = concat!(
    "SELECT ",
    op_columns!(),
    " FROM smsr_operations WHERE eid = $1 ORDER BY id DESC LIMIT $2"
);
const INSERT_NOTICE: &str = "INSERT INTO smsr_outbox (destination, notice, state, attempts, \
     due_at, created_at) VALUES ($1, $2, 'pending', 0, $3, $3)";
const NOTICES: RoleOutbox = role_outbox!("smsr_outbox", "id, destination, notice, attempts");
const DELETE_MSISDNS: &str = "DELETE FROM smsr_msisdns WHERE eid = $1";
const INSERT_MSISDN: &str = "INSERT INTO smsr_msisdns (msisdn, eid) VALUES ($1, $2) \
     ON CONFLICT (msisdn) DO UPDATE SET eid = $2";
const EID_BY_MSISDN: &str = "SELECT eid FROM smsr_msisdns WHERE msisdn = $1";
const ACCEPT_MO_COUNTER: &str =
    "UPDATE smsr_euiccs SET mo_counter = $2 WHERE eid = $1 AND mo_counter < $2";
const INSERT_NOTIFICATION: &str = "INSERT INTO smsr_notifications (eid, sequence, kind, \
     isd_p_aid, received_at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT (eid, sequence) DO NOTHING";

pub(crate) fn err(e: DbError) -> StoreError {
    match e {
        DbError::Duplicate(_) => StoreError::Duplicate,
        DbError::Corrupt(c) => StoreError::Corrupt(c),
        DbError::Crypto => StoreError::Corrupt("sealed keys do not open"),
        other => StoreError::Backend(Box::new(other)),
    }
}

pub(crate) fn to_json<T: serde::Serialize>(
    value: &T,
    what: &'static str,
) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|_| StoreError::Corrupt(what))
}

fn u64_of(v: i64, what: &'static str) -> Result<u64, DbError> {
    u64::try_from(v).map_err(|_| DbError::Corrupt(what))
}

pub(crate) fn i64_of(v: u64) -> Result<i64, StoreError> {
    i64::try_from(v).map_err(|_| StoreError::Corrupt("value out of range"))
}

fn operation(row: &dyn RowRead) -> Result<Operation, DbError> {
    Ok(Operation {
        id: row.int("id")?,
        eid: row.text("eid")?,
        function: json(&row.text("function")?, "function")?,
        requester: json(&row.text("requester")?, "requester")?,
        transport: Transport::parse(&row.text("transport")?)
            .ok_or(DbError::Corrupt("transport"))?,
        status: OperationStatus::parse(&row.text("status")?).ok_or(DbError::Corrupt("status"))?,
        attempts: u32::try_from(row.int("attempts")?).map_err(|_| DbError::Corrupt("attempts"))?,
        counter: row
            .opt_int("counter")?
            .map(|c| u64_of(c, "counter"))
            .transpose()?,
        message_id: row.opt_text("message_id")?,
        reply_to: row.opt_text("reply_to")?,
        created_at: row.int("created_at")?,
        expires_at: row.int("expires_at")?,
        next_attempt_at: row.int("next_attempt_at")?,
        outcome: row
            .opt_text("outcome")?
            .map(|o| json(&o, "outcome"))
            .transpose()?,
    })
}

/// The function and requester of `op` as stored (JSON).
fn op_json(op: &NewOperation) -> Result<(String, String), StoreError> {
    Ok((
        to_json(&op.function, "function")?,
        to_json(&op.requester, "requester")?,
    ))
}

/// The parameters of [`INSERT_OP`] for `op` (`function`, `requester`: [`op_json`]).
fn op_params<'a>(op: &'a NewOperation, function: &'a str, requester: &'a str) -> [Param<'a>; 8] {
    [
        op.eid.as_str().into(),
        function.into(),
        requester.into(),
        op.transport.as_str().into(),
        op.message_id.as_deref().into(),
        op.reply_to.as_deref().into(),
        op.now.into(),
        op.now.saturating_add(op.validity).into(),
    ]
}

/// Queues `ops` inside `tx` (their JSON from [`op_json`]), each with its audit record.
pub(crate) async fn write_operations(
    tx: &mut Tx,
    ops: &[(&NewOperation, String, String)],
) -> Result<Vec<Operation>, DbError> {
    let mut queued = Vec::with_capacity(ops.len());
    for (op, function, requester) in ops {
        let rows = tx
            .conn()
            .fetch_all(INSERT_OP, &op_params(op, function, requester), operation)
            .await?;
        for o in rows {
            smsr_audit::operation_queued(tx, &o).await?;
            queued.push(o);
        }
    }
    Ok(queued)
}

/// `ops` with their JSON for [`write_operations`].
pub(crate) fn ops_json(
    ops: &[NewOperation],
) -> Result<Vec<(&NewOperation, String, String)>, StoreError> {
    ops.iter()
        .map(|op| op_json(op).map(|(f, r)| (op, f, r)))
        .collect()
}

/// Rewrites the MSISDNs of `eis` inside `tx`.
async fn write_msisdns(tx: &mut Tx, eis: &Eis) -> Result<(), DbError> {
    let eid = eis.eid.as_str();
    tx.conn().execute(DELETE_MSISDNS, &[eid.into()]).await?;
    for p in &eis.profiles {
        if let Some(m) = p.subscription_address.msisdn.as_deref() {
            tx.conn()
                .execute(INSERT_MSISDN, &[m.into(), eid.into()])
                .await?;
        }
    }
    Ok(())
}

/// Queues `notices` inside `tx`.
pub(crate) async fn write_notices(
    tx: &mut Tx,
    notices: &[Addressed],
    now: i64,
) -> Result<(), DbError> {
    for n in notices {
        let destination = serde_json::to_string(&n.destination)
            .map_err(|_| DbError::Corrupt("notice destination"))?;
        let notice = serde_json::to_string(&n.notice).map_err(|_| DbError::Corrupt("notice"))?;
        tx.conn()
            .execute(
                INSERT_NOTICE,
                &[
                    destination.as_str().into(),
                    notice.as_str().into(),
                    now.into(),
                ],
            )
            .await?;
    }
    Ok(())
}

impl SqlStore {
    async fn smsr_write<T: Send>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl Fn(&dyn RowRead) -> Result<T, DbError> + Send,
    ) -> Result<Vec<T>, StoreError> {
        self.write_rows(sql, params, f).await.map_err(err)
    }

    async fn smsr_exec(&self, sql: &'static str, params: &[Param<'_>]) -> Result<u64, StoreError> {
        self.write_exec(sql, params).await.map_err(err)
    }

    async fn smsr_read<T>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl Fn(&dyn RowRead) -> Result<T, DbError> + Send,
    ) -> Result<Vec<T>, StoreError> {
        self.read_rows(sql, params, f).await.map_err(err)
    }
}

impl SmsrStore for SqlStore {
    async fn register(&self, eis: &Eis, keys: &EuiccKeys, now: i64) -> Result<(), StoreError> {
        let doc = to_json(eis, "eis")?;
        let eid = eis.eid.as_str();
        let sealed = self
            .key
            .seal_smsr_keys(eid, &keys.to_sealable())
            .map_err(err)?;
        let key_id = self.key.id().to_owned();
        let run = async {
            let mut tx = self.begin_write().await?;
            tx.conn()
                .execute(
                    INSERT_EUICC,
                    &[
                        eid.into(),
                        doc.as_str().into(),
                        sealed.as_slice().into(),
                        key_id.as_str().into(),
                        keys.scp81.as_ref().map(|p| p.identity.as_str()).into(),
                        now.into(),
                    ],
                )
                .await?;
            write_msisdns(&mut tx, eis).await?;
            smsr_audit::eis_registered(&mut tx, eis, keys).await?;
            tx.commit().await
        };
        run.await.map_err(err)
    }

    async fn eis(&self, eid: &str) -> Result<Option<StoredEis>, StoreError> {
        let found = self
            .smsr_read(SELECT_EIS, &[eid.into()], |r| {
                Ok(StoredEis {
                    eis: json(&r.text("eis")?, "eis")?,
                    version: r.int("version")?,
                })
            })
            .await?;
        Ok(found.into_iter().next())
    }

    async fn update_eis(
        &self,
        eis: &Eis,
        version: i64,
        notices: &[Addressed],
        now: i64,
    ) -> Result<bool, StoreError> {
        let doc = to_json(eis, "eis")?;
        let run = async {
            let mut tx = self.begin_write().await?;
            let n = tx
                .conn()
                .execute(
                    UPDATE_EIS,
                    &[eis.eid.as_str().into(), doc.as_str().into(), version.into()],
                )
                .await?;
            if n != 1 {
                tx.commit().await?;
                return Ok(false);
            }
            write_msisdns(&mut tx, eis).await?;
            write_notices(&mut tx, notices, now).await?;
            tx.commit().await?;
            Ok(true)
        };
        run.await.map_err(err)
    }

    async fn keys(&self, eid: &str) -> Result<Option<EuiccKeys>, StoreError> {
        let sealed = self
            .smsr_read(SELECT_KEYS, &[eid.into()], |r| r.blob("keys_sealed"))
            .await?;
        let Some(sealed) = sealed.into_iter().next() else {
            return Ok(None);
        };
        let plain = self.key.open_smsr_keys(eid, &sealed).map_err(err)?;
        EuiccKeys::from_sealable(&plain)
            .map(Some)
            .map_err(|_| StoreError::Corrupt("keys"))
    }

    async fn next_counter(&self, eid: &str) -> Result<u64, StoreError> {
        let rows = self
            .smsr_write(NEXT_COUNTER, &[eid.into()], |r| {
                u64_of(r.int("counter")?, "counter")
            })
            .await?;
        rows.into_iter()
            .next()
            .ok_or(StoreError::Corrupt("no eUICC for the counter"))
    }

    async fn queue(&self, op: &NewOperation) -> Result<Operation, StoreError> {
        let (function, requester) = op_json(op)?;
        let run = async {
            let mut tx = self.begin_write().await?;
            let queued = write_operations(&mut tx, &[(op, function, requester)]).await?;
            tx.commit().await?;
            Ok(queued)
        };
        let queued: Vec<Operation> = run.await.map_err(err)?;
        queued
            .into_iter()
            .next()
            .ok_or(StoreError::Corrupt("insert returned no row"))
    }

    async fn due(&self, now: i64, limit: i64) -> Result<Vec<Operation>, StoreError> {
        self.smsr_read(DUE, &[now.into(), limit.into()], operation)
            .await
    }

    async fn mark_sent(
        &self,
        id: i64,
        attempt: u32,
        counter: u64,
        next_attempt_at: i64,
    ) -> Result<bool, StoreError> {
        let n = self
            .smsr_exec(
                MARK_SENT,
                &[
                    id.into(),
                    i64::from(attempt).into(),
                    i64_of(counter)?.into(),
                    next_attempt_at.into(),
                    next_attempt_at.into(),
                ],
            )
            .await?;
        Ok(n == 1)
    }

    async fn sent_by_counter(
        &self,
        eid: &str,
        counter: u64,
    ) -> Result<Option<Operation>, StoreError> {
        let found = self
            .smsr_read(
                BY_COUNTER,
                &[eid.into(), i64_of(counter)?.into()],
                operation,
            )
            .await?;
        Ok(found.into_iter().next())
    }

    async fn complete(
        &self,
        id: i64,
        outcome: &Outcome,
        eis: Option<(&Eis, i64)>,
        notices: &[Addressed],
        now: i64,
    ) -> Result<bool, StoreError> {
        let status = if outcome.success {
            OperationStatus::Done
        } else {
            OperationStatus::Failed
        };
        let outcome = to_json(outcome, "outcome")?;
        let doc = eis.map(|(e, _)| to_json(e, "eis")).transpose()?;
        let run = async {
            let mut tx = self.begin_write().await?;
            let ended = tx
                .conn()
                .fetch_all(
                    COMPLETE,
                    &[
                        id.into(),
                        status.as_str().into(),
                        outcome.as_str().into(),
                        now.into(),
                    ],
                    operation,
                )
                .await?;
            let [ended] = ended.as_slice() else {
                tx.commit().await?;
                return Ok(None);
            };
            let ended = ended.clone();
            if let (Some((e, version)), Some(doc)) = (eis, doc.as_deref()) {
                let changed = tx
                    .conn()
                    .execute(
                        UPDATE_EIS,
                        &[e.eid.as_str().into(), doc.into(), version.into()],
                    )
                    .await?;
                if changed != 1 {
                    // The EIS moved on meanwhile: nothing of this completion is written.
                    drop(tx);
                    return Ok(None);
                }
                write_msisdns(&mut tx, e).await?;
            }
            write_notices(&mut tx, notices, now).await?;
            smsr_audit::operation_ended(&mut tx, &ended, now).await?;
            tx.commit().await?;
            Ok(Some(ended))
        };
        let ended = run.await.map_err(err)?;
        if let Some(op) = &ended {
            smsr_audit::count_ended(op, now);
        }
        Ok(ended.is_some())
    }

    async fn claim_notices(
        &self,
        now: i64,
        limit: i64,
        lease: i64,
    ) -> Result<Vec<QueuedNotice>, StoreError> {
        self.claim_role_outbox(&NOTICES, now, limit, lease, |r| {
            Ok(QueuedNotice {
                id: r.int("id")?,
                item: Addressed {
                    destination: json(&r.text("destination")?, "notice destination")?,
                    notice: json(&r.text("notice")?, "notice")?,
                },
                attempts: attempts(r)?,
            })
        })
        .await
        .map_err(err)
    }

    async fn notice_ended(&self, id: i64, delivered: bool) -> Result<(), StoreError> {
        self.role_outbox_ended(&NOTICES, id, delivered)
            .await
            .map_err(err)
    }

    async fn notice_retry(&self, id: i64, at: i64) -> Result<(), StoreError> {
        self.role_outbox_retry(&NOTICES, id, at).await.map_err(err)
    }

    async fn operation(&self, id: i64) -> Result<Option<Operation>, StoreError> {
        let found = self.smsr_read(BY_ID, &[id.into()], operation).await?;
        Ok(found.into_iter().next())
    }

    async fn operations(&self, eid: &str, limit: i64) -> Result<Vec<Operation>, StoreError> {
        self.smsr_read(BY_EID, &[eid.into(), limit.into()], operation)
            .await
    }

    async fn eid_by_psk_identity(&self, identity: &str) -> Result<Option<String>, StoreError> {
        let found = self
            .smsr_read(EID_BY_PSK_IDENTITY, &[identity.into()], |r| r.text("eid"))
            .await?;
        Ok(found.into_iter().next())
    }

    async fn oldest_unfinished(&self, eid: &str) -> Result<Option<Operation>, StoreError> {
        let found = self
            .smsr_read(OLDEST_UNFINISHED, &[eid.into()], operation)
            .await?;
        Ok(found.into_iter().next())
    }

    async fn eid_by_msisdn(&self, msisdn: &str) -> Result<Option<String>, StoreError> {
        let found = self
            .smsr_read(EID_BY_MSISDN, &[msisdn.into()], |r| r.text("eid"))
            .await?;
        Ok(found.into_iter().next())
    }

    async fn accept_mo_counter(&self, eid: &str, counter: u64) -> Result<bool, StoreError> {
        let n = self
            .smsr_exec(ACCEPT_MO_COUNTER, &[eid.into(), i64_of(counter)?.into()])
            .await?;
        Ok(n == 1)
    }

    async fn record_notification(
        &self,
        n: &ReceivedNotification,
        now: i64,
    ) -> Result<bool, StoreError> {
        let inserted = self
            .smsr_exec(
                INSERT_NOTIFICATION,
                &[
                    n.eid.as_str().into(),
                    i64::from(n.sequence).into(),
                    i64::from(n.kind).into(),
                    n.isd_p_aid.as_deref().into(),
                    now.into(),
                ],
            )
            .await?;
        Ok(inserted == 1)
    }
}
