//! The `in-process` target: the emulator in this process, no sockets.
//!
//! The engine runs on a memory store with an [`OffsetClock`] (system time plus an offset that
//! playbooks move forward), which the server and the clients read too; the client's
//! [`Transport`] hands each signed request to the server's axum router with
//! `tower::ServiceExt::oneshot`, so every byte still goes through parsing, signature checks,
//! authorization and rendering exactly as over TCP.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::Router;
use bytes::Bytes;
use crossram_client::{
    Credentials, HttpRequest, HttpResponse, Transport, TransportError, TransportErrorKind,
};
use crossram_engine::{AccountSeed, Engine, EngineConfig, Env, RandomIds, Secret};
use http_body_util::{BodyExt as _, Full};
use tower::ServiceExt as _;

pub use crossram_engine::OffsetClock;

use crate::playbook::Capability;
use crate::target::{EngineClock, HttpEndpoint, Target, TargetAccount, TargetError, forward};

/// A [`Transport`] that calls the emulator's router directly.
#[derive(Debug, Clone)]
pub struct RouterTransport {
    router: Router,
}

impl RouterTransport {
    /// A transport into `router` (from [`crossram_server::app`]).
    pub fn new(router: Router) -> Self {
        Self { router }
    }
}

#[async_trait::async_trait]
impl Transport for RouterTransport {
    async fn send(&self, req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let invalid = |m: String| TransportError::new(TransportErrorKind::InvalidRequest, m);
        let mut builder = http::Request::builder()
            .method(req.method.clone())
            .uri(req.url.as_str());
        let has_host = req.header("host").is_some();
        for (k, v) in &req.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if !has_host {
            let authority = req
                .url
                .split("://")
                .nth(1)
                .and_then(|rest| rest.split('/').next())
                .unwrap_or("localhost")
                .to_owned();
            builder = builder.header("host", authority);
        }
        let request = builder
            .body(Full::new(req.body))
            .map_err(|e| invalid(format!("cannot build the request: {e}")))?;
        let response = self
            .router
            .clone()
            .oneshot(request)
            .await
            .map_err(|e| TransportError::other(format!("router: {e}")))?;
        let (parts, body) = response.into_parts();
        let body: Bytes = body
            .collect()
            .await
            .map_err(|e| TransportError::other(format!("reading the response: {e}")))?
            .to_bytes();
        let headers = parts
            .headers
            .iter()
            .map(|(k, v)| {
                (
                    k.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        Ok(HttpResponse {
            status: parts.status.as_u16(),
            headers,
            body,
        })
    }
}

/// The URL in-process clients are configured with (never resolved: no socket is opened).
pub const IN_PROCESS_URL: &str = "http://emulator.in-process";

/// The accounts of an emulator a run starts: A (11223344, company-a) owns the resources, B
/// (12345678, company-b) is trusted, C (87654321, company-c) is a third party, for playbooks that
/// prove what an account the trust does not name can do.
pub const SEED_ACCOUNTS: [(&str, &str, &str); 3] = [
    ("a", "11223344", "company-a"),
    ("b", "12345678", "company-b"),
    ("c", "87654321", "company-c"),
];

/// The emulator, in this process.
#[derive(Debug)]
pub struct InProcess {
    engine: Arc<Engine>,
    clock: Arc<OffsetClock>,
    http: HttpEndpoint,
    router: Router,
    accounts: Vec<(String, TargetAccount)>,
}

/// Settings of an in-process emulator.
#[derive(Debug, Clone)]
pub struct InProcessConfig {
    /// argon2 memory for console passwords, KiB. Smaller than the server default (19 MiB) so
    /// rehearsals run fast; the hashing itself is the same.
    pub password_hash_memory_kib: u32,
}

impl Default for InProcessConfig {
    fn default() -> Self {
        Self {
            password_hash_memory_kib: 1024,
        }
    }
}

impl InProcess {
    /// Starts the emulator with the accounts of [`SEED_ACCOUNTS`] and fresh random root keys.
    pub async fn start() -> Result<Self, TargetError> {
        Self::start_with(InProcessConfig::default()).await
    }

    /// Starts the emulator with explicit settings.
    pub async fn start_with(config: InProcessConfig) -> Result<Self, TargetError> {
        let clock = Arc::new(OffsetClock::new());
        let ids = Arc::new(RandomIds);
        let env = Env {
            clock: clock.clone(),
            ids: ids.clone(),
        };
        let engine_config = EngineConfig {
            password_hash_memory_kib: config.password_hash_memory_kib,
            ..EngineConfig::default()
        };
        let store = crossram_store::open("memory")
            .await
            .map_err(|e| TargetError::Start(format!("memory store: {e}")))?;
        let engine = Engine::open(store, env, engine_config)
            .await
            .map_err(|e| TargetError::Start(format!("engine: {e}")))?;
        let mut accounts = Vec::new();
        for (key, id, alias) in SEED_ACCOUNTS {
            let access_key_id = format!(
                "LTAI{}",
                crossram_engine::IdGen::string(&*ids, crossram_engine::env::ALNUM, 20)
            );
            let secret = crossram_engine::IdGen::string(&*ids, crossram_engine::env::ALNUM, 30);
            engine
                .ensure_account(&AccountSeed {
                    id: id.to_owned(),
                    alias: Some(alias.to_owned()),
                    access_key_id: access_key_id.clone(),
                    access_key_secret: Secret::new(secret.clone()),
                })
                .await
                .map_err(|e| TargetError::Start(format!("account {id}: {e}")))?;
            accounts.push((
                key.to_owned(),
                TargetAccount {
                    id: id.to_owned(),
                    alias: alias.to_owned(),
                    root: Credentials::new(access_key_id, secret),
                },
            ));
        }
        let state = crossram_server::AppState::new(engine.clone(), clock.clone());
        let router = crossram_server::app(state);
        let http = HttpEndpoint {
            endpoint: crossram_client::Endpoint::url(IN_PROCESS_URL)
                .map_err(|e| TargetError::Start(e.to_string()))?,
            console_url: Some(IN_PROCESS_URL.to_owned()),
            transport: Arc::new(RouterTransport::new(router.clone())),
            clock: Arc::new(EngineClock(clock.clone())),
        };
        Ok(Self {
            engine,
            clock,
            http,
            router,
            accounts,
        })
    }

    /// The engine (for assertions beyond the API, e.g. audit events).
    pub fn engine(&self) -> &Arc<Engine> {
        &self.engine
    }

    /// The clock everything in this emulator reads.
    pub fn clock(&self) -> &Arc<OffsetClock> {
        &self.clock
    }

    /// The server's router (to serve it on a socket, or to drive it directly).
    pub fn router(&self) -> &Router {
        &self.router
    }

    /// The endpoint, transport and clock clients use.
    pub fn endpoint(&self) -> &HttpEndpoint {
        &self.http
    }
}

#[async_trait::async_trait]
impl Target for InProcess {
    fn describe(&self) -> String {
        "in-process".to_owned()
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
        self.clock.advance(forward(by)?);
        Ok(())
    }
}
