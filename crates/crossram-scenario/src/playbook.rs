//! The playbook format: what a person writes to describe a delegation scenario, step by step,
//! with what each step must prove.
//!
//! Playbooks are TOML because they are written and reviewed by people, not generated: TOML
//! has comments (each step can say *why*), multi-line literal strings (policy documents are
//! pasted as they are, without escaping), no significant indentation, and a parser that reports
//! the line of every mistake. Every table is read with `deny_unknown_fields`, so a misspelt key
//! is an error with its line number instead of a silently ignored expectation.
//!
//! ```toml
//! name = "short"
//!
//! [actors]
//! a = { kind = "root", account = "a" }
//!
//! [[step]]
//! name = "A creates a role B may assume"
//! actor = "a"
//! call = "ram:CreateRole"
//! params = { RoleName = "${run}ecs-admin", AssumeRolePolicyDocument = "${trust_b}" }
//! capture = { role_arn = "Role.Arn" }
//!
//! [[step]]
//! name = "A cannot create it twice"
//! actor = "a"
//! call = "ram:CreateRole"
//! params = { RoleName = "${run}ecs-admin", AssumeRolePolicyDocument = "${trust_b}" }
//! expect = { error = "EntityAlreadyExists.Role" }
//! ```
//!
//! See [`Playbook`] for every key.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

use serde::Deserialize;
use toml::Spanned;

use crate::vars;

/// A playbook: actors, variables, and the steps of setup, the scenario and cleanup.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Playbook {
    /// A short name (report titles, JUnit suite name).
    pub name: String,
    /// What the playbook proves, for people.
    #[serde(default)]
    pub description: Option<String>,
    /// Capabilities the target must have for any step (steps add their own).
    #[serde(default)]
    pub requires: Vec<Capability>,
    /// Constants, referenced as `${name}` (policy documents, passwords of test users).
    #[serde(default)]
    pub vars: BTreeMap<String, String>,
    /// Who acts, by name.
    #[serde(default)]
    pub actors: BTreeMap<String, Spanned<Actor>>,
    /// Steps that build the world the scenario needs (`[[setup]]`). If one fails, the scenario
    /// steps are not run, but cleanup is.
    #[serde(default)]
    pub setup: Vec<Spanned<Step>>,
    /// The scenario (`[[step]]`).
    #[serde(default)]
    pub step: Vec<Spanned<Step>>,
    /// Steps that remove what the run created (`[[cleanup]]`); always run, even after failures.
    #[serde(default)]
    pub cleanup: Vec<Spanned<Step>>,
    /// Byte offsets of line starts in the source, to turn spans into line numbers.
    #[serde(skip)]
    line_starts: Vec<usize>,
    /// The account keys the playbook names (an actor's `account`, or `${c.id}` and the like).
    #[serde(skip)]
    accounts_used: BTreeSet<String>,
}

/// What a target may or may not be able to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Capability {
    /// Move the emulator's clock forward (expiry, lockout windows).
    Clock,
    /// Console logon and Switch Role (`/console/` endpoints of the emulator).
    Console,
}

impl fmt::Display for Capability {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Clock => "clock",
            Self::Console => "console",
        })
    }
}

/// The kinds of actor.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ActorKind {
    /// An account's root identity, with the root AccessKey the target knows.
    Root,
    /// A RAM user signing with an AccessKey (given by `access_key_id` / `access_key_secret`,
    /// usually captured from a `CreateAccessKey` step).
    User,
    /// A RAM user's console session, opened by a `console = "logon"` step.
    Console,
    /// A role session: opened by a `console = "switch-role"` step, or given by STS
    /// credentials (`access_key_id`, `access_key_secret`, `security_token`) captured from an
    /// `AssumeRole` step.
    RoleSession,
}

/// An actor (`[actors]`): one identity the steps act as.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Actor {
    /// What kind of identity this is.
    pub kind: ActorKind,
    /// The account it belongs to (`a` or `b`, the target's two accounts); for a role session,
    /// the account of the role.
    pub account: String,
    /// The RAM user's name (`user`, `console`).
    #[serde(default)]
    pub user: Option<String>,
    /// The role's name (`role-session`).
    #[serde(default)]
    pub role: Option<String>,
    /// AccessKeyId (`user`, or `role-session` from AssumeRole), usually `${captured}`.
    #[serde(default)]
    pub access_key_id: Option<String>,
    /// AccessKeySecret, usually `${captured}`.
    #[serde(default)]
    pub access_key_secret: Option<String>,
    /// Security token of STS credentials, usually `${captured}`.
    #[serde(default)]
    pub security_token: Option<String>,
}

/// The console steps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConsoleAction {
    /// The `actor` (a `console` actor) logs on as `user@alias` with `password`.
    Logon,
    /// The `actor` (a logged-on console session) switches to `role` of `account`; the new
    /// session becomes the actor named by `into`.
    SwitchRole,
}

/// A step (`[[setup]]`, `[[step]]`, `[[cleanup]]`): exactly one of `call`, `console` or
/// `advance_clock`, with what it must prove.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What the step does, for people and reports.
    pub name: String,
    /// Who acts (a key of `[actors]`); not needed for `advance_clock`.
    #[serde(default)]
    pub actor: Option<String>,
    /// An API call, `product:Action` (`ram:CreateRole`, `sts:AssumeRole`, `ecs:StopInstance`).
    #[serde(default)]
    pub call: Option<String>,
    /// The call's parameters; strings may hold `${var}` references; numbers and booleans are
    /// sent as text.
    #[serde(default)]
    pub params: BTreeMap<String, toml::Value>,
    /// A console step.
    #[serde(default)]
    pub console: Option<ConsoleAction>,
    /// The console password (`logon`).
    #[serde(default)]
    pub password: Option<String>,
    /// The account to switch into: alias, default domain or UID (`switch-role`).
    #[serde(default)]
    pub account: Option<String>,
    /// The role to switch to (`switch-role`).
    #[serde(default)]
    pub role: Option<String>,
    /// The actor the switched session becomes (`switch-role`).
    #[serde(default)]
    pub into: Option<String>,
    /// Moves the target's clock forward: `900s`, `15m`, `1h` (needs the `clock` capability).
    #[serde(default)]
    pub advance_clock: Option<String>,
    /// What must happen; by default, success.
    #[serde(default)]
    pub expect: Expect,
    /// Values to keep from the answer: variable name = dotted path (`Role.Arn`,
    /// `InstanceIdSets.InstanceIdSet.0`).
    #[serde(default)]
    pub capture: BTreeMap<String, String>,
    /// Capabilities this step needs besides those its kind implies.
    #[serde(default)]
    pub requires: Vec<Capability>,
}

/// The expected outcome of a step. With no key set, the step must succeed.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expect {
    /// The step must fail with exactly this error code.
    #[serde(default)]
    pub error: Option<String>,
    /// The authorization decision: `allow` (success), `deny` (refused by authorization, any
    /// kind), `explicit-deny` or `implicit-deny` (from the denial's detail).
    #[serde(default)]
    pub decision: Option<Decision>,
    /// The error message must contain this text.
    #[serde(default)]
    pub message_contains: Option<String>,
    /// On success, values the answer must hold: dotted path = expected value. A table stands
    /// for its entries under its path: TOML reads an unquoted `Role.RoleName = "r"` as a table
    /// `Role`, and it means the path `Role.RoleName`, as `"Role.RoleName" = "r"` does.
    #[serde(default, deserialize_with = "dotted_paths")]
    pub values: BTreeMap<String, toml::Value>,
    /// Any outcome is fine (cleanup steps that may find nothing to remove).
    #[serde(default)]
    pub any: bool,
}

/// `expect.values` with every table spread into the dotted paths of its entries.
fn dotted_paths<'de, D>(deserializer: D) -> Result<BTreeMap<String, toml::Value>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    fn spread(path: String, value: toml::Value, out: &mut BTreeMap<String, toml::Value>) {
        match value {
            toml::Value::Table(table) => {
                for (key, value) in table {
                    spread(format!("{path}.{key}"), value, out);
                }
            }
            other => {
                out.insert(path, other);
            }
        }
    }
    let mut out = BTreeMap::new();
    for (path, value) in BTreeMap::<String, toml::Value>::deserialize(deserializer)? {
        spread(path, value, &mut out);
    }
    Ok(out)
}

/// An authorization decision a step can expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Decision {
    /// The call is allowed (it succeeds).
    Allow,
    /// The call is refused by authorization (`NoPermission`, `Forbidden.RAM`, ...).
    Deny,
    /// Refused by an explicit Deny statement.
    ExplicitDeny,
    /// Refused because no policy allows it.
    ImplicitDeny,
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Allow => "allow",
            Self::Deny => "deny",
            Self::ExplicitDeny => "explicit-deny",
            Self::ImplicitDeny => "implicit-deny",
        })
    }
}

impl Expect {
    /// Whether the step must succeed.
    pub fn wants_success(&self) -> bool {
        !self.any
            && self.error.is_none()
            && self.message_contains.is_none()
            && matches!(self.decision, None | Some(Decision::Allow))
    }

    /// A short human description (`success`, `error NoPermission`, `deny`).
    pub fn describe(&self) -> String {
        if self.any {
            return "any".to_owned();
        }
        let mut parts = Vec::new();
        if let Some(d) = self.decision {
            parts.push(d.to_string());
        }
        if let Some(code) = &self.error {
            parts.push(code.clone());
        }
        if parts.is_empty() {
            if self.message_contains.is_some() {
                parts.push("error".to_owned());
            } else {
                parts.push("success".to_owned());
            }
        }
        parts.join(" ")
    }
}

/// The three phases of a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Phase {
    /// `[[setup]]`.
    Setup,
    /// `[[step]]`.
    Step,
    /// `[[cleanup]]`.
    Cleanup,
}

impl fmt::Display for Phase {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Setup => "setup",
            Self::Step => "step",
            Self::Cleanup => "cleanup",
        })
    }
}

/// A playbook that cannot be used: a TOML error, an unknown key, or a reference to something
/// that does not exist. The message names the source and the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{source_name}:{line}: {message}")]
pub struct PlaybookError {
    /// The file (or built-in name) the playbook came from.
    pub source_name: String,
    /// The 1-based line of the problem (1 when unknown).
    pub line: usize,
    /// What is wrong.
    pub message: String,
}

/// The 1-based line of a byte offset.
fn line_of(text: &str, offset: usize) -> usize {
    let end = offset.min(text.len());
    text.as_bytes()
        .get(..end)
        .map_or(0, |b| b.iter().filter(|c| **c == b'\n').count())
        + 1
}

/// The names a target provides: `a.id`, `a.alias`, `b.id`, `b.alias`, `c.id`, `c.alias` (when
/// it has account `c`), `run`.
pub const BUILTIN_VARS: [&str; 7] = [
    "a.id", "a.alias", "b.id", "b.alias", "c.id", "c.alias", "run",
];

/// The account keys a playbook may name: `a` and `b`, which every target provides, and `c`, a
/// third party, which the emulator targets provide and an endpoint target when given its keys.
pub const ACCOUNTS: [&str; 3] = ["a", "b", "c"];

/// The accounts every target provides.
pub const REQUIRED_ACCOUNTS: [&str; 2] = ["a", "b"];

impl Playbook {
    /// Parses and checks a playbook. `source_name` names it in error messages.
    pub fn parse(source_name: &str, text: &str) -> Result<Self, PlaybookError> {
        let playbook: Playbook = toml::from_str(text).map_err(|e| PlaybookError {
            source_name: source_name.to_owned(),
            line: e.span().map_or(1, |s| line_of(text, s.start)),
            message: e.message().trim().to_owned(),
        })?;
        let mut playbook = playbook;
        playbook.line_starts = std::iter::once(0)
            .chain(text.match_indices('\n').map(|(i, _)| i + 1))
            .collect();
        playbook.check(source_name, text)?;
        playbook.accounts_used = ACCOUNTS
            .iter()
            .filter(|key| {
                REQUIRED_ACCOUNTS.contains(key)
                    || playbook
                        .actors
                        .values()
                        .any(|a| a.get_ref().account == **key)
                    || text.contains(&format!("${{{key}."))
            })
            .map(|key| (*key).to_owned())
            .collect();
        Ok(playbook)
    }

    /// Whether a run needs the target's account `key`: `a` and `b` always, `c` when an actor
    /// belongs to it or the text names `${c.id}` or `${c.alias}`.
    pub fn uses_account(&self, key: &str) -> bool {
        self.accounts_used.contains(key)
    }

    /// The 1-based line of a byte offset in the source.
    pub fn line_of(&self, offset: usize) -> usize {
        self.line_starts
            .partition_point(|start| *start <= offset)
            .max(1)
    }

    /// Every step with its phase, in run order.
    pub fn steps(&self) -> impl Iterator<Item = (Phase, &Spanned<Step>)> {
        self.setup
            .iter()
            .map(|s| (Phase::Setup, s))
            .chain(self.step.iter().map(|s| (Phase::Step, s)))
            .chain(self.cleanup.iter().map(|s| (Phase::Cleanup, s)))
    }

    /// Every capability the playbook needs, from `requires` and from its steps.
    pub fn required_capabilities(&self) -> BTreeSet<Capability> {
        let mut caps: BTreeSet<Capability> = self.requires.iter().copied().collect();
        for (_, step) in self.steps() {
            caps.extend(step.get_ref().capabilities());
        }
        caps
    }

    /// Checks what TOML cannot: each step has one kind, actors and variables exist where they
    /// are used, captures come before their use.
    fn check(&self, source_name: &str, text: &str) -> Result<(), PlaybookError> {
        let err = |offset: usize, message: String| PlaybookError {
            source_name: source_name.to_owned(),
            line: line_of(text, offset),
            message,
        };
        // A variable may not take a built-in's name: the target sets those, and a [vars] entry
        // that silently lost to it would mislead.
        for name in self.vars.keys() {
            if BUILTIN_VARS.contains(&name.as_str()) {
                return Err(err(
                    0,
                    format!("[vars] `{name}` is a built-in variable, set by the target"),
                ));
            }
            if ACCOUNTS.contains(&name.as_str()) {
                return Err(err(
                    0,
                    format!(
                        "[vars] `{name}` names an account: the target sets `${{{name}.id}}` and \
                         `${{{name}.alias}}`; choose another name"
                    ),
                ));
            }
        }
        let mut known: BTreeSet<String> = BUILTIN_VARS.iter().map(|s| (*s).to_owned()).collect();
        known.extend(self.vars.keys().cloned());
        for (name, value) in &self.vars {
            for r in vars::references(value) {
                if !known.contains(&r) && !self.captures_anywhere(&r) {
                    return Err(err(
                        0,
                        format!("variable `{name}` refers to unknown `${{{r}}}`"),
                    ));
                }
            }
        }
        for (name, actor) in &self.actors {
            let at = actor.span().start;
            let a = actor.get_ref();
            if !ACCOUNTS.contains(&a.account.as_str()) {
                return Err(err(
                    at,
                    format!(
                        "actor `{name}`: account must be `a`, `b` or `c`, not `{}`",
                        a.account
                    ),
                ));
            }
            let keys = a.access_key_id.is_some() || a.access_key_secret.is_some();
            let problem = match a.kind {
                ActorKind::Root if a.user.is_some() || a.role.is_some() || keys => {
                    Some("a root actor takes only `account`")
                }
                ActorKind::User
                    if a.user.is_none()
                        || a.access_key_id.is_none()
                        || a.access_key_secret.is_none() =>
                {
                    Some("a user actor needs `user`, `access_key_id` and `access_key_secret`")
                }
                ActorKind::Console if a.user.is_none() || keys || a.role.is_some() => {
                    Some("a console actor takes `account` and `user` only (a logon step opens it)")
                }
                ActorKind::RoleSession
                    if a.role.is_none()
                        || (keys
                            && (a.access_key_id.is_none()
                                || a.access_key_secret.is_none()
                                || a.security_token.is_none())) =>
                {
                    Some(
                        "a role-session actor needs `role`, and either all of `access_key_id`, \
                         `access_key_secret`, `security_token` or none (a switch-role step opens it)",
                    )
                }
                _ => None,
            };
            if let Some(p) = problem {
                return Err(err(at, format!("actor `{name}`: {p}")));
            }
        }
        let mut captured: BTreeSet<String> = BTreeSet::new();
        let mut names: BTreeMap<&str, usize> = BTreeMap::new();
        for (phase, step) in self.steps() {
            let at = step.span().start;
            let s = step.get_ref();
            let here = |m: String| err(at, format!("{phase} `{}`: {m}", s.name));
            // Reports (JUnit above all) tell steps apart by name.
            if let Some(first) = names.insert(&s.name, at) {
                return Err(here(format!(
                    "another step has this name (line {}); names must differ, as reports tell \
                     steps apart by them",
                    line_of(text, first)
                )));
            }
            let kinds = usize::from(s.call.is_some())
                + usize::from(s.console.is_some())
                + usize::from(s.advance_clock.is_some());
            if kinds != 1 {
                return Err(here(
                    "a step needs exactly one of `call`, `console` and `advance_clock`".into(),
                ));
            }
            if let Some(call) = &s.call {
                parse_call(call).map_err(&here)?;
            }
            if let Some(d) = &s.advance_clock {
                parse_duration(d).map_err(&here)?;
                if s.actor.is_some() {
                    return Err(here("`advance_clock` takes no actor".into()));
                }
            } else {
                let actor = s
                    .actor
                    .as_deref()
                    .ok_or_else(|| here("`actor` is missing".into()))?;
                let def = self
                    .actors
                    .get(actor)
                    .ok_or_else(|| here(format!("unknown actor `{actor}`")))?;
                if let Some(c) = s.console {
                    self.check_console(s, c, def.get_ref()).map_err(&here)?;
                } else if s.password.is_some()
                    || s.account.is_some()
                    || s.role.is_some()
                    || s.into.is_some()
                {
                    return Err(here(
                        "`password`, `account`, `role` and `into` belong to console steps".into(),
                    ));
                }
                let a = def.get_ref();
                for v in [&a.access_key_id, &a.access_key_secret, &a.security_token]
                    .into_iter()
                    .flatten()
                {
                    for r in vars::references(v) {
                        if !known.contains(&r) && !captured.contains(&r) {
                            return Err(here(format!(
                                "actor `{actor}` uses `${{{r}}}`, which no earlier step captures"
                            )));
                        }
                    }
                }
            }
            if s.console.is_none() && s.call.is_none() && !s.params.is_empty() {
                return Err(here("`params` belong to calls".into()));
            }
            for (k, v) in &s.params {
                let text = match v {
                    toml::Value::String(t) => t.clone(),
                    toml::Value::Integer(_) | toml::Value::Boolean(_) => continue,
                    _ => {
                        return Err(here(format!(
                            "parameter `{k}` must be a string, integer or boolean"
                        )));
                    }
                };
                for r in vars::references(&text) {
                    if !known.contains(&r) && !captured.contains(&r) {
                        return Err(here(format!(
                            "parameter `{k}` uses `${{{r}}}`, which is neither a variable nor \
                             captured by an earlier step"
                        )));
                    }
                }
            }
            for text in [&s.password, &s.account, &s.role].into_iter().flatten() {
                for r in vars::references(text) {
                    if !known.contains(&r) && !captured.contains(&r) {
                        return Err(here(format!("`${{{r}}}` is not defined before this step")));
                    }
                }
            }
            if s.expect.error.is_some() && s.expect.decision == Some(Decision::Allow) {
                return Err(here("`expect` cannot ask for an error and `allow`".into()));
            }
            if s.expect.any
                && (s.expect.error.is_some()
                    || s.expect.decision.is_some()
                    || s.expect.message_contains.is_some()
                    || !s.expect.values.is_empty())
            {
                return Err(here("`expect.any` excludes every other expectation".into()));
            }
            if !s.expect.values.is_empty() && !s.expect.wants_success() {
                return Err(here(
                    "`expect.values` apply to successful steps only".into(),
                ));
            }
            if !s.capture.is_empty() && !s.expect.wants_success() {
                return Err(here("`capture` needs a step that must succeed".into()));
            }
            for name in s.capture.keys() {
                if BUILTIN_VARS.contains(&name.as_str()) || self.vars.contains_key(name) {
                    return Err(here(format!("`{name}` is already a variable")));
                }
                captured.insert(name.clone());
            }
        }
        Ok(())
    }

    fn captures_anywhere(&self, name: &str) -> bool {
        self.steps()
            .any(|(_, s)| s.get_ref().capture.contains_key(name))
    }

    fn check_console(&self, s: &Step, c: ConsoleAction, actor: &Actor) -> Result<(), String> {
        match c {
            ConsoleAction::Logon => {
                if actor.kind != ActorKind::Console {
                    return Err("a logon step's actor must be a `console` actor".into());
                }
                if s.password.is_none() {
                    return Err("a logon step needs `password`".into());
                }
                if s.account.is_some() || s.role.is_some() || s.into.is_some() {
                    return Err("a logon step takes `actor` and `password` only".into());
                }
            }
            ConsoleAction::SwitchRole => {
                if actor.kind != ActorKind::Console {
                    return Err("a switch-role step's actor must be a `console` actor".into());
                }
                if s.account.is_none() || s.role.is_none() {
                    return Err("a switch-role step needs `account` and `role`".into());
                }
                if let Some(into) = &s.into {
                    let target = self
                        .actors
                        .get(into)
                        .ok_or_else(|| format!("unknown actor `{into}` in `into`"))?;
                    let t = target.get_ref();
                    if t.kind != ActorKind::RoleSession || t.access_key_id.is_some() {
                        return Err(format!(
                            "`into` must name a `role-session` actor without keys, not `{into}`"
                        ));
                    }
                }
                if s.password.is_some() {
                    return Err("a switch-role step takes no `password`".into());
                }
            }
        }
        Ok(())
    }
}

impl Step {
    /// The capabilities the step needs.
    pub fn capabilities(&self) -> BTreeSet<Capability> {
        let mut caps: BTreeSet<Capability> = self.requires.iter().copied().collect();
        if self.console.is_some() {
            caps.insert(Capability::Console);
        }
        if self.advance_clock.is_some() {
            caps.insert(Capability::Clock);
        }
        caps
    }

    /// What the step does, in a word: `ram:CreateRole`, `console:logon`, `clock:+900s`.
    pub fn action(&self) -> String {
        if let Some(call) = &self.call {
            return call.clone();
        }
        match (self.console, &self.advance_clock) {
            (Some(ConsoleAction::Logon), _) => "console:logon".to_owned(),
            (Some(ConsoleAction::SwitchRole), _) => "console:switch-role".to_owned(),
            (None, Some(d)) => format!("clock:+{d}"),
            (None, None) => String::new(),
        }
    }
}

/// The products a call can address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallProduct {
    /// RAM.
    Ram,
    /// STS.
    Sts,
    /// ECS.
    Ecs,
}

/// Splits `ram:CreateRole` into product and action.
pub fn parse_call(call: &str) -> Result<(CallProduct, &str), String> {
    let (product, action) = call
        .split_once(':')
        .ok_or_else(|| format!("`call = \"{call}\"` must be `product:Action`"))?;
    let product = match product {
        "ram" => CallProduct::Ram,
        "sts" => CallProduct::Sts,
        "ecs" => CallProduct::Ecs,
        other => return Err(format!("unknown product `{other}` (ram, sts or ecs)")),
    };
    if action.is_empty() || !action.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Err(format!("`{action}` is not an action name"));
    }
    Ok((product, action))
}

/// Parses `900s`, `15m`, `2h`, `1d` (or plain seconds) into seconds.
pub fn parse_duration(text: &str) -> Result<i64, String> {
    let t = text.trim();
    let (num, unit) = match t.char_indices().find(|(_, c)| !c.is_ascii_digit()) {
        Some((i, _)) => (t.get(..i).unwrap_or(""), t.get(i..).unwrap_or("")),
        None => (t, "s"),
    };
    let n: i64 = num
        .parse()
        .map_err(|_| format!("`{text}` is not a duration like `900s`, `15m`, `1h`"))?;
    let mult = match unit {
        "s" => 1,
        "m" => 60,
        "h" => 3600,
        "d" => 86_400,
        _ => {
            return Err(format!(
                "`{text}` is not a duration like `900s`, `15m`, `1h`"
            ));
        }
    };
    n.checked_mul(mult)
        .ok_or_else(|| format!("`{text}` is too long"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const OK: &str = r#"
name = "t"
[actors]
a = { kind = "root", account = "a" }
[[step]]
name = "one"
actor = "a"
call = "ram:CreateUser"
params = { UserName = "x" }
capture = { uid = "User.UserId" }
[[step]]
name = "two"
actor = "a"
call = "ram:GetUser"
params = { UserName = "${uid}" }
"#;

    #[test]
    fn a_good_playbook_parses() {
        let p = Playbook::parse("t.toml", OK).unwrap();
        assert_eq!(p.step.len(), 2);
        assert!(p.required_capabilities().is_empty());
    }

    #[test]
    fn unquoted_dotted_paths_in_values_are_paths() {
        let text = OK.replace(
            "params = { UserName = \"${uid}\" }",
            "params = { UserName = \"${uid}\" }\nexpect = { values = { User.UserName = \"x\", \
             \"User.Comments\" = \"\", User.Nested.Deep = 1 } }",
        );
        let p = Playbook::parse("t.toml", &text).unwrap();
        let paths: Vec<&str> = p.step[1]
            .get_ref()
            .expect
            .values
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            paths,
            ["User.Comments", "User.Nested.Deep", "User.UserName"]
        );
    }

    #[test]
    fn two_steps_may_not_share_a_name() {
        let text = OK.replace("name = \"two\"", "name = \"one\"");
        let e = Playbook::parse("t.toml", &text).unwrap_err();
        assert!(
            e.message.contains("another step has this name (line 5)"),
            "{e}"
        );
        assert_eq!(e.line, 11, "{e}");
    }

    #[test]
    fn a_variable_may_not_take_a_built_in_name() {
        for (var, needle) in [("run", "built-in"), ("b", "names an account")] {
            let text = OK.replace("[actors]", &format!("[vars]\n{var} = \"x\"\n[actors]"));
            let e = Playbook::parse("t.toml", &text).unwrap_err();
            assert!(e.message.contains(needle), "{var}: {e}");
        }
    }

    #[test]
    fn unknown_keys_are_reported_with_their_line() {
        let text = OK.replace("capture = {", "captur = {");
        let e = Playbook::parse("t.toml", &text).unwrap_err();
        assert_eq!(e.line, 10, "{e}");
        assert!(e.message.contains("unknown field `captur`"), "{e}");
        assert!(e.to_string().starts_with("t.toml:10: "), "{e}");
    }

    #[test]
    fn unknown_keys_inside_expect_are_errors() {
        let text = OK.replace("params = { UserName = \"x\" }", "expect = { eror = \"X\" }");
        let e = Playbook::parse("t.toml", &text).unwrap_err();
        assert_eq!(e.line, 9, "{e}");
    }

    #[test]
    fn use_before_capture_is_an_error_with_the_step_line() {
        let text = OK.replace("${uid}", "${later}");
        let e = Playbook::parse("t.toml", &text).unwrap_err();
        assert!(e.message.contains("`${later}`"), "{e}");
        // The line of the step's `[[step]]` header.
        assert_eq!(e.line, 11, "{e}");
    }

    #[test]
    fn unknown_actor_and_bad_call_are_errors() {
        let e = Playbook::parse("t", &OK.replace("actor = \"a\"", "actor = \"z\"")).unwrap_err();
        assert!(e.message.contains("unknown actor `z`"), "{e}");
        let e = Playbook::parse("t", &OK.replace("ram:GetUser", "iam:GetUser")).unwrap_err();
        assert!(e.message.contains("unknown product `iam`"), "{e}");
    }

    #[test]
    fn durations_parse() {
        assert_eq!(parse_duration("900s"), Ok(900));
        assert_eq!(parse_duration("15m"), Ok(900));
        assert_eq!(parse_duration("1h"), Ok(3600));
        assert_eq!(parse_duration("30"), Ok(30));
        assert!(parse_duration("soon").is_err());
    }

    #[test]
    fn expectations_describe_themselves() {
        let e = Expect {
            error: Some("NoPermission".into()),
            ..Expect::default()
        };
        assert_eq!(e.describe(), "NoPermission");
        assert!(!e.wants_success());
        assert_eq!(Expect::default().describe(), "success");
    }
}
