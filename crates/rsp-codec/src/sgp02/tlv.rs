//! Strict BER-TLV helpers for the ES5 values: one- or two-octet tags, definite minimal
//! lengths up to `82 FFFF` (TS 101 220 §7.1.2), plus the GP DGI header (GP §11.11.2.3:
//! two-octet tag, length `00`–`FE` or `FF` ‖ two octets).

use super::Sgp02Error;

/// Appends a BER-TLV length.
pub(crate) fn push_len(out: &mut Vec<u8>, len: usize) -> Result<(), Sgp02Error> {
    if len < 0x80 {
        out.push(len as u8);
    } else if let Ok(b) = u8::try_from(len) {
        out.extend_from_slice(&[0x81, b]);
    } else {
        let w = u16::try_from(len).map_err(|_| Sgp02Error::TooLong)?;
        out.push(0x82);
        out.extend_from_slice(&w.to_be_bytes());
    }
    Ok(())
}

/// Appends `tag ‖ L ‖ value`; `tag` is one or two octets (values above `FF`).
pub(crate) fn push_tlv(out: &mut Vec<u8>, tag: u16, value: &[u8]) -> Result<(), Sgp02Error> {
    if tag > 0xFF {
        out.extend_from_slice(&tag.to_be_bytes());
    } else {
        out.push(tag as u8);
    }
    push_len(out, value.len())?;
    out.extend_from_slice(value);
    Ok(())
}

/// `tag ‖ L ‖ value` as a new vector.
pub(crate) fn tlv(tag: u16, value: &[u8]) -> Result<Vec<u8>, Sgp02Error> {
    let mut out = Vec::with_capacity(value.len() + 4);
    push_tlv(&mut out, tag, value)?;
    Ok(out)
}

/// Reads one TLV: tag (two octets when the first has b5..b1 all set), value, rest.
pub(crate) fn read_tlv(input: &[u8]) -> Result<(u16, &[u8], &[u8]), Sgp02Error> {
    let (&first, rest) = input
        .split_first()
        .ok_or(Sgp02Error::Malformed("TLV tag missing"))?;
    let (tag, rest) = if first & 0x1F == 0x1F {
        let (&second, rest) = rest
            .split_first()
            .ok_or(Sgp02Error::Malformed("TLV tag truncated"))?;
        if second & 0x80 != 0 {
            return Err(Sgp02Error::Malformed("tag longer than two octets"));
        }
        ((u16::from(first) << 8) | u16::from(second), rest)
    } else {
        (u16::from(first), rest)
    };
    let (&l, rest) = rest
        .split_first()
        .ok_or(Sgp02Error::Malformed("TLV length missing"))?;
    let (len, rest) = match l {
        0x00..=0x7F => (usize::from(l), rest),
        0x81 => {
            let (&b, rest) = rest
                .split_first()
                .ok_or(Sgp02Error::Malformed("TLV length truncated"))?;
            if b < 0x80 {
                return Err(Sgp02Error::Malformed("non-minimal TLV length"));
            }
            (usize::from(b), rest)
        }
        0x82 => {
            let (w, rest) = rest
                .split_first_chunk::<2>()
                .ok_or(Sgp02Error::Malformed("TLV length truncated"))?;
            let v = u16::from_be_bytes(*w);
            if v < 0x100 {
                return Err(Sgp02Error::Malformed("non-minimal TLV length"));
            }
            (usize::from(v), rest)
        }
        _ => return Err(Sgp02Error::Malformed("unsupported TLV length coding")),
    };
    if rest.len() < len {
        return Err(Sgp02Error::Malformed("TLV value truncated"));
    }
    let (value, rest) = rest.split_at(len);
    Ok((tag, value, rest))
}

/// Reads exactly one TLV with `tag`, nothing after it.
pub(crate) fn read_single<'a>(
    input: &'a [u8],
    tag: u16,
    context: &'static str,
) -> Result<&'a [u8], Sgp02Error> {
    let (t, value, rest) = read_tlv(input)?;
    if t != tag {
        return Err(Sgp02Error::UnexpectedTag { tag: t, context });
    }
    if !rest.is_empty() {
        return Err(Sgp02Error::Malformed("trailing data after the TLV"));
    }
    Ok(value)
}

/// All TLVs of `input` as (tag, value) pairs.
pub(crate) fn read_all(mut input: &[u8]) -> Result<Vec<(u16, &[u8])>, Sgp02Error> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (t, v, rest) = read_tlv(input)?;
        out.push((t, v));
        input = rest;
    }
    Ok(out)
}

/// `DGI ‖ L ‖ value` (GP §11.11.2.3 DGI length coding).
pub(crate) fn dgi(tag: u16, value: &[u8]) -> Result<Vec<u8>, Sgp02Error> {
    let mut out = tag.to_be_bytes().to_vec();
    if value.len() < 0xFF {
        out.push(value.len() as u8);
    } else {
        let w = u16::try_from(value.len()).map_err(|_| Sgp02Error::TooLong)?;
        out.push(0xFF);
        out.extend_from_slice(&w.to_be_bytes());
    }
    out.extend_from_slice(value);
    Ok(out)
}

/// Reads exactly one DGI: its tag and value.
pub(crate) fn read_dgi(input: &[u8]) -> Result<(u16, &[u8]), Sgp02Error> {
    let (tag, rest) = input
        .split_first_chunk::<2>()
        .ok_or(Sgp02Error::Malformed("DGI truncated"))?;
    let (&l, rest) = rest
        .split_first()
        .ok_or(Sgp02Error::Malformed("DGI length missing"))?;
    let (len, rest) = if l == 0xFF {
        let (w, rest) = rest
            .split_first_chunk::<2>()
            .ok_or(Sgp02Error::Malformed("DGI length truncated"))?;
        let v = usize::from(u16::from_be_bytes(*w));
        if v < 0xFF {
            return Err(Sgp02Error::Malformed("non-minimal DGI length"));
        }
        (v, rest)
    } else {
        (usize::from(l), rest)
    };
    if rest.len() != len {
        return Err(Sgp02Error::Malformed("DGI length does not match the data"));
    }
    Ok((u16::from_be_bytes(*tag), rest))
}

/// Minimal big-endian unsigned integer (at least one octet).
pub(crate) fn uint_bytes(v: u32) -> Vec<u8> {
    let b = v.to_be_bytes();
    let skip = b.iter().take_while(|x| **x == 0).count().min(3);
    b.get(skip..).unwrap_or_default().to_vec()
}

/// Big-endian unsigned integer of one to four octets.
pub(crate) fn read_uint(v: &[u8], what: &'static str) -> Result<u32, Sgp02Error> {
    if v.is_empty() || v.len() > 4 {
        return Err(Sgp02Error::InvalidValue(what));
    }
    Ok(v.iter().fold(0u32, |acc, b| (acc << 8) | u32::from(*b)))
}
