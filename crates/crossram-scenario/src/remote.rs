//! The URL target: any endpoint, including the real cloud.
//!
//! The root keys of the two accounts come from the environment (`CROSSRAM_A_ACCESS_KEY_ID`,
//! `CROSSRAM_A_ACCESS_KEY_SECRET`, `CROSSRAM_B_ACCESS_KEY_ID`, `CROSSRAM_B_ACCESS_KEY_SECRET`);
//! the account ids and aliases are asked of the service (`GetCallerIdentity`,
//! `GetAccountAlias`). `live` (or `aliyun`) means the public Alibaba Cloud endpoints; a URL on
//! `aliyuncs.com` is live too. A live run prints its plan first, prefixes every name it creates
//! with a run id, and its playbook's cleanup always runs. The real cloud has no console
//! endpoints and no movable clock, so playbooks that need them are refused there.

use std::collections::BTreeSet;
use std::sync::Arc;

use crossram_client::{Clock as _, Credentials, Endpoint, Product, ReqwestTransport, SystemClock};
use serde_json::Value;

use crate::playbook::Capability;
use crate::target::{HttpEndpoint, Target, TargetAccount, TargetError};

/// Where the credentials of accounts `a`, `b` (both required) and `c` (optional: a third party,
/// for the playbooks that name it) are read from.
pub const ENV_KEYS: [(&str, &str, &str); 3] = [
    (
        "a",
        "CROSSRAM_A_ACCESS_KEY_ID",
        "CROSSRAM_A_ACCESS_KEY_SECRET",
    ),
    (
        "b",
        "CROSSRAM_B_ACCESS_KEY_ID",
        "CROSSRAM_B_ACCESS_KEY_SECRET",
    ),
    (
        "c",
        "CROSSRAM_C_ACCESS_KEY_ID",
        "CROSSRAM_C_ACCESS_KEY_SECRET",
    ),
];

/// Any endpoint.
#[derive(Debug)]
pub struct Remote {
    name: String,
    live: bool,
    run_id: String,
    http: HttpEndpoint,
    accounts: Vec<(String, TargetAccount)>,
}

impl Remote {
    /// Connects to `target` (`live`, `aliyun` or a URL) with keys from the process
    /// environment.
    pub async fn connect(target: &str) -> Result<Self, TargetError> {
        Self::connect_with(target, |k| std::env::var(k).ok()).await
    }

    /// Connects with keys from `env` (a lookup of variable names).
    pub async fn connect_with(
        target: &str,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, TargetError> {
        let start = |m: String| TargetError::Start(m);
        let (endpoint, console_url, live) = match target {
            "live" | "aliyun" => (Endpoint::public(), None, true),
            url => {
                let endpoint = Endpoint::url(url).map_err(|e| start(e.to_string()))?;
                let host = endpoint.resolve(Product::Ram).host;
                let live = host
                    .split(':')
                    .next()
                    .unwrap_or("")
                    .ends_with("aliyuncs.com");
                let console = (!live).then(|| url.trim_end_matches('/').to_owned());
                (endpoint, console, live)
            }
        };
        let transport = ReqwestTransport::new().map_err(|e| start(e.to_string()))?;
        let http = HttpEndpoint {
            endpoint,
            console_url,
            transport: Arc::new(transport),
            clock: Arc::new(SystemClock),
        };
        let mut accounts = Vec::new();
        for (key, id_var, secret_var) in ENV_KEYS {
            let (Some(id), Some(secret)) = (env(id_var), env(secret_var)) else {
                if !crate::playbook::REQUIRED_ACCOUNTS.contains(&key)
                    && env(id_var).is_none()
                    && env(secret_var).is_none()
                {
                    continue;
                }
                return Err(start(format!(
                    "set {id_var} and {secret_var} to the root AccessKey of account {}",
                    key.to_uppercase()
                )));
            };
            let root = Credentials::new(id, secret);
            let client = http.client(root.clone())?;
            let me = client
                .call::<&str, &str>(Product::Sts, "GetCallerIdentity", &[])
                .await
                .map_err(|e| {
                    start(format!(
                        "account {}: GetCallerIdentity: {e}",
                        key.to_uppercase()
                    ))
                })?;
            let account_id = me
                .get("AccountId")
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned();
            let alias = client
                .call::<&str, &str>(Product::Ram, "GetAccountAlias", &[])
                .await
                .ok()
                .and_then(|v| {
                    v.get("AccountAlias")
                        .and_then(Value::as_str)
                        .map(str::to_owned)
                })
                .filter(|a| !a.is_empty())
                .unwrap_or_else(|| account_id.clone());
            accounts.push((
                key.to_owned(),
                TargetAccount {
                    id: account_id,
                    alias,
                    root,
                },
            ));
        }
        let nanos = SystemClock.now().unix_timestamp_nanos();
        let run_id = format!("cr{:08x}-", (nanos / 1000) as u32 ^ std::process::id());
        Ok(Self {
            name: target.to_owned(),
            live,
            run_id,
            http,
            accounts,
        })
    }
}

#[async_trait::async_trait]
impl Target for Remote {
    fn describe(&self) -> String {
        if self.live {
            format!(
                "{} (live, run {})",
                self.name,
                self.run_id.trim_end_matches('-')
            )
        } else {
            self.name.clone()
        }
    }

    fn capabilities(&self) -> BTreeSet<Capability> {
        if self.http.console_url.is_some() {
            [Capability::Console].into_iter().collect()
        } else {
            BTreeSet::new()
        }
    }

    fn is_live(&self) -> bool {
        self.live
    }

    /// A run id on every endpoint, not only the real cloud: an emulator someone else started may
    /// hold entities of the playbook's names, and a run must neither trip over them nor delete
    /// them in its clean-up.
    fn run_prefix(&self) -> String {
        self.run_id.clone()
    }

    fn http(&self) -> &HttpEndpoint {
        &self.http
    }

    fn accounts(&self) -> &[(String, TargetAccount)] {
        &self.accounts
    }
}
