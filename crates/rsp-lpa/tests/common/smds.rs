//! The SM-DS over HTTPS for the tests: an SM-DS (root or alternative) on 127.0.0.1:0 with
//! the DStls of the NIST PKI and CERT.DSauth of another, ES12/ES15 clients presenting a
//! certificate of the NIST PKI, and per-server SQLite stores.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rsp_codec::json::Eid;
use rsp_http::smds_client::{Caller, SmdsClient};
use rsp_http::tls::{TlsFiles, server_config};
use rsp_smds::es11::Es11;
use rsp_smds::es12::Es12;
use rsp_smds::{SmdsConfig, SmdsRole};
use rsp_storage::SqlStore;
use tokio::sync::oneshot;

use super::{euicc, sqlite_store};

/// One SM-DS over HTTPS (DStls of the NIST PKI, CERT.DSauth of `auth`).
pub struct Smds {
    pub address: String,
    pub store: SqlStore,
    stop: Option<oneshot::Sender<()>>,
    task: Option<tokio::task::JoinHandle<()>>,
}

impl Smds {
    pub async fn start(store: SqlStore, nist: &Path, auth: &Path, root: Option<&str>) -> Self {
        Self::start_on_port(store, nist, auth, root, 0).await
    }

    /// As [`Smds::start`] on `port` (0: any), e.g. the port of an SM-DS stopped earlier.
    pub async fn start_on_port(
        store: SqlStore,
        nist: &Path,
        auth: &Path,
        root: Option<&str>,
        port: u16,
    ) -> Self {
        Self::start_with_crls(store, nist, auth, root, port, &[]).await
    }

    /// As [`Smds::start_on_port`], checking eUICC chains against the CRL files `crls`.
    pub async fn start_with_crls(
        store: SqlStore,
        nist: &Path,
        auth: &Path,
        root: Option<&str>,
        port: u16,
        crls: &[PathBuf],
    ) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let address = format!("localhost:{}", addr.port());
        let tls = server_config(&TlsFiles {
            cert_chain: nist.join("ds-tls.pem"),
            key: nist.join("ds-tls.key.pem"),
            client_ca: vec![nist.join("ci.pem")],
        })
        .unwrap();
        let mut config = SmdsConfig::new(&address);
        if let Some(root) = root {
            config.role = SmdsRole::Alternative {
                root_address: root.to_owned(),
            };
        }
        let credentials = rsp_http::credentials::load_smds(&[auth.to_path_buf()], crls).unwrap();
        let es11 = Arc::new(Es11::new(store.clone(), credentials, config.clone()));
        let es12 = Arc::new(Es12::new(store.clone(), config));
        let app = rsp_http::app::smds_router(es11, es12);
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(async move {
            rsp_http::server::serve_tls(listener, tls, app, async {
                let _ = rx.await;
            })
            .await
            .unwrap();
        });
        Smds {
            address,
            store,
            stop: Some(tx),
            task: Some(task),
        }
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

/// An ES12 / ES15 client presenting the certificate `identity` of the NIST PKI.
pub fn client(nist: &Path, identity: &str, caller: Caller, own_address: &str) -> SmdsClient {
    let mut pem = std::fs::read(nist.join(format!("{identity}.key.pem"))).unwrap();
    pem.extend(std::fs::read(nist.join(format!("{identity}.pem"))).unwrap());
    let ca = reqwest::Certificate::from_pem(&std::fs::read(nist.join("ci.pem")).unwrap()).unwrap();
    let http = reqwest::Client::builder()
        .tls_certs_only([ca])
        .identity(reqwest::Identity::from_pem(&pem).unwrap())
        .build()
        .unwrap();
    SmdsClient::new(http, caller, identity, own_address)
}

/// The EID of the virtual eUICC of `pki`.
pub fn eid_of(pki: &Path) -> Eid {
    Eid::parse(euicc(pki).isdr().identity().eid_text()).unwrap()
}

pub async fn store_in(dir: &Path, name: &str) -> SqlStore {
    let sub: PathBuf = dir.join(name);
    std::fs::create_dir_all(&sub).unwrap();
    sqlite_store(&sub).await
}
