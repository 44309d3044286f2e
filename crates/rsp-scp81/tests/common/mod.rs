//! Shared set-up for the loopback tests: a scripted SM-SR handler, a card-side script
//! executor built on `rsp_ota::ram`, and a raw TLS-PSK client for hand-written HTTP.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use openssl::ssl::{Ssl, SslContextBuilder, SslMethod, SslVersion};
use rsp_ota::ram::{CommandScript, RemoteFormat, ResponseScript};
use rsp_scp81::headers::{AdminFrom, Aid, ScriptStatus};
use rsp_scp81::server::{
    AdminHandler, AdminServer, AgentRequest, HandlerError, HandlerReply, ServerConfig, ServerStats,
    SessionInfo,
};
use rsp_scp81::tls::{MemoryPskStore, Psk};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_openssl::SslStream;

pub const EID: &str = "89049032123451234512345678901235";
pub const ISD_R: &str = "A0000005591010FFFFFFFF8900000100";
pub const ISD_P: &str = "A0000005591010FFFFFFFF8900001100";
pub const IDENTITY: &[u8] = b"scp81-test-identity";
pub const KEY_HEX: &str = "000102030405060708090a0b0c0d0e0f";

pub fn aid(s: &str) -> Aid {
    Aid::new(hex::decode(s).expect("hex")).expect("aid")
}

pub fn psk() -> Psk {
    Psk::new(hex::decode(KEY_HEX).expect("hex")).expect("psk")
}

pub fn from() -> AdminFrom {
    AdminFrom::euicc(EID, aid(ISD_R)).expect("from")
}

/// An expanded command script of the given C-APDUs (ETSI TS 102 226 §5.2.1).
pub fn script(apdus: &[&str]) -> Vec<u8> {
    CommandScript {
        format: RemoteFormat::Expanded,
        apdus: apdus.iter().map(|a| hex::decode(a).expect("hex")).collect(),
    }
    .encode()
    .expect("script")
}

/// Every handler call: the session and the request.
pub type Log = Arc<Mutex<Vec<(SessionInfo, AgentRequest)>>>;

/// Hands out queued replies, then ends the session; records every request.
#[derive(Default)]
pub struct Scripted {
    pub replies: Mutex<VecDeque<HandlerReply>>,
    pub log: Log,
}

impl Scripted {
    pub fn new(replies: Vec<HandlerReply>) -> (Self, Log) {
        let s = Self {
            replies: Mutex::new(replies.into()),
            log: Arc::default(),
        };
        let log = s.log.clone();
        (s, log)
    }
}

impl AdminHandler for Scripted {
    async fn handle(
        &self,
        session: &SessionInfo,
        request: AgentRequest,
    ) -> Result<HandlerReply, HandlerError> {
        self.log
            .lock()
            .expect("log")
            .push((session.clone(), request));
        Ok(self
            .replies
            .lock()
            .expect("replies")
            .pop_front()
            .unwrap_or(HandlerReply::End))
    }
}

/// A card: answers each C-APDU with `<INS> 90 00`, or refuses unknown targets.
#[derive(Default)]
pub struct Card {
    pub known: Vec<Vec<u8>>,
    pub seen: Vec<(Vec<u8>, Vec<Vec<u8>>)>,
}

impl rsp_scp81::agent::ScriptExecutor for Card {
    fn execute(&mut self, target_aid: &[u8], script: &[u8]) -> (ScriptStatus, Vec<u8>) {
        if !self.known.iter().any(|k| k == target_aid) {
            return (ScriptStatus::UnknownApplication, Vec::new());
        }
        let Ok(cmd) = CommandScript::decode(script, RemoteFormat::Expanded) else {
            return (ScriptStatus::ScriptFormatError, Vec::new());
        };
        self.seen.push((target_aid.to_vec(), cmd.apdus.clone()));
        let responses: Vec<Vec<u8>> = cmd.apdus.iter().map(|a| vec![a[1], 0x90, 0x00]).collect();
        let resp = ResponseScript {
            executed: responses.len() as u8,
            responses,
            bad_format: None,
        };
        (
            ScriptStatus::Ok,
            resp.encode(RemoteFormat::Expanded).expect("response"),
        )
    }
}

pub struct Running {
    pub addr: SocketAddr,
    pub stats: Arc<ServerStats>,
    pub store: Arc<MemoryPskStore>,
    _stop: tokio::sync::oneshot::Sender<()>,
}

pub fn fast_config() -> ServerConfig {
    ServerConfig {
        handshake_timeout: Duration::from_secs(2),
        idle_timeout: Duration::from_secs(2),
        session_timeout: Duration::from_secs(20),
        max_body: 4096,
        ..ServerConfig::default()
    }
}

pub async fn start<H: AdminHandler>(handler: H, config: ServerConfig) -> Running {
    let store = Arc::new(MemoryPskStore::new());
    store.insert(IDENTITY, psk());
    let server = AdminServer::bind(
        "127.0.0.1:0".parse().expect("addr"),
        config,
        store.clone(),
        handler,
    )
    .await
    .expect("bind");
    let addr = server.local_addr().expect("addr");
    let stats = server.stats();
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(server.serve(async move {
        let _ = rx.await;
    }));
    Running {
        addr,
        stats,
        store,
        _stop: tx,
    }
}

/// Waits (bounded) until `f` holds.
pub async fn eventually(mut f: impl FnMut() -> bool) -> bool {
    for _ in 0..100 {
        if f() {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    false
}

pub fn count(c: &std::sync::atomic::AtomicU64) -> u64 {
    ServerStats::get(c)
}

/// A TLS-PSK client written directly on OpenSSL, for hand-made HTTP.
pub async fn raw_tls(
    addr: SocketAddr,
    identity: &[u8],
    key: &[u8],
) -> Result<SslStream<TcpStream>, String> {
    raw_tls_with(
        addr,
        identity,
        key,
        "PSK-AES128-CBC-SHA256",
        SslVersion::TLS1_2,
    )
    .await
}

/// [`raw_tls`] with a chosen cipher list and protocol version (min = max).
pub async fn raw_tls_with(
    addr: SocketAddr,
    identity: &[u8],
    key: &[u8],
    ciphers: &str,
    version: SslVersion,
) -> Result<SslStream<TcpStream>, String> {
    let mut b = SslContextBuilder::new(SslMethod::tls()).map_err(|e| e.to_string())?;
    b.set_min_proto_version(Some(version))
        .map_err(|e| e.to_string())?;
    b.set_max_proto_version(Some(version))
        .map_err(|e| e.to_string())?;
    if version == SslVersion::TLS1_3 {
        b.set_ciphersuites("TLS_AES_128_GCM_SHA256")
            .map_err(|e| e.to_string())?;
    } else {
        b.set_cipher_list(ciphers).map_err(|e| e.to_string())?;
    }
    let (id, k) = (identity.to_vec(), key.to_vec());
    b.set_psk_client_callback(move |_, _, id_out, key_out| {
        id_out[..id.len()].copy_from_slice(&id);
        id_out[id.len()] = 0;
        key_out[..k.len()].copy_from_slice(&k);
        Ok(k.len())
    });
    let ctx = b.build();
    let tcp = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
    let mut s = SslStream::new(Ssl::new(&ctx).map_err(|e| e.to_string())?, tcp)
        .map_err(|e| e.to_string())?;
    Pin::new(&mut s)
        .connect()
        .await
        .map_err(|e| e.to_string())?;
    Ok(s)
}

/// One HTTP/1.1 response read by hand: status, lower-cased header lines, body
/// (Content-Length bodies only).
pub async fn read_response<S: tokio::io::AsyncRead + Unpin>(
    s: &mut S,
) -> (u16, Vec<(String, String)>, Vec<u8>) {
    let mut buf = Vec::new();
    let mut byte = [0u8; 1];
    while !buf.ends_with(b"\r\n\r\n") {
        let n = tokio::time::timeout(Duration::from_secs(5), s.read(&mut byte))
            .await
            .expect("in time")
            .expect("read");
        assert!(
            n == 1,
            "connection closed inside the header: {:?}",
            String::from_utf8_lossy(&buf)
        );
        buf.push(byte[0]);
    }
    let text = String::from_utf8(buf).expect("ascii header");
    let mut lines = text.split("\r\n");
    let status: u16 = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|c| c.parse().ok())
        .expect("status");
    let headers: Vec<(String, String)> = lines
        .filter(|l| !l.is_empty())
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let len: usize = headers
        .iter()
        .find(|(k, _)| k == "content-length")
        .map_or(0, |(_, v)| v.parse().expect("length"));
    let mut body = vec![0; len];
    tokio::time::timeout(Duration::from_secs(5), s.read_exact(&mut body))
        .await
        .expect("in time")
        .expect("body");
    (status, headers, body)
}

pub fn header<'a>(h: &'a [(String, String)], name: &str) -> Option<&'a str> {
    h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str())
}

pub async fn send(s: &mut SslStream<TcpStream>, bytes: &[u8]) {
    s.write_all(bytes).await.expect("write");
    s.flush().await.expect("flush");
}

/// The first POST of a session as bytes.
pub fn first_post(path: &str) -> Vec<u8> {
    format!(
        "POST {path} HTTP/1.1\r\nHost: smsr.example\r\nX-Admin-Protocol: globalplatform-remote-admin/1.0\r\n\
         X-Admin-From: //se-id/eid/{EID};//aa-id/aid/A000000559/1010FFFFFFFF8900000100\r\nContent-Length: 0\r\n\r\n"
    )
    .into_bytes()
}
