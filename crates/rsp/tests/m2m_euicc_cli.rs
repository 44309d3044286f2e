//! `rsp m2m`: `euicc init`/`show` (no keys shown, state file mode 0600), `--help`, and a
//! lab of processes — `rsp m2m smsc` and `rsp m2m euicc serve` — with an SM-SR ESME
//! written here: the declaration arrives as an MO SMS from the enabled Profile's MSISDN,
//! an EnableProfile by SMS is answered by a PoR, and after the REFRESH the notification
//! arrives from the new MSISDN; SIGTERM stops both, the state file keeps the change.

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use rsp_codec::sgp02::consts::ISD_R_TAR;
use rsp_codec::sgp02::{
    Aid, DefaultNotification, EnableProfile, HandleNotificationConfirmation, NotificationType,
};
use rsp_ota::response::PorSecurity;
use rsp_ota::{
    CipherAlgorithm, CommandHeader, CommandPacket, CommandScript, Counter, CounterMode, Integrity,
    IntegrityAlgorithm, Kic, Kid, PorMode, PorStatus, RemoteFormat, ResponsePacket, SecurityKeys,
    Spi,
};
use rsp_sms::{Esme, EsmeConfig, Inbound, Limits, Reassembler, SmppAddress};
use rsp_testkit::fs::TempDir;
use rsp_testkit::process::Reaper;

const RSP: &str = env!("CARGO_BIN_EXE_rsp");
const KIC: &str = "2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B2B";
const KID: &str = "7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E7E";
const PSK: &str = "33333333333333333333333333333333";
const ICCID1: &str = "89049032123451234512";
const ICCID2: &str = "8949440000001234567";
const DEV1: &str = "447700900001";
const DEV2: &str = "447700900002";
const SMSR: &str = "447700900000";

fn rsp(args: &[&str]) -> std::process::Output {
    Command::new(RSP).args(args).output().expect("run rsp")
}

fn init(dir: &Path) -> std::path::PathBuf {
    let pki = dir.join("pki");
    let out = rsp(&["pki", "init", "--out", pki.to_str().expect("utf-8")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let keys = dir.join("keys");
    std::fs::write(&keys, format!("# lab keys\n1:aes:{KIC}:{KID}\n")).expect("keys");
    let state = dir.join("card.json");
    let p1 = format!("{ICCID1}:{DEV1}:fallback");
    let p2 = format!("{ICCID2}:{DEV2}");
    let psk = format!("psk-id-1:{PSK}");
    let out = rsp(&[
        "m2m",
        "euicc",
        "init",
        "--state",
        state.to_str().expect("utf-8"),
        "--pki",
        pki.to_str().expect("utf-8"),
        "--profile",
        &p1,
        "--profile",
        &p2,
        "--scp80-key-file",
        keys.to_str().expect("utf-8"),
        "--psk",
        &psk,
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim().len(),
        32,
        "EID printed"
    );
    state
}

#[test]
fn init_and_show_without_secrets() {
    let dir = TempDir::new();
    let state = init(dir.path());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&state)
            .expect("meta")
            .permissions()
            .mode();
        assert_eq!(mode & 0o077, 0, "state file readable by others: {mode:o}");
    }
    let out = rsp(&[
        "m2m",
        "euicc",
        "show",
        "--state",
        state.to_str().expect("utf-8"),
    ]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for secret in [KIC, KID, PSK] {
        assert!(
            !text.to_uppercase().contains(secret),
            "secret shown: {text}"
        );
    }
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert_eq!(v["isdps"][0]["state"], "enabled");
    assert_eq!(v["isdps"][0]["fallback"], true);
    assert_eq!(v["isdps"][1]["msisdn"], DEV2);
    assert_eq!(v["keysets"][0]["kic"], "12");
    assert_eq!(v["scp81_psk_identity"], "psk-id-1");

    // Refusals: an existing file, a bad keyset, a key of the wrong length.
    let again = rsp(&[
        "m2m",
        "euicc",
        "init",
        "--state",
        state.to_str().expect("utf-8"),
        "--pki",
        "x",
        "--profile",
        "1:2",
        "--scp80-key",
        "1:aes:00:00",
    ]);
    assert!(!again.status.success());
    let other = dir.path().join("other.json");
    for key in ["1:rc4:00:00", &format!("1:aes:{KIC}:7E7E")] {
        let bad = rsp(&[
            "m2m",
            "euicc",
            "init",
            "--state",
            other.to_str().expect("utf-8"),
            "--pki",
            dir.path().join("pki").to_str().expect("utf-8"),
            "--profile",
            &format!("{ICCID1}:{DEV1}"),
            "--scp80-key",
            key,
        ]);
        assert!(!bad.status.success(), "{key} accepted");
    }
}

#[test]
fn help_everywhere() {
    for args in [
        &["m2m", "--help"][..],
        &["m2m", "smsc", "--help"],
        &["m2m", "euicc", "--help"],
        &["m2m", "euicc", "init", "--help"],
        &["m2m", "euicc", "show", "--help"],
        &["m2m", "euicc", "serve", "--help"],
    ] {
        let out = rsp(args);
        assert!(out.status.success(), "{args:?}");
        assert!(
            String::from_utf8_lossy(&out.stdout).contains("Usage"),
            "{args:?}"
        );
    }
}

fn spi() -> Spi {
    Spi {
        integrity: Integrity::Cc,
        ciphering: true,
        counter: CounterMode::Higher,
        por: PorMode::Always,
        por_integrity: Integrity::Cc,
        por_ciphering: true,
        por_in_submit: true,
    }
}

fn keys() -> SecurityKeys {
    SecurityKeys::new(
        &hex::decode(KIC).expect("hex"),
        &hex::decode(KID).expect("hex"),
    )
}

fn kic_kid() -> (Kic, Kid) {
    (
        Kic::new(CipherAlgorithm::AesCbc, 1),
        Kid::new(IntegrityAlgorithm::AesCmac, 1),
    )
}

struct SmSr {
    esme: Esme,
    inbound: tokio::sync::mpsc::Receiver<Inbound>,
    reassembler: Reassembler,
    counter: u64,
}

impl SmSr {
    async fn next(&mut self) -> (String, Vec<u8>) {
        loop {
            let m = tokio::time::timeout(Duration::from_secs(15), self.inbound.recv())
                .await
                .expect("SMS in time")
                .expect("open");
            let Inbound::Message(m) = m else { continue };
            if let Some(c) = self
                .reassembler
                .push(&m.source.address, &m.user_data)
                .expect("reassembly")
            {
                return (c.originator, c.user_data);
            }
        }
    }

    async fn notification(&mut self) -> (String, DefaultNotification) {
        let (from, ud) = self.next().await;
        let p = rsp_ota::sms::unwrap_command(&ud).expect("IEI 70");
        let opened = CommandPacket::parse(p)
            .expect("parse")
            .open(&keys())
            .expect("open");
        (from, DefaultNotification::parse(&opened.data).expect("E1"))
    }

    /// Sends one APDU to the ISD-R at `to`; returns the PoR's sender and status word.
    async fn send(&mut self, to: &str, apdu: Vec<u8>) -> (String, Vec<u8>) {
        self.counter += 1;
        let (kic, kid) = kic_kid();
        let data = CommandScript {
            format: RemoteFormat::Expanded,
            apdus: vec![apdu],
        }
        .encode()
        .expect("script");
        let packet = CommandHeader {
            spi: spi(),
            kic,
            kid,
            tar: ISD_R_TAR,
            counter: Counter::from_u64(self.counter).expect("counter"),
        }
        .seal(&keys(), &data)
        .expect("seal");
        self.esme
            .submit_command_packet(
                &SmppAddress::international(SMSR),
                &SmppAddress::international(to),
                &packet,
                self.counter as u8,
                0,
            )
            .await
            .expect("submit");
        // A notification repeat may cross the command: skip to the PoR (IEI 71).
        let (from, por) = loop {
            let (from, ud) = self.next().await;
            if let Ok(por) = rsp_ota::sms::unwrap_response(&ud) {
                break (from, por.to_vec());
            }
        };
        let opened = ResponsePacket::parse(&por)
            .expect("PoR")
            .open(
                &PorSecurity {
                    spi: spi(),
                    kic,
                    kid,
                },
                &keys(),
            )
            .expect("open PoR");
        assert_eq!(opened.status, PorStatus::Ok);
        let script =
            rsp_ota::ResponseScript::decode(&opened.data, RemoteFormat::Expanded).expect("script");
        (from, script.responses.last().expect("R-APDU").clone())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn smsc_and_modem_processes() {
    let dir = TempDir::new();
    let state = init(dir.path());
    let mut smsc = Command::new(RSP)
        .args([
            "m2m",
            "smsc",
            "--listen",
            "127.0.0.1:0",
            "--account",
            "smsr:smsrpw",
            "--account",
            "device:devpw",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("smsc");
    let stdout = smsc.stdout.take().expect("stdout");
    let smsc = Reaper(Some(smsc));
    let mut line = String::new();
    BufReader::new(stdout)
        .read_line(&mut line)
        .expect("address line");
    let smsc_addr = line.trim().to_owned();
    assert!(
        smsc_addr.parse::<std::net::SocketAddr>().is_ok(),
        "{line:?}"
    );

    let (esme, inbound) = Esme::bind_transceiver(
        smsc_addr.as_str(),
        EsmeConfig::new("smsr", "smsrpw").address_range(SMSR),
    )
    .await
    .expect("bind");
    let mut smsr = SmSr {
        esme,
        inbound,
        reassembler: Reassembler::new(Limits::default()),
        counter: 0,
    };

    let pw = dir.path().join("pw");
    std::fs::write(&pw, "devpw\n").expect("pw");
    let modem = Command::new(RSP)
        .args([
            "m2m",
            "euicc",
            "serve",
            "--state",
            state.to_str().expect("utf-8"),
            "--smsc",
            &smsc_addr,
            "--system-id",
            "device",
            "--password-file",
            pw.to_str().expect("utf-8"),
            "--smsr-msisdn",
            SMSR,
            "--notification-retry",
            "1",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("modem");
    let mut modem = Reaper(Some(modem));

    let (from, n) = smsr.notification().await;
    assert_eq!(
        (from.as_str(), n.kind),
        (DEV1, NotificationType::EuiccDeclaration)
    );
    let conf = HandleNotificationConfirmation {
        sequence: n.sequence,
    }
    .to_apdu()
    .expect("apdu");
    let (from, rapdu) = smsr.send(DEV1, conf).await;
    assert_eq!((from.as_str(), rapdu.as_slice()), (DEV1, &[0x90, 0x00][..]));

    let isdp2 = Aid::isd_p(1).expect("aid");
    let enable = EnableProfile { aid: isdp2.clone() }
        .to_apdu()
        .expect("apdu");
    let (from, rapdu) = smsr.send(DEV1, enable).await;
    assert_eq!((from.as_str(), rapdu.as_slice()), (DEV1, &[0x90, 0x00][..]));
    let (from, n) = loop {
        let (from, n) = smsr.notification().await;
        if n.kind != NotificationType::EuiccDeclaration {
            break (from, n);
        }
    };
    assert_eq!(
        (from.as_str(), n.kind),
        (DEV2, NotificationType::ProfileChangeSucceeded)
    );
    assert_eq!(n.aid, Some(isdp2));

    // SIGTERM: the modem stops cleanly; the state file has Profile 2 enabled.
    let mut child = modem.0.take().expect("child");
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let status =
        rsp_testkit::process::wait_for("modem exit", 10, || child.try_wait().ok().flatten());
    assert!(status.success(), "{status:?}");
    let out = rsp(&[
        "m2m",
        "euicc",
        "show",
        "--state",
        state.to_str().expect("utf-8"),
    ]);
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    assert_eq!(v["isdps"][1]["state"], "enabled");
    assert_eq!(v["isdps"][0]["state"], "disabled");
    assert_eq!(
        v["pending_notifications"][0]["type"],
        "profile-change-succeeded"
    );
    drop(smsc);
}
