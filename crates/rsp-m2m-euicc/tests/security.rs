//! Refusals a receiving entity must make (TS 102 225 §5.1, §5.2): replayed counters,
//! unknown keysets, tampered packets, unknown TARs, too little security; and the PoR
//! modes of the SPI. A refused packet leaves the state (and its file) unchanged.

mod common;

use common::{SmSr, TempDir, isdp, state};
use rsp_codec::sgp02::consts::ISD_R_TAR;
use rsp_codec::sgp02::{CreateIsdp, DeleteProfile, GetData};
use rsp_m2m_euicc::{M2mError, M2mEuicc, PorVia};
use rsp_ota::{CipherAlgorithm, CounterMode, Integrity, Kic, Kid, PorMode, PorStatus};

fn snapshot(euicc: &M2mEuicc) -> serde_json::Value {
    serde_json::to_value(euicc.state()).expect("json")
}

fn create_apdu(i: u8) -> Vec<u8> {
    CreateIsdp::new(isdp(i), None, None)
        .to_apdu()
        .expect("apdu")
}

#[test]
fn replayed_packet_is_refused_and_changes_nothing() {
    let dir = TempDir::new("replay");
    let path = dir.0.join("s.json");
    let mut euicc = M2mEuicc::create(&path, state()).expect("create");
    for mut smsr in [SmSr::tdes(), SmSr::aes()] {
        let packet = smsr.packet(ISD_R_TAR, &[create_apdu(smsr.kic.key_version())]);
        let first = euicc.receive_command_packet(&packet).expect("receive");
        assert!(first.accepted);
        let saved = std::fs::read(&path).expect("file");
        let before = snapshot(&euicc);

        let again = euicc.receive_command_packet(&packet).expect("receive");
        assert!(!again.accepted);
        assert_eq!(again.status, PorStatus::CntrLow);
        let por = smsr.open_por(again.por.as_ref().expect("PoR"));
        assert_eq!(por.status, PorStatus::CntrLow);
        assert!(por.data.is_empty());
        assert_eq!(snapshot(&euicc), before);
        assert_eq!(std::fs::read(&path).expect("file"), saved);

        // An older counter too.
        smsr.counter = 0;
        let older = smsr.packet(ISD_R_TAR, &[GetData::Eid.to_apdu()]);
        smsr.counter = 1;
        assert_eq!(
            euicc
                .receive_command_packet(&older)
                .expect("receive")
                .status,
            PorStatus::CntrLow
        );
        // The next counter is accepted.
        let (r, _) = smsr.send(&mut euicc, ISD_R_TAR, &[GetData::Eid.to_apdu()]);
        assert!(r.accepted);
    }
    // Both keysets' counters were stored in the file.
    let reloaded = M2mEuicc::load(&path).expect("load");
    let counters: Vec<u64> = reloaded
        .state()
        .keysets
        .iter()
        .map(|k| k.counter.to_u64())
        .collect();
    assert_eq!(counters, vec![2, 2]);
    assert_eq!(reloaded.state().isdps.len(), 2);
}

#[test]
fn counter_modes() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::tdes();
    smsr.spi.counter = CounterMode::OneHigher;
    smsr.counter = 1; // next packet carries 2: one too far
    let p = smsr.packet(ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    let r = euicc.receive_command_packet(&p).expect("receive");
    assert_eq!(r.status, PorStatus::CntrHigh);
    assert!(!r.accepted);
    smsr.counter = 0;
    let (r, _) = smsr.send(&mut euicc, ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    assert!(r.accepted);
    // No replay checking: the same counter twice is fine and not stored.
    smsr.spi.counter = CounterMode::Available;
    let p = smsr.packet(ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    assert!(euicc.receive_command_packet(&p).expect("r").accepted);
    assert!(euicc.receive_command_packet(&p).expect("r").accepted);
    assert_eq!(euicc.state().keysets[0].counter.to_u64(), 1);
}

#[test]
fn unknown_or_mismatched_keysets_are_refused() {
    let mut euicc = M2mEuicc::new(state());
    let before = snapshot(&euicc);
    let cases = [
        // Key version 3 does not exist.
        (
            Kic::new(CipherAlgorithm::TdesCbc2Key, 3),
            Kid::new(rsp_ota::IntegrityAlgorithm::TdesCbcMac2Key, 3),
        ),
        // KIc and KID name different keysets.
        (
            Kic::new(CipherAlgorithm::TdesCbc2Key, 1),
            Kid::new(rsp_ota::IntegrityAlgorithm::AesCmac, 2),
        ),
        // Keyset 1 is 3DES, not AES.
        (
            Kic::new(CipherAlgorithm::AesCbc, 1),
            Kid::new(rsp_ota::IntegrityAlgorithm::AesCmac, 1),
        ),
    ];
    for (kic, kid) in cases {
        let mut smsr = SmSr::aes();
        smsr.kic = kic;
        smsr.kid = kid;
        // 16-octet keys fit every algorithm used here.
        smsr.keys = rsp_ota::SecurityKeys::new(&[0x11; 16], &[0x22; 16]);
        let p = smsr.packet(ISD_R_TAR, &[create_apdu(0)]);
        match euicc.receive_command_packet(&p) {
            Err(M2mError::UnknownKeyset { kic: k, kid: d }) => assert_eq!((k, d), (kic.0, kid.0)),
            other => panic!("expected UnknownKeyset, got {other:?}"),
        }
    }
    assert_eq!(snapshot(&euicc), before);
    // Truncated packets do not parse.
    assert!(matches!(
        euicc.receive_command_packet(&[0x00, 0x05, 0x01]),
        Err(M2mError::Packet(_))
    ));
}

#[test]
fn tampered_packets_are_refused() {
    let mut euicc = M2mEuicc::new(state());
    let before = snapshot(&euicc);
    for mut smsr in [SmSr::tdes(), SmSr::aes()] {
        let good = smsr.packet(ISD_R_TAR, &[create_apdu(0)]);
        // Every octet after the clear header and the TAR in the header.
        for i in (7..10).chain(10..good.len()) {
            let mut bad = good.clone();
            bad[i] ^= 0x01;
            let r = euicc.receive_command_packet(&bad).expect("receive");
            assert!(!r.accepted, "octet {i}");
            assert!(
                matches!(
                    r.status,
                    PorStatus::RcCcDsFailed | PorStatus::CipheringError
                ),
                "octet {i}: {:?}",
                r.status
            );
            let por = smsr.open_por(r.por.as_ref().expect("PoR"));
            assert_eq!(por.status, r.status);
        }
        // Without ciphering the CC alone catches it.
        smsr.spi.ciphering = false;
        let mut bad = smsr.packet(ISD_R_TAR, &[create_apdu(0)]);
        let last = bad.len() - 1;
        bad[last] ^= 0x80;
        assert_eq!(
            euicc.receive_command_packet(&bad).expect("r").status,
            PorStatus::RcCcDsFailed
        );
    }
    assert_eq!(snapshot(&euicc), before);
}

#[test]
fn unknown_tar_and_insufficient_security() {
    let mut euicc = M2mEuicc::new(state());
    let before = snapshot(&euicc);
    let mut smsr = SmSr::tdes();
    let p = smsr.packet([0x00, 0x00, 0x30], &[GetData::Eid.to_apdu()]);
    let r = euicc.receive_command_packet(&p).expect("receive");
    assert_eq!(r.status, PorStatus::TarUnknown);
    assert_eq!(
        smsr.open_por(r.por.as_ref().expect("PoR")).status,
        PorStatus::TarUnknown
    );
    // An ISD-P TAR before the ISD-P exists.
    let p = smsr.packet([0x00, 0x00, 0x10], &[GetData::Eid.to_apdu()]);
    assert_eq!(
        euicc.receive_command_packet(&p).expect("r").status,
        PorStatus::TarUnknown
    );
    // Nothing stored, not even the counter.
    assert_eq!(snapshot(&euicc), before);

    // No CC: insufficient security level (PoR unsecured as the SPI asks).
    let mut plain = SmSr::tdes();
    plain.spi.integrity = Integrity::None;
    plain.spi.ciphering = false;
    plain.spi.por_integrity = Integrity::None;
    plain.spi.por_ciphering = false;
    let p = plain.packet(ISD_R_TAR, &[create_apdu(0)]);
    let r = euicc.receive_command_packet(&p).expect("receive");
    assert_eq!(r.status, PorStatus::InsufficientSecurityLevel);
    assert_eq!(
        plain.open_por(r.por.as_ref().expect("PoR")).status,
        PorStatus::InsufficientSecurityLevel
    );
    // A CRC is not enough either.
    let mut crc = SmSr::tdes();
    crc.spi.integrity = Integrity::Rc;
    crc.kid = Kid::new(rsp_ota::IntegrityAlgorithm::Crc32, 1);
    crc.spi.por_integrity = Integrity::None;
    let p = crc.packet(ISD_R_TAR, &[create_apdu(0)]);
    assert_eq!(
        euicc.receive_command_packet(&p).expect("r").status,
        PorStatus::InsufficientSecurityLevel
    );
    assert_eq!(snapshot(&euicc), before);
}

#[test]
fn por_modes_and_transport() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::aes();
    // No PoR.
    smsr.spi.por = PorMode::None;
    let p = smsr.packet(ISD_R_TAR, &[create_apdu(0)]);
    let r = euicc.receive_command_packet(&p).expect("r");
    assert!(r.accepted && r.por.is_none());
    // On error: nothing for success...
    smsr.spi.por = PorMode::OnError;
    let p = smsr.packet(ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    assert!(euicc.receive_command_packet(&p).expect("r").por.is_none());
    // ... a PoR for a failing APDU and for a refused packet.
    let p = smsr.packet(
        ISD_R_TAR,
        &[DeleteProfile { aid: isdp(9) }.to_apdu().expect("a")],
    );
    let r = euicc.receive_command_packet(&p).expect("r");
    let por = r.por.as_ref().expect("PoR on error");
    assert_eq!(por.via, PorVia::SmsSubmit);
    let opened = smsr.open_por(por);
    assert_eq!(opened.status, PorStatus::Ok);
    let script = rsp_ota::ResponseScript::decode(&opened.data, smsr.format).expect("script");
    assert_eq!(script.responses, vec![vec![0x6A, 0x88]]);
    assert!(
        euicc.receive_command_packet(&p).expect("r").por.is_some(),
        "replay"
    );
    // PoR in the DELIVER-REPORT, with CC only (not ciphered).
    smsr.spi.por = PorMode::Always;
    smsr.spi.por_in_submit = false;
    smsr.spi.por_ciphering = false;
    let (r, _) = smsr.send(&mut euicc, ISD_R_TAR, &[GetData::Eid.to_apdu()]);
    let por = r.por.expect("PoR");
    assert_eq!(por.via, PorVia::DeliverReport);
    assert_eq!(&por.user_data()[..3], &[0x02, 0x71, 0x00]);
}

#[test]
fn secrets_stay_out_of_debug() {
    let euicc = M2mEuicc::new(state());
    let dbg = format!("{euicc:?}");
    for key in [
        hex::encode(common::TDES_KIC),
        hex::encode(common::TDES_KID),
        hex::encode(common::AES_KIC),
        hex::encode(common::AES_KID),
    ] {
        assert!(!dbg.to_lowercase().contains(&key), "key in Debug output");
    }
    // Nor as a decimal byte list.
    assert!(!dbg.contains("43, 43, 43"), "{dbg}");
    assert!(!dbg.contains("126, 126"), "{dbg}");
    assert!(dbg.contains("secret bytes"));
    assert!(!dbg.contains("private_key:"), "{dbg}");
}
