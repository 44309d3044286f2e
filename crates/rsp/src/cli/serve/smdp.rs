//! `rsp serve smdp`: the SGP.02 M2M SM-DP. The ES2 web service for Operators
//! (DownloadProfile orders; the profile functions relayed to the SM-SR), the order worker
//! that downloads Profiles over ES3 with the eUICC's SM-SR (ES8 through SendData), the
//! sender of DownloadProfileResponses, the Profile inventory and orders on SQLite or
//! PostgreSQL, and the admin API (`/smdp/v1/*`, `/health`, `/metrics`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

use super::common::{
    RunningServer, admin_token, audited_admin, client_identity, data_key, endpoints, init_logging,
    open_store, serve_admin, serve_until_stopped, start_audit, stopped,
};
use crate::config::smdpp::LogFormat;
use anyhow::Context;
use clap::Args;
use rsp_http::smdp::es3_client::Es3Client;
use rsp_smdp::service::{SmdpConfig, SmdpService};
use rsp_smdp::{SmdpCredential, certificate};

/// Options of `rsp serve smdp` (each also an `RSP_SMDP_*` environment variable).
#[derive(Debug, Args)]
pub struct SmdpArgs {
    /// The ES2 web service (SOAP over HTTPS with client certificates: POST
    /// /gsma/sgp02/es2; the Operator is the client certificate's subject CN) and the ES3
    /// notification endpoint of the SM-SRs (POST /gsma/sgp02/es3; the SM-SR is the one
    /// whose --smsr ID, or only URL host, is the certificate's CN).
    #[arg(
        long,
        env = "RSP_SMDP_LISTEN",
        value_name = "ADDR",
        default_value = "0.0.0.0:8448"
    )]
    listen: SocketAddr,
    /// TLS certificate chain of the ES2 web service, PEM.
    #[arg(long, env = "RSP_SMDP_TLS_CERT", value_name = "FILE")]
    tls_cert: PathBuf,
    /// TLS private key of the ES2 web service, PEM (or a pkcs11: URI).
    #[arg(long, env = "RSP_SMDP_TLS_KEY", value_name = "FILE")]
    tls_key: PathBuf,
    /// Trust anchors of the Operators' and SM-SRs' client certificates, PEM; repeatable.
    #[arg(
        long,
        env = "RSP_SMDP_CLIENT_CA",
        value_name = "FILE",
        value_delimiter = ',',
        required = true
    )]
    client_ca: Vec<PathBuf>,
    /// Admin listen address (/smdp/v1/*, /health, /metrics), plain HTTP.
    #[arg(
        long,
        env = "RSP_SMDP_ADMIN_LISTEN",
        value_name = "ADDR",
        default_value = "127.0.0.1:8085"
    )]
    admin_listen: SocketAddr,
    /// Database URL: sqlite://FILE or postgres://….
    #[arg(
        long,
        env = "RSP_SMDP_DATABASE",
        value_name = "URL",
        default_value = "sqlite://rsp-smdp.db"
    )]
    database: String,
    /// File with the 32-byte data key that seals the Profile Packages at rest (64 hex
    /// digits, or wrapped by a token key: docs/hsm.md); created when missing.
    #[arg(
        long,
        env = "RSP_SMDP_DATA_KEY_FILE",
        value_name = "FILE",
        default_value = "rsp-smdp-data.key"
    )]
    data_key_file: PathBuf,
    /// This SM-DP's identifier (wsa:From of its ES2/ES3 messages).
    #[arg(long, env = "RSP_SMDP_ID", default_value = "smdp.localhost")]
    smdp_id: String,
    /// The SM-DP's X.509 certificate (PEM or DER) over its ECDSA key: the source of
    /// CERT.DP.ECDSA when --ci-key issues it.
    #[arg(long, env = "RSP_SMDP_DP_CERT", value_name = "FILE")]
    dp_cert: Option<PathBuf>,
    /// The SM-DP's ECDSA private key (PEM, or a pkcs11: URI) of the ISD-P key
    /// establishment (ES8).
    #[arg(long, env = "RSP_SMDP_DP_KEY", value_name = "FILE")]
    dp_key: PathBuf,
    /// CERT.DP.ECDSA as the CI issued it: the GlobalPlatform certificate (tag 7F21), DER.
    #[arg(
        long,
        env = "RSP_SMDP_DP_GP_CERT",
        value_name = "FILE",
        conflicts_with = "ci_key"
    )]
    dp_gp_cert: Option<PathBuf>,
    /// Labs only: the CI's private key (PEM); CERT.DP.ECDSA is issued at start from
    /// --dp-cert instead of read from --dp-gp-cert.
    #[arg(
        long,
        env = "RSP_SMDP_CI_KEY",
        value_name = "FILE",
        requires = "dp_cert"
    )]
    ci_key: Option<PathBuf>,
    /// Host identifier of the ISD-P key derivation (1..16 characters).
    #[arg(long, env = "RSP_SMDP_HOST_ID", default_value = "SMDP")]
    host_id: String,
    /// An SM-SR's ES3 web service, as ID=URL (https://…/gsma/sgp02/es3); repeatable.
    #[arg(
        long,
        env = "RSP_SMDP_SMSR",
        value_name = "ID=URL",
        value_delimiter = ',',
        required = true
    )]
    smsr: Vec<String>,
    /// The SM-DP's TLS client certificate chain towards the SM-SRs (and Operators'
    /// notification endpoints), PEM.
    #[arg(long, env = "RSP_SMDP_ES3_CLIENT_CERT", value_name = "FILE")]
    es3_client_cert: Option<PathBuf>,
    /// Its private key, PEM.
    #[arg(
        long,
        env = "RSP_SMDP_ES3_CLIENT_KEY",
        value_name = "FILE",
        requires = "es3_client_cert"
    )]
    es3_client_key: Option<PathBuf>,
    /// Trust anchors (PEM) of the SM-SRs' and notification endpoints' TLS certificates;
    /// repeatable [default: the system's roots].
    #[arg(
        long,
        env = "RSP_SMDP_ES3_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    es3_ca: Vec<PathBuf>,
    /// An Operator's ES2 endpoint, as ID=URL; repeatable: its DownloadProfileResponses
    /// when its request had no ReplyTo, and the ES2 notifications of its Profiles
    /// (HandleProfileEnabled/Disabled/DeletedNotification passed on from the SM-SRs).
    #[arg(
        long,
        env = "RSP_SMDP_OPERATOR",
        value_name = "ID=URL",
        value_delimiter = ','
    )]
    operator: Vec<String>,
    /// Seconds a worker holds an order before another (of this or another replica on the
    /// same database) may take it over; renewed every third of it while the order runs,
    /// so it only runs out when the worker died or lost the database (minimum 30).
    #[arg(long, env = "RSP_SMDP_ORDER_LEASE", default_value_t = 600)]
    order_lease: i64,
    /// Orders this process runs at the same time (each on its own lease).
    #[arg(long, env = "RSP_SMDP_ORDER_WORKERS", default_value_t = 4)]
    order_workers: usize,
    /// Seconds after its creation during which an order whose SM-SR could not be reached
    /// is tried again from where it stopped (0: fail at once).
    #[arg(long, env = "RSP_SMDP_ORDER_RETRY_WINDOW", default_value_t = 3600)]
    order_retry_window: i64,
    /// Seconds between two tries of such an order.
    #[arg(long, env = "RSP_SMDP_ORDER_RETRY_AFTER", default_value_t = 30)]
    order_retry_after: i64,
    /// Log format.
    #[arg(long, env = "RSP_SMDP_LOG_FORMAT", value_enum, default_value = "json")]
    log_format: LogFormat,
    /// Private key (PEM or `pkcs11:` URI) signing the audit trail's checkpoints every 5
    /// minutes and at shutdown (docs/audit.md); without it the trail is hash-chained but
    /// not signed.
    #[arg(long, env = "RSP_SMDP_AUDIT_KEY", value_name = "FILE")]
    audit_key: Option<PathBuf>,
}

/// The settings `start_smdp` runs with.
#[derive(Debug, Clone)]
pub struct SmdpSettings {
    /// Data key file.
    pub data_key_file: PathBuf,
    /// Database URL.
    pub database: String,
    /// SM-DP identifier.
    pub smdp_id: String,
    /// CERT.DP.ECDSA and its key.
    pub credential: SmdpCredential,
    /// Host identifier.
    pub host_id: Vec<u8>,
    /// SM-SR identifier → ES3 URL.
    pub smsrs: HashMap<String, String>,
    /// Operator identifier → notification URL.
    pub operators: HashMap<String, String>,
    /// Client TLS towards SM-SRs and Operators.
    pub client_tls: rsp_http::es2plus_client::ClientTls,
    /// The ES2 web service's TLS files.
    pub tls: rsp_http::tls::TlsFiles,
    /// Order lease, seconds.
    pub order_lease: i64,
    /// Retry window of an order that could not reach its SM-SR, seconds.
    pub order_retry_window: i64,
    /// Seconds between its tries.
    pub order_retry_after: i64,
    /// Orders run at the same time.
    pub order_workers: usize,
    /// The audit trail's checkpoint key.
    pub audit_key: Option<PathBuf>,
}

fn credential(a: &SmdpArgs) -> anyhow::Result<SmdpCredential> {
    let key: Arc<dyn rsp_crypto::Signer> =
        Arc::new(rsp_hsm::load_key(&a.dp_key).context("--dp-key")?);
    let gp = match (&a.dp_gp_cert, &a.ci_key, &a.dp_cert) {
        (Some(path), None, _) => {
            let der = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
            rsp_codec::sgp02::es8::GpCertificate::parse(&der)
                .map_err(|e| anyhow::anyhow!("--dp-gp-cert: {e}"))?
        }
        (None, Some(ci), Some(dp)) => {
            let cert = rsp_pki::Cert::from_bytes(
                &std::fs::read(dp).with_context(|| format!("reading {}", dp.display()))?,
            )
            .context("--dp-cert")?;
            let ci_key = rsp_hsm::load_key(ci).context("--ci-key")?;
            certificate::issue(&cert, &ci_key).map_err(|e| anyhow::anyhow!("CERT.DP.ECDSA: {e}"))?
        }
        _ => anyhow::bail!("CERT.DP.ECDSA: give --dp-gp-cert, or --ci-key with --dp-cert"),
    };
    SmdpCredential::new(gp, key).map_err(|e| anyhow::anyhow!("{e}"))
}

pub(super) fn run(args: SmdpArgs) -> anyhow::Result<()> {
    init_logging(args.log_format);
    if args.host_id.is_empty() || args.host_id.len() > 16 {
        anyhow::bail!("--host-id: 1..16 characters");
    }
    let identity_pem = match (&args.es3_client_cert, &args.es3_client_key) {
        (Some(cert), Some(key)) => Some(client_identity(key, cert)?),
        (None, None) => None,
        _ => anyhow::bail!("--es3-client-cert and --es3-client-key go together"),
    };
    let settings = SmdpSettings {
        data_key_file: args.data_key_file.clone(),
        database: args.database.clone(),
        smdp_id: args.smdp_id.clone(),
        credential: credential(&args)?,
        host_id: args.host_id.as_bytes().to_vec(),
        smsrs: endpoints(&args.smsr, "smsr")?,
        operators: endpoints(&args.operator, "operator")?,
        client_tls: rsp_http::es2plus_client::ClientTls {
            roots_pem: super::common::read_all(&args.es3_ca)?,
            identity_pem,
        },
        tls: rsp_http::tls::TlsFiles {
            cert_chain: args.tls_cert.clone(),
            key: args.tls_key.clone(),
            client_ca: args.client_ca.clone(),
        },
        order_lease: args.order_lease.max(30),
        order_retry_window: args.order_retry_window.max(0),
        order_retry_after: args.order_retry_after.max(1),
        order_workers: args.order_workers.clamp(1, 256),
        audit_key: args.audit_key.clone(),
    };
    serve_until_stopped(args.listen, args.admin_listen, settings, start_smdp)
}

/// Starts the SM-DP on already bound listeners (`es2`: the ES2 web service).
pub async fn start_smdp(
    s: SmdpSettings,
    es2: tokio::net::TcpListener,
    admin_listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningServer> {
    let admin_addr = admin_listener.local_addr()?;
    let token = admin_token("RSP_SMDP_ADMIN_TOKEN", admin_addr)?;
    let key = data_key(&s.data_key_file)?;
    let store = open_store(&crate::config::database_url(&s.database), key).await?;
    let client =
        rsp_http::es2plus_client::build_client(&s.client_tls, Duration::from_secs(30 * 60))?;
    let smsrs = s
        .smsrs
        .iter()
        .map(|(id, url)| {
            (
                id.clone(),
                Es3Client::new(client.clone(), url, &s.smdp_id, 600),
            )
        })
        .collect();
    let config = SmdpConfig {
        credential: s.credential.clone(),
        host_id: s.host_id.clone(),
        key_version: 0x30,
        max_apdus_per_script: 4,
        lease: s.order_lease,
        retry_window: s.order_retry_window,
        retry_after: s.order_retry_after,
    };
    let service = Arc::new(SmdpService::new(store.clone(), smsrs, config));
    let admin = audited_admin(
        rsp_http::smdp::admin::router(service.clone(), store.clone(), token),
        &store,
    );
    let audit = start_audit(&store, "smdp", s.audit_key.as_deref(), |signed| {
        format!(
            "{{\"smdpId\":{},\"backend\":\"{:?}\",\"smsrs\":{},\"operators\":{},\"signedCheckpoints\":{}}}",
            rsp_storage::audit::json_string(&s.smdp_id),
            store.backend(),
            s.smsrs.len(),
            s.operators.len(),
            signed
        )
    })
    .await?;
    let tls = rsp_http::tls::server_config(&s.tls).context("ES2 TLS")?;
    let es2_addr = es2.local_addr()?;
    let app = rsp_http::smdp::es2::router(service.clone(), s.smdp_id.clone())
        .layer(axum::middleware::from_fn_with_state(
            store.clone(),
            rsp_http::smdp::trail::audit_es2,
        ))
        .merge(rsp_http::smdp::notify::router(
            store.clone(),
            rsp_http::smdp::notify::SmsrCallers::new(&s.smsrs),
        ));
    let notifications = rsp_http::smdp::notify::NotificationSender {
        client: client.clone(),
        operators: s.operators.clone(),
        smdp_id: s.smdp_id.clone(),
        policy: rsp_http::outbox_step::Policy {
            batch: 50,
            lease: 60,
            max_attempts: 10,
        },
    };
    let results = rsp_http::smdp::es2::ResultSender {
        client,
        operators: s.operators.clone(),
        smdp_id: s.smdp_id.clone(),
        max_attempts: 10,
        lease: 60,
    };
    tracing::info!(es2 = %es2_addr, admin = %admin_addr, smsrs = ?s.smsrs.keys().collect::<Vec<_>>(),
        backend = ?store.backend(), "SM-DP started");
    let (tx, rx) = watch::channel(false);
    let closing = store.clone();
    let workers = s.order_workers;
    let task = async move {
        let admin = serve_admin(admin_listener, admin, &rx);
        let ws = tokio::spawn(rsp_http::server::serve_tls(
            es2,
            tls,
            app,
            stopped(rx.clone()),
        ));
        let worker = tokio::spawn(rsp_http::smdp::es2::run_orders(
            service,
            Duration::from_secs(1),
            workers,
            rx.clone(),
        ));
        let sender = tokio::spawn(rsp_http::smdp::es2::run_results(
            store.clone(),
            results,
            Duration::from_secs(1),
            rx.clone(),
        ));
        let audit = tokio::spawn(rsp_http::audit::run_audit(
            store.clone(),
            audit,
            stopped(rx.clone()),
        ));
        let forwarder = tokio::spawn(rsp_http::smdp::notify::run(
            store.clone(),
            notifications,
            Duration::from_secs(1),
            rx.clone(),
        ));
        admin.await??;
        let _ = ws.await;
        let _ = worker.await;
        let _ = sender.await;
        let _ = forwarder.await;
        let _ = audit.await;
        Ok(())
    };
    Ok(RunningServer::spawn(
        es2_addr, admin_addr, tx, closing, task,
    ))
}
