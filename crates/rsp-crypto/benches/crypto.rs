//! Hot paths of one SM-DP+ download (about 3 signs, 4 verifies, 1 ECDH, 1 KDF and the
//! protection of the profile) on both curves.
#![allow(clippy::unwrap_used)]

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use rsp_crypto::kdf::{self, ControlReferenceTemplate};
use rsp_crypto::scp03t::Scp03t;
use rsp_crypto::{Curve, KeyAgreement, PublicKey, Signer, SoftwareKey};

const MSG: &[u8] = &[0x5A; 200];

fn ecc(c: &mut Criterion) {
    for curve in Curve::ALL {
        let key = SoftwareKey::generate(curve).unwrap();
        let peer = SoftwareKey::generate(curve).unwrap();
        let pk: PublicKey = Signer::public_key(&key).clone();
        let sig = key.sign_raw(MSG).unwrap();
        let sig_der = key.sign_der(MSG).unwrap();
        let point = pk.sec1_uncompressed().to_vec();
        let name = curve.name();
        c.bench_function(&format!("{name}/sign_raw"), |b| {
            b.iter(|| key.sign_raw(black_box(MSG)).unwrap())
        });
        c.bench_function(&format!("{name}/verify_raw"), |b| {
            b.iter(|| pk.verify_raw(black_box(MSG), black_box(&sig)).unwrap())
        });
        c.bench_function(&format!("{name}/verify_der"), |b| {
            b.iter(|| pk.verify_der(black_box(MSG), black_box(&sig_der)).unwrap())
        });
        c.bench_function(&format!("{name}/parse_public_key"), |b| {
            b.iter(|| PublicKey::from_sec1(curve, black_box(&point)).unwrap())
        });
        let peer_pk = KeyAgreement::public_key(&peer).clone();
        c.bench_function(&format!("{name}/ecka"), |b| {
            b.iter(|| key.ecka(black_box(&peer_pk)).unwrap())
        });
        c.bench_function(&format!("{name}/generate_key"), |b| {
            b.iter(|| SoftwareKey::generate(curve).unwrap())
        });
    }
}

fn kdf_and_scp03t(c: &mut Criterion) {
    let shs = [0x11u8; 32];
    let host_id = [0x80u8; 8];
    let eid = [0x89u8; 16];
    c.bench_function("kdf/session_keys", |b| {
        b.iter(|| {
            kdf::derive_session_keys_from_bytes(
                black_box(&shs),
                &ControlReferenceTemplate::aes128(&host_id),
                &eid,
            )
            .unwrap()
        })
    });
    let keys = kdf::derive_session_keys_from_bytes(
        &shs,
        &ControlReferenceTemplate::aes128(&host_id),
        &eid,
    )
    .unwrap();
    let profile: Vec<u8> = (0..30 * 1024u32).map(|i| (i % 251) as u8).collect();
    let mut group = c.benchmark_group("scp03t");
    group.throughput(Throughput::Bytes(profile.len() as u64));
    group.bench_function("protect_30KB_profile", |b| {
        b.iter(|| {
            Scp03t::new(keys.clone())
                .profile_segments(black_box(&profile))
                .unwrap()
        })
    });
    let segments = Scp03t::new(keys.clone())
        .profile_segments(&profile)
        .unwrap();
    group.bench_function("unprotect_30KB_profile", |b| {
        b.iter(|| {
            Scp03t::new(keys.clone())
                .unprotect_segments(0x86, segments.iter().map(Vec::as_slice))
                .unwrap()
        })
    });
    group.finish();
}

criterion_group!(benches, ecc, kdf_and_scp03t);
criterion_main!(benches);
