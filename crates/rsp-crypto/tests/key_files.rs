//! Private key file formats against OpenSSL-written fixtures and independent parsers.
#![allow(clippy::unwrap_used)]

mod common;
use common::fixture;
use der::Encode;

use rsp_crypto::{CryptoError, Curve, PublicKey, Signer, SoftwareKey};

fn pem(label: &str, der: &[u8]) -> String {
    der::pem::encode_string(label, der::pem::LineEnding::LF, der).unwrap()
}

#[test]
fn openssl_keys_load_in_every_format_and_export_identically() {
    let f = fixture("ecdsa_openssl.txt");
    for (name, curve) in [
        ("nist", Curve::NistP256),
        ("brainpool", Curve::BrainpoolP256r1),
    ] {
        let spki = PublicKey::from_spki_der(&f[&format!("{name}.spki")]).unwrap();
        let pkcs8 = &f[&format!("{name}.pkcs8")];
        let sec1 = &f[&format!("{name}.sec1")];
        let params = pem(
            "EC PARAMETERS",
            &der::asn1::ObjectIdentifier::new_unwrap(curve.oid())
                .to_der()
                .unwrap(),
        );
        let variants = [
            SoftwareKey::from_pkcs8_der(pkcs8).unwrap(),
            SoftwareKey::from_sec1_der(sec1).unwrap(),
            SoftwareKey::from_pem(&pem("PRIVATE KEY", pkcs8)).unwrap(),
            SoftwareKey::from_pem(&pem("EC PRIVATE KEY", sec1)).unwrap(),
            SoftwareKey::from_pem(&format!("{params}{}", pem("EC PRIVATE KEY", sec1))).unwrap(),
        ];
        for key in &variants {
            assert_eq!(Signer::curve(key), curve);
            assert_eq!(Signer::public_key(key), &spki);
            // PKCS#8 export is byte-identical to OpenSSL's `pkcs8 -topk8 -nocrypt`
            assert_eq!(key.to_pkcs8_der().as_slice(), pkcs8.as_slice());
            assert!(
                key.to_pkcs8_pem()
                    .starts_with("-----BEGIN PRIVATE KEY-----\n")
            );
            // Debug never shows the scalar
            let dbg = format!("{key:?}");
            let scalar_hex = hex::encode(&pkcs8[pkcs8.len() - 32 - 70..pkcs8.len() - 70]);
            assert!(!dbg.contains(&scalar_hex), "{dbg}");
            assert!(dbg.contains("SoftwareKey"));
        }
    }
}

#[test]
fn generated_keys_export_to_independent_parsers() {
    // NIST: AWS-LC's own PKCS#8 parser
    let key = SoftwareKey::generate(Curve::NistP256).unwrap();
    let pair = aws_lc_rs::signature::EcdsaKeyPair::from_pkcs8(
        &aws_lc_rs::signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &key.to_pkcs8_der(),
    )
    .unwrap();
    use aws_lc_rs::signature::KeyPair;
    assert_eq!(
        pair.public_key().as_ref(),
        Signer::public_key(&key).sec1_uncompressed()
    );
    // brainpool: RustCrypto's PKCS#8 parser
    use pkcs8::DecodePrivateKey;
    let key = SoftwareKey::generate(Curve::BrainpoolP256r1).unwrap();
    let sk = bp256::r1::SecretKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
    use elliptic_curve::sec1::ToSec1Point;
    assert_eq!(
        sk.public_key().as_affine().to_sec1_point(false).as_bytes(),
        Signer::public_key(&key).sec1_uncompressed()
    );
}

#[test]
fn malformed_key_files_give_errors() {
    let f = fixture("ecdsa_openssl.txt");
    let sec1 = &f["nist.sec1"];
    let bp_params = pem(
        "EC PARAMETERS",
        &der::asn1::ObjectIdentifier::new_unwrap(Curve::BrainpoolP256r1.oid())
            .to_der()
            .unwrap(),
    );
    // conflicting EC PARAMETERS and inner parameters
    assert!(SoftwareKey::from_pem(&format!("{bp_params}{}", pem("EC PRIVATE KEY", sec1))).is_err());
    // wrong label, no block, truncated block, garbage
    assert!(matches!(
        SoftwareKey::from_pem(&pem("CERTIFICATE", sec1)),
        Err(CryptoError::Pem(_))
    ));
    assert!(matches!(
        SoftwareKey::from_pem("hello"),
        Err(CryptoError::Pem(_))
    ));
    assert!(SoftwareKey::from_pem("-----BEGIN EC PRIVATE KEY-----\nAAAA\n").is_err());
    assert!(SoftwareKey::from_pem(&pem("EC PRIVATE KEY", &sec1[..40])).is_err());
    assert!(SoftwareKey::from_pkcs8_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
    assert!(SoftwareKey::from_pkcs8_der(&[]).is_err());
    // public key inside the file not matching the scalar
    let mut tampered = sec1.clone();
    let last = tampered.len() - 1;
    tampered[last] ^= 1;
    assert!(SoftwareKey::from_sec1_der(&tampered).is_err());
    // secp384r1 key: unsupported curve
    let p384_params = der::asn1::ObjectIdentifier::new_unwrap("1.3.132.0.34")
        .to_der()
        .unwrap();
    assert!(matches!(
        SoftwareKey::from_pem(&format!(
            "{}{}",
            pem("EC PARAMETERS", &p384_params),
            pem("EC PRIVATE KEY", sec1)
        )),
        Err(CryptoError::UnsupportedCurve(_))
    ));
}
