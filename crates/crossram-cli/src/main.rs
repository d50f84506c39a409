//! The `crossram` command: one binary, one clap subcommand per job (`run`, `serve`, `call`,
//! `access`, `load`, `policy simulate`), each in its own module.

use std::process::ExitCode;

use clap::{Parser, Subcommand};

mod access;
mod call;
mod client_args;
mod load;
mod log_line;
mod log_sink;
mod policy;
mod run;
mod serve;
mod world;

/// An error and its causes as one line, `outer: cause: root`, leaving out a cause whose text an
/// outer message already contains (many errors print their source in their own message too).
pub(crate) fn error_chain(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if out.contains(&text) {
            continue;
        }
        if !out.is_empty() {
            out.push_str(": ");
        }
        out.push_str(&text);
    }
    out
}

/// Writes `text` and a newline to stdout. A reader that has gone away (`crossram call ... |
/// head -1`) is not a failure of the command: what it did not read it did not want, so the
/// write error is dropped rather than panicking as `println!` does.
pub(crate) fn print_line(text: &str) {
    use std::io::Write as _;
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}").and_then(|()| out.flush());
}

/// The single-threaded runtime a one-shot client command (`call`, `access`) runs on; when it
/// cannot start, says so as `crossram COMMAND: ...` and gives the usage exit status 2.
pub(crate) fn client_runtime(command: &str) -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("crossram {command}: cannot start the async runtime: {e}");
            ExitCode::from(2)
        })
}

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
    /// Make one signed call (RAM, STS or ECS) to the emulator or the real cloud and print the
    /// answer.
    Call(call::CallArgs),
    /// Who can reach an account and who can leave it: every role's trusted principals and
    /// conditions and the policies it grants, the users who may call AssumeRole, and the other
    /// accounts that can assume a role of it.
    Access(access::AccessArgs),
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
        Command::Call(args) => call::run(args),
        Command::Access(args) => access::run(args),
        Command::Load(args) => load::run(args),
        Command::Policy(args) => policy::run(args),
        Command::Run(args) => run::run(args),
        Command::Serve(args) => serve::run(args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cause_already_in_the_message_is_not_repeated() {
        let io = std::io::Error::from(std::io::ErrorKind::AddrInUse);
        let root = io.to_string();
        let e = anyhow::Error::new(io).context(format!("cannot listen on 127.0.0.1:1: {root}"));
        assert_eq!(
            error_chain(&e),
            format!("cannot listen on 127.0.0.1:1: {root}")
        );
        let e = anyhow::anyhow!("inner").context("outer");
        assert_eq!(error_chain(&e), "outer: inner");
    }
}
