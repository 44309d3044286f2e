//! Minimal BER-TLV framing for SCP03t segments and BPP sequences (ISO/IEC 8825-1 §8.1,
//! definite lengths in the minimal form: `0..=7F`, `81 xx`, `82 xxxx`, `83 xxxxxx`).

use crate::CryptoError;

/// Appends the minimal definite-length encoding of `len`.
pub fn encode_length(len: usize, out: &mut Vec<u8>) {
    match len {
        0..=0x7F => out.push(len as u8),
        0x80..=0xFF => out.extend_from_slice(&[0x81, len as u8]),
        0x100..=0xFFFF => {
            out.push(0x82);
            out.extend_from_slice(&(len as u16).to_be_bytes());
        }
        _ => {
            // Lengths above 16 MiB do not occur in RSP; the 3-byte form covers up to 2^24-1
            // and 4 bytes everything a usize on 32-bit targets can hold.
            let bytes = (len as u64).to_be_bytes();
            let first = bytes.iter().position(|b| *b != 0).unwrap_or(7);
            let significant = bytes.get(first..).unwrap_or_default();
            out.push(0x80 | significant.len() as u8);
            out.extend_from_slice(significant);
        }
    }
}

/// Encodes `tag ‖ length ‖ value` (tag given as its full byte string, e.g. `[0xBF, 0x36]`).
pub fn encode_tlv(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 5 + value.len());
    out.extend_from_slice(tag);
    encode_length(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

/// One parsed TLV borrowing from its input.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Tlv<'a> {
    /// The tag bytes (one or more).
    pub tag: &'a [u8],
    /// The tag and length bytes as received (MAC input of SCP03t).
    pub header: &'a [u8],
    /// The value.
    pub value: &'a [u8],
    /// The whole TLV.
    pub raw: &'a [u8],
}

/// Parses one TLV at the start of `input`; returns it and the rest. Rejects truncated
/// input, indefinite and non-minimal lengths.
pub fn parse_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), CryptoError> {
    let tag_len = tag_length(input)?;
    let after_tag = input
        .get(tag_len..)
        .ok_or(CryptoError::Tlv("truncated tag"))?;
    let (len, len_len) = decode_length(after_tag)?;
    let header_len = tag_len + len_len;
    let total = header_len
        .checked_add(len)
        .ok_or(CryptoError::Tlv("length overflow"))?;
    let raw = input
        .get(..total)
        .ok_or(CryptoError::Tlv("value truncated"))?;
    let rest = input.get(total..).unwrap_or_default();
    Ok((
        Tlv {
            tag: raw.get(..tag_len).unwrap_or_default(),
            header: raw.get(..header_len).unwrap_or_default(),
            value: raw.get(header_len..).unwrap_or_default(),
            raw,
        },
        rest,
    ))
}

/// Splits a concatenation of TLVs (e.g. the value of `sequenceOf86`).
pub fn split_tlvs(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, CryptoError> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = parse_tlv(input)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

fn tag_length(input: &[u8]) -> Result<usize, CryptoError> {
    let first = *input.first().ok_or(CryptoError::Tlv("empty input"))?;
    if first & 0x1F != 0x1F {
        return Ok(1);
    }
    // Multi-byte tag: subsequent bytes have bit 8 set except the last.
    for (i, b) in input.iter().enumerate().skip(1).take(3) {
        if b & 0x80 == 0 {
            return Ok(i + 1);
        }
    }
    Err(CryptoError::Tlv("tag too long or truncated"))
}

fn decode_length(input: &[u8]) -> Result<(usize, usize), CryptoError> {
    let first = *input.first().ok_or(CryptoError::Tlv("missing length"))?;
    if first < 0x80 {
        return Ok((usize::from(first), 1));
    }
    let n = usize::from(first & 0x7F);
    if n == 0 {
        return Err(CryptoError::Tlv("indefinite length"));
    }
    if n > 3 {
        return Err(CryptoError::Tlv("length too large"));
    }
    let bytes = input
        .get(1..=n)
        .ok_or(CryptoError::Tlv("truncated length"))?;
    let len = bytes
        .iter()
        .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
    let minimal = match n {
        1 => len >= 0x80,
        2 => len > 0xFF,
        _ => len > 0xFFFF,
    };
    if !minimal {
        return Err(CryptoError::Tlv("non-minimal length"));
    }
    Ok((len, 1 + n))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn length_forms() {
        for (len, enc) in [
            (0usize, vec![0x00]),
            (0x7F, vec![0x7F]),
            (0x80, vec![0x81, 0x80]),
            (0xFF, vec![0x81, 0xFF]),
            (0x100, vec![0x82, 0x01, 0x00]),
            (1016, vec![0x82, 0x03, 0xF8]),
            (0xFFFF, vec![0x82, 0xFF, 0xFF]),
            (0x10000, vec![0x83, 0x01, 0x00, 0x00]),
        ] {
            let mut out = Vec::new();
            encode_length(len, &mut out);
            assert_eq!(out, enc, "{len}");
            assert_eq!(decode_length(&enc).unwrap(), (len, enc.len()));
        }
    }

    #[test]
    fn parse_and_reject() {
        let tlv = encode_tlv(&[0xBF, 0x36], &[1, 2, 3]);
        assert_eq!(tlv, [0xBF, 0x36, 0x03, 1, 2, 3]);
        let (t, rest) = parse_tlv(&tlv).unwrap();
        assert_eq!(t.tag, &[0xBF, 0x36]);
        assert_eq!(t.header, &[0xBF, 0x36, 0x03]);
        assert_eq!(t.value, &[1, 2, 3]);
        assert!(rest.is_empty());
        for bad in [
            &[][..],
            &[0x86],
            &[0x86, 0x05, 1],
            &[0x86, 0x80],
            &[0x86, 0x81, 0x05, 1, 2, 3, 4, 5],
            &[0x86, 0x82, 0x00, 0x05, 1, 2, 3, 4, 5],
            &[0x86, 0x84, 0, 0, 0, 1, 0],
            &[0xBF],
            &[0xBF, 0x80, 0x80, 0x80, 0x80, 0x00],
        ] {
            assert!(parse_tlv(bad).is_err(), "{bad:02x?}");
        }
        let two = [0x86, 0x01, 0xAA, 0x87, 0x00];
        let parts = split_tlvs(&two).unwrap();
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].raw, &[0x87, 0x00]);
    }
}
