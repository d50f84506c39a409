//! The seed playbook, and every playbook under `scenarios/`, played in-process: each step
//! must meet its expectation.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use crossram_scenario::inprocess::InProcess;
use crossram_scenario::playbook::Phase;
use crossram_scenario::runner::{RunReport, StepResult};
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
    let decided = bob.decided_by.as_deref().unwrap_or("");
    assert!(
        decided.starts_with(
            "ImplicitDeny by AccountLevelIdentityBasedPolicy: the caller's own policies: \
             no statement allows it"
        ),
        "{bob:?}"
    );
    assert!(decided.ends_with("(Bob asking sts:AssumeRole)"), "{bob:?}");
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

/// The seed run in-process with Bob's refusal expected as `expect` instead, and its first step
/// that did not pass.
async fn seed_expecting(expect: &str) -> (RunReport, StepResult) {
    let text = builtin::SEED.replacen(
        "expect = { error = \"NoPermission\", decision = \"deny\" }",
        expect,
        1,
    );
    let playbook = Playbook::parse("wrong", &text).unwrap();
    let target = InProcess::start().await.unwrap();
    let report = runner::run(&playbook, &target, &mut runner::Quiet)
        .await
        .unwrap();
    let failed = report.steps.iter().find(|s| !s.passed).unwrap().clone();
    (report, failed)
}

#[tokio::test]
async fn a_wrong_expectation_fails_its_step_and_the_run() {
    let (report, failed) = seed_expecting("expect = { decision = \"allow\" }").await;
    assert!(!report.passed);
    assert_eq!(report.failed_steps, 1, "{}", failures(&report));
    assert_eq!(failed.outcome, "NoPermission");
    assert!(
        failed.detail.as_deref().unwrap().contains("expected allow"),
        "{failed:?}"
    );
}

#[tokio::test]
async fn a_wrong_kind_of_denial_says_which_kind_came() {
    let (_, failed) =
        seed_expecting("expect = { error = \"NoPermission\", decision = \"explicit-deny\" }").await;
    assert!(
        failed
            .detail
            .as_deref()
            .unwrap()
            .starts_with("expected an explicit deny, got an implicit deny: NoPermission"),
        "{failed:?}"
    );
}

#[tokio::test]
async fn a_stopped_run_skips_the_scenario_but_still_cleans_up() {
    let playbook = Playbook::parse("seed", builtin::SEED).unwrap();
    let target = InProcess::start().await.unwrap();
    let stop = std::sync::atomic::AtomicBool::new(true);
    let report = runner::run_until(&playbook, &target, &mut runner::Quiet, &stop)
        .await
        .unwrap();
    assert!(!report.passed);
    assert_eq!(report.not_run, playbook.setup.len() + playbook.step.len());
    // Every step is in the report; those not run say so, and only cleanup ran.
    let (skipped, ran): (Vec<_>, Vec<_>) = report.steps.iter().partition(|s| s.skipped);
    assert_eq!(skipped.len(), report.not_run);
    assert!(
        skipped
            .iter()
            .all(|s| s.outcome == "not run" && s.detail.as_deref() == Some("the run was stopped"))
    );
    assert_eq!(ran.len(), playbook.cleanup.len());
    assert!(ran.iter().all(|s| s.phase == Phase::Cleanup));
    assert_eq!(report.failed_steps, 0, "a step not run is not a failure");
}

#[tokio::test]
async fn a_failed_setup_step_skips_the_rest_of_setup_and_the_steps_and_the_report_lists_them() {
    // The first setup step asks for an instance in a region the service does not have.
    let text = builtin::SEED.replacen(
        "RegionId = \"cn-hangzhou\"",
        "RegionId = \"xx-nowhere-1\"",
        1,
    );
    let playbook = Playbook::parse("seed", &text).unwrap();
    assert!(!playbook.setup.is_empty());
    let target = InProcess::start().await.unwrap();
    let report = runner::run(&playbook, &target, &mut runner::Quiet)
        .await
        .unwrap();
    assert!(!report.passed);
    assert_eq!(report.failed_steps, 1, "{}", failures(&report));
    assert_eq!(
        report.not_run,
        playbook.setup.len() - 1 + playbook.step.len()
    );
    let total = playbook.setup.len() + playbook.step.len() + playbook.cleanup.len();
    assert_eq!(report.steps.len(), total);
    assert!(
        report
            .steps
            .iter()
            .filter(|s| s.skipped)
            .all(|s| s.detail.as_deref() == Some("a setup step failed"))
    );
    // JUnit: one testcase per step, those not run marked skipped, counts that agree.
    let junit = crossram_scenario::report::to_junit(&report);
    assert_eq!(junit.matches("<testcase ").count(), total);
    assert_eq!(junit.matches("<skipped ").count(), report.not_run);
    assert!(
        junit.contains(&format!(
            "tests=\"{total}\" failures=\"1\" skipped=\"{}\"",
            report.not_run
        )),
        "{junit}"
    );
}

#[tokio::test]
async fn a_playbook_needing_the_clock_is_refused_where_time_cannot_move() {
    #[derive(Debug)]
    struct NoClock(InProcess);
    #[async_trait::async_trait]
    impl crossram_scenario::Target for NoClock {
        fn describe(&self) -> String {
            "no-clock".into()
        }
        fn capabilities(
            &self,
        ) -> std::collections::BTreeSet<crossram_scenario::playbook::Capability> {
            [crossram_scenario::playbook::Capability::Console]
                .into_iter()
                .collect()
        }
        fn http(&self) -> &crossram_scenario::target::HttpEndpoint {
            self.0.http()
        }

        fn accounts(&self) -> &[(String, crossram_scenario::TargetAccount)] {
            self.0.accounts()
        }
    }
    let text = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/expiry.toml"),
    )
    .unwrap();
    let playbook = Playbook::parse("expiry", &text).unwrap();
    let target = NoClock(InProcess::start().await.unwrap());
    let err = runner::run(&playbook, &target, &mut runner::Quiet)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("`clock` capability"), "{err}");
}

#[test]
fn the_format_example_in_the_scenarios_readme_parses() {
    let readme = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../scenarios/README.md"),
    )
    .unwrap();
    let start = readme.find("```toml\n").unwrap() + "```toml\n".len();
    let len = readme[start..].find("```").unwrap();
    let playbook = Playbook::parse("README.md", &readme[start..start + len]).unwrap();
    assert_eq!(playbook.step.len(), 6);
    assert_eq!(
        playbook.required_capabilities().len(),
        2,
        "console and clock"
    );
}

/// The in-process emulator dressed as a live account: a plan first, a run id in every name.
#[derive(Debug)]
struct LiveLike(InProcess);

#[async_trait::async_trait]
impl crossram_scenario::Target for LiveLike {
    fn describe(&self) -> String {
        "live-like".into()
    }
    fn capabilities(&self) -> std::collections::BTreeSet<crossram_scenario::playbook::Capability> {
        self.0.capabilities()
    }
    fn is_live(&self) -> bool {
        true
    }
    fn run_prefix(&self) -> String {
        "crtest01-".into()
    }
    fn http(&self) -> &crossram_scenario::target::HttpEndpoint {
        self.0.http()
    }

    fn accounts(&self) -> &[(String, crossram_scenario::TargetAccount)] {
        self.0.accounts()
    }
}

#[derive(Default)]
struct Recorder {
    plan: Vec<String>,
    steps: usize,
}

impl runner::Observer for Recorder {
    fn plan(&mut self, lines: &[String]) {
        assert_eq!(self.steps, 0, "the plan comes before the first step");
        self.plan = lines.to_vec();
    }
    fn step(&mut self, _result: &crossram_scenario::StepResult) {
        self.steps += 1;
    }
}

#[tokio::test]
async fn a_live_run_plans_first_prefixes_names_and_leaves_nothing_behind() {
    use crossram_client::Product;
    let playbook = Playbook::parse("seed", builtin::SEED).unwrap();
    let target = LiveLike(InProcess::start().await.unwrap());
    let mut recorder = Recorder::default();
    let report = runner::run(&playbook, &target, &mut recorder)
        .await
        .unwrap();
    assert!(report.passed, "{}", failures(&report));
    assert_eq!(recorder.plan.len(), report.steps.len());
    assert!(
        recorder
            .plan
            .iter()
            .any(|l| l.contains("console:switch-role"))
    );

    // The role session's ARN carried the run id (the seed checks it), and cleanup removed
    // every user, role and instance the run created.
    let a = target
        .client(target.account("a").unwrap().root.clone())
        .unwrap();
    let b = target
        .client(target.account("b").unwrap().root.clone())
        .unwrap();
    let roles = a
        .call::<&str, &str>(Product::Ram, "ListRoles", &[])
        .await
        .unwrap();
    assert_eq!(
        roles["Roles"]["Role"].as_array().map(Vec::len),
        Some(0),
        "{roles}"
    );
    let users = b
        .call::<&str, &str>(Product::Ram, "ListUsers", &[])
        .await
        .unwrap();
    assert_eq!(
        users["Users"]["User"].as_array().map(Vec::len),
        Some(0),
        "{users}"
    );
    let instances = a
        .call(
            Product::Ecs,
            "DescribeInstances",
            &[("RegionId", "cn-hangzhou")],
        )
        .await
        .unwrap();
    assert_eq!(instances["TotalCount"], 0, "{instances}");
    // The audit trail shows the prefixed names.
    let events = format!("{:?}", target.0.engine().audit_events("12345678"));
    assert!(events.contains("crtest01-Alice"), "{events}");
}

/// A step is credited to the identity the playbook declares only once `GetCallerIdentity` has
/// confirmed it: keys of one user declared as another, and a session declared as another role's,
/// are steps not performed, with the identity the keys really have.
#[tokio::test]
async fn an_actor_whose_keys_are_someone_else_is_not_credited() {
    let text = r#"
name = "mislabelled"

[vars]
trust = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::${a.id}:root"]}}],"Version":"1"}'

[actors]
a = { kind = "root", account = "a" }
u = { kind = "user", account = "a", user = "U", access_key_id = "${id}", access_key_secret = "${secret}" }
not_u = { kind = "user", account = "a", user = "NotU", access_key_id = "${id}", access_key_secret = "${secret}" }
ops = { kind = "role-session", account = "a", role = "ops", access_key_id = "${s_id}", access_key_secret = "${s_secret}", security_token = "${s_token}" }
not_ops = { kind = "role-session", account = "a", role = "other", access_key_id = "${s_id}", access_key_secret = "${s_secret}", security_token = "${s_token}" }

[[setup]]
name = "A creates U with a key"
actor = "a"
call = "ram:CreateUser"
params = { UserName = "U" }

[[setup]]
name = "U's key"
actor = "a"
call = "ram:CreateAccessKey"
params = { UserName = "U" }
capture = { id = "AccessKey.AccessKeyId", secret = "AccessKey.AccessKeySecret" }

[[setup]]
name = "A creates ops"
actor = "a"
call = "ram:CreateRole"
params = { RoleName = "ops", AssumeRolePolicyDocument = "${trust}" }

[[setup]]
name = "U may assume roles"
actor = "a"
call = "ram:AttachPolicyToUser"
params = { PolicyType = "System", PolicyName = "AliyunSTSAssumeRoleAccess", UserName = "U" }

[[setup]]
name = "U assumes ops"
actor = "u"
call = "sts:AssumeRole"
params = { RoleArn = "acs:ram::${a.id}:role/ops", RoleSessionName = "shift" }
capture = { s_id = "Credentials.AccessKeyId", s_secret = "Credentials.AccessKeySecret", s_token = "Credentials.SecurityToken" }

[[step]]
name = "U is refused RAM"
actor = "u"
call = "ram:ListUsers"
expect = { error = "NoPermission" }

[[step]]
name = "the same keys as NotU"
actor = "not_u"
call = "ram:ListUsers"
expect = { error = "NoPermission" }

[[step]]
name = "the session as ops"
actor = "ops"
call = "sts:GetCallerIdentity"

[[step]]
name = "the session as another role"
actor = "not_ops"
call = "sts:GetCallerIdentity"
"#;
    let playbook = Playbook::parse("mislabelled", text).unwrap();
    let target = InProcess::start().await.unwrap();
    let report = runner::run(&playbook, &target, &mut runner::Quiet)
        .await
        .unwrap();
    assert!(!report.passed);
    assert_eq!(report.not_run, 0, "{}", failures(&report));
    let outcome = |name: &str| {
        let s = report.steps.iter().find(|s| s.name == name).unwrap();
        (
            s.passed,
            s.outcome.clone(),
            s.detail.clone().unwrap_or_default(),
        )
    };
    assert!(
        outcome("U is refused RAM").0,
        "{:?}",
        outcome("U is refused RAM")
    );
    assert!(outcome("the session as ops").0);
    let (passed, result, why) = outcome("the same keys as NotU");
    assert!(!passed && result == "not performed", "{result}: {why}");
    assert!(
        why.contains("declared as user NotU of account a (11223344), but its credentials are acs:ram::11223344:user/U"),
        "{why}"
    );
    let (passed, _, why) = outcome("the session as another role");
    assert!(!passed, "{why}");
    assert!(
        why.contains("a session of role other") && why.contains("assumed-role/ops/shift"),
        "{why}"
    );
}

/// The in-process emulator with the accounts a test gives it in place of its own.
#[derive(Debug)]
struct WithAccounts(InProcess, Vec<(String, crossram_scenario::TargetAccount)>);

#[async_trait::async_trait]
impl crossram_scenario::Target for WithAccounts {
    fn describe(&self) -> String {
        "with-accounts".into()
    }
    fn capabilities(&self) -> std::collections::BTreeSet<crossram_scenario::playbook::Capability> {
        self.0.capabilities()
    }
    fn http(&self) -> &crossram_scenario::target::HttpEndpoint {
        self.0.http()
    }
    fn accounts(&self) -> &[(String, crossram_scenario::TargetAccount)] {
        &self.1
    }
}

/// A target whose accounts a and b are one account is refused before anything runs.
#[tokio::test]
async fn one_account_as_both_a_and_b_is_refused() {
    let inner = InProcess::start().await.unwrap();
    let a = inner.account("a").unwrap().clone();
    let accounts = vec![("a".to_owned(), a.clone()), ("b".to_owned(), a)];
    let target = WithAccounts(inner, accounts);
    let playbook = Playbook::parse("seed", builtin::SEED).unwrap();
    let err = runner::run(&playbook, &target, &mut runner::Quiet)
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("accounts a and b are the same account (11223344)"),
        "{err}"
    );
}

/// A playbook naming account `c` needs a target that has it; one that does not name it runs on
/// a target of two accounts.
#[tokio::test]
async fn a_third_account_is_needed_only_by_the_playbooks_that_name_it() {
    let inner = InProcess::start().await.unwrap();
    let accounts = ["a", "b"]
        .map(|k| (k.to_owned(), inner.account(k).unwrap().clone()))
        .to_vec();
    let target = WithAccounts(inner, accounts);
    let third = Playbook::parse("third-party", builtin::get("third-party").unwrap()).unwrap();
    assert!(third.uses_account("c"));
    let err = runner::run(&third, &target, &mut runner::Quiet)
        .await
        .unwrap_err();
    assert!(
        err.to_string().contains(
            "has no account `c` (an endpoint target takes its root AccessKey from \
             CROSSRAM_C_ACCESS_KEY_ID and CROSSRAM_C_ACCESS_KEY_SECRET)"
        ),
        "{err}"
    );
    let seed = Playbook::parse("seed", builtin::SEED).unwrap();
    assert!(!seed.uses_account("c"));
    let report = runner::run(&seed, &target, &mut runner::Quiet)
        .await
        .unwrap();
    assert!(report.passed, "{}", failures(&report));
}
