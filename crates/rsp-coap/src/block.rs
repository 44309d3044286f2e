//! CoAP message helpers on top of `coap-lite`: the Block1/Block2 option (RFC 7959 §2.2),
//! unsigned integer options (RFC 7252 §3.2), encoding, and the option checks.
//!
//! `coap-lite`'s own `BlockValue` keeps NUM in 16 bits; RFC 7959 allows 20, so the option
//! is coded here.

use coap_lite::{CoapOption, MessageClass, MessageType, Packet, ResponseType};

use crate::CoapError;

/// Request-Tag (RFC 9175 §3.2), option number 292.
pub(crate) const REQUEST_TAG: u16 = 292;

/// A Block1 or Block2 option value (RFC 7959 §2.2): NUM, M and SZX.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Block {
    pub num: u32,
    pub more: bool,
    pub szx: u8,
}

/// Largest NUM that fits the 20 bits of the option (RFC 7959 §2.2).
const MAX_NUM: u32 = (1 << 20) - 1;

impl Block {
    pub fn new(num: u32, more: bool, szx: u8) -> Self {
        Self { num, more, szx }
    }

    /// Block size in bytes: 2 ** (SZX + 4) (RFC 7959 §2.2).
    pub fn size(&self) -> usize {
        16usize << self.szx.min(6)
    }

    /// Byte offset of this block in the body.
    pub fn offset(&self) -> usize {
        self.num as usize * self.size()
    }

    /// The option value as a minimal unsigned integer of 0 to 3 bytes.
    pub fn encode(&self) -> Vec<u8> {
        let v =
            (self.num.min(MAX_NUM) << 4) | (u32::from(self.more) << 3) | u32::from(self.szx & 7);
        encode_uint(v)
    }

    /// Decodes an option value; SZX 7 is reserved (RFC 7959 §2.2).
    pub fn decode(value: &[u8]) -> Result<Self, CoapError> {
        if value.len() > 3 {
            return Err(CoapError::Protocol(
                "block option longer than 3 bytes".into(),
            ));
        }
        let v = decode_uint(value)?;
        let szx = (v & 7) as u8;
        if szx == 7 {
            return Err(CoapError::Protocol("reserved block SZX 7".into()));
        }
        Ok(Self {
            num: v >> 4,
            more: v & 8 != 0,
            szx,
        })
    }
}

/// SZX for a block size, if it is a power of two from 16 to 1024.
pub(crate) fn szx_for(size: usize) -> Option<u8> {
    (0u8..=6).find(|szx| 16usize << szx == size)
}

/// Minimal big-endian unsigned integer (RFC 7252 §3.2: leading zero bytes omitted).
pub(crate) fn encode_uint(v: u32) -> Vec<u8> {
    let bytes = v.to_be_bytes();
    let skip = bytes.iter().take_while(|b| **b == 0).count();
    bytes[skip..].to_vec()
}

/// An unsigned integer option value of at most 4 bytes.
pub(crate) fn decode_uint(value: &[u8]) -> Result<u32, CoapError> {
    if value.len() > 4 {
        return Err(CoapError::Protocol(
            "integer option longer than 4 bytes".into(),
        ));
    }
    Ok(value.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}

/// The first value of a block option, decoded.
pub(crate) fn get_block(p: &Packet, opt: CoapOption) -> Result<Option<Block>, CoapError> {
    p.get_first_option(opt)
        .map(|v| Block::decode(v))
        .transpose()
}

/// The first value of an unsigned integer option, decoded.
pub(crate) fn get_uint(p: &Packet, opt: CoapOption) -> Result<Option<u32>, CoapError> {
    p.get_first_option(opt).map(|v| decode_uint(v)).transpose()
}

pub(crate) fn set_block(p: &mut Packet, opt: CoapOption, b: Block) {
    p.clear_option(opt);
    p.add_option(opt, b.encode());
}

pub(crate) fn set_uint(p: &mut Packet, opt: CoapOption, v: u32) {
    p.clear_option(opt);
    p.add_option(opt, encode_uint(v));
}

/// Encodes a packet; our datagrams stay below the DTLS record limit by construction
/// (block size <= 1024 plus options), so coap-lite's 1280-byte check is kept.
pub(crate) fn encode(p: &Packet) -> Result<Vec<u8>, CoapError> {
    p.to_bytes()
        .map_err(|e| CoapError::Protocol(format!("cannot encode CoAP message: {e:?}")))
}

/// An empty message (code 0.00, no token) of the given type: an empty ACK or a Reset
/// (RFC 7252 §4.1, §4.2).
pub(crate) fn empty(kind: MessageType, mid: u16) -> Packet {
    let mut p = Packet::new();
    p.header.set_type(kind);
    p.header.code = MessageClass::Empty;
    p.header.message_id = mid;
    p
}

/// The response code as `c.dd` text (RFC 7252 §5.9).
pub(crate) fn code_text(code: MessageClass) -> String {
    let raw = u8::from(code);
    format!("{}.{:02}", raw >> 5, raw & 0x1f)
}

/// True for 2.xx success codes other than 2.31 Continue.
pub(crate) fn is_final_success(code: MessageClass) -> bool {
    let raw = u8::from(code);
    raw >> 5 == 2 && code != MessageClass::Response(ResponseType::Continue)
}

/// The Uri-Path segments of a request (RFC 7252 §5.10.1).
pub(crate) fn uri_path(p: &Packet) -> Vec<&[u8]> {
    p.get_option(CoapOption::UriPath)
        .map(|l| l.iter().map(Vec::as_slice).collect())
        .unwrap_or_default()
}

/// Options the server understands; any other critical (odd-numbered) option makes a
/// request fail with 4.02 Bad Option (RFC 7252 §5.4.1).
const KNOWN_OPTIONS: [u16; 10] = [3, 7, 11, 12, 17, 23, 27, 28, 60, REQUEST_TAG];

/// The first unknown critical option of a request, if any.
pub(crate) fn unknown_critical(p: &Packet) -> Option<u16> {
    p.options()
        .map(|(n, _)| *n)
        .find(|n| n % 2 == 1 && !KNOWN_OPTIONS.contains(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn block_round_trip_and_limits() {
        for b in [
            Block::new(0, false, 0),
            Block::new(5, true, 6),
            Block::new(MAX_NUM, true, 2),
        ] {
            assert_eq!(Block::decode(&b.encode()).ok(), Some(b));
        }
        assert!(Block::new(0, false, 0).encode().is_empty());
        assert!(Block::decode(&[0x07]).is_err());
        assert!(Block::decode(&[1, 2, 3, 4]).is_err());
        assert_eq!(Block::new(3, true, 6).offset(), 3072);
        assert_eq!(szx_for(1024), Some(6));
        assert_eq!(szx_for(16), Some(0));
        assert_eq!(szx_for(100), None);
    }

    #[test]
    fn codes() {
        assert_eq!(
            code_text(MessageClass::Response(ResponseType::RequestEntityTooLarge)),
            "4.13"
        );
        assert!(is_final_success(MessageClass::Response(
            ResponseType::Changed
        )));
        assert!(!is_final_success(MessageClass::Response(
            ResponseType::Continue
        )));
    }
}
