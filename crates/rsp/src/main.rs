//! `rsp`: the GSMA eSIM Remote SIM Provisioning suite, one subcommand per role.

mod cli;
mod config;

use clap::Parser;

/// mimalloc instead of glibc's allocator: a download allocates and frees a few thousand
/// small buffers (DER, JSON, rows) across the runtime's threads, where glibc's arenas cost
/// about 6 % of the SM-DP+'s CPU (docs/benchmarks.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Cli::parse();
    match cli::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err:#}");
            std::process::ExitCode::FAILURE
        }
    }
}
