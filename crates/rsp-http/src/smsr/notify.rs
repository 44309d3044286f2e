//! The SM-SR's notice sender: claims queued notices (operation results for a `ReplyTo`,
//! Profile changes for Operators and SM-DPs), renders each for its destination, POSTs it
//! over HTTPS (with the SM-SR's client certificate when configured) and marks it delivered,
//! or retries it with backoff and gives up after the last attempt ([`crate::outbox_step`]).
//! Delivery is at least once: a receiver de-duplicates by the message identifier it gets,
//! the same for every delivery of one notice. Each delivery attempt is counted in
//! `rsp_smsr_notices_total{destination,result}`.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rsp_smsr::notice::{Addressed, Destination, Notice, QueuedNotice};
use rsp_smsr::store::SmsrStore;
use tokio::sync::watch;

use crate::outbox_step::{self, Attempt, Claimed, Policy};

/// Where the notices of each Operator and SM-DP go (configured), by identifier.
#[derive(Debug, Clone, Default)]
pub struct Endpoints {
    /// Operator identifier → notification URL.
    pub operators: HashMap<String, String>,
    /// SM-DP identifier → notification URL.
    pub smdps: HashMap<String, String>,
}

impl Endpoints {
    /// The URL a notice goes to, if known.
    pub fn url(&self, destination: &Destination) -> Option<String> {
        match destination {
            Destination::ReplyTo(url) => Some(url.clone()),
            Destination::Operator(id) => self.operators.get(id).cloned(),
            Destination::SmDp(id) => self.smdps.get(id).cloned(),
        }
    }

    /// Where a notice goes and as what. A Profile change for an Operator goes through the
    /// SM-DP that downloaded the Profile when this SM-SR has that SM-DP's endpoint (ES3
    /// HandleProfile…Notification, which the SM-DP passes on over ES2), else to the
    /// Operator itself (ES4). SGP.02 has both paths; choosing by the endpoints configured
    /// is our reading (docs/smsr.md).
    pub fn route(&self, item: &Addressed) -> Option<(String, Addressed)> {
        if let (
            Destination::Operator(_),
            Notice::ProfileChanged {
                smdp_id: Some(smdp),
                ..
            },
        ) = (&item.destination, &item.notice)
            && let Some(url) = self.smdps.get(smdp)
        {
            let relayed = Addressed {
                destination: Destination::SmDp(smdp.clone()),
                notice: item.notice.clone(),
            };
            return Some((url.clone(), relayed));
        }
        self.url(&item.destination).map(|u| (u, item.clone()))
    }
}

/// A rendered notice: the body, its content type and extra headers.
#[derive(Debug, Clone)]
pub struct Rendered {
    /// Request body.
    pub body: Vec<u8>,
    /// `Content-Type`.
    pub content_type: String,
    /// Extra headers (e.g. a SOAP action).
    pub headers: Vec<(String, String)>,
}

/// Renders notices in the receiver's binding.
pub type Renderer = Arc<dyn Fn(&QueuedNotice) -> Result<Rendered, String> + Send + Sync>;

/// The sender's settings.
#[derive(Clone)]
pub struct NoticeSender {
    /// HTTPS client (trust anchors, client identity).
    pub client: reqwest::Client,
    /// Destinations.
    pub endpoints: Endpoints,
    /// The binding.
    pub render: Renderer,
    /// Attempts before a notice is given up.
    pub max_attempts: u32,
    /// How long a claim holds a notice, seconds.
    pub lease: i64,
}

crate::outbox_step::store_outbox!(
    Notices,
    SmsrStore,
    QueuedNotice,
    claim_notices,
    notice_ended,
    notice_retry
);

impl NoticeSender {
    /// Delivers one claimed notice.
    async fn deliver(&self, n: &QueuedNotice) -> Attempt {
        let Some((url, item)) = self.endpoints.route(&n.item) else {
            // An endpoint may be configured by the next start: retried, then given up.
            return Attempt::Failed(format!("no endpoint for {:?}", n.item.destination));
        };
        let rendered = match (self.render)(&QueuedNotice {
            id: n.id,
            item,
            attempts: n.attempts,
        }) {
            Ok(r) => r,
            Err(e) => return Attempt::Undeliverable(e),
        };
        outbox_step::post(
            &self.client,
            &url,
            &rendered.content_type,
            &rendered.headers,
            rendered.body,
        )
        .await
    }

    /// One step: claim due notices and deliver them; the number delivered.
    pub async fn step<S: SmsrStore>(&self, store: &S) -> usize {
        let policy = Policy {
            batch: 50,
            lease: self.lease,
            max_attempts: self.max_attempts,
        };
        let now = rsp_smsr::service::unix_now();
        let sent = outbox_step::step(
            &Notices(store),
            now,
            policy,
            "notice",
            |c: &Claimed<QueuedNotice>| {
                let n = c.item.clone();
                async move { self.deliver(&n).await }
            },
        )
        .await;
        for (c, attempt) in &sent {
            let destination = match &c.item.item.destination {
                Destination::ReplyTo(_) => "replyTo",
                Destination::Operator(_) => "operator",
                Destination::SmDp(_) => "smdp",
            };
            // As `outbox_step::step` decided.
            let result = match attempt {
                Attempt::Delivered => "delivered",
                Attempt::Undeliverable(_) => "undeliverable",
                Attempt::Failed(_) if c.attempts >= policy.max_attempts => "givenUp",
                Attempt::Failed(_) => "retried",
            };
            metrics::counter!("rsp_smsr_notices_total", "destination" => destination,
                "result" => result)
            .increment(1);
        }
        sent.iter()
            .filter(|(_, a)| *a == Attempt::Delivered)
            .count()
    }
}

fn ws_function(f: &rsp_smsr::Function) -> rsp_codec::ws::Function {
    use rsp_codec::ws::Function as W;
    use rsp_smsr::Function as F;
    match f {
        F::EnableProfile { .. } => W::EnableProfile,
        F::DisableProfile { .. } => W::DisableProfile,
        F::DeleteProfile { .. } => W::DeleteProfile,
        F::SetFallbackAttribute { .. } => W::SetFallbackAttribute,
        F::AuditEis | F::ConfirmNotification { .. } => W::AuditEis,
        F::CreateIsdp { .. } => W::CreateIsdp,
        F::SendData { .. } => W::SendData,
        F::UpdateConnectivityParameters { .. } => W::UpdateConnectivityParameters,
        // Never with a ReplyTo (the ES7 caller waits for it); named for logs.
        F::IsdRKeyEstablishment { .. } => W::AuthenticateSmsr,
        F::DeleteKeysets { .. } | F::UpdateSmsrAddressingParameters { .. } => W::SmsrChange,
    }
}

fn envelope<B: rsp_codec::ws::RequestBody>(
    msg: &rsp_codec::ws::Message<B>,
    header: rsp_codec::ws::WsHeader,
) -> String {
    rsp_codec::ws::envelope::build(&msg.envelope(header))
}

/// The SGP.02 web-service rendering (SOAP 1.2): an operation result as the function's
/// response with `wsa:RelatesTo` = the request's MessageID (ES4 for an Operator, ES3 for
/// an SM-DP; SendData's with the eUICC's response script), a Profile change as
/// HandleProfileEnabled/Disabled/DeletedNotification, an SM-SR change completed here as ES4
/// HandleSMSRChangeNotification.
pub fn soap_renderer(smsr_id: String) -> Renderer {
    use rsp_codec::ws::es3::Es3Request;
    use rsp_codec::ws::es4::Es4Request;
    use rsp_codec::ws::{Message, NotificationKind, WsHeader};
    use rsp_smsr::notice::{Notice, ProfileChange};
    Arc::new(move |n: &QueuedNotice| {
        let header = WsHeader {
            to: None,
            from: Some(smsr_id.clone()),
            reply_to: None,
            // One MessageID for every delivery of this notice: the receiver de-duplicates.
            message_id: super::ws::stable_message_id(&[
                b"smsr-notice",
                smsr_id.as_bytes(),
                &n.id.to_be_bytes(),
            ]),
            action: String::new(),
            relates_to: None,
        };
        let es3 = matches!(n.item.destination, Destination::SmDp(_));
        let body = match &n.item.notice {
            Notice::OperationResult { operation } => {
                let status = operation.outcome.as_ref().map_or_else(
                    rsp_codec::ws::FunctionExecutionStatus::success,
                    super::ws_map::status_of,
                );
                let header = WsHeader {
                    to: operation.reply_to.clone(),
                    relates_to: operation.message_id.clone(),
                    ..header
                };
                let response = rsp_codec::ws::Response {
                    function: ws_function(&operation.function),
                    status,
                    eis: None,
                    iccid: None,
                    euicc_response_data: super::ws_map::response_data(operation),
                };
                if matches!(operation.requester, rsp_smsr::Requester::SmDp(_)) {
                    envelope(&Message::<Es3Request>::Response(response), header)
                } else {
                    envelope(&Message::<Es4Request>::Response(response), header)
                }
            }
            Notice::ProfileChanged {
                eid,
                iccid,
                change,
                at,
                ..
            } => {
                let notification = rsp_codec::ws::Notification {
                    kind: match change {
                        ProfileChange::Enabled => NotificationKind::ProfileEnabled,
                        ProfileChange::Disabled => NotificationKind::ProfileDisabled,
                        ProfileChange::Deleted => NotificationKind::ProfileDeleted,
                    },
                    eid: eid.clone(),
                    iccid: iccid.clone(),
                    completion_timestamp: rsp_smsr::service::rfc3339(*at),
                };
                if es3 {
                    envelope(&Message::<Es3Request>::Notification(notification), header)
                } else {
                    envelope(&Message::<Es4Request>::Notification(notification), header)
                }
            }
            Notice::SmsrChanged { eis, at } => {
                let notification = rsp_codec::ws::SmsrChangeNotification {
                    eis: Box::new(super::ws_map::eis_out(eis)),
                    completion_timestamp: rsp_smsr::service::rfc3339(*at),
                };
                if es3 {
                    envelope(&Message::<Es3Request>::SmsrChange(notification), header)
                } else {
                    envelope(&Message::<Es4Request>::SmsrChange(notification), header)
                }
            }
        };
        Ok(Rendered {
            body: body.into_bytes(),
            content_type: super::ws::SOAP_CONTENT_TYPE.into(),
            headers: Vec::new(),
        })
    })
}

/// Runs the sender every `interval` until `shutdown` turns true.
pub async fn run<S: SmsrStore>(
    store: S,
    sender: NoticeSender,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let delivered = sender.step(&store).await;
        if delivered > 0 {
            continue;
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}
