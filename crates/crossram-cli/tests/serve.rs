//! `crossram serve` as a process: it prints its address and the seed credentials, answers signed
//! calls with those credentials, serves HTTPS with its self-signed CA, and exits 0 on SIGTERM.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failing unwrap is a failing assertion"
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

mod common;

struct Serve {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Serve {
    fn start(args: &[&str]) -> Self {
        Self::start_logging(args, Stdio::null())
    }

    fn start_logging(args: &[&str], stderr: impl Into<Stdio>) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crossram"))
            .arg("serve")
            .args(args)
            .env("RUST_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(stderr)
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// The root AccessKey of account A as printed, and the plain HTTP address.
    fn account_a_and_address(&mut self) -> (String, String, String) {
        let account_a = self.line("account 11223344 (company-a): ");
        (
            key_of(&account_a, "access_key_id"),
            key_of(&account_a, "access_key_secret"),
            self.line("listening on http://"),
        )
    }

    /// Waits for a stdout line starting with `prefix` and returns the rest.
    fn line(&mut self, prefix: &str) -> String {
        if let Some(l) = self.seen.iter().find(|l| l.starts_with(prefix)) {
            return l[prefix.len()..].to_owned();
        }
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no line {prefix:?}; saw {:?}", self.seen));
            self.seen.push(line.clone());
            if let Some(rest) = line.strip_prefix(prefix) {
                return rest.to_owned();
            }
        }
    }

    fn terminate(mut self) -> std::process::ExitStatus {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() > deadline {
                let _ = self.child.kill();
                panic!("crossram serve did not stop within 10 s of SIGTERM");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        common::stop(&mut self.child);
    }
}

/// One HTTP/1.1 GET over a fresh connection: (status, body).
fn http_get(addr: &str, target: &str) -> (u16, String) {
    http(addr, "GET", target, None)
}

/// One HTTP/1.1 exchange over a fresh connection, with an optional JSON body: (status, body).
fn http(addr: &str, method: &str, target: &str, json: Option<&str>) -> (u16, String) {
    let mut stream = TcpStream::connect(addr).unwrap();
    stream
        .set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let body = json.unwrap_or("");
    let content = match json {
        Some(b) => format!(
            "Content-Type: application/json\r\nContent-Length: {}\r\n",
            b.len()
        ),
        None => String::new(),
    };
    write!(
        stream,
        "{method} {target} HTTP/1.1\r\nHost: {addr}\r\n{content}Connection: close\r\n\r\n{body}"
    )
    .unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    let status = answer[9..12].parse().unwrap();
    let body = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b.to_owned())
        .unwrap_or_default();
    (status, body)
}

#[expect(
    clippy::disallowed_methods,
    reason = "the spawned server judges timestamps by the system clock"
)]
fn now_unix() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

fn signed_query(key_id: &str, secret: &str, nonce: &str) -> String {
    signed_query_at(key_id, secret, nonce, now_unix())
}

/// A signed GetCallerIdentity stamped with `unix` seconds.
fn signed_query_at(key_id: &str, secret: &str, nonce: &str, unix: i64) -> String {
    let timestamp = crossram_wire::format_timestamp(unix);
    let parts = crossram_wire::sign_v1(&crossram_wire::SignInput {
        method: "GET",
        host: "127.0.0.1",
        action: "GetCallerIdentity",
        version: "2015-04-01",
        params: &[],
        access_key_id: key_id,
        access_key_secret: secret,
        security_token: None,
        timestamp: &timestamp,
        nonce,
        body_params_in_form: false,
    });
    format!("/?{}", parts.query)
}

fn key_of(line: &str, field: &str) -> String {
    line.split_whitespace()
        .find_map(|w| w.strip_prefix(&format!("{field}=")))
        .unwrap()
        .to_owned()
}

#[test]
fn serve_prints_credentials_answers_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let store = format!("file:{}", dir.path().join("store").display());
    let mut serve = Serve::start(&[
        "--addr",
        "127.0.0.1:0",
        "--store",
        &store,
        "--tls-addr",
        "127.0.0.1:0",
        "--tls-self-signed",
    ]);
    let account_a = serve.line("account 11223344 (company-a): ");
    serve.line("account 12345678 (company-b): ");
    let creds_path = serve.line("credentials: ");
    let addr = serve.line("listening on http://");
    let ca = serve.line("ca certificate: ");
    let https = serve.line("listening on https://");
    assert!(!addr.ends_with(":0"), "{addr}");
    assert!(!https.ends_with(":0"), "{https}");
    assert!(
        std::fs::read_to_string(&ca)
            .unwrap()
            .starts_with("-----BEGIN CERTIFICATE-----")
    );

    // The credentials file is a world file with both accounts.
    let world = std::fs::read_to_string(&creds_path).unwrap();
    assert_eq!(world.matches("[[account]]").count(), 2, "{world}");
    let key_id = key_of(&account_a, "access_key_id");
    let secret = key_of(&account_a, "access_key_secret");
    assert!(world.contains(&key_id) && world.contains(&secret));

    // Unsigned: a JSON error. Signed with the printed root key: who am I.
    let (status, body) = http_get(&addr, "/?Action=GetCallerIdentity");
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("\"Code\":\"MissingParameter\""), "{body}");
    let (status, body) = http_get(&addr, &signed_query(&key_id, &secret, "cli-test-1"));
    assert_eq!(status, 200, "{body}");
    let v: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["Arn"], "acs:ram::11223344:root");

    let status = serve.terminate();
    assert!(status.success(), "{status:?}");

    // Restarting on the same store keeps the same keys (the credentials file is reused).
    let mut again = Serve::start(&["--store", &store]);
    let account_a2 = again.line("account 11223344 (company-a): ");
    assert_eq!(key_of(&account_a2, "access_key_id"), key_id);
    let addr = again.line("listening on http://");
    let (status, body) = http_get(&addr, &signed_query(&key_id, &secret, "cli-test-2"));
    assert_eq!(status, 200, "{body}");
    assert!(again.terminate().success());
}

/// The root secrets a server writes out are its user's alone: a memory emulator's credentials
/// sit in a fresh owner-only directory with an unpredictable name, removed when it stops; a
/// file store's directory, credentials and log are owner-only too.
#[cfg(unix)]
#[test]
fn written_secrets_are_private_and_a_memory_emulators_are_removed_at_stop() {
    use std::os::unix::fs::PermissionsExt as _;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;

    let mut serve = Serve::start(&["--addr", "127.0.0.1:0"]);
    let creds = std::path::PathBuf::from(serve.line("credentials: "));
    serve.line("listening on http://");
    let dir = creds.parent().unwrap().to_path_buf();
    assert_eq!(mode(&creds), 0o600, "{}", creds.display());
    assert_eq!(mode(&dir), 0o700, "{}", dir.display());
    let name = dir.file_name().unwrap().to_string_lossy().into_owned();
    assert!(name.starts_with("crossram-serve-"), "{name}");
    assert!(
        !name.ends_with(&serve.child.id().to_string()),
        "predictable: {name}"
    );
    assert!(serve.terminate().success());
    assert!(!dir.exists(), "{} is left behind", dir.display());

    let root = tempfile::tempdir().unwrap();
    let store_dir = root.path().join("store");
    let store = format!("file:{}", store_dir.display());
    let mut serve = Serve::start(&["--addr", "127.0.0.1:0", "--store", &store]);
    let creds = std::path::PathBuf::from(serve.line("credentials: "));
    serve.line("listening on http://");
    assert_eq!(mode(&store_dir), 0o700);
    assert_eq!(mode(&creds), 0o600);
    assert_eq!(mode(&store_dir.join("log.jsonl")), 0o600);
    assert!(serve.terminate().success());
    assert!(creds.exists(), "a file store keeps its credentials");
}

/// Whether the `Now` of a `/crossram/clock` answer is within two seconds of `unix`.
fn clock_near(body: &str, unix: i64) -> bool {
    let v: serde_json::Value = serde_json::from_str(body).unwrap();
    let now = v["Now"].as_str().unwrap();
    (unix - 2..=unix + 2).any(|t| crossram_wire::format_timestamp(t) == now)
}

#[test]
fn clock_control_is_off_by_default_and_moves_time_when_on() {
    let help = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["serve", "--help"])
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    assert!(help.contains("--clock-control"), "{help}");
    assert!(help.contains("For tests only"), "{help}");

    // Off by default: the path is unknown, like any other.
    let mut plain = Serve::start(&[]);
    let addr = plain.line("listening on http://");
    for (method, body) in [("GET", None), ("POST", Some(r#"{"AdvanceSeconds": 60}"#))] {
        let (status, answer) = http(&addr, method, "/crossram/clock", body);
        assert_eq!(status, 404, "{answer}");
        assert!(
            answer.contains("\"Code\":\"InvalidAction.NotFound\""),
            "{answer}"
        );
    }
    assert!(plain.terminate().success());

    // On: an hour later for the emulator, and requests must be stamped an hour ahead.
    let mut serve = Serve::start(&["--clock-control"]);
    let (key_id, secret, addr) = serve.account_a_and_address();
    let (status, answer) = http_get(&addr, "/crossram/clock");
    assert_eq!(status, 200, "{answer}");
    assert!(clock_near(&answer, now_unix()), "{answer}");
    let (status, answer) = http(
        &addr,
        "POST",
        "/crossram/clock",
        Some(r#"{"AdvanceSeconds": 3600}"#),
    );
    assert_eq!(status, 200, "{answer}");
    assert!(clock_near(&answer, now_unix() + 3600), "{answer}");
    let (status, answer) = http_get(&addr, &signed_query(&key_id, &secret, "clock-1"));
    assert_eq!(status, 400, "{answer}");
    assert!(
        answer.contains("\"Code\":\"InvalidTimeStamp.Expired\""),
        "{answer}"
    );
    let ahead = signed_query_at(&key_id, &secret, "clock-2", now_unix() + 3600);
    let (status, answer) = http_get(&addr, &ahead);
    assert_eq!(status, 200, "{answer}");
    let (status, answer) = http(
        &addr,
        "POST",
        "/crossram/clock",
        Some(r#"{"AdvanceSeconds": 0}"#),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(serve.terminate().success());
}

#[test]
fn world_file_accounts_are_served() {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world.toml");
    std::fs::write(
        &world,
        "[[account]]\nid = \"99887766\"\nalias = \"acme\"\naccess_key_id = \"LTAI5tWorldKey01\"\naccess_key_secret = \"WorldSecret01\"\n",
    )
    .unwrap();
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut serve = Serve::start_logging(
        &["--world", world.to_str().unwrap(), "--log-format", "json"],
        log,
    );
    let addr = serve.line("listening on http://");
    let query = signed_query("LTAI5tWorldKey01", "WorldSecret01", "cli-world-1");
    let (status, body) = http_get(&addr, &query);
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("acs:ram::99887766:root"), "{body}");
    let wrong = signed_query("LTAI5tWorldKey01", "NotTheSecret", "cli-world-2");
    let (status, body) = http_get(&addr, &wrong);
    assert_eq!(status, 400, "{body}");
    assert!(serve.terminate().success());

    // One JSON event per request, with the caller and outcome, and no secret or signature.
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let events: Vec<serde_json::Value> = logs
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .filter(|v: &serde_json::Value| v["target"] == "crossram::request")
        .collect();
    assert_eq!(events.len(), 2, "{logs}");
    let ok = &events[0]["fields"];
    assert_eq!(ok["action"], "GetCallerIdentity", "{logs}");
    assert_eq!(ok["caller"], "acs:ram::99887766:root", "{logs}");
    assert_eq!(ok["outcome"], "allowed", "{logs}");
    assert!(
        ok["request_id"].as_str().is_some_and(|r| r.len() == 36),
        "{logs}"
    );
    assert!(ok["latency_us"].as_u64().is_some(), "{logs}");
    assert_eq!(
        events[1]["fields"]["code"], "SignatureDoesNotMatch",
        "{logs}"
    );
    assert!(!logs.contains("WorldSecret01"), "{logs}");
    for q in [&query, &wrong] {
        let signature = q.rsplit_once("Signature=").unwrap().1;
        assert!(!logs.contains(signature), "{logs}");
        assert!(
            !logs.contains(&crossram_wire::form_decode(signature)),
            "{logs}"
        );
    }
}

#[test]
fn tls_addr_without_a_certificate_is_a_usage_error() {
    let status = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["serve", "--tls-addr", "127.0.0.1:0"])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .unwrap();
    assert_eq!(status.code(), Some(2));
}

#[test]
fn a_server_that_cannot_listen_prints_no_keys() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["serve", "--addr", &addr])
        .output()
        .unwrap();
    let (stdout, stderr) = (
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr),
    );
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains(&format!("cannot listen on {addr}")),
        "{stderr}"
    );
    // Keys and a credentials file that died with the server would only mislead.
    assert!(stdout.is_empty(), "{stdout}");
}

#[test]
fn a_world_file_without_accounts_on_an_empty_store_is_refused() {
    // A misspelt table name leaves the file without accounts: the emulator would be unusable.
    let world = std::path::Path::new(env!("CARGO_TARGET_TMPDIR")).join("typo-world.toml");
    std::fs::write(
        &world,
        "[[acount]]\nid = \"11223344\"\naccess_key_id = \"LTAIx\"\naccess_key_secret = \"s\"\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["serve", "--addr", "127.0.0.1:0", "--world"])
        .arg(&world)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("unknown key `acount` ignored"), "{stderr}");
    assert!(
        stderr.contains("adds no account and the store holds none"),
        "{stderr}"
    );
    assert!(!String::from_utf8_lossy(&out.stdout).contains("listening on"));
}

#[test]
fn load_attach_policy_to_role_needs_the_prefix_of_a_create_role_run() {
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args([
            "load",
            "--endpoint",
            "http://127.0.0.1:9",
            "--world",
            "/nonexistent/world.toml",
            "--action",
            "attach-policy-to-role",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains("give it that run's --prefix"), "{stderr}");
}

/// Runs `crossram load` and returns (exit code, stdout).
fn load(addr: &str, world: &str, action: &str, connections: &str, requests: &str) -> (i32, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args([
            "load",
            "--endpoint",
            &format!("http://{addr}"),
            "--world",
            world,
        ])
        .args([
            "--action",
            action,
            "--connections",
            connections,
            "--requests",
            requests,
            "--json",
        ])
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn load_reports_throughput_and_a_config_file_overrides_limits() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[limits]\nroles_per_account = 5\n").unwrap();
    let mut serve = Serve::start(&[
        "--addr",
        "127.0.0.1:0",
        "--config",
        config.to_str().unwrap(),
    ]);
    let addr = serve.line("listening on http://");
    let world = serve.line("credentials: ");

    // AssumeRole (its set-up creates one role) over 4 connections: every request answered 200.
    let (code, out) = load(&addr, &world, "assume-role", "4", "200");
    assert_eq!(code, 0, "{out}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(report["ok"], 200);
    assert_eq!(report["failed"], 0);
    assert_eq!(report["action"], "AssumeRole");
    assert!(report["p99_us"].as_u64().unwrap() >= report["p50_us"].as_u64().unwrap());

    // With 5 roles allowed and 1 taken, 4 of 10 CreateRole succeed and the run says so.
    let (code, out) = load(&addr, &world, "create-role", "1", "10");
    assert_eq!(code, 1, "{out}");
    let report: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
    assert_eq!(
        (report["ok"].as_u64(), report["failed"].as_u64()),
        (Some(4), Some(6))
    );
    assert!(
        report["first_failure"]
            .as_str()
            .unwrap()
            .contains("LimitExceeded.Role")
    );
    assert!(serve.terminate().success());
}

#[test]
fn an_unknown_setting_in_the_config_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "[limits]\nrole_per_account = 5\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("role_per_account"), "{err}");
}

#[test]
fn a_config_file_replaces_the_regions_ecs_answers_for() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "ecs_regions = [\"xx-lab-1\"]\n").unwrap();
    let mut serve = Serve::start(&["--config", config.to_str().unwrap()]);
    let (key_id, secret, addr) = serve.account_a_and_address();
    let describe = |region: &str| {
        Command::new(env!("CARGO_BIN_EXE_crossram"))
            .args(["call", "--endpoint", &format!("http://{addr}"), "ecs"])
            .args(["DescribeInstances", &format!("RegionId={region}")])
            .env("ALIBABA_CLOUD_ACCESS_KEY_ID", &key_id)
            .env("ALIBABA_CLOUD_ACCESS_KEY_SECRET", &secret)
            .env_remove("ALIBABA_CLOUD_SECURITY_TOKEN")
            .output()
            .unwrap()
    };
    let lab = describe("xx-lab-1");
    assert_eq!(lab.status.code(), Some(0), "{lab:?}");
    assert!(
        String::from_utf8_lossy(&lab.stdout).contains("\"TotalCount\": 0"),
        "{lab:?}"
    );
    // The built-in list is replaced, not extended.
    let hangzhou = describe("cn-hangzhou");
    assert_eq!(hangzhou.status.code(), Some(1), "{hangzhou:?}");
    assert!(
        String::from_utf8_lossy(&hangzhou.stderr).contains("InvalidRegionId.NotFound"),
        "{hangzhou:?}"
    );
    assert!(serve.terminate().success());
}

#[test]
fn a_config_file_narrows_the_timestamp_window() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config.toml");
    std::fs::write(&config, "timestamp_window_secs = 60\n").unwrap();
    let mut serve = Serve::start(&["--config", config.to_str().unwrap()]);
    let (key_id, secret, addr) = serve.account_a_and_address();
    // Two minutes old: inside the real service's 15 minutes, outside the configured minute.
    let old = signed_query_at(&key_id, &secret, "w-1", now_unix() - 120);
    let (status, answer) = http_get(&addr, &old);
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("InvalidTimeStamp.Expired"), "{answer}");
    let recent = signed_query_at(&key_id, &secret, "w-2", now_unix() - 20);
    let (status, answer) = http_get(&addr, &recent);
    assert_eq!(status, 200, "{answer}");
    assert!(serve.terminate().success());

    std::fs::write(&config, "timestamp_window_secs = 0\n").unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["serve", "--config", config.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("timestamp_window_secs"), "{err}");
}

#[test]
fn the_text_log_has_one_plain_line_per_request() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut serve = Serve::start_logging(&[], log);
    let (key_id, secret, addr) = serve.account_a_and_address();
    let (status, _) = http_get(&addr, &signed_query(&key_id, &secret, "log-1"));
    assert_eq!(status, 200);
    assert!(serve.terminate().success());
    let logs = std::fs::read_to_string(&log_path).unwrap();
    let lines: Vec<&str> = logs
        .lines()
        .filter(|l| l.contains(" crossram::request: "))
        .collect();
    assert_eq!(lines.len(), 1, "{logs}");
    let line = lines[0];
    for field in [
        "action=GetCallerIdentity",
        "caller=acs:ram::11223344:root",
        "outcome=allowed",
        "status=200",
        &format!("access_key_id={key_id}"),
    ] {
        assert!(line.contains(field), "{field} missing in {line}");
    }
    assert!(
        !logs.contains('\u{1b}'),
        "colour codes in a log file: {logs}"
    );
    assert!(!logs.contains(&secret), "{logs}");
}

#[test]
fn a_space_signed_as_plus_is_refused_with_a_hint_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let log_path = dir.path().join("stderr.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut serve = Serve::start_logging(&[], log);
    let (key_id, secret, addr) = serve.account_a_and_address();
    let timestamp = crossram_wire::format_timestamp(now_unix());
    let params = [
        ("AccessKeyId", key_id.as_str()),
        ("Action", "GetCallerIdentity"),
        ("Format", "JSON"),
        ("Note", "a b"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "plus-1"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", timestamp.as_str()),
        ("Version", "2015-04-01"),
    ];
    // Signed as Python's quote_plus signs: the space as `+`.
    let documented = crossram_wire::v1::string_to_sign_for("GET", params);
    let signature = crossram_wire::v1::signature(&secret, &documented.replace("%2520", "%2B"));
    let mut pairs = params.to_vec();
    pairs.push(("Signature", &signature));
    let (status, answer) = http_get(
        &addr,
        &format!("/?{}", crossram_wire::encode::encode_pairs(pairs)),
    );
    assert_eq!(status, 400, "{answer}");
    assert!(answer.contains("SignatureDoesNotMatch"), "{answer}");
    assert!(serve.terminate().success());
    let logs = std::fs::read_to_string(&log_path).unwrap();
    assert!(
        logs.lines()
            .any(|l| l.contains("crossram::hint") && l.contains("quote_plus")),
        "{logs}"
    );
}

#[test]
fn load_can_send_its_requests_to_another_server() {
    // A server that answers 200 to anything, as the bench's ceiling does.
    let sink = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let sink_addr = sink.local_addr().unwrap();
    let seen = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    let seen_in = seen.clone();
    std::thread::spawn(move || {
        for stream in sink.incoming().flatten() {
            let seen = seen_in.clone();
            std::thread::spawn(move || {
                let mut stream = stream;
                let mut buf = [0u8; 65536];
                let mut answered = 0;
                loop {
                    let n = match stream.read(&mut buf) {
                        Ok(0) | Err(_) => return,
                        Ok(n) => n,
                    };
                    let mut all = seen.lock().unwrap();
                    all.extend_from_slice(&buf[..n]);
                    // The load's requests carry no body: one head is one request.
                    let heads = String::from_utf8_lossy(&all).matches("\r\n\r\n").count();
                    drop(all);
                    while answered < heads {
                        answered += 1;
                        if stream
                            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                            .is_err()
                        {
                            return;
                        }
                    }
                }
            });
        }
    });
    let mut serve = Serve::start(&[]);
    let addr = serve.line("listening on http://");
    let world = serve.line("credentials: ");
    let out = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args([
            "load",
            "--endpoint",
            &format!("http://{addr}"),
            "--world",
            &world,
        ])
        .args(["--action", "assume-role", "--requests", "5", "--json"])
        .args(["--send-to", &format!("http://{sink_addr}")])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{stdout}");
    let report: serde_json::Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(report["ok"], 5, "{stdout}");
    // The sink got the signed AssumeRole requests, addressed to crossram.
    let got = String::from_utf8_lossy(&seen.lock().unwrap()).into_owned();
    assert_eq!(got.matches("Action=AssumeRole").count(), 5, "{got}");
    assert!(got.contains("Signature="), "{got}");
    assert!(
        got.to_ascii_lowercase().contains(&format!("host: {addr}")),
        "{got}"
    );
    assert!(serve.terminate().success());
}
