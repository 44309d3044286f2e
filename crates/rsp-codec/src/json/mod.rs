//! JSON bindings of the RSP functions (SGP.22 v2.5 §6.5): ES2+, ES9+, ES11 and ES12.
//!
//! - [`header`]: request/response headers and `statusCodeData` (§6.5.1.3, §6.5.1.4).
//! - [`es2plus`], [`es9plus`], [`es11`], [`es12`]: one request/response type per function,
//!   with lowerCamelCase field names exactly as SGP.22; optional fields absent on output when
//!   `None`; unknown input fields ignored (forward compatibility).
//! - [`http`]: paths, headers, the per-interface function enums and [`RspFunction`].
//! - Value types: [`Base64Bytes`] (ASN.1 values, opaque here), [`TransactionIdHex`], [`Eid`],
//!   [`Iccid`], [`ConfirmationCode`], [`Timestamp`].
//!
//! `README.md` beside this file tabulates every field with its section and the independent
//! material it was checked against.

mod base64;
pub mod envelope;
mod error;
pub mod es11;
pub mod es12;
pub mod es2plus;
pub mod es9plus;
pub mod header;
pub mod http;
mod ids;
mod lenient;
mod timestamp;

pub use base64::Base64Bytes;
pub use envelope::{NoContent, Outcome, decode_response};
pub use error::FieldError;
pub use header::{
    ExecutionStatus, FunctionExecutionStatus, HeaderOnlyResponse, RequestHeader, ResponseHeader,
    StatusCodeData,
};
pub use http::{
    Es2PlusFunction, Es9PlusFunction, Es11Function, Es12Function, Function, Interface, RspFunction,
};
pub use ids::{ConfirmationCode, Eid, Iccid, TransactionIdHex};
pub use timestamp::Timestamp;
