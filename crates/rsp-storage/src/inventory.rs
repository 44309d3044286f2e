//! [`InventoryStore`] over SQL.

use std::time::{SystemTime, UNIX_EPOCH};

use rsp_codec::json::{Eid, Iccid};
use rsp_smdpp::matching_id::MatchingId;
use rsp_smdpp::outbox::{DownloadProgress, PointStatus};
use rsp_smdpp::store::{Claim, InventoryStore, StoreError};
use rsp_smdpp::{NewProfile, OperatorId, PackageVersion, ProfilePackage, ProfileRecord};

use crate::audit::{AuditEvent, record_in};
use crate::backend::SqlStore;
use crate::db::Conn;
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
            let size = i64::try_from(p.package.expose().len())
                .map_err(|_| StoreError::Corrupt("package size"))?;
            tx.conn()
                .execute(
                    sql::INSERT_PROFILE,
                    &[
                        digits.into(),
                        p.operator.as_str().into(),
                        p.profile_type.as_str().into(),
                        size.into(),
                        now.into(),
                        p.metadata.service_provider_name.as_str().into(),
                        p.metadata.profile_name.as_str().into(),
                        p.metadata.profile_class.value().into(),
                        p.metadata.profile_policy_rules.value().into(),
                        PackageVersion::of_package(p.package.expose())
                            .map(PackageVersion::value)
                            .into(),
                    ],
                )
                .await?;
            tx.conn()
                .execute(
                    sql::INSERT_PACKAGE,
                    &[
                        digits.into(),
                        sealed.as_slice().into(),
                        self.key.id().into(),
                    ],
                )
                .await?;
            let details = format!(
                "{{\"state\":\"Available\",\"profileType\":{}}}",
                crate::audit::json_string(&p.profile_type)
            );
            record_in(
                &mut tx.conn(),
                &[AuditEvent {
                    actor: p.operator.as_str(),
                    action: "profile.import",
                    subject: digits,
                    details: &details,
                }],
            )
            .await?;
        }
        tx.commit().await
    }

    async fn get(
        &self,
        operator: &OperatorId,
        iccid: &Iccid,
    ) -> Result<Option<ProfileRecord>, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_optional(
                sql::SELECT_PROFILE,
                &[iccid.digits().into(), operator.as_str().into()],
                row::profile,
            )
            .await;
        r.settle(read).await
    }

    async fn claim_available(&self, claim: Claim<'_>) -> Result<Option<ProfileRecord>, StoreError> {
        let mut tx = self.begin_write().await?;
        let record = tx
            .conn()
            .fetch_optional(
                Dialect::of(self.backend).claim_profile,
                &[
                    claim.new_state.as_str().into(),
                    claim.eid.map(Eid::as_str).into(),
                    now_ms().into(),
                    claim.operator.as_str().into(),
                    claim.profile_type.into(),
                    claim.order.expires_at_ms.into(),
                    row::final_status_name(claim.order.on_expiry).into(),
                    i64::from(claim.order.max_download_attempts).into(),
                ],
                row::profile,
            )
            .await?;
        if let Some(r) = &record {
            audit_profile(&mut tx.conn(), r, r.version).await?;
        }
        tx.commit().await?;
        Ok(record)
    }

    async fn has_profile_type(
        &self,
        operator: &OperatorId,
        profile_type: &str,
    ) -> Result<bool, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_optional(
                sql::HAS_PROFILE_TYPE,
                &[operator.as_str().into(), profile_type.into()],
                |row| row.int("n"),
            )
            .await;
        Ok(r.settle(read).await?.unwrap_or(0) > 0)
    }

    async fn update(
        &self,
        record: &ProfileRecord,
        outbox: &[DownloadProgress],
    ) -> Result<ProfileRecord, StoreError> {
        let mut tx = self.begin_write().await?;
        let written = async {
            update_profile(&mut tx.conn(), record).await?;
            for message in outbox {
                insert_outbox(&mut tx.conn(), message).await?;
            }
            Ok(())
        }
        .await;
        tx.finish(written).await?;
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
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_optional(
                sql::SELECT_BY_MATCHING_ID,
                &[matching_id.as_str().into()],
                row::profile,
            )
            .await;
        r.settle(read).await
    }

    async fn find_released_for_eid(&self, eid: &Eid) -> Result<Vec<ProfileRecord>, StoreError> {
        let mut r = self.read().await?;
        let read = r
            .conn()?
            .fetch_all(
                sql::SELECT_RELEASED_FOR_EID,
                &[eid.as_str().into()],
                row::profile,
            )
            .await;
        r.settle(read).await
    }

    async fn find_by_iccid(&self, iccid: &Iccid) -> Result<Option<ProfileRecord>, StoreError> {
        let mut r = self.read().await?;
        let read = profile_by_iccid(&mut r.conn()?, iccid).await;
        r.settle(read).await
    }

    async fn load_package(&self, iccid: &Iccid) -> Result<Option<ProfilePackage>, StoreError> {
        let mut r = self.read().await?;
        let read = self.package(&mut r.conn()?, iccid).await;
        r.settle(read).await
    }
}

/// The Profile `iccid`, whichever Operator owns it.
pub(crate) async fn profile_by_iccid(
    conn: &mut Conn<'_>,
    iccid: &Iccid,
) -> Result<Option<ProfileRecord>, StoreError> {
    conn.fetch_optional(
        sql::SELECT_PROFILE_ANY_OPERATOR,
        &[iccid.digits().into()],
        row::profile,
    )
    .await
}

impl SqlStore {
    /// The package of the Profile `iccid`, decrypted.
    pub(crate) async fn package(
        &self,
        conn: &mut Conn<'_>,
        iccid: &Iccid,
    ) -> Result<Option<ProfilePackage>, StoreError> {
        let Some((key_id, sealed)) = conn
            .fetch_optional(sql::SELECT_PACKAGE, &[iccid.digits().into()], |row| {
                Ok((row.text("package_key_id")?, row.blob("package_enc")?))
            })
            .await?
        else {
            return Ok(None);
        };
        if key_id != self.key.id() {
            return Err(StoreError::Crypto);
        }
        self.key.open(iccid.digits(), &sealed).map(Some)
    }
}

/// Compare-and-swap write of `record` inside the caller's transaction.
pub(crate) async fn update_profile(
    conn: &mut Conn<'_>,
    record: &ProfileRecord,
) -> Result<(), StoreError> {
    let (eid_changes, matching_id_changes) = changed_keys(conn, record).await?;
    let statement = sql::UPDATE_PROFILE[usize::from(eid_changes)][usize::from(matching_id_changes)];
    let done = conn
        .execute(
            statement,
            &[
                record.state.as_str().into(),
                record.eid.as_ref().map(Eid::as_str).into(),
                record.eid_ever_bound.as_ref().map(Eid::as_str).into(),
                record.matching_id.as_ref().map(MatchingId::as_str).into(),
                record
                    .cc_hash
                    .as_ref()
                    .map(|h| h.as_bytes().as_slice())
                    .into(),
                i64::from(record.cc_attempts).into(),
                i64::from(record.cc_max_attempts).into(),
                record.smds_address.as_deref().into(),
                i64::from(record.downloaded_ever).into(),
                now_ms().into(),
                record.iccid.digits().into(),
                record.operator.as_str().into(),
                record.version.into(),
                record.order.expires_at_ms.into(),
                row::final_status_name(record.order.on_expiry).into(),
                i64::from(record.order.download_attempts).into(),
                i64::from(record.order.max_download_attempts).into(),
                record.bpp_transaction_id.as_deref().into(),
            ],
        )
        .await?;
    if done != 1 {
        return Err(StoreError::Conflict);
    }
    audit_profile(conn, record, record.version + 1).await
}

/// Records a Profile's new state in the audit trail, in the caller's transaction.
async fn audit_profile(
    conn: &mut Conn<'_>,
    record: &ProfileRecord,
    version: i64,
) -> Result<(), StoreError> {
    let details = format!(
        "{{\"state\":\"{}\",\"version\":{version},\"eid\":{}}}",
        record.state.as_str(),
        record
            .eid
            .as_ref()
            .map_or_else(|| "null".to_owned(), |e| format!("\"{}\"", e.as_str()))
    );
    record_in(
        conn,
        &[AuditEvent {
            actor: record.operator.as_str(),
            action: "profile.state",
            subject: record.iccid.digits(),
            details: &details,
        }],
    )
    .await
}

/// Whether the EID and the MatchingID of `record` differ from the stored row's (SQLite
/// only: there, the read of a page the update needs anyway costs less than the index pages
/// it saves; on PostgreSQL it would be one more round trip, and PostgreSQL compares the
/// values itself: an update that changes no indexed value can skip the indexes, a HOT
/// update). A row that is gone counts as changed; the update then finds no row and reports
/// the conflict.
async fn changed_keys(
    conn: &mut Conn<'_>,
    record: &ProfileRecord,
) -> Result<(bool, bool), StoreError> {
    if !matches!(conn, Conn::Sqlite(_)) {
        return Ok((true, true));
    }
    let stored = conn
        .fetch_optional(
            sql::SELECT_PROFILE_KEYS,
            &[record.iccid.digits().into()],
            |row| Ok((row.opt_text("eid")?, row.opt_text("matching_id")?)),
        )
        .await?;
    Ok(stored.map_or((true, true), |(eid, matching_id)| {
        (
            eid.as_deref() != record.eid.as_ref().map(Eid::as_str),
            matching_id.as_deref() != record.matching_id.as_ref().map(MatchingId::as_str),
        )
    }))
}

/// Queues one HandleDownloadProgressInfo message inside the caller's transaction.
pub(crate) async fn insert_outbox(
    conn: &mut Conn<'_>,
    m: &DownloadProgress,
) -> Result<(), StoreError> {
    let (status, code) = match &m.status {
        PointStatus::Success => ("Executed-Success", None),
        PointStatus::Failed(code) => ("Failed", Some(code)),
        PointStatus::Expired => ("Expired", None),
    };
    conn.execute(
        sql::INSERT_OUTBOX,
        &[
            m.operator.as_str().into(),
            m.iccid.digits().into(),
            m.eid.as_ref().map(Eid::as_str).into(),
            m.profile_type.as_str().into(),
            i64::from(m.notification_point_id).into(),
            status.into(),
            code.map(|c| c.subject.as_str()).into(),
            code.map(|c| c.reason.as_str()).into(),
            m.result_data.as_deref().into(),
            m.timestamp_ms.into(),
        ],
    )
    .await?;
    Ok(())
}
