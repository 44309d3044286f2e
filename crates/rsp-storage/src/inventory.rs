//! [`InventoryStore`] over SQL.

use std::time::{SystemTime, UNIX_EPOCH};

use rsp_codec::json::{Eid, Iccid};
use rsp_smdpp::matching_id::MatchingId;
use rsp_smdpp::outbox::{DownloadProgress, PointStatus};
use rsp_smdpp::store::{Claim, InventoryStore, StoreError};
use rsp_smdpp::{NewProfile, OperatorId, ProfilePackage, ProfileRecord};
use sqlx::{Any, AnyConnection, Row};

use crate::backend::SqlStore;
use crate::error::db;
use crate::row;
use crate::sql::{self, Dialect};

/// Milliseconds since the Unix epoch.
pub(crate) fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
}

impl InventoryStore for SqlStore {
    async fn import(&self, profiles: &[NewProfile]) -> Result<(), StoreError> {
        let now = now_ms();
        let mut tx = self.begin_write().await?;
        for p in profiles {
            let digits = p.iccid.digits();
            let sealed = self.key.seal(digits, &p.package)?;
            sqlx::query(sql::INSERT_PROFILE)
                .bind(digits)
                .bind(p.operator.as_str())
                .bind(p.profile_type.as_str())
                .bind(sealed)
                .bind(self.key.id())
                .bind(now)
                .bind(p.metadata.service_provider_name.as_str())
                .bind(p.metadata.profile_name.as_str())
                .bind(p.metadata.profile_class.value())
                .execute(&mut *tx)
                .await
                .map_err(db)?;
        }
        tx.commit().await.map_err(db)
    }

    async fn get(
        &self,
        operator: &OperatorId,
        iccid: &Iccid,
    ) -> Result<Option<ProfileRecord>, StoreError> {
        let row = sqlx::query(sql::SELECT_PROFILE)
            .bind(iccid.digits())
            .bind(operator.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(row::profile).transpose()
    }

    async fn claim_available(&self, claim: Claim<'_>) -> Result<Option<ProfileRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let row = sqlx::query(Dialect::of(self.backend).claim_profile)
            .bind(claim.new_state.as_str())
            .bind(claim.eid.map(Eid::as_str))
            .bind(now_ms())
            .bind(claim.operator.as_str())
            .bind(claim.profile_type)
            .fetch_optional(&mut *tx)
            .await
            .map_err(db)?;
        let record = row.as_ref().map(row::profile).transpose()?;
        tx.commit().await.map_err(db)?;
        Ok(record)
    }

    async fn has_profile_type(
        &self,
        operator: &OperatorId,
        profile_type: &str,
    ) -> Result<bool, StoreError> {
        let n: i64 = sqlx::query_scalar(sql::HAS_PROFILE_TYPE)
            .bind(operator.as_str())
            .bind(profile_type)
            .fetch_one(&self.pool)
            .await
            .map_err(db)?;
        Ok(n > 0)
    }

    async fn update(
        &self,
        record: &ProfileRecord,
        outbox: &[DownloadProgress],
    ) -> Result<ProfileRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        update_profile(&mut tx, record).await?;
        for message in outbox {
            insert_outbox(&mut tx, message).await?;
        }
        tx.commit().await.map_err(db)?;
        let mut updated = record.clone();
        updated.version += 1;
        if updated.eid_ever_bound.is_none() {
            updated.eid_ever_bound.clone_from(&updated.eid);
        }
        Ok(updated)
    }

    async fn find_by_matching_id(
        &self,
        matching_id: &MatchingId,
    ) -> Result<Option<ProfileRecord>, StoreError> {
        let row = sqlx::query(sql::SELECT_BY_MATCHING_ID)
            .bind(matching_id.as_str())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(row::profile).transpose()
    }

    async fn find_released_for_eid(&self, eid: &Eid) -> Result<Vec<ProfileRecord>, StoreError> {
        let rows = sqlx::query(sql::SELECT_RELEASED_FOR_EID)
            .bind(eid.as_str())
            .fetch_all(&self.pool)
            .await
            .map_err(db)?;
        rows.iter().map(row::profile).collect()
    }

    async fn find_by_iccid(&self, iccid: &Iccid) -> Result<Option<ProfileRecord>, StoreError> {
        let row = sqlx::query(sql::SELECT_PROFILE_ANY_OPERATOR)
            .bind(iccid.digits())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?;
        row.as_ref().map(row::profile).transpose()
    }

    async fn load_package(&self, iccid: &Iccid) -> Result<Option<ProfilePackage>, StoreError> {
        let Some(row) = sqlx::query(sql::SELECT_PACKAGE)
            .bind(iccid.digits())
            .fetch_optional(&self.pool)
            .await
            .map_err(db)?
        else {
            return Ok(None);
        };
        let key_id: String = row.try_get("package_key_id").map_err(db)?;
        if key_id != self.key.id() {
            return Err(StoreError::Crypto);
        }
        let sealed: Vec<u8> = row.try_get("package_enc").map_err(db)?;
        self.key.open(iccid.digits(), &sealed).map(Some)
    }
}

/// Compare-and-swap write of `record` inside the caller's transaction.
pub(crate) async fn update_profile(
    conn: &mut AnyConnection,
    record: &ProfileRecord,
) -> Result<(), StoreError> {
    let done = sqlx::query::<Any>(sql::UPDATE_PROFILE)
        .bind(record.state.as_str())
        .bind(record.eid.as_ref().map(Eid::as_str))
        .bind(record.eid_ever_bound.as_ref().map(Eid::as_str))
        .bind(record.matching_id.as_ref().map(MatchingId::as_str))
        .bind(record.cc_hash.as_ref().map(|h| h.as_bytes().to_vec()))
        .bind(i64::from(record.cc_attempts))
        .bind(i64::from(record.cc_max_attempts))
        .bind(record.smds_address.as_deref())
        .bind(i64::from(record.downloaded_ever))
        .bind(now_ms())
        .bind(record.iccid.digits())
        .bind(record.operator.as_str())
        .bind(record.version)
        .execute(conn)
        .await
        .map_err(db)?;
    if done.rows_affected() != 1 {
        return Err(StoreError::Conflict);
    }
    Ok(())
}

/// Queues one HandleDownloadProgressInfo message inside the caller's transaction.
pub(crate) async fn insert_outbox(
    conn: &mut AnyConnection,
    m: &DownloadProgress,
) -> Result<(), StoreError> {
    let (status, code) = match &m.status {
        PointStatus::Success => ("Executed-Success", None),
        PointStatus::Failed(code) => ("Failed", Some(code)),
        PointStatus::Expired => ("Expired", None),
    };
    sqlx::query::<Any>(sql::INSERT_OUTBOX)
        .bind(m.operator.as_str())
        .bind(m.iccid.digits())
        .bind(m.eid.as_ref().map(Eid::as_str))
        .bind(m.profile_type.as_str())
        .bind(i64::from(m.notification_point_id))
        .bind(status)
        .bind(code.map(|c| c.subject.as_str()))
        .bind(code.map(|c| c.reason.as_str()))
        .bind(m.result_data.as_deref())
        .bind(m.timestamp_ms)
        .execute(conn)
        .await
        .map_err(db)?;
    Ok(())
}
