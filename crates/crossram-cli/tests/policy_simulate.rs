//! `crossram policy simulate` run as a real process: decisions, JSON output, trust-policy
//! detection, principal matching, context values and exit statuses (DESIGN.md contract).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

const ROLE: &str = "acs:ram::11223344:role/ecs-admin";
const ALICE: &str = "acs:ram::12345678:user/Alice";
const INSTANCE: &str = "acs:ecs:cn-hangzhou:11223344:instance/i-bp1exampleexample0001";

fn data(name: &str) -> String {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/policy")
        .join(name)
        .to_string_lossy()
        .into_owned()
}

fn simulate(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossram"))
        .arg("policy")
        .arg("simulate")
        .args(args)
        .output()
        .unwrap()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn json(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", stderr(o));
    serde_json::from_str(stdout(o).trim()).unwrap()
}

/// `policy simulate` of `sts:AssumeRole` on [`ROLE`] with `policies`, by `principal` (none when
/// empty), then `extra` arguments (`--context ...`, `--json`).
fn simulate_assume_role(policies: &[&str], principal: &str, extra: &[&str]) -> Output {
    let mut a: Vec<&str> = Vec::new();
    for f in policies {
        a.extend(["--policy", f]);
    }
    a.extend(["--action", "sts:AssumeRole", "--resource", ROLE]);
    if !principal.is_empty() {
        a.extend(["--principal", principal]);
    }
    a.extend(extra);
    simulate(&a)
}

#[test]
fn prints_the_decision() {
    let ecs = data("ecs-full-access.json");
    let o = simulate(&[
        "--policy",
        &ecs,
        "--action",
        "ecs:StopInstance",
        "--resource",
        INSTANCE,
    ]);
    assert_eq!(o.status.code(), Some(0));
    assert_eq!(stdout(&o), "Allow\n");
    let o = simulate(&[
        "--policy",
        &ecs,
        "--action",
        "ram:ListUsers",
        "--resource",
        "*",
    ]);
    assert_eq!(o.status.code(), Some(0), "a deny is still a decision");
    assert_eq!(stdout(&o), "ImplicitDeny\n");
}

#[test]
fn json_names_file_statement_and_effect() {
    let ecs = data("ecs-full-access.json");
    let v = json(&simulate(&[
        "--policy",
        &ecs,
        "--action",
        "vpc:DescribeVpcs",
        "--resource",
        "*",
        "--json",
    ]));
    assert_eq!(v["decision"], "Allow");
    assert_eq!(
        v["matched"],
        serde_json::json!([{"policy": ecs, "statement": 1, "effect": "Allow"}])
    );
}

#[test]
fn context_values_feed_conditions() {
    let ecs = data("ecs-full-access.json");
    let office = data("office-only.json");
    let base = [
        "--policy",
        &ecs,
        "--policy",
        &office,
        "--action",
        "ecs:StopInstance",
        "--resource",
        INSTANCE,
        "--json",
    ];
    // No SourceIp: the negated operator holds, so the deny applies.
    let v = json(&simulate(&base));
    assert_eq!(v["decision"], "ExplicitDeny");
    assert_eq!(v["matched"][0]["statement"], 0);

    let mut inside = base.to_vec();
    inside.extend([
        "--context",
        "acs:SourceIp=203.0.113.7",
        "--context",
        "acs:MFAPresent=true",
    ]);
    let v = json(&simulate(&inside));
    assert_eq!(v["decision"], "Allow");

    let mut no_mfa = base.to_vec();
    no_mfa.extend([
        "--context",
        "ACS:SOURCEIP=198.51.100.1",
        "--context",
        "acs:MFAPresent=false",
    ]);
    let v = json(&simulate(&no_mfa));
    assert_eq!(v["decision"], "ExplicitDeny");
    assert_eq!(
        v["matched"],
        serde_json::json!([{"policy": office, "statement": 1, "effect": "Deny"}])
    );

    // A repeated key adds a value: one of them outside the office is enough for NotIpAddress
    // to fail, so the first deny does not apply.
    let mut two = base.to_vec();
    two.extend([
        "--context",
        "acs:SourceIp=192.0.2.1",
        "--context",
        "acs:SourceIp=203.0.113.7",
        "--context",
        "acs:MFAPresent=true",
    ]);
    assert_eq!(json(&simulate(&two))["decision"], "Allow");
}

#[test]
fn trust_policies_are_detected_and_match_the_principal() {
    let trust = data("trust-account-b.json");
    let run = |principal: &str| json(&simulate_assume_role(&[&trust], principal, &["--json"]));
    let v = run(ALICE);
    assert_eq!(v["decision"], "Allow");
    assert_eq!(v["policies"][0]["kind"], "trust");
    assert_eq!(
        run("acs:ram::99999999:user/Alice")["decision"],
        "ImplicitDeny"
    );
    // A root is never trusted, and the answer says why.
    let root = run("acs:ram::12345678:root");
    assert_eq!(root["decision"], "ImplicitDeny");
    assert!(
        root["note"]
            .as_str()
            .unwrap()
            .contains("roles may not be assumed by root accounts"),
        "{root}"
    );
    // The trust alone decided: the note says the caller's side is still to be asked.
    assert_eq!(
        run(ALICE)["note"],
        "only the role's side was decided: AssumeRole also needs the caller's own policies to \
         allow sts:AssumeRole on the role (give them with --policy or --system-policy)"
    );
    assert_eq!(
        run("acs:ram::12345678:assumed-role/ops/s1")["decision"],
        "Allow"
    );
    // Without --principal the Principal element is not checked.
    assert_eq!(run("")["decision"], "Allow");
}

#[test]
fn identity_and_trust_together_decide_like_assume_role() {
    let identity = data("sts-assume-role-access.json");
    let trust = data("trust-account-b.json");
    let run = |files: &[&str], principal: &str| {
        json(&simulate_assume_role(files, principal, &["--json"]))
    };
    let v = run(&[&identity, &trust], ALICE);
    assert_eq!(v["decision"], "Allow");
    assert_eq!(v["matched"].as_array().unwrap().len(), 2);
    // Both sides were decided: no note that one is missing.
    assert!(v.get("note").is_none(), "{v}");
    // The caller's side alone allows, and says the role's side was not asked.
    let v = run(&[&identity], ALICE);
    assert_eq!(v["decision"], "Allow");
    assert!(
        v["note"]
            .as_str()
            .unwrap()
            .starts_with("only the caller's side was decided"),
        "{v}"
    );
    let v = run(&[&identity, &trust], "acs:ram::99999999:user/Eve");
    assert_eq!(v["decision"], "ImplicitDeny");
    assert_eq!(v["refused_by"], "trust");
}

#[test]
fn an_implicit_deny_names_the_statement_that_came_close_and_what_failed() {
    let trust = data("trust-external-id.json");
    let args = |principal: &'static str, context: &'static str, json: bool| {
        let mut extra = Vec::new();
        if !context.is_empty() {
            extra.extend(["--context", context]);
        }
        if json {
            extra.push("--json");
        }
        simulate_assume_role(&[&trust], principal, &extra)
    };
    let unmet = |o: &Output| {
        let v = json(o);
        assert_eq!(v["decision"], "ImplicitDeny", "{v}");
        let near = v["near_misses"].as_array().unwrap().clone();
        assert_eq!(near.len(), 1, "{v}");
        assert_eq!(near[0]["policy"], trust.as_str());
        assert_eq!(near[0]["statement"], 0);
        near[0]["unmet"].clone()
    };
    assert_eq!(
        unmet(&args(ALICE, "", true)),
        serde_json::json!([{"element": "Condition", "operator": "StringEquals",
            "key": "sts:ExternalId", "sent": false}])
    );
    assert_eq!(
        unmet(&args(ALICE, "sts:ExternalId=abc-124", true)),
        serde_json::json!([{"element": "Condition", "operator": "StringEquals",
            "key": "sts:ExternalId", "sent": true}])
    );
    assert_eq!(
        unmet(&args(
            "acs:ram::99999999:user/Eve",
            "sts:ExternalId=abc-123",
            true
        )),
        serde_json::json!([{"element": "Principal"}])
    );
    // Allowed: nothing to explain.
    let allowed = json(&args(ALICE, "sts:ExternalId=abc-123", true));
    assert_eq!(allowed["decision"], "Allow");
    assert!(allowed.get("near_misses").is_none(), "{allowed}");
    // Without --json the decision alone is on stdout (what scripts read) and the explanation
    // goes to stderr.
    let text = args(ALICE, "", false);
    assert_eq!(stdout(&text).trim(), "ImplicitDeny");
    assert!(
        stderr(&text).contains(&format!(
            "note: {trust}#0 allows the action but does not apply: the request carries no \
             sts:ExternalId for its StringEquals condition"
        )),
        "{}",
        stderr(&text)
    );
    // Allowed by the trust: only the note that the caller's side was not asked.
    let allowed = stderr(&args(ALICE, "sts:ExternalId=abc-123", false));
    assert_eq!(allowed.lines().count(), 1, "{allowed}");
    assert!(
        allowed.starts_with("crossram policy simulate: note: only the role's side was decided"),
        "{allowed}"
    );
    // An outsider is told only that it is not trusted, whatever ExternalId it tries.
    assert_eq!(
        unmet(&args(
            "acs:ram::99999999:user/Eve",
            "sts:ExternalId=nope",
            true
        )),
        serde_json::json!([{"element": "Principal"}])
    );
}

#[test]
fn an_implicit_deny_always_has_near_misses_and_both_refusing_sides_are_explained() {
    let trust = data("trust-external-id.json");
    let identity = data("assume-other-role.json");
    // No statement names the action: an empty list, not a missing key.
    let v = json(&simulate(&[
        "--policy",
        &trust,
        "--action",
        "ecs:StopInstance",
        "--resource",
        INSTANCE,
        "--principal",
        ALICE,
        "--json",
    ]));
    assert_eq!(v["decision"], "ImplicitDeny");
    assert_eq!(v["near_misses"], serde_json::json!([]));
    // The caller may assume another role only, and the trust wants an ExternalId: both said.
    let v = json(&simulate_assume_role(
        &[&identity, &trust],
        ALICE,
        &["--json"],
    ));
    assert_eq!(v["decision"], "ImplicitDeny");
    assert_eq!(v["refused_by"], "caller");
    let near: Vec<(&str, &str)> = v["near_misses"]
        .as_array()
        .unwrap()
        .iter()
        .map(|n| {
            (
                n["policy"].as_str().unwrap(),
                n["unmet"][0]["element"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        near,
        [
            (identity.as_str(), "Resource"),
            (trust.as_str(), "Condition")
        ],
        "{v}"
    );
}

#[test]
fn a_trust_policy_without_principal_says_the_principal_was_not_checked() {
    let trust = data("trust-external-id.json");
    let o = simulate_assume_role(&[&trust], "", &["--context", "sts:ExternalId=abc-123"]);
    assert_eq!(stdout(&o).trim(), "Allow");
    assert!(
        stderr(&o).contains(
            "no --principal: the Principal elements of the trust policies were not checked"
        ),
        "{}",
        stderr(&o)
    );
}

#[test]
fn malformed_policy_exits_2_naming_file_statement_and_element() {
    let bad = data("bad-effect.json");
    let o = simulate(&[
        "--policy",
        &bad,
        "--action",
        "ecs:StopInstance",
        "--resource",
        INSTANCE,
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains(&bad), "{err}");
    assert!(
        err.contains("statement 1: \"Effect\": expected \"Allow\" or \"Deny\", found \"Permit\""),
        "{err}"
    );
    assert!(stdout(&o).is_empty());

    let not_json = data("not-json.json");
    let o = simulate(&["--policy", &not_json, "--action", "a:b", "--resource", "*"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stderr(&o).contains("not valid JSON"), "{}", stderr(&o));
}

#[test]
fn unusable_input_exits_2() {
    let ecs = data("ecs-full-access.json");
    let missing = data("no-such-file.json");
    let cases: Vec<Vec<&str>> = vec![
        vec!["--policy", &missing, "--action", "a:b", "--resource", "*"],
        vec![
            "--policy",
            &ecs,
            "--action",
            "a:b",
            "--resource",
            "*",
            "--context",
            "novalue",
        ],
        vec![
            "--policy",
            &ecs,
            "--action",
            "a:b",
            "--resource",
            "*",
            "--principal",
            "bob",
        ],
        vec!["--policy", &ecs, "--resource", "*"],
        vec!["--action", "a:b", "--resource", "*"],
    ];
    for args in cases {
        let o = simulate(&args);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", stderr(&o));
        assert!(!stderr(&o).is_empty());
    }
}

#[test]
fn an_action_or_resource_the_service_could_not_receive_is_refused() {
    let ecs = data("ecs-full-access.json");
    // (action, resource, exit status, what stderr must say)
    let cases = [
        ("StopInstance", "*", 2, "expected service:Action"),
        ("ecs:StopInstance", "i-1", 2, "expected * or an ARN"),
        ("ecs:StopInstance", "*", 0, ""),
    ];
    for (action, resource, status, says) in cases {
        let o = simulate(&["--policy", &ecs, "--action", action, "--resource", resource]);
        assert_eq!(
            o.status.code(),
            Some(status),
            "{action} {resource}: {}",
            stderr(&o)
        );
        assert!(
            stderr(&o).contains(says),
            "{action} {resource}: {}",
            stderr(&o)
        );
    }
}

#[test]
fn a_context_value_the_service_could_not_send_is_refused() {
    let ecs = data("ecs-full-access.json");
    // (context, exit status, what stderr must say)
    let cases = [
        ("acs:SourceIp=notanip", 2, "expected an IP address"),
        ("ACS:SOURCEIP=10.0.0.300", 2, "expected an IP address"),
        ("acs:SourceIp=2001:db8::1", 0, ""),
        ("acs:CurrentTime=yesterday", 2, "expected an RFC 3339 time"),
        ("acs:CurrentTime=2026-11-29T10:00:00Z", 0, ""),
        ("acs:SecureTransport=yes", 2, "expected true or false"),
        ("acs:MFAPresent=false", 0, ""),
        // Keys the service does not type are the policy author's: any value goes.
        ("sts:ExternalId=anything at all", 0, ""),
    ];
    for (kv, status, says) in cases {
        let o = simulate(&[
            "--policy",
            &ecs,
            "--action",
            "ecs:StopInstance",
            "--resource",
            INSTANCE,
            "--context",
            kv,
        ]);
        assert_eq!(o.status.code(), Some(status), "{kv}: {}", stderr(&o));
        assert!(stderr(&o).contains(says), "{kv}: {}", stderr(&o));
    }
}

#[test]
fn a_side_with_no_statement_for_the_action_is_said_to_have_none() {
    let identity = data("ecs-full-access.json");
    let trust = data("trust-external-id.json");
    let o = simulate_assume_role(&[&identity, &trust], ALICE, &[]);
    assert_eq!(stdout(&o).trim(), "ImplicitDeny");
    let err = stderr(&o);
    for line in [
        "note: refused by the caller's side: the identity policies",
        &format!("note: no statement of the identity policies allows sts:AssumeRole on {ROLE}"),
        "the request carries no sts:ExternalId for its StringEquals condition",
    ] {
        assert!(err.contains(line), "no {line:?} in:\n{err}");
    }
}

#[test]
fn system_policies_are_taken_by_name() {
    let resource = "acs:ecs:cn-hangzhou:11223344:instance/i-1";
    let full = simulate(&[
        "--system-policy",
        "AliyunECSFullAccess",
        "--action",
        "ecs:DeleteInstance",
        "--resource",
        resource,
    ]);
    assert_eq!(stdout(&full).trim(), "Allow", "{}", stderr(&full));
    // Where it came from is said: the emulator's copy, and how to read the cloud's.
    assert!(
        stderr(&full).contains("AliyunECSFullAccess is the emulator's copy"),
        "{}",
        stderr(&full)
    );
    let v = json(&simulate(&[
        "--system-policy",
        "AliyunECSReadOnlyAccess",
        "--action",
        "ecs:StopInstance",
        "--resource",
        resource,
        "--json",
    ]));
    assert_eq!(v["decision"], "ImplicitDeny");
    assert_eq!(v["policies"][0]["file"], "AliyunECSReadOnlyAccess");
    let unknown = simulate(&[
        "--system-policy",
        "AliyunEcsEverything",
        "--action",
        "ecs:StopInstance",
        "--resource",
        "*",
    ]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(
        stderr(&unknown).contains("not a system policy the emulator knows")
            && stderr(&unknown).contains("AliyunECSFullAccess"),
        "{}",
        stderr(&unknown)
    );
}

#[test]
fn a_resource_that_can_match_nothing_is_pointed_out() {
    let file = data("deny-upper-case-ecs.json");
    let o = simulate(&[
        "--policy",
        &file,
        "--action",
        "ecs:StopInstance",
        "--resource",
        "acs:ecs:cn-hangzhou:11223344:instance/i-1",
    ]);
    // The Deny names ECS in upper case: it refuses nothing, and the note says why.
    assert_eq!(stdout(&o).trim(), "Allow");
    assert!(
        stderr(&o).contains(&format!(
            "note: {file}#1: resource acs:ECS:*:*:instance/*: the service code \"ECS\" has \
             upper-case letters"
        )),
        "{}",
        stderr(&o)
    );
}

#[test]
fn a_reader_that_goes_away_is_not_a_failure() {
    // The read end is closed before the command writes: its write fails with EPIPE, which
    // `println!` turned into a panic (exit 101) under `crossram call ... | head -1`.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let o = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["policy", "simulate", "--policy"])
        .arg(data("deny-upper-case-ecs.json"))
        .args([
            "--action",
            "ecs:DescribeInstances",
            "--resource",
            "*",
            "--json",
        ])
        .stdout(writer)
        .stderr(std::process::Stdio::piped())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
}
