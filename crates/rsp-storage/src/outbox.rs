//! [`OutboxStore`] over SQL.

use std::time::Duration;

use rsp_smdpp::outbox::OutboxEntry;
use rsp_smdpp::store::{OutboxStore, StoreError};

use crate::backend::SqlStore;
use crate::error::db;
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
        let rows = sqlx::query(Dialect::of(self.backend).claim_outbox)
            .bind(now_ms.saturating_add(lease_ms))
            .bind(now_ms)
            .bind(i64::from(limit))
            .fetch_all(&mut *tx)
            .await
            .map_err(db)?;
        let entries = rows
            .iter()
            .map(row::outbox)
            .collect::<Result<Vec<_>, _>>()?;
        tx.commit().await.map_err(db)?;
        Ok(entries)
    }

    async fn mark_delivered(&self, id: i64, now_ms: i64) -> Result<(), StoreError> {
        sqlx::query(sql::OUTBOX_DELIVERED)
            .bind(now_ms)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn reschedule(&self, id: i64, due_at_ms: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query(sql::OUTBOX_RESCHEDULE)
            .bind(due_at_ms)
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn abandon(&self, id: i64, now_ms: i64, error: &str) -> Result<(), StoreError> {
        sqlx::query(sql::OUTBOX_ABANDON)
            .bind(now_ms)
            .bind(error)
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(db)?;
        Ok(())
    }

    async fn pending_count(&self) -> Result<u64, StoreError> {
        let n: i64 = sqlx::query_scalar(sql::OUTBOX_PENDING)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        u64::try_from(n).map_err(|_| StoreError::Corrupt("count"))
    }
}
