//! ECDSA and ECDH against published vectors and independent implementations.
#![allow(clippy::unwrap_used)]

mod common;
use common::{fixture, h};

use rsp_crypto::{CryptoError, Curve, KeyAgreement, PublicKey, Signer, SoftwareKey, tr03111};

fn point(x: &str, y: &str) -> Vec<u8> {
    let mut p = vec![0x04];
    p.extend(h(x));
    p.extend(h(y));
    p
}

/// RFC 5903 §8.1 (256-bit random ECP group): i, g^i, r, g^r, g^ir.
#[test]
fn ecdh_p256_rfc5903() {
    let i = SoftwareKey::from_scalar(
        Curve::NistP256,
        &h("C88F01F510D9AC3F70A292DAA2316DE544E9AAB8AFE84049C62A9C57862D1433"),
    )
    .unwrap();
    let gi = point(
        "DAD0B65394221CF9B051E1FECA5787D098DFE637FC90B9EF945D0C3772581180",
        "5271A0461CDB8252D61F1C456FA3E59AB1F45B33ACCF5F58389E0577B8990BB3",
    );
    assert_eq!(Signer::public_key(&i).sec1_uncompressed(), gi.as_slice());
    let r = SoftwareKey::from_scalar(
        Curve::NistP256,
        &h("C6EF9C5D78AE012A011164ACB397CE2088685D8F06BF9BE0B283AB46476BEE53"),
    )
    .unwrap();
    let gr = point(
        "D12DFB5289C8D4F81208B70270398C342296970A0BCCB74C736FC7554494BF63",
        "56FBF3CA366CC23E8157854C13C58D6AAC23F046ADA30F8353E74F33039872AB",
    );
    assert_eq!(Signer::public_key(&r).sec1_uncompressed(), gr.as_slice());
    let gir_x = h("D6840F6B42F6EDAFD13116E0E12565202FEF8E9ECE7DCE03812464D04B9442DE");
    let z1 = i
        .ecka(&PublicKey::from_sec1(Curve::NistP256, &gr).unwrap())
        .unwrap();
    let z2 = r
        .ecka(&PublicKey::from_sec1(Curve::NistP256, &gi).unwrap())
        .unwrap();
    assert_eq!(z1.as_bytes(), gir_x.as_slice());
    assert_eq!(z2.as_bytes(), gir_x.as_slice());
}

/// RFC 7027 Appendix A.1 (brainpoolP256r1): dA, qA, dB, qB, x_Z.
#[test]
fn ecdh_brainpool_rfc7027() {
    let a = SoftwareKey::from_scalar(
        Curve::BrainpoolP256r1,
        &h("81DB1EE100150FF2EA338D708271BE38300CB54241D79950F77B063039804F1D"),
    )
    .unwrap();
    let qa = point(
        "44106E913F92BC02A1705D9953A8414DB95E1AAA49E81D9E85F929A8E3100BE5",
        "8AB4846F11CACCB73CE49CBDD120F5A900A69FD32C272223F789EF10EB089BDC",
    );
    assert_eq!(Signer::public_key(&a).sec1_uncompressed(), qa.as_slice());
    let b = SoftwareKey::from_scalar(
        Curve::BrainpoolP256r1,
        &h("55E40BC41E37E3E2AD25C3C6654511FFA8474A91A0032087593852D3E7D76BD3"),
    )
    .unwrap();
    let qb = point(
        "8D2D688C6CF93E1160AD04CC4429117DC2C41825E1E9FCA0ADDD34E6F1B39F7B",
        "990C57520812BE512641E47034832106BC7D3E8DD0E4C7F1136D7006547CEC6A",
    );
    assert_eq!(Signer::public_key(&b).sec1_uncompressed(), qb.as_slice());
    let zx = h("89AFC39D41D3B327814B80940B042590F96556EC91E6AE7939BCE31F3A18BF2B");
    let z1 = a
        .ecka(&PublicKey::from_sec1(Curve::BrainpoolP256r1, &qb).unwrap())
        .unwrap();
    let z2 = b
        .ecka(&PublicKey::from_sec1(Curve::BrainpoolP256r1, &qa).unwrap())
        .unwrap();
    assert_eq!(z1.as_bytes(), zx.as_slice());
    assert_eq!(z2.as_bytes(), zx.as_slice());
}

/// RFC 6979 A.2.5: P-256, SHA-256, message "sample" (deterministic k, so r‖s is fixed).
#[test]
fn ecdsa_p256_rfc6979_known_signature_verifies() {
    let key = SoftwareKey::from_scalar(
        Curve::NistP256,
        &h("C9AFA9D845BA75166B5C215767B1D6934E50C3DB36E89B127B8A622B120F6721"),
    )
    .unwrap();
    let pk = Signer::public_key(&key);
    let expected = point(
        "60FED4BA255A9D31C961EB74C6356D68C049B8923B61FA6CE669622E60F29FB6",
        "7903FE1008B8BC99A41AE9E95628BC64F2F1B20C2D7E9F5177A3C294D4462299",
    );
    assert_eq!(pk.sec1_uncompressed(), expected.as_slice());
    let sig = h(
        "EFD48B2AACB6A8FD1140DD9CD45E81D69D2C877B56AAF991C34D0EA84EAF3716\
                 F7CB1C942D657C41D436C7A1B6E29F65F3E900DBB9AFF4064DC4AB2F843ACDA8",
    );
    pk.verify_raw(b"sample", &sig).unwrap();
    pk.verify_der(b"sample", &tr03111::raw_to_der(&sig).unwrap())
        .unwrap();
    assert_eq!(
        pk.verify_raw(b"samplf", &sig),
        Err(CryptoError::InvalidSignature)
    );
    let mut bad = sig.clone();
    bad[40] ^= 1;
    assert_eq!(
        pk.verify_raw(b"sample", &bad),
        Err(CryptoError::InvalidSignature)
    );
}

/// Signatures made by the OpenSSL CLI (tests/vectors/README.md) verify, in DER and r‖s.
#[test]
fn ecdsa_openssl_signatures_verify() {
    let f = fixture("ecdsa_openssl.txt");
    for (name, curve) in [
        ("nist", Curve::NistP256),
        ("brainpool", Curve::BrainpoolP256r1),
    ] {
        let pk = PublicKey::from_spki_der(&f[&format!("{name}.spki")]).unwrap();
        assert_eq!(pk.curve(), curve);
        assert_eq!(pk.to_spki_der(), f[&format!("{name}.spki")]);
        let der = &f[&format!("{name}.sig_der")];
        pk.verify_der(b"sample", der).unwrap();
        let raw = tr03111::der_to_raw(der).unwrap();
        pk.verify_raw(b"sample", &raw).unwrap();
        assert_eq!(&tr03111::raw_to_der(&raw).unwrap(), der);
        assert!(pk.verify_der(b"Sample", der).is_err());
    }
}

/// Our P-256 (AWS-LC) signatures verify with RustCrypto `p256`, and the reverse.
#[test]
fn p256_cross_implementation() {
    use p256::ecdsa::signature::{Signer as _, Verifier as _};
    let key = SoftwareKey::generate(Curve::NistP256).unwrap();
    let msg = b"serverSigned1 bytes";
    let rc_vk =
        p256::ecdsa::VerifyingKey::from_sec1_bytes(Signer::public_key(&key).sec1_uncompressed())
            .unwrap();
    for _ in 0..20 {
        let sig = key.sign_raw(msg).unwrap();
        let rc_sig = p256::ecdsa::Signature::from_slice(&sig).unwrap();
        rc_vk.verify(msg, &rc_sig).unwrap();
        let der = key.sign_der(msg).unwrap();
        rc_vk
            .verify(msg, &p256::ecdsa::DerSignature::from_bytes(&der).unwrap())
            .unwrap();
    }
    let rc_sk = p256::ecdsa::SigningKey::from_slice(&[0x42; 32]).unwrap();
    let rc_sig: p256::ecdsa::Signature = rc_sk.sign(msg);
    let pk = PublicKey::from_sec1(
        Curve::NistP256,
        &rc_sk.verifying_key().to_sec1_point(true).to_bytes(),
    )
    .unwrap();
    pk.verify_raw(msg, &rc_sig.to_bytes()).unwrap();
    pk.verify_der(msg, rc_sig.to_der().as_bytes()).unwrap();
    // the same key loaded from the scalar agrees with RustCrypto's public key
    let ours = SoftwareKey::from_scalar(Curve::NistP256, &[0x42; 32]).unwrap();
    assert_eq!(Signer::public_key(&ours), &pk);
}

#[test]
fn sign_verify_round_trip_both_curves_and_forms() {
    for curve in Curve::ALL {
        let key = SoftwareKey::generate(curve).unwrap();
        let pk = Signer::public_key(&key).clone();
        let raw = key.sign_raw(b"msg").unwrap();
        pk.verify_raw(b"msg", &raw).unwrap();
        pk.verify_der(b"msg", &tr03111::raw_to_der(&raw).unwrap())
            .unwrap();
        let der = key.sign_der(b"msg").unwrap();
        pk.verify_der(b"msg", &der).unwrap();
        pk.verify_raw(b"msg", &tr03111::der_to_raw(&der).unwrap())
            .unwrap();
        // wrong key
        let other = SoftwareKey::generate(curve).unwrap();
        assert_eq!(
            Signer::public_key(&other).verify_raw(b"msg", &raw),
            Err(CryptoError::InvalidSignature)
        );
        // wrong lengths, zero and garbage signatures
        assert_eq!(
            pk.verify_raw(b"msg", &raw[..63]),
            Err(CryptoError::BadSignatureLength {
                expected: 64,
                actual: 63
            })
        );
        assert!(pk.verify_raw(b"msg", &[0u8; 64]).is_err());
        assert!(pk.verify_raw(b"msg", &[0xFFu8; 64]).is_err());
        assert!(pk.verify_der(b"msg", &[0x30, 0x00]).is_err());
        assert!(pk.verify_der(b"msg", &raw).is_err());
    }
}

/// A generated key's exported scalar reloads (with AWS-LC's key-pair check on P-256) to the
/// same public key, and the keys of two draws differ.
#[test]
fn generated_keys_export_their_own_scalar() {
    for curve in Curve::ALL {
        let key = SoftwareKey::generate(curve).unwrap();
        let again = SoftwareKey::from_pkcs8_der(&key.to_pkcs8_der()).unwrap();
        assert_eq!(Signer::public_key(&again), Signer::public_key(&key));
        let other = SoftwareKey::generate(curve).unwrap();
        assert_ne!(Signer::public_key(&other), Signer::public_key(&key));
    }
}

#[test]
fn ecdh_agrees_both_ways_and_rejects_other_curve() {
    for curve in Curve::ALL {
        let a = SoftwareKey::generate(curve).unwrap();
        let b = SoftwareKey::generate(curve).unwrap();
        let za = a.ecka(KeyAgreement::public_key(&b)).unwrap();
        let zb = b.ecka(KeyAgreement::public_key(&a)).unwrap();
        assert_eq!(za.as_bytes(), zb.as_bytes());
        assert_eq!(format!("{za:?}"), "SharedSecret(<redacted>)");
    }
    let n = SoftwareKey::generate(Curve::NistP256).unwrap();
    let b = SoftwareKey::generate(Curve::BrainpoolP256r1).unwrap();
    assert_eq!(
        n.ecka(KeyAgreement::public_key(&b)).unwrap_err(),
        CryptoError::CurveMismatch
    );
}

#[test]
fn public_key_encodings() {
    for curve in Curve::ALL {
        let key = SoftwareKey::generate(curve).unwrap();
        let pk = Signer::public_key(&key);
        let unc = pk.sec1_uncompressed();
        assert_eq!(unc.len(), 65);
        assert_eq!(unc[0], 4);
        // compressed form decompresses to the same key
        let mut comp = vec![2 + (unc[64] & 1)];
        comp.extend_from_slice(&unc[1..33]);
        assert_eq!(&PublicKey::from_sec1(curve, &comp).unwrap(), pk);
        // SPKI round trip
        assert_eq!(&PublicKey::from_spki_der(&pk.to_spki_der()).unwrap(), pk);
        // Debug shows curve and point, nothing else
        let dbg = format!("{pk:?}");
        assert!(dbg.contains(&hex::encode(unc)), "{dbg}");
    }
}

#[test]
fn invalid_points_are_rejected() {
    for curve in Curve::ALL {
        let key = SoftwareKey::generate(curve).unwrap();
        let mut p = Signer::public_key(&key).sec1_uncompressed().to_vec();
        p[64] ^= 1; // off the curve
        assert_eq!(
            PublicKey::from_sec1(curve, &p).unwrap_err(),
            CryptoError::InvalidPoint
        );
        for bad in [
            &[][..],
            &[0u8][..],
            &[4u8; 65][..],
            &[4u8; 64][..],
            &[7u8; 65][..],
        ] {
            assert!(PublicKey::from_sec1(curve, bad).is_err(), "{bad:02x?}");
        }
        assert!(PublicKey::from_spki_der(&[0x30, 0x03, 0x02, 0x01, 0x00]).is_err());
    }
    // a P-256 point is (almost surely) not on brainpoolP256r1
    let k = SoftwareKey::generate(Curve::NistP256).unwrap();
    assert!(
        PublicKey::from_sec1(
            Curve::BrainpoolP256r1,
            Signer::public_key(&k).sec1_uncompressed()
        )
        .is_err()
    );
}

#[test]
fn invalid_scalars_are_rejected() {
    for curve in Curve::ALL {
        assert_eq!(
            SoftwareKey::from_scalar(curve, &[0u8; 32]).unwrap_err(),
            CryptoError::InvalidKey
        );
        assert_eq!(
            SoftwareKey::from_scalar(curve, &[0xFFu8; 32]).unwrap_err(),
            CryptoError::InvalidKey
        );
        assert_eq!(
            SoftwareKey::from_scalar(curve, &[1u8; 33]).unwrap_err(),
            CryptoError::InvalidKey
        );
        // short scalars are left-padded
        let one = SoftwareKey::from_scalar(curve, &[1]).unwrap();
        let mut padded = [0u8; 32];
        padded[31] = 1;
        let one_padded = SoftwareKey::from_scalar(curve, &padded).unwrap();
        assert_eq!(Signer::public_key(&one), Signer::public_key(&one_padded));
    }
}
