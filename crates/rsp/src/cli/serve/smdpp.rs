//! `rsp serve smdpp`: the SM-DP+ (ES2+, ES9+, the HandleDownloadProgressInfo sender, the
//! admin API).

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use rsp_http::admin::AdminConfig;
use rsp_http::audit::{AuditCalls, KeyUses, audit_admin, audit_interface_calls, run_audit};
use rsp_http::credentials::CredentialFiles;
use rsp_http::es2plus_client::{ClientTls, ProgressSender, SenderConfig, build_client};
use rsp_http::identity::OperatorResolver;
use rsp_http::reload::TlsHolder;
use rsp_http::smds_client::{Caller, SmdsClient, run_smds_events};
use rsp_http::tls::{TlsFiles, server_config_with_crls};
use rsp_smdpp::OperatorId;
use rsp_smdpp::es2plus::{Es2Plus, Es2PlusConfig};
use rsp_smdpp::es9plus::{Es9Plus, Es9PlusConfig, ProgressRecipients};
use rsp_smdpp::session::SessionStore;
use rsp_smds::cascade::RetryPolicy;
use rsp_storage::SqlStore;
use tokio::sync::watch;

use super::common::{
    RunningServer, audit_key, audit_task, client_identity, data_key, drained, init_logging,
    open_store, read_all, reload_on_sighup, serve_admin, shutdown_signal, stopped,
};
use crate::config::orders::{ExpiryStatus, OrderTtl};
use crate::config::smdpp::{LogFormat, SmdppFile, SmdppSettings};

/// Options of `rsp serve smdpp`.
#[derive(Debug, Args)]
pub struct SmdppArgs {
    /// TOML configuration file.
    #[arg(long, env = "RSP_SMDPP_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// HTTPS listen address of ES2+ [default: 0.0.0.0:8443].
    #[arg(long, env = "RSP_SMDPP_LISTEN", value_name = "ADDR")]
    listen: Option<std::net::SocketAddr>,
    /// Admin API listen address, plain HTTP [default: 127.0.0.1:8081].
    #[arg(long, env = "RSP_SMDPP_ADMIN_LISTEN", value_name = "ADDR")]
    admin_listen: Option<std::net::SocketAddr>,
    /// SM-DP+ address (host or host:port) put into Activation Codes and ConfirmOrder
    /// [default: localhost:8443].
    #[arg(long, env = "RSP_SMDPP_ADDRESS")]
    address: Option<String>,
    /// Database URL: sqlite://FILE or postgres://… [default: sqlite://rsp-smdpp.db].
    /// SQLite syncs its log at checkpoints (durable across a process crash, not a power loss);
    /// sqlite://FILE?synchronous=full syncs at every commit, at a cost in throughput and
    /// latency where fsync is slow.
    #[arg(long, env = "RSP_SMDPP_DATABASE", value_name = "URL")]
    database: Option<String>,
    /// `rsp pki init` output directory; DPtls from DIR/nist/dp-tls.pem and
    /// dp-tls.key.pem, client CA DIR/nist/ci.pem [default: ./pki].
    #[arg(long, env = "RSP_SMDPP_PKI", value_name = "DIR")]
    pki: Option<PathBuf>,
    /// DPtls certificate chain, PEM (overrides --pki).
    #[arg(long, env = "RSP_SMDPP_TLS_CERT", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// DPtls private key, PEM, or a `pkcs11:` URI of a P-256 token key (docs/hsm.md)
    /// (overrides --pki).
    #[arg(long, env = "RSP_SMDPP_TLS_KEY", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Trust anchors for ES2+ client certificates, PEM; repeatable (overrides --pki).
    #[arg(
        long,
        env = "RSP_SMDPP_CLIENT_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    client_ca: Vec<PathBuf>,
    /// 32-byte key encrypting Profile Packages at rest (64 hex digits or 32 raw bytes);
    /// generated with mode 0600 if missing [default: rsp-smdpp.key].
    #[arg(long, env = "RSP_SMDPP_DATA_KEY_FILE", value_name = "FILE")]
    data_key_file: Option<PathBuf>,
    /// Log format [default: json].
    #[arg(long, env = "RSP_SMDPP_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Client certificate presented to Operators' ES2+ servers [default: the DPtls one].
    #[arg(long, env = "RSP_SMDPP_ES2_CLIENT_CERT", value_name = "FILE")]
    es2_client_cert: Option<PathBuf>,
    /// Its private key [default: the DPtls key].
    #[arg(long, env = "RSP_SMDPP_ES2_CLIENT_KEY", value_name = "FILE")]
    es2_client_key: Option<PathBuf>,
    /// Trust anchors for Operators' ES2+ servers, PEM; repeatable [default: --client-ca].
    #[arg(
        long,
        env = "RSP_SMDPP_OPERATOR_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    operator_ca: Vec<PathBuf>,
    /// ES9+ credential directory holding ci.pem, dp-auth.pem, dp-auth.key.pem, dp-pb.pem,
    /// dp-pb.key.pem (one per CI; a key file may hold a `pkcs11:` URI instead, docs/hsm.md);
    /// repeatable [default: DIR/nist and DIR/brainpool of --pki where present; none: ES9+
    /// is disabled].
    #[arg(
        long,
        env = "RSP_SMDPP_ES9_CREDENTIALS",
        value_name = "DIR",
        value_delimiter = ','
    )]
    es9_credentials: Vec<PathBuf>,
    /// CRL (PEM or DER) of the CI or an EUM, checked on every eUICC certificate chain at
    /// AuthenticateClient and on ES2+ client certificates (revoked: refused); repeatable.
    /// SIGHUP re-reads the CRLs and the certificates without a restart.
    #[arg(
        long,
        env = "RSP_SMDPP_CRL",
        value_name = "FILE",
        value_delimiter = ','
    )]
    crl: Vec<PathBuf>,
    /// Lifetime of a download order from ES2+.DownloadOrder: <n>d, <n>h, <n>m or <n>s; 0 or
    /// `never`: no expiry. Once expired, ES9+.AuthenticateClient answers 8.8.5/4.10 and the
    /// order ends (per order: admin PUT /admin/v1/orders/{iccid}/controls) [default: 30d].
    #[arg(long, env = "RSP_SMDPP_ORDER_TTL", value_name = "DURATION")]
    order_ttl: Option<OrderTtl>,
    /// State an expired order leaves its Profile in (available only if its Bound Profile
    /// Package was never delivered, as with ES2+.CancelOrder) [default: available].
    #[arg(long, env = "RSP_SMDPP_ORDER_EXPIRY_STATUS", value_enum)]
    order_expiry_status: Option<ExpiryStatus>,
    /// ES9+.AuthenticateClient attempts allowed per order, beyond which it answers
    /// 8.8.5/6.4; 0: unlimited. The Confirmation Code limit (8.2.7/6.4) is separate
    /// [default: 5].
    #[arg(long, env = "RSP_SMDPP_MAX_DOWNLOAD_ATTEMPTS", value_name = "N")]
    max_download_attempts: Option<u32>,
    /// An SM-DS (host or host:port) that ES2+.ConfirmOrder may name in smdsAddress; the
    /// order's event is registered there over ES12 (mutual TLS with the DPtls pair) and
    /// deleted once downloaded, cancelled or expired, retried until acknowledged. Another
    /// address is refused with 8.9/5.1. Repeatable [default: none listed, any address].
    #[arg(
        long,
        env = "RSP_SMDPP_SMDS",
        value_name = "ADDRESS",
        value_delimiter = ','
    )]
    smds: Vec<String>,
    /// Trust anchors for the SM-DSes' TLS certificates, PEM; repeatable [default:
    /// --client-ca].
    #[arg(
        long,
        env = "RSP_SMDPP_SMDS_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    smds_ca: Vec<PathBuf>,
    /// Private key (PEM or `pkcs11:` URI) signing the audit trail's checkpoints every 5 minutes and at
    /// shutdown; keep it apart from every other key. Without it the trail is still
    /// hash-chained but not signed. Verify with `rsp audit verify`.
    #[arg(long, env = "RSP_SMDPP_AUDIT_KEY", value_name = "FILE")]
    audit_key: Option<PathBuf>,
}

impl SmdppArgs {
    fn into_file(self) -> (Option<PathBuf>, SmdppFile) {
        let file = SmdppFile {
            listen: self.listen,
            admin_listen: self.admin_listen,
            address: self.address,
            database: self.database,
            pki: self.pki,
            tls_cert: self.tls_cert,
            tls_key: self.tls_key,
            client_ca: Some(self.client_ca),
            data_key_file: self.data_key_file,
            log_format: self.log_format,
            es2_client_cert: self.es2_client_cert,
            es2_client_key: self.es2_client_key,
            operator_ca: Some(self.operator_ca),
            es9_credentials: Some(self.es9_credentials),
            crl: Some(self.crl),
            es9_credential_files: Vec::new(),
            operators: Vec::new(),
            order_ttl: self.order_ttl,
            order_expiry_status: self.order_expiry_status,
            max_download_attempts: self.max_download_attempts,
            smds: Some(self.smds),
            smds_ca: Some(self.smds_ca),
            audit_key: self.audit_key,
        };
        (self.config, file)
    }
}

/// Deletes RSP sessions (and used challenges) a day past expiry, every 10 minutes.
async fn purge_sessions(store: SqlStore, shutdown: impl Future<Output = ()>) {
    const KEEP_MS: i64 = 24 * 3600 * 1000;
    tokio::pin!(shutdown);
    loop {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        match store.purge_sessions(now_ms.saturating_sub(KEEP_MS)).await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "purged expired RSP sessions"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "session purge failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(600)) => {}
            () = &mut shutdown => break,
        }
    }
}

pub(super) fn run(args: SmdppArgs) -> anyhow::Result<()> {
    let (config, cli) = args.into_file();
    let file = match config {
        Some(path) => SmdppFile::load(&path)?,
        None => SmdppFile::default(),
    };
    let settings = SmdppSettings::resolve(cli.over(file));
    init_logging(settings.log_format);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve_smdpp(settings))
}

async fn serve_smdpp(s: SmdppSettings) -> anyhow::Result<()> {
    let listener = tokio::net::TcpListener::bind(s.listen)
        .await
        .with_context(|| format!("binding {}", s.listen))?;
    let admin_listener = tokio::net::TcpListener::bind(s.admin_listen)
        .await
        .with_context(|| format!("binding {}", s.admin_listen))?;
    let running = start_smdpp(s, listener, admin_listener).await?;
    tokio::spawn(shutdown_signal(running.stopper()));
    running.wait().await
}

/// Starts the SM-DP+ on already bound listeners.
pub async fn start_smdpp(
    s: SmdppSettings,
    listener: tokio::net::TcpListener,
    admin_listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningServer> {
    if !s.admin_listen.ip().is_loopback() && std::env::var_os("RSP_SMDPP_ADMIN_TOKEN").is_none() {
        bail!("--admin-listen is not on loopback: set RSP_SMDPP_ADMIN_TOKEN");
    }
    let tls_files = TlsFiles {
        cert_chain: s.tls_cert.clone(),
        key: s.tls_key.clone(),
        client_ca: s.client_ca.clone(),
    };
    // The CRLs serve ES9+ (eUICC chains) and the ES2+ client certificates (TLS).
    let tls = Arc::new(TlsHolder::new(server_config_with_crls(&tls_files, &s.crl)?));
    let key = data_key(&s.data_key_file)?;
    let store = open_store(&s.database_url(), key).await?;

    let resolver = if s.operators.is_empty() {
        OperatorResolver::by_common_name()
    } else {
        OperatorResolver::with_table(
            s.operator_table()
                .into_iter()
                .map(|(cn, id)| (cn, OperatorId::new(id)))
                .collect(),
        )
    };
    let mut es2_config = Es2PlusConfig::new(s.address.clone());
    es2_config.orders = s.orders;
    es2_config.smds_addresses = s.smds.clone();
    let es2 = Arc::new(Es2Plus::new(store.clone(), es2_config));
    let endpoints: HashMap<OperatorId, String> = s
        .notification_urls()
        .into_iter()
        .map(|(id, url)| (OperatorId::new(id), url))
        .collect();
    if endpoints.is_empty() {
        tracing::info!("no operator notification-url: ES2+.HandleDownloadProgressInfo is off");
    }
    let key_uses = Arc::new(KeyUses::default());
    let mut es9_config = Es9PlusConfig::new(s.address.clone());
    // Only Operators with an endpoint get messages queued (nothing to deliver otherwise).
    es9_config.progress_recipients = ProgressRecipients::Only(endpoints.keys().cloned().collect());
    let mut sets: Vec<_> = s
        .es9_credentials
        .iter()
        .map(|d| CredentialFiles::in_pki_dir(d))
        .collect();
    sets.extend(s.es9_credential_files.iter().cloned());
    let es9 = if sets.is_empty() {
        tracing::warn!("no ES9+ credentials (dp-auth, dp-pb): ES9+ is disabled");
        None
    } else {
        let credentials =
            rsp_http::credentials::load_files_with(&sets, &s.crl, &|name, signer| {
                key_uses.wrap(name, signer)
            })?;
        Some(Arc::new(Es9Plus::new(
            store.clone(),
            credentials,
            es9_config,
        )))
    };
    let es9_enabled = es9.is_some();
    let reload = Reload {
        tls: tls.clone(),
        tls_files,
        crls: s.crl.clone(),
        es9: es9.clone().map(|es9| (es9, sets, key_uses.clone())),
    };
    let audit_calls = AuditCalls::new(store.clone(), &["es2plus"]);
    let app = rsp_http::app::smdpp_router(es2, Arc::new(resolver), es9).layer(
        axum::middleware::from_fn_with_state(audit_calls.clone(), audit_interface_calls),
    );
    let admin = rsp_http::admin::router(
        store.clone(),
        AdminConfig {
            smdp_address: s.address.clone(),
            bearer_token: std::env::var("RSP_SMDPP_ADMIN_TOKEN")
                .ok()
                .filter(|t| !t.is_empty()),
        },
    )
    .layer(axum::middleware::from_fn_with_state(
        audit_calls,
        audit_admin,
    ));
    let checkpoint_key = audit_key(s.audit_key.as_deref())?;
    rsp_http::audit::record_config(
        &store,
        "smdpp",
        &format!(
            "{{\"address\":{},\"backend\":\"{:?}\",\"es9plus\":{},\"operators\":{},\"signedCheckpoints\":{}}}",
            rsp_storage::audit::json_string(&s.address),
            store.backend(),
            es9_enabled,
            s.operators.len(),
            checkpoint_key.is_some()
        ),
    )
    .await;
    let audit_task = audit_task(key_uses, checkpoint_key.clone());

    let identity = client_identity(&s.es2_client_key, &s.es2_client_cert)?;
    let client_tls = ClientTls {
        roots_pem: read_all(&s.operator_ca)?,
        identity_pem: Some(identity),
    };
    let sender_config = SenderConfig::new(s.address.clone(), endpoints);
    let client = build_client(&client_tls, sender_config.request_timeout)?;
    let sender = ProgressSender::new(store.clone(), client, sender_config);
    // ES12 towards the SM-DSes, with the same client identity (the DPtls pair by default).
    let smds_http = build_client(
        &ClientTls {
            roots_pem: read_all(&s.smds_ca)?,
            identity_pem: client_tls.identity_pem.clone(),
        },
        Duration::from_secs(30),
    )?;
    let smds_client = SmdsClient::new(
        smds_http,
        Caller::Smdp,
        s.address.clone(),
        s.address.clone(),
    );

    tracing::info!(listen = %listener.local_addr()?, admin = %admin_listener.local_addr()?,
        address = %s.address, backend = ?store.backend(), es9plus = es9_enabled, "SM-DP+ started");

    let https_addr = listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;
    let (tx, rx) = watch::channel(false);
    let closing = store.clone();
    let task = async move {
        let https = tokio::spawn(rsp_http::server::serve_tls_reloadable(
            listener,
            tls,
            app,
            stopped(rx.clone()),
        ));
        let reloads = tokio::spawn(reload_on_sighup(
            store.clone(),
            "smdpp",
            move || std::future::ready(reload.run()),
            stopped(rx.clone()),
        ));
        let admin = serve_admin(admin_listener, admin, &rx);
        let housekeeping = tokio::spawn(purge_sessions(store.clone(), stopped(rx.clone())));
        let audit = tokio::spawn(run_audit(store.clone(), audit_task, stopped(rx.clone())));
        let smds_events = tokio::spawn(run_smds_events(
            store.clone(),
            smds_client,
            RetryPolicy::default(),
            Duration::from_millis(500),
            stopped(rx.clone()),
        ));
        let sender = tokio::spawn(sender.run(stopped(rx.clone())));
        let (https, admin) = tokio::join!(
            drained("https", https, stopped(rx.clone())),
            drained("admin", admin, stopped(rx.clone()))
        );
        https?;
        admin?;
        let _ = reloads.await;
        let _ = tokio::time::timeout(Duration::from_secs(30), sender).await;
        let _ = tokio::time::timeout(Duration::from_secs(30), smds_events).await;
        let _ = housekeeping.await;
        let _ = audit.await;
        Ok(())
    };
    Ok(RunningServer::spawn(
        https_addr, admin_addr, tx, closing, task,
    ))
}

/// What SIGHUP re-reads: the TLS certificate, key, client trust anchors and CRLs, and the
/// ES9+ credentials (DPauth, DPpb, CI) with the CRLs checked on eUICC chains.
struct Reload {
    tls: Arc<TlsHolder>,
    tls_files: TlsFiles,
    crls: Vec<PathBuf>,
    es9: Option<Es9Reload>,
}

/// The ES9+ service whose credentials a reload replaces, and where they come from.
type Es9Reload = (Arc<Es9Plus<SqlStore>>, Vec<CredentialFiles>, Arc<KeyUses>);

impl Reload {
    /// Builds every new value, then swaps them all in; on error nothing changes.
    fn run(&self) -> anyhow::Result<String> {
        let tls = server_config_with_crls(&self.tls_files, &self.crls)
            .context("TLS certificate, key, client CA or CRL")?;
        let es9 = match &self.es9 {
            Some((es9, sets, key_uses)) => {
                let credentials =
                    rsp_http::credentials::load_files_with(sets, &self.crls, &|name, signer| {
                        key_uses.wrap(name, signer)
                    })
                    .context("ES9+ credentials or CRL")?;
                Some((es9, credentials))
            }
            None => None,
        };
        self.tls.replace(tls);
        let es9_reloaded = es9.is_some();
        if let Some((es9, credentials)) = es9 {
            es9.replace_credentials(credentials);
        }
        Ok(format!(
            "{{\"tls\":true,\"es9plus\":{es9_reloaded},\"crls\":{}}}",
            self.crls.len()
        ))
    }
}
