//! GSMA RSP protocol codecs: no I/O, no crypto, no domain rules.
//!
//! - [`asn1`]: Rust types for the SGP.22 v2.5 `RSPDefinitions` ASN.1 module (and, later, the
//!   SGP.32 additions) with DER encoding and DER/BER decoding over `rasn`.
//! - [`json`]: the JSON bindings of ES9+, ES11, ES2+ and ES12 (SGP.22 §6.5/§6.6).
//! - [`status`]: the SGP.22 subject/reason status codes as typed values.
//! - [`tlv`]: raw BER-TLV headers, splitting and wrapping (ES10 dispatch, BPP segments).
//! - [`ws`]: the SGP.02 web-service binding (SOAP 1.2 + WS-Addressing) of ES1, ES3, ES4.

pub mod asn1;
pub mod json;
pub mod sgp02;
pub mod status;
pub mod tlv;
pub mod ws;
