//! `rsp serve eim`: the eIM (SGP.32 v1.2): ESipa over HTTPS (ASN.1 binding) for IPAs and the
//! northbound REST API for tenants on one TLS listener, the outbox sender (webhooks, ES9+
//! notification forwarding), and `/health` + `/metrics` on the admin listener.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Args;
use rsp_eim::{Eim, EimCurve, EimKeys, EimStore, Tenant};
use rsp_http::audit::{KeyUses, run_audit};
use rsp_http::eim_outbox::{EimSender, run_eim_outbox};
use rsp_http::es2plus_client::{ClientTls, build_client};
use rsp_http::reload::TlsHolder;
use rsp_http::tls::{TlsFiles, server_config};
use rsp_pki::{Cert, TrustStore};
use tokio::sync::watch;

use super::common::{
    RunningServer, admin_token, audit_key, audit_task, init_logging, open_store, read_all,
    reload_on_sighup, serve_admin, serve_until_stopped, stopped, unused_data_key,
};
use crate::config::eim::{EimFile, EimSettings, TenantConfig};
use crate::config::smdpp::LogFormat;

/// Options of `rsp serve eim`.
#[derive(Debug, Args)]
pub struct EimArgs {
    /// TOML configuration file (also the only place for tenants' webhook URLs).
    #[arg(long, env = "RSP_EIM_CONFIG", value_name = "FILE")]
    config: Option<PathBuf>,
    /// HTTPS listen address of ESipa and the REST API [default: 0.0.0.0:8445].
    #[arg(long, env = "RSP_EIM_LISTEN", value_name = "ADDR")]
    listen: Option<SocketAddr>,
    /// Admin listen address (/health, /metrics), plain HTTP [default: 127.0.0.1:8083].
    #[arg(long, env = "RSP_EIM_ADMIN_LISTEN", value_name = "ADDR")]
    admin_listen: Option<SocketAddr>,
    /// Also serve ESipa over CoAP (RFC 7252, block-wise RFC 7959) over DTLS 1.2 on this UDP
    /// address (e.g. 0.0.0.0:5684), with the TLS certificate and key (a PEM P-256 key) [default:
    /// off].
    #[arg(long, env = "RSP_EIM_COAP_LISTEN", value_name = "ADDR")]
    coap_listen: Option<SocketAddr>,
    /// Database URL: sqlite://FILE or postgres://… [default: sqlite://rsp-eim.db].
    #[arg(long, env = "RSP_EIM_DATABASE", value_name = "URL")]
    database: Option<String>,
    /// `rsp pki init` output directory: TLS from DIR/nist/dp-tls.pem (a localhost server
    /// certificate), signing keys DIR/{nist,brainpool}/eim.key.pem, CIs
    /// DIR/{nist,brainpool}/ci.pem [default: ./pki].
    #[arg(long, env = "RSP_EIM_PKI", value_name = "DIR")]
    pki: Option<PathBuf>,
    /// TLS certificate chain, PEM (overrides --pki).
    #[arg(long, env = "RSP_EIM_TLS_CERT", value_name = "FILE")]
    tls_cert: Option<PathBuf>,
    /// TLS private key, PEM (overrides --pki).
    #[arg(long, env = "RSP_EIM_TLS_KEY", value_name = "FILE")]
    tls_key: Option<PathBuf>,
    /// The eimId of new associations [default: eim.localhost].
    #[arg(long, env = "RSP_EIM_EIM_ID")]
    eim_id: Option<String>,
    /// eIM signing key on NIST P-256, PEM (overrides --pki).
    #[arg(long, env = "RSP_EIM_EIM_KEY_NIST", value_name = "FILE")]
    eim_key_nist: Option<PathBuf>,
    /// eIM signing key on brainpoolP256r1, PEM (overrides --pki).
    #[arg(long, env = "RSP_EIM_EIM_KEY_BRAINPOOL", value_name = "FILE")]
    eim_key_brainpool: Option<PathBuf>,
    /// CI certificate(s) eUICC certificate chains are validated against, PEM; repeatable
    /// (overrides --pki).
    #[arg(long, env = "RSP_EIM_CI", value_name = "FILE", value_delimiter = ',')]
    ci: Vec<PathBuf>,
    /// Trust anchors for the SM-DP+s notifications are forwarded to, PEM; repeatable
    /// [default: --ci].
    #[arg(
        long,
        env = "RSP_EIM_SMDP_CA",
        value_name = "FILE",
        value_delimiter = ','
    )]
    smdp_ca: Vec<PathBuf>,
    /// A tenant of the REST API as ID=SHA256HEX (SHA-256 of its bearer token, e.g.
    /// `printf %s "$TOKEN" | sha256sum`); repeatable, added to the file's [[tenants]].
    #[arg(
        long,
        env = "RSP_EIM_TENANT",
        value_name = "ID=SHA256",
        value_delimiter = ','
    )]
    tenant: Vec<String>,
    /// Log format [default: json].
    #[arg(long, env = "RSP_EIM_LOG_FORMAT", value_enum)]
    log_format: Option<LogFormat>,
    /// Private key (PEM) signing the audit trail's checkpoints every 5 minutes and at
    /// shutdown (docs/audit.md); without it the trail is hash-chained but not signed.
    #[arg(long, env = "RSP_EIM_AUDIT_KEY", value_name = "FILE")]
    audit_key: Option<PathBuf>,
}

impl EimArgs {
    fn into_file(self) -> anyhow::Result<(Option<PathBuf>, EimFile)> {
        let tenants = self
            .tenant
            .iter()
            .map(|t| TenantConfig::parse_flag(t))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let file = EimFile {
            listen: self.listen,
            admin_listen: self.admin_listen,
            coap_listen: self.coap_listen,
            database: self.database,
            pki: self.pki,
            tls_cert: self.tls_cert,
            tls_key: self.tls_key,
            eim_id: self.eim_id,
            eim_key_nist: self.eim_key_nist,
            eim_key_brainpool: self.eim_key_brainpool,
            ci: Some(self.ci),
            smdp_ca: Some(self.smdp_ca),
            log_format: self.log_format,
            tenants: Some(tenants),
            audit_key: self.audit_key,
        };
        Ok((self.config, file))
    }
}

pub(super) fn run(args: EimArgs) -> anyhow::Result<()> {
    let (config, cli) = args.into_file()?;
    let file = match config {
        Some(path) => EimFile::load(&path)?,
        None => EimFile::default(),
    };
    let settings = EimSettings::resolve(cli.over(file))?;
    init_logging(settings.log_format);
    let (listen, admin_listen) = (settings.listen, settings.admin_listen);
    serve_until_stopped(listen, admin_listen, settings, start_eim)
}

/// The eIM's signing key: a PEM file or a `pkcs11:` URI (docs/hsm.md).
fn signer(path: &std::path::Path) -> anyhow::Result<Arc<dyn rsp_crypto::Signer>> {
    Ok(rsp_http::credentials::key(path)?)
}

/// The UDP socket and DTLS credentials of ESipa over CoAP: the TLS certificate chain and
/// its key (PEM, P-256: DTLS here has no PKCS#11 key).
async fn coap_listener(
    addr: SocketAddr,
    s: &EimSettings,
) -> anyhow::Result<(tokio::net::UdpSocket, rsp_coap::ServerDtls)> {
    let read = |p: &std::path::Path| {
        std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))
    };
    if s.tls_key.to_string_lossy().starts_with("pkcs11:") {
        bail!("--coap-listen needs the TLS key as a PEM file (DTLS cannot use a pkcs11: key)");
    }
    let dtls = rsp_coap::ServerDtls::from_pem(&read(&s.tls_cert)?, &read(&s.tls_key)?)
        .context("DTLS certificate and key")?;
    let socket = tokio::net::UdpSocket::bind(addr)
        .await
        .with_context(|| format!("binding the CoAP socket {addr}"))?;
    tracing::info!(coap = %socket.local_addr()?, "ESipa over CoAP/DTLS");
    Ok((socket, dtls))
}

/// Starts the eIM on already bound listeners.
pub async fn start_eim(
    s: EimSettings,
    listener: tokio::net::TcpListener,
    admin_listener: tokio::net::TcpListener,
) -> anyhow::Result<RunningServer> {
    let token = admin_token("RSP_EIM_ADMIN_TOKEN", s.admin_listen)?;
    // No client certificates are asked for (IPAs and tenants authenticate otherwise), but
    // the shared TLS set-up wants anchors for the optional ones: the first CI.
    let tls_files = TlsFiles {
        cert_chain: s.tls_cert.clone(),
        key: s.tls_key.clone(),
        client_ca: s.ci.iter().take(1).cloned().collect(),
    };
    // SIGHUP re-reads the TLS certificate and key (docs/operations.md).
    let tls = Arc::new(TlsHolder::new(server_config(&tls_files)?));
    let reload_tls = tls.clone();
    let reload = move || {
        let result = server_config(&tls_files)
            .context("TLS certificate or key")
            .map(|config| {
                reload_tls.replace(config);
                "{\"tls\":true}".to_owned()
            });
        std::future::ready(result)
    };
    // Uses of the eIM keys are counted into the audit trail's checkpoints.
    let key_uses = Arc::new(KeyUses::default());
    let mut keys = EimKeys::new(s.eim_id.clone());
    if let Some(p) = &s.eim_key_nist {
        keys = keys.with(EimCurve::Nist, key_uses.wrap("eim nist", signer(p)?));
    }
    if let Some(p) = &s.eim_key_brainpool {
        keys = keys.with(
            EimCurve::Brainpool,
            key_uses.wrap("eim brainpool", signer(p)?),
        );
    }
    let mut trust = TrustStore::new();
    for p in &s.ci {
        let pem = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        for cert in Cert::all_from_pem(&pem).with_context(|| format!("parsing {}", p.display()))? {
            trust.add_ci(cert);
        }
    }
    // The eIM stores no secret in the encrypted columns the data key protects.
    let key = unused_data_key("eim-unused")?;
    let store = open_store(&s.database_url(), key).await?;
    for t in &s.tenants {
        store
            .upsert_tenant(&Tenant {
                id: t.id.clone(),
                token_sha256: t.hash()?,
                webhook_url: t.webhook_url.clone(),
            })
            .await
            .map_err(|e| anyhow::anyhow!("tenant {}: {e}", t.id))?;
    }
    // The configuration is the source of truth: a tenant no longer configured loses access.
    let keep: Vec<String> = s.tenants.iter().map(|t| t.id.clone()).collect();
    let removed = store
        .remove_tenants_except(&keep)
        .await
        .map_err(|e| anyhow::anyhow!("tenants: {e}"))?;
    if !removed.is_empty() {
        tracing::warn!(
            ?removed,
            "tenants no longer configured: their tokens are revoked"
        );
    }
    if s.tenants.is_empty() {
        tracing::warn!("no tenant configured: the REST API refuses every call (--tenant)");
    }
    let sender = EimSender {
        webhook: reqwest::Client::builder()
            .timeout(Duration::from_secs(10))
            .build()
            .context("webhook client")?,
        es9: build_client(
            &ClientTls {
                roots_pem: read_all(&s.smdp_ca)?,
                identity_pem: None,
            },
            Duration::from_secs(30),
        )?,
    };
    let eim = Arc::new(Eim::new(store.clone(), keys, trust));
    let coap = match s.coap_listen {
        Some(addr) => Some(coap_listener(addr, &s).await?),
        None => None,
    };
    let coap_eim = (
        eim.clone(),
        rsp_http::esipa::Es9Relay::new(sender.es9.clone()),
    );
    let app = rsp_http::app::eim_router(eim, sender.es9.clone()).layer(
        axum::middleware::from_fn_with_state(store.clone(), rsp_http::eim_api::audit_tenant_calls),
    );
    let admin = rsp_http::eim_api::admin_router(store.clone(), token);
    let checkpoint_key = audit_key(s.audit_key.as_deref())?;
    rsp_http::audit::record_config(
        &store,
        "eim",
        &format!(
            "{{\"eimId\":{},\"backend\":\"{:?}\",\"tenants\":{},\"signedCheckpoints\":{}}}",
            rsp_storage::audit::json_string(&s.eim_id),
            store.backend(),
            s.tenants.len(),
            checkpoint_key.is_some()
        ),
    )
    .await;
    let audit_task = audit_task(key_uses, checkpoint_key);

    let https_addr = listener.local_addr()?;
    let admin_addr = admin_listener.local_addr()?;
    tracing::info!(listen = %https_addr, admin = %admin_addr, eim_id = %s.eim_id,
        tenants = s.tenants.len(), backend = ?store.backend(), "eIM started");
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
            "eim",
            reload,
            stopped(rx.clone()),
        ));
        let admin = serve_admin(admin_listener, admin, &rx);
        let outbox = tokio::spawn(run_eim_outbox(
            store.clone(),
            sender,
            Duration::from_millis(500),
            stopped(rx.clone()),
        ));
        let audit = tokio::spawn(run_audit(store.clone(), audit_task, stopped(rx.clone())));
        let coap = coap.map(|(socket, dtls)| {
            tokio::spawn(rsp_http::esipa_coap::serve(
                socket,
                dtls,
                coap_eim.0,
                coap_eim.1,
                stopped(rx.clone()),
            ))
        });
        https.await??;
        if let Some(c) = coap {
            c.await??;
        }
        admin.await??;
        let _ = reloads.await;
        let _ = tokio::time::timeout(Duration::from_secs(30), outbox).await;
        let _ = audit.await;
        Ok(())
    };
    Ok(RunningServer::spawn(
        https_addr, admin_addr, tx, closing, task,
    ))
}
