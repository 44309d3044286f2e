//! The eIM under test (ipa_https.rs, ipa_indirect.rs): `rsp_http`'s eIM router over real
//! HTTPS on 127.0.0.1:0 with its outbox sender, one tenant, the eIM key of one curve, and an
//! IoT virtual eUICC with that eIM added initially.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use rsp_codec::asn1::Certificate;
use rsp_codec::asn1::sgp32::{EimConfigurationData, EimIdType, EimPublicKeyData};
use rsp_crypto::{Curve, SoftwareKey};
use rsp_eim::{Eim, EimCurve, EimKeys, EimStore, Tenant, token_hash};
use rsp_euicc::{Card, EuiccConfig, Isdr, StateStore};
use rsp_http::eim_outbox::{EimSender, run_eim_outbox};
use rsp_http::tls::{TlsFiles, server_config};
use rsp_lpa::ipa::{Handled, PollReport};
use rsp_pki::{Cert, TrustStore};
use rsp_storage::SqlStore;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::{Server, key};

pub const EIM_ID: &str = "eim.test";
pub const TOKEN: &str = "tenant-token";

/// An IoT virtual eUICC of `pki` with the eIM at `eim_address` added initially; `indirect`
/// sets the association's `indirectProfileDownload` (SGP.32 §2.11.1).
pub fn iot_euicc(pki: &Path, eim_address: &str, indirect: bool) -> (Card, String) {
    let mut isdr = Isdr::new(
        super::identity(pki),
        EuiccConfig::default(),
        StateStore::memory(),
    )
    .unwrap();
    isdr.enable_iot_mode().unwrap();
    let cert = Cert::from_pem(&std::fs::read_to_string(pki.join("eim.pem")).unwrap()).unwrap();
    let config = EimConfigurationData {
        eim_id: EIM_ID.into(),
        eim_fqdn: Some(eim_address.into()),
        eim_id_type: Some(EimIdType::EIM_ID_TYPE_PROPRIETARY),
        counter_value: Some(0.into()),
        eim_public_key_data: Some(EimPublicKeyData::EimCertificate(
            Certificate::from_der(cert.der()).unwrap(),
        )),
        indirect_profile_download: indirect.then_some(()),
        ..Default::default()
    };
    rsp_lpa::es10_iot::add_initial_eim(&mut isdr, vec![config]).unwrap();
    let eid = isdr.identity().eid_text().to_owned();
    (Card::new(isdr), eid)
}

/// The tenant's REST API.
pub struct Rest {
    pub http: reqwest::Client,
    pub base: String,
}

impl Rest {
    pub async fn call(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> (u16, Value) {
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(TOKEN);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let r = req.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// Queues an operation for `eid`; its id.
    pub async fn queue(&self, eid: &str, op: Value) -> i64 {
        let (s, v) = self
            .call(
                reqwest::Method::POST,
                &format!("/euiccs/{eid}/operations"),
                Some(op),
            )
            .await;
        assert_eq!(s, 202, "{v}");
        v["id"].as_i64().unwrap()
    }

    pub async fn operation(&self, id: i64) -> Value {
        self.call(reqwest::Method::GET, &format!("/operations/{id}"), None)
            .await
            .1
    }

    /// Registers the eUICC of `pki` (with its certificates) on `curve`.
    pub async fn register(&self, eid: &str, pki: &Path, curve: EimCurve) {
        let pem = |n: &str| std::fs::read_to_string(pki.join(n)).unwrap();
        let (s, v) = self
            .call(
                reqwest::Method::POST,
                "/euiccs",
                Some(json!({"eid": eid, "eimId": EIM_ID, "curve": curve,
                    "euiccCertificate": pem("euicc.pem"), "eumCertificate": pem("eum.pem")})),
            )
            .await;
        assert_eq!(s, 201, "{v}");
    }
}

/// The eIM's curve for an association on `curve`.
pub fn eim_curve(curve: Curve) -> EimCurve {
    match curve {
        Curve::NistP256 => EimCurve::Nist,
        Curve::BrainpoolP256r1 => EimCurve::Brainpool,
    }
}

/// A running eIM.
pub struct EimServer {
    pub address: String,
    /// ESipa over CoAP/DTLS, when started with it.
    pub coap: Option<std::net::SocketAddr>,
    pub http: reqwest::Client,
    pub rest: Rest,
    stop: oneshot::Sender<()>,
    stop_outbox: oneshot::Sender<()>,
    server: tokio::task::JoinHandle<()>,
    outbox: tokio::task::JoinHandle<()>,
}

impl EimServer {
    /// Serves the eIM over `store` with the TLS certificate of `tls` (NIST) and the eIM key
    /// and CI of `pki` (association curve `curve`); one tenant with [`TOKEN`].
    pub async fn start(store: SqlStore, tls: &Path, pki: &Path, curve: Curve) -> Self {
        Self::start_with(store, tls, pki, curve, false).await
    }

    /// As [`EimServer::start`], also serving ESipa over CoAP/DTLS when `coap`.
    pub async fn start_with(
        store: SqlStore,
        tls: &Path,
        pki: &Path,
        curve: Curve,
        coap: bool,
    ) -> Self {
        store
            .upsert_tenant(&Tenant {
                id: "acme".into(),
                token_sha256: token_hash(TOKEN),
                webhook_url: None,
            })
            .await
            .unwrap();
        let key = SoftwareKey::from_pem(&std::fs::read_to_string(pki.join("eim.key.pem")).unwrap())
            .unwrap();
        let trust = TrustStore::with_cis([Cert::from_pem(
            &std::fs::read_to_string(pki.join("ci.pem")).unwrap(),
        )
        .unwrap()]);
        let eim = Arc::new(Eim::new(
            store.clone(),
            EimKeys::new(EIM_ID).with(eim_curve(curve), Arc::new(key)),
            trust,
        ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = format!("localhost:{}", listener.local_addr().unwrap().port());
        let tls_config = server_config(&TlsFiles {
            cert_chain: tls.join("dp-tls.pem"),
            key: tls.join("dp-tls.key.pem"),
            client_ca: vec![tls.join("ci.pem")],
        })
        .unwrap();
        let ca =
            reqwest::Certificate::from_pem(&std::fs::read(tls.join("ci.pem")).unwrap()).unwrap();
        let http = reqwest::Client::builder()
            .tls_certs_only([ca])
            .build()
            .unwrap();
        let (stop, stopped) = oneshot::channel::<()>();
        let (coap_addr, coap_task) = if coap {
            let socket = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
            let read = |n: &str| std::fs::read_to_string(tls.join(n)).unwrap();
            let dtls = rsp_coap::ServerDtls::from_pem(&read("dp-tls.pem"), &read("dp-tls.key.pem"))
                .unwrap();
            let addr = socket.local_addr().unwrap();
            let relay = rsp_http::esipa::Es9Relay::new(http.clone());
            let (tx, rx) = oneshot::channel::<()>();
            let task = tokio::spawn(rsp_http::esipa_coap::serve(
                socket,
                dtls,
                eim.clone(),
                relay,
                async {
                    let _ = rx.await;
                },
            ));
            (Some(addr), Some((tx, task)))
        } else {
            (None, None)
        };
        let router = rsp_http::app::eim_router(eim, http.clone());
        let server = tokio::spawn(async move {
            rsp_http::server::serve_tls(listener, tls_config, router, async {
                let _ = stopped.await;
            })
            .await
            .unwrap();
            if let Some((tx, task)) = coap_task {
                let _ = tx.send(());
                task.await.unwrap().unwrap();
            }
        });
        let (stop_outbox, outbox_stopped) = oneshot::channel::<()>();
        let outbox = tokio::spawn(run_eim_outbox(
            store,
            EimSender {
                webhook: reqwest::Client::new(),
                es9: http.clone(),
            },
            Duration::from_millis(50),
            async {
                let _ = outbox_stopped.await;
            },
        ));
        let rest = Rest {
            http: http.clone(),
            base: format!("https://{address}/eim/v1"),
        };
        Self {
            address,
            coap: coap_addr,
            http,
            rest,
            stop,
            stop_outbox,
            server,
            outbox,
        }
    }

    pub async fn stop(self) {
        let _ = self.stop_outbox.send(());
        self.outbox.await.unwrap();
        let _ = self.stop.send(());
        self.server.await.unwrap();
    }
}

/// The eIM on SQLite in `dir`.
pub async fn eim_sqlite(dir: &Path) -> SqlStore {
    let store = SqlStore::open_sqlite(&dir.join("eim.sqlite"), key())
        .await
        .unwrap();
    store.migrate().await.unwrap();
    store
}

/// The ICCID of the download of a poll.
pub fn downloaded(report: &PollReport) -> String {
    let d = download_outcome(report);
    d.iccid
        .unwrap_or_else(|| panic!("not installed: {report:?}"))
}

/// The download a poll ran.
pub fn download_outcome(report: &PollReport) -> rsp_lpa::ipa::DownloadOutcome {
    report
        .handled
        .iter()
        .find_map(|h| match h {
            Handled::ProfileDownload(d) => Some(d.clone()),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no download in {report:?}"))
}

/// Waits for the SM-DP+'s state of `iccid` to become `want`.
pub async fn wait_state(server: &Server, iccid: &str, want: &str) {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let state = server.state(iccid).await;
        if state == want {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "{iccid} stays {state}, not {want}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
