//! Project automation, run as `cargo xtask <task>`.
//!
//! - `cargo xtask ci`: everything CI checks, in order: format, lints, tests, docs.
//! - `cargo xtask bench`: crossram against moto and a do-nothing server, and the scale curve
//!   (see `bench.rs`); writes `bench/results.json` and `bench/scale.svg`, and rewrites the
//!   README's benchmark tables from them (see `report.rs`).
//! - `cargo xtask bench-report [--check]`: rewrites the README's benchmark tables from the
//!   committed `bench/results.json` alone (`--check`: fails if they differ instead).

use std::process::{Command, ExitCode};

mod bench;
mod report;
mod tidy;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let task = args.first().map(String::as_str).unwrap_or("help");
    let res = match task {
        "ci" => ci(),
        "bench" => bench::bench(args.get(1..).unwrap_or_default()),
        "bench-report" => match args.get(1).map(String::as_str) {
            None => report::update_readme(&bench::workspace_root()),
            Some("--check") => report::check_readme(&bench::workspace_root()),
            Some(other) => Err(format!("unknown option {other}")),
        },
        _ => {
            eprintln!(
                "usage: cargo xtask ci\n       cargo xtask bench [--requests N] [--scale-requests N] [--sizes 1000,100000] [--no-compare] [--no-scale] [--soak SECS]\n       cargo xtask bench-report [--check]"
            );
            return ExitCode::from(2);
        }
    };
    match res {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("xtask {task}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Runs every check CI relies on, failing at the first one that fails.
fn ci() -> Result<(), String> {
    run("cargo", &["fmt", "--all", "--check"])?;
    run(
        "cargo",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--",
            "-D",
            "warnings",
        ],
    )?;
    run("cargo", &["test", "--workspace", "--no-fail-fast"])?;
    run_env(
        "cargo",
        &["doc", "--workspace", "--no-deps"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    Ok(())
}

pub(crate) fn run(program: &str, args: &[&str]) -> Result<(), String> {
    run_env(program, args, &[])
}

fn run_env(program: &str, args: &[&str], env: &[(&str, &str)]) -> Result<(), String> {
    eprintln!("$ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .envs(env.iter().copied())
        .status()
        .map_err(|e| format!("cannot start `{program}`: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("`{program} {}` failed: {status}", args.join(" ")))
    }
}
