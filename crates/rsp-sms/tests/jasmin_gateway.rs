//! ES5 over SMS through a third-party SMS gateway (issue 26 point 4): the "SM-SR" ESME
//! binds to Jasmin's SMPP server; Jasmin routes MT through its SMPP client connector to our
//! lab SMSC, which delivers to a "handset" ESME; the handset's MO PoR comes back through
//! the connector and Jasmin's MO route to the SM-SR's bind. The SCP80 packets (TS 102 225)
//! are sealed and opened with rsp-ota; every hop must leave the user data byte-identical.
//!
//! Needs `RSP_JASMIN_BIN` (the `jasmind.py` of a venv with PyPI `jasmin` 0.11; `.ci/run`
//! installs it) and RabbitMQ 127.0.0.1:5672 (guest/guest) and Redis 127.0.0.1:6379. Without
//! `RSP_JASMIN_BIN` the test skips with a note, unless `CI` is set.

mod common;
mod jasmin;

use std::path::PathBuf;
use std::time::Duration;

use rsp_ota::{
    CipherAlgorithm, CommandHeader, CommandPacket, Counter, CounterMode, Integrity,
    IntegrityAlgorithm, Kic, Kid, OpenedResponse, PorMode, PorSecurity, PorStatus, ResponsePacket,
    Spi,
};
use rsp_sms::concat::{Limits, Reassembler, split};
use rsp_sms::esme::{ESM_CLASS_UDHI, Esme, EsmeConfig, EsmeError, Inbound, Message, SmppAddress};
use rsp_sms::smsc::{Account, Smsc, SmscConfig};
use tokio::sync::mpsc::Receiver;
use tokio::time::{sleep, timeout};

use jasmin::Jasmin;

/// The SM-SR's source address (a short code) and the handset's MSISDN.
const SMSR: &str = "881";
const HANDSET: &str = "447700900123";
/// The SM-SR's account on Jasmin's SMPP server (jCli `user`).
const SMSR_USER: &str = "smsr";
const SMSR_PASSWORD: &str = "smsr-pw1";
/// Jasmin's SMPP client connector and its account on our SMSC.
const CONNECTOR: &str = "lab_smsc";
const CONNECTOR_USER: &str = "jasmin";
const CONNECTOR_PASSWORD: &str = "jas-pw1";

/// pid `7F` (SIM data download) and dcs `F6` (class 2, 8-bit), TS 31.115 §4.2.
const PID_DATA_DOWNLOAD: u8 = 0x7f;
const DCS_CLASS2_8BIT: u8 = 0xf6;

fn jasmind() -> Option<PathBuf> {
    match std::env::var_os("RSP_JASMIN_BIN") {
        Some(bin) => Some(PathBuf::from(bin)),
        None if std::env::var_os("CI").is_some() => {
            panic!("RSP_JASMIN_BIN is not set: .ci/run must install Jasmin")
        }
        None => {
            println!("note: RSP_JASMIN_BIN not set (a venv's jasmind.py); Jasmin test skipped");
            None
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn es5_packets_and_por_through_jasmin_byte_identical() {
    let Some(bin) = jasmind() else { return };
    timeout(Duration::from_secs(120), run(bin))
        .await
        .expect("the Jasmin round trip finishes within 120 s");
}

async fn run(bin: PathBuf) {
    let mut config = SmscConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        vec![
            Account::new(CONNECTOR_USER, CONNECTOR_PASSWORD).with_address(SMSR),
            Account::new("handset", "pw2").with_address(HANDSET),
        ],
    );
    config.response_timeout = Duration::from_secs(5);
    let smsc = Smsc::start(config).await.expect("lab SMSC");
    let (handset, mut handset_rx) = bind(smsc.local_addr(), EsmeConfig::new("handset", "pw2"))
        .await
        .expect("handset binds to the lab SMSC");

    let jasmin = Jasmin::start(&bin).await;
    configure(&jasmin, smsc.local_addr().port()).await;
    wait_for(
        || smsc.stats().bound == 2,
        "Jasmin's connector bound to the lab SMSC",
    )
    .await;

    // A wrong password is refused by Jasmin's SMPP server with ESME_RINVPASWD.
    let refused = bind(jasmin.smpp_addr(), EsmeConfig::new(SMSR_USER, "wrong-pw"))
        .await
        .err()
        .expect("wrong password refused");
    assert!(
        matches!(refused, EsmeError::BindRefused { status: 0x0e }),
        "{refused}"
    );
    let (smsr, mut smsr_rx) = bind(
        jasmin.smpp_addr(),
        EsmeConfig::new(SMSR_USER, SMSR_PASSWORD).address_range(SMSR),
    )
    .await
    .expect("the SM-SR binds to Jasmin");
    let from = SmppAddress::unknown(SMSR);
    let to = SmppAddress::international(HANDSET);

    // (a) One ciphered command packet (AES-CBC + AES-CMAC) in a single SMS.
    let header = aes_header();
    let script = hex::decode("80e60c00220ba0000005591010ffffffff0000").expect("hex");
    let packet = header.seal(&common::keys(), &script).expect("seal");
    let ids = smsr
        .submit_command_packet(&from, &to, &packet, 0x01, 0)
        .await
        .expect("submit through Jasmin");
    assert_eq!(ids.len(), 1, "one SMS");
    let mt = message(&mut handset_rx, "the single command SMS").await;
    assert_eq!(
        mt.user_data,
        rsp_ota::sms::wrap_command(&packet),
        "byte-identical"
    );
    assert_binary(&mt);
    assert_eq!(
        (&mt.source, &mt.destination),
        (&from, &to),
        "addresses and TON kept"
    );
    let opened = CommandPacket::parse(rsp_ota::sms::unwrap_command(&mt.user_data).expect("70"))
        .expect("parse")
        .open(&common::keys())
        .expect("the handset opens the packet with the keys");
    assert_eq!((opened.header, opened.data), (header, script));

    // (b) A 400-octet packet as three concatenated SMS.
    let long = common::packet(400);
    let ids = smsr
        .submit_command_packet(&from, &to, &long, 0x42, 0)
        .await
        .expect("submit segments through Jasmin");
    assert_eq!(ids.len(), 3);
    let mut sent = split(&long, 0x42).expect("split");
    let mut got = Vec::new();
    let mut reassembler = Reassembler::new(Limits::default());
    let mut complete = None;
    for _ in 0..3 {
        let m = message(&mut handset_rx, "a command segment").await;
        assert_binary(&m);
        got.push(m.user_data.clone());
        if let Some(c) = reassembler
            .push(&m.source.address, &m.user_data)
            .expect("segment")
        {
            complete = Some(c);
        }
    }
    sent.sort();
    got.sort();
    assert_eq!(got, sent, "each segment byte-identical");
    let complete = complete.expect("reassembled");
    assert_eq!(complete.reference, Some(0x42));
    let body = rsp_ota::sms::unwrap_command(&complete.user_data).expect("70");
    assert_eq!(body, &long[..]);
    let opened = CommandPacket::parse(body)
        .expect("parse")
        .open(&common::keys())
        .expect("CC verifies");
    assert_eq!(opened.header, common::header());

    // (c) The PoR for (a), mobile-originated, back to the SM-SR through Jasmin.
    let security = PorSecurity {
        spi: header.spi,
        kic: header.kic,
        kid: header.kid,
    };
    let por = OpenedResponse {
        tar: header.tar,
        counter: header.counter,
        padding: 0,
        status: PorStatus::Ok,
        data: vec![0x01, 0x90, 0x00],
    };
    let sealed = por.seal(&security, &common::keys()).expect("seal PoR");
    let mo_ud = rsp_ota::sms::wrap_response(&sealed);
    handset
        .submit_binary(&to, &from, &mo_ud, 0)
        .await
        .expect("MO submit to the lab SMSC");
    let mo = message(&mut smsr_rx, "the PoR at the SM-SR").await;
    assert_eq!(mo.user_data, mo_ud, "byte-identical");
    assert_binary(&mo);
    assert_eq!(
        (&mo.source, &mo.destination),
        (&to, &from),
        "addresses and TON kept"
    );
    let back = ResponsePacket::parse(rsp_ota::sms::unwrap_response(&mo.user_data).expect("71"))
        .expect("parse PoR")
        .open(&security, &common::keys())
        .expect("the SM-SR opens the PoR with the keys");
    assert_eq!(back.data, por.data);
    assert_eq!(
        (back.tar, back.counter, back.status),
        (por.tar, por.counter, por.status)
    );

    smsr.unbind().await.expect("unbind from Jasmin");
    handset.unbind().await.expect("unbind from the SMSC");
    drop(jasmin);
    smsc.shutdown().await;
}

/// Jasmin's side, over jCli: the SM-SR's group and user, a connector to our SMSC (no
/// throughput limit, quick reconnects), the default MT route to that connector and the
/// default MO route to the SM-SR's SMPP server bind (`smpps(<system_id>)`).
async fn configure(jasmin: &Jasmin, smsc_port: u16) {
    let mut cli = jasmin.jcli().await;
    cli.add("group -a", &[("gid", "smsr_g")]).await;
    cli.add(
        "user -a",
        &[
            ("username", SMSR_USER),
            ("password", SMSR_PASSWORD),
            ("gid", "smsr_g"),
            ("uid", "smsr_u"),
        ],
    )
    .await;
    let port = smsc_port.to_string();
    cli.add(
        "smppccm -a",
        &[
            ("cid", CONNECTOR),
            ("host", "127.0.0.1"),
            ("port", &port),
            ("username", CONNECTOR_USER),
            ("password", CONNECTOR_PASSWORD),
            ("submit_throughput", "0"),
            ("con_fail_delay", "1"),
            ("con_loss_delay", "1"),
        ],
    )
    .await;
    let started = cli.run(&format!("smppccm -1 {CONNECTOR}")).await;
    assert!(started.contains("Successfully started"), "{started}");
    let smppc = format!("smppc({CONNECTOR})");
    cli.add(
        "mtrouter -a",
        &[
            ("type", "DefaultRoute"),
            ("connector", &smppc),
            ("rate", "0"),
        ],
    )
    .await;
    let smpps = format!("smpps({SMSR_USER})");
    cli.add(
        "morouter -a",
        &[("type", "DefaultRoute"), ("connector", &smpps)],
    )
    .await;
}

fn aes_header() -> CommandHeader {
    CommandHeader {
        spi: Spi {
            integrity: Integrity::Cc,
            ciphering: true,
            counter: CounterMode::Higher,
            por: PorMode::Always,
            por_integrity: Integrity::Cc,
            por_ciphering: true,
            por_in_submit: true,
        },
        kic: Kic::new(CipherAlgorithm::AesCbc, 1),
        kid: Kid::new(IntegrityAlgorithm::AesCmac, 1),
        tar: [0x00, 0x00, 0x01],
        counter: Counter::from_u64(6).expect("counter"),
    }
}

async fn bind(
    addr: std::net::SocketAddr,
    mut cfg: EsmeConfig,
) -> Result<(Esme, Receiver<Inbound>), EsmeError> {
    cfg.response_timeout = Duration::from_secs(10);
    Esme::bind_transceiver(addr, cfg).await
}

async fn message(rx: &mut Receiver<Inbound>, what: &str) -> Message {
    match timeout(Duration::from_secs(20), rx.recv()).await {
        Ok(Some(Inbound::Message(m))) => m,
        Ok(Some(other)) => panic!("{what}: expected a message, got {other:?}"),
        Ok(None) => panic!("{what}: session closed"),
        Err(_) => panic!("{what}: nothing within 20 s"),
    }
}

/// What TS 31.115 §4.2 asks of a secured packet's SMS, kept by every hop.
fn assert_binary(m: &Message) {
    assert_eq!(
        (m.esm_class & ESM_CLASS_UDHI, m.protocol_id, m.data_coding),
        (ESM_CLASS_UDHI, PID_DATA_DOWNLOAD, DCS_CLASS2_8BIT),
        "UDHI, pid 7F, dcs F6"
    );
}

async fn wait_for(ok: impl Fn() -> bool, what: &str) {
    for _ in 0..300 {
        if ok() {
            return;
        }
        sleep(Duration::from_millis(50)).await;
    }
    panic!("{what}: not within 15 s");
}
