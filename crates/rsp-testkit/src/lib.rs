//! Test support shared by the integration tests of rsp-storage, rsp-http and rsp-lpa. It is a
//! dev-dependency only and never published.
//!
//! - [`euicc_sim`]: a test-side eUICC + LPA that drives the SM-DP+ ES9+ domain and HTTP
//!   binding and checks every SM-DP+ signature independently.
//! - [`pg`]: a fresh PostgreSQL database per test, skipped when PostgreSQL is unreachable
//!   (unless `CI` is set).
//! - [`fs`]: a temporary directory removed on drop.
//! - [`process`]: child processes stopped when the test ends.
//! - [`net`]: loopback ports for servers started later, outside the ephemeral range.

// Test support: a failed setup step should abort the test at once, so unwrap/expect are the
// intended error handling here.
#![allow(clippy::unwrap_used, clippy::expect_used)]

pub mod euicc_sim;
pub mod fs;
pub mod m2m;
pub mod net;
pub mod pg;
pub mod process;

/// `bytes` random bytes as lowercase hex (unique names for databases and directories).
pub fn random_hex(bytes: usize) -> String {
    let mut b = vec![0u8; bytes];
    getrandom::fill(&mut b).unwrap();
    hex::encode(b)
}
