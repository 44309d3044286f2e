//! Arbitrary input gives errors, never panics, on every parser an outside party can reach.
#![allow(clippy::unwrap_used)]

use rsp_crypto::kdf::SessionKeys;
use rsp_crypto::scp03t::{self, Scp03t};
use rsp_crypto::{Curve, PublicKey, SoftwareKey, tr03111};

/// xorshift64*: deterministic, dependency-free input generator.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn bytes(&mut self, max: usize) -> Vec<u8> {
        let len = (self.next() as usize) % (max + 1);
        (0..len).map(|_| self.next() as u8).collect()
    }
}

/// Mutates a valid input: flips, truncates or extends it.
fn mutate(rng: &mut Rng, valid: &[u8]) -> Vec<u8> {
    let mut v = valid.to_vec();
    match rng.next() % 3 {
        0 if !v.is_empty() => {
            let i = (rng.next() as usize) % v.len();
            v[i] ^= 1 << (rng.next() % 8);
        }
        1 => v.truncate((rng.next() as usize) % (v.len() + 1)),
        _ => v.extend(rng.bytes(8)),
    }
    v
}

#[test]
fn random_and_mutated_inputs_never_panic() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let key = SoftwareKey::generate(Curve::BrainpoolP256r1).unwrap();
    let pkcs8 = key.to_pkcs8_der();
    let pem = key.to_pkcs8_pem();
    let pk = rsp_crypto::Signer::public_key(&key).clone();
    let spki = pk.to_spki_der();
    let sig_der = tr03111::raw_to_der(&[0x42; 64]).unwrap();
    let keys = || SessionKeys::from_parts([1; 16], [2; 16], [3; 16]);
    let segment = Scp03t::new(keys()).protect(0x86, &[7; 100]).unwrap();
    for _ in 0..3000 {
        let g = rng.bytes(200);
        for curve in Curve::ALL {
            let _ = PublicKey::from_sec1(curve, &g);
            let _ = PublicKey::from_sec1(curve, &mutate(&mut rng, pk.sec1_uncompressed()));
        }
        let _ = PublicKey::from_spki_der(&g);
        let _ = PublicKey::from_spki_der(&mutate(&mut rng, &spki));
        let _ = SoftwareKey::from_pkcs8_der(&g);
        let _ = SoftwareKey::from_pkcs8_der(&mutate(&mut rng, &pkcs8));
        let _ = SoftwareKey::from_sec1_der(&g);
        let _ = SoftwareKey::from_pem(&String::from_utf8_lossy(&mutate(&mut rng, pem.as_bytes())));
        let _ = tr03111::der_to_raw(&g);
        let _ = tr03111::der_to_raw(&mutate(&mut rng, &sig_der));
        let _ = tr03111::raw_to_der(&g);
        let _ = pk.verify_raw(b"m", &g);
        let _ = pk.verify_der(b"m", &g);
        let _ = scp03t::split_tlvs(&g);
        let _ = Scp03t::new(keys()).unprotect(&g);
        let _ = Scp03t::new(keys()).unprotect(&mutate(&mut rng, &segment));
    }
}
