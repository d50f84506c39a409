//! Where a playbook runs: the [`Target`] trait and what every target shares.
//!
//! A target hands out signed-request clients for credentials, performs the console steps,
//! moves its clock when it can, and cleans up after itself. The same playbook runs against
//! every target; only the endpoint, the transport and the credentials differ (no "mock" branch
//! anywhere in the runner).

use std::collections::BTreeSet;
use std::fmt;
use std::sync::Arc;

use bytes::Bytes;
use crossram_client::{
    Client, Clock as ClientClock, Credentials, Endpoint, HttpRequest, Transport,
};
use serde_json::{Map, Value};
use time::OffsetDateTime;

use crate::playbook::Capability;

/// An emulator's clock as the clock that stamps client requests: clients of an emulator whose
/// time moves must sign with the moved time, or the server's timestamp window refuses them.
#[derive(Debug, Clone)]
pub struct EngineClock(pub Arc<dyn crossram_engine::Clock>);

impl ClientClock for EngineClock {
    fn now(&self) -> OffsetDateTime {
        self.0.now()
    }
}

/// `by` as a forward move: clocks of targets only move forward.
pub fn forward(by: time::Duration) -> Result<std::time::Duration, TargetError> {
    std::time::Duration::try_from(by)
        .map_err(|_| TargetError::Unsupported(format!("move its clock backward ({by})")))
}

/// One of the two accounts of a target (`a`, the resource owner; `b`, the delegate).
#[derive(Debug, Clone)]
pub struct TargetAccount {
    /// The account UID.
    pub id: String,
    /// The enterprise alias (used in console logon names and Switch Role).
    pub alias: String,
    /// The root AccessKey (its secret never appears in output).
    pub root: Credentials,
}

/// Why a target could not be set up, used or torn down.
#[derive(Debug, thiserror::Error)]
pub enum TargetError {
    /// The target could not start (engine, child process, missing credentials).
    #[error("cannot start the target: {0}")]
    Start(String),
    /// The target cannot do what was asked (no clock control on a live cloud).
    #[error("the target cannot {0}")]
    Unsupported(String),
    /// A client could not be built.
    #[error("client: {0}")]
    Client(#[from] crossram_client::Error),
    /// A call made on the caller's behalf (moving a child's clock) failed.
    #[error("{0}")]
    Call(String),
    /// A call made on the caller's behalf (seeding, creating a user, assuming a role) was
    /// answered with an error, kept whole: its code, status and `AccessDeniedDetail` are
    /// [`TargetError::call_error`]'s.
    #[error("{action}: {source}")]
    CallFailed {
        /// The action, e.g. `AssumeRole`.
        action: String,
        /// What the client reported.
        #[source]
        source: crossram_client::Error,
    },
    /// The target has no account of that key.
    #[error("the target has no account `{0}` (the emulator has a, b and c)")]
    NoAccount(String),
    /// Teardown failed.
    #[error("teardown: {0}")]
    Teardown(String),
}

impl TargetError {
    /// The client's error behind a failed call ([`TargetError::CallFailed`]) or client
    /// ([`TargetError::Client`]): `code()`, `status()`, `access_denied_detail()`.
    pub fn call_error(&self) -> Option<&crossram_client::Error> {
        match self {
            Self::CallFailed { source, .. } | Self::Client(source) => Some(source),
            _ => None,
        }
    }
}

/// How a call or console step failed.
#[derive(Debug, Clone, PartialEq)]
pub enum CallError {
    /// The service answered with an error body.
    Service {
        /// The error code.
        code: String,
        /// The message.
        message: String,
        /// The HTTP status.
        status: u16,
        /// `AccessDeniedDetail`, for denials.
        denied: Option<Value>,
    },
    /// No usable answer (transport, decoding, credentials).
    Other(String),
}

impl CallError {
    /// The error code of a service error.
    pub fn code(&self) -> Option<&str> {
        match self {
            Self::Service { code, .. } => Some(code),
            Self::Other(_) => None,
        }
    }
}

impl fmt::Display for CallError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Service {
                code,
                message,
                status,
                ..
            } => write!(f, "{code} (HTTP {status}): {message}"),
            Self::Other(m) => f.write_str(m),
        }
    }
}

impl From<crossram_client::Error> for CallError {
    fn from(e: crossram_client::Error) -> Self {
        match e {
            crossram_client::Error::Service {
                code,
                message,
                status,
                access_denied_detail,
                ..
            } => Self::Service {
                code,
                message,
                status,
                denied: access_denied_detail.map(|d| *d),
            },
            other => Self::Other(other.to_string()),
        }
    }
}

/// A place a playbook runs: the embedded emulator, a spawned `crossram serve`, or any endpoint.
#[async_trait::async_trait]
pub trait Target: Send + Sync + fmt::Debug {
    /// A short description for reports (`in-process`, `spawn http://127.0.0.1:40123`).
    fn describe(&self) -> String;

    /// What the target can do besides API calls.
    fn capabilities(&self) -> BTreeSet<Capability>;

    /// Whether this is a real cloud (then the runner prints a plan first and names carry a run
    /// id).
    fn is_live(&self) -> bool {
        false
    }

    /// The prefix of names a run creates (`${run}`): empty on an emulator of the run's own, a
    /// run id on any endpoint that others may use too.
    fn run_prefix(&self) -> String {
        String::new()
    }

    /// The endpoint calls and console steps go to.
    fn http(&self) -> &HttpEndpoint;

    /// The accounts the playbook's `a` and `b` stand for.
    fn accounts(&self) -> &[(String, TargetAccount)];

    /// Account `a` or `b`.
    fn account(&self, key: &str) -> Option<&TargetAccount> {
        self.accounts()
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, a)| a)
    }

    /// A client signing with `credentials`.
    fn client(&self, credentials: Credentials) -> Result<Client, TargetError> {
        self.http().client(credentials)
    }

    /// Console logon (`name@alias`, password): the session's credentials and identity, as
    /// the emulator's `/console/logon` answers them.
    async fn console_logon(&self, login_name: &str, password: &str) -> Result<Value, CallError> {
        self.http().console_logon(login_name, password).await
    }

    /// Switch Role from a console session into `role` of `account` (alias, domain or UID).
    async fn console_switch_role(
        &self,
        session: &Credentials,
        account: &str,
        role: &str,
    ) -> Result<Value, CallError> {
        self.http()
            .console_switch_role(session, account, role)
            .await
    }

    /// Moves the target's clock forward.
    async fn advance_clock(&self, by: time::Duration) -> Result<(), TargetError> {
        let _ = by;
        Err(TargetError::Unsupported("move its clock".into()))
    }

    /// Releases what the target holds (stops a child process). Idempotent.
    async fn teardown(&mut self) -> Result<(), TargetError> {
        Ok(())
    }
}

/// An HTTP endpoint with its transport and clock: builds clients and performs the console
/// steps through the emulator's `/console/` JSON endpoints. Shared by every target.
#[derive(Debug, Clone)]
pub struct HttpEndpoint {
    /// Where API calls go.
    pub endpoint: Endpoint,
    /// `scheme://host:port` of the emulator's `/console/` endpoints (none on the real cloud).
    pub console_url: Option<String>,
    /// How requests travel.
    pub transport: Arc<dyn Transport>,
    /// The clock that stamps requests (the emulator's, when it can move).
    pub clock: Arc<dyn ClientClock>,
}

impl HttpEndpoint {
    /// A client for `credentials` on this endpoint (V3 signatures, no retries: a playbook
    /// proves what one call does).
    pub fn client(&self, credentials: Credentials) -> Result<Client, TargetError> {
        Ok(Client::builder()
            .endpoint(self.endpoint.clone())
            .shared_transport(self.transport.clone())
            .clock(self.clock.clone())
            .credentials(credentials)
            .retry(crossram_client::RetryPolicy::none())
            .build()?)
    }

    /// `POST /console/logon`.
    pub async fn console_logon(
        &self,
        login_name: &str,
        password: &str,
    ) -> Result<Value, CallError> {
        let mut body = Map::new();
        body.insert("LoginName".into(), login_name.into());
        body.insert("Password".into(), password.into());
        self.console_post("/console/logon", body).await
    }

    /// `POST /console/switch-role`.
    pub async fn console_switch_role(
        &self,
        session: &Credentials,
        account: &str,
        role: &str,
    ) -> Result<Value, CallError> {
        let mut body = Map::new();
        body.insert("AccessKeyId".into(), session.access_key_id.clone().into());
        body.insert(
            "SecurityToken".into(),
            session
                .security_token
                .as_ref()
                .map(|t| t.expose().to_owned())
                .unwrap_or_default()
                .into(),
        );
        body.insert("Account".into(), account.into());
        body.insert("RoleName".into(), role.into());
        self.console_post("/console/switch-role", body).await
    }

    async fn console_post(&self, path: &str, body: Map<String, Value>) -> Result<Value, CallError> {
        let body = serde_json::to_vec(&Value::Object(body))
            .map_err(|e| CallError::Other(format!("cannot encode the console request: {e}")))?;
        let base = self
            .console_url
            .as_deref()
            .ok_or_else(|| CallError::Other("this target has no console endpoints".into()))?;
        let req = HttpRequest {
            method: http::Method::POST,
            url: format!("{}{path}", base.trim_end_matches('/')),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("accept".into(), "application/json".into()),
            ],
            body: Bytes::from(body),
        };
        let resp = self
            .transport
            .send(req)
            .await
            .map_err(|e| CallError::Other(format!("transport error: {e}")))?;
        let value: Value = serde_json::from_slice(&resp.body).map_err(|e| {
            CallError::Other(format!(
                "the console answered HTTP {} with a body that is not JSON: {e}",
                resp.status
            ))
        })?;
        if (200..300).contains(&resp.status) {
            return Ok(value);
        }
        let field = |k: &str| value.get(k).and_then(Value::as_str).map(str::to_owned);
        match field("Code") {
            Some(code) => Err(CallError::Service {
                code,
                message: field("Message").unwrap_or_default(),
                status: resp.status,
                denied: value
                    .get("AccessDeniedDetail")
                    .filter(|d| !d.is_null())
                    .cloned(),
            }),
            None => Err(CallError::Other(format!(
                "the console answered HTTP {} without an error code",
                resp.status
            ))),
        }
    }
}

/// Credentials from a console answer (`AccessKeyId`, `AccessKeySecret`, `SecurityToken`).
pub fn console_credentials(answer: &Value) -> Option<Credentials> {
    let f = |k: &str| answer.get(k).and_then(Value::as_str);
    Some(
        Credentials::new(f("AccessKeyId")?, f("AccessKeySecret")?)
            .with_security_token(f("SecurityToken")?),
    )
}
