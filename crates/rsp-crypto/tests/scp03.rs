//! GlobalPlatform SCP03 against vectors not produced by this crate (tests/vectors/README.md),
//! host ↔ card round trips in both framings, and negative cases.
#![allow(clippy::unwrap_used)]

mod common;
use common::fixture;

use rsp_crypto::CryptoError;
use rsp_crypto::scp03::{
    self, CardChannel, CardParameters, Framing, HostHandshake, InitializeUpdate,
    InitializeUpdateResponse, SecurityLevel, Session, StaticKeys,
};

type Fixture = std::collections::HashMap<String, Vec<u8>>;

fn a16(v: &[u8]) -> [u8; 16] {
    v.try_into().unwrap()
}

fn a8(v: &[u8]) -> [u8; 8] {
    v.try_into().unwrap()
}

fn pysim_keys(f: &Fixture) -> StaticKeys {
    StaticKeys::from_bytes(
        a16(&f["pysim.enc"]),
        a16(&f["pysim.mac"]),
        a16(&f["pysim.dek"]),
    )
}

#[test]
fn kdf_and_cryptograms_match_omfgp() {
    let f = fixture("scp03.txt");
    let key = a16(&f["omfgp.key"]);
    let ctx = &f["omfgp.context"];
    let keys = StaticKeys::from_bytes(key, key, key);
    let session = Session::derive(&keys, &a8(&ctx[..8]), &a8(&ctx[8..]));
    assert_eq!(
        session.keys().s_enc().as_slice(),
        f["omfgp.s_enc"].as_slice()
    );
    assert_eq!(
        session.keys().s_mac().as_slice(),
        f["omfgp.s_mac"].as_slice()
    );
    assert_eq!(
        session.keys().s_rmac().as_slice(),
        f["omfgp.s_rmac"].as_slice()
    );
    assert_eq!(
        scp03::kdf(&key, scp03::DERIVE_S_MAC, ctx, 128).as_slice(),
        f["omfgp.s_mac"].as_slice()
    );
    assert_eq!(
        session.card_cryptogram().as_slice(),
        f["omfgp.card_cryptogram"].as_slice()
    );
    assert_eq!(
        session.host_cryptogram().as_slice(),
        f["omfgp.host_cryptogram"].as_slice()
    );
    let challenge = scp03::pseudo_random_card_challenge(
        &key,
        &f["omfgp.seq_counter"].as_slice().try_into().unwrap(),
        &f["omfgp.aid"],
    );
    assert_eq!(challenge.as_slice(), f["omfgp.card_challenge"].as_slice());
}

#[test]
fn session_keys_match_openjavacard() {
    let f = fixture("scp03.txt");
    let key = a16(&f["omfgp.key"]); // the GlobalPlatform default key 40..4F
    let keys = StaticKeys::from_bytes(key, key, key);
    let session = Session::derive(
        &keys,
        &a8(&f["ojc.host_challenge"]),
        &a8(&f["ojc.card_challenge"]),
    );
    assert_eq!(session.keys().s_enc().as_slice(), f["ojc.s_enc"].as_slice());
    assert_eq!(session.keys().s_mac().as_slice(), f["ojc.s_mac"].as_slice());
    assert_eq!(
        session.keys().s_rmac().as_slice(),
        f["ojc.s_rmac"].as_slice()
    );
}

#[test]
fn key_check_values_match_pysim() {
    let f = fixture("scp03.txt");
    for k in ["enc", "mac", "dek"] {
        let kcv = scp03::key_check_value(&a16(&f[&format!("pysim.{k}")]));
        assert_eq!(
            kcv.as_slice(),
            f[&format!("pysim.kcv_{k}")].as_slice(),
            "{k}"
        );
    }
}

const CASES: [&str; 4] = ["case1", "case2", "case3", "case4"];

/// The host side replays the pySim sessions byte for byte.
#[test]
fn host_matches_pysim_sessions() {
    let f = fixture("scp03.txt");
    for s in ["s11", "s03", "s33"] {
        let v = |k: &str| f[&format!("{s}.{k}")].clone();
        let iu = v("init_upd_cmd");
        let host = HostHandshake::with_challenge(pysim_keys(&f), iu[2], iu[3], a8(&iu[5..13]));
        assert_eq!(host.initialize_update().to_apdu(), iu, "{s}");
        let ea = v("ext_auth_cmd");
        let level = SecurityLevel::from_byte(ea[2]).unwrap();
        let (mut ch, ext_auth) = host
            .authenticate(&v("init_upd_rsp"), level, Framing::Apdu)
            .unwrap();
        assert_eq!(ext_auth, ea, "{s} EXTERNAL AUTHENTICATE");
        let wrapped = ch.wrap_command_apdu(&f["pysim.get_eid_cmd_plain"]).unwrap();
        assert_eq!(wrapped, v("get_eid_cmd"), "{s} GET EID");
        let mut rsp = v("get_eid_rsp");
        rsp.extend_from_slice(&[0x90, 0x00]);
        let mut expected = f["pysim.get_eid_rsp_plain"].clone();
        expected.extend_from_slice(&[0x90, 0x00]);
        assert_eq!(
            ch.unwrap_response_apdu(&rsp).unwrap(),
            expected,
            "{s} response"
        );
        for c in CASES {
            let wrapped = ch
                .wrap_command_apdu(&f[&format!("pysim.{c}_plain")])
                .unwrap();
            assert_eq!(wrapped, v(c), "{s} {c}");
        }
    }
}

/// The card side accepts the same sessions and produces the same responses.
#[test]
fn card_matches_pysim_sessions() {
    let f = fixture("scp03.txt");
    for s in ["s11", "s03", "s33"] {
        let v = |k: &str| f[&format!("{s}.{k}")].clone();
        let cmd = InitializeUpdate::parse_apdu(&v("init_upd_cmd")).unwrap();
        let expected = InitializeUpdateResponse::parse(&v("init_upd_rsp")).unwrap();
        let params = CardParameters {
            key_diversification_data: expected.key_diversification_data,
            key_version: expected.key_version,
            i_param: expected.i_param,
        };
        let (handshake, response) = CardChannel::begin(
            &pysim_keys(&f),
            &cmd,
            &params,
            expected.card_challenge,
            expected.sequence_counter,
        )
        .unwrap();
        assert_eq!(response.to_bytes(), v("init_upd_rsp"), "{s}");
        let mut card = handshake
            .external_authenticate_apdu(&v("ext_auth_cmd"))
            .unwrap();
        let plain = card.unwrap_command_apdu(&v("get_eid_cmd")).unwrap();
        assert_eq!(plain, f["pysim.get_eid_cmd_plain"], "{s} GET EID");
        let rsp = card
            .wrap_response_apdu(&f["pysim.get_eid_rsp_plain"], [0x90, 0x00])
            .unwrap();
        let mut expected_rsp = v("get_eid_rsp");
        expected_rsp.extend_from_slice(&[0x90, 0x00]);
        assert_eq!(rsp, expected_rsp, "{s} response");
        for c in CASES {
            let plain = card.unwrap_command_apdu(&v(c)).unwrap();
            assert_eq!(plain, f[&format!("pysim.{c}_plain")], "{s} {c}");
        }
    }
}

const CARD: CardParameters = CardParameters {
    key_diversification_data: [0x11; 10],
    key_version: 0x30,
    i_param: 0x70,
};
const AID: [u8; 16] = [
    0xA0, 0, 0, 0x05, 0x59, 0x10, 0x10, 0xFF, 0xFF, 0xFF, 0xFF, 0x89, 0, 0, 0x10, 0,
];

fn open(
    keys_host: StaticKeys,
    keys_card: &StaticKeys,
    level: SecurityLevel,
    framing: Framing,
) -> Result<(scp03::HostChannel, CardChannel), CryptoError> {
    let host = HostHandshake::new(keys_host, 0x30, 0x00)?;
    let cmd = match framing {
        Framing::Apdu => InitializeUpdate::parse_apdu(&host.initialize_update().to_apdu())?,
        Framing::Tlv => InitializeUpdate::parse_tlv(&host.initialize_update().to_tlv())?,
    };
    let counter = [0, 0, 7];
    let challenge = scp03::pseudo_random_card_challenge(keys_card.enc(), &counter, &AID);
    let (handshake, response) =
        CardChannel::begin(keys_card, &cmd, &CARD, challenge, Some(counter))?;
    let response = match framing {
        Framing::Apdu => response.to_bytes(),
        Framing::Tlv => response.to_tlv(),
    };
    let (host, ext_auth) = host.authenticate(&response, level, framing)?;
    let card = match framing {
        Framing::Apdu => handshake.external_authenticate_apdu(&ext_auth)?,
        Framing::Tlv => handshake.external_authenticate_tlv(&ext_auth)?,
    };
    Ok((host, card))
}

#[test]
fn round_trip_apdu_all_levels() {
    let keys = StaticKeys::generate().unwrap();
    for level in [0x01, 0x03, 0x11, 0x13, 0x33] {
        let level = SecurityLevel::from_byte(level).unwrap();
        let (mut host, mut card) = open(keys.clone(), &keys, level, Framing::Apdu).unwrap();
        for (i, plain) in [
            vec![0x80, 0xF2, 0x40, 0x00],
            vec![0x80, 0xCA, 0x00, 0x66, 0x00],
            vec![0x80, 0xE2, 0x91, 0x00, 0x03, 1, 2, 3],
            vec![
                0x81, 0xE2, 0x91, 0x00, 0x10, 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15,
                0x00,
            ],
            vec![0x80, 0xE2, 0x91, 0x00, 0x00, 0x01, 0x2C]
                .into_iter()
                .chain(std::iter::repeat_n(0x5A, 300))
                .collect(),
        ]
        .into_iter()
        .enumerate()
        {
            let wrapped = host.wrap_command_apdu(&plain).unwrap();
            let opened = card.unwrap_command_apdu(&wrapped).unwrap();
            assert_eq!(opened, plain, "{level:?} {i}");
            let data: Vec<u8> = (0..i as u8 * 7).collect();
            let rsp = card.wrap_response_apdu(&data, [0x90, 0x00]).unwrap();
            let mut expected = data.clone();
            expected.extend_from_slice(&[0x90, 0x00]);
            assert_eq!(host.unwrap_response_apdu(&rsp).unwrap(), expected);
        }
        assert_eq!(host.encryption_counter(), 5);
        assert_eq!(card.encryption_counter(), 5);
        // An error status word travels bare.
        host.wrap_command_apdu(&[0x80, 0xF2, 0x40, 0x00]).unwrap();
        assert_eq!(
            card.wrap_response_apdu(&[], [0x6A, 0x88]).unwrap(),
            [0x6A, 0x88]
        );
        assert_eq!(
            host.unwrap_response_apdu(&[0x6A, 0x88]).unwrap(),
            [0x6A, 0x88]
        );
    }
}

#[test]
fn round_trip_tlv() {
    let keys = StaticKeys::generate().unwrap();
    for level in [
        SecurityLevel::C_MAC | SecurityLevel::C_DECRYPTION,
        SecurityLevel::ALL,
    ] {
        let (mut host, mut card) = open(keys.clone(), &keys, level, Framing::Tlv).unwrap();
        for len in [0usize, 1, 15, 16, 200, 1000] {
            let data: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let tlv = host.wrap_command_tlv(&data).unwrap();
            assert_eq!(tlv[0], scp03::TAG_DATA);
            assert_eq!(card.unwrap_command_tlv(&tlv).unwrap(), data);
            let rsp = card.wrap_response_tlv(&[0x86], &data).unwrap();
            assert_eq!(host.unwrap_response_tlv(&rsp).unwrap(), (vec![0x86], data));
        }
    }
}

#[test]
fn tampered_bytes_fail_the_mac() {
    let keys = StaticKeys::generate().unwrap();
    let (mut host, mut card) = open(keys.clone(), &keys, SecurityLevel::ALL, Framing::Tlv).unwrap();
    let tlv = host.wrap_command_tlv(b"profile segment").unwrap();
    for i in 2..tlv.len() {
        let mut bad = tlv.clone();
        bad[i] ^= 0x01;
        assert_eq!(
            card.unwrap_command_tlv(&bad),
            Err(CryptoError::Mac),
            "byte {i}"
        );
    }
    // State unchanged after the failures: the genuine TLV still opens.
    assert_eq!(card.unwrap_command_tlv(&tlv).unwrap(), b"profile segment");
    let rsp = card.wrap_response_tlv(&[0x86], b"ok").unwrap();
    let mut bad = rsp.clone();
    bad[3] ^= 0x80;
    assert_eq!(host.unwrap_response_tlv(&bad), Err(CryptoError::Mac));
    assert_eq!(host.unwrap_response_tlv(&rsp).unwrap().1, b"ok");

    let (mut host, mut card) =
        open(keys.clone(), &keys, SecurityLevel::ALL, Framing::Apdu).unwrap();
    let apdu = host
        .wrap_command_apdu(&[0x80, 0xE2, 0x91, 0x00, 0x02, 0xAB, 0xCD])
        .unwrap();
    let mut bad = apdu.clone();
    bad[2] ^= 0x01; // P1 is covered by the C-MAC
    assert_eq!(card.unwrap_command_apdu(&bad), Err(CryptoError::Mac));
    assert!(card.unwrap_command_apdu(&apdu).is_ok());
}

#[test]
fn wrong_keys_fail_the_cryptogram() {
    let keys = StaticKeys::generate().unwrap();
    let other = StaticKeys::generate().unwrap();
    for framing in [Framing::Apdu, Framing::Tlv] {
        assert_eq!(
            open(other.clone(), &keys, SecurityLevel::C_MAC, framing).unwrap_err(),
            CryptoError::Cryptogram
        );
    }
    // A card cryptogram altered in transit.
    let f = fixture("scp03.txt");
    let iu = &f["s11.init_upd_cmd"];
    let host = HostHandshake::with_challenge(pysim_keys(&f), iu[2], iu[3], a8(&iu[5..13]));
    let mut rsp = f["s11.init_upd_rsp"].clone();
    rsp[28] ^= 0xFF;
    assert_eq!(
        host.authenticate(&rsp, SecurityLevel::C_MAC, Framing::Apdu)
            .unwrap_err(),
        CryptoError::Cryptogram
    );
    // A host cryptogram altered in transit, and an EXTERNAL AUTHENTICATE with a bad MAC.
    let cmd = InitializeUpdate::parse_apdu(iu).unwrap();
    let parsed = InitializeUpdateResponse::parse(&f["s11.init_upd_rsp"]).unwrap();
    let params = CardParameters {
        key_diversification_data: parsed.key_diversification_data,
        key_version: parsed.key_version,
        i_param: parsed.i_param,
    };
    let begin = || {
        CardChannel::begin(
            &pysim_keys(&f),
            &cmd,
            &params,
            parsed.card_challenge,
            parsed.sequence_counter,
        )
        .unwrap()
        .0
    };
    let mut ea = f["s11.ext_auth_cmd"].clone();
    ea[5] ^= 0x01;
    assert_eq!(
        begin().external_authenticate_apdu(&ea).unwrap_err(),
        CryptoError::Cryptogram
    );
    let mut ea = f["s11.ext_auth_cmd"].clone();
    ea[20] ^= 0x01;
    assert_eq!(
        begin().external_authenticate_apdu(&ea).unwrap_err(),
        CryptoError::Mac
    );
}

#[test]
fn full_block_response_gets_a_padding_block() {
    let keys = StaticKeys::generate().unwrap();
    let (mut host, mut card) =
        open(keys.clone(), &keys, SecurityLevel::ALL, Framing::Apdu).unwrap();
    let tlv = host
        .wrap_command_apdu(&[0x80, 0xCA, 0x00, 0x66, 0x00])
        .unwrap();
    card.unwrap_command_apdu(&tlv).unwrap();
    let rsp = card.wrap_response_apdu(&[0u8; 16], [0x90, 0x00]).unwrap();
    assert_eq!(rsp.len(), 32 + 8 + 2);
    assert!(host.unwrap_response_apdu(&rsp).is_ok());
}

#[test]
fn level_not_offered_is_refused() {
    let keys = StaticKeys::generate().unwrap();
    let host = HostHandshake::new(keys.clone(), 0, 0).unwrap();
    let cmd = *host.initialize_update();
    let params = CardParameters {
        i_param: 0x00,
        ..CARD
    };
    let (_, rsp) = CardChannel::begin(&keys, &cmd, &params, [1; 8], None).unwrap();
    assert!(matches!(
        host.authenticate(&rsp.to_bytes(), SecurityLevel::ALL, Framing::Apdu),
        Err(CryptoError::SecureChannel(_))
    ));
}
