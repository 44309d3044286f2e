//! SGP.22 ASN.1 types (owned by the asn1 work; see ext.rs for extensibility).
pub mod ext;
