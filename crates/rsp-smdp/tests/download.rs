//! ES8 Profile download (SGP.02 §3.1.3) between the SM-DP's domain and the virtual M2M
//! eUICC, on both curves: key establishment, then the project's generic USIM/ISIM
//! Profile Package (rsp-saip's template) in SCP03t segments; the ISD-P ends DISABLED with
//! the package's ICCID. Failures leave the ISD-P without a Profile: a tampered segment
//! (the MAC check ends the session), a package larger than the ISD-P's memory, a package
//! that is not one.

// The ES8 lab of rsp-keyest's tests (the key establishment lives there).
#[path = "../../rsp-keyest/tests/common/mod.rs"]
mod common;

use common::*;
use rsp_codec::sgp02::StatusWord;
use rsp_codec::sgp02::consts::{LC_DISABLED, LC_PERSONALIZED};
use rsp_crypto::Curve;
use rsp_saip::template;
use rsp_smdp::SmdpError;
use rsp_smdp::download::{Download, Installation, SEGMENT_PLAINTEXT};
use rsp_smdp::es8::via_isd_r;

fn package() -> Vec<u8> {
    template::generic().encode().expect("template")
}

/// Key establishment, INITIALIZE UPDATE; returns the authenticated download script.
fn open(
    lab: &mut Lab,
    through_isd_r: bool,
    package: &[u8],
) -> (Vec<Vec<u8>>, rsp_smdp::download::AwaitingResult) {
    let keys = establish(lab, through_isd_r).expect("key establishment");
    let (download, first) = Download::new(&keys, 0x30).expect("download");
    let r = deliver(lab, through_isd_r, first);
    download
        .on_initialize_update(&r, package)
        .expect("card cryptogram")
}

fn deliver(lab: &mut Lab, through_isd_r: bool, apdus: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let aid = isdp();
    if through_isd_r {
        run(&mut lab.card, None, via_isd_r(&aid, apdus).expect("wrap"))
    } else {
        run(&mut lab.card, Some(&aid), apdus)
    }
}

#[test]
fn the_profile_is_installed_on_both_curves_and_both_routes() {
    let pkg = package();
    assert!(pkg.len() > 4 * SEGMENT_PLAINTEXT, "several segments");
    for curve in Curve::ALL {
        for through_isd_r in [false, true] {
            let mut lab = lab(curve);
            let (script, waiting) = open(&mut lab, through_isd_r, &pkg);
            assert_eq!(script.len(), 1 + pkg.len().div_ceil(SEGMENT_PLAINTEXT));
            assert!(script.iter().all(|a| a.len() <= 5 + 255), "short APDUs");
            // Sent in two SendData, as an SM-DP splitting a long download would.
            let (a, b) = script.split_at(3);
            let r = deliver(&mut lab, through_isd_r, a.to_vec());
            rsp_smdp::es8::script_answer(&r).expect("first part accepted");
            let r = deliver(&mut lab, through_isd_r, b.to_vec());
            assert_eq!(
                waiting.on_result(&r).expect("result"),
                Installation::Installed,
                "{curve:?} via ISD-R {through_isd_r}"
            );
            let p = lab.card.state().isdp(&isdp()).expect("isdp");
            assert_eq!(p.life_cycle, LC_DISABLED);
            assert_eq!(p.iccid.as_deref(), Some(template::values::ICCID));
            assert_eq!(p.profile_size as usize, pkg.len());
            // One INITIALIZE UPDATE: the pseudo-random card challenge's counter moved once.
            assert_eq!(p.scp03.as_ref().expect("keyset").sequence_counter, 1);
            // The keyset is for this Profile's download only: no new session now.
            let keys = establish(&mut lab, through_isd_r).map_err(SmdpError::from);
            assert!(matches!(
                keys,
                Err(SmdpError::Refused(StatusWord::CONDITIONS_NOT_SATISFIED))
            ));
        }
    }
}

#[test]
fn a_tampered_segment_ends_the_session_and_installs_nothing() {
    let pkg = package();
    let mut lab = lab(Curve::NistP256);
    let (mut script, _waiting) = open(&mut lab, false, &pkg);
    // One ciphertext byte of the second segment (after 80 E2 P1 P2 Lc 86 81 L).
    script[2][9] ^= 0x40;
    let r = deliver(&mut lab, false, script.clone());
    let last = rsp_codec::sgp02::StatusWord::split_response(r.last().expect("r"))
        .expect("sw")
        .1;
    assert_eq!(last, StatusWord::SECURITY_STATUS);
    assert_eq!(r.len(), 3, "the script stops at the refused command");
    let p = lab.card.state().isdp(&isdp()).expect("isdp");
    assert_eq!(p.life_cycle, LC_PERSONALIZED);
    assert!(p.iccid.is_none());
    // The session is gone: the remaining (genuine) segments are refused as well.
    let r = deliver(&mut lab, false, script[3..].to_vec());
    let sw = StatusWord::split_response(&r[0]).expect("sw").1;
    assert_eq!(sw, StatusWord::CONDITIONS_NOT_SATISFIED);
}

#[test]
fn a_package_larger_than_the_isdp_memory_is_aborted() {
    let pkg = package();
    let quota = u16::try_from(pkg.len() / 2).expect("quota");
    let mut lab = lab_with(Curve::BrainpoolP256r1, quota);
    let (script, waiting) = open(&mut lab, false, &pkg);
    let r = deliver(&mut lab, false, script);
    // PEStatus not-enough-memory (TCA SAIP §8.11).
    assert_eq!(
        waiting.on_result(&r).expect("result"),
        Installation::Aborted { status: 4 }
    );
    let p = lab.card.state().isdp(&isdp()).expect("isdp");
    assert_eq!(p.life_cycle, LC_PERSONALIZED);
    assert!(p.iccid.is_none());
}

#[test]
fn bytes_that_are_no_profile_package_are_aborted() {
    let mut lab = lab(Curve::NistP256);
    let (script, waiting) = open(&mut lab, false, &[0x30, 0x03, 0x02, 0x01, 0x00]);
    let r = deliver(&mut lab, false, script);
    assert_eq!(
        waiting.on_result(&r).expect("result"),
        Installation::Aborted { status: 5 }
    );
}

#[test]
fn a_forged_result_does_not_verify() {
    let pkg = package();
    let mut lab = lab(Curve::NistP256);
    let (script, waiting) = open(&mut lab, false, &pkg);
    let mut r = deliver(&mut lab, false, script);
    let last = r.last_mut().expect("r");
    let n = last.len();
    last[n - 3] ^= 0x01; // the R-MAC's last byte
    assert!(matches!(waiting.on_result(&r), Err(SmdpError::Scp03t(_))));
}

/// The GSMA TS.48 test profiles (independent packages, when RSP_REFERENCE_DIR is set)
/// install through the same path; the ISD-P reports each header's ICCID.
#[test]
fn ts48_test_profiles_install() {
    let Some(dir) = std::env::var_os("RSP_REFERENCE_DIR") else {
        eprintln!("RSP_REFERENCE_DIR not set: skipped");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(std::path::Path::new(&dir).join("ts48"))
        .expect("ts48 folder")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "der"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    for file in files {
        let pkg = std::fs::read(&file).expect("read");
        let expected = rsp_saip::install::check(&pkg)
            .expect("installable")
            .iccid()
            .expect("iccid");
        let mut lab = lab_with(Curve::NistP256, 0);
        let (script, waiting) = open(&mut lab, false, &pkg);
        let r = deliver(&mut lab, false, script);
        assert_eq!(
            waiting.on_result(&r).expect("result"),
            Installation::Installed,
            "{}",
            file.display()
        );
        let p = lab.card.state().isdp(&isdp()).expect("isdp");
        assert_eq!(p.iccid.as_deref(), Some(expected.as_str()));
    }
}
