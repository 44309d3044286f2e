//! What every `rsp serve` role shares: logging, the data key file, reading PEM files,
//! shutdown on SIGINT/SIGTERM, and the handle of a running server.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Context;
use rsp_storage::{DataKey, SqlStore};
use tokio::sync::watch;

use crate::config::smdpp::LogFormat;

pub(super) fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Reads the data key (clear, or wrapped by a token key: `rsp hsm data-key`), or creates it
/// (mode 0600) with a warning.
pub(super) fn data_key(path: &Path) -> anyhow::Result<DataKey> {
    let bytes: [u8; 32] = if path.exists() {
        let raw = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        let text = String::from_utf8_lossy(&raw);
        if rsp_hsm::is_wrapped_data_key(&text) {
            // Wrapped by an AES key in a PKCS#11 token (docs/hsm.md): unwrapped into memory.
            let key = rsp_hsm::unwrap_data_key_file(&text)
                .with_context(|| format!("unwrapping the data key of {}", path.display()))?;
            return DataKey::new("file-v1", &key).map_err(|e| anyhow::anyhow!("data key: {e}"));
        }
        if let Ok(hex) = hex::decode(text.trim()) {
            hex.try_into()
                .map_err(|_| anyhow::anyhow!("{}: expected 64 hex digits", path.display()))?
        } else {
            raw.try_into().map_err(|_| {
                anyhow::anyhow!("{}: expected 32 bytes or 64 hex digits", path.display())
            })?
        }
    } else {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
        let mut text = hex::encode(key);
        text.push('\n');
        rsp_pki::write_secret(path, text.as_bytes())
            .with_context(|| format!("writing {}", path.display()))?;
        tracing::warn!(path = %path.display(), "generated a new data key: back it up, \
            Profile Packages cannot be decrypted without it");
        key
    };
    DataKey::new("file-v1", &bytes).map_err(|e| anyhow::anyhow!("data key: {e}"))
}

/// The admin bearer token from the environment variable `var` (unset or empty: none); an
/// admin listener off loopback without one is refused.
pub(super) fn admin_token(
    var: &str,
    admin_listen: std::net::SocketAddr,
) -> anyhow::Result<Option<String>> {
    let token = std::env::var(var).ok().filter(|t| !t.is_empty());
    if !admin_listen.ip().is_loopback() && token.is_none() {
        anyhow::bail!("--admin-listen is not on loopback: set {var}");
    }
    Ok(token)
}

/// Opens the role's database at `url` with `key` and applies the migrations.
pub(crate) async fn open_store(url: &str, key: DataKey) -> anyhow::Result<SqlStore> {
    let store = SqlStore::connect(url, key)
        .await
        .map_err(|e| anyhow::anyhow!("database: {e}"))?;
    store
        .migrate()
        .await
        .map_err(|e| anyhow::anyhow!("database migration: {e}"))?;
    Ok(store)
}

/// A data key of this process only, `label`led, for a role whose tables hold no encrypted
/// column.
pub(crate) fn unused_data_key(label: &str) -> anyhow::Result<DataKey> {
    let mut key = [0u8; 32];
    getrandom::fill(&mut key).map_err(|e| anyhow::anyhow!("random generator: {e}"))?;
    DataKey::new(label, &key).map_err(|e| anyhow::anyhow!("data key: {e}"))
}

/// `ID=URL` pairs of a repeatable option `--what` (notice or result destinations).
pub(super) fn endpoints(pairs: &[String], what: &str) -> anyhow::Result<HashMap<String, String>> {
    pairs
        .iter()
        .map(|p| {
            let (id, url) = p
                .split_once('=')
                .with_context(|| format!("--{what} {p}: expected ID=URL"))?;
            if !url.starts_with("https://") && !url.starts_with("http://") {
                anyhow::bail!("--{what} {p}: the URL must be http(s)://");
            }
            Ok((id.to_owned(), url.to_owned()))
        })
        .collect()
}

/// A TLS client identity for [`rsp_http::es2plus_client::ClientTls`]: the key (PEM file, a
/// `pkcs11:` URI, or a file holding one: docs/hsm.md) followed by the certificate chain.
pub(super) fn client_identity(key: &Path, cert: &Path) -> anyhow::Result<Vec<u8>> {
    let key_path = key.to_string_lossy();
    let mut identity = if rsp_hsm::is_pkcs11_uri(&key_path) {
        key_path.as_bytes().to_vec()
    } else {
        std::fs::read(key).with_context(|| format!("reading {}", key.display()))?
    };
    if !identity.ends_with(b"\n") {
        identity.push(b'\n');
    }
    identity.extend(std::fs::read(cert).with_context(|| format!("reading {}", cert.display()))?);
    Ok(identity)
}

pub(super) fn read_all(paths: &[PathBuf]) -> anyhow::Result<Vec<Vec<u8>>> {
    paths
        .iter()
        .map(|p| std::fs::read(p).with_context(|| format!("reading {}", p.display())))
        .collect()
}

pub(super) async fn shutdown_signal(tx: watch::Sender<bool>) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(s) => s,
                Err(e) => {
                    tracing::error!(error = %e, "cannot listen for SIGTERM");
                    let _ = ctrl_c.await;
                    let _ = tx.send(true);
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
    let _ = tx.send(true);
}

/// Runs `reload` at every SIGHUP until `shutdown` (issue 24 point 8: certificates and CRLs
/// re-read without a restart). `reload` builds every new value first and swaps them in only
/// when all were built, so a failed reload (its error logged and audited) keeps the old
/// configuration whole.
pub(super) async fn reload_on_sighup<F, Fut>(
    store: rsp_storage::SqlStore,
    role: &'static str,
    reload: F,
    shutdown: impl std::future::Future<Output = ()>,
) where
    F: Fn() -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<String>>,
{
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut hup = match signal(SignalKind::hangup()) {
            Ok(s) => s,
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGHUP: no reload");
                return;
            }
        };
        tokio::pin!(shutdown);
        loop {
            tokio::select! {
                got = hup.recv() => if got.is_none() { return },
                () = &mut shutdown => return,
            }
            match reload().await {
                Ok(summary) => {
                    tracing::info!(%summary, "SIGHUP: certificates and CRLs reloaded");
                    rsp_http::audit::record_config_event(&store, "config.reload", role, &summary)
                        .await;
                }
                Err(e) => {
                    let reason = format!("{e:#}");
                    tracing::error!(error = %reason,
                        "SIGHUP: reload failed, the previous configuration stays in force");
                    let details =
                        format!("{{\"error\":{}}}", rsp_storage::audit::json_string(&reason));
                    rsp_http::audit::record_config_event(
                        &store,
                        "config.reload-failed",
                        role,
                        &details,
                    )
                    .await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (store, role, reload);
        shutdown.await;
    }
}

/// Waits for `task` (a listener), once `stop` completes at most
/// [`rsp_http::server::DRAIN_TIMEOUT`] more for its requests to drain, then abandons what is
/// left with a warning.
pub(super) async fn drained(
    what: &'static str,
    mut task: tokio::task::JoinHandle<std::io::Result<()>>,
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    tokio::pin!(stop);
    tokio::select! {
        joined = &mut task => return Ok(joined.context(what)??),
        () = &mut stop => {}
    }
    match tokio::time::timeout(rsp_http::server::DRAIN_TIMEOUT, &mut task).await {
        Ok(joined) => Ok(joined.context(what)??),
        Err(_) => {
            task.abort();
            tracing::warn!(
                listener = what,
                "requests still open after the drain timeout"
            );
            Ok(())
        }
    }
}

/// Serves the admin router on its listener until shutdown is asked.
pub(super) fn serve_admin(
    listener: tokio::net::TcpListener,
    router: axum::Router,
    rx: &watch::Receiver<bool>,
) -> tokio::task::JoinHandle<std::io::Result<()>> {
    tokio::spawn(
        axum::serve(listener, router)
            .with_graceful_shutdown(stopped(rx.clone()))
            .into_future(),
    )
}

/// Completes when shutdown was asked.
pub(super) async fn stopped(mut rx: watch::Receiver<bool>) {
    let _ = rx.wait_for(|stop| *stop).await;
}

/// A running server role (HTTPS and admin listeners, background tasks).
pub struct RunningServer {
    /// Bound address of the HTTPS listener (ES2+, ES9+).
    pub https: std::net::SocketAddr,
    /// Bound address of the admin API.
    pub admin: std::net::SocketAddr,
    pub(super) stop: watch::Sender<bool>,
    pub(super) task: tokio::task::JoinHandle<anyhow::Result<()>>,
}

impl RunningServer {
    /// Asks for shutdown and waits until every task has ended.
    pub async fn shutdown(self) -> anyhow::Result<()> {
        let _ = self.stop.send(true);
        self.wait().await
    }

    /// Waits until the server ends (after a shutdown signal).
    pub async fn wait(self) -> anyhow::Result<()> {
        self.task.await.context("server task")?
    }

    /// Spawns a role's task: `run` spawns its listeners and loops (stopped by `stop`) and
    /// waits for them; once they ended well, `store` is closed.
    pub(super) fn spawn(
        https: std::net::SocketAddr,
        admin: std::net::SocketAddr,
        stop: watch::Sender<bool>,
        store: SqlStore,
        run: impl std::future::Future<Output = anyhow::Result<()>> + Send + 'static,
    ) -> Self {
        let task = tokio::spawn(async move {
            run.await?;
            store.close().await;
            tracing::info!("stopped");
            Ok(())
        });
        RunningServer {
            https,
            admin,
            stop,
            task,
        }
    }

    /// A sender that stops the server when `true` is sent.
    pub fn stopper(&self) -> watch::Sender<bool> {
        self.stop.clone()
    }
}

/// The audit trail's checkpoint key from `--audit-key` (PEM), or `None` with a warning: the
/// trail is then hash-chained but not signed (docs/audit.md).
pub(super) fn audit_key(
    path: Option<&Path>,
) -> anyhow::Result<Option<std::sync::Arc<dyn rsp_crypto::Signer>>> {
    let Some(path) = path else {
        tracing::warn!("no --audit-key: the audit trail is hash-chained but not signed");
        return Ok(None);
    };
    // PEM file or PKCS#11 token key (docs/hsm.md).
    let key = rsp_hsm::load_key(path)?;
    Ok(Some(std::sync::Arc::new(key)))
}

/// The audit task of every role: the inbox chained every second, checkpoints every 5
/// minutes (and at shutdown).
pub(super) fn audit_task(
    key_uses: std::sync::Arc<rsp_http::audit::KeyUses>,
    checkpoint_key: Option<std::sync::Arc<dyn rsp_crypto::Signer>>,
) -> rsp_http::audit::AuditTask {
    rsp_http::audit::AuditTask {
        key_uses,
        checkpoint_key,
        chain_every: std::time::Duration::from_secs(1),
        checkpoint_every: std::time::Duration::from_secs(300),
    }
}

/// `admin` with its calls in the audit trail (`rsp_http::audit::audit_admin`; the M2M roles).
pub(super) fn audited_admin(admin: axum::Router, store: &SqlStore) -> axum::Router {
    admin.layer(axum::middleware::from_fn_with_state(
        rsp_http::audit::AuditCalls::new(store.clone(), &[]),
        rsp_http::audit::audit_admin,
    ))
}

/// A role's audit trail at start-up: the checkpoint key of `--audit-key`, the `config.start`
/// record of `role` with `summary(signed checkpoints)`, and the audit task.
pub(super) async fn start_audit(
    store: &SqlStore,
    role: &str,
    key: Option<&Path>,
    summary: impl FnOnce(bool) -> String,
) -> anyhow::Result<rsp_http::audit::AuditTask> {
    let checkpoint_key = audit_key(key)?;
    rsp_http::audit::record_config(store, role, &summary(checkpoint_key.is_some())).await;
    Ok(audit_task(std::sync::Arc::default(), checkpoint_key))
}

/// Runs a role from the command line: binds its HTTPS and admin listeners, starts it with
/// `start`, stops it on SIGINT/SIGTERM and waits until it has drained. Logging is set up
/// by the caller (from the role's settings).
pub(super) fn serve_until_stopped<S, F, Fut>(
    listen: std::net::SocketAddr,
    admin_listen: std::net::SocketAddr,
    settings: S,
    start: F,
) -> anyhow::Result<()>
where
    F: FnOnce(S, tokio::net::TcpListener, tokio::net::TcpListener) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<RunningServer>>,
{
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen)
            .await
            .with_context(|| format!("binding {listen}"))?;
        let admin = tokio::net::TcpListener::bind(admin_listen)
            .await
            .with_context(|| format!("binding {admin_listen}"))?;
        let running = start(settings, listener, admin).await?;
        tokio::spawn(shutdown_signal(running.stopper()));
        running.wait().await
    })
}
