//! `rsp m2m smsc`: the lab SMSC (rsp_sms::Smsc).

use std::io::Write;
use std::net::SocketAddr;

use anyhow::Context;
use clap::Args;
use rsp_sms::{Account, Smsc, SmscConfig};

/// Arguments of `rsp m2m smsc`.
#[derive(Debug, Args)]
pub struct SmscArgs {
    /// Address to listen on for SMPP (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:2775")]
    listen: SocketAddr,
    /// An ESME account `system_id:password[:address]` (repeat for each ESME); with an
    /// address the account always serves that address, without one the bind's
    /// address_range (a device account: its MSISDN changes with the Profile). Lab use:
    /// the password is visible in the process list.
    #[arg(long = "account", required = true)]
    accounts: Vec<String>,
}

/// Runs the SMSC until SIGINT/SIGTERM.
pub fn run(args: SmscArgs) -> anyhow::Result<()> {
    super::init_logging();
    let accounts = args
        .accounts
        .iter()
        .map(|a| a.parse::<Account>())
        .collect::<Result<Vec<_>, _>>()?;
    super::runtime()?.block_on(async {
        let smsc = Smsc::start(SmscConfig::new(args.listen, accounts))
            .await
            .with_context(|| format!("starting the SMSC on {}", args.listen))?;
        let addr = smsc.local_addr();
        {
            let mut out = std::io::stdout().lock();
            writeln!(out, "{addr}")?;
            out.flush()?;
        }
        tracing::info!(%addr, "SMSC listening");
        super::shutdown_signal().await;
        smsc.shutdown().await;
        Ok(())
    })
}
