//! GlobalPlatform Amendment B remote administration over HTTP (SCP81) on TLS-PSK:
//! the SM-SR's admin server and the eUICC's admin agent (GSMA SGP.02 §2.4.4, ES5 over
//! HTTPS).
//!
//! Layers, each usable alone:
//! - [`trigger`]: the administration session triggering parameters a push SMS carries;
//! - [`headers`], [`message`]: the HTTP binding (typed `X-Admin-*` headers and the two
//!   messages of a dialog), no I/O;
//! - [`tls`]: TLS 1.2 PSK contexts (OpenSSL) and the PSK store trait;
//! - [`server`]: [`server::AdminServer`], the SM-SR side;
//! - [`agent`]: [`agent::AdminAgent`], the eUICC side.
//!
//! Command and response scripts are opaque octets here; `rsp_ota::ram` codes them
//! (ETSI TS 102 226 §5.2 expanded format).

pub mod agent;
pub mod headers;
pub mod message;
pub mod server;
pub mod tls;
mod tlv;
pub mod trigger;

pub use tlv::TlvError;
