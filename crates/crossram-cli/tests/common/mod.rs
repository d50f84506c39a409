//! What the process-level tests of `crossram` share.

use std::process::{Child, Command};
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
