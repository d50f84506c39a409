//! The HTTP front of the crossram emulator: what official Alibaba Cloud SDKs talk to.
//!
//! - [`app`] builds the axum [`Router`]: `/` serves every RPC call of RAM, STS and ECS (GET or
//!   POST, parameters in the query and/or an `application/x-www-form-urlencoded` body, V1 or V3
//!   signatures), `/console/logon` and `/console/switch-role` serve the console steps as JSON,
//!   and, only for a state built with [`AppState::with_clock_control`], [`clock::CLOCK_PATH`]
//!   moves the emulator's clock (a test-only extension).
//! - Each RPC request is checked in the order of DESIGN.md: parameters parse
//!   ([`crossram_wire::inspect()`]), the product exists for the `Version` (and `Host`), the
//!   AccessKeyId and its SecurityToken resolve ([`Engine::resolve_key`]), the timestamp is within
//!   15 minutes of the engine clock, the nonce is fresh ([`nonce::NonceCache`]), the signature
//!   matches (constant time); then [`Engine::call`] authorizes and runs it.
//! - Answers are JSON unless `Format=XML`; errors carry the common body
//!   `{RequestId, HostId, Code, Message, Recommend[, AccessDeniedDetail]}` and the error's status.
//! - [`serve()`] runs the router on a plain listener and optionally a TLS one ([`tls`]), with
//!   TCP_NODELAY, and shuts down gracefully.
//!
//! Every request leaves one `tracing` event (target `crossram::request`) with the request id,
//! action, caller ARN, outcome, error code and latency; never a secret, signature or token.

pub mod clock;
mod console;
pub mod listen;
pub mod nonce;
mod render;
mod request_id;
mod rpc;
pub mod tls;

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Router;
use axum::routing::any;
use crossram_engine::{Clock, Engine, OffsetClock};

pub use listen::{ServeConfig, ServeError, Server, TlsListen, serve, shutdown_signal};
pub use render::{JSON_CONTENT_TYPE, XML_CONTENT_TYPE};
pub use request_id::RequestIds;
pub use tls::{TlsError, TlsIdentity};

/// Limits and windows of the HTTP front.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Largest accepted request body, bytes (413 beyond). Default 10 MiB.
    pub max_body_bytes: usize,
    /// Largest accepted total of header names and values, bytes. Default 64 KiB.
    pub max_header_bytes: usize,
    /// Largest accepted raw query string, bytes. Default 64 KiB.
    pub max_query_bytes: usize,
    /// How far a request timestamp may be from the engine clock, seconds; nonces are remembered
    /// as long. Default 900; at most [`nonce::MAX_WINDOW_SECS`] (larger values are taken as it).
    pub timestamp_window_secs: i64,
    /// How many nonces the replay cache may hold. Default [`nonce::DEFAULT_CAPACITY`].
    pub nonce_capacity: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Self {
            max_body_bytes: crossram_wire::limits::MAX_BODY_BYTES,
            max_header_bytes: 64 * 1024,
            max_query_bytes: crossram_wire::limits::MAX_QUERY_BYTES,
            timestamp_window_secs: crossram_wire::TIMESTAMP_WINDOW_SECS,
            nonce_capacity: nonce::DEFAULT_CAPACITY,
        }
    }
}

/// What every handler shares: the engine, the clock it runs on, the nonce cache, the request id
/// source and the settings. Cheap to clone.
#[derive(Clone)]
pub struct AppState {
    inner: Arc<Inner>,
}

struct Inner {
    engine: Arc<Engine>,
    clock: Arc<dyn Clock>,
    nonces: nonce::NonceCache,
    ids: RequestIds,
    settings: Settings,
    /// The clock `/crossram/clock` moves (the same one as `clock`), when clock control is on.
    clock_control: Option<Arc<OffsetClock>>,
}

impl fmt::Debug for AppState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AppState")
            .field("engine", &self.inner.engine)
            .field("settings", &self.inner.settings)
            .field("clock_control", &self.inner.clock_control.is_some())
            .finish_non_exhaustive()
    }
}

impl AppState {
    /// State for `engine`, whose clock is `clock` (the same clock the engine was opened with:
    /// timestamps and nonces are judged by it), with default settings.
    pub fn new(engine: Arc<Engine>, clock: Arc<dyn Clock>) -> Self {
        Self::with_settings(engine, clock, Settings::default())
    }

    /// State with explicit settings.
    pub fn with_settings(engine: Arc<Engine>, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        Self::build(engine, clock, settings, None)
    }

    /// State whose clock can be moved over HTTP (`crossram serve --clock-control`, for tests):
    /// `clock` must be the clock `engine` was opened with. The router then serves
    /// [`clock::CLOCK_PATH`], and the timestamp window follows the moved clock, so clients must
    /// stamp their requests with a clock moved by the same amount.
    pub fn with_clock_control(
        engine: Arc<Engine>,
        clock: Arc<OffsetClock>,
        settings: Settings,
    ) -> Self {
        Self::build(engine, clock.clone(), settings, Some(clock))
    }

    fn build(
        engine: Arc<Engine>,
        clock: Arc<dyn Clock>,
        mut settings: Settings,
        clock_control: Option<Arc<OffsetClock>>,
    ) -> Self {
        // The time window and the nonce window must be the same, or replays could slip through.
        settings.timestamp_window_secs = settings
            .timestamp_window_secs
            .clamp(0, nonce::MAX_WINDOW_SECS);
        let nonces =
            nonce::NonceCache::new(settings.timestamp_window_secs, settings.nonce_capacity);
        Self {
            inner: Arc::new(Inner {
                engine,
                clock,
                nonces,
                ids: RequestIds::new(),
                settings,
                clock_control,
            }),
        }
    }

    /// The engine behind the server.
    pub fn engine(&self) -> &Arc<Engine> {
        &self.inner.engine
    }

    /// The settings.
    pub fn settings(&self) -> &Settings {
        &self.inner.settings
    }

    /// Whether `/crossram/clock` is served.
    pub fn clock_control(&self) -> bool {
        self.inner.clock_control.is_some()
    }

    /// Now on the engine clock, unix seconds.
    fn now(&self) -> i64 {
        self.inner.clock.now().unix_timestamp()
    }
}

/// Facts about the connection a request arrived on, put into request extensions by the
/// listeners of [`serve()`] (absent when the router is driven directly, e.g. by `oneshot`).
#[derive(Debug, Clone, Copy)]
pub struct ConnInfo {
    /// The client's address.
    pub remote: SocketAddr,
    /// Whether the connection is TLS.
    pub secure: bool,
}

/// The whole HTTP front as a router: `/` (RPC, any method; only GET and POST are served),
/// `/console/logon` and `/console/switch-role` (POST, JSON), `/crossram/clock` (GET, POST)
/// when the state has clock control, and a 404 `InvalidAction.NotFound` for every other path.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new()
        .route("/", any(rpc::handle))
        .route("/console/logon", any(console::logon))
        .route("/console/switch-role", any(console::switch_role));
    if state.clock_control() {
        router = router.route(clock::CLOCK_PATH, any(clock::handle));
    }
    router.fallback(rpc::not_found).with_state(state)
}
