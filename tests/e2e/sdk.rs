//! The official Python SDKs drive the seed flow against `crossram serve` over HTTP and HTTPS: V3
//! and V1 signatures, AccessKeys and STS credentials, the denials, and the RamRoleArn provider.

use std::process::Command;
use std::time::Duration;

use crossram_tests::{Served, sdk_python, workspace_root};

const WORLD: &str = r#"
[[account]]
id = "11223344"
alias = "company-a"
access_key_id = "LTAI5tCompanyA000001"
access_key_secret = "company-a-root-secret-000000001"

[[account]]
id = "12345678"
alias = "company-b"
access_key_id = "LTAI5tCompanyB000001"
access_key_secret = "company-b-root-secret-000000001"
"#;

#[test]
fn python_sdks_play_the_seed_flow() {
    let python = sdk_python().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world.toml");
    std::fs::write(&world, WORLD).unwrap();
    let served = Served::start(&[
        "--addr",
        "127.0.0.1:0",
        "--tls-addr",
        "127.0.0.1:0",
        "--tls-self-signed",
        "--world",
        world.to_str().unwrap(),
    ])
    .unwrap();
    let out = Command::new(python)
        .arg(workspace_root().join("tests/sdk/python_seed.py"))
        .env("CROSSRAM_ENDPOINT", &served.http)
        .env("CROSSRAM_TLS_ENDPOINT", served.https.as_deref().unwrap())
        .env("SSL_CERT_FILE", served.ca.as_deref().unwrap())
        .env("CROSSRAM_A_ID", "11223344")
        .env("CROSSRAM_A_AK", "LTAI5tCompanyA000001")
        .env("CROSSRAM_A_SK", "company-a-root-secret-000000001")
        .env("CROSSRAM_B_ID", "12345678")
        .env("CROSSRAM_B_AK", "LTAI5tCompanyB000001")
        .env("CROSSRAM_B_SK", "company-b-root-secret-000000001")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let failed: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("\"ok\": false"))
        .collect();
    assert!(
        out.status.success() && failed.is_empty(),
        "SDK checks failed:\n{}\n--- all checks ---\n{stdout}\n--- stderr ---\n{}",
        failed.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    // Every flavour ran.
    for flavour in ["py-tea-v3", "py-tea-v2", "py-core", "py-cred-rra"] {
        assert!(
            stdout.contains(&format!("\"flavour\": \"{flavour}\"")),
            "{flavour} did not run:\n{stdout}"
        );
    }
    let status = served.terminate(Duration::from_secs(10)).unwrap();
    assert!(status.success(), "crossram serve exited with {status}");
}
