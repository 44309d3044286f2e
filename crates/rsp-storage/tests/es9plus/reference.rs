//! One download authenticated with the SGP.26 test credentials (CI, DPauth, DPpb, EUM and
//! eUICC of `$RSP_REFERENCE_DIR/sgp26/full`), on both curves. Skipped when the variable is
//! unset.
#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsp_crypto::SoftwareKey;
use rsp_pki::{Cert, TrustStore};
use rsp_smdpp::ProfileState;
use rsp_smdpp::es9plus::{
    Credentials, DpCredentials, Es9Plus, Es9PlusConfig, SigningCredential, iccid_bcd,
};
use rsp_smdpp::store::InventoryStore;

use crate::common::{backends, iccid};
use crate::fixtures::{SMDP, order, package};
use rsp_testkit::euicc_sim::Euicc;

fn dir() -> Option<PathBuf> {
    std::env::var_os("RSP_REFERENCE_DIR").map(|d| Path::new(&d).join("sgp26/full"))
}

fn cert(base: &Path, file: &str) -> Cert {
    Cert::from_bytes(&std::fs::read(base.join(file)).unwrap()).unwrap()
}

fn key(base: &Path, file: &str) -> SoftwareKey {
    SoftwareKey::from_pem(&std::fs::read_to_string(base.join(file)).unwrap()).unwrap()
}

fn signing(base: &Path, cert_file: &str, key_file: &str) -> SigningCredential {
    SigningCredential {
        cert: cert(base, cert_file),
        signer: Arc::new(key(base, key_file)),
    }
}

#[tokio::test]
async fn sgp26_credentials_download() {
    let Some(base) = dir() else {
        println!("SKIP sgp26_credentials_download: RSP_REFERENCE_DIR is not set");
        return;
    };
    for db in backends().await {
        for (n, curve) in [(40, "NIST"), (41, "BRP")] {
            let ci = cert(
                &base,
                &format!("CertificateIssuer/CERT_CI_ECDSA_{curve}.der"),
            );
            let mut credentials = Credentials::new(TrustStore::with_cis([ci.clone()]));
            credentials
                .add(
                    &ci,
                    DpCredentials {
                        dp_auth: signing(
                            &base,
                            &format!("DPauth/CERT_S_SM_DPauth_ECDSA_{curve}.der"),
                            &format!("DPauth/SK_S_SM_DPauth_ECDSA_{curve}.pem"),
                        ),
                        dp_pb: signing(
                            &base,
                            &format!("DPpb/CERT_S_SM_DPpb_ECDSA_{curve}.der"),
                            &format!("DPpb/SK_S_SM_DPpb_ECDSA_{curve}.pem"),
                        ),
                        sub_cas: Vec::new(),
                    },
                )
                .unwrap();
            let es9 = Es9Plus::new(db.store.clone(), credentials, Es9PlusConfig::new(SMDP));
            let mut euicc = Euicc::from_parts(
                ci.subject_key_id().unwrap().to_vec(),
                cert(&base, &format!("eUICC/CERT_EUICC_ECDSA_{curve}.der")),
                cert(&base, &format!("EUM/CERT_EUM_ECDSA_{curve}.der")),
                key(&base, &format!("eUICC/SK_EUICC_ECDSA_{curve}.pem")),
            );
            assert_eq!(euicc.eid, "89049032123451234512345678901235");
            let eid = euicc.eid.clone();
            let matching_id = format!("SGP26-{curve}");
            let i = order(&db, n, Some(&eid), Some(&matching_id), Some("5678"), true).await;
            let init = es9
                .initiate_authentication(&euicc.challenge, &euicc.info1(), SMDP)
                .await
                .unwrap();
            let response = euicc.authenticate_server(&init, Some(&matching_id));
            let auth = es9
                .authenticate_client(init.transaction_id.as_bytes(), &response)
                .await
                .unwrap();
            let pdr = euicc.prepare_download(&auth, Some("5678"));
            let bpp = es9
                .get_bound_profile_package(euicc.transaction_id(), &pdr)
                .await
                .unwrap();
            assert_eq!(euicc.load_bpp(&bpp.bound_profile_package).1, package(n));
            es9.handle_notification(&euicc.installation_result(iccid_bcd(&i), true))
                .await
                .unwrap();
            let state = db
                .store
                .find_by_iccid(&iccid(n))
                .await
                .unwrap()
                .unwrap()
                .state;
            assert_eq!(state, ProfileState::Installed, "{curve}");
        }
        db.finish().await;
    }
}
