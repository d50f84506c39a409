//! An emulator for Rust tests: started in two lines, in-process or on a loopback port, seeded
//! with the playbook's world, handing out [`crossram_client::Client`]s for A's root, B's users
//! and role sessions; stopped when dropped.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use crossram_scenario::Emulator;
//!
//! let emu = Emulator::start().await?;            // or Emulator::start_on_loopback()
//! let seed = emu.seed().await?;                  // ecs-admin, Alice, Bob, one instance
//! let session = emu.assume_role(&seed.alice, &seed.role_arn, "alice").await?;
//! session.call(crossram_client::Product::Ecs, "StopInstance", &[("InstanceId", &seed.instance_id)]).await?;
//! # Ok(()) }
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use crossram_client::api::sts::AssumeRoleRequest;
use crossram_client::{Client, Credentials, Endpoint, Product, ReqwestTransport};
use crossram_engine::Engine;
use serde_json::Value;
use tokio::sync::oneshot;

use crate::inprocess::{InProcess, OffsetClock};
use crate::target::{EngineClock, HttpEndpoint, Target, TargetError};

/// The console password the seed gives Alice (the default password policy wants at least 8
/// characters, so not the document's `123456`).
pub const ALICE_PASSWORD: &str = "Alice-passw0rd";

/// The seed's trust policy: account B may assume the role.
pub const TRUST_B: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::12345678:root"]}}],"Version":"1"}"#;

/// An emulator with the accounts a run has: `a` (A, 11223344, company-a), `b` (B, 12345678,
/// company-b) and `c` (C, 87654321, company-c, a third party). Dropping it stops its listener,
/// if any.
#[derive(Debug)]
pub struct Emulator {
    inner: InProcess,
    http: HttpEndpoint,
    addr: Option<SocketAddr>,
    stop: Option<oneshot::Sender<()>>,
}

/// What [`Emulator::seed`] created.
#[derive(Debug, Clone)]
pub struct Seed {
    /// `acs:ram::11223344:role/ecs-admin`, trusted by B, with AliyunECSFullAccess.
    pub role_arn: String,
    /// A's instance (running, cn-hangzhou).
    pub instance_id: String,
    /// Alice of B (console password, AliyunSTSAssumeRoleAccess), signing with an AccessKey.
    pub alice: Client,
    /// Bob of B, with an AccessKey and no permission.
    pub bob: Client,
}

fn failed(what: &str) -> impl Fn(crossram_client::Error) -> TargetError + '_ {
    move |source| TargetError::CallFailed {
        action: what.to_owned(),
        source,
    }
}

impl Emulator {
    /// The emulator in this process; clients reach it without sockets.
    pub async fn start() -> Result<Self, TargetError> {
        let inner = InProcess::start().await?;
        let http = inner.endpoint().clone();
        Ok(Self {
            inner,
            http,
            addr: None,
            stop: None,
        })
    }

    /// The emulator served on `127.0.0.1` on a free port; clients use real HTTP (hand
    /// [`Emulator::url`] to other programs, e.g. an official SDK).
    pub async fn start_on_loopback() -> Result<Self, TargetError> {
        let inner = InProcess::start().await?;
        let clock: Arc<OffsetClock> = inner.clock().clone();
        let state = crossram_server::AppState::new(inner.engine().clone(), clock.clone());
        let config = crossram_server::ServeConfig::http(SocketAddr::from(([127, 0, 0, 1], 0)));
        let server = crossram_server::Server::bind(&config, state)
            .await
            .map_err(|e| TargetError::Start(e.to_string()))?;
        let addr = server.http_addr();
        let (tx, rx) = oneshot::channel::<()>();
        tokio::spawn(async move {
            let _ = server
                .run(async move {
                    let _ = rx.await;
                })
                .await;
        });
        let url = format!("http://{addr}");
        let transport = ReqwestTransport::new().map_err(|e| TargetError::Start(e.to_string()))?;
        let http = HttpEndpoint {
            endpoint: Endpoint::url(&url).map_err(|e| TargetError::Start(e.to_string()))?,
            console_url: Some(url),
            transport: Arc::new(transport),
            clock: Arc::new(EngineClock(clock)),
        };
        Ok(Self {
            inner,
            http,
            addr: Some(addr),
            stop: Some(tx),
        })
    }

    /// `http://127.0.0.1:PORT` when served on loopback.
    pub fn url(&self) -> Option<String> {
        self.addr.map(|a| format!("http://{a}"))
    }

    /// The engine, for assertions beyond the API (audit events).
    pub fn engine(&self) -> &Arc<Engine> {
        self.inner.engine()
    }

    /// The clock of the emulator and of its clients: move it to expire sessions.
    pub fn clock(&self) -> &Arc<OffsetClock> {
        self.inner.clock()
    }

    /// The root credentials of account `a`, `b` or `c`.
    pub fn root_credentials(&self, account: &str) -> Option<Credentials> {
        self.inner.account(account).map(|a| a.root.clone())
    }

    /// The id of account `a`, `b` or `c` (`11223344`, `12345678`, `87654321`): what ARNs,
    /// trust policies and [`Engine::audit_events`] take.
    pub fn account_id(&self, account: &str) -> Option<&str> {
        self.inner.account(account).map(|a| a.id.as_str())
    }

    /// A client for any credentials.
    pub fn client(&self, credentials: Credentials) -> Result<Client, TargetError> {
        self.http.client(credentials)
    }

    /// A client for the root of account `a` (A, 11223344), `b` (B, 12345678) or `c` (C,
    /// 87654321).
    pub fn root(&self, account: &str) -> Result<Client, TargetError> {
        let creds = self
            .root_credentials(account)
            .ok_or_else(|| TargetError::NoAccount(account.to_owned()))?;
        self.client(creds)
    }

    /// Creates RAM user `name` in `account` (`a`, `b` or `c`) with an AccessKey, attaches the
    /// given system policies, and returns a client signing as the user. A refusal keeps the
    /// client's error ([`TargetError::call_error`]).
    pub async fn user(
        &self,
        account: &str,
        name: &str,
        system_policies: &[&str],
    ) -> Result<Client, TargetError> {
        let root = self.root(account)?;
        root.call(Product::Ram, "CreateUser", &[("UserName", name)])
            .await
            .map_err(failed("CreateUser"))?;
        for policy in system_policies {
            root.call(
                Product::Ram,
                "AttachPolicyToUser",
                &[
                    ("PolicyType", "System"),
                    ("PolicyName", policy),
                    ("UserName", name),
                ],
            )
            .await
            .map_err(failed("AttachPolicyToUser"))?;
        }
        let key = root
            .call(Product::Ram, "CreateAccessKey", &[("UserName", name)])
            .await
            .map_err(failed("CreateAccessKey"))?;
        let field = |k: &str| {
            key.get("AccessKey")
                .and_then(|a| a.get(k))
                .and_then(Value::as_str)
                .map(str::to_owned)
                .ok_or_else(|| TargetError::Start(format!("CreateAccessKey answered no {k}")))
        };
        self.client(Credentials::new(
            field("AccessKeyId")?,
            field("AccessKeySecret")?,
        ))
    }

    /// Assumes `role_arn` as `who` and returns a client signing with the session. A refusal
    /// keeps the client's error ([`TargetError::call_error`]: its code and
    /// `AccessDeniedDetail`).
    pub async fn assume_role(
        &self,
        who: &Client,
        role_arn: &str,
        session_name: &str,
    ) -> Result<Client, TargetError> {
        self.assume_role_with(
            who,
            AssumeRoleRequest {
                role_arn: role_arn.to_owned(),
                role_session_name: session_name.to_owned(),
                ..AssumeRoleRequest::default()
            },
        )
        .await
    }

    /// [`assume_role`](Self::assume_role) with every parameter of AssumeRole: an
    /// `external_id`, a `duration_seconds`, a session `policy`.
    pub async fn assume_role_with(
        &self,
        who: &Client,
        request: AssumeRoleRequest,
    ) -> Result<Client, TargetError> {
        let issued = who
            .sts()
            .assume_role(request)
            .await
            .map_err(failed("AssumeRole"))?;
        let creds = issued
            .credentials
            .to_credentials()
            .map_err(failed("AssumeRole"))?;
        self.client(creds)
    }

    /// Builds the seed's world: A's instance and the role `ecs-admin` trusted by B with
    /// AliyunECSFullAccess; B's Alice (console password, AliyunSTSAssumeRoleAccess, an
    /// AccessKey) and Bob (an AccessKey, no permission).
    pub async fn seed(&self) -> Result<Seed, TargetError> {
        let a = self.root("a")?;
        let b = self.root("b")?;
        a.call(
            Product::Ram,
            "CreateRole",
            &[
                ("RoleName", "ecs-admin"),
                ("AssumeRolePolicyDocument", TRUST_B),
            ],
        )
        .await
        .map_err(failed("CreateRole"))?;
        a.call(
            Product::Ram,
            "AttachPolicyToRole",
            &[
                ("PolicyType", "System"),
                ("PolicyName", "AliyunECSFullAccess"),
                ("RoleName", "ecs-admin"),
            ],
        )
        .await
        .map_err(failed("AttachPolicyToRole"))?;
        let run = a
            .call(
                Product::Ecs,
                "RunInstances",
                &[
                    ("RegionId", "cn-hangzhou"),
                    ("ImageId", "ubuntu_22_04_x64_20G_alibase_20230208.vhd"),
                    ("InstanceType", "ecs.t5-lc1m1.small"),
                ],
            )
            .await
            .map_err(failed("RunInstances"))?;
        let instance_id = crate::vars::lookup(&run, "InstanceIdSets.InstanceIdSet.0")
            .and_then(Value::as_str)
            .map(str::to_owned)
            .ok_or_else(|| TargetError::Start("RunInstances answered no instance id".into()))?;
        let alice = self
            .user("b", "Alice", &["AliyunSTSAssumeRoleAccess"])
            .await?;
        b.call(
            Product::Ram,
            "CreateLoginProfile",
            &[("UserName", "Alice"), ("Password", ALICE_PASSWORD)],
        )
        .await
        .map_err(failed("CreateLoginProfile"))?;
        let bob = self.user("b", "Bob", &[]).await?;
        let role_arn = format!(
            "acs:ram::{}:role/ecs-admin",
            self.inner
                .account("a")
                .map(|x| x.id.as_str())
                .unwrap_or_default()
        );
        Ok(Seed {
            role_arn,
            instance_id,
            alice,
            bob,
        })
    }

    /// The emulator as a playbook [`Target`] (in-process, whatever the emulator serves).
    pub fn target(&self) -> &InProcess {
        &self.inner
    }
}

impl Drop for Emulator {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
