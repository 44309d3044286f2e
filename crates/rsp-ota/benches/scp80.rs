//! SCP80 secured packets (ETSI TS 102 225) one core can build and open per second: a
//! one-APDU expanded remote script (the size of an SGP.02 EnableProfile STORE DATA) sealed
//! with the SM-SR's SPI (CC, ciphering, counter higher, ciphered PoR with CC), the card
//! opening it, the card sealing the PoR and the SM-SR opening that PoR; 3DES (2-key CBC,
//! CBC-MAC) and AES-128 (CBC, CMAC).
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rsp_ota::ram::{CommandScript, RemoteFormat, ResponseScript};
use rsp_ota::{
    CipherAlgorithm, CommandHeader, CommandPacket, Counter, CounterMode, Integrity,
    IntegrityAlgorithm, Kic, Kid, OpenedResponse, PorMode, PorSecurity, PorStatus, ResponsePacket,
    SecurityKeys, Spi,
};

const SPI: Spi = Spi {
    integrity: Integrity::Cc,
    ciphering: true,
    counter: CounterMode::Higher,
    por: PorMode::Always,
    por_integrity: Integrity::Cc,
    por_ciphering: true,
    por_in_submit: true,
};

/// ISD-R STORE DATA enable (SGP.02 §5.4.5 shape): `80E29100` + `BF32` with the ISD-P AID.
const ENABLE: &str = "80E2910016BF3213A0000005591010FFFFFFFF8900001100";

fn setups() -> [(&'static str, Kic, Kid, SecurityKeys); 2] {
    [
        (
            "3des",
            Kic::new(CipherAlgorithm::TdesCbc2Key, 1),
            Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 1),
            SecurityKeys::new(&[0x31; 16], &[0x32; 16]),
        ),
        (
            "aes128",
            Kic::new(CipherAlgorithm::AesCbc, 2),
            Kid::new(IntegrityAlgorithm::AesCmac, 2),
            SecurityKeys::new(&[0x2b; 16], &[0x7e; 16]),
        ),
    ]
}

fn scp80(c: &mut Criterion) {
    let script = CommandScript {
        format: RemoteFormat::Expanded,
        apdus: vec![hex::decode(ENABLE).unwrap()],
    }
    .encode()
    .unwrap();
    let response = ResponseScript {
        executed: 1,
        responses: vec![vec![0x90, 0x00]],
        bad_format: None,
    }
    .encode(RemoteFormat::Expanded)
    .unwrap();
    let mut g = c.benchmark_group("scp80");
    g.throughput(Throughput::Elements(1));
    for (name, kic, kid, keys) in setups() {
        let header = CommandHeader {
            spi: SPI,
            kic,
            kid,
            tar: [0, 0, 1],
            counter: Counter::from_u64(42).unwrap(),
        };
        let security = PorSecurity { spi: SPI, kic, kid };
        let packet = header.seal(&keys, &script).unwrap();
        let por = OpenedResponse {
            tar: header.tar,
            counter: header.counter,
            padding: 0,
            status: PorStatus::Ok,
            data: response.clone(),
        };
        let sealed_por = por.seal(&security, &keys).unwrap();

        g.bench_function(format!("{name}/seal_command"), |b| {
            b.iter(|| header.seal(&keys, black_box(&script)).unwrap())
        });
        g.bench_function(format!("{name}/open_command"), |b| {
            b.iter(|| {
                CommandPacket::parse(black_box(&packet))
                    .unwrap()
                    .open(&keys)
                    .unwrap()
            })
        });
        g.bench_function(format!("{name}/seal_por"), |b| {
            b.iter(|| black_box(&por).seal(&security, &keys).unwrap())
        });
        g.bench_function(format!("{name}/open_por"), |b| {
            b.iter(|| {
                ResponsePacket::parse(black_box(&sealed_por))
                    .unwrap()
                    .open(&security, &keys)
                    .unwrap()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, scp80);
criterion_main!(benches);
