//! The SGP.23 conformance suite of the SM-DP+: one module per SGP.23 section, each test named
//! after its SGP.23 test case and run over real HTTPS (mutual TLS for ES2+) on SQLite and
//! PostgreSQL.
#![allow(clippy::unwrap_used)]

#[path = "../common/mod.rs"]
mod common;

mod es2plus;
mod es9plus;
