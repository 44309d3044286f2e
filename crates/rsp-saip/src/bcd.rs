//! BCD codings of identifiers: ICCID (ITU-T E.118, ETSI TS 102 221 §13.2), IMSI
//! (3GPP TS 31.102 §4.2.2), dialling numbers (3GPP TS 31.102 §4.4.2.3 / TS 24.008 §10.5.4.7).

use thiserror::Error;

use crate::luhn;

/// A value that is not a valid identifier.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum IdError {
    #[error("{what}: must be decimal digits, got {len} characters with a non-digit")]
    NotDigits { what: &'static str, len: usize },
    #[error("{what}: length {len} outside {min}..={max} digits")]
    Length {
        what: &'static str,
        len: usize,
        min: usize,
        max: usize,
    },
    #[error("ICCID {iccid}: wrong Luhn check digit, expected {expected}")]
    CheckDigit { iccid: String, expected: u8 },
}

/// Digits → BCD with swapped nibbles (first digit in the low nibble), 'F'-padded to `len` bytes.
pub fn encode_swapped(digits: &str, len: usize) -> Vec<u8> {
    let mut out = vec![0xFFu8; len];
    for (i, c) in digits.bytes().take(len * 2).enumerate() {
        let d = c.wrapping_sub(b'0') & 0x0F;
        if let Some(b) = out.get_mut(i / 2) {
            *b = if i % 2 == 0 {
                (*b & 0xF0) | d
            } else {
                (*b & 0x0F) | (d << 4)
            };
        }
    }
    out
}

/// Swapped-nibble BCD → digits, stopping at the first 'F' nibble; other non-decimal
/// nibbles are shown as hex letters.
pub fn decode_swapped(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        for n in [b & 0x0F, b >> 4] {
            if n == 0x0F {
                return s;
            }
            s.push(char::from_digit(u32::from(n), 16).unwrap_or('?'));
        }
    }
    s
}

/// Digits → plain BCD (first digit in the high nibble), 'F'-padded to `len` bytes.
pub fn encode_plain(digits: &str, len: usize) -> Vec<u8> {
    encode_swapped(digits, len)
        .into_iter()
        .map(|b| b.rotate_left(4))
        .collect()
}

/// Plain BCD → digits, stopping at the first 'F' nibble.
pub fn decode_plain(bytes: &[u8]) -> String {
    let swapped: Vec<u8> = bytes.iter().map(|b| b.rotate_left(4)).collect();
    decode_swapped(&swapped)
}

fn check_digits(what: &'static str, s: &str, min: usize, max: usize) -> Result<(), IdError> {
    if !s.bytes().all(|c| c.is_ascii_digit()) {
        return Err(IdError::NotDigits { what, len: s.len() });
    }
    if !(min..=max).contains(&s.len()) {
        return Err(IdError::Length {
            what,
            len: s.len(),
            min,
            max,
        });
    }
    Ok(())
}

/// An ICCID of 19 or 20 digits whose last digit is the Luhn check digit.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Iccid(String);

impl Iccid {
    /// Parses an ICCID: 18 digits get their check digit appended; 19–20 digits are verified.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        check_digits("ICCID", s, 18, 20)?;
        if s.len() == 18 {
            let cd = luhn::check_digit(s).unwrap_or_default();
            return Ok(Self(format!("{s}{cd}")));
        }
        let (body, _) = s.split_at(s.len() - 1);
        if !luhn::is_valid(s) {
            let expected = luhn::check_digit(body).unwrap_or_default();
            return Err(IdError::CheckDigit {
                iccid: s.to_string(),
                expected,
            });
        }
        Ok(Self(s.to_string()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For constants known to be valid (checked by tests).
    pub(crate) fn new_unchecked(s: &str) -> Self {
        Self(s.to_string())
    }

    /// EF.ICCID content: 10 bytes, swapped nibbles (ETSI TS 102 221 §13.2).
    pub fn ef_iccid(&self) -> Vec<u8> {
        encode_swapped(&self.0, 10)
    }

    /// `ProfileHeader.iccid`: 10 bytes, plain BCD as found in the TS.48 test profiles.
    pub fn header_bytes(&self) -> Vec<u8> {
        encode_plain(&self.0, 10)
    }

    /// `ProfileHeader.iccid` in the coding the template already uses: swapped when its
    /// header holds the EF.ICCID bytes' digits in swapped form, else plain.
    pub fn header_bytes_like(&self, old_header: &[u8], old_ef_iccid: &[u8]) -> Vec<u8> {
        let ef = decode_swapped(old_ef_iccid);
        if !ef.is_empty() && decode_plain(old_header) != ef && decode_swapped(old_header) == ef {
            self.ef_iccid()
        } else {
            self.header_bytes()
        }
    }
}

impl core::fmt::Display for Iccid {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// An IMSI of 6 to 15 digits (3GPP TS 23.003 §2.2).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Imsi(String);

impl Imsi {
    /// Parses an IMSI.
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        check_digits("IMSI", s, 6, 15)?;
        Ok(Self(s.to_string()))
    }

    /// The digits.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// For constants known to be valid (checked by tests).
    pub(crate) fn new_unchecked(s: &str) -> Self {
        Self(s.to_string())
    }

    /// EF.IMSI content (3GPP TS 31.102 §4.2.2): length byte, then the parity nibble
    /// ('9' odd, '1' even) and the digits in swapped BCD, 'F'-padded to 9 bytes.
    pub fn ef_imsi(&self) -> Vec<u8> {
        let n = self.0.len();
        let parity = if n % 2 == 1 { '9' } else { '1' };
        let mut out = Vec::with_capacity(9);
        out.push(n.div_ceil(2) as u8 + u8::from(n.is_multiple_of(2)));
        let nibbles = format!("{parity}{}", self.0);
        out.extend(encode_swapped(&nibbles, 8));
        out
    }

    /// Decodes EF.IMSI content; `None` if the length byte is out of range.
    pub fn from_ef_imsi(bytes: &[u8]) -> Option<String> {
        let (&len, rest) = bytes.split_first()?;
        let body = rest.get(..usize::from(len))?;
        if len == 0 || len > 8 {
            return None;
        }
        let all = decode_swapped(body);
        all.get(1..).map(str::to_string)
    }
}

impl core::fmt::Display for Imsi {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A dialling number: optional '+' then 1..=20 digits (TS 31.102 §4.4.2.3 without EXT).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiallingNumber {
    pub international: bool,
    pub digits: String,
}

impl DiallingNumber {
    /// Parses "+33612345678" or "0612345678".
    pub fn parse(s: &str) -> Result<Self, IdError> {
        let s = s.trim();
        let (international, digits) = match s.strip_prefix('+') {
            Some(d) => (true, d),
            None => (false, s),
        };
        check_digits("dialling number", digits, 1, 20)?;
        Ok(Self {
            international,
            digits: digits.to_string(),
        })
    }

    /// Length byte, TON/NPI ('91' international / '81' unknown, ISDN), then 10 bytes of
    /// swapped BCD: the 12-byte address used by EF.MSISDN and EF.SMSP.
    pub fn address12(&self) -> [u8; 12] {
        let mut out = [0xFFu8; 12];
        let bcd = encode_swapped(&self.digits, 10);
        out[0] = 1 + self.digits.len().div_ceil(2) as u8;
        out[1] = if self.international { 0x91 } else { 0x81 };
        out[2..].copy_from_slice(&bcd);
        out
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn iccid_coding_matches_ts48_profiles() {
        // EF.ICCID and header of the TS.48 generic test profile (same digits, two codings).
        let iccid = Iccid::parse("8949449999999990163").unwrap();
        assert_eq!(hex::encode(iccid.ef_iccid()), "989444999999990961f3");
        assert_eq!(hex::encode(iccid.header_bytes()), "8949449999999990163f");
        assert_eq!(decode_swapped(&iccid.ef_iccid()), iccid.as_str());
        assert_eq!(decode_plain(&iccid.header_bytes()), iccid.as_str());
    }

    #[test]
    fn iccid_check_digit_computed_or_verified() {
        assert_eq!(
            Iccid::parse("894944999999999016").unwrap().as_str(),
            "8949449999999990163"
        );
        assert!(matches!(
            Iccid::parse("8949449999999990164"),
            Err(IdError::CheckDigit { expected: 3, .. })
        ));
        assert!(Iccid::parse("89494499999999901a3").is_err());
        assert!(Iccid::parse("1234").is_err());
    }

    #[test]
    fn imsi_coding_ts31102() {
        // 15 digits (odd): parity nibble 9 → 08 09 10 10 10 32 54 76 98.
        let imsi = Imsi::parse("001010123456789").unwrap();
        assert_eq!(hex::encode(imsi.ef_imsi()), "080910101032547698");
        assert_eq!(
            Imsi::from_ef_imsi(&imsi.ef_imsi()).unwrap(),
            "001010123456789"
        );
        // 14 digits (even): parity nibble 1, last nibble F.
        let imsi = Imsi::parse("00101012345678").unwrap();
        assert_eq!(hex::encode(imsi.ef_imsi()), "0801101010325476f8");
        assert_eq!(
            Imsi::from_ef_imsi(&imsi.ef_imsi()).unwrap(),
            "00101012345678"
        );
        assert!(Imsi::parse("0010101234567890").is_err());
    }

    #[test]
    fn dialling_number() {
        let n = DiallingNumber::parse("+33612345678").unwrap();
        assert_eq!(hex::encode(n.address12()), "07913316325476f8ffffffff");
    }
}
