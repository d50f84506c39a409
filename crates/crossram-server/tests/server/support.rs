//! Shared set-up: an engine on the memory store with a [`ManualClock`] (or any clock), a server on
//! `127.0.0.1:0`, and request signing through crossram-wire.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crossram_engine::{AccountSeed, Engine, EngineConfig, Env, ManualClock, RandomIds, Secret};
use crossram_server::{AppState, ServeConfig, Server, Settings, TlsIdentity, TlsListen};
use crossram_wire::{SignInput, format_timestamp};
use time::macros::datetime;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub(crate) const ACCOUNT: &str = "11223344";
pub(crate) const ROOT_KEY: &str = "LTAI5tRootKeyOfCompanyA";
pub(crate) const ROOT_SECRET: &str = "RootSecretOfCompanyA0123456789";

/// An engine with account 11223344 (company-a) and its root key, on a manual clock.
pub(crate) async fn engine() -> (Arc<Engine>, Arc<ManualClock>) {
    engine_with_key(ROOT_KEY, ROOT_SECRET).await
}

/// An engine with account 11223344 (company-a) whose root key is `id` / `secret`.
pub(crate) async fn engine_with_key(id: &str, secret: &str) -> (Arc<Engine>, Arc<ManualClock>) {
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 06:00:00 UTC)));
    (engine_on(clock.clone(), id, secret).await, clock)
}

/// An engine on `clock` with account 11223344 (company-a) whose root key is `id` / `secret`.
pub(crate) async fn engine_on(
    clock: Arc<dyn crossram_engine::Clock>,
    id: &str,
    secret: &str,
) -> Arc<Engine> {
    let store = crossram_store::open("memory").await.unwrap();
    let env = Env {
        clock,
        ids: Arc::new(RandomIds),
    };
    let config = EngineConfig {
        // Keep console password hashing cheap in tests.
        password_hash_memory_kib: 256,
        ..EngineConfig::default()
    };
    let engine = Engine::open(store, env, config).await.unwrap();
    let added = engine
        .ensure_account(&AccountSeed {
            id: ACCOUNT.into(),
            alias: Some("company-a".into()),
            access_key_id: id.into(),
            access_key_secret: Secret::new(secret),
        })
        .await
        .unwrap();
    assert!(added);
    engine
}

/// A running server.
pub(crate) struct TestServer {
    pub(crate) clock: Arc<ManualClock>,
    pub(crate) http: SocketAddr,
    pub(crate) https: Option<SocketAddr>,
    pub(crate) ca: Option<std::path::PathBuf>,
    pub(crate) client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    task: Option<JoinHandle<Result<(), crossram_server::ServeError>>>,
    _dir: tempfile::TempDir,
}

impl TestServer {
    pub(crate) async fn start() -> Self {
        Self::start_with(None, Settings::default()).await
    }

    pub(crate) async fn start_with(tls: Option<TlsIdentity>, settings: Settings) -> Self {
        let (engine, clock) = engine().await;
        let dir = tempfile::tempdir().unwrap();
        let state = AppState::with_settings(engine.clone(), clock.clone(), settings);
        let mut config = ServeConfig::http("127.0.0.1:0".parse().unwrap());
        config.tls = tls.map(|identity| TlsListen {
            addr: "127.0.0.1:0".parse().unwrap(),
            identity,
        });
        let server = Server::bind(&config, state).await.unwrap();
        let http = server.http_addr();
        let https = server.https_addr();
        let ca = server.ca_certificate().map(|p| p.to_owned());
        let (tx, rx) = oneshot::channel::<()>();
        let task = tokio::spawn(server.run(async {
            let _ = rx.await;
        }));
        Self {
            clock,
            http,
            https,
            ca,
            client: reqwest::Client::builder()
                .timeout(Duration::from_secs(20))
                .build()
                .unwrap(),
            stop: Some(tx),
            task: Some(task),
            _dir: dir,
        }
    }

    pub(crate) fn url(&self) -> String {
        format!("http://{}/", self.http)
    }

    pub(crate) fn host(&self) -> String {
        self.http.to_string()
    }

    pub(crate) fn timestamp(&self) -> String {
        use crossram_engine::Clock as _;
        format_timestamp(self.clock.now().unix_timestamp())
    }

    /// Stops the server and waits for `run` to return.
    pub(crate) async fn stop(mut self) -> Result<(), crossram_server::ServeError> {
        if let Some(tx) = self.stop.take() {
            let _ = tx.send(());
        }
        let task = self.task.take().unwrap();
        tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .expect("server stops within 10 s")
            .unwrap()
    }
}

/// Who signs a request.
#[derive(Clone, Copy)]
pub(crate) struct Creds<'a> {
    pub(crate) id: &'a str,
    pub(crate) secret: &'a str,
    pub(crate) token: Option<&'a str>,
}

pub(crate) const ROOT: Creds<'static> = Creds {
    id: ROOT_KEY,
    secret: ROOT_SECRET,
    token: None,
};

static NONCE: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(1);

pub(crate) fn nonce() -> String {
    format!(
        "nonce-{}-{}",
        std::process::id(),
        NONCE.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
    )
}

/// How to sign.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Scheme {
    /// V1, POST, everything in the query.
    V1Query,
    /// V1, POST, action parameters in a form body.
    V1Form,
    /// V1, GET.
    V1Get,
    /// V3, POST.
    V3,
}

/// A signed request ready to send.
pub(crate) fn signed(
    srv: &TestServer,
    scheme: Scheme,
    creds: Creds<'_>,
    action: &str,
    version: &str,
    params: &[(&str, &str)],
    nonce: &str,
) -> reqwest::RequestBuilder {
    signed_to(
        &srv.client,
        &srv.url(),
        &srv.host(),
        &srv.timestamp(),
        scheme,
        creds,
        action,
        version,
        params,
        nonce,
    )
}

#[allow(clippy::too_many_arguments, reason = "test helper")]
pub(crate) fn signed_to(
    client: &reqwest::Client,
    url: &str,
    host: &str,
    timestamp: &str,
    scheme: Scheme,
    creds: Creds<'_>,
    action: &str,
    version: &str,
    params: &[(&str, &str)],
    nonce: &str,
) -> reqwest::RequestBuilder {
    let params: Vec<(String, String)> = params
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    let method = if scheme == Scheme::V1Get {
        "GET"
    } else {
        "POST"
    };
    let input = SignInput {
        method,
        host,
        action,
        version,
        params: &params,
        access_key_id: creds.id,
        access_key_secret: creds.secret,
        security_token: creds.token,
        timestamp,
        nonce,
        body_params_in_form: scheme == Scheme::V1Form,
    };
    let parts = match scheme {
        Scheme::V3 => crossram_wire::sign_v3(&input),
        _ => crossram_wire::sign_v1(&input),
    };
    let full = format!("{url}?{}", parts.query);
    let mut req = if method == "GET" {
        client.get(full)
    } else {
        client.post(full)
    };
    for (name, value) in &parts.headers {
        // reqwest writes the same host itself.
        if name != "host" {
            req = req.header(name, value);
        }
    }
    if let Some(ct) = &parts.content_type {
        req = req.header("content-type", ct);
    }
    if !parts.body.is_empty() {
        req = req.body(parts.body.clone());
    }
    req
}

/// V1 with explicit common parameters (e.g. `Format=XML`), query only: returns the query string
/// and the string to sign.
pub(crate) fn v1_query(
    method: &str,
    creds: Creds<'_>,
    timestamp: &str,
    nonce: &str,
    params: &[(&str, &str)],
) -> (String, String) {
    let mut pairs: Vec<(&str, &str)> = vec![
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("SignatureNonce", nonce),
        ("Timestamp", timestamp),
        ("AccessKeyId", creds.id),
    ];
    if let Some(t) = creds.token {
        pairs.push(("SecurityToken", t));
    }
    pairs.extend_from_slice(params);
    let canonical = crossram_wire::v1::canonicalized_query_string(pairs.iter().copied());
    let sts = crossram_wire::v1::string_to_sign(method, &canonical);
    let sig = crossram_wire::v1::signature(creds.secret, &sts);
    let mut query = crossram_wire::encode::encode_pairs(pairs.iter().copied());
    query.push_str("&Signature=");
    query.push_str(&crossram_wire::percent_encode(&sig));
    (query, sts)
}

/// Status and body as JSON.
pub(crate) async fn json(res: reqwest::Response) -> (u16, serde_json::Value) {
    let status = res.status().as_u16();
    let text = res.text().await.unwrap();
    let v = serde_json::from_str(&text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"));
    (status, v)
}

/// Asserts the shape of an error body and returns it.
pub(crate) fn assert_error(status: u16, body: &serde_json::Value, want_status: u16, code: &str) {
    assert_eq!(status, want_status, "{body}");
    assert_eq!(body["Code"], code, "{body}");
    let rid = body["RequestId"].as_str().unwrap();
    assert_request_id(rid);
    assert!(
        body["HostId"].as_str().is_some_and(|h| !h.is_empty()),
        "{body}"
    );
    assert!(body["Message"].as_str().is_some(), "{body}");
    let recommend = body["Recommend"].as_str().unwrap();
    assert!(
        recommend.starts_with(&format!(
            "https://api.aliyun.com/troubleshoot?q={code}&product="
        )),
        "{recommend}"
    );
    assert!(
        recommend.ends_with(&format!("&requestId={rid}")),
        "{recommend}"
    );
}

pub(crate) fn assert_request_id(rid: &str) {
    let groups: Vec<usize> = rid.split('-').map(str::len).collect();
    assert_eq!(groups, vec![8, 4, 4, 4, 12], "{rid}");
    assert!(
        rid.chars()
            .all(|c| c == '-' || c.is_ascii_digit() || ('A'..='F').contains(&c)),
        "{rid}"
    );
}

pub(crate) const STS: &str = "2015-04-01";
pub(crate) const RAM: &str = "2015-05-01";
