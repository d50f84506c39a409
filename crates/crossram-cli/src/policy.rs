//! `crossram policy simulate`: decides one request against policy files (DESIGN.md contract).
//!
//! Each file's kind is detected from its content: a file where any statement has `Principal` is
//! a trust policy, any other an identity policy. With only one kind present, all files form one
//! policy set (any Deny wins, else any Allow). With both kinds present the request is decided as
//! AssumeRole is (spec §5.6): the identity files (caller side) **and** the trust files must
//! Allow, an explicit Deny on either side wins, and the JSON output names the side that refused.
//! Trust policies compare their `Principal` with `--principal` when it is given and ignore it
//! otherwise.
//!
//! Exit status: 0 when a decision was made (whatever it is), 2 for unusable input: unreadable
//! or malformed policy files (the message names the file, statement and element), an action
//! that is not `service:Action`, a resource that is neither `*` nor an ARN, bad `--principal` or
//! `--context` values (including a value the service could not send for one of its typed keys),
//! bad arguments.

use std::process::ExitCode;

use clap::{Args, Subcommand};
use crossram_core::policy::{self, NearMiss, Unmet, combine_assume_role, evaluate, near_misses};
use crossram_core::{
    Context, Decision, Evaluation, NamedPolicy, PolicyDocument, PolicyKind, Principal, Request,
};
use serde_json::{Value, json};

/// `crossram policy ...`.
#[derive(Debug, Args)]
pub(crate) struct PolicyArgs {
    #[command(subcommand)]
    command: PolicyCommand,
}

#[derive(Debug, Subcommand)]
enum PolicyCommand {
    /// Evaluate identity or trust policies for one request and print the decision.
    ///
    /// Exit status: 0 when a decision was made, whatever it is (Allow, ExplicitDeny or
    /// ImplicitDeny); 2 for a malformed policy, action, resource or context value.
    Simulate(SimulateArgs),
}

#[derive(Debug, Args)]
struct SimulateArgs {
    /// A policy document (JSON); repeat for several. Trust policies are recognised by Principal.
    #[arg(
        long = "policy",
        value_name = "FILE",
        required_unless_present = "system_policies"
    )]
    policies: Vec<String>,
    /// A system policy by name, e.g. AliyunECSFullAccess (the emulator's copy); repeat for
    /// several.
    #[arg(long = "system-policy", value_name = "NAME")]
    system_policies: Vec<String>,
    /// The action, e.g. ecs:StopInstance.
    #[arg(long, value_name = "ACTION")]
    action: String,
    /// The resource ARN, e.g. acs:ecs:cn-hangzhou:11223344:instance/i-1.
    #[arg(long, value_name = "ARN")]
    resource: String,
    /// The caller, e.g. acs:ram::12345678:user/Alice; trust policies then match their Principal.
    #[arg(long, value_name = "ARN")]
    principal: Option<String>,
    /// A condition key and value, e.g. acs:SourceIp=203.0.113.7; repeat a key for more values.
    #[arg(long = "context", value_name = "KEY=VALUE")]
    context: Vec<String>,
    /// Print one JSON object instead of the decision alone.
    #[arg(long)]
    json: bool,
}

/// Runs `crossram policy ...`.
pub(crate) fn run(args: PolicyArgs) -> ExitCode {
    match args.command {
        PolicyCommand::Simulate(a) => match simulate(&a) {
            Ok(out) => {
                crate::print_line(&out);
                ExitCode::SUCCESS
            }
            Err(msg) => {
                eprintln!("crossram policy simulate: {msg}");
                ExitCode::from(2)
            }
        },
    }
}

fn simulate(args: &SimulateArgs) -> Result<String, String> {
    let mut docs = Vec::with_capacity(args.policies.len());
    for file in &args.policies {
        let text =
            std::fs::read_to_string(file).map_err(|e| format!("{file}: cannot read: {e}"))?;
        let doc = PolicyDocument::parse_detect(&text).map_err(|e| format!("{file}: {e}"))?;
        docs.push((file.as_str(), doc));
    }
    for name in &args.system_policies {
        let policy = crossram_core::system_policies::system_policy(name).ok_or_else(|| {
            let known: Vec<&str> = crossram_core::system_policies::all()
                .iter()
                .map(|p| p.name)
                .collect();
            format!(
                "--system-policy {name:?}: not a system policy the emulator knows ({})",
                known.join(", ")
            )
        })?;
        docs.push((policy.name, policy.document().clone()));
    }
    // A request the real service could not receive would only ever be denied, implicitly,
    // which reads like an answer: refuse it instead.
    if !args
        .action
        .split_once(':')
        .is_some_and(|(service, name)| !service.is_empty() && !name.is_empty())
    {
        return Err(format!(
            "--action {:?}: expected service:Action, e.g. ecs:StopInstance",
            args.action
        ));
    }
    if args.resource != "*" {
        crossram_core::Arn::parse(&args.resource).map_err(|_| {
            format!(
                "--resource {:?}: expected * or an ARN, acs:service:region:account:resource, \
                 e.g. acs:ecs:cn-hangzhou:11223344:instance/i-1",
                args.resource
            )
        })?;
    }
    let principal = match &args.principal {
        Some(p) => {
            Some(Principal::parse_arn(p).map_err(|e| format!("--principal: {}", e.message()))?)
        }
        None => None,
    };
    let mut context = Context::default();
    for kv in &args.context {
        let (k, v) = kv
            .split_once('=')
            .filter(|(k, _)| !k.is_empty())
            .ok_or_else(|| format!("--context {kv:?}: expected KEY=VALUE"))?;
        // A value the service could never send for one of its own keys would only read as a
        // denial.
        if let Some(what) = Context::expected_form(k, v) {
            return Err(format!("--context {k}={v}: expected {what}"));
        }
        context.insert(k, v);
    }
    let request = Request {
        action: &args.action,
        resource: &args.resource,
        principal: principal.as_ref(),
        context: &context,
    };
    let named = |kind: PolicyKind| -> Vec<NamedPolicy<'_>> {
        docs.iter()
            .filter(|(_, d)| d.kind() == kind)
            .map(|(name, document)| NamedPolicy { name, document })
            .collect()
    };
    let identity = named(PolicyKind::Identity);
    let trust = named(PolicyKind::Trust);
    let has_trust = !trust.is_empty();
    let all: Vec<NamedPolicy<'_>> = identity.iter().chain(&trust).copied().collect();
    // The decision, the side that refused (identity and trust together decide like
    // AssumeRole), and for an implicit deny the statements that came close on every side that
    // refused, and why they did not apply.
    let mut notes: Vec<String> = Vec::new();
    // Explains one set of policies that refused implicitly: its near misses, or that none of
    // its statements allows the action at all.
    let explain = |policies: &[NamedPolicy<'_>], which: &str, notes: &mut Vec<String>| {
        let near = near_misses(&request, policies);
        if near.is_empty() {
            notes.push(format!(
                "no statement of {which} allows {} on {}",
                args.action, args.resource
            ));
        }
        near
    };
    let (evaluation, refused_by, near) = if !identity.is_empty() && !trust.is_empty() {
        let r = combine_assume_role(evaluate(&request, &identity), evaluate(&request, &trust));
        let mut near = Vec::new();
        if r.decision == Decision::ImplicitDeny {
            if r.caller.decision == Decision::ImplicitDeny {
                near.extend(explain(&identity, "the identity policies", &mut notes));
            }
            if r.trust.decision == Decision::ImplicitDeny {
                near.extend(explain(&trust, "the trust policies", &mut notes));
            }
        }
        if let (Decision::ImplicitDeny | Decision::ExplicitDeny, Some(side)) =
            (r.decision, r.refused_by)
        {
            notes.insert(
                0,
                match side {
                    policy::Side::Caller => "refused by the caller's side: the identity policies",
                    policy::Side::Trust => "refused by the role's side: the trust policies",
                }
                .to_owned(),
            );
        }
        (r.to_evaluation(), r.refused_by, near)
    } else {
        let evaluation: Evaluation = evaluate(&request, &all);
        let near = match evaluation.decision {
            Decision::ImplicitDeny => explain(&all, "the policies", &mut notes),
            _ => Vec::new(),
        };
        (evaluation, None, near)
    };
    // AssumeRole takes an Allow from both sides (spec §5.6): a decision from one side alone is
    // half the answer, whatever it is.
    if args.action.eq_ignore_ascii_case("sts:AssumeRole") {
        if !has_trust {
            notes.push(
                "only the caller's side was decided: AssumeRole also needs the role's trust \
                 policy to allow (give it with --policy)"
                    .to_owned(),
            );
        } else if identity.is_empty() {
            notes.push(
                "only the role's side was decided: AssumeRole also needs the caller's own \
                 policies to allow sts:AssumeRole on the role (give them with --policy or \
                 --system-policy)"
                    .to_owned(),
            );
        }
    }
    if has_trust && principal.is_none() {
        notes.push(
            "no --principal: the Principal elements of the trust policies were not checked \
             (give the caller's ARN to decide as AssumeRole does)"
                .to_owned(),
        );
    }
    // Trust policies never let a root assume a role, whatever they say: say so, or the
    // ImplicitDeny would read as a Principal that does not match.
    if matches!(principal, Some(Principal::Root { .. })) && has_trust {
        notes.push(
            "a root principal is never trusted: roles may not be assumed by root accounts (the \
             service answers NoPermission to a root AccessKey's AssumeRole); use a RAM user"
                .to_owned(),
        );
    }
    for (file, doc) in &docs {
        for (statement, pattern, why) in doc.resource_warnings() {
            notes.push(format!("{file}#{statement}: resource {pattern}: {why}"));
        }
    }
    for name in &args.system_policies {
        notes.push(format!(
            "{name} is the emulator's copy of the system policy; the cloud's may differ \
             (`crossram call ram GetPolicy PolicyType=System PolicyName={name}` shows it)"
        ));
    }
    if !args.json {
        for note in &notes {
            eprintln!("crossram policy simulate: note: {note}");
        }
        for n in &near {
            eprintln!("crossram policy simulate: note: {n}");
        }
        return Ok(evaluation.decision.to_string());
    }
    let kind_name = |k: PolicyKind| match k {
        PolicyKind::Identity => "identity",
        PolicyKind::Trust => "trust",
        PolicyKind::Session => "session",
    };
    let mut out = json!({
        "decision": evaluation.decision.as_str(),
        "matched": evaluation.matched.iter().map(|m| json!({
            "policy": m.policy,
            "statement": m.statement,
            "effect": m.effect.as_str(),
        })).collect::<Vec<_>>(),
        "action": args.action,
        "resource": args.resource,
        "principal": principal.as_ref().map(Principal::arn),
        "policies": docs.iter().map(|(f, d)| json!({"file": f, "kind": kind_name(d.kind())})).collect::<Vec<_>>(),
    });
    if let (Some(side), Value::Object(map)) = (refused_by, &mut out)
        && evaluation.decision != Decision::Allow
    {
        map.insert("refused_by".into(), Value::String(side.as_str().into()));
    }
    if let (Decision::ImplicitDeny, Value::Object(map)) = (evaluation.decision, &mut out) {
        let near: Vec<Value> = near.iter().map(near_miss_json).collect();
        map.insert("near_misses".into(), Value::Array(near));
    }
    if let (false, Value::Object(map)) = (notes.is_empty(), &mut out) {
        map.insert("note".into(), Value::String(notes.join("; ")));
    }
    Ok(out.to_string())
}

/// One near miss as `--json` prints it: the statement, then each failed element with what
/// failed (`Resource`, `Principal`, or a condition's operator and key and whether it was sent).
fn near_miss_json(n: &NearMiss) -> Value {
    let unmet: Vec<Value> = n
        .unmet
        .iter()
        .map(|u| match u {
            Unmet::Resource => json!({"element": "Resource"}),
            Unmet::Principal => json!({"element": "Principal"}),
            Unmet::Conditions => json!({"element": "Conditions"}),
            Unmet::Condition {
                operator,
                key,
                sent,
            } => json!({"element": "Condition", "operator": operator, "key": key, "sent": sent}),
        })
        .collect();
    json!({
        "policy": n.policy,
        "statement": n.statement,
        "unmet": unmet,
        "explanation": n.to_string(),
    })
}
