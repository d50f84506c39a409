//! The listeners: plain HTTP on one address and, optionally, HTTPS on another, both serving
//! [`app`](crate::app()) over HTTP/1.1 with TCP_NODELAY on every accepted socket.
//!
//! Shutdown is graceful: on the shutdown future (SIGINT/SIGTERM for [`serve()`]) the listeners
//! stop accepting, idle keep-alive connections are closed, in-flight requests finish (bounded by
//! [`ServeConfig::grace`]), then the engine's store is flushed.

use std::future::Future;
use std::io::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;

use std::convert::Infallible;

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::watch;
use tokio::task::JoinSet;
use tokio_rustls::TlsAcceptor;
use tower::ServiceExt as _;

use crate::tls::{self, TlsError, TlsIdentity};
use crate::{AppState, ConnInfo, app};

/// Where and how to listen.
#[derive(Debug, Clone)]
pub struct ServeConfig {
    /// The plain HTTP address (`127.0.0.1:0` picks a free port).
    pub addr: SocketAddr,
    /// The HTTPS listener, if wanted.
    pub tls: Option<TlsListen>,
    /// How long in-flight requests may take to finish at shutdown.
    pub grace: Duration,
}

impl ServeConfig {
    /// Plain HTTP on `addr`, no TLS, a 5-second grace period.
    pub fn http(addr: SocketAddr) -> Self {
        Self {
            addr,
            tls: None,
            grace: Duration::from_secs(5),
        }
    }
}

/// The HTTPS listener's address and certificate.
#[derive(Debug, Clone)]
pub struct TlsListen {
    /// The address (`127.0.0.1:0` picks a free port).
    pub addr: SocketAddr,
    /// The certificate.
    pub identity: TlsIdentity,
}

/// Why serving failed.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// A listener could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The cause.
        source: std::io::Error,
    },
    /// TLS could not be set up.
    #[error(transparent)]
    Tls(#[from] TlsError),
    /// The store could not be flushed at shutdown.
    #[error("flushing the store: {0}")]
    Flush(String),
}

/// Bound listeners, ready to [`run`](Server::run).
pub struct Server {
    state: AppState,
    http: TcpListener,
    https: Option<(TcpListener, TlsAcceptor)>,
    ca_certificate: Option<PathBuf>,
    grace: Duration,
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Server")
            .field("http", &self.http_addr())
            .field("https", &self.https_addr())
            .field("ca_certificate", &self.ca_certificate)
            .finish_non_exhaustive()
    }
}

async fn bind_one(addr: SocketAddr) -> Result<TcpListener, ServeError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| ServeError::Bind { addr, source })
}

fn local_addr(listener: &TcpListener) -> SocketAddr {
    listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
}

impl Server {
    /// Binds the listeners of `config` (and sets TLS up) for `state`.
    pub async fn bind(config: &ServeConfig, state: AppState) -> Result<Self, ServeError> {
        let http = bind_one(config.addr).await?;
        let (https, ca_certificate) = match &config.tls {
            Some(t) => {
                let setup = tls::setup(&t.identity)?;
                let listener = bind_one(t.addr).await?;
                (
                    Some((listener, TlsAcceptor::from(setup.config))),
                    setup.ca_certificate,
                )
            }
            None => (None, None),
        };
        Ok(Self {
            state,
            http,
            https,
            ca_certificate,
            grace: config.grace,
        })
    }

    /// The plain HTTP address (the real port when 0 was asked for).
    pub fn http_addr(&self) -> SocketAddr {
        local_addr(&self.http)
    }

    /// The HTTPS address, if TLS is on.
    pub fn https_addr(&self) -> Option<SocketAddr> {
        self.https.as_ref().map(|(l, _)| local_addr(l))
    }

    /// The CA certificate file of a self-signed TLS set.
    pub fn ca_certificate(&self) -> Option<&Path> {
        self.ca_certificate.as_deref()
    }

    /// Serves until `shutdown` completes, then stops accepting, lets in-flight requests finish
    /// (up to the grace period) and flushes the engine's store.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send) -> Result<(), ServeError> {
        let router = Routes {
            router: app(self.state.clone()),
            state: self.state.clone(),
        };
        let (stop_tx, stop_rx) = watch::channel(false);
        let mut loops = JoinSet::new();
        loops.spawn(accept_loop(
            self.http,
            None,
            router.clone(),
            stop_rx.clone(),
        ));
        if let Some((listener, acceptor)) = self.https {
            loops.spawn(accept_loop(
                listener,
                Some(acceptor),
                router.clone(),
                stop_rx.clone(),
            ));
        }
        shutdown.await;
        tracing::info!(target: "crossram::server", "shutting down");
        let _ = stop_tx.send(true);
        let drained = tokio::time::timeout(self.grace, async {
            while loops.join_next().await.is_some() {}
        })
        .await;
        if drained.is_err() {
            tracing::warn!(target: "crossram::server", "grace period over, closing connections");
            loops.abort_all();
        }
        self.state
            .engine()
            .flush()
            .await
            .map_err(|e| ServeError::Flush(e.to_string()))?;
        tracing::info!(target: "crossram::server", "stopped");
        Ok(())
    }
}

/// What a connection answers with: the router, and the RPC endpoint reached directly.
#[derive(Clone)]
struct Routes {
    router: Router,
    state: AppState,
}

impl Routes {
    /// `/` (nearly every request) goes straight to the RPC handler with the connection's facts
    /// as an argument; anything else goes through the router, with the facts in the request's
    /// extensions. Skipping the router and the extension map took about 1 µs off each call.
    async fn dispatch(self, mut req: Request<Body>, info: ConnInfo) -> axum::response::Response {
        if req.uri().path() == "/" {
            return crate::rpc::serve(self.state, req, Some(info)).await;
        }
        req.extensions_mut().insert(info);
        match self.router.oneshot(req).await {
            Ok(res) => res,
            Err(never) => match never {},
        }
    }
}

/// Accepts connections until told to stop, then waits for its connections to finish.
async fn accept_loop(
    listener: TcpListener,
    tls: Option<TlsAcceptor>,
    router: Routes,
    mut stop: watch::Receiver<bool>,
) {
    let mut conns = JoinSet::new();
    loop {
        tokio::select! {
            _ = stop.changed() => break,
            Some(_) = conns.join_next(), if !conns.is_empty() => {}
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(pair) => pair,
                    Err(e) => {
                        // Out of file descriptors and the like: back off instead of spinning.
                        tracing::warn!(target: "crossram::server", error = %e, "accept failed");
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                conns.spawn(connection(stream, remote, tls.clone(), router.clone(), stop.clone()));
            }
        }
    }
    drop(listener);
    while conns.join_next().await.is_some() {}
}

/// Serves one connection (after the TLS handshake, if any).
async fn connection(
    stream: TcpStream,
    remote: SocketAddr,
    tls: Option<TlsAcceptor>,
    router: Routes,
    stop: watch::Receiver<bool>,
) {
    let secure = tls.is_some();
    let info = ConnInfo { remote, secure };
    match tls {
        None => serve_io(stream, info, router, stop).await,
        Some(acceptor) => {
            let handshake =
                tokio::time::timeout(Duration::from_secs(10), acceptor.accept(stream)).await;
            match handshake {
                Ok(Ok(tls_stream)) => serve_io(tls_stream, info, router, stop).await,
                Ok(Err(e)) => {
                    tracing::debug!(target: "crossram::server", %remote, error = %e, "tls handshake failed");
                }
                Err(_) => {
                    tracing::debug!(target: "crossram::server", %remote, "tls handshake timed out");
                }
            }
        }
    }
}

async fn serve_io<S>(io: S, info: ConnInfo, routes: Routes, mut stop: watch::Receiver<bool>)
where
    S: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let service = hyper::service::service_fn(move |req: Request<Incoming>| {
        let routes = routes.clone();
        async move { Ok::<_, Infallible>(routes.dispatch(req.map(Body::new), info).await) }
    });
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .max_buf_size(256 * 1024)
        .keep_alive(true);
    let conn = builder.serve_connection(TokioIo::new(io), service);
    tokio::pin!(conn);
    if *stop.borrow() {
        conn.as_mut().graceful_shutdown();
    }
    loop {
        tokio::select! {
            res = conn.as_mut() => {
                if let Err(e) = res {
                    tracing::debug!(target: "crossram::server", remote = %info.remote, error = %e, "connection ended with an error");
                }
                break;
            }
            changed = stop.changed() => {
                conn.as_mut().graceful_shutdown();
                if changed.is_err() {
                    // The sender is gone; keep driving the connection to its end.
                    let _ = conn.as_mut().await;
                    break;
                }
            }
        }
    }
}

/// Completes on SIGINT or SIGTERM (SIGINT only where SIGTERM does not exist).
pub async fn shutdown_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// Binds per `config`, prints `listening on http://ADDR` (and `ca certificate: PATH`,
/// `listening on https://ADDR` with TLS) on stdout, and serves until SIGINT or SIGTERM.
pub async fn serve(config: ServeConfig, state: AppState) -> Result<(), ServeError> {
    Server::bind(&config, state)
        .await?
        .serve_until_signal()
        .await
}

impl Server {
    /// Prints the `listening on` lines (see [`announce`]) and serves until SIGINT or SIGTERM.
    pub async fn serve_until_signal(self) -> Result<(), ServeError> {
        // Signal handlers are installed before announcing, so a signal right after the
        // announcement is never missed.
        let shutdown = shutdown_signal();
        let mut shutdown = Box::pin(shutdown);
        // Poll once so the handlers register.
        let _ = futures_poll_once(shutdown.as_mut()).await;
        announce(&self);
        self.run(shutdown).await
    }
}

/// Polls a future once (registering its wakers), returning whether it completed.
async fn futures_poll_once<F: Future + ?Sized>(fut: std::pin::Pin<&mut F>) -> bool {
    use std::task::Poll;
    let mut fut = fut;
    std::future::poll_fn(|cx| match fut.as_mut().poll(cx) {
        Poll::Ready(_) => Poll::Ready(true),
        Poll::Pending => Poll::Ready(false),
    })
    .await
}

/// Prints the contract lines of `crossram serve`.
pub fn announce(server: &Server) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "listening on http://{}", server.http_addr());
    if let Some(ca) = server.ca_certificate() {
        let _ = writeln!(out, "ca certificate: {}", ca.display());
    }
    if let Some(addr) = server.https_addr() {
        let _ = writeln!(out, "listening on https://{addr}");
    }
    let _ = out.flush();
}
