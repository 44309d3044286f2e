//! Round trips, hand-computed byte strings and parse refusals for the ES5 codec.

use super::consts as c;
use super::*;

fn h(s: &str) -> Vec<u8> {
    hex::decode(s.replace(' ', "")).expect("hex")
}

fn isdp0() -> Aid {
    Aid::isd_p(0).expect("aid")
}

const AID0: &str = "A0000005591010FFFFFFFF8900001000";

#[test]
fn aids_and_tars() {
    assert_eq!(Aid::isd_r().to_hex(), "A0000005591010FFFFFFFF8900000100");
    assert_eq!(Aid::ecasd().to_hex(), "A0000005591010FFFFFFFF8900000200");
    assert_eq!(isdp0().to_hex(), AID0);
    assert_eq!(
        Aid::isd_p(2).expect("aid").to_hex(),
        "A0000005591010FFFFFFFF8900001200"
    );
    assert_eq!(Aid::isd_r().tar(), Some(c::ISD_R_TAR));
    assert_eq!(Aid::ecasd().tar(), Some(c::ECASD_TAR));
    assert_eq!(isdp0().tar(), Some([0x00, 0x00, 0x10]));
    assert!(Aid::isd_p(0xF0).is_none());
    assert!(Aid::new(&[1, 2, 3, 4]).is_err());
    assert!(Aid::new(&[0; 17]).is_err());
    assert_eq!(Aid::new(&[1, 2, 3, 4, 5]).expect("aid").tar(), None);
    let json = serde_json::to_string(&isdp0()).expect("json");
    assert_eq!(json, format!("\"{AID0}\""));
    assert_eq!(serde_json::from_str::<Aid>(&json).expect("aid"), isdp0());
}

#[test]
fn enable_disable_fallback_vectors() {
    // 3A03 L=12 { 4F 10 AID }: 2 + 16 = 18 = 0x12; Lc = 2 + 1 + 18 = 21 = 0x15.
    let enable = EnableProfile { aid: isdp0() };
    let bytes = enable.to_apdu().expect("apdu");
    assert_eq!(bytes, h(&format!("80E2880015 3A0312 4F10 {AID0}")));
    assert_eq!(EnableProfile::parse(&bytes).expect("parse"), enable);
    let disable = DisableProfile { aid: isdp0() };
    assert_eq!(
        disable.to_apdu().expect("apdu"),
        h(&format!("80E2880015 3A0412 4F10 {AID0}"))
    );
    let fb = SetFallbackAttribute { aid: isdp0() };
    assert_eq!(
        fb.to_apdu().expect("apdu"),
        h(&format!("80E2880015 3A0512 4F10 {AID0}"))
    );
    // The DGI of one command is refused by another's parser.
    assert_eq!(
        DisableProfile::parse(&bytes),
        Err(Sgp02Error::UnknownDgi(0x3A03))
    );
}

#[test]
fn create_isdp_vector() {
    let cmd = CreateIsdp::new(isdp0(), Some(0x1000), Some(0x0100));
    let bytes = cmd.to_apdu().expect("apdu");
    // 3 × (1 + 16) + 4 + (1 + 12) + 1 = 69 = 0x45.
    let expected = h(&format!(
        "80E60C0045 10A0000005591010FFFFFFFF8900000D00 10A0000005591010FFFFFFFF8900000E00 \
         10{AID0} 0380C000 0C C900 EF08 C8021000 C7020100 00"
    ));
    assert_eq!(bytes, expected);
    assert_eq!(CreateIsdp::parse(&bytes).expect("parse"), cmd);
    // Without quotas: install parameters are just C9 00.
    let bare = CreateIsdp::new(isdp0(), None, None);
    let b = bare.to_apdu().expect("apdu");
    assert!(b.ends_with(&h("0380C000 02C900 00")));
    assert_eq!(CreateIsdp::parse(&b).expect("parse"), bare);
    // Trailing Le accepted.
    let mut with_le = bytes.clone();
    with_le.push(0x00);
    assert_eq!(CreateIsdp::parse(&with_le).expect("parse"), cmd);
    assert_eq!(
        InstallResponse::parse(&InstallResponse.encode()),
        Ok(InstallResponse)
    );
    assert!(InstallResponse::parse(&[]).is_err());
}

#[test]
fn other_command_vectors() {
    let del = DeleteProfile { aid: isdp0() };
    let b = del.to_apdu().expect("apdu");
    assert_eq!(b, h(&format!("80E4008012 4F10 {AID0}")));
    assert_eq!(DeleteProfile::parse(&b).expect("parse"), del);

    let gs = GetStatus::default();
    let b = gs.to_apdu().expect("apdu");
    assert_eq!(b, h("80F2400202 4F00"));
    assert_eq!(GetStatus::parse(&b).expect("parse"), gs);
    assert_eq!(GetStatus::parse(&h("80F24002024F0000")).expect("le"), gs);
    let one = GetStatus { aid: Some(isdp0()) };
    assert_eq!(
        GetStatus::parse(&one.to_apdu().expect("a")).expect("p"),
        one
    );

    assert_eq!(GetData::Eid.to_apdu(), h("80CA005A00"));
    assert_eq!(GetData::ExtendedCardResources.to_apdu(), h("80CAFF2100"));
    assert_eq!(GetData::EuiccCertificate.to_apdu(), h("80CA7F2100"));
    for g in [
        GetData::Eid,
        GetData::ExtendedCardResources,
        GetData::EuiccCertificate,
    ] {
        assert_eq!(GetData::parse(&g.to_apdu()), Ok(g));
    }

    let conf = HandleNotificationConfirmation { sequence: 5 };
    let b = conf.to_apdu().expect("apdu");
    assert_eq!(b, h("80E2880007 3A0604 4E020005"));
    assert_eq!(HandleNotificationConfirmation::parse(&b), Ok(conf));

    let addr = UpdateSmsrAddressingParameters {
        smsc: None,
        msisdn: Some(SmsAddress::international("+447700900123")),
        tar: Some([0x00, 0x00, 0x01]),
    };
    let b = addr.to_apdu().expect("apdu");
    assert_eq!(b, h("80E2880011 3A080E 8107 91447700091032 8203 000001"));
    assert_eq!(UpdateSmsrAddressingParameters::parse(&b).expect("p"), addr);

    let conn = UpdateConnectivityParameters {
        msisdn: SmsAddress::international("4917012345"),
    };
    let b = conn.to_apdu().expect("apdu");
    assert_eq!(b, h("80E288000B 3A0708 8006 919471103254"));
    assert_eq!(UpdateConnectivityParameters::parse(&b).expect("p"), conn);
}

#[test]
fn es5_command_dispatch_round_trips() {
    let cmds = vec![
        Es5Command::CreateIsdp(CreateIsdp::new(isdp0(), Some(1), None)),
        Es5Command::EnableProfile(EnableProfile { aid: isdp0() }),
        Es5Command::DisableProfile(DisableProfile { aid: isdp0() }),
        Es5Command::SetFallbackAttribute(SetFallbackAttribute { aid: isdp0() }),
        Es5Command::HandleNotificationConfirmation(HandleNotificationConfirmation {
            sequence: 0xFFFF,
        }),
        Es5Command::UpdateConnectivityParameters(UpdateConnectivityParameters {
            msisdn: SmsAddress::international("123"),
        }),
        Es5Command::UpdateSmsrAddressingParameters(UpdateSmsrAddressingParameters {
            smsc: Some(SmsAddress {
                ton_npi: 0x81,
                digits: "12*#abc".into(),
            }),
            msisdn: None,
            tar: None,
        }),
        Es5Command::UpdateSmsrAddressingParameters(UpdateSmsrAddressingParameters::default()),
        Es5Command::DeleteProfile(DeleteProfile { aid: isdp0() }),
        Es5Command::DeleteKey(DeleteKey { key_version: 1 }),
        Es5Command::GetStatus(GetStatus::default()),
        Es5Command::GetData(GetData::Eid),
        Es5Command::GetData(GetData::EuiccCertificate),
    ];
    for cmd in cmds {
        let apdu = cmd.to_apdu().expect("apdu");
        assert_eq!(Es5Command::parse(&apdu).expect("parse"), cmd, "{apdu:02X?}");
    }
    // DELETE [key] of key version 2 (GP Card Spec §11.2.2.3.2), byte-exact.
    assert_eq!(
        DeleteKey { key_version: 2 }.to_apdu().expect("apdu"),
        h("80E4000003D20102")
    );
    assert!(Es5Command::parse(&h("80E4000003D00101")).is_err());
}

#[test]
fn malformed_commands_are_refused() {
    let good = EnableProfile { aid: isdp0() }.to_apdu().expect("apdu");
    // Lc too large / too small.
    let mut long = good.clone();
    long.extend_from_slice(&[0, 0]);
    assert!(Es5Command::parse(&long).is_err());
    assert!(Es5Command::parse(&good[..good.len() - 1]).is_err());
    // DGI length disagrees with the data.
    let mut bad = good.clone();
    bad[7] = 0x13;
    assert!(EnableProfile::parse(&bad).is_err());
    // Inner TLV length disagrees.
    let mut bad = good.clone();
    bad[9] = 0x0F;
    assert!(EnableProfile::parse(&bad).is_err());
    // Wrong tag instead of 4F.
    let mut bad = good.clone();
    bad[8] = 0x4E;
    assert!(matches!(
        EnableProfile::parse(&bad),
        Err(Sgp02Error::UnexpectedTag { tag: 0x4E, .. })
    ));
    // Unknown DGI / INS / CLA.
    assert_eq!(
        Es5Command::parse(&h("80E2880003 3A0900")),
        Err(Sgp02Error::UnknownDgi(0x3A09))
    );
    let e = Es5Command::parse(&h("80AA000000")).expect_err("unknown INS");
    assert_eq!(e.status_word(), StatusWord::INS_NOT_SUPPORTED);
    assert!(Es5Command::parse(&h("00E2880000")).is_err());
    assert_eq!(
        Es5Command::parse(&h("80E2880000")).map_err(|e| e.status_word()),
        Err(StatusWord::INCORRECT_DATA)
    );
    // Wrong P1 for STORE DATA, wrong P2 for DELETE, unknown GET DATA tag.
    assert!(Es5Command::parse(&h(&format!("80E2800015 3A0312 4F10 {AID0}"))).is_err());
    assert!(Es5Command::parse(&h(&format!("80E4000012 4F10 {AID0}"))).is_err());
    assert!(Es5Command::parse(&h("80CA9F7F00")).is_err());
    assert!(Es5Command::parse(&h("80CA")).is_err());
    // AID too short.
    assert!(Es5Command::parse(&h("80E2880007 3A0304 4F02 A000")).is_err());
    // INSTALL: privileges of two octets, a non-empty token, trailing data.
    let ci = CreateIsdp::new(isdp0(), None, None)
        .to_apdu()
        .expect("apdu");
    let mut bad = ci.clone();
    let n = bad.len();
    bad[n - 1] = 0x01;
    bad.push(0xAA);
    bad[4] += 1;
    assert!(CreateIsdp::parse(&bad).is_err());
    let mut bad = ci.clone();
    bad.push(0x00);
    bad.push(0x00);
    bad[4] += 2;
    assert!(CreateIsdp::parse(&bad).is_err());
    // Quota of one octet.
    let q = h(&format!(
        "80E60C0040 10A0000005591010FFFFFFFF8900000D00 10A0000005591010FFFFFFFF8900000E00          10{AID0} 0380C000 07 C900 EF03 C80110 00"
    ));
    assert_eq!(
        CreateIsdp::parse(&q),
        Err(Sgp02Error::InvalidValue("memory quota must be 2 octets"))
    );
    // Non-minimal TLV length (81 12).
    assert!(Es5Command::parse(&h(&format!("80E2880016 3A0313 4F8110 {AID0}"))).is_err());
    // A repeated SM-SR TAR.
    assert!(Es5Command::parse(&h("80E288000D 3A080A 8203000001 8203000002")).is_err());
}

#[test]
fn addresses_and_iccids() {
    let a = SmsAddress::international("+447700900123");
    assert_eq!(a.encode().expect("enc"), h("91447700091032"));
    assert_eq!(SmsAddress::parse(&h("91447700091032")).expect("p"), a);
    let odd = SmsAddress::international("12345");
    // pySim tests/unittests/test_sms.py: AddressField("12345", international) = 05 912143F5.
    assert_eq!(odd.encode().expect("enc"), h("912143F5"));
    assert_eq!(SmsAddress::parse(&h("912143F5")).expect("p"), odd);
    assert!(SmsAddress::parse(&h("911F")).is_err());
    assert!(SmsAddress::parse(&[]).is_err());
    assert!(SmsAddress::international("12x").encode().is_err());

    let iccid = iccid_from_digits("89049032123451234512").expect("iccid");
    assert_eq!(iccid.to_vec(), h("98400923214315325421"));
    assert_eq!(
        iccid_to_digits(&iccid).expect("digits"),
        "89049032123451234512"
    );
    let short = iccid_from_digits("8949440000001234567").expect("iccid");
    assert_eq!(short.to_vec(), h("989444000000214365F7"));
    assert_eq!(
        iccid_to_digits(&short).expect("digits"),
        "8949440000001234567"
    );
    assert!(iccid_from_digits("123").is_err());
    assert!(iccid_from_digits("8949440000001234567A").is_err());
    assert!(iccid_to_digits(&[0xFF; 10]).is_err());
}

#[test]
fn responses_round_trip() {
    let iccid = iccid_from_digits("89049032123451234512").expect("iccid");
    let list = IsdStatusList(vec![
        IsdStatus {
            aid: Aid::isd_r(),
            life_cycle: c::LC_PERSONALIZED,
            fallback: None,
            iccid: None,
        },
        IsdStatus {
            aid: isdp0(),
            life_cycle: c::LC_ENABLED,
            fallback: Some(true),
            iccid: Some(iccid),
        },
    ]);
    let bytes = list.encode().expect("enc");
    // E3 L { 4F 10 AID (18) ‖ 9F70 01 0F (4) } = 22 = 0x16.
    assert!(bytes.starts_with(&h("E316 4F10 A0000005591010FFFFFFFF8900000100 9F70010F")));
    // Second: 18 + 4 + 3 + 12 = 37 = 0x25.
    let second = h(&format!(
        "E325 4F10 {AID0} 9F70013F 530101 5A0A 98400923214315325421"
    ));
    assert!(bytes.ends_with(&second));
    assert_eq!(IsdStatusList::parse(&bytes).expect("parse"), list);
    assert_eq!(IsdStatus::parse(&second).expect("one"), list.0[1]);
    assert_eq!(
        IsdStatusList::parse(&[]).expect("empty"),
        IsdStatusList::default()
    );
    // Refusals: missing life cycle, fallback 02, wrong outer tag, truncated.
    assert!(IsdStatusList::parse(&h(&format!("E312 4F10 {AID0}"))).is_err());
    assert!(IsdStatusList::parse(&h(&format!("E319 4F10 {AID0} 9F70013F 530102"))).is_err());
    assert!(IsdStatusList::parse(&h(&format!("E216 4F10 {AID0} 9F70013F"))).is_err());
    assert!(IsdStatusList::parse(&bytes[..bytes.len() - 1]).is_err());

    let eid: [u8; 16] = h("89049032123451234512345678901235")
        .try_into()
        .expect("eid");
    let r = EidResponse { eid };
    let b = r.encode().expect("enc");
    assert_eq!(b, h("5A10 89049032123451234512345678901235"));
    assert_eq!(EidResponse::parse(&b), Ok(r));
    assert!(EidResponse::parse(&h("5A0F 890490321234512345123456789012")).is_err());

    let ecr = ExtendedCardResources {
        installed_applications: 3,
        free_nvm: 0x0001_0000,
        free_vm: 0x800,
    };
    let b = ecr.encode().expect("enc");
    assert_eq!(b, h("FF210F 810103 820400010000 830400000800"));
    assert_eq!(ExtendedCardResources::parse(&b), Ok(ecr));
    // Short integers are accepted, a missing value is not.
    assert_eq!(
        ExtendedCardResources::parse(&h("FF210A 810103 8202FFFF 830101")),
        Ok(ExtendedCardResources {
            installed_applications: 3,
            free_nvm: 0xFFFF,
            free_vm: 1
        })
    );
    assert!(ExtendedCardResources::parse(&h("FF2106 810103 830101")).is_err());
    assert!(ExtendedCardResources::parse(&h("FF2109 810103 810103 830101")).is_err());

    let cert = EuiccCertificateResponse {
        certificate: vec![0x30; 300],
    };
    let b = cert.encode().expect("enc");
    assert_eq!(&b[..5], &h("7F2182012C")[..]);
    assert_eq!(EuiccCertificateResponse::parse(&b), Ok(cert));
    assert!(EuiccCertificateResponse::parse(&h("7F2100")).is_err());
}

#[test]
fn notification_round_trip() {
    let eid: [u8; 16] = h("89049032123451234512345678901235")
        .try_into()
        .expect("eid");
    let n = DefaultNotification {
        eid,
        kind: NotificationType::ProfileChangeSucceeded,
        sequence: 1,
        aid: Some(isdp0()),
    };
    let b = n.encode().expect("enc");
    // 18 + 3 + 4 + 18 = 43 = 0x2B.
    assert_eq!(
        b,
        h(&format!(
            "E12B 4C10 89049032123451234512345678901235 4D0102 4E020001 4F10 {AID0}"
        ))
    );
    assert_eq!(DefaultNotification::parse(&b), Ok(n));
    let decl = DefaultNotification {
        eid,
        kind: NotificationType::EuiccDeclaration,
        sequence: 0x1234,
        aid: None,
    };
    assert_eq!(
        DefaultNotification::parse(&decl.encode().expect("e")),
        Ok(decl)
    );
    // An extra (IMEI-like) TLV after the fields is skipped.
    let with_imei = h("E11E 4C10 89049032123451234512345678901235 4D0101 4E020007 1403 010203");
    assert_eq!(
        DefaultNotification::parse(&with_imei)
            .expect("parse")
            .sequence,
        7
    );
    // Fields out of order / missing / wrong size.
    assert!(DefaultNotification::parse(&h("E107 4D0101 4E020007")).is_err());
    assert!(
        DefaultNotification::parse(&h("E116 4C10 89049032123451234512345678901235 4D0101"))
            .is_err()
    );
    assert!(
        DefaultNotification::parse(&h(
            "E119 4C10 89049032123451234512345678901235 4D0101 4E0107"
        ))
        .is_err()
    );
    for code in 0..=255u8 {
        assert_eq!(NotificationType::from_code(code).code(), code);
    }
}

#[test]
fn admin_session_trigger_vector() {
    // 81 L { 84 (connection parameters) 02 .., 89 (HTTP POST) 0A { 8A 06 "a.test" } } —
    // any TLV under 81 travels unchanged.
    let params = h("81 0E 8402 0102 8908 8A06 612E74657374");
    let t = AdminSessionTrigger {
        params: params.clone(),
    };
    let b = t.to_apdu().expect("apdu");
    assert_eq!(b, h("80E2900010 810E 8402 0102 8908 8A06 612E74657374"));
    assert_eq!(
        Es5Command::parse(&b).expect("parse"),
        Es5Command::AdminSessionTrigger(t.clone())
    );
    assert_eq!(Es5Command::AdminSessionTrigger(t).to_apdu().expect("a"), b);
    // Not tag 81, trailing data, or the DGI-format P1: refused.
    assert!(AdminSessionTrigger { params: h("8200") }.to_apdu().is_err());
    assert!(AdminSessionTrigger::parse(&h("80E29000028200")).is_err());
    assert!(AdminSessionTrigger::parse(&h("80E2900004810000 00")).is_err());
    assert!(AdminSessionTrigger::parse(&h("80E2880003810100")).is_err());
}
