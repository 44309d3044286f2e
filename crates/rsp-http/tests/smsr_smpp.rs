//! The SM-SR's SMPP link against the lab SMSC over loopback TCP: a device ESME hands each
//! SMS to the virtual M2M eUICC and sends its PoR back by SMS; the SM-SR's inbound loop
//! matches it to the operation. Covers single and concatenated SMS both ways (a long
//! SendData script and its long PoR), and a device that is not bound yet (the SMSC
//! stores the SMS; the operation completes once it binds). The SM-SR's side of the SMPP
//! session is recorded and decoded by Wireshark's dissectors (tshark, Debian): submit_sm
//! with UDHI / PID 7F / DCS F6, the TS 31.115 command packet identifier (IEI 70) and the
//! concatenation elements as an independent decoder reads them.
#![allow(clippy::unwrap_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use rsp_codec::json::Iccid;
use rsp_codec::sgp02::SmsAddress;
use rsp_http::smsr::es5_sms::{self, SmppLink};
use rsp_m2m_euicc::M2mEuicc;
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use rsp_sms::{
    Account, Esme, EsmeConfig, Inbound, Limits, Reassembler, SmppAddress, Smsc, SmscConfig,
};
use rsp_smsr::service::{Request, SmsrConfig, SmsrService};
use rsp_smsr::{Eis, EuiccKeys, Function, OperationStatus, Requester, Scp80Algorithm, Scp80Keyset};
use rsp_storage::{DataKey, SqlStore};
use rsp_testkit::fs::TempDir;
use rsp_testkit::m2m::{self, LabProfile};
use tokio::sync::{Mutex, watch};

const KIC: [u8; 16] = [0x2b; 16];
const KID: [u8; 16] = [0x7e; 16];
const SMSR_MSISDN: &str = "447700900000";
const DEVICE_MSISDN: &str = "447700900001";
const ICCID: &str = "8944000000000000011";

const PROFILE: [LabProfile<'static>; 1] = [LabProfile {
    index: 0,
    iccid: ICCID,
    msisdn: DEVICE_MSISDN,
    enabled: true,
    fallback: true,
}];

fn card() -> M2mEuicc {
    let keyset = rsp_m2m_euicc::Scp80Keyset::new(
        1,
        Kic::new(CipherAlgorithm::AesCbc, 1),
        &KIC,
        Kid::new(IntegrityAlgorithm::AesCmac, 1),
        &KID,
    )
    .unwrap();
    m2m::card(vec![keyset], &PROFILE)
}

/// The EIS, the Profile prepared by SM-DP `smdp1` (it sends data to its ISD-P).
fn eis(eid: &str) -> Eis {
    let mut e = m2m::eis(eid, "mno1", &PROFILE);
    e.profiles[0].smdp_id = Some("smdp1".into());
    e
}

/// The device: every SMS for it goes to the card; PoRs go back to the SM-SR.
async fn device(smsc: std::net::SocketAddr, card: Arc<Mutex<M2mEuicc>>) -> Arc<Esme> {
    let (esme, mut inbound) = Esme::bind_transceiver(
        smsc,
        EsmeConfig::new("device", "devpw").address_range(DEVICE_MSISDN),
    )
    .await
    .unwrap();
    let esme = Arc::new(esme);
    let replies = esme.clone();
    tokio::spawn(async move {
        let mut reassembler = Reassembler::new(Limits::default());
        let mut reference = 0u8;
        while let Some(m) = inbound.recv().await {
            let Inbound::Message(m) = m else { continue };
            let Some(whole) = reassembler.push(&m.source.address, &m.user_data).unwrap() else {
                continue;
            };
            let packet = rsp_ota::sms::unwrap_command(&whole.user_data)
                .unwrap()
                .to_vec();
            let received = card.lock().await.receive_command_packet(&packet).unwrap();
            let por = received.por.expect("PoR asked for");
            reference = reference.wrapping_add(1);
            for ud in por.submit_user_data(reference).unwrap() {
                replies
                    .submit_binary(
                        &SmppAddress::international(DEVICE_MSISDN),
                        &SmppAddress::international(SMSR_MSISDN),
                        &ud,
                        0,
                    )
                    .await
                    .unwrap();
            }
        }
    });
    esme
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

async fn wait_done(smsr: &SmsrService<SqlStore>, id: i64) -> rsp_smsr::Operation {
    let start = Instant::now();
    loop {
        let op = smsr.operation(id).await.unwrap().unwrap();
        if op.status.is_final() {
            return op;
        }
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "operation {id} not done: {op:?}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn es5_over_smpp_single_and_concatenated() {
    let smsc = Smsc::start(SmscConfig::new(
        "127.0.0.1:0".parse().unwrap(),
        vec![
            Account::new("smsr", "smsrpw"),
            Account::new("device", "devpw"),
        ],
    ))
    .await
    .unwrap();
    let addr = smsc.local_addr();

    let dir = TempDir::new();
    let store = SqlStore::open_sqlite(
        &dir.0.join("smsr.sqlite"),
        DataKey::new("k", &[1; 32]).unwrap(),
    )
    .await
    .unwrap();
    store.migrate().await.unwrap();
    let smsr = Arc::new(SmsrService::new(store, SmsrConfig::default()));
    let card = Arc::new(Mutex::new(card()));
    let eid = card.lock().await.eid().to_owned();
    smsr.register_eis(
        eis(&eid),
        &EuiccKeys {
            scp80: vec![Scp80Keyset::new(1, Scp80Algorithm::Aes, &KIC, &KID).unwrap()],
            scp81: None,
        },
        now(),
    )
    .await
    .unwrap();

    let (proxy, recorded) = recording_proxy(addr).await;
    let (esme, inbound) = Esme::bind_transceiver(
        proxy,
        EsmeConfig::new("smsr", "smsrpw").address_range(SMSR_MSISDN),
    )
    .await
    .unwrap();
    let link = Arc::new(SmppLink::new(esme, SMSR_MSISDN));
    let (_stop, rx) = watch::channel(false);
    tokio::spawn(es5_sms::receive(smsr.clone(), inbound, rx.clone()));
    tokio::spawn(es5_sms::send(
        smsr.clone(),
        link,
        Duration::from_millis(100),
        rx,
    ));

    // The device binds after the SM-SR sent: the SMSC keeps the SMS for it.
    let audit = smsr
        .request(
            Request::new(
                Requester::Operator("mno1".into()),
                eid.clone(),
                Function::AuditEis,
            ),
            now(),
        )
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(400)).await;
    let _device = device(addr, card.clone()).await;
    let op = wait_done(&smsr, audit.id).await;
    assert_eq!(op.status, OperationStatus::Done, "{op:?}");
    assert_eq!(op.attempts, 1, "stored by the SMSC, not resent");

    // A script longer than one SMS, answered by a PoR longer than one SMS.
    // Twelve commands the ISD-P accepts (a failing one would end the script there).
    let apdus: Vec<String> = (0..12)
        .map(|i| {
            let msisdn = format!("4477009001{i:02}");
            hex::encode(
                rsp_codec::sgp02::UpdateConnectivityParameters {
                    msisdn: SmsAddress::international(&msisdn),
                }
                .to_apdu()
                .unwrap(),
            )
        })
        .collect();
    let long = smsr
        .request(
            Request::new(
                Requester::SmDp("smdp1".into()),
                eid.clone(),
                Function::SendData {
                    iccid: Iccid::parse(ICCID).unwrap(),
                    apdus: apdus.clone(),
                },
            ),
            now(),
        )
        .await
        .unwrap();
    let op = wait_done(&smsr, long.id).await;
    assert_eq!(op.status, OperationStatus::Done, "{op:?}");
    // The outcome is the eUICC's response script (TS 102 226 expanded).
    let response = hex::decode(op.outcome.unwrap().response.unwrap()).unwrap();
    let script =
        rsp_ota::ResponseScript::decode(&response, rsp_ota::RemoteFormat::Expanded).unwrap();
    assert_eq!(
        script.responses,
        vec![vec![0x90, 0x00]; apdus.len()],
        "one 9000 per C-APDU"
    );
    assert!(smsc.stats().delivered >= 4, "concatenated both ways");
    smsc.shutdown().await;
    let recorded = recorded.lock().await.clone();
    tshark_check(&recorded);
}

/// A TCP proxy in front of `target` that records what the client sends.
async fn recording_proxy(
    target: std::net::SocketAddr,
) -> (std::net::SocketAddr, Arc<Mutex<Vec<u8>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let recorded = Arc::new(Mutex::new(Vec::new()));
    let rec = recorded.clone();
    tokio::spawn(async move {
        let (client, _) = listener.accept().await.unwrap();
        let server = tokio::net::TcpStream::connect(target).await.unwrap();
        let (mut cr, mut cw) = client.into_split();
        let (mut sr, mut sw) = server.into_split();
        tokio::spawn(async move {
            let _ = tokio::io::copy(&mut sr, &mut cw).await;
        });
        let mut buf = vec![0u8; 4096];
        loop {
            let n = match cr.read(&mut buf).await {
                Ok(0) | Err(_) => break,
                Ok(n) => n,
            };
            rec.lock().await.extend_from_slice(&buf[..n]);
            if sw.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
    });
    (addr, recorded)
}

/// Decodes the recorded ESME → SMSC stream with tshark (via text2pcap) and checks every
/// submit_sm as Wireshark reads it. Skipped with a note when tshark is not installed,
/// unless `CI` is set.
fn tshark_check(stream: &[u8]) {
    let have = |tool: &str| std::process::Command::new(tool).arg("-v").output().is_ok();
    if !have("tshark") || !have("text2pcap") {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have tshark and text2pcap"
        );
        eprintln!("tshark/text2pcap not installed: Wireshark decode skipped");
        return;
    }
    let dir = TempDir::new();
    // One packet per PDU (command_length first), so tshark gives one row per PDU.
    let mut dump = String::new();
    let mut rest = stream;
    while rest.len() >= 4 {
        let len = u32::from_be_bytes([rest[0], rest[1], rest[2], rest[3]]) as usize;
        let (pdu, tail) = rest.split_at(len.min(rest.len()));
        for (i, chunk) in pdu.chunks(16).enumerate() {
            dump.push_str(&format!("{:06x} ", i * 16));
            for b in chunk {
                dump.push_str(&format!(" {b:02x}"));
            }
            dump.push('\n');
        }
        rest = tail;
    }
    let (txt, pcap) = (dir.0.join("smpp.txt"), dir.0.join("smpp.pcap"));
    std::fs::write(&txt, dump).unwrap();
    let ok = std::process::Command::new("text2pcap")
        .args(["-q", "-T", "40000,2775"])
        .arg(&txt)
        .arg(&pcap)
        .status()
        .unwrap();
    assert!(ok.success());
    let out = std::process::Command::new("tshark")
        .arg("-r")
        .arg(&pcap)
        .args([
            "-d",
            "tcp.port==2775,smpp",
            "-Y",
            "smpp.command_id == 0x00000004",
        ])
        .args([
            "-T",
            "fields",
            "-E",
            "separator=;",
            "-E",
            "occurrence=a",
            "-E",
            "aggregator=,",
        ])
        .args([
            "-e",
            "smpp.esm.submit.features",
            "-e",
            "smpp.protocol_id",
            "-e",
            "smpp.data_coding",
        ])
        .args(["-e", "smpp.destination_addr", "-e", "gsm_sms.ie_identifier"])
        .args([
            "-e",
            "gsm_sms.udh.mm.msg_parts",
            "-e",
            "gsm_sms.udh.mm.msg_part",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let rows: Vec<Vec<&str>> = text.lines().map(|l| l.split(';').collect()).collect();
    assert!(
        rows.len() >= 3,
        "one single and at least two concatenated submit_sm: {text}"
    );
    let mut concatenated = 0;
    for r in &rows {
        assert_eq!(r[0], "0x01", "GSM features: UDHI: {r:?}");
        assert_eq!(r[1], "0x7f", "SIM data download: {r:?}");
        assert_eq!(r[2], "0xf6", "class 2, 8-bit: {r:?}");
        assert_eq!(r[3], DEVICE_MSISDN);
        let ieis: Vec<&str> = r[4].split(',').collect();
        match r[6] {
            "" => assert_eq!(
                ieis,
                ["0x70"],
                "single SMS: the command packet identifier only"
            ),
            "1" => {
                concatenated += 1;
                assert_eq!(
                    ieis,
                    ["0x00", "0x70"],
                    "first segment: concatenation, then 70"
                );
            }
            _ => assert_eq!(ieis, ["0x00"], "later segments: concatenation only: {r:?}"),
        }
    }
    assert!(concatenated >= 1, "{text}");
}
