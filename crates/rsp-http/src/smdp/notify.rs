//! The M2M SM-DP's side of the SM-SRs' notifications (SGP.02 §5.4 ES3
//! HandleProfileEnabled/Disabled/DeletedNotification and HandleSMSRChangeNotification,
//! passed on as the §5.3 ES2 notifications of the same name):
//!
//! - `POST /gsma/sgp02/es3` on the ES2 listener (SOAP 1.2 over mutually authenticated
//!   HTTPS): the caller is the SM-SR its client certificate names ([`SmsrCallers`]); each
//!   notification is recorded once per (SM-SR, `wsa:MessageID`) and queued for the
//!   Operators concerned ([`rsp_smdp::notification`]); answered HTTP 202
//!   (a one-way message), a repeat too.
//! - [`NotificationSender`]: delivers the queued ES2 notifications to the Operators'
//!   endpoints (`--operator ID=URL`), at least once (one MessageID for every delivery of one
//!   notification), retried with backoff.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use rsp_codec::ws::envelope::{self, FaultCode, WsHeader};
use rsp_codec::ws::es2::Es2Message;
use rsp_codec::ws::es3::Es3Message;
use rsp_codec::ws::{Eis, Message, Notification, NotificationKind, SmsrChangeNotification, xml};
use rsp_smdp::notification::{
    NotificationEvent, NotificationStore, QueuedNotification, ReceivedNotification, Recorded,
    Subject,
};
use rsp_smdp::service::unix_now;
use tokio::sync::watch;

use crate::outbox_step::{self, Attempt, Claimed, Policy};
use crate::server::PeerCertificate;
use crate::smsr::ws::{SOAP_CONTENT_TYPE, caller, fault, stable_message_id, unauthenticated};

/// Which configured SM-SR a client certificate is: the one whose identifier (`--smsr ID=…`)
/// is the certificate's subject CN, else the only one whose ES3 URL has that host name (our
/// reading: SGP.02 leaves how an SM-SR is known to its SM-DPs to the set-up).
#[derive(Debug, Clone, Default)]
pub struct SmsrCallers {
    by_id: HashMap<String, String>,
}

impl SmsrCallers {
    /// From the SM-DP's SM-SRs (identifier → ES3 URL).
    pub fn new(smsrs: &HashMap<String, String>) -> Self {
        Self {
            by_id: smsrs.clone(),
        }
    }

    /// The SM-SR identifier of the caller whose certificate's CN is `cn`.
    pub fn identify(&self, cn: &str) -> Option<String> {
        if self.by_id.contains_key(cn) {
            return Some(cn.to_owned());
        }
        let mut hosts = self
            .by_id
            .iter()
            .filter(|(_, url)| host(url).is_some_and(|h| h.eq_ignore_ascii_case(cn)));
        match (hosts.next(), hosts.next()) {
            (Some((id, _)), None) => Some(id.clone()),
            _ => None,
        }
    }
}

fn host(url: &str) -> Option<&str> {
    let rest = url.split_once("://")?.1;
    let authority = rest.split(['/', '?', '#']).next()?;
    let authority = authority.rsplit_once('@').map_or(authority, |(_, h)| h);
    if let Some(v6) = authority.strip_prefix('[') {
        return v6.split_once(']').map(|(h, _)| h);
    }
    Some(authority.split(':').next().unwrap_or(authority))
}

struct NotifyState<S> {
    store: S,
    callers: SmsrCallers,
}

fn event(kind: NotificationKind) -> NotificationEvent {
    match kind {
        NotificationKind::ProfileEnabled => NotificationEvent::Enabled,
        NotificationKind::ProfileDisabled => NotificationEvent::Disabled,
        NotificationKind::ProfileDeleted => NotificationEvent::Deleted,
        NotificationKind::SmsrChange => NotificationEvent::SmsrChange,
    }
}

/// The ES2 message passing `n` on.
fn es2_message(n: &ReceivedNotification) -> Result<Es2Message, String> {
    let kind = match n.event {
        NotificationEvent::Enabled => NotificationKind::ProfileEnabled,
        NotificationEvent::Disabled => NotificationKind::ProfileDisabled,
        NotificationEvent::Deleted => NotificationKind::ProfileDeleted,
        NotificationEvent::SmsrChange => NotificationKind::SmsrChange,
    };
    match &n.subject {
        Subject::Profile { iccid } if kind != NotificationKind::SmsrChange => {
            Ok(Message::Notification(Notification {
                kind,
                eid: n.eid.clone(),
                iccid: iccid.clone(),
                completion_timestamp: n.completion_timestamp.clone(),
            }))
        }
        Subject::Eis { eis } if kind == NotificationKind::SmsrChange => {
            let eis = xml::parse(eis)
                .and_then(|el| Eis::from_element(&el))
                .map_err(|e| format!("the stored EIS does not read: {e}"))?;
            Ok(Message::SmsrChange(SmsrChangeNotification {
                eis: Box::new(eis),
                completion_timestamp: n.completion_timestamp.clone(),
            }))
        }
        _ => Err(format!(
            "a {} notification of the wrong shape",
            n.event.as_str()
        )),
    }
}

/// What an ES3 notification says, as recorded; `None` when the message is no notification.
fn received(smsr_id: String, message_id: &str, msg: Es3Message) -> Option<ReceivedNotification> {
    let (event, eid, subject, completion_timestamp) = match msg {
        Message::Notification(n) => (
            event(n.kind),
            n.eid,
            Subject::Profile { iccid: n.iccid },
            n.completion_timestamp,
        ),
        Message::SmsrChange(c) => {
            // Kept and passed on without any ISD-R keys (an SM-SR sends none; SGP.02 keeps
            // them between the SM-SR and the eUICC).
            let eis = Eis {
                isd_r: None,
                ..*c.eis
            };
            let eid = eis.eid.clone();
            let eis = xml::write(&eis.to_element());
            (
                NotificationEvent::SmsrChange,
                eid,
                Subject::Eis { eis },
                c.completion_timestamp,
            )
        }
        Message::Request(_) | Message::Response(_) => return None,
    };
    Some(ReceivedNotification {
        smsr_id,
        message_id: message_id.to_owned(),
        event,
        eid,
        subject,
        completion_timestamp,
    })
}

fn sender_fault(relates_to: Option<&str>, reason: &str) -> Response {
    fault(
        StatusCode::BAD_REQUEST,
        relates_to,
        FaultCode::Sender,
        reason,
    )
}

async fn es3<S: NotificationStore + 'static>(
    State(state): State<Arc<NotifyState<S>>>,
    cert: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Response {
    let Some(cn) = caller(cert) else {
        return unauthenticated();
    };
    let Some(smsr_id) = state.callers.identify(&cn) else {
        tracing::warn!(caller = %cn, "ES3 notification from an unknown SM-SR refused");
        return fault(
            StatusCode::FORBIDDEN,
            None,
            FaultCode::Sender,
            "the caller is not an SM-SR of this SM-DP",
        );
    };
    let env = match envelope::parse_bytes(&body) {
        Ok(e) => e,
        Err(e) => return sender_fault(None, &e.to_string()),
    };
    let relates = Some(env.header.message_id.as_str());
    let received = match Es3Message::from_envelope(&env) {
        Ok(msg) => match received(smsr_id, &env.header.message_id, msg) {
            Some(r) => r,
            None => return sender_fault(relates, "not an ES3 notification"),
        },
        Err(e) => return sender_fault(relates, &e.to_string()),
    };
    let event = received.event;
    match state.store.record_notification(&received, unix_now()).await {
        Ok(recorded) => {
            let outcome = match &recorded {
                Recorded::Forwarded(_) => "queued",
                Recorded::Unrouted => "unrouted",
                Recorded::Duplicate => "duplicate",
            };
            metrics::counter!("rsp_smdp_es3_notifications_total",
                "event" => event.as_str(), "outcome" => outcome)
            .increment(1);
            tracing::info!(smsr = %received.smsr_id, eid = %received.eid,
                iccid = received.iccid().unwrap_or("-"), event = event.as_str(), outcome,
                "ES3 notification");
            StatusCode::ACCEPTED.into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "recording an ES3 notification failed");
            fault(
                StatusCode::INTERNAL_SERVER_ERROR,
                relates,
                FaultCode::Receiver,
                "the notification could not be recorded",
            )
        }
    }
}

/// The ES3 notification route (`POST /gsma/sgp02/es3`) over `store`.
pub fn router<S: NotificationStore + 'static>(store: S, callers: SmsrCallers) -> Router {
    Router::new()
        .route("/gsma/sgp02/es3", post(es3::<S>))
        .with_state(Arc::new(NotifyState { store, callers }))
}

crate::outbox_step::store_outbox!(
    Queue,
    NotificationStore,
    QueuedNotification,
    claim_notifications,
    notification_ended,
    notification_retry
);

/// Delivers the queued ES2 notifications.
#[derive(Clone)]
pub struct NotificationSender {
    /// HTTPS client (the SM-DP's client certificate when configured).
    pub client: reqwest::Client,
    /// Operator identifier → its ES2 endpoint.
    pub operators: HashMap<String, String>,
    /// The SM-DP's identifier (`wsa:From`).
    pub smdp_id: String,
    /// Claims, lease and attempts.
    pub policy: Policy,
}

impl NotificationSender {
    /// The ES2 envelope of `q` for `url`.
    pub fn render(&self, q: &QueuedNotification, url: &str) -> Result<String, String> {
        let header = WsHeader {
            to: Some(url.to_owned()),
            from: Some(self.smdp_id.clone()),
            reply_to: None,
            message_id: stable_message_id(&[
                b"smdp-es2-notification",
                self.smdp_id.as_bytes(),
                &q.id.to_be_bytes(),
            ]),
            action: String::new(),
            relates_to: None,
        };
        let msg = es2_message(&q.notification)?;
        Ok(envelope::build(&msg.envelope(header)))
    }

    /// Claims and sends due notifications once; how many were delivered.
    pub async fn step<S: NotificationStore>(&self, store: &S) -> usize {
        let sent = outbox_step::step(
            &Queue(store),
            unix_now(),
            self.policy,
            "ES2 notification",
            |c: &Claimed<QueuedNotification>| {
                let target = match self.operators.get(&c.item.operator) {
                    Some(url) => self.render(&c.item, url).map(|body| (url.clone(), body)),
                    None => Err(format!("no endpoint for Operator {}", c.item.operator)),
                };
                async move {
                    let (url, body) = match target {
                        Ok(t) => t,
                        Err(why) => return Attempt::Undeliverable(why),
                    };
                    outbox_step::post(
                        &self.client,
                        &url,
                        SOAP_CONTENT_TYPE,
                        &[],
                        body.into_bytes(),
                    )
                    .await
                }
            },
        )
        .await;
        let mut delivered = 0;
        for (c, attempt) in &sent {
            let result = match attempt {
                Attempt::Delivered => {
                    delivered += 1;
                    "delivered"
                }
                Attempt::Failed(_) => "failed",
                Attempt::Undeliverable(_) => "undeliverable",
            };
            metrics::counter!("rsp_smdp_es2_notifications_total",
                "event" => c.item.notification.event.as_str(), "result" => result)
            .increment(1);
        }
        delivered
    }
}

/// Sends notifications every `interval` until `shutdown` turns true.
pub async fn run<S: NotificationStore + 'static>(
    store: S,
    sender: NotificationSender,
    interval: Duration,
    shutdown: watch::Receiver<bool>,
) {
    outbox_step::run_every(interval, shutdown, || sender.step(&store)).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_smsr_is_known_by_its_identifier_or_its_only_host() {
        let callers = SmsrCallers::new(&HashMap::from([
            (
                "smsr1".to_owned(),
                "https://smsr.example:8446/gsma/sgp02/es3".to_owned(),
            ),
            (
                "smsr2".to_owned(),
                "https://[::1]:8446/gsma/sgp02/es3".to_owned(),
            ),
            ("a".to_owned(), "https://twin.example/es3".to_owned()),
            ("b".to_owned(), "https://twin.example:444/es3".to_owned()),
        ]));
        assert_eq!(callers.identify("smsr1").as_deref(), Some("smsr1"));
        assert_eq!(callers.identify("SMSR.example").as_deref(), Some("smsr1"));
        assert_eq!(callers.identify("::1").as_deref(), Some("smsr2"));
        // Two SM-SRs on one host: the CN does not tell which.
        assert_eq!(callers.identify("twin.example"), None);
        assert_eq!(callers.identify("other"), None);
    }
}
