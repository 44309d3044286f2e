//! `rsp serve smsr`: the SGP.02 M2M SM-SR. ES5 to eUICCs over SMS (an SMPP 3.4 client of
//! an SMSC, SCP80 secured packets) and over HTTPS (SCP81: the GlobalPlatform Amendment B
//! admin server on TLS-PSK, sessions opened by a push SMS); the EIS store and the
//! operation queue with retries on SQLite or PostgreSQL; the admin API (`/smsr/v1/*`,
//! `/health`, `/metrics`) on the admin listener; the SGP.02 web services (ES1/ES3/ES4, and
//! ES7 with the SM-SR change's driver) on --listen.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use clap::Args;
use rsp_http::smsr::es5_https::{AdminSessions, StorePsks};
use rsp_http::smsr::es5_sms::{self, SmppLink};
use rsp_scp81::server::{AdminServer, ServerConfig};
use rsp_scp81::trigger::{
    HttpPostParameters, SecurityParameters, SessionParameters, TriggerParameters,
};
use rsp_sms::{Esme, EsmeConfig};
use rsp_smsr::RetryPolicy;
use rsp_smsr::service::{Es5Sms, PushTrigger, SmsrAddress, SmsrConfig, SmsrService};
use rsp_storage::SqlStore;
use tokio::sync::{RwLock, watch};

use super::common::{
    RunningServer, admin_token, audited_admin, data_key, endpoints, init_logging, open_store,
    serve_admin, serve_until_stopped, start_audit, stopped,
};
use crate::config::smdpp::LogFormat;

/// Options of `rsp serve smsr` (each also an `RSP_SMSR_*` environment variable).
#[derive(Debug, Args)]
pub struct SmsrArgs {
    /// ES5 over HTTPS: the SCP81 admin server (TLS 1.2 with PSK) the eUICCs' admin agents
    /// connect to.
    #[arg(
        long,
        env = "RSP_SMSR_SCP81_LISTEN",
        value_name = "ADDR",
        default_value = "0.0.0.0:8447"
    )]
    scp81_listen: SocketAddr,
    /// The admin server's address as the push SMS gives it to eUICCs (host:port; the
    /// `8A` administration host of the triggering parameters) [default: the bound
    /// --scp81-listen address].
    #[arg(long, env = "RSP_SMSR_SCP81_PUBLIC", value_name = "HOST:PORT")]
    scp81_public: Option<String>,
    /// ES1/ES3/ES4 web services (SOAP over HTTPS with client certificates: POST
    /// /gsma/sgp02/es1|es3|es4); on when --tls-cert, --tls-key and --client-ca are given.
    #[arg(
        long,
        env = "RSP_SMSR_LISTEN",
        value_name = "ADDR",
        default_value = "0.0.0.0:8446"
    )]
    listen: SocketAddr,
    /// TLS certificate chain of the web services, PEM.
    #[arg(long, env = "RSP_SMSR_TLS_CERT", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// TLS private key of the web services, PEM (or a pkcs11: URI).
    #[arg(long, env = "RSP_SMSR_TLS_KEY", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Trust anchors of the callers' client certificates (EUMs, SM-DPs, Operators; the
    /// caller is the subject CN), PEM; repeatable.
    #[arg(
        long,
        env = "RSP_SMSR_CLIENT_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    client_ca: Vec<PathBuf>,
    /// Admin listen address (/smsr/v1/*, /health, /metrics), plain HTTP.
    #[arg(
        long,
        env = "RSP_SMSR_ADMIN_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8084"
    )]
    admin_listen: SocketAddr,
    /// Database URL: sqlite://FILE or postgres://….
    #[arg(
        long,
        env = "RSP_SMSR_DATABASE",
        value_name = "URL",
        default_value = "sqlite://rsp-smsr.db"
    )]
    database: String,
    /// File with the 32-byte data key that seals the ISD-R keys at rest (64 hex digits,
    /// or wrapped by a token key: docs/hsm.md); created when missing.
    #[arg(
        long,
        env = "RSP_SMSR_DATA_KEY_FILE",
        value_name = "FILE",
        default_value = "rsp-smsr-data.key"
    )]
    data_key_file: PathBuf,
    /// This SM-SR's identifier (written into registered EISs).
    #[arg(long, env = "RSP_SMSR_ID", default_value = "smsr.localhost")]
    smsr_id: String,
    /// The SMSC (SMPP 3.4) host:port; without it, ES5 over SMS is off (operations wait).
    #[arg(long, env = "RSP_SMSR_SMSC", value_name = "HOST:PORT")]
    smsc: Option<String>,
    /// SMPP system_id of the SM-SR's account at the SMSC.
    #[arg(long, env = "RSP_SMSR_SMPP_SYSTEM_ID", default_value = "smsr")]
    smpp_system_id: String,
    /// File holding the SMPP password (first line).
    #[arg(long, env = "RSP_SMSR_SMPP_PASSWORD_FILE", value_name = "FILE")]
    smpp_password_file: Option<PathBuf>,
    /// The SM-SR's SMS address (MSISDN or short code, digits) eUICCs send PoRs and
    /// notifications to; an SM-SR change sets it on the eUICCs it brings here
    /// (UpdateSMSRAddressingParameters).
    #[arg(long, env = "RSP_SMSR_MSISDN", default_value = "447700900000")]
    msisdn: String,
    /// The SMS centre address (international digits) an SM-SR change gives the eUICCs it
    /// brings here, with --msisdn [default: none given, they keep theirs].
    #[arg(long, env = "RSP_SMSR_SMSC_ADDRESS", value_name = "DIGITS")]
    smsc_address: Option<String>,
    /// Seconds between ES5 sender steps (the poll of the operation queue; fractions
    /// allowed, at least 0.01).
    #[arg(long, env = "RSP_SMSR_SEND_INTERVAL", default_value_t = 1.0)]
    send_interval: f64,
    /// Seconds before the first retry of an unanswered ES5 attempt (doubling, capped at
    /// 600 s).
    #[arg(long, env = "RSP_SMSR_RETRY_AFTER", default_value_t = 30)]
    retry_after: i64,
    /// Attempts before an operation fails as unreachable (SGP.02 status 8.1/5.1).
    #[arg(long, env = "RSP_SMSR_MAX_ATTEMPTS", default_value_t = 5)]
    max_attempts: u32,
    /// Where an Operator's notices go (Profile changes it did not ask for), as ID=URL;
    /// repeatable.
    #[arg(
        long,
        env = "RSP_SMSR_OPERATOR",
        value_name = "ID=URL",
        value_delimiter = ','
    )]
    operator: Vec<String>,
    /// Where an SM-DP's notices go, as ID=URL; repeatable.
    #[arg(
        long,
        env = "RSP_SMSR_SMDP",
        value_name = "ID=URL",
        value_delimiter = ','
    )]
    smdp: Vec<String>,
    /// Trust anchors (PEM) for the notice endpoints' TLS certificates; repeatable
    /// [default: the system's roots].
    #[arg(
        long,
        env = "RSP_SMSR_NOTICE_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    notice_ca: Vec<PathBuf>,
    /// The SM-SR change (ES7).
    #[command(flatten)]
    es7: super::smsr_es7::Es7Args,
    /// Log format.
    #[arg(long, env = "RSP_SMSR_LOG_FORMAT", value_enum, default_value = "json")]
    log_format: LogFormat,
    /// Private key (PEM or `pkcs11:` URI) signing the audit trail's checkpoints every 5
    /// minutes and at shutdown (docs/audit.md); without it the trail is hash-chained but
    /// not signed.
    #[arg(long, env = "RSP_SMSR_AUDIT_KEY", value_name = "FILE")]
    audit_key: Option<PathBuf>,
}

/// The settings `start_smsr` runs with.
#[derive(Debug, Clone)]
pub struct SmsrSettings {
    /// Data key file.
    pub data_key_file: PathBuf,
    /// Database URL.
    pub database: String,
    /// SM-SR identifier.
    pub smsr_id: String,
    /// SMSC address.
    pub smsc: Option<String>,
    /// SMPP system_id.
    pub smpp_system_id: String,
    /// SMPP password.
    pub smpp_password: zeroize::Zeroizing<String>,
    /// The SM-SR's SMS address.
    pub msisdn: String,
    /// The SMS centre address given to eUICCs with it, if any.
    pub smsc_address: Option<String>,
    /// Advertised admin server.
    pub scp81_public: Option<String>,
    /// Sender step interval.
    pub send_interval: Duration,
    /// Retry policy.
    pub retry: RetryPolicy,
    /// Notice destinations.
    pub endpoints: rsp_http::smsr::notify::Endpoints,
    /// Trust anchors of notice endpoints, PEM.
    pub notice_ca: Vec<Vec<u8>>,
    /// The web services' listen address and TLS files, when on.
    pub web_services: Option<(SocketAddr, rsp_http::tls::TlsFiles)>,
    /// The SM-SR change (ES7, served with the web services).
    pub es7: super::smsr_es7::Es7Settings,
    /// The audit trail's checkpoint key.
    pub audit_key: Option<PathBuf>,
}

pub(super) fn run(args: SmsrArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    let smpp_password = match &args.smpp_password_file {
        Some(p) => {
            let text =
                std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            zeroize::Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
        }
        None => zeroize::Zeroizing::new(String::new()),
    };
    let settings = SmsrSettings {
        data_key_file: args.data_key_file,
        database: args.database,
        smsr_id: args.smsr_id,
        smsc: args.smsc,
        smpp_system_id: args.smpp_system_id,
        smpp_password,
        msisdn: args.msisdn,
        smsc_address: args.smsc_address,
        scp81_public: args.scp81_public,
        send_interval: Duration::try_from_secs_f64(args.send_interval.max(0.01))
            .map_err(|_| anyhow::anyhow!("--send-interval: a number of seconds expected"))?,
        retry: RetryPolicy {
            first: args.retry_after.max(1),
            max: 600,
            max_attempts: args.max_attempts.max(1),
        },
        endpoints: rsp_http::smsr::notify::Endpoints {
            operators: endpoints(&args.operator, "operator")?,
            smdps: endpoints(&args.smdp, "smdp")?,
        },
        notice_ca: super::common::read_all(&args.notice_ca)?,
        es7: args.es7.settings(args.listen)?,
        audit_key: args.audit_key,
        web_services: match (args.tls_cert, args.tls_key) {
            (Some(cert_chain), Some(key)) if !args.client_ca.is_empty() => Some((
                args.listen,
                rsp_http::tls::TlsFiles {
                    cert_chain,
                    key,
                    client_ca: args.client_ca,
                },
            )),
            (None, None) => None,
            _ => anyhow::bail!("the web services need --tls-cert, --tls-key and --client-ca"),
        },
    };
    serve_until_stopped(args.scp81_listen, args.admin_listen, settings, start_smsr)
}

/// The current SMPP link (none while the SMSC is unreachable): the sender's SMS go
/// through it, and fail (to be retried on schedule) while it is down.
#[derive(Default)]
struct Link(RwLock<Option<Arc<SmppLink>>>);

impl Es5Sms for Link {
    async fn send(&self, msisdn: &str, packet: &[u8]) -> Result<(), String> {
        let link = self.0.read().await.clone();
        match link {
            Some(l) if l.is_bound() => l.send(msisdn, packet).await,
            _ => Err("not bound to the SMSC".into()),
        }
    }

    fn ready(&self) -> bool {
        self.0
            .try_read()
            .map(|l| l.as_ref().is_some_and(|l| l.is_bound()))
            .unwrap_or(true)
    }
}

/// Keeps an SMPP session to the SMSC: binds, hands inbound SMS to the service, re-binds
/// after a lost session (backing off up to 30 s).
async fn smpp_supervisor(
    service: Arc<SmsrService<SqlStore>>,
    link: Arc<Link>,
    s: SmsrSettings,
    rx: watch::Receiver<bool>,
) {
    let Some(smsc) = s.smsc.clone() else {
        tracing::warn!("no --smsc: ES5 over SMS is off; SMS operations wait until it is set");
        return;
    };
    let mut backoff = Duration::from_secs(1);
    loop {
        if *rx.borrow() {
            return;
        }
        let config = EsmeConfig::new(&s.smpp_system_id, &s.smpp_password).address_range(&s.msisdn);
        match Esme::bind_transceiver(smsc.as_str(), config).await {
            Ok((esme, inbound)) => {
                tracing::info!(%smsc, system_id = %s.smpp_system_id, "bound to the SMSC");
                backoff = Duration::from_secs(1);
                *link.0.write().await = Some(Arc::new(SmppLink::new(esme, &s.msisdn)));
                es5_sms::receive(service.clone(), inbound, rx.clone()).await;
                *link.0.write().await = None;
                tracing::warn!(%smsc, "SMPP session ended");
            }
            Err(e) => tracing::warn!(%smsc, error = %e, "SMPP bind failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(backoff) => {}
            () = stopped(rx.clone()) => return,
        }
        backoff = (backoff * 2).min(Duration::from_secs(30));
    }
}

/// The push SMS's triggering parameters: the eUICC's PSK identity, the admin host and URI.
fn push_trigger(admin_host: String, admin_uri: String) -> PushTrigger {
    Arc::new(move |identity: &str| {
        TriggerParameters {
            session: SessionParameters {
                security: Some(SecurityParameters {
                    psk_identity: identity.as_bytes().to_vec(),
                    kvn: 0x40,
                    kid: 0x01,
                    hash: None,
                }),
                http_post: Some(HttpPostParameters {
                    admin_host: Some(admin_host.clone()),
                    agent_id: None,
                    admin_uri: Some(admin_uri.clone()),
                }),
                ..SessionParameters::default()
            },
            dns_resolution: None,
        }
        .encode()
        .unwrap_or_default()
    })
}

/// Starts the SM-SR on already bound listeners (`scp81`: the TLS-PSK admin server).
pub async fn start_smsr(
    s: SmsrSettings,
    scp81: tokio::net::TcpListener,
    admin_listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningServer> {
    let admin_addr = admin_listener.local_addr()?;
    let token = admin_token("RSP_SMSR_ADMIN_TOKEN", admin_addr)?;
    let key = data_key(&s.data_key_file)?;
    let store = open_store(&crate::config::database_url(&s.database), key).await?;
    let scp81_addr = scp81.local_addr()?;
    let server_config = ServerConfig::default();
    let public = s
        .scp81_public
        .clone()
        .unwrap_or_else(|| scp81_addr.to_string());
    let address = SmsrAddress::new(&s.msisdn, s.smsc_address.as_deref())
        .map_err(|e| anyhow::anyhow!("--msisdn / --smsc-address: {e}"))?;
    let config = SmsrConfig {
        smsr_id: s.smsr_id.clone(),
        address: Some(address),
        retry: s.retry,
        push: Some(push_trigger(
            public.clone(),
            server_config.admin_path.clone(),
        )),
        ..SmsrConfig::default()
    };
    let service = Arc::new(SmsrService::new(store.clone(), config));
    let psks = Arc::new(StorePsks::new(
        service.clone(),
        tokio::runtime::Handle::current(),
    ));
    let sessions = AdminSessions::new(service.clone());
    let admin_server = AdminServer::on_listener(scp81, server_config, psks, sessions)
        .map_err(|e| anyhow::anyhow!("SCP81 admin server: {e}"))?;
    let admin = audited_admin(
        rsp_http::smsr::admin::router(service.clone(), store.clone(), token),
        &store,
    );
    let audit = start_audit(&store, "smsr", s.audit_key.as_deref(), |signed| {
        format!(
            "{{\"smsrId\":{},\"backend\":\"{:?}\",\"smsc\":{},\"operators\":{},\"smdps\":{},\"peers\":{},\"signedCheckpoints\":{}}}",
            rsp_storage::audit::json_string(&s.smsr_id),
            store.backend(),
            s.smsc.is_some(),
            s.endpoints.operators.len(),
            s.endpoints.smdps.len(),
            s.es7.peers.len(),
            signed
        )
    })
    .await?;
    let link = Arc::new(Link::default());
    let web_services = match &s.web_services {
        Some((addr, files)) => {
            let tls = rsp_http::tls::server_config(files).context("web services TLS")?;
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .with_context(|| format!("binding {addr}"))?;
            tracing::info!(listen = %listener.local_addr()?, "ES1/ES3/ES4 web services");
            let app = rsp_http::smsr::ws::router(service.clone())
                .merge(rsp_http::smsr::es7::router(service.clone()))
                .layer(axum::middleware::from_fn_with_state(
                    store.clone(),
                    rsp_http::smsr::trail::audit_ws,
                ));
            Some((listener, tls, app))
        }
        None => {
            tracing::warn!("no --tls-cert/--tls-key/--client-ca: ES1/ES3/ES4 web services off");
            None
        }
    };
    // One client for notices and ES7 peers: the notice trust anchors, this SM-SR's
    // client certificate when given.
    let client = rsp_http::es2plus_client::build_client(
        &rsp_http::es2plus_client::ClientTls {
            roots_pem: s.notice_ca.clone(),
            identity_pem: s.es7.client_identity_pem.clone(),
        },
        Duration::from_secs(30),
    )?;
    let es7 = rsp_http::smsr::es7::Es7Config {
        client: client.clone(),
        peers: s.es7.peers.clone(),
        own_url: s.es7.own_url.clone(),
        credential: s.es7.credential.clone(),
        key_version: s.es7.key_version,
        host_id: s.es7.host_id.clone(),
    };
    let notices = rsp_http::smsr::notify::NoticeSender {
        client,
        endpoints: s.endpoints.clone(),
        render: rsp_http::smsr::notify::soap_renderer(s.smsr_id.clone()),
        max_attempts: 10,
        lease: 60,
    };
    tracing::info!(scp81 = %scp81_addr, scp81_public = %public, admin = %admin_addr,
        smsc = ?s.smsc, backend = ?store.backend(), "SM-SR started");
    let (tx, rx) = watch::channel(false);
    let closing = store.clone();
    let task = async move {
        let scp81 = tokio::spawn(admin_server.serve(stopped(rx.clone())));
        let admin = serve_admin(admin_listener, admin, &rx);
        let smpp = tokio::spawn(smpp_supervisor(
            service.clone(),
            link.clone(),
            s.clone(),
            rx.clone(),
        ));
        let sender = tokio::spawn(es5_sms::send(
            service.clone(),
            link,
            s.send_interval,
            rx.clone(),
        ));
        let notify = tokio::spawn(rsp_http::smsr::notify::run(
            store.clone(),
            notices,
            Duration::from_secs(1),
            rx.clone(),
        ));
        let es7 = tokio::spawn(rsp_http::smsr::es7::run(
            service.clone(),
            es7,
            s.send_interval,
            rx.clone(),
        ));
        let audit = tokio::spawn(rsp_http::audit::run_audit(
            store.clone(),
            audit,
            stopped(rx.clone()),
        ));
        let ws = web_services.map(|(listener, tls, app)| {
            tokio::spawn(rsp_http::server::serve_tls(
                listener,
                tls,
                app,
                stopped(rx.clone()),
            ))
        });
        let _ = scp81.await;
        admin.await??;
        let _ = smpp.await;
        let _ = sender.await;
        let _ = notify.await;
        let _ = es7.await;
        if let Some(ws) = ws {
            let _ = ws.await;
        }
        let _ = audit.await;
        Ok(())
    };
    Ok(RunningServer::spawn(
        scp81_addr, admin_addr, tx, closing, task,
    ))
}
