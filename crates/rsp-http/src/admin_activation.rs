//! `GET /admin/v1/orders/{iccid}/activation-code`: the Activation Code of an order (SGP.22
//! v2.5 §4.1) as JSON, or its QR code (`LPA:` + code) as PNG or SVG.

use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use qrcode::QrCode;
use serde::{Deserialize, Serialize};

use crate::admin::{AdminState, error, find};
use crate::openapi::ErrorBody;

/// The Activation Code of SGP.22 v2.5 §4.1: `1$<SM-DP+ address>$<MatchingID>`, with
/// `$$1` appended (empty SM-DP+ OID, Confirmation Code required flag) when a Confirmation
/// Code is required.
pub fn activation_code(smdp_address: &str, matching_id: &str, cc_required: bool) -> String {
    let mut ac = format!("1${smdp_address}${matching_id}");
    if cc_required {
        ac.push_str("$$1");
    }
    ac
}

/// `?format=` of the activation-code endpoint.
#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct AcQuery {
    /// `text` or `json` (default: JSON), `png` or `svg` (the QR code).
    format: Option<String>,
}

/// The Activation Code and the text of its QR code.
#[derive(Serialize, Deserialize, utoipa::ToSchema, Debug)]
#[serde(rename_all = "camelCase")]
pub struct ActivationCodeView {
    /// `1$<SM-DP+ address>$<MatchingID>[$$1]` (SGP.22 §4.1).
    pub activation_code: String,
    /// `LPA:` followed by the Activation Code.
    pub qr_code_text: String,
}

/// A PNG image (the QR code), in the document only.
#[derive(utoipa::ToSchema)]
#[schema(value_type = String, format = Binary)]
#[allow(dead_code)]
pub(crate) struct PngImage(Vec<u8>);

/// The Activation Code of the order of `iccid`.
#[utoipa::path(
    get,
    path = "/admin/v1/orders/{iccid}/activation-code",
    tag = "smdpp",
    security(("adminToken" = [])),
    params(("iccid" = String, Path, description = "ICCID (19 or 20 digits)"), AcQuery),
    responses(
        (status = 200, description = "The Activation Code (JSON) or its QR code",
            content(
                (ActivationCodeView = "application/json"),
                (PngImage = "image/png"),
                (String = "image/svg+xml"),
            )),
        (status = 400, description = "Invalid ICCID or format", body = ErrorBody),
        (status = 401, description = "Missing or wrong bearer token", body = ErrorBody),
        (status = 404, description = "No such Profile", body = ErrorBody),
        (status = 409, description = "No order with a MatchingID an Activation Code can carry",
            body = ErrorBody),
    )
)]
pub(crate) async fn get_activation_code(
    State(state): State<AdminState>,
    Path(iccid): Path<String>,
    Query(q): Query<AcQuery>,
) -> Response {
    let record = match find(&state, &iccid).await {
        Ok(r) => r,
        Err(r) => return r,
    };
    let Some(matching_id) = record.matching_id.as_ref() else {
        return error(
            StatusCode::CONFLICT,
            "the profile has no order with a MatchingID",
        );
    };
    if !matching_id.is_activation_code_safe() {
        // SGP.22 §4.1: an Activation Code carries only 0-9, A-Z and '-'; an order imported
        // with another system's MatchingID is downloaded with that ID typed in or sent by
        // the LPA as it is, not through an Activation Code of ours.
        return error(
            StatusCode::CONFLICT,
            "the order's MatchingID (imported) has characters an Activation Code cannot carry",
        );
    }
    let ac = activation_code(
        &state.config.smdp_address,
        matching_id.as_str(),
        record.cc_hash.is_some(),
    );
    let qr_text = format!("LPA:{ac}");
    match q.format.as_deref() {
        None | Some("text") | Some("json") => Json(ActivationCodeView {
            activation_code: ac,
            qr_code_text: qr_text,
        })
        .into_response(),
        Some("png") => match qr_png(&qr_text) {
            Some(png) => ([(header::CONTENT_TYPE, "image/png")], png).into_response(),
            None => error(StatusCode::INTERNAL_SERVER_ERROR, "QR code encoding failed"),
        },
        Some("svg") => match QrCode::new(qr_text.as_bytes()) {
            Ok(code) => {
                let svg = code
                    .render::<qrcode::render::svg::Color<'_>>()
                    .min_dimensions(256, 256)
                    .build();
                ([(header::CONTENT_TYPE, "image/svg+xml")], svg).into_response()
            }
            Err(_) => error(StatusCode::INTERNAL_SERVER_ERROR, "QR code encoding failed"),
        },
        Some(_) => error(StatusCode::BAD_REQUEST, "format must be text, png or svg"),
    }
}

/// A PNG QR code of `text`.
fn qr_png(text: &str) -> Option<Vec<u8>> {
    let code = QrCode::new(text.as_bytes()).ok()?;
    let img = code
        .render::<image::Luma<u8>>()
        .min_dimensions(256, 256)
        .build();
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).ok()?;
    Some(out.into_inner())
}
