//! ES5 over SMS, one core: the SM-SR building a secured SMS for EnableProfile
//! (`es5::script` + `es5::seal`), the virtual M2M eUICC receiving a command packet and
//! answering its PoR (`receive_command_packet`, an AuditEIS script: GET STATUS and GET
//! DATA, so the card's state does not change between iterations), and the SM-SR opening
//! that PoR (`es5::open_por`); with a 3DES keyset and with an AES-128 keyset.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rsp_codec::json::Iccid;
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use rsp_smsr::{EuiccKeys, Function, Scp80Algorithm, Scp80Keyset, es5};
use rsp_testkit::m2m::{self, LabProfile};

const TDES: [u8; 16] = [0x31; 16];
const AES_KIC: [u8; 16] = [0x2b; 16];
const AES_KID: [u8; 16] = [0x7e; 16];

const PROFILES: [LabProfile<'static>; 2] = [
    LabProfile {
        index: 0,
        iccid: "8944000000000000011",
        msisdn: "447700900001",
        enabled: true,
        fallback: true,
    },
    LabProfile {
        index: 1,
        iccid: "8944000000000000022",
        msisdn: "447700900002",
        enabled: false,
        fallback: false,
    },
];

/// The SM-SR's keys for one keyset: version 1 = 3DES, 2 = AES.
fn smsr_keys(version: u8) -> EuiccKeys {
    let ks = if version == 1 {
        Scp80Keyset::new(1, Scp80Algorithm::Tdes, &TDES, &TDES).unwrap()
    } else {
        Scp80Keyset::new(2, Scp80Algorithm::Aes, &AES_KIC, &AES_KID).unwrap()
    };
    EuiccKeys {
        scp80: vec![ks],
        scp81: None,
    }
}

fn card() -> rsp_m2m_euicc::M2mEuicc {
    let keysets = vec![
        rsp_m2m_euicc::Scp80Keyset::new(
            1,
            Kic::new(CipherAlgorithm::TdesCbc2Key, 1),
            &TDES,
            Kid::new(IntegrityAlgorithm::TdesCbcMac2Key, 1),
            &TDES,
        )
        .unwrap(),
        rsp_m2m_euicc::Scp80Keyset::new(
            2,
            Kic::new(CipherAlgorithm::AesCbc, 2),
            &AES_KIC,
            Kid::new(IntegrityAlgorithm::AesCmac, 2),
            &AES_KID,
        )
        .unwrap(),
    ];
    let mut card = m2m::card(keysets, &PROFILES);
    card.power_on().unwrap();
    card.pending_notifications().unwrap();
    card
}

fn es5(c: &mut Criterion) {
    let mut card = card();
    let eis = m2m::eis(card.eid(), "mno1", &PROFILES);
    let enable = Function::EnableProfile {
        iccid: Iccid::parse(PROFILES[1].iccid).unwrap(),
    };
    let audit = es5::script(&eis, &Function::AuditEis).unwrap();
    let mut g = c.benchmark_group("es5");
    g.throughput(Throughput::Elements(1));
    let mut counter = 1u64;
    for (name, version) in [("3des", 1u8), ("aes128", 2u8)] {
        let keys = smsr_keys(version);
        let keyset = keys.sending_keyset().unwrap();

        g.bench_function(format!("{name}/smsr_script_seal_enable"), |b| {
            b.iter(|| {
                let script = es5::script(black_box(&eis), black_box(&enable)).unwrap();
                es5::seal(keyset, 7, &script).unwrap()
            })
        });

        // A fresh counter per packet (the card wants it higher each time); sealing is
        // set-up here, not measured.
        g.bench_function(format!("{name}/euicc_receive_audit_and_por"), |b| {
            b.iter_batched(
                || {
                    counter += 1;
                    es5::seal(keyset, counter, &audit).unwrap()
                },
                |packet| {
                    let r = card.receive_command_packet(&packet).unwrap();
                    assert!(r.accepted, "{:?}", r.status);
                    r.por.unwrap().user_data()
                },
                BatchSize::SmallInput,
            )
        });

        counter += 1;
        let packet = es5::seal(keyset, counter, &audit).unwrap();
        let por = card
            .receive_command_packet(&packet)
            .unwrap()
            .por
            .unwrap()
            .packet;
        g.bench_function(format!("{name}/smsr_open_por_audit"), |b| {
            b.iter(|| es5::open_por(&keys, black_box(&por)).unwrap())
        });
    }
    g.finish();
}

criterion_group!(benches, es5);
criterion_main!(benches);
