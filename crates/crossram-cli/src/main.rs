//! The `crossram` command: one binary, one clap subcommand per job (`policy simulate` today;
//! `serve` and `run` join as their own modules).

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod load;
mod log_line;
mod log_sink;
mod policy;
mod run;
mod serve;

/// mimalloc rather than the system allocator: a request allocates and frees many small strings,
/// and with glibc malloc that was a fifth of the server's time (`cargo xtask bench` measures it).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// crossram: an emulator, client and scenario runner for Alibaba Cloud RAM, STS and ECS.
#[derive(Debug, Parser)]
#[command(name = "crossram", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Load-test an emulator: signed requests over keep-alive connections, throughput and
    /// latency percentiles.
    Load(load::LoadArgs),
    /// Work with RAM policy documents.
    Policy(policy::PolicyArgs),
    /// Play a playbook (the built-in seed by default) and prove every step.
    Run(run::RunArgs),
    /// Serve the emulator over HTTP (and HTTPS) for SDKs and scripts.
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Load(args) => load::run(args),
        Command::Policy(args) => policy::run(args),
        Command::Run(args) => run::run(args),
        Command::Serve(args) => serve::run(args),
    }
}
