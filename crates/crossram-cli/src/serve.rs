//! `crossram serve`: the emulator over HTTP (and HTTPS), for official SDKs and scripts.
//!
//! Start-up: open the store, open the engine on the system clock (see `--clock-control`), add the accounts of the world
//! file that the store lacks (or, without `--world`, the seed's two accounts with fresh root
//! keys, printed and written to a credentials file in the world-file format), then bind and
//! print `listening on http://ADDR` (and `ca certificate: PATH`, `listening on https://ADDR`).
//! SIGINT/SIGTERM stop it cleanly with exit status 0.
//!
//! `--clock-control` (a crossram extension, for tests only) runs the engine on an
//! [`OffsetClock`] and serves `GET`/`POST /crossram/clock` (`{"AdvanceSeconds": N}`), which moves
//! the emulator's time forward: sessions expire, and the timestamp window moves with it.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::{Context as _, bail};
use crossram_engine::env::ALNUM;
use crossram_engine::{
    AccountSeed, Caller, Clock, Engine, EngineConfig, Env, IdGen as _, OffsetClock, RandomIds,
    Secret, SystemClock,
};
use crossram_server::{AppState, ServeConfig, Settings, TlsIdentity, TlsListen};

use crate::world::{self, WorldAccount, WorldFile};
use serde::Deserialize;

/// Log output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LogFormat {
    /// Human-readable lines.
    Text,
    /// One JSON object per event.
    Json,
}

/// Arguments of `crossram serve`.
#[derive(Debug, clap::Args)]
pub(crate) struct ServeArgs {
    /// Plain HTTP address; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:0")]
    addr: SocketAddr,
    /// HTTPS address (needs --tls-cert and --tls-key, or --tls-self-signed).
    #[arg(long)]
    tls_addr: Option<SocketAddr>,
    /// PEM certificate chain for HTTPS.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// PEM private key (PKCS#8, as `openssl req -nodes` writes it) for HTTPS.
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Make a CA and a certificate for 127.0.0.1/localhost; the CA file is printed.
    #[arg(long, conflicts_with_all = ["tls_cert", "tls_key"])]
    tls_self_signed: bool,
    /// World file (TOML, `[[account]]` with id, alias, access_key_id, access_key_secret).
    #[arg(long)]
    world: Option<PathBuf>,
    /// Where the world is kept: `memory` or `file:DIR`.
    #[arg(long, default_value = "memory")]
    store: String,
    /// Engine settings (TOML): `[limits]` overrides any of the limits table (e.g.
    /// `roles_per_account = 100000`), and `assume_role_rate_limit`, `ecs_transition_ms`,
    /// `console_session_secs`, `audit_capacity`, `timestamp_window_secs` (how far a request's
    /// time may be off, and how long its nonce is remembered; 900), `ecs_regions` (the
    /// RegionIds ECS answers for, replacing the service's regions) at the top level.
    #[arg(long)]
    config: Option<PathBuf>,
    /// For tests only (a crossram extension): let anyone who reaches the port move the
    /// emulator's clock forward with `POST /crossram/clock` and `{"AdvanceSeconds": N}` (`GET`
    /// reads it). Requests must then be stamped with the moved time. Off by default.
    #[arg(long)]
    clock_control: bool,
    /// Log format (logs go to stderr; filter with RUST_LOG).
    #[arg(long, value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
}

impl WorldAccount {
    fn seed(&self) -> AccountSeed {
        AccountSeed {
            id: self.id.clone(),
            alias: self.alias.clone(),
            access_key_id: self.access_key_id.clone(),
            access_key_secret: Secret::new(self.access_key_secret.clone()),
        }
    }
}

/// The `--config` file: engine settings that differ from the real service's defaults.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SettingsFile {
    #[serde(default)]
    limits: Option<crossram_core::limits::Limits>,
    assume_role_rate_limit: Option<u32>,
    ecs_transition_ms: Option<i64>,
    console_session_secs: Option<i64>,
    audit_capacity: Option<usize>,
    /// How far a request's timestamp may be from the clock, seconds (900, as the real service,
    /// by default); nonces are remembered for as long.
    timestamp_window_secs: Option<i64>,
    /// The RegionIds ECS answers for, replacing the built-in list of the service's regions.
    ecs_regions: Option<Vec<String>>,
}

/// The engine configuration and the HTTP settings: defaults, overridden by `--config`.
fn engine_config(path: Option<&Path>) -> anyhow::Result<(EngineConfig, Settings)> {
    let mut config = EngineConfig::default();
    let mut settings = Settings::default();
    let Some(path) = path else {
        return Ok((config, settings));
    };
    let text = std::fs::read_to_string(path)
        .with_context(|| format!("cannot read the config file {}", path.display()))?;
    let file: SettingsFile = toml::from_str(&text)
        .with_context(|| format!("{} is not a valid config file", path.display()))?;
    if let Some(limits) = file.limits {
        config.limits = limits;
    }
    config.assume_role_rate_limit = file
        .assume_role_rate_limit
        .or(config.assume_role_rate_limit);
    config.ecs_transition_ms = file.ecs_transition_ms.unwrap_or(config.ecs_transition_ms);
    config.console_session_secs = file
        .console_session_secs
        .unwrap_or(config.console_session_secs);
    config.audit_capacity = file.audit_capacity.unwrap_or(config.audit_capacity);
    if let Some(regions) = file.ecs_regions {
        config.ecs_regions = regions;
    }
    if let Some(secs) = file.timestamp_window_secs {
        let max = crossram_server::nonce::MAX_WINDOW_SECS;
        if !(1..=max).contains(&secs) {
            bail!(
                "{}: timestamp_window_secs must be between 1 and {max}, got {secs}",
                path.display()
            );
        }
        settings.timestamp_window_secs = secs;
    }
    Ok((config, settings))
}

/// The seed's two accounts.
const SEED_ACCOUNTS: [(&str, &str); 2] = [("11223344", "company-a"), ("12345678", "company-b")];

/// Runs `crossram serve`; exit status 0 after a clean stop, 1 on a failure, 2 for unusable
/// arguments.
pub(crate) fn run(args: ServeArgs) -> ExitCode {
    // Dropped when `run` returns, after the last line: writes out what the log still holds.
    let _log = init_tracing(args.log_format);
    if let Err(e) = check_args(&args) {
        eprintln!("crossram serve: {}", crate::error_chain(&e));
        return ExitCode::from(2);
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("crossram serve: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(serve(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("crossram serve: {}", crate::error_chain(&e));
            ExitCode::FAILURE
        }
    }
}

/// Installs the log subscriber, writing to stderr through a [`log_sink`](crate::log_sink)
/// buffer; the returned flusher must live as long as the server.
fn init_tracing(format: LogFormat) -> crate::log_sink::Flusher {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let (sink, flusher) = crate::log_sink::sink(Box::new(std::io::stderr()));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(sink);
    // A second initialisation (never in the binary) is harmless.
    let _ = match format {
        LogFormat::Text => builder.event_format(crate::log_line::LineFormat).try_init(),
        LogFormat::Json => builder.json().try_init(),
    };
    flusher
}

fn check_args(args: &ServeArgs) -> anyhow::Result<()> {
    let has_identity = args.tls_cert.is_some() || args.tls_self_signed;
    match (args.tls_addr.is_some(), has_identity) {
        (true, false) => bail!("--tls-addr needs --tls-cert and --tls-key, or --tls-self-signed"),
        (false, true) => bail!("--tls-cert/--tls-self-signed need --tls-addr"),
        _ => Ok(()),
    }
}

/// The directory of a `file:DIR` store.
fn store_dir(spec: &str) -> Option<PathBuf> {
    spec.strip_prefix("file:").map(PathBuf::from)
}

/// Where the credentials and CA files go: the store's directory for a file store (created
/// owner-only if missing), else a fresh directory under the system temporary directory with an
/// unpredictable name, owner-only, removed when the server stops (the guard).
fn files_dir(spec: &str) -> anyhow::Result<(PathBuf, Option<tempfile::TempDir>)> {
    match store_dir(spec) {
        Some(dir) => {
            crossram_store::private::create_dir_all(&dir)
                .with_context(|| format!("cannot create {}", dir.display()))?;
            Ok((dir, None))
        }
        None => {
            let mut builder = tempfile::Builder::new();
            builder.prefix("crossram-serve-");
            #[cfg(unix)]
            builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o700));
            let temp = builder
                .tempdir()
                .context("cannot create a directory for the credentials")?;
            Ok((temp.path().to_path_buf(), Some(temp)))
        }
    }
}

fn fresh_seed_world() -> WorldFile {
    let ids = RandomIds;
    let account = SEED_ACCOUNTS
        .iter()
        .map(|(id, alias)| WorldAccount {
            id: (*id).to_owned(),
            alias: Some((*alias).to_owned()),
            access_key_id: format!("LTAI5t{}", ids.string(ALNUM, 18)),
            access_key_secret: ids.string(ALNUM, 30),
        })
        .collect();
    WorldFile { account }
}

/// Adds the accounts the engine lacks; returns how many were added.
async fn apply_world(engine: &Engine, world: &WorldFile) -> anyhow::Result<usize> {
    let mut added = 0;
    for account in &world.account {
        let new = engine.ensure_account(&account.seed()).await.map_err(|e| {
            anyhow::anyhow!("account {}: {}: {}", account.id, e.code(), e.message())
        })?;
        added += usize::from(new);
    }
    Ok(added)
}

/// Says which accounts of `world` the store already held with other root keys (those keys, not
/// the world's, are the ones that work).
fn warn_other_root_keys(engine: &Engine, world: &WorldFile) {
    for a in &world.account {
        if !is_root_key(engine, &a.id, &a.access_key_id) {
            eprintln!(
                "crossram serve: account {} already existed in the store with other root keys; \
                 its access_key_id {} is not one of them",
                a.id, a.access_key_id
            );
        }
    }
}

/// Whether `access_key_id` is a root key of `account` in the engine.
fn is_root_key(engine: &Engine, account: &str, access_key_id: &str) -> bool {
    matches!(
        engine.resolve_key(access_key_id, None),
        Ok(resolved) if matches!(&resolved.caller, Caller::Root { account: a } if a == account)
    )
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = crossram_store::open(&args.store)
        .await
        .with_context(|| format!("cannot open the store {:?}", args.store))?;
    let offset_clock = args.clock_control.then(|| Arc::new(OffsetClock::new()));
    let clock: Arc<dyn Clock> = match &offset_clock {
        Some(c) => c.clone(),
        None => Arc::new(SystemClock),
    };
    let env = Env {
        clock: clock.clone(),
        ids: Arc::new(RandomIds),
    };
    let (config, settings) = engine_config(args.config.as_deref())?;
    let engine = Engine::open(store, env, config)
        .await
        .context("cannot open the engine")?;
    // Kept until the server stops: dropping it removes the temporary directory.
    let (dir, _temporary) = files_dir(&args.store)?;

    // What stdout says about the world, printed once the listeners are bound: a server that
    // cannot listen prints no keys (and its temporary credentials file is already gone).
    let mut said = Vec::new();
    match &args.world {
        Some(path) => {
            let world = world::read(path, "serve")?;
            let added = apply_world(&engine, &world).await?;
            if engine.account_ids().is_empty() {
                bail!(
                    "{} adds no account and the store holds none: no request could be signed \
                     (each account is an [[account]] table with id, access_key_id and \
                     access_key_secret)",
                    path.display()
                );
            }
            said.push(format!(
                "world: {} accounts in {}, {added} added",
                world.account.len(),
                path.display()
            ));
            warn_other_root_keys(&engine, &world);
        }
        None => {
            let creds_path = dir.join("credentials.toml");
            // A file store restarted without --world keeps the keys it was first given.
            let world = match store_dir(&args.store) {
                Some(_) if creds_path.exists() => world::read(&creds_path, "serve")?,
                _ => fresh_seed_world(),
            };
            apply_world(&engine, &world).await?;
            let text = toml::to_string(&world).context("cannot encode the credentials")?;
            // Root secrets: readable by this user only.
            crossram_store::private::write(&creds_path, text.as_bytes())
                .with_context(|| format!("cannot write {}", creds_path.display()))?;
            for a in &world.account {
                let alias = a.alias.as_deref().unwrap_or("-");
                said.push(format!(
                    "account {} ({alias}): access_key_id={} access_key_secret={}",
                    a.id, a.access_key_id, a.access_key_secret
                ));
            }
            warn_other_root_keys(&engine, &world);
            said.push(format!("credentials: {}", creds_path.display()));
        }
    }

    let tls = match (args.tls_addr, &args.tls_cert, &args.tls_key) {
        (Some(addr), Some(cert), Some(key)) => Some(TlsListen {
            addr,
            identity: TlsIdentity::Pem {
                cert: cert.clone(),
                key: key.clone(),
            },
        }),
        (Some(addr), _, _) => Some(TlsListen {
            addr,
            identity: TlsIdentity::SelfSigned {
                dir: dir.join("tls"),
            },
        }),
        _ => None,
    };
    let mut config = ServeConfig::http(args.addr);
    config.tls = tls;
    let state = match offset_clock {
        Some(c) => {
            eprintln!(
                "crossram serve: clock control is on (for tests only): POST /crossram/clock moves time"
            );
            AppState::with_clock_control(engine, c, settings)
        }
        None => AppState::with_settings(engine, clock, settings),
    };
    let server = crossram_server::Server::bind(&config, state).await?;
    for line in said {
        crate::print_line(&line);
    }
    server.serve_until_signal().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fresh_keys_differ() {
        let a = fresh_seed_world();
        let b = fresh_seed_world();
        assert_eq!(a.account.len(), 2);
        assert_ne!(
            a.account[0].access_key_secret,
            b.account[0].access_key_secret
        );
        assert!(a.account[0].access_key_id.starts_with("LTAI"));
    }
}
