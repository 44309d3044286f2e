//! [`EimStore`] over SQL: tenants, the eUICC registry with atomic counter allocation,
//! operation queues with leases, results, notifications and the outbox (migration
//! `20261207000001_eim`).

use std::time::Duration;

use rsp_codec::json::Eid;
use rsp_eim::model::{
    EimCurve, EuiccRecord, EuiccState, Operation, OperationKind, OperationStatus, OutboxItem,
    OutboxKind, Tenant,
};
use rsp_eim::store::{BulkTarget, Completion, EimStore, Poll, StoreError};
use rsp_smdpp::store::StoreError as DbError;

use crate::backend::{Backend, SqlStore};
use crate::db::{Param, RowRead};
use crate::eim_sql::*;
use crate::inventory::now_ms;

pub(crate) fn err(e: DbError) -> StoreError {
    match e {
        DbError::Duplicate(_) => StoreError::Duplicate,
        DbError::Corrupt(c) => StoreError::Corrupt(c),
        other => StoreError::Backend(Box::new(other)),
    }
}

fn tenant(row: &dyn RowRead) -> Result<Tenant, DbError> {
    Ok(Tenant {
        id: row.text("id")?,
        token_sha256: row
            .blob("token_sha256")?
            .try_into()
            .map_err(|_| DbError::Corrupt("token_sha256"))?,
        webhook_url: row.opt_text("webhook_url")?,
    })
}

pub(crate) fn eid_of(text: String) -> Result<Eid, DbError> {
    Eid::parse(&text).map_err(|_| DbError::Corrupt("eid"))
}

fn euicc(row: &dyn RowRead) -> Result<EuiccRecord, DbError> {
    Ok(EuiccRecord {
        eid: eid_of(row.text("eid")?)?,
        tenant: row.text("tenant")?,
        eim_id: row.text("eim_id")?,
        counter_value: row.int("counter_value")?,
        association_token: row.opt_int("association_token")?,
        curve: EimCurve::parse(&row.text("curve")?).ok_or(DbError::Corrupt("curve"))?,
        euicc_certificate: row.opt_blob("euicc_certificate")?,
        eum_certificate: row.opt_blob("eum_certificate")?,
        state: serde_json::from_str::<EuiccState>(&row.text("state")?)
            .map_err(|_| DbError::Corrupt("state"))?,
        created_at_ms: row.int("created_at_ms")?,
    })
}

pub(crate) fn operation(row: &dyn RowRead) -> Result<Operation, DbError> {
    Ok(Operation {
        id: row.int("id")?,
        eid: eid_of(row.text("eid")?)?,
        tenant: row.text("tenant")?,
        kind: serde_json::from_str::<OperationKind>(&row.text("kind")?)
            .map_err(|_| DbError::Corrupt("kind"))?,
        status: OperationStatus::parse(&row.text("status")?).ok_or(DbError::Corrupt("status"))?,
        transaction_id: row.opt_blob("transaction_id")?,
        counter_value: row.opt_int("counter_value")?,
        message: row.opt_blob("message")?,
        result: row
            .opt_text("result")?
            .map(|r| serde_json::from_str(&r).map_err(|_| DbError::Corrupt("result")))
            .transpose()?,
        deliveries: row.int("deliveries")?,
        created_at_ms: row.int("created_at_ms")?,
        updated_at_ms: row.int("updated_at_ms")?,
    })
}

fn outbox(row: &dyn RowRead) -> Result<OutboxItem, DbError> {
    Ok(OutboxItem {
        id: row.int("id")?,
        kind: OutboxKind::parse(&row.text("kind")?).ok_or(DbError::Corrupt("kind"))?,
        target: row.text("target")?,
        body: row.blob("body")?,
        attempts: u32::try_from(row.int("attempts")?).unwrap_or(u32::MAX),
    })
}

fn ms(d: Duration) -> i64 {
    i64::try_from(d.as_millis()).unwrap_or(i64::MAX)
}

impl SqlStore {
    /// One statement in its own write transaction, mapping the rows it returns.
    pub(crate) async fn eim_write<T: Send>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl Fn(&dyn RowRead) -> Result<T, DbError> + Send,
    ) -> Result<Vec<T>, StoreError> {
        self.write_rows(sql, params, f).await.map_err(err)
    }

    pub(crate) async fn eim_exec(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
    ) -> Result<u64, StoreError> {
        self.write_exec(sql, params).await.map_err(err)
    }

    pub(crate) async fn eim_read<T>(
        &self,
        sql: &'static str,
        params: &[Param<'_>],
        f: impl Fn(&dyn RowRead) -> Result<T, DbError> + Send,
    ) -> Result<Vec<T>, StoreError> {
        self.read_rows(sql, params, f).await.map_err(err)
    }
}

impl EimStore for SqlStore {
    async fn upsert_tenant(&self, t: &Tenant) -> Result<(), StoreError> {
        self.eim_exec(
            UPSERT_TENANT,
            &[
                t.id.as_str().into(),
                t.token_sha256.as_slice().into(),
                t.webhook_url.as_deref().into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn remove_tenants_except(&self, keep: &[String]) -> Result<Vec<String>, StoreError> {
        let run = async {
            let mut tx = self.begin_write().await?;
            let ids = tx
                .conn()
                .fetch_all(TENANT_IDS, &[], |r| r.text("id"))
                .await?;
            let mut removed = Vec::new();
            for id in ids.into_iter().filter(|id| !keep.contains(id)) {
                tx.conn()
                    .execute(DELETE_TENANT, &[id.as_str().into()])
                    .await?;
                removed.push(id);
            }
            tx.commit().await?;
            Ok(removed)
        };
        run.await.map_err(err)
    }

    async fn tenant_by_token(&self, hash: &[u8; 32]) -> Result<Option<Tenant>, StoreError> {
        let found = self
            .eim_read(TENANT_BY_TOKEN, &[hash.as_slice().into()], tenant)
            .await?;
        Ok(found.into_iter().next())
    }

    async fn tenant(&self, id: &str) -> Result<Option<Tenant>, StoreError> {
        let found = self.eim_read(TENANT_BY_ID, &[id.into()], tenant).await?;
        Ok(found.into_iter().next())
    }

    async fn register_euicc(&self, e: &EuiccRecord) -> Result<(), StoreError> {
        let state = serde_json::to_string(&e.state).map_err(|_| StoreError::Corrupt("state"))?;
        self.eim_exec(
            INSERT_EUICC,
            &[
                e.eid.as_str().into(),
                e.tenant.as_str().into(),
                e.eim_id.as_str().into(),
                e.counter_value.into(),
                e.association_token.into(),
                e.curve.as_str().into(),
                e.euicc_certificate.as_deref().into(),
                e.eum_certificate.as_deref().into(),
                state.as_str().into(),
                e.created_at_ms.into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn euicc(&self, eid: &Eid) -> Result<Option<EuiccRecord>, StoreError> {
        let found = self
            .eim_read(SELECT_EUICC, &[eid.as_str().into()], euicc)
            .await?;
        Ok(found.into_iter().next())
    }

    async fn list_euiccs(&self, tenant: &str, limit: u32) -> Result<Vec<EuiccRecord>, StoreError> {
        let limit = i64::from(limit.clamp(1, 1000));
        self.eim_read(LIST_EUICCS, &[tenant.into(), limit.into()], euicc)
            .await
    }

    async fn set_certificates(
        &self,
        eid: &Eid,
        euicc_certificate: &[u8],
        eum_certificate: &[u8],
    ) -> Result<(), StoreError> {
        self.eim_exec(
            SET_CERTS,
            &[
                eid.as_str().into(),
                euicc_certificate.into(),
                eum_certificate.into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn next_counter(&self, eid: &Eid) -> Result<Option<i64>, StoreError> {
        let rows = self
            .eim_write(NEXT_COUNTER, &[eid.as_str().into()], |r| {
                r.int("counter_value")
            })
            .await?;
        Ok(rows.into_iter().next())
    }

    async fn queue_operation(
        &self,
        eid: &Eid,
        tenant: &str,
        kind: &OperationKind,
    ) -> Result<i64, StoreError> {
        let kind = serde_json::to_string(kind).map_err(|_| StoreError::Corrupt("kind"))?;
        let rows = self
            .eim_write(
                INSERT_OP,
                &[
                    eid.as_str().into(),
                    tenant.into(),
                    kind.as_str().into(),
                    now_ms().into(),
                ],
                |r| r.int("id"),
            )
            .await?;
        rows.into_iter().next().ok_or(StoreError::Corrupt("id"))
    }

    async fn claim_operation(
        &self,
        eid: &Eid,
        now_ms: i64,
        lease: Duration,
    ) -> Result<Option<Operation>, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => CLAIM_OP_SQLITE,
            Backend::Postgres => CLAIM_OP_POSTGRES,
        };
        let rows = self
            .eim_write(
                sql,
                &[
                    eid.as_str().into(),
                    now_ms.saturating_add(ms(lease)).into(),
                    now_ms.into(),
                ],
                operation,
            )
            .await?;
        Ok(rows.into_iter().next())
    }

    async fn set_delivered(
        &self,
        operation_id: i64,
        counter_value: Option<i64>,
        transaction_id: &[u8],
        message: &[u8],
    ) -> Result<(), StoreError> {
        self.eim_exec(
            SET_DELIVERED,
            &[
                operation_id.into(),
                counter_value.into(),
                transaction_id.into(),
                message.into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn delivered_operation(
        &self,
        eid: &Eid,
        transaction_id: Option<&[u8]>,
        counter_value: Option<i64>,
    ) -> Result<Option<Operation>, StoreError> {
        let rows = match (transaction_id, counter_value) {
            (Some(tid), _) => {
                self.eim_read(
                    DELIVERED_BY_TID,
                    &[eid.as_str().into(), tid.into()],
                    operation,
                )
                .await?
            }
            (None, Some(c)) => {
                self.eim_read(
                    DELIVERED_BY_COUNTER,
                    &[eid.as_str().into(), c.into()],
                    operation,
                )
                .await?
            }
            (None, None) => Vec::new(),
        };
        Ok(rows.into_iter().next())
    }

    async fn complete_operation(&self, c: &Completion<'_>) -> Result<bool, StoreError> {
        let result = c.result.to_string();
        let state = c
            .state
            .map(serde_json::to_string)
            .transpose()
            .map_err(|_| StoreError::Corrupt("state"))?;
        let now = now_ms();
        let run = async {
            let mut tx = self.begin_write().await?;
            let n = tx
                .conn()
                .execute(
                    COMPLETE_OP,
                    &[
                        c.operation_id.into(),
                        c.status.as_str().into(),
                        result.as_str().into(),
                        now.into(),
                    ],
                )
                .await?;
            if n == 1 {
                if let Some(state) = &state {
                    tx.conn()
                        .execute(SET_STATE, &[c.operation_id.into(), state.as_str().into()])
                        .await?;
                }
                if let Some((url, body)) = c.webhook {
                    tx.conn()
                        .execute(
                            INSERT_OUTBOX,
                            &[
                                OutboxKind::Webhook.as_str().into(),
                                url.into(),
                                body.into(),
                                now.into(),
                            ],
                        )
                        .await?;
                }
            }
            tx.commit().await?;
            Ok(n == 1)
        };
        run.await.map_err(err)
    }

    async fn cancel_operation(
        &self,
        operation_id: i64,
        result: &serde_json::Value,
    ) -> Result<bool, StoreError> {
        let result = result.to_string();
        let n = self
            .eim_exec(
                CANCEL_OP,
                &[operation_id.into(), result.as_str().into(), now_ms().into()],
            )
            .await?;
        Ok(n == 1)
    }

    async fn record_result(
        &self,
        eid: &Eid,
        operation_id: Option<i64>,
        accepted: bool,
        reason: &str,
        der: &[u8],
    ) -> Result<(), StoreError> {
        self.eim_exec(
            INSERT_RESULT,
            &[
                eid.as_str().into(),
                operation_id.into(),
                i64::from(accepted).into(),
                reason.into(),
                der.into(),
                now_ms().into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn store_notification(
        &self,
        eid: Option<&Eid>,
        der: &[u8],
        forward_to: Option<&str>,
    ) -> Result<(), StoreError> {
        let now = now_ms();
        let run = async {
            let mut tx = self.begin_write().await?;
            tx.conn()
                .execute(
                    INSERT_NOTIFICATION,
                    &[
                        eid.map(Eid::as_str).into(),
                        der.into(),
                        forward_to.into(),
                        now.into(),
                    ],
                )
                .await?;
            if let Some(address) = forward_to {
                tx.conn()
                    .execute(
                        INSERT_OUTBOX,
                        &[
                            OutboxKind::Es9Notification.as_str().into(),
                            address.into(),
                            der.into(),
                            now.into(),
                        ],
                    )
                    .await?;
            }
            tx.commit().await
        };
        run.await.map_err(err)
    }

    async fn operation(&self, id: i64) -> Result<Option<Operation>, StoreError> {
        let found = self.eim_read(SELECT_OP, &[id.into()], operation).await?;
        Ok(found.into_iter().next())
    }

    async fn list_operations(&self, eid: &Eid, limit: u32) -> Result<Vec<Operation>, StoreError> {
        let limit = i64::from(limit.clamp(1, 1000));
        self.eim_read(LIST_OPS, &[eid.as_str().into(), limit.into()], operation)
            .await
    }

    async fn queue_outbox(
        &self,
        kind: OutboxKind,
        target: &str,
        body: &[u8],
    ) -> Result<(), StoreError> {
        self.eim_exec(
            INSERT_OUTBOX,
            &[
                kind.as_str().into(),
                target.into(),
                body.into(),
                now_ms().into(),
            ],
        )
        .await
        .map(drop)
    }

    async fn claim_outbox(
        &self,
        now_ms: i64,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<OutboxItem>, StoreError> {
        let sql = match self.backend {
            Backend::Sqlite => CLAIM_OUTBOX_SQLITE,
            Backend::Postgres => CLAIM_OUTBOX_POSTGRES,
        };
        self.eim_write(
            sql,
            &[
                now_ms.saturating_add(ms(lease)).into(),
                now_ms.into(),
                i64::from(limit).into(),
            ],
            outbox,
        )
        .await
    }

    async fn outbox_sent(&self, id: i64) -> Result<(), StoreError> {
        self.eim_exec(OUTBOX_SENT, &[id.into()]).await.map(drop)
    }

    async fn outbox_retry(
        &self,
        id: i64,
        due_at_ms: Option<i64>,
        error: &str,
    ) -> Result<(), StoreError> {
        self.eim_exec(OUTBOX_RETRY, &[id.into(), due_at_ms.into(), error.into()])
            .await
            .map(drop)
    }

    async fn pending_operations(&self) -> Result<u64, StoreError> {
        let n = self.eim_read(PENDING_OPS, &[], |r| r.int("n")).await?;
        u64::try_from(n.into_iter().next().unwrap_or(0)).map_err(|_| StoreError::Corrupt("count"))
    }

    async fn register_euiccs(&self, euiccs: &[EuiccRecord]) -> Result<Vec<Eid>, StoreError> {
        self.eim_register_euiccs(euiccs).await
    }

    async fn queue_operations(
        &self,
        tenant: &str,
        target: BulkTarget<'_>,
        kind: &OperationKind,
    ) -> Result<(u64, Vec<Eid>), StoreError> {
        self.eim_queue_operations(tenant, target, kind).await
    }

    async fn poll_operation(
        &self,
        eid: &Eid,
        now_ms: i64,
        lease: Duration,
    ) -> Result<Poll, StoreError> {
        self.eim_poll(eid, now_ms, lease).await
    }
}
