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

/// The text fields of an event, by their place in an [`Entry`].
const TIME: usize = 0;
const REQUEST_ID: usize = 1;
const CALLER_ACCOUNT: usize = 2;
const RESOURCE_ACCOUNT: usize = 3;
const IDENTITY: usize = 4;
const CALLER_ARN: usize = 5;
const ACTION: usize = 6;
const RESOURCE: usize = 7;
const ERROR_CODE: usize = 8;
const FIELDS: usize = 9;

/// An event as the ring keeps it: its text fields in one allocation (an event is recorded on
/// every call and read only when someone lists the trail), and which outcome it had.
#[derive(Debug)]
pub(crate) struct Entry {
    /// The fields from [`TIME`] to [`ERROR_CODE`], one after the other.
    text: Box<str>,
    /// Where each field ends in `text`.
    ends: [u32; FIELDS],
    /// `Allow`, `Deny` or `Error`; an event has an error code unless it is `Allow`.
    outcome: &'static str,
}

impl Entry {
    /// The event of `req` made by `caller`, refused with `err` if any.
    pub(crate) fn new(
        engine: &Engine,
        caller: &Caller,
        req: &ApiRequest,
        err: Option<&ApiError>,
    ) -> Self {
        let mut text = String::with_capacity(256);
        let mut ends = [0; FIELDS];
        // Fields are written in the order of their places; each `end` closes the next one.
        let mut field = TIME;
        let mut end = |text: &String| {
            if let Some(e) = ends.get_mut(field) {
                *e = u32::try_from(text.len()).unwrap_or(u32::MAX);
            }
            field += 1;
        };
        text.push_str(&engine.timestamp());
        end(&text);
        text.push_str(&req.context.request_id);
        end(&text);
        match caller {
            Caller::RoleSession(s) => {
                text.push_str(source_account(&s.source).unwrap_or(&s.account))
            }
            other => text.push_str(other.account()),
        }
        end(&text);
        let resource = resource_of(caller, req);
        text.push_str(resource.account);
        end(&text);
        write_identity_chain(engine, caller, &mut text);
        end(&text);
        caller.write_arn(&mut text);
        end(&text);
        text.push_str(req.product.code());
        text.push(':');
        text.push_str(&req.action);
        end(&text);
        if let Some(name) = resource.param {
            text.push_str(name);
            text.push('=');
        }
        text.push_str(resource.value);
        end(&text);
        if let Some(e) = err {
            text.push_str(e.code());
        }
        end(&text);
        Self {
            text: text.into_boxed_str(),
            ends,
            outcome: match err {
                None => "Allow",
                Some(e) if is_denial(e.code()) => "Deny",
                Some(_) => "Error",
            },
        }
    }

    /// The field at place `i` ([`TIME`] to [`ERROR_CODE`]).
    fn field(&self, i: usize) -> &str {
        let start = match i.checked_sub(1) {
            Some(prev) => self.ends.get(prev).copied().unwrap_or(0),
            None => 0,
        };
        let end = self.ends.get(i).copied().unwrap_or(0);
        usize::try_from(start)
            .ok()
            .zip(usize::try_from(end).ok())
            .and_then(|(s, e)| self.text.get(s..e))
            .unwrap_or_default()
    }

    fn visible_to(&self, account: &str) -> bool {
        self.field(CALLER_ACCOUNT) == account || self.field(RESOURCE_ACCOUNT) == account
    }

    /// The event as the trail lists it.
    pub(crate) fn event(&self) -> AuditEvent {
        AuditEvent {
            time: self.field(TIME).to_owned(),
            request_id: self.field(REQUEST_ID).to_owned(),
            caller_account: self.field(CALLER_ACCOUNT).to_owned(),
            resource_account: self.field(RESOURCE_ACCOUNT).to_owned(),
            identity: self.field(IDENTITY).to_owned(),
            caller_arn: self.field(CALLER_ARN).to_owned(),
            action: self.field(ACTION).to_owned(),
            resource: self.field(RESOURCE).to_owned(),
            outcome: self.outcome.to_owned(),
            error_code: (self.outcome != "Allow").then(|| self.field(ERROR_CODE).to_owned()),
        }
    }
}

fn is_denial(code: &str) -> bool {
    matches!(code, "NoPermission" | "Forbidden.RAM")
}

/// The account of a session source written as an ARN (`acs:ram::<uid>:...`).
fn source_account(source: &str) -> Option<&str> {
    let rest = source.strip_prefix("acs:ram::")?;
    rest.split(':').next()
}

/// The resource a call addresses: its account, and `Name=value` (or the role ARN of an
/// AssumeRole), borrowed from the request.
struct Resource<'a> {
    account: &'a str,
    param: Option<&'static str>,
    value: &'a str,
}

fn resource_of<'a>(caller: &'a Caller, req: &'a ApiRequest) -> Resource<'a> {
    if req.action == "AssumeRole"
        && let Some(arn) = req.params.get("RoleArn")
    {
        let account = arn
            .strip_prefix("acs:ram::")
            .and_then(|r| r.split(':').next())
            .unwrap_or_default();
        return Resource {
            account,
            param: None,
            value: arn,
        };
    }
    let account = caller.account();
    for name in [
        "RoleName",
        "UserName",
        "GroupName",
        "PolicyName",
        "InstanceId",
    ] {
        if let Some(value) = req.params.get(name) {
            return Resource {
                account,
                param: Some(name),
                value,
            };
        }
    }
    Resource {
        account,
        param: None,
        value: "",
    }
}

/// `alice@company-b.onaliyun.com`, or `alice@company-b.onaliyun.com as ecs-admin of company-a`.
pub(crate) fn identity_chain(engine: &Engine, caller: &Caller) -> String {
    let mut out = String::new();
    write_identity_chain(engine, caller, &mut out);
    out
}

/// Appends the [`identity_chain`] of `caller` to `out`.
fn write_identity_chain(engine: &Engine, caller: &Caller, out: &mut String) {
    let w = engine.world.read();
    // The account's alias (or its id), borrowed from the world.
    fn alias<'a>(w: &'a World, account: &'a str) -> &'a str {
        w.account(account)
            .map_or(account, |a| a.record.alias_or_id())
    }
    let parts: [&str; 5] = match caller {
        Caller::Root { account } => ["root@", alias(&w, account), ".onaliyun.com", "", ""],
        Caller::User {
            account, user_name, ..
        } => [user_name, "@", alias(&w, account), ".onaliyun.com", ""],
        Caller::RoleSession(s) => [
            &s.source,
            " as ",
            &s.role_name,
            " of ",
            alias(&w, &s.account),
        ],
    };
    out.reserve(parts.iter().map(|p| p.len()).sum());
    for part in parts {
        out.push_str(part);
    }
}

/// The most events whose room is reserved when the log is made (about 7 MB of address space:
/// an [`Entry`] is 72 bytes, its text kept apart);
/// a larger ring grows as it fills.
const PREALLOCATED_MAX: usize = 100_000;

/// A bounded ring of events.
#[derive(Debug)]
pub(crate) struct AuditLog {
    capacity: usize,
    ring: Mutex<Ring>,
}

/// The events held, oldest first, and the sequence number of the oldest (every event ever
/// pushed has one, counting from 0): what a page's marker names survives the ring turning.
#[derive(Debug)]
struct Ring {
    events: VecDeque<Entry>,
    first: u64,
}

/// One page of the events visible to an account, oldest first, each with its sequence number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditPage {
    /// The events, each with its sequence number (a page's `Marker` is the last one's).
    pub events: Vec<(u64, AuditEvent)>,
    /// Whether visible events follow this page.
    pub truncated: bool,
}

impl AuditLog {
    pub(crate) fn new(capacity: usize) -> Self {
        // Reserved up front (address space only: pages become resident as events fill them),
        // so that filling the ring never copies it to a larger one on the request path.
        Self {
            capacity,
            ring: Mutex::new(Ring {
                events: VecDeque::with_capacity(capacity.min(PREALLOCATED_MAX)),
                first: 0,
            }),
        }
    }

    pub(crate) fn push(&self, event: Entry) {
        if self.capacity == 0 {
            return;
        }
        let mut ring = self.ring.lock();
        if ring.events.len() >= self.capacity {
            ring.events.pop_front();
            ring.first += 1;
        }
        ring.events.push_back(event);
    }

    pub(crate) fn visible_to(&self, account: &str) -> Vec<AuditEvent> {
        self.ring
            .lock()
            .events
            .iter()
            .filter(|e| e.visible_to(account))
            .map(Entry::event)
            .collect()
    }

    /// Up to `max` events visible to `account` that come after the one numbered `after` (from
    /// the oldest held when `None`, or when that one has left the ring already).
    pub(crate) fn page(&self, account: &str, after: Option<u64>, max: usize) -> AuditPage {
        let ring = self.ring.lock();
        let skip = after.map_or(0, |seq| seq.saturating_add(1).saturating_sub(ring.first));
        let mut page = AuditPage {
            events: Vec::new(),
            truncated: false,
        };
        let held = (ring.first..).zip(ring.events.iter());
        for (seq, entry) in held.skip(usize::try_from(skip).unwrap_or(usize::MAX)) {
            if !entry.visible_to(account) {
                continue;
            }
            if page.events.len() == max {
                page.truncated = true;
                break;
            }
            page.events.push((seq, entry.event()));
        }
        page
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_entry_stays_small() {
        // The ring reserves room for PREALLOCATED_MAX of them up front.
        assert!(std::mem::size_of::<Entry>() <= 72);
    }
}
