//! Fleet scale for the eIM store: a batch of registrations and the same operation queued for
//! many eUICCs, each one statement over a JSON array parameter (PostgreSQL
//! `json_to_recordset` / `json_array_elements_text`, SQLite `json_each`), so a batch of
//! 10 000 rows is one round trip, not 10 000; and the poll, which on PostgreSQL is one
//! statement outside a transaction (claim and "is the EID registered" together: one round
//! trip for an empty poll instead of the read, `BEGIN`, claim and `COMMIT` of
//! [`EimStore::claim_operation`]).

use std::time::Duration;

use rsp_codec::json::Eid;
use rsp_eim::model::{EuiccRecord, OperationKind};
use rsp_eim::store::{BulkTarget, Poll, StoreError};
use serde_json::{Value, json};

use crate::backend::{Backend, SqlStore};
use crate::eim::{eid_of, err, operation};
use crate::eim_sql::*;
use crate::inventory::now_ms;

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl SqlStore {
    pub(crate) async fn eim_register_euiccs(
        &self,
        euiccs: &[EuiccRecord],
    ) -> Result<Vec<Eid>, StoreError> {
        // One statement per tenant and initial state (a batch normally has one of each).
        let mut duplicates = Vec::new();
        let mut rest = euiccs;
        while let Some(head) = rest.first() {
            let same = rest
                .iter()
                .take_while(|e| e.tenant == head.tenant && e.state == head.state)
                .count();
            let (group, tail) = rest.split_at(same);
            rest = tail;
            duplicates.extend(self.insert_group(group).await?);
        }
        Ok(duplicates)
    }

    async fn insert_group(&self, group: &[EuiccRecord]) -> Result<Vec<Eid>, StoreError> {
        let Some(head) = group.first() else {
            return Ok(Vec::new());
        };
        let rows: Vec<Value> = group
            .iter()
            .map(|e| {
                json!({
                    "eid": e.eid.as_str(),
                    "eim_id": e.eim_id,
                    "counter_value": e.counter_value,
                    "association_token": e.association_token,
                    "curve": e.curve.as_str(),
                    "euicc_certificate": e.euicc_certificate.as_deref().map(hex::encode),
                    "eum_certificate": e.eum_certificate.as_deref().map(hex::encode),
                })
            })
            .collect();
        let rows = Value::Array(rows).to_string();
        let state = serde_json::to_string(&head.state).map_err(|_| StoreError::Corrupt("state"))?;
        let sql = match self.backend {
            Backend::Sqlite => BULK_INSERT_EUICCS_SQLITE,
            Backend::Postgres => BULK_INSERT_EUICCS_POSTGRES,
        };
        let run = async {
            let mut tx = self.begin_write().await?;
            let inserted = tx
                .conn()
                .fetch_all(
                    sql,
                    &[
                        rows.as_str().into(),
                        head.tenant.as_str().into(),
                        state.as_str().into(),
                        head.created_at_ms.into(),
                    ],
                    |r| r.text("eid"),
                )
                .await?;
            tx.commit().await?;
            Ok(inserted)
        };
        let inserted: std::collections::HashSet<String> =
            run.await.map_err(err)?.into_iter().collect();
        let mut seen = std::collections::HashSet::new();
        Ok(group
            .iter()
            .filter(|e| !inserted.contains(e.eid.as_str()) || !seen.insert(e.eid.as_str()))
            .map(|e| e.eid.clone())
            .collect())
    }

    pub(crate) async fn eim_queue_operations(
        &self,
        tenant: &str,
        target: BulkTarget<'_>,
        kind: &OperationKind,
    ) -> Result<(u64, Vec<Eid>), StoreError> {
        let kind = serde_json::to_string(kind).map_err(|_| StoreError::Corrupt("kind"))?;
        let now = now_ms();
        match target {
            BulkTarget::All => {
                let n = self
                    .eim_exec(
                        BULK_QUEUE_ALL,
                        &[tenant.into(), kind.as_str().into(), now.into()],
                    )
                    .await?;
                Ok((n, Vec::new()))
            }
            BulkTarget::Eids(eids) => {
                if eids.is_empty() {
                    return Ok((0, Vec::new()));
                }
                let list = Value::Array(eids.iter().map(|e| Value::from(e.as_str())).collect())
                    .to_string();
                let sql = match self.backend {
                    Backend::Sqlite => BULK_QUEUE_LIST_SQLITE,
                    Backend::Postgres => BULK_QUEUE_LIST_POSTGRES,
                };
                let run = async {
                    let mut tx = self.begin_write().await?;
                    let queued = tx
                        .conn()
                        .fetch_all(
                            sql,
                            &[
                                tenant.into(),
                                kind.as_str().into(),
                                now.into(),
                                list.as_str().into(),
                            ],
                            |r| eid_of(r.text("eid")?),
                        )
                        .await?;
                    tx.commit().await?;
                    Ok(queued)
                };
                let queued = run.await.map_err(err)?;
                Ok((u64::try_from(queued.len()).unwrap_or(u64::MAX), queued))
            }
        }
    }

    pub(crate) async fn eim_poll(
        &self,
        eid: &Eid,
        now_ms: i64,
        lease: Duration,
    ) -> Result<Poll, StoreError> {
        let until = now_ms.saturating_add(ms(lease));
        match self.backend {
            Backend::Postgres => {
                // Outside a transaction: each statement is atomic (autocommit). The look is
                // a plain read; the claim's row lock makes a concurrent claimer wait, then
                // see the new lease and claim nothing.
                let run = async {
                    let mut r = self.read().await?;
                    let mut conn = r.conn()?;
                    let look = conn
                        .fetch_all(
                            POLL_POSTGRES,
                            &[eid.as_str().into(), now_ms.into()],
                            |row| Ok((row.opt_int("known")?.is_some(), row.opt_int("claimable")?)),
                        )
                        .await;
                    let claimed = match look {
                        Ok(rows) => match rows.first() {
                            Some((true, Some(_))) => conn
                                .fetch_all(
                                    CLAIM_OP_POSTGRES,
                                    &[eid.as_str().into(), until.into(), now_ms.into()],
                                    operation,
                                )
                                .await
                                .map(|ops| {
                                    Some(
                                        ops.into_iter()
                                            .next()
                                            .map_or(Poll::Empty, |op| Poll::Claimed(Box::new(op))),
                                    )
                                }),
                            Some((true, None)) => Ok(Some(Poll::Empty)),
                            _ => Ok(None),
                        },
                        Err(e) => Err(e),
                    };
                    r.settle(claimed).await
                };
                Ok(run.await.map_err(err)?.unwrap_or(Poll::UnknownEid))
            }
            Backend::Sqlite => {
                let known = self
                    .eim_read(EUICC_KNOWN, &[eid.as_str().into()], |r| r.int("known"))
                    .await?;
                if known.is_empty() {
                    return Ok(Poll::UnknownEid);
                }
                let claimed = self
                    .eim_write(
                        CLAIM_OP_SQLITE,
                        &[eid.as_str().into(), until.into(), now_ms.into()],
                        operation,
                    )
                    .await?;
                Ok(claimed
                    .into_iter()
                    .next()
                    .map_or(Poll::Empty, |op| Poll::Claimed(Box::new(op))))
            }
        }
    }
}

impl SqlStore {
    /// PostgreSQL administration for benchmarks (`rsp bench eim --database`): creates the
    /// database `name` (lower-case letters, digits, `_`) on this store's server.
    pub async fn create_database(&self, name: &str) -> Result<(), StoreError> {
        self.admin_database("CREATE DATABASE", name, "").await
    }

    /// Drops the database `name`, closing its connections (`WITH (FORCE)`).
    pub async fn drop_database(&self, name: &str) -> Result<(), StoreError> {
        self.admin_database("DROP DATABASE IF EXISTS", name, " WITH (FORCE)")
            .await
    }

    async fn admin_database(&self, verb: &str, name: &str, suffix: &str) -> Result<(), StoreError> {
        let plain = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_');
        if self.backend != Backend::Postgres || !plain {
            return Err(StoreError::Corrupt("database name (PostgreSQL, [a-z0-9_])"));
        }
        let sql = format!("{verb} {name}{suffix}");
        sqlx::raw_sql(sqlx::AssertSqlSafe(sql))
            .execute(&self.pool)
            .await
            .map(drop)
            .map_err(|e| StoreError::Backend(Box::new(e)))
    }
}
