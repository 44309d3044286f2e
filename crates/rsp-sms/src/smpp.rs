//! SMPP 3.4 framing and the few PDU pieces the `smpp34` codec does not expose to users
//! (the bind request's constructor is crate-private there).

use smpp34::{CommandHeader, SmppError};
use tokio::io::{AsyncRead, AsyncReadExt};
use zeroize::Zeroizing;

/// command_id values (SMPP 3.4 §5.1.2.1).
pub(crate) mod id {
    pub const GENERIC_NACK: u32 = 0x8000_0000;
    pub const SUBMIT_SM: u32 = 0x0000_0004;
    pub const DELIVER_SM: u32 = 0x0000_0005;
    pub const UNBIND: u32 = 0x0000_0006;
    pub const UNBIND_RESP: u32 = 0x8000_0006;
    pub const BIND_TRANSCEIVER: u32 = 0x0000_0009;
    pub const BIND_TRANSCEIVER_RESP: u32 = 0x8000_0009;
    pub const ENQUIRE_LINK: u32 = 0x0000_0015;
    pub const RESPONSE_BIT: u32 = 0x8000_0000;
}

/// Largest PDU we accept (SMPP 3.4 sets no limit; a submit_sm with a full
/// message_payload stays far below this).
pub(crate) const MAX_PDU: usize = 64 * 1024;

/// Field limits of a bind (SMPP 3.4 §4.1.1, C-Octet Strings with their NUL).
pub(crate) const MAX_SYSTEM_ID: usize = 15;
pub(crate) const MAX_PASSWORD: usize = 8;
pub(crate) const MAX_SYSTEM_TYPE: usize = 12;
pub(crate) const MAX_ADDRESS_RANGE: usize = 40;

/// A bind_transceiver PDU (SMPP 3.4 §4.1.5): system_id, password, system_type,
/// interface_version `34`, addr_ton, addr_npi, address_range. The buffer holds the
/// password and is wiped when dropped.
pub(crate) struct BindFields<'a> {
    pub system_id: &'a str,
    pub password: &'a str,
    pub system_type: &'a str,
    pub addr_ton: u8,
    pub addr_npi: u8,
    pub address_range: &'a str,
}

pub(crate) fn bind_transceiver(sequence: u32, f: &BindFields<'_>) -> Zeroizing<Vec<u8>> {
    let mut body = Zeroizing::new(Vec::with_capacity(64));
    for s in [f.system_id, f.password, f.system_type] {
        body.extend_from_slice(s.as_bytes());
        body.push(0);
    }
    body.extend_from_slice(&[0x34, f.addr_ton, f.addr_npi]);
    body.extend_from_slice(f.address_range.as_bytes());
    body.push(0);
    let mut pdu = Zeroizing::new(Vec::with_capacity(16 + body.len()));
    let len = u32::try_from(16 + body.len()).unwrap_or(u32::MAX);
    pdu.extend_from_slice(&len.to_be_bytes());
    pdu.extend_from_slice(&id::BIND_TRANSCEIVER.to_be_bytes());
    pdu.extend_from_slice(&0u32.to_be_bytes());
    pdu.extend_from_slice(&sequence.to_be_bytes());
    pdu.extend_from_slice(&body);
    pdu
}

/// A PDU with only a header (unbind, enquire_link, and their responses).
pub(crate) fn header_only(command_id: u32, status: u32, sequence: u32) -> Vec<u8> {
    CommandHeader {
        command_length: 16,
        command_id,
        command_status: status,
        sequence_number: sequence,
    }
    .encode()
}

/// A generic_nack (SMPP 3.4 §4.3).
pub(crate) fn generic_nack(status: SmppError, sequence: u32) -> Vec<u8> {
    header_only(id::GENERIC_NACK, status as u32, sequence)
}

/// Framing errors.
#[derive(Debug)]
pub(crate) enum FrameError {
    Io(std::io::Error),
    BadLength,
}

/// Takes one whole PDU off the front of `buf`, if present.
pub(crate) fn take_frame(buf: &mut Vec<u8>) -> Result<Option<Vec<u8>>, FrameError> {
    let Some(len) = buf.first_chunk::<4>().map(|b| u32::from_be_bytes(*b)) else {
        return Ok(None);
    };
    let n = usize::try_from(len).unwrap_or(usize::MAX);
    if !(16..=MAX_PDU).contains(&n) {
        return Err(FrameError::BadLength);
    }
    if buf.len() < n {
        return Ok(None);
    }
    let rest = buf.split_off(n);
    Ok(Some(std::mem::replace(buf, rest)))
}

/// Reads until `buf` holds a whole PDU and returns it (cancel-safe only between
/// reads: use it where nothing races it).
pub(crate) async fn read_frame<R: AsyncRead + Unpin>(
    reader: &mut R,
    buf: &mut Vec<u8>,
) -> Result<Vec<u8>, FrameError> {
    loop {
        if let Some(pdu) = take_frame(buf)? {
            return Ok(pdu);
        }
        let mut chunk = [0u8; 4096];
        let n = reader.read(&mut chunk).await.map_err(FrameError::Io)?;
        if n == 0 {
            return Err(FrameError::Io(std::io::ErrorKind::UnexpectedEof.into()));
        }
        buf.extend_from_slice(chunk.get(..n).unwrap_or_default());
    }
}

/// The header of a framed PDU.
pub(crate) fn header(pdu: &[u8]) -> Result<CommandHeader, SmppError> {
    CommandHeader::decode(pdu)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bind_transceiver_layout_and_smpp34_decode() {
        let pdu = bind_transceiver(
            1,
            &BindFields {
                system_id: "smsr",
                password: "pw",
                system_type: "",
                addr_ton: 1,
                addr_npi: 1,
                address_range: "881",
            },
        );
        // SMPP 3.4 §4.1.5: header, then C-Octet strings and three octets.
        let expected: Vec<u8> = [
            &[0, 0, 0, 0x20, 0, 0, 0, 9, 0, 0, 0, 0, 0, 0, 0, 1][..],
            b"smsr\0pw\0\0",
            &[0x34, 1, 1],
            b"881\0",
        ]
        .concat();
        assert_eq!(pdu.as_slice(), expected.as_slice());
        let header = header(&pdu).expect("header");
        let decoded = smpp34::bind_transceiver::decode(header, &pdu).expect("smpp34 decodes it");
        assert_eq!(decoded.system_id, "smsr");
        assert_eq!(decoded.password, "pw");
        assert_eq!(decoded.address_range, "881");
        assert_eq!((decoded.interface_version, decoded.addr_ton), (0x34, 1));
    }

    #[test]
    fn framing() {
        let mut buf = header_only(id::ENQUIRE_LINK, 0, 7);
        buf.extend_from_slice(&[0, 0, 0]);
        let pdu = take_frame(&mut buf).expect("ok").expect("one PDU");
        assert_eq!(pdu.len(), 16);
        assert_eq!(buf, [0, 0, 0]);
        assert!(take_frame(&mut buf).expect("ok").is_none());
        let mut bad = vec![0, 0, 0, 8];
        assert!(matches!(take_frame(&mut bad), Err(FrameError::BadLength)));
        let mut huge = vec![0x7f, 0, 0, 0];
        assert!(matches!(take_frame(&mut huge), Err(FrameError::BadLength)));
    }
}
