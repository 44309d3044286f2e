//! The ECASD from an `rsp pki init` directory, the SCP81 PSK, the state file's mode,
//! and a long PoR split for SMS-SUBMIT.

mod common;

use common::{SmSr, TempDir, keysets};
use rsp_codec::sgp02::consts::ECASD_TAR;
use rsp_codec::sgp02::{EuiccCertificateResponse, GetData};
use rsp_crypto::Curve;
use rsp_m2m_euicc::{Ecasd, EuiccState, M2mEuicc};
use rsp_pki::{Role, TestPki, TestPkiOptions};

#[test]
fn ecasd_from_a_pki_directory_and_state_file() {
    let dir = TempDir::new("pki");
    let opts = TestPkiOptions {
        eid: "89049032000000000000000000000163".into(),
        ..TestPkiOptions::default()
    };
    let pki = TestPki::generate(Curve::BrainpoolP256r1, &opts).expect("pki");
    pki.write_to(&dir.0, false).expect("write");
    let ecasd = Ecasd::from_pki_dir(&dir.0).expect("ecasd");
    assert_eq!(hex::encode_upper(ecasd.eid().expect("eid")), opts.eid);
    assert_eq!(
        ecasd.certificate_der(),
        pki.get(Role::Euicc).expect("euicc").cert.der()
    );
    assert!(ecasd.private_key().is_ok());
    // A key of another role does not match the eUICC certificate.
    let other = pki.get(Role::Eum).expect("eum");
    assert!(Ecasd::new(&pki.get(Role::Euicc).expect("e").cert, &other.key).is_err());

    let path = dir.0.join("euicc.json");
    let mut euicc =
        M2mEuicc::create(&path, EuiccState::new(ecasd, keysets()).expect("state")).expect("c");
    euicc
        .set_scp81_psk("euicc-psk-1", &[0x5A; 16])
        .expect("psk");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&path).expect("meta").permissions().mode();
        assert_eq!(mode & 0o077, 0, "state file readable by others: {mode:o}");
    }
    let reloaded = M2mEuicc::load(&path).expect("load");
    let psk = reloaded.state().scp81_psk.clone().expect("psk");
    assert_eq!(psk.identity, "euicc-psk-1");
    assert_eq!(psk.key.expose(), &[0x5A; 16]);
    assert!(!format!("{reloaded:?}").contains("5A5A"));
    assert!(!dir.0.join("euicc.json.tmp").exists());
}

#[test]
fn certificate_por_is_split_for_sms_submit() {
    let mut euicc = M2mEuicc::new(common::state());
    let mut smsr = SmSr::tdes();
    let (received, script) = smsr.send(
        &mut euicc,
        ECASD_TAR,
        &[GetData::EuiccCertificate.to_apdu()],
    );
    let r = &script.responses[0];
    let cert = EuiccCertificateResponse::parse(&r[..r.len() - 2]).expect("cert");
    assert_eq!(cert.certificate, euicc.state().ecasd.certificate_der());
    let por = received.por.expect("PoR");
    let uds = por.submit_user_data(7).expect("segments");
    assert!(uds.len() > 1);
    assert!(uds.iter().all(|u| u.len() <= 140));
    assert_eq!(
        &uds[0][..8],
        &[7, 0x00, 3, 7, uds.len() as u8, 1, 0x71, 0x00]
    );
    let joined: Vec<u8> = uds
        .iter()
        .enumerate()
        .flat_map(|(i, u)| u[if i == 0 { 8 } else { 6 }..].to_vec())
        .collect();
    assert_eq!(joined, por.packet);
}
