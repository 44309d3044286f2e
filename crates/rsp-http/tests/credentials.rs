//! ES9+ credentials from files, with CRLs: a CRL signed by the CI that lists the EUM makes
//! the eUICC chain fail as revoked; without it (or with a CRL listing something else) the
//! chain validates (SGP.22 §4.5.2.2, the `--crl` option of `rsp serve smdpp`).
#![allow(clippy::unwrap_used)]

use rsp_crypto::Curve;
use rsp_pki::{Role, TestPki, TestPkiOptions, issue_crl};
use rsp_testkit::fs::TempDir;
use time::{Duration, OffsetDateTime};

#[test]
fn crl_files_revoke_eum_chains() {
    let dir = TempDir::default();
    let pki = TestPki::generate(Curve::NistP256, &TestPkiOptions::default()).unwrap();
    let creds_dir = dir.path().join("nist");
    pki.write_to(&creds_dir, false).unwrap();
    let ci = pki.get(Role::Ci).unwrap();
    let eum = pki.get(Role::Eum).unwrap();
    let euicc = pki.get(Role::Euicc).unwrap();
    let dp_auth = pki.get(Role::DpAuth).unwrap();
    let now = OffsetDateTime::now_utc();
    let write_crl = |name: &str, revoked: &rsp_pki::Cert| {
        let crl = issue_crl(
            &ci.cert,
            &ci.key,
            1,
            &[revoked],
            now - Duration::hours(1),
            now + Duration::days(7),
        )
        .unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, crl.to_pem()).unwrap();
        path
    };
    let revoking = write_crl("eum-revoked.crl", &eum.cert);
    let unrelated = write_crl("other.crl", &dp_auth.cert);
    let chain = |crls: &[std::path::PathBuf]| {
        let creds =
            rsp_http::credentials::load_with_crls(std::slice::from_ref(&creds_dir), crls).unwrap();
        creds
            .trust()
            .validate(
                &euicc.cert,
                std::slice::from_ref(&eum.cert),
                Role::Euicc,
                now,
            )
            .map(|_| ())
    };
    assert!(chain(&[]).is_ok());
    assert!(chain(std::slice::from_ref(&unrelated)).is_ok());
    let err = chain(&[revoking]).unwrap_err();
    assert!(err.to_string().contains("revoked"), "{err}");
    // A file that is not a CRL is a configuration error naming the file.
    let junk = dir.path().join("junk.crl");
    std::fs::write(&junk, "not a CRL").unwrap();
    let e = rsp_http::credentials::load_with_crls(std::slice::from_ref(&creds_dir), &[junk])
        .unwrap_err();
    assert!(e.to_string().contains("junk.crl"), "{e}");
}
