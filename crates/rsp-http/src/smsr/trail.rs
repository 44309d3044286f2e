//! The SM-SR's web-service calls in the audit trail (`rsp_storage::audit`, docs/audit.md)
//! and in the metrics: one middleware on `/gsma/sgp02/{es1,es3,es4,es7}` that reads the
//! envelopes generically (the body element's name, its `Eid` and `Iccid`; the response's
//! `FunctionExecutionStatus`), whatever the interface, and records `<interface>.<Function>`
//! (actor: the caller, its client certificate's CN; subject: the EID; details: the HTTP
//! status, the execution status, its SGP.02 codes, the ICCID) and
//! `rsp_smsr_ws_calls_total{interface,function,status,code}`. Nothing of the bodies but
//! those identifiers is kept: a RegisterEIS's keys never reach the record. What the calls
//! change (EIS registered, operations queued and ended, SM-SR change stages) is recorded by
//! the store in the transaction of the change (`rsp_storage`'s `smsr_audit`).

use axum::body::{Body, to_bytes};
use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;
use rsp_codec::ws::envelope::{self, Envelope};
use rsp_codec::ws::names::{NS_GSMA, NotificationKind};
use rsp_codec::ws::{Element, ExecutionStatus, Function, Interface};
use rsp_storage::SqlStore;
use rsp_storage::audit::AuditEvent;
use serde_json::json;

use crate::identity::common_name;
use crate::server::PeerCertificate;

/// Largest envelope read (the codec refuses larger ones anyway).
const LIMIT: usize = 4 << 20;

/// The interfaces served, by path segment under `/gsma/sgp02/`.
const INTERFACES: [(&str, Option<Interface>); 4] = [
    ("es1", Some(Interface::Es1)),
    ("es3", Some(Interface::Es3)),
    ("es4", Some(Interface::Es4)),
    ("es7", None),
];

/// Whether `name` is a body element the interface carries (anything else is recorded as
/// `unknown`, so a caller cannot grow the metrics' label sets).
fn known(interface: Option<Interface>, name: &str) -> bool {
    match interface {
        Some(i) => {
            Function::of(i).iter().any(|f| f.element(i) == name)
                || (i == Interface::Es4
                    && Function::ES4_SMSR_CHANGE
                        .iter()
                        .any(|f| f.element(i) == name))
        }
        // ES7: the requests, their responses (HandoverEUICCResponse comes as a message
        // of its own) and the SM-SR change notification.
        None => {
            Function::ES7.iter().any(|f| {
                let e = f.element(Interface::Es4);
                name == e || name.strip_suffix("Response") == Some(e)
            }) || name == NotificationKind::SmsrChange.element()
        }
    }
}

/// The first GSMA element `name` in `el` or below, at most `depth` levels down.
fn find<'a>(el: &'a Element, name: &str, depth: u8) -> Option<&'a Element> {
    if let Some(c) = el.child(NS_GSMA, name) {
        return Some(c);
    }
    if depth == 0 {
        return None;
    }
    el.children.iter().find_map(|c| find(c, name, depth - 1))
}

fn text(el: Option<&Element>) -> Option<String> {
    el.map(|e| e.trimmed().to_owned()).filter(|t| !t.is_empty())
}

/// What a request was: its function, EID and ICCID.
struct Called {
    function: String,
    eid: Option<String>,
    iccid: Option<String>,
}

fn request_of(interface: Option<Interface>, env: Option<&Envelope>) -> Called {
    let Some(env) = env else {
        return Called {
            function: "unknown".into(),
            eid: None,
            iccid: None,
        };
    };
    let body = &env.body;
    let function = if body.ns == NS_GSMA && known(interface, &body.name) {
        body.name.clone()
    } else {
        "unknown".into()
    };
    // The EID is the body's, or the EIS's (`Eis/EumSignedInfo/Eid`); a HandoverEUICC
    // response names it only in its RelatesTo (`super::es7`'s MessageIDs).
    let eid = text(find(body, "Eid", 3)).or_else(|| {
        env.header
            .relates_to
            .as_deref()
            .and_then(super::es7::eid_of_message_id)
            .map(str::to_owned)
    });
    Called {
        function,
        eid,
        iccid: text(body.child(NS_GSMA, "Iccid")),
    }
}

/// The execution status, its codes and the ICCID of a response; for a response without an
/// envelope, what its HTTP status says.
fn outcome_of(http: u16, body: &[u8]) -> (String, String, Option<String>) {
    let Ok(env) = envelope::parse_bytes(body) else {
        let status = match http {
            202 => "Accepted",
            200..=299 => "Received",
            _ => "Refused",
        };
        return (status.into(), String::new(), None);
    };
    let body = &env.body;
    let Some(fes) = body.child(NS_GSMA, "FunctionExecutionStatus") else {
        // A SOAP fault (malformed, refused) or another envelope.
        let status = if body.name == "Fault" {
            "Fault"
        } else {
            "Other"
        };
        return (status.into(), String::new(), None);
    };
    let said = text(fes.child(NS_GSMA, "Status")).unwrap_or_default();
    let status = [
        ExecutionStatus::Success,
        ExecutionStatus::WithWarning,
        ExecutionStatus::Failed,
        ExecutionStatus::Expired,
    ]
    .into_iter()
    .map(ExecutionStatus::as_str)
    .find(|s| *s == said)
    .unwrap_or("Other");
    let codes = fes.child(NS_GSMA, "StatusCodeData");
    let code = match (
        text(codes.and_then(|c| c.child(NS_GSMA, "SubjectCode"))),
        text(codes.and_then(|c| c.child(NS_GSMA, "ReasonCode"))),
    ) {
        (Some(s), Some(r)) => format!("{s}/{r}"),
        _ => String::new(),
    };
    (status.into(), code, text(body.child(NS_GSMA, "Iccid")))
}

/// The middleware (state: the audit store).
pub async fn audit_ws(State(store): State<SqlStore>, req: Request, next: Next) -> Response {
    let segment = req
        .uri()
        .path()
        .strip_prefix("/gsma/sgp02/")
        .unwrap_or_default();
    let Some((name, interface)) = INTERFACES.into_iter().find(|(n, _)| *n == segment) else {
        return next.run(req).await;
    };
    let actor = req
        .extensions()
        .get::<PeerCertificate>()
        .and_then(|c| common_name(c.0.as_ref()))
        .unwrap_or_else(|| "(no client certificate)".into());
    let (parts, body) = req.into_parts();
    let Ok(bytes) = to_bytes(body, LIMIT).await else {
        return next.run(Request::from_parts(parts, Body::empty())).await;
    };
    let called = request_of(interface, envelope::parse_bytes(&bytes).ok().as_ref());
    let response = next
        .run(Request::from_parts(parts, Body::from(bytes)))
        .await;
    let http = response.status().as_u16();
    let (parts, body) = response.into_parts();
    let bytes = to_bytes(body, LIMIT).await.unwrap_or_default();
    let (status, code, iccid) = outcome_of(http, &bytes);
    metrics::counter!("rsp_smsr_ws_calls_total", "interface" => name,
        "function" => called.function.clone(), "status" => status.clone(),
        "code" => code.clone())
    .increment(1);
    let details = json!({
        "httpStatus": http,
        "status": status,
        "code": (!code.is_empty()).then_some(code),
        "iccid": iccid.or(called.iccid),
    })
    .to_string();
    let action = format!("{name}.{}", called.function);
    let event = AuditEvent {
        actor: &actor,
        action: &action,
        subject: called.eid.as_deref().unwrap_or(""),
        details: &details,
    };
    if let Err(e) = store.record_audit(&[event]).await {
        tracing::error!(error = %e, action, "audit record failed");
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_interfaces_functions_are_labels() {
        assert!(known(Some(Interface::Es4), "GetEIS"));
        assert!(known(Some(Interface::Es4), "SMSRChange"));
        assert!(!known(Some(Interface::Es4), "CreateISDP"));
        assert!(known(Some(Interface::Es3), "DeleteISDP"));
        assert!(known(Some(Interface::Es1), "RegisterEIS"));
        assert!(known(None, "HandoverEUICC"));
        assert!(known(None, "HandoverEUICCResponse"));
        assert!(known(None, "HandleSMSRChangeNotification"));
        assert!(!known(None, "EnableProfile"));
        assert!(!known(Some(Interface::Es4), "x".repeat(100).as_str()));
    }

    #[test]
    fn outcomes_without_envelope_follow_the_http_status() {
        assert_eq!(outcome_of(202, b"").0, "Accepted");
        assert_eq!(outcome_of(200, b"").0, "Received");
        assert_eq!(outcome_of(403, b"").0, "Refused");
    }
}
