//! The SGP.26 test keys and certificates (needs RSP_REFERENCE_DIR; skipped otherwise).
#![allow(clippy::unwrap_used)]

mod common;

use std::path::{Path, PathBuf};

use der::asn1::BitStringRef;
use der::{AnyRef, Decode, Encode, Reader};
use rsp_crypto::{Curve, PublicKey, Signer, SoftwareKey};

fn sgp26_dir() -> Option<PathBuf> {
    Some(common::reference_dir()?.join("sgp26/full"))
}

fn files(dir: &Path, prefix: &str, suffix: &str) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for sub in std::fs::read_dir(dir).unwrap() {
        let sub = sub.unwrap().path();
        if !sub.is_dir() {
            continue;
        }
        for f in std::fs::read_dir(&sub).unwrap() {
            let f = f.unwrap().path();
            let name = f.file_name().unwrap().to_str().unwrap().to_owned();
            if name.starts_with(prefix) && name.ends_with(suffix) {
                out.push(f);
            }
        }
    }
    out.sort();
    out
}

/// (tbsCertificate bytes as received, SubjectPublicKeyInfo DER, signature DER).
fn split_cert(der: &[u8]) -> (Vec<u8>, Vec<u8>, Vec<u8>) {
    let cert = AnyRef::from_der(der).unwrap();
    cert.sequence(|r| {
        let tbs: AnyRef = r.decode()?;
        let _alg: AnyRef = r.decode()?;
        let sig: BitStringRef = r.decode()?;
        let spki = tbs.sequence(|t| {
            // [0] version, serial, signature, issuer, validity, subject, spki, ...
            let mut items = Vec::new();
            while !t.is_finished() {
                let item: AnyRef = t.decode()?;
                items.push(item.to_der()?);
            }
            Ok::<_, der::Error>(items[6].clone())
        })?;
        Ok::<_, der::Error>((tbs.to_der()?, spki, sig.as_bytes().unwrap().to_vec()))
    })
    .unwrap()
}

fn read_cert(path: &Path) -> Vec<u8> {
    let bytes = std::fs::read(path).unwrap();
    if path.extension().is_some_and(|e| e == "pem") {
        let (_, der) = der::pem::decode_vec(&bytes).unwrap();
        der
    } else {
        bytes
    }
}

#[test]
fn every_sgp26_private_key_loads_and_matches_its_public_key() {
    let Some(dir) = sgp26_dir() else { return };
    let sks = files(&dir, "SK_", ".pem");
    assert!(sks.len() >= 19, "found only {} SK_ files", sks.len());
    let mut matched_pk = 0;
    let mut matched_cert = 0;
    for sk_path in &sks {
        let pem = std::fs::read_to_string(sk_path).unwrap();
        let key =
            SoftwareKey::from_pem(&pem).unwrap_or_else(|e| panic!("{}: {e}", sk_path.display()));
        let name = sk_path.file_name().unwrap().to_str().unwrap();
        let stem = name.trim_start_matches("SK_").trim_end_matches(".pem");
        let expected_curve = if stem.contains("BRP") {
            Curve::BrainpoolP256r1
        } else {
            Curve::NistP256
        };
        assert_eq!(Signer::curve(&key), expected_curve, "{name}");
        let pk_path = sk_path.with_file_name(format!("PK_{stem}.pem"));
        if pk_path.exists() {
            let pk = PublicKey::from_spki_pem(&std::fs::read_to_string(&pk_path).unwrap()).unwrap();
            assert_eq!(Signer::public_key(&key), &pk, "{name}");
            matched_pk += 1;
        }
        let cert_path = sk_path.with_file_name(format!("CERT_{stem}.der"));
        if cert_path.exists() {
            let (_, spki, _) = split_cert(&std::fs::read(&cert_path).unwrap());
            assert_eq!(
                Signer::public_key(&key),
                &PublicKey::from_spki_der(&spki).unwrap()
            );
            matched_cert += 1;
        }
        // sign with the loaded key, verify with the key from the reference public file
        let sig = key.sign_raw(b"sgp26").unwrap();
        Signer::public_key(&key).verify_raw(b"sgp26", &sig).unwrap();
        // PKCS#8 export re-imports to the same key
        let again = SoftwareKey::from_pem(&key.to_pkcs8_pem()).unwrap();
        assert_eq!(Signer::public_key(&again), Signer::public_key(&key));
    }
    eprintln!(
        "{} keys, {matched_pk} matched PK_ files, {matched_cert} matched certificates",
        sks.len()
    );
    assert!(matched_pk >= 15 && matched_cert >= 10);
}

#[test]
fn sgp26_certificate_signatures_verify() {
    let Some(dir) = sgp26_dir() else { return };
    let issuer = |p: &str| {
        let (_, spki, _) = split_cert(&read_cert(&dir.join(p)));
        PublicKey::from_spki_der(&spki).unwrap()
    };
    let cases = [
        (
            "CertificateIssuer/CERT_CI_ECDSA_NIST.der",
            "CertificateIssuer/CERT_CI_ECDSA_NIST.der",
        ),
        (
            "CertificateIssuer/CERT_CI_ECDSA_BRP.der",
            "CertificateIssuer/CERT_CI_ECDSA_BRP.der",
        ),
        (
            "DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der",
            "CertificateIssuer/CERT_CI_ECDSA_NIST.der",
        ),
        (
            "DPauth/CERT_S_SM_DPauth_ECDSA_BRP.der",
            "CertificateIssuer/CERT_CI_ECDSA_BRP.der",
        ),
        (
            "DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der",
            "CertificateIssuer/CERT_CI_ECDSA_NIST.der",
        ),
        (
            "DPpb/CERT_S_SM_DPpb_ECDSA_BRP.der",
            "CertificateIssuer/CERT_CI_ECDSA_BRP.der",
        ),
        (
            "EUM/CERT_EUM_ECDSA_NIST.der",
            "CertificateIssuer/CERT_CI_ECDSA_NIST.der",
        ),
        (
            "EUM/CERT_EUM_ECDSA_BRP.der",
            "CertificateIssuer/CERT_CI_ECDSA_BRP.der",
        ),
        (
            "eUICC/CERT_EUICC_ECDSA_NIST.der",
            "EUM/CERT_EUM_ECDSA_NIST.der",
        ),
        (
            "eUICC/CERT_EUICC_ECDSA_BRP.der",
            "EUM/CERT_EUM_ECDSA_BRP.der",
        ),
    ];
    for (cert, ca) in cases {
        let (tbs, _, sig) = split_cert(&read_cert(&dir.join(cert)));
        let ca_key = issuer(ca);
        ca_key
            .verify_der(&tbs, &sig)
            .unwrap_or_else(|e| panic!("{cert}: {e}"));
        let raw = rsp_crypto::tr03111::der_to_raw(&sig).unwrap();
        ca_key.verify_raw(&tbs, &raw).unwrap();
        let mut bad = tbs.clone();
        let last = bad.len() - 1;
        bad[last] ^= 1;
        assert!(ca_key.verify_der(&bad, &sig).is_err(), "{cert}");
    }
}
