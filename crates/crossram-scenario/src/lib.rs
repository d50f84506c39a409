//! crossram-scenario: playbooks of cross-account delegation, run and proven against the
//! embedded emulator, a spawned `crossram serve`, or any endpoint (the real cloud included).
//!
//! - [`playbook`]: the TOML format (actors, steps, expectations, captures, setup and cleanup,
//!   capabilities), parsed with line numbers for every mistake.
//! - [`runner`]: plays a playbook on a [`Target`] and judges every step.
//! - [`target`]: the [`Target`] trait; [`inprocess`] (default, no sockets), [`spawn`] (a child
//!   `crossram serve`), [`remote`] (any URL, credentials from the environment).
//! - [`report`]: the table, the JSON report and JUnit XML.
//! - [`emulator`]: an emulator for Rust tests in two lines, with clients for A, B, C, their
//!   users and role sessions.
//! - [`builtin`]: the playbooks built into the binary, the seed first.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use crossram_scenario::{Playbook, builtin, inprocess::InProcess, runner};
//!
//! let playbook = Playbook::parse("seed", builtin::SEED)?;
//! let target = InProcess::start().await?;
//! let report = runner::run(&playbook, &target, &mut runner::Quiet).await?;
//! assert!(report.passed);
//! # Ok(()) }
//! ```

pub mod builtin;
pub mod emulator;
pub mod inprocess;
pub mod playbook;
pub mod remote;
pub mod report;
pub mod runner;
pub mod spawn;
pub mod target;
pub mod vars;

/// The emulator's engine ([`Emulator::engine`]: its audit trail, its accounts) and the
/// records it answers with, re-exported so that tests need not depend on crossram-engine.
pub use crossram_engine::{AuditEvent, Engine};
pub use emulator::Emulator;
pub use playbook::{Playbook, PlaybookError};
pub use runner::{RunReport, StepResult, run};
pub use target::{Target, TargetAccount, TargetError};
