//! `crossram call` as a process against `crossram serve`: answers on stdout, refusals with their
//! code on stderr and exit 1, unusable input exit 2; keys from a world file or the environment.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failing unwrap is a failing assertion"
)]

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

mod common;

fn serve() -> (common::Server, String, PathBuf) {
    common::serve_world("call-world")
}

/// Runs `crossram call ARGS` with no credentials in the environment but `env`.
fn call(args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_crossram"));
    cmd.arg("call").args(args);
    for var in [
        "ALIBABA_CLOUD_ACCESS_KEY_ID",
        "ALIBABA_CLOUD_ACCESS_KEY_SECRET",
        "ALIBABA_CLOUD_SECURITY_TOKEN",
        "ALIBABA_CLOUD_PROFILE",
    ] {
        cmd.env_remove(var);
    }
    // No aliyun CLI profile either: the home directory is an empty one.
    let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("call-home");
    std::fs::create_dir_all(&home).unwrap();
    cmd.env("HOME", &home);
    cmd.envs(env.iter().copied());
    cmd.output().unwrap()
}

fn answer(o: &Output) -> Value {
    assert_eq!(o.status.code(), Some(0), "stderr: {}", text(&o.stderr));
    serde_json::from_slice(&o.stdout).unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn calls_with_keys_from_a_world_file_or_the_environment() {
    let (_server, url, world) = serve();
    let world = world.to_str().unwrap();

    // Signed with a root key of the world file (the first account unless told).
    let with_world = |args: &[&str]| {
        call(
            &[args, &["--endpoint", &url, "--world", world]].concat(),
            &[],
        )
    };

    // The first account, V3.
    let me = answer(&with_world(&["sts", "GetCallerIdentity"]));
    assert_eq!(me["AccountId"], "11223344");
    assert_eq!(me["Arn"], "acs:ram::11223344:root");

    // An account by alias, V1.
    let me = answer(&with_world(&[
        "sts",
        "GetCallerIdentity",
        "--account",
        "company-b",
        "--signature",
        "v1",
    ]));
    assert_eq!(me["AccountId"], "12345678");

    // Format=XML: the XML as the service sent it, exit 0.
    let xml = with_world(&["sts", "GetCallerIdentity", "Format=XML"]);
    assert_eq!(xml.status.code(), Some(0), "{}", text(&xml.stderr));
    let xml = text(&xml.stdout);
    assert!(xml.starts_with("<?xml"), "{xml}");
    assert!(xml.contains("<AccountId>11223344</AccountId>"), "{xml}");

    // Parameters, with `=` inside a value; the second create is refused with its code, exit 1.
    let trust = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::12345678:root"]}}]}"#;
    let document = format!("AssumeRolePolicyDocument={trust}");
    let create = [
        "ram",
        "CreateRole",
        "RoleName=call-test",
        "Description=a=b",
        &document,
    ];
    let created = answer(&with_world(&create));
    assert_eq!(created["Role"]["RoleName"], "call-test");
    assert_eq!(created["Role"]["Description"], "a=b");
    let again = with_world(&create);
    assert_eq!(again.status.code(), Some(1));
    assert!(
        text(&again.stderr).contains("EntityAlreadyExists.Role"),
        "{}",
        text(&again.stderr)
    );

    // A RAM user's key from the environment: the default chain. It may do nothing yet, and the
    // refusal names the code and carries the AccessDeniedDetail.
    let ak = |args: &[&str]| {
        answer(&call(
            &[args, &["--endpoint", &url, "--world", world]].concat(),
            &[],
        ))
    };
    ak(&["ram", "CreateUser", "UserName=call-user"]);
    let key = ak(&["ram", "CreateAccessKey", "UserName=call-user"]);
    let id = key["AccessKey"]["AccessKeyId"].as_str().unwrap();
    let secret = key["AccessKey"]["AccessKeySecret"].as_str().unwrap();
    let env = [
        ("ALIBABA_CLOUD_ACCESS_KEY_ID", id),
        ("ALIBABA_CLOUD_ACCESS_KEY_SECRET", secret),
    ];
    let me = answer(&call(
        &["sts", "GetCallerIdentity", "--endpoint", &url],
        &env,
    ));
    assert_eq!(me["Arn"], "acs:ram::11223344:user/call-user");
    let denied = call(&["ram", "ListRoles", "--endpoint", &url], &env);
    assert_eq!(denied.status.code(), Some(1));
    let err = text(&denied.stderr);
    assert!(err.contains("NoPermission"), "{err}");
    assert!(err.contains("AccessDeniedDetail"), "{err}");
    assert!(!err.contains(secret), "{err}");
}

#[test]
fn trusts_the_emulators_self_signed_ca_with_ca_cert() {
    let world = common::world_file("call-world-tls");
    let (_server, stdout) =
        common::spawn_serve(&["--tls-addr", "127.0.0.1:0", "--tls-self-signed"], &world);
    let (mut ca, mut https) = (None, None);
    for line in std::io::BufReader::new(stdout).lines().map(Result::unwrap) {
        if let Some(path) = line.strip_prefix("ca certificate: ") {
            ca = Some(path.trim().to_owned());
        }
        if let Some(url) = line.strip_prefix("listening on https://") {
            https = Some(format!("https://{}", url.trim()));
            break;
        }
    }
    let (ca, https) = (ca.expect("no CA printed"), https.expect("no https address"));
    let args = ["sts", "GetCallerIdentity", "--endpoint", &https, "--world"];
    let world = world.to_str().unwrap();

    let trusted = call(&[&args[..], &[world, "--ca-cert", &ca]].concat(), &[]);
    assert_eq!(answer(&trusted)["AccountId"], "11223344");

    // Without it the system's roots do not know the emulator's CA: a transport failure.
    let untrusted = call(&[&args[..], &[world]].concat(), &[]);
    assert_eq!(untrusted.status.code(), Some(1));
    assert!(
        text(&untrusted.stderr).contains("certificate"),
        "{}",
        text(&untrusted.stderr)
    );
    // ... and the way out is named.
    assert!(
        text(&untrusted.stderr).contains("pass --ca-cert FILE"),
        "{}",
        text(&untrusted.stderr)
    );

    let missing = call(
        &[&args[..], &[world, "--ca-cert", "/nonexistent/ca.pem"]].concat(),
        &[],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(text(&missing.stderr).contains("--ca-cert: cannot read /nonexistent/ca.pem"));
}

#[test]
fn a_server_certificate_that_is_a_ca_is_named_as_the_cause() {
    // What a plain `openssl req -x509 -nodes` makes: basicConstraints CA:TRUE. Served as the
    // server's own certificate, clients refuse it even when told to trust it.
    let dir = tempfile::tempdir().unwrap();
    let mut params = rcgen::CertificateParams::default();
    params.subject_alt_names = vec![rcgen::SanType::IpAddress(std::net::IpAddr::from([
        127, 0, 0, 1,
    ]))];
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let key = rcgen::KeyPair::generate().unwrap();
    let cert = params.self_signed(&key).unwrap();
    let (cert_path, key_path) = (dir.path().join("cert.pem"), dir.path().join("key.pem"));
    std::fs::write(&cert_path, cert.pem()).unwrap();
    std::fs::write(&key_path, key.serialize_pem()).unwrap();

    let world = common::world_file("call-world-ca-cert");
    let (_server, stdout) = common::spawn_serve(
        &[
            "--tls-addr",
            "127.0.0.1:0",
            "--tls-cert",
            cert_path.to_str().unwrap(),
            "--tls-key",
            key_path.to_str().unwrap(),
        ],
        &world,
    );
    let https = std::io::BufReader::new(stdout)
        .lines()
        .map(Result::unwrap)
        .find_map(|l| {
            l.strip_prefix("listening on https://")
                .map(|a| format!("https://{}", a.trim()))
        })
        .expect("no https address");
    let o = call(
        &[
            "sts",
            "GetCallerIdentity",
            "--endpoint",
            &https,
            "--world",
            world.to_str().unwrap(),
            "--ca-cert",
            cert_path.to_str().unwrap(),
        ],
        &[],
    );
    assert_eq!(o.status.code(), Some(1));
    let stderr = text(&o.stderr);
    assert!(
        stderr.contains("basicConstraints=critical,CA:FALSE"),
        "{stderr}"
    );
    assert!(!stderr.contains("pass --ca-cert FILE"), "{stderr}");
}

#[test]
fn unusable_input_exits_2_and_says_why() {
    let cases: [(&[&str], &str); 6] = [
        (&["iam", "ListRoles"], "unknown product"),
        (&["ram", "List Roles"], "the action must be a name"),
        (&["ram", "ListRoles", "MaxItems"], "Name=Value"),
        (
            &["ram", "ListRoles", "--endpoint", "127.0.0.1:8080"],
            "http://",
        ),
        (
            &["ram", "ListRoles", "--signature", "v4"],
            "unknown signature version",
        ),
        (
            &["ram", "ListRoles", "--world", "/nonexistent/world.toml"],
            "cannot read the world file",
        ),
    ];
    for (args, says) in cases {
        let o = call(args, &[]);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {}", text(&o.stderr));
        assert!(
            text(&o.stderr).contains(says),
            "{args:?}: {}",
            text(&o.stderr)
        );
        assert!(o.stdout.is_empty(), "{args:?}");
    }
}
