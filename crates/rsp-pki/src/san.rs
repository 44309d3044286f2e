//! subjectAltName as the GSMA certificates use it: dNSName and registeredID.
//!
//! SGP.26 certificates carry registeredIDs under `2.999` (e.g. `2.999.10`, the test
//! SM-DP+ OID). `const-oid` rejects a second arc above 39, so registeredID values
//! are kept as dotted text, decoded and encoded here (X.690 §8.19).

use der::asn1::{Any, Ia5StringRef};
use der::{Decode, Encode, Tag, TagNumber, Tagged};

/// One subjectAltName entry.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SanEntry {
    /// `dNSName [2] IA5String`.
    Dns(String),
    /// `registeredID [8] OBJECT IDENTIFIER`, dotted.
    RegisteredId(String),
    /// Any other GeneralName alternative, by context tag number.
    Other(u32),
}

/// Decode the extension value `GeneralNames ::= SEQUENCE OF GeneralName`.
pub(crate) fn decode(value: &[u8]) -> der::Result<Vec<SanEntry>> {
    let names = Vec::<Any>::from_der(value)?;
    names
        .iter()
        .map(|n| match n.tag() {
            Tag::ContextSpecific {
                number,
                constructed: false,
            } if number.value() == 2 => Ok(SanEntry::Dns(
                Ia5StringRef::new(n.value())?.as_str().to_owned(),
            )),
            Tag::ContextSpecific {
                number,
                constructed: false,
            } if number.value() == 8 => oid_text(n.value())
                .map(SanEntry::RegisteredId)
                .ok_or_else(|| Tag::ObjectIdentifier.value_error().into()),
            Tag::ContextSpecific { number, .. } => Ok(SanEntry::Other(number.value())),
            other => Err(other.value_error().into()),
        })
        .collect()
}

/// Encode GeneralNames of `entries` (Other entries are skipped).
pub(crate) fn encode(entries: &[SanEntry]) -> der::Result<Vec<u8>> {
    let mut out = Vec::new();
    for e in entries {
        let ctx = |n: u32| Tag::ContextSpecific {
            number: TagNumber(n),
            constructed: false,
        };
        match e {
            SanEntry::Dns(host) => {
                Ia5StringRef::new(host.as_bytes())?;
                out.push(Any::new(ctx(2), host.as_bytes())?);
            }
            SanEntry::RegisteredId(oid) => {
                let content =
                    oid_content(oid).ok_or_else(|| Tag::ObjectIdentifier.value_error())?;
                out.push(Any::new(ctx(8), content)?);
            }
            SanEntry::Other(_) => {}
        }
    }
    out.to_der()
}

/// Dotted text of OBJECT IDENTIFIER content octets.
pub(crate) fn oid_text(content: &[u8]) -> Option<String> {
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut fresh = true;
    for &b in content {
        if fresh && b == 0x80 {
            return None; // non-minimal
        }
        acc = acc.checked_mul(128)?.checked_add(u64::from(b & 0x7f))?;
        fresh = b & 0x80 == 0;
        if fresh {
            arcs.push(acc);
            acc = 0;
        }
    }
    let (&first, rest) = arcs.split_first()?;
    if !fresh {
        return None;
    }
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut text = format!("{a}.{b}");
    for arc in rest {
        text.push_str(&format!(".{arc}"));
    }
    Some(text)
}

/// OBJECT IDENTIFIER content octets of dotted text.
pub(crate) fn oid_content(text: &str) -> Option<Vec<u8>> {
    let arcs: Vec<u64> = text
        .split('.')
        .map(|a| a.parse().ok())
        .collect::<Option<_>>()?;
    let (a, b, rest) = match arcs.as_slice() {
        [a, b, rest @ ..] => (*a, *b, rest),
        _ => return None,
    };
    if a > 2 || (a < 2 && b > 39) {
        return None;
    }
    let mut out = Vec::new();
    let first = a.checked_mul(40)?.checked_add(b)?;
    for arc in std::iter::once(first).chain(rest.iter().copied()) {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut v = arc >> 7;
        while v > 0 {
            groups.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        out.extend(groups.iter().rev());
    }
    Some(out)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn sgp26_registered_ids() {
        // 2.999.1 as in the SGP.26 CI certificate: 88 37 01.
        assert_eq!(oid_content("2.999.1"), Some(vec![0x88, 0x37, 0x01]));
        assert_eq!(oid_text(&[0x88, 0x37, 0x0a]).as_deref(), Some("2.999.10"));
        assert_eq!(oid_text(&[0x2a, 0x86, 0x48]).as_deref(), Some("1.2.840"));
        assert_eq!(oid_text(&[0x88]), None);
        assert_eq!(oid_text(&[0x80, 0x01]), None);
        assert_eq!(oid_content("1.40"), None);
    }

    #[test]
    fn round_trip() {
        let entries = vec![
            SanEntry::Dns("testsmdpplus1.example.com".into()),
            SanEntry::RegisteredId("2.999.10".into()),
        ];
        assert_eq!(decode(&encode(&entries).unwrap()).unwrap(), entries);
    }
}
