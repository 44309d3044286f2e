//! ESipa (GSMA SGP.32 v1.2) over CoAP (RFC 7252) with block-wise transfer (RFC 7959) over
//! DTLS 1.2: the IoT Profile Assistant's client ([`CoapEsipaClient`]) and the eIM's server
//! ([`serve`]).
//!
//! This crate is transport only: it moves opaque DER bytes and knows nothing of ASN.1.
//!
//! # Our reading of the CoAP binding (not SGP.32 text)
//!
//! We have no SGP.32 text on the CoAP binding at hand. This is the reading the crate
//! implements; change it here first if the specification says otherwise.
//!
//! - One ESipa exchange is one **confirmable POST** to the URI path `/gsma/rsp2/asn1`
//!   (three Uri-Path options `gsma`, `rsp2`, `asn1`: [`ESIPA_URI_PATH`]) whose payload is
//!   one DER `EsipaMessageFromIpaToEim`, with Content-Format `application/octet-stream`
//!   ([`CONTENT_FORMAT_OCTET_STREAM`], 42).
//! - The answer is **2.04 Changed** whose payload is one DER `EsipaMessageFromEimToIpa`, or
//!   2.04 with an **empty payload** when the function has no answer (HandleNotification;
//!   HTTP 204 over HTTPS). The client returns `Ok(None)` for it.
//! - A payload the handler refuses is answered **4.00 Bad Request**, a handler failure
//!   **5.00 Internal Server Error**, a request larger than the limit **4.13 Request Entity
//!   Too Large** with Size1 (RFC 7959 §2.9.3, §4); a wrong path 4.04, another method 4.05,
//!   another Content-Format 4.15, an unknown critical option 4.02 (RFC 7252 §5.4.1, §5.9).
//! - Default port [`DEFAULT_COAPS_PORT`] 5684 (`coaps`, RFC 7252 §12.7).
//! - DTLS 1.2 with certificate-based server authentication only (the eIM's TLS
//!   certificate; TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, P-256); the client checks the
//!   chain against its CA roots and the server name. No client certificate: the IPA is
//!   authenticated by ESipa itself (the eUICC's signatures), as over HTTPS.
//! - Block-wise: requests larger than the block size go as Block1 (with a Request-Tag,
//!   RFC 9175 §3, and Size1 in the first block); answers larger than the block size come as
//!   Block2, fetched by the client with further POSTs carrying Block2 NUM > 0 and no payload
//!   (RFC 7959 §2.4, §3.2). The server keeps one answer per association until its last block
//!   was fetched or EXCHANGE_LIFETIME passed. The client announces its block size with
//!   Block2 NUM 0 in the request (early negotiation, RFC 7959 §2.4).
//! - A client runs one exchange at a time per association (ESipa is request/answer);
//!   concurrent calls on one [`CoapEsipaClient`] wait for each other.
//!
//! # Known limits
//!
//! - No DTLS Connection ID (RFC 9146): a NAT rebinding of the IPA's address ends its
//!   association on the server; the IPA then connects again.
//! - A new ClientHello from an address whose association is still open is not a new
//!   handshake (RFC 6347 §4.2.8 is not implemented); that association ends after
//!   [`CoapParams::idle_timeout`] or its close_notify. Clients bind a fresh ephemeral port
//!   per connection, so this only matters behind a NAT that reuses the port at once.
//! - Only confirmable requests are served; a non-confirmable one is answered with a Reset.
//! - DTLS is webrtc-dtls 0.12 (pure Rust, ring); only
//!   TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256 is offered, with P-256 keys.
#![forbid(unsafe_code)]

mod block;
mod client;
mod dtls;
mod error;
mod params;
mod peer;
mod server;
pub mod testing;

pub use client::CoapEsipaClient;
pub use dtls::{ClientDtls, ServerDtls};
pub use error::{CoapError, HandlerError};
pub use params::CoapParams;
pub use server::{PeerInfo, serve, serve_with_params};

/// The Uri-Path segments of the ESipa resource: `/gsma/rsp2/asn1` (our reading).
pub const ESIPA_URI_PATH: [&str; 3] = ["gsma", "rsp2", "asn1"];

/// Content-Format `application/octet-stream` (RFC 7252 §12.3).
pub const CONTENT_FORMAT_OCTET_STREAM: u16 = 42;

/// The default `coaps` port (RFC 7252 §12.7).
pub const DEFAULT_COAPS_PORT: u16 = 5684;
