//! One DTLS association on the server: deduplication (RFC 7252 §4.5), piggybacked and
//! separate responses (§5.2), Block1 reassembly and Block2 serving (RFC 7959).

use std::collections::{HashMap, VecDeque};
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use coap_lite::{MessageClass, MessageType, Packet};
use tokio::time::{Instant, sleep_until};
use webrtc_dtls::conn::DTLSConn;

use crate::block::{self, Block};
use crate::{CoapParams, HandlerError, PeerInfo};

mod request;

/// Most remembered message IDs per association.
const DEDUP_CAP: usize = 1024;

/// What a CON message ID got: still being handled, or the reply to send again.
enum Cached {
    InProgress,
    Reply(Vec<u8>),
}

/// A Block1 body being reassembled (RFC 7959 §2.5), matched by Request-Tag (RFC 9175 §3).
struct Upload {
    tag: Option<Vec<u8>>,
    body: Vec<u8>,
    expires: Instant,
}

/// An answer larger than one block, kept until its last block was fetched (RFC 7959 §2.4).
struct Answer {
    body: Vec<u8>,
    szx: u8,
    expires: Instant,
}

/// The request whose handler runs.
struct Pending {
    mid: u16,
    token: Vec<u8>,
    started: Instant,
    /// An empty ACK was sent: the answer goes as a separate CON response (§5.2.2).
    acked: bool,
    block1: Option<Block>,
    szx2: u8,
}

/// A separate response waiting for its ACK (§4.2).
struct Outgoing {
    mid: u16,
    bytes: Vec<u8>,
    attempts: u32,
    wait: Duration,
    next_at: Instant,
}

enum Step {
    Reply(Packet),
    Handle {
        body: Vec<u8>,
        block1: Option<Block>,
        szx2: u8,
    },
}

pub(crate) struct Session {
    conn: Arc<DTLSConn>,
    info: PeerInfo,
    params: CoapParams,
    lifetime: Duration,
    dedup: HashMap<u16, Cached>,
    dedup_order: VecDeque<(Instant, u16)>,
    upload: Option<Upload>,
    answer: Option<Answer>,
    pending: Option<Pending>,
    outgoing: Option<Outgoing>,
    next_mid: u16,
    last_activity: Instant,
}

type Answered = Result<Option<Vec<u8>>, HandlerError>;

async fn poll_opt<F: Future + Unpin>(f: &mut Option<F>) -> F::Output {
    match f {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}

impl Session {
    pub fn new(conn: Arc<DTLSConn>, info: PeerInfo, params: &CoapParams) -> Self {
        Self {
            conn,
            info,
            params: params.clone(),
            lifetime: params.exchange_lifetime(),
            dedup: HashMap::new(),
            dedup_order: VecDeque::new(),
            upload: None,
            answer: None,
            pending: None,
            outgoing: None,
            next_mid: getrandom::u32().unwrap_or(0) as u16,
            last_activity: Instant::now(),
        }
    }

    pub async fn run<H, Fut>(mut self, handler: &H)
    where
        H: Fn(Vec<u8>, PeerInfo) -> Fut,
        Fut: Future<Output = Answered> + Send,
    {
        let mut running: Option<Pin<Box<Fut>>> = None;
        let mut buf = vec![0u8; 65536];
        loop {
            let deadline = self.next_deadline();
            tokio::select! {
                r = self.conn.read(&mut buf, None) => match r {
                    Ok(n) => {
                        self.last_activity = Instant::now();
                        if let Some(body) = self.on_datagram(&buf[..n]).await {
                            running = Some(Box::pin(handler(body, self.info)));
                        }
                    }
                    Err(e) => {
                        tracing::debug!(peer = %self.info.addr, error = %e, "association read ended");
                        return;
                    }
                },
                r = poll_opt(&mut running) => {
                    running = None;
                    self.on_answer(r).await;
                }
                _ = sleep_until(deadline) => {
                    if !self.on_timer().await {
                        tracing::debug!(peer = %self.info.addr, "association idle");
                        return;
                    }
                }
            }
        }
    }

    fn next_deadline(&self) -> Instant {
        let mut d = self.last_activity + self.params.idle_timeout;
        if let Some(p) = self.pending.as_ref().filter(|p| !p.acked) {
            d = d.min(p.started + self.params.separate_response_after);
        }
        if let Some(o) = &self.outgoing {
            d = d.min(o.next_at);
        }
        d
    }

    /// Returns false when the association has been idle too long.
    async fn on_timer(&mut self) -> bool {
        let now = Instant::now();
        if now >= self.last_activity + self.params.idle_timeout {
            return false;
        }
        let slow = self.pending.as_ref().filter(|p| !p.acked);
        if let Some(mid) = slow
            .filter(|p| now >= p.started + self.params.separate_response_after)
            .map(|p| p.mid)
        {
            self.acknowledge_empty(mid).await;
        }
        if let Some(o) = self.outgoing.as_mut().filter(|o| now >= o.next_at) {
            if o.attempts > self.params.max_retransmit {
                tracing::warn!(peer = %self.info.addr, "separate response not acknowledged, given up");
                self.outgoing = None;
            } else {
                o.attempts += 1;
                o.wait *= 2; // exponential back-off (§4.2)
                o.next_at = now + o.wait;
                let bytes = o.bytes.clone();
                self.send(&bytes).await;
            }
        }
        true
    }

    /// Sends an empty ACK for the running request: its answer becomes a separate response.
    async fn acknowledge_empty(&mut self, mid: u16) {
        if let Some(p) = self.pending.as_mut() {
            p.acked = true;
        }
        if let Ok(bytes) = block::encode(&block::empty(MessageType::Acknowledgement, mid)) {
            self.send(&bytes).await;
            self.remember(mid, Cached::Reply(bytes));
        }
    }

    /// Handles one datagram; returns a complete request body when the handler must run.
    async fn on_datagram(&mut self, d: &[u8]) -> Option<Vec<u8>> {
        let Ok(msg) = Packet::from_bytes(d) else {
            // A malformed CON is rejected with a Reset (§4.2), anything else dropped.
            if d.len() >= 4 && (d[0] >> 4) & 3 == 0 {
                self.reset(u16::from_be_bytes([d[2], d[3]])).await;
            }
            tracing::debug!(peer = %self.info.addr, len = d.len(), "malformed CoAP message");
            return None;
        };
        let mid = msg.header.message_id;
        match msg.header.get_type() {
            MessageType::Acknowledgement | MessageType::Reset => {
                if self.outgoing.as_ref().is_some_and(|o| o.mid == mid) {
                    self.outgoing = None;
                }
                return None;
            }
            // Only confirmable requests are served; others are rejected (§4.3).
            MessageType::NonConfirmable => {
                self.reset(mid).await;
                return None;
            }
            MessageType::Confirmable => {}
        }
        if !matches!(msg.header.code, MessageClass::Request(_)) {
            self.reset(mid).await; // CoAP ping or a stray response (§4.3)
            return None;
        }
        // Deduplication within EXCHANGE_LIFETIME (§4.5): the same reply, no second call.
        self.purge(Instant::now());
        match self.dedup.get(&mid) {
            Some(Cached::Reply(bytes)) => {
                let bytes = bytes.clone();
                self.send(&bytes).await;
                return None;
            }
            Some(Cached::InProgress) => {
                // The client retransmits while the handler runs: acknowledge now (§5.2.2).
                self.acknowledge_empty(mid).await;
                return None;
            }
            None => {}
        }
        match self.on_request(&msg) {
            Step::Reply(resp) => {
                if let Ok(bytes) = block::encode(&resp) {
                    self.send(&bytes).await;
                    self.remember(mid, Cached::Reply(bytes));
                }
                None
            }
            Step::Handle { body, block1, szx2 } => {
                let token = msg.get_token().to_vec();
                let started = Instant::now();
                self.pending = Some(Pending {
                    mid,
                    token,
                    started,
                    acked: false,
                    block1,
                    szx2,
                });
                self.remember(mid, Cached::InProgress);
                Some(body)
            }
        }
    }

    fn remember(&mut self, mid: u16, c: Cached) {
        if self.dedup.insert(mid, c).is_none() {
            self.dedup_order
                .push_back((Instant::now() + self.lifetime, mid));
        }
        while self.dedup_order.len() > DEDUP_CAP {
            if let Some((_, old)) = self.dedup_order.pop_front() {
                self.dedup.remove(&old);
            }
        }
    }

    /// Forgets message IDs older than EXCHANGE_LIFETIME (§4.5).
    fn purge(&mut self, now: Instant) {
        while let Some((expires, mid)) = self.dedup_order.front().copied() {
            if expires > now {
                break;
            }
            self.dedup_order.pop_front();
            self.dedup.remove(&mid);
        }
    }

    async fn reset(&self, mid: u16) {
        if let Ok(bytes) = block::encode(&block::empty(MessageType::Reset, mid)) {
            self.send(&bytes).await;
        }
    }

    async fn send(&self, bytes: &[u8]) {
        if let Err(e) = self.conn.write(bytes, Some(Duration::from_secs(5))).await {
            tracing::debug!(peer = %self.info.addr, error = %e, "DTLS write failed");
        }
    }
}
