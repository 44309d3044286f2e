//! An "SM-SR" ESME and "handset" ESMEs through the SMSC over loopback TCP (SMPP 3.4).

mod common;

use std::time::Duration;

use rsp_ota::CommandPacket;
use rsp_sms::concat::{Limits, Reassembler, split};
use rsp_sms::esme::{ESM_CLASS_UDHI, Esme, EsmeConfig, EsmeError, Inbound, SmppAddress};
use rsp_sms::smsc::{Account, Smsc, SmscConfig, SmscStats};
use smpp34::SmppError;
use tokio::sync::mpsc::Receiver;
use tokio::time::timeout;

const HANDSET: &str = "447700900123";
const LATE: &str = "447700900555";
const SMSR: &str = "881";

fn config() -> SmscConfig {
    let mut c = SmscConfig::new(
        "127.0.0.1:0".parse().expect("addr"),
        vec![
            Account::new("smsr", "s3cret"),
            Account::new("handset", "pw2").with_address(HANDSET),
            Account::new("late", "pw3"),
        ],
    );
    c.response_timeout = Duration::from_secs(3);
    c
}

async fn bind(smsc: &Smsc, cfg: EsmeConfig) -> Result<(Esme, Receiver<Inbound>), EsmeError> {
    let mut cfg = cfg;
    cfg.response_timeout = Duration::from_secs(3);
    Esme::bind_transceiver(smsc.local_addr(), cfg).await
}

async fn next(rx: &mut Receiver<Inbound>) -> Inbound {
    timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("inbound in time")
        .expect("session open")
}

/// Waits (bounded) until the SMSC's counters satisfy `ok`: a delivery is counted once
/// its deliver_sm_resp is back, which may be after the recipient saw the message.
async fn settle(smsc: &Smsc, ok: impl Fn(&SmscStats) -> bool) -> SmscStats {
    for _ in 0..100 {
        let s = smsc.stats();
        if ok(&s) {
            return s;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    smsc.stats()
}

async fn smsr_and_handset(smsc: &Smsc) -> ((Esme, Receiver<Inbound>), (Esme, Receiver<Inbound>)) {
    let smsr = bind(smsc, EsmeConfig::new("smsr", "s3cret").address_range(SMSR))
        .await
        .expect("SM-SR binds");
    let handset = bind(smsc, EsmeConfig::new("handset", "pw2"))
        .await
        .expect("handset binds");
    (smsr, handset)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn binary_udh_messages_both_ways_with_receipt() {
    let smsc = Smsc::start(config()).await.expect("smsc");
    let ((smsr, mut smsr_rx), (handset, mut handset_rx)) = smsr_and_handset(&smsc).await;

    let command = rsp_ota::sms::wrap_command(&common::packet(60));
    let id = smsr
        .submit_binary(
            &SmppAddress::unknown(SMSR),
            &SmppAddress::international(HANDSET),
            &command,
            1,
        )
        .await
        .expect("submit");
    let Inbound::Message(mt) = next(&mut handset_rx).await else {
        panic!("expected a message");
    };
    assert_eq!(mt.user_data, command, "byte-identical");
    assert_eq!(
        (mt.esm_class, mt.protocol_id, mt.data_coding),
        (ESM_CLASS_UDHI, 0x7f, 0xf6)
    );
    assert_eq!(mt.source, SmppAddress::unknown(SMSR));
    assert_eq!(mt.destination, SmppAddress::international(HANDSET));

    let Inbound::Receipt(receipt) = next(&mut smsr_rx).await else {
        panic!("expected a delivery receipt");
    };
    assert_eq!(receipt.message_id, id);
    assert_eq!(receipt.message_state, Some(2));
    assert_eq!(receipt.stat.as_deref(), Some("DELIVRD"));

    // The PoR back, mobile-originated.
    let por = rsp_ota::sms::wrap_response(&[0x0b, 0x99, 0, 0, 1, 0, 0, 0, 0, 5, 0, 0]);
    handset
        .submit_binary(
            &SmppAddress::international(HANDSET),
            &SmppAddress::unknown(SMSR),
            &por,
            0,
        )
        .await
        .expect("MO submit");
    let Inbound::Message(mo) = next(&mut smsr_rx).await else {
        panic!("expected the PoR");
    };
    assert_eq!(mo.user_data, por, "byte-identical");
    assert!(mo.udhi());
    assert_eq!(mo.source, SmppAddress::international(HANDSET));

    let stats = settle(&smsc, |s| s.delivered == 3).await;
    assert_eq!(
        (stats.submitted, stats.delivered, stats.receipts),
        (2, 3, 1)
    );
    assert_eq!((stats.queued, stats.bound), (0, 2));
    smsr.unbind().await.expect("unbind");
    handset.unbind().await.expect("unbind");
    smsc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_destination_that_binds_late_gets_its_queued_messages() {
    let smsc = Smsc::start(config()).await.expect("smsc");
    let (smsr, mut smsr_rx) = bind(&smsc, EsmeConfig::new("smsr", "s3cret").address_range(SMSR))
        .await
        .expect("bind");
    let mut sent = Vec::new();
    for i in 0..3u8 {
        let ud = rsp_ota::sms::wrap_command(&[i; 30]);
        smsr.submit_binary(
            &SmppAddress::unknown(SMSR),
            &SmppAddress::international(LATE),
            &ud,
            1,
        )
        .await
        .expect("queued submit");
        sent.push(ud);
    }
    assert_eq!(smsc.stats().queued, 3);
    let (_late, mut late_rx) = bind(&smsc, EsmeConfig::new("late", "pw3").address_range(LATE))
        .await
        .expect("late bind");
    for ud in sent {
        let Inbound::Message(m) = next(&mut late_rx).await else {
            panic!("expected a message");
        };
        assert_eq!(m.user_data, ud, "in submission order");
    }
    for _ in 0..3 {
        assert!(matches!(next(&mut smsr_rx).await, Inbound::Receipt(_)));
    }
    let stats = settle(&smsc, |s| s.delivered == 6).await;
    assert_eq!((stats.queued, stats.delivered, stats.receipts), (0, 6, 3));
    smsc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_credentials_are_refused_with_the_smpp_status() {
    let smsc = Smsc::start(config()).await.expect("smsc");
    let err = bind(&smsc, EsmeConfig::new("smsr", "wrong"))
        .await
        .err()
        .expect("refused");
    assert!(
        matches!(err, EsmeError::BindRefused { status: 0x0e }),
        "{err}"
    );
    assert_eq!(err.smpp_status(), Some(SmppError::ESME_RINVPASWD));
    assert!(
        !err.to_string().contains("wrong"),
        "no password in the error"
    );
    let err = bind(&smsc, EsmeConfig::new("nobody", "x"))
        .await
        .err()
        .expect("refused");
    assert_eq!(err.smpp_status(), Some(SmppError::ESME_RINVSYSID));
    // Too long for SMPP: refused before anything is sent.
    let err = bind(&smsc, EsmeConfig::new("smsr", "123456789"))
        .await
        .err()
        .expect("refused");
    assert!(matches!(err, EsmeError::InvalidParameter("password")));
    assert!(!format!("{:?}", EsmeConfig::new("smsr", "s3cret")).contains("s3cret"));
    assert!(!format!("{:?}", Account::new("smsr", "s3cret")).contains("s3cret"));
    let a: Account = "handset:pw2:447700900123".parse().expect("account spec");
    assert_eq!(
        (a.system_id.as_str(), a.address.as_deref()),
        ("handset", Some(HANDSET))
    );
    assert!("nopassword".parse::<Account>().is_err());
    assert_eq!(smsc.stats().bound, 0);
    smsc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_400_octet_secured_packet_is_split_sent_and_reassembled() {
    let smsc = Smsc::start(config()).await.expect("smsc");
    let ((smsr, _smsr_rx), (_handset, mut handset_rx)) = smsr_and_handset(&smsc).await;
    let packet = common::packet(400);
    // In order, through the ESME's own splitting.
    let ids = smsr
        .submit_command_packet(
            &SmppAddress::unknown(SMSR),
            &SmppAddress::international(HANDSET),
            &packet,
            0x16,
            0,
        )
        .await
        .expect("submit packet");
    assert_eq!(ids.len(), 3);
    let segments = split(&packet, 0x17).expect("split");
    assert_eq!(segments.len(), 3);
    // Sent last segment first: reassembly does not depend on order.
    for ud in segments.iter().rev() {
        smsr.submit_binary(
            &SmppAddress::unknown(SMSR),
            &SmppAddress::international(HANDSET),
            ud,
            0,
        )
        .await
        .expect("submit");
    }
    let mut reassembler = Reassembler::new(Limits::default());
    let mut done = Vec::new();
    for _ in 0..6 {
        let Inbound::Message(m) = next(&mut handset_rx).await else {
            panic!("expected a message");
        };
        assert!(m.user_data.len() <= 140);
        if let Some(c) = reassembler
            .push(&m.source.address, &m.user_data)
            .expect("segment")
        {
            done.push(c);
        }
    }
    assert_eq!(done.len(), 2, "two packets of three segments each");
    let mut refs: Vec<_> = done.iter().map(|c| c.reference).collect();
    refs.sort();
    assert_eq!(refs, [Some(0x16), Some(0x17)]);
    for c in done {
        let got = rsp_ota::sms::unwrap_command(&c.user_data).expect("unwrap");
        assert_eq!(got, &packet[..]);
        let opened = CommandPacket::parse(got)
            .expect("parse")
            .open(&common::keys())
            .expect("open: CC verifies");
        assert_eq!(opened.header, common::header());
    }
    smsc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_store_is_bounded() {
    let mut cfg = config();
    cfg.queue_limit = 2;
    let smsc = Smsc::start(cfg).await.expect("smsc");
    let (smsr, _rx) = bind(&smsc, EsmeConfig::new("smsr", "s3cret"))
        .await
        .expect("bind");
    let to = SmppAddress::international(LATE);
    for _ in 0..2 {
        smsr.submit_binary(&SmppAddress::unknown(SMSR), &to, &[2, 0x70, 0], 0)
            .await
            .expect("queued");
    }
    let err = smsr
        .submit_binary(&SmppAddress::unknown(SMSR), &to, &[2, 0x70, 0], 0)
        .await
        .expect_err("queue full");
    assert_eq!(err.smpp_status(), Some(SmppError::ESME_RMSGQFUL));
    let stats = smsc.stats();
    assert_eq!((stats.submitted, stats.queued, stats.rejected), (2, 2, 1));
    smsc.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn keep_alive_and_graceful_shutdown() {
    let mut cfg = config();
    // The SMSC drops a session silent for three of its enquire_link periods.
    cfg.enquire_link_interval = Duration::from_millis(300);
    let smsc = Smsc::start(cfg).await.expect("smsc");
    let mut esme_cfg = EsmeConfig::new("handset", "pw2");
    esme_cfg.enquire_link_interval = Duration::from_millis(200);
    let (handset, mut rx) = bind(&smsc, esme_cfg).await.expect("bind");
    tokio::time::sleep(Duration::from_millis(1500)).await;
    assert!(handset.is_bound(), "enquire_link kept the session");
    handset
        .submit_binary(
            &SmppAddress::international(HANDSET),
            &SmppAddress::international(HANDSET),
            &[2, 0x71, 0, 1],
            0,
        )
        .await
        .expect("still usable");
    assert!(matches!(next(&mut rx).await, Inbound::Message(_)));
    smsc.shutdown().await;
    // The SMSC unbound us: the inbound channel ends.
    let end = timeout(Duration::from_secs(5), rx.recv())
        .await
        .expect("ends in time");
    assert!(end.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn undelivered_messages_expire_and_failures_give_up_with_receipts() {
    let mut cfg = config();
    cfg.validity = Duration::from_millis(300);
    cfg.retry_interval = Duration::from_millis(100);
    cfg.max_attempts = 2;
    let smsc = Smsc::start(cfg).await.expect("smsc");
    let (smsr, mut smsr_rx) = bind(&smsc, EsmeConfig::new("smsr", "s3cret").address_range(SMSR))
        .await
        .expect("bind");

    // Nobody binds for LATE: the message expires, with an EXPIRED receipt.
    let id = smsr
        .submit_binary(
            &SmppAddress::unknown(SMSR),
            &SmppAddress::international(LATE),
            &[2, 0x70, 0],
            1,
        )
        .await
        .expect("submit");
    let Inbound::Receipt(r) = next(&mut smsr_rx).await else {
        panic!("expected a receipt");
    };
    assert_eq!(
        (r.message_id.as_str(), r.message_state, r.stat.as_deref()),
        (id.as_str(), Some(3), Some("EXPIRED"))
    );

    // The handset is bound but its application has gone (receiver dropped): every
    // deliver_sm is refused; after two attempts an UNDELIV receipt (asked for failures
    // only, registered_delivery 2).
    let (_handset, handset_rx) = bind(&smsc, EsmeConfig::new("handset", "pw2"))
        .await
        .expect("bind");
    drop(handset_rx);
    let id = smsr
        .submit_binary(
            &SmppAddress::unknown(SMSR),
            &SmppAddress::international(HANDSET),
            &[2, 0x70, 0],
            2,
        )
        .await
        .expect("submit");
    let Inbound::Receipt(r) = next(&mut smsr_rx).await else {
        panic!("expected a receipt");
    };
    assert_eq!(
        (r.message_id.as_str(), r.message_state, r.stat.as_deref()),
        (id.as_str(), Some(5), Some("UNDELIV"))
    );
    let stats = settle(&smsc, |s| s.delivered == 2).await;
    assert_eq!(
        (stats.expired, stats.failed, stats.queued, stats.receipts),
        (1, 1, 0, 2)
    );
    smsc.shutdown().await;
}
