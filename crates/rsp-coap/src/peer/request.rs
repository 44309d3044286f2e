//! Requests on one association: the ESipa resource checks (RFC 7252 §5.4.1, §5.9),
//! Block1 reassembly and Block2 serving (RFC 7959), and the handler's answer (§5.2).

use coap_lite::{CoapOption, MessageClass, MessageType, Packet, RequestType, ResponseType};
use tokio::time::Instant;

use super::{Answer, Answered, Cached, Outgoing, Session, Step, Upload};
use crate::block::{self, Block, REQUEST_TAG};
use crate::{CONTENT_FORMAT_OCTET_STREAM, ESIPA_URI_PATH, HandlerError};

impl Session {
    pub(super) fn on_request(&mut self, msg: &Packet) -> Step {
        let path = block::uri_path(msg);
        if path.len() != ESIPA_URI_PATH.len()
            || path
                .iter()
                .zip(ESIPA_URI_PATH)
                .any(|(a, b)| *a != b.as_bytes())
        {
            return Step::Reply(error(msg, ResponseType::NotFound, "unknown resource"));
        }
        if msg.header.code != MessageClass::Request(RequestType::Post) {
            return Step::Reply(error(msg, ResponseType::MethodNotAllowed, "POST only"));
        }
        if block::unknown_critical(msg).is_some() {
            return Step::Reply(error(
                msg,
                ResponseType::BadOption,
                "unsupported critical option",
            ));
        }
        let octets = u32::from(CONTENT_FORMAT_OCTET_STREAM);
        if block::get_uint(msg, CoapOption::ContentFormat)
            .ok()
            .flatten()
            .is_some_and(|f| f != octets)
        {
            return Step::Reply(error(
                msg,
                ResponseType::UnsupportedContentFormat,
                "application/octet-stream only",
            ));
        }
        if block::get_uint(msg, CoapOption::Accept)
            .ok()
            .flatten()
            .is_some_and(|f| f != octets)
        {
            return Step::Reply(error(
                msg,
                ResponseType::NotAcceptable,
                "application/octet-stream only",
            ));
        }
        let (Ok(block1), Ok(block2)) = (
            block::get_block(msg, CoapOption::Block1),
            block::get_block(msg, CoapOption::Block2),
        ) else {
            return Step::Reply(error(msg, ResponseType::BadRequest, "bad block option"));
        };
        let own = self.params.szx();
        let szx2 = block2.map_or(own, |b| b.szx.min(own));
        if let Some(b2) = block2.filter(|b| b.num > 0) {
            return Step::Reply(self.serve_block(msg, b2));
        }
        if self.pending.is_some() {
            return Step::Reply(error(
                msg,
                ResponseType::ServiceUnavailable,
                "one request at a time",
            ));
        }
        let body = match block1 {
            Some(b1) => match self.on_block1(msg, b1) {
                Ok(Some(body)) => body,
                Ok(None) => {
                    // 2.31 Continue acknowledges the block (RFC 7959 §2.3).
                    let mut resp = response(msg, ResponseType::Continue);
                    block::set_block(
                        &mut resp,
                        CoapOption::Block1,
                        Block::new(b1.num, true, b1.szx.min(own)),
                    );
                    return Step::Reply(resp);
                }
                Err(resp) => return Step::Reply(resp),
            },
            None if msg.payload.len() > self.params.max_body_size => {
                return Step::Reply(self.too_large(msg));
            }
            None => msg.payload.clone(),
        };
        Step::Handle { body, block1, szx2 }
    }

    /// Adds one Block1 block; `Ok(Some(body))` when it was the last (RFC 7959 §2.5).
    fn on_block1(&mut self, msg: &Packet, b1: Block) -> Result<Option<Vec<u8>>, Packet> {
        let now = Instant::now();
        let max = self.params.max_body_size;
        if block::get_uint(msg, CoapOption::Size1)
            .ok()
            .flatten()
            .is_some_and(|s| s as usize > max)
        {
            return Err(self.too_large(msg));
        }
        // With M set the payload is exactly one block, and never more than one (§2.2).
        if (b1.more && msg.payload.len() != b1.size()) || msg.payload.len() > b1.size() {
            return Err(error(
                msg,
                ResponseType::BadRequest,
                "block payload does not match SZX",
            ));
        }
        let tag = msg
            .get_first_option(CoapOption::Unknown(REQUEST_TAG))
            .cloned();
        if b1.num == 0 {
            self.upload = Some(Upload {
                tag: tag.clone(),
                body: Vec::new(),
                expires: now + self.lifetime,
            });
        }
        let Some(up) = self
            .upload
            .as_mut()
            .filter(|u| u.tag == tag && u.expires > now)
        else {
            return Err(error(
                msg,
                ResponseType::RequestEntityIncomplete,
                "no block-wise request in progress",
            ));
        };
        let offset = b1.offset();
        if b1.more && offset + msg.payload.len() <= up.body.len() {
            return Ok(None); // a block we already have, under a new message ID
        }
        if offset != up.body.len() {
            // Out of order or missing block (RFC 7959 §2.9.2).
            return Err(error(
                msg,
                ResponseType::RequestEntityIncomplete,
                "block out of order",
            ));
        }
        if up.body.len() + msg.payload.len() > max {
            self.upload = None;
            return Err(self.too_large(msg));
        }
        up.body.extend_from_slice(&msg.payload);
        up.expires = now + self.lifetime;
        if b1.more {
            return Ok(None);
        }
        Ok(self.upload.take().map(|u| u.body))
    }

    /// One block of the kept answer (RFC 7959 §2.4).
    fn serve_block(&mut self, msg: &Packet, b2: Block) -> Packet {
        let now = Instant::now();
        let Some(ans) = self.answer.as_ref().filter(|a| a.expires > now) else {
            return error(
                msg,
                ResponseType::RequestEntityIncomplete,
                "no answer in progress",
            );
        };
        let szx = b2.szx.min(ans.szx);
        let size = 16usize << szx;
        let offset = b2.offset();
        if offset >= ans.body.len() {
            return error(msg, ResponseType::BadOption, "block beyond the end"); // §2.2
        }
        let end = (offset + size).min(ans.body.len());
        let more = end < ans.body.len();
        let mut resp = response(msg, ResponseType::Changed);
        block::set_block(
            &mut resp,
            CoapOption::Block2,
            Block::new((offset / size) as u32, more, szx),
        );
        block::set_uint(
            &mut resp,
            CoapOption::ContentFormat,
            u32::from(CONTENT_FORMAT_OCTET_STREAM),
        );
        resp.payload = ans.body[offset..end].to_vec();
        if !more {
            self.answer = None; // fully fetched; a retransmission is answered from `dedup`
        }
        resp
    }

    /// Sends the handler's answer, piggybacked or as a separate response (§5.2).
    pub(super) async fn on_answer(&mut self, answered: Answered) {
        let Some(p) = self.pending.take() else { return };
        let mut resp = Packet::new();
        resp.set_token(p.token.clone());
        match answered {
            Ok(body) => {
                resp.header.code = MessageClass::Response(ResponseType::Changed);
                let body = body.unwrap_or_default();
                if let Some(b1) = p.block1 {
                    // The final response names the last block (RFC 7959 §2.3).
                    block::set_block(
                        &mut resp,
                        CoapOption::Block1,
                        Block::new(b1.num, false, b1.szx),
                    );
                }
                if !body.is_empty() {
                    block::set_uint(
                        &mut resp,
                        CoapOption::ContentFormat,
                        u32::from(CONTENT_FORMAT_OCTET_STREAM),
                    );
                }
                let size = 16usize << p.szx2;
                if body.len() > size * (1 << 20) {
                    // Block2 NUM has 20 bits (RFC 7959 §2.2): such an answer cannot be sent.
                    tracing::warn!(peer = %self.info.addr, len = body.len(), "answer too large for Block2");
                    resp.header.code = MessageClass::Response(ResponseType::InternalServerError);
                    resp.clear_option(CoapOption::ContentFormat);
                } else if body.len() > size {
                    block::set_block(&mut resp, CoapOption::Block2, Block::new(0, true, p.szx2));
                    block::set_uint(&mut resp, CoapOption::Size2, body.len() as u32);
                    resp.payload = body[..size].to_vec();
                    let expires = Instant::now() + self.lifetime;
                    self.answer = Some(Answer {
                        body,
                        szx: p.szx2,
                        expires,
                    });
                } else {
                    resp.payload = body;
                }
            }
            Err(HandlerError::BadRequest(reason)) => {
                tracing::debug!(peer = %self.info.addr, %reason, "request refused by the handler");
                resp.header.code = MessageClass::Response(ResponseType::BadRequest);
                resp.payload = b"request refused".to_vec();
            }
            Err(HandlerError::Internal(reason)) => {
                tracing::warn!(peer = %self.info.addr, %reason, "handler failed");
                resp.header.code = MessageClass::Response(ResponseType::InternalServerError);
            }
        }
        if !p.acked {
            resp.header.set_type(MessageType::Acknowledgement);
            resp.header.message_id = p.mid;
            if let Ok(bytes) = block::encode(&resp) {
                self.send(&bytes).await;
                self.remember(p.mid, Cached::Reply(bytes));
            }
            return;
        }
        resp.header.set_type(MessageType::Confirmable);
        let mid = self.next_mid;
        self.next_mid = self.next_mid.wrapping_add(1);
        resp.header.message_id = mid;
        if let Ok(bytes) = block::encode(&resp) {
            self.send(&bytes).await;
            let wait = self.params.initial_timeout();
            let next_at = Instant::now() + wait;
            self.outgoing = Some(Outgoing {
                mid,
                bytes,
                attempts: 1,
                wait,
                next_at,
            });
        }
    }

    fn too_large(&self, msg: &Packet) -> Packet {
        let mut resp = error(
            msg,
            ResponseType::RequestEntityTooLarge,
            "request too large",
        );
        block::set_uint(
            &mut resp,
            CoapOption::Size1,
            self.params.max_body_size as u32,
        ); // RFC 7959 §4
        resp
    }
}

/// A piggybacked response to `req` (§5.2.1): ACK, same message ID and token.
fn response(req: &Packet, code: ResponseType) -> Packet {
    let mut resp = Packet::new();
    resp.header.set_type(MessageType::Acknowledgement);
    resp.header.message_id = req.header.message_id;
    resp.header.code = MessageClass::Response(code);
    resp.set_token(req.get_token().to_vec());
    resp
}

/// An error response with a diagnostic payload (§5.5.2).
fn error(req: &Packet, code: ResponseType, diagnostic: &str) -> Packet {
    let mut resp = response(req, code);
    resp.payload = diagnostic.as_bytes().to_vec();
    resp
}
