//! Everything rsp-crypto parses from a peer or a file: EC points (SEC1), SubjectPublicKeyInfo,
//! DER ECDSA signatures, TR-03111 signatures, PEM private keys. Property: errors, never panics;
//! DER <-> r‖s conversions are inverse on what they accept.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rsp_crypto::{Curve, PublicKey, SoftwareKey, tr03111};

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let curve = if selector & 0x80 == 0 {
        Curve::NistP256
    } else {
        Curve::BrainpoolP256r1
    };
    match selector % 5 {
        0 => {
            if let Ok(key) = PublicKey::from_sec1(curve, input) {
                let again = PublicKey::from_sec1(curve, key.sec1_uncompressed())
                    .expect("our own encoding of a valid point parses");
                assert_eq!(key, again);
            }
        }
        1 => {
            if let Ok(key) = PublicKey::from_spki_der(input) {
                let again =
                    PublicKey::from_spki_der(&key.to_spki_der()).expect("our own SPKI parses");
                assert_eq!(key, again);
            }
        }
        2 => {
            if let Ok(raw) = tr03111::der_to_raw(input) {
                let der = tr03111::raw_to_der(&raw).expect("r‖s converts back");
                assert_eq!(tr03111::der_to_raw(&der).expect("round trip"), raw);
            }
        }
        3 => {
            // A verify with garbage as signature and message must just fail.
            if input.len() > 65 {
                if let Ok(key) = PublicKey::from_sec1(curve, &input[..65]) {
                    let _ = key.verify_raw(&input[65..], &input[65..]);
                    let _ = key.verify_der(&input[65..], &input[65..]);
                }
            }
        }
        _ => {
            if let Ok(text) = std::str::from_utf8(input) {
                let _ = SoftwareKey::from_pem(text);
            }
            let _ = SoftwareKey::from_pkcs8_der(input);
        }
    }
});
