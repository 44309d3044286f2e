//! Rows to domain values. A value that does not parse means the database was edited outside
//! this code: [`StoreError::Corrupt`].

use rsp_codec::json::es2plus::FinalProfileStatusIndicator;
use rsp_codec::json::{Eid, Iccid};
use rsp_codec::status::StatusCode;
use rsp_smdpp::confirmation_code::CcHash;
use rsp_smdpp::matching_id::MatchingId;
use rsp_smdpp::order_controls::OrderControls;
use rsp_smdpp::outbox::{DownloadProgress, OutboxEntry, PointStatus};
use rsp_smdpp::ppr::ProfilePolicyRules;
use rsp_smdpp::store::StoreError;
use rsp_smdpp::{
    OperatorId, PackageVersion, ProfileClass, ProfileMetadata, ProfileRecord, ProfileState,
};

use crate::db::RowRead;

pub(crate) fn eid(value: Option<String>) -> Result<Option<Eid>, StoreError> {
    value
        .map(|s| Eid::parse(&s).map_err(|_| StoreError::Corrupt("EID")))
        .transpose()
}

/// A JSON column; `what` names it when it does not parse.
pub(crate) fn json<T: serde::de::DeserializeOwned>(
    text: &str,
    what: &'static str,
) -> Result<T, StoreError> {
    serde_json::from_str(text).map_err(|_| StoreError::Corrupt(what))
}

/// The `attempts` of an outbox row (saturating).
pub(crate) fn attempts(row: &dyn RowRead) -> Result<u32, StoreError> {
    Ok(u32::try_from(row.int("attempts")?).unwrap_or(u32::MAX))
}

fn count(value: i64, what: &'static str) -> Result<u32, StoreError> {
    u32::try_from(value).map_err(|_| StoreError::Corrupt(what))
}

/// Reads the columns of `sql::profile_columns!`.
pub(crate) fn profile(row: &dyn RowRead) -> Result<ProfileRecord, StoreError> {
    let iccid = row.text("iccid")?;
    let state = row.text("state")?;
    let matching_id = row.opt_text("matching_id")?;
    let cc_hash = row.opt_blob("cc_hash")?;
    Ok(ProfileRecord {
        iccid: Iccid::parse(&iccid).map_err(|_| StoreError::Corrupt("ICCID"))?,
        operator: OperatorId::new(row.text("operator_id")?),
        profile_type: row.text("profile_type")?,
        state: ProfileState::parse(&state).ok_or(StoreError::Corrupt("state"))?,
        eid: eid(row.opt_text("eid")?)?,
        eid_ever_bound: eid(row.opt_text("eid_ever_bound")?)?,
        matching_id: matching_id
            .map(|m| MatchingId::received(&m).ok_or(StoreError::Corrupt("MatchingID")))
            .transpose()?,
        cc_hash: cc_hash
            .map(|h| {
                <[u8; 32]>::try_from(h.as_slice())
                    .map(CcHash::from_bytes)
                    .map_err(|_| StoreError::Corrupt("cc_hash"))
            })
            .transpose()?,
        cc_attempts: count(row.int("cc_attempts")?, "cc_attempts")?,
        cc_max_attempts: count(row.int("cc_max_attempts")?, "cc_max_attempts")?,
        smds_address: row.opt_text("smds_address")?,
        downloaded_ever: row.int("downloaded_ever")? != 0,
        version: row.int("version")?,
        package_size: usize::try_from(row.int("package_size")?)
            .map_err(|_| StoreError::Corrupt("package_size"))?,
        package_version: row
            .opt_int("package_version")?
            .map(|v| PackageVersion::from_value(v).ok_or(StoreError::Corrupt("package_version")))
            .transpose()?,
        bpp_transaction_id: row.opt_blob("bpp_transaction_id")?,
        metadata: ProfileMetadata {
            service_provider_name: row.text("service_provider_name")?,
            profile_name: row.text("profile_name")?,
            profile_class: ProfileClass::from_value(row.int("profile_class")?)
                .ok_or(StoreError::Corrupt("profile_class"))?,
            profile_policy_rules: ProfilePolicyRules::from_value(row.int("profile_policy_rules")?)
                .ok_or(StoreError::Corrupt("profile_policy_rules"))?,
        },
        order: order_controls(row)?,
    })
}

/// The order columns (`order_expires_at_ms` … `max_download_attempts`).
fn order_controls(row: &dyn RowRead) -> Result<OrderControls, StoreError> {
    let on_expiry = match row.text("order_on_expiry")?.as_str() {
        "Available" => FinalProfileStatusIndicator::Available,
        "Unavailable" => FinalProfileStatusIndicator::Unavailable,
        _ => return Err(StoreError::Corrupt("order_on_expiry")),
    };
    Ok(OrderControls {
        expires_at_ms: row.opt_int("order_expires_at_ms")?,
        on_expiry,
        download_attempts: count(row.int("download_attempts")?, "download_attempts")?,
        max_download_attempts: count(row.int("max_download_attempts")?, "max_download_attempts")?,
    })
}

/// The stored name of a state on expiry.
pub(crate) fn final_status_name(status: FinalProfileStatusIndicator) -> &'static str {
    match status {
        FinalProfileStatusIndicator::Available => "Available",
        FinalProfileStatusIndicator::Unavailable => "Unavailable",
    }
}

/// Reads the columns of `sql::outbox_columns!`.
pub(crate) fn outbox(row: &dyn RowRead) -> Result<OutboxEntry, StoreError> {
    let iccid = row.text("iccid")?;
    let point_status = row.text("point_status")?;
    let subject = row.opt_text("subject_code")?;
    let reason = row.opt_text("reason_code")?;
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
        id: row.int("id")?,
        attempts: count(row.int("attempts")?, "attempts")?,
        message: DownloadProgress {
            operator: OperatorId::new(row.text("operator_id")?),
            iccid: Iccid::parse(&iccid).map_err(|_| StoreError::Corrupt("ICCID"))?,
            eid: eid(row.opt_text("eid")?)?,
            profile_type: row.text("profile_type")?,
            timestamp_ms: row.int("event_time_ms")?,
            notification_point_id: count(row.int("notification_point_id")?, "notification point")?,
            status,
            result_data: row.opt_blob("result_data")?,
        },
    })
}
