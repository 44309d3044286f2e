//! Test fixtures: test PKIs on disk (one per curve, TLS always NIST), the SM-DP+ served
//! over real HTTPS on 127.0.0.1:0 with a SQLite store, ES2+ orders placed through the
//! domain service, and virtual eUICCs behind an APDU channel.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod eim;
pub mod smds;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsp_crypto::Curve;
use rsp_euicc::{Card, EuiccConfig, Identity, Isdr, StateStore};
use rsp_http::identity::OperatorResolver;
use rsp_http::tls::{TlsFiles, server_config};
use rsp_lpa::{ApduChannel, Es9PlusClient, Lpa};
use rsp_pki::{TestPki, TestPkiOptions};
use rsp_smdpp::es2plus::{ConfirmOrder, DownloadOrder, Es2Plus, Es2PlusConfig};
use rsp_smdpp::es9plus::{Es9Plus, Es9PlusConfig};
use rsp_smdpp::store::InventoryStore;
use rsp_smdpp::{NewProfile, OperatorId, ProfileClass, ProfileMetadata, ProfilePackage};
use rsp_storage::{DataKey, SqlStore};
pub use rsp_testkit::fs::TempDir;
use tokio::sync::oneshot;

pub const OPERATOR: &str = "Test Operator";

pub fn dir_name(curve: Curve) -> &'static str {
    match curve {
        Curve::NistP256 => "nist",
        Curve::BrainpoolP256r1 => "brainpool",
    }
}

/// Writes a fresh test PKI for `curve` into `dir/<name>`.
pub fn write_pki(dir: &Path, name: &str, curve: Curve) -> PathBuf {
    let out = dir.join(name);
    TestPki::generate(curve, &TestPkiOptions::default())
        .unwrap()
        .write_to(&out, false)
        .unwrap();
    out
}

/// A virtual eUICC with the credential of the PKI in `pki` (one curve).
pub fn euicc(pki: &Path) -> Card {
    euicc_with(pki, EuiccConfig::default())
}

/// As [`euicc`], with `config` (memory limits ...).
pub fn euicc_with(pki: &Path, config: EuiccConfig) -> Card {
    Card::new(Isdr::new(identity(pki), config, StateStore::memory()).unwrap())
}

/// The eUICC identity of the PKI in `pki` (one curve).
pub fn identity(pki: &Path) -> Identity {
    Identity::from_files(
        &[(
            pki.join("euicc.pem"),
            pki.join("euicc.key.pem"),
            pki.join("eum.pem"),
        )],
        &[pki.join("ci.pem")],
    )
    .unwrap()
}

/// An LPA on `card` (over APDUs) trusting `tls_ca` for HTTPS.
pub fn lpa(card: Card, tls_ca: &Path) -> Lpa<ApduChannel<Card>> {
    let es9 = Es9PlusClient::from_ca_files(&[tls_ca]).unwrap();
    Lpa::new(ApduChannel::open(card).unwrap(), es9)
}

/// The project's generic USIM+ISIM template personalised with `iccid` (a real TCA
/// profile package, so the eUICC installs real profile elements).
pub fn profile_package(iccid: &str) -> Vec<u8> {
    let template = rsp_saip::template::generic().encode().unwrap();
    let mut p = rsp_saip::Personalisation::default();
    p.set("iccid", iccid).unwrap();
    rsp_saip::patch::personalise_der(&template, &p).unwrap()
}

/// The SM-DP+ over HTTPS; stops on drop of the sender.
pub struct Server {
    pub addr: SocketAddr,
    pub address: String,
    pub store: SqlStore,
    pub es2: Arc<Es2Plus<SqlStore>>,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    /// Serves TLS with the DPtls of `tls_pki` and ES9+ with the credentials of `es9_pki`.
    pub async fn start(dir: &Path, tls_pki: &Path, es9_pki: &Path) -> Self {
        let store = sqlite_store(dir).await;
        Self::start_on(store, tls_pki, es9_pki, ServerOptions::default()).await
    }

    /// Imports a Profile and orders it (ES2+ DownloadOrder + ConfirmOrder, released);
    /// returns the activation code.
    pub async fn order(&self, iccid: &str, confirmation_code: Option<&str>) -> String {
        self.order_package(iccid, profile_package(iccid), None, confirmation_code)
            .await
    }

    /// The Profile's state in storage.
    pub async fn state(&self, iccid: &str) -> String {
        self.store
            .get(&OperatorId::new(OPERATOR), &iccid.parse().unwrap())
            .await
            .unwrap()
            .unwrap()
            .state
            .to_string()
    }

    pub async fn stop(mut self) {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        if let Some(t) = self.task.take() {
            t.await.unwrap();
        }
    }
}

// --- Refusal tests (refusals_https.rs): other stores, SM-DP+ settings, orders. ---

/// What [`Server::start_on`] may change from [`Server::start`]'s defaults.
#[derive(Default)]
pub struct ServerOptions {
    /// ES9+ session lifetime (SGP.22 leaves it to the SM-DP+).
    pub session_ttl: Option<std::time::Duration>,
    /// ES9+ credentials and trust store (e.g. with CRLs); default: loaded from `es9_pki`.
    pub credentials: Option<rsp_smdpp::es9plus::Credentials>,
}

impl Server {
    /// As [`Server::start`], on an already migrated `store` (SQLite or PostgreSQL).
    pub async fn start_on(
        store: SqlStore,
        tls_pki: &Path,
        es9_pki: &Path,
        options: ServerOptions,
    ) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let address = format!("localhost:{}", addr.port());
        let tls = server_config(&TlsFiles {
            cert_chain: tls_pki.join("dp-tls.pem"),
            key: tls_pki.join("dp-tls.key.pem"),
            client_ca: vec![tls_pki.join("ci.pem")],
        })
        .unwrap();
        let es2 = Arc::new(Es2Plus::new(store.clone(), Es2PlusConfig::new(&address)));
        let credentials = options
            .credentials
            .unwrap_or_else(|| rsp_http::credentials::load(&[es9_pki.to_path_buf()]).unwrap());
        let mut config = Es9PlusConfig::new(&address);
        if let Some(ttl) = options.session_ttl {
            config.session_ttl = ttl;
        }
        let es9 = Arc::new(Es9Plus::new(store.clone(), credentials, config));
        let app = rsp_http::app::smdpp_router(
            es2.clone(),
            Arc::new(OperatorResolver::by_common_name()),
            Some(es9),
        );
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            rsp_http::server::serve_tls(listener, tls, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Server {
            addr,
            address,
            store,
            es2,
            stop: Some(tx),
            task: Some(task),
        }
    }

    /// Imports `package` as `iccid` and orders it (ES2+ DownloadOrder + ConfirmOrder,
    /// released), optionally bound to `eid`; returns the activation code.
    pub async fn order_package(
        &self,
        iccid: &str,
        package: Vec<u8>,
        eid: Option<&str>,
        confirmation_code: Option<&str>,
    ) -> String {
        let op = OperatorId::new(OPERATOR);
        self.store
            .import(&[NewProfile {
                iccid: iccid.parse().unwrap(),
                operator: op.clone(),
                profile_type: "T1".into(),
                package: ProfilePackage::new(package),
                metadata: ProfileMetadata {
                    service_provider_name: "Test Operator".into(),
                    profile_name: format!("Profile {iccid}"),
                    profile_class: ProfileClass::default(),
                    ..ProfileMetadata::default()
                },
            }])
            .await
            .unwrap();
        let order = DownloadOrder {
            iccid: Some(iccid.parse().unwrap()),
            ..DownloadOrder::default()
        };
        self.es2.download_order(&op, &order).await.unwrap();
        let confirmed = self
            .es2
            .confirm_order(
                &op,
                &ConfirmOrder {
                    iccid: iccid.parse().unwrap(),
                    eid: eid.map(|e| rsp_codec::json::Eid::parse(e).unwrap()),
                    matching_id: None,
                    confirmation_code: confirmation_code
                        .map(rsp_codec::json::ConfirmationCode::new),
                    smds_address: None,
                    release_flag: true,
                },
            )
            .await
            .unwrap();
        let matching_id = confirmed.matching_id.unwrap();
        format!("LPA:1${}${}", confirmed.smdp_address, matching_id.as_str())
    }
}

/// A migrated SQLite store in `dir/smdpp.sqlite`.
pub async fn sqlite_store(dir: &Path) -> SqlStore {
    let store = SqlStore::open_sqlite(&dir.join("smdpp.sqlite"), key())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

/// The storage encryption key of the tests.
pub fn key() -> DataKey {
    DataKey::new("test-key-1", &[0x42; 32]).unwrap()
}
