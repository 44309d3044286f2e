//! A real SCP80 command packet (rsp-ota) of a chosen size, for the SMS tests.
#![allow(dead_code)]

use rsp_ota::{
    CipherAlgorithm, CommandHeader, Counter, CounterMode, Integrity, IntegrityAlgorithm, Kic, Kid,
    PorMode, SecurityKeys, Spi,
};

pub fn keys() -> SecurityKeys {
    SecurityKeys::new(&[0x11; 16], &[0x22; 16])
}

pub fn header() -> CommandHeader {
    CommandHeader {
        spi: Spi {
            integrity: Integrity::Cc,
            ciphering: false,
            counter: CounterMode::Higher,
            por: PorMode::Always,
            por_integrity: Integrity::Cc,
            por_ciphering: true,
            por_in_submit: true,
        },
        kic: Kic::new(CipherAlgorithm::AesCbc, 1),
        kid: Kid::new(IntegrityAlgorithm::AesCmac, 1),
        tar: [0x00, 0x00, 0x01],
        counter: Counter::from_u64(5).expect("counter"),
    }
}

/// A command packet with an AES-CMAC cryptographic checksum (unciphered, so that any
/// length from 24 octets on can be had) of exactly `len` octets.
pub fn packet(len: usize) -> Vec<u8> {
    // CPL..CC: 2+1+2+1+1+3+5+1+8 = 24 octets before the data.
    for data_len in 0..len {
        let data: Vec<u8> = (0..data_len).map(|i| (i * 7 % 251) as u8).collect();
        let p = header().seal(&keys(), &data).expect("seal");
        if p.len() == len {
            return p;
        }
        if p.len() > len {
            break;
        }
    }
    panic!("no packet of {len} octets");
}
