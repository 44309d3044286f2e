//! The LPA against the real SM-DP+ over HTTPS (SGP.22 v2.5 §3.1.3): a Profile ordered
//! through ES2+ is downloaded into a virtual eUICC driven over APDUs, on both curves, with
//! and without confirmation code; the installation notification reaches the SM-DP+
//! (Profile `Installed`); the installed profile equals the protected one element by
//! element; enable / disable / delete with their notifications; and the refusals (wrong confirmation
//! code, missing confirmation code, untrusted CI, untrusted TLS certificate). Installation
//! failures at the eUICC: a BPP member tampered with between the SM-DP+ and the eUICC
//! (`tampered_*`), and memory that runs out at installation time.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::*;
use rsp_crypto::Curve;
use rsp_lpa::{Installation, LpaError};

async fn full_download(curve: Curve, confirmation_code: Option<&str>) {
    let dir = TempDir::new();
    // TLS is always NIST (no brainpool in rustls); ES9+ credentials and eUICC per curve.
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let pki = if curve == Curve::NistP256 {
        nist.clone()
    } else {
        write_pki(&dir.0, dir_name(curve), curve)
    };
    let server = Server::start(&dir.0, &nist, &pki).await;
    let iccid = "8949000000000000018";
    let ac = server.order(iccid, confirmation_code).await;

    let steps = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let seen = steps.clone();
    let mut lpa =
        lpa(euicc(&pki), &nist.join("ci.pem")).with_progress(move |s| seen.lock().unwrap().push(s));
    let result = lpa
        .download(&ac, confirmation_code, Some("356938035643809"))
        .await
        .expect("download");
    assert!(result.is_success(), "{result:?}");
    assert!(matches!(result.installation, Installation::Success { .. }));
    assert_eq!(result.iccid, iccid);
    assert_eq!(result.profile_name, format!("Profile {iccid}"));
    // The installation notification was delivered and removed.
    assert_eq!(result.notifications.len(), 1, "{:?}", result.notifications);
    assert!(result.notifications[0].delivered);
    assert_eq!(result.notifications[0].notification.operation, "install");
    assert_eq!(
        result.notifications[0].notification.seq_number,
        result.seq_number
    );
    assert!(lpa.list_notifications().unwrap().is_empty());
    assert_eq!(server.state(iccid).await, "Installed");
    let steps = steps.lock().unwrap().clone();
    assert!(
        steps
            .iter()
            .any(|s| matches!(s, rsp_lpa::DownloadStep::SegmentLoaded { .. })),
        "{steps:?}"
    );

    // The profile in the eUICC's ISD-P equals, element by element, the package the SM-DP+
    // bound and protected (decoded with the profile toolkit on both sides).
    let sent = profile_package(iccid);
    let card = lpa.channel_mut().card_mut().expect("card");
    let installed = card.isdr().state().profiles[0].package.0.clone();
    let sent_pkg = rsp_saip::ProfilePackage::decode(&sent).unwrap();
    let installed_pkg = rsp_saip::ProfilePackage::decode(&installed).unwrap();
    assert_eq!(installed_pkg.elements.len(), sent_pkg.elements.len());
    for (a, b) in installed_pkg.elements.iter().zip(&sent_pkg.elements) {
        assert_eq!(a, b, "profile element {}", b.name());
    }
    assert_eq!(installed, sent);

    // The eUICC lists it, disabled; enable, nickname, disable, delete.
    let profiles = lpa.list_profiles().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].iccid, iccid);
    assert_eq!(profiles[0].state, Some("disabled"));
    // The SM-DP+ asked (notificationConfigurationInfo) for enable, disable and delete
    // notifications: each is signed by the eUICC, accepted by the SM-DP+ (HTTP 204 after
    // its signature check) and removed from the eUICC.
    let notified = lpa.enable(iccid).await.unwrap();
    assert_eq!(notified.len(), 1, "{notified:?}");
    assert!(notified[0].delivered);
    assert_eq!(notified[0].notification.operation, "enable");
    assert_eq!(lpa.list_profiles().unwrap()[0].state, Some("enabled"));
    lpa.set_nickname(iccid, "work").unwrap();
    assert_eq!(
        lpa.list_profiles().unwrap()[0].nickname.as_deref(),
        Some("work")
    );
    match lpa.delete(iccid).await {
        Err(LpaError::EuiccRefused { code: 2, .. }) => {}
        other => panic!("delete of an enabled profile: {other:?}"),
    }
    let notified = lpa.disable(iccid).await.unwrap();
    assert_eq!(notified.len(), 1, "{notified:?}");
    assert!(notified[0].delivered && notified[0].notification.operation == "disable");
    let notified = lpa.delete(iccid).await.unwrap();
    assert_eq!(notified.len(), 1, "{notified:?}");
    assert!(notified[0].delivered && notified[0].notification.operation == "delete");
    assert!(lpa.list_profiles().unwrap().is_empty());
    assert!(lpa.list_notifications().unwrap().is_empty());
    assert_eq!(lpa.eid().unwrap(), rsp_pki::DEFAULT_EID);
    let info = lpa.chip_info().unwrap();
    assert_eq!(info.svn, "2.5.0");
    assert_eq!(info.ci_pk_ids_for_signing.len(), 1);
    // The logical channel is closed when the LPA is done.
    lpa.into_channel().close().unwrap();
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_nist() {
    full_download(Curve::NistP256, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_brainpool() {
    full_download(Curve::BrainpoolP256r1, None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_nist_with_confirmation_code() {
    full_download(Curve::NistP256, Some("4711")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn download_brainpool_with_confirmation_code() {
    full_download(Curve::BrainpoolP256r1, Some("4711")).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn confirmation_code_refusals() {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let server = Server::start(&dir.0, &nist, &nist).await;
    let ca = nist.join("ci.pem");
    let iccid = "8949000000000000026";
    let ac = server.order(iccid, Some("1234")).await;

    // Flag in the activation code: refused before anything is sent.
    let mut lpa = lpa(euicc(&nist), &ca);
    let flagged = format!("{ac}$$1");
    assert!(matches!(
        lpa.download(&flagged, None, None).await,
        Err(LpaError::ConfirmationCodeRequired)
    ));
    // No flag in the code, but smdpSigned2 requires one: cancelled on both sides
    // (reason postponed), the Profile stays Released for a later attempt.
    assert!(matches!(
        lpa.download(&ac, None, None).await,
        Err(LpaError::ConfirmationCodeRequired)
    ));
    assert_eq!(server.state(iccid).await, "Released");

    // A wrong code: ES9+.GetBoundProfilePackage fails with 8.2.7/3.8.
    let err = lpa.download(&ac, Some("9999"), None).await.unwrap_err();
    assert_eq!(
        err.status_code(),
        Some(("8.2.7".to_owned(), "3.8".to_owned())),
        "{err}"
    );
    assert!(err.to_string().contains("8.2.7"), "{err}");
    // The eUICC's session was released: the right code still works.
    let ok = lpa.download(&ac, Some("1234"), None).await.unwrap();
    assert!(ok.is_success());
    assert_eq!(server.state(iccid).await, "Installed");
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn untrusted_server_is_refused() {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    // ES9+ credentials under a CI the eUICC does not know.
    let other = write_pki(&dir.0, "other", Curve::NistP256);
    let server = Server::start(&dir.0, &nist, &other).await;
    let ac = server.order("8949000000000000034", None).await;
    let mut lpa = lpa(euicc(&nist), &nist.join("ci.pem"));
    let err = lpa.download(&ac, None, None).await.unwrap_err();
    // No common CI: InitiateAuthentication fails with 8.8.2/3.1.
    assert_eq!(
        err.status_code(),
        Some(("8.8.2".to_owned(), "3.1".to_owned())),
        "{err}"
    );
    assert!(lpa.list_profiles().unwrap().is_empty());

    // A TLS certificate not chaining to the trusted anchor: no connection at all.
    let mut lpa = common::lpa(euicc(&nist), &other.join("ci.pem"));
    match lpa.download(&ac, None, None).await {
        Err(LpaError::Http { function, .. }) => assert_eq!(function, "initiateAuthentication"),
        other => panic!("{other:?}"),
    }
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_process_isdr_and_no_auto_notify() {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let server = Server::start(&dir.0, &nist, &nist).await;
    let iccid = "8949000000000000042";
    let ac = server.order(iccid, None).await;
    // The ISD-R without APDUs; notifications left for an explicit call.
    let isdr = euicc(&nist).into_isdr();
    let es9 = rsp_lpa::Es9PlusClient::from_ca_files(&[nist.join("ci.pem")]).unwrap();
    let mut lpa = rsp_lpa::Lpa::new(isdr, es9).with_auto_notify(false);
    let result = lpa.download(&ac, None, None).await.unwrap();
    assert!(result.is_success() && result.notifications.is_empty());
    assert_eq!(server.state(iccid).await, "Downloaded");
    let pending = lpa.list_notifications().unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0].notification_address, server.address);
    assert_eq!(pending[0].iccid.as_deref(), Some(iccid));
    let done = lpa
        .process_notification(pending[0].seq_number)
        .await
        .unwrap();
    assert_eq!(done.len(), 1);
    assert!(done[0].delivered, "{done:?}");
    assert_eq!(server.state(iccid).await, "Installed");
    assert!(!lpa.remove_notification(pending[0].seq_number).unwrap());
    server.stop().await;
}

/// eUICC memory full: the SM-DP+ reads the free memory in EUICCInfo2 (extCardResource)
/// and refuses at AuthenticateClient with 8.1/4.8 (SGP.22 §5.6.3 eligibility check); the
/// eUICC session is cancelled, nothing is installed, the order stays downloadable and the
/// eUICC keeps working.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_full_is_refused_before_binding() {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let server = Server::start(&dir.0, &nist, &nist).await;
    let iccid = "8949000000000000026";
    let ac = server.order(iccid, None).await;
    let config = rsp_euicc::EuiccConfig {
        max_profile_bytes: 512,
        ..rsp_euicc::EuiccConfig::default()
    };
    let mut lpa = lpa(euicc_with(&nist, config), &nist.join("ci.pem"));
    match lpa.download(&ac, None, None).await {
        Err(e) => assert_eq!(
            e.status_code(),
            Some(("8.1".to_owned(), "4.8".to_owned())),
            "{e:?}"
        ),
        Ok(r) => panic!("expected a refusal, got {r:?}"),
    }
    assert!(lpa.list_profiles().unwrap().is_empty());
    assert_eq!(server.state(iccid).await, "Released");
    assert_eq!(lpa.eid().unwrap(), rsp_pki::DEFAULT_EID);

    // The same order on an eUICC with room succeeds.
    let mut roomy = lpa_for(&nist);
    let result = roomy.download(&ac, None, None).await.expect("download");
    assert!(result.is_success(), "{result:?}");
    assert_eq!(server.state(iccid).await, "Installed");
    server.stop().await;
}

fn lpa_for(pki: &std::path::Path) -> rsp_lpa::Lpa<rsp_lpa::ApduChannel<rsp_euicc::Card>> {
    lpa(euicc(pki), &pki.join("ci.pem"))
}

/// Offset of the middle byte of the first member TLV (`86`, `87` or `88`) inside the
/// BPP sequence `group` (`A0`..`A3`, SGP.22 §2.5.4).
fn member_byte(bpp: &[u8], group: u16) -> usize {
    use rsp_codec::tlv::{header, split_first};
    let outer = header(bpp).unwrap();
    let mut at = outer.header_len;
    loop {
        let (h, _, _) = split_first(&bpp[at..]).unwrap();
        if h.tag == group {
            let member_at = at + h.header_len;
            let m = header(&bpp[member_at..]).unwrap();
            return member_at + m.header_len + m.value_len / 2;
        }
        at += h.total_len();
    }
}

/// One byte of a protected BPP member is flipped on its way from the SM-DP+ to the eUICC
/// (the LPA fetches the BPP, the byte changes, the LPA loads it): the eUICC's SCP03t MAC
/// check fails (SGP.22 §2.5.3) and its ProfileInstallationResult names the command of the
/// sequence and `scp03tSecurityError` (§5.7.6 ErrorReason 8); nothing is installed, the
/// failure notification reaches the SM-DP+ (Profile `Error`, never offered again,
/// §3.1.3), and the eUICC installs and enables another order afterwards.
async fn tampered(group: u16, bpp_command_id: i64, bpp_command: &'static str) {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let server = Server::start(&dir.0, &nist, &nist).await;
    let bad = "8949000000000000059";
    let good = "8949000000000000067";
    let ac_bad = server.order(bad, None).await;
    let ac_good = server.order(good, None).await;
    let mut lpa = lpa(euicc(&nist), &nist.join("ci.pem"));
    let free_before = lpa.chip_info().unwrap().free_nvm;

    let mut package = lpa
        .fetch_bound_profile_package(&ac_bad, None, None)
        .await
        .unwrap();
    assert_eq!(package.iccid, bad);
    assert_eq!(server.state(bad).await, "Downloaded");
    let at = member_byte(&package.bound_profile_package, group);
    package.bound_profile_package[at] ^= 0x01;
    let result = lpa.load_bound_profile_package(&package).await.unwrap();
    assert_eq!(
        result.installation,
        Installation::Failed {
            bpp_command_id,
            bpp_command,
            error_reason: 8,
            reason: "scp03tSecurityError",
        },
        "{result:?}"
    );
    assert_eq!(result.transaction_id, package.transaction_id.to_string());
    // The error result is a signed notification: delivered, accepted, removed.
    assert_eq!(result.notifications.len(), 1, "{:?}", result.notifications);
    assert!(result.notifications[0].delivered);
    assert_eq!(result.notifications[0].notification.operation, "install");
    assert!(lpa.list_notifications().unwrap().is_empty());
    assert_eq!(server.state(bad).await, "Error");

    // Nothing half-installed: no profile, no ISD-P, no memory taken.
    assert!(lpa.list_profiles().unwrap().is_empty());
    assert_eq!(lpa.chip_info().unwrap().free_nvm, free_before);
    {
        let card = lpa.channel_mut().card_mut().unwrap();
        assert!(card.isdr().state().profiles.is_empty());
    }
    // The failed order is not downloadable again.
    assert!(lpa.download(&ac_bad, None, None).await.is_err());

    // The eUICC still works: another order installs and enables.
    let ok = lpa.download(&ac_good, None, None).await.unwrap();
    assert!(ok.is_success(), "{ok:?}");
    assert_eq!(server.state(good).await, "Installed");
    let notified = lpa.enable(good).await.unwrap();
    assert!(notified.iter().all(|n| n.delivered), "{notified:?}");
    let profiles = lpa.list_profiles().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].iccid, good);
    assert_eq!(profiles[0].state, Some("enabled"));
    server.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_profile_element_segment() {
    tampered(0xA3, 5, "loadProfileElements").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_configure_isdp_segment() {
    tampered(0xA0, 1, "configureISDP").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tampered_store_metadata_segment() {
    tampered(0xA1, 2, "storeMetadata").await;
}

/// eUICC memory full at installation time (SGP.22 §5.7.6): an installed profile takes its
/// package bytes plus the card's ISD-P overhead, which the SM-DP+ cannot see. After a first
/// profile, the free memory in EUICCInfo2 still exceeds the next package, so the SM-DP+'s
/// eligibility check (§3.1.3.1) passes and binds it, but the eUICC has no room for the
/// installed profile: `installFailedDueToInsufficientMemoryForProfile` (ErrorReason 10) at
/// loadProfileElements, rolled back (no profile, free memory unchanged), the SM-DP+ told
/// (Profile `Error`). Deleting the first profile frees its memory; a third order installs.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_full_at_installation() {
    let dir = TempDir::new();
    let nist = write_pki(&dir.0, "nist", Curve::NistP256);
    let server = Server::start(&dir.0, &nist, &nist).await;
    let (first, second, third) = (
        "8949000000000000083",
        "8949000000000000091",
        "8949000000000000109",
    );
    let len = profile_package(first).len();
    assert_eq!(profile_package(second).len(), len);
    assert_eq!(profile_package(third).len(), len);
    let overhead = rsp_euicc::EuiccConfig::default().isdp_overhead_bytes;
    assert!(overhead > 0);
    // Room for one installed profile, then one byte short of a second one: enough for the
    // package (the SM-DP+'s check) and for the ISD-P (ConfigureISDP), not for both.
    let max = (len + overhead) + (len + overhead - 1);
    let config = rsp_euicc::EuiccConfig {
        max_profile_bytes: max,
        ..rsp_euicc::EuiccConfig::default()
    };
    let mut lpa = lpa(euicc_with(&nist, config), &nist.join("ci.pem"));
    let free = |lpa: &mut rsp_lpa::Lpa<_>| -> u64 { lpa.chip_info().unwrap().free_nvm.unwrap() };
    assert_eq!(free(&mut lpa), max as u64);

    let ac = server.order(first, None).await;
    let r = lpa.download(&ac, None, None).await.unwrap();
    assert!(r.is_success(), "{r:?}");
    let after_first = (len + overhead - 1) as u64;
    assert_eq!(
        free(&mut lpa),
        after_first,
        "package + ISD-P overhead taken"
    );

    let ac = server.order(second, None).await;
    let r = lpa.download(&ac, None, None).await.unwrap();
    assert_eq!(
        r.installation,
        Installation::Failed {
            bpp_command_id: 5,
            bpp_command: "loadProfileElements",
            error_reason: 10,
            reason: "installFailedDueToInsufficientMemoryForProfile",
        },
        "{r:?}"
    );
    assert!(
        r.notifications.len() == 1 && r.notifications[0].delivered,
        "{:?}",
        r.notifications
    );
    assert_eq!(server.state(second).await, "Error");
    // Rolled back: only the first profile, memory as before.
    let profiles = lpa.list_profiles().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].iccid, first);
    assert_eq!(free(&mut lpa), after_first);
    assert_eq!(
        lpa.channel_mut()
            .card_mut()
            .unwrap()
            .isdr()
            .state()
            .profiles
            .len(),
        1
    );

    // Deleting the first profile frees its memory; the eUICC takes a new profile.
    let notified = lpa.delete(first).await.unwrap();
    assert!(notified.iter().all(|n| n.delivered), "{notified:?}");
    assert_eq!(free(&mut lpa), max as u64);
    let ac = server.order(third, None).await;
    let r = lpa.download(&ac, None, None).await.unwrap();
    assert!(r.is_success(), "{r:?}");
    assert_eq!(server.state(third).await, "Installed");
    lpa.enable(third).await.unwrap();
    let profiles = lpa.list_profiles().unwrap();
    assert_eq!(profiles.len(), 1);
    assert_eq!(profiles[0].state, Some("enabled"));
    server.stop().await;
}
