//! `GET|PUT /admin/v1/orders/{iccid}/controls`: the controls of one pending download order
//! (`rsp_smdpp::order_controls`): expiry instant, the state an expired order leaves the
//! Profile in, and the download attempt limit. New orders take the server defaults
//! (`rsp serve smdpp --order-ttl`, `--order-expiry-status`, `--max-download-attempts`).
//!
//! ```json
//! {"expiresAt": "2027-01-31T00:00:00Z", "onExpiry": "Unavailable", "maxDownloadAttempts": 3}
//! ```
//! Every field is optional; `"expiresAt": null` makes the order never expire;
//! `"maxDownloadAttempts": 0` is unlimited; `"resetDownloadAttempts": true` sets the counter
//! back to 0.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsp_codec::json::Iccid;
use rsp_codec::json::es2plus::FinalProfileStatusIndicator;
use rsp_smdpp::ProfileRecord;
use rsp_smdpp::order_controls::order_pending;
use rsp_smdpp::store::{InventoryStore, StoreError};
use rsp_storage::SqlStore;
use serde::{Deserialize, Deserializer, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::admin::{AdminState, error, store_error};
use crate::openapi::ErrorBody;

/// Re-reads after a concurrent change of the Profile.
const MAX_CONFLICT_RETRIES: u32 = 8;

/// `PUT` body.
#[derive(Deserialize, Debug, Default, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ControlsRequest {
    /// Absent: unchanged; `null`: never; else an RFC 3339 instant.
    #[serde(default, deserialize_with = "present")]
    #[schema(value_type = Option<String>, format = DateTime)]
    expires_at: Option<Option<String>>,
    /// `Available` or `Unavailable`.
    #[serde(default)]
    #[schema(value_type = Option<OnExpiry>)]
    on_expiry: Option<FinalProfileStatusIndicator>,
    /// 0: unlimited.
    #[serde(default)]
    max_download_attempts: Option<u32>,
    /// Sets the attempt counter back to 0.
    #[serde(default)]
    reset_download_attempts: bool,
}

/// Tells an explicit `null` (`Some(None)`) from an absent field (`None`).
fn present<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Option<String>>, D::Error> {
    Option::<String>::deserialize(d).map(Some)
}

/// The controls as the admin API shows them.
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct ControlsView {
    /// ICCID (significant digits).
    pub iccid: String,
    /// SM-DP+ state.
    pub state: String,
    /// RFC 3339, or `null`: never.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
    /// `Available` or `Unavailable`.
    #[schema(value_type = OnExpiry)]
    pub on_expiry: FinalProfileStatusIndicator,
    /// AuthenticateClient calls that selected the Profile for this order.
    pub download_attempts: u32,
    /// 0: unlimited.
    pub max_download_attempts: u32,
    /// The Profile's Profile Policy Rules (fixed at import).
    pub profile_policy_rules: Vec<String>,
}

impl From<&ProfileRecord> for ControlsView {
    fn from(r: &ProfileRecord) -> Self {
        Self {
            iccid: r.iccid.digits().to_owned(),
            state: r.state.as_str().to_owned(),
            expires_at: r.order.expires_at_ms.map(format_ms),
            on_expiry: r.order.on_expiry,
            download_attempts: r.order.download_attempts,
            max_download_attempts: r.order.max_download_attempts,
            profile_policy_rules: r
                .metadata
                .profile_policy_rules
                .names()
                .into_iter()
                .map(str::to_owned)
                .collect(),
        }
    }
}

/// RFC 3339 of Unix milliseconds (whole seconds when the milliseconds are 0).
fn format_ms(ms: i64) -> String {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| ms.to_string())
}

/// Unix milliseconds of an RFC 3339 instant.
fn parse_ms(text: &str) -> Option<i64> {
    let t = OffsetDateTime::parse(text, &Rfc3339).ok()?;
    i64::try_from(t.unix_timestamp_nanos() / 1_000_000).ok()
}

/// The state an expired order leaves its Profile in (ES2+ `finalProfileStatusIndicator`).
#[derive(utoipa::ToSchema)]
#[allow(dead_code)] // the schema of FinalProfileStatusIndicator (rsp-codec has no utoipa)
pub(crate) enum OnExpiry {
    /// Back to the inventory (only if its package was never delivered).
    Available,
    /// Out of use.
    Unavailable,
}

/// `GET`: the controls of `iccid` (any state).
#[utoipa::path(
    get,
    path = "/admin/v1/orders/{iccid}/controls",
    tag = "smdpp",
    security(("adminToken" = [])),
    params(("iccid" = String, Path, description = "ICCID (19 or 20 digits)")),
    responses(
        (status = 200, description = "The order controls", body = ControlsView),
        (status = 400, description = "Invalid ICCID", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 404, description = "No such Profile", body = ErrorBody),
    )
)]
pub(crate) async fn get_controls(
    State(AdminState { store, .. }): State<AdminState>,
    Path(iccid): Path<String>,
) -> Response {
    match load(&store, &iccid).await {
        Ok(record) => Json(ControlsView::from(&record)).into_response(),
        Err(r) => r,
    }
}

/// `PUT`: changes the controls of the pending order of `iccid` (409 without one).
#[utoipa::path(
    put,
    path = "/admin/v1/orders/{iccid}/controls",
    tag = "smdpp",
    security(("adminToken" = [])),
    params(("iccid" = String, Path, description = "ICCID (19 or 20 digits)")),
    request_body = ControlsRequest,
    responses(
        (status = 200, description = "The controls as changed", body = ControlsView),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 404, description = "No such Profile", body = ErrorBody),
        (status = 409, description = "No pending order", body = ErrorBody),
    )
)]
pub(crate) async fn put_controls(
    State(AdminState { store, .. }): State<AdminState>,
    Path(iccid): Path<String>,
    body: Result<Json<ControlsRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected JSON {expiresAt?, onExpiry?, maxDownloadAttempts?, resetDownloadAttempts?}",
        );
    };
    let expires_at_ms = match &req.expires_at {
        None => None,
        Some(None) => Some(None),
        Some(Some(text)) => match parse_ms(text) {
            Some(ms) => Some(Some(ms)),
            None => return error(StatusCode::BAD_REQUEST, "expiresAt is not RFC 3339"),
        },
    };
    for _ in 0..=MAX_CONFLICT_RETRIES {
        let mut record = match load(&store, &iccid).await {
            Ok(r) => r,
            Err(r) => return r,
        };
        if !order_pending(record.state) {
            return error(
                StatusCode::CONFLICT,
                "the profile has no pending order (Allocated, Linked, Confirmed or Released)",
            );
        }
        if let Some(at) = expires_at_ms {
            record.order.expires_at_ms = at;
        }
        if let Some(status) = req.on_expiry {
            record.order.on_expiry = status;
        }
        if let Some(max) = req.max_download_attempts {
            record.order.max_download_attempts = max;
        }
        if req.reset_download_attempts {
            record.order.download_attempts = 0;
        }
        match store.update(&record, &[]).await {
            Ok(updated) => return Json(ControlsView::from(&updated)).into_response(),
            Err(StoreError::Conflict) => continue,
            Err(e) => return store_error(&e),
        }
    }
    error(StatusCode::CONFLICT, "the profile kept changing; try again")
}

/// The Profile `iccid`, whoever owns it, or the error response.
async fn load(store: &SqlStore, iccid: &str) -> Result<ProfileRecord, Response> {
    let iccid = Iccid::parse(iccid).map_err(|_| error(StatusCode::BAD_REQUEST, "invalid iccid"))?;
    store
        .find_by_iccid(&iccid)
        .await
        .map_err(|e| store_error(&e))?
        .ok_or_else(|| error(StatusCode::NOT_FOUND, "no such profile"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn null_and_absent_expiry_differ_and_instants_round_trip() {
        let absent: ControlsRequest = serde_json::from_str("{}").unwrap();
        assert_eq!(absent.expires_at, None);
        let null: ControlsRequest = serde_json::from_str(r#"{"expiresAt": null}"#).unwrap();
        assert_eq!(null.expires_at, Some(None));
        let r: ControlsRequest = serde_json::from_str(
            r#"{"expiresAt": "2027-01-31T00:00:00Z", "onExpiry": "Unavailable"}"#,
        )
        .unwrap();
        assert_eq!(r.on_expiry, Some(FinalProfileStatusIndicator::Unavailable));
        let ms = parse_ms("2027-01-31T00:00:00Z").unwrap();
        assert_eq!(ms, 1_801_353_600_000);
        assert_eq!(format_ms(ms), "2027-01-31T00:00:00Z");
        assert_eq!(parse_ms("tomorrow"), None);
        assert!(serde_json::from_str::<ControlsRequest>(r#"{"bogus": 1}"#).is_err());
    }
}
