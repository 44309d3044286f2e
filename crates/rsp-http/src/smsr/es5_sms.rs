//! ES5 over SMS (SGP.02 §2.4.3): the SM-SR is an SMPP 3.4 client (ESME) of an SMSC. Command
//! packets go out as binary SMS (UDH `70`, concatenated when long, TS 31.115 §4.2); what
//! eUICCs send back (PoRs, UDH `71`; default notifications, UDH `70`) arrives as
//! deliver_sm, is reassembled and handed to the service.

use std::sync::Arc;
use std::sync::atomic::{AtomicU8, Ordering};
use std::time::{Duration, Instant};

use rsp_sms::{Esme, Inbound, Limits, Reassembler, SmppAddress};
use rsp_smsr::service::{Es5Sms, Incoming, SmsrService};
use rsp_smsr::store::SmsrStore;
use tokio::sync::{mpsc, watch};

/// The SM-SR's SMPP link.
pub struct SmppLink {
    esme: Esme,
    source: SmppAddress,
    reference: AtomicU8,
}

impl SmppLink {
    /// A link over a bound ESME sending from `source` (the SM-SR's SMS address).
    pub fn new(esme: Esme, source: &str) -> Self {
        Self {
            esme,
            source: SmppAddress::international(source),
            reference: AtomicU8::new(1),
        }
    }

    /// Whether the SMPP session is up.
    pub fn is_bound(&self) -> bool {
        self.esme.is_bound()
    }
}

impl Es5Sms for SmppLink {
    async fn send(&self, msisdn: &str, packet: &[u8]) -> Result<(), String> {
        let reference = self.reference.fetch_add(1, Ordering::Relaxed);
        self.esme
            .submit_command_packet(
                &self.source,
                &SmppAddress::international(msisdn),
                packet,
                reference,
                0,
            )
            .await
            .map(drop)
            .map_err(|e| e.to_string())?;
        count("out");
        Ok(())
    }
}

/// `rsp_smsr_es5_messages_total{transport="sms",direction}`: a command packet submitted
/// (`out`, one however many SMS it takes) or a whole packet from an eUICC (`in`).
fn count(direction: &'static str) {
    metrics::counter!("rsp_smsr_es5_messages_total", "transport" => "sms",
        "direction" => direction)
    .increment(1);
}

/// Hands every SMS from eUICCs to the service until the ESME's receiver ends or
/// `shutdown` turns true.
pub async fn receive<S: SmsrStore>(
    service: Arc<SmsrService<S>>,
    mut inbound: mpsc::Receiver<Inbound>,
    mut shutdown: watch::Receiver<bool>,
) {
    let mut reassembler = Reassembler::new(Limits::default());
    loop {
        let message = tokio::select! {
            m = inbound.recv() => m,
            _ = shutdown.changed() => None,
        };
        let Some(message) = message else { return };
        let Inbound::Message(m) = message else {
            continue;
        };
        reassembler.expire(Instant::now());
        let whole = match reassembler.push(&m.source.address, &m.user_data) {
            Ok(Some(whole)) => whole,
            Ok(None) => continue,
            Err(e) => {
                tracing::warn!(from = %m.source.address, error = %e, "ES5 SMS dropped");
                continue;
            }
        };
        count("in");
        match service
            .receive_sms(
                &m.source.address,
                &whole.user_data,
                rsp_smsr::service::unix_now(),
            )
            .await
        {
            Ok(Incoming::Por(op)) => tracing::info!(
                eid = %op.eid, operation = op.id, function = op.function.name(),
                status = op.status.as_str(), "ES5 PoR"
            ),
            Ok(Incoming::PushAcknowledged(id)) => {
                tracing::info!(operation = id, "ES5 push acknowledged")
            }
            Ok(Incoming::LatePor) => tracing::info!(from = %m.source.address, "late PoR ignored"),
            Ok(Incoming::Notification { eid, new }) => {
                tracing::info!(%eid, new, "ES5 default notification")
            }
            Err(e) => tracing::warn!(from = %m.source.address, error = %e, "ES5 SMS refused"),
        }
    }
}

/// Runs the sender step every `interval` until `shutdown` turns true.
pub async fn send<S: SmsrStore, L: Es5Sms>(
    service: Arc<SmsrService<S>>,
    link: Arc<L>,
    interval: Duration,
    mut shutdown: watch::Receiver<bool>,
) {
    loop {
        match service
            .send_due(link.as_ref(), rsp_smsr::service::unix_now(), 100)
            .await
        {
            Ok(r) if r.sent + r.failed > 0 => {
                tracing::info!(
                    sent = r.sent,
                    failed = r.failed,
                    skipped = r.skipped,
                    "ES5 sender"
                )
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "ES5 sender step failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(interval) => {}
            _ = shutdown.changed() => return,
        }
    }
}
