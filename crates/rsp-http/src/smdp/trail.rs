//! The M2M SM-DP's ES2 calls in the audit trail (`rsp_storage::audit`, docs/audit.md) and
//! in the metrics: a middleware on `/gsma/sgp02/es2` that reads the function from the
//! request envelope and its outcome from the response, and records `es2.<Function>` (actor:
//! the Operator, the client certificate's CN; subject: the EID; details: the HTTP status,
//! the execution status and its SGP.02 codes, the ICCID) and
//! `rsp_smdp_es2_calls_total{function,status,code}`. Nothing secret is in either envelope.
//! What the calls change (orders accepted and ended, Profiles taken) is recorded by the
//! store in the transaction of the change.

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::{Interface, Message, ProfileRequest, RequestBody, envelope};
use rsp_storage::SqlStore;
use rsp_storage::audit::{AuditEvent, json_string};

use crate::identity::common_name;
use crate::server::PeerCertificate;

/// Largest envelope read (the codec refuses larger ones anyway).
const LIMIT: usize = 4 << 20;

/// What the request was: its function, EID and ICCID.
fn request_of(body: &[u8]) -> Option<(String, String, Option<String>)> {
    let env = envelope::parse_bytes(body).ok()?;
    let Ok(Message::Request(r)) = Es2Message::from_envelope(&env) else {
        return None;
    };
    // SGP.02's function name (the body element), as the SM-SR's trail names it.
    let function = r.body.function().element(Interface::Es2).to_owned();
    Some(match r.body {
        Es2Request::DownloadProfile { eid, iccid, .. } => (function, eid, iccid),
        Es2Request::Profile { request, .. } => {
            let (eid, iccid) = eid_iccid(request);
            (function, eid, iccid)
        }
    })
}

fn eid_iccid(r: ProfileRequest) -> (String, Option<String>) {
    use ProfileRequest as P;
    match r {
        P::EnableProfile { eid, iccid }
        | P::DisableProfile { eid, iccid }
        | P::DeleteProfile { eid, iccid }
        | P::SetFallbackAttribute { eid, iccid }
        | P::UpdatePolicyRules { eid, iccid, .. }
        | P::UpdateSubscriptionAddress { eid, iccid, .. } => (eid, Some(iccid)),
        P::GetEis { eid } | P::AuditEis { eid, .. } => (eid, None),
    }
}

/// The execution status and codes of a response envelope, and its ICCID.
fn outcome_of(body: &[u8]) -> Option<(String, String, Option<String>)> {
    let env = envelope::parse_bytes(body).ok()?;
    let Ok(Message::Response(r)) = Es2Message::from_envelope(&env) else {
        return None;
    };
    let code = r
        .status
        .status_code_data
        .as_ref()
        .map(|c| format!("{}/{}", c.subject_code, c.reason_code))
        .unwrap_or_default();
    Some((r.status.status.as_str().to_owned(), code, r.iccid))
}

/// The middleware (state: the audit store).
pub async fn audit_es2(State(store): State<SqlStore>, req: Request, next: Next) -> Response {
    let actor = req
        .extensions()
        .get::<PeerCertificate>()
        .and_then(|c| common_name(c.0.as_ref()))
        .unwrap_or_else(|| "(no client certificate)".into());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, LIMIT).await else {
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let called = request_of(&bytes);
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let Some((function, eid, asked_iccid)) = called else {
        return response;
    };
    let http = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, LIMIT).await.unwrap_or_default();
    // 202: accepted, the response goes to ReplyTo later.
    let (status, code, iccid) =
        outcome_of(&bytes).unwrap_or_else(|| ("Accepted".into(), String::new(), None));
    let iccid = iccid.or(asked_iccid);
    metrics::counter!("rsp_smdp_es2_calls_total", "function" => function.clone(),
        "status" => status.clone(), "code" => code.clone())
    .increment(1);
    let details = format!(
        "{{\"httpStatus\":{http},\"status\":{},\"code\":{},\"iccid\":{}}}",
        json_string(&status),
        json_string(&code),
        iccid
            .as_deref()
            .map_or_else(|| "null".to_owned(), json_string)
    );
    let action = format!("es2.{function}");
    let event = AuditEvent {
        actor: &actor,
        action: &action,
        subject: &eid,
        details: &details,
    };
    if let Err(e) = store.record_audit(&[event]).await {
        tracing::error!(error = %e, action, "audit record failed");
    }
    Response::from_parts(parts, Body::from(bytes))
}
