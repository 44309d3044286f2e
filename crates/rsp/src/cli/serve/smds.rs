//! `rsp serve smds`: the SM-DS (SGP.22 §3.6): ES11 for LPAs and ES12/ES15 for SM-DP+s and
//! alternative SM-DSes on one TLS listener, the ES15 cascade sender on an alternative
//! SM-DS, the purge of spent ES11 sessions, and the admin API.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use rsp_http::audit::{AuditCalls, KeyUses, audit_admin, audit_interface_calls, run_audit};
use rsp_http::es2plus_client::{ClientTls, build_client};
use rsp_http::reload::TlsHolder;
use rsp_http::smds_client::{Caller, SmdsClient, run_cascades};
use rsp_http::tls::{TlsFiles, server_config_with_crls};
use rsp_smds::cascade::RetryPolicy;
use rsp_smds::es11::Es11;
use rsp_smds::es12::Es12;
use rsp_smds::{SmdsConfig, SmdsRole, SmdsStore};
use rsp_storage::SqlStore;
use tokio::sync::watch;

use super::common::{
    RunningServer, admin_token, audit_key, audit_task, client_identity, drained, init_logging,
    open_store, read_all, reload_on_sighup, serve_admin, serve_until_stopped, stopped,
    unused_data_key,
};
use crate::config::smdpp::LogFormat;
use crate::config::smds::{Role, SmdsFile, SmdsSettings};

/// Options of `rsp serve smds`.
#[derive(Debug, Args)]
pub struct SmdsArgs {
    /// TOML configuration file.
    #[arg(long, env = "RSP_SMDS_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// HTTPS listen address of ES11 and ES12/ES15 [default: 0.0.0.0:8444].
    #[arg(long, env = "RSP_SMDS_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Admin API listen address, plain HTTP [default: 127.0.0.1:8082].
    #[arg(long, env = "RSP_SMDS_ADMIN_LISTEN", value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,
    /// This SM-DS's address (host or host:port), as LPAs send it in smdsAddress and
    /// SM-DP+s register it [default: localhost:8444].
    #[arg(long, env = "RSP_SMDS_ADDRESS")]
    address: Option<String>,
    /// Database URL: sqlite://FILE or postgres://… [default: sqlite://rsp-smds.db].
    #[arg(long, env = "RSP_SMDS_DATABASE", value_name = "URL")]
    database: Option<String>,
    /// `rsp pki init` output directory; DStls from DIR/nist/ds-tls.pem and
    /// ds-tls.key.pem, client CA DIR/nist/ci.pem, CERT.DSauth from DIR/nist and
    /// DIR/brainpool [default: ./pki].
    #[arg(long, env = "RSP_SMDS_PKI", value_name = "DIR")]
    pki: Option<PathBuf>,
    /// DStls certificate chain, PEM (overrides --pki).
    #[arg(long, env = "RSP_SMDS_TLS_CERT", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// DStls private key, PEM, or a `pkcs11:` URI of a P-256 token key (docs/hsm.md)
    /// (overrides --pki).
    #[arg(long, env = "RSP_SMDS_TLS_KEY", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// Trust anchors for ES12/ES15 client certificates (the CI of CERT.DPtls /
    /// CERT.DStls), PEM; repeatable (overrides --pki).
    #[arg(
        long,
        env = "RSP_SMDS_CLIENT_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    client_ca: Vec<PathBuf>,
    /// ES11 credential directory holding ci.pem, ds-auth.pem, ds-auth.key.pem (one per
    /// CI); repeatable [default: DIR/nist and DIR/brainpool of --pki where present].
    #[arg(
        long,
        env = "RSP_SMDS_DS_CREDENTIALS",
        value_name = "DIR",
        value_delimiter = ','
    )]
    ds_credentials: Vec<PathBuf>,
    /// CRL (PEM or DER) of the CI or an EUM, checked on every eUICC chain and on ES12/ES15
    /// client certificates; repeatable. SIGHUP re-reads the CRLs and the certificates.
    #[arg(long, env = "RSP_SMDS_CRL", value_name = "FILE", value_delimiter = ',')]
    crl: Vec<PathBuf>,
    /// Root SM-DS, or an alternative one cascading forwarded events to --root-address
    /// [default: root].
    #[arg(long, env = "RSP_SMDS_ROLE", value_enum)]
    role: Option<Role>,
    /// The Root SM-DS address (host or host:port), with --role alternative.
    #[arg(long, env = "RSP_SMDS_ROOT_ADDRESS")]
    root_address: Option<String>,
    /// Trust anchors for the Root SM-DS's TLS certificate, PEM; repeatable [default:
    /// --client-ca].
    #[arg(
        long,
        env = "RSP_SMDS_ROOT_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    root_ca: Vec<PathBuf>,
    /// Client certificate presented to the Root SM-DS [default: the DStls one].
    #[arg(long, env = "RSP_SMDS_ES15_CLIENT_CERT", value_name = "FILE")]
    es15_client_cert: Option<PathBuf>,
    /// Its private key [default: the DStls key].
    #[arg(long, env = "RSP_SMDS_ES15_CLIENT_KEY", value_name = "FILE")]
    es15_client_key: Option<PathBuf>,
    /// Log format [default: json].
    #[arg(long, env = "RSP_SMDS_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Private key (PEM or `pkcs11:` URI) signing the audit trail's checkpoints every 5 minutes and at
    /// shutdown (docs/audit.md); without it the trail is hash-chained but not signed.
    #[arg(long, env = "RSP_SMDS_AUDIT_KEY", value_name = "FILE")]
    audit_key: Option<PathBuf>,
}

impl SmdsArgs {
    fn into_file(self) -> (Option<PathBuf>, SmdsFile) {
        let file = SmdsFile {
            listen: self.listen,
            admin_listen: self.admin_listen,
            address: self.address,
            database: self.database,
            pki: self.pki,
            tls_cert: self.tls_cert,
            tls_key: self.tls_key,
            client_ca: Some(self.client_ca),
            ds_credentials: Some(self.ds_credentials),
            crl: Some(self.crl),
            role: self.role,
            root_address: self.root_address,
            root_ca: Some(self.root_ca),
            es15_client_cert: self.es15_client_cert,
            es15_client_key: self.es15_client_key,
            log_format: self.log_format,
            audit_key: self.audit_key,
        };
        (self.config, file)
    }
}

pub(super) fn run(args: SmdsArgs) -> anyhow::Result<()> {
    let (config, cli) = args.into_file();
    let file = match config {
        Some(path) => SmdsFile::load(&path)?,
        None => SmdsFile::default(),
    };
    let settings = SmdsSettings::resolve(cli.over(file))?;
    init_logging(settings.log_format);
    let (listen, admin_listen) = (settings.listen, settings.admin_listen);
    serve_until_stopped(listen, admin_listen, settings, start_smds)
}

/// Deletes ES11 sessions (and used challenges) an hour past expiry, every 10 minutes.
async fn purge_sessions(store: SqlStore, shutdown: impl Future<Output = ()>) {
    const KEEP_MS: i64 = 3600 * 1000;
    tokio::pin!(shutdown);
    loop {
        let now_ms = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        match store.purge_sessions(now_ms.saturating_sub(KEEP_MS)).await {
            Ok(n) if n > 0 => tracing::info!(sessions = n, "purged expired ES11 sessions"),
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "ES11 session purge failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(600)) => {}
            () = &mut shutdown => break,
        }
    }
}

/// Starts the SM-DS on already bound listeners.
pub async fn start_smds(
    s: SmdsSettings,
    listener: tokio::net::TcpListener,
    admin_listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningServer> {
    let token = admin_token("RSP_SMDS_ADMIN_TOKEN", s.admin_listen)?;
    if s.ds_credentials.is_empty() {
        bail!("no CERT.DSauth (ds-auth.pem, ds-auth.key.pem): give --ds-credentials or --pki");
    }
    let tls_files = TlsFiles {
        cert_chain: s.tls_cert.clone(),
        key: s.tls_key.clone(),
        client_ca: s.client_ca.clone(),
    };
    // The CRLs serve ES11 (eUICC chains) and the ES12/ES15 client certificates (TLS).
    let tls = Arc::new(TlsHolder::new(server_config_with_crls(&tls_files, &s.crl)?));
    let key_uses = Arc::new(KeyUses::default());
    let credentials =
        rsp_http::credentials::load_smds_with(&s.ds_credentials, &s.crl, &|name, signer| {
            key_uses.wrap(name, signer)
        })?;
    // The SM-DS stores no secret: the storage layer's encryption key is not used by its
    // tables, so a fresh one per process does.
    let key = unused_data_key("smds-unused")?;
    let store = open_store(&s.database_url(), key).await?;

    let mut config = SmdsConfig::new(s.address.clone());
    if let Some(root) = &s.root_address {
        config.role = SmdsRole::Alternative {
            root_address: root.clone(),
        };
    }
    let es11 = Arc::new(Es11::new(store.clone(), credentials, config.clone()));
    let reload = Reload {
        tls: tls.clone(),
        tls_files,
        crls: s.crl.clone(),
        es11: es11.clone(),
        ds_credentials: s.ds_credentials.clone(),
        key_uses: key_uses.clone(),
    };
    let es12 = Arc::new(Es12::new(store.clone(), config));
    let audit_calls = AuditCalls::new(store.clone(), &["es12", "es15"]);
    let app = rsp_http::app::smds_router(es11, es12).layer(axum::middleware::from_fn_with_state(
        audit_calls.clone(),
        audit_interface_calls,
    ));
    let admin = rsp_http::admin_smds::router(store.clone(), token).layer(
        axum::middleware::from_fn_with_state(audit_calls, audit_admin),
    );
    let checkpoint_key = audit_key(s.audit_key.as_deref())?;
    rsp_http::audit::record_config(
        &store,
        "smds",
        &format!(
            "{{\"address\":{},\"backend\":\"{:?}\",\"root\":{},\"signedCheckpoints\":{}}}",
            rsp_storage::audit::json_string(&s.address),
            store.backend(),
            s.root_address
                .as_deref()
                .map_or_else(|| "null".to_owned(), rsp_storage::audit::json_string),
            checkpoint_key.is_some()
        ),
    )
    .await;
    let audit_task = audit_task(key_uses, checkpoint_key.clone());
    let cascade_client = match &s.root_address {
        Some(_) => {
            let identity = client_identity(&s.es15_client_key, &s.es15_client_cert)?;
            let tls = ClientTls {
                roots_pem: read_all(&s.root_ca)?,
                identity_pem: Some(identity),
            };
            let http = build_client(&tls, Duration::from_secs(30))?;
            Some(SmdsClient::new(
                http,
                Caller::AlternativeSmds,
                s.address.clone(),
                s.address.clone(),
            ))
        }
        None => None,
    };

    let https_addr = listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;
    tracing::info!(listen = %https_addr, admin = %admin_addr, address = %s.address,
        root = ?s.root_address, backend = ?store.backend(), "SM-DS started");
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
            "smds",
            move || std::future::ready(reload.run()),
            stopped(rx.clone()),
        ));
        let admin = serve_admin(admin_listener, admin, &rx);
        let housekeeping = tokio::spawn(purge_sessions(store.clone(), stopped(rx.clone())));
        let audit = tokio::spawn(run_audit(store.clone(), audit_task, stopped(rx.clone())));
        let cascades = cascade_client.map(|client| {
            tokio::spawn(run_cascades(
                store.clone(),
                client,
                RetryPolicy::default(),
                Duration::from_millis(500),
                stopped(rx.clone()),
            ))
        });
        let (https, admin) = tokio::join!(
            drained("https", https, stopped(rx.clone())),
            drained("admin", admin, stopped(rx.clone()))
        );
        https?;
        admin?;
        let _ = reloads.await;
        if let Some(c) = cascades {
            let _ = tokio::time::timeout(Duration::from_secs(30), c).await;
        }
        let _ = housekeeping.await;
        let _ = audit.await;
        Ok(())
    };
    Ok(RunningServer::spawn(
        https_addr, admin_addr, tx, closing, task,
    ))
}

/// What SIGHUP re-reads: the TLS certificate, key, client trust anchors and CRLs, and the
/// ES11 credentials (DSauth, CI) with the CRLs checked on eUICC chains.
struct Reload {
    tls: Arc<TlsHolder>,
    tls_files: TlsFiles,
    crls: Vec<PathBuf>,
    es11: Arc<Es11<SqlStore>>,
    ds_credentials: Vec<PathBuf>,
    key_uses: Arc<KeyUses>,
}

impl Reload {
    /// Builds every new value, then swaps them all in; on error nothing changes.
    fn run(&self) -> anyhow::Result<String> {
        let tls = server_config_with_crls(&self.tls_files, &self.crls)
            .context("TLS certificate, key, client CA or CRL")?;
        let credentials = rsp_http::credentials::load_smds_with(
            &self.ds_credentials,
            &self.crls,
            &|name, signer| self.key_uses.wrap(name, signer),
        )
        .context("ES11 credentials or CRL")?;
        self.tls.replace(tls);
        self.es11.replace_credentials(credentials);
        Ok(format!(
            "{{\"tls\":true,\"es11\":true,\"crls\":{}}}",
            self.crls.len()
        ))
    }
}
