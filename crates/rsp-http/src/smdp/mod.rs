//! The SGP.02 M2M SM-DP's transports: its ES3 client of the SM-SR's web service
//! ([`es3_client`]), its ES2 web service for Operators with the order worker and the
//! result sender ([`es2`]), the SM-SRs' notifications received over ES3 and passed on to
//! the Operators over ES2 ([`notify`]), its ES2 calls in the audit trail and metrics
//! ([`trail`]), and its admin API ([`admin`]).

pub mod admin;
pub mod es2;
pub mod es3_client;
pub mod notify;
pub mod trail;
