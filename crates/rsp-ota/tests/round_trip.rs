//! Round trips over every supported SPI / KIc / KID combination, and refusal of
//! tampered packets with the TS 102 225 §5.2 status a receiving entity must report.

use rsp_ota::response::PorSecurity;
use rsp_ota::{
    CipherAlgorithm, CommandHeader, CommandPacket, Counter, CounterMode, Integrity,
    IntegrityAlgorithm, Kic, Kid, OpenedResponse, PorMode, PorStatus, ResponsePacket, SecurityKeys,
    Spi, check_counter,
};

const CIPHERS: [(Option<CipherAlgorithm>, usize); 7] = [
    (None, 0),
    (Some(CipherAlgorithm::DesCbc), 8),
    (Some(CipherAlgorithm::TdesCbc2Key), 16),
    (Some(CipherAlgorithm::TdesCbc3Key), 24),
    (Some(CipherAlgorithm::AesCbc), 16),
    (Some(CipherAlgorithm::AesCbc), 24),
    (Some(CipherAlgorithm::AesCbc), 32),
];

const MACS: [(Option<IntegrityAlgorithm>, usize); 9] = [
    (None, 0),
    (Some(IntegrityAlgorithm::Crc16), 0),
    (Some(IntegrityAlgorithm::Crc32), 0),
    (Some(IntegrityAlgorithm::DesCbcMac), 8),
    (Some(IntegrityAlgorithm::TdesCbcMac2Key), 16),
    (Some(IntegrityAlgorithm::TdesCbcMac3Key), 24),
    (Some(IntegrityAlgorithm::AesCmac), 16),
    (Some(IntegrityAlgorithm::AesCmac), 24),
    (Some(IntegrityAlgorithm::AesCmac), 32),
];

const COUNTERS: [CounterMode; 4] = [
    CounterMode::None,
    CounterMode::Available,
    CounterMode::Higher,
    CounterMode::OneHigher,
];

fn key(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 7))
        .collect()
}

struct Setup {
    spi: Spi,
    kic: Kic,
    kid: Kid,
    keys: SecurityKeys,
}

fn setups() -> Vec<Setup> {
    let mut out = Vec::new();
    for (ci, (cipher, kic_len)) in CIPHERS.iter().enumerate() {
        for (mi, (mac, kid_len)) in MACS.iter().enumerate() {
            let integrity = match mac {
                None => Integrity::None,
                Some(IntegrityAlgorithm::Crc16 | IntegrityAlgorithm::Crc32) => Integrity::Rc,
                Some(_) => Integrity::Cc,
            };
            let spi = Spi {
                integrity,
                ciphering: cipher.is_some(),
                counter: COUNTERS[(ci + mi) % 4],
                por: [PorMode::None, PorMode::Always, PorMode::OnError][(ci + mi) % 3],
                por_integrity: integrity,
                por_ciphering: cipher.is_some(),
                por_in_submit: mi % 2 == 0,
            };
            let kic = cipher.map_or(Kic(0), |c| Kic::new(c, (ci % 16) as u8));
            let kid = mac.map_or(Kid(0), |m| Kid::new(m, (mi % 16) as u8));
            let keys =
                SecurityKeys::new(&key(*kic_len, ci as u8 + 1), &key(*kid_len, mi as u8 + 100));
            out.push(Setup {
                spi,
                kic,
                kid,
                keys,
            });
        }
    }
    out
}

#[test]
fn every_combination_round_trips() {
    for s in setups() {
        for len in [0usize, 1, 7, 8, 15, 16, 17, 100] {
            let data: Vec<u8> = (0..len as u8).collect();
            let header = CommandHeader {
                spi: s.spi,
                kic: s.kic,
                kid: s.kid,
                tar: [0x00, 0x00, 0x01],
                counter: Counter::from_u64(0x12_3456_789a).expect("counter"),
            };
            let packet = header.seal(&s.keys, &data).expect("seal");
            let parsed = CommandPacket::parse(&packet).expect("parse");
            assert_eq!((parsed.spi, parsed.kic, parsed.kid), (s.spi, s.kic, s.kid));
            let opened = parsed.open(&s.keys).expect("open");
            assert_eq!(opened.header, header, "{:?}", s.spi);
            assert_eq!(opened.data, data);
            if s.spi.ciphering {
                let bl = if s.kic.algorithm() == Ok(CipherAlgorithm::AesCbc) {
                    16
                } else {
                    8
                };
                assert_eq!((packet.len() - 10) % bl, 0, "ciphered part is whole blocks");
            } else {
                assert_eq!(opened.padding, 0);
            }

            let por = OpenedResponse {
                tar: header.tar,
                counter: header.counter,
                padding: 0,
                status: PorStatus::Ok,
                data: data.clone(),
            };
            let security = PorSecurity {
                spi: s.spi,
                kic: s.kic,
                kid: s.kid,
            };
            let sealed = por.seal(&security, &s.keys).expect("seal por");
            let back = ResponsePacket::parse(&sealed)
                .expect("parse")
                .open(&security, &s.keys)
                .expect("open por");
            assert_eq!(back.data, data);
            assert_eq!(
                (back.tar, back.counter, back.status),
                (por.tar, por.counter, por.status)
            );
        }
    }
}

#[test]
fn tampering_is_refused() {
    for s in setups()
        .into_iter()
        .filter(|s| s.spi.integrity != Integrity::None)
    {
        let header = CommandHeader {
            spi: s.spi,
            kic: s.kic,
            kid: s.kid,
            tar: [1, 2, 3],
            counter: Counter::default(),
        };
        let packet = header.seal(&s.keys, b"0123456789abcdefXYZ").expect("seal");
        // Every octet after the length and CHL (SPI/KIc/KID change the algorithm, which
        // may also end as unsupported or key errors; all must be refused).
        for i in 2..packet.len() {
            let mut bad = packet.clone();
            bad[i] ^= 0x01;
            let res = CommandPacket::parse(&bad).and_then(|p| p.open(&s.keys));
            let err = res.expect_err("tampered packet accepted");
            if i >= 10 {
                let status = err.por_status();
                assert!(
                    status == PorStatus::RcCcDsFailed
                        || (s.spi.ciphering && status == PorStatus::CipheringError),
                    "octet {i}: {err:?}"
                );
            }
        }
        // A wrong KID key.
        let wrong = SecurityKeys {
            kic: s.keys.kic.clone(),
            kid: Some(rsp_ota::SecretKey::new(&key(24, 9))),
        };
        if matches!(s.spi.integrity, Integrity::Cc) {
            let err = CommandPacket::parse(&packet)
                .and_then(|p| p.open(&wrong))
                .expect_err("wrong key");
            assert!(matches!(
                err.por_status(),
                PorStatus::RcCcDsFailed | PorStatus::InsufficientSecurityLevel
            ));
        }
    }
}

#[test]
fn replayed_counter_is_refused_after_open() {
    let keys = SecurityKeys::new(&[0x11; 16], &[0x22; 16]);
    let spi = Spi {
        integrity: Integrity::Cc,
        ciphering: true,
        counter: CounterMode::OneHigher,
        por: PorMode::Always,
        por_integrity: Integrity::Cc,
        por_ciphering: true,
        por_in_submit: true,
    };
    let kic = Kic::new(CipherAlgorithm::AesCbc, 1);
    let kid = Kid::new(IntegrityAlgorithm::AesCmac, 1);
    let mut stored = Counter::from_u64(41).expect("c");
    let send = |n| {
        let header = CommandHeader {
            spi,
            kic,
            kid,
            tar: [0; 3],
            counter: Counter::from_u64(n).expect("c"),
        };
        header.seal(&keys, b"\x80\xe2\x91\x00").expect("seal")
    };
    let open = |p: &[u8]| {
        CommandPacket::parse(p)
            .and_then(|c| c.open(&keys))
            .expect("open")
    };
    let first = open(&send(42));
    stored = check_counter(spi.counter, stored, first.header.counter)
        .expect("fresh")
        .unwrap_or(stored);
    assert_eq!(stored.to_u64(), 42);
    assert_eq!(
        check_counter(spi.counter, stored, open(&send(42)).header.counter),
        Err(PorStatus::CntrLow)
    );
    assert_eq!(
        check_counter(spi.counter, stored, open(&send(44)).header.counter),
        Err(PorStatus::CntrHigh)
    );
}

#[test]
fn garbage_never_panics() {
    let s = &setups()[40];
    let packet = CommandHeader {
        spi: s.spi,
        kic: s.kic,
        kid: s.kid,
        tar: [1, 2, 3],
        counter: Counter::default(),
    }
    .seal(&s.keys, b"data")
    .expect("seal");
    for cut in 0..packet.len() {
        let _ = CommandPacket::parse(&packet[..cut]).and_then(|p| p.open(&s.keys));
        let _ = ResponsePacket::parse(&packet[..cut]);
    }
    let mut x: u32 = 1;
    for _ in 0..2000 {
        let len = (x % 64) as usize;
        let bytes: Vec<u8> = (0..len)
            .map(|_| {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                (x >> 16) as u8
            })
            .collect();
        let mut framed = (len as u16).to_be_bytes().to_vec();
        framed.extend_from_slice(&bytes);
        let _ = CommandPacket::parse(&framed).and_then(|p| p.open(&s.keys));
        let sec = PorSecurity {
            spi: s.spi,
            kic: s.kic,
            kid: s.kid,
        };
        let _ = ResponsePacket::parse(&framed).and_then(|p| p.open(&sec, &s.keys));
    }
}

#[test]
fn keys_are_not_in_debug_output() {
    let keys = SecurityKeys::new(&[0x5a; 16], &[0xa5; 16]);
    let s = format!("{keys:?}");
    assert!(
        !s.contains("90") && !s.contains("165") && !s.contains("5a"),
        "{s}"
    );
}
