//! The device side of the M2M lab over loopback: the lab SMSC (rsp-sms), the modem
//! simulator with the virtual eUICC, and an "SM-SR" written here (an ESME that seals
//! command packets with rsp_ota and opens PoRs and MO notifications), plus an SCP81
//! admin server (rsp-scp81) for the push.

mod common;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use common::{SmSr, TempDir, isdp};
use rsp_codec::sgp02::consts::{ISD_R_TAR, LC_DISABLED, LC_ENABLED};
use rsp_codec::sgp02::{
    AdminSessionTrigger, DefaultNotification, EnableProfile, GetStatus,
    HandleNotificationConfirmation, NotificationType, SmsAddress, StatusWord,
};
use rsp_m2m_euicc::modem::{Modem, ModemConfig};
use rsp_m2m_euicc::{IsdP, M2mEuicc};
use rsp_ota::{CommandPacket, PorStatus, RemoteFormat, ResponsePacket, ResponseScript};
use rsp_scp81::server::{
    AdminHandler, AdminServer, AgentRequest, HandlerError, HandlerReply, ServerConfig, SessionInfo,
};
use rsp_scp81::tls::{MemoryPskStore, Psk};
use rsp_scp81::trigger::{HttpPostParameters, SessionParameters, TriggerParameters};
use rsp_sms::{
    Account, Esme, EsmeConfig, Inbound, Limits, Reassembler, SmppAddress, Smsc, SmscConfig,
};
use tokio::sync::mpsc;

const SMSR: &str = "447700900000";
const DEV1: &str = "447700900001";
const DEV2: &str = "447700900002";
const PSK_ID: &str = "euicc-psk-1";
const PSK: [u8; 16] = [0x33; 16];
const WAIT: Duration = Duration::from_secs(10);

fn card(dir: &TempDir) -> M2mEuicc {
    let mut state = common::state();
    for (i, (iccid, msisdn, lc)) in [
        (common::ICCID0, DEV1, LC_ENABLED),
        (common::ICCID1, DEV2, LC_DISABLED),
    ]
    .into_iter()
    .enumerate()
    {
        state.isdps.push(
            IsdP::preinstalled(
                isdp(i as u8),
                iccid,
                SmsAddress::international(msisdn),
                lc == LC_ENABLED,
            )
            .with_fallback(i == 0),
        );
    }
    let mut c = M2mEuicc::create(&dir.0.join("card.json"), state).expect("create");
    c.set_scp81_psk(PSK_ID, &PSK).expect("psk");
    c
}

/// What the test SM-SR receives: (from, user data of a whole SMS, reassembled).
struct SmsrSide {
    esme: Esme,
    inbound: mpsc::Receiver<Inbound>,
    reassembler: Reassembler,
    smsr: SmSr,
    mo: SmSr,
}

impl SmsrSide {
    async fn next(&mut self) -> (String, Vec<u8>) {
        loop {
            let m = tokio::time::timeout(WAIT, self.inbound.recv())
                .await
                .expect("SMS in time")
                .expect("session open");
            let Inbound::Message(m) = m else { continue };
            if let Some(whole) = self
                .reassembler
                .push(&m.source.address, &m.user_data)
                .expect("reassembly")
            {
                return (whole.originator, whole.user_data);
            }
        }
    }

    /// The next MO notification (IEI 70), opened with keyset 1.
    async fn notification(&mut self) -> (String, DefaultNotification) {
        let (from, ud) = self.next().await;
        let packet = rsp_ota::sms::unwrap_command(&ud).expect("IEI 70");
        let opened = CommandPacket::parse(packet)
            .expect("parse")
            .open(&self.mo.keys)
            .expect("open MO");
        (from, DefaultNotification::parse(&opened.data).expect("E1"))
    }

    /// Sends `apdus` to the ISD-R of the device at `to`; returns the PoR's R-APDUs.
    async fn send(&mut self, to: &str, apdus: &[Vec<u8>]) -> (String, ResponseScript) {
        let packet = self.smsr.packet(ISD_R_TAR, apdus);
        self.esme
            .submit_command_packet(
                &SmppAddress::international(SMSR),
                &SmppAddress::international(to),
                &packet,
                self.smsr.counter as u8,
                0,
            )
            .await
            .expect("submit");
        let (from, ud) = self.next().await;
        let por = rsp_ota::sms::unwrap_response(&ud).expect("IEI 71");
        let opened = ResponsePacket::parse(por)
            .expect("PoR")
            .open(
                &rsp_ota::response::PorSecurity {
                    spi: self.smsr.spi,
                    kic: self.smsr.kic,
                    kid: self.smsr.kid,
                },
                &self.smsr.keys,
            )
            .expect("open PoR");
        assert_eq!(opened.status, PorStatus::Ok);
        assert_eq!(opened.counter.to_u64(), self.smsr.counter);
        let script = ResponseScript::decode(&opened.data, RemoteFormat::Expanded).expect("script");
        (from, script)
    }

    async fn confirm(&mut self, to: &str, sequence: u16) {
        let apdu = HandleNotificationConfirmation { sequence }
            .to_apdu()
            .expect("apdu");
        let (_, script) = self.send(to, &[apdu]).await;
        assert_ok(&script);
    }
}

fn assert_ok(script: &ResponseScript) {
    let last = script.responses.last().expect("R-APDU");
    let (_, sw) = StatusWord::split_response(last).expect("SW");
    assert_eq!(sw, StatusWord::OK, "{script:?}");
}

/// The admin server's handler: one GET STATUS script, then the end; the response
/// script is handed to the test.
struct OneScript(Mutex<Option<tokio::sync::oneshot::Sender<Vec<u8>>>>);

impl AdminHandler for OneScript {
    async fn handle(
        &self,
        _session: &SessionInfo,
        request: AgentRequest,
    ) -> Result<HandlerReply, HandlerError> {
        if request.step == 0 {
            let script = rsp_ota::CommandScript {
                format: RemoteFormat::Expanded,
                apdus: vec![GetStatus::default().to_apdu()?],
            }
            .encode()?;
            return Ok(HandlerReply::Script {
                script,
                target: None,
            });
        }
        if let Some(tx) = self.0.lock().map_err(|_| "poisoned")?.take() {
            let _ = tx.send(request.response_script);
        }
        Ok(HandlerReply::End)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sms_refresh_notifications_and_scp81_push() {
    let smsc = Smsc::start(SmscConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        vec![
            Account::new("smsr", "smsrpw"),
            Account::new("device", "devpw"),
        ],
    ))
    .await
    .expect("smsc");
    let smsc_addr = smsc.local_addr();

    // The SM-SR's SCP81 admin server.
    let store = Arc::new(MemoryPskStore::new());
    store.insert(
        PSK_ID.as_bytes().to_vec(),
        Psk::new(PSK.to_vec()).expect("psk"),
    );
    let (script_tx, script_rx) = tokio::sync::oneshot::channel();
    let admin = AdminServer::bind(
        "127.0.0.1:0".parse().expect("addr"),
        ServerConfig::default(),
        store,
        OneScript(Mutex::new(Some(script_tx))),
    )
    .await
    .expect("admin server");
    let admin_addr = admin.local_addr().expect("addr");
    let (admin_stop, admin_stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(admin.serve(async {
        let _ = admin_stopped.await;
    }));

    let (esme, inbound) = Esme::bind_transceiver(
        smsc_addr,
        EsmeConfig::new("smsr", "smsrpw").address_range(SMSR),
    )
    .await
    .expect("SM-SR bind");
    let mut smsr = SmsrSide {
        esme,
        inbound,
        reassembler: Reassembler::new(Limits::default()),
        smsr: SmSr::aes(),
        mo: SmSr::tdes(),
    };

    let dir = TempDir::new("modem");
    let mut config = ModemConfig::new(&smsc_addr.to_string(), "device", "devpw", SMSR);
    config.smsr_admin = Some(admin_addr.to_string());
    config.notification_retry = Duration::from_millis(700);
    config.rebind_delay = Duration::from_millis(100);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let modem = tokio::spawn(Modem::run(card(&dir), config, async {
        let _ = stopped.await;
    }));

    // Power-on: the declaration from the enabled Profile's MSISDN, repeated until
    // confirmed.
    let (from, n) = smsr.notification().await;
    assert_eq!(
        (from.as_str(), n.kind),
        (DEV1, NotificationType::EuiccDeclaration)
    );
    let (from, again) = smsr.notification().await;
    assert_eq!(
        (from.as_str(), again.sequence),
        (DEV1, n.sequence),
        "repeated"
    );
    smsr.confirm(DEV1, n.sequence).await;
    // A repeat may have crossed the confirmation; none after it.
    drain_quiet(&mut smsr, Duration::from_millis(1500)).await;

    // Enable Profile 2 by SMS: PoR from DEV1; then REFRESH, attach and the MSISDN
    // changes with the Profile: notification 02 from DEV2.
    let enable = EnableProfile { aid: isdp(1) }.to_apdu().expect("apdu");
    let (from, script) = smsr.send(DEV1, &[enable]).await;
    assert_eq!(from, DEV1);
    assert_ok(&script);
    let (from, n) = smsr.notification().await;
    assert_eq!(
        (from.as_str(), n.kind),
        (DEV2, NotificationType::ProfileChangeSucceeded)
    );
    assert_eq!(n.aid, Some(isdp(1)));
    smsr.confirm(DEV2, n.sequence).await;
    drain_quiet(&mut smsr, Duration::from_millis(1500)).await;

    // The push: a STORE DATA with the triggering parameters; the modem opens the
    // TLS-PSK session and runs the server's GET STATUS.
    let trigger = TriggerParameters {
        session: SessionParameters {
            http_post: Some(HttpPostParameters {
                admin_host: Some("smsr.lab".into()),
                agent_id: None,
                admin_uri: Some("/gp/ram".into()),
            }),
            ..SessionParameters::default()
        },
        dns_resolution: None,
    }
    .encode()
    .expect("trigger");
    let push = AdminSessionTrigger { params: trigger }
        .to_apdu()
        .expect("push");
    let (from, script) = smsr.send(DEV2, &[push]).await;
    assert_eq!(from, DEV2);
    assert_ok(&script);
    let response = tokio::time::timeout(WAIT, script_rx)
        .await
        .expect("admin session in time")
        .expect("response script");
    let response = ResponseScript::decode(&response, RemoteFormat::Expanded).expect("script");
    assert_ok(&response);
    let (data, _) = StatusWord::split_response(&response.responses[0]).expect("sw");
    let list = rsp_codec::sgp02::IsdStatusList::parse(data).expect("GET STATUS");
    assert!(
        list.0
            .iter()
            .any(|s| s.aid == isdp(1) && s.life_cycle == LC_ENABLED)
    );

    let _ = stop.send(());
    let card = tokio::time::timeout(WAIT, modem)
        .await
        .expect("modem stops")
        .expect("join")
        .expect("modem ok");
    assert!(card.state().pending.is_empty());
    // The state file holds the change.
    let saved = M2mEuicc::load(&dir.0.join("card.json")).expect("load");
    assert_eq!(
        saved.state().enabled().map(|p| p.aid.clone()),
        Some(isdp(1))
    );
    let _ = admin_stop.send(());
}

/// Nothing (but crossing repeats) arrives for `quiet`.
async fn drain_quiet(smsr: &mut SmsrSide, quiet: Duration) {
    tokio::time::sleep(quiet / 2).await;
    while let Ok(Some(_)) =
        tokio::time::timeout(Duration::from_millis(10), smsr.inbound.recv()).await
    {}
    let extra = tokio::time::timeout(quiet, smsr.inbound.recv()).await;
    assert!(
        extra.is_err(),
        "unexpected SMS after the confirmation: {extra:?}"
    );
}

/// An attach failure with Profile 2: the card falls back to Profile 1 (REFRESH again),
/// notification 03 leaves from Profile 1's MSISDN and the card ends with Profile 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attach_failure_falls_back() {
    let smsc = Smsc::start(SmscConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        vec![
            Account::new("smsr", "smsrpw"),
            Account::new("device", "devpw"),
        ],
    ))
    .await
    .expect("smsc");
    let smsc_addr = smsc.local_addr();
    let (esme, inbound) = Esme::bind_transceiver(
        smsc_addr,
        EsmeConfig::new("smsr", "smsrpw").address_range(SMSR),
    )
    .await
    .expect("SM-SR bind");
    let mut smsr = SmsrSide {
        esme,
        inbound,
        reassembler: Reassembler::new(Limits::default()),
        smsr: SmSr::aes(),
        mo: SmSr::tdes(),
    };
    let dir = TempDir::new("fallback");
    let mut config = ModemConfig::new(&smsc_addr.to_string(), "device", "devpw", SMSR);
    config.fail_attach.insert(common::ICCID1.to_owned());
    config.notification_retry = Duration::from_secs(5);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let modem = tokio::spawn(Modem::run(card(&dir), config, async {
        let _ = stopped.await;
    }));
    let (_, n) = smsr.notification().await;
    smsr.confirm(DEV1, n.sequence).await;
    let enable = EnableProfile { aid: isdp(1) }.to_apdu().expect("apdu");
    let (_, script) = smsr.send(DEV1, &[enable]).await;
    assert_ok(&script);
    let (from, n) = smsr.notification().await;
    assert_eq!(
        (from.as_str(), n.kind),
        (DEV1, NotificationType::ProfileChangeFailedFallback)
    );
    assert_eq!(n.aid, Some(isdp(0)));
    smsr.confirm(DEV1, n.sequence).await;
    let _ = stop.send(());
    let card = tokio::time::timeout(WAIT, modem)
        .await
        .expect("stops")
        .expect("join")
        .expect("ok");
    assert_eq!(card.state().enabled().map(|p| p.aid.clone()), Some(isdp(0)));
    assert!(card.state().pending.is_empty());
}
