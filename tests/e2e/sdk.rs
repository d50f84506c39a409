//! The official Python and Node.js SDKs drive the seed flow against `crossram serve` over HTTP
//! and HTTPS: V3 and V1 signatures, AccessKeys and STS credentials, the denials, and the
//! RamRoleArn providers.

use std::process::Command;
use std::time::Duration;

use crossram_tests::{Served, sdk_node_modules, sdk_python, workspace_root};

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

/// Starts `crossram serve` on HTTP and HTTPS with the fixed world.
fn serve(dir: &tempfile::TempDir) -> Served {
    let world = dir.path().join("world.toml");
    std::fs::write(&world, WORLD).unwrap();
    Served::start(&[
        "--addr",
        "127.0.0.1:0",
        "--tls-addr",
        "127.0.0.1:0",
        "--tls-self-signed",
        "--world",
        world.to_str().unwrap(),
    ])
    .unwrap()
}

/// Runs an SDK driver with the endpoints and keys in its environment; asserts that every check
/// passed and every flavour ran.
fn drive(mut cmd: Command, served: &Served, flavours: &[&str]) {
    let out = cmd
        .env("CROSSRAM_ENDPOINT", &served.http)
        .env("CROSSRAM_TLS_ENDPOINT", served.https.as_deref().unwrap())
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
        .filter(|l| l.replace(' ', "").contains("\"ok\":false"))
        .collect();
    assert!(
        out.status.success() && failed.is_empty(),
        "SDK checks failed:\n{}\n--- all checks ---\n{stdout}\n--- stderr ---\n{}",
        failed.join("\n"),
        String::from_utf8_lossy(&out.stderr)
    );
    for flavour in flavours {
        assert!(
            stdout
                .replace(' ', "")
                .contains(&format!("\"flavour\":\"{flavour}\"")),
            "{flavour} did not run:\n{stdout}"
        );
    }
}

#[test]
fn node_sdks_play_the_seed_flow() {
    let modules = sdk_node_modules().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let served = serve(&dir);
    let mut cmd = Command::new("node");
    cmd.arg(workspace_root().join("tests/sdk/node/seed.js"))
        .env("NODE_PATH", &modules)
        .env("NODE_EXTRA_CA_CERTS", served.ca.as_deref().unwrap());
    drive(
        cmd,
        &served,
        &[
            "node-tea-v3",
            "node-tea-v2",
            "node-pop-core",
            "node-cred-rra",
        ],
    );
    let status = served.terminate(Duration::from_secs(10)).unwrap();
    assert!(status.success(), "crossram serve exited with {status}");
}

#[test]
fn python_sdks_play_the_seed_flow() {
    let python = sdk_python().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let served = serve(&dir);
    let mut cmd = Command::new(python);
    cmd.arg(workspace_root().join("tests/sdk/python_seed.py"))
        .env("SSL_CERT_FILE", served.ca.as_deref().unwrap());
    drive(
        cmd,
        &served,
        &["py-tea-v3", "py-tea-v2", "py-core", "py-cred-rra"],
    );
    let status = served.terminate(Duration::from_secs(10)).unwrap();
    assert!(status.success(), "crossram serve exited with {status}");
}
