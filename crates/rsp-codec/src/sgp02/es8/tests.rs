//! Tests of the ES8 codec.
#![allow(clippy::unwrap_used)]

use super::*;
use crate::sgp02::tlv;

fn cert() -> GpCertificate {
    GpCertificate {
        serial: vec![0x01, 0x02],
        ca_id: vec![0xCA; 20],
        subject_id: vec![0x5B; 20],
        key_usage: c::CERT_KEY_USAGE_KEY_AGREEMENT.to_vec(),
        effective_date: Some([0x20, 0x26, 0x01, 0x01]),
        expiration_date: [0x20, 0x36, 0x12, 0x31],
        discretionary: vec![c::TAG_CERT_TYPE as u8, 0x01, c::CERT_TYPE_SMDP],
        public_key: EcPublicKey {
            q: [&[0x04][..], &[0x11; 64]].concat(),
            parameter_reference: c::KEY_PARAMETER_P256,
        },
        signature: vec![0x33; 64],
    }
}

fn crt() -> KeyAgreementCrt {
    KeyAgreementCrt {
        scenario_parameters: c::SCENARIO_PARAM_DR | c::SCENARIO_PARAM_CERTIFICATE,
        key_usage: c::KEY_USAGE_SCP03_KEYSET,
        key_type: c::KEY_TYPE_AES,
        key_length: c::KEY_LENGTH_AES128,
        key_id: 0x01,
        key_version: 0x30,
        initial_counter: None,
        host_id: Some(b"SMDP".to_vec()),
    }
}

#[test]
fn isd_r_crt_with_initial_counter() {
    let crt = KeyAgreementCrt {
        scenario_parameters: c::SCENARIO_PARAM_DR
            | c::SCENARIO_PARAM_CERTIFICATE
            | c::SCENARIO_PARAM_HOST_ID,
        key_usage: c::KEY_USAGE_SCP80_KEYSET,
        key_type: c::KEY_TYPE_AES,
        key_length: c::KEY_LENGTH_AES128,
        key_id: 0x01,
        key_version: 0x02,
        initial_counter: Some(vec![0, 0, 0, 0, 1]),
        host_id: Some(b"SMSR".to_vec()),
    };
    let tlv = crt.to_tlv().unwrap();
    // … 82 01 01 83 01 02 91 05 0000000001 84 04 "SMSR"
    let tail = [
        &[
            0x82, 0x01, 0x01, 0x83, 0x01, 0x02, 0x91, 0x05, 0, 0, 0, 0, 1, 0x84, 0x04,
        ][..],
        b"SMSR",
    ]
    .concat();
    assert!(tlv.ends_with(&tail));
    let ka = KeySetKeyAgreement {
        crt: crt.clone(),
        ephemeral_key: EcPublicKey {
            q: [&[0x04][..], &[0x22; 64]].concat(),
            parameter_reference: c::KEY_PARAMETER_P256,
        },
        signature: vec![0x44; 64],
    };
    match Es8Command::parse(&ka.to_apdu().unwrap()).unwrap() {
        Es8Command::KeySetKeyAgreement(k) => assert_eq!(k.crt, crt),
        other => panic!("{other:?}"),
    }
    let built = KeyAgreementCrt::isd_r(
        0x02,
        1,
        c::SCENARIO_PARAM_DR | c::SCENARIO_PARAM_CERTIFICATE | c::SCENARIO_PARAM_HOST_ID,
        Some(b"SMSR".to_vec()),
    )
    .unwrap();
    assert_eq!(built, crt);
    assert!(KeyAgreementCrt::isd_r(0, 1, 0, None).is_err());
    assert!(KeyAgreementCrt::isd_r(16, 1, 0, None).is_err());
    assert!(KeyAgreementCrt::isd_r(1, 1 << 40, 0, None).is_err());
    assert!(KeyAgreementCrt::isd_r(1, 1, c::SCENARIO_PARAM_HOST_ID, None).is_err());
    let epk = ka.ephemeral_key.clone();
    assert_eq!(EcPublicKey::parse(&epk.to_tlv().unwrap()).unwrap(), epk);
    assert!(EcPublicKey::parse(&[0x7F, 0x49, 0x00]).is_err());
    let mut smsr = cert();
    smsr.discretionary = vec![c::TAG_CERT_TYPE as u8, 0x01, c::CERT_TYPE_SMSR];
    assert_eq!(smsr.certificate_type(), Some(c::CERT_TYPE_SMSR));
}

#[test]
fn install_for_personalization_layout_and_round_trip() {
    let aid = Aid::isd_p(0).unwrap();
    let apdu = InstallForPersonalization { aid: aid.clone() }
        .to_apdu()
        .unwrap();
    let mut want = vec![0x80, 0xE6, 0x20, 0x00, 0x16, 0x00, 0x00, 0x10];
    want.extend_from_slice(aid.as_bytes());
    want.extend_from_slice(&[0, 0, 0]);
    assert_eq!(apdu, want);
    assert!(InstallForPersonalization::matches(&apdu));
    assert_eq!(InstallForPersonalization::parse(&apdu).unwrap().aid, aid);
    let mut bad = apdu.clone();
    *bad.last_mut().unwrap() = 1;
    assert!(InstallForPersonalization::parse(&bad).is_err());
}

#[test]
fn certificate_round_trip_and_signed_part() {
    let cert = cert();
    let tlv = cert.to_tlv().unwrap();
    assert_eq!(&tlv[..2], &[0x7F, 0x21]);
    assert_eq!(GpCertificate::parse(&tlv).unwrap(), cert);
    assert_eq!(cert.certificate_type(), Some(c::CERT_TYPE_SMDP));
    let signed = cert.signed_data().unwrap();
    assert_eq!(&signed[..4], &[0x93, 0x02, 0x01, 0x02]);
    assert!(tlv.windows(signed.len()).any(|w| w == signed.as_slice()));
    // The first command carries it in DGI 3A01 (length FF xxxx past 254 octets).
    let apdu = KeySetCertificate(cert.clone()).to_apdu().unwrap();
    assert_eq!(&apdu[..4], &[0x80, 0xE2, 0x09, 0x00]);
    assert_eq!(&apdu[5..7], &[0x3A, 0x01]);
    match Es8Command::parse(&apdu).unwrap() {
        Es8Command::KeySetCertificate(k) => assert_eq!(k.0, cert),
        other => panic!("{other:?}"),
    }
}

#[test]
fn certificate_with_a_field_out_of_order_is_refused() {
    let cert = cert();
    let mut body = tlv::tlv(c::TAG_CERT_CA_ID, &cert.ca_id).unwrap();
    body.extend_from_slice(&tlv::tlv(c::TAG_CERT_SERIAL, &cert.serial).unwrap());
    let signed = cert.signed_data().unwrap();
    let skip = 4 + 2 + cert.ca_id.len();
    body.extend_from_slice(&signed[skip..]);
    tlv::push_tlv(&mut body, c::TAG_SIGNATURE, &cert.signature).unwrap();
    let tlv = tlv::tlv(c::TAG_GP_CERTIFICATE, &body).unwrap();
    assert!(GpCertificate::parse(&tlv).is_err());
}

#[test]
fn key_agreement_round_trip_and_signed_data() {
    let ka = KeySetKeyAgreement {
        crt: crt(),
        ephemeral_key: EcPublicKey {
            q: [&[0x04][..], &[0x22; 64]].concat(),
            parameter_reference: c::KEY_PARAMETER_BRAINPOOL_P256R1,
        },
        signature: vec![0x44; 64],
    };
    let apdu = ka.to_apdu().unwrap();
    assert_eq!(&apdu[..4], &[0x80, 0xE2, 0x89, 0x01]);
    let crt_tlv = crt().to_tlv().unwrap();
    assert_eq!(
        &crt_tlv[..8],
        &[0xA6, 0x19, 0x90, 0x02, 0x03, 0x0A, 0x95, 0x01]
    );
    match Es8Command::parse(&apdu).unwrap() {
        Es8Command::KeySetKeyAgreement(k) => assert_eq!(k, ka),
        other => panic!("{other:?}"),
    }
    let signed = KeySetKeyAgreement::signed_data(&ka.crt, &ka.ephemeral_key, &[0x55; 16]).unwrap();
    assert_eq!(&signed[..3], &[0x3A, 0x02, crt_tlv.len() as u8]);
    assert_eq!(&signed[signed.len() - 18..signed.len() - 16], &[0x85, 0x10]);
}

#[test]
fn responses_round_trip() {
    let rc = RandomChallenge(vec![1; 16]);
    assert_eq!(RandomChallenge::parse(&rc.encode().unwrap()).unwrap(), rc);
    let r = KeySetReceipt {
        derivation_random: Some(vec![2; 16]),
        receipt: vec![3; 16],
    };
    let enc = r.encode().unwrap();
    assert_eq!(&enc[..2], &[0x85, 0x10]);
    assert_eq!(KeySetReceipt::parse(&enc).unwrap(), r);
    assert!(KeySetReceipt::parse(&enc[..18]).is_err());
}

#[test]
fn scp03t_store_data() {
    let cmd = Scp03tCommand::single(vec![0x86, 0x03, 1, 2, 3]);
    let apdu = cmd.to_apdu().unwrap();
    assert_eq!(apdu, [0x80, 0xE2, 0x90, 0x00, 0x05, 0x86, 0x03, 1, 2, 3]);
    assert_eq!(Es8Command::parse(&apdu).unwrap(), Es8Command::Scp03t(cmd));
    let more = Scp03tCommand {
        tlv: vec![0x86, 0x01, 9],
        last: false,
        block: 7,
    };
    let apdu = more.to_apdu().unwrap();
    assert_eq!(apdu, [0x80, 0xE2, 0x10, 0x07, 0x03, 0x86, 0x01, 9]);
    assert_eq!(Es8Command::parse(&apdu).unwrap(), Es8Command::Scp03t(more));
    assert!(Es8Command::parse(&[0x80, 0xE2, 0x90, 0x00, 0x03, 0x87, 0x01, 0x00]).is_err());
    assert!(Es8Command::parse(&[0x80, 0xE2, 0x90, 0x00, 0x04, 0x86, 0x01, 0x00, 0x00]).is_err());
    assert!(Es8Command::parse(&[0x80, 0xE2, 0x88, 0x00, 0x03, 0x86, 0x01, 0x00]).is_err());
}
