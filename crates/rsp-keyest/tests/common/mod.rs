//! The lab of the ES8 tests: a virtual M2M eUICC with one ISD-P created, the SM-DP's
//! credential (and one from another CI), and helpers that run scripts as the SM-SR
//! delivers them (expanded remote APDU scripts to the ISD-P, or to the ISD-R after
//! INSTALL [for personalization]).
#![allow(dead_code)]

use rsp_codec::sgp02::{Aid, CreateIsdp, StatusWord};
use rsp_crypto::Curve;
use rsp_keyest::establish::{KeyEstablishment, via_isd_r};
use rsp_keyest::{Credential, KeyEstError, certificate};
use rsp_m2m_euicc::scp81::ScriptOutcome;
use rsp_m2m_euicc::{Ecasd, EuiccState, M2mEuicc, Scp80Keyset};
use rsp_ota::{
    CipherAlgorithm, CommandScript, IntegrityAlgorithm, Kic, Kid, RemoteFormat, ResponseScript,
};
use rsp_pki::{Role, TestPki, TestPkiOptions};

pub struct Lab {
    pub card: M2mEuicc,
    pub credential: Credential,
    pub ecasd_key: rsp_crypto::PublicKey,
    /// Another CI's credential, same SM-DP key.
    pub foreign: Credential,
    /// The new SM-SR of an SM-SR change: CERT.SR.ECDSA from the same CI (the test PKI has
    /// no SM-SR role; the SM-DS authentication certificate stands in for its X.509).
    pub smsr: Credential,
    /// CERT.SR.ECDSA for the same key from another CI.
    pub foreign_smsr: Credential,
}

pub fn lab(curve: Curve) -> Lab {
    lab_with(curve, 4096)
}

/// The lab with the ISD-P created with `nvm_quota` octets reserved.
pub fn lab_with(curve: Curve, nvm_quota: u16) -> Lab {
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
    let credential = Credential::new(cert, own(&dp.key)).expect("credential");
    let foreign_cert = certificate::issue(&dp.cert, &other.get(Role::Ci).expect("ci").key)
        .expect("foreign CERT.DP.ECDSA");
    let foreign = Credential::new(foreign_cert, own(&dp.key)).expect("foreign");
    let sr = pki.get(Role::DsAuth).expect("sr");
    let smsr = Credential::new(
        certificate::issue_smsr(&sr.cert, &ci.key).expect("CERT.SR.ECDSA"),
        own(&sr.key),
    )
    .expect("smsr");
    let foreign_smsr = Credential::new(
        certificate::issue_smsr(&sr.cert, &other.get(Role::Ci).expect("ci").key)
            .expect("foreign CERT.SR.ECDSA"),
        own(&sr.key),
    )
    .expect("foreign smsr");
    let create = CreateIsdp::new(isdp(), Some(nvm_quota), None)
        .to_apdu()
        .expect("apdu");
    let r = run(&mut card, None, vec![create]);
    assert_eq!(sw(&r), StatusWord::OK);
    Lab {
        card,
        credential,
        ecasd_key: euicc.cert.public_key().clone(),
        foreign,
        smsr,
        foreign_smsr,
    }
}

pub fn own(key: &rsp_crypto::SoftwareKey) -> std::sync::Arc<dyn rsp_crypto::Signer> {
    std::sync::Arc::new(
        rsp_crypto::SoftwareKey::from_pkcs8_der(&key.to_pkcs8_der()).expect("key copy"),
    )
}

pub fn isdp() -> Aid {
    Aid::isd_p(3).expect("aid")
}

/// Runs `apdus` as an expanded script on `target` (the ISD-R when `None`).
pub fn run(card: &mut M2mEuicc, target: Option<&Aid>, apdus: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
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

pub fn sw(rapdus: &[Vec<u8>]) -> StatusWord {
    let last = rapdus.last().expect("an R-APDU");
    StatusWord::split_response(last).expect("sw").1
}

pub fn establish(
    lab: &mut Lab,
    through_isd_r: bool,
) -> Result<rsp_crypto::isdp_keys::IsdpKeys, KeyEstError> {
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
