//! Identifier encodings the ES9+/ES8+ messages need.

use rsp_codec::json::{Eid, Iccid};

/// The ICCID as `Iccid ::= [APPLICATION 26] OCTET STRING (SIZE(10))`: BCD with swapped
/// nibbles, padded with `F` (as in EF.ICCID, ETSI TS 102 221 §13.2; SGP.22 §5.5.3).
pub fn iccid_bcd(iccid: &Iccid) -> [u8; 10] {
    let mut nibbles = iccid
        .digits()
        .bytes()
        .map(|b| b.wrapping_sub(b'0') & 0x0F)
        .chain(std::iter::repeat(0x0F));
    let mut out = [0u8; 10];
    for byte in &mut out {
        let low = nibbles.next().unwrap_or(0x0F);
        let high = nibbles.next().unwrap_or(0x0F);
        *byte = (high << 4) | low;
    }
    out
}

/// The 16-byte EID (32 digits, BCD, not swapped) used in the key derivation shared info
/// (SGP.22 Annex G). `None` if the EID is not 32 decimal digits.
pub fn eid_bytes(eid: &Eid) -> Option<[u8; 16]> {
    let digits = eid.as_str().as_bytes();
    if digits.len() != 32 || !digits.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let mut out = [0u8; 16];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        if let [a, b] = pair {
            *byte = ((a - b'0') << 4) | (b - b'0');
        }
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn iccid_is_nibble_swapped_and_padded() {
        let i = Iccid::parse("8949000000000000012").unwrap();
        assert_eq!(hex::encode(iccid_bcd(&i)), "989400000000000010f2");
        let i = Iccid::parse("89490000000000000123").unwrap();
        assert_eq!(hex::encode(iccid_bcd(&i)), "98940000000000001032");
    }

    #[test]
    fn eid_is_plain_bcd() {
        let e = Eid::parse("89049032123451234512345678901235").unwrap();
        assert_eq!(
            hex::encode(eid_bytes(&e).unwrap()),
            "89049032123451234512345678901235"
        );
    }
}
