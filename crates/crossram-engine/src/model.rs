//! The world's records: what the engine keeps, in memory and, through the `Store`, on disk.
//!
//! Each record is stored under one key (see [`Record::key`]); a mutation writes whole records.
//! Policy documents are kept as the text the caller sent (RAM returns it as sent) next to their
//! parsed form, which is rebuilt on load and never serialised.

use std::collections::BTreeMap;
use std::sync::Arc;

use crossram_core::policy::{PolicyDocument, PolicyKind};
use serde::{Deserialize, Serialize};

use crate::secret::Secret;

/// A policy document: the text as sent, and its parsed form.
#[derive(Debug, Clone)]
pub struct Doc {
    /// The text, as the caller sent it.
    pub text: String,
    /// The parsed document.
    pub parsed: Arc<PolicyDocument>,
}

impl Doc {
    /// Parses `text` as a policy of `kind`.
    pub fn parse(text: &str, kind: PolicyKind) -> Result<Self, crossram_core::policy::PolicyError> {
        Ok(Self {
            text: text.to_owned(),
            parsed: Arc::new(PolicyDocument::parse(text, kind)?),
        })
    }
}

/// Serialises a [`Doc`] as its text; for trust policies.
pub mod trust_doc {
    use super::*;

    /// Writes the text.
    pub fn serialize<S: serde::Serializer>(doc: &Doc, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&doc.text)
    }

    /// Reads and parses the text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Doc, D::Error> {
        let text = String::deserialize(d)?;
        Doc::parse(&text, PolicyKind::Trust).map_err(serde::de::Error::custom)
    }
}

/// Serialises a [`Doc`] as its text; for identity policies.
pub mod identity_doc {
    use super::*;

    /// Writes the text.
    pub fn serialize<S: serde::Serializer>(doc: &Doc, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&doc.text)
    }

    /// Reads and parses the text.
    pub fn deserialize<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Doc, D::Error> {
        let text = String::deserialize(d)?;
        Doc::parse(&text, PolicyKind::Identity).map_err(serde::de::Error::custom)
    }
}

/// `System` or `Custom`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum PolicyType {
    /// Alibaba-managed, read-only, addressed by name.
    System,
    /// Owned by the account.
    Custom,
}

impl PolicyType {
    /// Parses the `PolicyType` parameter.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "System" => Some(Self::System),
            "Custom" => Some(Self::Custom),
            _ => None,
        }
    }

    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::System => "System",
            Self::Custom => "Custom",
        }
    }
}

/// A policy attached to a user, group or role.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    /// System or Custom.
    pub policy_type: PolicyType,
    /// The policy's name.
    pub policy_name: String,
    /// When it was attached.
    pub attach_date: String,
}

/// An AccessKey pair.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccessKey {
    /// The key id.
    pub id: String,
    /// The secret, kept only to verify signatures.
    pub secret: Secret,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Creation time.
    pub create_date: String,
}

/// An account: its root identity and settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct AccountRecord {
    /// The account UID.
    pub id: String,
    /// The enterprise alias, if set.
    pub alias: Option<String>,
    /// Root AccessKeys.
    pub root_keys: Vec<AccessKey>,
    /// Creation time.
    pub create_date: String,
}

impl AccountRecord {
    /// The alias, or the UID when none is set (as the real service does).
    pub fn alias_or_id(&self) -> &str {
        self.alias.as_deref().unwrap_or(&self.id)
    }

    /// The default domain, `<alias>.onaliyun.com`.
    pub fn default_domain(&self) -> String {
        [self.alias_or_id(), ".onaliyun.com"].concat()
    }
}

/// A console password and its settings.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct LoginProfile {
    /// An argon2id PHC string; never the password.
    pub password_hash: Secret,
    /// Whether the user must change the password at next logon.
    pub password_reset_required: bool,
    /// Whether the user must bind an MFA device.
    pub mfa_bind_required: bool,
    /// Creation time.
    pub create_date: String,
}

/// A RAM user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UserRecord {
    /// The owning account.
    pub account: String,
    /// The user id.
    pub id: String,
    /// The user name.
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Mobile phone.
    pub mobile_phone: String,
    /// Email.
    pub email: String,
    /// Comments.
    pub comments: String,
    /// Creation time.
    pub create_date: String,
    /// Last change.
    pub update_date: String,
    /// Last console logon.
    pub last_login_date: Option<String>,
    /// Console password, if any.
    pub login_profile: Option<LoginProfile>,
    /// AccessKeys.
    pub access_keys: Vec<AccessKey>,
    /// Attached policies.
    pub policies: Vec<Attachment>,
    /// Groups joined, with the join date.
    pub groups: BTreeMap<String, String>,
}

/// A RAM group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct GroupRecord {
    /// The owning account.
    pub account: String,
    /// The group name.
    pub name: String,
    /// Comments.
    pub comments: String,
    /// Creation time.
    pub create_date: String,
    /// Last change.
    pub update_date: String,
    /// Attached policies.
    pub policies: Vec<Attachment>,
}

/// A RAM role.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RoleRecord {
    /// The owning account.
    pub account: String,
    /// The role id.
    pub id: String,
    /// The role name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The trust policy.
    #[serde(with = "trust_doc")]
    pub trust: Doc,
    /// Longest session, seconds.
    pub max_session_duration: i64,
    /// Creation time.
    pub create_date: String,
    /// Last change.
    pub update_date: String,
    /// Attached policies.
    pub policies: Vec<Attachment>,
    /// Sessions issued at or before this instant (unix ms) are revoked (crossram extension).
    pub sessions_revoked_at_ms: Option<i64>,
}

/// One version of a custom policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyVersion {
    /// `v1`, `v2`, ...
    pub id: String,
    /// The document.
    #[serde(with = "identity_doc")]
    pub doc: Doc,
    /// Creation time.
    pub create_date: String,
}

/// A custom policy.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct PolicyRecord {
    /// The owning account.
    pub account: String,
    /// The name.
    pub name: String,
    /// Description.
    pub description: String,
    /// The default version's id.
    pub default_version: String,
    /// Every version, oldest first.
    pub versions: Vec<PolicyVersion>,
    /// The number the next version gets.
    pub next_version: u32,
    /// Creation time.
    pub create_date: String,
    /// Last change.
    pub update_date: String,
}

impl PolicyRecord {
    /// The default version.
    pub fn default(&self) -> Option<&PolicyVersion> {
        self.versions.iter().find(|v| v.id == self.default_version)
    }
}

/// An ECS instance's lifecycle state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum InstanceStatus {
    /// Being created.
    Pending,
    /// Starting.
    Starting,
    /// Running.
    Running,
    /// Stopping.
    Stopping,
    /// Stopped.
    Stopped,
}

impl InstanceStatus {
    /// The wire spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "Pending",
            Self::Starting => "Starting",
            Self::Running => "Running",
            Self::Stopping => "Stopping",
            Self::Stopped => "Stopped",
        }
    }

    /// Parses a `Status` filter.
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "Pending" => Some(Self::Pending),
            "Starting" => Some(Self::Starting),
            "Running" => Some(Self::Running),
            "Stopping" => Some(Self::Stopping),
            "Stopped" => Some(Self::Stopped),
            _ => None,
        }
    }
}

/// An ECS instance.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InstanceRecord {
    /// The owning account.
    pub account: String,
    /// `i-...`.
    pub id: String,
    /// Region.
    pub region: String,
    /// Zone.
    pub zone: String,
    /// Name.
    pub name: String,
    /// Description.
    pub description: String,
    /// Instance type, e.g. `ecs.g6.large`.
    pub instance_type: String,
    /// Image.
    pub image_id: String,
    /// Host name.
    pub host_name: String,
    /// The state the instance settles in.
    pub status: InstanceStatus,
    /// A transitional state shown until `settles_at_ms` (unix ms), if any.
    pub transition: Option<(InstanceStatus, i64)>,
    /// Creation time (minute precision).
    pub creation_time: String,
    /// Last start (minute precision).
    pub start_time: String,
    /// Tags.
    pub tags: Vec<(String, String)>,
    /// Private IP.
    pub private_ip: String,
    /// Release protection.
    pub deletion_protection: bool,
}

impl InstanceRecord {
    /// The status a caller sees at `now_ms`.
    pub fn status_at(&self, now_ms: i64) -> InstanceStatus {
        match self.transition {
            Some((shown, until)) if now_ms < until => shown,
            _ => self.status,
        }
    }
}

/// Engine metadata: the key that makes STS tokens unforgeable.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MetaRecord {
    /// HMAC key for tokens and STS secrets, base64.
    pub token_key: Secret,
}

/// Any record, with the key it is stored under. Serializes as the inner record (what is
/// stored; [`Record::from_stored`] reads it back by the shape of the key).
#[derive(Debug, Clone, serde::Serialize)]
#[serde(untagged)]
pub enum Record {
    /// Engine metadata.
    Meta(MetaRecord),
    /// An account.
    Account(AccountRecord),
    /// A user.
    User(UserRecord),
    /// A group.
    Group(GroupRecord),
    /// A role.
    Role(RoleRecord),
    /// A custom policy.
    Policy(PolicyRecord),
    /// An ECS instance.
    Instance(InstanceRecord),
}

/// Key of the metadata record.
pub const META_KEY: &str = "meta";

/// Key of an account's record.
pub fn account_key(account: &str) -> String {
    format!("acct/{account}")
}

/// Key of a record of `kind` named `name` in `account`.
pub fn entity_key(account: &str, kind: &str, name: &str) -> String {
    format!("acct/{account}/{kind}/{name}")
}

impl Record {
    /// The key the record is stored under.
    pub fn key(&self) -> String {
        match self {
            Self::Meta(_) => META_KEY.to_owned(),
            Self::Account(a) => account_key(&a.id),
            Self::User(u) => entity_key(&u.account, "user", &u.name),
            Self::Group(g) => entity_key(&g.account, "group", &g.name),
            Self::Role(r) => entity_key(&r.account, "role", &r.name),
            Self::Policy(p) => entity_key(&p.account, "policy", &p.name),
            Self::Instance(i) => entity_key(&i.account, "instance", &i.id),
        }
    }

    /// The record as stored, serialized straight to text.
    pub fn to_json(&self) -> Result<crossram_store::Json, serde_json::Error> {
        crossram_store::Json::to_json(self)
    }

    /// Reads a stored record back, by the shape of its key.
    pub fn from_stored(key: &str, value: serde_json::Value) -> Result<Self, String> {
        let parts: Vec<&str> = key.split('/').collect();
        let res = match parts.as_slice() {
            ["meta"] => serde_json::from_value(value).map(Self::Meta),
            ["acct", _] => serde_json::from_value(value).map(Self::Account),
            ["acct", _, "user", _] => serde_json::from_value(value).map(Self::User),
            ["acct", _, "group", _] => serde_json::from_value(value).map(Self::Group),
            ["acct", _, "role", _] => serde_json::from_value(value).map(Self::Role),
            ["acct", _, "policy", _] => serde_json::from_value(value).map(Self::Policy),
            ["acct", _, "instance", _] => serde_json::from_value(value).map(Self::Instance),
            _ => return Err(format!("unknown record key `{key}`")),
        };
        res.map_err(|e| format!("record `{key}`: {e}"))
    }
}
