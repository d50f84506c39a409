//! The audit trail: one event per call, allowed or refused, kept in a bounded ring.
//!
//! An event is visible to the caller's account and to the account whose resource was touched,
//! so account A (the resource owner) sees what B's people did with A's role.

use std::collections::VecDeque;

use crossram_core::ApiError;
use parking_lot::Mutex;
use serde::Serialize;

use crate::api::{ApiRequest, Caller};
use crate::engine::Engine;
use crate::world::World;

/// One call, as the audit trail records it. Never holds a secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AuditEvent {
    /// When, `YYYY-MM-DDThh:mm:ssZ`.
    pub time: String,
    /// The request id.
    pub request_id: String,
    /// The caller's account.
    pub caller_account: String,
    /// The account whose resources the call addressed.
    pub resource_account: String,
    /// The identity chain, e.g. `alice@company-b.onaliyun.com as ecs-admin of company-a`.
    pub identity: String,
    /// The caller's ARN.
    pub caller_arn: String,
    /// `<product>:<Action>`.
    pub action: String,
    /// The main resource named by the call, when there is one.
    pub resource: String,
    /// `Allow` or `Deny` (refused by authorization) or `Error` (refused for another reason).
    pub outcome: String,
    /// The error code, when refused.
    pub error_code: Option<String>,
}

impl AuditEvent {
    pub(crate) fn new(
        engine: &Engine,
        caller: &Caller,
        req: &ApiRequest,
        err: Option<&ApiError>,
    ) -> Self {
        let (resource_account, resource) = resource_of(caller, req);
        let outcome = match err {
            None => "Allow",
            Some(e) if is_denial(e.code()) => "Deny",
            Some(_) => "Error",
        };
        Self {
            time: engine.timestamp(),
            request_id: req.context.request_id.clone(),
            caller_account: caller_account(caller),
            resource_account,
            identity: identity_chain(engine, caller),
            caller_arn: caller.arn(),
            action: [req.product.code(), ":", &req.action].concat(),
            resource,
            outcome: outcome.to_owned(),
            error_code: err.map(|e| e.code().to_owned()),
        }
    }
}

fn is_denial(code: &str) -> bool {
    matches!(code, "NoPermission" | "Forbidden.RAM")
}

/// The account the caller's identity belongs to (for a role session: where its source came from
/// is in the identity chain; the session itself acts inside the role's account).
fn caller_account(caller: &Caller) -> String {
    match caller {
        Caller::RoleSession(s) => source_account(&s.source).unwrap_or_else(|| s.account.clone()),
        other => other.account().to_owned(),
    }
}

/// The account of a session source written as an ARN (`acs:ram::<uid>:...`).
fn source_account(source: &str) -> Option<String> {
    let rest = source.strip_prefix("acs:ram::")?;
    rest.split(':').next().map(str::to_owned)
}

fn resource_of(caller: &Caller, req: &ApiRequest) -> (String, String) {
    if req.action == "AssumeRole"
        && let Some(arn) = req.params.get("RoleArn")
    {
        let account = arn
            .strip_prefix("acs:ram::")
            .and_then(|r| r.split(':').next())
            .unwrap_or_default()
            .to_owned();
        return (account, arn.to_owned());
    }
    let account = caller.account().to_owned();
    for name in [
        "RoleName",
        "UserName",
        "GroupName",
        "PolicyName",
        "InstanceId",
    ] {
        if let Some(v) = req.params.get(name) {
            return (account, format!("{name}={v}"));
        }
    }
    (account, String::new())
}

/// `alice@company-b.onaliyun.com`, or `alice@company-b.onaliyun.com as ecs-admin of company-a`.
pub(crate) fn identity_chain(engine: &Engine, caller: &Caller) -> String {
    let w = engine.world.read();
    // The account's alias (or its id), borrowed from the world: one allocation per chain.
    fn alias<'a>(w: &'a World, account: &'a str) -> &'a str {
        w.account(account)
            .map_or(account, |a| a.record.alias_or_id())
    }
    // `concat` rather than `format!`: this runs on every call.
    match caller {
        Caller::Root { account } => ["root@", alias(&w, account), ".onaliyun.com"].concat(),
        Caller::User {
            account, user_name, ..
        } => [user_name, "@", alias(&w, account), ".onaliyun.com"].concat(),
        Caller::RoleSession(s) => [
            &s.source,
            " as ",
            &s.role_name,
            " of ",
            alias(&w, &s.account),
        ]
        .concat(),
    }
}

/// The most events whose room is reserved when the log is made (about 26 MB of address space);
/// a larger ring grows as it fills.
const PREALLOCATED_MAX: usize = 100_000;

/// A bounded ring of events.
#[derive(Debug)]
pub(crate) struct AuditLog {
    capacity: usize,
    events: Mutex<VecDeque<AuditEvent>>,
}

impl AuditLog {
    pub(crate) fn new(capacity: usize) -> Self {
        // Reserved up front (address space only: pages become resident as events fill them),
        // so that filling the ring never copies it to a larger one on the request path.
        Self {
            capacity,
            events: Mutex::new(VecDeque::with_capacity(capacity.min(PREALLOCATED_MAX))),
        }
    }

    pub(crate) fn push(&self, event: AuditEvent) {
        if self.capacity == 0 {
            return;
        }
        let mut events = self.events.lock();
        if events.len() >= self.capacity {
            events.pop_front();
        }
        events.push_back(event);
    }

    pub(crate) fn visible_to(&self, account: &str) -> Vec<AuditEvent> {
        self.events
            .lock()
            .iter()
            .filter(|e| e.caller_account == account || e.resource_account == account)
            .cloned()
            .collect()
    }
}
