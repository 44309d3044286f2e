//! The SM-DP part of `rsp quickstart --m2m` (SGP.02 ES2, ES3, ES8): the M2M SM-DP started
//! on localhost beside the SM-SR, the generic Profile imported into its inventory, the
//! Operator's ES2 DownloadProfile over mutual TLS (with ReplyTo), the order followed stage by
//! stage through the SM-SR (CreateISDP, key establishment and SCP03t download as SendData,
//! ProfileDownloadCompleted, EnableProfile), and what the Operator's endpoint receives.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use base64::Engine as _;
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::{Message, Request};
use rsp_http::es2plus_client::{ClientTls, build_client};
use serde_json::{Value, json};

use super::lab::OPERATOR;
use super::quickstart::bind;
use crate::cli::serve::{RunningServer, SmdpSettings, start_smdp};

/// The SM-DP's identifier: the CN of the test PKI's `dp-tls.pem`, which is how the SM-SR
/// knows it (its ES3 client certificate).
pub(super) const SMDP_ID: &str = "localhost";

/// The Operator's notification endpoint: every SOAP body POSTed to it, in order.
pub(super) struct OperatorInbox {
    pub addr: SocketAddr,
    received: Arc<Mutex<Vec<String>>>,
}

impl OperatorInbox {
    /// Starts the endpoint (plain HTTP on loopback, `POST /es2` and `POST /es4`).
    pub async fn start() -> anyhow::Result<Self> {
        let received = Arc::new(Mutex::new(Vec::new()));
        let sink = received.clone();
        let keep = move |body: String| {
            if let Ok(mut v) = sink.lock() {
                v.push(body);
            }
            async { axum::http::StatusCode::OK }
        };
        let app = axum::Router::new()
            .route("/es2", axum::routing::post(keep.clone()))
            .route("/es4", axum::routing::post(keep));
        let listener = bind(None, 0).await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });
        Ok(Self { addr, received })
    }

    /// The bodies received so far.
    pub fn received(&self) -> Vec<String> {
        self.received.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// The SOAP action names of the bodies received so far (what a reader wants to see).
    pub fn actions(&self) -> Vec<String> {
        self.received()
            .iter()
            .filter_map(|b| envelope::parse(b).ok().map(|e| e.header.action))
            .collect()
    }
}

/// A client presenting the test PKI's `identity` (`mno`, `dp-tls`) and trusting its CI.
pub(super) fn tls_client(nist: &Path, identity: &str) -> anyhow::Result<reqwest::Client> {
    let read =
        |name: &str| std::fs::read(nist.join(name)).with_context(|| format!("reading {name}"));
    let mut identity_pem = read(&format!("{identity}.key.pem"))?;
    identity_pem.extend(read(&format!("{identity}.pem"))?);
    let tls = ClientTls {
        roots_pem: vec![read("ci.pem")?],
        identity_pem: Some(identity_pem),
    };
    build_client(&tls, Duration::from_secs(600)).map_err(|e| anyhow::anyhow!("TLS client: {e}"))
}

/// Starts the SM-DP (SQLite in `dir`) with CERT.DP.ECDSA issued by the test CI over the test
/// PKI's `dp-auth` certificate, ES2 over mutual TLS (`dp-tls`, Operators under the CI), the
/// SM-SRs `smsrs` (identifier, ES3 URL: the ES3 client, and who may notify) and the
/// SM-SRs' notifications (ES3 server, on `es2`), the Operator's ES2 notifications to
/// `inbox`.
pub(super) async fn start(
    dir: &Path,
    nist: &Path,
    smsrs: &[(&str, &str)],
    es2: tokio::net::TcpListener,
    inbox: &OperatorInbox,
) -> anyhow::Result<RunningServer> {
    let dp_cert = rsp_pki::Cert::from_pem(
        &std::fs::read_to_string(nist.join("dp-auth.pem")).context("dp-auth.pem")?,
    )?;
    let dp_key = rsp_hsm::load_key(&nist.join("dp-auth.key.pem")).context("dp-auth key")?;
    let ci_key = rsp_hsm::load_key(&nist.join("ci.key.pem")).context("CI key")?;
    let gp = rsp_smdp::certificate::issue(&dp_cert, &ci_key)
        .map_err(|e| anyhow::anyhow!("CERT.DP.ECDSA: {e}"))?;
    let credential = rsp_smdp::SmdpCredential::new(gp, Arc::new(dp_key))
        .map_err(|e| anyhow::anyhow!("CERT.DP.ECDSA: {e}"))?;
    let mut identity_pem = std::fs::read(nist.join("dp-tls.key.pem"))?;
    identity_pem.extend(std::fs::read(nist.join("dp-tls.pem"))?);
    let settings = SmdpSettings {
        data_key_file: dir.join("smdp-data.key"),
        database: format!("sqlite://{}", dir.join("smdp.db").display()),
        smdp_id: SMDP_ID.into(),
        credential,
        host_id: b"QUICKSTART-DP".to_vec(),
        smsrs: smsrs
            .iter()
            .map(|(id, url)| ((*id).to_owned(), (*url).to_owned()))
            .collect(),
        operators: HashMap::from([(OPERATOR.to_owned(), format!("http://{}/es2", inbox.addr))]),
        client_tls: ClientTls {
            roots_pem: vec![std::fs::read(nist.join("ci.pem"))?],
            identity_pem: Some(identity_pem),
        },
        tls: rsp_http::tls::TlsFiles {
            cert_chain: nist.join("dp-tls.pem"),
            key: nist.join("dp-tls.key.pem"),
            client_ca: vec![nist.join("ci.pem")],
        },
        order_lease: 300,
        order_retry_window: 600,
        order_retry_after: 5,
        order_workers: 2,
        audit_key: None,
    };
    super::lab::write_data_key(&settings.data_key_file)?;
    let admin = bind(None, 0).await?;
    start_smdp(settings, es2, admin).await
}

/// Imports the profile toolkit's generic Profile (ICCID of its header) with `msisdn` for
/// [`OPERATOR`]'s downloads of type `generic`; its ICCID.
pub(super) async fn import_generic(
    client: &reqwest::Client,
    admin: &str,
    msisdn: &str,
) -> anyhow::Result<String> {
    let iccid = rsp_saip::template::values::ICCID.to_owned();
    let package = rsp_saip::template::generic()
        .encode()
        .map_err(|e| anyhow::anyhow!("generic Profile: {e}"))?;
    let r = client
        .post(format!("{admin}/smdp/v1/profiles"))
        .json(
            &json!({"iccid": iccid, "profileType": "generic", "msisdn": msisdn,
            "package": base64::engine::general_purpose::STANDARD.encode(&package)}),
        )
        .send()
        .await
        .context("SM-DP admin API")?;
    if !r.status().is_success() {
        let status = r.status();
        bail!(
            "Profile import: HTTP {status}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    Ok(iccid)
}

/// The Operator's ES2 DownloadProfile (enable, ReplyTo its inbox) to the SM-DP at
/// `es2_port`; prints each order stage as the worker reaches it and returns the
/// DownloadProfileResponse the inbox receives.
#[allow(clippy::too_many_arguments)]
pub(super) async fn download(
    nist: &Path,
    http: &reqwest::Client,
    es2_port: u16,
    admin: &str,
    inbox: &OperatorInbox,
    eid: &str,
    smsr_id: &str,
) -> anyhow::Result<String> {
    let mut id = [0u8; 16];
    getrandom::fill(&mut id).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    let message_id = format!("urn:uuid:{}", hex::encode(id));
    let msg: Es2Message = Message::Request(Request {
        function_call_identifier: message_id.clone(),
        validity_period: Some(600),
        body: Es2Request::DownloadProfile {
            eid: eid.to_owned(),
            smsr_id: smsr_id.to_owned(),
            profile_type: "generic".into(),
            iccid: None,
            enable_profile: true,
        },
    });
    let url = format!("https://localhost:{es2_port}/gsma/sgp02/es2");
    let body = envelope::build(&msg.envelope(WsHeader {
        to: Some(url.clone()),
        from: Some(OPERATOR.into()),
        reply_to: Some(format!("http://{}/es2", inbox.addr)),
        message_id,
        action: String::new(),
        relates_to: None,
    }));
    let r = tls_client(nist, "mno")?
        .post(&url)
        .header("content-type", "application/soap+xml; charset=utf-8")
        .body(body)
        .send()
        .await
        .context("ES2 DownloadProfile")?;
    let status = r.status();
    if status.as_u16() != 202 {
        bail!(
            "DownloadProfile: HTTP {status}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    println!("     ES2 DownloadProfile accepted (202); the answer goes to the Operator's ReplyTo");
    let start = Instant::now();
    let mut last = String::new();
    loop {
        if let Some(r) = inbox
            .received()
            .into_iter()
            .find(|b| b.contains("DownloadProfileResponse"))
        {
            return Ok(r);
        }
        let orders: Value = http
            .get(format!("{admin}/smdp/v1/orders"))
            .send()
            .await?
            .json()
            .await?;
        let stage = orders["orders"][0]["stage"]
            .as_str()
            .unwrap_or("")
            .to_owned();
        if !stage.is_empty() && stage != last {
            println!(
                "     order stage: {stage} (+{} ms)",
                start.elapsed().as_millis()
            );
            last = stage;
        }
        if start.elapsed() > Duration::from_secs(300) {
            bail!("no DownloadProfileResponse after 300 s: {orders}");
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}
