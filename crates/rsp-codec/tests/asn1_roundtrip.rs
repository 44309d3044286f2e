//! Every asn1tools fixture (tests/fixtures/asn1/rsp_fixtures.json, made by
//! gen_fixtures.py) decodes with our type and re-encodes byte-exactly.
#![allow(clippy::unwrap_used)] // tests may unwrap (ground rules)

mod asn1_common;

use asn1_common::{ByType, Fixture, fixtures, roundtrip, with_type};

struct RoundTrip;

impl ByType for RoundTrip {
    fn call<T: rasn::Decode + rasn::Encode + std::fmt::Debug>(&mut self, bytes: &[u8]) {
        drop(roundtrip::<T>(bytes));
    }
}

fn check_by_type(fx: &Fixture) {
    assert!(
        with_type(&fx.type_name, &fx.bytes, &mut RoundTrip),
        "fixture {} has unmapped type {}",
        fx.name,
        fx.type_name
    );
}

#[test]
fn every_fixture_round_trips_byte_exactly() {
    let all = fixtures();
    assert!(all.len() >= 80, "fixture file lost entries");
    let mut failures = Vec::new();
    for fx in &all {
        if let Err(e) = std::panic::catch_unwind(|| check_by_type(fx)) {
            let msg = e
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| e.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{}: {msg}", fx.name));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
