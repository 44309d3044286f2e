//! `rsp serve …`: run a server role (owned by the transport work).

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ServeCommand {
    /// Run the SM-DP+ (ES2+, ES9+, admin API).
    Smdpp {},
}

pub fn run(cmd: ServeCommand) -> anyhow::Result<()> {
    match cmd {
        ServeCommand::Smdpp {} => anyhow::bail!("not implemented yet"),
    }
}
