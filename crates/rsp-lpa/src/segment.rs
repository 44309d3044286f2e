//! Segmentation of a Bound Profile Package for ES10b.LoadBoundProfilePackage (SGP.22 v2.5
//! §2.5.5, §5.7.6). Each segment is one ES10 command:
//! 1. the `BF36` tag and length with the whole `BF23` (InitialiseSecureChannel);
//! 2. the `A0` tag and length with the first `87` (ConfigureISDP), then any further `87`;
//! 3. the `A1` tag and length, then each `88` (StoreMetadata);
//! 4. if present, the `A2` tag and length with the first `87` (ReplaceSessionKeys), then
//!    any further `87`;
//! 5. the `A3` tag and length, then each `86` (profile elements).

use crate::error::LpaError;
use rsp_codec::tlv::{self, Header};

fn malformed(what: &str) -> LpaError {
    LpaError::Protocol(format!("malformed BoundProfilePackage: {what}"))
}

/// Member tag of each sequence.
fn member_tag(group: u16) -> u16 {
    match group {
        0xA0 | 0xA2 => 0x87,
        0xA1 => 0x88,
        _ => 0x86,
    }
}

/// The segments of `bpp` (DER of `BoundProfilePackage`), in sending order.
pub fn segments(bpp: &[u8]) -> Result<Vec<Vec<u8>>, LpaError> {
    let (outer, _, trailing) = tlv::split_first(bpp).ok_or_else(|| malformed("framing"))?;
    if outer.tag != 0xBF36 || !trailing.is_empty() {
        return Err(malformed("not one BF36 value"));
    }
    let header = bpp
        .get(..outer.header_len)
        .ok_or_else(|| malformed("BF36 header"))?;
    let body = bpp
        .get(outer.header_len..)
        .ok_or_else(|| malformed("BF36 body"))?;
    let (isc, isc_tlv, mut rest) = tlv::split_first(body).ok_or_else(|| malformed("BF23"))?;
    if isc.tag != 0xBF23 {
        return Err(malformed("first element is not BF23"));
    }
    let mut first = header.to_vec();
    first.extend_from_slice(isc_tlv);
    let mut out = vec![first];
    let mut expected: &[u16] = &[0xA0];
    while !rest.is_empty() {
        let (group, group_tlv, next) =
            tlv::split_first(rest).ok_or_else(|| malformed("sequence framing"))?;
        if !expected.contains(&group.tag) {
            return Err(malformed(&format!("unexpected tag {:X}", group.tag)));
        }
        expected = match group.tag {
            0xA0 => &[0xA1],
            0xA1 => &[0xA2, 0xA3],
            0xA2 => &[0xA3],
            _ => &[],
        };
        push_group(&mut out, group, group_tlv)?;
        rest = next;
    }
    if !expected.is_empty() {
        return Err(malformed("sequenceOf86 (A3) missing"));
    }
    Ok(out)
}

/// The segments of one `A0`..`A3` sequence.
fn push_group(out: &mut Vec<Vec<u8>>, group: Header, whole: &[u8]) -> Result<(), LpaError> {
    let head = whole
        .get(..group.header_len)
        .ok_or_else(|| malformed("sequence header"))?;
    let mut members = whole
        .get(group.header_len..)
        .ok_or_else(|| malformed("sequence body"))?;
    let mut pending = Some(head.to_vec());
    let joins_first = matches!(group.tag, 0xA0 | 0xA2);
    while !members.is_empty() {
        let (m, member, next) =
            tlv::split_first(members).ok_or_else(|| malformed("member framing"))?;
        if m.tag != member_tag(group.tag) {
            return Err(malformed(&format!(
                "member {:X} in sequence {:X}",
                m.tag, group.tag
            )));
        }
        match pending.take() {
            Some(mut h) if joins_first => {
                h.extend_from_slice(member);
                out.push(h);
            }
            Some(h) => {
                out.push(h);
                out.push(member.to_vec());
            }
            None => out.push(member.to_vec()),
        }
        members = next;
    }
    if let Some(h) = pending {
        out.push(h);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsp_codec::tlv::wrap;

    fn bpp(with_a2: bool) -> (Vec<u8>, Vec<u8>, Vec<Vec<u8>>) {
        let isc = wrap(&[0xBF, 0x23], &[0x82, 0x01, 0x01]);
        let e87a = wrap(&[0x87], &[1; 20]);
        let e87b = wrap(&[0x87], &[2; 10]);
        let e88 = wrap(&[0x88], &[3; 200]);
        let e86: Vec<Vec<u8>> = (0..3).map(|i| wrap(&[0x86], &vec![i; 1000])).collect();
        let mut body = isc.clone();
        body.extend(wrap(&[0xA0], &[e87a.clone(), e87b.clone()].concat()));
        body.extend(wrap(&[0xA1], &[e88.clone(), e88.clone()].concat()));
        if with_a2 {
            body.extend(wrap(&[0xA2], &e87b));
        }
        body.extend(wrap(&[0xA3], &e86.concat()));
        let whole = wrap(&[0xBF, 0x36], &body);
        (whole, isc, e86)
    }

    #[test]
    fn splits_as_sgp22_2_5_5() {
        let (whole, isc, e86) = bpp(true);
        let segs = segments(&whole).expect("segments");
        // BF36 header (BF 36 82 xx xx) + BF23.
        assert_eq!(&segs[0][..3], &[0xBF, 0x36, 0x82]);
        assert_eq!(&segs[0][5..], isc.as_slice());
        // A0 header + first 87, then the second 87.
        assert_eq!(&segs[1][..2], &[0xA0, 34]);
        assert_eq!(segs[1].len(), 2 + 22);
        assert_eq!(segs[2][0], 0x87);
        // A1 header alone, then each 88.
        assert_eq!(&segs[3][..2], &[0xA1, 0x82]);
        assert_eq!(segs[3].len(), 4);
        assert_eq!(segs[4][0], 0x88);
        assert_eq!(segs[5][0], 0x88);
        // A2 header + its 87.
        assert_eq!(&segs[6][..3], &[0xA2, 12, 0x87]);
        // A3 header, then each 86.
        assert_eq!(segs[7][0], 0xA3);
        assert_eq!(&segs[8..], e86.as_slice());
        // Nothing lost or added: the concatenation minus the BF36 header is the body.
        let joined: Vec<u8> = segs.concat();
        assert_eq!(joined, whole);
        assert_eq!(segments(&bpp(false).0).expect("no A2").len(), 10);
    }

    #[test]
    fn refuses_bad_structure() {
        let (whole, _, _) = bpp(false);
        assert!(segments(&whole[..whole.len() - 1]).is_err());
        let mut extra = whole.clone();
        extra.push(0);
        assert!(segments(&extra).is_err());
        // No A3.
        let isc = wrap(&[0xBF, 0x23], &[]);
        let body = [isc, wrap(&[0xA0], &[]), wrap(&[0xA1], &[])].concat();
        assert!(segments(&wrap(&[0xBF, 0x36], &body)).is_err());
        // Wrong member tag.
        let body = [
            wrap(&[0xBF, 0x23], &[]),
            wrap(&[0xA0], &wrap(&[0x88], &[1])),
        ]
        .concat();
        assert!(segments(&wrap(&[0xBF, 0x36], &body)).is_err());
    }
}
