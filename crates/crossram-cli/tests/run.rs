//! `crossram run` end to end: the built-in seed playbook and every playbook under `scenarios/`
//! on the in-process and spawn targets (the clock playbooks too), the refusal of a clock
//! playbook on a URL target, the JSON and JUnit reports, and the exit statuses
//! (0 all steps passed, 1 a step did not, 2 unusable input).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn crossram(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(args)
        .current_dir(root())
        .env_remove("CROSSRAM_A_ACCESS_KEY_ID")
        .env_remove("CROSSRAM_B_ACCESS_KEY_ID")
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs with `--report json`, checks the exit status and the report's shape, returns it.
fn json_run(args: &[&str], status: i32) -> Value {
    let mut all = vec!["run"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--report", "json"]);
    let out = crossram(&all);
    assert_eq!(
        out.status.code(),
        Some(status),
        "{args:?}\nstdout: {}\nstderr: {}",
        text(&out.stdout),
        text(&out.stderr)
    );
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", text(&out.stdout)));
    let steps = report["steps"].as_array().unwrap();
    assert!(!steps.is_empty());
    for step in steps {
        for key in [
            "name",
            "actor",
            "action",
            "expected",
            "outcome",
            "passed",
            "milliseconds",
        ] {
            assert!(step.get(key).is_some(), "{key} missing in {step}");
        }
    }
    report
}

fn playbooks() -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root().join("scenarios"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    assert!(files.len() >= 5, "{files:?}");
    files
}

#[test]
fn the_built_in_seed_passes_in_process() {
    let report = json_run(&[], 0);
    assert_eq!(report["passed"], true);
    assert_eq!(report["target"], "in-process");
    let steps = report["steps"].as_array().unwrap();
    assert!(steps.iter().all(|s| s["passed"] == true));
    assert!(
        steps
            .iter()
            .any(|s| s["action"] == "console:switch-role" && s["outcome"] == "success")
    );
}

#[test]
fn built_in_playbooks_run_by_name() {
    let report = json_run(&["expiry"], 0);
    assert_eq!(report["playbook"], "expiry");
    assert!(
        report["steps"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s["action"] == "clock:+898s")
    );
    let out = crossram(&["run", "no-such-playbook"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("built-in playbooks: seed"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn the_seed_file_passes_on_a_spawned_server() {
    let report = json_run(&["scenarios/seed.toml", "--target", "spawn"], 0);
    assert_eq!(report["passed"], true);
    assert!(
        report["target"]
            .as_str()
            .unwrap()
            .starts_with("spawn http://127.0.0.1:")
    );
}

#[test]
fn a_spawned_server_leaves_no_temporary_files() {
    // The runner's world file and the child's credentials directory both go under TMPDIR; a
    // clean stop of the child (SIGTERM at teardown) removes its directory, as the runner's.
    let tmp = tempfile::tempdir().unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["run", "seed", "--target", "spawn"])
        .current_dir(root())
        .env("TMPDIR", tmp.path())
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let left: Vec<_> = std::fs::read_dir(tmp.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert!(left.is_empty(), "left behind: {left:?}");
}

#[test]
fn every_playbook_passes_in_process() {
    for file in playbooks() {
        let report = json_run(&[file.to_str().unwrap()], 0);
        assert_eq!(report["passed"], true, "{}", file.display());
    }
}

#[test]
fn every_playbook_passes_on_spawn() {
    let mut clock_playbooks = 0;
    for file in playbooks() {
        let path = file.to_str().unwrap();
        let report = json_run(&[path, "--target", "spawn"], 0);
        assert_eq!(report["passed"], true, "{path}");
        assert!(
            report["target"]
                .as_str()
                .unwrap()
                .starts_with("spawn http://127.0.0.1:"),
            "{report}"
        );
        // Playbooks that move the clock move the child's (`crossram serve --clock-control`).
        let steps = report["steps"].as_array().unwrap();
        if steps
            .iter()
            .any(|s| s["action"].as_str().unwrap().starts_with("clock:"))
        {
            clock_playbooks += 1;
            assert!(steps.iter().all(|s| s["passed"] == true), "{path}");
        }
    }
    assert!(clock_playbooks >= 1, "expiry.toml moves the clock");
}

#[test]
fn expiry_by_name_passes_on_spawn() {
    let report = json_run(&["expiry", "--target", "spawn"], 0);
    let steps = report["steps"].as_array().unwrap();
    let expired: Vec<&Value> = steps
        .iter()
        .filter(|s| s["outcome"] == "InvalidSecurityToken.Expired")
        .collect();
    assert_eq!(expired.len(), 2, "{report}");
    assert!(expired.iter().all(|s| s["passed"] == true));
    assert!(steps.iter().any(|s| s["action"] == "clock:+898s"));
}

#[test]
fn a_wrong_expectation_exits_1_and_says_which_step() {
    let seed = std::fs::read_to_string(root().join("scenarios/seed.toml")).unwrap();
    let wrong = seed.replacen(
        "expect = { error = \"DeleteConflict.Role.Policy\" }",
        "expect = { error = \"EntityNotExist.Role\" }",
        1,
    );
    assert_ne!(seed, wrong);
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("wrong-expectation.toml");
    std::fs::write(&file, wrong).unwrap();
    let report = json_run(&[file.to_str().unwrap()], 1);
    assert_eq!(report["passed"], false);
    let failed: Vec<&Value> = report["steps"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|s| s["passed"] == false)
        .collect();
    assert_eq!(failed.len(), 1, "{failed:?}");
    assert_eq!(failed[0]["outcome"], "DeleteConflict.Role.Policy");
    assert_eq!(failed[0]["expected"], "EntityNotExist.Role");

    // The table says so too, and the exit status is the same.
    let out = crossram(&["run", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let table = text(&out.stdout);
    assert!(table.contains("FAIL"), "{table}");
    assert!(table.contains("FAILED: "), "{table}");
}

#[test]
fn a_malformed_playbook_exits_2_with_the_line() {
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("malformed.toml");
    std::fs::write(
        &file,
        "name = \"m\"\n[actors]\na = { kind = \"root\", account = \"a\" }\n\n[[step]]\nname = \"x\"\nactor = \"a\"\ncall = \"ram:ListUsers\"\nexpekt = { error = \"X\" }\n",
    )
    .unwrap();
    let out = crossram(&["run", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = text(&out.stderr);
    assert!(err.contains("malformed.toml:9:"), "{err}");
    assert!(err.contains("unknown field `expekt`"), "{err}");
    assert!(out.stdout.is_empty());

    let missing = crossram(&["run", "scenarios/no-such-playbook.toml"]);
    assert_eq!(missing.status.code(), Some(2));
    let bad_report = crossram(&["run", "--report", "xml"]);
    assert_eq!(bad_report.status.code(), Some(2));
    let bad_target = crossram(&["run", "--target", "nowhere"]);
    assert_eq!(bad_target.status.code(), Some(2));
}

#[test]
fn the_table_and_junit_report() {
    let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join("seed-junit.xml");
    let junit = format!("junit:{}", file.display());
    let out = crossram(&["run", "--report", &junit]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stderr));
    let table = text(&out.stdout);
    assert!(table.contains("PASSED: "), "{table}");
    assert!(
        table.contains(
            "decided by ImplicitDeny by AccountLevelIdentityBasedPolicy: the caller's own policies"
        ),
        "{table}"
    );
    assert!(!table.contains("Alice-passw0rd"));
    let xml = std::fs::read_to_string(&file).unwrap();
    assert!(xml.contains("<testsuite name=\"seed\""), "{xml}");
    assert!(xml.contains("failures=\"0\""), "{xml}");
    assert!(!xml.contains("<failure"));
}

#[test]
fn json_and_junit_from_one_run_and_junit_for_a_run_that_cannot_start() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("both.xml");
    let junit = format!("junit:{}", file.display());
    let report = json_run(&["--report", &junit], 0);
    assert_eq!(report["passed"], true);
    let xml = std::fs::read_to_string(&file).unwrap();
    let steps = report["steps"].as_array().unwrap().len();
    assert_eq!(xml.matches("<testcase ").count(), steps, "{xml}");

    // A playbook that cannot run still leaves a JUnit file saying why (exit 2).
    let bad = dir.path().join("bad.toml");
    std::fs::write(&bad, "name = \"bad\"\nexpekt = 1\n").unwrap();
    let out_file = dir.path().join("bad.xml");
    let out = crossram(&[
        "run",
        bad.to_str().unwrap(),
        "--report",
        &format!("junit:{}", out_file.display()),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", text(&out.stderr));
    let xml = std::fs::read_to_string(&out_file).unwrap();
    assert!(xml.contains("errors=\"1\""), "{xml}");
    assert!(xml.contains("unknown field `expekt`"), "{xml}");

    let twice = crossram(&["run", "--report", "json", "--report", "json"]);
    assert_eq!(twice.status.code(), Some(2));
    assert!(
        text(&twice.stderr).contains("given twice"),
        "{}",
        text(&twice.stderr)
    );
}

/// A `crossram serve` started by the test, stopped on drop.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        common::stop(&mut self.0);
    }
}

#[test]
fn the_seed_passes_against_a_url_with_keys_from_the_environment() {
    use std::io::BufRead as _;
    let world = Path::new(env!("CARGO_TARGET_TMPDIR")).join("url-target-world.toml");
    std::fs::write(
        &world,
        "[[account]]\nid = \"11223344\"\nalias = \"company-a\"\naccess_key_id = \"LTAIurltestA0000000001\"\naccess_key_secret = \"url-test-secret-of-account-a\"\n\n\
         [[account]]\nid = \"12345678\"\nalias = \"company-b\"\naccess_key_id = \"LTAIurltestB0000000001\"\naccess_key_secret = \"url-test-secret-of-account-b\"\n",
    )
    .unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["serve", "--addr", "127.0.0.1:0", "--world"])
        .arg(&world)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let server = Server(child);
    let mut url = None;
    for line in std::io::BufReader::new(stdout).lines() {
        let line = line.unwrap();
        if let Some(addr) = line.trim().strip_prefix("listening on ") {
            url = Some(addr.to_owned());
            break;
        }
    }
    let url = url.unwrap();
    let keys = [
        ("CROSSRAM_A_ACCESS_KEY_ID", "LTAIurltestA0000000001"),
        (
            "CROSSRAM_A_ACCESS_KEY_SECRET",
            "url-test-secret-of-account-a",
        ),
        ("CROSSRAM_B_ACCESS_KEY_ID", "LTAIurltestB0000000001"),
        (
            "CROSSRAM_B_ACCESS_KEY_SECRET",
            "url-test-secret-of-account-b",
        ),
    ];
    // Someone else's role, named as the seed's own: the run must neither trip over it nor
    // delete it when it cleans up (on another endpoint, its names carry a run id).
    let playbook = |name: &str, call: &str, params: &str| {
        let file = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("url-{name}.toml"));
        std::fs::write(
            &file,
            format!(
                "name = \"{name}\"\ndescription = \"d\"\n[actors]\na = {{ kind = \"root\", account = \"a\" }}\n\
                 [[step]]\nname = \"{name}\"\nactor = \"a\"\ncall = \"{call}\"\nparams = {params}\n"
            ),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
            .args(["run", file.to_str().unwrap(), "--target", &url])
            .current_dir(root())
            .envs(keys)
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(0), "{name}: {}", text(&out.stdout));
    };
    playbook(
        "theirs",
        "ram:CreateRole",
        r#"{ RoleName = "ecs-admin", AssumeRolePolicyDocument = '{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::11223344:root"]}}],"Version":"1"}' }"#,
    );
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["run", "--target", &url, "--report", "json"])
        .current_dir(root())
        .env("CROSSRAM_A_ACCESS_KEY_ID", "LTAIurltestA0000000001")
        .env(
            "CROSSRAM_A_ACCESS_KEY_SECRET",
            "url-test-secret-of-account-a",
        )
        .env("CROSSRAM_B_ACCESS_KEY_ID", "LTAIurltestB0000000001")
        .env(
            "CROSSRAM_B_ACCESS_KEY_SECRET",
            "url-test-secret-of-account-b",
        )
        .output()
        .unwrap();
    // Any other endpoint cannot move its clock: a playbook that needs it is refused, not run.
    let refused = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["run", "expiry", "--target", &url, "--report", "json"])
        .current_dir(root())
        .env("CROSSRAM_A_ACCESS_KEY_ID", "LTAIurltestA0000000001")
        .env(
            "CROSSRAM_A_ACCESS_KEY_SECRET",
            "url-test-secret-of-account-a",
        )
        .env("CROSSRAM_B_ACCESS_KEY_ID", "LTAIurltestB0000000001")
        .env(
            "CROSSRAM_B_ACCESS_KEY_SECRET",
            "url-test-secret-of-account-b",
        )
        .output()
        .unwrap();
    playbook(
        "still-theirs",
        "ram:GetRole",
        r#"{ RoleName = "ecs-admin" }"#,
    );
    drop(server);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out.stdout));
    assert_eq!(refused.status.code(), Some(2), "{}", text(&refused.stderr));
    assert!(
        text(&refused.stderr).contains("`clock` capability"),
        "{}",
        text(&refused.stderr)
    );
    assert!(refused.stdout.is_empty());
    let stdout = text(&out.stdout);
    assert!(!stdout.contains("url-test-secret"), "{stdout}");
    let report: Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["passed"], true);
    assert_eq!(report["target"], url.as_str());

    // Without the keys in the environment, the target cannot start: unusable input.
    let out = crossram(&["run", "--target", &url]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("CROSSRAM_A_ACCESS_KEY_ID"),
        "{}",
        text(&out.stderr)
    );
}

/// The seed needs the emulator's console: against the real cloud that is said before any call
/// goes out (with made-up keys, a call would fail on the network or the keys first).
#[test]
fn a_playbook_the_cloud_cannot_run_is_refused_before_contacting_it() {
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["run", "--target", "live"])
        .current_dir(root())
        .env("CROSSRAM_A_ACCESS_KEY_ID", "LTAIlivetestA000000001")
        .env("CROSSRAM_A_ACCESS_KEY_SECRET", "not-a-real-secret-a")
        .env("CROSSRAM_B_ACCESS_KEY_ID", "LTAIlivetestB000000001")
        .env("CROSSRAM_B_ACCESS_KEY_SECRET", "not-a-real-secret-b")
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("`console` capability"), "{stderr}");
    assert!(stderr.contains("target `live`"), "{stderr}");
    assert!(out.stdout.is_empty(), "{}", text(&out.stdout));
}

#[test]
fn the_playbook_in_the_scenarios_readme_runs_as_written() {
    let readme = std::fs::read_to_string(root().join("scenarios/README.md")).unwrap();
    let block = readme
        .split("```toml\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a toml block in scenarios/README.md");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("example.toml");
    std::fs::write(&file, block).unwrap();
    let report = json_run(&[file.to_str().unwrap()], 0);
    assert_eq!(report["passed"], true, "{report}");
    // The walk-through covers what it shows: both console steps, a refusal, the clock.
    let steps = report["steps"].as_array().unwrap();
    assert!(steps.len() >= 6, "{report}");
}

#[test]
fn sigterm_stops_the_scenario_but_not_the_cleanup() {
    // Long enough to be stopped midway: a CI job cancelled sends SIGTERM, not SIGINT.
    let mut playbook = String::from(
        "name = \"long\"\n[actors]\na = { kind = \"root\", account = \"a\" }\n\
         [[setup]]\nname = \"A creates the role\"\nactor = \"a\"\ncall = \"ram:CreateRole\"\n\
         params = { RoleName = \"r\", AssumeRolePolicyDocument = '{\"Statement\":[{\"Action\":\"sts:AssumeRole\",\"Effect\":\"Allow\",\"Principal\":{\"RAM\":[\"acs:ram::${a.id}:root\"]}}],\"Version\":\"1\"}' }\n",
    );
    for n in 0..20_000 {
        playbook.push_str(&format!(
            "[[step]]\nname = \"read {n}\"\nactor = \"a\"\ncall = \"ram:GetRole\"\nparams = {{ RoleName = \"r\" }}\n"
        ));
    }
    playbook.push_str(
        "[[cleanup]]\nname = \"A deletes the role\"\nactor = \"a\"\ncall = \"ram:DeleteRole\"\n\
         params = { RoleName = \"r\" }\n",
    );
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("long.toml");
    std::fs::write(&file, playbook).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["run", file.to_str().unwrap()])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(stdout));
    // Some steps have run: stop it.
    for _ in 0..50 {
        lines.next().unwrap().unwrap();
    }
    let killed = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());
    let rest: Vec<String> = lines.map(Result::unwrap).collect();
    let out = child.wait_with_output().unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("interrupted; running cleanup"), "{stderr}");
    assert!(
        rest.iter()
            .any(|l| l.starts_with("ok ") && l.ends_with("A deletes the role")),
        "cleanup did not run: {:?}",
        rest.iter().rev().take(5).collect::<Vec<_>>()
    );
    let summary = rest.last().unwrap();
    assert!(
        summary.contains("not run (setup failed or the run was stopped)"),
        "{summary}"
    );
}
