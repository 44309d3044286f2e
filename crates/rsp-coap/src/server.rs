//! The eIM side: one UDP socket, one task per DTLS association (per peer address).

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::UdpSocket;
use tokio::sync::mpsc;
use tokio::task::JoinSet;
use tokio::time::timeout;
use webrtc_dtls::conn::DTLSConn;

use crate::dtls::PeerConn;
use crate::peer::Session;
use crate::{CoapError, CoapParams, HandlerError, ServerDtls};

/// Who sent a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PeerInfo {
    /// The peer's UDP address (one DTLS association per address).
    pub addr: SocketAddr,
}

/// Datagrams queued per association before further ones are dropped (as a network would).
const PEER_QUEUE: usize = 256;

/// Serves ESipa over CoAP/DTLS on `socket` with the default parameters until `shutdown`
/// completes. See [`serve_with_params`].
pub async fn serve<H, Fut>(
    socket: UdpSocket,
    dtls: ServerDtls,
    handler: H,
    shutdown: impl Future<Output = ()>,
) -> Result<(), CoapError>
where
    H: Fn(Vec<u8>, PeerInfo) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Vec<u8>>, HandlerError>> + Send + 'static,
{
    serve_with_params(socket, dtls, CoapParams::default(), handler, shutdown).await
}

/// Serves ESipa over CoAP/DTLS on `socket` until `shutdown` completes.
///
/// `handler` gets each complete request payload (after Block1 reassembly) once, however
/// often the peer retransmits it, and returns the answer payload, `None` for an empty 2.04,
/// or a [`HandlerError`] (4.00 / 5.00). Each DTLS association runs in its own task; a
/// datagram from an unknown address starts one only if it is a DTLS ClientHello.
pub async fn serve_with_params<H, Fut>(
    socket: UdpSocket,
    dtls: ServerDtls,
    params: CoapParams,
    handler: H,
    shutdown: impl Future<Output = ()>,
) -> Result<(), CoapError>
where
    H: Fn(Vec<u8>, PeerInfo) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Vec<u8>>, HandlerError>> + Send + 'static,
{
    params.validate()?;
    let socket = Arc::new(socket);
    let handler = Arc::new(handler);
    let params = Arc::new(params);
    let mut peers: HashMap<SocketAddr, mpsc::Sender<Vec<u8>>> = HashMap::new();
    let mut tasks: JoinSet<SocketAddr> = JoinSet::new();
    let mut buf = vec![0u8; 65536];
    tokio::pin!(shutdown);
    tracing::info!(addr = ?socket.local_addr().ok(), "CoAP/DTLS ESipa server listening");
    loop {
        tokio::select! {
            _ = &mut shutdown => break,
            Some(done) = tasks.join_next() => {
                if let Ok(addr) = done
                    && peers.get(&addr).is_some_and(|tx| tx.is_closed())
                {
                    peers.remove(&addr);
                }
            }
            r = socket.recv_from(&mut buf) => {
                let (n, from) = match r {
                    Ok(x) => x,
                    Err(e) => {
                        // ICMP errors surface here on some systems; the socket stays usable.
                        tracing::debug!(error = %e, "UDP receive error");
                        tokio::time::sleep(std::time::Duration::from_millis(10)).await;
                        continue;
                    }
                };
                let datagram = &buf[..n];
                if let Some(tx) = peers.get(&from) {
                    match tx.try_send(datagram.to_vec()) {
                        Ok(()) => continue,
                        Err(mpsc::error::TrySendError::Full(_)) => {
                            tracing::debug!(peer = %from, "association queue full, datagram dropped");
                            continue;
                        }
                        Err(mpsc::error::TrySendError::Closed(_)) => {
                            peers.remove(&from);
                        }
                    }
                }
                if !is_client_hello(datagram) {
                    tracing::debug!(peer = %from, len = n, "datagram outside an association dropped");
                    continue;
                }
                if peers.len() >= params.max_peers {
                    tracing::warn!(peer = %from, "too many DTLS associations, ClientHello dropped");
                    continue;
                }
                let (tx, rx) = mpsc::channel(PEER_QUEUE);
                let _ = tx.try_send(datagram.to_vec());
                peers.insert(from, tx);
                let conn = PeerConn::new(socket.clone(), from, rx);
                tasks.spawn(run_peer(conn, from, dtls.clone(), params.clone(), handler.clone()));
            }
        }
    }
    tracing::info!(
        associations = peers.len(),
        "CoAP/DTLS ESipa server stopping"
    );
    drop(peers);
    tasks.shutdown().await;
    Ok(())
}

/// A DTLS record of content type handshake (22), version 1.x (254.x), carrying a
/// ClientHello (handshake type 1) at the start of its fragment (RFC 6347 §4.1, §4.2.2).
fn is_client_hello(d: &[u8]) -> bool {
    d.len() > 25 && d[0] == 22 && d[1] == 254 && d[13] == 1
}

async fn run_peer<H, Fut>(
    conn: PeerConn,
    addr: SocketAddr,
    dtls: ServerDtls,
    params: Arc<CoapParams>,
    handler: Arc<H>,
) -> SocketAddr
where
    H: Fn(Vec<u8>, PeerInfo) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<Option<Vec<u8>>, HandlerError>> + Send + 'static,
{
    let config = dtls.config(&params);
    let handshake = DTLSConn::new(Arc::new(conn), config, false, None);
    let conn = match timeout(params.handshake_timeout, handshake).await {
        Ok(Ok(c)) => Arc::new(c),
        Ok(Err(e)) => {
            tracing::info!(peer = %addr, error = %e, "DTLS handshake failed");
            return addr;
        }
        Err(_) => {
            tracing::info!(peer = %addr, "DTLS handshake timed out");
            return addr;
        }
    };
    tracing::debug!(peer = %addr, "DTLS association established");
    let info = PeerInfo { addr };
    Session::new(conn.clone(), info, &params)
        .run(&*handler)
        .await;
    let _ = conn.close().await;
    tracing::debug!(peer = %addr, "DTLS association ended");
    addr
}
