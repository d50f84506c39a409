//! The `spawn` target: a `crossram serve` child process on a free loopback port.
//!
//! The runner writes a world file (DESIGN.md's `--world` contract) with the seed's two
//! accounts and fresh random root keys, starts `crossram serve --addr 127.0.0.1:0 --world FILE
//! --clock-control`, waits for its `listening on http://ADDR` line and talks to it over real
//! TCP. At teardown the child is asked to stop (SIGTERM on Unix, so that it removes its
//! temporary credentials directory as a clean stop does) and killed if it has not stopped
//! within ten seconds; it is killed on drop if teardown was never called.
//!
//! Moving the clock (`advance_clock`) is `POST /crossram/clock` on the child, then the same
//! move of the [`OffsetClock`] that stamps this target's requests: both read the same machine
//! clock, so requests stay inside the server's timestamp window.

use std::collections::BTreeSet;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use crossram_client::{Credentials, Endpoint, HttpRequest, ReqwestTransport};
use crossram_engine::{IdGen as _, OffsetClock};
use serde_json::Value;
use tokio::io::{AsyncBufReadExt as _, AsyncReadExt as _, BufReader};
use tokio::process::{Child, Command};

use crate::inprocess::SEED_ACCOUNTS;
use crate::playbook::Capability;
use crate::target::{EngineClock, HttpEndpoint, Target, TargetAccount, TargetError, forward};

/// How long the child may take to print its `listening on` line.
const START_TIMEOUT: Duration = Duration::from_secs(30);
/// How long the child may take to stop after SIGTERM before it is killed.
const STOP_GRACE: Duration = Duration::from_secs(10);

/// A spawned `crossram serve`.
#[derive(Debug)]
pub struct Spawned {
    child: Option<Child>,
    url: String,
    http: HttpEndpoint,
    /// Stamps this target's requests; moved together with the child's clock.
    clock: Arc<OffsetClock>,
    accounts: Vec<(String, TargetAccount)>,
    _dir: tempfile::TempDir,
}

impl Spawned {
    /// Starts `binary serve` (the `crossram` executable) and waits until it listens.
    pub async fn start(binary: &Path) -> Result<Self, TargetError> {
        let start = |m: String| TargetError::Start(m);
        let dir = tempfile::tempdir().map_err(|e| start(format!("temporary directory: {e}")))?;
        let ids = crossram_engine::RandomIds;
        let mut world = String::from("# accounts of a crossram run (spawn target)\n");
        let mut accounts = Vec::new();
        for (key, id, alias) in SEED_ACCOUNTS {
            let access_key_id = format!("LTAI{}", ids.string(crossram_engine::env::ALNUM, 20));
            let secret = ids.string(crossram_engine::env::ALNUM, 30);
            let _ = write!(
                world,
                "\n[[account]]\nid = \"{id}\"\nalias = \"{alias}\"\naccess_key_id = \"{access_key_id}\"\naccess_key_secret = \"{secret}\"\n"
            );
            accounts.push((
                key.to_owned(),
                TargetAccount {
                    id: id.to_owned(),
                    alias: alias.to_owned(),
                    root: Credentials::new(access_key_id, secret),
                },
            ));
        }
        let world_path: PathBuf = dir.path().join("world.toml");
        std::fs::write(&world_path, world).map_err(|e| start(format!("world file: {e}")))?;
        let mut child = Command::new(binary)
            .arg("serve")
            .arg("--addr")
            .arg("127.0.0.1:0")
            .arg("--world")
            .arg(&world_path)
            .arg("--clock-control")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| start(format!("cannot run {}: {e}", binary.display())))?;
        let stdout = child
            .stdout
            .take()
            .ok_or_else(|| start("no stdout from the child".into()))?;
        let mut stderr = child.stderr.take();
        let mut lines = BufReader::new(stdout).lines();
        let found = tokio::time::timeout(START_TIMEOUT, async {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Some(rest) = line.trim().strip_prefix("listening on http://") {
                    return Some(rest.trim().to_owned());
                }
            }
            None
        })
        .await;
        let addr = match found {
            Ok(Some(addr)) => addr,
            other => {
                let _ = child.start_kill();
                let mut err = String::new();
                if let Some(s) = stderr.as_mut() {
                    let _ =
                        tokio::time::timeout(Duration::from_secs(2), s.read_to_string(&mut err))
                            .await;
                }
                let why = if other.is_err() {
                    "timed out waiting for `listening on http://ADDR`"
                } else {
                    "it exited before listening"
                };
                return Err(start(format!(
                    "`{} serve`: {why}; stderr: {}",
                    binary.display(),
                    err.trim()
                )));
            }
        };
        // Keep draining both pipes so the child never blocks on a full pipe.
        tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
        if let Some(mut s) = stderr {
            tokio::spawn(async move {
                let mut sink = Vec::new();
                let _ = s.read_to_end(&mut sink).await;
            });
        }
        let url = format!("http://{addr}");
        let transport = ReqwestTransport::new().map_err(|e| start(e.to_string()))?;
        let clock = Arc::new(OffsetClock::new());
        let http = HttpEndpoint {
            endpoint: Endpoint::url(&url).map_err(|e| start(e.to_string()))?,
            console_url: Some(url.clone()),
            transport: Arc::new(transport),
            clock: Arc::new(EngineClock(clock.clone())),
        };
        Ok(Self {
            child: Some(child),
            url,
            http,
            clock,
            accounts,
            _dir: dir,
        })
    }

    /// The child's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// `POST /crossram/clock` on the child: moves its clock forward by `secs`, answers its new
    /// time (`YYYY-MM-DDThh:mm:ssZ`).
    async fn advance_child(&self, secs: u64) -> Result<String, TargetError> {
        let fail = |m: String| TargetError::Call(format!("moving the clock of the child: {m}"));
        let body = serde_json::json!({ "AdvanceSeconds": secs }).to_string();
        let req = HttpRequest {
            method: http::Method::POST,
            url: format!("{}/crossram/clock", self.url),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("accept".into(), "application/json".into()),
            ],
            body: Bytes::from(body),
        };
        let resp = self
            .http
            .transport
            .send(req)
            .await
            .map_err(|e| fail(format!("transport error: {e}")))?;
        let answer: Value = serde_json::from_slice(&resp.body).map_err(|e| {
            fail(format!(
                "HTTP {} with a body that is not JSON: {e}",
                resp.status
            ))
        })?;
        let now = answer.get("Now").and_then(Value::as_str);
        match now {
            Some(now) if resp.status == 200 => Ok(now.to_owned()),
            _ => Err(fail(format!("HTTP {}: {answer}", resp.status))),
        }
    }
}

#[async_trait::async_trait]
impl Target for Spawned {
    fn describe(&self) -> String {
        format!("spawn {}", self.url)
    }

    fn capabilities(&self) -> BTreeSet<Capability> {
        [Capability::Clock, Capability::Console]
            .into_iter()
            .collect()
    }

    fn http(&self) -> &HttpEndpoint {
        &self.http
    }

    fn accounts(&self) -> &[(String, TargetAccount)] {
        &self.accounts
    }

    async fn advance_clock(&self, by: time::Duration) -> Result<(), TargetError> {
        let by = forward(by)?;
        if by.subsec_nanos() != 0 {
            return Err(TargetError::Unsupported(format!(
                "move its clock by a fraction of a second ({by:?})"
            )));
        }
        if by.is_zero() {
            return Ok(());
        }
        let now = self.advance_child(by.as_secs()).await?;
        self.clock.advance(by);
        tracing::debug!(%now, offset = ?self.clock.offset(), "moved the clock of the spawned server");
        Ok(())
    }

    async fn teardown(&mut self) -> Result<(), TargetError> {
        if let Some(mut child) = self.child.take() {
            stop(&mut child)
                .await
                .map_err(|e| TargetError::Teardown(format!("stopping the child: {e}")))?;
        }
        Ok(())
    }
}

/// Stops `child` as SIGTERM does (a clean stop: temporary files removed, the store flushed),
/// waiting up to [`STOP_GRACE`], then kills it if it still runs.
async fn stop(child: &mut Child) -> std::io::Result<()> {
    #[cfg(unix)]
    if let Some(pid) = child.id().and_then(|id| i32::try_from(id).ok()) {
        use nix::sys::signal::{Signal, kill};
        if kill(nix::unistd::Pid::from_raw(pid), Signal::SIGTERM).is_ok()
            && let Ok(exited) = tokio::time::timeout(STOP_GRACE, child.wait()).await
        {
            return exited.map(|_| ());
        }
    }
    child.kill().await
}
