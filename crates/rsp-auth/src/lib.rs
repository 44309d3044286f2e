//! The common mutual authentication of SGP.22 v2.5 §3.0.1, shared by every server an eUICC
//! authenticates: the SM-DP+ over ES9+ (§5.6.1, §5.6.3) and the SM-DS over ES11 (§5.8.1,
//! §5.8.2). Transport-free and storage-free; each role keeps its own session and answers with
//! its own status codes where SGP.22 gives them different subjects.
//!
//! - [`credentials`]: the server's authentication credentials per GSMA CI and the CI choice
//!   of InitiateAuthentication.
//! - [`initiate`]: InitiateAuthentication's checks and signed answer.
//! - [`server_signed1`]: `serverSigned1` and its signature.
//! - [`euicc_chain`]: CERT.EUICC / CERT.EUM validation with the SGP.22 codes.
//! - [`client`]: the eUICC's `AuthenticateServerResponse`, verified and checked against the
//!   session.

pub mod client;
pub mod credentials;
pub mod euicc_chain;
pub mod initiate;
pub mod server_signed1;

pub use client::{AuthenticatedEuicc, SessionEcho, verify_authenticate_server_response};
pub use credentials::{SelectError, Selection, ServerCredentials, SigningCredential};
pub use initiate::{InitiateError, Initiated, initiate};
pub use server_signed1::{SUPPORTED_SVN_MAJOR, SignError, random16, server_signed1, svn_supported};
