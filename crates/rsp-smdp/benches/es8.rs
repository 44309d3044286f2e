//! One M2M ES8 download in process (SGP.02 §3.1.2–3.1.3), on both curves, with the lab of
//! the ES8 tests (`tests/common`: the virtual M2M eUICC with one ISD-P created, the SM-DP's
//! CERT.DP.ECDSA from the test CI):
//!
//! - `es8/download/<curve>`: SM-DP and eUICC together: the key establishment (CERT.DP,
//!   challenge, signed ephemeral key, receipt), INITIALIZE UPDATE, EXTERNAL AUTHENTICATE
//!   and the generic Profile (≈ 1.1 kB) in SCP03t segments, the result checked. Every
//!   iteration starts from a fresh copy of the card just after CreateISDP (the copy is
//!   set-up, not measured); the scripts go straight to the ISD-P, as expanded remote
//!   scripts (their encoding and decoding is counted: it is the card's interface).
//! - `es8/smdp_side/<curve>`: the same downloads, timing only the SM-DP's calls
//!   (`KeyEstablishment::new`, `certificate_script`, `on_challenge`, `on_receipt`,
//!   `Download::new`, `on_initialize_update`, `on_result`).
//! - `es8/segments_only/<curve>`: `on_initialize_update` for a 20 KiB package (the
//!   SCP03t wrap: AES-CBC + C-MAC per 239-octet segment); INITIALIZE UPDATE on the card is
//!   set-up.
#![allow(clippy::unwrap_used)]

// The ES8 lab of rsp-keyest's tests (the key establishment lives there).
#[path = "../../rsp-keyest/tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use rsp_crypto::{Curve, PublicKey};
use rsp_m2m_euicc::{EuiccState, M2mEuicc};
use rsp_saip::template;
use rsp_smdp::SmdpCredential;
use rsp_smdp::download::{Download, Installation};
use rsp_smdp::es8::KeyEstablishment;

const KEY_VERSION: u8 = 0x30;
const HOST_ID: &[u8] = b"SMDP-LAB";

/// Runs `f`, adding its wall-clock time to `spent`.
fn timed<T>(spent: &mut Duration, f: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let out = f();
    *spent += start.elapsed();
    out
}

/// One whole download on `card`; the SM-DP's calls are added to `smdp`.
fn download(
    card: &mut M2mEuicc,
    credential: &SmdpCredential,
    ecasd_key: &PublicKey,
    package: &[u8],
    smdp: &mut Duration,
) -> Installation {
    let aid = common::isdp();
    let to_isdp = Some(&aid);
    let (ke, first) = timed(smdp, || {
        let ke = KeyEstablishment::new(ecasd_key.clone(), KEY_VERSION, HOST_ID).unwrap();
        let first = ke.certificate_script(credential).unwrap();
        (ke, first)
    });
    let r = common::run(card, to_isdp, first);
    let (second, waiting) = timed(smdp, || ke.on_challenge(&r, credential).unwrap());
    let r = common::run(card, to_isdp, second);
    let (download, init) = timed(smdp, || {
        let keys = waiting.on_receipt(&r).unwrap();
        Download::new(&keys, KEY_VERSION).unwrap()
    });
    let r = common::run(card, to_isdp, init);
    let (script, waiting) = timed(smdp, || download.on_initialize_update(&r, package).unwrap());
    let r = common::run(card, to_isdp, script);
    timed(smdp, || waiting.on_result(&r).unwrap())
}

struct Bench {
    /// The card just after CreateISDP.
    state: EuiccState,
    credential: SmdpCredential,
    ecasd_key: PublicKey,
}

fn bench_lab(curve: Curve) -> Bench {
    let lab = common::lab(curve);
    Bench {
        state: lab.card.state().clone(),
        credential: lab.credential,
        ecasd_key: lab.ecasd_key,
    }
}

fn es8(c: &mut Criterion) {
    let package = template::generic().encode().unwrap();
    let big = vec![0x5Au8; 20 * 1024];
    let mut g = c.benchmark_group("es8");
    g.sample_size(20)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5));
    for curve in Curve::ALL {
        let name = curve.name();
        let lab = bench_lab(curve);
        // The lab itself must install the Profile.
        let mut unused = Duration::ZERO;
        let mut card = M2mEuicc::new(lab.state.clone());
        assert_eq!(
            download(
                &mut card,
                &lab.credential,
                &lab.ecasd_key,
                &package,
                &mut unused
            ),
            Installation::Installed
        );

        g.throughput(Throughput::Elements(1));
        g.bench_function(format!("download/{name}"), |b| {
            b.iter_batched(
                || M2mEuicc::new(lab.state.clone()),
                |mut card| {
                    let mut unused = Duration::ZERO;
                    let result = download(
                        &mut card,
                        &lab.credential,
                        &lab.ecasd_key,
                        black_box(&package),
                        &mut unused,
                    );
                    assert_eq!(result, Installation::Installed);
                    card
                },
                BatchSize::SmallInput,
            )
        });

        g.bench_function(format!("smdp_side/{name}"), |b| {
            b.iter_custom(|iters| {
                let mut smdp = Duration::ZERO;
                for _ in 0..iters {
                    let mut card = M2mEuicc::new(lab.state.clone());
                    let result = download(
                        &mut card,
                        &lab.credential,
                        &lab.ecasd_key,
                        black_box(&package),
                        &mut smdp,
                    );
                    assert_eq!(result, Installation::Installed);
                }
                smdp
            })
        });

        // One keyset established; the ISD-P takes a new INITIALIZE UPDATE for each
        // iteration while it holds no Profile.
        let mut card = M2mEuicc::new(lab.state.clone());
        let aid = common::isdp();
        let ke = KeyEstablishment::new(lab.ecasd_key.clone(), KEY_VERSION, HOST_ID).unwrap();
        let r = common::run(
            &mut card,
            Some(&aid),
            ke.certificate_script(&lab.credential).unwrap(),
        );
        let (second, waiting) = ke.on_challenge(&r, &lab.credential).unwrap();
        let r = common::run(&mut card, Some(&aid), second);
        let keys = waiting.on_receipt(&r).unwrap();
        g.throughput(Throughput::Bytes(big.len() as u64));
        g.bench_function(format!("segments_only/{name}"), |b| {
            b.iter_batched(
                || {
                    let (download, init) = Download::new(&keys, KEY_VERSION).unwrap();
                    let r = common::run(&mut card, Some(&aid), init);
                    (download, r)
                },
                |(download, r)| download.on_initialize_update(&r, black_box(&big)).unwrap(),
                BatchSize::SmallInput,
            )
        });
    }
    g.finish();
}

criterion_group!(benches, es8);
criterion_main!(benches);
