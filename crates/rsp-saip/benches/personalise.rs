//! decode + personalise + encode of one profile (a TS.48 profile when RSP_REFERENCE_DIR
//! is set, else the project's generic template). Personalised: ICCID, IMSI, K, OPc, PIN1, ADM1.
//!
//! - "typed (lazy decode)": `ProfilePackage::decode_lazy` frames every element and checks
//!   its whole TLV tree as DER (tag, shortest lengths, no stray bytes); `personalise` then
//!   decodes into the typed model, with the canonical-DER re-encoding check of `decode`,
//!   the elements it touches (here header, MF, USIM, PIN codes, AKA parameters); `encode`
//!   encodes those and copies the bytes of the others.
//! - "typed (full decode)": `ProfilePackage::decode` decodes every element into the model.
//! - "personalise_der": the in-place TLV patch used for batches and the SM-DP+.
//!
//! `RSP_REFERENCE_DIR=/work/shared/reference cargo bench -p rsp-saip --bench personalise`

#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rsp_saip::{Personalisation, ProfilePackage, personalise, template};

fn input() -> (String, Vec<u8>) {
    if let Ok(dir) = std::env::var("RSP_REFERENCE_DIR") {
        let name = "TS48V5-SAIP2-3-BERTLV-SUCI-UNIQUE.der";
        if let Ok(b) = std::fs::read(std::path::Path::new(&dir).join("ts48").join(name)) {
            return (name.into(), b);
        }
    }
    (
        "generic-usim-isim.der".into(),
        template::generic().encode().unwrap_or_default(),
    )
}

fn bench(c: &mut Criterion) {
    let (name, bytes) = input();
    let mut p = Personalisation::default();
    for (k, v) in [
        ("iccid", "894944999999999016"),
        ("imsi", "001019876543210"),
        ("ki", "000102030405060708090a0b0c0d0e0f"),
        ("opc", "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff"),
        ("pin1", "4321"),
        ("adm1", "12345678"),
    ] {
        if let Err(e) = p.set(k, v) {
            panic!("{k}: {e}");
        }
    }
    let mut g = c.benchmark_group("saip");
    g.throughput(Throughput::Elements(1));
    g.bench_function(
        format!("typed (lazy decode) decode+personalise+encode {name}"),
        |b| {
            b.iter(|| {
                let mut pkg = ProfilePackage::decode_lazy(black_box(&bytes)).unwrap();
                personalise(&mut pkg, &p).unwrap();
                black_box(pkg.encode().unwrap())
            })
        },
    );
    g.bench_function(
        format!("typed (full decode) decode+personalise+encode {name}"),
        |b| {
            b.iter(|| {
                let mut pkg = ProfilePackage::decode(black_box(&bytes)).unwrap();
                personalise(&mut pkg, &p).unwrap();
                black_box(pkg.encode().unwrap())
            })
        },
    );
    g.bench_function(
        format!("personalise_der (TLV patch, typed fallback) {name}"),
        |b| {
            b.iter(|| {
                black_box(
                    rsp_saip::patch::personalise_der(black_box(&bytes), &p).unwrap_or_default(),
                )
            })
        },
    );
    g.bench_function(format!("decode (full) {name}"), |b| {
        b.iter(|| black_box(ProfilePackage::decode(black_box(&bytes)).is_ok()))
    });
    g.bench_function(format!("decode_lazy {name}"), |b| {
        b.iter(|| black_box(ProfilePackage::decode_lazy(black_box(&bytes)).is_ok()))
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
