//! The credential and TLS loaders with keys in a SoftHSM2 token (docs/hsm.md): DPauth,
//! DPpb and DSauth on both curves named by key files that hold a `pkcs11:` URI, the DPtls
//! key by a URI in place of the path; the signers sign in the token for their certificate's
//! key; a brainpool TLS key and a missing object are refused with a reason. Skips without
//! SoftHSM2, required with CI=true.
#![allow(clippy::unwrap_used)]

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use rsp_crypto::{Curve, Signer};
use rsp_hsm::Pkcs11Uri;
use rsp_hsm::testing::TestToken;
use rsp_http::credentials::{self, CredentialFiles};
use rsp_http::tls::{TlsFiles, server_config};
use rsp_pki::{Role, TestPki, TestPkiOptions};

fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("rsp_hsm_cred_{name}_{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

#[test]
fn es9_es11_and_tls_keys_load_from_the_token() {
    let Some(t) = TestToken::shared() else { return };
    let dir = temp_dir("all");
    let mut dirs = Vec::new();
    for curve in Curve::ALL {
        let pki = TestPki::generate(curve, &TestPkiOptions::default()).unwrap();
        let d = dir.join(curve.name());
        pki.write_to(&d, true).unwrap();
        for (role, file) in [
            (Role::DpAuth, "dp-auth"),
            (Role::DpPb, "dp-pb"),
            (Role::DsAuth, "ds-auth"),
            (Role::DpTls, "dp-tls"),
        ] {
            let uri = t.uri(&format!("cred-{}-{file}", curve.name()));
            let issued = pki.get(role).unwrap();
            rsp_hsm::import_ec_key(&Pkcs11Uri::parse(&uri).unwrap(), &issued.key).unwrap();
            std::fs::write(d.join(format!("{file}.key.pem")), format!("{uri}\n")).unwrap();
        }
        dirs.push(d);
    }
    // Every signer the loaders hand out signs in the token for its certificate.
    let seen = Mutex::new(Vec::new());
    let wrap = |name: String, signer: Arc<dyn Signer>| {
        let sig = signer.sign_raw(name.as_bytes()).unwrap();
        signer
            .public_key()
            .verify_raw(name.as_bytes(), &sig)
            .unwrap();
        seen.lock().unwrap().push(name);
        signer
    };
    let files: Vec<_> = dirs
        .iter()
        .map(|d| CredentialFiles::in_pki_dir(d))
        .collect();
    credentials::load_files_with(&files, &[], &wrap).unwrap();
    credentials::load_smds_with(&dirs, &[], &wrap).unwrap();
    assert_eq!(seen.lock().unwrap().len(), 6, "{:?}", seen.lock().unwrap());

    // TLS: a P-256 token key (URI in place of the path) builds; brainpool is refused.
    let nist = &dirs[0];
    server_config(&TlsFiles {
        cert_chain: nist.join("dp-tls.pem"),
        key: PathBuf::from(t.uri("cred-nist-dp-tls")),
        client_ca: vec![nist.join("ci.pem")],
    })
    .unwrap();
    let bp = &dirs[1];
    let err = server_config(&TlsFiles {
        cert_chain: bp.join("dp-tls.pem"),
        key: bp.join("dp-tls.key.pem"),
        client_ca: vec![bp.join("ci.pem")],
    })
    .err()
    .unwrap();
    assert!(err.to_string().contains("brainpool"), "{err}");
    // The key of another certificate is refused (rustls compares the public keys).
    assert!(
        server_config(&TlsFiles {
            cert_chain: nist.join("dp-tls.pem"),
            key: PathBuf::from(t.uri("cred-nist-dp-auth")),
            client_ca: vec![nist.join("ci.pem")],
        })
        .is_err()
    );

    // A URI naming nothing: a one-line reason, no PIN in it.
    std::fs::write(nist.join("dp-pb.key.pem"), t.uri("no-such-key")).unwrap();
    let err = credentials::load(std::slice::from_ref(nist))
        .err()
        .unwrap()
        .to_string();
    assert!(
        err.contains("no object matches") && !err.contains(rsp_hsm::testing::TEST_PIN),
        "{err}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
