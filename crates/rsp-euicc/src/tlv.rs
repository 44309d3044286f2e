//! BER-TLV headers (ISO/IEC 7816-4 §5.2 / X.690 §8.1) as SGP.22 uses them: tags of one or
//! two bytes, definite lengths of up to three bytes. Used to dispatch ES10 requests by
//! tag and to walk a segmented Bound Profile Package.

/// A TLV header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Header {
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
pub(crate) fn header(input: &[u8]) -> Option<Header> {
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

/// Splits one complete TLV off the front of `input`.
pub(crate) fn split_first(input: &[u8]) -> Option<(Header, &[u8], &[u8])> {
    let h = header(input)?;
    if input.len() < h.total_len() {
        return None;
    }
    let (tlv, rest) = input.split_at(h.total_len());
    Some((h, tlv, rest))
}

/// The tags listed in a tag list (`5C`), one or two bytes each.
pub(crate) fn tag_list(mut input: &[u8]) -> Vec<u16> {
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
}
