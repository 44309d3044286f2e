//! Distinguished-name helpers: reading attributes as text.

use der::asn1::{Ia5StringRef, ObjectIdentifier, PrintableStringRef, Utf8StringRef};
use der::{Tag, Tagged};
use x509_cert::attr::AttributeTypeAndValue;
use x509_cert::name::Name;

/// `id-at-serialNumber` (X.520), carrying the EID in eUICC certificates (SGP.22 §4.5.2.1.0.3).
pub const SERIAL_NUMBER: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.5");

/// `id-at-organizationName` (X.520).
pub const ORGANIZATION: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.4.10");

/// The text of an attribute value (PrintableString, UTF8String or IA5String).
pub fn value_text(atv: &AttributeTypeAndValue) -> Option<String> {
    let v = &atv.value;
    match v.tag() {
        Tag::PrintableString => PrintableStringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_owned()),
        Tag::Utf8String => Utf8StringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_owned()),
        Tag::Ia5String => Ia5StringRef::try_from(v)
            .ok()
            .map(|s| s.as_str().to_owned()),
        _ => None,
    }
}

/// The text of the single attribute `oid` in `name`; `None` if absent, unreadable or repeated.
pub fn attribute(name: &Name, oid: ObjectIdentifier) -> Option<String> {
    let mut found = name.iter().filter(|atv| atv.oid == oid);
    let first = found.next()?;
    if found.next().is_some() {
        return None;
    }
    value_text(first)
}
