//! [`OutboxStore`] over SQL.

use std::time::Duration;

use rsp_smdpp::outbox::OutboxEntry;
use rsp_smdpp::store::{OutboxStore, StoreError};

use crate::backend::SqlStore;
use crate::db::Param;
use crate::row;
use crate::sql::{self, Dialect};

impl OutboxStore for SqlStore {
    async fn claim_due(
        &self,
        now_ms: i64,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<OutboxEntry>, StoreError> {
        let lease_ms = i64::try_from(lease.as_millis()).unwrap_or(i64::MAX);
        let mut tx = self.begin_write().await?;
        let entries = tx
            .conn()
            .fetch_all(
                Dialect::of(self.backend).claim_outbox,
                &[
                    now_ms.saturating_add(lease_ms).into(),
                    now_ms.into(),
                    i64::from(limit).into(),
                ],
                row::outbox,
            )
            .await?;
        tx.commit().await?;
        Ok(entries)
    }

    async fn mark_delivered(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        self.write_one(sql::OUTBOX_DELIVERED, &[now_ms.into(), id.into()])
            .await
    }

    async fn reschedule(&self, id: i64, due_at_ms: i64, error: &str) -> Result<(), StoreError> {
        self.write_one(
            sql::OUTBOX_RESCHEDULE,
            &[due_at_ms.into(), error.into(), id.into()],
        )
        .await
    }

    async fn abandon(&self, id: i64, now_ms: i64, error: &str) -> Result<(), StoreError> {
        self.write_one(
            sql::OUTBOX_ABANDON,
            &[now_ms.into(), error.into(), id.into()],
        )
        .await
    }

    async fn pending_count(&self) -> Result<u64, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_optional(sql::OUTBOX_PENDING, &[], |row| row.int("n"))
            .await;
        let n = r.settle(read).await?.unwrap_or(0);
        u64::try_from(n).map_err(|_| StoreError::Corrupt("count"))
    }
}

impl SqlStore {
    /// One statement in its own write transaction.
    async fn write_one(&self, sql: &'static str, params: &[Param<'_>]) -> Result<(), StoreError> {
        let mut tx = self.begin_write().await?;
        tx.conn().execute(sql, params).await?;
        tx.commit().await
    }
}
