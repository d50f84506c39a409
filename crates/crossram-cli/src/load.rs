//! `crossram load`: a load generator that signs requests like an SDK and reports throughput and
//! latency percentiles over keep-alive HTTP/1.1.
//!
//! Each of `--connections` tasks owns one TCP connection (TCP_NODELAY) and sends its share of
//! `--requests` one after another, each with a fresh nonce and signature, so the server does all
//! the work it does for a real SDK: parse, verify the signature, check the nonce and the time
//! window, authorize, answer. Every answer's status is checked; failures are counted and the
//! first one is shown.

use std::time::{Duration, Instant};

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use serde::Serialize;
use tokio::net::TcpStream;

/// What to send.
#[derive(Debug, Clone)]
pub(crate) struct LoadSpec {
    /// `host:port` of the server.
    pub(crate) host: String,
    /// API version.
    pub(crate) version: String,
    /// Action name.
    pub(crate) action: String,
    /// Action parameters; `{n}` in a value is replaced by a request number unique in the run.
    pub(crate) params: Vec<(String, String)>,
    /// AccessKeyId.
    pub(crate) access_key_id: String,
    /// AccessKeySecret.
    pub(crate) access_key_secret: crossram_engine::Secret,
    /// STS token, if the key is an STS key.
    pub(crate) security_token: Option<crossram_engine::Secret>,
    /// Concurrent connections.
    pub(crate) connections: usize,
    /// Requests in all.
    pub(crate) requests: usize,
    /// V3 (ACS3-HMAC-SHA256) rather than V1.
    pub(crate) v3: bool,
    /// The HTTP status every answer must have.
    pub(crate) expect_status: u16,
}

/// What a run measured.
#[derive(Debug, Clone, Serialize)]
pub(crate) struct LoadReport {
    /// The action.
    pub(crate) action: String,
    /// Connections used.
    pub(crate) connections: usize,
    /// Requests answered with the expected status.
    pub(crate) ok: usize,
    /// Requests that failed.
    pub(crate) failed: usize,
    /// Wall time, seconds.
    pub(crate) seconds: f64,
    /// Requests per second.
    pub(crate) per_second: f64,
    /// Median latency, microseconds.
    pub(crate) p50_us: u64,
    /// 99th percentile latency, microseconds.
    pub(crate) p99_us: u64,
    /// Slowest request, microseconds.
    pub(crate) max_us: u64,
    /// The first failure, if any.
    pub(crate) first_failure: Option<String>,
}

fn now_secs() -> i64 {
    use crossram_engine::Clock as _;
    crossram_engine::SystemClock.now().unix_timestamp()
}

/// Runs the load and measures it.
pub(crate) async fn measure(spec: LoadSpec) -> anyhow::Result<LoadReport> {
    if spec.connections == 0 || spec.requests == 0 {
        bail!("--connections and --requests must be at least 1");
    }
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(spec.connections);
    for conn in 0..spec.connections {
        let share =
            spec.requests / spec.connections + usize::from(conn < spec.requests % spec.connections);
        let spec = spec.clone();
        tasks.push(tokio::spawn(
            async move { connection(spec, conn, share).await },
        ));
    }
    let mut latencies = Vec::with_capacity(spec.requests);
    let (mut failed, mut first_failure) = (0, None);
    for t in tasks {
        let res = t.await.context("a load task panicked")??;
        latencies.extend(res.latencies_us);
        failed += res.failed;
        if first_failure.is_none() {
            first_failure = res.first_failure;
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    latencies.sort_unstable();
    let pct = |p: f64| -> u64 {
        if latencies.is_empty() {
            return 0;
        }
        let idx = ((latencies.len() as f64 - 1.0) * p).round() as usize;
        latencies.get(idx).copied().unwrap_or_default()
    };
    Ok(LoadReport {
        action: spec.action.clone(),
        connections: spec.connections,
        ok: latencies.len().saturating_sub(failed),
        failed,
        seconds,
        per_second: latencies.len() as f64 / seconds.max(1e-9),
        p50_us: pct(0.50),
        p99_us: pct(0.99),
        max_us: latencies.last().copied().unwrap_or_default(),
        first_failure,
    })
}

struct ConnResult {
    latencies_us: Vec<u64>,
    failed: usize,
    first_failure: Option<String>,
}

async fn connection(spec: LoadSpec, conn: usize, count: usize) -> anyhow::Result<ConnResult> {
    let stream = TcpStream::connect(&spec.host)
        .await
        .with_context(|| format!("cannot connect to {}", spec.host))?;
    stream.set_nodelay(true)?;
    let io = hyper_util::rt::TokioIo::new(stream);
    let (mut sender, driver) = hyper::client::conn::http1::handshake::<_, Full<Bytes>>(io)
        .await
        .context("HTTP handshake failed")?;
    let driver = tokio::spawn(driver);
    let mut res = ConnResult {
        latencies_us: Vec::with_capacity(count),
        failed: 0,
        first_failure: None,
    };
    // Nonces must be unique across the run and across runs within the server's window.
    let run_id = {
        use crossram_engine::IdGen as _;
        crossram_engine::RandomIds.string(crossram_engine::env::ALNUM_LOWER, 12)
    };
    for i in 0..count {
        let n = conn * 1_000_000 + i;
        let params: Vec<(String, String)> = spec
            .params
            .iter()
            .map(|(k, v)| (k.clone(), v.replace("{n}", &n.to_string())))
            .collect();
        let nonce = format!("{run_id}-{conn}-{i}");
        let timestamp = crossram_wire::format_timestamp(now_secs());
        let input = crossram_wire::SignInput {
            method: "POST",
            host: &spec.host,
            action: &spec.action,
            version: &spec.version,
            params: &params,
            access_key_id: &spec.access_key_id,
            access_key_secret: spec.access_key_secret.expose(),
            security_token: spec.security_token.as_ref().map(|s| s.expose()),
            timestamp: &timestamp,
            nonce: &nonce,
            body_params_in_form: false,
        };
        let parts = if spec.v3 {
            crossram_wire::sign_v3(&input)
        } else {
            crossram_wire::sign_v1(&input)
        };
        let mut req = http::Request::builder()
            .method("POST")
            .uri(format!("/?{}", parts.query))
            .header("host", &spec.host);
        for (k, v) in &parts.headers {
            if !k.eq_ignore_ascii_case("host") {
                req = req.header(k, v);
            }
        }
        if let Some(ct) = &parts.content_type {
            req = req.header("content-type", ct);
        }
        let req = req.body(Full::new(Bytes::from(parts.body)))?;
        let t0 = Instant::now();
        sender.ready().await.context("the connection closed")?;
        let resp = sender.send_request(req).await.context("request failed")?;
        let status = resp.status().as_u16();
        let body = resp.into_body().collect().await?.to_bytes();
        res.latencies_us
            .push(u64::try_from(t0.elapsed().as_micros()).unwrap_or(u64::MAX));
        if status != spec.expect_status {
            res.failed += 1;
            if res.first_failure.is_none() {
                res.first_failure = Some(format!(
                    "HTTP {status}: {}",
                    String::from_utf8_lossy(&body)
                        .chars()
                        .take(300)
                        .collect::<String>()
                ));
            }
        }
    }
    drop(sender);
    let _ = tokio::time::timeout(Duration::from_secs(1), driver).await;
    Ok(res)
}

/// The actions `crossram load` knows how to set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LoadAction {
    /// STS GetCallerIdentity as B's RAM user.
    GetCallerIdentity,
    /// STS AssumeRole: B's RAM user assumes A's role (both sides authorized, a token minted).
    AssumeRole,
    /// RAM CreateRole as A's root, a new role name per request.
    CreateRole,
}

/// Arguments of `crossram load`.
#[derive(Debug, clap::Args)]
pub(crate) struct LoadArgs {
    /// The emulator, e.g. `http://127.0.0.1:8080` (HTTP only).
    #[arg(long)]
    endpoint: String,
    /// A world file naming account A (first) and B (second) with root keys: the credentials
    /// file `crossram serve` prints is one.
    #[arg(long)]
    world: std::path::PathBuf,
    /// What to send.
    #[arg(long, value_enum)]
    action: LoadAction,
    /// Concurrent keep-alive connections.
    #[arg(long, default_value_t = 1)]
    connections: usize,
    /// Requests in all.
    #[arg(long, default_value_t = 2000)]
    requests: usize,
    /// Sign with V3 (ACS3-HMAC-SHA256) instead of V1 (HMAC-SHA1).
    #[arg(long)]
    v3: bool,
    /// Print one JSON object instead of a line of text.
    #[arg(long)]
    json: bool,
}

#[derive(Debug, serde::Deserialize)]
struct World {
    account: Vec<WorldAccount>,
}

#[derive(serde::Deserialize)]
struct WorldAccount {
    id: String,
    access_key_id: String,
    access_key_secret: String,
}

impl std::fmt::Debug for WorldAccount {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WorldAccount")
            .field("id", &self.id)
            .finish_non_exhaustive()
    }
}

/// Runs `crossram load`: exit 0 when every request got the expected answer, 1 when some did
/// not, 2 for unusable arguments.
pub(crate) fn run(args: LoadArgs) -> std::process::ExitCode {
    use std::process::ExitCode;
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crossram load: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let spec = match runtime.block_on(prepare(&args)) {
        Ok(spec) => spec,
        Err(e) => {
            eprintln!("crossram load: {e:#}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(measure(spec)) {
        Ok(report) => {
            if args.json {
                println!("{}", serde_json::to_string(&report).unwrap_or_default());
            } else {
                println!(
                    "{} x{}: {} ok, {} failed in {:.2} s: {:.0}/s, p50 {} µs, p99 {} µs, max {} µs",
                    report.action,
                    report.connections,
                    report.ok,
                    report.failed,
                    report.seconds,
                    report.per_second,
                    report.p50_us,
                    report.p99_us,
                    report.max_us
                );
            }
            if let Some(f) = &report.first_failure {
                eprintln!("first failure: {f}");
            }
            if report.failed == 0 {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            }
        }
        Err(e) => {
            eprintln!("crossram load: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// Creates what the action needs (a role in A trusting B, a RAM user of B allowed to assume
/// it, with an AccessKey) and builds the load.
async fn prepare(args: &LoadArgs) -> anyhow::Result<LoadSpec> {
    use crossram_client::{Client, Credentials, Product};
    let text = std::fs::read_to_string(&args.world)
        .with_context(|| format!("cannot read {}", args.world.display()))?;
    let world: World = toml::from_str(&text)
        .with_context(|| format!("{} is not a world file", args.world.display()))?;
    let [a, b, ..] = world.account.as_slice() else {
        bail!("the world file must name two accounts (A first, B second)");
    };
    let host = args
        .endpoint
        .strip_prefix("http://")
        .with_context(|| format!("--endpoint must be http://HOST:PORT, got {}", args.endpoint))?
        .trim_end_matches('/')
        .to_owned();
    let client = |id: &str, secret: &str| {
        Client::builder()
            .endpoint(args.endpoint.as_str())
            .credentials(Credentials::new(id, secret.to_owned()))
            .build()
    };
    let a_root = client(&a.access_key_id, &a.access_key_secret)?;
    let b_root = client(&b.access_key_id, &b.access_key_secret)?;
    let run_id = {
        use crossram_engine::IdGen as _;
        crossram_engine::RandomIds.string(crossram_engine::env::ALNUM_LOWER, 8)
    };
    let role = format!("load-{run_id}");
    let user = format!("load-{run_id}");
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{}:root"]}}}}]}}"#,
        b.id
    );
    let (version, action, params, id, secret) = match args.action {
        LoadAction::CreateRole => (
            "2015-05-01",
            "CreateRole",
            vec![
                ("RoleName".to_owned(), format!("{role}-{{n}}")),
                ("AssumeRolePolicyDocument".to_owned(), trust),
            ],
            a.access_key_id.clone(),
            a.access_key_secret.clone(),
        ),
        LoadAction::GetCallerIdentity | LoadAction::AssumeRole => {
            a_root
                .call(
                    Product::Ram,
                    "CreateRole",
                    &[
                        ("RoleName", role.as_str()),
                        ("AssumeRolePolicyDocument", trust.as_str()),
                    ],
                )
                .await
                .context("set-up: CreateRole in A")?;
            a_root
                .call(
                    Product::Ram,
                    "AttachPolicyToRole",
                    &[
                        ("PolicyType", "System"),
                        ("PolicyName", "AliyunECSFullAccess"),
                        ("RoleName", role.as_str()),
                    ],
                )
                .await
                .context("set-up: AttachPolicyToRole in A")?;
            b_root
                .call(Product::Ram, "CreateUser", &[("UserName", user.as_str())])
                .await
                .context("set-up: CreateUser in B")?;
            b_root
                .call(
                    Product::Ram,
                    "AttachPolicyToUser",
                    &[
                        ("PolicyType", "System"),
                        ("PolicyName", "AliyunSTSAssumeRoleAccess"),
                        ("UserName", user.as_str()),
                    ],
                )
                .await
                .context("set-up: AttachPolicyToUser in B")?;
            let key = b_root
                .call(
                    Product::Ram,
                    "CreateAccessKey",
                    &[("UserName", user.as_str())],
                )
                .await
                .context("set-up: CreateAccessKey in B")?;
            let field = |name: &str| {
                key.pointer(&format!("/AccessKey/{name}"))
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
                    .with_context(|| format!("set-up: CreateAccessKey answered no {name}"))
            };
            let (id, secret) = (field("AccessKeyId")?, field("AccessKeySecret")?);
            if args.action == LoadAction::AssumeRole {
                (
                    "2015-04-01",
                    "AssumeRole",
                    vec![
                        (
                            "RoleArn".to_owned(),
                            format!("acs:ram::{}:role/{role}", a.id),
                        ),
                        ("RoleSessionName".to_owned(), "load".to_owned()),
                    ],
                    id,
                    secret,
                )
            } else {
                ("2015-04-01", "GetCallerIdentity", Vec::new(), id, secret)
            }
        }
    };
    Ok(LoadSpec {
        host,
        version: version.to_owned(),
        action: action.to_owned(),
        params,
        access_key_id: id,
        access_key_secret: crossram_engine::Secret::new(secret),
        security_token: None,
        connections: args.connections,
        requests: args.requests,
        v3: args.v3,
        expect_status: 200,
    })
}
