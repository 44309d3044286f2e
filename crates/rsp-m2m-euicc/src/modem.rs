//! A modem simulator around the virtual M2M eUICC: the device side of the M2M lab.
//!
//! It binds to an SMPP SMSC as an ESME (transceiver) with the MSISDN of the enabled
//! Profile, hands every SIM data download SMS to the card as an SMS-DELIVER inside an
//! SMS-PP DOWNLOAD envelope (the card reassembles concatenated SMS, TS 23.040
//! §9.2.3.24.1: one place only), sends PoRs asked for in an SMS-SUBMIT (TS 31.115 §4.4,
//! IEI `71`) back to the sender, handles REFRESH (network attach, then a new bind with
//! the new Profile's MSISDN, as a real device changes MSISDN with the Profile), sends
//! the card's unconfirmed notifications as MO command packets (IEI `70`) after power-on,
//! after each attach and again every `notification_retry` until the SM-SR confirms them,
//! and opens an SCP81 admin session (GP Amendment B over TLS-PSK) when a push asks for
//! one. All state lives in the card (and its state file).

use std::collections::HashSet;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_scp81::agent::{AdminAgent, AgentConfig};
use rsp_scp81::headers::{AdminFrom, Aid as ScpAid};
use rsp_scp81::tls::Psk;
use rsp_scp81::trigger::TriggerParameters;
use rsp_sms::esme::{Esme, EsmeConfig, Inbound, Message, SmppAddress};
use tokio::sync::mpsc;
use zeroize::Zeroizing;

use crate::scp81::CardExecutor;
use crate::sms_pp::{sms_deliver_tpdu, sms_pp_envelope};
use crate::{M2mError, M2mEuicc, PorVia};

/// TP-PID of SIM data download (TS 23.040 §9.2.3.9): only these SMS go to the card.
const PID_SIM_DATA_DOWNLOAD: u8 = 0x7F;

/// How the modem reaches the network and the SM-SR.
#[derive(Clone)]
pub struct ModemConfig {
    /// The SMSC's SMPP address (`host:port`).
    pub smsc: String,
    /// SMPP system_id of the device's account.
    pub system_id: String,
    /// SMPP password (never logged).
    pub password: Zeroizing<String>,
    /// The SM-SR's SMS address (digits, international): where MO notifications go
    /// unless UpdateSMSRAddressingParameters set one on the card.
    pub smsr_msisdn: String,
    /// The SM-SR's SCP81 admin server (`host:port`) when a push names none with a port.
    pub smsr_admin: Option<String>,
    /// ICCIDs whose network attach fails (the card then falls back).
    pub fail_attach: HashSet<String>,
    /// Unconfirmed notifications are sent again after this long.
    pub notification_retry: Duration,
    /// Wait before binding again after the SMSC refused or dropped the session.
    pub rebind_delay: Duration,
}

impl std::fmt::Debug for ModemConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ModemConfig")
            .field("smsc", &self.smsc)
            .field("system_id", &self.system_id)
            .field("smsr_msisdn", &self.smsr_msisdn)
            .field("smsr_admin", &self.smsr_admin)
            .field("fail_attach", &self.fail_attach)
            .finish_non_exhaustive()
    }
}

impl ModemConfig {
    /// A configuration with defaults: no attach failures, notifications re-sent every
    /// 30 s, re-bind after 2 s.
    pub fn new(smsc: &str, system_id: &str, password: &str, smsr_msisdn: &str) -> Self {
        ModemConfig {
            smsc: smsc.to_owned(),
            system_id: system_id.to_owned(),
            password: Zeroizing::new(password.to_owned()),
            smsr_msisdn: smsr_msisdn.to_owned(),
            smsr_admin: None,
            fail_attach: HashSet::new(),
            notification_retry: Duration::from_secs(30),
            rebind_delay: Duration::from_secs(2),
        }
    }
}

/// Errors that stop the modem.
#[derive(Debug, thiserror::Error)]
pub enum ModemError {
    /// The card failed (e.g. its state file could not be written).
    #[error("eUICC: {0}")]
    Card(#[from] M2mError),
    /// No enabled Profile with an MSISDN: nothing to bind with.
    #[error("no enabled Profile with an MSISDN")]
    NoMsisdn,
}

/// What ended a bound session.
enum Next {
    /// Shut down.
    Stop,
    /// Bind again at once (the MSISDN changed).
    Rebind,
    /// The session broke: bind again after the delay.
    Lost,
}

/// The modem simulator.
#[derive(Debug)]
pub struct Modem {
    card: M2mEuicc,
    config: ModemConfig,
    reference: u8,
}

impl Modem {
    /// Powers the card on and runs until `shutdown` completes; returns the card (its
    /// state is saved after every change).
    pub async fn run(
        card: M2mEuicc,
        config: ModemConfig,
        shutdown: impl Future<Output = ()>,
    ) -> Result<M2mEuicc, ModemError> {
        let mut modem = Modem {
            card,
            config,
            reference: 0,
        };
        if modem.card.power_on()? {
            tracing::info!(eid = %modem.card.eid(), "first power-on: eUICC declaration queued");
        }
        // A profile change that was waiting for its attach when the modem stopped.
        modem.refresh()?;
        tokio::pin!(shutdown);
        loop {
            let msisdn = modem.msisdn()?;
            let bound = tokio::select! {
                _ = &mut shutdown => return Ok(modem.card),
                b = Esme::bind_transceiver(
                    modem.config.smsc.as_str(),
                    EsmeConfig::new(&modem.config.system_id, &modem.config.password)
                        .address_range(&msisdn),
                ) => b,
            };
            let next = match bound {
                Ok((esme, inbound)) => {
                    tracing::info!(%msisdn, "modem: bound to the SMSC");
                    let next = modem
                        .session(&esme, inbound, &msisdn, &mut shutdown)
                        .await?;
                    if let Err(e) = esme.unbind().await {
                        tracing::debug!(error = %e, "modem: unbind");
                    }
                    next
                }
                Err(e) => {
                    tracing::warn!(error = %e, "modem: bind failed");
                    Next::Lost
                }
            };
            match next {
                Next::Stop => return Ok(modem.card),
                Next::Rebind => {}
                Next::Lost => {
                    tokio::select! {
                        _ = &mut shutdown => return Ok(modem.card),
                        _ = tokio::time::sleep(modem.config.rebind_delay) => {}
                    }
                }
            }
        }
    }

    /// The MSISDN of the enabled Profile.
    fn msisdn(&self) -> Result<String, ModemError> {
        self.card
            .state()
            .enabled()
            .and_then(|p| p.msisdn.as_ref())
            .map(|m| m.digits.clone())
            .ok_or(ModemError::NoMsisdn)
    }

    /// One bound session.
    async fn session(
        &mut self,
        esme: &Esme,
        mut inbound: mpsc::Receiver<Inbound>,
        msisdn: &str,
        shutdown: &mut (impl Future<Output = ()> + Unpin),
    ) -> Result<Next, ModemError> {
        self.send_notifications(esme, msisdn).await?;
        let period = self.config.notification_retry;
        let mut retry = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
        loop {
            tokio::select! {
                _ = &mut *shutdown => return Ok(Next::Stop),
                m = inbound.recv() => match m {
                    None => {
                        tracing::warn!("modem: SMPP session closed");
                        return Ok(Next::Lost);
                    }
                    Some(Inbound::Message(m)) => self.deliver(esme, msisdn, &m).await?,
                    Some(Inbound::Receipt(r)) => {
                        tracing::debug!(id = %r.message_id, stat = ?r.stat, "modem: delivery receipt");
                    }
                },
                _ = retry.tick() => {
                    if !self.card.state().pending.is_empty() {
                        self.send_notifications(esme, msisdn).await?;
                    }
                }
            }
            if let Some(params) = self.card.take_admin_session()? {
                self.admin_session(&params).await;
            }
            if self.refresh()? {
                if self.msisdn()? != msisdn {
                    return Ok(Next::Rebind);
                }
                self.send_notifications(esme, msisdn).await?;
            }
        }
    }

    /// REFRESH: the network attach with the enabled Profile (failing for the ICCIDs
    /// configured so); a failure makes the card fall back and ask for another REFRESH.
    /// Returns whether anything happened.
    fn refresh(&mut self) -> Result<bool, ModemError> {
        let mut any = false;
        // Bounded: a fallback enables a Profile once.
        for _ in 0..4 {
            if !self.card.take_refresh()? && self.card.state().profile_change.is_none() {
                break;
            }
            any = true;
            let iccid = self.card.state().enabled().and_then(|p| p.iccid.clone());
            let ok = !iccid
                .as_ref()
                .is_some_and(|i| self.config.fail_attach.contains(i));
            tracing::info!(iccid = ?iccid, ok, "modem: REFRESH, network attach");
            self.card.network_attach(ok)?;
        }
        Ok(any)
    }

    /// An inbound SMS: SIM data download goes to the card; a PoR asked for in an
    /// SMS-SUBMIT goes back to the sender.
    async fn deliver(&mut self, esme: &Esme, msisdn: &str, m: &Message) -> Result<(), ModemError> {
        if m.protocol_id != PID_SIM_DATA_DOWNLOAD || !m.udhi() {
            tracing::info!(from = %m.source.address, pid = m.protocol_id, "modem: SMS not for the card, ignored");
            return Ok(());
        }
        let originator = SmsAddress::international(&m.source.address);
        let envelope = match sms_deliver_tpdu(&originator, &m.user_data)
            .and_then(|tpdu| sms_pp_envelope(&tpdu, None))
        {
            Ok(e) => e,
            Err(e) => {
                tracing::warn!(error = %e, "modem: SMS does not fit an SMS-PP envelope");
                return Ok(());
            }
        };
        let outcome = match self.card.sms_pp_download(&envelope) {
            Ok(o) => o,
            Err(M2mError::Io(e)) => return Err(M2mError::Io(e).into()),
            Err(e) => {
                tracing::warn!(from = %m.source.address, error = %e, "modem: SMS-PP download refused");
                return Ok(());
            }
        };
        let Some(received) = outcome.received else {
            tracing::debug!(from = %m.source.address, "modem: concatenated segment kept");
            return Ok(());
        };
        tracing::info!(
            from = %m.source.address,
            tar = %hex::encode_upper(received.tar),
            status = ?received.status,
            accepted = received.accepted,
            "modem: command packet"
        );
        match received.por {
            Some(por) if por.via == PorVia::SmsSubmit => {
                self.reference = self.reference.wrapping_add(1);
                let to = SmppAddress::international(&m.source.address);
                for ud in por.submit_user_data(self.reference)? {
                    if let Err(e) = esme
                        .submit_binary(&SmppAddress::international(msisdn), &to, &ud, 0)
                        .await
                    {
                        tracing::warn!(error = %e, "modem: PoR not submitted");
                        break;
                    }
                }
                tracing::info!(to = %m.source.address, "modem: PoR sent");
            }
            Some(_) => {
                // SMPP's deliver_sm_resp carries no user data (our lab's limit).
                tracing::info!(
                    "modem: PoR asked for in the SMS-DELIVER-REPORT: not sent over SMPP"
                );
            }
            None => {}
        }
        Ok(())
    }

    /// Sends every unconfirmed notification as an MO command packet.
    async fn send_notifications(&mut self, esme: &Esme, msisdn: &str) -> Result<(), ModemError> {
        if self.card.state().pending.is_empty() {
            return Ok(());
        }
        let to = self
            .card
            .state()
            .smsr
            .msisdn
            .as_ref()
            .map(|a| a.digits.clone())
            .unwrap_or_else(|| self.config.smsr_msisdn.clone());
        let packets = self.card.pending_notifications()?;
        for packet in packets {
            self.reference = self.reference.wrapping_add(1);
            match esme
                .submit_command_packet(
                    &SmppAddress::international(msisdn),
                    &SmppAddress::international(&to),
                    &packet,
                    self.reference,
                    0,
                )
                .await
            {
                Ok(_) => tracing::info!(%to, "modem: notification sent"),
                Err(e) => tracing::warn!(error = %e, "modem: notification not submitted"),
            }
        }
        Ok(())
    }

    /// An SCP81 admin session asked for by a push: TLS-PSK with the card's PSK to the
    /// admin host the trigger names (with a port) or the configured one.
    async fn admin_session(&mut self, params: &[u8]) {
        if let Err(e) = self.try_admin_session(params).await {
            tracing::warn!(error = %e, "modem: SCP81 admin session failed");
        }
    }

    async fn try_admin_session(&mut self, params: &[u8]) -> Result<(), String> {
        let trigger = TriggerParameters::decode(params).map_err(|e| e.to_string())?;
        let psk = self
            .card
            .state()
            .scp81_psk
            .clone()
            .ok_or("the card has no SCP81 PSK")?;
        let key = Psk::new(psk.key.expose().to_vec()).map_err(|e| e.to_string())?;
        let isd_r = ScpAid::new(Aid::isd_r().as_bytes().to_vec()).map_err(|e| e.to_string())?;
        let from = AdminFrom::euicc(self.card.eid(), isd_r).map_err(|e| e.to_string())?;
        let trigger_host = trigger
            .session
            .http_post
            .as_ref()
            .and_then(|h| h.admin_host.clone());
        let target = match (&trigger_host, &self.config.smsr_admin) {
            (Some(h), _) if has_port(h) => h.clone(),
            (_, Some(c)) => c.clone(),
            (Some(h), None) => format!("{h}:443"),
            (None, None) => return Err("no admin server address".into()),
        };
        let host = trigger_host.unwrap_or_else(|| target.clone());
        let mut config = AgentConfig::new(
            psk.identity.as_bytes().to_vec(),
            key,
            from,
            &host,
            "/gp/ram",
        );
        config
            .apply_trigger(&trigger.session)
            .map_err(|e| e.to_string())?;
        let addr: SocketAddr = tokio::net::lookup_host(target.as_str())
            .await
            .map_err(|e| e.to_string())?
            .next()
            .ok_or("admin server address does not resolve")?;
        tracing::info!(%addr, "modem: SCP81 admin session opening");
        let agent = AdminAgent::new(config);
        let mut exec = CardExecutor::new(&mut self.card);
        let summary = match &trigger.session.retry {
            Some(policy) => agent.run_with_retry(addr, &mut exec, policy).await,
            None => agent.run(addr, &mut exec).await,
        }
        .map_err(|e| e.to_string())?;
        tracing::info!(
            posts = summary.posts,
            scripts = summary.scripts.len(),
            "modem: SCP81 admin session ended"
        );
        Ok(())
    }
}

/// Whether `host` ends with `:port`.
fn has_port(host: &str) -> bool {
    host.rsplit_once(':')
        .is_some_and(|(h, p)| !h.is_empty() && p.parse::<u16>().is_ok())
}
