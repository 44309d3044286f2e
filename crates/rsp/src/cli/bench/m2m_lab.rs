//! The lab of `rsp bench m2m`: virtual M2M eUICCs (CERT.EUICC.ECDSA issued under the test
//! PKI's EUM for an EID of their own, an AES SCP80 keyset and, for HTTPS, an SCP81 PSK;
//! one bootstrap Profile with its own MSISDN), the EIS and ISD-R keys an EUM registers
//! for each, the Profile Package of each download (the generic template personalised
//! with an ICCID and IMSI of its own), and the Operator: ES2 DownloadProfile (SOAP over
//! mutual TLS) with a `wsa:ReplyTo` endpoint collecting the DownloadProfileResponses
//! (SGP.02 §5.3.1).

use std::collections::HashMap;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{Context, bail};
use base64::Engine as _;
use rsp_codec::sgp02::{Aid, SmsAddress};
use rsp_codec::ws::envelope::{self, WsHeader};
use rsp_codec::ws::es2::{Es2Message, Es2Request};
use rsp_codec::ws::{ExecutionStatus, Message, Request};
use rsp_crypto::SoftwareKey;
use rsp_m2m_euicc::{Ecasd, EuiccState, IsdP, M2mEuicc, Scp80Keyset};
use rsp_ota::{CipherAlgorithm, IntegrityAlgorithm, Kic, Kid};
use rsp_pki::{Cert, Role, TestPkiOptions};
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::common::lock;
use crate::cli::lab::{self, OPERATOR};

/// The SM-SR's SMS address.
pub(super) const SMSR_MSISDN: &str = "447700900000";
/// The SM-DP's identifier: the subject CN of the test PKI's `dp-tls.pem`, its ES3 client
/// certificate, which is how the SM-SR knows it.
pub(super) const SMDP_ID: &str = "localhost";
/// The SM-SR's identifier at the SM-DP (`--smsr smsr1=…`).
pub(super) const SMSR_ID: &str = "smsr1";
/// The Profile Type of the imported Profiles.
pub(super) const PROFILE_TYPE: &str = "bench-m2m";
/// Longest wait for one DownloadProfileResponse.
const RESULT_WAIT: Duration = Duration::from_secs(900);

/// One virtual M2M eUICC with what the SM-SR and the SM-DP are given for it.
pub(super) struct Euicc {
    pub(super) eid: String,
    /// The Profile its download installs.
    pub(super) iccid: String,
    pub(super) card: M2mEuicc,
    /// `POST /smsr/v1/euiccs` body: the EIS and the ISD-R keys.
    pub(super) registration: Value,
    /// `POST /smdp/v1/profiles` body: the Profile Package to download.
    pub(super) import: Value,
}

fn random(n: usize) -> anyhow::Result<Vec<u8>> {
    let mut b = vec![0u8; n];
    getrandom::fill(&mut b).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    Ok(b)
}

/// Issues the eUICCs' certificates under the EUM of a test PKI folder (`pki/nist` or
/// `pki/brainpool`) and builds the cards.
pub(super) struct Fleet {
    eum: Cert,
    eum_key: SoftwareKey,
    ci: Cert,
    /// The generic template, DER.
    template: Vec<u8>,
    https: bool,
}

impl Fleet {
    pub(super) fn new(curve_dir: &Path, https: bool) -> anyhow::Result<Self> {
        let read = |name: &str| {
            let path = curve_dir.join(name);
            std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))
        };
        let key_pem = zeroize::Zeroizing::new(read("eum.key.pem")?);
        Ok(Fleet {
            eum: Cert::from_pem(&read("eum.pem")?)?,
            eum_key: SoftwareKey::from_pem(&key_pem)?,
            ci: Cert::from_pem(&read("ci.pem")?)?,
            template: rsp_saip::template::generic()
                .encode()
                .map_err(|e| anyhow::anyhow!("generic template: {e}"))?,
            https,
        })
    }

    /// eUICC number `n`: EID `890490320000000000<n:012><check digits>` (in the EUM's
    /// range), bootstrap Profile `894400000<n:09>` on MSISDN `447701<n:06>` enabled
    /// (fallback), the Profile to download `894401000<n:09>` with MSISDN `447702<n:06>`.
    pub(super) fn euicc(&self, n: u64) -> anyhow::Result<Euicc> {
        let eid = rsp_pki::eid_with_check_digits(&format!("890490320000000000{n:012}"))
            .map_err(|e| anyhow::anyhow!("EID: {e}"))?;
        let key = SoftwareKey::generate(self.eum.public_key().curve())?;
        let options = TestPkiOptions {
            eid: eid.clone(),
            ..TestPkiOptions::default()
        };
        let cert = rsp_pki::issue(
            &rsp_pki::request_for(Role::Euicc, &key, &options)?,
            Some(&self.eum),
            &self.eum_key,
        )?;
        let ecasd = Ecasd::new(&cert, &key)?.with_ci(&self.ci)?;
        let (kic, kid) = (random(16)?, random(16)?);
        let keyset = Scp80Keyset::new(
            1,
            Kic::new(CipherAlgorithm::AesCbc, 1),
            &kic,
            Kid::new(IntegrityAlgorithm::AesCmac, 1),
            &kid,
        )?;
        let bootstrap = lab::iccid_with_check(&format!("894400000{n:09}"));
        let bootstrap_msisdn = format!("447701{n:06}");
        let isd_p0 = Aid::isd_p(0).context("ISD-P AID")?;
        let mut state = EuiccState::new(ecasd, vec![keyset])?;
        state.isdps.push(
            IsdP::preinstalled(
                isd_p0.clone(),
                &bootstrap,
                SmsAddress::international(&bootstrap_msisdn),
                true,
            )
            .with_fallback(true),
        );
        let mut card = M2mEuicc::new(state);
        let mut keys = json!({"scp80": [{"version": 1, "algorithm": "aes",
            "kic": hex::encode(&kic), "kid": hex::encode(&kid)}]});
        if self.https {
            let psk = random(16)?;
            let identity = format!("bench-psk-{n}");
            card.set_scp81_psk(&identity, &psk)?;
            keys["scp81"] = json!({"identity": identity, "key": hex::encode(&psk)});
        }
        let registration = json!({
            "eis": {
                "eid": eid, "eumId": "RSP Test EUM", "smsrId": "",
                "ecasdCertificate": base64::engine::general_purpose::STANDARD.encode(cert.der()),
                "capabilities": {"sms": true, "https": self.https},
                "profiles": [{
                    "iccid": bootstrap, "isdPAid": isd_p0.to_hex(), "mnoId": OPERATOR,
                    "state": "ENABLED", "fallbackAttribute": true,
                    "subscriptionAddress": {"msisdn": bootstrap_msisdn}
                }]
            },
            "keys": keys
        });
        let iccid = lab::iccid_with_check(&format!("894401000{n:09}"));
        let mut values = rsp_saip::Personalisation::default();
        values.set("iccid", &iccid)?;
        values.set("imsi", &format!("001010{n:09}"))?;
        let package = rsp_saip::patch::personalise_der(&self.template, &values)?;
        let import = json!({
            "iccid": iccid, "profileType": PROFILE_TYPE, "msisdn": format!("447702{n:06}"),
            "package": base64::engine::general_purpose::STANDARD.encode(package),
        });
        Ok(Euicc {
            eid,
            iccid,
            card,
            registration,
            import,
        })
    }
}

/// POSTs `body` to an admin API; fails unless 2xx.
pub(super) async fn admin_post(
    http: &reqwest::Client,
    url: &str,
    body: &Value,
) -> anyhow::Result<()> {
    let r = http
        .post(url)
        .json(body)
        .send()
        .await
        .context("admin API")?;
    if !r.status().is_success() {
        let status = r.status();
        bail!(
            "{url}: HTTP {status}: {}",
            r.text().await.unwrap_or_default()
        );
    }
    Ok(())
}

type Pending = Mutex<HashMap<String, oneshot::Sender<Result<String, String>>>>;

/// The Operator: its ES2 client and its endpoint for asynchronous results and notices.
pub(super) struct Operator {
    client: reqwest::Client,
    es2_url: String,
    reply_to: String,
    pending: Arc<Pending>,
    /// Notices the SM-SR sent to the Operator's ES4 endpoint (Profile changes).
    pub(super) notices: Arc<AtomicU64>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for Operator {
    fn drop(&mut self) {
        self.server.abort();
    }
}

/// The DownloadProfileResponse in `body`: the request's MessageID (`wsa:RelatesTo`) and
/// the ICCID, or why it failed.
fn download_result(body: &str) -> Option<(String, Result<String, String>)> {
    let env = envelope::parse(body).ok()?;
    let relates_to = env.header.relates_to.clone()?;
    let result = match Es2Message::from_envelope(&env) {
        Ok(Message::Response(r)) => match r.status.status {
            ExecutionStatus::Success | ExecutionStatus::WithWarning => {
                Ok(r.iccid.unwrap_or_default())
            }
            other => Err(match r.status.status_code_data {
                Some(d) => format!(
                    "{} {}/{}: {}",
                    other.as_str(),
                    d.subject_code,
                    d.reason_code,
                    d.message.unwrap_or_default()
                ),
                None => other.as_str().to_owned(),
            }),
        },
        _ => Err(format!("not a DownloadProfileResponse: {body}")),
    };
    Some((relates_to, result))
}

impl Operator {
    /// The Operator of the test PKI (`nist/mno.pem`, trusting `nist/ci.pem`), its endpoint
    /// on a free loopback port; [`Operator::set_smdp`] names the SM-DP.
    pub(super) async fn start(pki_dir: &Path, connections: usize) -> anyhow::Result<Self> {
        let nist = pki_dir.join("nist");
        let read = |name: &str| {
            let path = nist.join(name);
            std::fs::read(&path).with_context(|| format!("reading {}", path.display()))
        };
        let mut identity = read("mno.key.pem")?;
        identity.extend(read("mno.pem")?);
        let client = reqwest::Client::builder()
            .tls_certs_only([reqwest::Certificate::from_pem(&read("ci.pem")?)?])
            .identity(reqwest::Identity::from_pem(&identity)?)
            .pool_max_idle_per_host(connections)
            .timeout(Duration::from_secs(60))
            .build()?;
        let pending: Arc<Pending> = Arc::default();
        let notices = Arc::new(AtomicU64::new(0));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let results = pending.clone();
        let counted = notices.clone();
        let app = axum::Router::new()
            .route(
                "/es2",
                axum::routing::post(move |body: String| {
                    let results = results.clone();
                    async move {
                        if let Some((id, result)) = download_result(&body)
                            && let Some(tx) = lock(&results).remove(&id)
                        {
                            let _ = tx.send(result);
                        }
                        axum::http::StatusCode::OK
                    }
                }),
            )
            .route(
                "/es4",
                axum::routing::post(move || {
                    counted.fetch_add(1, Ordering::Relaxed);
                    async { axum::http::StatusCode::OK }
                }),
            );
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Operator {
            client,
            es2_url: String::new(),
            reply_to: format!("http://{addr}/es2"),
            pending,
            notices,
            server,
        })
    }

    /// The SM-DP's ES2 is on `localhost:es2_port`.
    pub(super) fn set_smdp(&mut self, es2_port: u16) {
        self.es2_url = format!("https://localhost:{es2_port}/gsma/sgp02/es2");
    }

    /// Where the SM-SR's notices for the Operator go (`--operator`).
    pub(super) fn notice_url(&self) -> String {
        self.reply_to.replace("/es2", "/es4")
    }

    /// ES2 DownloadProfile of the Profile `iccid` (of [`PROFILE_TYPE`]) into `eid` through
    /// [`SMSR_ID`], enabled once installed; waits for its DownloadProfileResponse at the
    /// ReplyTo endpoint. The ICCID it names.
    pub(super) async fn download(&self, eid: &str, iccid: &str) -> anyhow::Result<String> {
        let message_id = rsp_http::smsr::ws::message_id();
        let (tx, rx) = oneshot::channel();
        lock(&self.pending).insert(message_id.clone(), tx);
        let result = self.order(eid, iccid, &message_id, rx).await;
        lock(&self.pending).remove(&message_id);
        result
    }

    async fn order(
        &self,
        eid: &str,
        iccid: &str,
        message_id: &str,
        rx: oneshot::Receiver<Result<String, String>>,
    ) -> anyhow::Result<String> {
        let msg: Es2Message = Message::Request(Request {
            function_call_identifier: message_id.to_owned(),
            validity_period: Some(RESULT_WAIT.as_secs()),
            body: Es2Request::DownloadProfile {
                eid: eid.to_owned(),
                smsr_id: SMSR_ID.into(),
                profile_type: PROFILE_TYPE.into(),
                iccid: Some(iccid.to_owned()),
                enable_profile: true,
            },
        });
        let text = envelope::build(&msg.envelope(WsHeader {
            to: Some(self.es2_url.clone()),
            from: Some(OPERATOR.into()),
            reply_to: Some(self.reply_to.clone()),
            message_id: message_id.to_owned(),
            action: String::new(),
            relates_to: None,
        }));
        let r = self
            .client
            .post(&self.es2_url)
            .header("content-type", rsp_http::smsr::ws::SOAP_CONTENT_TYPE)
            .body(text)
            .send()
            .await
            .context("ES2 DownloadProfile")?;
        if r.status() != reqwest::StatusCode::ACCEPTED {
            let status = r.status();
            let body = r.text().await.unwrap_or_default();
            match download_result(&body) {
                Some((_, Err(e))) => bail!("ES2 DownloadProfile refused: {e}"),
                _ => bail!("ES2 DownloadProfile: HTTP {status}: {body}"),
            }
        }
        match tokio::time::timeout(RESULT_WAIT, rx).await {
            Ok(Ok(Ok(iccid))) => Ok(iccid),
            Ok(Ok(Err(e))) => bail!("DownloadProfileResponse: {e}"),
            Ok(Err(_)) => bail!("the ReplyTo endpoint stopped"),
            Err(_) => bail!(
                "no DownloadProfileResponse within {} s",
                RESULT_WAIT.as_secs()
            ),
        }
    }
}
