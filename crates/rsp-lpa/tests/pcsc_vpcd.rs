//! The LPA on a card in a PC/SC reader (feature `pcsc`): the virtual eUICC is served to
//! vsmartcard's vpcd with `rsp_apdu::vpcd::VpcdClient` (what `rsp euicc serve --vpcd`
//! runs), pcscd shows it in the reader "Virtual PCD 00 00", and the LPA reaches it through
//! `SCardTransmit` only: EID and chip information, then a full download from the SM-DP+
//! over real HTTPS, enable, and the notifications reaching the SM-DP+.
//!
//! Needs pcscd and vsmartcard-vpcd (Debian packages `pcscd`, `vsmartcard-vpcd`); skipped
//! without them, except under CI (`CI=true`), where `.ci/run` installs them.
//! Run: `cargo test -p rsp-lpa --features pcsc --test pcsc_vpcd`.
#![cfg(feature = "pcsc")]
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use rsp_testkit::process::{Reaper, wait_for};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use common::*;
use rsp_apdu::vpcd::VpcdClient;
use rsp_crypto::Curve;
use rsp_lpa::pcsc::{PcscCard, list_readers};
use rsp_lpa::{ApduChannel, Es9PlusClient, Lpa};

const READER: &str = "Virtual PCD 00 00";
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";

/// Where `program` is: on PATH, or in /usr/sbin.
fn find_program(program: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/sbin")])
        .map(|d| d.join(program))
        .find(|p| p.is_file())
}

fn vpcd_reader_listed() -> bool {
    list_readers().is_ok_and(|r| r.iter().any(|n| n == READER))
}

/// pcscd with the vpcd reader: the running one (left alone), or one started here in the
/// foreground (stopped on drop).
fn pcscd() -> Option<Reaper> {
    let (Some(pcscd), true) = (find_program("pcscd"), Path::new(VPCD_DRIVER).exists()) else {
        let ci = std::env::var("CI").is_ok_and(|v| v == "true");
        assert!(
            !ci,
            "CI: pcscd and vsmartcard-vpcd must be installed (apt-get install pcscd vsmartcard-vpcd)"
        );
        println!("skipped: pcscd or vsmartcard-vpcd not installed");
        return None;
    };
    if vpcd_reader_listed() {
        return Some(Reaper(None));
    }
    let child = Command::new(pcscd)
        .arg("--foreground")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let started = Reaper(Some(child));
    wait_for("pcscd with the vpcd reader", 20, || {
        vpcd_reader_listed().then_some(())
    });
    Some(started)
}

/// The card side: the virtual eUICC connected to vpcd in a thread until dropped.
struct Served {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Served {
    fn start(card: rsp_euicc::Card) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let client = VpcdClient::new(rsp_apdu::vpcd::DEFAULT_ADDRESS).unwrap();
        let thread = std::thread::spawn(move || client.run(card, &flag, &mut std::io::sink()));
        Served {
            stop,
            thread: Some(thread),
        }
    }
}

impl Drop for Served {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

/// Connects once the card is in the reader (vpcd reports it present after our connect).
fn connect() -> PcscCard {
    wait_for("the card in Virtual PCD 00 00", 20, || {
        PcscCard::connect(READER).ok()
    })
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn vpcd_download_over_pcsc() {
    let Some(_pcscd) = pcscd() else { return };
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let server = Server::start(&dir.0, &nist, &nist).await;
    let iccid = "8949000000000000075";
    let ac = server.order(iccid, None).await;

    let _served = Served::start(euicc(&nist));
    let card = connect();
    assert_eq!(card.reader(), READER);
    // The ATR vpcd got from the card side.
    assert_eq!(card.atr().unwrap(), rsp_apdu::vpcd::EUICC_ATR.to_vec());
    // A part of the name finds the reader too; an unknown name lists the readers.
    match PcscCard::connect("No Such Reader") {
        Err(e) => assert!(e.to_string().contains(READER), "{e}"),
        Ok(c) => panic!("connected to {c:?}"),
    }

    let es9 = Es9PlusClient::from_ca_files(&[nist.join("ci.pem")]).unwrap();
    let mut lpa = Lpa::new(ApduChannel::open(card).unwrap(), es9);
    assert_eq!(lpa.eid().unwrap(), rsp_pki::DEFAULT_EID);
    let info = lpa.chip_info().unwrap();
    assert_eq!(info.eid, rsp_pki::DEFAULT_EID);
    assert_eq!(info.svn, "2.5.0");
    let free_before = info.free_nvm.unwrap();

    // A full download through SCardTransmit: STORE DATA chaining and GET RESPONSE over
    // the reader, the notification delivered to the SM-DP+.
    let result = lpa.download(&ac, None, None).await.unwrap();
    assert!(result.is_success(), "{result:?}");
    assert_eq!(result.iccid, iccid);
    assert!(
        result.notifications.iter().all(|n| n.delivered) && result.notifications.len() == 1,
        "{:?}",
        result.notifications
    );
    assert_eq!(server.state(iccid).await, "Installed");
    let profiles = lpa.list_profiles().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].iccid, iccid);
    assert!(lpa.chip_info().unwrap().free_nvm.unwrap() < free_before);
    let notified = lpa.enable(iccid).await.unwrap();
    assert!(notified.len() == 1 && notified[0].delivered, "{notified:?}");
    assert_eq!(lpa.list_profiles().unwrap()[0].state, Some("enabled"));
    assert!(lpa.list_notifications().unwrap().is_empty());

    // The logical channel is closed; the card is still there.
    let card = lpa.into_channel().close().unwrap();
    assert!(card.last_error().is_none(), "{:?}", card.last_error());
    server.stop().await;
}
