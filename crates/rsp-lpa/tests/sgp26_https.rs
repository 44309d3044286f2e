//! The GSMA SGP.26 test set over real HTTPS: the SM-DP+ loads the SGP.26 CI, DPauth and DPpb
//! certificates and keys file by file (`rsp_http::credentials::load_files`, the
//! `[[es9-credential-files]]` of `rsp serve smdpp`), both curves in one server; a virtual
//! eUICC holding the SGP.26 eUICC identity (NIST, then brainpool) downloads through the LPA;
//! an eUICC whose certificate chains to another CI is refused with 8.8.2/3.1 (SGP.22
//! §5.6.1: none of its CIs supported). Skips without `RSP_REFERENCE_DIR`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};

use common::*;
use rsp_crypto::Curve;
use rsp_euicc::{Card, EuiccConfig, Identity, Isdr, StateStore};
use rsp_http::credentials::{CredentialFiles, load_files};

fn sgp26() -> Option<PathBuf> {
    std::env::var_os("RSP_REFERENCE_DIR").map(|d| Path::new(&d).join("sgp26/full"))
}

fn files(base: &Path, curve: &str) -> CredentialFiles {
    CredentialFiles {
        ci: base.join(format!("CertificateIssuer/CERT_CI_ECDSA_{curve}.der")),
        dp_auth: base.join(format!("DPauth/CERT_S_SM_DPauth_ECDSA_{curve}.der")),
        dp_auth_key: base.join(format!("DPauth/SK_S_SM_DPauth_ECDSA_{curve}.pem")),
        dp_pb: base.join(format!("DPpb/CERT_S_SM_DPpb_ECDSA_{curve}.der")),
        dp_pb_key: base.join(format!("DPpb/SK_S_SM_DPpb_ECDSA_{curve}.pem")),
    }
}

/// The SGP.26 eUICC of `curve` as a virtual card.
fn sgp26_card(base: &Path, curve: &str) -> Card {
    let identity = Identity::from_files(
        &[(
            base.join(format!("eUICC/CERT_EUICC_ECDSA_{curve}.der")),
            base.join(format!("eUICC/SK_EUICC_ECDSA_{curve}.pem")),
            base.join(format!("EUM/CERT_EUM_ECDSA_{curve}.der")),
        )],
        &[base.join(format!("CertificateIssuer/CERT_CI_ECDSA_{curve}.der"))],
    )
    .unwrap();
    Card::new(Isdr::new(identity, EuiccConfig::default(), StateStore::memory()).unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sgp26_euicc_downloads_on_both_curves_and_a_foreign_ci_is_refused() {
    let Some(base) = sgp26() else {
        println!("SKIP: RSP_REFERENCE_DIR is not set");
        return;
    };
    let dir = TempDir::new();
    // TLS with our own DPtls (named localhost); ES9+ with the SGP.26 credentials.
    let tls = write_pki(&dir.0, "tls", Curve::NistP256);
    let credentials = load_files(&[files(&base, "NIST"), files(&base, "BRP")], &[]).unwrap();
    let server = Server::start_on(
        sqlite_store(&dir.0).await,
        &tls,
        &tls,
        ServerOptions {
            credentials: Some(credentials),
            ..ServerOptions::default()
        },
    )
    .await;

    for (iccid, curve) in [
        ("8949000000000000018", "NIST"),
        ("8949000000000000026", "BRP"),
    ] {
        let ac = server
            .order_package(iccid, profile_package(iccid), None, None)
            .await;
        let mut lpa = lpa(sgp26_card(&base, curve), &tls.join("ci.pem"));
        let result = lpa.download(&ac, None, None).await.expect(curve);
        assert!(result.is_success(), "{curve}: {result:?}");
        assert_eq!(lpa.eid().unwrap(), "89049032123451234512345678901235");
        assert_eq!(server.state(iccid).await, "Installed", "{curve}");
    }

    // An eUICC of our own test PKI (another CI): refused at InitiateAuthentication.
    let iccid = "8949000000000000034";
    let ac = server
        .order_package(iccid, profile_package(iccid), None, None)
        .await;
    let other = write_pki(&dir.0, "other", Curve::NistP256);
    let mut lpa = lpa(euicc(&other), &tls.join("ci.pem"));
    let err = lpa.download(&ac, None, None).await.unwrap_err();
    assert_eq!(
        err.status_code(),
        Some(("8.8.2".to_owned(), "3.1".to_owned())),
        "{err:?}"
    );
    assert_eq!(server.state(iccid).await, "Released");
    server.stop().await;
}
