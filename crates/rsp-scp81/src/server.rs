//! The SM-SR's admin server (Amendment B §3 "Remote Administration Server"): accepts
//! TLS-PSK connections from admin agents, runs one administration session per
//! connection over HTTP/1.1 keep-alive, and asks an [`AdminHandler`] for each next
//! command script.
//!
//! Session rules (our reading of Amendment B §3.5 for a single-server session):
//! - the first POST goes to the configured admin path (any query); each later POST
//!   must go to exactly the `X-Admin-Next-URI` the server last sent
//!   (`<admin path>?session=<n>&step=<k>`), otherwise `404`;
//! - `405` for other methods, `400` for malformed Amendment B headers, `413` for a
//!   body over the limit; the handler is not called for any of these;
//! - the handler's end of session becomes `204 No Content` without a Next URI and
//!   `Connection: close`.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::http::{HeaderValue, Method, Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use openssl::ssl::Ssl;
use tokio::net::TcpListener;
use tokio::sync::Semaphore;
use tokio_openssl::SslStream;

use crate::headers::Aid;
use crate::message::{AgentPost, NextUri, ServerReply};
use crate::tls::{self, PskStore, TlsSetupError};

/// Server limits and paths.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Path of the first POST (the administration URI, trigger tag `8C`).
    pub admin_path: String,
    /// Largest accepted request body (response script), in octets.
    pub max_body: usize,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
    /// Time allowed between requests on a connection and to receive one request.
    pub idle_timeout: Duration,
    /// Upper bound on a whole session (one connection).
    pub session_timeout: Duration,
    /// Most POSTs in one session.
    pub max_steps: u32,
    /// Most simultaneous connections.
    pub max_connections: usize,
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            admin_path: "/gp/ram".into(),
            max_body: 64 * 1024,
            handshake_timeout: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(30),
            session_timeout: Duration::from_secs(600),
            max_steps: 1000,
            max_connections: 256,
        }
    }
}

/// What the handler knows about the TLS session.
#[derive(Debug, Clone)]
pub struct SessionInfo {
    /// The PSK identity the agent authenticated with.
    pub identity: Vec<u8>,
    /// The agent's address.
    pub peer: SocketAddr,
    /// Server-local session number.
    pub session_id: u64,
}

/// One POST as handed to the handler.
#[derive(Debug, Clone)]
pub struct AgentRequest {
    /// The checked Amendment B headers (`X-Admin-From`, script status, resume flag).
    pub post: AgentPost,
    /// Request target as received.
    pub uri: String,
    /// 0 for the first POST of this connection, then 1, 2, …
    pub step: u32,
    /// The response script of the previous command script (empty on the first POST
    /// or when the status carries no script response).
    pub response_script: Vec<u8>,
}

/// The handler's decision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum HandlerReply {
    /// Send this command script; `target` names the security domain when it is not
    /// the one the agent belongs to.
    Script {
        /// The command script (expanded format, ETSI TS 102 226 §5.2).
        script: Vec<u8>,
        /// `X-Admin-Targeted-Application`.
        target: Option<Aid>,
    },
    /// End the administration session (`204 No Content`).
    End,
}

/// An error a handler reports; the agent gets `500` and the connection closes.
pub type HandlerError = Box<dyn std::error::Error + Send + Sync>;

/// Decides the next script of each session.
pub trait AdminHandler: Send + Sync + 'static {
    /// Called once per accepted POST, in order, for one session at a time.
    fn handle(
        &self,
        session: &SessionInfo,
        request: AgentRequest,
    ) -> impl Future<Output = Result<HandlerReply, HandlerError>> + Send;
}

/// Counters for monitoring and tests.
#[derive(Debug, Default)]
pub struct ServerStats {
    /// TLS handshakes completed.
    pub handshakes: AtomicU64,
    /// TLS handshakes failed or timed out (wrong key, unknown identity, garbage).
    pub handshake_failures: AtomicU64,
    /// Handshakes naming an identity the PSK store does not know.
    pub unknown_identities: AtomicU64,
    /// Requests refused before the handler (4xx).
    pub refused_requests: AtomicU64,
    /// Handler calls.
    pub handler_calls: AtomicU64,
    /// Sessions the handler ended with 204.
    pub sessions_ended: AtomicU64,
}

impl ServerStats {
    /// Reads one counter.
    pub fn get(counter: &AtomicU64) -> u64 {
        counter.load(Ordering::Relaxed)
    }
}

/// Errors starting the server.
#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    /// TLS set-up failed.
    #[error(transparent)]
    Tls(#[from] TlsSetupError),
    /// Binding the listener failed.
    #[error("bind: {0}")]
    Io(#[from] std::io::Error),
    /// The admin path is not an absolute path.
    #[error("admin path must be an absolute path without query: {0:?}")]
    AdminPath(String),
}

/// The admin server.
pub struct AdminServer<H> {
    listener: TcpListener,
    ctx: openssl::ssl::SslContext,
    handler: Arc<H>,
    config: Arc<ServerConfig>,
    stats: Arc<ServerStats>,
}

impl<H: AdminHandler> AdminServer<H> {
    /// Binds `addr` with keys from `store`.
    pub async fn bind(
        addr: SocketAddr,
        config: ServerConfig,
        store: Arc<dyn PskStore>,
        handler: H,
    ) -> Result<Self, ServerError> {
        let listener = TcpListener::bind(addr).await?;
        Self::on_listener(listener, config, store, handler)
    }

    /// Serves on an already bound `listener` with keys from `store`.
    pub fn on_listener(
        listener: TcpListener,
        config: ServerConfig,
        store: Arc<dyn PskStore>,
        handler: H,
    ) -> Result<Self, ServerError> {
        let p = &config.admin_path;
        if !p.starts_with('/') || p.contains(['?', '#']) || NextUri::new(p.clone()).is_err() {
            return Err(ServerError::AdminPath(p.clone()));
        }
        let stats = Arc::new(ServerStats::default());
        let s = stats.clone();
        let ctx = tls::server_context(
            store,
            Arc::new(move || {
                s.unknown_identities.fetch_add(1, Ordering::Relaxed);
            }),
        )?;
        Ok(Self {
            listener,
            ctx,
            handler: Arc::new(handler),
            config: Arc::new(config),
            stats,
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> std::io::Result<SocketAddr> {
        self.listener.local_addr()
    }

    /// The counters.
    pub fn stats(&self) -> Arc<ServerStats> {
        self.stats.clone()
    }

    /// Accepts connections until `shutdown` completes.
    pub async fn serve(self, shutdown: impl Future<Output = ()>) {
        let limit = Arc::new(Semaphore::new(self.config.max_connections));
        let next_id = AtomicU64::new(1);
        tokio::pin!(shutdown);
        loop {
            let accepted = tokio::select! {
                _ = &mut shutdown => return,
                a = self.listener.accept() => a,
            };
            let (tcp, peer) = match accepted {
                Ok(a) => a,
                Err(e) => {
                    // E.g. out of file descriptors: back off instead of spinning.
                    tracing::warn!(error = %e, "scp81: accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            };
            let Ok(permit) = limit.clone().try_acquire_owned() else {
                tracing::warn!(%peer, "scp81: connection limit reached");
                continue;
            };
            let conn = Connection {
                ctx: self.ctx.clone(),
                handler: self.handler.clone(),
                config: self.config.clone(),
                stats: self.stats.clone(),
                session_id: next_id.fetch_add(1, Ordering::Relaxed),
            };
            tokio::spawn(async move {
                let limit = conn.config.session_timeout;
                let _ = tokio::time::timeout(limit, conn.run(tcp, peer)).await;
                drop(permit);
            });
        }
    }
}

struct Connection<H> {
    ctx: openssl::ssl::SslContext,
    handler: Arc<H>,
    config: Arc<ServerConfig>,
    stats: Arc<ServerStats>,
    session_id: u64,
}

/// Per-connection dialog state.
struct Dialog {
    step: u32,
    expected: Option<String>,
    ended: bool,
}

impl<H: AdminHandler> Connection<H> {
    async fn run(self, tcp: tokio::net::TcpStream, peer: SocketAddr) {
        let Ok(ssl) = Ssl::new(&self.ctx) else { return };
        let Ok(mut stream) = SslStream::new(ssl, tcp) else {
            return;
        };
        let hs = tokio::time::timeout(
            self.config.handshake_timeout,
            std::pin::Pin::new(&mut stream).accept(),
        )
        .await;
        if !matches!(hs, Ok(Ok(()))) {
            self.stats
                .handshake_failures
                .fetch_add(1, Ordering::Relaxed);
            tracing::info!(%peer, "scp81: TLS-PSK handshake failed");
            return;
        }
        self.stats.handshakes.fetch_add(1, Ordering::Relaxed);
        let identity = stream
            .ssl()
            .psk_identity()
            .map(<[u8]>::to_vec)
            .unwrap_or_default();
        let info = Arc::new(SessionInfo {
            identity,
            peer,
            session_id: self.session_id,
        });
        let dialog = Arc::new(Mutex::new(Dialog {
            step: 0,
            expected: None,
            ended: false,
        }));
        let this = Arc::new(self);
        let svc_this = this.clone();
        let service = hyper::service::service_fn(move |req: Request<Incoming>| {
            let (c, info, dialog) = (svc_this.clone(), info.clone(), dialog.clone());
            async move { Ok::<_, Infallible>(c.request(&info, &dialog, req).await) }
        });
        let mut builder = hyper::server::conn::http1::Builder::new();
        builder
            .keep_alive(true)
            .timer(TokioTimer::new())
            .header_read_timeout(this.config.idle_timeout)
            .max_buf_size(64 * 1024);
        if let Err(e) = builder
            .serve_connection(TokioIo::new(stream), service)
            .await
        {
            tracing::debug!(%peer, error = %e, "scp81: connection ended with error");
        }
    }

    async fn request(
        &self,
        info: &SessionInfo,
        dialog: &Mutex<Dialog>,
        req: Request<Incoming>,
    ) -> Response<Full<Bytes>> {
        if req.method() != Method::POST {
            let mut r = self.refuse(StatusCode::METHOD_NOT_ALLOWED, "POST only");
            r.headers_mut()
                .insert("allow", HeaderValue::from_static("POST"));
            return r;
        }
        let target = req
            .uri()
            .path_and_query()
            .map(|p| p.as_str().to_owned())
            .unwrap_or_default();
        let (step, path_ok) = match dialog.lock() {
            Ok(d) if !d.ended && d.step < self.config.max_steps => {
                let ok = match &d.expected {
                    None => req.uri().path() == self.config.admin_path,
                    Some(e) => *e == target,
                };
                (d.step, ok)
            }
            _ => return self.refuse(StatusCode::CONFLICT, "session over"),
        };
        if !path_ok {
            return self.refuse(
                StatusCode::NOT_FOUND,
                "not the admin URI or the last Next URI",
            );
        }
        let (parts, body) = req.into_parts();
        let limited = Limited::new(body, self.config.max_body);
        let body = match tokio::time::timeout(self.config.idle_timeout, limited.collect()).await {
            Ok(Ok(b)) => b.to_bytes().to_vec(),
            Ok(Err(e)) if e.is::<http_body_util::LengthLimitError>() => {
                return self.refuse(StatusCode::PAYLOAD_TOO_LARGE, "body too large");
            }
            _ => return self.refuse(StatusCode::BAD_REQUEST, "body not received"),
        };
        let post = match AgentPost::parse(&parts.headers, body.len()) {
            Ok(p) => p,
            Err(e) => return self.refuse(StatusCode::BAD_REQUEST, &e.to_string()),
        };
        self.stats.handler_calls.fetch_add(1, Ordering::Relaxed);
        let request = AgentRequest {
            post,
            uri: target,
            step,
            response_script: body,
        };
        let reply = match self.handler.handle(info, request).await {
            Ok(r) => r,
            Err(e) => {
                tracing::warn!(session = info.session_id, error = %e, "scp81: handler failed");
                if let Ok(mut d) = dialog.lock() {
                    d.ended = true;
                }
                return close(plain(StatusCode::INTERNAL_SERVER_ERROR, "handler failed"));
            }
        };
        let (reply, ended) = match reply {
            HandlerReply::Script { script, target } => {
                let next = format!(
                    "{}?session={}&step={}",
                    self.config.admin_path,
                    info.session_id,
                    step + 1
                );
                let next_uri = match NextUri::new(next) {
                    Ok(n) => n,
                    Err(_) => {
                        return close(plain(StatusCode::INTERNAL_SERVER_ERROR, "bad admin path"));
                    }
                };
                if let Ok(mut d) = dialog.lock() {
                    d.step = step + 1;
                    d.expected = Some(next_uri.as_str().to_owned());
                }
                (
                    ServerReply::Script {
                        script,
                        target,
                        next_uri: Some(next_uri),
                    },
                    false,
                )
            }
            HandlerReply::End => {
                if let Ok(mut d) = dialog.lock() {
                    d.ended = true;
                }
                self.stats.sessions_ended.fetch_add(1, Ordering::Relaxed);
                (ServerReply::end(), true)
            }
        };
        match reply.to_response() {
            Ok(r) => {
                let r = r.map(Full::new);
                if ended { close(r) } else { r }
            }
            Err(_) => close(plain(
                StatusCode::INTERNAL_SERVER_ERROR,
                "handler script refused",
            )),
        }
    }

    fn refuse(&self, status: StatusCode, why: &str) -> Response<Full<Bytes>> {
        self.stats.refused_requests.fetch_add(1, Ordering::Relaxed);
        close(plain(status, why))
    }
}

fn plain(status: StatusCode, text: &str) -> Response<Full<Bytes>> {
    let mut r = Response::new(Full::new(Bytes::from(format!("{text}\n"))));
    *r.status_mut() = status;
    r.headers_mut()
        .insert("content-type", HeaderValue::from_static("text/plain"));
    r
}

fn close(mut r: Response<Full<Bytes>>) -> Response<Full<Bytes>> {
    r.headers_mut()
        .insert("connection", HeaderValue::from_static("close"));
    r
}
