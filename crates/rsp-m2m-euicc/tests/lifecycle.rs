//! The SM-SR's view of a full life cycle over SCP80: addressing, declaration,
//! CreateISDP → install → enable → attach → notification → disable → delete → audit,
//! fallback on a failed attach, POL1 refusals, and the state surviving save/load.

mod common;

use common::{ICCID0, ICCID1, SmSr, TempDir, create, isdp, life_cycle, ok, state, tar_of};
use rsp_codec::sgp02::consts::{
    ECASD_TAR, ISD_R_TAR, LC_DISABLED, LC_ENABLED, LC_PERSONALIZED, LC_SELECTABLE,
};
use rsp_codec::sgp02::{
    Aid, CreateIsdp, DefaultNotification, DeleteProfile, DisableProfile, EidResponse,
    EnableProfile, EuiccCertificateResponse, ExtendedCardResources, GetData, GetStatus,
    HandleNotificationConfirmation, IsdStatusList, NotificationType, SetFallbackAttribute,
    SmsAddress, StatusWord, UpdateConnectivityParameters, UpdateSmsrAddressingParameters,
    iccid_from_digits,
};
use rsp_m2m_euicc::{M2mEuicc, MO_SPI};
use rsp_ota::{CommandPacket, RemoteFormat};

const SMSR_TAR: [u8; 3] = [0xB0, 0x00, 0x10];

fn notifications(
    euicc: &mut M2mEuicc,
    smsr: &SmSr,
    last_counter: &mut u64,
) -> Vec<DefaultNotification> {
    let mut out = Vec::new();
    for packet in euicc.pending_notifications().expect("notifications") {
        let parsed = CommandPacket::parse(&packet).expect("parse");
        assert_eq!(parsed.spi, MO_SPI);
        assert_eq!(parsed.tar, SMSR_TAR);
        assert_eq!((parsed.kic, parsed.kid), (smsr.kic, smsr.kid));
        let opened = parsed.open(&smsr.keys).expect("open MO packet");
        let c = opened.header.counter.to_u64();
        assert!(c > *last_counter, "MO counter must increase");
        *last_counter = c;
        let n = DefaultNotification::parse(&opened.data).expect("E1");
        assert_eq!(hex::encode_upper(n.eid), euicc.eid());
        out.push(n);
    }
    out
}

fn confirm(euicc: &mut M2mEuicc, smsr: &mut SmSr, sequence: u16) {
    let apdu = HandleNotificationConfirmation { sequence }
        .to_apdu()
        .expect("apdu");
    ok(smsr.one(euicc, ISD_R_TAR, apdu));
}

#[test]
fn full_life_cycle_over_scp80() {
    let dir = TempDir::new("life");
    let path = dir.0.join("euicc.json");
    let mut euicc = M2mEuicc::create(&path, state()).expect("create");
    let mut smsr = SmSr::tdes();
    let mut mo = 0u64;

    // First power-on declares the eUICC; the second does not.
    assert!(euicc.power_on().expect("power on"));
    assert!(!euicc.power_on().expect("power on"));

    // Addressing first, so the declaration reaches the SM-SR's TAR.
    let addr = UpdateSmsrAddressingParameters {
        smsc: None,
        msisdn: Some(SmsAddress::international("+447700900123")),
        tar: Some(SMSR_TAR),
    };
    ok(smsr.one(&mut euicc, ISD_R_TAR, addr.to_apdu().expect("apdu")));
    assert_eq!(euicc.state().smsr.tar, Some(SMSR_TAR));

    let n = notifications(&mut euicc, &smsr, &mut mo);
    assert_eq!(n.len(), 1);
    assert_eq!(n[0].kind, NotificationType::EuiccDeclaration);
    // Not confirmed: re-sent, with a fresh counter.
    let again = notifications(&mut euicc, &smsr, &mut mo);
    assert_eq!(again, n);
    confirm(&mut euicc, &mut smsr, n[0].sequence);
    assert!(euicc.pending_notifications().expect("none").is_empty());
    // Confirming twice: referenced data not found.
    let apdu = HandleNotificationConfirmation {
        sequence: n[0].sequence,
    }
    .to_apdu()
    .expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::NOT_FOUND
    );

    // Two ISD-Ps, each with a profile.
    let (p0, p1) = (isdp(0), isdp(1));
    create(&mut euicc, &mut smsr, &p0);
    assert_eq!(life_cycle(&euicc, &p0), Some(LC_SELECTABLE));
    // The same AID again: incorrect data.
    let apdu = CreateIsdp::new(p0.clone(), None, None)
        .to_apdu()
        .expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::INCORRECT_DATA
    );
    create(&mut euicc, &mut smsr, &p1);
    // Enabling an empty ISD-P is refused.
    let apdu = EnableProfile { aid: p0.clone() }.to_apdu().expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );
    euicc
        .install_profile(&p0, ICCID0, Some(SmsAddress::international("491700000")))
        .expect("install");
    euicc.install_profile(&p1, ICCID1, None).expect("install");
    assert!(euicc.install_profile(&p1, ICCID1, None).is_err());
    assert_eq!(life_cycle(&euicc, &p0), Some(LC_DISABLED));

    // The ISD-P answers UpdateConnectivityParameters on its own TAR; the ISD-R does not.
    let conn = UpdateConnectivityParameters {
        msisdn: SmsAddress::international("4917012345"),
    }
    .to_apdu()
    .expect("apdu");
    ok(smsr.one(&mut euicc, tar_of(&p1), conn.clone()));
    assert_eq!(
        euicc.state().isdp(&p1).and_then(|p| p.msisdn.clone()),
        Some(SmsAddress::international("4917012345"))
    );
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, conn).1,
        StatusWord::INS_NOT_SUPPORTED
    );

    // Enable p1 and make it the fallback.
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        EnableProfile { aid: p1.clone() }.to_apdu().expect("a"),
    ));
    assert!(euicc.take_refresh().expect("refresh"));
    assert!(!euicc.take_refresh().expect("refresh"));
    euicc.network_attach(true).expect("attach");
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        SetFallbackAttribute { aid: p1.clone() }
            .to_apdu()
            .expect("a"),
    ));
    let n = notifications(&mut euicc, &smsr, &mut mo);
    assert_eq!(n.len(), 1);
    assert_eq!(
        (n[0].kind, n[0].aid.clone()),
        (NotificationType::ProfileChangeSucceeded, Some(p1.clone()))
    );
    confirm(&mut euicc, &mut smsr, n[0].sequence);

    // Enable p0: p1 disabled, REFRESH, attach OK → notification 02 for p0.
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        EnableProfile { aid: p0.clone() }.to_apdu().expect("a"),
    ));
    assert_eq!(life_cycle(&euicc, &p0), Some(LC_ENABLED));
    assert_eq!(life_cycle(&euicc, &p1), Some(LC_DISABLED));
    assert!(euicc.take_refresh().expect("refresh"));
    assert!(
        notifications(&mut euicc, &smsr, &mut mo).is_empty(),
        "only after attach"
    );
    euicc.network_attach(true).expect("attach");
    let n = notifications(&mut euicc, &smsr, &mut mo);
    assert_eq!(
        (n[0].kind, n[0].aid.clone()),
        (NotificationType::ProfileChangeSucceeded, Some(p0.clone()))
    );
    confirm(&mut euicc, &mut smsr, n[0].sequence);
    // Enabling the enabled profile again is refused.
    let apdu = EnableProfile { aid: p0.clone() }.to_apdu().expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
        StatusWord::CONDITIONS_NOT_SATISFIED
    );

    // Delete refusals: the enabled one and the fallback one.
    for aid in [&p0, &p1] {
        let apdu = DeleteProfile { aid: aid.clone() }.to_apdu().expect("apdu");
        assert_eq!(
            smsr.one(&mut euicc, ISD_R_TAR, apdu).1,
            StatusWord::CONDITIONS_NOT_SATISFIED
        );
    }

    // Disable p0: the fallback p1 is enabled.
    ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        DisableProfile { aid: p0.clone() }.to_apdu().expect("a"),
    ));
    assert_eq!(life_cycle(&euicc, &p0), Some(LC_DISABLED));
    assert_eq!(life_cycle(&euicc, &p1), Some(LC_ENABLED));
    assert!(euicc.take_refresh().expect("refresh"));
    euicc.network_attach(true).expect("attach");
    let n = notifications(&mut euicc, &smsr, &mut mo);
    assert_eq!(n[0].aid, Some(p1.clone()));
    confirm(&mut euicc, &mut smsr, n[0].sequence);

    // Delete p0; a second delete finds nothing.
    let del = DeleteProfile { aid: p0.clone() }.to_apdu().expect("apdu");
    ok(smsr.one(&mut euicc, ISD_R_TAR, del.clone()));
    assert_eq!(life_cycle(&euicc, &p0), None);
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, del).1,
        StatusWord::NOT_FOUND
    );

    // Audit.
    let list = IsdStatusList::parse(&ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        GetStatus::default().to_apdu().expect("apdu"),
    )))
    .expect("GET STATUS");
    let aids: Vec<Aid> = list.0.iter().map(|s| s.aid.clone()).collect();
    assert_eq!(aids, vec![Aid::isd_r(), Aid::ecasd(), p1.clone()]);
    let s1 = &list.0[2];
    assert_eq!(s1.life_cycle, LC_ENABLED);
    assert_eq!(s1.fallback, Some(true));
    assert_eq!(s1.iccid, Some(iccid_from_digits(ICCID1).expect("iccid")));
    assert_eq!(list.0[0].life_cycle, LC_PERSONALIZED);
    let one = GetStatus {
        aid: Some(p0.clone()),
    }
    .to_apdu()
    .expect("apdu");
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, one).1,
        StatusWord::NOT_FOUND
    );

    let eid = EidResponse::parse(&ok(smsr.one(&mut euicc, ISD_R_TAR, GetData::Eid.to_apdu())))
        .expect("EID");
    assert_eq!(hex::encode_upper(eid.eid), common::EID);
    let ecr = ExtendedCardResources::parse(&ok(smsr.one(
        &mut euicc,
        ISD_R_TAR,
        GetData::ExtendedCardResources.to_apdu(),
    )))
    .expect("ECR");
    assert_eq!(ecr.installed_applications, 1);
    assert_eq!(ecr.free_nvm, 1_048_576 - 0x2000);
    // The certificate comes from the ECASD only.
    let cert = EuiccCertificateResponse::parse(&ok(smsr.one(
        &mut euicc,
        ECASD_TAR,
        GetData::EuiccCertificate.to_apdu(),
    )))
    .expect("cert");
    assert_eq!(cert.certificate, euicc.state().ecasd.certificate_der());
    assert_eq!(
        smsr.one(&mut euicc, ISD_R_TAR, GetData::EuiccCertificate.to_apdu())
            .1,
        StatusWord::INS_NOT_SUPPORTED
    );

    // Everything survives a reload from the state file.
    let before = serde_json::to_value(euicc.state()).expect("json");
    drop(euicc);
    let mut reloaded = M2mEuicc::load(&path).expect("load");
    assert_eq!(
        serde_json::to_value(reloaded.state()).expect("json"),
        before
    );
    // ... including the counter: the SM-SR carries on.
    let (_, sw) = smsr.one(&mut reloaded, ISD_R_TAR, GetData::Eid.to_apdu());
    assert_eq!(sw, StatusWord::OK);
}

#[test]
fn expanded_script_stops_at_the_first_failure() {
    let mut euicc = M2mEuicc::new(state());
    let mut smsr = SmSr::aes();
    assert_eq!(smsr.format, RemoteFormat::Expanded);
    let p0 = isdp(0);
    let apdus = vec![
        CreateIsdp::new(p0.clone(), None, None)
            .to_apdu()
            .expect("apdu"),
        // Fails: p0 holds no profile.
        EnableProfile { aid: p0.clone() }.to_apdu().expect("apdu"),
        // Not executed.
        DeleteProfile { aid: p0.clone() }.to_apdu().expect("apdu"),
    ];
    let (received, script) = smsr.send(&mut euicc, ISD_R_TAR, &apdus);
    assert!(received.accepted);
    assert_eq!(script.executed, 2);
    assert_eq!(
        script.responses,
        vec![vec![0x00, 0x90, 0x00], vec![0x69, 0x85]]
    );
    assert_eq!(
        life_cycle(&euicc, &p0),
        Some(LC_SELECTABLE),
        "DELETE did not run"
    );

    // Compact: only the last R-APDU comes back.
    let mut compact = SmSr::tdes();
    let (_, script) = compact.send(
        &mut euicc,
        ISD_R_TAR,
        &[
            GetData::Eid.to_apdu(),
            DeleteProfile { aid: isdp(5) }.to_apdu().expect("apdu"),
        ],
    );
    assert_eq!(script.executed, 2);
    assert_eq!(script.responses, vec![vec![0x6A, 0x88]]);

    // An unknown INS is answered 6D00 and stops the script.
    let (_, script) = compact.send(&mut euicc, ISD_R_TAR, &[vec![0x80, 0x50, 0, 0, 0]]);
    assert_eq!(script.responses, vec![vec![0x6D, 0x00]]);
}
