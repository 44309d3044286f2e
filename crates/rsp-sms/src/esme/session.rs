//! The bound session's task: reads and frames PDUs, completes waiting requests,
//! answers deliver_sm / enquire_link / unbind, and sends enquire_link (SMPP 3.4 §4.11).

use std::time::Duration;

use smpp34::{CommandHeader, SmppError, deliver_sm};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::sync::mpsc;
use tokio::time::Instant;

use super::{Inbound, Pending};
use crate::smpp::{self, id};

pub(super) struct Session {
    pub(super) reader: OwnedReadHalf,
    pub(super) writer: OwnedWriteHalf,
    pub(super) buf: Vec<u8>,
    pub(super) out_rx: mpsc::Receiver<Vec<u8>>,
    pub(super) inbound: mpsc::Sender<Inbound>,
    pub(super) pending: Pending,
    pub(super) keepalive: Duration,
    pub(super) sequence: u32,
}

enum Step {
    Continue,
    Close,
}

impl Session {
    pub(super) async fn run(mut self) {
        let mut ticker = tokio::time::interval_at(Instant::now() + self.keepalive, self.keepalive);
        let mut last_read = Instant::now();
        let mut chunk = vec![0u8; 4096];
        // PDUs that came in the same segment as the bind response (an SMSC with queued
        // traffic sends it at once).
        if let Step::Close = self.drain().await {
            return self.close().await;
        }
        loop {
            // Every branch is cancel-safe: read() either reads or does not, recv() and
            // tick() lose nothing.
            let step = tokio::select! {
                r = self.reader.read(&mut chunk) => match r {
                    Ok(0) | Err(_) => Step::Close,
                    Ok(n) => {
                        last_read = Instant::now();
                        self.buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
                        self.drain().await
                    }
                },
                pdu = self.out_rx.recv() => match pdu {
                    Some(pdu) => self.write(&pdu).await,
                    None => Step::Close,
                },
                _ = ticker.tick() => {
                    if last_read.elapsed() > self.keepalive * 2 {
                        tracing::warn!("SMPP link silent for two enquire_link periods, closing");
                        Step::Close
                    } else {
                        self.sequence = self.sequence.wrapping_add(1) & 0x7fff_ffff;
                        let pdu = smpp::header_only(id::ENQUIRE_LINK, 0, self.sequence.max(0x4000_0000));
                        self.write(&pdu).await
                    }
                }
            };
            if let Step::Close = step {
                break;
            }
        }
        self.close().await;
    }

    async fn close(mut self) {
        let _ = self.writer.shutdown().await;
        // Dropping the senders fails every waiting request with Closed.
        if let Ok(mut p) = self.pending.lock() {
            p.clear();
        }
    }

    async fn write(&mut self, pdu: &[u8]) -> Step {
        match self.writer.write_all(pdu).await {
            Ok(()) => Step::Continue,
            Err(_) => Step::Close,
        }
    }

    async fn drain(&mut self) -> Step {
        loop {
            let pdu = match smpp::take_frame(&mut self.buf) {
                Ok(Some(pdu)) => pdu,
                Ok(None) => return Step::Continue,
                Err(_) => return Step::Close,
            };
            if let Step::Close = self.handle(pdu).await {
                return Step::Close;
            }
        }
    }

    async fn handle(&mut self, pdu: Vec<u8>) -> Step {
        let header: CommandHeader = match smpp::header(&pdu) {
            Ok(h) => h,
            Err(_) => return Step::Close,
        };
        let seq = header.sequence_number;
        if header.command_id & id::RESPONSE_BIT != 0 {
            // Responses (and generic_nack) complete the request with that sequence number;
            // enquire_link_resp has none waiting.
            let waiter = self.pending.lock().ok().and_then(|mut p| p.remove(&seq));
            if let Some(waiter) = waiter {
                let _ = waiter.send(pdu);
            }
            return Step::Continue;
        }
        match header.command_id {
            id::ENQUIRE_LINK => {
                self.write(&smpp::header_only(
                    id::ENQUIRE_LINK | id::RESPONSE_BIT,
                    0,
                    seq,
                ))
                .await
            }
            id::UNBIND => {
                let _ = self
                    .write(&smpp::header_only(id::UNBIND_RESP, 0, seq))
                    .await;
                Step::Close
            }
            id::DELIVER_SM => match deliver_sm::decode(header, &pdu) {
                Ok(d) => {
                    let inbound = Inbound::from_deliver_sm(&d);
                    // Answered once queued: a full channel holds the SMSC back.
                    let resp = if self.inbound.send(inbound).await.is_ok() {
                        d.accept().encode()
                    } else {
                        d.reject(SmppError::ESME_RX_T_APPN).encode()
                    };
                    self.write(&resp).await
                }
                Err(e) => {
                    self.write(&deliver_sm::generic_reject(seq, e).encode())
                        .await
                }
            },
            _ => {
                self.write(&smpp::generic_nack(SmppError::ESME_RINVCMDID, seq))
                    .await
            }
        }
    }
}
