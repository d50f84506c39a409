//! What the process-level tests of `crossram` share: stopping a server, a world file with
//! known keys, and a `crossram serve` started on it.
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    reason = "each test binary uses its own part of these helpers; a failed unwrap is a failed test"
)]

use std::io::BufRead as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, Stdio};
use std::time::{Duration, Instant};

/// Stops a `crossram serve` the test started as SIGTERM does (a clean stop removes the
/// temporary directory of a memory store's credentials), then kills it if it has not exited
/// within 5 seconds.
pub(crate) fn stop(child: &mut Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(5);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A `crossram serve` that is stopped (as [`stop`] does) when dropped.
pub(crate) struct Server(pub(crate) Child);

impl Drop for Server {
    fn drop(&mut self) {
        stop(&mut self.0);
    }
}

/// A world file with known keys, `NAME.toml` (a file per test: tests run at the same time):
/// accounts 11223344 (`company-a`) and 12345678 (`company-b`).
pub(crate) fn world_file(name: &str) -> PathBuf {
    let world = Path::new(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}.toml"));
    std::fs::write(
        &world,
        "[[account]]\nid = \"11223344\"\nalias = \"company-a\"\naccess_key_id = \"LTAIcalltestA000000001\"\naccess_key_secret = \"call-test-secret-of-account-a\"\n\n\
         [[account]]\nid = \"12345678\"\nalias = \"company-b\"\naccess_key_id = \"LTAIcalltestB000000001\"\naccess_key_secret = \"call-test-secret-of-account-b\"\n",
    )
    .unwrap();
    world
}

/// `crossram serve --addr 127.0.0.1:0 EXTRA --world WORLD`, and its stdout.
pub(crate) fn spawn_serve(extra: &[&str], world: &Path) -> (Server, ChildStdout) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_crossram"))
        .args(["serve", "--addr", "127.0.0.1:0"])
        .args(extra)
        .arg("--world")
        .arg(world)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    (Server(child), stdout)
}

/// `crossram serve` on `world` with `extra` arguments, once it listens: (guard, URL).
pub(crate) fn serve_on(world: &Path, extra: &[&str]) -> (Server, String) {
    let (server, stdout) = spawn_serve(extra, world);
    let url = std::io::BufReader::new(stdout)
        .lines()
        .map(Result::unwrap)
        .find_map(|line| line.trim().strip_prefix("listening on ").map(str::to_owned))
        .expect("serve printed no address");
    (server, url)
}

/// A server started on a fresh [`world_file`] named `name`: (guard, URL, world file).
pub(crate) fn serve_world(name: &str) -> (Server, String, PathBuf) {
    let world = world_file(name);
    let (server, url) = serve_on(&world, &[]);
    (server, url, world)
}
