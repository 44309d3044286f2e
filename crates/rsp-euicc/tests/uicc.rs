//! The enabled Profile as a UICC at APDU level (ETSI TS 102 221, 3GPP TS 31.102):
//! profiles installed through ES8+ and enabled through ES10c, then read, verified and
//! authenticated as a modem would.
#![allow(clippy::unwrap_used)]

mod common;

use common::smdp::TestSmdp;
use common::*;
use rsp_codec::asn1::*;
use rsp_crypto::Curve;
use rsp_euicc::uicc::milenage::Milenage;
use rsp_euicc::{Card, EuiccConfig, StateStore};

/// Sends one APDU (hex), following `61xx` with GET RESPONSE; returns (data, SW).
fn tx(card: &mut Card, apdu: &str) -> (Vec<u8>, u16) {
    tx_bytes(card, &hex::decode(apdu.replace(' ', "")).unwrap())
}

fn tx_bytes(card: &mut Card, apdu: &[u8]) -> (Vec<u8>, u16) {
    let cla = apdu[0] & 0x03;
    let mut r = card.transmit(apdu);
    let mut out = Vec::new();
    loop {
        let (data, sw) = r.split_at(r.len() - 2);
        out.extend_from_slice(data);
        let sw = u16::from_be_bytes([sw[0], sw[1]]);
        if sw >> 8 == 0x61 {
            r = card.transmit(&[cla, 0xC0, 0x00, 0x00, (sw & 0xFF) as u8]);
            continue;
        }
        return (out, sw);
    }
}

fn ok(card: &mut Card, apdu: &str) -> Vec<u8> {
    let (data, sw) = tx(card, apdu);
    assert_eq!(sw, 0x9000, "{apdu}: SW {sw:04X}");
    data
}

/// A package of the generic template with this ICCID and IMSI.
fn generic(iccid: &str, imsi: &str) -> Vec<u8> {
    let der = rsp_saip::template::generic().encode().unwrap();
    let mut p = rsp_saip::Personalisation::default();
    p.set("iccid", iccid).unwrap();
    p.set("imsi", imsi).unwrap();
    rsp_saip::patch::personalise_der(&der, &p).unwrap()
}

/// Installs `package` (its header ICCID as the metadata ICCID); returns that ICCID.
fn install(card: &mut Card, cla: u8, smdp: &TestSmdp, n: u8, package: Vec<u8>) -> Iccid {
    let pkg = rsp_saip::ProfilePackage::decode(&package).unwrap();
    let digits = rsp_saip::bcd::decode_plain(&pkg.header().unwrap().iccid);
    let mut d = Download::new(n, 10);
    d.metadata.iccid = Iccid::new(
        rsp_saip::bcd::encode_swapped(&digits, 10)
            .try_into()
            .unwrap(),
    );
    d.package = package;
    let pir = download(card, cla, smdp, &d);
    assert!(matches!(
        pir.profile_installation_result_data.value().final_result,
        FinalResult::SuccessResult(_)
    ));
    d.metadata.iccid
}

fn enable(card: &mut Card, cla: u8, iccid: Iccid) {
    let r: EnableProfileResponse = decode(&es10(
        card,
        cla,
        &encode(&EnableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(iccid),
            refresh_flag: false,
            ext: Extensions::default(),
        })
        .unwrap(),
    ))
    .unwrap();
    assert_eq!(r.enable_result, EnableResult::OK);
}

fn disable(card: &mut Card, cla: u8, iccid: Iccid) {
    let r: DisableProfileResponse = decode(&es10(
        card,
        cla,
        &encode(&DisableProfileRequest {
            profile_identifier: ProfileIdentifier::Iccid(iccid),
            refresh_flag: false,
            ext: Extensions::default(),
        })
        .unwrap(),
    ))
    .unwrap();
    assert_eq!(r.disable_result, DisableResult::OK);
}

fn delete(card: &mut Card, cla: u8, iccid: Iccid) {
    let r: DeleteProfileResponse = decode(&es10(
        card,
        cla,
        &encode(&DeleteProfileRequest::Iccid(iccid)).unwrap(),
    ))
    .unwrap();
    assert_eq!(r.delete_result, DeleteResult::OK);
}

fn new_card(store: StateStore) -> (Card, u8, TestSmdp) {
    let (smdp, identity) = new_smdp(Curve::NistP256);
    let config = EuiccConfig {
        max_profile_bytes: 1 << 20,
        ..EuiccConfig::default()
    };
    let (card, cla) = card_with(identity, config, store);
    (card, cla, smdp)
}

/// EF.ICCID through the MF and EF.IMSI through ADF.USIM (partial AID), on the basic
/// channel, as pySim or a modem reads them.
fn read_iccid_imsi(card: &mut Card) -> (Vec<u8>, Vec<u8>) {
    let fcp = ok(card, "00A40004023F00");
    assert_eq!(fcp[0], 0x62);
    ok(card, "00A40004022FE2");
    let iccid = ok(card, "00B000000A");
    let fcp = ok(card, "00A4040407A0000000871002");
    let usim = [0xA0, 0x00, 0x00, 0x00, 0x87, 0x10, 0x02];
    assert!(fcp.windows(7).any(|w| w == usim), "{fcp:02X?}");
    ok(card, "00A40004026F07");
    let imsi = ok(card, "00B0000009");
    (iccid, imsi)
}

#[test]
fn no_enabled_profile_leaves_only_the_isdr() {
    let (mut card, cla, _) = new_card(StateStore::memory());
    assert_eq!(tx(&mut card, "00A40004023F00").1, 0x6A82);
    assert_eq!(tx(&mut card, "00A4000C00").1, 0x6A82);
    assert_eq!(tx(&mut card, "00B0000001").1, 0x6D00);
    // The ISD-R still answers on its channel.
    challenge(&mut card, cla);
}

#[test]
fn switching_profiles_switches_ef_imsi_and_survives_restart() {
    let path = std::env::temp_dir().join(format!("rsp-uicc-switch-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (mut card, cla, smdp) = new_card(StateStore::file(&path));
    let a = install(
        &mut card,
        cla,
        &smdp,
        1,
        generic("890010000000000011", "001010000000101"),
    );
    let b = install(
        &mut card,
        cla,
        &smdp,
        2,
        generic("890010000000000022", "001010000000202"),
    );
    assert_eq!(tx(&mut card, "00A40004023F00").1, 0x6A82);
    enable(&mut card, cla, a);
    let (iccid, imsi) = read_iccid_imsi(&mut card);
    assert_eq!(iccid, a.as_bytes().to_vec());
    assert_eq!(imsi, hex::decode("080910100000001010").unwrap());
    enable(&mut card, cla, b);
    let (iccid, imsi) = read_iccid_imsi(&mut card);
    assert_eq!(iccid, b.as_bytes().to_vec());
    assert_eq!(imsi, hex::decode("080910100000002020").unwrap());
    // A new card on the same state file serves the same Profile.
    let identity = card.into_isdr().into_identity();
    let (mut card, cla) = card_with(identity, EuiccConfig::default(), StateStore::file(&path));
    let (_, imsi) = read_iccid_imsi(&mut card);
    assert_eq!(imsi, hex::decode("080910100000002020").unwrap());
    disable(&mut card, cla, b);
    assert_eq!(tx(&mut card, "00A40004023F00").1, 0x6A82);
    let _ = std::fs::remove_file(&path);
}

#[test]
fn select_forms_records_status_and_channels() {
    let (mut card, cla, smdp) = new_card(StateStore::memory());
    let a = install(
        &mut card,
        cla,
        &smdp,
        3,
        generic("890010000000000033", "001010000000303"),
    );
    enable(&mut card, cla, a);
    // Path from the MF, from the current DF, parent, 7FFF, not found.
    assert_eq!(ok(&mut card, "00A40804022FE2")[0], 0x62);
    ok(&mut card, "00A4000C023F00");
    ok(&mut card, "00A4040C07A0000000871002");
    ok(&mut card, "00A4080C047FFF6F07");
    assert_eq!(ok(&mut card, "00B0000009")[0], 0x08);
    ok(&mut card, "00A4090C027FFF");
    ok(&mut card, "00A4000C026F07");
    ok(&mut card, "00A4030C00");
    assert_eq!(tx(&mut card, "00A40004026F99").1, 0x6A82);
    assert_eq!(tx(&mut card, "00A4040407A0000000879999").1, 0x6A82);
    // READ BINARY by SFI (EF.IMSI, SFI 07) in the current ADF.
    ok(&mut card, "00A4040C07A0000000871002");
    assert_eq!(ok(&mut card, "00B0870009")[0], 0x08);
    assert_eq!(ok(&mut card, "00B0870201")[0], 0x10);
    assert_eq!(tx(&mut card, "00B0872000").1, 0x6B00);
    // EF.DIR: linear fixed, 2 records of 32 bytes; absolute, next, previous, wrong Le.
    ok(&mut card, "00A4000C023F00");
    ok(&mut card, "00A4000C022F00");
    let r1 = ok(&mut card, "00B2010420");
    assert_eq!(&r1[..4], &[0x61, 0x18, 0x4F, 0x10]);
    assert_eq!(ok(&mut card, "00B2000220"), r1);
    let r2 = ok(&mut card, "00B2000220");
    assert_ne!(r2, r1);
    assert_eq!(tx(&mut card, "00B2000220").1, 0x6A83);
    assert_eq!(ok(&mut card, "00B2000320"), r1);
    assert_eq!(tx(&mut card, "00B2010410").1, 0x6C20);
    assert_eq!(tx(&mut card, "00B2030420").1, 0x6A83);
    assert_eq!(tx(&mut card, "00B0000001").1, 0x6981);
    // SEARCH RECORD for the ISIM AID's first bytes: record 2.
    let isim = hex::encode_upper(&rsp_saip::template::ISIM_AID[..]);
    let found = ok(&mut card, &format!("00A201040D61184F10{}", &isim[..18]));
    assert_eq!(found, vec![2]);
    // UPDATE RECORD (EF.ARR of the template not in the package: ADM1) then read
    // back; STATUS.
    let rec = "AA".repeat(32);
    assert_eq!(tx(&mut card, &format!("00DC020420{rec}")).1, 0x6982);
    ok(
        &mut card,
        &format!("0020000A08{}", hex::encode_upper(b"88888888")),
    );
    ok(&mut card, &format!("00DC020420{rec}"));
    assert_eq!(ok(&mut card, "00B2020420"), vec![0xAA; 32]);
    assert_eq!(ok(&mut card, "80F2000000")[0], 0x62);
    // Channel 1: the ISD-R; channel 2: ADF.USIM; the basic channel keeps EF.DIR.
    let r = card.transmit(&hex::decode("0070000001").unwrap());
    let ch2 = r[0];
    ok(&mut card, &format!("0{ch2}A4040C07A0000000871002"));
    ok(&mut card, &format!("0{ch2}A4000C026F07"));
    assert_eq!(ok(&mut card, &format!("0{ch2}B0000009"))[0], 0x08);
    assert_eq!(ok(&mut card, "00B2010420"), r1);
    challenge(&mut card, cla);
    assert_eq!(ok(&mut card, &format!("0{ch2}B0000001")), vec![0x08]);
    ok(&mut card, &format!("0070800{ch2}"));
    assert_eq!(tx(&mut card, &format!("0{ch2}B0000001")).1, 0x6881);
}

#[test]
fn pin_counters_block_unblock_and_persist() {
    let path = std::env::temp_dir().join(format!("rsp-uicc-pin-{}.json", std::process::id()));
    let _ = std::fs::remove_file(&path);
    let (mut card, cla, smdp) = new_card(StateStore::file(&path));
    let a = install(
        &mut card,
        cla,
        &smdp,
        4,
        generic("890010000000000044", "001010000000404"),
    );
    enable(&mut card, cla, a);
    let pin2 = hex::encode_upper(b"0000\xFF\xFF\xFF\xFF");
    let wrong = hex::encode_upper(b"9999\xFF\xFF\xFF\xFF");
    // PIN2 (81): 3 tries.
    assert_eq!(tx(&mut card, "0020008100").1, 0x63C3);
    assert_eq!(tx(&mut card, &format!("0020008108{wrong}")).1, 0x63C2);
    // The counter survives a restart.
    let identity = card.into_isdr().into_identity();
    let (mut card, _) = card_with(identity, EuiccConfig::default(), StateStore::file(&path));
    assert_eq!(tx(&mut card, "0020008100").1, 0x63C2);
    assert_eq!(tx(&mut card, &format!("0020008108{wrong}")).1, 0x63C1);
    assert_eq!(tx(&mut card, &format!("0020008108{wrong}")).1, 0x63C0);
    assert_eq!(tx(&mut card, &format!("0020008108{pin2}")).1, 0x6983);
    assert_eq!(tx(&mut card, "0020008100").1, 0x6983);
    // UNBLOCK with PUK2 (22222222) and a new PIN2.
    assert_eq!(tx(&mut card, "002C008100").1, 0x63CA);
    let new = hex::encode_upper(b"1234\xFF\xFF\xFF\xFF");
    let puk_wrong = hex::encode_upper(b"00000000");
    assert_eq!(
        tx(&mut card, &format!("002C008110{puk_wrong}{new}")).1,
        0x63C9
    );
    let puk = hex::encode_upper(b"22222222");
    ok(&mut card, &format!("002C008110{puk}{new}"));
    ok(&mut card, "0020008100");
    ok(&mut card, &format!("0020008108{new}"));
    // CHANGE PIN2, then the old one fails.
    ok(&mut card, &format!("0024008110{new}{pin2}"));
    assert_eq!(tx(&mut card, &format!("0020008108{new}")).1, 0x63C2);
    ok(&mut card, &format!("0020008108{pin2}"));
    // PIN1 is disabled in the template (attributes 6): ENABLE, then it must be verified
    // after a reset; DISABLE again.
    let pin1 = hex::encode_upper(b"0000\xFF\xFF\xFF\xFF");
    ok(&mut card, "0020000100");
    ok(&mut card, &format!("0028000108{pin1}"));
    card.reset();
    assert_eq!(tx(&mut card, "0020000100").1, 0x63C3);
    ok(&mut card, &format!("0026000108{pin1}"));
    // Unknown key reference, wrong length, no secret in the state's Debug output.
    assert_eq!(tx(&mut card, &format!("0020000208{pin1}")).1, 0x6A88);
    assert_eq!(tx(&mut card, "002000810330303030").1, 0x6700);
    let debug = format!("{:?}", card.isdr().state().profiles[0].uicc);
    assert!(
        debug.contains("left") && !debug.contains("30303030"),
        "{debug}"
    );
    assert!(
        !debug.contains("48, 48") && !debug.contains("\"0000"),
        "{debug}"
    );
    let _ = std::fs::remove_file(&path);
}

#[test]
fn authenticate_milenage_resync_and_mac_failure() {
    let (mut card, cla, smdp) = new_card(StateStore::memory());
    let a = install(
        &mut card,
        cla,
        &smdp,
        5,
        generic("890010000000000055", "001010000000505"),
    );
    enable(&mut card, cla, a);
    ok(&mut card, "00A4040C07A0000000871002");
    // The template's K/OPc are those of TS 35.207 test set 1; RAND of set 1.
    let k: [u8; 16] = hex::decode(rsp_saip::template::values::K)
        .unwrap()
        .try_into()
        .unwrap();
    let opc: [u8; 16] = hex::decode(rsp_saip::template::values::OPC)
        .unwrap()
        .try_into()
        .unwrap();
    let m = Milenage::new(k, opc);
    let rand: [u8; 16] = hex::decode("23553cbe9637a89d218ae64dae47bf35")
        .unwrap()
        .try_into()
        .unwrap();
    let autn = |sqn: u64, amf: [u8; 2]| {
        let sqn: [u8; 6] = sqn.to_be_bytes()[2..].try_into().unwrap();
        let (mac, _) = m.f1(&rand, &sqn, &amf);
        let ak = m.f2345(&rand).ak;
        let mut v: Vec<u8> = sqn.iter().zip(ak).map(|(s, a)| s ^ a).collect();
        v.extend_from_slice(&amf);
        v.extend_from_slice(&mac);
        v
    };
    let cmd = |autn: &[u8]| {
        format!(
            "008800812210{}10{}",
            hex::encode_upper(rand),
            hex::encode_upper(autn)
        )
    };
    let good = autn(0x40, [0x80, 0x00]);
    let r = ok(&mut card, &cmd(&good));
    // DB 08 RES 10 CK 10 IK: the published f2, f3, f4 of test set 1.
    let expected = hex::decode(
        "DB08a54211d5e3ba50bf10b40ba9a3c58b2a05bbf0d987b21bf8cb10f769bcd751044604127672711c6d3441",
    )
    .unwrap();
    assert_eq!(r, expected);
    // Replayed: synchronisation failure with AUTS = SQN_MS ⊕ AK* ‖ MAC-S.
    let r = ok(&mut card, &cmd(&good));
    assert_eq!(&r[..2], &[0xDC, 0x0E]);
    let ak_star = m.f5star(&rand);
    let sqn_ms: Vec<u8> = r[2..8].iter().zip(ak_star).map(|(c, a)| c ^ a).collect();
    assert_eq!(sqn_ms, vec![0, 0, 0, 0, 0, 0x40]);
    let (_, mac_s) = m.f1(&rand, &sqn_ms.clone().try_into().unwrap(), &[0, 0]);
    assert_eq!(&r[8..], &mac_s);
    // A higher SQN with another IND is accepted; a corrupted MAC answers 9862.
    ok(&mut card, &cmd(&autn(0x41, [0x80, 0x00])));
    let mut bad = autn(0x60, [0x80, 0x00]);
    bad[15] ^= 1;
    assert_eq!(tx(&mut card, &cmd(&bad)).1, 0x9862);
    // GSM context needs service 27 in EF.UST, which the template leaves out.
    assert_eq!(
        tx(
            &mut card,
            &format!("0088008011 10{}", hex::encode_upper(rand))
        )
        .1,
        0x6A86
    );
    // Malformed AUTHENTICATE data.
    assert_eq!(tx(&mut card, "0088008103100102").1, 0x6700);
    assert_eq!(tx(&mut card, "0088008100").1, 0x6700);
    // No Ki or OPc in what the card shows of itself (Debug of the state, as an error
    // path or a log would print it); the crate logs nothing at all.
    let shown = format!("{:?}", card.isdr().state());
    for secret in [
        rsp_saip::template::values::K,
        rsp_saip::template::values::OPC,
    ] {
        for form in [secret.to_lowercase(), secret.to_uppercase()] {
            assert!(!shown.contains(&form), "a key in {shown}");
        }
        let bytes = hex::decode(secret).unwrap();
        let decimal: Vec<String> = bytes[..8].iter().map(u8::to_string).collect();
        assert!(!shown.contains(&decimal.join(", ")), "key bytes shown");
    }
}

#[test]
fn malformed_apdus_never_panic() {
    let (mut card, cla, smdp) = new_card(StateStore::memory());
    let a = install(
        &mut card,
        cla,
        &smdp,
        6,
        generic("890010000000000066", "001010000000606"),
    );
    enable(&mut card, cla, a);
    for apdu in [
        "",
        "00",
        "00A4",
        "00A400",
        "00A4000405 3F",
        "00A4000401",
        "00A4080403 3F0012",
        "00B0",
        "00B2",
        "00B20004",
        "00DC0104",
        "00DC010401AA",
        "00A20104",
        "00A2010601",
        "00A2010602FFFF",
        "0020",
        "002000",
        "00200001",
        "002C0001 0100",
        "00880081",
        "008800810110",
        "0088008112 10",
        "80F2",
        "80F20203",
        "00D6000001",
        "00D6FFFF01AA",
        "00B0FFFF00",
        "FFA4000000",
        "20A40000",
        "00A4000402 0000 00 00",
    ] {
        let bytes = hex::decode(apdu.replace(' ', "")).unwrap();
        let r = card.transmit(&bytes);
        assert!(r.len() >= 2, "{apdu}: {r:02X?}");
    }
    // Pseudo-random APDUs over the UICC instructions.
    let mut x: u32 = 0x1234_5678;
    let mut next = move || {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        x
    };
    let ins = [
        0xA4u8, 0xB0, 0xB2, 0xD6, 0xDC, 0xA2, 0xF2, 0x20, 0x24, 0x26, 0x28, 0x2C, 0x88, 0xC0, 0x70,
        0x10,
    ];
    for _ in 0..5000 {
        let len = (next() % 24) as usize;
        let mut apdu: Vec<u8> = (0..len).map(|_| next() as u8).collect();
        if let Some(c) = apdu.first_mut() {
            *c &= 0x83;
        }
        if let Some(i) = apdu.get_mut(1) {
            *i = ins[(next() as usize) % ins.len()];
        }
        let r = card.transmit(&apdu);
        assert!(r.len() >= 2);
        card.transmit(&[0x00, 0x70, 0x80, 0x00]);
    }
}

/// K of the Profile's first `PE-AKAParameter`.
fn aka_key(pkg: &rsp_saip::ProfilePackage) -> Vec<u8> {
    use rsp_saip::model::{AlgoConfiguration, ProfileElement};
    pkg.elements
        .iter()
        .find_map(|e| match e.pe() {
            Some(ProfileElement::AkaParameter(p)) => match &p.algo_configuration {
                AlgoConfiguration::AlgoParameter(a) => Some(a.key.to_vec()),
                _ => None,
            },
            _ => None,
        })
        .unwrap()
}

/// Every TS.48 test profile of the reference set: installed, enabled, its EF.ICCID and
/// EF.IMSI read at APDU level equal the package's, ADM1 opens EF.IMSI for update, and
/// AUTHENTICATE runs its algorithm (needs RSP_REFERENCE_DIR; skipped otherwise).
#[test]
fn ts48_profiles_as_uicc() {
    let Some(dir) = std::env::var_os("RSP_REFERENCE_DIR") else {
        println!("RSP_REFERENCE_DIR not set: skipping the TS.48 UICC test");
        return;
    };
    let mut files: Vec<_> = std::fs::read_dir(std::path::Path::new(&dir).join("ts48"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|x| x == "der"))
        .collect();
    files.sort();
    assert!(!files.is_empty());
    let (mut card, cla, smdp) = new_card(StateStore::memory());
    for (n, f) in files.iter().enumerate() {
        let der = std::fs::read(f).unwrap();
        let pkg = rsp_saip::ProfilePackage::decode(&der).unwrap();
        let want_iccid = pkg.file("EF.ICCID").unwrap().read();
        let want_imsi = pkg.file("usim/EF.IMSI").unwrap().read();
        let iccid = install(&mut card, cla, &smdp, 0x40 + n as u8, der);
        enable(&mut card, cla, iccid);
        let (got_iccid, got_imsi) = read_iccid_imsi(&mut card);
        assert_eq!(got_iccid, want_iccid[..10], "{}", f.display());
        assert_eq!(got_imsi, want_imsi[..9], "{}", f.display());
        // EF.KEYS: no size in the package, the TS 31.102 size (33 bytes).
        ok(&mut card, "00A4000C026F08");
        assert_eq!(ok(&mut card, "00B0000000").len(), 33, "{}", f.display());
        ok(&mut card, "00A4000C026F07");
        // EF.IMSI: update needs ADM1 ("55555555" in TS.48).
        let imsi_hex = hex::encode_upper(&got_imsi);
        assert_eq!(
            tx(&mut card, &format!("00D6000009{imsi_hex}")).1,
            0x6982,
            "{}",
            f.display()
        );
        ok(
            &mut card,
            &format!("002000 0A08{}", hex::encode_upper(b"55555555")).replace(' ', ""),
        );
        ok(&mut card, &format!("00D6000009{imsi_hex}"));
        // AUTHENTICATE: TS.48 profiles use the TS 34.108 §8.1.2 test algorithm; with
        // RAND = 0, XDOUT = K, AK = K[3..9], MAC = XDOUT[0..8] ⊕ (SQN ‖ AMF), and
        // RES = XDOUT[0..8], CK = XDOUT <<< 8, IK = XDOUT <<< 16.
        let k = aka_key(&pkg);
        let sqn = [0, 0, 0, 0, 0, 0x20u8];
        let amf = [0x80u8, 0x00];
        let mut autn: Vec<u8> = sqn.iter().zip(&k[3..9]).map(|(s, a)| s ^ a).collect();
        autn.extend_from_slice(&amf);
        let cd: Vec<u8> = sqn.iter().chain(&amf).copied().collect();
        autn.extend(k[..8].iter().zip(&cd).map(|(x, c)| x ^ c));
        ok(&mut card, "00A4040C07A0000000871002");
        let r = ok(
            &mut card,
            &format!(
                "008800812210{}10{}",
                "00".repeat(16),
                hex::encode_upper(&autn)
            ),
        );
        let mut want = vec![0xDB, 0x08];
        want.extend_from_slice(&k[..8]);
        want.push(0x10);
        want.extend(k.iter().cycle().skip(1).take(16));
        want.push(0x10);
        want.extend(k.iter().cycle().skip(2).take(16));
        assert_eq!(r[..want.len()], want[..], "{}", f.display());
        disable(&mut card, cla, iccid);
        delete(&mut card, cla, iccid);
    }
}

/// One exchange as pySim's transport does it (`LinkBase.send_apdu`, pySim 1.x): while
/// SW1 is `61`, `62`, `63` or `9F`, GET RESPONSE with the command's own CLA and
/// Le = SW2, the data appended; then, on `6Cxx`, the last header again with Le = xx.
/// Panics if the card kept it looping (pySim would hang there).
fn pysim_send(card: &mut Card, apdu: &str) -> (Vec<u8>, u16) {
    let pdu = hex::decode(apdu).unwrap();
    let mut prev = pdu.clone();
    let split = |r: Vec<u8>| {
        let (d, sw) = r.split_at(r.len() - 2);
        (d.to_vec(), u16::from_be_bytes([sw[0], sw[1]]))
    };
    let (mut data, mut sw) = split(card.transmit(&pdu));
    let mut rounds = 0;
    while matches!(sw >> 8, 0x61 | 0x62 | 0x63 | 0x9F) {
        rounds += 1;
        assert!(rounds < 20, "{apdu}: GET RESPONSE loop, SW {sw:04X}");
        let gr = vec![pdu[0], 0xC0, 0x00, 0x00, (sw & 0xFF) as u8];
        prev = gr.clone();
        let (d, s) = split(card.transmit(&gr));
        data.extend_from_slice(&d);
        sw = s;
    }
    if sw >> 8 == 0x6C {
        let mut again = prev[..4].to_vec();
        again.push((sw & 0xFF) as u8);
        (data, sw) = split(card.transmit(&again));
    }
    (data, sw)
}

fn pysim_ok(card: &mut Card, apdu: &str) -> Vec<u8> {
    let (data, sw) = pysim_send(card, apdu);
    assert_eq!(sw, 0x9000, "{apdu}: SW {sw:04X}");
    data
}

/// The value of the first top-level TLV `tag` inside an FCP (`62` template).
fn fcp_field(fcp: &[u8], tag: u8) -> Option<Vec<u8>> {
    assert_eq!(fcp[0], 0x62, "{fcp:02X?}");
    let mut i = if fcp[1] == 0x81 { 3 } else { 2 };
    while i + 1 < fcp.len() {
        let (t, l) = (fcp[i], usize::from(fcp[i + 1]));
        if t == tag {
            return Some(fcp[i + 2..i + 2 + l].to_vec());
        }
        i += 2 + l;
    }
    None
}

/// pySim-shell's start-up and the session of issue 22 (select MF, EF.ICCID, ADF.USIM,
/// EF.IMSI, verify_chv, authenticate), APDU by APDU in the forms pySim sends them
/// (read from its `commands.py`, `transport/__init__.py`, `runtime.py` and
/// `profile/euicc.py`): SELECT with P2 `04` and Le `00` (ETSI TS 102 221 §11.1.1),
/// STATUS `80F20000` without Le answered through `61xx` + GET RESPONSE with CLA `80`
/// (§11.1.2, §7.3.1.1.4), READ BINARY/RECORD sized from the FCP (`80`, `82`, §11.1.1.4),
/// VERIFY with the PIN padded with `FF` (§11.1.9), AUTHENTICATE with Le `00` (3GPP
/// TS 31.102 §7.1.2). A warning SW (`63Cx`) makes pySim send GET RESPONSE: the card must
/// end that with an error, not loop.
#[test]
fn pysim_shell_session_apdu_forms() {
    let (mut card, cla, smdp) = new_card(StateStore::memory());
    let a = install(
        &mut card,
        cla,
        &smdp,
        9,
        generic("890010000000000099", "001010000000909"),
    );
    enable(&mut card, cla, a);
    card.reset();
    // Card profile pick (pySim/profile/euicc.py): SGP.32 (GetCerts, BF56) fails,
    // SGP.22 (GetEID on the ISD-R, basic channel, CLA 80) matches.
    let isdr = "A0000005591010FFFFFFFF8900000100";
    pysim_ok(&mut card, &format!("00A4040410{isdr}00"));
    assert_ne!(pysim_send(&mut card, "80E2910003BF5600").1, 0x9000);
    card.reset();
    pysim_ok(&mut card, &format!("00A4040410{isdr}00"));
    let eid = pysim_ok(&mut card, "80E2910006BF3E035C015A00");
    assert_eq!(&eid[..3], &[0xBF, 0x3E, 0x12]);
    // Add-on probes with the SIM class (TS 51.011) and absent DFs: plain errors.
    assert_eq!(pysim_send(&mut card, "A0A40000023F00").1, 0x6E00);
    assert_eq!(pysim_send(&mut card, "00A40004027F2500").1, 0x6A82);
    // select MF; EF.DIR (read_aids): record length and count from the FCP.
    let mf = pysim_ok(&mut card, "00A40004023F0000");
    assert_eq!(fcp_field(&mf, 0x82).unwrap(), vec![0x78, 0x21]);
    assert!(fcp_field(&mf, 0xC6).is_some(), "{mf:02X?}");
    let dir = pysim_ok(&mut card, "00A40004022F0000");
    let desc = fcp_field(&dir, 0x82).unwrap();
    let rec_len = u16::from_be_bytes([desc[2], desc[3]]);
    let size = fcp_field(&dir, 0x80).unwrap();
    let count = u16::from_be_bytes([size[0], size[1]]) / rec_len;
    let mut aids = Vec::new();
    for n in 1..=count {
        let r = pysim_ok(&mut card, &format!("00B2{n:02X}04{rec_len:02X}"));
        if r[0] == 0x61 && r[2] == 0x4F {
            aids.push(hex::encode_upper(&r[4..4 + usize::from(r[3])]));
        }
    }
    let usim = aids
        .iter()
        .find(|a| a.starts_with("A0000000871002"))
        .unwrap();
    // Applications of the profile not in EF.DIR, probed by AID: not found.
    assert_eq!(
        pysim_send(&mut card, "00A4040410A0000005591010FFFFFFFF890000020000").1,
        0x6A82
    );
    // select MF / EF.ICCID / read_binary_decoded (length from the FCP's `80`).
    pysim_ok(&mut card, "00A40004023F0000");
    let fcp = pysim_ok(&mut card, "00A40004022FE200");
    let len = u16::from_be_bytes(fcp_field(&fcp, 0x80).unwrap().try_into().unwrap());
    let iccid = pysim_ok(&mut card, &format!("00B00000{len:02X}"));
    assert_eq!(iccid, a.as_bytes().to_vec());
    // select ADF.USIM (full AID from EF.DIR), STATUS, select EF.IMSI, read.
    let adf = pysim_ok(&mut card, &format!("00A4040410{usim}00"));
    assert_eq!(
        hex::encode_upper(fcp_field(&adf, 0x84).unwrap()),
        usim.as_str()
    );
    let status = pysim_ok(&mut card, "80F20000");
    assert_eq!(status, adf);
    let fcp = pysim_ok(&mut card, "00A40004026F0700");
    let len = u16::from_be_bytes(fcp_field(&fcp, 0x80).unwrap().try_into().unwrap());
    let imsi = pysim_ok(&mut card, &format!("00B00000{len:02X}"));
    assert_eq!(imsi, hex::decode("080910100000009090").unwrap());
    // verify_chv 0000 (PIN1 of the template); a wrong PIN: 63Cx, and pySim's GET
    // RESPONSE after it ends with an error instead of looping.
    pysim_ok(&mut card, "002000010830303030FFFFFFFF");
    assert_ne!(
        pysim_send(&mut card, "002000010839393939FFFFFFFF").1,
        0x9000
    );
    pysim_ok(&mut card, "002000010830303030FFFFFFFF");
    // authenticate RAND AUTN (TS 35.207 test set 1 K/OPc, SQN 0x20, AMF 8000).
    let k: [u8; 16] = hex::decode(rsp_saip::template::values::K)
        .unwrap()
        .try_into()
        .unwrap();
    let opc: [u8; 16] = hex::decode(rsp_saip::template::values::OPC)
        .unwrap()
        .try_into()
        .unwrap();
    let m = Milenage::new(k, opc);
    let rand = [0x23; 16];
    let sqn = [0, 0, 0, 0, 0, 0x20];
    let (mac, _) = m.f1(&rand, &sqn, &[0x80, 0x00]);
    let v = m.f2345(&rand);
    let mut autn: Vec<u8> = sqn.iter().zip(v.ak).map(|(s, a)| s ^ a).collect();
    autn.extend_from_slice(&[0x80, 0x00]);
    autn.extend_from_slice(&mac);
    let r = pysim_ok(
        &mut card,
        &format!(
            "008800812210{}10{}00",
            hex::encode_upper(rand),
            hex::encode_upper(&autn)
        ),
    );
    assert_eq!(&r[..2], &[0xDB, 0x08]);
    assert_eq!(&r[2..10], &v.res[..]);
    // select parent from an EF in the ADF (`00A40304`, no Lc): the ADF's parent, the MF.
    let parent = pysim_ok(&mut card, "00A40304");
    assert_eq!(fcp_field(&parent, 0x83).unwrap(), vec![0x3F, 0x00]);
}
