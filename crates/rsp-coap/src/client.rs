//! The IPA side: one DTLS association to the eIM, one ESipa exchange at a time.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use coap_lite::{CoapOption, MessageClass, MessageType, Packet, RequestType, ResponseType};
use tokio::net::UdpSocket;
use tokio::sync::{Mutex, mpsc};
use tokio::task::JoinHandle;
use tokio::time::{Instant, timeout, timeout_at};
use webrtc_dtls::conn::DTLSConn;

use crate::block::{self, Block, REQUEST_TAG};
use crate::dtls::handshake_error;
use crate::{CONTENT_FORMAT_OCTET_STREAM, ClientDtls, CoapError, CoapParams, ESIPA_URI_PATH};

/// An ESipa client over CoAP/DTLS: connect once, then [`exchange`](Self::exchange).
pub struct CoapEsipaClient {
    conn: Arc<DTLSConn>,
    params: CoapParams,
    state: Mutex<State>,
    reader: JoinHandle<()>,
}

struct State {
    rx: mpsc::Receiver<Packet>,
    next_mid: u16,
}

impl CoapEsipaClient {
    /// Connects with the default parameters (RFC 7252 §4.8 timers, 1024-byte blocks).
    pub async fn connect(addr: SocketAddr, dtls: ClientDtls) -> Result<Self, CoapError> {
        Self::connect_with_params(addr, dtls, CoapParams::default()).await
    }

    /// Binds an ephemeral UDP port, runs the DTLS handshake with `addr` and checks the
    /// server's certificate chain against `dtls.ca_pem` and `dtls.server_name`.
    pub async fn connect_with_params(
        addr: SocketAddr,
        dtls: ClientDtls,
        params: CoapParams,
    ) -> Result<Self, CoapError> {
        params.validate()?;
        let config = dtls.config(&params)?;
        let local: SocketAddr = if addr.is_ipv4() {
            ([0, 0, 0, 0], 0).into()
        } else {
            (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let socket = UdpSocket::bind(local).await?;
        socket.connect(addr).await?;
        let handshake = DTLSConn::new(Arc::new(socket), config, true, None);
        let conn = match timeout(params.handshake_timeout, handshake).await {
            Err(_) => return Err(CoapError::HandshakeTimeout),
            Ok(Err(e)) => return Err(handshake_error(e)),
            Ok(Ok(c)) => Arc::new(c),
        };
        tracing::debug!(%addr, "DTLS association established");
        let (tx, rx) = mpsc::channel(64);
        let reader = tokio::spawn(read_loop(conn.clone(), tx));
        let next_mid = getrandom::u32().unwrap_or(0) as u16; // RFC 7252 §4.4: randomized start
        Ok(Self {
            conn,
            params,
            state: Mutex::new(State { rx, next_mid }),
            reader,
        })
    }

    /// Sends one ESipa request (DER) and returns the answer's payload, or `None` when the
    /// eIM answered 2.04 with an empty payload.
    pub async fn exchange(&self, payload: &[u8]) -> Result<Option<Vec<u8>>, CoapError> {
        if payload.len() > self.params.max_body_size {
            return Err(CoapError::TooLarge {
                limit: self.params.max_body_size,
            });
        }
        let mut state = self.state.lock().await;
        // Whatever is queued now belongs to earlier exchanges (late duplicates).
        while state.rx.try_recv().is_ok() {}
        let token: [u8; 8] = random()?; // RFC 7252 §5.3.1: a fresh random token per request
        let response = self.send_request(&mut state, &token, payload).await?;
        let body = self.fetch_answer(&mut state, &token, response).await?;
        Ok(if body.is_empty() { None } else { Some(body) })
    }

    /// Sends the request, block-wise (Block1, RFC 7959 §2.5) when it is larger than one
    /// block, and returns the final response.
    async fn send_request(
        &self,
        state: &mut State,
        token: &[u8],
        payload: &[u8],
    ) -> Result<Packet, CoapError> {
        let mut szx = self.params.szx();
        let blockwise = payload.len() > self.params.block_size;
        let tag: [u8; 4] = random()?;
        let mut offset = 0usize;
        loop {
            let size = 16usize << szx;
            let end = (offset + size).min(payload.len());
            let more = end < payload.len();
            let mut req = request(token);
            req.payload = payload[offset..end].to_vec();
            if blockwise {
                let b = Block::new((offset / size) as u32, more, szx);
                block::set_block(&mut req, CoapOption::Block1, b);
                req.add_option(CoapOption::Unknown(REQUEST_TAG), tag.to_vec());
                if offset == 0 {
                    // Size1 announces the whole body (RFC 7959 §4).
                    block::set_uint(&mut req, CoapOption::Size1, payload.len() as u32);
                }
            }
            if !more {
                // Early negotiation of the answer's block size (RFC 7959 §2.4).
                block::set_block(
                    &mut req,
                    CoapOption::Block2,
                    Block::new(0, false, self.params.szx()),
                );
            }
            let resp = self.transact(state, req).await?;
            if !more || resp.header.code != MessageClass::Response(ResponseType::Continue) {
                return Ok(resp);
            }
            // 2.31 Continue acknowledges the block (RFC 7959 §2.3); the server may ask for
            // a smaller size, the next NUM then follows from the byte offset.
            let ack = block::get_block(&resp, CoapOption::Block1)?
                .ok_or_else(|| CoapError::Protocol("2.31 without Block1".into()))?;
            if ack.num as usize != offset / size {
                return Err(CoapError::Protocol("2.31 for another block".into()));
            }
            offset = end;
            szx = szx.min(ack.szx);
        }
    }

    /// Checks the final response and collects a Block2 answer (RFC 7959 §2.4).
    async fn fetch_answer(
        &self,
        state: &mut State,
        token: &[u8],
        mut resp: Packet,
    ) -> Result<Vec<u8>, CoapError> {
        let limit = self.params.max_body_size;
        let mut body = Vec::new();
        loop {
            if !block::is_final_success(resp.header.code) {
                let diagnostic = (!resp.payload.is_empty()).then(|| {
                    String::from_utf8_lossy(&resp.payload)
                        .chars()
                        .take(200)
                        .collect()
                });
                return Err(CoapError::Response {
                    code: block::code_text(resp.header.code),
                    diagnostic,
                });
            }
            let Some(b) = block::get_block(&resp, CoapOption::Block2)? else {
                if body.is_empty() {
                    return Ok(resp.payload);
                }
                return Err(CoapError::Protocol(
                    "Block2 missing in a later block".into(),
                ));
            };
            // Size2 announces the whole answer (RFC 7959 §4): refuse early.
            let size2 = block::get_uint(&resp, CoapOption::Size2)?;
            if b.num == 0 && size2.is_some_and(|s| s as usize > limit) {
                return Err(CoapError::TooLarge { limit });
            }
            // Blocks come in order, each at the offset we asked for (RFC 7959 §2.4).
            if b.offset() != body.len() {
                return Err(CoapError::Protocol("Block2 at an unexpected offset".into()));
            }
            if b.more && resp.payload.len() != b.size() || resp.payload.len() > b.size() {
                return Err(CoapError::Protocol(
                    "Block2 payload does not match its size".into(),
                ));
            }
            if body.len() + resp.payload.len() > limit {
                return Err(CoapError::TooLarge { limit });
            }
            body.extend_from_slice(&resp.payload);
            if !b.more {
                return Ok(body);
            }
            let next = Block::new((body.len() / b.size()) as u32, false, b.szx);
            let mut req = request(token);
            block::set_block(&mut req, CoapOption::Block2, next);
            resp = self.transact(state, req).await?;
        }
    }

    /// One confirmable request: retransmitted with exponential back-off until acknowledged
    /// (RFC 7252 §4.2); returns the piggybacked or the separate response (§5.2).
    async fn transact(&self, state: &mut State, mut req: Packet) -> Result<Packet, CoapError> {
        let mid = state.next_mid;
        state.next_mid = state.next_mid.wrapping_add(1);
        req.header.message_id = mid;
        let bytes = block::encode(&req)?;
        let token = req.get_token().to_vec();
        let mut wait = self.params.initial_timeout();
        let mut attempts = 0u32;
        let mut acked = false;
        loop {
            if !acked {
                attempts += 1;
                self.send(&bytes).await?;
            }
            let deadline = if acked {
                Instant::now() + self.params.exchange_lifetime()
            } else {
                Instant::now() + wait
            };
            while let Ok(msg) = timeout_at(deadline, state.rx.recv()).await {
                let msg = msg.ok_or_else(|| CoapError::Closed("reader stopped".into()))?;
                let kind = msg.header.get_type();
                let same_mid = msg.header.message_id == mid;
                match kind {
                    MessageType::Reset if same_mid => return Err(CoapError::Reset),
                    MessageType::Acknowledgement if same_mid => {
                        if msg.header.code == MessageClass::Empty {
                            // Empty ACK: a separate response follows (§5.2.2).
                            acked = true;
                            break;
                        }
                        if msg.get_token() == token.as_slice() {
                            return Ok(msg);
                        }
                        tracing::debug!("piggybacked response with a foreign token ignored");
                    }
                    // A separate response (§5.2.2), possibly ahead of its empty ACK.
                    MessageType::Confirmable | MessageType::NonConfirmable
                        if msg.get_token() == token.as_slice()
                            && matches!(msg.header.code, MessageClass::Response(_)) =>
                    {
                        return Ok(msg);
                    }
                    _ => tracing::trace!("stale or foreign message ignored"),
                }
            }
            if acked && Instant::now() < deadline {
                continue; // the empty ACK arrived: now wait for the separate response
            }
            if acked || attempts > self.params.max_retransmit {
                return Err(CoapError::Timeout { attempts });
            }
            wait *= 2; // exponential back-off (§4.2)
        }
    }

    async fn send(&self, bytes: &[u8]) -> Result<(), CoapError> {
        self.conn
            .write(bytes, None)
            .await
            .map(|_| ())
            .map_err(|e| CoapError::Closed(e.to_string()))
    }

    /// Sends a DTLS close_notify and ends the association.
    pub async fn close(self) -> Result<(), CoapError> {
        self.reader.abort();
        self.conn
            .close()
            .await
            .map_err(|e| CoapError::Closed(e.to_string()))
    }
}

impl Drop for CoapEsipaClient {
    fn drop(&mut self) {
        self.reader.abort();
    }
}

fn random<const N: usize>() -> Result<[u8; N], CoapError> {
    let mut b = [0u8; N];
    getrandom::fill(&mut b).map_err(|e| CoapError::Io(std::io::Error::other(e.to_string())))?;
    Ok(b)
}

/// A confirmable POST to the ESipa resource (our reading, see the crate docs).
fn request(token: &[u8]) -> Packet {
    let mut req = Packet::new();
    req.header.set_type(MessageType::Confirmable);
    req.header.code = MessageClass::Request(RequestType::Post);
    req.set_token(token.to_vec());
    for seg in ESIPA_URI_PATH {
        req.add_option(CoapOption::UriPath, seg.as_bytes().to_vec());
    }
    block::set_uint(
        &mut req,
        CoapOption::ContentFormat,
        u32::from(CONTENT_FORMAT_OCTET_STREAM),
    );
    req
}

/// Reads the association: acknowledges confirmable responses (and again for their
/// duplicates, §4.5), answers pings and other unexpected CON messages with a Reset (§4.3),
/// and hands everything else to the running exchange.
async fn read_loop(conn: Arc<DTLSConn>, tx: mpsc::Sender<Packet>) {
    let mut buf = vec![0u8; 65536];
    let mut seen: VecDeque<u16> = VecDeque::with_capacity(64);
    loop {
        let n = match conn.read(&mut buf, None).await {
            Ok(n) => n,
            Err(e) => {
                tracing::debug!(error = %e, "DTLS association ended");
                return;
            }
        };
        let Ok(msg) = Packet::from_bytes(&buf[..n]) else {
            tracing::debug!(len = n, "undecodable CoAP datagram dropped");
            continue;
        };
        let mid = msg.header.message_id;
        if msg.header.get_type() == MessageType::Confirmable {
            let is_response = matches!(msg.header.code, MessageClass::Response(_));
            let reply = if is_response {
                MessageType::Acknowledgement
            } else {
                MessageType::Reset
            };
            if let Ok(bytes) = block::encode(&block::empty(reply, mid)) {
                let _ = conn.write(&bytes, Some(Duration::from_secs(5))).await;
            }
            if !is_response || seen.contains(&mid) {
                continue;
            }
            if seen.len() == 64 {
                seen.pop_front();
            }
            seen.push_back(mid);
        }
        if tx.try_send(msg).is_err() && tx.is_closed() {
            return;
        }
    }
}
