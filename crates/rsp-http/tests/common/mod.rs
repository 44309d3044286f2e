//! Test fixtures: a test PKI on disk, a migrated SQLite store, the SM-DP+ served over real
//! HTTPS on 127.0.0.1:0, and reqwest clients with and without Operator certificates.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsp_crypto::{Curve, Signer, SoftwareKey};
use rsp_http::identity::OperatorResolver;
use rsp_http::tls::{TlsFiles, server_config};
use rsp_pki::{CertRequest, Role, TestPki, TestPkiOptions, issue, parse_name};
use rsp_smdpp::es2plus::{Es2Plus, Es2PlusConfig};
use rsp_smdpp::es9plus::{Es9Plus, Es9PlusConfig};
use rsp_smdpp::{NewProfile, OperatorId, ProfileMetadata, ProfilePackage};
use rsp_storage::{DataKey, SqlStore};
pub use rsp_testkit::fs::TempDir;

pub mod eim;
pub mod es9_asn1;
use rsp_testkit::pg::PgDb;
use tokio::sync::oneshot;

pub const OPERATOR: &str = "Test Operator";
pub const OTHER_OPERATOR: &str = "Other Operator";
pub const SMDP_ADDRESS: &str = "localhost";

/// The test PKI written to DIR (as `rsp pki init` does for one curve), plus a second
/// operator certificate `other-mno.pem` / `other-mno.key.pem` issued by the same CI.
pub struct Pki {
    pub dir: TempDir,
}

impl Pki {
    pub fn generate() -> Self {
        Self::generate_on(Curve::NistP256)
    }

    /// The test PKI on `curve` (the SM-DP+'s TLS stays on a NIST PKI: rustls has no
    /// brainpool; see [`Server::start_with`]).
    pub fn generate_on(curve: Curve) -> Self {
        let dir = TempDir::new();
        let pki = TestPki::generate(curve, &TestPkiOptions::default()).unwrap();
        pki.write_to(&dir.0, false).unwrap();
        let ci = pki.get(Role::Ci).unwrap();
        let key = SoftwareKey::generate(Curve::NistP256).unwrap();
        let mut req = CertRequest::new(
            Role::Mno,
            parse_name("CN=Other Operator,O=OTHER").unwrap(),
            key.public_key().clone(),
            time::OffsetDateTime::now_utc() - time::Duration::hours(1),
        );
        req.not_after = Some(time::OffsetDateTime::now_utc() + time::Duration::days(30));
        let cert = issue(&req, Some(&ci.cert), &ci.key as &dyn Signer).unwrap();
        std::fs::write(dir.0.join("other-mno.pem"), cert.to_pem()).unwrap();
        std::fs::write(
            dir.0.join("other-mno.key.pem"),
            key.to_pkcs8_pem().as_bytes(),
        )
        .unwrap();
        Pki { dir }
    }

    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.0.join(name)
    }

    pub fn tls_files(&self) -> TlsFiles {
        TlsFiles {
            cert_chain: self.path("dp-tls.pem"),
            key: self.path("dp-tls.key.pem"),
            client_ca: vec![self.path("ci.pem")],
        }
    }

    /// PEM of key + certificate, for `reqwest::Identity::from_pem`.
    pub fn identity_pem(&self, name: &str) -> Vec<u8> {
        let mut pem = std::fs::read(self.path(&format!("{name}.key.pem"))).unwrap();
        pem.extend(std::fs::read(self.path(&format!("{name}.pem"))).unwrap());
        pem
    }

    /// A client trusting the CI, presenting `identity` (`mno`, `other-mno`) if given.
    pub fn client(&self, identity: Option<&str>) -> reqwest::Client {
        let ca =
            reqwest::Certificate::from_pem(&std::fs::read(self.path("ci.pem")).unwrap()).unwrap();
        let mut b = reqwest::Client::builder().tls_certs_only([ca]);
        if let Some(name) = identity {
            b = b.identity(reqwest::Identity::from_pem(&self.identity_pem(name)).unwrap());
        }
        b.build().unwrap()
    }
}

pub fn key() -> DataKey {
    DataKey::new("test-key-1", &[0x42; 32]).unwrap()
}

/// A migrated SQLite store in `dir`.
pub async fn sqlite_store(dir: &Path) -> SqlStore {
    let store = SqlStore::open_sqlite(&dir.join("smdpp.sqlite"), key())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

/// A migrated store on a fresh PostgreSQL database, dropped with the returned [`PgDb`].
/// `None` (after printing why) when PostgreSQL is unreachable and `CI` is unset.
pub async fn postgres_store() -> Option<(SqlStore, PgDb)> {
    let pg = PgDb::create().await?;
    Some((pg.store(key()).await, pg))
}

pub fn new_profile(iccid: &str, operator: &str, profile_type: &str) -> NewProfile {
    NewProfile {
        iccid: iccid.parse().unwrap(),
        operator: OperatorId::new(operator),
        profile_type: profile_type.into(),
        package: ProfilePackage::new(vec![0xA0, 0x03, 0x80, 0x01, 0x02]),
        metadata: ProfileMetadata::default(),
    }
}

/// The SM-DP+ served over HTTPS; stops on drop.
pub struct Server {
    pub addr: SocketAddr,
    pub store: SqlStore,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Server {
    pub async fn start(pki: &Pki, store: SqlStore) -> Self {
        Self::start_with(pki, &[pki], store).await
    }

    /// TLS (DPtls) of `tls`, ES9+ credentials (DPauth, DPpb, trusted CIs) of every PKI of
    /// `credentials`, in that order.
    pub async fn start_with(tls: &Pki, credentials: &[&Pki], store: SqlStore) -> Self {
        let pki = tls;
        let tls = server_config(&pki.tls_files()).unwrap();
        let es2 = Arc::new(Es2Plus::new(
            store.clone(),
            Es2PlusConfig::new(SMDP_ADDRESS),
        ));
        let dirs: Vec<PathBuf> = credentials.iter().map(|p| p.dir.0.clone()).collect();
        let credentials = rsp_http::credentials::load(&dirs).unwrap();
        let es9 = Arc::new(Es9Plus::new(
            store.clone(),
            credentials,
            Es9PlusConfig::new(SMDP_ADDRESS),
        ));
        let app = rsp_http::app::smdpp_router(
            es2,
            Arc::new(OperatorResolver::by_common_name()),
            Some(es9),
        );
        let (addr, stop, task) = serve(tls, app).await;
        Server {
            addr,
            store,
            stop: Some(stop),
            task: Some(task),
        }
    }

    /// `https://localhost:PORT` (the DPtls certificate names `localhost`).
    pub fn base(&self) -> String {
        format!("https://localhost:{}", self.addr.port())
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

/// Serves `app` over HTTPS with `tls` on 127.0.0.1:0 until the sender is used or dropped.
pub async fn serve(
    tls: Arc<rustls::ServerConfig>,
    app: axum::Router,
) -> (SocketAddr, oneshot::Sender<()>, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (tx, rx) = oneshot::channel::<()>();
    let task = tokio::spawn(async move {
        rsp_http::server::serve_tls(listener, tls, app, async {
            let _ = rx.await;
        })
        .await
        .unwrap();
    });
    (addr, tx, task)
}

/// POSTs `body` to the ES2+ function `name` with the binding's headers.
pub async fn es2(
    client: &reqwest::Client,
    server: &Server,
    name: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let resp = client
        .post(format!("{}/gsma/rsp2/es2plus/{name}", server.base()))
        .header("Content-Type", "application/json;charset=UTF-8")
        .header("X-Admin-Protocol", "gsma/rsp/v2.5.0")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// POSTs `body` to the ES9+ function `name` as an LPA does (JSON binding, no client
/// certificate): `(HTTP status, body)`.
pub async fn es9(
    client: &reqwest::Client,
    server: &Server,
    name: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let resp = client
        .post(format!("{}/gsma/rsp2/es9plus/{name}", server.base()))
        .header("Content-Type", "application/json")
        .header("X-Admin-Protocol", "gsma/rsp/v2.2.0")
        .header("User-Agent", "gsma-rsp-lpad")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let text = resp.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(serde_json::Value::Null),
    )
}

/// ES2+.DownloadOrder of `iccid` for `eid`, then ConfirmOrder (released) with `matching_id`
/// and an optional Confirmation Code, in-process on `es2`.
pub async fn download_and_confirm(
    es2: &Es2Plus<SqlStore>,
    iccid: &str,
    eid: &str,
    matching_id: &str,
    cc: Option<&str>,
) {
    use rsp_codec::json::{ConfirmationCode, Eid, Iccid};
    use rsp_smdpp::es2plus::{ConfirmOrder, DownloadOrder};
    let operator = OperatorId::new(OPERATOR);
    let eid = Some(Eid::parse(eid).unwrap());
    let iccid: Iccid = es2
        .download_order(
            &operator,
            &DownloadOrder {
                eid: eid.clone(),
                iccid: Some(iccid.parse().unwrap()),
                profile_type: None,
            },
        )
        .await
        .unwrap();
    es2.confirm_order(
        &operator,
        &ConfirmOrder {
            iccid,
            eid,
            matching_id: Some(matching_id.to_owned()),
            confirmation_code: cc.map(ConfirmationCode::new),
            smds_address: None,
            release_flag: true,
        },
    )
    .await
    .unwrap();
}

pub fn header() -> serde_json::Value {
    serde_json::json!({"functionRequesterIdentifier": "op", "functionCallIdentifier": "c1"})
}

/// `(status, subjectCode, reasonCode)` of a response body.
pub fn outcome(body: &serde_json::Value) -> (String, String, String) {
    let fes = &body["header"]["functionExecutionStatus"];
    let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_owned();
    (
        s(&fes["status"]),
        s(&fes["statusCodeData"]["subjectCode"]),
        s(&fes["statusCodeData"]["reasonCode"]),
    )
}
