//! ES8 ISD-P key establishment between the SM-DP's domain and the virtual M2M eUICC, on
//! both curves: scripts run on the card as the SM-SR delivers them (expanded remote APDU
//! scripts to the ISD-P, or to the ISD-R after INSTALL [for personalization]).

mod common;

use common::*;
use rsp_codec::sgp02::consts::{LC_PERSONALIZED, LC_SELECTABLE};
use rsp_codec::sgp02::{Aid, StatusWord};
use rsp_crypto::Curve;
use rsp_keyest::establish::{KeyEstablishment, via_isd_r};
use rsp_keyest::{Credential, KeyEstError, certificate};
use rsp_pki::{Role, TestPki, TestPkiOptions};

#[test]
fn keys_are_established_on_both_curves_and_both_routes() {
    for curve in Curve::ALL {
        for through_isd_r in [false, true] {
            let mut lab = lab(curve);
            assert_eq!(
                lab.card.state().isdp(&isdp()).expect("isdp").life_cycle,
                LC_SELECTABLE
            );
            let keys = establish(&mut lab, through_isd_r).expect("key establishment");
            let p = lab.card.state().isdp(&isdp()).expect("isdp");
            assert_eq!(p.life_cycle, LC_PERSONALIZED, "{curve:?}");
            let held = p.scp03.as_ref().expect("keyset on the card");
            assert_eq!(held.version, 0x30);
            assert_eq!(held.enc.expose(), keys.enc());
            assert_eq!(held.mac.expose(), keys.mac());
            assert_eq!(held.dek.expose(), keys.dek());
            // A second establishment (before a Profile) gives new keys.
            let again = establish(&mut lab, through_isd_r).expect("again");
            assert_ne!(again.enc(), keys.enc());
        }
    }
}

#[test]
fn a_certificate_of_another_ci_is_refused() {
    let mut lab = lab(Curve::NistP256);
    let ke = KeyEstablishment::new(lab.ecasd_key.clone(), 0x30, b"X").expect("ke");
    let first = ke.certificate_script(&lab.foreign).expect("script");
    let r = run(&mut lab.card, Some(&isdp()), first);
    assert_eq!(sw(&r), StatusWord::SECURITY_STATUS);
    assert!(matches!(
        ke.on_challenge(&r, &lab.foreign),
        Err(KeyEstError::Refused(StatusWord::SECURITY_STATUS))
    ));
}

#[test]
fn key_agreement_without_certificate_or_with_a_bad_signature_is_refused() {
    let mut lab = lab(Curve::BrainpoolP256r1);
    let aid = isdp();
    // Certificate, challenge, then the key agreement signed by the wrong key (another
    // SM-DP's credential over the same challenge).
    let ke = KeyEstablishment::new(lab.ecasd_key.clone(), 0x30, b"X").expect("ke");
    let r = run(
        &mut lab.card,
        Some(&aid),
        ke.certificate_script(&lab.credential).expect("s"),
    );
    let other = TestPki::generate(Curve::BrainpoolP256r1, &TestPkiOptions::default()).expect("pki");
    let wrong_key = own(&other.get(Role::DpAuth).expect("dp").key);
    let impostor = Credential::new(
        certificate::issue(
            &other.get(Role::DpAuth).expect("dp").cert,
            &other.get(Role::Ci).expect("ci").key,
        )
        .expect("cert"),
        wrong_key,
    )
    .expect("impostor");
    let (second, _) = ke.clone().on_challenge(&r, &impostor).expect("second");
    let r2 = run(&mut lab.card, Some(&aid), second.clone());
    assert_eq!(sw(&r2), StatusWord::SECURITY_STATUS);
    // The challenge was spent: replaying the key agreement finds no certificate.
    let r3 = run(&mut lab.card, Some(&aid), second);
    assert_eq!(sw(&r3), StatusWord::CONDITIONS_NOT_SATISFIED);
    assert_eq!(
        lab.card.state().isdp(&aid).expect("isdp").life_cycle,
        LC_SELECTABLE
    );
    assert!(lab.card.state().isdp(&aid).expect("isdp").scp03.is_none());
}

#[test]
fn a_tampered_receipt_is_refused() {
    let mut lab = lab(Curve::NistP256);
    let aid = isdp();
    let ke = KeyEstablishment::new(lab.ecasd_key.clone(), 0x30, b"X").expect("ke");
    let r = run(
        &mut lab.card,
        Some(&aid),
        ke.certificate_script(&lab.credential).expect("s"),
    );
    let (second, waiting) = ke.on_challenge(&r, &lab.credential).expect("second");
    let mut r = run(&mut lab.card, Some(&aid), second);
    let last = r.last_mut().expect("r");
    let n = last.len();
    last[n - 3] ^= 0x01; // last receipt byte, before SW1 SW2
    assert!(matches!(waiting.on_receipt(&r), Err(KeyEstError::Receipt)));
}

#[test]
fn the_isd_r_forwards_only_after_install_for_personalization() {
    let mut lab = lab(Curve::NistP256);
    let ke = KeyEstablishment::new(lab.ecasd_key.clone(), 0x30, b"X").expect("ke");
    // STORE DATA to the ISD-R without INSTALL [for personalization]: the ISD-R's own key
    // establishment (SM-SR change), which takes CERT.SR.ECDSA only.
    let r = run(
        &mut lab.card,
        None,
        ke.certificate_script(&lab.credential).expect("s"),
    );
    assert_eq!(sw(&r), StatusWord::INCORRECT_DATA);
    // INSTALL [for personalization] of an ISD-P that does not exist.
    let r = run(
        &mut lab.card,
        None,
        via_isd_r(&Aid::isd_p(9).expect("aid"), Vec::new()).expect("wrap"),
    );
    assert_eq!(sw(&r), StatusWord::NOT_FOUND);
}
