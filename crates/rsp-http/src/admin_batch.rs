//! `POST /admin/v1/batches`: inventory import from a template and a personalisation batch
//! (CSV with a header row, or JSON lines) through the profile toolkit (`rsp_saip::batch`).
//! Every row is personalised and checked first; the profiles are then imported in one
//! transaction, so a bad row or a duplicate ICCID imports nothing.

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use base64::Engine;
use rsp_codec::json::Iccid;
use rsp_saip::batch::{BatchError, DataFormat, for_each_profile};
use rsp_smdpp::profile::{ProfileClass, ProfileMetadata};
use rsp_smdpp::store::InventoryStore;
use rsp_smdpp::{NewProfile, OperatorId, ProfilePackage};
use serde::{Deserialize, Serialize};

use crate::admin::{AdminState, error, store_error};
use crate::openapi::ErrorBody;

/// Largest accepted batch, in rows (one request, one transaction).
pub const MAX_ROWS: u64 = 100_000;

/// `POST /admin/v1/batches` body.
#[derive(Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct BatchRequest {
    /// Owning Operator of every Profile.
    operator: String,
    /// Profile Type of every Profile.
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
    /// `serviceProviderName` of the Profile Metadata.
    #[serde(default)]
    service_provider_name: String,
    /// `profileName` of the Profile Metadata.
    #[serde(default)]
    profile_name: String,
    /// `test`, `provisioning` or `operational` (default).
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

/// `POST /admin/v1/batches` answer.
#[derive(Serialize, Deserialize, Debug, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct BatchImported {
    /// Profiles imported.
    pub imported: usize,
    /// ICCID of the first row.
    pub first_iccid: Option<String>,
    /// ICCID of the last row.
    pub last_iccid: Option<String>,
}

/// The handler: personalise, then import all in one transaction.
#[utoipa::path(
    post,
    path = "/admin/v1/batches",
    tag = "smdpp",
    security(("adminToken" = [])),
    request_body = BatchRequest,
    responses(
        (status = 201, description = "Every row imported", body = BatchImported),
        (status = 400, description = "Malformed request", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 409, description = "An ICCID is already in the inventory", body = ErrorBody),
        (status = 422, description = "A row cannot be personalised (names the line)",
            body = ErrorBody),
    )
)]
pub(crate) async fn import_batch(
    State(AdminState { store, .. }): State<AdminState>,
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
            Json(BatchImported {
                imported: profiles.len(),
                first_iccid: profiles.first().map(|p| p.iccid.digits().to_owned()),
                last_iccid: profiles.last().map(|p| p.iccid.digits().to_owned()),
            }),
        )
            .into_response(),
        Err(e) => store_error(&e),
    }
}
