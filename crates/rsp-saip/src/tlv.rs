//! Minimal BER/DER TLV header reader (ITU-T X.690 §8.1.2–8.1.3), used to frame the
//! elements of a package before handing each to the typed decoder.

/// Tag class (X.690 §8.1.2.2).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Class {
    Universal,
    Application,
    Context,
    Private,
}

/// A parsed TLV header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub class: Class,
    pub constructed: bool,
    pub number: u32,
    /// Bytes of tag and length.
    pub header_len: usize,
    /// Bytes of content.
    pub content_len: usize,
}

impl Header {
    /// Total length of the TLV.
    pub fn total_len(&self) -> usize {
        self.header_len + self.content_len
    }
}

/// The class bits of a tag's first byte (X.690 §8.1.2.2).
fn class_of(first: u8) -> Class {
    match first >> 6 {
        0 => Class::Universal,
        1 => Class::Application,
        2 => Class::Context,
        _ => Class::Private,
    }
}

/// Reads the tag and definite length at the start of `input`; checks that the
/// content fits in `input`. Indefinite lengths are refused (not DER).
pub fn read_header(input: &[u8]) -> Result<Header, &'static str> {
    let mut it = input.iter().copied();
    let first = it.next().ok_or("truncated: missing tag")?;
    let class = class_of(first);
    let constructed = first & 0x20 != 0;
    let mut pos = 1usize;
    let mut number = u32::from(first & 0x1F);
    if number == 0x1F {
        number = 0;
        loop {
            let b = it.next().ok_or("truncated: tag")?;
            pos += 1;
            if number > (u32::MAX >> 7) {
                return Err("tag number too large");
            }
            number = (number << 7) | u32::from(b & 0x7F);
            if b & 0x80 == 0 {
                break;
            }
        }
    }
    let l0 = it.next().ok_or("truncated: missing length")?;
    pos += 1;
    let content_len = if l0 < 0x80 {
        usize::from(l0)
    } else if l0 == 0x80 {
        return Err("indefinite length is not DER");
    } else {
        let n = usize::from(l0 & 0x7F);
        if n > 4 {
            return Err("length field too long");
        }
        let mut len = 0usize;
        for _ in 0..n {
            let b = it.next().ok_or("truncated: length")?;
            len = (len << 8) | usize::from(b);
        }
        pos += n;
        len
    };
    if input.len() - pos < content_len {
        return Err("truncated: content shorter than its length");
    }
    Ok(Header {
        class,
        constructed,
        number,
        header_len: pos,
        content_len,
    })
}

/// Checks that `input` is a sequence of DER TLVs, recursively inside every constructed
/// one, down to `max_depth` levels: tags in their shortest form (X.690 §8.1.2.4), lengths
/// definite and minimal (§10.1), and every constructed value made exactly of TLVs
/// (§8.1.1). Primitive contents are not looked into. On failure returns the offset (in
/// `input`) of the offending TLV and the reason.
pub fn check_der_tree(input: &[u8], max_depth: usize) -> Result<(), (usize, &'static str)> {
    // An explicit stack of the ends of the open constructed values: no recursion.
    let mut ends: Vec<usize> = Vec::with_capacity(max_depth);
    let mut pos = 0usize;
    loop {
        while ends.last() == Some(&pos) {
            ends.pop();
        }
        let end = ends.last().copied().unwrap_or(input.len());
        if pos >= end {
            return Ok(());
        }
        let rest = input.get(pos..end).unwrap_or_default();
        let h = match rest {
            // Fast path, the common case: low tag number, short-form length.
            [t, l, ..] if t & 0x1F != 0x1F && *l < 0x80 && usize::from(*l) <= rest.len() - 2 => {
                Header {
                    class: class_of(*t),
                    constructed: t & 0x20 != 0,
                    number: u32::from(t & 0x1F),
                    header_len: 2,
                    content_len: usize::from(*l),
                }
            }
            _ => {
                let h = read_header(rest).map_err(|r| (pos, r))?;
                check_minimal(rest, &h).map_err(|r| (pos, r))?;
                h
            }
        };
        if h.constructed && ends.len() >= max_depth {
            return Err((pos, "nested too deeply"));
        }
        if h.constructed && h.content_len > 0 {
            ends.push(pos + h.total_len());
            pos += h.header_len;
        } else {
            pos += h.total_len();
        }
    }
}

/// DER's shortest forms of the tag and length read into `h` (X.690 §8.1.2.4, §10.1).
fn check_minimal(tlv: &[u8], h: &Header) -> Result<(), &'static str> {
    let tag_len = if tlv.first().is_some_and(|b| b & 0x1F == 0x1F) {
        if h.number < 0x1F || tlv.get(1) == Some(&0x80) {
            return Err("tag not in its shortest form (X.690 §8.1.2.4)");
        }
        1 + tlv.iter().skip(1).take_while(|b| **b & 0x80 != 0).count() + 1
    } else {
        1
    };
    let len_bytes = h.header_len - tag_len;
    let minimal = match len_bytes {
        1 => true,
        2 => h.content_len >= 0x80,
        n => tlv.get(tag_len + 1).is_some_and(|b| *b != 0) && n <= 5,
    };
    if minimal {
        Ok(())
    } else {
        Err("length not in its shortest form (X.690 §10.1)")
    }
}

/// Appends a DER definite length (X.690 §10.1).
pub fn push_len(out: &mut Vec<u8>, len: usize) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        out.push(0x80 | (bytes.len() - skip) as u8);
        out.extend_from_slice(&bytes[skip..]);
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_multi_byte_tag_and_long_length() {
        let mut v = vec![0xBF, 0x20, 0x82, 0x01, 0x00];
        v.extend(std::iter::repeat_n(0u8, 256));
        let h = read_header(&v).unwrap();
        assert_eq!(
            (h.class, h.constructed, h.number),
            (Class::Context, true, 32)
        );
        assert_eq!((h.header_len, h.content_len), (5, 256));
    }

    #[test]
    fn refuses_truncation_and_indefinite() {
        assert!(read_header(&[]).is_err());
        assert!(read_header(&[0xA0]).is_err());
        assert!(read_header(&[0xA0, 0x80]).is_err());
        assert!(read_header(&[0xA0, 0x03, 0x00]).is_err());
        assert!(read_header(&[0xBF]).is_err());
    }

    #[test]
    fn der_tree_refuses_long_forms_and_stray_bytes() {
        // A0 { 80 01 00, A1 { 81 00 } }
        assert_eq!(
            check_der_tree(&[0xA0, 0x07, 0x80, 0x01, 0x00, 0xA1, 0x02, 0x81, 0x00], 4),
            Ok(())
        );
        // Long-form length for 1 byte.
        assert!(check_der_tree(&[0xA0, 0x81, 0x03, 0x80, 0x01, 0x00], 4).is_err());
        // Leading zero in a two-byte length.
        let mut v = vec![0x04, 0x82, 0x00, 0x80];
        v.extend(std::iter::repeat_n(0u8, 0x80));
        assert_eq!(
            check_der_tree(&v, 4),
            Err((0, "length not in its shortest form (X.690 §10.1)"))
        );
        // High tag form for a low number, and a leading 0x80 in the tag number.
        assert!(check_der_tree(&[0xBF, 0x05, 0x00], 4).is_err());
        assert!(check_der_tree(&[0xBF, 0x80, 0x25, 0x00], 4).is_err());
        assert_eq!(check_der_tree(&[0xBF, 0x25, 0x00], 4), Ok(()));
        // A constructed value whose content is not a TLV sequence.
        assert!(check_der_tree(&[0xA0, 0x02, 0x80, 0x05], 4).is_err());
        // Depth.
        assert!(check_der_tree(&[0xA0, 0x04, 0xA0, 0x02, 0xA0, 0x00], 2).is_err());
        assert_eq!(
            check_der_tree(&[0xA0, 0x04, 0xA0, 0x02, 0xA0, 0x00], 3),
            Ok(())
        );
    }

    #[test]
    fn push_len_is_minimal() {
        let mut v = Vec::new();
        push_len(&mut v, 0x7F);
        push_len(&mut v, 0x80);
        push_len(&mut v, 0x1234);
        assert_eq!(v, [0x7F, 0x81, 0x80, 0x82, 0x12, 0x34]);
    }
}
