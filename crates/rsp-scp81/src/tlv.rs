//! Minimal BER-TLV reader and writer for the one-octet tags of the administration
//! session triggering parameters (TS 101 220 §7.1: lengths `00`–`7F`, `81 xx`,
//! `82 xxxx`; non-minimal lengths are refused).

/// Errors of the BER-TLV layer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TlvError {
    /// The input ends before a tag, length or value it announces.
    #[error("truncated TLV")]
    Truncated,
    /// A length coding this codec does not accept (indefinite, more than two length
    /// octets, or non-minimal).
    #[error("invalid BER-TLV length coding")]
    InvalidLength,
    /// A value longer than 65 535 octets.
    #[error("value too long")]
    TooLong,
}

/// One TLV borrowed from its input.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The one-octet tag.
    pub tag: u8,
    /// The value.
    pub value: &'a [u8],
}

/// Reads one TLV from the front of `data`, returning it and the rest.
pub fn read(data: &[u8]) -> Result<(Tlv<'_>, &[u8]), TlvError> {
    let (&tag, rest) = data.split_first().ok_or(TlvError::Truncated)?;
    let (&first, rest) = rest.split_first().ok_or(TlvError::Truncated)?;
    let (len, rest) = match first {
        0x00..=0x7F => (usize::from(first), rest),
        0x81 => {
            let (&b, rest) = rest.split_first().ok_or(TlvError::Truncated)?;
            if b < 0x80 {
                return Err(TlvError::InvalidLength);
            }
            (usize::from(b), rest)
        }
        0x82 => {
            let bytes = rest.get(..2).ok_or(TlvError::Truncated)?;
            let len = usize::from(u16::from_be_bytes([bytes[0], bytes[1]]));
            if len < 0x100 {
                return Err(TlvError::InvalidLength);
            }
            (len, &rest[2..])
        }
        _ => return Err(TlvError::InvalidLength),
    };
    let value = rest.get(..len).ok_or(TlvError::Truncated)?;
    Ok((Tlv { tag, value }, &rest[len..]))
}

/// Splits `data` into consecutive TLVs; the whole input must be consumed.
pub fn read_all(mut data: &[u8]) -> Result<Vec<Tlv<'_>>, TlvError> {
    let mut out = Vec::new();
    while !data.is_empty() {
        let (tlv, rest) = read(data)?;
        out.push(tlv);
        data = rest;
    }
    Ok(out)
}

/// Appends `tag ‖ length ‖ value`.
pub fn write(out: &mut Vec<u8>, tag: u8, value: &[u8]) -> Result<(), TlvError> {
    out.push(tag);
    let len = value.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if let Ok(b) = u8::try_from(len) {
        out.extend_from_slice(&[0x81, b]);
    } else {
        let w = u16::try_from(len).map_err(|_| TlvError::TooLong)?;
        out.push(0x82);
        out.extend_from_slice(&w.to_be_bytes());
    }
    out.extend_from_slice(value);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_round_trip_and_refuse_non_minimal() {
        for len in [0usize, 0x7F, 0x80, 0xFF, 0x100, 0xFFFF] {
            let value = vec![0xA5; len];
            let mut out = Vec::new();
            write(&mut out, 0x8A, &value).expect("fits");
            let (tlv, rest) = read(&out).expect("reads");
            assert_eq!((tlv.tag, tlv.value.len(), rest.len()), (0x8A, len, 0));
        }
        assert_eq!(
            read(&[0x8A, 0x81, 0x05, 0, 0, 0, 0, 0]),
            Err(TlvError::InvalidLength)
        );
        assert_eq!(
            read(&[0x8A, 0x82, 0x00, 0x05]),
            Err(TlvError::InvalidLength)
        );
        assert_eq!(read(&[0x8A, 0x80]), Err(TlvError::InvalidLength));
        assert_eq!(read(&[0x8A, 0x03, 0x00]), Err(TlvError::Truncated));
        let mut big = Vec::new();
        assert_eq!(
            write(&mut big, 0x8A, &vec![0; 0x10000]),
            Err(TlvError::TooLong)
        );
    }
}
