//! Acceptance tests against the GSMA SGP.26 test certificates (independent material).
//! Skipped when RSP_REFERENCE_DIR is unset.

#![allow(clippy::unwrap_used)]

use der::Encode;
use rsp_crypto::{Curve, Signer, SoftwareKey};
use rsp_pki::{
    Cert, CredentialSet, FailureKind, PkiError, Role, TrustStore, ValidatedChain, issue, issue_crl,
    parse_name,
};
use std::path::{Path, PathBuf};
use time::OffsetDateTime;
use time::macros::datetime;

/// Inside the validity of every SGP.26 certificate used here (VARO DPtls: 2026-07-21..2027-02-06).
const AT: OffsetDateTime = datetime!(2026-09-01 00:00 UTC);

fn sgp26() -> Option<PathBuf> {
    match std::env::var_os("RSP_REFERENCE_DIR") {
        Some(d) => Some(Path::new(&d).join("sgp26")),
        None => {
            println!("skipped: RSP_REFERENCE_DIR is not set");
            None
        }
    }
}

fn cert(dir: &Path, rel: &str) -> Cert {
    let bytes = std::fs::read(dir.join(rel)).unwrap();
    Cert::from_bytes(&bytes).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

fn key(dir: &Path, rel: &str) -> SoftwareKey {
    SoftwareKey::from_pem(&std::fs::read_to_string(dir.join(rel)).unwrap()).unwrap()
}

struct Set {
    ci: Cert,
    eum: Cert,
    euicc: Cert,
    dp_auth: Cert,
    dp_pb: Cert,
    dp_tls: Cert,
}

fn set(dir: &Path, c: &str) -> Set {
    Set {
        ci: cert(
            dir,
            &format!("full/CertificateIssuer/CERT_CI_ECDSA_{c}.der"),
        ),
        eum: cert(dir, &format!("full/EUM/CERT_EUM_ECDSA_{c}.der")),
        euicc: cert(dir, &format!("full/eUICC/CERT_EUICC_ECDSA_{c}.der")),
        dp_auth: cert(dir, &format!("full/DPauth/CERT_S_SM_DPauth_ECDSA_{c}.der")),
        dp_pb: cert(dir, &format!("full/DPpb/CERT_S_SM_DPpb_ECDSA_{c}.der")),
        dp_tls: cert(dir, &format!("full/DPtls/CERT_S_SM_DP_VARO_TLS_{c}.der")),
    }
}

fn store(s: &Set) -> TrustStore {
    TrustStore::with_cis([s.ci.clone()])
}

const CURVES: [(&str, Curve); 2] = [("NIST", Curve::NistP256), ("BRP", Curve::BrainpoolP256r1)];

#[test]
fn every_certificate_parses() {
    let Some(dir) = sgp26() else { return };
    let mut n = 0;
    let mut stack = vec![dir.clone()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("CERT_") && (name.ends_with(".der") || name.ends_with(".pem")) {
                let c = Cert::from_bytes(&std::fs::read(&p).unwrap())
                    .unwrap_or_else(|e| panic!("{}: {e}", p.display()));
                assert!(!c.tbs_der().is_empty());
                let tbs = c.x509().tbs_certificate();
                assert_eq!(c.issuer_der(), tbs.issuer().to_der().unwrap().as_slice());
                assert_eq!(c.subject_der(), tbs.subject().to_der().unwrap().as_slice());
                n += 1;
            }
        }
    }
    assert!(n >= 25, "only {n} certificates found");
}

#[test]
fn chains_validate_on_both_curves() {
    let Some(dir) = sgp26() else { return };
    for (c, curve) in CURVES {
        let s = set(&dir, c);
        let st = store(&s);
        let chain = st
            .validate(&s.euicc, std::slice::from_ref(&s.eum), Role::Euicc, AT)
            .unwrap();
        assert_eq!(
            chain.eid.as_deref(),
            Some("89049032123451234512345678901235")
        );
        assert_eq!(chain.ci.public_key().curve(), curve);
        chain
            .expect_eid("89049032123451234512345678901235")
            .unwrap();
        assert!(
            chain
                .expect_eid("89049032123451234512345678901236")
                .is_err()
        );
        for (leaf, role) in [
            (&s.dp_auth, Role::DpAuth),
            (&s.dp_pb, Role::DpPb),
            (&s.dp_tls, Role::DpTls),
        ] {
            let chain: ValidatedChain = st
                .validate(leaf, &[], role, AT)
                .unwrap_or_else(|e| panic!("{c} {role}: {e}"));
            assert_eq!(chain.ci_key_id(), s.ci.subject_key_id().unwrap());
        }
        // The second SM-DP+ identity.
        let dp2 = cert(
            &dir,
            &format!("full/DPauth/CERT_S_SM_DP2auth_ECDSA_{c}.der"),
        );
        st.validate(&dp2, &[], Role::DpAuth, AT).unwrap();
        st.validate(&s.eum, &[], Role::Eum, AT).unwrap();
        st.validate(&s.ci, &[], Role::Ci, AT).unwrap();
        // Intermediates given but unused (or duplicated) do not matter.
        st.validate(&s.dp_auth, std::slice::from_ref(&s.eum), Role::DpAuth, AT)
            .unwrap();
    }
}

#[test]
fn variant_o_chain_and_eim() {
    let Some(dir) = sgp26() else { return };
    let ci_o = cert(&dir, "variant-o/CERT_CI_SIG_NIST.der");
    let eum_o = cert(&dir, "variant-o/CERT_EUM_SIG_NIST.der");
    let euicc_o = cert(&dir, "variant-o/CERT_EUICC_SIG_NIST.der");
    let eim = cert(&dir, "variant-o/CERT_S_EIMsign_ECDSA_NIST.der");
    let st = TrustStore::with_cis([ci_o]);
    st.validate(&euicc_o, &[eum_o], Role::Euicc, AT).unwrap();
    st.validate(&eim, &[], Role::Eim, AT).unwrap();
    // The eIM certificate carries no role policy: it is no DPauth.
    let err = st.validate(&eim, &[], Role::DpAuth, AT).unwrap_err();
    assert!(matches!(err, PkiError::WrongRole { .. }), "{err}");
    // A DPauth is not accepted as eIM: it carries another role's policy.
    let dp = cert(&dir, "full/DPauth/CERT_S_SM_DPauth_ECDSA_NIST.der");
    let err = st.validate(&dp, &[], Role::Eim, AT).unwrap_err();
    assert!(
        matches!(
            err,
            PkiError::ForeignRole {
                found: Role::DpAuth,
                ..
            }
        ),
        "{err}"
    );
    // The eIM key signs, its certificate verifies.
    let k = key(&dir, "variant-o/SK_S_EIMsign_ECDSA_NIST.pem");
    let sig = k.sign_der(b"eim package").unwrap();
    eim.public_key().verify_der(b"eim package", &sig).unwrap();
}

#[test]
fn private_keys_match_certificates() {
    let Some(dir) = sgp26() else { return };
    for (c, _) in CURVES {
        let s = set(&dir, c);
        for (k, crt) in [
            (
                format!("full/DPauth/SK_S_SM_DPauth_ECDSA_{c}.pem"),
                &s.dp_auth,
            ),
            (format!("full/eUICC/SK_EUICC_ECDSA_{c}.pem"), &s.euicc),
            (format!("full/DPpb/SK_S_SM_DPpb_ECDSA_{c}.pem"), &s.dp_pb),
        ] {
            let k = key(&dir, &k);
            let msg = b"serverSigned1 || euiccSigned1";
            crt.public_key()
                .verify_der(msg, &k.sign_der(msg).unwrap())
                .unwrap();
            crt.public_key()
                .verify_raw(msg, &k.sign_raw(msg).unwrap())
                .unwrap();
            assert!(
                crt.public_key()
                    .verify_der(b"other", &k.sign_der(msg).unwrap())
                    .is_err()
            );
        }
    }
}

/// Replace the first occurrence of `from` in `der` by `to` (same length).
fn patch(der: &[u8], from: &[u8], to: &[u8]) -> Vec<u8> {
    let pos = der
        .windows(from.len())
        .position(|w| w == from)
        .expect("pattern present");
    let mut out = der.to_vec();
    out[pos..pos + from.len()].copy_from_slice(to);
    out
}

fn flip(der: &[u8], pos: usize) -> Vec<u8> {
    let mut out = der.to_vec();
    out[pos] ^= 0x01;
    out
}

#[test]
fn tampering_fails_with_precise_reason() {
    let Some(dir) = sgp26() else { return };
    for (c, _) in CURVES {
        let s = set(&dir, c);
        let st = store(&s);
        let eu = s.euicc.der();
        let euicc_sig_fail = |bytes: Vec<u8>, what: &str| {
            let tampered = match Cert::from_der(&bytes) {
                Ok(t) => t,
                Err(e) => panic!("{what}: still parses expected, got {e}"),
            };
            let err = st
                .validate(&tampered, std::slice::from_ref(&s.eum), Role::Euicc, AT)
                .unwrap_err();
            match &err {
                PkiError::BadSignature { cert, issuer } => {
                    assert_eq!(cert.role, "eUICC", "{what}");
                    assert_eq!(issuer.role, "EUM", "{what}");
                }
                other => panic!("{what}: expected BadSignature, got {other}"),
            }
            assert!(
                err.to_string()
                    .contains("eUICC certificate [CN=Test eUICC,SERIALNUMBER=8904903212345"),
                "{err}"
            );
        };
        // The last byte of the signature value.
        euicc_sig_fail(flip(eu, eu.len() - 1), "signature");
        // A digit of the EID.
        euicc_sig_fail(
            patch(
                eu,
                b"89049032123451234512345678901235",
                b"89049032123451234512345678901244",
            ),
            "EID",
        );
        // notAfter (GeneralizedTime 7496...).
        euicc_sig_fail(patch(eu, b"7496", b"7497"), "validity");
        // The subject key identifier extension value.
        let ski = s.euicc.subject_key_id().unwrap().to_vec();
        let mut ski2 = ski.clone();
        ski2[5] ^= 0x40;
        euicc_sig_fail(patch(eu, &ski, &ski2), "subjectKeyIdentifier");
        // The key usage bits (digitalSignature → keyCertSign).
        euicc_sig_fail(
            patch(eu, &[0x03, 0x02, 0x07, 0x80], &[0x03, 0x02, 0x02, 0x04]),
            "keyUsage",
        );

        // The authority key identifier: the issuer is no longer found.
        let aki = s.euicc.authority_key_id().unwrap().to_vec();
        let mut aki2 = aki.clone();
        aki2[0] ^= 0xFF;
        let bad = Cert::from_der(&patch(
            eu,
            &[&[0x80, 0x14][..], &aki].concat(),
            &[&[0x80, 0x14][..], &aki2].concat(),
        ))
        .unwrap();
        let err = st
            .validate(&bad, std::slice::from_ref(&s.eum), Role::Euicc, AT)
            .unwrap_err();
        assert!(matches!(err, PkiError::UnknownIssuer { .. }), "{err}");
        assert_eq!(err.kind(), FailureKind::UnknownCi);

        // The EUM's EID prefix inside its name constraints: the EUM signature breaks.
        let eum_bad = Cert::from_der(&patch(
            s.eum.der(),
            b"\x13\x0889049032",
            b"\x13\x0889049099",
        ))
        .unwrap();
        let err = st
            .validate(&s.euicc, &[eum_bad], Role::Euicc, AT)
            .unwrap_err();
        match &err {
            PkiError::BadSignature { cert, issuer } => {
                assert_eq!((cert.role, issuer.role), ("EUM", "CI"), "{err}");
            }
            other => panic!("expected EUM BadSignature, got {other}"),
        }

        // DPauth: a byte inside the certificatePolicies extension (role 4 → 5).
        let dp = s.dp_auth.der();
        let bad = Cert::from_der(&patch(
            dp,
            &[0x67, 0x81, 0x12, 1, 2, 1, 4],
            &[0x67, 0x81, 0x12, 1, 2, 1, 5],
        ))
        .unwrap();
        let err = st.validate(&bad, &[], Role::DpAuth, AT).unwrap_err();
        assert!(matches!(err, PkiError::BadSignature { .. }), "{err}");
        // The CI itself tampered (its self-signature) is caught too.
        let ci_bad = Cert::from_der(&flip(s.ci.der(), s.ci.der().len() - 2)).unwrap();
        let err = TrustStore::with_cis([ci_bad])
            .validate(&s.dp_auth, &[], Role::DpAuth, AT)
            .unwrap_err();
        assert!(
            matches!(&err, PkiError::BadSignature { cert, .. } if cert.role == "CI"),
            "{err}"
        );
        // Truncated DER does not parse.
        assert!(matches!(
            Cert::from_der(&dp[..dp.len() - 1]),
            Err(PkiError::Decode { .. })
        ));
    }
}

#[test]
fn wrong_role_and_wrong_shape_fail() {
    let Some(dir) = sgp26() else { return };
    for (c, _) in CURVES {
        let s = set(&dir, c);
        let st = store(&s);
        let err = st.validate(&s.dp_auth, &[], Role::DpPb, AT).unwrap_err();
        assert!(
            matches!(&err, PkiError::WrongRole { expected: Role::DpPb, cert, .. } if cert.role == "DPpb"),
            "{err}"
        );
        assert!(err.to_string().contains("2.23.146.1.2.1.5"), "{err}");
        let err = st.validate(&s.dp_pb, &[], Role::DpAuth, AT).unwrap_err();
        assert!(matches!(err, PkiError::WrongRole { .. }), "{err}");
        let err = st.validate(&s.dp_auth, &[], Role::DpTls, AT).unwrap_err();
        assert!(
            matches!(
                err,
                PkiError::WrongRole { .. } | PkiError::ExtKeyUsage { .. }
            ),
            "{err}"
        );
        // An eUICC presented as DPauth.
        let err = st
            .validate(&s.euicc, std::slice::from_ref(&s.eum), Role::DpAuth, AT)
            .unwrap_err();
        assert!(matches!(err, PkiError::WrongRole { .. }), "{err}");
        // An eUICC without its EUM.
        let err = st.validate(&s.euicc, &[], Role::Euicc, AT).unwrap_err();
        assert!(matches!(err, PkiError::UnknownIssuer { .. }), "{err}");
        // A DPauth presented as eUICC: no EUM in between.
        let err = st.validate(&s.dp_auth, &[], Role::Euicc, AT).unwrap_err();
        assert!(matches!(err, PkiError::ChainShape { .. }), "{err}");
    }
}

#[test]
fn instants_outside_validity_fail() {
    let Some(dir) = sgp26() else { return };
    let s = set(&dir, "NIST");
    let st = store(&s);
    let err = st
        .validate(
            &s.dp_auth,
            &[],
            Role::DpAuth,
            datetime!(2031-01-01 00:00 UTC),
        )
        .unwrap_err();
    assert!(
        matches!(&err, PkiError::Expired { cert, .. } if cert.role == "DPauth"),
        "{err}"
    );
    assert_eq!(err.kind(), FailureKind::Expired);
    assert!(err.to_string().contains("2030-03-30"), "{err}");
    let err = st
        .validate(&s.dp_tls, &[], Role::DpTls, datetime!(2027-03-01 00:00 UTC))
        .unwrap_err();
    assert!(matches!(err, PkiError::Expired { .. }), "{err}");
    let err = st
        .validate(
            &s.euicc,
            std::slice::from_ref(&s.eum),
            Role::Euicc,
            datetime!(2019-01-01 00:00 UTC),
        )
        .unwrap_err();
    assert!(matches!(err, PkiError::NotYetValid { .. }), "{err}");
    // The eUICC itself never expires in practice, but its EUM does (2054).
    let err = st
        .validate(
            &s.euicc,
            std::slice::from_ref(&s.eum),
            Role::Euicc,
            datetime!(2054-06-01 00:00 UTC),
        )
        .unwrap_err();
    assert!(
        matches!(&err, PkiError::Expired { cert, .. } if cert.role == "EUM"),
        "{err}"
    );
}

#[test]
fn unknown_ci_and_selection() {
    let Some(dir) = sgp26() else { return };
    let nist = set(&dir, "NIST");
    let brp = set(&dir, "BRP");
    let err = store(&nist)
        .validate(&brp.dp_auth, &[], Role::DpAuth, AT)
        .unwrap_err();
    assert_eq!(err.kind(), FailureKind::UnknownCi, "{err}");
    assert!(
        err.to_string()
            .contains("C0BC70BA36929D43B467FF57570530E57AB8FCD8"),
        "{err}"
    );

    let mut creds = CredentialSet::new();
    creds.insert_for_ci(&nist.ci, "nist chain").unwrap();
    creds.insert_for_ci(&brp.ci, "brainpool chain").unwrap();
    let brp_id = brp.ci.subject_key_id().unwrap().to_vec();
    let nist_id = hex::decode("F54172BDF98A95D65CBEB88A38A1C11D800A85C3").unwrap();
    assert_eq!(
        creds.select([brp_id.clone(), nist_id.clone()]).unwrap().1,
        &"brainpool chain"
    );
    assert_eq!(creds.select([nist_id]).unwrap().1, &"nist chain");
    let err = creds.select([vec![0u8; 20]]).unwrap_err();
    assert_eq!(err.kind(), FailureKind::UnknownCi);
}

#[test]
fn crl_of_the_ci_revokes_the_eum() {
    let Some(dir) = sgp26() else { return };
    for (c, _) in CURVES {
        let s = set(&dir, c);
        let ci_key = key(&dir, &format!("full/CertificateIssuer/SK_CI_ECDSA_{c}.pem"));
        let this = datetime!(2026-08-01 00:00 UTC);
        let next = datetime!(2026-10-01 00:00 UTC);
        let crl = issue_crl(&s.ci, &ci_key, 1, &[&s.eum], this, next).unwrap();
        // Independent parse of our CRL by PEM round trip.
        let crl = rsp_pki::Crl::from_bytes(crl.to_pem().as_bytes()).unwrap();
        let mut st = store(&s);
        st.add_crl(crl.clone());
        let err = st
            .validate(&s.euicc, std::slice::from_ref(&s.eum), Role::Euicc, AT)
            .unwrap_err();
        assert!(
            matches!(&err, PkiError::Revoked { cert, .. } if cert.role == "EUM"),
            "{err}"
        );
        assert_eq!(err.kind(), FailureKind::Revoked);
        // The DPauth is not listed.
        st.validate(&s.dp_auth, &[], Role::DpAuth, AT).unwrap();
        // A stale CRL is an error.
        let err = st
            .validate(
                &s.dp_auth,
                &[],
                Role::DpAuth,
                datetime!(2026-12-01 00:00 UTC),
            )
            .unwrap_err();
        assert!(
            matches!(&err, PkiError::BadCrl { reason, .. } if reason.contains("stale")),
            "{err}"
        );
        // A CRL signed by another key under the CI's name is rejected.
        let other = SoftwareKey::generate(s.ci.public_key().curve()).unwrap();
        let forged = issue_crl(&s.ci, &other, 2, &[], this, next).unwrap();
        let err = forged.verify(&s.ci, AT).unwrap_err();
        assert!(err.to_string().contains("signature"), "{err}");
        let mut st = store(&s);
        st.add_crl(forged);
        assert!(matches!(
            st.validate(&s.dp_auth, &[], Role::DpAuth, AT),
            Err(PkiError::BadCrl { .. })
        ));
        // An empty CRL passes.
        let mut st = store(&s);
        st.add_crl(issue_crl(&s.ci, &ci_key, 3, &[], this, next).unwrap());
        st.validate(&s.euicc, std::slice::from_ref(&s.eum), Role::Euicc, AT)
            .unwrap();
    }
}

#[test]
fn issue_under_the_sgp26_ci_and_eum() {
    let Some(dir) = sgp26() else { return };
    for (c, curve) in CURVES {
        let s = set(&dir, c);
        let st = store(&s);
        let ci_key = key(&dir, &format!("full/CertificateIssuer/SK_CI_ECDSA_{c}.pem"));
        let eum_key = key(&dir, &format!("full/EUM/SK_EUM_ECDSA_{c}.pem"));
        let from = datetime!(2026-01-01 00:00 UTC);

        // A fresh DPtls under the SGP.26 CI.
        let k = SoftwareKey::generate(curve).unwrap();
        let mut req = rsp_pki::request_for(
            Role::DpTls,
            &k,
            &rsp_pki::TestPkiOptions {
                smdp_host: "smdp.example.org".into(),
                not_before: from,
                ..Default::default()
            },
        )
        .unwrap();
        req.not_after = Some(datetime!(2027-01-01 00:00 UTC));
        let tls = issue(&req, Some(&s.ci), &ci_key).unwrap();
        st.validate(&tls, &[], Role::DpTls, AT).unwrap();
        // The wrong signing key is refused at issuance.
        assert!(issue(&req, Some(&s.ci), &eum_key).is_err());

        // eUICCs under the SGP.26 EUM: in range, outside the prefix, bad check digits.
        let euicc = |eid: &str| {
            let k = SoftwareKey::generate(curve).unwrap();
            let subject = parse_name(&format!(
                "CN=Test eUICC,serialNumber={eid},O=RSP Test EUM,C=ES"
            ))
            .unwrap();
            let req = rsp_pki::CertRequest::new(Role::Euicc, subject, k.public_key().clone(), from);
            issue(&req, Some(&s.eum), &eum_key).unwrap()
        };
        let good = rsp_pki::eid_with_check_digits("890490321111122222333334444455").unwrap();
        let chain = st
            .validate(&euicc(&good), std::slice::from_ref(&s.eum), Role::Euicc, AT)
            .unwrap();
        assert_eq!(chain.eid.as_deref(), Some(good.as_str()));
        let outside = rsp_pki::eid_with_check_digits("890490331111122222333334444455").unwrap();
        let err = st
            .validate(
                &euicc(&outside),
                std::slice::from_ref(&s.eum),
                Role::Euicc,
                AT,
            )
            .unwrap_err();
        assert!(matches!(err, PkiError::EidOutsideRange { .. }), "{err}");
        assert!(err.to_string().contains("89049032"), "{err}");
        let bad_digits = format!("{}00", &good[..30]);
        let err = st
            .validate(
                &euicc(&bad_digits),
                std::slice::from_ref(&s.eum),
                Role::Euicc,
                AT,
            )
            .unwrap_err();
        assert!(matches!(err, PkiError::BadEid { .. }), "{err}");
        // Right prefix but another organization than the EUM's constraint.
        let k2 = SoftwareKey::generate(curve).unwrap();
        let subject = parse_name(&format!(
            "CN=Test eUICC,serialNumber={good},O=Other EUM,C=ES"
        ))
        .unwrap();
        let req = rsp_pki::CertRequest::new(Role::Euicc, subject, k2.public_key().clone(), from);
        let other_org = issue(&req, Some(&s.eum), &eum_key).unwrap();
        let err = st
            .validate(&other_org, std::slice::from_ref(&s.eum), Role::Euicc, AT)
            .unwrap_err();
        assert!(matches!(err, PkiError::EidOutsideRange { .. }), "{err}");
    }
}
