//! `crossram run [PLAYBOOK] [--target in-process | spawn | URL] [--report json | junit:FILE]`:
//! plays a playbook (the built-in seed playbook by default) and proves every step (DESIGN.md
//! contract).
//!
//! Targets: `in-process` (default: the emulator in this process, no sockets), `spawn` (a child
//! `crossram serve --clock-control` on a free loopback port; both of these can move the clock),
//! or a URL (`live` for the public Alibaba Cloud endpoints), with the root keys of A and B from
//! `CROSSRAM_A_ACCESS_KEY_ID`, `CROSSRAM_A_ACCESS_KEY_SECRET`, `CROSSRAM_B_ACCESS_KEY_ID`,
//! `CROSSRAM_B_ACCESS_KEY_SECRET`.
//!
//! Output: a table as steps run and a summary, or with `--report json` one JSON object on
//! stdout (a `steps` array: name, actor, action, expected, outcome, passed, milliseconds);
//! `--report junit:FILE` writes JUnit XML besides the table. Exit status: 0 when every step met
//! its expectation, 1 when one did not, 2 for unusable input (unreadable or malformed playbook,
//! unknown target or report, a target that cannot start or lacks a capability the playbook
//! needs).

use std::io::Write as _;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use clap::Args;
use crossram_scenario::report::{self, TableObserver};
use crossram_scenario::runner::{self, Observer, StepResult};
use crossram_scenario::{Playbook, Target, builtin};

/// `crossram run`.
#[derive(Debug, Args)]
pub(crate) struct RunArgs {
    /// The playbook (a TOML file, or the name of a built-in one such as `expiry`). Without
    /// it, the built-in seed playbook.
    #[arg(value_name = "PLAYBOOK")]
    playbook: Option<PathBuf>,
    /// Where to run: `in-process`, `spawn`, or a URL (`live` for the public cloud).
    #[arg(long, value_name = "TARGET", default_value = "in-process")]
    target: String,
    /// `json` (one JSON object on stdout instead of the table) or `junit:FILE` (JUnit XML
    /// written to FILE, besides the table or the JSON); give both to get both.
    #[arg(long, value_name = "REPORT")]
    report: Vec<String>,
}

/// What a run reports, from `--report`.
#[derive(Default)]
struct Reports {
    /// The JSON object on stdout instead of the table.
    json: bool,
    /// A JUnit XML file.
    junit: Option<PathBuf>,
}

impl Reports {
    fn parse(given: &[String]) -> Result<Self, String> {
        let mut reports = Self::default();
        for r in given {
            let twice = || format!("--report {r} is given twice");
            if r == "json" {
                if reports.json {
                    return Err(twice());
                }
                reports.json = true;
            } else if let Some(file) = r.strip_prefix("junit:").filter(|f| !f.is_empty()) {
                if reports.junit.is_some() {
                    return Err(twice());
                }
                reports.junit = Some(PathBuf::from(file));
            } else {
                return Err(format!(
                    "unknown report `{r}` (expected `json` or `junit:FILE`)"
                ));
            }
        }
        Ok(reports)
    }
}

/// Unusable input: the message on stderr, exit status 2.
fn unusable(message: impl std::fmt::Display) -> ExitCode {
    eprintln!("crossram run: {message}");
    ExitCode::from(2)
}

/// With `--report json` only the JSON goes to stdout: a live run's plan goes to stderr.
struct PlanToStderr;

impl Observer for PlanToStderr {
    fn plan(&mut self, lines: &[String]) {
        eprintln!("plan:");
        for l in lines {
            eprintln!("  {l}");
        }
    }

    fn step(&mut self, _result: &StepResult) {}
}

/// Runs `crossram run`.
pub(crate) fn run(args: RunArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return unusable(format!("cannot start the async runtime: {e}")),
    };
    runtime.block_on(run_async(args))
}

async fn run_async(args: RunArgs) -> ExitCode {
    let reports = match Reports::parse(&args.report) {
        Ok(r) => r,
        Err(e) => return unusable(e),
    };
    match play(&args, &reports).await {
        Ok(code) => code,
        Err(message) => {
            // A CI system that reads the JUnit file sees the run's refusal there too.
            if let Some(file) = &reports.junit {
                let name = args
                    .playbook
                    .as_deref()
                    .map_or_else(|| "seed".to_owned(), |p| p.display().to_string());
                if let Err(e) = std::fs::write(file, report::junit_error(&name, &message)) {
                    eprintln!("crossram run: cannot write {}: {e}", file.display());
                }
            }
            unusable(message)
        }
    }
}

/// Reads, checks and runs the playbook; `Err` is unusable input (exit status 2), its message.
async fn play(args: &RunArgs, reports: &Reports) -> Result<ExitCode, String> {
    let (source, text) = match &args.playbook {
        None => ("seed (built-in)".to_owned(), builtin::SEED.to_owned()),
        Some(path) => match std::fs::read_to_string(path) {
            Ok(t) => (path.display().to_string(), t),
            Err(e) => match path.to_str().and_then(builtin::get) {
                // Not a file, but the name of a built-in playbook.
                Some(t) if e.kind() == std::io::ErrorKind::NotFound => {
                    (format!("{} (built-in)", path.display()), t.to_owned())
                }
                _ => {
                    return Err(format!(
                        "cannot read {}: {e} (built-in playbooks: {})",
                        path.display(),
                        builtin::names()
                    ));
                }
            },
        },
    };
    let playbook = Playbook::parse(&source, &text).map_err(|e| e.to_string())?;
    // The real cloud has neither a console API nor a clock to move: say so before contacting it.
    if matches!(args.target.as_str(), "live" | "aliyun")
        && let Some(capability) = playbook.required_capabilities().into_iter().next()
    {
        return Err(runner::RunError::MissingCapability {
            playbook: playbook.name.clone(),
            capability,
            target: args.target.clone(),
        }
        .to_string());
    }
    let mut target: Box<dyn Target> = start_target(&args.target).await?;
    let checked = runner::check_capabilities(&playbook, target.as_ref())
        .and_then(|()| runner::check_accounts(&playbook, target.as_ref()));
    if let Err(e) = checked {
        let _ = target.teardown().await;
        return Err(e.to_string());
    }
    // SIGINT (Ctrl-C) or SIGTERM (a CI job cancelled or timed out) stops the scenario but not
    // the cleanup: a live account is left as it was found.
    let stop = Arc::new(AtomicBool::new(false));
    let on_signal = stop.clone();
    let signals = tokio::spawn(async move {
        crossram_server::shutdown_signal().await;
        eprintln!("crossram run: interrupted; running cleanup");
        on_signal.store(true, Ordering::SeqCst);
    });
    let stdout = std::io::stdout();
    let result = if reports.json {
        runner::run_until(&playbook, target.as_ref(), &mut PlanToStderr, &stop).await
    } else {
        let mut table = TableObserver::for_playbook(stdout.lock(), &playbook);
        table.header(&playbook.name, &target.describe(), &target.run_prefix());
        runner::run_until(&playbook, target.as_ref(), &mut table, &stop).await
    };
    signals.abort();
    if let Err(e) = target.teardown().await {
        eprintln!("crossram run: {e}");
    }
    let report = result.map_err(|e| e.to_string())?;
    if reports.json {
        let mut out = stdout.lock();
        let _ = writeln!(out, "{}", report::to_json(&report));
    } else {
        TableObserver::new(stdout.lock()).summary(&report);
    }
    if let Some(file) = &reports.junit {
        std::fs::write(file, report::to_junit(&report))
            .map_err(|e| format!("cannot write {}: {e}", file.display()))?;
    }
    Ok(if report.passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

async fn start_target(name: &str) -> Result<Box<dyn Target>, String> {
    match name {
        "in-process" => crossram_scenario::inprocess::InProcess::start()
            .await
            .map(|t| Box::new(t) as Box<dyn Target>)
            .map_err(|e| e.to_string()),
        "spawn" => {
            let exe = std::env::current_exe()
                .map_err(|e| format!("cannot find the crossram executable: {e}"))?;
            crossram_scenario::spawn::Spawned::start(&exe)
                .await
                .map(|t| Box::new(t) as Box<dyn Target>)
                .map_err(|e| e.to_string())
        }
        url if url == "live" || url == "aliyun" || url.contains("://") => {
            crossram_scenario::remote::Remote::connect(url)
                .await
                .map(|t| Box::new(t) as Box<dyn Target>)
                .map_err(|e| e.to_string())
        }
        other => Err(format!(
            "unknown target `{other}` (expected in-process, spawn, live or a URL)"
        )),
    }
}
