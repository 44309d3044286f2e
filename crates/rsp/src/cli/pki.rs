//! `rsp pki …` (owned by the PKI work).

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum PkiCommand {
    /// Write a complete test PKI for NIST P-256 and brainpoolP256r1.
    Init {
        /// Output directory.
        #[arg(long)]
        out: std::path::PathBuf,
    },
}

pub fn run(cmd: PkiCommand) -> anyhow::Result<()> {
    match cmd {
        PkiCommand::Init { out } => anyhow::bail!("not implemented yet: {}", out.display()),
    }
}
