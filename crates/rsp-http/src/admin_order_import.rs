//! `POST /admin/v1/orders/{iccid}/import`: takes over a download order that another system
//! (e.g. the SM-DP+ this one replaces) issued, with its MatchingID as it is. Such IDs need
//! not keep to the SGP.22 §4.1 characters that this SM-DP+ uses for the IDs it issues; an
//! eUICC sends them back as received (`matchingId UTF8String`, §5.6.3).
//!
//! ```json
//! {"matchingId": "order-2026/0042", "eid": "89049032…", "confirmationCode": "1234",
//!  "released": true}
//! ```
//! The Profile must be Available. `eid` binds the order to one eUICC (as DownloadOrder with
//! EID does); `confirmationCode` (or `confirmationCodeSha256`, the hex SHA-256 of the code,
//! when the other system kept only that) requires the code at download;
//! `confirmationCodeMaxAttempts` (default 3) bounds wrong codes; `released` (default true)
//! makes the Profile downloadable at once, else it waits for ES2+.ReleaseProfile. The order
//! then has the controls of an order imported by hand: no expiry and no attempt limit
//! until `PUT /admin/v1/orders/{iccid}/controls` sets them.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsp_codec::json::{ConfirmationCode, Eid, Iccid};
use rsp_smdpp::confirmation_code::CcHash;
use rsp_smdpp::matching_id::MatchingId;
use rsp_smdpp::store::{InventoryStore, StoreError};
use rsp_smdpp::{ProfileEvent, ProfileState, profile_state::transition};
use serde::Deserialize;

use crate::admin::{AdminState, error, store_error};
use crate::admin_orders::ControlsView;
use crate::openapi::ErrorBody;

/// Default wrong Confirmation Codes allowed (as ES2+.ConfirmOrder's default).
const DEFAULT_CC_MAX_ATTEMPTS: u32 = 3;

/// `POST` body.
#[derive(Deserialize, Debug, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ImportOrderRequest {
    /// The MatchingID as the other system issued it (1 to 255 bytes of UTF-8).
    matching_id: String,
    /// Binds the order to this eUICC (32 digits).
    #[serde(default)]
    eid: Option<String>,
    /// Requires this Confirmation Code at download.
    #[serde(default)]
    confirmation_code: Option<String>,
    /// Or the hex SHA-256 of the code (64 hex digits).
    #[serde(default)]
    confirmation_code_sha256: Option<String>,
    /// Wrong codes allowed (default 3).
    #[serde(default)]
    confirmation_code_max_attempts: Option<u32>,
    /// Downloadable at once (default true), else waits for ES2+.ReleaseProfile.
    #[serde(default)]
    released: Option<bool>,
}

/// The order as the request describes it, checked.
struct Order {
    matching_id: MatchingId,
    eid: Option<Eid>,
    cc_hash: Option<CcHash>,
    cc_max_attempts: u32,
    released: bool,
}

fn parse(req: ImportOrderRequest) -> Result<Order, &'static str> {
    let matching_id = MatchingId::received(&req.matching_id)
        .ok_or("matchingId must be 1 to 255 bytes of UTF-8")?;
    let eid = req
        .eid
        .as_deref()
        .map(Eid::parse)
        .transpose()
        .map_err(|_| "eid must be 32 digits")?;
    let cc_hash = match (req.confirmation_code, req.confirmation_code_sha256) {
        (Some(_), Some(_)) => {
            return Err("give confirmationCode or confirmationCodeSha256, not both");
        }
        (Some(code), None) if !code.is_empty() => Some(CcHash::of(&ConfirmationCode::new(code))),
        (Some(_), None) => return Err("confirmationCode is empty"),
        (None, Some(hex_hash)) => {
            let bytes: [u8; 32] = hex::decode(hex_hash.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or("confirmationCodeSha256 must be 64 hex digits")?;
            Some(CcHash::from_bytes(bytes))
        }
        (None, None) => None,
    };
    let cc_max_attempts = req
        .confirmation_code_max_attempts
        .unwrap_or(DEFAULT_CC_MAX_ATTEMPTS);
    if cc_max_attempts == 0 {
        return Err("confirmationCodeMaxAttempts must be at least 1");
    }
    Ok(Order {
        matching_id,
        eid,
        cc_hash,
        cc_max_attempts,
        released: req.released.unwrap_or(true),
    })
}

/// `POST`: the Profile `iccid` (Available) gets the imported order.
#[utoipa::path(
    post,
    path = "/admin/v1/orders/{iccid}/import",
    tag = "smdpp",
    security(("adminToken" = [])),
    params(("iccid" = String, Path, description = "ICCID (19 or 20 digits)")),
    request_body = ImportOrderRequest,
    responses(
        (status = 201, description = "The order, with its controls", body = ControlsView),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 404, description = "No such Profile", body = ErrorBody),
        (status = 409, description = "The Profile is not Available or was bound to another \
            EID", body = ErrorBody),
    )
)]
pub(crate) async fn import_order(
    State(AdminState { store, .. }): State<AdminState>,
    Path(iccid): Path<String>,
    body: Result<Json<ImportOrderRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected JSON {matchingId, eid?, confirmationCode? | confirmationCodeSha256?, \
             confirmationCodeMaxAttempts?, released?}",
        );
    };
    let order = match parse(req) {
        Ok(o) => o,
        Err(message) => return error(StatusCode::BAD_REQUEST, message),
    };
    let Ok(iccid) = Iccid::parse(&iccid) else {
        return error(StatusCode::BAD_REQUEST, "invalid iccid");
    };
    let mut record = match store.find_by_iccid(&iccid).await {
        Ok(Some(r)) => r,
        Ok(None) => return error(StatusCode::NOT_FOUND, "no such profile"),
        Err(e) => return store_error(&e),
    };
    if record.state != ProfileState::Available {
        return error(StatusCode::CONFLICT, "the profile is not Available");
    }
    if let Some(eid) = &order.eid
        && !record.link_eid(eid)
    {
        return error(
            StatusCode::CONFLICT,
            "the profile was bound to another EID before (a Profile goes to one eUICC only)",
        );
    }
    let ordered = transition(
        record.state,
        ProfileEvent::DownloadOrder {
            with_eid: order.eid.is_some(),
        },
    )
    .and_then(|s| {
        transition(
            s,
            ProfileEvent::ConfirmOrder {
                release: order.released,
            },
        )
    });
    let Ok(state) = ordered else {
        return error(StatusCode::CONFLICT, "the profile cannot take an order");
    };
    record.state = state;
    record.matching_id = Some(order.matching_id);
    record.cc_hash = order.cc_hash;
    record.cc_attempts = 0;
    record.cc_max_attempts = order.cc_max_attempts;
    record.order = Default::default();
    match store.update(&record, &[]).await {
        Ok(updated) => (StatusCode::CREATED, Json(ControlsView::from(&updated))).into_response(),
        Err(StoreError::Conflict) => error(
            StatusCode::CONFLICT,
            "the profile changed meanwhile; read it and try again",
        ),
        Err(e) => store_error(&e),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    use rsp_smdpp::matching_id::MAX_RECEIVED_LEN;

    fn req(json: &str) -> Result<Order, &'static str> {
        parse(serde_json::from_str(json).unwrap())
    }

    #[test]
    fn requests_are_checked() {
        let o = req(r#"{"matchingId": "order-2026/0042 ü"}"#).unwrap();
        assert_eq!(o.matching_id.as_str(), "order-2026/0042 ü");
        assert!(o.released && o.cc_hash.is_none() && o.eid.is_none());
        assert!(req(r#"{"matchingId": ""}"#).is_err());
        let long = "x".repeat(MAX_RECEIVED_LEN + 1);
        assert!(req(&format!(r#"{{"matchingId": "{long}"}}"#)).is_err());
        assert!(req(r#"{"matchingId": "a", "eid": "123"}"#).is_err());
        let both =
            r#"{"matchingId": "a", "confirmationCode": "1", "confirmationCodeSha256": "00"}"#;
        assert!(req(both).is_err());
        let by_hash = req(&format!(
            r#"{{"matchingId": "a", "confirmationCodeSha256": "{}"}}"#,
            hex::encode(CcHash::of(&ConfirmationCode::new("1234")).as_bytes())
        ))
        .unwrap();
        assert_eq!(
            by_hash.cc_hash,
            Some(CcHash::of(&ConfirmationCode::new("1234")))
        );
        assert!(req(r#"{"matchingId": "a", "confirmationCodeMaxAttempts": 0}"#).is_err());
        assert!(
            serde_json::from_str::<ImportOrderRequest>(r#"{"matchingId": "a", "x": 1}"#).is_err()
        );
    }
}
