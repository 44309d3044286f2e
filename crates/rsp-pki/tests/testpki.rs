//! The generated test PKI validates under our rules for every role on both curves,
//! and its extension profile (which extensions, which critical) equals SGP.26's.

#![allow(clippy::unwrap_used)]

use rsp_crypto::Curve;
use rsp_pki::{Cert, PkiError, Role, TestPki, TestPkiOptions, TrustStore};
use std::path::Path;
use time::OffsetDateTime;

fn pki(curve: Curve) -> TestPki {
    TestPki::generate(curve, &TestPkiOptions::default()).unwrap()
}

#[test]
fn every_role_validates_on_both_curves() {
    for curve in [Curve::NistP256, Curve::BrainpoolP256r1] {
        let p = pki(curve);
        let ci = p.get(Role::Ci).unwrap();
        let eum = p.get(Role::Eum).unwrap();
        let store = TrustStore::with_cis([ci.cert.clone()]);
        let now = OffsetDateTime::now_utc();
        for issued in &p.issued {
            assert_names_as_received(&issued.cert);
            assert_eq!(issued.cert.public_key().curve(), curve);
            assert_eq!(
                issued.cert.public_key(),
                rsp_crypto::Signer::public_key(&issued.key)
            );
            let inter = if issued.role == Role::Euicc {
                vec![eum.cert.clone()]
            } else {
                vec![]
            };
            let chain = store
                .validate(&issued.cert, &inter, issued.role, now)
                .unwrap_or_else(|e| panic!("{curve:?} {}: {e}", issued.role));
            if issued.role == Role::Euicc {
                assert_eq!(chain.eid.as_deref(), Some(rsp_pki::DEFAULT_EID));
            }
        }
        // Every leaf but the eUICC is signed directly by the CI.
        for issued in p
            .issued
            .iter()
            .filter(|i| !matches!(i.role, Role::Ci | Role::Euicc))
        {
            assert_eq!(
                issued.cert.authority_key_id(),
                ci.cert.subject_key_id(),
                "{}",
                issued.role
            );
        }
        assert_eq!(
            p.get(Role::Euicc).unwrap().cert.authority_key_id(),
            eum.cert.subject_key_id()
        );
        // Roles are not interchangeable.
        let dp_auth = &p.get(Role::DpAuth).unwrap().cert;
        for wrong in [
            Role::DpPb,
            Role::DsAuth,
            Role::DpTls,
            Role::Eim,
            Role::Mno,
            Role::Eum,
        ] {
            assert!(
                store.validate(dp_auth, &[], wrong, now).is_err(),
                "DPauth as {wrong}"
            );
        }
        let err = store
            .validate(&p.get(Role::Mno).unwrap().cert, &[], Role::DpTls, now)
            .unwrap_err();
        assert!(matches!(err, PkiError::WrongRole { .. }), "{err}");
    }
}

#[test]
fn hosts_and_eid_options_are_used() {
    let opts = TestPkiOptions {
        smdp_host: "smdp.test.example".into(),
        smds_host: "smds.test.example".into(),
        eid: rsp_pki::eid_with_check_digits("890440001234567890123456789012").unwrap(),
        ..TestPkiOptions::default()
    };
    let p = TestPki::generate(Curve::NistP256, &opts).unwrap();
    let tls = &p.get(Role::DpTls).unwrap().cert;
    assert!(tls.subject_string().contains("CN=smdp.test.example"));
    assert!(
        tls.extensions()
            .subject_alt_name
            .as_ref()
            .unwrap()
            .contains(&rsp_pki::SanEntry::Dns("smdp.test.example".into()))
    );
    let euicc = &p.get(Role::Euicc).unwrap().cert;
    assert_eq!(euicc.subject_serial_number(), Some(opts.eid.clone()));
    let bad = TestPkiOptions {
        eid: "89044000123456789012345678901200".into(),
        ..opts
    };
    assert!(TestPki::generate(Curve::NistP256, &bad).is_err());
}

#[test]
fn write_to_sets_key_modes_and_refuses_overwrite() {
    let p = pki(Curve::NistP256);
    let dir = std::env::temp_dir().join(format!("rsp-pki-write-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    p.write_to(&dir, false).unwrap();
    for role in rsp_pki::TEST_PKI_ROLES {
        let [c, k] = rsp_pki::file_names(role);
        let cert = Cert::from_bytes(&std::fs::read(dir.join(&c)).unwrap()).unwrap();
        assert_eq!(&cert, &p.get(role).unwrap().cert);
        let key =
            rsp_crypto::SoftwareKey::from_pem(&std::fs::read_to_string(dir.join(&k)).unwrap())
                .unwrap();
        assert_eq!(rsp_crypto::Signer::public_key(&key), cert.public_key());
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(dir.join(&k))
                .unwrap()
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{k}");
        }
    }
    assert!(p.write_to(&dir, false).is_err());
    p.write_to(&dir, true).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The issuer and subject bytes `Cert` points at are those Names' DER.
fn assert_names_as_received(cert: &Cert) {
    use der::Encode;
    let tbs = cert.x509().tbs_certificate();
    assert_eq!(cert.issuer_der(), tbs.issuer().to_der().unwrap().as_slice());
    assert_eq!(
        cert.subject_der(),
        tbs.subject().to_der().unwrap().as_slice()
    );
    assert_ne!(cert.subject_der(), cert.tbs_der());
}

/// (extension OID, critical) pairs, sorted.
fn profile(cert: &Cert) -> Vec<(String, bool)> {
    let mut v: Vec<(String, bool)> = cert
        .x509()
        .tbs_certificate()
        .extensions()
        .into_iter()
        .flatten()
        .map(|e| (e.extn_id.to_string(), e.critical))
        .collect();
    v.sort();
    v
}

#[test]
fn extension_profiles_mirror_sgp26() {
    let Some(dir) = std::env::var_os("RSP_REFERENCE_DIR") else {
        println!("skipped: RSP_REFERENCE_DIR is not set");
        return;
    };
    let full = Path::new(&dir).join("sgp26/full");
    let p = pki(Curve::NistP256);
    let pairs = [
        (Role::Ci, "CertificateIssuer/CERT_CI_ECDSA_NIST.der"),
        (Role::Eum, "EUM/CERT_EUM_ECDSA_NIST.der"),
        (Role::Euicc, "eUICC/CERT_EUICC_ECDSA_NIST.der"),
        (Role::DpAuth, "DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der"),
        (Role::DpPb, "DPpb/CERT_S_SM_DPpb_ECDSA_NIST.der"),
        (Role::DpTls, "DPtls/CERT_S_SM_DP_VARO_TLS_NIST.der"),
    ];
    for (role, file) in pairs {
        let theirs = Cert::from_bytes(&std::fs::read(full.join(file)).unwrap()).unwrap();
        let ours = &p.get(role).unwrap().cert;
        assert_eq!(profile(ours), profile(&theirs), "{role}");
        assert_eq!(
            ours.extensions().policies,
            theirs.extensions().policies,
            "{role}"
        );
        let ku = |c: &Cert| {
            c.extensions()
                .key_usage
                .as_ref()
                .map(|(crit, k)| (*crit, k.0.bits()))
        };
        assert_eq!(ku(ours), ku(&theirs), "{role}");
        let bc = |c: &Cert| {
            c.extensions()
                .basic_constraints
                .as_ref()
                .map(|(crit, b)| (*crit, b.ca, b.path_len_constraint))
        };
        assert_eq!(bc(ours), bc(&theirs), "{role}");
        assert_eq!(
            ours.extensions().ext_key_usage,
            theirs.extensions().ext_key_usage,
            "{role}"
        );
    }
}

#[test]
fn sub_ca_chain() {
    let p = pki(Curve::BrainpoolP256r1);
    let ci = p.get(Role::Ci).unwrap();
    let opts = TestPkiOptions::default();
    let sub_key = rsp_crypto::SoftwareKey::generate(Curve::BrainpoolP256r1).unwrap();
    let sub = rsp_pki::issue(
        &rsp_pki::request_for(Role::SubCa, &sub_key, &opts).unwrap(),
        Some(&ci.cert),
        &ci.key,
    )
    .unwrap();
    let leaf_key = rsp_crypto::SoftwareKey::generate(Curve::BrainpoolP256r1).unwrap();
    let leaf = rsp_pki::issue(
        &rsp_pki::request_for(Role::DpAuth, &leaf_key, &opts).unwrap(),
        Some(&sub),
        &sub_key,
    )
    .unwrap();
    let store = TrustStore::with_cis([ci.cert.clone()]);
    let now = OffsetDateTime::now_utc();
    let chain = store
        .validate(&leaf, std::slice::from_ref(&sub), Role::DpAuth, now)
        .unwrap();
    assert_eq!(chain.intermediates, vec![sub.clone()]);
    store.validate(&sub, &[], Role::SubCa, now).unwrap();
    // Without the sub-CA the issuer is unknown; the EUM is no sub-CA.
    assert!(matches!(
        store.validate(&leaf, &[], Role::DpAuth, now),
        Err(PkiError::UnknownIssuer { .. })
    ));
    // An eUICC chain cannot go through a sub-CA, and the wrong key cannot sign.
    let eum = &p.get(Role::Eum).unwrap().cert;
    assert!(store.validate(eum, &[], Role::SubCa, now).is_err());
    let req = rsp_pki::request_for(Role::DpPb, &leaf_key, &opts).unwrap();
    assert!(rsp_pki::issue(&req, Some(&sub), &ci.key).is_err());
    assert!(rsp_pki::issue(&req, None, &ci.key).is_err());
}
