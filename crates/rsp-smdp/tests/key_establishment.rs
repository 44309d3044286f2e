//! ES8 ISD-P key establishment between the SM-DP's domain and the virtual M2M eUICC, on
//! both curves: scripts run on the card as the SM-SR delivers them (expanded remote APDU
//! scripts to the ISD-P, or to the ISD-R after INSTALL [for personalization]).

use rsp_codec::sgp02::consts::{LC_PERSONALIZED, LC_SELECTABLE};
use rsp_codec::sgp02::{Aid, CreateIsdp, StatusWord};
use rsp_crypto::Curve;
use rsp_m2m_euicc::scp81::ScriptOutcome;
use rsp_m2m_euicc::{Ecasd, EuiccState, M2mEuicc, Scp80Keyset};
use rsp_ota::{
    CipherAlgorithm, CommandScript, IntegrityAlgorithm, Kic, Kid, RemoteFormat, ResponseScript,
};
use rsp_pki::{Role, TestPki, TestPkiOptions};
use rsp_smdp::es8::{KeyEstablishment, via_isd_r};
use rsp_smdp::{SmdpCredential, SmdpError, certificate};

struct Lab {
    card: M2mEuicc,
    credential: SmdpCredential,
    ecasd_key: rsp_crypto::PublicKey,
    /// Another CI's credential, same SM-DP key.
    foreign: SmdpCredential,
}

fn lab(curve: Curve) -> Lab {
    let pki = TestPki::generate(curve, &TestPkiOptions::default()).expect("pki");
    let other = TestPki::generate(curve, &TestPkiOptions::default()).expect("pki");
    let euicc = pki.get(Role::Euicc).expect("euicc");
    let ci = pki.get(Role::Ci).expect("ci");
    let dp = pki.get(Role::DpAuth).expect("dp");
    let ecasd = Ecasd::new(&euicc.cert, &euicc.key)
        .and_then(|e| e.with_ci(&ci.cert))
        .expect("ecasd");
    let keyset = Scp80Keyset::new(
        1,
        Kic::new(CipherAlgorithm::AesCbc, 1),
        &[0x11; 16],
        Kid::new(IntegrityAlgorithm::AesCmac, 1),
        &[0x22; 16],
    )
    .expect("keyset");
    let mut card = M2mEuicc::new(EuiccState::new(ecasd, vec![keyset]).expect("state"));
    let cert = certificate::issue(&dp.cert, &ci.key).expect("CERT.DP.ECDSA");
    let credential = SmdpCredential::new(cert, own(&dp.key)).expect("credential");
    let foreign_cert = certificate::issue(&dp.cert, &other.get(Role::Ci).expect("ci").key)
        .expect("foreign CERT.DP.ECDSA");
    let foreign = SmdpCredential::new(foreign_cert, own(&dp.key)).expect("foreign");
    let create = CreateIsdp::new(isdp(), Some(4096), None)
        .to_apdu()
        .expect("apdu");
    let r = run(&mut card, None, vec![create]);
    assert_eq!(sw(&r), StatusWord::OK);
    Lab {
        card,
        credential,
        ecasd_key: euicc.cert.public_key().clone(),
        foreign,
    }
}

fn own(key: &rsp_crypto::SoftwareKey) -> std::sync::Arc<dyn rsp_crypto::Signer> {
    std::sync::Arc::new(
        rsp_crypto::SoftwareKey::from_pkcs8_der(&key.to_pkcs8_der()).expect("key copy"),
    )
}

fn isdp() -> Aid {
    Aid::isd_p(3).expect("aid")
}

/// Runs `apdus` as an expanded script on `target` (the ISD-R when `None`).
fn run(card: &mut M2mEuicc, target: Option<&Aid>, apdus: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
    let script = CommandScript {
        format: RemoteFormat::Expanded,
        apdus,
    }
    .encode()
    .expect("script");
    match card
        .execute_admin_script(target.map(|a| a.as_bytes()), &script)
        .expect("run")
    {
        ScriptOutcome::Executed(r) => {
            ResponseScript::decode(&r, RemoteFormat::Expanded)
                .expect("response script")
                .responses
        }
        other => panic!("{other:?}"),
    }
}

fn sw(rapdus: &[Vec<u8>]) -> StatusWord {
    let last = rapdus.last().expect("an R-APDU");
    StatusWord::split_response(last).expect("sw").1
}

fn establish(
    lab: &mut Lab,
    through_isd_r: bool,
) -> Result<rsp_crypto::isdp_keys::IsdpKeys, SmdpError> {
    let aid = isdp();
    let target = (!through_isd_r).then_some(&aid);
    let wrap = |apdus: Vec<Vec<u8>>| {
        if through_isd_r {
            via_isd_r(&aid, apdus).expect("wrap")
        } else {
            apdus
        }
    };
    let ke = KeyEstablishment::new(lab.ecasd_key.clone(), 0x30, b"SMDP-LAB").expect("ke");
    let first = ke.certificate_script(&lab.credential)?;
    let r = run(&mut lab.card, target, wrap(first));
    let (second, waiting) = ke.on_challenge(&r, &lab.credential)?;
    let r = run(&mut lab.card, target, wrap(second));
    waiting.on_receipt(&r)
}

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
        Err(SmdpError::Refused(StatusWord::SECURITY_STATUS))
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
    let impostor = SmdpCredential::new(
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
    assert!(matches!(waiting.on_receipt(&r), Err(SmdpError::Receipt)));
}

#[test]
fn the_isd_r_forwards_only_after_install_for_personalization() {
    let mut lab = lab(Curve::NistP256);
    let ke = KeyEstablishment::new(lab.ecasd_key.clone(), 0x30, b"X").expect("ke");
    // STORE DATA to the ISD-R without INSTALL [for personalization]: not an ISD-R command.
    let r = run(
        &mut lab.card,
        None,
        ke.certificate_script(&lab.credential).expect("s"),
    );
    assert_ne!(sw(&r), StatusWord::OK);
    // INSTALL [for personalization] of an ISD-P that does not exist.
    let r = run(
        &mut lab.card,
        None,
        via_isd_r(&Aid::isd_p(9).expect("aid"), Vec::new()).expect("wrap"),
    );
    assert_eq!(sw(&r), StatusWord::NOT_FOUND);
}
