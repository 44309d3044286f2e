//! `rsp bench …`: load benchmarks, one module per role over [`common`].
//!
//! - `rsp bench smdpp` ([`smdpp`]): full downloads through the SM-DP+'s HTTPS ES9+.
//! - `rsp bench smds` ([`smds`]): ES12 registrations and ES11 discoveries at the SM-DS.
//! - `rsp bench eim` ([`eim`]): ESipa empty polls and PSMO round trips at the eIM; its
//!   fleet scale (bulk registration and queueing, PostgreSQL) in [`eim_fleet`].
//! - `rsp bench eim-paths` ([`eim_paths`]): direct against indirect downloads, HTTPS
//!   against CoAP/DTLS polls.
//! - `rsp bench m2m` ([`m2m`], its lab in [`m2m_lab`], its report in [`m2m_report`]): M2M
//!   (SGP.02) Profile downloads through the SM-DP, the SM-SR and the SMSC.

mod common;
mod eim;
mod eim_fleet;
mod eim_paths;
mod hsm;
mod m2m;
mod m2m_lab;
mod m2m_report;
mod smdpp;
mod smds;

use anyhow::Context;
use clap::{Subcommand, ValueEnum};

pub use eim::EimBenchArgs;
pub use eim_paths::EimPathsArgs;
pub use m2m::M2mBenchArgs;
pub use smdpp::SmdppBenchArgs;
pub use smds::SmdsBenchArgs;

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// SM-DP+: concurrent full downloads over HTTPS ES9+ (keep-alive) into virtual eUICCs;
    /// downloads/s, server CPU ms per download, p50/p99 per ES9+ function.
    ///
    /// Without --url, it writes a test PKI, starts `rsp serve smdpp` (SQLite) as a child
    /// process on free loopback ports, imports and orders the profiles (not timed), runs
    /// the downloads, stops the server and removes its working directory (unless --dir).
    /// Exits non-zero after the report when any download failed.
    Smdpp(SmdppBenchArgs),
    /// SM-DS: ES12 RegisterEvent over mutual TLS, then concurrent ES11 discoveries (the
    /// common mutual authentication and the EID's events) by virtual eUICCs over HTTPS;
    /// registrations/s, discoveries/s, server CPU ms per discovery, p50/p99 per function.
    ///
    /// It writes a test PKI, starts `rsp serve smds` (SQLite unless --database) as a child
    /// process on free loopback ports, runs both phases, stops the server and removes its
    /// working directory (unless --dir). Exits non-zero after the report when a call failed.
    Smds(SmdsBenchArgs),
    /// eIM (SGP.32): concurrent empty polls (ESipa GetEimPackage answered
    /// noEimPackageAvailable) over keep-alive HTTPS, then PSMO round trips (queued through
    /// the REST API, run by an IoT virtual eUICC through the IPA, result returned); polls/s,
    /// packages/s, server CPU ms per poll and per package, p50/p99.
    ///
    /// It writes a test PKI, starts `rsp serve eim` (SQLite) as a child process on free
    /// loopback ports, registers the EIDs (not timed), runs both phases, stops the server and
    /// removes its working directory. Exits non-zero after the report when a call failed.
    Eim(EimBenchArgs),
    /// eIM paths (SGP.32): Profile downloads direct (the IPA's ES9+) against indirect (the
    /// eIM relaying ES9+ over ESipa), with the server CPU of the eIM and the SM-DP+ per
    /// download; then empty polls over HTTPS against CoAP/DTLS, with the eIM's CPU per poll.
    ///
    /// It writes a test PKI, starts `rsp serve smdpp` and `rsp serve eim --coap-listen`
    /// (SQLite) as child processes, imports and orders the profiles and registers the
    /// eUICCs (not timed), runs the four phases, stops the servers and removes the working
    /// directory. Exits non-zero when a download or poll failed.
    EimPaths(EimPathsArgs),
    /// M2M (SGP.02): Operator ES2 DownloadProfile orders (with enable) carried out by the
    /// SM-DP over ES3 through the SM-SR, over ES5 (SMS through the lab SMSC, or HTTPS/SCP81
    /// with --transport https) into virtual M2M eUICCs behind modem simulators; downloads/s,
    /// p50/p99 per download, CPU ms per download of the SM-DP, the SM-SR, the SMSC and the
    /// eUICCs, the ES5 operations per download, the ES8 ECC floor.
    ///
    /// It writes a test PKI, starts `rsp m2m smsc`, `rsp serve smsr` and `rsp serve smdp`
    /// (SQLite) as child processes on free loopback ports, creates and registers the eUICCs
    /// and imports the Profiles (not timed), runs the downloads, checks each eUICC holds its
    /// Profile enabled, stops the servers and removes the working directory (unless --dir).
    /// Exits non-zero after the report when a download failed.
    M2m(M2mBenchArgs),
}

/// eUICC certificate curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum BenchCurve {
    /// NIST P-256 only.
    Nist,
    /// brainpoolP256r1 only.
    Brainpool,
}

impl BenchCurve {
    fn dir_name(self) -> &'static str {
        match self {
            BenchCurve::Nist => "nist",
            BenchCurve::Brainpool => "brainpool",
        }
    }
}

pub fn run(cmd: BenchCommand) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    match cmd {
        BenchCommand::Smdpp(args) => runtime.block_on(smdpp::bench_smdpp(args)),
        BenchCommand::Smds(args) => runtime.block_on(smds::bench_smds(args)),
        BenchCommand::Eim(args) => runtime.block_on(eim::bench_eim(args)),
        BenchCommand::EimPaths(args) => runtime.block_on(eim_paths::bench_eim_paths(args)),
        BenchCommand::M2m(args) => runtime.block_on(m2m::bench_m2m(args)),
    }
}
