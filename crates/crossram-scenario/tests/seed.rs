//! The seed playbook, and every playbook under `scenarios/`, played in-process: each step
//! must meet its expectation.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use crossram_scenario::inprocess::InProcess;
use crossram_scenario::playbook::Phase;
use crossram_scenario::{Playbook, builtin, runner};

fn failures(report: &crossram_scenario::RunReport) -> String {
    report
        .steps
        .iter()
        .filter(|s| !s.passed)
        .map(|s| {
            format!(
                "line {}: {} [{} -> {}]: {:?}\n",
                s.line, s.name, s.expected, s.outcome, s.detail
            )
        })
        .collect()
}

#[tokio::test]
async fn the_seed_playbook_passes_in_process() {
    let playbook = Playbook::parse("seed", builtin::SEED).unwrap();
    let target = InProcess::start().await.unwrap();
    let report = runner::run(&playbook, &target, &mut runner::Quiet)
        .await
        .unwrap();
    assert!(report.passed, "{}", failures(&report));
    let scenario: Vec<_> = report
        .steps
        .iter()
        .filter(|s| s.phase == Phase::Step)
        .collect();
    assert_eq!(scenario.len(), playbook.step.len());
    // Bob's refusal names what decided.
    let bob = scenario.iter().find(|s| s.actor == "bob").unwrap();
    assert_eq!(bob.outcome, "NoPermission");
    assert!(
        bob.decided_by
            .as_deref()
            .unwrap_or("")
            .contains("ImplicitDeny"),
        "{bob:?}"
    );
    // Nothing in the report holds a secret: the root keys never appear.
    let json = serde_json::to_string(&report).unwrap();
    let secret = target
        .account("a")
        .unwrap()
        .root
        .access_key_secret
        .expose()
        .to_owned();
    assert!(!json.contains(&secret));
    assert!(!json.contains("Alice-passw0rd"));
}

use crossram_scenario::Target as _;

#[tokio::test]
async fn every_playbook_under_scenarios_passes_in_process() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios");
    let mut count = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().and_then(|e| e.to_str()) != Some("toml") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        let playbook = Playbook::parse(&path.display().to_string(), &text).unwrap();
        let target = InProcess::start().await.unwrap();
        let report = runner::run(&playbook, &target, &mut runner::Quiet)
            .await
            .unwrap();
        assert!(report.passed, "{}: {}", path.display(), failures(&report));
        count += 1;
    }
    assert!(count >= 1);
}

#[tokio::test]
async fn a_wrong_expectation_fails_its_step_and_the_run() {
    let text = builtin::SEED.replacen(
        "expect = { error = \"NoPermission\", decision = \"deny\" }",
        "expect = { decision = \"allow\" }",
        1,
    );
    let playbook = Playbook::parse("wrong", &text).unwrap();
    let target = InProcess::start().await.unwrap();
    let report = runner::run(&playbook, &target, &mut runner::Quiet)
        .await
        .unwrap();
    assert!(!report.passed);
    assert_eq!(report.failed_steps, 1, "{}", failures(&report));
    let failed = report.steps.iter().find(|s| !s.passed).unwrap();
    assert_eq!(failed.outcome, "NoPermission");
    assert!(
        failed.detail.as_deref().unwrap().contains("expected allow"),
        "{failed:?}"
    );
}
