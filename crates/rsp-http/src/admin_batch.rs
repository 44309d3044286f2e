//! `POST /admin/v1/batches`: inventory import from a template and a personalisation batch
//! (CSV with a header row, or JSON lines) through the profile toolkit (`rsp_saip::batch`).
//! Every row is personalised and checked first; the profiles are then imported in one
//! transaction, so a bad row or a duplicate ICCID imports nothing.

use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rsp_codec::json::Iccid;
use rsp_saip::batch::{BatchError, DataFormat, for_each_profile};
use rsp_smdpp::profile::{ProfileClass, ProfileMetadata};
use rsp_smdpp::store::InventoryStore;
use rsp_smdpp::{NewProfile, OperatorId, ProfilePackage};
use rsp_storage::SqlStore;
use serde::Deserialize;

use crate::admin::{error, store_error};

/// Largest accepted batch, in rows (one request, one transaction).
pub const MAX_ROWS: u64 = 100_000;

/// `POST /admin/v1/batches` body.
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchRequest {
    operator: String,
    profile_type: String,
    /// Template (DER ProfileElements), base64; absent: the project's generic USIM+ISIM
    /// template.
    #[serde(default)]
    template: Option<String>,
    /// Personalisation rows; every row must set `iccid`.
    data: String,
    /// `csv` (default) or `jsonl`.
    #[serde(default)]
    format: Option<String>,
    #[serde(default)]
    service_provider_name: String,
    #[serde(default)]
    profile_name: String,
    #[serde(default)]
    profile_class: Option<String>,
    /// Profile Policy Rules of every Profile of the batch (`ppr1`, `ppr2`,
    /// `pprUpdateControl`; SGP.22 §2.9.1).
    #[serde(default)]
    profile_policy_rules: Vec<String>,
}

/// The Profile Policy Rules of an import request, checked against the Profile Class.
pub(crate) fn policy_rules(
    names: &[String],
    class: ProfileClass,
) -> Result<rsp_smdpp::ppr::ProfilePolicyRules, String> {
    let rules = rsp_smdpp::ppr::ProfilePolicyRules::from_names(names).map_err(|e| e.to_string())?;
    let metadata = ProfileMetadata {
        profile_class: class,
        profile_policy_rules: rules,
        ..ProfileMetadata::default()
    };
    rsp_smdpp::ppr::validate(&metadata).map_err(str::to_owned)?;
    Ok(rules)
}

/// Parses `test`, `provisioning` or `operational` (default).
pub(crate) fn profile_class(value: Option<&str>) -> Option<ProfileClass> {
    match value {
        None | Some("operational") => Some(ProfileClass::Operational),
        Some("test") => Some(ProfileClass::Test),
        Some("provisioning") => Some(ProfileClass::Provisioning),
        Some(_) => None,
    }
}

/// A refused batch: HTTP status and message.
type Refusal = (StatusCode, String);

/// Personalises every row; CPU-bound, run off the async workers.
fn personalise(req: BatchRequest) -> Result<Vec<NewProfile>, Refusal> {
    let bad = |m: &str| (StatusCode::BAD_REQUEST, m.to_owned());
    if req.operator.is_empty() || req.profile_type.is_empty() {
        return Err(bad("operator and profileType must not be empty"));
    }
    let format = match req.format.as_deref() {
        None | Some("csv") => DataFormat::Csv,
        Some("jsonl") => DataFormat::JsonLines,
        Some(_) => return Err(bad("format must be csv or jsonl")),
    };
    let class = profile_class(req.profile_class.as_deref())
        .ok_or_else(|| bad("profileClass must be test, provisioning or operational"))?;
    let template = match &req.template {
        Some(b64) => base64::engine::general_purpose::STANDARD
            .decode(b64.trim())
            .map_err(|_| bad("template is not base64"))?,
        None => rsp_saip::template::generic()
            .encode()
            .map_err(|e| (StatusCode::INTERNAL_SERVER_ERROR, e.to_string()))?,
    };
    let profile_policy_rules =
        policy_rules(&req.profile_policy_rules, class).map_err(|m| bad(&m))?;
    let operator = OperatorId::new(req.operator);
    let metadata = ProfileMetadata {
        service_provider_name: req.service_provider_name,
        profile_name: req.profile_name,
        profile_class: class,
        profile_policy_rules,
    };
    let mut profiles = Vec::new();
    let result = for_each_profile(&template, req.data.as_bytes(), format, |row| {
        let reject = |reason: &str| BatchError::Rejected {
            line: row.line,
            reason: reason.to_owned(),
        };
        if row.index > MAX_ROWS {
            return Err(reject("more rows than the 100000 accepted in one batch"));
        }
        let iccid = row
            .iccid
            .ok_or_else(|| reject("no iccid"))
            .and_then(|i| Iccid::parse(i).map_err(|_| reject("invalid iccid")))?;
        profiles.push(NewProfile {
            iccid,
            operator: operator.clone(),
            profile_type: req.profile_type.clone(),
            package: ProfilePackage::new(row.package),
            metadata: metadata.clone(),
        });
        Ok(())
    });
    match result {
        Ok(0) => Err(bad("the batch has no rows")),
        Ok(_) => Ok(profiles),
        // Row errors name the line and field, never a secret value (rsp_saip::PersoError).
        Err(e) => Err((StatusCode::UNPROCESSABLE_ENTITY, e.to_string())),
    }
}

/// The handler: personalise, then import all in one transaction.
pub async fn import_batch(
    store: SqlStore,
    body: Result<Json<BatchRequest>, axum::extract::rejection::JsonRejection>,
) -> Response {
    let Ok(Json(req)) = body else {
        return error(
            StatusCode::BAD_REQUEST,
            "expected JSON {operator, profileType, data[, template, format]}",
        );
    };
    let profiles = match tokio::task::spawn_blocking(move || personalise(req)).await {
        Ok(Ok(p)) => p,
        Ok(Err((status, message))) => return error(status, &message),
        Err(_) => return error(StatusCode::INTERNAL_SERVER_ERROR, "batch worker failed"),
    };
    match store.import(&profiles).await {
        Ok(()) => (
            StatusCode::CREATED,
            Json(serde_json::json!({
                "imported": profiles.len(),
                "firstIccid": profiles.first().map(|p| p.iccid.digits()),
                "lastIccid": profiles.last().map(|p| p.iccid.digits()),
            })),
        )
            .into_response(),
        Err(e) => store_error(&e),
    }
}
