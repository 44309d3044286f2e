//! Byte-exact SCP80 vectors published in osmocom pySim's `tests/unittests/test_ota.py`
//! (data set `SmsOtaTestCase.testdatasets`: SJA5 sample keys, TAR B00011, APDU
//! `00A40004023F00`, no counter, PoR required). Only the published bytes and keys are
//! taken; pySim's encoding starts at CPL (its UDH `02 70 00` is added separately) and
//! its PoR vectors start with the UDH `02 71 00`.

use rsp_ota::response::PorSecurity;
use rsp_ota::{
    CipherAlgorithm, CommandHeader, CommandPacket, Counter, CounterMode, Integrity,
    IntegrityAlgorithm, Kic, Kid, PorMode, PorStatus, ResponsePacket, SecurityKeys, Spi, sms,
};

const TAR: [u8; 3] = [0xb0, 0x00, 0x11];
const APDU: [u8; 7] = [0x00, 0xa4, 0x00, 0x04, 0x02, 0x3f, 0x00];

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

fn spi(por_ciphering: bool, por_integrity: Integrity) -> Spi {
    Spi {
        integrity: Integrity::Cc,
        ciphering: true,
        counter: CounterMode::None,
        por: PorMode::Always,
        por_integrity,
        por_ciphering,
        por_in_submit: false,
    }
}

fn tdes() -> (Kic, Kid, SecurityKeys) {
    (
        Kic::new(CipherAlgorithm::TdesCbc2Key, 3),
        Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 3),
        SecurityKeys::new(
            &h("300102030405060708090a0b0c0d0e0f"),
            &h("301102030405060708090a0b0c0d0e0f"),
        ),
    )
}

fn aes() -> (Kic, Kid, SecurityKeys) {
    (
        Kic::new(CipherAlgorithm::AesCbc, 2),
        Kid::new(IntegrityAlgorithm::AesCmac, 2),
        SecurityKeys::new(
            &h("200102030405060708090a0b0c0d0e0f"),
            &h("201102030405060708090a0b0c0d0e0f"),
        ),
    )
}

fn check(keys: (Kic, Kid, SecurityKeys), spi: Spi, cmd: &str, por: &str) {
    let (kic, kid, keys) = keys;
    let header = CommandHeader {
        spi,
        kic,
        kid,
        tar: TAR,
        counter: Counter::default(),
    };
    let built = header.seal(&keys, &APDU).expect("seal");
    assert_eq!(hex::encode(&built), cmd);
    let opened = CommandPacket::parse(&built)
        .expect("parse")
        .open(&keys)
        .expect("open");
    assert_eq!(opened.header, header);
    assert_eq!(opened.data, APDU);

    let ud = h(por);
    let packet = sms::unwrap_response(&ud).expect("udh");
    let security = PorSecurity { spi, kic, kid };
    let resp = ResponsePacket::parse(packet)
        .expect("parse")
        .open(&security, &keys)
        .expect("open");
    assert_eq!(resp.tar, TAR);
    assert_eq!(resp.status, PorStatus::Ok);
    // TS 102 226 §5.1.2 additional response data: one command, last SW 6132.
    assert_eq!(resp.data, [0x01, 0x61, 0x32]);
    // Rebuilding the PoR gives the published bytes.
    assert_eq!(
        hex::encode(sms::wrap_response(
            &resp.seal(&security, &keys).expect("seal")
        )),
        por
    );
}

#[test]
fn tdes_ciphered_cc_por_ciphered_cc() {
    check(
        tdes(),
        spi(true, Integrity::Cc),
        "00201506193535b00011ae733256918d050b87c94fbfe12e4dc402f262c41cf67f2f",
        "027100001c12b000118bb989492c632529326a2f4681feb37c825bc9021c9f6d0b",
    );
}

#[test]
fn tdes_ciphered_cc_por_cc() {
    check(
        tdes(),
        spi(false, Integrity::Cc),
        "00201506093535b00011c49ac91ab8159ba5b83a54fb6385e0a5e31694f8b215fafc",
        "027100001612b0001100000000000000b5bcd6353a421fae016132",
    );
}

#[test]
fn tdes_ciphered_cc_por_plain() {
    check(
        tdes(),
        spi(false, Integrity::None),
        "00201506013535b000113190be334900f52b025f3f7eddfe868e96ebf310023b7769",
        "027100000e0ab0001100000000000000016132",
    );
}

#[test]
fn aes_ciphered_cmac_por_ciphered_cmac() {
    check(
        aes(),
        spi(true, Integrity::Cc),
        "00281506192222b00011e87cceebb2d93083011ce294f93fc4d8de80da1abae8c37ca3e72ec4432e5058",
        "027100002412b00011ebc6b497e2cad7aedf36ace0e3a29b38853f0fe9ccde81913be5702b73abce1f",
    );
}

#[test]
fn tampered_published_packets_are_refused() {
    let (kic, kid, keys) = tdes();
    let mut cmd = h("00201506193535b00011ae733256918d050b87c94fbfe12e4dc402f262c41cf67f2f");
    if let Some(b) = cmd.last_mut() {
        *b ^= 1;
    }
    let err = CommandPacket::parse(&cmd)
        .expect("parse")
        .open(&keys)
        .expect_err("tampered");
    assert_eq!(err.por_status(), PorStatus::RcCcDsFailed);
    // PoR with the status octet changed (pySim's own negative case, 3DES signed PoR).
    let por = h("027100001612b0001100000000000000b5bcd6353a421fae026132");
    let security = PorSecurity {
        spi: spi(false, Integrity::Cc),
        kic,
        kid,
    };
    let packet = sms::unwrap_response(&por).expect("udh");
    let err = ResponsePacket::parse(packet)
        .expect("parse")
        .open(&security, &keys)
        .expect_err("tampered");
    assert_eq!(err.por_status(), PorStatus::RcCcDsFailed);
}

/// pySim `Test_SMS_3DES` (same file): keys KIC3/KID3 of card 8988211000000467285, TAR
/// B00000, APDU `00A40000023F00`. Its signed-only and unsecured vectors are printed
/// without CPL, so only the bytes from CHL on are compared for those.
#[test]
fn pysim_3des_card_vectors() {
    let keys = SecurityKeys::new(
        &h("C21DD66ACAC13CB3BC8B331B24AFB57B"),
        &h("12110C78E678C25408233076AA033615"),
    );
    let kic = Kic::new(CipherAlgorithm::TdesCbc2Key, 3);
    let kid = Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 3);
    let apdu = h("00a40000023f00");
    let mut s = spi(true, Integrity::Cc);
    let header = |spi| CommandHeader {
        spi,
        kic,
        kid,
        tar: [0xb0, 0, 0],
        counter: Counter::default(),
    };

    s.integrity = Integrity::None;
    let built = header(s).seal(&keys, &apdu).expect("seal");
    assert_eq!(
        hex::encode(&built),
        "00180d04193535b00000e3ec80a849b554421276af3883927c20"
    );

    s.ciphering = false;
    s.integrity = Integrity::Cc;
    let built = header(s).seal(&keys, &apdu).expect("seal");
    assert_eq!(
        hex::encode(built.get(2..).expect("chl")),
        "1502193535b00000000000000000072ea17bdb72060e00a40000023f00"
    );

    s.integrity = Integrity::None;
    let built = header(s).seal(&keys, &apdu).expect("seal");
    assert_eq!(
        hex::encode(built.get(2..).expect("chl")),
        "0d00193535b0000000000000000000a40000023f00"
    );

    // PoRs of that card (TAR B00011 in the PoR), ciphered+CC and CC only.
    for (ciphered, por) in [
        (
            true,
            "027100001c12b000119660ebdb81be189b5e4389e9e7ab2bc0954f963ad869ed7c",
        ),
        (
            false,
            "027100001612b000110000000000000055f47118381175fb01612f",
        ),
    ] {
        let security = PorSecurity {
            spi: spi(ciphered, Integrity::Cc),
            kic,
            kid,
        };
        let packet = sms::unwrap_response(&h(por))
            .map(<[u8]>::to_vec)
            .expect("udh");
        let resp = ResponsePacket::parse(&packet)
            .expect("parse")
            .open(&security, &keys)
            .expect("open");
        assert_eq!(resp.status, PorStatus::Ok);
        assert_eq!(resp.data, [0x01, 0x61, 0x2f]);
    }
}
