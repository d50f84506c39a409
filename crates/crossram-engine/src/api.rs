//! The engine's request and response types: what the HTTP front hands in and gets back.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;

use crossram_core::ApiError;
use crossram_core::policy::PolicyDocument;

use crate::secret::Secret;

/// An emulated product, with the API version it is called with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Product {
    /// RAM, version 2015-05-01.
    Ram,
    /// STS, version 2015-04-01.
    Sts,
    /// ECS, version 2014-05-26.
    Ecs,
}

impl Product {
    /// Every product the engine serves.
    pub const ALL: [Product; 3] = [Product::Ram, Product::Sts, Product::Ecs];

    /// The product an API version belongs to.
    pub fn from_version(version: &str) -> Option<Self> {
        match version {
            "2015-05-01" => Some(Self::Ram),
            "2015-04-01" => Some(Self::Sts),
            "2014-05-26" => Some(Self::Ecs),
            _ => None,
        }
    }

    /// The product a host name designates (`ram.aliyuncs.com`, `sts.cn-hangzhou.aliyuncs.com`).
    pub fn from_host(host: &str) -> Option<Self> {
        let first = host.split('.').next()?;
        match first {
            "ram" => Some(Self::Ram),
            "sts" | "sts-vpc" => Some(Self::Sts),
            "ecs" | "ecs-vpc" => Some(Self::Ecs),
            _ => None,
        }
    }

    /// The API version string.
    pub fn version(self) -> &'static str {
        match self {
            Self::Ram => "2015-05-01",
            Self::Sts => "2015-04-01",
            Self::Ecs => "2014-05-26",
        }
    }

    /// The RAM service code used in action names (`ram`, `sts`, `ecs`).
    pub fn code(self) -> &'static str {
        match self {
            Self::Ram => "ram",
            Self::Sts => "sts",
            Self::Ecs => "ecs",
        }
    }

    /// The public endpoint host, as `HostId` in error bodies.
    pub fn host(self) -> &'static str {
        match self {
            Self::Ram => "ram.aliyuncs.com",
            Self::Sts => "sts.aliyuncs.com",
            Self::Ecs => "ecs.aliyuncs.com",
        }
    }

    /// The product name used in `Recommend` URLs.
    pub fn display_name(self) -> &'static str {
        match self {
            Self::Ram => "Ram",
            Self::Sts => "Sts",
            Self::Ecs => "Ecs",
        }
    }
}

/// Request parameters, decoded, in wire order. Lookups take the first occurrence.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct Params(Vec<(String, String)>);

impl Params {
    /// Parameters from decoded pairs.
    pub fn new(pairs: Vec<(String, String)>) -> Self {
        Self(pairs)
    }

    /// The value of `name`, if sent.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Every pair.
    pub fn pairs(&self) -> &[(String, String)] {
        &self.0
    }

    /// Adds a pair.
    pub fn push(&mut self, name: impl Into<String>, value: impl Into<String>) {
        self.0.push((name.into(), value.into()));
    }
}

impl fmt::Debug for Params {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Passwords and tokens travel as parameters: never print their values.
        let mut m = f.debug_map();
        for (k, v) in &self.0 {
            if is_sensitive(k) {
                m.entry(k, &"***");
            } else {
                m.entry(k, v);
            }
        }
        m.finish()
    }
}

/// Parameter names whose values are secrets.
pub fn is_sensitive(name: &str) -> bool {
    matches!(
        name,
        "Password"
            | "SecurityToken"
            | "Signature"
            | "AccessKeySecret"
            | "NewPassword"
            | "OldPassword"
    )
}

impl<K: Into<String>, V: Into<String>> FromIterator<(K, V)> for Params {
    fn from_iter<T: IntoIterator<Item = (K, V)>>(iter: T) -> Self {
        Self(
            iter.into_iter()
                .map(|(k, v)| (k.into(), v.into()))
                .collect(),
        )
    }
}

/// Facts about the request that policies may test (condition keys) and audit records.
#[derive(Debug, Clone, Default)]
pub struct RequestContext {
    /// The client's address (`acs:SourceIp`).
    pub source_ip: Option<IpAddr>,
    /// Whether the request came over TLS (`acs:SecureTransport`).
    pub secure_transport: bool,
    /// The request id the answer will carry.
    pub request_id: String,
}

/// One API call, authenticated.
#[derive(Debug, Clone)]
pub struct ApiRequest {
    /// The product addressed.
    pub product: Product,
    /// The action name, e.g. `AssumeRole`.
    pub action: String,
    /// Action parameters (common parameters may be present too; they are ignored).
    pub params: Params,
    /// Condition-key facts.
    pub context: RequestContext,
}

/// A successful answer: the action's fields, without `RequestId` (the front adds it).
pub type Response = serde_json::Map<String, serde_json::Value>;

/// Who is calling, as established from the AccessKey (and security token).
#[derive(Debug, Clone)]
pub enum Caller {
    /// An account's root identity (its own AccessKey).
    Root {
        /// The account.
        account: String,
    },
    /// A RAM user, with a long-term AccessKey or a console session.
    User {
        /// The owning account.
        account: String,
        /// The user's id.
        user_id: String,
        /// The user's name.
        user_name: String,
        /// Whether the user signed in with a password (console session) rather than an AccessKey.
        console: bool,
    },
    /// A session of a role, from STS credentials.
    RoleSession(Arc<RoleSession>),
}

/// A live role session (what an STS token stands for).
#[derive(Debug, Clone)]
pub struct RoleSession {
    /// The account that owns the role.
    pub account: String,
    /// The role's id at issue time (a deleted and re-created role has another id).
    pub role_id: String,
    /// The role's name.
    pub role_name: String,
    /// The session name.
    pub session_name: String,
    /// The session policy given to AssumeRole, if any.
    pub session_policy: Option<Arc<PolicyDocument>>,
    /// Who assumed the role, e.g. `alice@company-b.onaliyun.com` or `acs:ram::12345678:user/alice`.
    pub source: String,
    /// Issue time, unix milliseconds.
    pub issued_at_ms: i64,
    /// Expiry, unix seconds.
    pub expires_at: i64,
}

impl Caller {
    /// The account the caller belongs to (for a role session, the role's account).
    pub fn account(&self) -> &str {
        match self {
            Self::Root { account } | Self::User { account, .. } => account,
            Self::RoleSession(s) => &s.account,
        }
    }

    /// The caller's ARN, as GetCallerIdentity answers it.
    pub fn arn(&self) -> String {
        let mut out = String::new();
        self.write_arn(&mut out);
        out
    }

    /// Appends the caller's [`arn`](Self::arn) to `out`.
    pub fn write_arn(&self, out: &mut String) {
        let parts: [&str; 6] = match self {
            Self::Root { account } => ["acs:ram::", account, ":root", "", "", ""],
            Self::User {
                account, user_name, ..
            } => ["acs:ram::", account, ":user/", user_name, "", ""],
            Self::RoleSession(s) => [
                "acs:ram::",
                &s.account,
                ":assumed-role/",
                &s.role_name,
                "/",
                &s.session_name,
            ],
        };
        out.reserve(parts.iter().map(|p| p.len()).sum());
        for part in parts {
            out.push_str(part);
        }
    }
}

/// What an AccessKeyId (with its token) resolves to: the secret to verify the signature with,
/// and the identity it stands for.
#[derive(Debug, Clone)]
pub struct ResolvedKey {
    /// The secret the request must be signed with.
    pub secret: Secret,
    /// The identity.
    pub caller: Caller,
}

/// An account to create at start-up (from a world file, or the seed's two accounts).
#[derive(Debug, Clone)]
pub struct AccountSeed {
    /// The account UID (digits).
    pub id: String,
    /// The enterprise alias.
    pub alias: Option<String>,
    /// The root AccessKey id.
    pub access_key_id: String,
    /// The root AccessKey secret.
    pub access_key_secret: Secret,
}

/// The result of a console step: credentials the console session signs its calls with.
#[derive(Debug, Clone, serde::Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ConsoleCredentials {
    /// Temporary AccessKeyId (`STS.` prefix).
    pub access_key_id: String,
    /// Temporary secret.
    pub access_key_secret: Secret,
    /// Security token.
    pub security_token: Secret,
    /// Expiry, `YYYY-MM-DDThh:mm:ssZ`.
    pub expiration: String,
    /// The identity the console shows, e.g. `Alice@company-b.onaliyun.com` or `ecs-admin/Alice`.
    pub display_name: String,
    /// The identity's ARN.
    pub arn: String,
}

/// A result of the engine: an answer or an API error.
pub type ApiResult<T = Response> = Result<T, ApiError>;
