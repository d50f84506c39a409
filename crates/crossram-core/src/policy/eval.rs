//! Evaluation of requests against policy sets (spec §5.5) and the whole-request rules built on
//! it: identity ∩ session policy, and cross-account AssumeRole (§5.6).

use std::cmp::Ordering;

use std::fmt;

use super::{
    Decision, Effect, Evaluation, Matched, NamedPolicy, PolicyDocument, Request, Statement, Trusted,
};
use crate::arn::Principal;

/// How `Principal` elements are treated.
#[derive(Clone, Copy, Debug)]
enum PrincipalMode<'a> {
    /// Not checked (no principal given to a simulation).
    Ignore,
    /// Must trust this principal.
    Match(&'a Principal),
    /// Match nobody.
    Nobody,
}

impl Trusted {
    fn trusts(&self, p: &Principal) -> bool {
        match (self, p) {
            (Self::AnyRam, Principal::User { .. } | Principal::RoleSession { .. }) => true,
            (
                Self::Account(a),
                Principal::User { account, .. } | Principal::RoleSession { account, .. },
            ) => account.as_str() == a,
            (
                Self::User(a, n),
                Principal::User {
                    account, user_name, ..
                },
            ) => account.as_str() == a && user_name == n,
            (
                Self::Role(a, n),
                Principal::RoleSession {
                    account, role_name, ..
                },
            ) => account.as_str() == a && role_name == n,
            (Self::Service(s), Principal::Service { name }) => s.eq_ignore_ascii_case(name),
            _ => false,
        }
    }
}

fn statement_matches(s: &Statement, request: &Request<'_>, mode: PrincipalMode<'_>) -> bool {
    let action_hit = s.actions.items.iter().any(|a| a.matches(request.action));
    if action_hit == s.not_action {
        return false;
    }
    if let Some(r) = &s.resources
        && !r.items.iter().any(|p| p.matches(request.resource))
    {
        return false;
    }
    if let Some(p) = &s.principal {
        match mode {
            PrincipalMode::Ignore => {}
            PrincipalMode::Match(who) => {
                if !p.trusted.iter().any(|t| t.trusts(who)) {
                    return false;
                }
            }
            PrincipalMode::Nobody => return false,
        }
    }
    match &s.condition {
        Some(blocks) => blocks.iter().all(|b| b.matches(request.context)),
        None => true,
    }
}

/// Why a statement that names the request's action did not apply to it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Unmet {
    /// No `Resource` pattern matches the request's resource.
    Resource,
    /// The `Principal` element does not trust the caller.
    Principal,
    /// Some condition does not hold, and which is not said: the statement admits the caller
    /// only through `"RAM": "*"`, so anyone could read a detailed answer and, trying values,
    /// learn what the conditions want.
    Conditions,
    /// A condition key does not hold.
    Condition {
        /// The operator, e.g. `StringEquals`.
        operator: &'static str,
        /// The key as the policy writes it, e.g. `sts:ExternalId`.
        key: String,
        /// Whether the request carried the key at all: a key that was not sent fails every
        /// positive operator, which is the usual cause (a missing `ExternalId`).
        sent: bool,
    },
}

impl fmt::Display for Unmet {
    /// Says what failed and never what the policy expects: a caller may read this about a
    /// policy of another account (a trust policy), whose values are not the caller's to see.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Resource => f.write_str("its Resource does not match the resource"),
            Self::Principal => f.write_str("its Principal does not trust the caller"),
            Self::Conditions => f.write_str(
                "its Condition does not hold (which key is not said to a caller it admits only \
                 through \"*\")",
            ),
            Self::Condition {
                operator,
                key,
                sent: false,
            } => write!(
                f,
                "the request carries no {key} for its {operator} condition"
            ),
            Self::Condition {
                operator,
                key,
                sent: true,
            } => write!(
                f,
                "the request's {key} does not satisfy its {operator} condition"
            ),
        }
    }
}

/// An Allow statement that names the request's action but did not apply to it, with every
/// element that failed: what an [`Decision::ImplicitDeny`] was short of.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct NearMiss {
    /// The [`NamedPolicy::name`] of its policy.
    pub policy: String,
    /// Its 0-based index in the `Statement` array.
    pub statement: usize,
    /// The elements that failed: `[Principal]` alone when the caller is not trusted (nothing
    /// more is said to an outsider), otherwise Resource and then the conditions as written.
    pub unmet: Vec<Unmet>,
}

impl fmt::Display for NearMiss {
    /// `trust policy#0 allows the action but does not apply: the request's sts:ExternalId does
    /// not satisfy its StringEquals condition`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}#{} allows the action but does not apply: ",
            self.policy, self.statement
        )?;
        for (i, u) in self.unmet.iter().enumerate() {
            if i > 0 {
                f.write_str("; and ")?;
            }
            write!(f, "{u}")?;
        }
        Ok(())
    }
}

/// How a statement's `Principal` admits the caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Admission {
    /// By an entry that names the caller, its account or its role (or no `Principal`, or a
    /// simulation that does not check it).
    Named,
    /// Only through `"RAM": "*"`: the statement admits anyone.
    Anyone,
    /// Not at all.
    No,
}

fn admission(s: &Statement, mode: PrincipalMode<'_>) -> Admission {
    let Some(p) = &s.principal else {
        return Admission::Named;
    };
    match mode {
        PrincipalMode::Ignore => Admission::Named,
        PrincipalMode::Nobody => Admission::No,
        PrincipalMode::Match(who) => {
            let admits = p.trusted.iter().filter(|t| t.trusts(who));
            let mut anyone = false;
            for t in admits {
                if *t != Trusted::AnyRam {
                    return Admission::Named;
                }
                anyone = true;
            }
            if anyone {
                Admission::Anyone
            } else {
                Admission::No
            }
        }
    }
}

/// Every element of `s` that fails for `request` (empty when the statement applies).
///
/// What a caller learns depends on how the `Principal` admits it. Not at all: that, and
/// nothing else; were the conditions listed too, an outsider could learn which keys a trust
/// policy tests and, trying values, tell a right `sts:ExternalId` from a wrong one by the
/// condition dropping out of the answer. Only through `"RAM": "*"`: that some condition fails,
/// not which (anyone is such a caller). By name: every failing key.
fn unmet(s: &Statement, request: &Request<'_>, mode: PrincipalMode<'_>) -> Vec<Unmet> {
    let admitted = admission(s, mode);
    if admitted == Admission::No {
        return vec![Unmet::Principal];
    }
    let mut out = Vec::new();
    if let Some(r) = &s.resources
        && !r.items.iter().any(|p| p.matches(request.resource))
    {
        out.push(Unmet::Resource);
    }
    for block in s.condition.iter().flatten() {
        for (key, sent) in block.unmet(request.context) {
            if admitted == Admission::Anyone {
                out.push(Unmet::Conditions);
                return out;
            }
            out.push(Unmet::Condition {
                operator: block.op.name(),
                key: key.to_owned(),
                sent,
            });
        }
    }
    out
}

/// Whether some Allow statement of `policies` that names the request's action admits the
/// request's principal, conditions and resource aside: whether the caller is one the trust
/// policy means at all. A refusal of a caller no statement admits is told the same way
/// whatever the caller sends (see [`near_misses`]): even a conditional Deny that matches must
/// not turn the answer into a different one, or the Deny's condition becomes an oracle.
pub fn admits(request: &Request<'_>, policies: &[NamedPolicy<'_>]) -> bool {
    let mode = match request.principal {
        Some(p) => PrincipalMode::Match(p),
        None => PrincipalMode::Ignore,
    };
    policies.iter().any(|policy| {
        let doc = policy.document;
        candidates(doc, request.action).any(|i| {
            doc.statements.get(i).is_some_and(|s| {
                let action_hit = s.actions.items.iter().any(|a| a.matches(request.action));
                s.effect == Effect::Allow
                    && action_hit != s.not_action
                    && admission(s, mode) != Admission::No
            })
        })
    })
}

/// The Allow statements of `policies` that name the request's action but do not apply to it,
/// in policy then statement order, each with the elements that failed. Principals are compared
/// as [`evaluate`] compares them. This explains an [`Decision::ImplicitDeny`] ("the statement
/// that would have allowed it wants an `sts:ExternalId`"); it walks every candidate statement
/// again, so callers ask for it on the denial path only.
pub fn near_misses(request: &Request<'_>, policies: &[NamedPolicy<'_>]) -> Vec<NearMiss> {
    let mode = match request.principal {
        Some(p) => PrincipalMode::Match(p),
        None => PrincipalMode::Ignore,
    };
    let mut out = Vec::new();
    for policy in policies {
        let doc = policy.document;
        for i in candidates(doc, request.action) {
            let Some(s) = doc.statements.get(i) else {
                continue;
            };
            let action_hit = s.actions.items.iter().any(|a| a.matches(request.action));
            if s.effect != Effect::Allow || action_hit == s.not_action {
                continue;
            }
            let unmet = unmet(s, request, mode);
            if !unmet.is_empty() {
                out.push(NearMiss {
                    policy: policy.name.to_owned(),
                    statement: i,
                    unmet,
                });
            }
        }
    }
    out
}

/// Compares a lower-case index key with a request's service prefix, ignoring ASCII case.
fn cmp_service(key: &str, service: &str) -> Ordering {
    key.bytes()
        .cmp(service.bytes().map(|b| b.to_ascii_lowercase()))
}

/// Indices of the statements of `doc` that `action` may match, ascending.
fn candidates<'d>(doc: &'d PolicyDocument, action: &str) -> Merge<'d> {
    let bucket: &[u32] = action
        .split_once(':')
        .and_then(|(svc, _)| {
            doc.index
                .by_service
                .binary_search_by(|(k, _)| cmp_service(k, svc))
                .ok()
        })
        .and_then(|pos| doc.index.by_service.get(pos))
        .map_or(&[], |(_, list)| list.as_slice());
    Merge {
        a: bucket,
        b: &doc.index.always,
    }
}

/// Merges two ascending index lists.
struct Merge<'d> {
    a: &'d [u32],
    b: &'d [u32],
}

impl Iterator for Merge<'_> {
    type Item = usize;
    fn next(&mut self) -> Option<usize> {
        let take_a = match (self.a.first(), self.b.first()) {
            (Some(x), Some(y)) => x <= y,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (None, None) => return None,
        };
        let list = if take_a { &mut self.a } else { &mut self.b };
        let (first, rest) = list.split_first()?;
        *list = rest;
        usize::try_from(*first).ok()
    }
}

fn evaluate_with(
    request: &Request<'_>,
    policies: &[NamedPolicy<'_>],
    mode: PrincipalMode<'_>,
) -> Evaluation {
    let mut matched: Vec<Matched> = Vec::new();
    let mut denied = false;
    for policy in policies {
        let doc = policy.document;
        for i in candidates(doc, request.action) {
            let Some(s) = doc.statements.get(i) else {
                continue;
            };
            if (denied && s.effect == Effect::Allow) || !statement_matches(s, request, mode) {
                continue;
            }
            if s.effect == Effect::Deny && !denied {
                denied = true;
                matched.clear();
            }
            matched.push(Matched {
                policy: policy.name.to_owned(),
                statement: i,
                effect: s.effect,
            });
        }
    }
    let decision = if denied {
        Decision::ExplicitDeny
    } else if matched.is_empty() {
        Decision::ImplicitDeny
    } else {
        Decision::Allow
    };
    Evaluation { decision, matched }
}

/// Evaluates one policy set (spec §5.5): any matching Deny → [`Decision::ExplicitDeny`]; else
/// any matching Allow → [`Decision::Allow`]; else [`Decision::ImplicitDeny`].
///
/// `Principal` elements are compared with `request.principal` when it is `Some`, and not
/// checked when it is `None` (simulation without a caller).
pub fn evaluate(request: &Request<'_>, policies: &[NamedPolicy<'_>]) -> Evaluation {
    let mode = match request.principal {
        Some(p) => PrincipalMode::Match(p),
        None => PrincipalMode::Ignore,
    };
    evaluate_with(request, policies, mode)
}

/// Intersects independent evaluations: any explicit deny wins (with every deny as reason);
/// otherwise all must allow (with every allow as reason); otherwise implicit deny.
fn intersect(parts: Vec<Evaluation>) -> Evaluation {
    if parts.iter().any(|e| e.decision == Decision::ExplicitDeny) {
        let matched = parts
            .into_iter()
            .filter(|e| e.decision == Decision::ExplicitDeny)
            .flat_map(|e| e.matched)
            .collect();
        return Evaluation {
            decision: Decision::ExplicitDeny,
            matched,
        };
    }
    if parts.iter().all(|e| e.decision == Decision::Allow) {
        return Evaluation {
            decision: Decision::Allow,
            matched: parts.into_iter().flat_map(|e| e.matched).collect(),
        };
    }
    Evaluation::implicit_deny()
}

/// Decides a request of a RAM identity (spec §5.5 stages 2-3): its identity policies (user's
/// own and its groups', or the role's) and, for a role session, the session policy passed to
/// AssumeRole. The session policy can only narrow: both must Allow; any explicit Deny wins.
pub fn authorize(
    request: &Request<'_>,
    identity: &[NamedPolicy<'_>],
    session: Option<NamedPolicy<'_>>,
) -> Evaluation {
    let id = evaluate_with(request, identity, PrincipalMode::Ignore);
    match session {
        None => id,
        Some(s) => {
            let sess = evaluate_with(request, std::slice::from_ref(&s), PrincipalMode::Ignore);
            intersect(vec![id, sess])
        }
    }
}

/// Which side of an AssumeRole refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Side {
    /// The caller's own account: its identity (and session) policies.
    Caller,
    /// The role's trust policy.
    Trust,
}

impl Side {
    /// `caller` or `trust`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Caller => "caller",
            Self::Trust => "trust",
        }
    }
}

/// The decision on an AssumeRole request, with both sides' evaluations.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssumeRoleEvaluation {
    /// Allow only when both sides allow; an explicit deny on either side wins.
    pub decision: Decision,
    /// The side that refused (the caller side when both did); `None` when allowed.
    pub refused_by: Option<Side>,
    /// The caller side's evaluation (identity ∩ session).
    pub caller: Evaluation,
    /// The trust policy's evaluation.
    pub trust: Evaluation,
}

impl AssumeRoleEvaluation {
    /// The deciding statements of both sides: the denies for an explicit deny, the allows of
    /// both sides for an allow.
    pub fn matched(&self) -> Vec<Matched> {
        let sides = [&self.caller, &self.trust];
        match self.decision {
            Decision::ImplicitDeny => Vec::new(),
            d => sides
                .iter()
                .filter(|e| e.decision == d)
                .flat_map(|e| e.matched.iter().cloned())
                .collect(),
        }
    }

    /// The combined decision and reasons as one [`Evaluation`].
    pub fn to_evaluation(&self) -> Evaluation {
        Evaluation {
            decision: self.decision,
            matched: self.matched(),
        }
    }
}

/// Combines the two sides of an AssumeRole (spec §5.6): both must Allow; any explicit Deny
/// wins; otherwise implicit deny. The caller side is reported first when both refuse alike.
pub fn combine_assume_role(caller: Evaluation, trust: Evaluation) -> AssumeRoleEvaluation {
    let (decision, refused_by) = match (caller.decision, trust.decision) {
        (Decision::ExplicitDeny, _) => (Decision::ExplicitDeny, Some(Side::Caller)),
        (_, Decision::ExplicitDeny) => (Decision::ExplicitDeny, Some(Side::Trust)),
        (Decision::ImplicitDeny, _) => (Decision::ImplicitDeny, Some(Side::Caller)),
        (_, Decision::ImplicitDeny) => (Decision::ImplicitDeny, Some(Side::Trust)),
        (Decision::Allow, Decision::Allow) => (Decision::Allow, None),
    };
    AssumeRoleEvaluation {
        decision,
        refused_by,
        caller,
        trust,
    }
}

/// Decides `sts:AssumeRole` (spec §5.6): the caller's own policies ([`authorize`] with its
/// identity and session policies) must Allow the action on the role, **and** the role's trust
/// policy must Allow it for `request.principal`. A request without a principal is refused by
/// the trust side; a root principal is never trusted (roots cannot assume roles).
pub fn authorize_assume_role(
    request: &Request<'_>,
    caller_identity: &[NamedPolicy<'_>],
    caller_session: Option<NamedPolicy<'_>>,
    trust: NamedPolicy<'_>,
) -> AssumeRoleEvaluation {
    let caller = authorize(request, caller_identity, caller_session);
    let mode = match request.principal {
        Some(p) => PrincipalMode::Match(p),
        None => PrincipalMode::Nobody,
    };
    let trust = evaluate_with(request, std::slice::from_ref(&trust), mode);
    combine_assume_role(caller, trust)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::policy::{Context, PolicyKind};

    fn trust() -> PolicyDocument {
        PolicyDocument::parse(
            r#"{"Version": "1", "Statement": [
                {"Effect": "Allow", "Action": "sts:AssumeRole",
                 "Principal": {"RAM": ["acs:ram::12345678:root"]},
                 "Condition": {"StringEquals": {"sts:ExternalId": "abc-123"}}},
                {"Effect": "Allow", "Action": "ecs:*", "Principal": {"RAM": ["*"]}}]}"#,
            PolicyKind::Trust,
        )
        .unwrap()
    }

    /// User Alice of `account`.
    fn alice_of(account: &str) -> Principal {
        Principal::User {
            account: crate::AccountId::parse(account).unwrap(),
            user_name: "Alice".into(),
            user_id: "1".into(),
        }
    }

    fn near(account: &str, context: &Context) -> Vec<String> {
        let doc = trust();
        let who = alice_of(account);
        let request = Request {
            action: "sts:AssumeRole",
            resource: "acs:ram::11223344:role/ecs-admin",
            principal: Some(&who),
            context,
        };
        let trust = [NamedPolicy {
            name: "trust policy",
            document: &doc,
        }];
        assert_eq!(evaluate(&request, &trust).decision, Decision::ImplicitDeny);
        near_misses(&request, &trust)
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn a_missing_and_a_wrong_external_id_read_differently() {
        // Statement 1 names another service: not a near miss of sts:AssumeRole.
        assert_eq!(
            near("12345678", &Context::new()),
            [
                "trust policy#0 allows the action but does not apply: the request carries no \
                 sts:ExternalId for its StringEquals condition"
            ]
        );
        assert_eq!(
            near(
                "12345678",
                &Context::new().with("sts:ExternalId", "abc-124")
            ),
            [
                "trust policy#0 allows the action but does not apply: the request's \
                 sts:ExternalId does not satisfy its StringEquals condition"
            ]
        );
    }

    #[test]
    fn an_untrusted_caller_learns_only_that_it_is_not_trusted() {
        // Wrong, right or no ExternalId: one answer, so an outsider cannot test guesses.
        for context in [
            Context::new().with("sts:ExternalId", "nope"),
            Context::new().with("sts:ExternalId", "abc-123"),
            Context::new(),
        ] {
            let got = near("99999999", &context);
            assert_eq!(
                got,
                [
                    "trust policy#0 allows the action but does not apply: its Principal does not \
                  trust the caller"
                ]
            );
            // The trusted account and the expected ExternalId belong to the role's owner.
            assert!(!got[0].contains("abc-123") && !got[0].contains("12345678"));
        }
    }

    #[test]
    fn admits_names_the_callers_a_trust_policy_means() {
        let doc = trust();
        let trust = [NamedPolicy {
            name: "t",
            document: &doc,
        }];
        let context = Context::new();
        let admitted = |account: &str| {
            let who = alice_of(account);
            let request = Request {
                action: "sts:AssumeRole",
                resource: "acs:ram::11223344:role/ecs-admin",
                principal: Some(&who),
                context: &context,
            };
            admits(&request, &trust)
        };
        // Conditions aside: account 12345678 is meant, 99999999 is not.
        assert!(admitted("12345678"));
        assert!(!admitted("99999999"));
    }

    #[test]
    fn an_allowed_request_has_no_near_miss_from_the_statement_that_allowed_it() {
        let doc = trust();
        let who = alice_of("12345678");
        let context = Context::new().with("sts:ExternalId", "abc-123");
        let request = Request {
            action: "sts:AssumeRole",
            resource: "acs:ram::11223344:role/ecs-admin",
            principal: Some(&who),
            context: &context,
        };
        let trust = [NamedPolicy {
            name: "t",
            document: &doc,
        }];
        assert_eq!(evaluate(&request, &trust).decision, Decision::Allow);
        assert!(near_misses(&request, &trust).is_empty());
    }
}
