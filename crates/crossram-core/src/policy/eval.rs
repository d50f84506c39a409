//! Evaluation of requests against policy sets (spec §5.5) and the whole-request rules built on
//! it: identity ∩ session policy, and cross-account AssumeRole (§5.6).

use std::cmp::Ordering;

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
