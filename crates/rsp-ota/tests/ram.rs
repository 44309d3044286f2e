//! TS 102 226 §5 remote APDU formats: round trips, long APDUs, malformed input, the
//! byte-exact expanded-format vectors published in osmocom pySim's
//! `tests/unittests/test_ota.py` (stored version at commit a3962b20; `ExpandedCmdTestCase`, `ExpandedRespTestCase`; only the
//! published bytes are taken), and an end-to-end SCP80 seal/open of an expanded script.

use rsp_ota::{
    CipherAlgorithm, CommandHeader, CommandPacket, CommandScript, Counter, CounterMode, Integrity,
    IntegrityAlgorithm, Kic, Kid, PorMode, RamError, RemoteFormat, ResponseScript, SecurityKeys,
    Spi,
};

fn h(s: &str) -> Vec<u8> {
    hex::decode(s).expect("hex")
}

fn script(format: RemoteFormat, apdus: &[&str]) -> CommandScript {
    CommandScript {
        format,
        apdus: apdus.iter().map(|a| h(a)).collect(),
    }
}

/// A case-3 C-APDU with `n` data octets (short Lc, so n <= 255).
fn case3(n: usize) -> Vec<u8> {
    let mut a = vec![0x80, 0xe2, 0x91, 0x00, n as u8];
    a.extend((0..n).map(|i| i as u8));
    a
}

#[test]
fn pysim_expanded_command_vectors() {
    // pySim test_ota.py ExpandedCmdTestCase.test_single_capdu_golden / _multi_capdu_golden.
    for (apdus, enc) in [
        (&["80f24002024f0000"][..], "aa0a220880f24002024f0000"),
        (
            &["80f24002024f0000", "00a40004023f0000"][..],
            "aa14220880f24002024f0000220800a40004023f0000",
        ),
    ] {
        let s = script(RemoteFormat::Expanded, apdus);
        assert_eq!(hex::encode(s.encode().expect("encode")), enc);
        assert_eq!(
            CommandScript::decode(&h(enc), RemoteFormat::Expanded).expect("decode"),
            s
        );
    }
    // test_multibyte_length_golden: a 200-octet C-APDU gives `aa 81cb 22 81c8`.
    let mut capdu = h("80f24000c3");
    capdu.extend(0..195u8);
    let s = CommandScript {
        format: RemoteFormat::Expanded,
        apdus: vec![capdu.clone()],
    };
    let enc = s.encode().expect("encode");
    assert_eq!(hex::encode(&enc[..6]), "aa81cb2281c8");
    assert_eq!(&enc[6..], &capdu[..]);
    assert_eq!(
        CommandScript::decode(&enc, RemoteFormat::Expanded).expect("decode"),
        s
    );
}

#[test]
fn pysim_expanded_response_vectors() {
    // pySim test_ota.py ExpandedRespTestCase.test_status_only_golden.
    let r = ResponseScript {
        executed: 1,
        responses: vec![h("6132")],
        bad_format: None,
    };
    let enc = r.encode(RemoteFormat::Expanded).expect("encode");
    assert_eq!(hex::encode(&enc), "ab0780010123026132");
    assert_eq!(
        ResponseScript::decode(&enc, RemoteFormat::Expanded).expect("decode"),
        r
    );
    // test_registry_golden: 198 data octets + 9000 -> `ab 81ce 800101 23 81c8`.
    let mut rapdu: Vec<u8> = (0..198u8).collect();
    rapdu.extend_from_slice(&[0x90, 0x00]);
    let r = ResponseScript {
        executed: 1,
        responses: vec![rapdu],
        bad_format: None,
    };
    let enc = r.encode(RemoteFormat::Expanded).expect("encode");
    assert_eq!(hex::encode(&enc[..9]), "ab81ce8001012381c8");
    assert_eq!(
        ResponseScript::decode(&enc, RemoteFormat::Expanded).expect("decode"),
        r
    );
    // test_bad_format: `ab06 800101 900101` (unknown tag).
    let bad =
        ResponseScript::decode(&h("ab06800101900101"), RemoteFormat::Expanded).expect("decode");
    assert_eq!(
        bad,
        ResponseScript {
            executed: 1,
            responses: vec![],
            bad_format: Some(1),
        }
    );
    assert_eq!(
        hex::encode(bad.encode(RemoteFormat::Expanded).expect("encode")),
        "ab06800101900101"
    );
}

#[test]
fn compact_response_order_is_count_sw_data() {
    // pySim's PoR vectors carry `01 61 32` (one command, SW 6132, no data) and
    // `01 61 2f`; TS 102 226 §5.1.2 puts the SW before the response data.
    let r = ResponseScript::decode(&h("016132"), RemoteFormat::Compact).expect("decode");
    assert_eq!(r.executed, 1);
    assert_eq!(r.responses, vec![h("6132")]);
    let r = ResponseScript {
        executed: 2,
        responses: vec![h("6f21aabb9000")],
        bad_format: None,
    };
    let enc = r.encode(RemoteFormat::Compact).expect("encode");
    assert_eq!(hex::encode(&enc), "0290006f21aabb");
    assert_eq!(
        ResponseScript::decode(&enc, RemoteFormat::Compact).expect("decode"),
        r
    );
    // Nothing executed: just the count.
    let none = ResponseScript {
        executed: 0,
        responses: vec![],
        bad_format: None,
    };
    assert_eq!(none.encode(RemoteFormat::Compact).expect("encode"), [0]);
    assert_eq!(
        ResponseScript::decode(&[0], RemoteFormat::Compact).expect("decode"),
        none
    );
}

#[test]
fn round_trips_with_long_apdus() {
    let apdus = vec![
        h("00a4000c023f00"),
        case3(120),
        case3(200),
        case3(255),
        h("80f22000"),
    ];
    // Expanded: any APDU sizes, including a template over 255 and TLVs over 127 octets.
    let s = CommandScript {
        format: RemoteFormat::Expanded,
        apdus: apdus.clone(),
    };
    let enc = s.encode().expect("encode");
    assert_eq!(&enc[..2], &[0xaa, 0x82]);
    assert_eq!(
        CommandScript::decode(&enc, RemoteFormat::Expanded).expect("decode"),
        s
    );
    // Compact: TPDU-shaped APDUs (no trailing 4-octet case-1 one).
    let compact = CommandScript {
        format: RemoteFormat::Compact,
        apdus: apdus[..4].to_vec(),
    };
    let enc = compact.encode().expect("encode");
    assert_eq!(enc, apdus[..4].concat());
    assert_eq!(
        CommandScript::decode(&enc, RemoteFormat::Compact).expect("decode"),
        compact
    );
    // Responses: long R-APDUs in both formats.
    let mut long: Vec<u8> = (0..=255u8).collect();
    long.extend_from_slice(&[0x90, 0x00]);
    let r = ResponseScript {
        executed: 3,
        responses: vec![h("9000"), h("6f219000"), long],
        bad_format: None,
    };
    let enc = r.encode(RemoteFormat::Expanded).expect("encode");
    assert_eq!(
        ResponseScript::decode(&enc, RemoteFormat::Expanded).expect("decode"),
        r
    );
    let last = ResponseScript {
        executed: 3,
        responses: r.responses[2..].to_vec(),
        bad_format: None,
    };
    let enc = last.encode(RemoteFormat::Compact).expect("encode");
    assert_eq!(
        ResponseScript::decode(&enc, RemoteFormat::Compact).expect("decode"),
        last
    );
    assert_eq!(
        r.encode(RemoteFormat::Compact),
        Err(RamError::CompactMultipleResponses)
    );
}

#[test]
fn indefinite_template_and_actions() {
    // Table 5.2a: `AE 80 … 00 00`; Immediate/Error Action TLVs are accepted, not kept.
    let indefinite = "ae80810100220580e2900000820101220500a40000000000";
    let s = CommandScript::decode(&h(indefinite), RemoteFormat::Expanded).expect("decode");
    assert_eq!(s.apdus, vec![h("80e2900000"), h("00a4000000")]);
    let trailing = format!("{indefinite}00");
    assert_eq!(
        CommandScript::decode(&h(&trailing), RemoteFormat::Expanded),
        Err(RamError::TrailingData)
    );
    let s = CommandScript::decode(&h("aa0a810100220580e2900000"), RemoteFormat::Expanded)
        .expect("decode");
    assert_eq!(s.apdus, vec![h("80e2900000")]);
}

#[test]
fn malformed_input_is_refused() {
    let e = RemoteFormat::Expanded;
    let c = RemoteFormat::Compact;
    let cases: &[(&str, RemoteFormat)] = &[
        ("", e),
        ("aa", e),
        ("aa00", e),                     // no C-APDU
        ("aa05220380e290", e),           // C-APDU shorter than 4 octets
        ("aa07220580e29000", e),         // value truncated
        ("aa06220580e2900000", e),       // template length too short
        ("aa07220580e290000000", e),     // trailing octet
        ("aa0783050000000000", e),       // Script Chaining / unknown tag
        ("ab0780010123026132", e),       // response template as a command
        ("aa8107220580e2900000", e),     // non-minimal 81 length
        ("aa83000007220580e2900000", e), // unsupported length form
        ("ae80220580e2900000", e),       // no end-of-contents
        ("ae07220580e29000000000", e),   // AE with a definite length
        ("ae800000", e),                 // no C-APDU
        ("80e2", c),                     // truncated header
        ("80e2900005aabb", c),           // truncated data
        ("", c),                         // no command
    ];
    for (hexstr, fmt) in cases {
        assert!(
            CommandScript::decode(&h(hexstr), *fmt).is_err(),
            "accepted {hexstr}"
        );
    }
    let resp: &[(&str, RemoteFormat)] = &[
        ("", e),
        ("ab00", e),                     // no executed TLV
        ("ab03800201", e),               // truncated
        ("ab0480020001", e),             // executed not 1 octet
        ("ab06800101230190", e),         // R-APDU shorter than SW
        ("ab0a80010190010123029000", e), // Bad format TLV not last
        ("ab0780010124026132", e),       // unknown tag
        ("aa0780010123026132", e),       // command template
        ("ab078001012302613200", e),     // trailing
        ("", c),
        ("0161", c), // half a status word
    ];
    for (hexstr, fmt) in resp {
        assert!(
            ResponseScript::decode(&h(hexstr), *fmt).is_err(),
            "accepted {hexstr}"
        );
    }
    // Encoding refuses what cannot be coded.
    assert_eq!(script(e, &[]).encode(), Err(RamError::NoCommand));
    assert_eq!(
        script(e, &["80e2"]).encode(),
        Err(RamError::TooShort("C-APDU"))
    );
    let too_long = CommandScript {
        format: e,
        apdus: vec![vec![0; 70_000]],
    };
    assert_eq!(too_long.encode(), Err(RamError::TooLong));
    // Arbitrary bytes never panic.
    let mut x: u32 = 0x1234_5678;
    for len in 0..400usize {
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 17;
                x ^= x << 5;
                x as u8
            })
            .collect();
        for fmt in [c, e] {
            let _ = CommandScript::decode(&bytes, fmt);
            let _ = ResponseScript::decode(&bytes, fmt);
            let mut framed = vec![0xaa];
            framed.extend_from_slice(&bytes);
            let _ = CommandScript::decode(&framed, fmt);
            framed[0] = 0xab;
            let _ = ResponseScript::decode(&framed, fmt);
        }
    }
}

fn sealed_round_trip(cipher: CipherAlgorithm, mac: IntegrityAlgorithm, kic: &str, kid: &str) {
    let header = CommandHeader {
        spi: Spi {
            integrity: Integrity::Cc,
            ciphering: true,
            counter: CounterMode::Higher,
            por: PorMode::Always,
            por_integrity: Integrity::Cc,
            por_ciphering: true,
            por_in_submit: false,
        },
        kic: Kic::new(cipher, 1),
        kid: Kid::new(mac, 1),
        tar: [0x00, 0x00, 0x01],
        counter: Counter::from_u64(7).expect("counter"),
    };
    let keys = SecurityKeys::new(&h(kic), &h(kid));
    let script = CommandScript {
        format: RemoteFormat::Expanded,
        apdus: vec![h("80e29100060304bf3f01a0"), case3(200), h("80f24002024f00")],
    };
    let secured = script.encode().expect("encode");
    let packet = header.seal(&keys, &secured).expect("seal");
    let opened = CommandPacket::parse(&packet)
        .expect("parse")
        .open(&keys)
        .expect("open");
    assert_eq!(opened.header, header);
    assert_eq!(opened.data, secured);
    assert_eq!(
        CommandScript::decode(&opened.data, RemoteFormat::Expanded).expect("decode"),
        script
    );
}

#[test]
fn expanded_script_through_scp80_tdes() {
    sealed_round_trip(
        CipherAlgorithm::TdesCbc2Key,
        IntegrityAlgorithm::TdesCbcMac2Key,
        "300102030405060708090a0b0c0d0e0f",
        "301102030405060708090a0b0c0d0e0f",
    );
}

#[test]
fn expanded_script_through_scp80_aes() {
    sealed_round_trip(
        CipherAlgorithm::AesCbc,
        IntegrityAlgorithm::AesCmac,
        "200102030405060708090a0b0c0d0e0f",
        "201102030405060708090a0b0c0d0e0f",
    );
}
