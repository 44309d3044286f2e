//! BER-TLV headers (ISO/IEC 7816-4 §5.2 / X.690 §8.1) as SGP.22 uses them outside the typed
//! ASN.1 layer: tags of one or two bytes, definite lengths of up to three bytes. Used to
//! dispatch ES10 requests by tag, to walk and segment a Bound Profile Package (§2.5.5), and
//! to wrap raw values (`5F37` signatures) for the JSON binding.

/// A TLV header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Header {
    /// The tag bytes as a number (`0x86`, `0xBF36`...).
    pub tag: u16,
    /// Bytes of tag and length fields.
    pub header_len: usize,
    /// Bytes of the value.
    pub value_len: usize,
}

impl Header {
    /// Header plus value.
    pub fn total_len(&self) -> usize {
        self.header_len.saturating_add(self.value_len)
    }
}

/// Parses the header at the front of `input` (the value need not be there).
pub fn header(input: &[u8]) -> Option<Header> {
    let first = *input.first()?;
    let (tag, mut pos) = if first & 0x1F == 0x1F {
        let second = *input.get(1)?;
        if second & 0x80 != 0 {
            return None; // tags of three bytes or more are not used by SGP.22
        }
        ((u16::from(first) << 8) | u16::from(second), 2)
    } else {
        (u16::from(first), 1)
    };
    let len_byte = *input.get(pos)?;
    pos += 1;
    let value_len = match len_byte {
        0..=0x7F => usize::from(len_byte),
        0x81..=0x83 => {
            let n = usize::from(len_byte & 0x7F);
            let bytes = input.get(pos..pos + n)?;
            pos += n;
            bytes
                .iter()
                .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
        }
        _ => return None,
    };
    Some(Header {
        tag,
        header_len: pos,
        value_len,
    })
}

/// Splits one complete TLV off the front of `input`: header, the whole TLV, the rest.
pub fn split_first(input: &[u8]) -> Option<(Header, &[u8], &[u8])> {
    let h = header(input)?;
    if input.len() < h.total_len() {
        return None;
    }
    let (tlv, rest) = input.split_at(h.total_len());
    Some((h, tlv, rest))
}

/// True when `bytes` is exactly one TLV with tag `tag`.
pub fn is_single(bytes: &[u8], tag: u16) -> bool {
    matches!(split_first(bytes), Some((h, _, rest)) if h.tag == tag && rest.is_empty())
}

/// The tags listed in a tag list (`5C`), one or two bytes each.
pub fn tag_list(mut input: &[u8]) -> Vec<u16> {
    let mut out = Vec::new();
    while let Some(&first) = input.first() {
        if first & 0x1F == 0x1F {
            let second = input.get(1).copied().unwrap_or(0);
            out.push((u16::from(first) << 8) | u16::from(second));
            input = input.get(2..).unwrap_or_default();
        } else {
            out.push(u16::from(first));
            input = input.get(1..).unwrap_or_default();
        }
    }
    out
}

/// Appends DER length octets (X.690 §8.1.3, definite form, shortest).
pub fn push_length(len: usize, out: &mut Vec<u8>) {
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes = len.to_be_bytes();
        let skip = bytes.iter().take_while(|b| **b == 0).count();
        let significant = bytes.get(skip..).unwrap_or_default();
        out.push(0x80 | significant.len() as u8);
        out.extend_from_slice(significant);
    }
}

/// `tag ‖ length ‖ value`.
pub fn wrap(tag: &[u8], value: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tag.len() + 4 + value.len());
    out.extend_from_slice(tag);
    push_length(value.len(), &mut out);
    out.extend_from_slice(value);
    out
}

/// `bytes` if it already is one TLV with `tag` (as the JSON binding sends `5F37` and `04`
/// values), else `bytes` wrapped under `tag`.
pub fn ensure_tlv(tag: &[u8], bytes: &[u8]) -> Vec<u8> {
    let tag_num = tag.iter().fold(0u16, |acc, b| (acc << 8) | u16::from(*b));
    if is_single(bytes, tag_num) {
        bytes.to_vec()
    } else {
        wrap(tag, bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers() {
        assert_eq!(
            header(&[0xBF, 0x36, 0x82, 0x01, 0x00]),
            Some(Header {
                tag: 0xBF36,
                header_len: 5,
                value_len: 256
            })
        );
        assert_eq!(header(&[0x86, 0x05]).map(|h| h.total_len()), Some(7));
        assert_eq!(header(&[0x86, 0x84, 0, 0, 0, 1]), None);
        assert_eq!(header(&[0xBF]), None);
        assert!(split_first(&[0x86, 0x02, 0x01]).is_none());
        assert_eq!(
            tag_list(&[0x5A, 0x9F, 0x70, 0x90]),
            vec![0x5A, 0x9F70, 0x90]
        );
    }

    #[test]
    fn wrapping() {
        assert_eq!(wrap(&[0x5F, 0x37], &[1, 2]), vec![0x5F, 0x37, 2, 1, 2]);
        let long = vec![0u8; 300];
        assert_eq!(wrap(&[0x86], &long)[..4], [0x86, 0x82, 0x01, 0x2C]);
        assert_eq!(ensure_tlv(&[0x04], &[0x04, 1, 9]), vec![0x04, 1, 9]);
        assert_eq!(ensure_tlv(&[0x04], &[9]), vec![0x04, 1, 9]);
        assert!(is_single(&[0x80, 0], 0x80));
        assert!(!is_single(&[0x80, 0, 0x81, 0], 0x80));
    }
}
