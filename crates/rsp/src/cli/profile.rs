//! `rsp profile …` (owned by the profile toolkit work).

use clap::Subcommand;

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Show the elements of a profile package.
    Inspect {
        /// Profile package file (DER).
        file: std::path::PathBuf,
    },
}

pub fn run(cmd: ProfileCommand) -> anyhow::Result<()> {
    match cmd {
        ProfileCommand::Inspect { file } => {
            anyhow::bail!("not implemented yet: {}", file.display())
        }
    }
}
