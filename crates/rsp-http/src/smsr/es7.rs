//! ES7 between SM-SRs (SGP.02 §3.7, §5.7; `rsp_codec::ws::es7` is the codec,
//! `rsp_smsr::change` the domain): `POST /gsma/sgp02/es7` over mutually authenticated HTTPS
//! (the calling SM-SR is its client certificate's subject CN, which must be the SM-SR
//! identifier the change names), ES4 PrepareSMSRChange / SMSRChange, and the driver that
//! takes this SM-SR's own steps.
//!
//! Our reading of the exchange (docs/smsr.md "SM-SR change"): HandoverEUICC is
//! acknowledged with HTTP 202 and answered later by HandoverEUICCResponse (RelatesTo its
//! MessageID) sent to the peer's configured ES7 URL (the ReplyTo is recorded, not followed:
//! an SM-SR posts only to the peers it is configured with); AuthenticateSMSR and
//! CreateAdditionalKeySet are answered synchronously once the ISD-R answered over ES5;
//! HandoverEUICCResponse and HandleSMSRChangeNotification get an empty HTTP 200, or a SOAP
//! fault with HTTP 403 when refused.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Extension, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rsp_codec::ws::envelope::{self, FaultCode, WsHeader};
use rsp_codec::ws::es4::{Es4Message, Es4SmsrChangeMessage, Es4SmsrChangeRequest};
use rsp_codec::ws::es7::{Es7Message, Es7Request, Es7Response};
use rsp_codec::ws::{self, ExecutionStatus, FunctionExecutionStatus, WsError};
use rsp_keyest::{Credential, KeyEstablishment};
use rsp_smsr::service::{SmsrService, unix_now};
use rsp_smsr::store::SmsrStore;
use rsp_smsr::{Requester, SmsrError};
use tokio::sync::watch;

use super::ws::{SOAP_CONTENT_TYPE, caller, fault, message_id, respond, soap, unauthenticated};
use super::ws_map::{eis_handed_over, eis_out, failed, status_of};
use crate::server::PeerCertificate;

/// Longest wait for the ISD-R's answer to a relayed AuthenticateSMSR/CreateAdditionalKeySet.
const RELAY_WAIT: Duration = Duration::from_secs(120);

/// What ES7 needs besides the service.
#[derive(Clone)]
pub struct Es7Config {
    /// HTTPS client towards peers (trust anchors, this SM-SR's client certificate).
    pub client: reqwest::Client,
    /// Peer SM-SR identifier → its ES7 URL.
    pub peers: HashMap<String, String>,
    /// This SM-SR's ES7 URL, sent as ReplyTo.
    pub own_url: String,
    /// CERT.SR.ECDSA and SK.SR.ECDSA, to receive eUICCs (the new SM-SR's key
    /// establishment); without it this SM-SR can only hand eUICCs over.
    pub credential: Option<Credential>,
    /// Key version of the ISD-R keyset it establishes (1..15).
    pub key_version: u8,
    /// Its host identifier in the key derivation (1..16 octets).
    pub host_id: Vec<u8>,
}

impl std::fmt::Debug for Es7Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Es7Config")
            .field("peers", &self.peers)
            .field("own_url", &self.own_url)
            .field("credential", &self.credential.is_some())
            .field("key_version", &self.key_version)
            .finish_non_exhaustive()
    }
}

struct Es7State<S> {
    smsr: Arc<SmsrService<S>>,
}

/// The ES7 route over `smsr`.
pub fn router<S: SmsrStore + 'static>(smsr: Arc<SmsrService<S>>) -> Router {
    Router::new()
        .route("/gsma/sgp02/es7", axum::routing::post(es7::<S>))
        .with_state(Arc::new(Es7State { smsr }))
}

fn refused(header: &WsHeader, e: &SmsrError) -> Response {
    fault(
        StatusCode::FORBIDDEN,
        Some(&header.message_id),
        FaultCode::Sender,
        &e.to_string(),
    )
}

fn answer(header: &WsHeader, smsr_id: &str, r: Es7Response) -> Response {
    let msg = Es7Message::Response(r);
    let header = WsHeader {
        to: header.from.clone(),
        from: Some(smsr_id.to_owned()),
        reply_to: None,
        message_id: message_id(),
        action: String::new(),
        relates_to: Some(header.message_id.clone()),
    };
    soap(StatusCode::OK, envelope::build(&msg.envelope(header)))
}

/// The EID a HandoverEUICC MessageID of ours names (`urn:rsp:es7:<EID>:<id>`).
pub(super) fn eid_of_message_id(id: &str) -> Option<&str> {
    id.strip_prefix("urn:rsp:es7:")?.split(':').next()
}

async fn es7<S: SmsrStore + 'static>(
    State(state): State<Arc<Es7State<S>>>,
    cert: Option<Extension<PeerCertificate>>,
    body: Bytes,
) -> Response {
    let Some(peer) = caller(cert) else {
        return unauthenticated();
    };
    let bad = |relates: Option<&str>, e: &dyn std::fmt::Display| {
        fault(
            StatusCode::BAD_REQUEST,
            relates,
            FaultCode::Sender,
            &e.to_string(),
        )
    };
    let env = match envelope::parse_bytes(&body) {
        Ok(e) => e,
        Err(e) => return bad(None, &e),
    };
    let msg = match Es7Message::from_envelope(&env) {
        Ok(m) => m,
        Err(e) => return bad(Some(&env.header.message_id), &e),
    };
    let smsr = &state.smsr;
    let smsr_id = smsr.config().smsr_id.clone();
    let header = &env.header;
    let now = unix_now();
    match msg {
        Es7Message::Request(r) => {
            let function = r.body.function();
            match &r.body {
                Es7Request::HandoverEuicc(eis) => {
                    let received = match eis_handed_over(eis) {
                        Ok(eis) => {
                            let reply_to = header.reply_to.as_deref().unwrap_or_default();
                            smsr.receive_handover(&peer, eis, reply_to, &header.message_id, now)
                                .await
                        }
                        Err(e) => Err(e),
                    };
                    match received {
                        Ok(_) => StatusCode::ACCEPTED.into_response(),
                        Err(e) => answer(header, &smsr_id, Es7Response::new(function, failed(&e))),
                    }
                }
                Es7Request::AuthenticateSmsr { eid, .. }
                | Es7Request::CreateAdditionalKeySet { eid, .. } => {
                    let r = relay(smsr, &peer, eid, &r.body, now)
                        .await
                        .unwrap_or_else(|e| Es7Response::new(function, failed(&e)));
                    answer(header, &smsr_id, r)
                }
            }
        }
        Es7Message::Response(r) if r.function == ws::Function::HandoverEuicc => {
            let relates = header.relates_to.as_deref();
            let Some(eid) = relates.and_then(eid_of_message_id) else {
                return refused(
                    header,
                    &SmsrError::NotAllowed("the response relates to no HandoverEUICC of ours"),
                );
            };
            let success = matches!(
                r.status.status,
                ExecutionStatus::Success | ExecutionStatus::WithWarning
            );
            match smsr
                .handover_answered(&peer, eid, relates, success, now)
                .await
            {
                Ok(_) => StatusCode::OK.into_response(),
                Err(e) => refused(header, &e),
            }
        }
        Es7Message::SmsrChange(n) => match smsr.change_notified(&peer, &n.eis.eid, now).await {
            Ok(_) => StatusCode::OK.into_response(),
            Err(e) => refused(header, &e),
        },
        Es7Message::Response(_) => bad(Some(&header.message_id), &"not an ES7 request"),
    }
}

/// SM-SR1: AuthenticateSMSR / CreateAdditionalKeySet to the ISD-R over ES5, and the
/// ISD-R's answer as the ES7 response.
async fn relay<S: SmsrStore>(
    smsr: &SmsrService<S>,
    peer: &str,
    eid: &str,
    body: &Es7Request,
    now: i64,
) -> Result<Es7Response, SmsrError> {
    let function = body.function();
    let apdu = body
        .isd_r_apdu()
        .map_err(|_| SmsrError::Invalid("ES7 key establishment data"))?
        .ok_or(SmsrError::Invalid("ES7 function"))?;
    let op = smsr
        .relay_key_establishment(peer, eid, function.element(ws::Interface::Es4), &apdu, now)
        .await?;
    let start = Instant::now();
    let done = loop {
        match smsr.operation(op.id).await? {
            Some(o) if o.status.is_final() => break o,
            _ if start.elapsed() < RELAY_WAIT => {
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            _ => return Err(SmsrError::Expired),
        }
    };
    let outcome = done.outcome.ok_or(SmsrError::Unreachable)?;
    if !outcome.success {
        return Ok(Es7Response::new(function, status_of(&outcome)));
    }
    let script = outcome
        .response
        .and_then(|h| hex::decode(h).ok())
        .ok_or(SmsrError::Security("no response script".into()))?;
    let responses = rsp_ota::ResponseScript::decode(&script, rsp_ota::RemoteFormat::Expanded)
        .map_err(|e| SmsrError::Security(format!("response script: {e}")))?;
    let last = responses
        .responses
        .last()
        .ok_or(SmsrError::Security("an empty response script".into()))?;
    let (data, sw) = rsp_codec::sgp02::StatusWord::split_response(last)
        .map_err(|_| SmsrError::Security("R-APDU without SW".into()))?;
    if !sw.is_success() {
        return Err(SmsrError::Euicc(sw.0));
    }
    Es7Response::from_isd_r_answer(function, data)
        .map_err(|e| SmsrError::Security(format!("ISD-R answer: {e}")))
}

/// ES4 PrepareSMSRChange / SMSRChange from `operator`, when `body` is one (`None`: an ES4
/// profile request, or something the ES4 path reports).
pub async fn es4_smsr_change<S: SmsrStore>(
    smsr: &SmsrService<S>,
    operator: &str,
    body: &[u8],
) -> Option<Response> {
    let env = envelope::parse_bytes(body).ok()?;
    if !matches!(
        Es4Message::from_envelope(&env),
        Err(WsError::UnknownMessage(_))
    ) {
        return None;
    }
    let Ok(ws::Message::Request(r)) = Es4SmsrChangeMessage::from_envelope(&env) else {
        return None;
    };
    let requester = Requester::Operator(operator.to_owned());
    let validity = r.validity_period.and_then(|v| i64::try_from(v).ok());
    let now = unix_now();
    let result = match &r.body {
        Es4SmsrChangeRequest::PrepareSmsrChange {
            eid,
            current_smsr_id,
        } => {
            smsr.prepare_change(&requester, eid, current_smsr_id, validity, now)
                .await
        }
        Es4SmsrChangeRequest::SmsrChange {
            eid,
            target_smsr_id,
        } => {
            smsr.request_change(&requester, eid, target_smsr_id, validity, now)
                .await
        }
    };
    let status = result.map_or_else(|e| failed(&e), |_| FunctionExecutionStatus::success());
    let function = ws::RequestBody::function(&r.body);
    let msg: Es4SmsrChangeMessage = ws::Message::Response(ws::Response::new(function, status));
    Some(respond(&env.header, &smsr.config().smsr_id, &msg))
}

/// Runs the driver every `interval` until `shutdown` turns true.
pub async fn run<S: SmsrStore>(
    smsr: Arc<SmsrService<S>>,
    config: Es7Config,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        if *shutdown.borrow() {
            return;
        }
        let changes = smsr.changes_to_drive(20).await.unwrap_or_else(|e| {
            tracing::warn!(error = %e, "reading SM-SR changes failed");
            Vec::new()
        });
        for c in changes {
            if let Err(e) = super::es7_driver::advance(&smsr, &config, &c).await {
                tracing::warn!(eid = %c.eid, stage = c.stage.name(), error = %e, "SM-SR change step failed; tried again");
                let now = unix_now();
                if now >= c.expires_at
                    && let Err(e) = smsr.change_failed(&c, "validity period expired", now).await
                {
                    tracing::warn!(eid = %c.eid, error = %e, "SM-SR change not ended");
                }
            }
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}

/// POSTs `msg` to `url` with a fresh MessageID (or `message_id`); the HTTP status and
/// the ES7 message of the answer, if any.
pub(super) async fn post_to(
    config: &Es7Config,
    url: &str,
    msg: &Es7Message,
    message_id_: Option<String>,
    relates_to: Option<String>,
) -> Result<(u16, Option<Es7Message>), String> {
    let header = WsHeader {
        to: Some(url.to_owned()),
        from: None,
        reply_to: Some(config.own_url.clone()),
        message_id: message_id_.unwrap_or_else(message_id),
        action: String::new(),
        relates_to,
    };
    let body = envelope::build(&msg.envelope(header));
    let response = config
        .client
        .post(url)
        .header("content-type", SOAP_CONTENT_TYPE)
        .body(body)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let bytes = response.bytes().await.map_err(|e| e.to_string())?;
    if bytes.is_empty() {
        return Ok((status, None));
    }
    let answer = envelope::parse_bytes(&bytes)
        .ok()
        .and_then(|env| Es7Message::from_envelope(&env).ok());
    Ok((status, answer))
}

/// The HandoverEUICC MessageID of `eid` (see [`eid_of_message_id`]).
pub(super) fn handover_message_id(eid: &str) -> String {
    let id = message_id();
    format!(
        "urn:rsp:es7:{eid}:{}",
        id.strip_prefix("urn:uuid:").unwrap_or(&id)
    )
}

/// `eis` as ES7 carries it (no keys).
pub(super) fn eis_message(eis: &rsp_smsr::Eis) -> ws::Eis {
    eis_out(eis)
}

/// The key establishment of the new SM-SR for the eUICC whose ECASD certificate is
/// `ecasd_b64` (from the EIS).
pub(super) fn key_establishment<'a>(
    config: &'a Es7Config,
    ecasd_b64: Option<&str>,
) -> Result<(KeyEstablishment, &'a Credential), String> {
    use base64::Engine as _;
    let credential = config
        .credential
        .as_ref()
        .ok_or("no CERT.SR.ECDSA configured: this SM-SR cannot receive eUICCs")?;
    let der = ecasd_b64
        .and_then(|b| base64::engine::general_purpose::STANDARD.decode(b).ok())
        .ok_or("the EIS has no ECASD certificate")?;
    let cert = rsp_pki::Cert::from_der(&der).map_err(|e| format!("ECASD certificate: {e}"))?;
    // The eUICC starts the keyset's counter here; the first packet carries 1.
    let ke = KeyEstablishment::for_isd_r(
        cert.public_key().clone(),
        config.key_version,
        &config.host_id,
        0,
    )
    .map_err(|e| e.to_string())?;
    Ok((ke, credential))
}
