//! `crossram load`: a load generator that signs requests like an SDK and reports throughput and
//! latency percentiles over keep-alive HTTP/1.1.
//!
//! Each of `--connections` tasks owns one TCP connection (TCP_NODELAY) and sends its share of
//! `--requests` one after another, each with a fresh nonce and signature, so the server does all
//! the work it does for a real SDK: parse, verify the signature, check the nonce and the time
//! window, authorize, answer. Every answer's status is checked; failures are counted and the
//! first one is shown.
//!
//! One measuring loop serves three protocols, so comparisons are fair (same connections, same
//! counts, same latency recording): `alibaba` (crossram: RPC style, V1 or V3 signatures),
//! `aws` (the equivalent AWS query API, SigV4-signed form POSTs, for moto and other AWS
//! emulators) and `plain` (a bare POST that must answer 200: the ceiling of a server that does
//! nothing).

use std::sync::Arc;
use std::time::Instant;

use anyhow::{Context as _, bail};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use serde::Serialize;
use tokio::net::TcpStream;

use crate::world::{self, WorldAccount, WorldFile};

/// The wire protocol of the server under load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Protocol {
    /// Alibaba Cloud RPC (crossram), V1 or V3 signatures.
    Alibaba,
    /// AWS query API (IAM 2010-05-08, STS 2011-06-15), SigV4, region us-east-1.
    Aws,
    /// `POST /` with a small body; any 200 answer is a success.
    Plain,
}

/// One set of credentials.
#[derive(Debug, Clone)]
pub(crate) struct Key {
    /// AccessKeyId.
    pub(crate) id: String,
    /// AccessKeySecret.
    pub(crate) secret: crossram_engine::Secret,
    /// STS token, if the key is an STS key.
    pub(crate) token: Option<crossram_engine::Secret>,
}

impl Key {
    fn new(id: &str, secret: &str, token: Option<&str>) -> Self {
        Self {
            id: id.to_owned(),
            secret: crossram_engine::Secret::new(secret.to_owned()),
            token: token.map(|t| crossram_engine::Secret::new(t.to_owned())),
        }
    }
}

/// What to send.
#[derive(Debug, Clone)]
pub(crate) struct LoadSpec {
    /// `host:port` of the server: the `Host` header and what signatures cover.
    pub(crate) host: String,
    /// `host:port` the connections go to: `host`, or the `--send-to` server.
    pub(crate) connect_to: String,
    /// Wire protocol.
    pub(crate) protocol: Protocol,
    /// AWS service name for the SigV4 scope (`iam`, `sts`); unused otherwise.
    pub(crate) service: String,
    /// API version.
    pub(crate) version: String,
    /// Action name.
    pub(crate) action: String,
    /// Action parameters; `{n}` in a value is replaced by a request number unique in the run
    /// (0 to requests - 1 whatever the connections), `{instance}` by `instances[n]`.
    pub(crate) params: Vec<(String, String)>,
    /// Request `n` is signed with `keys[n % keys.len()]`.
    pub(crate) keys: Arc<Vec<Key>>,
    /// Instance ids for `{instance}`.
    pub(crate) instances: Arc<Vec<String>>,
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
    /// The protocol.
    pub(crate) protocol: Protocol,
    /// The action.
    pub(crate) action: String,
    /// Connections used.
    pub(crate) connections: usize,
    /// Requests answered with the expected status.
    pub(crate) ok: usize,
    /// Requests that failed.
    pub(crate) failed: usize,
    /// Connections the server closed that had to be opened again (the reopening counts in the
    /// latency of the request that needed it).
    pub(crate) reconnects: usize,
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

/// `YYYYMMDDThhmmssZ`, the SigV4 `x-amz-date`.
fn amz_date() -> String {
    use crossram_engine::Clock as _;
    let t = crossram_engine::SystemClock.now();
    format!(
        "{:04}{:02}{:02}T{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Runs the load and measures it.
pub(crate) async fn measure(spec: LoadSpec) -> anyhow::Result<LoadReport> {
    if spec.connections == 0 || spec.requests == 0 {
        bail!("--connections and --requests must be at least 1");
    }
    if spec.keys.is_empty() {
        bail!("no credentials to sign with");
    }
    let spec = Arc::new(spec);
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(spec.connections);
    let mut first = 0;
    for conn in 0..spec.connections {
        let share =
            spec.requests / spec.connections + usize::from(conn < spec.requests % spec.connections);
        let spec = Arc::clone(&spec);
        let range = first..first + share;
        first += share;
        tasks.push(tokio::spawn(
            async move { connection(&spec, conn, range).await },
        ));
    }
    let mut latencies = Vec::with_capacity(spec.requests);
    let (mut failed, mut reconnects, mut first_failure) = (0, 0, None);
    for t in tasks {
        let res = t.await.context("a load task panicked")??;
        latencies.extend(res.latencies_us);
        failed += res.failed;
        reconnects += res.reconnects;
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
        protocol: spec.protocol,
        action: spec.action.clone(),
        connections: spec.connections,
        ok: latencies.len().saturating_sub(failed),
        failed,
        reconnects,
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
    reconnects: usize,
    first_failure: Option<String>,
}

/// Opens one keep-alive HTTP/1.1 connection.
async fn connect(host: &str) -> anyhow::Result<SendRequest<Full<Bytes>>> {
    let stream = TcpStream::connect(host)
        .await
        .with_context(|| format!("cannot connect to {host}"))?;
    stream.set_nodelay(true)?;
    let io = hyper_util::rt::TokioIo::new(stream);
    let (sender, driver) = hyper::client::conn::http1::handshake::<_, Full<Bytes>>(io)
        .await
        .context("HTTP handshake failed")?;
    tokio::spawn(driver);
    Ok(sender)
}

async fn connection(
    spec: &LoadSpec,
    conn: usize,
    range: std::ops::Range<usize>,
) -> anyhow::Result<ConnResult> {
    let mut sender = connect(&spec.connect_to).await?;
    let mut res = ConnResult {
        latencies_us: Vec::with_capacity(range.len()),
        failed: 0,
        reconnects: 0,
        first_failure: None,
    };
    // Nonces must be unique across the run and across runs within the server's window.
    let run_id = {
        use crossram_engine::IdGen as _;
        crossram_engine::RandomIds.string(crossram_engine::env::ALNUM_LOWER, 12)
    };
    for n in range {
        let nonce = format!("{run_id}-{conn}-{n}");
        let t0 = Instant::now();
        let mut attempt = 0;
        let resp = loop {
            attempt += 1;
            let req = build_request(spec, n, &nonce)?;
            let sent = match sender.ready().await {
                Ok(()) => sender.send_request(req).await,
                Err(e) => Err(e),
            };
            match sent {
                Ok(resp) => break resp,
                // The server closed the connection (some close after N requests): open a new
                // one and send again, once.
                Err(_) if attempt == 1 => {
                    res.reconnects += 1;
                    sender = connect(&spec.connect_to).await?;
                }
                Err(e) => return Err(e).context("request failed"),
            }
        };
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
    Ok(res)
}

/// Builds request `n`: parameters with `{n}` / `{instance}` filled in, signed for the protocol.
fn build_request(
    spec: &LoadSpec,
    n: usize,
    nonce: &str,
) -> anyhow::Result<http::Request<Full<Bytes>>> {
    let instance = if spec.instances.is_empty() {
        ""
    } else {
        spec.instances
            .get(n % spec.instances.len())
            .map(String::as_str)
            .unwrap_or_default()
    };
    let params: Vec<(String, String)> = spec
        .params
        .iter()
        .map(|(k, v)| {
            (
                k.clone(),
                v.replace("{n}", &n.to_string())
                    .replace("{instance}", instance),
            )
        })
        .collect();
    let key = spec
        .keys
        .get(n % spec.keys.len().max(1))
        .context("no credentials to sign with")?;
    let req = http::Request::builder()
        .method("POST")
        .header("host", &spec.host);
    let req = match spec.protocol {
        Protocol::Plain => req.uri("/").body(Full::new(Bytes::from_static(b"ping")))?,
        Protocol::Aws => {
            let (headers, body) = aws_sign(
                &spec.host,
                &spec.service,
                &spec.version,
                &spec.action,
                &params,
                key,
            );
            let mut req = req.uri("/");
            for (k, v) in headers {
                req = req.header(k, v);
            }
            req.body(Full::new(Bytes::from(body)))?
        }
        Protocol::Alibaba => {
            let timestamp = crossram_wire::format_timestamp(now_secs());
            let input = crossram_wire::SignInput {
                method: "POST",
                host: &spec.host,
                action: &spec.action,
                version: &spec.version,
                params: &params,
                access_key_id: &key.id,
                access_key_secret: key.secret.expose(),
                security_token: key.token.as_ref().map(|s| s.expose()),
                timestamp: &timestamp,
                nonce,
                body_params_in_form: false,
            };
            let parts = if spec.v3 {
                crossram_wire::sign_v3(&input)
            } else {
                crossram_wire::sign_v1(&input)
            };
            let mut req = req.uri(format!("/?{}", parts.query));
            for (k, v) in &parts.headers {
                if !k.eq_ignore_ascii_case("host") {
                    req = req.header(k, v);
                }
            }
            if let Some(ct) = &parts.content_type {
                req = req.header("content-type", ct);
            }
            req.body(Full::new(Bytes::from(parts.body)))?
        }
    };
    Ok(req)
}

/// Signs an AWS query-API call (form-encoded POST to `/`) with SigV4 for region us-east-1:
/// the headers to send (with `authorization`) and the body.
fn aws_sign(
    host: &str,
    service: &str,
    version: &str,
    action: &str,
    params: &[(String, String)],
    key: &Key,
) -> (Vec<(&'static str, String)>, String) {
    use hmac::{Hmac, Mac as _};
    use sha2::{Digest as _, Sha256};
    const REGION: &str = "us-east-1";
    const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";
    let mut body = format!("Action={action}&Version={version}");
    for (k, v) in params {
        body.push('&');
        body.push_str(&crossram_wire::percent_encode(k));
        body.push('=');
        body.push_str(&crossram_wire::percent_encode(v));
    }
    let amz = amz_date();
    let date = amz.get(..8).unwrap_or_default();
    let token = key.token.as_ref().map(|t| t.expose().to_owned());
    let mut canonical_headers =
        format!("content-type:{CONTENT_TYPE}\nhost:{host}\nx-amz-date:{amz}\n");
    let mut signed_headers = "content-type;host;x-amz-date".to_owned();
    if let Some(t) = &token {
        canonical_headers.push_str(&format!("x-amz-security-token:{t}\n"));
        signed_headers.push_str(";x-amz-security-token");
    }
    let canonical = format!(
        "POST\n/\n\n{canonical_headers}\n{signed_headers}\n{}",
        hex::encode(Sha256::digest(body.as_bytes()))
    );
    let scope = format!("{date}/{REGION}/{service}/aws4_request");
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let hmac = |k: &[u8], data: &str| -> Vec<u8> {
        // HMAC takes keys of any length: this cannot fail.
        match Hmac::<Sha256>::new_from_slice(k) {
            Ok(mut m) => {
                m.update(data.as_bytes());
                m.finalize().into_bytes().to_vec()
            }
            Err(_) => Vec::new(),
        }
    };
    let k = hmac(format!("AWS4{}", key.secret.expose()).as_bytes(), date);
    let k = hmac(&k, REGION);
    let k = hmac(&k, service);
    let k = hmac(&k, "aws4_request");
    let signature = hex::encode(hmac(&k, &to_sign));
    let mut headers = vec![
        ("content-type", CONTENT_TYPE.to_owned()),
        ("x-amz-date", amz.clone()),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
                key.id
            ),
        ),
    ];
    if let Some(t) = token {
        headers.push(("x-amz-security-token", t));
    }
    (headers, body)
}

/// One AWS call for set-up, on its own connection: the body of a 200 answer, or an error.
async fn aws_call(
    host: &str,
    key: &Key,
    service: &str,
    action: &str,
    params: &[(&str, &str)],
) -> anyhow::Result<String> {
    let version = if service == "sts" {
        "2011-06-15"
    } else {
        "2010-05-08"
    };
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let (headers, body) = aws_sign(host, service, version, action, &params, key);
    let mut req = http::Request::builder()
        .method("POST")
        .uri("/")
        .header("host", host);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    let req = req.body(Full::new(Bytes::from(body)))?;
    let mut sender = connect(host).await?;
    sender.ready().await?;
    let resp = sender.send_request(req).await?;
    let status = resp.status();
    let body = resp.into_body().collect().await?.to_bytes();
    let body = String::from_utf8_lossy(&body).into_owned();
    if !status.is_success() {
        bail!("{action}: HTTP {status}: {body}");
    }
    Ok(body)
}

/// The text of the first `<tag>` element.
fn xml_field(xml: &str, tag: &str) -> Option<String> {
    let open = format!("<{tag}>");
    let start = xml.find(&open)? + open.len();
    let end = start + xml.get(start..)?.find(&format!("</{tag}>"))?;
    xml.get(start..end).map(str::to_owned)
}

/// The actions `crossram load` knows how to set up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LoadAction {
    /// STS GetCallerIdentity as B's RAM user (AWS: as the account's key).
    GetCallerIdentity,
    /// STS GetCallerIdentity with the temporary credentials of an assumed role.
    GetCallerIdentityAssumed,
    /// STS AssumeRole: B's RAM user assumes A's role (both sides authorized, a token minted).
    /// AWS: the account's key assumes a role of its account.
    AssumeRole,
    /// RAM CreateRole as A's root, role `PREFIX-<n>` (AWS: IAM CreateRole).
    CreateRole,
    /// RAM AttachPolicyToRole: AliyunECSFullAccess to role `PREFIX-<n>`, which a create-role
    /// run with the same prefix made (AWS: IAM AttachRolePolicy of a customer policy).
    AttachPolicyToRole,
    /// RAM CreateUser `PREFIX-<n>` (with `--spread`, in every account of the world in turn).
    CreateUser,
    /// RAM CreatePolicy `PREFIX-<n>` (with `--spread`, in every account of the world in turn).
    CreatePolicy,
    /// ECS DescribeInstances in A as the assumed role (cross-account).
    DescribeInstances,
    /// ECS StopInstance as the assumed role, each request on its own running instance of A.
    StopInstance,
    /// `POST /` that must answer 200 (with `--protocol plain`).
    Post,
}

/// A count of 1 or more (0 is a usage error, reported by clap like any other).
fn at_least_one() -> clap::builder::RangedU64ValueParser<usize> {
    clap::builder::RangedU64ValueParser::new().range(1..)
}

/// Arguments of `crossram load`.
#[derive(Debug, clap::Args)]
pub(crate) struct LoadArgs {
    /// The server, e.g. `http://127.0.0.1:8080` (HTTP only).
    #[arg(long)]
    endpoint: String,
    /// A world file naming account A (first) and B (second) with root keys: the credentials
    /// file `crossram serve` prints is one. For `--protocol aws`, one account: its id (12
    /// digits) and an access key allowed to do everything. Not needed for `--protocol plain`.
    #[arg(long)]
    world: Option<std::path::PathBuf>,
    /// The wire protocol of the server.
    #[arg(long, value_enum, default_value_t = Protocol::Alibaba)]
    protocol: Protocol,
    /// What to send.
    #[arg(long, value_enum)]
    action: LoadAction,
    /// Concurrent keep-alive connections (at least 1).
    #[arg(long, default_value_t = 1, value_parser = at_least_one())]
    connections: usize,
    /// Requests in all (at least 1).
    #[arg(long, default_value_t = 2000, value_parser = at_least_one())]
    requests: usize,
    /// Prefix of the per-request names (`PREFIX-<n>`); a random one by default. Needed by
    /// attach-policy-to-role: the prefix of the create-role run that made its roles.
    #[arg(long)]
    prefix: Option<String>,
    /// create-user, create-role, create-policy, attach-policy-to-role: sign request n as the
    /// root of account n % (accounts in the world file), to fill a world of many accounts.
    #[arg(long)]
    spread: bool,
    /// Sign with V3 (ACS3-HMAC-SHA256) instead of V1 (HMAC-SHA1).
    #[arg(long)]
    v3: bool,
    /// Prepare against --endpoint, but send the measured requests to this server instead
    /// (`http://HOST:PORT`), unchanged (same bytes, same `Host`, same signatures). Pointed at a
    /// server that answers 200 to anything, it measures what the client and the network cost
    /// for exactly this load: the ceiling any server could reach.
    #[arg(long, value_name = "URL")]
    send_to: Option<String>,
    /// Print one JSON object instead of a line of text.
    #[arg(long)]
    json: bool,
}

impl WorldAccount {
    fn key(&self) -> Key {
        Key::new(&self.access_key_id, &self.access_key_secret, None)
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
            eprintln!("crossram load: {}", crate::error_chain(&e));
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(measure(spec)) {
        Ok(report) => {
            if args.json {
                crate::print_line(&serde_json::to_string(&report).unwrap_or_default());
            } else {
                crate::print_line(&format!(
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
                ));
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
            eprintln!("crossram load: {}", crate::error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// What one prepared load sends, before the common fields are added.
struct Plan {
    service: &'static str,
    version: &'static str,
    action: &'static str,
    params: Vec<(String, String)>,
    keys: Vec<Key>,
    instances: Vec<String>,
    expect_status: u16,
}

impl Plan {
    fn new(version: &'static str, action: &'static str, params: Vec<(String, String)>) -> Self {
        Self {
            service: "",
            version,
            action,
            params,
            keys: Vec::new(),
            instances: Vec::new(),
            expect_status: 200,
        }
    }

    fn signed(mut self, keys: Vec<Key>) -> Self {
        self.keys = keys;
        self
    }
}

fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
    p.iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
}

/// Creates what the action needs and builds the load.
async fn prepare(args: &LoadArgs) -> anyhow::Result<LoadSpec> {
    let host = args
        .endpoint
        .strip_prefix("http://")
        .with_context(|| format!("--endpoint must be http://HOST:PORT, got {}", args.endpoint))?
        .trim_end_matches('/')
        .to_owned();
    let run_id = {
        use crossram_engine::IdGen as _;
        crossram_engine::RandomIds.string(crossram_engine::env::ALNUM_LOWER, 8)
    };
    if args.action == LoadAction::AttachPolicyToRole && args.prefix.is_none() {
        bail!(
            "attach-policy-to-role attaches to roles PREFIX-<n> that a create-role run made: give \
             it that run's --prefix (e.g. --prefix bench with both)"
        );
    }
    let prefix = args
        .prefix
        .clone()
        .unwrap_or_else(|| format!("load-{run_id}"));
    let connect_to = match &args.send_to {
        Some(url) => url
            .strip_prefix("http://")
            .with_context(|| format!("--send-to must be http://HOST:PORT, got {url}"))?
            .trim_end_matches('/')
            .to_owned(),
        None => host.clone(),
    };
    let plan = match args.protocol {
        Protocol::Plain => Plan::new("", "POST", Vec::new()).signed(vec![Key::new("", "", None)]),
        Protocol::Alibaba | Protocol::Aws => {
            let Some(path) = &args.world else {
                bail!("--world is needed for --protocol alibaba and aws");
            };
            let world = world::read(path, "load")?;
            if args.protocol == Protocol::Aws {
                prepare_aws(args, &host, &world, &prefix, &run_id).await?
            } else {
                prepare_alibaba(args, &world, &prefix, &run_id).await?
            }
        }
    };
    Ok(LoadSpec {
        host,
        connect_to,
        protocol: args.protocol,
        service: plan.service.to_owned(),
        version: plan.version.to_owned(),
        action: plan.action.to_owned(),
        params: plan.params,
        keys: Arc::new(plan.keys),
        instances: Arc::new(plan.instances),
        connections: args.connections,
        requests: args.requests,
        v3: args.v3,
        // A do-nothing server answers 200 to everything.
        expect_status: if args.send_to.is_some() {
            200
        } else {
            plan.expect_status
        },
    })
}

/// AWS flavour (moto): one account; set-up with the account's key.
async fn prepare_aws(
    args: &LoadArgs,
    host: &str,
    world: &WorldFile,
    prefix: &str,
    run_id: &str,
) -> anyhow::Result<Plan> {
    let [acct, ..] = world.account.as_slice() else {
        bail!("the world file must name one account");
    };
    let key = acct.key();
    let setup = format!("load-{run_id}");
    // moto (auth on) refuses a user of the account when the trust names the account's root,
    // so the trust names any principal; moto then still checks the caller's own policies.
    let trust = r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"AWS":"*"},"Action":"sts:AssumeRole"}]}"#;
    let policy_arn = format!("arn:aws:iam::{}:policy/{setup}", acct.id);
    let role_arn = format!("arn:aws:iam::{}:role/{setup}", acct.id);
    let create_policy = || async {
        aws_call(
            host,
            &key,
            "iam",
            "CreatePolicy",
            &[
                ("PolicyName", setup.as_str()),
                (
                    "PolicyDocument",
                    r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:*","Resource":"*"}]}"#,
                ),
            ],
        )
        .await
        .context("set-up: CreatePolicy")
    };
    let create_role = || async {
        create_policy().await?;
        aws_call(
            host,
            &key,
            "iam",
            "CreateRole",
            &[
                ("RoleName", setup.as_str()),
                ("AssumeRolePolicyDocument", trust),
            ],
        )
        .await
        .context("set-up: CreateRole")?;
        aws_call(
            host,
            &key,
            "iam",
            "AttachRolePolicy",
            &[
                ("RoleName", setup.as_str()),
                ("PolicyArn", policy_arn.as_str()),
            ],
        )
        .await
        .context("set-up: AttachRolePolicy")
    };
    let assume = [("RoleArn", role_arn.as_str()), ("RoleSessionName", "load")];
    let name = format!("{prefix}-{{n}}");
    let mut plan = match args.action {
        LoadAction::CreateRole => Plan::new(
            "2010-05-08",
            "CreateRole",
            pairs(&[
                ("RoleName", name.as_str()),
                ("AssumeRolePolicyDocument", trust),
            ]),
        )
        .signed(vec![key.clone()]),
        LoadAction::AttachPolicyToRole => {
            create_policy().await?;
            Plan::new(
                "2010-05-08",
                "AttachRolePolicy",
                pairs(&[
                    ("RoleName", name.as_str()),
                    ("PolicyArn", policy_arn.as_str()),
                ]),
            )
            .signed(vec![key.clone()])
        }
        LoadAction::AssumeRole => {
            create_role().await?;
            Plan::new("2011-06-15", "AssumeRole", pairs(&assume)).signed(vec![key.clone()])
        }
        LoadAction::GetCallerIdentity => {
            Plan::new("2011-06-15", "GetCallerIdentity", Vec::new()).signed(vec![key.clone()])
        }
        LoadAction::GetCallerIdentityAssumed => {
            create_role().await?;
            let xml = aws_call(host, &key, "sts", "AssumeRole", &assume)
                .await
                .context("set-up: AssumeRole")?;
            let field = |t: &str| {
                xml_field(&xml, t).with_context(|| format!("set-up: AssumeRole answered no {t}"))
            };
            let session = Key::new(
                &field("AccessKeyId")?,
                &field("SecretAccessKey")?,
                Some(&field("SessionToken")?),
            );
            Plan::new("2011-06-15", "GetCallerIdentity", Vec::new()).signed(vec![session])
        }
        other => bail!("{other:?} has no AWS equivalent in crossram load"),
    };
    plan.service = if plan.version == "2011-06-15" {
        "sts"
    } else {
        "iam"
    };
    Ok(plan)
}

/// crossram flavour: A (first account) lends a role to B's RAM user (second account).
async fn prepare_alibaba(
    args: &LoadArgs,
    world: &WorldFile,
    prefix: &str,
    run_id: &str,
) -> anyhow::Result<Plan> {
    use crossram_client::{Client, Credentials, Product};
    let [a, b, ..] = world.account.as_slice() else {
        bail!("the world file must name two accounts (A first, B second)");
    };
    let client = |id: &str, secret: &str, token: Option<&str>| {
        let mut creds = Credentials::new(id, secret.to_owned());
        if let Some(t) = token {
            creds = creds.with_security_token(t.to_owned());
        }
        Client::builder()
            .endpoint(args.endpoint.as_str())
            .credentials(creds)
            .build()
    };
    let a_root = client(&a.access_key_id, &a.access_key_secret, None)?;
    let b_root = client(&b.access_key_id, &b.access_key_secret, None)?;
    let role = format!("load-{run_id}");
    let user = format!("load-{run_id}");
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{}:root"]}}}}]}}"#,
        b.id
    );
    let name = format!("{prefix}-{{n}}");
    let roots = |spread: bool| -> Vec<Key> {
        if spread {
            world.account.iter().map(WorldAccount::key).collect()
        } else {
            vec![a.key()]
        }
    };
    let role_arn = format!("acs:ram::{}:role/{role}", a.id);
    let assume = pairs(&[("RoleArn", role_arn.as_str()), ("RoleSessionName", "load")]);
    let plan = match args.action {
        LoadAction::CreateRole => Plan::new(
            "2015-05-01",
            "CreateRole",
            pairs(&[
                ("RoleName", name.as_str()),
                ("AssumeRolePolicyDocument", trust.as_str()),
            ]),
        )
        .signed(roots(args.spread)),
        LoadAction::AttachPolicyToRole => Plan::new(
            "2015-05-01",
            "AttachPolicyToRole",
            pairs(&[
                ("PolicyType", "System"),
                ("PolicyName", "AliyunECSFullAccess"),
                ("RoleName", name.as_str()),
            ]),
        )
        .signed(roots(args.spread)),
        LoadAction::CreateUser => Plan::new(
            "2015-05-01",
            "CreateUser",
            pairs(&[("UserName", name.as_str())]),
        )
        .signed(roots(args.spread)),
        LoadAction::CreatePolicy => Plan::new(
            "2015-05-01",
            "CreatePolicy",
            pairs(&[
                ("PolicyName", name.as_str()),
                (
                    "PolicyDocument",
                    r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}"#,
                ),
            ]),
        )
        .signed(roots(args.spread)),
        LoadAction::Post => bail!("post is for --protocol plain"),
        LoadAction::GetCallerIdentity
        | LoadAction::GetCallerIdentityAssumed
        | LoadAction::AssumeRole
        | LoadAction::DescribeInstances
        | LoadAction::StopInstance => {
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
            let field = |v: &serde_json::Value, path: &str| {
                v.pointer(path)
                    .and_then(|v| v.as_str())
                    .map(str::to_owned)
                    .with_context(|| format!("set-up: the answer has no {path}"))
            };
            let user_key = Key::new(
                &field(&key, "/AccessKey/AccessKeyId")?,
                &field(&key, "/AccessKey/AccessKeySecret")?,
                None,
            );
            match args.action {
                LoadAction::AssumeRole => {
                    Plan::new("2015-04-01", "AssumeRole", assume).signed(vec![user_key])
                }
                LoadAction::GetCallerIdentity => {
                    Plan::new("2015-04-01", "GetCallerIdentity", Vec::new())
                        .signed(vec![user_key])
                }
                _ => {
                    let user_client = client(&user_key.id, user_key.secret.expose(), None)?;
                    let creds = user_client
                        .call(
                            Product::Sts,
                            "AssumeRole",
                            &[("RoleArn", role_arn.as_str()), ("RoleSessionName", "load")],
                        )
                        .await
                        .context("set-up: AssumeRole")?;
                    let session = Key::new(
                        &field(&creds, "/Credentials/AccessKeyId")?,
                        &field(&creds, "/Credentials/AccessKeySecret")?,
                        Some(&field(&creds, "/Credentials/SecurityToken")?),
                    );
                    match args.action {
                        LoadAction::DescribeInstances => {
                            run_instances(&a_root, 1).await?;
                            Plan::new(
                                "2014-05-26",
                                "DescribeInstances",
                                pairs(&[("RegionId", "cn-hangzhou")]),
                            )
                            .signed(vec![session])
                        }
                        LoadAction::StopInstance => {
                            let mut plan = Plan::new(
                                "2014-05-26",
                                "StopInstance",
                                pairs(&[("InstanceId", "{instance}")]),
                            )
                            .signed(vec![session]);
                            // A stop needs a running instance: each request has its own
                            // (instances are running at once unless ecs_transition_ms is set).
                            plan.instances = run_instances(&a_root, args.requests).await?;
                            plan
                        }
                        _ => Plan::new("2015-04-01", "GetCallerIdentity", Vec::new())
                            .signed(vec![session]),
                    }
                }
            }
        }
    };
    Ok(plan)
}

/// Runs `count` instances in A (cn-hangzhou), 100 per call; their ids.
async fn run_instances(
    a_root: &crossram_client::Client,
    count: usize,
) -> anyhow::Result<Vec<String>> {
    let mut ids = Vec::with_capacity(count);
    while ids.len() < count {
        let amount = (count - ids.len()).min(100).to_string();
        let out = a_root
            .call(
                crossram_client::Product::Ecs,
                "RunInstances",
                &[
                    ("RegionId", "cn-hangzhou"),
                    ("ImageId", "ubuntu_22_04_x64_20G_alibase_20230208.vhd"),
                    ("InstanceType", "ecs.t5-lc1m1.small"),
                    ("Amount", amount.as_str()),
                ],
            )
            .await
            .context("set-up: RunInstances in A")?;
        let set = out
            .pointer("/InstanceIdSets/InstanceIdSet")
            .and_then(|v| v.as_array())
            .context("set-up: RunInstances answered no InstanceIdSet")?;
        ids.extend(set.iter().filter_map(|v| v.as_str().map(str::to_owned)));
    }
    Ok(ids)
}
