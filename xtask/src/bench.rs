//! `cargo xtask bench`: crossram side by side with moto and a do-nothing server, and the scale
//! curve, in one run on this machine.
//!
//! Everything runs as processes on 127.0.0.1: the release `crossram` binary (`serve` and
//! `load`), `moto_server` from a virtual environment this task makes under the target folder
//! (moto and boto3 from PyPI, pinned), and a do-nothing HTTP server inside this process (std
//! only: a thread per keep-alive connection answering 200 to any request). One load generator
//! (`crossram load`, with `--protocol alibaba | aws | plain`) measures all of them, with the
//! same connections and the same request counts. Every load is bounded in count and in time.
//!
//! The ceiling is measured twice: with the very requests crossram gets (`crossram load
//! --send-to`: prepared against crossram, signed the same way, sent to the do-nothing server),
//! which is the ceiling of the comparison, and with a bare `POST /` for reference.
//!
//! The one-connection cells are then run again with the load generator and the servers pinned
//! by `taskset` (util-linux), all to one CPU and then to two, because with one connection the
//! placement the scheduler picks moves a round trip by up to 2x (see [`placement`]).
//!
//! The scale curve serves the worlds of one store side by side and interleaves their runs
//! round by round, so that each ratio of the largest world to the smallest compares runs of the
//! same seconds (see [`scale`]).
//!
//! Results: a table on stdout, `bench/results.json`, and the plot `bench/scale.svg` and the
//! README's benchmark tables rendered from those results (see `report.rs`). A partial run
//! (`--no-compare`, `--no-scale`) writes its results under the target folder and leaves those
//! alone.

use std::fmt::Write as _;
use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// moto and boto3, pinned so that a later run measures the same peer.
const PIP_PACKAGES: &[&str] = &["moto[server]==5.2.5", "boto3==1.44.8"];
/// The operations of the comparison, as `crossram load --action` names them.
const OPS: &[&str] = &[
    "create-role",
    "attach-policy-to-role",
    "assume-role",
    "get-caller-identity-assumed",
];
/// The calls of the scale curve (all as B's user or A's role session, cross-account).
const SCALE_OPS: &[&str] = &["assume-role", "describe-instances", "stop-instance"];
/// World sizes of the scale curve: RAM users, roles and custom policies, this many of each.
const SIZES: &[usize] = &[1_000, 100_000];
/// Runs of crossram and the ceiling per cell of the comparison and of the placement study (the
/// median is kept): one-connection shares swing by up to 2x from round to round. With 9 rounds a
/// cell whose share sits a few points above a target still fell under it in one run of three;
/// 15 narrow the median's spread by a quarter.
const COMPARE_REPEATS: usize = 15;
/// Rounds per cell of the scale curve: a run of each world per round (the median is kept, and
/// the median of the rounds' ratios). 15 for the same reason as [`COMPARE_REPEATS`].
const SCALE_REPEATS: usize = 15;
/// No load may run longer than this.
const LOAD_TIMEOUT: Duration = Duration::from_secs(300);

type Res<T> = Result<T, String>;

/// Options of `cargo xtask bench`.
#[derive(Debug)]
struct Options {
    /// Requests per operation, connection count and server in the comparison.
    requests: usize,
    /// Requests per call and world in the scale curve.
    scale_requests: usize,
    /// World sizes: users, roles and policies, this many of each.
    sizes: Vec<usize>,
    /// Skip the comparison (scale only).
    skip_compare: bool,
    /// Skip the scale curve.
    skip_scale: bool,
    /// Run only the memory soak, this many seconds per window setting.
    soak_secs: Option<u64>,
}

fn parse_options(args: &[String]) -> Res<Options> {
    let mut o = Options {
        requests: 2000,
        scale_requests: 5000,
        sizes: SIZES.to_vec(),
        skip_compare: false,
        skip_scale: false,
        soak_secs: None,
    };
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut num = |name: &str| -> Res<usize> {
            it.next()
                .and_then(|v| v.replace('_', "").parse().ok())
                .ok_or_else(|| format!("{name} needs a number"))
        };
        match a.as_str() {
            "--requests" => o.requests = num("--requests")?,
            "--scale-requests" => o.scale_requests = num("--scale-requests")?,
            "--sizes" => {
                let v = it.next().ok_or("--sizes needs a list like 1000,100000")?;
                o.sizes = v
                    .split(',')
                    .map(|s| {
                        s.replace('_', "")
                            .parse()
                            .map_err(|_| format!("bad size {s}"))
                    })
                    .collect::<Res<_>>()?;
            }
            "--no-compare" => o.skip_compare = true,
            "--no-scale" => o.skip_scale = true,
            "--soak" => {
                let secs = num("--soak")?;
                if !(10..=3600).contains(&secs) {
                    return Err("--soak takes 10 to 3600 seconds".into());
                }
                o.soak_secs = Some(secs as u64);
            }
            other => return Err(format!("unknown option {other}")),
        }
    }
    if o.requests == 0 || o.requests > 100_000 || o.scale_requests == 0 {
        return Err("--requests must be 1..=100000".into());
    }
    Ok(o)
}

/// Runs `cargo xtask bench [--requests N] [--scale-requests N] [--sizes A,B] [--no-compare]
/// [--no-scale]`, or `cargo xtask bench --soak SECS` (the memory soak alone).
pub(crate) fn bench(args: &[String]) -> Res<()> {
    let opts = parse_options(args)?;
    let root = workspace_root();
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| root.join("target"));
    let work = target.join("bench-run");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("cannot create {}: {e}", work.display()))?;
    crate::run("cargo", &["build", "--release", "-p", "crossram-cli"])?;
    let crossram = target.join("release").join("crossram");
    let mut json = String::from("{\n");
    let machine = machine();
    let _ = writeln!(json, "  \"machine\": {},", machine.json());
    let _ = writeln!(
        json,
        "  \"command\": \"cargo xtask bench{}\",",
        if args.is_empty() {
            String::new()
        } else {
            format!(" {}", args.join(" "))
        }
    );
    println!("machine: {}", machine.line());
    let _ = writeln!(json, "  \"date\": \"{}\",", today());
    let _ = writeln!(json, "  \"commit\": {},", json_str(&commit(&root)));
    if let Some(secs) = opts.soak_secs {
        let soak_json = soak(&crossram, &work, secs)?;
        let _ = writeln!(json, "  \"soak\": {soak_json}");
        json.push_str("}\n");
        write_file(&root.join("bench").join("soak.json"), &json)?;
        println!("wrote bench/soak.json");
        return Ok(());
    }
    if !opts.skip_compare {
        let venv = ensure_venv(&target)?;
        let versions = capture(
            &venv.join("bin").join("python"),
            &[
                "-c",
                "import moto, boto3; print(moto.__version__, boto3.__version__)",
            ],
        )?;
        let mut v = versions.split_whitespace();
        let (moto_v, boto_v) = (v.next().unwrap_or("?"), v.next().unwrap_or("?"));
        let _ = writeln!(
            json,
            "  \"peers\": {{\"moto\": \"{moto_v}\", \"boto3\": \"{boto_v}\", \"ceiling\": \"std thread-per-connection HTTP/1.1 server in xtask\"}},"
        );
        let (cmp, placement) = compare(&crossram, &venv, &work, opts.requests)?;
        let _ = writeln!(json, "  \"compare\": {cmp},");
        let _ = writeln!(json, "  \"placement\": {placement},");
    }
    if !opts.skip_scale {
        let (scale_json, ratios_json) = scale(&crossram, &work, &opts.sizes, opts.scale_requests)?;
        let _ = writeln!(json, "  \"scale\": {scale_json},");
        let _ = writeln!(json, "  \"scale_ratios\": {ratios_json},");
    }
    let _ = writeln!(
        json,
        "  \"requests_per_run\": {}, \"repeats_per_cell\": {{\"crossram_and_ceiling\": {COMPARE_REPEATS}, \"moto\": 1, \"scale\": {SCALE_REPEATS}}}",
        opts.requests
    );
    json.push_str("}\n");
    if opts.skip_compare || opts.skip_scale {
        // A partial run stays out of the committed results, which the README's tables render.
        let path = work.join("results.json");
        write_file(&path, &json)?;
        println!(
            "wrote {} (a partial run: bench/ and README.md are left as they were)",
            path.display()
        );
        return Ok(());
    }
    write_file(&root.join("bench").join("results.json"), &json)?;
    crate::report::update_readme(&root)?;
    println!(
        "wrote bench/results.json, and bench/scale.svg and README.md's benchmark tables from it"
    );
    Ok(())
}

/// Today's date (UTC) as `date -u` gives it, stamped on the results; `unknown` without it.
fn today() -> String {
    capture(Path::new("date"), &["-u", "+%Y-%m-%d"])
        .ok()
        .map(|d| d.trim().to_owned())
        .filter(|d| !d.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

/// The commit measured, `-modified` when the working tree differs from it (outside `bench/`
/// and README.md, which a run rewrites); `unknown` outside a git checkout.
fn commit(root: &Path) -> String {
    let root = root.to_string_lossy();
    let git = |args: &[&str]| {
        let args: Vec<&str> = ["-C", root.as_ref()]
            .into_iter()
            .chain(args.iter().copied())
            .collect();
        capture(Path::new("git"), &args)
            .ok()
            .map(|o| o.trim().to_owned())
    };
    let Some(head) = git(&["rev-parse", "--short=12", "HEAD"]) else {
        return "unknown".into();
    };
    let modified = git(&["status", "--porcelain", "--", ".", ":!bench", ":!README.md"])
        .is_some_and(|s| !s.is_empty());
    if modified {
        format!("{head}-modified")
    } else {
        head
    }
}

pub(crate) fn workspace_root() -> PathBuf {
    let manifest = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    manifest.parent().map(Path::to_path_buf).unwrap_or(manifest)
}

pub(crate) fn write_file(path: &Path, text: &str) -> Res<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// What the figures were measured on.
#[derive(Debug)]
struct Machine {
    cores: usize,
    memory_gib: f64,
    cpu: String,
}

impl Machine {
    fn line(&self) -> String {
        format!(
            "{} cores ({}), {:.0} GiB",
            self.cores, self.cpu, self.memory_gib
        )
    }

    fn json(&self) -> String {
        format!(
            "{{\"cores\": {}, \"memory_gib\": {:.1}, \"cpu\": {}}}",
            self.cores,
            self.memory_gib,
            json_str(&self.cpu)
        )
    }
}

fn machine() -> Machine {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let meminfo = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
    let kib = proc_field(&meminfo, "MemTotal:").unwrap_or(0);
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|l| l.starts_with("model name"))
        .and_then(|l| l.split(':').nth(1))
        .map_or_else(|| "unknown cpu".to_owned(), |s| s.trim().to_owned());
    Machine {
        cores,
        memory_gib: kib as f64 / 1024.0 / 1024.0,
        cpu,
    }
}

/// The number after `name` in a `/proc` status-like text (kB for memory fields).
fn proc_field(text: &str, name: &str) -> Option<u64> {
    text.lines()
        .find(|l| l.starts_with(name))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
}

fn json_str(s: &str) -> String {
    let mut out = String::from("\"");
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Runs a program and returns its stdout, failing on a non-zero exit.
fn capture(program: &Path, args: &[&str]) -> Res<String> {
    let out = Command::new(program)
        .args(args)
        .output()
        .map_err(|e| format!("cannot start {}: {e}", program.display()))?;
    if !out.status.success() {
        return Err(format!(
            "{} {} failed: {}",
            program.display(),
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The virtual environment with moto's server and boto3, made once under the target folder.
fn ensure_venv(target: &Path) -> Res<PathBuf> {
    let venv = target.join("bench-venv");
    let pip = venv.join("bin").join("pip");
    if !venv.join("bin").join("python").exists() {
        let v = venv.to_string_lossy().into_owned();
        crate::run("python3", &["-m", "venv", &v])?;
    }
    let pip_s = pip.to_string_lossy().into_owned();
    let mut args = vec!["install", "--quiet"];
    args.extend_from_slice(PIP_PACKAGES);
    crate::run(&pip_s, &args)?;
    Ok(venv)
}

/// A free loopback port (bound, then released).
fn free_port() -> Res<u16> {
    let l = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    l.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn wait_for_port(port: u16, within: Duration) -> Res<()> {
    let deadline = Instant::now() + within;
    while Instant::now() < deadline {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return Ok(());
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    Err(format!(
        "nothing listens on 127.0.0.1:{port} after {within:?}"
    ))
}

/// Kills a child this task started and reaps it.
fn stop(mut child: Child) {
    let _ = child.kill();
    let _ = child.wait();
}

/// Sends SIGTERM to a child this task started (a clean stop flushes a file store), then reaps
/// it; SIGKILL after 20 s.
fn terminate(mut child: Child) {
    let _ = Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status();
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    stop(child);
}

/// The do-nothing server: a thread per keep-alive connection, 200 `ok` to any request.
fn ceiling_server() -> Res<u16> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let port = listener.local_addr().map_err(|e| e.to_string())?.port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            std::thread::spawn(move || serve_nothing(stream));
        }
    });
    Ok(port)
}

fn serve_nothing(mut s: TcpStream) {
    let _ = s.set_nodelay(true);
    let mut buf: Vec<u8> = Vec::with_capacity(64 * 1024);
    let mut chunk = [0u8; 64 * 1024];
    // Where the search for the end of the head resumes: bytes before it were searched already.
    let mut scanned = 0;
    loop {
        let found = buf
            .get(scanned..)
            .and_then(|b| b.windows(4).position(|w| w == b"\r\n\r\n"));
        match found {
            Some(pos) => {
                let end = scanned + pos;
                let len = content_length(buf.get(..end).unwrap_or_default());
                if buf.len() >= end + 4 + len {
                    buf.drain(..end + 4 + len);
                    scanned = 0;
                    if s.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok")
                        .is_err()
                    {
                        return;
                    }
                    // Another request may be in the buffer already.
                    continue;
                }
                // The head is complete, the body is not: look at this head again after reading.
                scanned = end;
            }
            // A head end may straddle the next read: keep its first three bytes in the search.
            None => scanned = buf.len().saturating_sub(3),
        }
        match s.read(&mut chunk) {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(chunk.get(..n).unwrap_or_default()),
        }
    }
}

/// The `Content-Length` of a request head (0 when absent), without copying the head.
fn content_length(head: &[u8]) -> usize {
    head.split(|&b| b == b'\n')
        .find_map(|line| {
            let (name, value) = line.split_at_checked(15)?;
            name.eq_ignore_ascii_case(b"content-length:")
                .then(|| std::str::from_utf8(value).ok()?.trim().parse().ok())?
        })
        .unwrap_or(0)
}

/// One `crossram load --json` result.
#[derive(Debug, Clone, Default)]
struct Load {
    per_second: f64,
    p50_us: u64,
    p99_us: u64,
    failed: u64,
    reconnects: u64,
    raw: String,
}

/// A number field of a flat JSON object (the one line `crossram load --json` prints).
fn json_num(text: &str, field: &str) -> Option<f64> {
    let key = format!("\"{field}\":");
    let start = text.find(&key)? + key.len();
    let rest = text.get(start..)?.trim_start();
    let end = rest
        .find(|c: char| !(c.is_ascii_digit() || c == '.' || c == '-' || c == 'e' || c == '+'))
        .unwrap_or(rest.len());
    rest.get(..end)?.parse().ok()
}

/// Runs `crossram load` with `args` (plus `--json`), within [`LOAD_TIMEOUT`]; failed requests
/// are an error unless `tolerate_failures` (then they are counted in the result, up to a tenth
/// of the requests).
fn load(crossram: &Path, args: &[&str], tolerate_failures: bool) -> Res<Load> {
    load_on(crossram, args, tolerate_failures, None)
}

/// [`load`], with the load generator on the CPUs of `cpus` (a `taskset` list) when given.
fn load_on(
    crossram: &Path,
    args: &[&str],
    tolerate_failures: bool,
    cpus: Option<&str>,
) -> Res<Load> {
    let mut command = match cpus {
        Some(list) => {
            let mut c = Command::new("taskset");
            c.args(["-c", list]).arg(crossram);
            c
        }
        None => Command::new(crossram),
    };
    let mut child = command
        .arg("load")
        .args(args)
        .arg("--json")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start crossram load: {e}"))?;
    let deadline = Instant::now() + LOAD_TIMEOUT;
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if Instant::now() > deadline => {
                stop(child);
                return Err(format!("crossram load {} took too long", args.join(" ")));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let mut out = String::new();
    let mut err = String::new();
    if let Some(mut o) = child.stdout.take() {
        let _ = o.read_to_string(&mut out);
    }
    if let Some(mut e) = child.stderr.take() {
        let _ = e.read_to_string(&mut err);
    }
    let line = out.lines().last().unwrap_or_default().to_owned();
    let Some(per_second) = json_num(&line, "per_second") else {
        return Err(format!(
            "crossram load {} gave no result: {err}",
            args.join(" ")
        ));
    };
    let get = |f: &str| json_num(&line, f).unwrap_or(0.0) as u64;
    let l = Load {
        per_second,
        p50_us: get("p50_us"),
        p99_us: get("p99_us"),
        failed: get("failed"),
        reconnects: get("reconnects"),
        raw: line.clone(),
    };
    let requests = json_num(&line, "ok").unwrap_or(0.0) as u64 + l.failed;
    if l.failed > 0 && (!tolerate_failures || l.failed * 10 > requests) {
        return Err(format!(
            "crossram load {}: {} requests failed: {err}",
            args.join(" "),
            l.failed
        ));
    }
    Ok(l)
}

/// A running `crossram serve`: its child, address and world (credentials) file.
#[derive(Debug)]
struct Serve {
    child: Child,
    endpoint: String,
    world: PathBuf,
    started_in: Duration,
}

/// Starts `crossram serve` with `extra` arguments and waits for `listening on`.
fn start_serve(crossram: &Path, work: &Path, extra: &[&str], log: &str) -> Res<Serve> {
    start_serve_with(crossram, work, extra, log, "")
}

/// [`start_serve`] with `settings` (top-level `--config` lines) before the limits.
fn start_serve_with(
    crossram: &Path,
    work: &Path,
    extra: &[&str],
    log: &str,
    settings: &str,
) -> Res<Serve> {
    let config = work.join("serve.toml");
    write_file(
        &config,
        &format!(
            "{settings}[limits]\nroles_per_account = 1000000\nusers_per_account = 1000000\ncustom_policies_per_account = 1000000\n"
        ),
    )?;
    let stderr = std::fs::File::create(work.join(log)).map_err(|e| e.to_string())?;
    let started = Instant::now();
    let mut child = Command::new(crossram)
        .arg("serve")
        .args(["--addr", "127.0.0.1:0", "--config"])
        .arg(&config)
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(stderr)
        .spawn()
        .map_err(|e| format!("cannot start crossram serve: {e}"))?;
    let Some(stdout) = child.stdout.take() else {
        stop(child);
        return Err("no stdout from crossram serve".into());
    };
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                // Keep draining so the server never blocks on a full pipe.
                continue;
            }
        }
    });
    let mut world = None;
    let deadline = Instant::now() + Duration::from_secs(120);
    loop {
        let left = deadline.saturating_duration_since(Instant::now());
        let Ok(line) = rx.recv_timeout(left) else {
            stop(child);
            return Err(format!("crossram serve did not start; see {log}"));
        };
        if let Some(p) = line.strip_prefix("credentials: ") {
            world = Some(PathBuf::from(p.trim()));
        }
        if let Some(addr) = line.strip_prefix("listening on http://") {
            let started_in = started.elapsed();
            let world = match world {
                Some(w) => w,
                None => extra
                    .iter()
                    .position(|a| *a == "--world")
                    .and_then(|i| extra.get(i + 1))
                    .map(PathBuf::from)
                    .unwrap_or_default(),
            };
            return Ok(Serve {
                child,
                endpoint: format!("http://{}", addr.trim()),
                world,
                started_in,
            });
        }
    }
}

/// Requests per load of the soak (RSS is read between loads).
const SOAK_CHUNK: usize = 200_000;

/// The memory soak: AssumeRole over 64 connections for `secs` seconds, resident memory read
/// after every [`SOAK_CHUNK`] requests; once with the real 15-minute timestamp (and nonce)
/// window, once with a 60-second one, so the nonce cache's share of the growth is plain and
/// the rest can be seen flat. Returns the JSON of `soak`.
fn soak(crossram: &Path, work: &Path, secs: u64) -> Res<String> {
    let mut runs = Vec::new();
    for window in [900u32, 60] {
        let settings = format!("timestamp_window_secs = {window}\n");
        let serve = start_serve_with(crossram, work, &[], "serve-soak.log", &settings)?;
        let pid = serve.child.id();
        let world = serve.world.to_string_lossy().into_owned();
        let chunk = SOAK_CHUNK.to_string();
        let args = [
            "--endpoint",
            serve.endpoint.as_str(),
            "--world",
            world.as_str(),
            "--action",
            "assume-role",
            "--connections",
            "64",
            "--requests",
            chunk.as_str(),
        ];
        let idle = rss_bytes(pid);
        println!("soak, {window}-second window: idle {:.1} MB", mb(idle));
        let started = Instant::now();
        let mut samples = vec![(0.0, 0usize, idle)];
        let mut total = 0;
        while started.elapsed() < Duration::from_secs(secs) {
            if let Err(e) = load(crossram, &args, false) {
                terminate(serve.child);
                return Err(e);
            }
            total += SOAK_CHUNK;
            let t = started.elapsed().as_secs_f64();
            let rss = rss_bytes(pid);
            println!(
                "  {t:>6.1} s {total:>10} requests {:>8.1} MB ({:.0}/s)",
                mb(rss),
                total as f64 / t
            );
            samples.push((t, total, rss));
        }
        terminate(serve.child);
        runs.push((window, samples));
    }
    let mut json = String::from("[");
    for (i, (window, samples)) in runs.iter().enumerate() {
        let points: Vec<String> = samples
            .iter()
            .map(|(t, n, rss)| format!("[{t:.1}, {n}, {rss}]"))
            .collect();
        let _ = write!(
            json,
            "{}\n    {{\"window_secs\": {window}, \"chunk\": {SOAK_CHUNK}, \"samples_seconds_requests_rss\": [{}]}}",
            if i == 0 { "" } else { "," },
            points.join(", ")
        );
    }
    json.push_str("\n  ]");
    Ok(json)
}

fn mb(bytes: u64) -> f64 {
    bytes as f64 / 1_048_576.0
}

/// Resident memory of a process, bytes.
fn rss_bytes(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    proc_field(&status, "VmRSS:").unwrap_or(0) * 1024
}

/// One server of the comparison.
struct Peer<'a> {
    name: &'a str,
    protocol: &'a str,
    endpoint: String,
    world: PathBuf,
    /// Where the measured requests go instead of `endpoint` (`crossram load --send-to`).
    send_to: Option<String>,
}

impl Peer<'_> {
    /// The `crossram load` arguments of one run of `op` against this peer (a bare `POST` for
    /// the `plain` protocol, whatever `op`).
    fn load_args(
        &self,
        op: &str,
        connections: usize,
        requests: usize,
        prefix: &str,
    ) -> Vec<String> {
        let mut args: Vec<String> = [
            "--protocol",
            self.protocol,
            "--endpoint",
            self.endpoint.as_str(),
            "--connections",
            &connections.to_string(),
            "--requests",
            &requests.to_string(),
            "--prefix",
            prefix,
        ]
        .map(str::to_owned)
        .into();
        if self.protocol == "plain" {
            args.extend(["--action".to_owned(), "post".to_owned()]);
        } else {
            let world = self.world.to_string_lossy().into_owned();
            args.extend([
                "--action".to_owned(),
                op.to_owned(),
                "--world".to_owned(),
                world,
            ]);
        }
        if let Some(url) = &self.send_to {
            args.extend(["--send-to".to_owned(), url.clone()]);
        }
        args
    }
}

/// The run with the median calls per second (the upper one of an even count).
fn median_run(runs: &[Load]) -> Option<Load> {
    let mut sorted = runs.to_vec();
    sorted.sort_by(|a, b| a.per_second.total_cmp(&b.per_second));
    sorted.get(sorted.len() / 2).cloned()
}

/// The comparison: the same operations, counts and connections against crossram, moto (auth
/// off and on) and the do-nothing ceiling, then the placement study of one connection. Returns
/// the JSON of `compare` and of `placement`.
fn compare(crossram: &Path, venv: &Path, work: &Path, requests: usize) -> Res<(String, String)> {
    let ceiling = ceiling_server()?;
    let serve = start_serve(crossram, work, &[], "serve-compare.log")?;
    let moto_world = work.join("moto-world.toml");
    write_file(
        &moto_world,
        "[[account]]\nid = \"123456789012\"\naccess_key_id = \"AKIAIOSFODNN7EXAMPLE\"\naccess_key_secret = \"not-checked-with-auth-off\"\n",
    )?;
    let (moto_off, _) = start_moto(venv, work, None)?;
    let (moto_on, moto_on_world) = match start_moto(venv, work, Some(3)) {
        Ok(m) => m,
        Err(e) => {
            stop(moto_off.0);
            terminate(serve.child);
            return Err(e);
        }
    };
    let ceiling_url = format!("http://127.0.0.1:{ceiling}");
    // The ceiling gets the very requests crossram gets (signed by the same load generator, with
    // the same sizes and connections), so that the share of it measures the server alone; the
    // bare-POST ceiling is kept for reference.
    let peers = [
        Peer {
            name: "crossram",
            protocol: "alibaba",
            endpoint: serve.endpoint.clone(),
            world: serve.world.clone(),
            send_to: None,
        },
        Peer {
            name: "ceiling",
            protocol: "alibaba",
            endpoint: serve.endpoint.clone(),
            world: serve.world.clone(),
            send_to: Some(ceiling_url.clone()),
        },
        Peer {
            name: "ceiling-bare",
            protocol: "plain",
            endpoint: ceiling_url,
            world: PathBuf::new(),
            send_to: None,
        },
        Peer {
            name: "moto",
            protocol: "aws",
            endpoint: format!("http://127.0.0.1:{}", moto_off.1),
            world: moto_world,
            send_to: None,
        },
        Peer {
            name: "moto-auth",
            protocol: "aws",
            endpoint: format!("http://127.0.0.1:{}", moto_on.1),
            world: moto_on_world,
            send_to: None,
        },
    ];
    let cmp = run_compare(crossram, &peers, requests);
    stop(moto_off.0);
    stop(moto_on.0);
    let res = cmp.and_then(|cmp| match (peers.first(), peers.get(1)) {
        (Some(ours), Some(ceiling)) => {
            placement(crossram, serve.child.id(), ours, ceiling, requests).map(|pl| (cmp, pl))
        }
        _ => Err("no peers".into()),
    });
    terminate(serve.child);
    res
}

/// Pins every thread of process `pid` to the CPUs of `cpus` (a `taskset` list); threads it
/// starts later inherit the set.
fn pin(pid: u32, cpus: &str) -> Res<()> {
    let status = Command::new("taskset")
        .args(["-a", "-p", "-c", cpus, &pid.to_string()])
        .stdout(Stdio::null())
        .status()
        .map_err(|e| format!("cannot start taskset (util-linux) to pin the servers: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!("taskset -a -p -c {cpus} {pid} failed: {status}"))
    }
}

/// The CPU list (`taskset` form, like `0-3,8`) process `pid` may run on.
fn affinity(pid: u32) -> Res<String> {
    let out = Command::new("taskset")
        .args(["-c", "-p", &pid.to_string()])
        .output()
        .map_err(|e| format!("cannot start taskset (util-linux) to pin the servers: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    // "pid 123's current affinity list: 0,1"
    text.rsplit_once(':')
        .map(|(_, list)| list.trim().to_owned())
        .filter(|list| out.status.success() && !list.is_empty())
        .ok_or_else(|| format!("taskset -c -p {pid} printed no CPU list: {text}"))
}

/// The CPUs of a `taskset` list, in order: `0-2,5` is 0, 1, 2, 5.
fn cpu_list(list: &str) -> Vec<u32> {
    let mut cpus = Vec::new();
    for part in list.split(',').map(str::trim) {
        let range = part.split_once('-').unwrap_or((part, part));
        if let (Ok(a), Ok(b)) = (range.0.parse::<u32>(), range.1.parse::<u32>()) {
            cpus.extend(a..=b);
        }
    }
    cpus
}

/// The one-connection study of placement. With one connection a call is a ping-pong: the load
/// generator sends, waits, the server answers. Where the scheduler runs the two decides what a
/// round trip costs: on one CPU they take turns (a context switch each way); on two CPUs each
/// wakes the other across CPUs, which on a virtual machine is far dearer. Unpinned, as in the
/// comparison, the scheduler moves them between the two, and a run's share of the ceiling with
/// them. Here `taskset` holds them in each placement in turn, crossram and the ceiling alike
/// (the ceiling runs in this process), interleaved as in the comparison; the pins are undone
/// at the end, also after a failure. Returns the JSON of `placement`.
fn placement(
    crossram: &Path,
    serve_pid: u32,
    ours: &Peer<'_>,
    ceiling: &Peer<'_>,
    requests: usize,
) -> Res<String> {
    let me = std::process::id();
    // The CPUs this process may use (the server, its child, started with the same set).
    let allowed = affinity(me)?;
    let cpus = cpu_list(&allowed);
    let (first, second) = match cpus.as_slice() {
        [] => return Err(format!("cannot read the CPU list {allowed:?}")),
        [one] => (one.to_string(), None),
        [one, two, ..] => (one.to_string(), Some(two.to_string())),
    };
    // (name, load generator's CPU, servers' CPU)
    let mut placements = vec![("one CPU", first.as_str(), first.as_str())];
    if let Some(second) = &second {
        placements.push(("two CPUs", first.as_str(), second.as_str()));
    }
    let mut json = String::from("[\n");
    let result = (|| -> Res<()> {
        println!();
        println!(
            "{:<10} {:<28} {:>22} {:>22} {:>10}",
            "placement",
            "operation (1 conn)",
            "crossram /s p50 p99",
            "ceiling /s p50 p99",
            "% ceiling"
        );
        for (pi, (name, load_cpu, server_cpu)) in placements.iter().enumerate() {
            pin(serve_pid, server_cpu)?;
            pin(me, server_cpu)?;
            for op in OPS {
                let mut runs: [Vec<Load>; 2] = [Vec::new(), Vec::new()];
                let peers = [ours, ceiling];
                for k in 0..COMPARE_REPEATS {
                    // Attach uses the roles create-role made with the same prefix.
                    let prefix = format!("pl{pi}r{k}");
                    for i in round_order(2, k) {
                        let (Some(peer), Some(out)) = (peers.get(i), runs.get_mut(i)) else {
                            continue;
                        };
                        let args = peer.load_args(op, 1, requests, &prefix);
                        let args: Vec<&str> = args.iter().map(String::as_str).collect();
                        let l = load_on(crossram, &args, false, Some(load_cpu))
                            .map_err(|e| format!("{} ({name}): {e}", peer.name))?;
                        out.push(l);
                    }
                }
                let [cr, ceil] = &runs;
                let shares = paired_ratios(cr, ceil);
                let (cr, ceil) = (
                    median_run(cr).unwrap_or_default(),
                    median_run(ceil).unwrap_or_default(),
                );
                let cell = |l: &Load| format!("{:.0} {}µs {}µs", l.per_second, l.p50_us, l.p99_us);
                println!(
                    "{:<10} {:<28} {:>22} {:>22} {:>9.0}%",
                    name,
                    op,
                    cell(&cr),
                    cell(&ceil),
                    median(&shares) * 100.0
                );
                if json.len() > 2 {
                    json.push_str(",\n");
                }
                let rounds: Vec<String> = shares.iter().map(|r| format!("{r:.3}")).collect();
                let _ = write!(
                    json,
                    "    {{\"placement\": \"{name}\", \"load_cpu\": {load_cpu}, \"server_cpu\": {server_cpu}, \"operation\": \"{op}\", \"connections\": 1, \"requests\": {requests}, \"crossram\": {}, \"ceiling\": {}, \"share_of_ceiling\": {:.3}, \"share_of_ceiling_rounds\": [{}]}}",
                    cr.raw,
                    ceil.raw,
                    median(&shares),
                    rounds.join(", ")
                );
            }
        }
        Ok(())
    })();
    let unpinned = pin(serve_pid, &allowed).and(pin(me, &allowed));
    result?;
    unpinned?;
    json.push_str("\n  ]");
    Ok(json)
}

/// One cell of the comparison: a load per peer, and the per-round shares of the ceiling and of
/// the bare ceiling.
type PairedRow = (Vec<Load>, (Vec<f64>, Vec<f64>));

/// Round by round, `ours` calls per second over `theirs` (rounds where `theirs` measured
/// nothing are left out).
fn paired_ratios(ours: &[Load], theirs: &[Load]) -> Vec<f64> {
    ours.iter()
        .zip(theirs)
        .filter(|(_, t)| t.per_second > 0.0)
        .map(|(o, t)| o.per_second / t.per_second)
        .collect()
}

/// The order in which round `round` runs `n` interleaved servers: as given in even rounds,
/// reversed in odd ones, so that neither side of a pair always runs first.
fn round_order(n: usize, round: usize) -> Vec<usize> {
    if round.is_multiple_of(2) {
        (0..n).collect()
    } else {
        (0..n).rev().collect()
    }
}

/// The median of `values` (the upper one of an even count), 0 for none.
fn median(values: &[f64]) -> f64 {
    let mut sorted = values.to_vec();
    sorted.sort_by(f64::total_cmp);
    sorted.get(sorted.len() / 2).copied().unwrap_or(0.0)
}

fn run_compare(crossram: &Path, peers: &[Peer<'_>], requests: usize) -> Res<String> {
    // table[conn][op] = (a load per peer, (per-round shares of the ceiling, of the bare one))
    let conns = [1usize, 64];
    let mut table: Vec<Vec<PairedRow>> = Vec::new();
    for c in conns {
        let mut per_op = Vec::new();
        for op in OPS {
            // A run of crossram or the ceiling takes a fraction of a second and varies from run
            // to run (and with the machine's state over minutes) by more than the differences
            // measured: their runs are interleaved, crossram and each ceiling, the order
            // reversed every other round, COMPARE_REPEATS times, and the median of each kept.
            // moto takes seconds per run and is run once.
            let mut runs: Vec<Vec<Load>> = vec![Vec::new(); peers.len()];
            for k in 0..COMPARE_REPEATS {
                for i in round_order(peers.len(), k) {
                    let Some(p) = peers.get(i) else { continue };
                    let once = p.protocol == "aws";
                    if once && k > 0 {
                        continue;
                    }
                    // Repeat k of attach-policy-to-role uses the roles repeat k of create-role
                    // made.
                    let prefix = format!("cmp{c}r{k}");
                    let args = p.load_args(op, c, requests, &prefix);
                    let args: Vec<&str> = args.iter().map(String::as_str).collect();
                    // moto answers an occasional 500 under 64 connections: counted and shown,
                    // not fatal. crossram and the ceiling must answer every request.
                    let l = load(crossram, &args, once).map_err(|e| format!("{}: {e}", p.name))?;
                    if let Some(r) = runs.get_mut(i) {
                        r.push(l);
                    }
                }
            }
            // The share of the ceiling is taken round by round, each crossram run against the
            // ceiling run of the same round, and the median of those kept: the machine's speed
            // drifts over a cell's seconds, and a pair of neighbouring runs shares its speed.
            let paired = |ceiling: usize| match (runs.first(), runs.get(ceiling)) {
                (Some(ours), Some(theirs)) => paired_ratios(ours, theirs),
                _ => Vec::new(),
            };
            let shares = (paired(1), paired(2));
            let mut row = Vec::new();
            for (p, r) in peers.iter().zip(runs) {
                let Some(l) = median_run(&r) else {
                    return Err(format!("{}: no run", p.name));
                };
                eprintln!(
                    "  {:<10} {:<28} x{:<3} {:>9.0}/s p50 {:>6} µs p99 {:>6} µs{}",
                    p.name,
                    op,
                    c,
                    l.per_second,
                    l.p50_us,
                    l.p99_us,
                    match (l.reconnects, l.failed) {
                        (0, 0) => String::new(),
                        (r, 0) => format!(" ({r} reconnects)"),
                        (r, f) => format!(" ({r} reconnects, {f} failed)"),
                    }
                );
                row.push(l);
            }
            per_op.push((row, shares));
        }
        table.push(per_op);
    }
    // Table and JSON.
    let mut json = String::from("[\n");
    println!();
    println!(
        "{:<28} {:>4} {:>22} {:>22} {:>22} {:>22} {:>10} {:>10} {:>9} {:>7}",
        "operation",
        "conn",
        "crossram /s p50 p99",
        "moto /s p50 p99",
        "moto-auth /s p50 p99",
        "ceiling /s p50 p99",
        "x moto",
        "x moto-au",
        "% ceiling",
        "% bare"
    );
    let mut first = true;
    for (ci, c) in conns.iter().enumerate() {
        for (oi, op) in OPS.iter().enumerate() {
            let Some((row, (shares, bare_shares))) = table.get(ci).and_then(|t| t.get(oi)) else {
                continue;
            };
            let get = |i: usize| row.get(i).cloned().unwrap_or_default();
            let (cr, ceil, bare, moto, moto_auth) = (get(0), get(1), get(2), get(3), get(4));
            let cell = |l: &Load| format!("{:.0} {}µs {}µs", l.per_second, l.p50_us, l.p99_us);
            let ratio = |a: f64, b: f64| if b > 0.0 { a / b } else { 0.0 };
            let x_moto = ratio(cr.per_second, moto.per_second);
            let x_auth = ratio(cr.per_second, moto_auth.per_second);
            let unpaired = ratio(cr.per_second, ceil.per_second);
            let share = median(shares) * 100.0;
            let rounds: Vec<String> = shares.iter().map(|r| format!("{r:.3}")).collect();
            println!(
                "{:<28} {:>4} {:>22} {:>22} {:>22} {:>22} {:>10.1} {:>10.1} {:>8.0}% {:>6.0}%",
                op,
                c,
                cell(&cr),
                cell(&moto),
                cell(&moto_auth),
                cell(&ceil),
                x_moto,
                x_auth,
                share,
                median(bare_shares) * 100.0
            );
            if !first {
                json.push_str(",\n");
            }
            first = false;
            let _ = write!(
                json,
                "    {{\"operation\": \"{op}\", \"connections\": {c}, \"requests\": {requests}, \"crossram\": {}, \"moto\": {}, \"moto_auth\": {}, \"ceiling\": {}, \"ceiling_bare\": {}, \"crossram_over_moto\": {x_moto:.1}, \"crossram_over_moto_auth\": {x_auth:.1}, \"share_of_ceiling\": {:.3}, \"share_of_ceiling_rounds\": [{}], \"share_of_ceiling_unpaired\": {unpaired:.3}, \"share_of_bare_ceiling\": {:.3}}}",
                cr.raw,
                moto.raw,
                moto_auth.raw,
                ceil.raw,
                bare.raw,
                share / 100.0,
                rounds.join(", "),
                median(bare_shares)
            );
        }
    }
    json.push_str("\n  ]");
    Ok(json)
}

/// Starts `moto_server` on a free port. With `auth_after = Some(k)`, moto enforces IAM
/// authorization after `k` calls: those are spent creating a user with an allow-all policy and
/// its access key (through boto3), whose keys go into a world file for `crossram load`.
fn start_moto(venv: &Path, work: &Path, auth_after: Option<u32>) -> Res<((Child, u16), PathBuf)> {
    let port = free_port()?;
    let log =
        std::fs::File::create(work.join(format!("moto-{port}.log"))).map_err(|e| e.to_string())?;
    let mut cmd = Command::new(venv.join("bin").join("moto_server"));
    cmd.args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(Stdio::null())
        .stderr(log);
    if let Some(k) = auth_after {
        cmd.env("INITIAL_NO_AUTH_ACTION_COUNT", k.to_string());
    }
    let child = cmd
        .spawn()
        .map_err(|e| format!("cannot start moto_server: {e}"))?;
    if let Err(e) = wait_for_port(port, Duration::from_secs(60)) {
        stop(child);
        return Err(e);
    }
    let world = work.join(format!("moto-{port}.toml"));
    if auth_after.is_some() {
        let script = format!(
            r#"import boto3
iam = boto3.client("iam", endpoint_url="http://127.0.0.1:{port}", region_name="us-east-1",
                   aws_access_key_id="AKIAIOSFODNN7EXAMPLE", aws_secret_access_key="setup")
iam.create_user(UserName="bench")
iam.put_user_policy(UserName="bench", PolicyName="all",
    PolicyDocument='{{"Version":"2012-10-17","Statement":[{{"Effect":"Allow","Action":"*","Resource":"*"}}]}}')
k = iam.create_access_key(UserName="bench")["AccessKey"]
print(k["AccessKeyId"], k["SecretAccessKey"])
"#
        );
        let out = match capture(&venv.join("bin").join("python"), &["-c", &script]) {
            Ok(o) => o,
            Err(e) => {
                stop(child);
                return Err(e);
            }
        };
        let mut it = out.split_whitespace();
        let (Some(id), Some(secret)) = (it.next(), it.next()) else {
            stop(child);
            return Err(format!("moto set-up printed no key: {out}"));
        };
        write_file(
            &world,
            &format!(
                "[[account]]\nid = \"123456789012\"\naccess_key_id = \"{id}\"\naccess_key_secret = \"{secret}\"\n"
            ),
        )?;
    }
    Ok(((child, port), world))
}

/// A world file of `accounts` accounts with generated root keys (local to this run).
fn world_file(path: &Path, accounts: usize) -> Res<()> {
    let salt = std::process::id();
    let mut text = String::new();
    for i in 0..accounts {
        let _ = write!(
            text,
            "[[account]]\nid = \"{}\"\nalias = \"bench-{i}\"\naccess_key_id = \"LTAI5tbench{i:08}\"\naccess_key_secret = \"bench{salt:x}secret{i:08}\"\n\n",
            1_500_000_000_000_000u64 + i as u64
        );
    }
    write_file(path, &text)
}

/// One populated world of the scale curve, its server still running.
struct Populated {
    size: usize,
    accounts: usize,
    serve: Serve,
    world: String,
    rss_before: u64,
    rss_after: u64,
    fill_s: f64,
    /// The file store's start-up time with the filled world (until `listening on`).
    startup_s: Option<f64>,
}

/// Starts `crossram serve` on a new world of `size` users, roles and policies each on `store`
/// and fills it through the API.
fn populate(crossram: &Path, work: &Path, store: &str, size: usize) -> Res<Populated> {
    // Spread over many accounts (A and B are the first two), about 500 entities each (an account
    // holds at most 1,000 users and 1,000 roles), so per-account locks let the file store commit
    // in groups.
    let accounts = (3 * size / 500).max(10);
    let world_path = work.join(format!("world-{size}.toml"));
    world_file(&world_path, accounts)?;
    let dir = work.join(format!("store-{size}"));
    let _ = std::fs::remove_dir_all(&dir);
    let store_arg = if store == "memory" {
        "memory".to_owned()
    } else {
        format!("file:{}", dir.display())
    };
    let world = world_path.to_string_lossy().into_owned();
    let start = |log: String| {
        start_serve(
            crossram,
            work,
            &["--world", &world, "--store", &store_arg],
            &log,
        )
    };
    let serve = start(format!("serve-{store}-{size}.log"))?;
    let rss_before = rss_bytes(serve.child.id());
    let started = Instant::now();
    let per_kind = size.to_string();
    for kind in ["create-user", "create-role", "create-policy"] {
        let args = [
            "--endpoint",
            &serve.endpoint,
            "--world",
            &world,
            "--action",
            kind,
            "--spread",
            "--connections",
            "64",
            "--requests",
            &per_kind,
            "--prefix",
            "pop",
        ];
        if let Err(e) = load(crossram, &args, false) {
            terminate(serve.child);
            return Err(e);
        }
    }
    let fill_s = started.elapsed().as_secs_f64();
    let rss_after = rss_bytes(serve.child.id());
    // The file store is started again on what the fill wrote, and that start timed, before any
    // call adds instances to it; the calls are then measured on the reloaded store.
    let (serve, startup_s) = if store == "file" {
        terminate(serve.child);
        let again = start(format!("serve-{store}-{size}-restarted.log"))?;
        let t = again.started_in.as_secs_f64();
        (again, Some(t))
    } else {
        (serve, None)
    };
    Ok(Populated {
        size,
        accounts,
        serve,
        world,
        rss_before,
        rss_after,
        fill_s,
        startup_s,
    })
}

/// One cell of the scale curve, every world's runs interleaved round by round (the worlds'
/// order alternating), and the per-round ratios of the largest world to the smallest.
fn scale_cell(
    crossram: &Path,
    worlds: &[Populated],
    op: &str,
    connections: &str,
    requests: &str,
) -> Res<(Vec<Load>, Vec<f64>)> {
    let mut runs: Vec<Vec<Load>> = vec![Vec::with_capacity(SCALE_REPEATS); worlds.len()];
    for round in 0..SCALE_REPEATS {
        for i in round_order(worlds.len(), round) {
            let (Some(w), Some(out)) = (worlds.get(i), runs.get_mut(i)) else {
                continue;
            };
            let args = [
                "--endpoint",
                &w.serve.endpoint,
                "--world",
                &w.world,
                "--action",
                op,
                "--connections",
                connections,
                "--requests",
                requests,
            ];
            out.push(load(crossram, &args, false)?);
        }
    }
    let ratios = match (runs.first(), runs.last()) {
        (Some(small), Some(large)) => paired_ratios(large, small),
        _ => Vec::new(),
    };
    let medians = runs
        .iter()
        .map(|r| median_run(r).ok_or_else(|| format!("{op}: no scale run")))
        .collect::<Res<Vec<Load>>>()?;
    Ok((medians, ratios))
}

/// The scale curve: worlds of each size on the memory and the file store. The worlds of one
/// store are served side by side and their runs interleaved, so that the ratio of the largest
/// to the smallest compares runs of the same minutes (the machine's speed drifts by 20-30%
/// over the minutes a store's worlds take one after the other).
fn scale(crossram: &Path, work: &Path, sizes: &[usize], requests: usize) -> Res<(String, String)> {
    let mut worlds_json = Vec::new();
    let mut ratios_json = Vec::new();
    let n = requests.to_string();
    for store in ["memory", "file"] {
        let mut worlds: Vec<Populated> = Vec::new();
        for &size in sizes {
            match populate(crossram, work, store, size) {
                Ok(w) => worlds.push(w),
                Err(e) => {
                    worlds.into_iter().for_each(|w| terminate(w.serve.child));
                    return Err(e);
                }
            }
        }
        let mut calls: Vec<Vec<String>> = vec![Vec::new(); worlds.len()];
        for op in SCALE_OPS {
            for c in ["1", "64"] {
                let (medians, ratios) = match scale_cell(crossram, &worlds, op, c, &n) {
                    Ok(cell) => cell,
                    Err(e) => {
                        worlds.into_iter().for_each(|w| terminate(w.serve.child));
                        return Err(e);
                    }
                };
                for ((w, l), out) in worlds.iter().zip(medians).zip(calls.iter_mut()) {
                    eprintln!(
                        "  {store:<6} {:>7} {op:<20} x{c:<3} {:>9.0}/s p50 {:>6} µs p99 {:>6} µs",
                        w.size, l.per_second, l.p50_us, l.p99_us
                    );
                    out.push(format!(
                        "{{\"operation\": \"{op}\", \"connections\": {c}, \"result\": {}}}",
                        l.raw
                    ));
                }
                let ratio = median(&ratios);
                if let (Some(lo), Some(hi)) = (worlds.first(), worlds.last()) {
                    println!(
                        "scale {store:<6} {op:<20} x{c:<3} {} vs {} of each: {:.0}% (rounds {})",
                        hi.size,
                        lo.size,
                        ratio * 100.0,
                        ratios
                            .iter()
                            .map(|r| format!("{:.0}", r * 100.0))
                            .collect::<Vec<_>>()
                            .join(" ")
                    );
                    ratios_json.push(format!(
                        "    {{\"store\": \"{store}\", \"operation\": \"{op}\", \"connections\": {c}, \"entities\": {}, \"per_kind\": {}, \"against\": {}, \"against_per_kind\": {}, \"ratio\": {ratio:.3}, \"ratio_rounds\": [{}]}}",
                        3 * hi.size,
                        hi.size,
                        3 * lo.size,
                        lo.size,
                        ratios
                            .iter()
                            .map(|r| format!("{r:.3}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ));
                }
            }
        }
        for (w, calls) in worlds.into_iter().zip(calls) {
            terminate(w.serve.child);
            let startup = w
                .startup_s
                .map_or_else(|| "null".to_owned(), |t| format!("{t:.3}"));
            let per_entity = w.rss_after.saturating_sub(w.rss_before) as f64 / (3 * w.size) as f64;
            println!(
                "scale {store:<6} {:>7} of each ({} accounts): filled in {:.1} s, RSS {:.1} -> {:.1} MB ({per_entity:.0} B/entity), start-up {startup} s",
                w.size,
                w.accounts,
                w.fill_s,
                w.rss_before as f64 / 1e6,
                w.rss_after as f64 / 1e6
            );
            worlds_json.push(format!(
                "    {{\"store\": \"{store}\", \"entities\": {}, \"per_kind\": {}, \"accounts\": {}, \"fill_seconds\": {:.2}, \"rss_before_bytes\": {}, \"rss_after_bytes\": {}, \"rss_bytes_per_entity\": {per_entity:.0}, \"startup_seconds\": {startup}, \"requests\": {requests}, \"calls\": [{}]}}",
                3 * w.size,
                w.size,
                w.accounts,
                w.fill_s,
                w.rss_before,
                w.rss_after,
                calls.join(", ")
            ));
        }
    }
    Ok((
        format!("[\n{}\n  ]", worlds_json.join(",\n")),
        format!("[\n{}\n  ]", ratios_json.join(",\n")),
    ))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, reason = "test code")]
    use super::*;

    #[test]
    fn interleaved_servers_take_turns_going_first() {
        assert_eq!(round_order(3, 0), [0, 1, 2]);
        assert_eq!(round_order(3, 1), [2, 1, 0]);
        assert_eq!(round_order(2, 8), [0, 1]);
        assert!(round_order(0, 1).is_empty());
    }

    #[test]
    fn shares_are_paired_round_by_round() {
        let load = |per_second: f64| Load {
            per_second,
            ..Load::default()
        };
        // The machine slows down over the rounds; each pair keeps the same share.
        let ours = [
            load(500.0),
            load(400.0),
            load(300.0),
            load(200.0),
            load(100.0),
        ];
        let theirs = [
            load(1000.0),
            load(800.0),
            load(600.0),
            load(0.0),
            load(200.0),
        ];
        let shares = paired_ratios(&ours, &theirs);
        assert_eq!(shares, [0.5, 0.5, 0.5, 0.5]);
        assert_eq!(median(&shares), 0.5);
        assert_eq!(median(&[3.0, 1.0, 2.0]), 2.0);
        assert_eq!(median(&[]), 0.0);
    }

    #[test]
    fn ceiling_answers_pipelined_and_split_requests() {
        let port = ceiling_server().unwrap();
        let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
        s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
        // Two requests in one write, then one whose head and body arrive in pieces.
        s.write_all(
            b"GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nContent-Length: 3\r\n\r\nabc",
        )
        .unwrap();
        s.write_all(b"POST /c HTTP/1.1\r\ncontent-length: 4\r\n\r")
            .unwrap();
        std::thread::sleep(Duration::from_millis(50));
        s.write_all(b"\nab").unwrap();
        std::thread::sleep(Duration::from_millis(50));
        s.write_all(b"cd").unwrap();
        let answer = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
        let mut got = vec![0u8; answer.len() * 3];
        s.read_exact(&mut got).unwrap();
        assert_eq!(got, answer.repeat(3));
    }

    #[test]
    fn the_ceiling_gets_crossrams_arguments_and_a_destination() {
        let ours = Peer {
            name: "crossram",
            protocol: "alibaba",
            endpoint: "http://127.0.0.1:1".into(),
            world: PathBuf::from("w.toml"),
            send_to: None,
        };
        let ceiling = Peer {
            name: "ceiling",
            send_to: Some("http://127.0.0.1:2".into()),
            ..ours
        };
        let a = ceiling.load_args("assume-role", 64, 2000, "p");
        let expected = "--protocol alibaba --endpoint http://127.0.0.1:1 --connections 64 \
                        --requests 2000 --prefix p --action assume-role --world w.toml \
                        --send-to http://127.0.0.1:2";
        assert_eq!(a.join(" "), expected);
        let bare = Peer {
            name: "bare",
            protocol: "plain",
            endpoint: "http://127.0.0.1:2".into(),
            world: PathBuf::new(),
            send_to: None,
        };
        assert_eq!(
            bare.load_args("assume-role", 1, 5, "q").join(" "),
            "--protocol plain --endpoint http://127.0.0.1:2 --connections 1 --requests 5 \
             --prefix q --action post"
        );
    }

    #[test]
    fn cpu_lists_expand_ranges_in_order() {
        assert_eq!(cpu_list("0-2,5"), [0, 1, 2, 5]);
        assert_eq!(cpu_list("3"), [3]);
        assert_eq!(cpu_list(" 1, 0 "), [1, 0]);
        assert_eq!(cpu_list("x,2-1"), Vec::<u32>::new());
    }

    #[test]
    fn content_length_is_read_in_any_case() {
        assert_eq!(
            content_length(b"POST / HTTP/1.1\r\nCONTENT-LENGTH: 12\r"),
            12
        );
        assert_eq!(content_length(b"GET / HTTP/1.1\r\nHost: x\r"), 0);
        assert_eq!(content_length(b"POST / HTTP/1.1\r\ncontent-length: x\r"), 0);
    }
}
