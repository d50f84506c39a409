//! The runner: plays a [`Playbook`] against a [`Target`], step by step, and judges each step
//! against its expectation.
//!
//! Setup steps run first; if one fails, the scenario steps are not run. Cleanup steps always
//! run. Every step yields a [`StepResult`] (passed or not, with why), handed to an
//! [`Observer`] as it completes so a person sees the run unfold.

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

use crossram_client::{Client, Credentials, Product};
use serde::Serialize;
use serde_json::Value;

use crate::playbook::{
    ActorKind, CallProduct, Capability, ConsoleAction, Decision, Expect, Phase, Playbook, Step,
    parse_call, parse_duration,
};
use crate::target::{CallError, Target, TargetError, console_credentials};
use crate::vars;

/// The outcome of one step.
#[derive(Debug, Clone, Serialize)]
pub struct StepResult {
    /// Setup, scenario step or cleanup.
    pub phase: Phase,
    /// The step's name.
    pub name: String,
    /// Who acted (`-` for clock steps).
    pub actor: String,
    /// What was done (`ram:CreateRole`, `console:logon`, `clock:+900s`).
    pub action: String,
    /// What had to happen (`success`, `NoPermission`, `deny`).
    pub expected: String,
    /// What happened (`success`, an error code, or `failed: ...` when no answer came).
    pub outcome: String,
    /// Whether the outcome met the expectation.
    pub passed: bool,
    /// Wall time of the step.
    pub milliseconds: u64,
    /// Why the step did not pass, or the error message of an expected error.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
    /// For a denial, the policy (or trust side) that decided, from `AccessDeniedDetail`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decided_by: Option<String>,
    /// The line of the step in the playbook.
    pub line: usize,
    /// Not run: setup failed or the run was stopped (`outcome` is `not run`, `detail` says
    /// which). Not a failure of its own; `passed` is false.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub skipped: bool,
}

/// The outcome of a run.
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The playbook's name.
    pub playbook: String,
    /// The target's description.
    pub target: String,
    /// The prefix of every name the run created (`${run}`): empty on an emulator the run
    /// started itself, a run id such as `cr3f9a01c2-` elsewhere, to find what it left.
    pub run_prefix: String,
    /// Whether every step met its expectation (and setup completed).
    pub passed: bool,
    /// How many steps passed.
    pub passed_steps: usize,
    /// How many steps did not.
    pub failed_steps: usize,
    /// Steps not run because setup failed or the run was stopped.
    pub not_run: usize,
    /// Wall time of the whole run.
    pub milliseconds: u64,
    /// One entry per step of the playbook, in order, those not run included (`skipped`).
    pub steps: Vec<StepResult>,
}

impl StepResult {
    /// The result of `step` before it is judged: not passed, no outcome yet.
    fn of(phase: Phase, step: &Step, line: usize) -> Self {
        Self {
            phase,
            name: step.name.clone(),
            actor: step.actor.clone().unwrap_or_else(|| "-".to_owned()),
            action: step.action(),
            expected: step.expect.describe(),
            outcome: String::new(),
            passed: false,
            milliseconds: 0,
            detail: None,
            decided_by: None,
            line,
            skipped: false,
        }
    }
}

/// Why a run could not start.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The playbook needs something the target cannot do.
    #[error(
        "the playbook `{playbook}` needs the `{capability}` capability, which target `{target}` lacks"
    )]
    MissingCapability {
        /// The playbook.
        playbook: String,
        /// The capability.
        capability: Capability,
        /// The target.
        target: String,
    },
    /// The target does not provide an account the playbook uses.
    #[error(
        "target `{0}` has no account `{1}` (an endpoint target takes its root AccessKey from \
         CROSSRAM_{upper}_ACCESS_KEY_ID and CROSSRAM_{upper}_ACCESS_KEY_SECRET)",
        upper = .1.to_uppercase()
    )]
    MissingAccount(String, String),
    /// Two accounts of the playbook are one account: a cross-account run would prove nothing.
    #[error(
        "target `{target}`: accounts {first} and {second} are the same account ({id}); a \
         cross-account playbook needs distinct accounts"
    )]
    SameAccount {
        /// The target.
        target: String,
        /// The first account key.
        first: String,
        /// The second account key, the same account.
        second: String,
        /// The account id.
        id: String,
    },
    /// The target failed.
    #[error(transparent)]
    Target(#[from] TargetError),
}

/// Sees a run unfold.
pub trait Observer {
    /// Before the first step of a live run: what will be done, one line per step.
    fn plan(&mut self, _lines: &[String]) {}
    /// After each step.
    fn step(&mut self, _result: &StepResult) {}
}

/// An observer that ignores everything.
#[derive(Debug, Default, Clone, Copy)]
pub struct Quiet;

impl Observer for Quiet {}

/// What a run carries from step to step.
struct State<'p> {
    playbook: &'p Playbook,
    vars: BTreeMap<String, String>,
    sessions: HashMap<String, Credentials>,
    secrets: Vec<String>,
    /// The (actor, AccessKeyId) pairs whose identity GetCallerIdentity confirmed.
    verified: HashSet<(String, String)>,
}

impl State<'_> {
    fn mask(&self, text: &str) -> String {
        let mut out = text.to_owned();
        for s in &self.secrets {
            if s.len() >= 4 {
                out = out.replace(s.as_str(), "***");
            }
        }
        out
    }

    fn expand(&self, text: &str) -> Result<String, String> {
        vars::expand(text, &self.vars)
    }
}

/// Checks that `target` can run `playbook`.
pub fn check_capabilities(playbook: &Playbook, target: &dyn Target) -> Result<(), RunError> {
    match missing_capabilities(playbook, target).into_iter().next() {
        Some(capability) => Err(RunError::MissingCapability {
            playbook: playbook.name.clone(),
            capability,
            target: target.describe(),
        }),
        None => Ok(()),
    }
}

/// Runs `playbook` on `target`, reporting each step to `observer`. The target is not torn
/// down (the caller owns it).
pub async fn run(
    playbook: &Playbook,
    target: &dyn Target,
    observer: &mut dyn Observer,
) -> Result<RunReport, RunError> {
    run_until(playbook, target, observer, &AtomicBool::new(false)).await
}

/// Like [`run`], but once `stop` is set (by a SIGINT or SIGTERM handler, say) the remaining
/// setup and scenario steps are skipped and counted as not run; cleanup still runs, so a live
/// account is left as it was found. A failed setup step skips the rest of setup and the
/// scenario steps the same way (they would fail for want of what it should have made).
pub async fn run_until(
    playbook: &Playbook,
    target: &dyn Target,
    observer: &mut dyn Observer,
    stop: &AtomicBool,
) -> Result<RunReport, RunError> {
    check_capabilities(playbook, target)?;
    let started = Instant::now();
    let mut state = State {
        playbook,
        vars: playbook.vars.clone(),
        sessions: HashMap::new(),
        secrets: Vec::new(),
        verified: HashSet::new(),
    };
    check_accounts(playbook, target)?;
    for key in crate::playbook::ACCOUNTS {
        let Some(acct) = target.account(key) else {
            continue;
        };
        state.vars.insert(format!("{key}.id"), acct.id.clone());
        state
            .vars
            .insert(format!("{key}.alias"), acct.alias.clone());
        state
            .secrets
            .push(acct.root.access_key_secret.expose().to_owned());
    }
    let run_prefix = target.run_prefix();
    state.vars.insert("run".to_owned(), run_prefix.clone());
    if target.is_live() {
        let lines: Vec<String> = playbook
            .steps()
            .map(|(phase, s)| {
                let s = s.get_ref();
                format!(
                    "{phase:<7} {:<12} {:<28} expect {:<14} {}",
                    s.actor.as_deref().unwrap_or("-"),
                    s.action(),
                    s.expect.describe(),
                    s.name
                )
            })
            .collect();
        observer.plan(&lines);
    }

    let mut steps = Vec::new();
    let mut setup_failed = false;
    for (phase, spanned) in playbook.steps() {
        let step = spanned.get_ref();
        let line = line_of_offset(playbook, spanned.span().start);
        let stopped = phase != Phase::Cleanup && stop.load(Ordering::SeqCst);
        if stopped || (setup_failed && phase != Phase::Cleanup) {
            let why = if stopped {
                "the run was stopped"
            } else {
                "a setup step failed"
            };
            steps.push(StepResult {
                outcome: "not run".to_owned(),
                detail: Some(why.to_owned()),
                skipped: true,
                ..StepResult::of(phase, step, line)
            });
            continue;
        }
        let result = run_step(&mut state, target, phase, step, line).await;
        if phase == Phase::Setup && !result.passed {
            setup_failed = true;
        }
        observer.step(&result);
        steps.push(result);
    }
    let failed_steps = steps.iter().filter(|s| !s.passed && !s.skipped).count();
    let not_run = steps.iter().filter(|s| s.skipped).count();
    Ok(RunReport {
        playbook: playbook.name.clone(),
        target: target.describe(),
        run_prefix,
        passed: failed_steps == 0 && not_run == 0,
        passed_steps: steps.iter().filter(|s| s.passed).count(),
        failed_steps,
        not_run,
        milliseconds: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        steps,
    })
}

/// Checks that `target` has every account `playbook` uses, and that they are distinct
/// accounts (a cross-account run on one account would prove nothing). [`run_until`] checks
/// this first; a caller may check before it prints anything.
pub fn check_accounts(playbook: &Playbook, target: &dyn Target) -> Result<(), RunError> {
    let mut used: Vec<(&str, String)> = Vec::new();
    for key in crate::playbook::ACCOUNTS {
        if !playbook.uses_account(key) {
            continue;
        }
        let Some(acct) = target.account(key) else {
            return Err(RunError::MissingAccount(target.describe(), key.to_owned()));
        };
        if let Some((other, _)) = used.iter().find(|(_, id)| *id == acct.id) {
            return Err(RunError::SameAccount {
                target: target.describe(),
                first: (*other).to_owned(),
                second: key.to_owned(),
                id: acct.id.clone(),
            });
        }
        used.push((key, acct.id.clone()));
    }
    Ok(())
}

/// The line of a span's start (the playbook keeps its source's line table).
fn line_of_offset(playbook: &Playbook, offset: usize) -> usize {
    playbook.line_of(offset)
}

async fn run_step(
    state: &mut State<'_>,
    target: &dyn Target,
    phase: Phase,
    step: &Step,
    line: usize,
) -> StepResult {
    let started = Instant::now();
    let outcome = perform(state, target, step).await;
    let elapsed = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
    let mut result = StepResult {
        milliseconds: elapsed,
        ..StepResult::of(phase, step, line)
    };
    match outcome {
        Performed::Broken(why) => {
            result.outcome = "not performed".to_owned();
            // A cleanup step that may find nothing to do passes even when it cannot be
            // attempted (its inputs were never captured).
            result.passed = step.expect.any;
            result.detail = Some(state.mask(&why));
        }
        Performed::Done(Ok(answer)) => {
            result.outcome = "success".to_owned();
            match judge_success(state, &step.expect, &answer) {
                Ok(()) => match capture(state, step, &answer) {
                    Ok(()) => result.passed = true,
                    Err(why) => result.detail = Some(why),
                },
                Err(why) => result.detail = Some(state.mask(&why)),
            }
        }
        Performed::Done(Err(err)) => {
            result.outcome = match &err {
                CallError::Service { code, .. } => code.clone(),
                CallError::Other(_) => "failed".to_owned(),
            };
            result.decided_by = decided_by(&err);
            let message = state.mask(&err.to_string());
            match judge_error(state, &step.expect, &err) {
                Ok(()) => {
                    result.passed = true;
                    result.detail = Some(message);
                }
                Err(why) => result.detail = Some(format!("{why}: {message}")),
            }
        }
    }
    result
}

/// What performing a step gave: an answer or an error from the target, or a reason it could
/// not be attempted at all.
enum Performed {
    Done(Result<Value, CallError>),
    Broken(String),
}

async fn perform(state: &mut State<'_>, target: &dyn Target, step: &Step) -> Performed {
    if let Some(d) = &step.advance_clock {
        return match parse_duration(d) {
            Ok(secs) => match target.advance_clock(time::Duration::seconds(secs)).await {
                Ok(()) => Performed::Done(Ok(Value::Object(serde_json::Map::new()))),
                Err(e) => Performed::Broken(e.to_string()),
            },
            Err(e) => Performed::Broken(e),
        };
    }
    let Some(actor_name) = step.actor.as_deref() else {
        return Performed::Broken("the step has no actor".into());
    };
    if !state.playbook.actors.contains_key(actor_name) {
        return Performed::Broken(format!("unknown actor `{actor_name}`"));
    }
    if let Some(console) = step.console {
        return perform_console(state, target, step, actor_name, console).await;
    }
    let creds = match credentials_of(state, target, actor_name) {
        Ok(c) => c,
        Err(why) => return Performed::Broken(why),
    };
    let Some(call) = &step.call else {
        return Performed::Broken("the step does nothing".into());
    };
    let (product, action) = match parse_call(call) {
        Ok(p) => p,
        Err(e) => return Performed::Broken(e),
    };
    let mut params = Vec::with_capacity(step.params.len());
    for (k, v) in &step.params {
        let text = match v {
            toml::Value::String(s) => match state.expand(s) {
                Ok(t) => t,
                Err(e) => return Performed::Broken(format!("parameter `{k}`: {e}")),
            },
            toml::Value::Integer(i) => i.to_string(),
            toml::Value::Boolean(b) => b.to_string(),
            other => other.to_string(),
        };
        if crossram_engine::api::is_sensitive(k) {
            state.secrets.push(text.clone());
        }
        params.push((k.clone(), text));
    }
    let key = (actor_name.to_owned(), creds.access_key_id.clone());
    let client = match target.client(creds) {
        Ok(c) => c,
        Err(e) => return Performed::Broken(e.to_string()),
    };
    if !state.verified.contains(&key) {
        match verify_identity(state, target, actor_name, &client).await {
            Ok(true) => {
                state.verified.insert(key);
            }
            // The credentials do not work: the step's own call will say how.
            Ok(false) => {}
            Err(why) => return Performed::Broken(state.mask(&why)),
        }
    }
    let product = match product {
        CallProduct::Ram => Product::Ram,
        CallProduct::Sts => Product::Sts,
        CallProduct::Ecs => Product::Ecs,
    };
    Performed::Done(
        client
            .call(product, action, &params)
            .await
            .map_err(CallError::from),
    )
}

async fn perform_console(
    state: &mut State<'_>,
    target: &dyn Target,
    step: &Step,
    actor_name: &str,
    console: ConsoleAction,
) -> Performed {
    let Some(actor) = state.playbook.actors.get(actor_name).map(|a| a.get_ref()) else {
        return Performed::Broken(format!("unknown actor `{actor_name}`"));
    };
    match console {
        ConsoleAction::Logon => {
            let Some(acct) = target.account(&actor.account) else {
                return Performed::Broken(format!("no account `{}`", actor.account));
            };
            let user = match state.expand(actor.user.as_deref().unwrap_or_default()) {
                Ok(u) => u,
                Err(e) => return Performed::Broken(e),
            };
            let password = match state.expand(step.password.as_deref().unwrap_or_default()) {
                Ok(p) => p,
                Err(e) => return Performed::Broken(e),
            };
            state.secrets.push(password.clone());
            let login = format!("{user}@{}", acct.alias);
            let res = target.console_logon(&login, &password).await;
            if let Ok(answer) = &res {
                remember_session(state, actor_name, answer);
            }
            Performed::Done(res)
        }
        ConsoleAction::SwitchRole => {
            let Some(session) = state.sessions.get(actor_name).cloned() else {
                return Performed::Broken(format!(
                    "`{actor_name}` has no console session (no successful logon step before)"
                ));
            };
            let (account, role) = match (
                state.expand(step.account.as_deref().unwrap_or_default()),
                state.expand(step.role.as_deref().unwrap_or_default()),
            ) {
                (Ok(a), Ok(r)) => (a, r),
                (Err(e), _) | (_, Err(e)) => return Performed::Broken(e),
            };
            let res = target.console_switch_role(&session, &account, &role).await;
            if let (Ok(answer), Some(into)) = (&res, &step.into) {
                remember_session(state, into, answer);
            }
            Performed::Done(res)
        }
    }
}

fn remember_session(state: &mut State<'_>, actor: &str, answer: &Value) {
    if let Some(creds) = console_credentials(answer) {
        state
            .secrets
            .push(creds.access_key_secret.expose().to_owned());
        if let Some(t) = &creds.security_token {
            state.secrets.push(t.expose().to_owned());
        }
        state.sessions.insert(actor.to_owned(), creds);
    }
}

/// The credentials an actor signs with, now.
fn credentials_of(
    state: &State<'_>,
    target: &dyn Target,
    actor_name: &str,
) -> Result<Credentials, String> {
    let actor = state
        .playbook
        .actors
        .get(actor_name)
        .map(|a| a.get_ref())
        .ok_or_else(|| format!("unknown actor `{actor_name}`"))?;
    match actor.kind {
        ActorKind::Root => target
            .account(&actor.account)
            .map(|a| a.root.clone())
            .ok_or_else(|| format!("target has no account `{}`", actor.account)),
        ActorKind::User | ActorKind::RoleSession if actor.access_key_id.is_some() => {
            let get = |v: &Option<String>| -> Result<Option<String>, String> {
                v.as_deref().map(|t| state.expand(t)).transpose()
            };
            let id = get(&actor.access_key_id)?.unwrap_or_default();
            let secret = get(&actor.access_key_secret)?.unwrap_or_default();
            let mut creds = Credentials::new(id, secret);
            if let Some(token) = get(&actor.security_token)? {
                creds = creds.with_security_token(token);
            }
            Ok(creds)
        }
        _ => state.sessions.get(actor_name).cloned().ok_or_else(|| {
            format!("`{actor_name}` has no session yet (no successful console step opened it)")
        }),
    }
}

/// Checks with `GetCallerIdentity` that an actor's credentials are the identity the playbook
/// declares (its account, and its user or role), so that a report never credits a step to the
/// wrong identity. `Ok(false)` when the credentials do not work at all (nothing can then
/// succeed or be refused in the actor's name).
async fn verify_identity(
    state: &State<'_>,
    target: &dyn Target,
    actor_name: &str,
    client: &Client,
) -> Result<bool, String> {
    let Some(actor) = state.playbook.actors.get(actor_name).map(|a| a.get_ref()) else {
        return Err(format!("unknown actor `{actor_name}`"));
    };
    let Ok(me) = client
        .call::<&str, &str>(Product::Sts, "GetCallerIdentity", &[])
        .await
    else {
        return Ok(false);
    };
    let field = |k: &str| me.get(k).and_then(Value::as_str).unwrap_or_default();
    let (account_id, arn) = (field("AccountId"), field("Arn"));
    let declared = target
        .account(&actor.account)
        .map(|a| a.id.as_str())
        .unwrap_or_default();
    let name = |v: &Option<String>| state.expand(v.as_deref().unwrap_or_default());
    // What the ARN must be (names compared as written: `U1` and `u1` are two users).
    let wanted = match actor.kind {
        ActorKind::Root => format!("acs:ram::{declared}:root"),
        ActorKind::User | ActorKind::Console => {
            format!("acs:ram::{declared}:user/{}", name(&actor.user)?)
        }
        ActorKind::RoleSession => {
            format!("acs:ram::{declared}:assumed-role/{}/", name(&actor.role)?)
        }
    };
    let matches = account_id == declared
        && match actor.kind {
            ActorKind::RoleSession => arn.starts_with(&wanted),
            _ => arn == wanted,
        };
    if matches {
        return Ok(true);
    }
    let what = match actor.kind {
        ActorKind::Root => "the root identity".to_owned(),
        ActorKind::User | ActorKind::Console => format!("user {}", name(&actor.user)?),
        ActorKind::RoleSession => format!("a session of role {}", name(&actor.role)?),
    };
    Err(format!(
        "actor `{actor_name}` is declared as {what} of account {} ({declared}), but its \
         credentials are {arn} (account {account_id})",
        actor.account
    ))
}

/// Whether an error is an authorization refusal.
fn is_denial(err: &CallError) -> bool {
    match err {
        CallError::Service { code, denied, .. } => {
            denied.is_some()
                || code == "NoPermission"
                || code == "AccessDenied"
                || code == "NotAuthorized"
                || code == "Forbidden"
                || code.starts_with("Forbidden.")
        }
        CallError::Other(_) => false,
    }
}

fn deny_type(err: &CallError) -> Option<&str> {
    match err {
        CallError::Service {
            denied: Some(d), ..
        } => d.get("NoPermissionType").and_then(Value::as_str),
        _ => None,
    }
}

fn decided_by(err: &CallError) -> Option<String> {
    let CallError::Service {
        denied: Some(d), ..
    } = err
    else {
        return None;
    };
    let field = |k: &str| d.get(k).and_then(Value::as_str).unwrap_or_default();
    let kind = field("NoPermissionType");
    let policy = field("PolicyType");
    let principal = field("AuthPrincipalDisplayName");
    let action = field("AuthAction");
    // The emulator explains its refusals; the real service names only the kind of policy.
    Some(match field("CrossramExplanation") {
        "" => format!("{kind} by {policy} ({principal} asking {action})"),
        why => format!("{kind} by {policy}: {why} ({principal} asking {action})"),
    })
}

fn judge_success(state: &State<'_>, expect: &Expect, answer: &Value) -> Result<(), String> {
    if expect.any {
        return Ok(());
    }
    if !expect.wants_success() {
        return Err(format!("succeeded, but {} was expected", expect.describe()));
    }
    for (path, want) in &expect.values {
        let got =
            vars::lookup(answer, path).ok_or_else(|| format!("the answer has no `{path}`"))?;
        let want = match want {
            toml::Value::String(s) => toml::Value::String(state.expand(s)?),
            other => other.clone(),
        };
        if !value_matches(got, &want) {
            return Err(format!("`{path}` is {got}, expected {want}"));
        }
    }
    Ok(())
}

/// Whether an answer's value is the expected one. A value is compared by its text when either
/// side is a string, so `AccountId = 11223344` matches the string `"11223344"` the service sends
/// and `TotalCount = "1"` the number 1.
fn value_matches(got: &Value, want: &toml::Value) -> bool {
    let as_string = |text: String| got.as_str() == Some(text.as_str());
    match want {
        toml::Value::String(s) => vars::as_text(got) == *s,
        toml::Value::Integer(i) => got.as_i64() == Some(*i) || as_string(i.to_string()),
        toml::Value::Boolean(b) => got.as_bool() == Some(*b) || as_string(b.to_string()),
        toml::Value::Float(f) => got.as_f64() == Some(*f) || as_string(f.to_string()),
        other => vars::as_text(got) == other.to_string(),
    }
}

/// What kind of refusal `err` is, for a message: `an implicit deny`, `an explicit deny`, or a
/// refusal that is no authorization decision.
fn refusal_kind(err: &CallError) -> &'static str {
    match deny_type(err) {
        Some("ImplicitDeny") => "an implicit deny",
        Some("ExplicitDeny") => "an explicit deny",
        _ if is_denial(err) => "a denial without AccessDeniedDetail",
        _ => "an error that is no authorization denial",
    }
}

fn judge_error(state: &State<'_>, expect: &Expect, err: &CallError) -> Result<(), String> {
    if expect.any {
        return Ok(());
    }
    if expect.wants_success() {
        return Err(format!("expected {}, got an error", expect.describe()));
    }
    if let Some(code) = &expect.error
        && err.code() != Some(code.as_str())
    {
        return Err(format!(
            "expected error {code}, got {}",
            err.code().unwrap_or("no error code")
        ));
    }
    match expect.decision {
        Some(Decision::Deny) if !is_denial(err) => {
            return Err("expected an authorization denial".into());
        }
        Some(Decision::ExplicitDeny) if deny_type(err) != Some("ExplicitDeny") => {
            return Err(format!(
                "expected an explicit deny, got {}",
                refusal_kind(err)
            ));
        }
        Some(Decision::ImplicitDeny) if deny_type(err) != Some("ImplicitDeny") => {
            return Err(format!(
                "expected an implicit deny, got {}",
                refusal_kind(err)
            ));
        }
        _ => {}
    }
    if let Some(text) = &expect.message_contains {
        let message = match err {
            CallError::Service { message, .. } => message.as_str(),
            CallError::Other(m) => m.as_str(),
        };
        let text = state.expand(text)?;
        if !message.contains(text.as_str()) {
            return Err(format!("the message does not contain {text:?}"));
        }
    }
    Ok(())
}

fn capture(state: &mut State<'_>, step: &Step, answer: &Value) -> Result<(), String> {
    for (name, path) in &step.capture {
        let value = vars::lookup(answer, path)
            .ok_or_else(|| format!("cannot capture `{name}`: the answer has no `{path}`"))?;
        let text = vars::as_text(value);
        let last = path.rsplit('.').next().unwrap_or_default();
        if last.ends_with("Secret") || last == "SecurityToken" || last == "Password" {
            state.secrets.push(text.clone());
        }
        state.vars.insert(name.clone(), text);
    }
    Ok(())
}

/// The capabilities `playbook` needs that `target` lacks (empty when it can run there).
pub fn missing_capabilities(playbook: &Playbook, target: &dyn Target) -> BTreeSet<Capability> {
    let have = target.capabilities();
    playbook
        .required_capabilities()
        .into_iter()
        .filter(|c| !have.contains(c))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_compare_by_text_when_either_side_is_a_string() {
        let id = serde_json::json!("11223344");
        assert!(value_matches(&id, &toml::Value::Integer(11_223_344)));
        assert!(!value_matches(&id, &toml::Value::Integer(11_223_345)));
        let count = serde_json::json!(1);
        assert!(value_matches(&count, &toml::Value::String("1".into())));
        assert!(value_matches(&count, &toml::Value::Integer(1)));
        assert!(!value_matches(&count, &toml::Value::Integer(2)));
        let yes = serde_json::json!("true");
        assert!(value_matches(&yes, &toml::Value::Boolean(true)));
        assert!(!value_matches(
            &serde_json::json!(false),
            &toml::Value::Boolean(true)
        ));
    }
}
