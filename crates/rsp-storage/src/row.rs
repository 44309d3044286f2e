//! Rows to domain values. A value that does not parse means the database was edited outside
//! this code: [`StoreError::Corrupt`].

use rsp_codec::json::{Eid, Iccid};
use rsp_codec::status::StatusCode;
use rsp_smdpp::confirmation_code::CcHash;
use rsp_smdpp::matching_id::MatchingId;
use rsp_smdpp::outbox::{DownloadProgress, OutboxEntry, PointStatus};
use rsp_smdpp::store::StoreError;
use rsp_smdpp::{OperatorId, ProfileClass, ProfileMetadata, ProfileRecord, ProfileState};
use sqlx::Row;
use sqlx::any::AnyRow;

use crate::error::db;

pub(crate) fn get<'r, T>(row: &'r AnyRow, column: &str) -> Result<T, StoreError>
where
    T: sqlx::Decode<'r, sqlx::Any> + sqlx::Type<sqlx::Any>,
{
    row.try_get(column).map_err(db)
}

pub(crate) fn eid(value: Option<String>) -> Result<Option<Eid>, StoreError> {
    value
        .map(|s| Eid::parse(&s).map_err(|_| StoreError::Corrupt("EID")))
        .transpose()
}

fn count(value: i64, what: &'static str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(what))
}

/// Reads the columns of `sql::profile_columns!`.
pub(crate) fn profile(row: &AnyRow) -> Result<ProfileRecord, StoreError> {
    let iccid: String = get(row, "iccid")?;
    let state: String = get(row, "state")?;
    let matching_id: Option<String> = get(row, "matching_id")?;
    let cc_hash: Option<Vec<u8>> = get(row, "cc_hash")?;
    Ok(ProfileRecord {
        iccid: Iccid::parse(&iccid).map_err(|_| StoreError::Corrupt("ICCID"))?,
        operator: OperatorId::new(get::<String>(row, "operator_id")?),
        profile_type: get(row, "profile_type")?,
        state: ProfileState::parse(&state).ok_or(StoreError::Corrupt("state"))?,
        eid: eid(get(row, "eid")?)?,
        eid_ever_bound: eid(get(row, "eid_ever_bound")?)?,
        matching_id: matching_id
            .map(|m| MatchingId::parse(&m).map_err(|_| StoreError::Corrupt("MatchingID")))
            .transpose()?,
        cc_hash: cc_hash
            .map(|h| {
                <[u8; 32]>::try_from(h.as_slice())
                    .map(CcHash::from_bytes)
                    .map_err(|_| StoreError::Corrupt("cc_hash"))
            })
            .transpose()?,
        cc_attempts: count(get(row, "cc_attempts")?, "cc_attempts")?,
        cc_max_attempts: count(get(row, "cc_max_attempts")?, "cc_max_attempts")?,
        smds_address: get(row, "smds_address")?,
        downloaded_ever: get::<i64>(row, "downloaded_ever")? != 0,
        version: get(row, "version")?,
        metadata: ProfileMetadata {
            service_provider_name: get(row, "service_provider_name")?,
            profile_name: get(row, "profile_name")?,
            profile_class: ProfileClass::from_value(get(row, "profile_class")?)
                .ok_or(StoreError::Corrupt("profile_class"))?,
        },
    })
}

/// Reads the columns of `sql::outbox_columns!`.
pub(crate) fn outbox(row: &AnyRow) -> Result<OutboxEntry, StoreError> {
    let iccid: String = get(row, "iccid")?;
    let point_status: String = get(row, "point_status")?;
    let subject: Option<String> = get(row, "subject_code")?;
    let reason: Option<String> = get(row, "reason_code")?;
    let status = match point_status.as_str() {
        "Executed-Success" => PointStatus::Success,
        "Expired" => PointStatus::Expired,
        "Failed" => {
            let (Some(subject), Some(reason)) = (subject, reason) else {
                return Err(StoreError::Corrupt("outbox status code"));
            };
            PointStatus::Failed(StatusCode {
                subject: subject
                    .parse()
                    .map_err(|_| StoreError::Corrupt("subject code"))?,
                reason: reason
                    .parse()
                    .map_err(|_| StoreError::Corrupt("reason code"))?,
            })
        }
        _ => return Err(StoreError::Corrupt("outbox point status")),
    };
    Ok(OutboxEntry {
        id: get(row, "id")?,
        attempts: count(get(row, "attempts")?, "attempts")?,
        message: DownloadProgress {
            operator: OperatorId::new(get::<String>(row, "operator_id")?),
            iccid: Iccid::parse(&iccid).map_err(|_| StoreError::Corrupt("ICCID"))?,
            eid: eid(get(row, "eid")?)?,
            profile_type: get(row, "profile_type")?,
            timestamp_ms: get(row, "event_time_ms")?,
            notification_point_id: count(get(row, "notification_point_id")?, "notification point")?,
            status,
            result_data: get(row, "result_data")?,
        },
    })
}
