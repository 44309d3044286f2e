//! Hostile input: every error is a typed `CodecError`, never a panic.
#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

mod asn1_common;

use asn1_common::{ByType, fixture, fixtures, h, with_type};
use rasn::{Decode, Encode};
use rsp_codec::asn1::*;

/// Decodes with the fixture's type and records whether it succeeded.
struct Probe(Vec<bool>);

impl ByType for Probe {
    fn call<T: Decode + Encode + std::fmt::Debug>(&mut self, bytes: &[u8]) {
        let ok = decode::<T>(bytes).is_ok();
        if ok {
            // Whatever we accept we can encode again.
            let value = decode::<T>(bytes).unwrap();
            encode(&value).unwrap();
        }
        self.0.push(ok);
    }
}

#[test]
fn every_truncation_of_every_fixture_is_an_error() {
    for fx in fixtures() {
        let mut probe = Probe(Vec::new());
        for len in 0..fx.bytes.len() {
            assert!(with_type(&fx.type_name, &fx.bytes[..len], &mut probe));
        }
        assert!(
            probe.0.iter().all(|ok| !ok),
            "{}: a truncated encoding was accepted",
            fx.name
        );
    }
}

#[test]
fn byte_mutations_never_panic() {
    // Deterministic: every position gets a few nasty values.
    for fx in fixtures() {
        let mut probe = Probe(Vec::new());
        let step = if fx.bytes.len() <= 600 {
            1
        } else {
            fx.bytes.len() / 200
        };
        for pos in (0..fx.bytes.len()).step_by(step) {
            for value in [0x00, 0x1F, 0x30, 0x7F, 0x80, 0x81, 0x84, 0xBF, 0xFF] {
                let mut bytes = fx.bytes.clone();
                bytes[pos] = value;
                with_type(&fx.type_name, &bytes, &mut probe);
            }
        }
        assert!(!probe.0.is_empty());
    }
}

#[test]
fn random_multi_byte_mutations_never_panic() {
    // A fixed-seed LCG: reproducible without a rand dependency.
    let mut state: u64 = 0x5DEE_CE66_D1CE_4E5B;
    let mut next = move || {
        state = state
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (state >> 33) as usize
    };
    for fx in fixtures() {
        let mut probe = Probe(Vec::new());
        for _ in 0..300 {
            let mut bytes = fx.bytes.clone();
            for _ in 0..(1 + next() % 4) {
                let pos = next() % bytes.len();
                bytes[pos] = next() as u8;
            }
            if next() % 5 == 0 {
                let cut = next() % bytes.len();
                bytes.truncate(cut);
            }
            with_type(&fx.type_name, &bytes, &mut probe);
        }
    }
}

#[test]
fn trailing_bytes_are_refused() {
    let mut bytes = fixture("get_euicc_challenge_response");
    bytes.push(0x00);
    assert!(matches!(
        decode::<GetEuiccChallengeResponse>(&bytes),
        Err(CodecError::TrailingBytes(1))
    ));
    let (value, rest) = decode_prefix::<GetEuiccChallengeResponse>(&bytes).unwrap();
    assert_eq!(rest, [0x00]);
    assert_eq!(value.euicc_challenge.as_bytes()[0], 0x10);
}

#[test]
fn absurd_lengths_are_refused() {
    for hex in [
        "BF2284FFFFFFFF",
        "BF228480000000810302",
        "BF2288FFFFFFFFFFFFFFFF00",
        "BF22FF",
        "BF36 84 FFFFFFF0 BF23 00",
        "5A84FFFFFFFF",
        "BF2D 83 FFFFFF A0 00",
    ] {
        let bytes = h(hex);
        assert!(decode::<EUICCInfo2>(&bytes).is_err(), "{hex}");
        assert!(decode::<BoundProfilePackage>(&bytes).is_err(), "{hex}");
        assert!(decode::<ProfileInfoListResponse>(&bytes).is_err(), "{hex}");
        assert!(decode::<Iccid>(&bytes).is_err(), "{hex}");
    }
}

#[test]
fn wrong_tags_are_refused() {
    let good = fixture("get_euicc_challenge_response");
    let mut wrong = good.clone();
    wrong[1] = 0x2F; // BF2F instead of BF2E
    assert!(decode::<GetEuiccChallengeResponse>(&wrong).is_err());
    // Unknown alternative of a strict CHOICE (PrepareDownloadResponse has A0 / A1 only).
    assert!(decode::<PrepareDownloadResponse>(&h("BF2105A203800101")).is_err());
    // A signed part with the wrong universal tag (31 instead of 30).
    let mut bytes = fixture("prepare_download_response_ok");
    let at = bytes.iter().position(|b| *b == 0x30).unwrap();
    bytes[at] = 0x31;
    assert!(decode::<PrepareDownloadResponse>(&bytes).is_err());
    // A certificate that is not a SEQUENCE of three.
    assert!(Certificate::from_der(&h("3003020101")).is_err());
    assert!(CertificateList::from_der(&h("300A30003000030201")).is_err());
    // The smallest shape passes; a long-form length for a short value, an indefinite
    // length, a child that is not a complete TLV, 8 unused bits or a trailing byte do not.
    Certificate::from_der(&h("300B3002020030020500030100")).unwrap();
    assert!(Certificate::from_der(&h("30810B3002020030020500030100")).is_err());
    assert!(Certificate::from_der(&h("30803002020030020500030100")).is_err());
    assert!(Certificate::from_der(&h("300B3002020130020500030100")).is_err());
    assert!(Certificate::from_der(&h("300C300202003002050003020800")).is_err());
    assert!(matches!(
        Certificate::from_der(&h("300B300202003002050003010000")),
        Err(rsp_codec::asn1::CodecError::TrailingBytes(1))
    ));
}

#[test]
fn size_and_range_constraints_are_enforced() {
    // 15-byte challenge.
    assert!(
        decode::<GetEuiccChallengeResponse>(&h("BF2E118010000102030405060708090A0B0C0D0E"))
            .is_err()
    );
    // 17-byte transactionId.
    let mut cancel = h("BF41158011");
    cancel.extend([0x42; 17]);
    cancel.extend(h("810101"));
    assert!(decode::<CancelSessionRequest>(&cancel).is_err());
    // Empty transactionId.
    assert!(decode::<CancelSessionRequest>(&h("BF4105800081 0101")).is_err());
    // 9-byte ICCID.
    assert!(decode::<Iccid>(&h("5A09980010325476981032")).is_err());
    // An INTEGER that does not fit the named-number type.
    assert!(decode::<EnableProfileResponse>(&h("BF310C800A7FFFFFFFFFFFFFFFFFFF")).is_err());
    // Invalid UTF-8.
    assert!(decode::<SetDefaultDpAddressRequest>(&h("BF3F048002C328")).is_err());
    // BOOLEAN other than 00 / FF is not DER.
    assert!(
        decode::<EnableProfileRequest>(&h("BF3111A00C5A0A98001032547698103214810101")).is_err()
    );
    // Fixed-size constructors check too.
    assert!(matches!(
        Octet16::try_from(&[0u8; 3][..]),
        Err(CodecError::Size {
            expected: 16,
            actual: 3,
            ..
        })
    ));
}

#[test]
fn indefinite_lengths_and_deep_nesting_are_handled() {
    // Indefinite length anywhere: refused (also bounds recursion).
    assert!(decode::<EUICCInfo1>(&h("BF2080820302020200 00")).is_err());
    // 50 000 nested indefinite-length constructions in an extension position.
    let mut deep = h("BF20");
    deep.extend(std::iter::repeat_n([0xA0, 0x80], 50_000).flatten());
    assert!(decode::<GetEuiccInfo1Request>(&deep).is_err());
    // Deeply nested definite lengths inside an unknown extension: kept flat, no recursion.
    let mut inner = vec![0x04, 0x00];
    for _ in 0..2000 {
        let len = inner.len();
        let mut next = vec![0xA0, 0x83, (len >> 16) as u8, (len >> 8) as u8, len as u8];
        next.extend(inner);
        inner = next;
    }
    let len = inner.len();
    let mut outer = vec![
        0xBF,
        0x20,
        0x83,
        (len >> 16) as u8,
        (len >> 8) as u8,
        len as u8,
    ];
    outer.extend(&inner);
    let value: GetEuiccInfo1Request = decode(&outer).unwrap();
    assert_eq!(value.ext.0.len(), 1);
    assert_eq!(
        encode(&value).unwrap().len(),
        outer.len() - 1,
        "re-encoded with a minimal length"
    );
}

#[test]
fn long_form_lengths_are_tolerated_but_kept_only_by_raw() {
    // BF30 with a long-form length (81 03): accepted (rasn's DER decoder is lenient), and a
    // plain re-encoding is canonical, which is why signed parts are `Raw`.
    let bytes = h("BF308103800100");
    let value: NotificationSentResponse = decode(&bytes).unwrap();
    assert_eq!(encode(&value).unwrap(), h("BF3003800100"));
}

#[test]
fn ber_entry_point_is_lenient_and_keeps_signed_bytes() {
    // BOOLEAN 01 and an indefinite-length signed part: not DER, fine as BER.
    let bool01 = h("BF3111A00C5A0A98001032547698103214810101");
    assert!(decode::<EnableProfileRequest>(&bool01).is_err());
    assert!(
        decode_ber::<EnableProfileRequest>(&bool01)
            .unwrap()
            .refresh_flag
    );
    // PrepareDownloadResponse ok whose euiccSigned2 uses an indefinite length.
    let signed = h("3080 8001 01 5F4901 04 0000");
    let mut ok = signed.clone();
    ok.extend(h("5F3700"));
    let mut msg = h("BF21");
    msg.push((ok.len() + 2) as u8);
    msg.push(0xA0);
    msg.push(ok.len() as u8);
    msg.extend(&ok);
    assert!(decode::<PrepareDownloadResponse>(&msg).is_err());
    let PrepareDownloadResponse::DownloadResponseOk(value) =
        decode_ber::<PrepareDownloadResponse>(&msg).unwrap()
    else {
        panic!("not ok")
    };
    assert_eq!(value.euicc_signed2.raw(), signed.as_slice());
    assert_eq!(value.euicc_signed2.value().euicc_otpk.as_ref(), [0x04]);
    let mut trailing = msg.clone();
    trailing.push(0);
    assert!(matches!(
        decode_ber::<PrepareDownloadResponse>(&trailing),
        Err(CodecError::TrailingBytes(1))
    ));
}

#[test]
fn explicit_default_value_is_accepted_but_not_reproduced() {
    // StoreMetadataRequest with profileClass operational(2) written out (95 01 02): X.690
    // §11.5 forbids it in DER; rasn accepts it and our DER re-encoding omits it. Nothing
    // signs StoreMetadataRequest on its own, so this only matters for byte comparisons.
    let explicit = h("BF25145A0A980010325476981032149100920150950102");
    let value: StoreMetadataRequest = decode(&explicit).unwrap();
    assert_eq!(value.profile_class, ProfileClass::OPERATIONAL);
    assert_eq!(
        encode(&value).unwrap(),
        h("BF25115A0A980010325476981032149100920150")
    );
}
