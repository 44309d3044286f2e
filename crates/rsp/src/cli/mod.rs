//! Command-line surface: one module per command group.

pub mod audit;
pub mod bench;
pub mod card;
pub mod eim_admin;
pub mod euicc;
pub mod euicc_iot;
pub mod hsm;
pub mod ipa;
pub mod lab;
pub mod lpa;
pub mod m2m;
pub mod pki;
pub mod profile;
pub mod quickstart;
pub mod quickstart_iot;
pub mod quickstart_m2m;
pub mod quickstart_m2m_change;
pub mod quickstart_m2m_smdp;
pub mod serve;

use clap::{Parser, Subcommand};

/// GSMA eSIM Remote SIM Provisioning suite (SGP.22 / SGP.32).
#[derive(Debug, Parser)]
#[command(name = "rsp", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Test PKI: write a GSMA-conformant certificate hierarchy, issue and verify certificates.
    #[command(subcommand)]
    Pki(pki::PkiCommand),
    /// Profile packages (TCA SAIP): inspect, validate, personalise, batches.
    #[command(subcommand)]
    Profile(profile::ProfileCommand),
    /// Run a server role: the SM-DP+ or the SM-DS (eIM to come).
    #[command(subcommand)]
    Serve(serve::ServeCommand),
    /// The whole flow on this machine: test PKI, SM-DP+, ES2+ order, LPA download into a
    /// virtual eUICC, enable, notifications; --serve keeps the SM-DP+ running.
    Quickstart(quickstart::QuickstartArgs),
    /// Virtual eUICC: serve it to an LPA (lpac stdio, vpcd/PC-SC), show it, send raw APDUs.
    #[command(subcommand)]
    Euicc(euicc::EuiccCommand),
    /// Local Profile Assistant: download profiles from an SM-DP+, manage them and their
    /// notifications, on the virtual eUICC or a card served over lpac's stdio protocol.
    Lpa(lpa::LpaArgs),
    /// IoT Profile Assistant (SGP.32 IPAd): poll an eIM over ESipa, run its eUICC Packages
    /// and download triggers against an eUICC in IoT mode, return the results.
    Ipa(ipa::IpaArgs),
    /// Load benchmarks: `smdpp` runs concurrent full downloads against an SM-DP+ over
    /// HTTPS ES9+ and reports downloads/s, server CPU per download and latencies.
    #[command(subcommand)]
    Bench(bench::BenchCommand),
    /// Audit trail (SAS-SM) of a server's database: verify the hash chain and the signed
    /// checkpoints, or export the records as JSON lines.
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// PKCS#11 token keys (docs/hsm.md): generate EC key pairs, wrap the data key.
    #[command(subcommand)]
    Hsm(hsm::HsmCommand),
    /// eIM database administration: `import` registers eUICCs from a CSV file.
    #[command(subcommand)]
    Eim(eim_admin::EimCommand),
    /// SGP.02 M2M lab, device side: the lab SMSC and the virtual M2M eUICC in its
    /// modem simulator.
    #[command(subcommand)]
    M2m(m2m::M2mCommand),
}

pub fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Pki(cmd) => pki::run(cmd),
        Command::Profile(cmd) => profile::run(cmd),
        Command::Serve(cmd) => serve::run(cmd),
        Command::Euicc(cmd) => euicc::run(cmd),
        Command::Lpa(args) => lpa::run(args),
        Command::Ipa(args) => ipa::run(args),
        Command::Quickstart(args) => quickstart::run(args),
        Command::Bench(cmd) => bench::run(cmd),
        Command::Audit(cmd) => audit::run(cmd),
        Command::Hsm(cmd) => hsm::run(cmd),
        Command::Eim(cmd) => eim_admin::run(cmd),
        Command::M2m(cmd) => m2m::run(cmd),
    }
}
