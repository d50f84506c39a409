//! Authorization of every call: who may do what, and why not.
//!
//! - An account's root identity may do anything inside its own account and nothing in another
//!   (handlers only ever address the caller's own account, or, for AssumeRole, go through
//!   [`crate::sts`]).
//! - A RAM user gets what the policies attached to it and to its groups allow.
//! - A role session gets what the role's policies allow, intersected with its session policy.
//!   The role's policies are read at each call, so detaching a policy takes effect on live
//!   sessions at their next call.

use std::ops::Deref;
use std::sync::Arc;

use crossram_core::policy::{
    self, Context, Decision, Evaluation, NamedPolicy, NearMiss, PolicyDocument, Request,
};
use crossram_core::{AccessDeniedDetail, ApiError};

use crate::api::{Caller, RequestContext};
use crate::engine::{Engine, format_timestamp};
use crate::model::{Attachment, PolicyType};
use crate::world::{AccountState, World};

/// A policy document, borrowed from the system catalogue or shared from the world.
#[derive(Debug, Clone)]
pub(crate) enum DocHandle {
    System(&'static PolicyDocument),
    Shared(Arc<PolicyDocument>),
}

impl Deref for DocHandle {
    type Target = PolicyDocument;
    fn deref(&self) -> &PolicyDocument {
        match self {
            Self::System(d) => d,
            Self::Shared(d) => d,
        }
    }
}

/// The policies that speak for an identity, by name.
pub(crate) type PolicySet = Vec<(String, DocHandle)>;

/// How a refusal is reported: RAM and STS answer `NoPermission`, ECS `Forbidden.RAM`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DenyStyle {
    Ram,
    Ecs,
}

/// Resolves an attachment to its document, if the policy exists.
pub(crate) fn attached_doc(state: &AccountState, a: &Attachment) -> Option<DocHandle> {
    match a.policy_type {
        PolicyType::System => crossram_core::system_policies::system_policy(&a.policy_name)
            .map(|p| DocHandle::System(p.document())),
        PolicyType::Custom => state
            .policies
            .get(&a.policy_name)
            .and_then(|p| p.default())
            .map(|v| DocHandle::Shared(v.doc.parsed.clone())),
    }
}

fn push_attached(out: &mut PolicySet, state: &AccountState, attachments: &[Attachment]) {
    for a in attachments {
        if let Some(doc) = attached_doc(state, a) {
            out.push((a.policy_name.clone(), doc));
        }
    }
}

/// The identity policies of a RAM user (own and groups') or of the role behind a session.
pub(crate) fn identity_policies(world: &World, caller: &Caller) -> PolicySet {
    let mut out = PolicySet::new();
    match caller {
        Caller::Root { .. } => {}
        Caller::User {
            account, user_name, ..
        } => {
            if let Some(state) = world.account(account)
                && let Some(user) = state.user(user_name)
            {
                push_attached(&mut out, state, &user.policies);
                for group in user.groups.keys() {
                    if let Some(g) = state.groups.get(group) {
                        push_attached(&mut out, state, &g.policies);
                    }
                }
            }
        }
        Caller::RoleSession(s) => {
            if let Some(state) = world.account(&s.account)
                && let Some(role) = state.role(&s.role_name)
            {
                push_attached(&mut out, state, &role.policies);
            }
        }
    }
    out
}

/// The principal a caller presents to policies.
pub(crate) fn principal(caller: &Caller) -> Option<crossram_core::arn::Principal> {
    use crossram_core::arn::{AccountId, Principal};
    let acct = |a: &str| AccountId::parse(a).ok();
    Some(match caller {
        Caller::Root { account } => Principal::Root {
            account: acct(account)?,
        },
        Caller::User {
            account,
            user_id,
            user_name,
            ..
        } => Principal::User {
            account: acct(account)?,
            user_name: user_name.clone(),
            user_id: user_id.clone(),
        },
        Caller::RoleSession(s) => Principal::RoleSession {
            account: acct(&s.account)?,
            role_name: s.role_name.clone(),
            role_id: s.role_id.clone(),
            session_name: s.session_name.clone(),
        },
    })
}

/// The request context for evaluating `docs` (current time, source address, transport, MFA):
/// empty when none of them has a condition, since only conditions read it and building it
/// formats the time and the address.
pub(crate) fn context_for<'d>(
    engine: &Engine,
    ctx: &RequestContext,
    mut docs: impl Iterator<Item = &'d PolicyDocument>,
) -> Context {
    if !docs.any(PolicyDocument::has_conditions) {
        return Context::default();
    }
    let mut c = Context::default();
    c.insert("acs:CurrentTime", format_timestamp(engine.env.clock.now()));
    if let Some(ip) = ctx.source_ip {
        c.insert("acs:SourceIp", ip.to_string());
    }
    c.insert(
        "acs:SecureTransport",
        if ctx.secure_transport {
            "true"
        } else {
            "false"
        },
    );
    c.insert("acs:MFAPresent", "false");
    c
}

/// Evaluates an identity's policies (and session policy) for one action on every resource
/// given; all must be allowed.
pub(crate) fn check(
    engine: &Engine,
    world: &World,
    caller: &Caller,
    action: &str,
    resources: &[String],
    ctx: &RequestContext,
    style: DenyStyle,
) -> Result<(), ApiError> {
    if let Caller::Root { .. } = caller {
        return Ok(());
    }
    let policies = identity_policies(world, caller);
    let named: Vec<NamedPolicy<'_>> = policies
        .iter()
        .map(|(name, doc)| NamedPolicy {
            name,
            document: doc,
        })
        .collect();
    let session_doc = match caller {
        Caller::RoleSession(s) => s.session_policy.clone(),
        _ => None,
    };
    let session = session_doc.as_deref().map(|d| NamedPolicy {
        name: SESSION_POLICY,
        document: d,
    });
    let principal = principal(caller);
    let docs = named
        .iter()
        .map(|p| p.document)
        .chain(session.map(|s| s.document));
    let context = context_for(engine, ctx, docs);
    for resource in resources {
        let request = Request {
            action,
            resource,
            principal: principal.as_ref(),
            context: &context,
        };
        let eval = policy::authorize(&request, &named, session);
        if eval.decision != Decision::Allow {
            // Name the policies that refused, and for an implicit deny what they were short
            // of: the session policy when the role's policies alone would have allowed.
            let (scope, kind, refusing): (&str, _, &[NamedPolicy<'_>]) = match caller {
                Caller::RoleSession(_)
                    if session.is_some()
                        && policy::authorize(&request, &named, None).decision
                            == Decision::Allow =>
                {
                    ("the session policy", DeniedBy::Session, session.as_slice())
                }
                Caller::RoleSession(_) => ("the role's policies", DeniedBy::Identity, &named),
                _ => ("the caller's policies", DeniedBy::Identity, &named),
            };
            let near = match eval.decision {
                Decision::ExplicitDeny => Vec::new(),
                _ => policy::near_misses(&request, refusing),
            };
            let refused = Refused { scope, kind, near };
            return Err(denied(
                caller, action, resource, &eval, style, None, &refused,
            ));
        }
    }
    Ok(())
}

/// The name a session policy goes by in evaluations and explanations.
pub(crate) const SESSION_POLICY: &str = "session policy";

/// The kind of policy that refused, as `AccessDeniedDetail.PolicyType` names it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum DeniedBy {
    /// The caller's own policies (a user's and its groups', a role's).
    Identity,
    /// The session policy of a role session.
    Session,
    /// A role's trust policy.
    Trust,
}

impl DeniedBy {
    /// The service's name for it.
    fn as_str(self) -> &'static str {
        match self {
            Self::Identity => "AccountLevelIdentityBasedPolicy",
            Self::Session => "SessionPolicy",
            Self::Trust => "AssumeRolePolicy",
        }
    }
}

/// Whose policies refused a request, and for an implicit deny the statements that came close.
pub(crate) struct Refused<'a> {
    /// Whose policies were asked: the caller's, the role's, the session policy, a trust policy.
    pub(crate) scope: &'a str,
    /// Their kind.
    pub(crate) kind: DeniedBy,
    /// The Allow statements of those policies that name the action but did not apply.
    pub(crate) near: Vec<NearMiss>,
}

/// The error for a refused request, with `AccessDeniedDetail` naming what decided: whose
/// policies, the denying statements of an explicit deny, and for an implicit deny the
/// statements that would have allowed the request and what each was short of (never the
/// policy's values: the caller may be reading about another account's trust policy).
pub(crate) fn denied(
    caller: &Caller,
    action: &str,
    resource: &str,
    eval: &Evaluation,
    style: DenyStyle,
    message: Option<&str>,
    refused: &Refused<'_>,
) -> ApiError {
    let scope = refused.scope;
    let deciding: Vec<String> = eval
        .matched
        .iter()
        .map(|m| format!("{}#{}", m.policy, m.statement))
        .collect();
    let (kind, explanation) = match eval.decision {
        Decision::ExplicitDeny => (
            "ExplicitDeny",
            format!("{scope}: explicit Deny in {}", deciding.join(", ")),
        ),
        _ => {
            let mut why = format!("{scope}: no statement allows it");
            for near in &refused.near {
                why.push_str("; ");
                why.push_str(&near.to_string());
            }
            ("ImplicitDeny", why)
        }
    };
    // A session policy's explicit Deny is the session policy's refusal, whoever was asked.
    let policy_kind = if eval.decision == Decision::ExplicitDeny
        && eval.matched.iter().any(|m| m.policy == SESSION_POLICY)
    {
        DeniedBy::Session
    } else {
        refused.kind
    };
    let (principal_type, display_name) = match caller {
        Caller::Root { account } => ("RootUser", account.clone()),
        Caller::User { user_name, .. } => ("SubUser", user_name.clone()),
        Caller::RoleSession(s) => (
            "AssumedRoleUser",
            format!("{}:{}", s.role_name, s.session_name),
        ),
    };
    let detail = AccessDeniedDetail {
        auth_action: action.to_owned(),
        auth_principal_type: principal_type.to_owned(),
        auth_principal_display_name: display_name,
        auth_principal_owner_id: caller.account().to_owned(),
        no_permission_type: kind.to_owned(),
        policy_type: policy_kind.as_str().to_owned(),
        encoded_diagnostic_message: resource.to_owned(),
        crossram_explanation: explanation,
    };
    let base = match (style, message) {
        (_, Some(m)) => ApiError::new("NoPermission", 403, m),
        (DenyStyle::Ram, None) => ApiError::no_permission(),
        (DenyStyle::Ecs, None) => ApiError::forbidden_ram(),
    };
    base.with_denial(detail)
}
