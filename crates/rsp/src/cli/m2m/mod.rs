//! `rsp m2m`: the device side of the SGP.02 M2M lab — the lab SMSC (`smsc`) and the
//! virtual M2M eUICC in its modem simulator (`euicc`).

mod es4;
mod euicc;
mod smdp_cert;
mod smsc;

use clap::Subcommand;

/// The M2M lab commands.
#[derive(Debug, Subcommand)]
pub enum M2mCommand {
    /// Run the lab SMPP 3.4 SMSC (store and forward between ESMEs) until SIGINT/SIGTERM.
    /// Prints the address it listens on as the first line of stdout.
    Smsc(smsc::SmscArgs),
    /// The virtual M2M eUICC: create it, show it, run it in the modem simulator.
    #[command(subcommand)]
    Euicc(euicc::EuiccCommand),
    /// The Operator's ES4 calls to an SM-SR (SOAP over mutual TLS): get-eis, audit-eis,
    /// enable, disable, delete, set-fallback, update-policy, update-address.
    #[command(subcommand)]
    Es4(es4::Es4Command),
    /// Issue CERT.DP.ECDSA, the M2M SM-DP's GlobalPlatform certificate (tag 7F21, DER),
    /// from its X.509 certificate with the CI's key (for `rsp serve smdp --dp-gp-cert`).
    SmdpCert(smdp_cert::SmdpCertArgs),
}

/// Runs an `rsp m2m` command.
pub fn run(cmd: M2mCommand) -> anyhow::Result<()> {
    match cmd {
        M2mCommand::Smsc(args) => smsc::run(args),
        M2mCommand::Euicc(cmd) => euicc::run(cmd),
        M2mCommand::Es4(cmd) => es4::run(cmd),
        M2mCommand::SmdpCert(args) => smdp_cert::run(args),
    }
}

/// Logs to stderr (RUST_LOG filter, default info).
fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .try_init();
}

/// A multi-threaded runtime for one command.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = ctrl_c => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::error!(error = %e, "cannot listen for SIGTERM");
                let _ = ctrl_c.await;
            }
        }
    }
    #[cfg(not(unix))]
    let _ = ctrl_c.await;
    tracing::info!("shutting down");
}
