//! Tests of the SCP03 module.
#![allow(clippy::unwrap_used)]

use super::*;

#[test]
fn apdu_cases_parse_and_reencode() {
    for apdu in [
        &[0x80, 0xF2, 0x20, 0x02][..],
        &[0x80, 0xCA, 0x00, 0x66, 0x00],
        &[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00],
        &[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00, 0x00],
        &[0x80, 0xCA, 0x00, 0x66, 0x00, 0x01, 0x00],
        &[0x80, 0xF2, 0x20, 0x02, 0x00, 0x00, 0x02, 0x4F, 0x00],
        &[
            0x80, 0xF2, 0x20, 0x02, 0x00, 0x00, 0x02, 0x4F, 0x00, 0x00, 0x00,
        ],
    ] {
        let p = parse_apdu(apdu).unwrap();
        assert_eq!(
            encode_apdu(p.header, p.data, p.le, p.extended).unwrap(),
            apdu
        );
    }
    for bad in [
        &[0x80, 0xF2, 0x20][..],
        &[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F],
        &[0x80, 0xF2, 0x20, 0x02, 0x02, 0x4F, 0x00, 0x00, 0x00],
        &[0x80, 0xF2, 0x20, 0x02, 0x00, 0x00],
        &[0x80, 0xF2, 0x20, 0x02, 0x00, 0x00, 0x00, 0x00],
    ] {
        assert!(parse_apdu(bad).is_err(), "{bad:02X?}");
    }
}

#[test]
fn class_byte_forms() {
    assert_eq!(sm_cla(0x80), 0x84);
    assert_eq!(sm_cla(0x81), 0x85);
    assert_eq!(mac_cla(0x85), 0x84);
    assert_eq!(clear_sm_cla(0x85), 0x81);
    assert_eq!(sm_cla(0xC1), 0xE1);
    assert_eq!(mac_cla(0xE1), 0xE0);
    assert_eq!(clear_sm_cla(0xE1), 0xC1);
    assert!(has_sm_bit(0x84) && !has_sm_bit(0x80) && !has_sm_bit(0x8C));
}

#[test]
fn security_levels() {
    for ok in [0x00, 0x01, 0x03, 0x11, 0x13, 0x33] {
        assert_eq!(SecurityLevel::from_byte(ok).unwrap().bits(), ok);
    }
    for bad in [0x02, 0x10, 0x12, 0x23, 0x31, 0x80] {
        assert!(SecurityLevel::from_byte(bad).is_err());
    }
    let level = SecurityLevel::C_MAC | SecurityLevel::R_MAC;
    assert!(level.contains(SecurityLevel::R_MAC));
    assert!(!level.contains(SecurityLevel::C_DECRYPTION));
}

#[test]
fn kdf_lengths() {
    let key = [7u8; 16];
    assert_eq!(kdf(&key, 4, b"ctx", 64).len(), 8);
    assert_eq!(kdf(&key, 4, b"ctx", 256).len(), 32);
    assert_eq!(kdf(&key, 4, b"ctx", u16::MAX).len(), KDF_MAX_BYTES);
    // L is part of the input: the first 8 bytes of a 128-bit output differ from a
    // 64-bit output.
    assert_ne!(
        kdf(&key, 4, b"ctx", 64).as_slice(),
        &kdf(&key, 4, b"ctx", 128)[..8]
    );
}

#[test]
fn debug_is_redacted() {
    let keys = StaticKeys::from_bytes([1; 16], [2; 16], [3; 16]);
    assert_eq!(format!("{keys:?}"), "StaticKeys(<redacted>)");
    let session = Session::derive(&keys, &[0; 8], &[1; 8]);
    assert_eq!(format!("{session:?}"), "Session(<redacted>)");
    assert_eq!(format!("{:?}", session.keys()), "SessionKeys(<redacted>)");
}
