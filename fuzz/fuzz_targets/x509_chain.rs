//! Certificates and CRLs as received from a peer (eUICC/EUM certificates in
//! AuthenticateClient, SM-DP+ certificates in AuthenticateServer, CRLs in LoadCRL), then GSMA
//! path validation against a fixed test CI. Property: errors, never panics.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use rsp_crypto::Curve;
use rsp_pki::{Cert, Crl, Role, TestPki, TestPkiOptions, TrustStore};

fn store() -> &'static (TrustStore, Cert) {
    static STORE: OnceLock<(TrustStore, Cert)> = OnceLock::new();
    STORE.get_or_init(|| {
        let pki = TestPki::generate(Curve::NistP256, &TestPkiOptions::default()).expect("test PKI");
        let ci = pki
            .issued
            .iter()
            .find(|i| i.role == Role::Ci)
            .expect("CI")
            .cert
            .clone();
        let eum = pki
            .issued
            .iter()
            .find(|i| i.role == Role::Eum)
            .expect("EUM")
            .cert
            .clone();
        (TrustStore::with_cis([ci]), eum)
    })
}

fuzz_target!(|data: &[u8]| {
    let Some((&selector, input)) = data.split_first() else {
        return;
    };
    let (trust, eum) = store();
    let at = time::OffsetDateTime::now_utc();
    match selector % 3 {
        0 => {
            if let Ok(cert) = Cert::from_der(input) {
                let _ = cert.subject_string();
                let _ = cert.subject_serial_number();
                let _ = trust.validate(&cert, std::slice::from_ref(eum), Role::Euicc, at);
                let _ = trust.validate(&cert, &[], Role::DpAuth, at);
            }
        }
        1 => {
            if let Ok(crl) = Crl::from_der(input) {
                let _ = crl.verify(eum, at);
                let _ = crl.revocation_of(eum.serial());
            }
        }
        _ => {
            let _ = Cert::all_from_bytes(input);
        }
    }
});
