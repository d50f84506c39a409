//! `crossram access` as a process against `crossram serve`: an account's roles read back as who
//! may assume them on which conditions, whom they refuse and what they grant, and the other
//! accounts that can reach it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failing unwrap is a failing assertion"
)]

use std::path::Path;
use std::process::{Command, Output};

use serde_json::{Value, json};

mod common;

/// Runs `crossram SUBCOMMAND ARGS` against `url` as account `account` of `world`.
fn crossram(sub: &str, url: &str, world: &Path, account: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_crossram"))
        .arg(sub)
        .args(args)
        .args(["--endpoint", url, "--account", account, "--world"])
        .arg(world)
        .output()
        .unwrap()
}

/// `crossram access --json` as account `account`, parsed.
fn access_json(url: &str, world: &Path, account: &str) -> Value {
    serde_json::from_str(&ok(&crossram("access", url, world, account, &["--json"]))).unwrap()
}

/// Fails unless `text` has `line` as one of its lines.
fn assert_has_line(text: &str, line: &str) {
    assert!(
        text.lines().any(|l| l == line),
        "no line {line:?} in:\n{text}"
    );
}

fn ok(o: &Output) -> String {
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "stderr: {stderr}");
    String::from_utf8(o.stdout.clone()).unwrap()
}

const VENDOR_TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::12345678:root"]},"Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}]}"#;
const OPEN_TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"*"}},{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::12345678:user/Mallory"}}]}"#;
const BLOCKED_TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::12345678:user/Alice"]}},{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::12345678:root"}}]}"#;
const FEDERATED_TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRoleWithSAML","Principal":{"Federated":"acs:ram::11223344:saml-provider/idp"}},{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"Federated":"acs:ram::11223344:saml-provider/idp"}}]}"#;
const TWO_WAYS_TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::12345678:root"]},"Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}},{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::12345678:user/Bob"]}}]}"#;
const EXPIRED_TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::87654321:root"},"Condition":{"DateLessThan":{"acs:CurrentTime":"2020-01-01T00:00:00Z"}}}]}"#;
const NO_ONE_TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":[]}}]}"#;
const OWN_TRUST: &str = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::11223344:user/ops"}}]}"#;

#[test]
fn an_account_reads_as_who_can_assume_what() {
    let (_server, url, world) = common::serve_world("access-world");
    let a = |args: &[&str]| ok(&crossram("call", &url, &world, "company-a", args));
    let create = |name: &str, trust: &str| {
        a(&[
            "ram",
            "CreateRole",
            &format!("RoleName={name}"),
            &format!("AssumeRolePolicyDocument={trust}"),
        ])
    };
    create("ecs-vendor", VENDOR_TRUST);
    a(&[
        "ram",
        "AttachPolicyToRole",
        "PolicyType=System",
        "PolicyName=AliyunECSFullAccess",
        "RoleName=ecs-vendor",
    ]);
    create("open", OPEN_TRUST);
    create("in-house", OWN_TRUST);
    create("blocked", BLOCKED_TRUST);
    create("federated", FEDERATED_TRUST);
    create("two-ways", TWO_WAYS_TRUST);
    create("no-one", NO_ONE_TRUST);
    create("expired", EXPIRED_TRUST);

    let report: Value = access_json(&url, &world, "company-a");
    assert_eq!(report["account"], "11223344");
    assert_eq!(report["alias"], "company-a");
    let role = |name: &str| {
        report["roles"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name)
            .unwrap_or_else(|| panic!("no role {name} in {report}"))
            .clone()
    };
    let vendor = role("ecs-vendor");
    assert_eq!(vendor["arn"], "acs:ram::11223344:role/ecs-vendor");
    assert_eq!(
        vendor["trust"],
        json!([{"statement": 0, "effect": "Allow", "principal": "acs:ram::12345678:root",
            "account": "12345678", "reach": "another account",
            "conditions": [{"operator": "StringEquals", "key": "sts:ExternalId", "values": null,
                "met_now": null}],
            "refused_by_statement": null, "exists": null}])
    );
    assert_eq!(
        vendor["policies"],
        json!([{"type": "System", "name": "AliyunECSFullAccess"}])
    );
    let open = role("open");
    assert_eq!(open["trust"][0]["reach"], "any RAM identity of any account");
    assert_eq!(open["trust"][1]["effect"], "Deny");
    assert_eq!(open["policies"], json!([]));
    let in_house = role("in-house");
    assert_eq!(in_house["trust"][0]["reach"], "this account");
    // It trusts a user of A's that does not exist: whoever creates `ops` gets the role.
    assert_eq!(in_house["trust"][0]["exists"], false);
    // Alice is allowed by name, but the Deny of her whole account takes it back.
    assert_eq!(role("blocked")["trust"][0]["refused_by_statement"], 1);
    let federated = role("federated");
    // Trusted for AssumeRoleWithSAML (statement 0) as well as AssumeRole (statement 1).
    assert_eq!(
        federated["trust"][0]["principal"],
        "acs:ram::11223344:saml-provider/idp"
    );
    assert_eq!(federated["trust"][0]["account"], "11223344");
    assert_eq!(federated["trust"][0]["reach"], "an identity provider");
    assert_eq!(federated["trust"][1]["statement"], 1);
    // The summary: who outside can reach the account, and what is open to everyone. A Deny
    // naming another account's user is no reach, and an Allow a Deny takes back is none.
    // Each statement that lets a role be reached is one alternative; one without conditions
    // makes the role reachable unconditionally (two-ways: Bob needs no ExternalId).
    assert_eq!(
        report["other_accounts"],
        json!([{"account": "12345678", "roles": [
            {"name": "ecs-vendor",
             "when": [[{"operator": "StringEquals", "key": "sts:ExternalId", "values": null,
                 "met_now": null}]]},
            {"name": "two-ways", "when": []}]},
         {"account": "87654321", "roles": [
            {"name": "expired", "when": [[{"operator": "DateLessThan", "key": "acs:CurrentTime",
                "values": ["2020-01-01T00:00:00Z"], "met_now": false}]]}]}])
    );
    assert_eq!(
        report["open_to_any_account"],
        json!([{"name": "open", "when": []}])
    );
    // No policy value is printed: the ExternalId stays in the trust policy.
    assert!(!report.to_string().contains("abc-123"));

    let text = ok(&crossram("access", &url, &world, "company-a", &[]));
    for line in [
        "account 11223344 (company-a): 8 roles",
        // A grant whose time has passed shows its date and that it is not met now.
        "  may be assumed by  acs:ram::87654321:root  (another account, statement 0)  when \
         DateLessThan acs:CurrentTime 2020-01-01T00:00:00Z  (not met now: DateLessThan \
         acs:CurrentTime 2020-01-01T00:00:00Z)",
        "account 87654321 can assume expired (when DateLessThan acs:CurrentTime \
         2020-01-01T00:00:00Z (not met now)) of 11223344",
        // An Allow that names no principal admits nobody, as one that names no action.
        "  may be assumed by  nobody",
        "  may be assumed by  acs:ram::12345678:root  (another account, statement 0)  when StringEquals sts:ExternalId",
        "  refused to         acs:ram::12345678:user/Mallory  (another account, statement 1)",
        "  grants             AliyunECSFullAccess (System)",
        "account 12345678 can assume ecs-vendor (when StringEquals sts:ExternalId), two-ways of \
         11223344",
        "warning: any RAM identity of any account may assume open",
        "  may be assumed by  acs:ram::12345678:user/Alice  (another account, statement 0)  but \
         refused by statement 1",
        "  may be assumed by  acs:ram::11223344:saml-provider/idp  (an identity provider, \
         statement 1)",
        "  may be assumed by  acs:ram::11223344:user/ops  (this account, statement 0)  (no such \
         user in this account)",
    ] {
        assert_has_line(&text, line);
    }

    // Account B lends nothing.
    let b = ok(&crossram("access", &url, &world, "company-b", &[]));
    assert!(
        b.starts_with("account 12345678 (company-b): 0 roles"),
        "{b}"
    );
    assert!(
        b.contains("no other account can assume a role of 12345678"),
        "{b}"
    );
}

#[test]
fn a_refusal_names_the_call_and_what_reading_an_account_takes() {
    let (_server, url, world) = common::serve_world("access-refused");
    let a = |args: &[&str]| ok(&crossram("call", &url, &world, "company-a", args));
    a(&["ram", "CreateUser", "UserName=auditor"]);
    let key: Value =
        serde_json::from_str(&a(&["ram", "CreateAccessKey", "UserName=auditor"])).unwrap();
    // The auditor's keys come from the environment, as the client's default chain reads them.
    let as_auditor = || {
        Command::new(env!("CARGO_BIN_EXE_crossram"))
            .args(["access", "--endpoint", &url])
            .env(
                "ALIBABA_CLOUD_ACCESS_KEY_ID",
                key["AccessKey"]["AccessKeyId"].as_str().unwrap(),
            )
            .env(
                "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
                key["AccessKey"]["AccessKeySecret"].as_str().unwrap(),
            )
            .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
            .output()
            .unwrap()
    };
    let o = as_auditor();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.starts_with("crossram access: ram:ListRoles: NoPermission"),
        "{stderr}"
    );
    assert!(stderr.contains("AccessDeniedDetail: "), "{stderr}");
    assert!(stderr.contains("AliyunRAMReadOnlyAccess"), "{stderr}");
    // With the read-only policy the same user reads the account.
    a(&[
        "ram",
        "AttachPolicyToUser",
        "PolicyType=System",
        "PolicyName=AliyunRAMReadOnlyAccess",
        "UserName=auditor",
    ]);
    assert!(ok(&as_auditor()).starts_with("account 11223344 (company-a): 0 roles"));
}

#[test]
fn a_refused_or_unreachable_service_exits_1_and_bad_input_2() {
    let world = common::world_file("access-unreachable");
    // Nothing listens on port 9 of loopback.
    let o = crossram("access", "http://127.0.0.1:9", &world, "company-a", &[]);
    assert_eq!(o.status.code(), Some(1), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).starts_with("crossram access: "));
    let o = crossram(
        "access",
        "http://127.0.0.1:9",
        &world,
        "no-such-account",
        &[],
    );
    assert_eq!(o.status.code(), Some(2), "{o:?}");
    assert!(String::from_utf8_lossy(&o.stderr).contains("has no account \"no-such-account\""));
}

#[test]
fn every_page_of_roles_is_read() {
    // More roles than one ListRoles page holds (1000), which takes a raised limit.
    let config = Path::new(env!("CARGO_TARGET_TMPDIR")).join("access-many.toml");
    std::fs::write(&config, "[limits]\nroles_per_account = 1100\n").unwrap();
    let world = common::world_file("access-many-world");
    let (_server, url) = common::serve_on(&world, &["--config", config.to_str().unwrap()]);
    let load = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["load", "--endpoint", &url, "--action", "create-role"])
        .args(["--requests", "1005", "--prefix", "many", "--world"])
        .arg(&world)
        .output()
        .unwrap();
    assert_eq!(load.status.code(), Some(0), "{load:?}");
    let report: Value = access_json(&url, &world, "company-a");
    let roles = report["roles"].as_array().unwrap();
    assert_eq!(roles.len(), 1005);
    let mut names: Vec<&str> = roles.iter().map(|r| r["name"].as_str().unwrap()).collect();
    names.sort_unstable();
    names.dedup();
    assert_eq!(names.len(), 1005, "a role was read twice");
}

/// A server that answers every `ListRoles` with the same marker, forever "truncated", and
/// `GetCallerIdentity` for account 1; every answer closes its connection.
fn endless_list_server() -> String {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            let mut request = Vec::new();
            let mut buf = [0u8; 4096];
            // The head is enough: the action is in the x-acs-action header (V3).
            while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                match stream.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => request.extend_from_slice(&buf[..n]),
                }
            }
            let head = String::from_utf8_lossy(&request).to_ascii_lowercase();
            let body = if head.contains("x-acs-action: getcalleridentity") {
                r#"{"RequestId":"r","AccountId":"1","Arn":"acs:ram::1:root","IdentityType":"Account","PrincipalId":"1"}"#
            } else if head.contains("x-acs-action: listroles") {
                r#"{"RequestId":"r","IsTruncated":true,"Marker":"again","Roles":{"Role":[]}}"#
            } else {
                r#"{"RequestId":"r","AccountAlias":""}"#
            };
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    format!("http://{addr}")
}

#[test]
fn an_endpoint_that_repeats_its_list_marker_is_named_not_looped_on() {
    let url = endless_list_server();
    let world = common::world_file("access-endless");
    let mut child = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args([
            "access",
            "--endpoint",
            &url,
            "--account",
            "company-a",
            "--world",
        ])
        .arg(&world)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    // Were the marker followed, the command would never end: give it 30 seconds.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            let _ = child.kill();
            panic!("crossram access kept listing roles");
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let o = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("ram:ListRoles answered the same Marker twice: again"),
        "{stderr}"
    );
}

#[test]
fn the_users_who_may_assume_roles_elsewhere_are_listed_with_their_policies() {
    let (_server, url, world) = common::serve_world("access-users");
    let b = |args: &[&str]| ok(&crossram("call", &url, &world, "company-b", args));
    for user in ["Alice", "Bob", "Carol", "Dan", "Erin", "Frank"] {
        b(&["ram", "CreateUser", &format!("UserName={user}")]);
    }
    let attach_to = |what: &str, whom: &str, kind: &str, policy: &str| {
        b(&[
            "ram",
            &format!("AttachPolicyTo{what}"),
            &format!("PolicyType={kind}"),
            &format!("PolicyName={policy}"),
            &format!("{what}Name={whom}"),
        ])
    };
    // Alice: the system policy, on every role. Bob: through his group, one role, with an
    // ExternalId. Carol: refused. Dan: only ECS, so no way out.
    attach_to("User", "Alice", "System", "AliyunSTSAssumeRoleAccess");
    b(&[
        "ram",
        "CreatePolicy",
        "PolicyName=assume-vendor",
        r#"PolicyDocument={"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"acs:ram::11223344:role/ecs-vendor","Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}]}"#,
    ]);
    b(&["ram", "CreateGroup", "GroupName=ops"]);
    b(&["ram", "AddUserToGroup", "GroupName=ops", "UserName=Bob"]);
    attach_to("Group", "ops", "Custom", "assume-vendor");
    b(&[
        "ram",
        "CreatePolicy",
        "PolicyName=no-assume",
        r#"PolicyDocument={"Version":"1","Statement":[{"Effect":"Deny","Action":"sts:*","Resource":"*"}]}"#,
    ]);
    attach_to("User", "Carol", "Custom", "no-assume");
    attach_to("User", "Dan", "System", "AliyunECSFullAccess");
    attach_to("User", "Erin", "System", "AliyunSTSAssumeRoleAccess");
    attach_to("User", "Erin", "Custom", "no-assume");
    b(&[
        "ram",
        "CreatePolicy",
        "PolicyName=assume-sts-arn",
        r#"PolicyDocument={"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"acs:sts:*:11223344:role/ecs-vendor","Condition":{"Bool":{"acs:MFAPresent":"true"}}}]}"#,
    ]);
    attach_to("User", "Frank", "Custom", "assume-sts-arn");
    // A role of B whose sessions may go on into other roles (role chaining).
    b(&[
        "ram",
        "CreateRole",
        "RoleName=hop",
        r#"AssumeRolePolicyDocument={"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"acs:ram::12345678:root"}}]}"#,
    ]);
    attach_to("Role", "hop", "System", "AliyunSTSAssumeRoleAccess");

    let report = access_json(&url, &world, "company-b");
    assert_eq!(
        report["users"],
        json!([
            {"name": "Alice", "assume": [{"policy": "AliyunSTSAssumeRoleAccess", "type": "System",
                "group": null, "statement": 0, "effect": "Allow", "resources": ["*"],
                "conditions": [], "refused_by": null, "matches_roles": true}]},
            {"name": "Bob", "assume": [{"policy": "assume-vendor", "type": "Custom",
                "group": "ops", "statement": 0, "effect": "Allow",
                "resources": ["acs:ram::11223344:role/ecs-vendor"],
                "conditions": [{"operator": "StringEquals", "key": "sts:ExternalId",
                    "values": null, "met_now": null}],
                "refused_by": null, "matches_roles": true}]},
            {"name": "Carol", "assume": [{"policy": "no-assume", "type": "Custom",
                "group": null, "statement": 0, "effect": "Deny", "resources": ["*"],
                "conditions": [], "refused_by": null, "matches_roles": true}]},
            // Allowed by the system policy, refused by her own Deny: she may assume nothing.
            {"name": "Erin", "assume": [
                {"policy": "AliyunSTSAssumeRoleAccess", "type": "System", "group": null,
                 "statement": 0, "effect": "Allow", "resources": ["*"], "conditions": [],
                 "refused_by": {"policy": "no-assume", "type": "Custom", "statement": 0},
                 "matches_roles": true},
                {"policy": "no-assume", "type": "Custom", "group": null, "statement": 0,
                 "effect": "Deny", "resources": ["*"], "conditions": [], "refused_by": null,
                 "matches_roles": true}]},
            // A policy that names STS's ARN instead of the role's allows nothing.
            {"name": "Frank", "assume": [{"policy": "assume-sts-arn", "type": "Custom",
                "group": null, "statement": 0, "effect": "Allow",
                "resources": ["acs:sts:*:11223344:role/ecs-vendor"],
                "conditions": [{"operator": "Bool", "key": "acs:MFAPresent",
                    "values": ["true"], "met_now": null}],
                "refused_by": null, "matches_roles": false}]},
        ])
    );
    assert_eq!(
        report["roles"][0]["assume"],
        json!([{"policy": "AliyunSTSAssumeRoleAccess", "type": "System", "group": null,
            "statement": 0, "effect": "Allow", "resources": ["*"], "conditions": [],
            "refused_by": null, "matches_roles": true}])
    );
    let text = ok(&crossram("access", &url, &world, "company-b", &[]));
    for line in [
        "  may itself assume  *  (AliyunSTSAssumeRoleAccess (System), statement 0)",
        "users who may call sts:AssumeRole (into any role whose trust admits them):",
        "  Alice  may assume  *  (AliyunSTSAssumeRoleAccess (System), statement 0)",
        "  Bob    may assume  acs:ram::11223344:role/ecs-vendor  (assume-vendor (Custom), \
         statement 0, through group ops)  when StringEquals sts:ExternalId",
        "  Carol  refused     *  (no-assume (Custom), statement 0)",
        "  Erin   may assume  *  (AliyunSTSAssumeRoleAccess (System), statement 0)  but refused \
         by no-assume (Custom) statement 0",
        "  Frank  may assume  acs:sts:*:11223344:role/ecs-vendor  (assume-sts-arn (Custom), \
         statement 0)  when Bool acs:MFAPresent true  (matches no role: a role's ARN is \
         acs:ram::<account>:role/<name>)",
    ] {
        assert_has_line(&text, line);
    }
    // Account A has no such user.
    let a = ok(&crossram("access", &url, &world, "company-a", &[]));
    assert!(
        a.contains("no user of 11223344 may call sts:AssumeRole"),
        "{a}"
    );
}
