//! STS (2015-04-01): AssumeRole with both-sides authorization, and GetCallerIdentity (spec §4,
//! §5.6, DESIGN.md decisions).

use std::sync::Arc;

use time::Duration;

use crossram_core::ApiError;
use crossram_core::arn::parse_role_arn;
use crossram_core::names;
use crossram_core::policy::{
    self, Decision, Evaluation, NamedPolicy, PolicyDocument, PolicyKind, Request,
};

use crate::answer::{Answer, JsonWriter};
use crate::api::{ApiRequest, ApiResult, Caller, RequestContext, RoleSession};
use crate::authz::{self, DeniedBy, DenyStyle, Refused};
use crate::engine::{Engine, dead_session, format_timestamp};
use crate::env::ALNUM;
use crate::params::{integer, optional, required};
use crate::ram::unknown_action;
use crate::token::{Claims, Opened, SessionKind};

pub(crate) async fn dispatch(e: &Engine, caller: &Caller, req: &ApiRequest) -> ApiResult<Answer> {
    match req.action.as_str() {
        "AssumeRole" => {
            let p = &req.params;
            let input = AssumeInput {
                role_arn: required(p, "RoleArn")?.to_owned(),
                session_name: required(p, "RoleSessionName")?.to_owned(),
                duration: integer(p, "DurationSeconds")?,
                policy: optional(p, "Policy").map(str::to_owned),
                external_id: optional(p, "ExternalId").map(str::to_owned),
            };
            let issued = assume_role(e, caller, &input, &req.context, SessionKind::Role)?;
            Ok(Answer::Json(issued.response_json()))
        }
        "GetCallerIdentity" => Ok(Answer::Json(caller_identity(caller))),
        _ => Err(unknown_action()),
    }
}

/// What AssumeRole (or the console's Switch Role) asks for.
#[derive(Debug, Clone)]
pub(crate) struct AssumeInput {
    pub(crate) role_arn: String,
    pub(crate) session_name: String,
    pub(crate) duration: Option<i64>,
    pub(crate) policy: Option<String>,
    pub(crate) external_id: Option<String>,
}

/// Credentials handed out by AssumeRole.
#[derive(Debug, Clone)]
pub(crate) struct Issued {
    pub(crate) access_key_id: String,
    pub(crate) secret: crate::secret::Secret,
    pub(crate) token: crate::secret::Secret,
    pub(crate) expiration: String,
    pub(crate) account: String,
    pub(crate) role_id: String,
    pub(crate) role_name: String,
    pub(crate) session_name: String,
}

impl Issued {
    /// The answer, written as JSON: `AssumedRoleUser` (`Arn`, `AssumedRoleId`), then
    /// `Credentials` (`AccessKeyId`, `AccessKeySecret`, `SecurityToken`, `Expiration`).
    pub(crate) fn response_json(&self) -> String {
        let mut w = JsonWriter::object(256 + self.token.expose().len());
        let arn = [
            "acs:ram::",
            &self.account,
            ":role/",
            &self.role_name,
            "/",
            &self.session_name,
        ]
        .concat();
        let id = [&self.role_id, ":", &self.session_name].concat();
        w.open("AssumedRoleUser")
            .string("Arn", &arn)
            .string("AssumedRoleId", &id)
            .close()
            .open("Credentials")
            .string("AccessKeyId", &self.access_key_id)
            .string("AccessKeySecret", self.secret.expose())
            .string("SecurityToken", self.token.expose())
            .string("Expiration", &self.expiration)
            .close();
        w.finish()
    }
}

fn no_permission(message: &str) -> ApiError {
    ApiError::new("NoPermission", 403, message)
}

const IDENTITY_DENIED: &str =
    "You are not authorized to do this action. You should be authorized by RAM.";
const TRUST_DENIED: &str = "No permission perform sts:AssumeRole on this Role. Maybe you are not authorized to perform sts:AssumeRole or the specified role does not trust you";

/// AssumeRole: checks the caller's own side and the role's trust policy, then mints a session.
pub(crate) fn assume_role(
    e: &Engine,
    caller: &Caller,
    input: &AssumeInput,
    ctx: &RequestContext,
    kind: SessionKind,
) -> Result<Issued, ApiError> {
    if let Caller::Root { .. } = caller {
        return Err(no_permission("Roles may not be assumed by root accounts."));
    }
    let (role_account, role_name) = parse_role_arn(&input.role_arn)?;
    let role_account = role_account.as_str().to_owned();
    names::validate_role_session_name(&input.session_name)?;
    let limits = &e.config.limits;
    if let Some(d) = input.duration
        && (d < i64::from(limits.min_session_seconds)
            || d > i64::from(limits.max_role_session_seconds))
    {
        return Err(bad_duration());
    }
    // The session policy is checked here; the token carries its text and each use re-reads it.
    if let Some(text) = &input.policy {
        limits.check_policy_size(PolicyKind::Session, "Policy", text)?;
        PolicyDocument::parse(text, PolicyKind::Session)
            .map_err(|err| err.to_session_api_error())?;
    }
    if let Some(id) = &input.external_id {
        names::validate_external_id(id)?;
    }
    rate_limit(e, caller.account())?;
    let source = crate::audit::identity_chain(e, caller);

    let w = e.world.read();
    let role = w
        .account(&role_account)
        .and_then(|s| s.role(&role_name))
        .ok_or_else(|| ApiError::not_exist("Role", "The specified Role not exists."))?;
    let duration = input
        .duration
        .unwrap_or(i64::from(limits.default_session_seconds));

    // Both sides: the caller's own account must allow sts:AssumeRole on the role, and the
    // role's trust policy must name the caller. An explicit Deny anywhere wins.
    let resource = ["acs:ram::", &role_account, ":role/", &role_name].concat();
    let identity = authz::identity_policies(&w, caller);
    let named: Vec<NamedPolicy<'_>> = identity
        .iter()
        .map(|(name, doc)| NamedPolicy {
            name,
            document: doc,
        })
        .collect();
    let caller_session = match caller {
        Caller::RoleSession(s) => s.session_policy.clone(),
        _ => None,
    };
    let caller_session_named = caller_session.as_deref().map(|d| NamedPolicy {
        name: authz::SESSION_POLICY,
        document: d,
    });
    let principal = authz::principal(caller);
    let docs = named
        .iter()
        .map(|p| p.document)
        .chain(caller_session.as_deref())
        .chain([&*role.trust.parsed]);
    let mut context = authz::context_for(e, ctx, docs);
    if let Some(id) = &input.external_id {
        context.insert("sts:ExternalId", id.clone());
    }
    let request = Request {
        action: "sts:AssumeRole",
        resource: &resource,
        principal: principal.as_ref(),
        context: &context,
    };
    let trust = NamedPolicy {
        name: "trust policy",
        document: &role.trust.parsed,
    };
    let eval = policy::authorize_assume_role(&request, &named, caller_session_named, trust);
    if eval.decision != Decision::Allow {
        let trust_scope = format!("the trust policy of role {role_name}");
        let outsider = Evaluation::implicit_deny();
        let (side, refused) = if eval.caller.decision != Decision::Allow {
            let own: Vec<NamedPolicy<'_>> =
                named.iter().copied().chain(caller_session_named).collect();
            let near = match eval.caller.decision {
                Decision::ImplicitDeny => policy::near_misses(&request, &own),
                _ => Vec::new(),
            };
            let scope = "the caller's own policies";
            let kind = DeniedBy::Identity;
            (&eval.caller, Refused { scope, kind, near })
        } else if !policy::admits(&request, &[trust]) {
            // A caller no Allow statement admits is told one thing whatever it sends: were a
            // matching conditional Deny reported as such, its condition would answer guesses
            // of, say, the ExternalId.
            let near = policy::near_misses(&request, &[trust]);
            let scope = trust_scope.as_str();
            let kind = DeniedBy::Trust;
            (&outsider, Refused { scope, kind, near })
        } else {
            let near = match eval.trust.decision {
                Decision::ImplicitDeny => policy::near_misses(&request, &[trust]),
                _ => Vec::new(),
            };
            let scope = trust_scope.as_str();
            let kind = DeniedBy::Trust;
            (&eval.trust, Refused { scope, kind, near })
        };
        // The message names the side that refused, as the service's two messages do.
        let message = match refused.kind {
            DeniedBy::Trust => TRUST_DENIED,
            _ => IDENTITY_DENIED,
        };
        return Err(authz::denied(
            caller,
            "sts:AssumeRole",
            &resource,
            side,
            DenyStyle::Ram,
            Some(message),
            &refused,
        ));
    }

    // Only a caller both sides allow learns the role's MaxSessionDuration.
    if duration > role.max_session_duration {
        return Err(bad_duration());
    }

    let now = e.env.clock.now();
    let access_key_id = ["STS.N", &e.env.ids.string(ALNUM, 24)].concat();
    let expires = now + Duration::seconds(duration);
    let claims = Claims {
        k: access_key_id.clone(),
        t: kind,
        a: role_account.clone(),
        r: role.id.clone(),
        n: role.name.clone(),
        s: input.session_name.clone(),
        // A session issued after a revocation in the same millisecond as it still comes after
        // it: revocation kills what was issued at or before its instant, and this one was not.
        i: e.now_ms().max(
            role.sessions_revoked_at_ms
                .map_or(i64::MIN, |at| at.saturating_add(1)),
        ),
        e: expires.unix_timestamp(),
        p: input.policy.clone(),
        c: source,
    };
    Ok(Issued {
        secret: e.tokens.secret_for(&access_key_id),
        token: e.tokens.mint(&claims),
        access_key_id,
        expiration: format_timestamp(expires),
        account: role_account,
        role_id: role.id.clone(),
        role_name: role.name.clone(),
        session_name: input.session_name.clone(),
    })
}

fn bad_duration() -> ApiError {
    ApiError::new(
        "InvalidParameter.DurationSeconds",
        400,
        "The Min/Max value of DurationSeconds is 15min/1hr.",
    )
}

fn rate_limit(e: &Engine, account: &str) -> Result<(), ApiError> {
    let Some(limit) = e.config.assume_role_rate_limit else {
        return Ok(());
    };
    let second = e.env.clock.now().unix_timestamp();
    let mut rate = e.rate.lock();
    let slot = rate.entry(account.to_owned()).or_insert((second, 0));
    if slot.0 != second {
        *slot = (second, 0);
    }
    slot.1 += 1;
    if slot.1 > limit {
        return Err(ApiError::new(
            "Throttling.User",
            400,
            "Request was denied due to user flow control.",
        ));
    }
    Ok(())
}

/// The caller a valid token stands for, if its role (or console user) is still there.
pub(crate) fn session_caller(e: &Engine, opened: &Opened) -> Result<Caller, ApiError> {
    let claims = &opened.claims;
    let w = e.world.read();
    let state = w
        .account(&claims.a)
        .ok_or_else(|| dead_session("its account no longer exists"))?;
    match claims.t {
        SessionKind::User => {
            let user = state
                .user(&claims.n)
                .filter(|u| u.id == claims.r && u.login_profile.is_some())
                .ok_or_else(|| dead_session("its user or console password was removed"))?;
            Ok(Caller::User {
                account: claims.a.clone(),
                user_id: user.id.clone(),
                user_name: user.name.clone(),
                console: true,
            })
        }
        SessionKind::Role => {
            let role = state
                .role(&claims.n)
                .filter(|r| r.id == claims.r)
                .ok_or_else(|| dead_session("its role was deleted"))?;
            if role.sessions_revoked_at_ms.is_some_and(|at| claims.i <= at) {
                return Err(dead_session("the role's sessions were revoked"));
            }
            if let Some(session) = opened.session.get() {
                return Ok(Caller::RoleSession(session.clone()));
            }
            let session_policy = match &claims.p {
                Some(text) => Some(Arc::new(
                    PolicyDocument::parse(text, PolicyKind::Session)
                        .map_err(|_| dead_session("its session policy is no longer valid"))?,
                )),
                None => None,
            };
            let session = Arc::new(RoleSession {
                account: claims.a.clone(),
                role_id: claims.r.clone(),
                role_name: claims.n.clone(),
                session_name: claims.s.clone(),
                session_policy,
                source: claims.c.clone(),
                issued_at_ms: claims.i,
                expires_at: claims.e,
            });
            Ok(Caller::RoleSession(
                opened.session.get_or_init(|| session).clone(),
            ))
        }
    }
}

fn caller_identity(caller: &Caller) -> String {
    let mut w = JsonWriter::object(256);
    match caller {
        Caller::Root { account } => w
            .string("AccountId", account)
            .string("UserId", account)
            .string("PrincipalId", account)
            .string("IdentityType", "Account"),
        Caller::User {
            account, user_id, ..
        } => w
            .string("AccountId", account)
            .string("UserId", user_id)
            .string("PrincipalId", user_id)
            .string("IdentityType", "RAMUser"),
        Caller::RoleSession(s) => w
            .string("AccountId", &s.account)
            .string("RoleId", &s.role_id)
            .string(
                "PrincipalId",
                &[s.role_id.as_str(), ":", s.session_name.as_str()].concat(),
            )
            .string("IdentityType", "AssumedRoleUser"),
    }
    .string("Arn", &caller.arn());
    w.finish()
}
