//! OBJECT IDENTIFIERs as dotted text (how certificates' registeredID and the JSON binding
//! carry them) and back.

use rasn::types::ObjectIdentifier;

/// The OID of dotted text such as `2.999.10`; `None` for anything else.
pub fn oid_from_text(text: &str) -> Option<ObjectIdentifier> {
    let arcs = text
        .split('.')
        .map(|a| a.parse::<u32>().ok())
        .collect::<Option<Vec<u32>>>()?;
    ObjectIdentifier::new(arcs)
}

/// Dotted text of an OID.
pub fn oid_text(oid: &ObjectIdentifier) -> String {
    oid.iter()
        .map(|a| a.to_string())
        .collect::<Vec<_>>()
        .join(".")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oid(arcs: &[u32]) -> Option<ObjectIdentifier> {
        ObjectIdentifier::new(arcs.to_vec())
    }

    #[test]
    #[allow(clippy::unwrap_used)]
    fn dotted_text_is_compared_arc_by_arc() {
        assert_eq!(oid_from_text("2.999.10"), oid(&[2, 999, 10]));
        assert_ne!(oid_from_text("2.999.10"), oid(&[2, 999, 1]));
        assert_ne!(oid_from_text("2.999.1"), oid(&[2, 999, 10]));
        assert_ne!(oid_from_text("2.999.10.1"), oid(&[2, 999, 10]));
        assert_eq!(oid_from_text("2.999.x"), None);
        assert_eq!(oid_text(&oid(&[2, 999, 10]).unwrap()), "2.999.10");
    }
}
