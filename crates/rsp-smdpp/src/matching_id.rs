//! MatchingID (SGP.22 §4.1 Activation Code, §5.3.2 ConfirmOrder): the token that ties an LPA's
//! download to an order. Generated ones are unguessable.

use std::fmt;

/// Longest Operator-chosen MatchingID accepted (characters).
pub const MAX_LEN: usize = 64;

/// Crockford base32 alphabet: digits and upper-case letters without I, L, O, U.
const ALPHABET: &[u8; 32] = b"0123456789ABCDEFGHJKMNPQRSTVWXYZ";
/// Generated IDs: 5 groups of 5 symbols = 125 bits from the OS RNG.
const GROUPS: usize = 5;
const GROUP_LEN: usize = 5;

/// Longest MatchingID looked up or imported (bytes of UTF-8). ASN.1 gives `matchingId` no
/// bound; this one keeps lookups and stored rows small.
pub const MAX_RECEIVED_LEN: usize = 255;

/// A MatchingID. Those this SM-DP+ issues or accepts in ES2+ are non-empty, made of `0-9`,
/// `A-Z` and `-` (SGP.22 §4.1 restricts the Activation Code's MatchingID to these
/// characters) and at most [`MAX_LEN`] long ([`MatchingId::parse`]). Those an eUICC sends
/// (`matchingId UTF8String`, §5.6.3) and those imported from another system are any
/// non-empty UTF-8 up to [`MAX_RECEIVED_LEN`] bytes ([`MatchingId::received`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct MatchingId(String);

/// A MatchingID that breaks the §4.1 character rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("MatchingID must be 1 to {MAX_LEN} characters of 0-9, A-Z and '-'")]
pub struct InvalidMatchingId;

/// The OS random generator failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the operating system random generator failed")]
pub struct RngError;

impl MatchingId {
    /// Checks an Operator-chosen (or stored) MatchingID.
    pub fn parse(text: &str) -> Result<Self, InvalidMatchingId> {
        let ok = !text.is_empty()
            && text.len() <= MAX_LEN
            && text
                .bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase() || b == b'-');
        if ok {
            Ok(Self(text.to_owned()))
        } else {
            Err(InvalidMatchingId)
        }
    }

    /// A MatchingID as an eUICC sent it or another SM-DP+ issued it: any non-empty UTF-8 of
    /// at most [`MAX_RECEIVED_LEN`] bytes. `None` otherwise (no order can carry it).
    pub fn received(text: &str) -> Option<Self> {
        (!text.is_empty() && text.len() <= MAX_RECEIVED_LEN).then(|| Self(text.to_owned()))
    }

    /// Whether this ID keeps to the §4.1 rules, so an Activation Code can carry it.
    pub fn is_activation_code_safe(&self) -> bool {
        Self::parse(&self.0).is_ok()
    }

    /// A fresh MatchingID such as `7K2QD-9XWPA-M3R8T-ZC4NB-H6V0E`: 125 bits from the OS RNG.
    pub fn generate() -> Result<Self, RngError> {
        let mut random = [0u8; GROUPS * GROUP_LEN];
        getrandom::fill(&mut random).map_err(|_| RngError)?;
        let mut text = String::with_capacity(GROUPS * (GROUP_LEN + 1));
        for (i, byte) in random.iter().enumerate() {
            if i > 0 && i % GROUP_LEN == 0 {
                text.push('-');
            }
            // 256 is a multiple of 32: the low 5 bits are uniform.
            text.push(char::from(ALPHABET[usize::from(byte & 0x1f)]));
        }
        Ok(Self(text))
    }

    /// The ID as written in the Activation Code.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for MatchingId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn received_ids_are_any_bounded_utf8() {
        for text in ["abc", "order#1 ü", "7K2QD-9XWPA"] {
            assert_eq!(MatchingId::received(text).unwrap().as_str(), text);
        }
        assert!(MatchingId::received("").is_none());
        assert!(MatchingId::received(&"x".repeat(MAX_RECEIVED_LEN)).is_some());
        assert!(MatchingId::received(&"x".repeat(MAX_RECEIVED_LEN + 1)).is_none());
        assert!(
            !MatchingId::received("abc")
                .unwrap()
                .is_activation_code_safe()
        );
        assert!(
            MatchingId::received("ABC-1")
                .unwrap()
                .is_activation_code_safe()
        );
    }
    use std::collections::HashSet;

    #[test]
    fn generated_ids_have_the_documented_shape() {
        for _ in 0..1000 {
            let id = MatchingId::generate().unwrap();
            let s = id.as_str();
            assert_eq!(s.len(), 29);
            let groups: Vec<&str> = s.split('-').collect();
            assert_eq!(groups.len(), 5);
            assert!(groups.iter().all(|g| g.len() == 5));
            assert!(
                groups
                    .iter()
                    .all(|g| g.bytes().all(|b| ALPHABET.contains(&b)))
            );
            assert_eq!(MatchingId::parse(s), Ok(id.clone()));
        }
    }

    #[test]
    fn generated_ids_are_unique_and_use_the_whole_alphabet() {
        let ids: HashSet<String> = (0..10_000)
            .map(|_| MatchingId::generate().unwrap().0)
            .collect();
        assert_eq!(ids.len(), 10_000);
        let used: HashSet<u8> = ids
            .iter()
            .flat_map(|s| s.bytes())
            .filter(|&b| b != b'-')
            .collect();
        assert_eq!(used.len(), 32, "all 32 symbols appear over 250 000 draws");
    }

    #[test]
    fn operator_ids_are_checked() {
        assert!(MatchingId::parse("ABC-123").is_ok());
        assert!(MatchingId::parse(&"A".repeat(MAX_LEN)).is_ok());
        for bad in ["", "abc", "AB C", "AB_C", "ÄB", "A$B"] {
            assert_eq!(MatchingId::parse(bad), Err(InvalidMatchingId), "{bad:?}");
        }
        assert!(MatchingId::parse(&"A".repeat(MAX_LEN + 1)).is_err());
    }
}
