//! The SM-SR's notice sender: claims queued notices (operation results for a `ReplyTo`,
//! Profile changes for Operators and SM-DPs), renders each for its destination, POSTs it
//! over HTTPS (with the SM-SR's client certificate when configured) and marks it delivered,
//! or retries it with backoff and gives up after the last attempt. Delivery is at least
//! once: a receiver de-duplicates by the message identifier it gets.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use rsp_smsr::notice::{Destination, QueuedNotice};
use rsp_smsr::store::SmsrStore;
use tokio::sync::watch;

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

/// Wait before the next attempt after `attempts` failed ones: 5 s doubling, at most 10 min.
fn backoff(attempts: u32) -> i64 {
    (5_i64 << attempts.saturating_sub(1).min(7)).min(600)
}

impl NoticeSender {
    /// Delivers one claimed notice; `Ok(true)` when delivered.
    async fn deliver(&self, n: &QueuedNotice) -> Result<bool, String> {
        let Some(url) = self.endpoints.url(&n.item.destination) else {
            return Err(format!("no endpoint for {:?}", n.item.destination));
        };
        let rendered = (self.render)(n)?;
        let mut request = self
            .client
            .post(&url)
            .header("content-type", rendered.content_type)
            .body(rendered.body);
        for (k, v) in rendered.headers {
            request = request.header(k, v);
        }
        let response = request.send().await.map_err(|e| e.to_string())?;
        Ok(response.status().is_success())
    }

    /// One step: claim due notices and deliver them; the number delivered.
    pub async fn step<S: SmsrStore>(&self, store: &S) -> usize {
        let now = rsp_smsr::service::unix_now();
        let claimed = match store.claim_notices(now, 50, self.lease).await {
            Ok(c) => c,
            Err(e) => {
                tracing::warn!(error = %e, "claiming notices failed");
                return 0;
            }
        };
        let mut delivered = 0;
        for n in claimed {
            let result = self.deliver(&n).await;
            let outcome = match &result {
                Ok(true) => store.notice_ended(n.id, true).await,
                _ if n.attempts >= self.max_attempts => {
                    tracing::warn!(notice = n.id, attempts = n.attempts, "notice given up");
                    store.notice_ended(n.id, false).await
                }
                _ => store.notice_retry(n.id, now + backoff(n.attempts)).await,
            };
            match result {
                Ok(true) => delivered += 1,
                Ok(false) => tracing::info!(notice = n.id, "notice refused; retried later"),
                Err(e) => {
                    tracing::info!(notice = n.id, error = %e, "notice not delivered; retried later")
                }
            }
            if let Err(e) = outcome {
                tracing::warn!(notice = n.id, error = %e, "recording a notice failed");
            }
        }
        delivered
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
        F::DeleteKeysets { .. } => W::SmsrChange,
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
            message_id: super::ws::message_id(),
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
                envelope(&Message::<Es4Request>::SmsrChange(notification), header)
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
