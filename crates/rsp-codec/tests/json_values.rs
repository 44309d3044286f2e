//! Edge cases of the JSON value types: base64 (RFC 4648 §10 test vectors), transactionId hex,
//! EID, ICCID, timestamp. Bad input must give an error, never a panic.

#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

use rsp_codec::json::{Base64Bytes, Eid, Iccid, Timestamp, TransactionIdHex};

#[test]
fn base64_rfc4648_vectors() {
    let vectors = [
        ("", ""),
        ("f", "Zg=="),
        ("fo", "Zm8="),
        ("foo", "Zm9v"),
        ("foob", "Zm9vYg=="),
        ("fooba", "Zm9vYmE="),
        ("foobar", "Zm9vYmFy"),
    ];
    for (plain, encoded) in vectors {
        let b = Base64Bytes::new(plain.as_bytes());
        assert_eq!(b.encode(), encoded);
        assert_eq!(
            Base64Bytes::decode(encoded).unwrap().as_bytes(),
            plain.as_bytes()
        );
        // Unpadded input is accepted too.
        let unpadded = encoded.trim_end_matches('=');
        assert_eq!(
            Base64Bytes::decode(unpadded).unwrap().as_bytes(),
            plain.as_bytes()
        );
    }
}

#[test]
fn base64_line_wrapped_input_is_accepted() {
    // 60 bytes encode to 80 characters; a MIME encoder wraps at 76 with CRLF.
    let data: Vec<u8> = (0u8..60).collect();
    let one_line = Base64Bytes::new(data.clone()).encode();
    let wrapped = format!("{}\r\n{}\n", &one_line[..76], &one_line[76..]);
    assert_eq!(Base64Bytes::decode(&wrapped).unwrap().as_bytes(), data);
    let spaced = format!(" {} \t", one_line);
    assert_eq!(Base64Bytes::decode(&spaced).unwrap().as_bytes(), data);
    // Output never wraps.
    let long = Base64Bytes::new(vec![0xAB; 1000]).encode();
    assert!(!long.contains('\n') && !long.contains(' '));
}

#[test]
fn base64_bad_input_is_an_error() {
    for bad in [
        "Zm9v!", // not in the alphabet
        "-_-_",  // URL-safe alphabet
        "Zg",    // fine unpadded…
        "Z",     // …but one symbol can never be valid
        "Zh==",  // non-zero trailing bits
        "Zg===", // excess padding
        "Zg=a",  // padding in the middle
        "é",     // non-ASCII
    ] {
        let r = Base64Bytes::decode(bad);
        if bad == "Zg" {
            assert!(r.is_ok());
        } else {
            assert!(r.is_err(), "{bad:?} accepted");
        }
    }
    // Through serde: a non-string is rejected too.
    assert!(serde_json::from_str::<Base64Bytes>("12").is_err());
    assert!(serde_json::from_str::<Base64Bytes>("\"Zm9v*\"").is_err());
}

#[test]
fn base64_debug_is_short() {
    let b = Base64Bytes::new(vec![0x30; 5000]);
    let d = format!("{b:?}");
    assert!(d.len() < 64, "{d}");
    assert!(d.contains("5000 bytes"));
}

#[test]
fn transaction_id_hex() {
    let t = TransactionIdHex::parse("8c7e2b29d5a2466c9a1d1f2a3b4c5d6e").unwrap();
    assert_eq!(t.to_string(), "8C7E2B29D5A2466C9A1D1F2A3B4C5D6E");
    assert_eq!(t.as_bytes().len(), 16);
    assert_eq!(
        serde_json::to_string(&t).unwrap(),
        "\"8C7E2B29D5A2466C9A1D1F2A3B4C5D6E\""
    );
    let one = TransactionIdHex::parse("0a").unwrap();
    assert_eq!(one.as_bytes(), [0x0A]);
    assert_eq!(
        TransactionIdHex::from_bytes(vec![1, 2])
            .unwrap()
            .to_string(),
        "0102"
    );

    for bad in [
        "",                                   // empty: SIZE(1..16)
        "ABC",                                // odd length
        "GG",                                 // not hex
        " 0A",                                // whitespace
        "0x0A",                               // prefix
        "000102030405060708090A0B0C0D0E0F10", // 17 bytes
    ] {
        assert!(TransactionIdHex::parse(bad).is_err(), "{bad:?}");
    }
    let huge = "A".repeat(1 << 20);
    assert!(TransactionIdHex::parse(&huge).is_err());
    assert!(TransactionIdHex::from_bytes(Vec::new()).is_err());
    assert!(TransactionIdHex::from_bytes(vec![0; 17]).is_err());
    assert!(serde_json::from_str::<TransactionIdHex>("16").is_err());
}

#[test]
fn eid_format() {
    let eid = Eid::parse("89049032123451234512345678901235").unwrap();
    assert_eq!(eid.to_string(), "89049032123451234512345678901235");
    for bad in [
        "8904903212345123451234567890123",   // 31
        "890490321234512345123456789012345", // 33
        "8904903212345123451234567890123A",  // hex digit
        "",
    ] {
        assert!(Eid::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn iccid_format() {
    let padded = Iccid::parse("8900000000000000001f").unwrap();
    assert_eq!(padded.as_str(), "8900000000000000001F");
    assert_eq!(padded.digits(), "8900000000000000001");
    let nineteen = Iccid::parse("8944501234567890123").unwrap();
    assert_eq!(nineteen.as_str(), "8944501234567890123");
    let twenty = Iccid::parse("89852342022019785558").unwrap();
    assert_eq!(twenty.digits(), "89852342022019785558");
    for bad in [
        "894450123456789012",    // 18
        "894450123456789012F",   // 19 with F: the F must be the 20th
        "894450123456789012345", // 21
        "89445012345678901A3",   // letter
        "8944501234567890123FF",
        "",
    ] {
        assert!(Iccid::parse(bad).is_err(), "{bad:?}");
    }
}

#[test]
fn timestamp_format() {
    let t = Timestamp::parse("2017-03-22T12:00:00+02:00").unwrap();
    assert_eq!(t.get().unix_timestamp(), 1_490_176_800);
    assert_eq!(t.to_string(), "2017-03-22T12:00:00+02:00");
    let z = Timestamp::parse("2024-03-06T08:10:41Z").unwrap();
    assert_eq!(
        serde_json::to_string(&z).unwrap(),
        "\"2024-03-06T08:10:41Z\""
    );
    for bad in [
        "2024-03-06",
        "2024-03-06 08:10:41",
        "1709712641",
        "2024-13-01T00:00:00Z",
    ] {
        assert!(Timestamp::parse(bad).is_err(), "{bad:?}");
    }
}
