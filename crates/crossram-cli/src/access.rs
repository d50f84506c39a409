//! `crossram access`: who can reach an account, and who can leave it. Reads every RAM role of
//! the account whose keys it is given (on the emulator or the real cloud alike) and prints, for
//! each, whom its trust policy lets assume it and on which conditions, whom it refuses, and the
//! policies it grants and the roles its sessions may go on to assume; then the users whose
//! policies (their own or their groups') let them call `sts:AssumeRole`, on which roles; then the other accounts that can reach this one, and the
//! roles any identity of any account may assume. What an auditor asks of an account that lends
//! roles to others or borrows them.
//!
//! It needs `sts:GetCallerIdentity` and RAM's read actions on roles, users, groups and policies
//! (a RAM user with `AliyunRAMReadOnlyAccess` will do).
//!
//! Exit status: 0 when the account was read; 1 when the service refused a call or could not be
//! reached; 2 for unusable input.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::process::ExitCode;

use anyhow::Context as _;
use clap::Args;
use crossram_client::Client;
use crossram_client::api::ram::{
    GroupNameRequest, PageRequest, PolicyRefRequest, PolicyType, RoleNameRequest, UserNameRequest,
};
use crossram_core::policy::{ConditionKey, Grant, Trusted};
use crossram_core::{Effect, PolicyDocument, PolicyKind};
use serde_json::{Value, json};

use crate::client_args::ClientArgs;

/// What reading an account takes, said when the service refuses a call.
const NEEDED: &str = "reading an account takes sts:GetCallerIdentity and RAM's read actions on \
                      roles, users, groups and policies (ram:ListRoles, ram:GetRole, \
                      ram:ListUsers, ram:GetPolicy, ram:ListPoliciesFor*, \
                      ram:ListGroupsForUser: the system policy AliyunRAMReadOnlyAccess grants \
                      them)";

/// `crossram access`.
#[derive(Debug, Args)]
pub(crate) struct AccessArgs {
    #[command(flatten)]
    client: ClientArgs,
    /// Print one JSON object instead of text.
    #[arg(long)]
    json: bool,
}

/// One role as read.
struct RoleAccess {
    name: String,
    arn: String,
    /// The trust policy's statements that name `sts:AssumeRole`; `Err` when the document could
    /// not be read (the text of the error).
    grants: Result<Vec<Grant>, String>,
    /// `(type, name)` of each attached policy.
    policies: Vec<PolicyRef>,
    /// The statements of those policies that name `sts:AssumeRole`: a session of this role may
    /// go on into other roles (role chaining).
    ways: Vec<Way>,
}

/// A user's way out: a statement naming `sts:AssumeRole` in one of its policies.
struct Way {
    policy: PolicyRef,
    /// The group the policy is attached to, when it is not the user's own.
    group: Option<String>,
    grant: Grant,
}

/// A user with a way out.
struct UserAccess {
    name: String,
    ways: Vec<Way>,
}

/// What `crossram access` found.
struct Report {
    account: String,
    /// The account alias, when the caller may read it and one is set.
    alias: Option<String>,
    roles: Vec<RoleAccess>,
    /// The users whose policies name `sts:AssumeRole`.
    users: Vec<UserAccess>,
    /// Every user of the account, to tell a trust entry naming one that does not exist.
    user_names: HashSet<String>,
    /// When the account was read (RFC 3339, the client's clock): time conditions
    /// (`acs:CurrentTime`) are judged at this instant.
    now: String,
}

pub(crate) fn run(args: AccessArgs) -> ExitCode {
    let client = match args.client.client("access") {
        Ok(c) => c,
        Err(e) => {
            eprintln!("crossram access: {}", crate::error_chain(&e));
            if let Some(hint) = e.downcast_ref().and_then(crate::client_args::hint) {
                eprintln!("{hint}");
            }
            return ExitCode::from(2);
        }
    };
    let runtime = match crate::client_runtime("access") {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    match runtime.block_on(read(&client)) {
        Ok(report) => {
            if args.json {
                crate::print_line(&to_json(&report).to_string());
            } else {
                crate::print_line(to_text(&report).trim_end_matches('\n'));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("crossram access: {}", crate::error_chain(&e));
            if let Some(hint) = e.downcast_ref().and_then(crate::client_args::hint) {
                eprintln!("{hint}");
            }
            if let Some(crossram_client::Error::Service {
                code,
                access_denied_detail,
                ..
            }) = e.downcast_ref()
            {
                if let Some(detail) = access_denied_detail {
                    eprintln!("AccessDeniedDetail: {detail}");
                }
                if code == "NoPermission" {
                    eprintln!("crossram access: {NEEDED}");
                }
            }
            ExitCode::FAILURE
        }
    }
}

/// How many roles are read at once: an account of hundreds of roles is two calls per role,
/// and against the real cloud each takes tens of milliseconds.
const IN_FLIGHT: usize = 8;

/// Reads the account: its id, every role (all pages), then each role's trust policy and
/// attached policies, [`IN_FLIGHT`] roles at a time, reported in the order listed.
async fn read(client: &Client) -> anyhow::Result<Report> {
    let me = client
        .sts()
        .get_caller_identity()
        .await
        .context("sts:GetCallerIdentity")?;
    // Only a label: a caller without ram:GetAccountAlias still gets its report.
    let alias = client
        .ram()
        .get_account_alias()
        .await
        .ok()
        .map(|a| a.account_alias)
        .filter(|a| !a.is_empty() && *a != me.account_id);
    let listed = all_pages("ram:ListRoles", |marker| async {
        let page = client
            .ram()
            .list_roles(PageRequest {
                marker,
                max_items: Some(1000),
            })
            .await?;
        Ok((page.roles, page.is_truncated, page.marker))
    })
    .await?;
    let mut roles = in_flight(client, listed, read_role).await?;
    let user_policies = read_user_policies(client).await?;
    // Every policy of a role or a user, read once: the ways out of the account.
    let refs = roles
        .iter()
        .flat_map(|r| r.policies.iter().cloned())
        .chain(
            user_policies
                .iter()
                .flat_map(|(_, a)| a.iter().map(|(p, _)| p.clone())),
        )
        .collect();
    let documents = read_documents(client, refs).await?;
    for role in &mut roles {
        let attached: Vec<Attached> = role.policies.iter().map(|p| (p.clone(), None)).collect();
        role.ways = ways(&attached, &documents);
    }
    let user_names = user_policies.iter().map(|(n, _)| n.clone()).collect();
    let users = user_policies
        .into_iter()
        .filter_map(|(name, attached)| {
            let ways = ways(&attached, &documents);
            (!ways.is_empty()).then_some(UserAccess { name, ways })
        })
        .collect();
    Ok(Report {
        account: me.account_id,
        alias,
        roles,
        users,
        user_names,
        now: crossram_client::clock::format_timestamp(client.now()),
    })
}

/// Every item of a paged `List*` call: `fetch` gets the marker of the page to read (none for
/// the first) and answers its items, whether more follow, and the next marker.
async fn all_pages<T, F, Fut>(call: &str, mut fetch: F) -> anyhow::Result<Vec<T>>
where
    F: FnMut(Option<String>) -> Fut,
    Fut: Future<Output = Result<(Vec<T>, bool, Option<String>), crossram_client::Error>>,
{
    let mut items = Vec::new();
    let (mut marker, mut previous) = (None, None);
    loop {
        let (page, truncated, next) = fetch(marker.take()).await.context(call.to_owned())?;
        items.extend(page);
        match next {
            Some(m) if truncated && !m.is_empty() => {
                // An endpoint that hands back the marker it was given would never finish.
                if previous.as_ref() == Some(&m) {
                    anyhow::bail!("{call} answered the same Marker twice: {m}");
                }
                previous = Some(m.clone());
                marker = Some(m);
            }
            _ => return Ok(items),
        }
    }
}

/// `read(client, item)` for every item, [`IN_FLIGHT`] at a time, answers in the items' order;
/// the first error ends it.
async fn in_flight<T, R, F, Fut>(client: &Client, items: Vec<T>, read: F) -> anyhow::Result<Vec<R>>
where
    T: Send + 'static,
    R: Send + 'static,
    F: Fn(Client, T) -> Fut,
    Fut: Future<Output = anyhow::Result<R>> + Send + 'static,
{
    let mut out: Vec<Option<R>> = std::iter::repeat_with(|| None).take(items.len()).collect();
    let mut waiting = items.into_iter().enumerate();
    let mut reading = tokio::task::JoinSet::new();
    loop {
        while reading.len() < IN_FLIGHT {
            let Some((i, item)) = waiting.next() else {
                break;
            };
            let answer = read(client.clone(), item);
            reading.spawn(async move { (i, answer.await) });
        }
        let Some(done) = reading.join_next().await else {
            break;
        };
        let (i, answer) = done?;
        if let Some(slot) = out.get_mut(i) {
            *slot = Some(answer?);
        }
    }
    Ok(out.into_iter().flatten().collect())
}

/// A policy as an attachment names it: (`System` or `Custom`, name).
type PolicyRef = (String, String);

/// A policy as attached: the policy, and the group it comes through (none for an identity's
/// own).
type Attached = (PolicyRef, Option<String>);

/// The users of the account, each with its policies: its own, then its groups'.
async fn read_user_policies(client: &Client) -> anyhow::Result<Vec<(String, Vec<Attached>)>> {
    let users = all_pages("ram:ListUsers", |marker| async {
        let page = client
            .ram()
            .list_users(PageRequest {
                marker,
                // ListUsers pages hold at most 100 (ListRoles 1000).
                max_items: Some(100),
            })
            .await?;
        Ok((page.users, page.is_truncated, page.marker))
    })
    .await?;
    // Each user's own policies and groups, then each group's policies once.
    let names: Vec<String> = users.into_iter().map(|u| u.user_name).collect();
    let attached = in_flight(client, names.clone(), |client, name: String| async move {
        let by_name = || UserNameRequest {
            user_name: name.clone(),
        };
        let own = client
            .ram()
            .list_policies_for_user(by_name())
            .await
            .with_context(|| format!("ram:ListPoliciesForUser {name}"))?;
        let groups = client
            .ram()
            .list_groups_for_user(by_name())
            .await
            .with_context(|| format!("ram:ListGroupsForUser {name}"))?;
        let own: Vec<PolicyRef> = own
            .policies
            .into_iter()
            .map(|p| (p.policy_type, p.policy_name))
            .collect();
        let groups: Vec<String> = groups.groups.into_iter().map(|g| g.group_name).collect();
        Ok((own, groups))
    })
    .await?;
    let mut group_names: Vec<String> = attached.iter().flat_map(|(_, g)| g.clone()).collect();
    group_names.sort_unstable();
    group_names.dedup();
    let group_policies = in_flight(
        client,
        group_names.clone(),
        |client, group: String| async move {
            let listed = client
                .ram()
                .list_policies_for_group(GroupNameRequest {
                    group_name: group.clone(),
                })
                .await
                .with_context(|| format!("ram:ListPoliciesForGroup {group}"))?;
            Ok(listed
                .policies
                .into_iter()
                .map(|p| (p.policy_type, p.policy_name))
                .collect::<Vec<PolicyRef>>())
        },
    )
    .await?;
    let by_group: HashMap<&str, &[PolicyRef]> = group_names
        .iter()
        .map(String::as_str)
        .zip(group_policies.iter().map(Vec::as_slice))
        .collect();
    Ok(names
        .into_iter()
        .zip(attached)
        .map(|(name, (own, groups))| {
            let mut all: Vec<Attached> = own.into_iter().map(|p| (p, None)).collect();
            for g in groups {
                let policies = by_group.get(g.as_str()).copied().unwrap_or_default();
                all.extend(policies.iter().map(|p| (p.clone(), Some(g.clone()))));
            }
            (name, all)
        })
        .collect())
}

/// The statements naming `sts:AssumeRole` of every policy in `refs`, each policy read once.
async fn read_documents(
    client: &Client,
    mut refs: Vec<PolicyRef>,
) -> anyhow::Result<HashMap<PolicyRef, Vec<Grant>>> {
    refs.sort_unstable();
    refs.dedup();
    let documents = in_flight(
        client,
        refs.clone(),
        |client, (kind, name): PolicyRef| async move { read_policy(&client, &kind, &name).await },
    )
    .await?;
    refs.into_iter()
        .zip(documents)
        .map(|(policy, grants)| match grants {
            Ok(grants) => Ok((policy, grants)),
            Err(e) => anyhow::bail!("policy {} cannot be read: {e}", policy.1),
        })
        .collect()
}

/// The ways out an identity's policies give it.
fn ways(attached: &[Attached], documents: &HashMap<PolicyRef, Vec<Grant>>) -> Vec<Way> {
    attached
        .iter()
        .flat_map(|(policy, group)| {
            documents
                .get(policy)
                .into_iter()
                .flatten()
                .map(move |grant| Way {
                    policy: policy.clone(),
                    group: group.clone(),
                    grant: grant.clone(),
                })
        })
        .collect()
}

/// A policy's statements that name `sts:AssumeRole` (GetPolicy gives the default version).
async fn read_policy(
    client: &Client,
    kind: &str,
    name: &str,
) -> anyhow::Result<Result<Vec<Grant>, String>> {
    let policy_type = match kind {
        "System" => PolicyType::System,
        _ => PolicyType::Custom,
    };
    let answer = client
        .ram()
        .get_policy(PolicyRefRequest {
            policy_type,
            policy_name: name.to_owned(),
        })
        .await
        .with_context(|| format!("ram:GetPolicy {name}"))?;
    Ok(answer
        .default_policy_version
        .and_then(|v| v.policy_document)
        .ok_or_else(|| "GetPolicy answered no document".to_owned())
        .and_then(|text| {
            PolicyDocument::parse(&text, PolicyKind::Identity).map_err(|e| e.to_string())
        })
        .map(|doc| doc.grants("sts:AssumeRole")))
}

/// One role's trust policy (from GetRole: list answers leave it out) and attached policies.
async fn read_role(
    client: Client,
    role: crossram_client::api::ram::Role,
) -> anyhow::Result<RoleAccess> {
    let by_name = || RoleNameRequest {
        role_name: role.role_name.clone(),
    };
    let full = client
        .ram()
        .get_role(by_name())
        .await
        .with_context(|| format!("ram:GetRole {}", role.role_name))?
        .role;
    let grants = full
        .assume_role_policy_document
        .as_deref()
        .ok_or_else(|| "GetRole answered no AssumeRolePolicyDocument".to_owned())
        .and_then(|text| PolicyDocument::parse(text, PolicyKind::Trust).map_err(|e| e.to_string()))
        .map(|doc| assume_grants(&doc));
    let policies = client
        .ram()
        .list_policies_for_role(by_name())
        .await
        .with_context(|| format!("ram:ListPoliciesForRole {}", role.role_name))?
        .policies
        .into_iter()
        .map(|p| (p.policy_type, p.policy_name))
        .collect();
    Ok(RoleAccess {
        name: role.role_name,
        arn: role.arn,
        grants,
        policies,
        ways: Vec::new(),
    })
}

/// The ways in: the statements that name `sts:AssumeRole`, or the SAML or OIDC form of it
/// (what a Federated principal is trusted for), each once, in statement order.
fn assume_grants(doc: &PolicyDocument) -> Vec<Grant> {
    let mut grants: Vec<Grant> = Vec::new();
    for action in [
        "sts:AssumeRole",
        "sts:AssumeRoleWithSAML",
        "sts:AssumeRoleWithOIDC",
    ] {
        for g in doc.grants(action) {
            if !grants.iter().any(|have| have.statement == g.statement) {
                grants.push(g);
            }
        }
    }
    grants.sort_by_key(|g| g.statement);
    grants
}

/// Who an entry admits, as a reader of this account sees it.
fn reach(t: &Trusted, account: &str) -> &'static str {
    match t {
        Trusted::AnyRam => "any RAM identity of any account",
        Trusted::Service(_) => "a cloud service",
        Trusted::Federated(_) => "an identity provider",
        _ if t.account() == Some(account) => "this account",
        _ => "another account",
    }
}

/// The unconditional Deny among an identity's ways (`all`) that takes back everything Allow
/// way `way` lets through, if any: the identity's policies refuse what `way` seems to allow.
fn way_refused_by<'w>(way: &Way, all: &'w [Way]) -> Option<&'w Way> {
    all.iter().find(|d| d.grant.refuses_all_of(&way.grant))
}

/// A way out as text: `RESOURCES  (POLICY (TYPE), statement N, through group G)  when ...`,
/// then `  but refused by POLICY (TYPE) statement N` when a Deny of the identity's (`all`)
/// takes it back, and a note when none of its resources is a role's ARN.
fn way_text(way: &Way, all: &[Way], now: &str) -> String {
    let g = &way.grant;
    let group = way
        .group
        .as_deref()
        .map(|g| format!(", through group {g}"))
        .unwrap_or_default();
    let refused = way_refused_by(way, all)
        .map(|d| {
            format!(
                "  but refused by {} ({}) statement {}",
                d.policy.1, d.policy.0, d.grant.statement
            )
        })
        .unwrap_or_default();
    let no_role = if g.matches_some_role() {
        ""
    } else {
        "  (matches no role: a role's ARN is acs:ram::<account>:role/<name>)"
    };
    format!(
        "{}  ({} ({}), statement {}{group}){}{refused}{no_role}",
        g.resources.join(", "),
        way.policy.1,
        way.policy.0,
        g.statement,
        when(&g.conditions, now),
    )
}

/// A way out as JSON: `{policy, type, group, statement, effect, resources, conditions,
/// refused_by, matches_roles}`; `refused_by` is `{policy, type, statement}` of the Deny among
/// the identity's ways (`all`) that takes it back, or null.
fn way_json(way: &Way, all: &[Way], now: &str) -> Value {
    let refused_by = way_refused_by(way, all)
        .map(|d| json!({"policy": d.policy.1, "type": d.policy.0, "statement": d.grant.statement}));
    json!({
        "policy": way.policy.1,
        "type": way.policy.0,
        "group": way.group,
        "statement": way.grant.statement,
        "effect": way.grant.effect.as_str(),
        "resources": way.grant.resources,
        "conditions": conditions_json(&way.grant.conditions, now),
        "refused_by": refused_by,
        "matches_roles": way.grant.matches_some_role(),
    })
}

/// `  when Bool acs:MFAPresent true and StringEquals sts:ExternalId`, or nothing for no
/// condition (the conditions of a statement must all hold); then `  (not met now: ...)` when
/// the time alone fails one of them at `now`.
fn when(conditions: &[ConditionKey], now: &str) -> String {
    if conditions.is_empty() {
        return String::new();
    }
    let stale = unmet_now(conditions, now)
        .map(|c| format!("  (not met now: {c})"))
        .unwrap_or_default();
    format!("  when {}{stale}", all_of(conditions))
}

/// The first condition that the time alone fails at `now` (an `acs:CurrentTime` date that has
/// passed, or not yet come): the statement grants nothing now.
fn unmet_now<'c>(conditions: &'c [ConditionKey], now: &str) -> Option<&'c ConditionKey> {
    conditions.iter().find(|c| c.holds_at(now) == Some(false))
}

/// Conditions joined by `and`.
fn all_of(conditions: &[ConditionKey]) -> String {
    let keys: Vec<String> = conditions.iter().map(ToString::to_string).collect();
    keys.join(" and ")
}

/// Whether a trust entry names a user or role of `report`'s own account: `Some(false)` when
/// no such user or role exists (whoever later creates one by that name is trusted), `None`
/// for any other entry.
fn exists(t: &Trusted, report: &Report) -> Option<bool> {
    match t {
        Trusted::User(a, name) if *a == report.account => Some(report.user_names.contains(name)),
        Trusted::Role(a, name) if *a == report.account => {
            Some(report.roles.iter().any(|r| r.name == *name))
        }
        _ => None,
    }
}

/// Whether Deny entry `d` refuses every identity Allow entry `t` admits: `*` refuses every
/// RAM identity, an account's root every identity of that account, any entry itself.
fn covers(d: &Trusted, t: &Trusted) -> bool {
    match (d, t) {
        (
            Trusted::AnyRam,
            Trusted::AnyRam | Trusted::Account(_) | Trusted::User(..) | Trusted::Role(..),
        ) => true,
        (Trusted::Account(a), Trusted::Account(b) | Trusted::User(b, _) | Trusted::Role(b, _)) => {
            a == b
        }
        // Service names compare as the policy engine compares them.
        (Trusted::Service(a), Trusted::Service(b)) => a.eq_ignore_ascii_case(b),
        _ => d == t,
    }
}

/// The statement of an unconditional Deny that refuses everyone Allow entry `t` admits, if
/// any: such an entry admits nobody, whatever its Allow says.
fn refused_by(grants: &[Grant], t: &Trusted) -> Option<usize> {
    grants
        .iter()
        .filter(|g| g.effect == Effect::Deny && g.conditions.is_empty())
        .find(|g| g.principals.iter().any(|d| covers(d, t)))
        .map(|g| g.statement)
}

/// A role that can be reached, and on what: each statement that lets it be brings its
/// conditions as one alternative, and one statement without conditions makes it unconditional.
struct Reachable<'r> {
    role: &'r str,
    /// The alternatives (any one suffices); empty when some statement has no condition.
    when: Vec<&'r [ConditionKey]>,
    unconditional: bool,
}

impl Reachable<'_> {
    /// `ecs-vendor`, or `ecs-vendor (when StringEquals sts:ExternalId; or when ...)`; an
    /// alternative the time alone fails at `now` is marked `(not met now)`.
    fn describe(&self, now: &str) -> String {
        if self.unconditional {
            return self.role.to_owned();
        }
        let alternatives: Vec<String> = self
            .when
            .iter()
            .map(|keys| {
                let stale = if unmet_now(keys, now).is_some() {
                    " (not met now)"
                } else {
                    ""
                };
                format!("when {}{stale}", all_of(keys))
            })
            .collect();
        format!("{} ({})", self.role, alternatives.join("; or "))
    }

    fn to_json(&self, now: &str) -> Value {
        let when: Vec<Value> = if self.unconditional {
            Vec::new()
        } else {
            self.when
                .iter()
                .map(|keys| conditions_json(keys, now))
                .collect()
        };
        json!({"name": self.role, "when": when})
    }
}

/// Conditions as `[{operator, key, values, met_now}]`: `values` null for `sts:ExternalId`,
/// `met_now` whether the time alone meets it at `now` (null when the request decides).
fn conditions_json(keys: &[ConditionKey], now: &str) -> Value {
    keys.iter()
        .map(|c| {
            json!({"operator": c.operator, "key": c.key, "values": c.values,
                   "met_now": c.holds_at(now)})
        })
        .collect()
}

/// Adds what `grant` lets of `role` to `list`.
fn add<'r>(list: &mut Vec<Reachable<'r>>, role: &'r str, grant: &'r Grant) {
    let at = match list.iter().position(|r| r.role == role) {
        Some(at) => at,
        None => {
            list.push(Reachable {
                role,
                when: Vec::new(),
                unconditional: false,
            });
            list.len() - 1
        }
    };
    if let Some(r) = list.get_mut(at) {
        if grant.conditions.is_empty() {
            r.unconditional = true;
        } else if !r.when.contains(&grant.conditions.as_slice()) {
            r.when.push(&grant.conditions);
        }
    }
}

/// The other accounts whose identities some role admits, each with those roles, and the roles
/// that admit any RAM identity of any account. An Allow entry an unconditional Deny of the
/// same policy takes back counts for nothing; a conditional Deny does not take it back (the
/// per-role lines show it).
fn exposure(report: &Report) -> (BTreeMap<&str, Vec<Reachable<'_>>>, Vec<Reachable<'_>>) {
    let mut others: BTreeMap<&str, Vec<Reachable<'_>>> = BTreeMap::new();
    let mut open = Vec::new();
    for role in &report.roles {
        let Ok(grants) = &role.grants else { continue };
        for grant in grants.iter().filter(|g| g.effect == Effect::Allow) {
            for t in &grant.principals {
                if refused_by(grants, t).is_some() {
                    continue;
                }
                match t.account() {
                    Some(a) if a != report.account => {
                        add(others.entry(a).or_default(), &role.name, grant);
                    }
                    _ if *t == Trusted::AnyRam => add(&mut open, &role.name, grant),
                    _ => {}
                }
            }
        }
    }
    (others, open)
}

fn to_text(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let alias = report
        .alias
        .as_deref()
        .map(|a| format!(" ({a})"))
        .unwrap_or_default();
    let _ = writeln!(
        out,
        "account {}{alias}: {} role{}",
        report.account,
        report.roles.len(),
        if report.roles.len() == 1 { "" } else { "s" }
    );
    for role in &report.roles {
        let _ = writeln!(out, "\nrole {} ({})", role.name, role.arn);
        match &role.grants {
            Err(e) => {
                let _ = writeln!(out, "  trust policy unreadable: {e}");
            }
            Ok(grants)
                if !grants
                    .iter()
                    .any(|g| g.effect == Effect::Allow && !g.principals.is_empty()) =>
            {
                let _ = writeln!(out, "  may be assumed by  nobody");
            }
            Ok(_) => {}
        }
        let grants = role.grants.as_deref().unwrap_or_default();
        for grant in grants {
            let verb = match grant.effect {
                Effect::Allow => "may be assumed by",
                Effect::Deny => "refused to       ",
            };
            let when = when(&grant.conditions, &report.now);
            for t in &grant.principals {
                let refused = match (grant.effect, refused_by(grants, t)) {
                    (Effect::Allow, Some(i)) => format!("  but refused by statement {i}"),
                    _ => String::new(),
                };
                let missing = match (exists(t, report), t) {
                    (Some(false), Trusted::User(..)) => "  (no such user in this account)",
                    (Some(false), _) => "  (no such role in this account)",
                    _ => "",
                };
                let _ = writeln!(
                    out,
                    "  {verb}  {t}  ({}, statement {}){when}{refused}{missing}",
                    reach(t, &report.account),
                    grant.statement
                );
            }
        }
        if role.policies.is_empty() {
            let _ = writeln!(out, "  grants             no policy");
        }
        for (kind, name) in &role.policies {
            let _ = writeln!(out, "  grants             {name} ({kind})");
        }
        for way in &role.ways {
            let verb = match way.grant.effect {
                Effect::Allow => "may itself assume ",
                Effect::Deny => "refused to assume ",
            };
            let _ = writeln!(out, "  {verb} {}", way_text(way, &role.ways, &report.now));
        }
    }
    let _ = writeln!(out);
    if report.users.is_empty() {
        let _ = writeln!(out, "no user of {} may call sts:AssumeRole", report.account);
    } else {
        let _ = writeln!(
            out,
            "users who may call sts:AssumeRole (into any role whose trust admits them):"
        );
    }
    let width = report.users.iter().map(|u| u.name.len()).max().unwrap_or(0);
    for user in &report.users {
        for way in &user.ways {
            let verb = match way.grant.effect {
                Effect::Allow => "may assume",
                Effect::Deny => "refused   ",
            };
            let _ = writeln!(
                out,
                "  {:<width$}  {verb}  {}",
                user.name,
                way_text(way, &user.ways, &report.now)
            );
        }
    }
    let (others, open) = exposure(report);
    let _ = writeln!(out);
    if others.is_empty() {
        let _ = writeln!(
            out,
            "no other account can assume a role of {}",
            report.account
        );
    }
    let describe = |roles: &[Reachable<'_>]| -> Vec<String> {
        roles.iter().map(|r| r.describe(&report.now)).collect()
    };
    for (account, roles) in &others {
        let _ = writeln!(
            out,
            "account {account} can assume {} of {}",
            describe(roles).join(", "),
            report.account
        );
    }
    if !open.is_empty() {
        let _ = writeln!(
            out,
            "warning: any RAM identity of any account may assume {}",
            describe(&open).join(", ")
        );
    }
    out
}

fn to_json(report: &Report) -> Value {
    let roles: Vec<Value> = report
        .roles
        .iter()
        .map(|role| {
            let mut v = serde_json::Map::new();
            v.insert("name".into(), json!(role.name));
            v.insert("arn".into(), json!(role.arn));
            let policies: Vec<Value> = role
                .policies
                .iter()
                .map(|(kind, name)| json!({"type": kind, "name": name}))
                .collect();
            v.insert("policies".into(), Value::Array(policies));
            let assume: Vec<Value> = role
                .ways
                .iter()
                .map(|w| way_json(w, &role.ways, &report.now))
                .collect();
            v.insert("assume".into(), Value::Array(assume));
            match &role.grants {
                Ok(grants) => {
                    let trust: Vec<Value> = grants
                        .iter()
                        .flat_map(|g| g.principals.iter().map(move |t| (g, t)))
                        .map(|(g, t)| {
                            let conditions = conditions_json(&g.conditions, &report.now);
                            json!({
                                "statement": g.statement,
                                "effect": g.effect.as_str(),
                                "principal": t.to_string(),
                                "account": t.account(),
                                "reach": reach(t, &report.account),
                                "conditions": conditions,
                                "refused_by_statement": match g.effect {
                                    Effect::Allow => refused_by(grants, t),
                                    Effect::Deny => None,
                                },
                                "exists": exists(t, report),
                            })
                        })
                        .collect();
                    v.insert("trust".into(), Value::Array(trust));
                }
                Err(e) => {
                    v.insert("trust_error".into(), Value::String(e.clone()));
                }
            }
            Value::Object(v)
        })
        .collect();
    let (others, open) = exposure(report);
    json!({
        "account": report.account,
        "alias": report.alias,
        "roles": roles,
        "other_accounts": others.iter().map(|(account, roles)| {
            json!({"account": account, "roles": roles.iter().map(|r| r.to_json(&report.now)).collect::<Vec<_>>()})
        }).collect::<Vec<_>>(),
        "open_to_any_account": open.iter().map(|r| r.to_json(&report.now)).collect::<Vec<_>>(),
        "users": report.users.iter().map(|u| json!({
            "name": u.name,
            "assume": u.ways.iter().map(|w| way_json(w, &u.ways, &report.now)).collect::<Vec<_>>(),
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const NOW: &str = "2026-11-30T07:00:00Z";

    fn grant(statement: usize, conditions: &[&str]) -> Grant {
        Grant {
            statement,
            effect: Effect::Allow,
            principals: vec![Trusted::AnyRam],
            resources: Vec::new(),
            conditions: conditions
                .iter()
                .map(|key| ConditionKey {
                    operator: "StringEquals",
                    key: (*key).to_owned(),
                    values: None,
                })
                .collect(),
        }
    }

    #[test]
    fn each_statement_is_an_alternative_and_one_without_conditions_wins() {
        let (a, b, none) = (
            grant(0, &["sts:ExternalId"]),
            grant(1, &["acs:SourceVpc"]),
            grant(2, &[]),
        );
        let mut list = Vec::new();
        add(&mut list, "r", &a);
        add(&mut list, "r", &b);
        add(&mut list, "r", &a);
        assert_eq!(
            list.iter().map(|r| r.describe(NOW)).collect::<Vec<_>>(),
            ["r (when StringEquals sts:ExternalId; or when StringEquals acs:SourceVpc)"]
        );
        add(&mut list, "r", &none);
        assert_eq!(list[0].describe(NOW), "r");
        assert_eq!(list[0].to_json(NOW), json!({"name": "r", "when": []}));
    }

    #[test]
    fn a_deny_of_a_service_covers_it_in_any_case() {
        let allow = Trusted::Service("ecs.aliyuncs.com".into());
        let deny = Trusted::Service("ECS.aliyuncs.com".into());
        assert!(covers(&deny, &allow));
        assert!(covers(
            &Trusted::AnyRam,
            &Trusted::User("1".into(), "a".into())
        ));
        assert!(!covers(&Trusted::AnyRam, &allow));
        assert!(!covers(
            &Trusted::Account("2".into()),
            &Trusted::User("1".into(), "a".into())
        ));
    }
}
