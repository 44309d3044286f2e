//! The eUICC's admin agent (Amendment B §3 "Admin Agent"; SGP.02 §2.4.4): opens a
//! TLS-PSK connection to the admin server, POSTs until the server ends the session,
//! and hands every command script to a [`ScriptExecutor`].
//!
//! Flow: first POST (empty body, no status) to the admin URI → `200` + command
//! script → execute → POST the response script with `X-Admin-Script-Status` to the
//! `X-Admin-Next-URI` → … → `204 No Content` without Next URI ends the session. A
//! `204` with a Next URI is followed by an empty POST there; a `200` without Next URI
//! is the last script (executed, not reported). A Next URI naming another host is
//! refused (one connection per session, our reading). [`AdminAgent::run_with_retry`]
//! applies the retry policy of the triggering parameters.

use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Limited};
use hyper::body::{Body, Frame, SizeHint};
use hyper::http::{HeaderValue, Method, Request};
use hyper_util::rt::TokioIo;
use openssl::ssl::Ssl;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

use crate::headers::{AdminFrom, HeaderError, ScriptStatus};
use crate::message::{AgentPost, MessageError, NextUri, ServerReply};
use crate::tls::{self, Psk, TlsSetupError};
use crate::trigger::{RetryPolicy, SessionParameters};

/// Agent settings.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// PSK identity presented in the handshake (trigger `85`, or SGP.02 §2.4.4.1).
    pub identity: Vec<u8>,
    /// The pre-shared key.
    pub psk: Psk,
    /// `X-Admin-From` (SGP.02: EID and ISD-R AID).
    pub from: AdminFrom,
    /// `Host` header (trigger `8A`).
    pub host: String,
    /// Request URI of the first POST (trigger `8C`).
    pub admin_uri: String,
    /// Time allowed for the TLS handshake.
    pub handshake_timeout: Duration,
    /// Time allowed for each answer.
    pub response_timeout: Duration,
    /// Largest accepted command script.
    pub max_script: usize,
    /// Most POSTs in one session.
    pub max_steps: usize,
    /// Send response scripts with chunked transfer coding instead of Content-Length.
    pub chunked: bool,
    /// Mark the first POST with `X-Admin-Resume: true`.
    pub resume: bool,
}

impl AgentConfig {
    /// Settings with default limits.
    pub fn new(
        identity: impl Into<Vec<u8>>,
        psk: Psk,
        from: AdminFrom,
        host: &str,
        admin_uri: &str,
    ) -> Self {
        Self {
            identity: identity.into(),
            psk,
            from,
            host: host.to_owned(),
            admin_uri: admin_uri.to_owned(),
            handshake_timeout: Duration::from_secs(20),
            response_timeout: Duration::from_secs(30),
            max_script: 64 * 1024,
            max_steps: 1000,
            chunked: false,
            resume: false,
        }
    }

    /// Applies what a push SMS's session parameters say: PSK identity (`85`), host
    /// (`8A`), agent ID (`8B`, parsed as `X-Admin-From`) and admin URI (`8C`).
    pub fn apply_trigger(&mut self, p: &SessionParameters) -> Result<(), HeaderError> {
        if let Some(s) = &p.security {
            self.identity = s.psk_identity.clone();
        }
        if let Some(h) = &p.http_post {
            if let Some(host) = &h.admin_host {
                self.host = host.clone();
            }
            if let Some(id) = &h.agent_id {
                self.from = AdminFrom::parse(id)?;
            }
            if let Some(uri) = &h.admin_uri {
                self.admin_uri = uri.clone();
            }
        }
        Ok(())
    }
}

/// Runs command scripts on the card (the ISD-R, or the security domain named by
/// `X-Admin-Targeted-Application`).
pub trait ScriptExecutor {
    /// Executes `script` on `target_aid`; returns the status to report and the
    /// response script (may be empty when the status is not `ok`).
    fn execute(&mut self, target_aid: &[u8], script: &[u8]) -> (ScriptStatus, Vec<u8>);
}

/// One executed script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScriptRecord {
    /// Where it ran.
    pub target_aid: Vec<u8>,
    /// The command script.
    pub script: Vec<u8>,
    /// The reported status.
    pub status: ScriptStatus,
    /// The response script.
    pub response: Vec<u8>,
}

/// What a session did.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SessionSummary {
    /// POSTs sent.
    pub posts: usize,
    /// Scripts executed, in order.
    pub scripts: Vec<ScriptRecord>,
    /// The session ended on a `200` without Next URI (last script not reported).
    pub ended_on_script: bool,
}

/// Errors of an agent session.
#[derive(Debug, thiserror::Error)]
pub enum AgentError {
    /// TLS set-up failed.
    #[error(transparent)]
    Setup(#[from] TlsSetupError),
    /// TCP connect failed.
    #[error("connect: {0}")]
    Connect(std::io::Error),
    /// The TLS-PSK handshake failed (wrong key, unknown identity) or timed out.
    #[error("TLS handshake failed: {0}")]
    Handshake(String),
    /// HTTP failure.
    #[error("HTTP: {0}")]
    Http(String),
    /// The server's answer breaks the protocol.
    #[error(transparent)]
    Protocol(#[from] MessageError),
    /// A header could not be written.
    #[error(transparent)]
    Header(#[from] HeaderError),
    /// The server took too long.
    #[error("timeout waiting for the server")]
    Timeout,
    /// The Next URI names another server.
    #[error("Next URI points to another server: {0}")]
    ForeignNextUri(String),
    /// More POSTs than `max_steps`.
    #[error("session exceeds {0} steps")]
    TooManySteps(usize),
}

/// What a session has done so far, kept across retries.
#[derive(Debug, Default)]
struct Progress {
    summary: SessionSummary,
    /// The last URI navigated (posted to, or named by the server as next).
    last_uri: Option<String>,
}

impl AgentError {
    /// Whether a retry might help (transport trouble, not a protocol violation).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            Self::Connect(_) | Self::Handshake(_) | Self::Http(_) | Self::Timeout
        )
    }
}

/// The admin agent.
#[derive(Debug, Clone)]
pub struct AdminAgent {
    config: AgentConfig,
}

impl AdminAgent {
    /// An agent with these settings.
    pub fn new(config: AgentConfig) -> Self {
        Self { config }
    }

    /// Connects over TCP to `addr` and runs one session.
    pub async fn run<E: ScriptExecutor + Send>(
        &self,
        addr: std::net::SocketAddr,
        executor: &mut E,
    ) -> Result<SessionSummary, AgentError> {
        let mut progress = Progress::default();
        let tcp = self.connect(addr).await?;
        let start = (self.config.admin_uri.clone(), self.config.resume);
        self.attempt(tcp, executor, &mut progress, start).await?;
        Ok(progress.summary)
    }

    /// Runs one session over an already connected byte stream.
    pub async fn run_on<S, E>(&self, io: S, executor: &mut E) -> Result<SessionSummary, AgentError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        E: ScriptExecutor + Send,
    {
        let mut progress = Progress::default();
        let start = (self.config.admin_uri.clone(), self.config.resume);
        self.attempt(io, executor, &mut progress, start).await?;
        Ok(progress.summary)
    }

    /// Runs a session and, when it cannot be opened or breaks off (connect, handshake,
    /// HTTP or timeout errors), retries up to `policy.counter` more times, waiting
    /// `policy.waiting_delay` before each (Amendment B §3.8.3 retry policy). Once the
    /// server has answered at least once, a retry re-posts to the last navigated URI
    /// with `X-Admin-Resume: true` (Amendment B §3.5, our reading). Protocol errors are
    /// not retried. The summary counts the work of every attempt.
    pub async fn run_with_retry<E: ScriptExecutor + Send>(
        &self,
        addr: std::net::SocketAddr,
        executor: &mut E,
        policy: &RetryPolicy,
    ) -> Result<SessionSummary, AgentError> {
        let mut progress = Progress::default();
        let mut attempt = 0u16;
        loop {
            let start = match &progress.last_uri {
                Some(u) => (u.clone(), true),
                None => (self.config.admin_uri.clone(), self.config.resume),
            };
            let result = match self.connect(addr).await {
                Ok(tcp) => self.attempt(tcp, executor, &mut progress, start).await,
                Err(e) => Err(e),
            };
            match result {
                Ok(()) => return Ok(progress.summary),
                Err(e) if e.is_retryable() && attempt < policy.counter => {
                    attempt += 1;
                    tracing::info!(attempt, error = %e, "scp81 agent: retrying");
                    tokio::time::sleep(policy.waiting_delay.as_duration()).await;
                }
                Err(e) => return Err(e),
            }
        }
    }

    async fn connect(&self, addr: std::net::SocketAddr) -> Result<TcpStream, AgentError> {
        tokio::time::timeout(self.config.handshake_timeout, TcpStream::connect(addr))
            .await
            .map_err(|_| AgentError::Timeout)?
            .map_err(AgentError::Connect)
    }

    /// One TLS connection: handshake, then POSTs from `start` (URI, resume flag).
    async fn attempt<S, E>(
        &self,
        io: S,
        executor: &mut E,
        progress: &mut Progress,
        start: (String, bool),
    ) -> Result<(), AgentError>
    where
        S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        E: ScriptExecutor + Send,
    {
        let c = &self.config;
        let ctx = tls::client_context(&c.identity, &c.psk)?;
        let ssl = Ssl::new(&ctx).map_err(|e| AgentError::Handshake(e.to_string()))?;
        let mut stream =
            SslStream::new(ssl, io).map_err(|e| AgentError::Handshake(e.to_string()))?;
        match tokio::time::timeout(c.handshake_timeout, Pin::new(&mut stream).connect()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(AgentError::Handshake(e.to_string())),
            Err(_) => return Err(AgentError::Handshake("timeout".into())),
        }
        let (mut sender, conn) =
            hyper::client::conn::http1::handshake::<_, ScriptBody>(TokioIo::new(stream))
                .await
                .map_err(|e| AgentError::Http(e.to_string()))?;
        let driver = tokio::spawn(conn);
        let result = self.dialog(&mut sender, executor, progress, start).await;
        drop(sender);
        // Let the connection close cleanly (close_notify), but do not wait forever.
        match tokio::time::timeout(Duration::from_secs(2), driver).await {
            Ok(_) => {}
            Err(_) => tracing::debug!("scp81 agent: connection did not close in time"),
        }
        result
    }

    async fn dialog<E: ScriptExecutor + Send>(
        &self,
        sender: &mut hyper::client::conn::http1::SendRequest<ScriptBody>,
        executor: &mut E,
        progress: &mut Progress,
        (mut uri, resume): (String, bool),
    ) -> Result<(), AgentError> {
        let c = &self.config;
        let mut post = AgentPost::initial(c.from.clone(), resume);
        let mut body = Vec::new();
        loop {
            let summary = &mut progress.summary;
            if summary.posts >= c.max_steps {
                return Err(AgentError::TooManySteps(c.max_steps));
            }
            summary.posts += 1;
            let reply = self
                .exchange(sender, &uri, &post, std::mem::take(&mut body))
                .await?;
            progress.last_uri = Some(uri.clone());
            post.resume = false;
            let (next_uri, status_body) = match reply {
                ServerReply::NoContent { next_uri: None } => return Ok(()),
                ServerReply::NoContent { next_uri: Some(n) } => (n, None),
                ServerReply::Script {
                    script,
                    target,
                    next_uri,
                } => {
                    let target_aid = match &target {
                        Some(t) => t.as_bytes().to_vec(),
                        None => c
                            .from
                            .agent
                            .as_ref()
                            .map(|a| a.as_bytes().to_vec())
                            .unwrap_or_default(),
                    };
                    let (status, response) = executor.execute(&target_aid, &script);
                    progress.summary.scripts.push(ScriptRecord {
                        target_aid,
                        script,
                        status,
                        response: response.clone(),
                    });
                    match next_uri {
                        None => {
                            progress.summary.ended_on_script = true;
                            return Ok(());
                        }
                        Some(n) => (n, Some((status, response))),
                    }
                }
            };
            uri = self.local_target(&next_uri)?;
            progress.last_uri = Some(uri.clone());
            post.script_status = status_body.as_ref().map(|(s, _)| *s);
            body = status_body.map(|(_, b)| b).unwrap_or_default();
        }
    }

    /// The request target to use for a Next URI on this connection.
    fn local_target(&self, next: &NextUri) -> Result<String, AgentError> {
        let uri = next.uri();
        if let Some(auth) = uri.authority() {
            let host = self.config.host.as_str();
            if !auth.as_str().eq_ignore_ascii_case(host) && !auth.host().eq_ignore_ascii_case(host)
            {
                return Err(AgentError::ForeignNextUri(next.as_str().to_owned()));
            }
        }
        Ok(uri
            .path_and_query()
            .map_or_else(|| "/".to_owned(), |p| p.as_str().to_owned()))
    }

    async fn exchange(
        &self,
        sender: &mut hyper::client::conn::http1::SendRequest<ScriptBody>,
        uri: &str,
        post: &AgentPost,
        body: Vec<u8>,
    ) -> Result<ServerReply, AgentError> {
        let c = &self.config;
        let has_body = !body.is_empty();
        let mut req = Request::builder()
            .method(Method::POST)
            .uri(uri)
            .body(ScriptBody {
                data: has_body.then(|| Bytes::from(body)),
                chunked: c.chunked,
            })
            .map_err(|e| AgentError::Http(e.to_string()))?;
        let h = req.headers_mut();
        h.insert(
            "host",
            HeaderValue::try_from(c.host.as_str()).map_err(|_| HeaderError::Malformed("Host"))?,
        );
        post.write_headers(h, has_body)?;
        let fut = async {
            sender
                .ready()
                .await
                .map_err(|e| AgentError::Http(e.to_string()))?;
            let resp = sender
                .send_request(req)
                .await
                .map_err(|e| AgentError::Http(e.to_string()))?;
            let (parts, body) = resp.into_parts();
            let body = Limited::new(body, c.max_script)
                .collect()
                .await
                .map_err(|e| AgentError::Http(e.to_string()))?
                .to_bytes()
                .to_vec();
            Ok::<_, AgentError>(ServerReply::parse(parts.status, &parts.headers, body)?)
        };
        tokio::time::timeout(c.response_timeout, fut)
            .await
            .map_err(|_| AgentError::Timeout)?
    }
}

/// A request body sent in one frame; with `chunked` it hides its length so hyper
/// uses chunked transfer coding (as card agents commonly do).
pub struct ScriptBody {
    data: Option<Bytes>,
    chunked: bool,
}

impl Body for ScriptBody {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        _cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        Poll::Ready(self.data.take().map(|d| Ok(Frame::data(d))))
    }

    fn is_end_stream(&self) -> bool {
        self.data.is_none()
    }

    fn size_hint(&self) -> SizeHint {
        match (&self.data, self.chunked) {
            (None, _) => SizeHint::with_exact(0),
            (Some(d), false) => SizeHint::with_exact(d.len() as u64),
            (Some(_), true) => SizeHint::default(),
        }
    }
}
