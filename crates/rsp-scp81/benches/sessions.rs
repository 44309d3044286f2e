//! HTTPS admin sessions per second (GP Amendment B over TLS-PSK): this process runs an
//! [`AdminServer`] on loopback with a trivial handler (one command script, then `204`),
//! and a child process (this same binary) runs [`AdminAgent`]s against it, sequentially
//! and C at a time. One session = TCP connect, full TLS 1.2 PSK handshake (no
//! resumption), the first POST answered with a one-APDU script, the POST with its
//! response script answered `204`. Server CPU per session is this process's CPU
//! (/proc/self/stat) over the run divided by the sessions, the agents being elsewhere.
//!
//! The floor: the same child doing bare TLS-PSK handshakes (same OpenSSL, cipher list
//! and loopback, no HTTP) against a bare OpenSSL acceptor in this process.
//!
//! `RSP_BENCH_SESSIONS` (default 2000) sessions per phase; `RSP_BENCH_CONCURRENCY`
//! (default "1,8,16") the phases.
#![allow(clippy::unwrap_used)]

use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, Instant};

use openssl::ssl::{Ssl, SslContext, SslContextBuilder, SslMethod, SslVersion};
use rsp_ota::ram::{CommandScript, RemoteFormat, ResponseScript};
use rsp_scp81::agent::{AdminAgent, AgentConfig, ScriptExecutor};
use rsp_scp81::headers::{AdminFrom, Aid, ScriptStatus};
use rsp_scp81::server::{
    AdminHandler, AdminServer, AgentRequest, HandlerError, HandlerReply, ServerConfig, SessionInfo,
};
use rsp_scp81::tls::{CIPHER_LIST, MemoryPskStore, Psk};
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio_openssl::SslStream;

const EID: &str = "89049032123451234512345678901235";
const ISD_R: &str = "A0000005591010FFFFFFFF8900000100";
const IDENTITY: &[u8] = b"scp81-bench-identity";
const KEY: [u8; 16] = [0x42; 16];
const ROLE: &str = "RSP_SCP81_BENCH_ROLE";

/// One script (an ISD-R GET STATUS), then the end of the session.
struct OneScript(Vec<u8>);

impl AdminHandler for OneScript {
    async fn handle(
        &self,
        _session: &SessionInfo,
        request: AgentRequest,
    ) -> Result<HandlerReply, HandlerError> {
        Ok(if request.step == 0 {
            HandlerReply::Script {
                script: self.0.clone(),
                target: None,
            }
        } else {
            HandlerReply::End
        })
    }
}

/// The card: `90 00` to every C-APDU.
struct Card;

impl ScriptExecutor for Card {
    fn execute(&mut self, _target: &[u8], script: &[u8]) -> (ScriptStatus, Vec<u8>) {
        let Ok(cmd) = CommandScript::decode(script, RemoteFormat::Expanded) else {
            return (ScriptStatus::ScriptFormatError, Vec::new());
        };
        let resp = ResponseScript {
            executed: cmd.apdus.len() as u8,
            responses: cmd.apdus.iter().map(|_| vec![0x90, 0x00]).collect(),
            bad_format: None,
        };
        (
            ScriptStatus::Ok,
            resp.encode(RemoteFormat::Expanded).unwrap_or_default(),
        )
    }
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<&str> = rest.split_whitespace().collect();
    let ticks = |i: usize| f.get(i).and_then(|v| v.parse::<f64>().ok()).unwrap_or(0.0);
    (ticks(11) + ticks(12)) / 100.0
}

fn psk_context(server: bool) -> SslContext {
    let mut b = SslContextBuilder::new(SslMethod::tls()).unwrap();
    b.set_min_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    b.set_max_proto_version(Some(SslVersion::TLS1_2)).unwrap();
    b.set_cipher_list(CIPHER_LIST).unwrap();
    b.set_session_cache_mode(openssl::ssl::SslSessionCacheMode::OFF);
    if server {
        b.set_psk_server_callback(|_, _, out| {
            out[..KEY.len()].copy_from_slice(&KEY);
            Ok(KEY.len())
        });
    } else {
        b.set_psk_client_callback(|_, _, id, out| {
            id[..IDENTITY.len()].copy_from_slice(IDENTITY);
            id[IDENTITY.len()] = 0;
            out[..KEY.len()].copy_from_slice(&KEY);
            Ok(KEY.len())
        });
    }
    b.build()
}

// ---- the agents' side (child process) ----

async fn agent_session(addr: SocketAddr) {
    let from = AdminFrom::euicc(EID, Aid::new(hex::decode(ISD_R).unwrap()).unwrap()).unwrap();
    let config = AgentConfig::new(
        IDENTITY,
        Psk::new(KEY.to_vec()).unwrap(),
        from,
        &format!("127.0.0.1:{}", addr.port()),
        "/gp/ram",
    );
    let s = AdminAgent::new(config).run(addr, &mut Card).await.unwrap();
    assert_eq!((s.posts, s.scripts.len()), (2, 1));
}

async fn bare_handshake(addr: SocketAddr, ctx: SslContext) {
    let tcp = TcpStream::connect(addr).await.unwrap();
    let mut s = SslStream::new(Ssl::new(&ctx).unwrap(), tcp).unwrap();
    Pin::new(&mut s).connect().await.unwrap();
    let _ = s.shutdown().await;
}

/// Runs `total` sessions, `concurrency` at a time; prints the seconds taken.
fn agents(mode: &str, addr: SocketAddr, total: usize, concurrency: usize) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let ctx = psk_context(false);
    let t = Instant::now();
    rt.block_on(async {
        let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let mut set = tokio::task::JoinSet::new();
        for _ in 0..concurrency {
            let (next, ctx, mode) = (next.clone(), ctx.clone(), mode.to_owned());
            set.spawn(async move {
                while next.fetch_add(1, std::sync::atomic::Ordering::Relaxed) < total {
                    if mode == "admin" {
                        agent_session(addr).await;
                    } else {
                        bare_handshake(addr, ctx.clone()).await;
                    }
                }
            });
        }
        while let Some(r) = set.join_next().await {
            r.unwrap();
        }
    });
    println!("{}", t.elapsed().as_secs_f64());
}

// ---- the server's side (this process) ----

fn run_child(mode: &str, addr: SocketAddr, total: usize, concurrency: usize) -> (f64, f64, f64) {
    let (cpu0, t) = (cpu_seconds(), Instant::now());
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .env(ROLE, format!("{mode},{addr},{total},{concurrency}"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let wall = t.elapsed().as_secs_f64();
    let cpu = cpu_seconds() - cpu0;
    let agent_wall: f64 = String::from_utf8_lossy(&out.stdout).trim().parse().unwrap();
    (agent_wall, wall, cpu)
}

async fn bare_acceptor(listener: TcpListener) {
    let ctx = psk_context(true);
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let ctx = ctx.clone();
        tokio::spawn(async move {
            let Ok(ssl) = Ssl::new(&ctx) else { return };
            let Ok(mut s) = SslStream::new(ssl, tcp) else {
                return;
            };
            if Pin::new(&mut s).accept().await.is_ok() {
                let _ = s.shutdown().await;
            }
        });
    }
}

fn main() {
    if let Ok(role) = std::env::var(ROLE) {
        let p: Vec<&str> = role.split(',').collect();
        agents(
            p[0],
            p[1].parse().unwrap(),
            p[2].parse().unwrap(),
            p[3].parse().unwrap(),
        );
        return;
    }
    let total: usize = std::env::var("RSP_BENCH_SESSIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(2000);
    let phases: Vec<usize> = std::env::var("RSP_BENCH_CONCURRENCY")
        .unwrap_or_else(|_| "1,8,16".into())
        .split(',')
        .filter_map(|c| c.trim().parse().ok())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let script = CommandScript {
        format: RemoteFormat::Expanded,
        apdus: vec![hex::decode("80F21000024F0000").unwrap()],
    }
    .encode()
    .unwrap();
    let store = Arc::new(MemoryPskStore::new());
    store.insert(IDENTITY, Psk::new(KEY.to_vec()).unwrap());
    let config = ServerConfig {
        session_timeout: Duration::from_secs(60),
        ..ServerConfig::default()
    };
    let (admin, bare) = rt.block_on(async {
        let server = AdminServer::bind(
            "127.0.0.1:0".parse().unwrap(),
            config,
            store,
            OneScript(script),
        )
        .await
        .unwrap();
        let admin = server.local_addr().unwrap();
        tokio::spawn(server.serve(std::future::pending()));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let bare = listener.local_addr().unwrap();
        tokio::spawn(bare_acceptor(listener));
        (admin, bare)
    });
    // Warm-up (page faults, OpenSSL tables).
    run_child("admin", admin, 200, 4);
    for c in phases {
        for (mode, addr, what) in [
            ("bare", bare, "bare TLS-PSK handshakes"),
            ("admin", admin, "admin sessions"),
        ] {
            let (agent_wall, wall, cpu) = run_child(mode, addr, total, c);
            println!(
                "scp81/{mode}/concurrency={c}: {total} {what} in {agent_wall:.2} s = {:.0}/s; \
                 server CPU {:.3} ms each (over {wall:.2} s incl. child start)",
                total as f64 / agent_wall,
                cpu * 1000.0 / total as f64,
            );
        }
    }
    drop(rt);
}
