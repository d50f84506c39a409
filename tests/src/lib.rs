//! Helpers shared by the end-to-end tests: finding the `crossram` binary, running
//! `crossram serve` as a child process, the Python virtual environment and the Node.js package
//! folder with the official Alibaba Cloud SDKs.
//!
//! Nothing here skips: a missing part (the binary, Python, Node.js, PyPI, the npm registry) is an
//! error that fails the test.

use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// The official SDK packages the conformance tests drive, pinned to the versions the signature
/// vectors were captured with.
pub const PYTHON_SDKS: &[&str] = &[
    "alibabacloud_tea_openapi==0.4.6",
    "alibabacloud_sts20150401==1.2.0",
    "alibabacloud_ram20150501==1.3.0",
    "alibabacloud_ecs20140526==7.11.8",
    "alibabacloud_credentials==1.0.12",
    "aliyun-python-sdk-core==2.16.1",
    "aliyun-python-sdk-sts==3.1.3",
    "aliyun-python-sdk-ram==3.3.1",
];

/// The workspace root.
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

/// The `crossram` binary cargo built next to this test executable.
pub fn crossram_bin() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    // target/<profile>/deps/e2e-<hash> -> target/<profile>/crossram
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or("cannot locate the target directory")?;
    let bin = dir.join("crossram");
    if bin.exists() {
        Ok(bin)
    } else {
        Err(format!(
            "{} is missing: build it with `cargo build -p crossram-cli` (cargo test --workspace does)",
            bin.display()
        ))
    }
}

/// A Python interpreter of a virtual environment holding [`PYTHON_SDKS`], created on first use
/// under `target/sdk-venv` (a lock file serialises concurrent test processes).
pub fn sdk_python() -> Result<PathBuf, String> {
    let venv = workspace_root().join("target").join("sdk-venv");
    std::fs::create_dir_all(workspace_root().join("target")).map_err(|e| e.to_string())?;
    let lock = File::create(workspace_root().join("target").join("sdk-venv.lock"))
        .map_err(|e| e.to_string())?;
    lock.lock()
        .map_err(|e| format!("cannot lock the venv: {e}"))?;
    let python = venv.join("bin").join("python");
    let marker = venv.join(".crossram-installed");
    let wanted = PYTHON_SDKS.join("\n");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(python);
    }
    run(Command::new("python3").args(["-m", "venv"]).arg(&venv))?;
    run(Command::new(&python)
        .args([
            "-m",
            "pip",
            "install",
            "--quiet",
            "--disable-pip-version-check",
        ])
        .args(PYTHON_SDKS))?;
    std::fs::write(&marker, wanted).map_err(|e| e.to_string())?;
    Ok(python)
}

/// The `node_modules` folder of the official Node.js SDKs, installed on first use with `npm ci`
/// from `tests/sdk/node/package-lock.json` (exact versions and integrity hashes) under
/// `target/sdk-node` (a lock file serialises concurrent test processes).
pub fn sdk_node_modules() -> Result<PathBuf, String> {
    let target = workspace_root().join("target");
    let dir = target.join("sdk-node");
    std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
    let lock = File::create(target.join("sdk-node.lock")).map_err(|e| e.to_string())?;
    lock.lock()
        .map_err(|e| format!("cannot lock the Node.js SDK folder: {e}"))?;
    let source = workspace_root().join("tests").join("sdk").join("node");
    let wanted = std::fs::read_to_string(source.join("package-lock.json"))
        .map_err(|e| format!("cannot read tests/sdk/node/package-lock.json: {e}"))?;
    let marker = dir.join(".crossram-installed");
    let modules = dir.join("node_modules");
    if std::fs::read_to_string(&marker).ok().as_deref() == Some(wanted.as_str()) {
        return Ok(modules);
    }
    for file in ["package.json", "package-lock.json"] {
        std::fs::copy(source.join(file), dir.join(file))
            .map_err(|e| format!("cannot copy {file}: {e}"))?;
    }
    run(Command::new("npm")
        .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
        .current_dir(&dir))?;
    std::fs::write(&marker, wanted).map_err(|e| e.to_string())?;
    Ok(modules)
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd
        .output()
        .map_err(|e| format!("cannot run {cmd:?}: {e}"))?;
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "{cmd:?} failed: {}\n{}",
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

/// A running `crossram serve`, killed on drop.
#[derive(Debug)]
pub struct Served {
    child: Child,
    /// `127.0.0.1:PORT` of the HTTP listener.
    pub http: String,
    /// `127.0.0.1:PORT` of the HTTPS listener, when asked for.
    pub https: Option<String>,
    /// The CA certificate of `--tls-self-signed`.
    pub ca: Option<PathBuf>,
    /// Everything the server printed on stdout before it was ready.
    pub banner: Vec<String>,
    _stdout: BufReader<ChildStdout>,
}

impl Served {
    /// Starts `crossram serve` with `args` and waits until every listener it was asked for is
    /// accepting (or 30 seconds pass).
    pub fn start(args: &[&str]) -> Result<Self, String> {
        let tls = args.contains(&"--tls-addr");
        let mut child = Command::new(crossram_bin()?)
            .arg("serve")
            .args(args)
            .env(
                "RUST_LOG",
                std::env::var("RUST_LOG").unwrap_or_else(|_| "warn".into()),
            )
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("cannot start crossram serve: {e}"))?;
        let stdout = child.stdout.take().ok_or("no stdout")?;
        let mut reader = BufReader::new(stdout);
        let (mut http, mut https, mut ca, mut banner) = (None, None, None, Vec::new());
        let deadline = Instant::now() + Duration::from_secs(30);
        while http.is_none() || (tls && (https.is_none() || ca.is_none())) {
            if Instant::now() > deadline {
                let _ = child.kill();
                return Err(format!("crossram serve did not start: {banner:?}"));
            }
            let mut line = String::new();
            if reader.read_line(&mut line).map_err(|e| e.to_string())? == 0 {
                let _ = child.kill();
                return Err(format!("crossram serve exited early: {banner:?}"));
            }
            let line = line.trim().to_owned();
            if let Some(a) = line.strip_prefix("listening on http://") {
                http = Some(a.to_owned());
            } else if let Some(a) = line.strip_prefix("listening on https://") {
                https = Some(a.to_owned());
            } else if let Some(p) = line.strip_prefix("ca certificate: ") {
                ca = Some(PathBuf::from(p));
            }
            banner.push(line);
        }
        Ok(Self {
            child,
            http: http.unwrap_or_default(),
            https,
            ca,
            banner,
            _stdout: reader,
        })
    }

    /// Sends SIGTERM and waits for the exit status (at most `wait`).
    pub fn terminate(mut self, wait: Duration) -> Result<std::process::ExitStatus, String> {
        self.sigterm_and_wait(wait)?
            .ok_or_else(|| "crossram serve did not exit after SIGTERM".into())
    }

    /// Sends SIGTERM, then waits up to `wait` for the exit status (`None`: still running).
    fn sigterm_and_wait(
        &mut self,
        wait: Duration,
    ) -> Result<Option<std::process::ExitStatus>, String> {
        run(Command::new("kill")
            .arg("-TERM")
            .arg(self.child.id().to_string()))?;
        let deadline = Instant::now() + wait;
        loop {
            if let Some(status) = self.child.try_wait().map_err(|e| e.to_string())? {
                return Ok(Some(status));
            }
            if Instant::now() > deadline {
                return Ok(None);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Served {
    /// A clean stop (SIGTERM) when the test did not stop the server itself, so that a memory
    /// store's temporary credentials directory is removed; killed after 5 seconds.
    fn drop(&mut self) {
        if let Ok(Some(_)) = self.sigterm_and_wait(Duration::from_secs(5)) {
            return;
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
