//! Individual GSMA path rules, each broken on purpose with a correctly signed certificate.

#![allow(clippy::unwrap_used)]

use rsp_crypto::{Curve, SoftwareKey};
use rsp_pki::{Cert, PkiError, Role, TestPki, TestPkiOptions, TrustStore, issue, request_for};
use time::{Duration, OffsetDateTime};

struct Fixture {
    pki: TestPki,
    store: TrustStore,
    opts: TestPkiOptions,
    now: OffsetDateTime,
}

fn fixture() -> Fixture {
    let opts = TestPkiOptions::default();
    let pki = TestPki::generate(Curve::NistP256, &opts).unwrap();
    let store = TrustStore::with_cis([pki.get(Role::Ci).unwrap().cert.clone()]);
    Fixture {
        pki,
        store,
        opts,
        now: OffsetDateTime::now_utc(),
    }
}

fn issued(f: &Fixture, role: Role) -> (&Cert, &SoftwareKey) {
    let i = f.pki.get(role).unwrap();
    (&i.cert, &i.key)
}

#[test]
fn an_end_entity_cannot_issue() {
    let f = fixture();
    let (dp_auth, dp_key) = issued(&f, Role::DpAuth);
    let k = SoftwareKey::generate(Curve::NistP256).unwrap();
    let child = issue(
        &request_for(Role::DpPb, &k, &f.opts).unwrap(),
        Some(dp_auth),
        dp_key,
    )
    .unwrap();
    let err = f
        .store
        .validate(&child, std::slice::from_ref(dp_auth), Role::DpPb, f.now)
        .unwrap_err();
    assert!(
        matches!(&err, PkiError::BasicConstraints { cert, .. } if cert.role == "sub-CA"),
        "{err}"
    );
}

#[test]
fn an_eum_is_no_sub_ca_and_an_euicc_needs_an_eum() {
    let f = fixture();
    let (eum, eum_key) = issued(&f, Role::Eum);
    let (ci, ci_key) = issued(&f, Role::Ci);
    let k = SoftwareKey::generate(Curve::NistP256).unwrap();
    let dp = issue(
        &request_for(Role::DpAuth, &k, &f.opts).unwrap(),
        Some(eum),
        eum_key,
    )
    .unwrap();
    let err = f
        .store
        .validate(&dp, std::slice::from_ref(eum), Role::DpAuth, f.now)
        .unwrap_err();
    assert!(
        matches!(
            &err,
            PkiError::ForeignRole {
                found: Role::Eum,
                ..
            }
        ),
        "{err}"
    );
    let euicc = issue(
        &request_for(Role::Euicc, &k, &f.opts).unwrap(),
        Some(ci),
        ci_key,
    )
    .unwrap();
    let err = f
        .store
        .validate(&euicc, &[], Role::Euicc, f.now)
        .unwrap_err();
    assert!(matches!(err, PkiError::ChainShape { .. }), "{err}");
}

#[test]
fn validity_is_checked_on_every_certificate() {
    let f = fixture();
    let (ci, ci_key) = issued(&f, Role::Ci);
    let k = SoftwareKey::generate(Curve::NistP256).unwrap();
    let mut req = request_for(Role::DpAuth, &k, &f.opts).unwrap();
    req.not_before = f.now + Duration::days(1);
    req.not_after = Some(f.now + Duration::days(2));
    let future = issue(&req, Some(ci), ci_key).unwrap();
    let err = f
        .store
        .validate(&future, &[], Role::DpAuth, f.now)
        .unwrap_err();
    assert!(matches!(err, PkiError::NotYetValid { .. }), "{err}");
    f.store
        .validate(&future, &[], Role::DpAuth, f.now + Duration::hours(36))
        .unwrap();
    // The CI's own validity (30 years) bounds everything.
    let err = f
        .store
        .validate(&future, &[], Role::DpAuth, f.now + Duration::days(365 * 31))
        .unwrap_err();
    assert!(matches!(err, PkiError::Expired { .. }), "{err}");
}

#[test]
fn issuer_name_and_key_identifier_must_match() {
    let f = fixture();
    let (ci, ci_key) = issued(&f, Role::Ci);
    // A second CI with the same name but another key: AKI lookup finds the real one,
    // the signature by the other key fails.
    let other_key = SoftwareKey::generate(Curve::NistP256).unwrap();
    let mut req = request_for(Role::Ci, &other_key, &f.opts).unwrap();
    req.not_before = f.now - Duration::hours(2);
    let other_ci = issue(&req, None, &other_key).unwrap();
    let k = SoftwareKey::generate(Curve::NistP256).unwrap();
    let leaf = issue(
        &request_for(Role::DpAuth, &k, &f.opts).unwrap(),
        Some(&other_ci),
        &other_key,
    )
    .unwrap();
    let err = f
        .store
        .validate(&leaf, &[], Role::DpAuth, f.now)
        .unwrap_err();
    assert!(matches!(err, PkiError::UnknownIssuer { .. }), "{err}");
    let both = TrustStore::with_cis([ci.clone(), other_ci.clone()]);
    both.validate(&leaf, &[], Role::DpAuth, f.now).unwrap();
    // A CI under another name but the same key identifier is caught by the name rule.
    let mut renamed = request_for(Role::Ci, ci_key, &f.opts).unwrap();
    renamed.subject = rsp_pki::parse_name("CN=Another CI,O=RSPTEST,C=IT").unwrap();
    let renamed_ci = issue(&renamed, None, ci_key).unwrap();
    let store = TrustStore::with_cis([renamed_ci]);
    let (dp, _) = issued(&f, Role::DpAuth);
    let err = store.validate(dp, &[], Role::DpAuth, f.now).unwrap_err();
    assert!(matches!(err, PkiError::IssuerNameMismatch { .. }), "{err}");
}

#[test]
fn expected_eid_and_ci_key_id() {
    let f = fixture();
    let (eum, _) = issued(&f, Role::Eum);
    let (euicc, _) = issued(&f, Role::Euicc);
    let chain = f
        .store
        .validate(euicc, std::slice::from_ref(eum), Role::Euicc, f.now)
        .unwrap();
    chain.expect_eid(rsp_pki::DEFAULT_EID).unwrap();
    let err = chain
        .expect_eid("89049032123451234512345678901235")
        .unwrap_err();
    assert!(matches!(err, PkiError::EidMismatch { .. }), "{err}");
    assert_eq!(
        chain.ci_key_id(),
        f.pki.get(Role::Ci).unwrap().cert.subject_key_id().unwrap()
    );
    assert_eq!(chain.intermediates.len(), 1);
}
