//! RAM (2015-05-01): roles, policies and their versions, attachments, users, login profiles,
//! AccessKeys, groups and the account alias (spec §3), plus two crossram extensions named as such:
//! `CrossramRevokeRoleSessions` and `CrossramListAuditEvents`.
//!
//! Every action acts inside the caller's own account: a role session of A's role acts in A.

use serde_json::{Value, json};

use crossram_core::ApiError;
use crossram_core::names;
use crossram_core::policy::PolicyKind;

use crate::answer::{Answer, FieldSink, JsonWriter};
use crate::api::{ApiRequest, ApiResult, Caller, Response};
use crate::authz::{self, DenyStyle};
use crate::engine::Engine;
use crate::env::ALNUM;
use crate::model::{
    AccessKey, Attachment, Doc, GroupRecord, LoginProfile, PolicyRecord, PolicyType, PolicyVersion,
    Record, RoleRecord, UserRecord,
};
use crate::params::{boolean, integer, optional, required};
use crate::world::{AccountState, World, Write};

pub(crate) async fn dispatch(e: &Engine, caller: &Caller, req: &ApiRequest) -> ApiResult<Answer> {
    let r = Ram {
        e,
        caller,
        req,
        acct: caller.account().to_owned(),
    };
    // A single role is answered as JSON written straight from the record.
    match req.action.as_str() {
        "CreateRole" => r.create_role().await,
        "GetRole" => r.get_role(),
        _ => r.fields().await.map(Answer::Fields),
    }
}

impl Ram<'_> {
    /// The actions answered with a map of fields.
    async fn fields(&self) -> ApiResult {
        match self.req.action.as_str() {
            "ListRoles" => self.list_roles(),
            "UpdateRole" => self.update_role().await,
            "DeleteRole" => self.delete_role().await,
            "CrossramRevokeRoleSessions" => self.revoke_role_sessions().await,
            "CreatePolicy" => self.create_policy().await,
            "GetPolicy" => self.get_policy(),
            "DeletePolicy" => self.delete_policy().await,
            "ListPolicies" => self.list_policies(),
            "CreatePolicyVersion" => self.create_policy_version().await,
            "GetPolicyVersion" => self.get_policy_version(),
            "ListPolicyVersions" => self.list_policy_versions(),
            "DeletePolicyVersion" => self.delete_policy_version().await,
            "SetDefaultPolicyVersion" => self.set_default_policy_version().await,
            "AttachPolicyToUser" => self.attach(Target::User, true).await,
            "DetachPolicyFromUser" => self.attach(Target::User, false).await,
            "AttachPolicyToGroup" => self.attach(Target::Group, true).await,
            "DetachPolicyFromGroup" => self.attach(Target::Group, false).await,
            "AttachPolicyToRole" => self.attach(Target::Role, true).await,
            "DetachPolicyFromRole" => self.attach(Target::Role, false).await,
            "ListPoliciesForUser" => self.list_policies_for(Target::User),
            "ListPoliciesForGroup" => self.list_policies_for(Target::Group),
            "ListPoliciesForRole" => self.list_policies_for(Target::Role),
            "ListEntitiesForPolicy" => self.list_entities_for_policy(),
            "CreateUser" => self.create_user().await,
            "GetUser" => self.get_user(),
            "UpdateUser" => self.update_user().await,
            "DeleteUser" => self.delete_user().await,
            "ListUsers" => self.list_users(),
            "CreateLoginProfile" => self.put_login_profile(true).await,
            "UpdateLoginProfile" => self.put_login_profile(false).await,
            "GetLoginProfile" => self.get_login_profile(),
            "DeleteLoginProfile" => self.delete_login_profile().await,
            "CreateAccessKey" => self.create_access_key().await,
            "ListAccessKeys" => self.list_access_keys(),
            "UpdateAccessKey" => self.update_access_key().await,
            "DeleteAccessKey" => self.delete_access_key().await,
            "CreateGroup" => self.create_group().await,
            "GetGroup" => self.get_group(),
            "UpdateGroup" => self.update_group().await,
            "DeleteGroup" => self.delete_group().await,
            "ListGroups" => self.list_groups(),
            "AddUserToGroup" => self.membership(true).await,
            "RemoveUserFromGroup" => self.membership(false).await,
            "ListGroupsForUser" => self.list_groups_for_user(),
            "ListUsersForGroup" => self.list_users_for_group(),
            "SetAccountAlias" => self.set_account_alias().await,
            "GetAccountAlias" => self.get_account_alias(),
            "GetPasswordPolicy" => self.get_password_policy(),
            "ClearAccountAlias" => self.clear_account_alias().await,
            "CrossramListAuditEvents" => self.list_audit_events(),
            _ => Err(unknown_action()),
        }
    }
}

/// `IsTruncated` of a page of a List action, and the `Marker` of the next page when there is one.
fn mark_truncation(answer: &mut Response, marker: Option<String>) {
    answer.insert("IsTruncated".into(), Value::Bool(marker.is_some()));
    if let Some(marker) = marker {
        answer.insert("Marker".into(), Value::String(marker));
    }
}

/// 404 `InvalidAction.NotFound`.
pub(crate) fn unknown_action() -> ApiError {
    ApiError::new(
        "InvalidAction.NotFound",
        404,
        "Specified api is not found, please check your url and method.",
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    User,
    Group,
    Role,
}

impl Target {
    fn param(self) -> &'static str {
        match self {
            Self::User => "UserName",
            Self::Group => "GroupName",
            Self::Role => "RoleName",
        }
    }
    fn kind(self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Group => "group",
            Self::Role => "role",
        }
    }
    fn entity(self) -> &'static str {
        match self {
            Self::User => "User",
            Self::Group => "Group",
            Self::Role => "Role",
        }
    }
}

fn role_missing() -> ApiError {
    ApiError::not_exist("Role", "The role does not exist.")
}
fn user_missing() -> ApiError {
    ApiError::not_exist("User", "The user does not exist.")
}
fn group_missing() -> ApiError {
    ApiError::not_exist("Group", "The group does not exist.")
}
fn policy_missing() -> ApiError {
    ApiError::not_exist("Policy", "The policy does not exist.")
}
/// `EntityNotExist.Policy` for a policy asked for as `ty`, saying so when one of that name
/// exists as the other type (the usual slip: `PolicyType=Custom` with a system policy's name).
fn policy_missing_as(s: &AccountState, ty: PolicyType, name: &str) -> ApiError {
    let other = match ty {
        PolicyType::Custom if crossram_core::system_policies::system_policy(name).is_some() => {
            "System"
        }
        PolicyType::System if s.policies.contains_key(name) => "Custom",
        _ => return policy_missing(),
    };
    ApiError::new(
        "EntityNotExist.Policy",
        404,
        format!(
            "The policy does not exist. (A policy named {name} exists with PolicyType={other}.)"
        ),
    )
}
fn account_missing() -> ApiError {
    ApiError::internal("The caller's account does not exist.")
}

fn obj(v: Value) -> Response {
    match v {
        Value::Object(m) => m,
        _ => Response::new(),
    }
}

/// Renders a list the way RAM does: `{"Roles": {"Role": [...]}}`.
fn wrapped(plural: &str, singular: &str, items: Vec<Value>) -> Value {
    json!({ plural: { singular: items } })
}

/// Rebuilds an entity's record around a new attachment list.
type Rebuild = Box<dyn FnOnce(Vec<Attachment>) -> Record>;

struct Ram<'a> {
    e: &'a Engine,
    caller: &'a Caller,
    req: &'a ApiRequest,
    acct: String,
}

impl Ram<'_> {
    fn p(&self, name: &str) -> Result<&str, ApiError> {
        required(&self.req.params, name)
    }
    fn opt(&self, name: &str) -> Option<&str> {
        optional(&self.req.params, name)
    }
    fn res(&self, rel: &str) -> String {
        format!("acs:ram:*:{}:{rel}", self.acct)
    }
    fn policy_res(&self, ty: PolicyType, name: &str) -> String {
        match ty {
            PolicyType::System => format!("acs:ram:*:system:policy/{name}"),
            PolicyType::Custom => self.res(&format!("policy/{name}")),
        }
    }
    fn authorize(&self, action: &str, resources: &[String]) -> Result<(), ApiError> {
        let w = self.e.world.read();
        authz::check(
            self.e,
            &w,
            self.caller,
            &format!("ram:{action}"),
            resources,
            &self.req.context,
            DenyStyle::Ram,
        )
    }
    fn read<T>(&self, f: impl FnOnce(&AccountState) -> Result<T, ApiError>) -> Result<T, ApiError> {
        let w = self.e.world.read();
        let state = w.account(&self.acct).ok_or_else(account_missing)?;
        f(state)
    }
    async fn write<T>(
        &self,
        f: impl FnOnce(&World, &AccountState) -> Result<(Vec<Write>, T), ApiError>,
    ) -> Result<T, ApiError> {
        let acct = self.acct.clone();
        self.e
            .mutate(&acct, |w| {
                let state = w.account(&acct).ok_or_else(account_missing)?;
                f(w, state)
            })
            .await
    }
    fn now(&self) -> String {
        self.e.timestamp()
    }
    fn max_items(&self, limit: i64) -> Result<usize, ApiError> {
        let n = integer(&self.req.params, "MaxItems")?.unwrap_or(100);
        if !(1..=limit).contains(&n) {
            return Err(ApiError::invalid_parameter(format!(
                "The parameter \"MaxItems\" must be between 1 and {limit}."
            )));
        }
        Ok(usize::try_from(n).unwrap_or(100))
    }
    /// One page of `items` (sorted by name) after `Marker`.
    fn page(
        &self,
        items: Vec<(String, Value)>,
        limit: i64,
    ) -> Result<(Vec<Value>, Option<String>), ApiError> {
        let max = self.max_items(limit)?;
        let marker = self.opt("Marker");
        let mut rest = items
            .into_iter()
            .filter(|(name, _)| marker.is_none_or(|m| name.as_str() > m))
            .peekable();
        let mut out = Vec::new();
        let mut last = None;
        while out.len() < max {
            match rest.next() {
                Some((name, v)) => {
                    last = Some(name);
                    out.push(v);
                }
                None => break,
            }
        }
        let next = if rest.peek().is_some() { last } else { None };
        Ok((out, next))
    }
    fn paged(
        &self,
        plural: &str,
        singular: &str,
        items: Vec<(String, Value)>,
        limit: i64,
    ) -> ApiResult {
        let (page, marker) = self.page(items, limit)?;
        let mut m = obj(wrapped(plural, singular, page));
        mark_truncation(&mut m, marker);
        Ok(m)
    }

    // ---------------------------------------------------------------- roles

    async fn create_role(&self) -> ApiResult<Answer> {
        let name = self.p("RoleName")?.to_owned();
        let text = self.p("AssumeRolePolicyDocument")?.to_owned();
        names::validate_role_name(&name)?;
        let description = self.opt("Description").unwrap_or_default().to_owned();
        names::validate_description("Description", &description)?;
        let limits = &self.e.config.limits;
        limits.check_policy_size(PolicyKind::Trust, "AssumeRolePolicyDocument", &text)?;
        let max = self
            .max_session(
                integer(&self.req.params, "MaxSessionDuration")?,
                "MaxSessionDuration",
            )?
            .unwrap_or(i64::from(limits.default_session_seconds));
        let trust = Doc::parse(&text, PolicyKind::Trust).map_err(|e| e.to_api_error())?;
        self.authorize("CreateRole", &[self.res(&format!("role/{name}"))])?;
        let now = self.now();
        let id = self.e.numeric_id('3');
        let max_roles = limits.roles_per_account;
        let role = self
            .write(|_, s| {
                if s.roles.contains_key(&name) {
                    return Err(ApiError::already_exists(
                        "Role",
                        "The role does already EXIST.",
                    ));
                }
                if s.roles.len() >= max_roles {
                    return Err(ApiError::limit_exceeded(
                        "Role",
                        "The count of roles beyond the current limits.",
                    ));
                }
                let role = RoleRecord {
                    account: self.acct.clone(),
                    id,
                    name: name.clone(),
                    description,
                    trust,
                    max_session_duration: max,
                    create_date: now.clone(),
                    update_date: now.clone(),
                    policies: Vec::new(),
                    sessions_revoked_at_ms: None,
                };
                Ok((vec![Write::put(Record::Role(role.clone()))], role))
            })
            .await?;
        Ok(self.role_answer(&role))
    }

    fn max_session(&self, v: Option<i64>, name: &str) -> Result<Option<i64>, ApiError> {
        let l = &self.e.config.limits;
        match v {
            Some(n)
                if n < i64::from(l.default_session_seconds)
                    || n > i64::from(l.max_role_session_seconds) =>
            {
                Err(ApiError::new(
                    format!("InvalidParameter.{name}"),
                    400,
                    format!(
                        "The parameter \"{name}\" must be between {} and {} seconds.",
                        l.default_session_seconds, l.max_role_session_seconds
                    ),
                ))
            }
            other => Ok(other),
        }
    }

    /// A role's fields, in the order RAM documents them.
    fn role_fields(&self, r: &RoleRecord, with_document: bool, out: &mut impl FieldSink) {
        let alias = self
            .read(|s| Ok(s.record.alias_or_id().to_owned()))
            .unwrap_or_default();
        out.put_str("RoleId", &r.id);
        out.put_str("RoleName", &r.name);
        out.put_str("Arn", &format!("acs:ram::{}:role/{}", r.account, r.name));
        out.put_str("Description", &r.description);
        out.put_int("MaxSessionDuration", r.max_session_duration);
        out.put_str("CreateDate", &r.create_date);
        out.put_str("UpdateDate", &r.update_date);
        out.put_str(
            "RolePrincipalName",
            &format!("{}@role.{}.onaliyunservice.com", r.name, alias),
        );
        out.put_bool("IsServiceLinkedRole", false);
        if with_document {
            out.put_str("AssumeRolePolicyDocument", &r.trust.text);
        }
    }

    /// A role as an item of a list.
    fn role_json(&self, r: &RoleRecord, with_document: bool) -> Value {
        let mut m = Response::new();
        self.role_fields(r, with_document, &mut m);
        Value::Object(m)
    }

    /// `{"Role": {...}}`, written straight as JSON.
    fn role_answer(&self, r: &RoleRecord) -> Answer {
        let mut w = JsonWriter::object(384 + r.trust.text.len() * 5 / 4);
        w.open("Role");
        self.role_fields(r, true, &mut w);
        w.close();
        Answer::Json(w.finish())
    }

    fn get_role(&self) -> ApiResult<Answer> {
        let name = self.p("RoleName")?;
        self.authorize("GetRole", &[self.res(&format!("role/{name}"))])?;
        let role = self.read(|s| s.role(name).cloned().ok_or_else(role_missing))?;
        Ok(self.role_answer(&role))
    }

    fn list_roles(&self) -> ApiResult {
        self.authorize("ListRoles", &[self.res("role/*")])?;
        let roles: Vec<RoleRecord> = self.read(|s| Ok(s.roles.values().cloned().collect()))?;
        let items = roles
            .iter()
            .map(|r| (r.name.clone(), self.role_json(r, false)))
            .collect();
        self.paged("Roles", "Role", items, 1000)
    }

    async fn update_role(&self) -> ApiResult {
        let name = self.p("RoleName")?.to_owned();
        let trust = match self.opt("NewAssumeRolePolicyDocument") {
            Some(text) => {
                self.e.config.limits.check_policy_size(
                    PolicyKind::Trust,
                    "NewAssumeRolePolicyDocument",
                    text,
                )?;
                Some(Doc::parse(text, PolicyKind::Trust).map_err(|e| e.to_api_error())?)
            }
            None => None,
        };
        // An omitted NewMaxSessionDuration keeps the current value (spec §9.12: we read "the
        // default value is used" as "unchanged", which is what tooling that edits only the
        // trust policy expects).
        let max = self.max_session(
            integer(&self.req.params, "NewMaxSessionDuration")?,
            "NewMaxSessionDuration",
        )?;
        let description = self.opt("NewDescription").map(str::to_owned);
        if let Some(d) = &description {
            names::validate_description("NewDescription", d)?;
        }
        self.authorize("UpdateRole", &[self.res(&format!("role/{name}"))])?;
        let now = self.now();
        let role = self
            .write(|_, s| {
                let mut role = s.role(&name).cloned().ok_or_else(role_missing)?;
                if let Some(t) = trust {
                    role.trust = t;
                }
                if let Some(m) = max {
                    role.max_session_duration = m;
                }
                if let Some(d) = description {
                    role.description = d;
                }
                role.update_date = now;
                Ok((vec![Write::put(Record::Role(role.clone()))], role))
            })
            .await?;
        Ok(obj(json!({ "Role": self.role_json(&role, true) })))
    }

    async fn delete_role(&self) -> ApiResult {
        let name = self.p("RoleName")?.to_owned();
        self.authorize("DeleteRole", &[self.res(&format!("role/{name}"))])?;
        self.write(|_, s| {
            let role = s.role(&name).ok_or_else(role_missing)?;
            if !role.policies.is_empty() {
                return Err(ApiError::delete_conflict(
                    "Role.Policy",
                    "The role CAN NOT has any attached policy while deleting the role.",
                ));
            }
            Ok((vec![Write::Delete(Record::Role(role.clone()).key())], ()))
        })
        .await?;
        Ok(Response::new())
    }

    /// crossram extension: every session of the role issued up to now stops working at once.
    async fn revoke_role_sessions(&self) -> ApiResult {
        let name = self.p("RoleName")?.to_owned();
        self.authorize(
            "CrossramRevokeRoleSessions",
            &[self.res(&format!("role/{name}"))],
        )?;
        let now_ms = self.e.now_ms();
        let now = self.now();
        self.write(|_, s| {
            let mut role = s.role(&name).cloned().ok_or_else(role_missing)?;
            // Sessions issued after an earlier revocation in this same millisecond are stamped
            // one past it (see sts::assume_role): this one must reach them.
            role.sessions_revoked_at_ms = Some(
                role.sessions_revoked_at_ms
                    .map_or(now_ms, |at| now_ms.max(at.saturating_add(1))),
            );
            role.update_date = now.clone();
            Ok((vec![Write::put(Record::Role(role))], ()))
        })
        .await?;
        Ok(obj(json!({ "RoleName": name, "RevokedBefore": now })))
    }

    // ---------------------------------------------------------------- policies

    fn attachment_count(s: &AccountState, ty: PolicyType, name: &str) -> usize {
        let has = |list: &[Attachment]| {
            list.iter()
                .any(|a| a.policy_type == ty && a.policy_name == name)
        };
        s.users.values().filter(|u| has(&u.policies)).count()
            + s.groups.values().filter(|g| has(&g.policies)).count()
            + s.roles.values().filter(|r| has(&r.policies)).count()
    }

    fn custom_policy_json(s: &AccountState, p: &PolicyRecord) -> Value {
        json!({
            "PolicyName": p.name,
            "PolicyType": "Custom",
            "Description": p.description,
            "DefaultVersion": p.default_version,
            "AttachmentCount": Self::attachment_count(s, PolicyType::Custom, &p.name),
            "CreateDate": p.create_date,
            "UpdateDate": p.update_date,
        })
    }

    fn system_policy_json(
        s: &AccountState,
        p: &crossram_core::system_policies::SystemPolicy,
    ) -> Value {
        json!({
            "PolicyName": p.name,
            "PolicyType": "System",
            "Description": p.description,
            "DefaultVersion": p.version,
            "AttachmentCount": Self::attachment_count(s, PolicyType::System, p.name),
            "CreateDate": p.create_date,
            "UpdateDate": p.update_date,
        })
    }

    fn policy_type(&self) -> Result<Option<PolicyType>, ApiError> {
        match self.opt("PolicyType") {
            None => Ok(None),
            Some(t) => PolicyType::parse(t).map(Some).ok_or_else(|| {
                ApiError::new(
                    "InvalidParameter.PolicyType",
                    400,
                    "The parameter - \"PolicyType\" is incorrect.",
                )
            }),
        }
    }

    fn required_policy_type(&self) -> Result<PolicyType, ApiError> {
        self.policy_type()?
            .ok_or_else(|| ApiError::missing_parameter("PolicyType"))
    }

    fn parse_identity_doc(&self, text: &str) -> Result<Doc, ApiError> {
        self.e
            .config
            .limits
            .check_policy_size(PolicyKind::Identity, "PolicyDocument", text)?;
        Doc::parse(text, PolicyKind::Identity).map_err(|e| e.to_api_error())
    }

    async fn create_policy(&self) -> ApiResult {
        let name = self.p("PolicyName")?.to_owned();
        names::validate_policy_name(&name)?;
        let doc = self.parse_identity_doc(self.p("PolicyDocument")?)?;
        let description = self.opt("Description").unwrap_or_default().to_owned();
        names::validate_description("Description", &description)?;
        self.authorize("CreatePolicy", &[self.res(&format!("policy/{name}"))])?;
        let now = self.now();
        let max = self.e.config.limits.custom_policies_per_account;
        let policy = self
            .write(|_, s| {
                if s.policies.contains_key(&name)
                    || crossram_core::system_policies::system_policy(&name).is_some()
                {
                    return Err(ApiError::already_exists(
                        "Policy",
                        "The policy does already EXIST.",
                    ));
                }
                if s.policies.len() >= max {
                    return Err(ApiError::limit_exceeded(
                        "Policy",
                        "The count of policy beyond the current limits.",
                    ));
                }
                let p = PolicyRecord {
                    account: self.acct.clone(),
                    name: name.clone(),
                    description,
                    default_version: "v1".into(),
                    versions: vec![PolicyVersion {
                        id: "v1".into(),
                        doc,
                        create_date: now.clone(),
                    }],
                    next_version: 2,
                    create_date: now.clone(),
                    update_date: now.clone(),
                };
                Ok((vec![Write::put(Record::Policy(p.clone()))], p))
            })
            .await?;
        Ok(obj(json!({ "Policy": {
            "PolicyName": policy.name,
            "PolicyType": "Custom",
            "Description": policy.description,
            "DefaultVersion": policy.default_version,
            "CreateDate": policy.create_date,
        }})))
    }

    fn get_policy(&self) -> ApiResult {
        let name = self.p("PolicyName")?;
        let ty = self.required_policy_type()?;
        self.authorize("GetPolicy", &[self.policy_res(ty, name)])?;
        self.read(|s| match ty {
            PolicyType::System => {
                let p = crossram_core::system_policies::system_policy(name)
                    .ok_or_else(|| policy_missing_as(s, ty, name))?;
                Ok(obj(json!({
                    "Policy": Self::system_policy_json(s, p),
                    "DefaultPolicyVersion": {
                        "VersionId": p.version,
                        "IsDefaultVersion": true,
                        "PolicyDocument": p.document_text,
                        "CreateDate": p.create_date,
                    }
                })))
            }
            PolicyType::Custom => {
                let p = s
                    .policies
                    .get(name)
                    .ok_or_else(|| policy_missing_as(s, ty, name))?;
                let d = p.default().ok_or_else(policy_missing)?;
                Ok(obj(json!({
                    "Policy": Self::custom_policy_json(s, p),
                    "DefaultPolicyVersion": {
                        "VersionId": d.id,
                        "IsDefaultVersion": true,
                        "PolicyDocument": d.doc.text,
                        "CreateDate": d.create_date,
                    }
                })))
            }
        })
    }

    async fn delete_policy(&self) -> ApiResult {
        let name = self.p("PolicyName")?.to_owned();
        let cascading = boolean(&self.req.params, "CascadingDelete")?.unwrap_or(false);
        self.authorize("DeletePolicy", &[self.res(&format!("policy/{name}"))])?;
        self.write(|_, s| {
            let p = s.policies.get(&name).ok_or_else(policy_missing)?;
            let has = |list: &[Attachment]| {
                list.iter()
                    .any(|a| a.policy_type == PolicyType::Custom && a.policy_name == name)
            };
            if s.users.values().any(|u| has(&u.policies)) {
                return Err(ApiError::delete_conflict(
                    "Policy.User",
                    "The policy CAN NOT been attached to any user while deleting the policy.",
                ));
            }
            if s.groups.values().any(|g| has(&g.policies)) {
                return Err(ApiError::delete_conflict(
                    "Policy.Group",
                    "The policy CAN NOT been attached to any group while deleting the policy.",
                ));
            }
            if s.roles.values().any(|r| has(&r.policies)) {
                return Err(ApiError::delete_conflict(
                    "Policy.Role",
                    "The policy CAN NOT been attached to any role while deleting the policy.",
                ));
            }
            if p.versions.len() > 1 && !cascading {
                return Err(ApiError::delete_conflict(
                    "Policy.Version",
                    "The policy CAN NOT has any version except the default version.",
                ));
            }
            Ok((vec![Write::Delete(Record::Policy(p.clone()).key())], ()))
        })
        .await?;
        Ok(Response::new())
    }

    fn list_policies(&self) -> ApiResult {
        let ty = self.policy_type()?;
        self.authorize("ListPolicies", &[self.res("policy/*")])?;
        let items = self.read(|s| {
            let mut items = Vec::new();
            if ty != Some(PolicyType::Custom) {
                for p in crossram_core::system_policies::all() {
                    items.push((format!("0{}", p.name), Self::system_policy_json(s, p)));
                }
            }
            if ty != Some(PolicyType::System) {
                for p in s.policies.values() {
                    items.push((format!("1{}", p.name), Self::custom_policy_json(s, p)));
                }
            }
            items.sort_by(|a, b| a.0.cmp(&b.0));
            Ok(items)
        })?;
        self.paged("Policies", "Policy", items, 1000)
    }

    fn version_json(p: &PolicyRecord, v: &PolicyVersion) -> Value {
        json!({
            "VersionId": v.id,
            "IsDefaultVersion": v.id == p.default_version,
            "PolicyDocument": v.doc.text,
            "CreateDate": v.create_date,
        })
    }

    async fn create_policy_version(&self) -> ApiResult {
        let name = self.p("PolicyName")?.to_owned();
        let doc = self.parse_identity_doc(self.p("PolicyDocument")?)?;
        let set_default = boolean(&self.req.params, "SetAsDefault")?.unwrap_or(false);
        let rotate = match self.opt("RotateStrategy").unwrap_or("None") {
            "None" => false,
            "DeleteOldestNonDefaultVersionWhenLimitExceeded" => true,
            other => {
                return Err(ApiError::invalid_parameter(format!(
                    "The parameter \"RotateStrategy\" must be None or DeleteOldestNonDefaultVersionWhenLimitExceeded, got \"{other}\"."
                )));
            }
        };
        self.authorize(
            "CreatePolicyVersion",
            &[self.res(&format!("policy/{name}"))],
        )?;
        let now = self.now();
        let max = self.e.config.limits.versions_per_policy;
        let (p, v) = self
            .write(|_, s| {
                let mut p = s.policies.get(&name).cloned().ok_or_else(policy_missing)?;
                if p.versions.len() >= max {
                    if !rotate {
                        return Err(ApiError::limit_exceeded(
                            "Policy.Version",
                            "The count of policy version beyond the current limits.",
                        ));
                    }
                    let oldest = p.versions.iter().position(|v| v.id != p.default_version);
                    if let Some(i) = oldest {
                        p.versions.remove(i);
                    }
                }
                let v = PolicyVersion {
                    id: format!("v{}", p.next_version),
                    doc,
                    create_date: now.clone(),
                };
                p.next_version += 1;
                if set_default {
                    p.default_version = v.id.clone();
                }
                p.versions.push(v.clone());
                p.update_date = now;
                Ok((vec![Write::put(Record::Policy(p.clone()))], (p, v)))
            })
            .await?;
        Ok(obj(json!({ "PolicyVersion": Self::version_json(&p, &v) })))
    }

    fn version_id(&self) -> Result<&str, ApiError> {
        let id = self.p("VersionId")?;
        let ok = id
            .strip_prefix('v')
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if !ok {
            return Err(ApiError::new(
                "InvalidParameter.VersionId.Format",
                400,
                "The format of the parameter - \"VersionId\" is incorrect.",
            ));
        }
        Ok(id)
    }

    fn get_policy_version(&self) -> ApiResult {
        let name = self.p("PolicyName")?;
        let ty = self.required_policy_type()?;
        let id = self.version_id()?;
        self.authorize("GetPolicyVersion", &[self.policy_res(ty, name)])?;
        self.read(|s| match ty {
            PolicyType::System => {
                let p = crossram_core::system_policies::system_policy(name)
                    .ok_or_else(|| policy_missing_as(s, ty, name))?;
                if p.version != id {
                    return Err(ApiError::not_exist(
                        "Policy.Version",
                        "The policy version does not exist.",
                    ));
                }
                Ok(obj(json!({ "PolicyVersion": {
                    "VersionId": p.version, "IsDefaultVersion": true,
                    "PolicyDocument": p.document_text, "CreateDate": p.create_date }})))
            }
            PolicyType::Custom => {
                let p = s
                    .policies
                    .get(name)
                    .ok_or_else(|| policy_missing_as(s, ty, name))?;
                let v = p.versions.iter().find(|v| v.id == id).ok_or_else(|| {
                    ApiError::not_exist("Policy.Version", "The policy version does not exist.")
                })?;
                Ok(obj(json!({ "PolicyVersion": Self::version_json(p, v) })))
            }
        })
    }

    fn list_policy_versions(&self) -> ApiResult {
        let name = self.p("PolicyName")?;
        let ty = self.required_policy_type()?;
        self.authorize("ListPolicyVersions", &[self.policy_res(ty, name)])?;
        let items = self.read(|s| match ty {
            PolicyType::System => {
                let p = crossram_core::system_policies::system_policy(name)
                    .ok_or_else(|| policy_missing_as(s, ty, name))?;
                Ok(vec![
                    json!({"VersionId": p.version, "IsDefaultVersion": true,
                    "PolicyDocument": p.document_text, "CreateDate": p.create_date}),
                ])
            }
            PolicyType::Custom => {
                let p = s
                    .policies
                    .get(name)
                    .ok_or_else(|| policy_missing_as(s, ty, name))?;
                Ok(p.versions
                    .iter()
                    .map(|v| Self::version_json(p, v))
                    .collect())
            }
        })?;
        Ok(obj(wrapped("PolicyVersions", "PolicyVersion", items)))
    }

    async fn delete_policy_version(&self) -> ApiResult {
        let name = self.p("PolicyName")?.to_owned();
        let id = self.version_id()?.to_owned();
        self.authorize(
            "DeletePolicyVersion",
            &[self.res(&format!("policy/{name}"))],
        )?;
        let now = self.now();
        self.write(|_, s| {
            let mut p = s.policies.get(&name).cloned().ok_or_else(policy_missing)?;
            let i = p.versions.iter().position(|v| v.id == id).ok_or_else(|| {
                ApiError::not_exist("Policy.Version", "The policy version does not exist.")
            })?;
            if p.default_version == id {
                return Err(ApiError::delete_conflict(
                    "Policy.Version.Default",
                    "The default policy version CAN NOT been deleted directly.",
                ));
            }
            p.versions.remove(i);
            p.update_date = now;
            Ok((vec![Write::put(Record::Policy(p))], ()))
        })
        .await?;
        Ok(Response::new())
    }

    async fn set_default_policy_version(&self) -> ApiResult {
        let name = self.p("PolicyName")?.to_owned();
        let id = self.version_id()?.to_owned();
        self.authorize(
            "SetDefaultPolicyVersion",
            &[self.res(&format!("policy/{name}"))],
        )?;
        let now = self.now();
        self.write(|_, s| {
            let mut p = s.policies.get(&name).cloned().ok_or_else(policy_missing)?;
            if !p.versions.iter().any(|v| v.id == id) {
                return Err(ApiError::not_exist(
                    "Policy.Version",
                    "The policy version does not exist.",
                ));
            }
            p.default_version = id;
            p.update_date = now;
            Ok((vec![Write::put(Record::Policy(p))], ()))
        })
        .await?;
        Ok(Response::new())
    }

    // ---------------------------------------------------------------- attachments

    async fn attach(&self, target: Target, attach: bool) -> ApiResult {
        let ty = self.required_policy_type()?;
        let policy = self.p("PolicyName")?.to_owned();
        let who = self.p(target.param())?.to_owned();
        let action = self.req.action.clone();
        self.authorize(
            &action,
            &[
                self.res(&format!("{}/{who}", target.kind())),
                self.policy_res(ty, &policy),
            ],
        )?;
        let now = self.now();
        let limits = self.e.config.limits.clone();
        self.write(|_, s| {
            let exists = match ty {
                PolicyType::System => {
                    crossram_core::system_policies::system_policy(&policy).is_some()
                }
                PolicyType::Custom => s.policies.contains_key(&policy),
            };
            let (mut list, record): (Vec<Attachment>, Rebuild) = match target {
                Target::User => {
                    let u = s.user(&who).cloned().ok_or_else(user_missing)?;
                    (
                        u.policies.clone(),
                        Box::new(move |l| Record::User(UserRecord { policies: l, ..u })),
                    )
                }
                Target::Group => {
                    let g = s.groups.get(&who).cloned().ok_or_else(group_missing)?;
                    (
                        g.policies.clone(),
                        Box::new(move |l| Record::Group(GroupRecord { policies: l, ..g })),
                    )
                }
                Target::Role => {
                    let r = s.role(&who).cloned().ok_or_else(role_missing)?;
                    (
                        r.policies.clone(),
                        Box::new(move |l| Record::Role(RoleRecord { policies: l, ..r })),
                    )
                }
            };
            let pos = list
                .iter()
                .position(|a| a.policy_type == ty && a.policy_name == policy);
            if attach {
                if !exists {
                    return Err(policy_missing_as(s, ty, &policy));
                }
                if pos.is_some() {
                    return Err(ApiError::new(
                        format!("EntityAlreadyExists.{}.Policy", target.entity()),
                        409,
                        format!(
                            "The {} has already been attached this policy.",
                            target.kind()
                        ),
                    ));
                }
                let count = list.iter().filter(|a| a.policy_type == ty).count();
                let max = match (target, ty) {
                    (Target::User, PolicyType::System) => limits.system_policies_per_user,
                    (Target::User, PolicyType::Custom) => limits.custom_policies_per_user,
                    (Target::Group, PolicyType::System) => limits.system_policies_per_group,
                    (Target::Group, PolicyType::Custom) => limits.custom_policies_per_group,
                    (Target::Role, PolicyType::System) => limits.system_policies_per_role,
                    (Target::Role, PolicyType::Custom) => limits.custom_policies_per_role,
                };
                if count >= max {
                    return Err(ApiError::new(
                        format!("LimitExceeded.{}.Policy", target.entity()),
                        409,
                        format!(
                            "The count of policies attached to the {} beyond the current limits.",
                            target.kind()
                        ),
                    ));
                }
                list.push(Attachment {
                    policy_type: ty,
                    policy_name: policy.clone(),
                    attach_date: now,
                });
            } else {
                let Some(i) = pos else {
                    return Err(ApiError::new(
                        format!("EntityNotExist.{}.Policy", target.entity()),
                        404,
                        format!(
                            "The indicate policy of the {} does not exist.",
                            target.kind()
                        ),
                    ));
                };
                list.remove(i);
            }
            Ok((vec![Write::put(record(list))], ()))
        })
        .await?;
        Ok(Response::new())
    }

    fn attachment_json(s: &AccountState, a: &Attachment) -> Value {
        let (description, version) = match a.policy_type {
            PolicyType::System => crossram_core::system_policies::system_policy(&a.policy_name)
                .map(|p| (p.description.to_owned(), p.version.to_owned()))
                .unwrap_or_default(),
            PolicyType::Custom => s
                .policies
                .get(&a.policy_name)
                .map(|p| (p.description.clone(), p.default_version.clone()))
                .unwrap_or_default(),
        };
        json!({
            "PolicyName": a.policy_name,
            "PolicyType": a.policy_type.as_str(),
            "Description": description,
            "DefaultVersion": version,
            "AttachDate": a.attach_date,
        })
    }

    fn list_policies_for(&self, target: Target) -> ApiResult {
        let who = self.p(target.param())?;
        let action = self.req.action.clone();
        self.authorize(&action, &[self.res(&format!("{}/{who}", target.kind()))])?;
        let items = self.read(|s| {
            let list = match target {
                Target::User => &s.user(who).ok_or_else(user_missing)?.policies,
                Target::Group => &s.groups.get(who).ok_or_else(group_missing)?.policies,
                Target::Role => &s.role(who).ok_or_else(role_missing)?.policies,
            };
            Ok(list.iter().map(|a| Self::attachment_json(s, a)).collect())
        })?;
        Ok(obj(wrapped("Policies", "Policy", items)))
    }

    fn list_entities_for_policy(&self) -> ApiResult {
        let name = self.p("PolicyName")?;
        let ty = self.required_policy_type()?;
        self.authorize("ListEntitiesForPolicy", &[self.policy_res(ty, name)])?;
        self.read(|s| {
            let exists = match ty {
                PolicyType::System => crossram_core::system_policies::system_policy(name).is_some(),
                PolicyType::Custom => s.policies.contains_key(name),
            };
            if !exists {
                return Err(policy_missing_as(s, ty, name));
            }
            let find = |list: &[Attachment]| {
                list.iter()
                    .find(|a| a.policy_type == ty && a.policy_name == name)
                    .map(|a| a.attach_date.clone())
            };
            let users: Vec<Value> = s.users.values().filter_map(|u| find(&u.policies).map(|d| json!({
                "UserId": u.id, "UserName": u.name, "DisplayName": u.display_name, "AttachDate": d }))).collect();
            let groups: Vec<Value> = s.groups.values().filter_map(|g| find(&g.policies).map(|d| json!({
                "GroupName": g.name, "Comments": g.comments, "AttachDate": d }))).collect();
            let roles: Vec<Value> = s.roles.values().filter_map(|r| find(&r.policies).map(|d| json!({
                "RoleId": r.id, "RoleName": r.name, "Arn": format!("acs:ram::{}:role/{}", r.account, r.name),
                "Description": r.description, "AttachDate": d }))).collect();
            Ok(obj(json!({
                "Users": {"User": users},
                "Groups": {"Group": groups},
                "Roles": {"Role": roles},
            })))
        })
    }

    // ---------------------------------------------------------------- users

    fn user_json(u: &UserRecord) -> Value {
        let mut v = json!({
            "UserId": u.id,
            "UserName": u.name,
            "DisplayName": u.display_name,
            "MobilePhone": u.mobile_phone,
            "Email": u.email,
            "Comments": u.comments,
            "CreateDate": u.create_date,
            "UpdateDate": u.update_date,
        });
        if let (Some(d), Value::Object(m)) = (&u.last_login_date, &mut v) {
            m.insert("LastLoginDate".into(), Value::String(d.clone()));
        }
        v
    }

    fn check_contact(&self, prefix: &str) -> Result<(String, String, String, String), ApiError> {
        let display = self
            .opt(&format!("{prefix}DisplayName"))
            .unwrap_or_default()
            .to_owned();
        if !display.is_empty() {
            names::validate_display_name(&format!("{prefix}DisplayName"), &display)?;
        }
        let phone = self
            .opt(&format!("{prefix}MobilePhone"))
            .unwrap_or_default()
            .to_owned();
        if !phone.is_empty() {
            let ok = phone.split_once('-').is_some_and(|(cc, n)| {
                !cc.is_empty()
                    && !n.is_empty()
                    && cc.bytes().chain(n.bytes()).all(|b| b.is_ascii_digit())
            });
            if !ok {
                return Err(ApiError::bad_format(&format!("{prefix}MobilePhone")));
            }
        }
        let email = self
            .opt(&format!("{prefix}Email"))
            .unwrap_or_default()
            .to_owned();
        if !email.is_empty() {
            let ok = email
                .split_once('@')
                .is_some_and(|(l, d)| !l.is_empty() && d.contains('.'));
            if !ok {
                return Err(ApiError::bad_format(&format!("{prefix}Email")));
            }
        }
        let comments = self
            .opt(&format!("{prefix}Comments"))
            .unwrap_or_default()
            .to_owned();
        names::validate_comments(&format!("{prefix}Comments"), &comments)?;
        Ok((display, phone, email, comments))
    }

    async fn create_user(&self) -> ApiResult {
        let name = self.p("UserName")?.to_owned();
        names::validate_user_name(&name)?;
        let (display, phone, email, comments) = self.check_contact("")?;
        self.authorize("CreateUser", &[self.res(&format!("user/{name}"))])?;
        let now = self.now();
        let id = self.e.numeric_id('2');
        let max = self.e.config.limits.users_per_account;
        let user = self
            .write(|_, s| {
                if s.users.contains_key(&name) {
                    return Err(ApiError::already_exists(
                        "User",
                        "The user does already EXIST.",
                    ));
                }
                if s.users.len() >= max {
                    return Err(ApiError::limit_exceeded(
                        "User",
                        "The count of users beyond the current limits.",
                    ));
                }
                let u = UserRecord {
                    account: self.acct.clone(),
                    id,
                    name: name.clone(),
                    display_name: if display.is_empty() {
                        name.clone()
                    } else {
                        display
                    },
                    mobile_phone: phone,
                    email,
                    comments,
                    create_date: now.clone(),
                    update_date: now.clone(),
                    last_login_date: None,
                    login_profile: None,
                    access_keys: Vec::new(),
                    policies: Vec::new(),
                    groups: Default::default(),
                };
                Ok((vec![Write::put(Record::User(u.clone()))], u))
            })
            .await?;
        Ok(obj(json!({ "User": Self::user_json(&user) })))
    }

    fn get_user(&self) -> ApiResult {
        let name = self.p("UserName")?;
        self.authorize("GetUser", &[self.res(&format!("user/{name}"))])?;
        let u = self.read(|s| s.user(name).cloned().ok_or_else(user_missing))?;
        Ok(obj(json!({ "User": Self::user_json(&u) })))
    }

    async fn update_user(&self) -> ApiResult {
        let name = self.p("UserName")?.to_owned();
        let new_name = self.opt("NewUserName").map(str::to_owned);
        if let Some(n) = &new_name {
            names::validate_user_name_param("NewUserName", n)?;
        }
        let (display, phone, email, comments) = self.check_contact("New")?;
        let set = |v: String, sent: bool, old: &str| if sent { v } else { old.to_owned() };
        let sent = |n: &str| self.opt(n).is_some();
        let (sd, sp, se, sc) = (
            sent("NewDisplayName"),
            sent("NewMobilePhone"),
            sent("NewEmail"),
            sent("NewComments"),
        );
        self.authorize("UpdateUser", &[self.res(&format!("user/{name}"))])?;
        let now = self.now();
        let user = self
            .write(|_, s| {
                let old = s.user(&name).cloned().ok_or_else(user_missing)?;
                let mut u = old.clone();
                u.display_name = set(display, sd, &old.display_name);
                u.mobile_phone = set(phone, sp, &old.mobile_phone);
                u.email = set(email, se, &old.email);
                u.comments = set(comments, sc, &old.comments);
                u.update_date = now;
                let mut writes = Vec::new();
                if let Some(n) = new_name.filter(|n| *n != old.name) {
                    if s.users.contains_key(&n) {
                        return Err(ApiError::already_exists(
                            "User",
                            "The user does already EXIST.",
                        ));
                    }
                    writes.push(Write::Delete(Record::User(old).key()));
                    u.name = n;
                }
                writes.push(Write::put(Record::User(u.clone())));
                Ok((writes, u))
            })
            .await?;
        Ok(obj(json!({ "User": Self::user_json(&user) })))
    }

    async fn delete_user(&self) -> ApiResult {
        let name = self.p("UserName")?.to_owned();
        self.authorize("DeleteUser", &[self.res(&format!("user/{name}"))])?;
        self.write(|_, s| {
            let u = s.user(&name).ok_or_else(user_missing)?;
            let conflict = if !u.groups.is_empty() {
                Some((
                    "User.Group",
                    "The user CAN NOT be in any group while deleting the user.",
                ))
            } else if !u.access_keys.is_empty() {
                Some((
                    "User.AccessKey",
                    "The user CAN NOT has any access key while deleting the user.",
                ))
            } else if u.login_profile.is_some() {
                Some((
                    "User.LoginProfile",
                    "The user CAN NOT has any login profile while deleting the user.",
                ))
            } else if !u.policies.is_empty() {
                Some((
                    "User.Policy",
                    "The user CAN NOT has any attached policy while deleting the user.",
                ))
            } else {
                None
            };
            if let Some((what, msg)) = conflict {
                return Err(ApiError::delete_conflict(what, msg));
            }
            Ok((vec![Write::Delete(Record::User(u.clone()).key())], ()))
        })
        .await?;
        Ok(Response::new())
    }

    fn list_users(&self) -> ApiResult {
        self.authorize("ListUsers", &[self.res("user/*")])?;
        let items = self.read(|s| {
            Ok(s.users
                .values()
                .map(|u| (u.name.clone(), Self::user_json(u)))
                .collect())
        })?;
        self.paged("Users", "User", items, 100)
    }

    // ---------------------------------------------------------------- login profiles

    fn profile_json(name: &str, p: &LoginProfile) -> Value {
        json!({
            "UserName": name,
            "PasswordResetRequired": p.password_reset_required,
            "MFABindRequired": p.mfa_bind_required,
            "CreateDate": p.create_date,
        })
    }

    async fn put_login_profile(&self, create: bool) -> ApiResult {
        let name = self.p("UserName")?.to_owned();
        let password = if create {
            Some(self.p("Password")?.to_owned())
        } else {
            self.opt("Password").map(str::to_owned)
        };
        let reset = boolean(&self.req.params, "PasswordResetRequired")?;
        let mfa = boolean(&self.req.params, "MFABindRequired")?;
        let action = if create {
            "CreateLoginProfile"
        } else {
            "UpdateLoginProfile"
        };
        self.authorize(action, &[self.res(&format!("user/{name}"))])?;
        let hash = match &password {
            Some(pw) => Some(crate::console::hash_password(self.e, pw)?),
            None => None,
        };
        let now = self.now();
        let (user, profile) = self
            .write(|_, s| {
                let mut u = s.user(&name).cloned().ok_or_else(user_missing)?;
                let profile = match (&u.login_profile, create) {
                    (Some(_), true) => {
                        return Err(ApiError::already_exists(
                            "User.LoginProfile",
                            "The user login profile does already EXIST.",
                        ));
                    }
                    (None, false) => {
                        return Err(ApiError::not_exist(
                            "User.LoginProfile",
                            "The user login profile does not exist.",
                        ));
                    }
                    (Some(old), false) => LoginProfile {
                        password_hash: hash.unwrap_or_else(|| old.password_hash.clone()),
                        password_reset_required: reset.unwrap_or(old.password_reset_required),
                        mfa_bind_required: mfa.unwrap_or(old.mfa_bind_required),
                        create_date: old.create_date.clone(),
                    },
                    (None, true) => LoginProfile {
                        password_hash: hash.unwrap_or_default(),
                        password_reset_required: reset.unwrap_or(false),
                        mfa_bind_required: mfa.unwrap_or(false),
                        create_date: now.clone(),
                    },
                };
                u.login_profile = Some(profile.clone());
                u.update_date = now;
                Ok((vec![Write::put(Record::User(u.clone()))], (u, profile)))
            })
            .await?;
        Ok(obj(
            json!({ "LoginProfile": Self::profile_json(&user.name, &profile) }),
        ))
    }

    fn get_login_profile(&self) -> ApiResult {
        let name = self.p("UserName")?;
        self.authorize("GetLoginProfile", &[self.res(&format!("user/{name}"))])?;
        self.read(|s| {
            let u = s.user(name).ok_or_else(user_missing)?;
            let p = u.login_profile.as_ref().ok_or_else(|| {
                ApiError::not_exist(
                    "User.LoginProfile",
                    "The user login profile does not exist.",
                )
            })?;
            Ok(obj(
                json!({ "LoginProfile": Self::profile_json(&u.name, p) }),
            ))
        })
    }

    async fn delete_login_profile(&self) -> ApiResult {
        let name = self.p("UserName")?.to_owned();
        self.authorize("DeleteLoginProfile", &[self.res(&format!("user/{name}"))])?;
        self.write(|_, s| {
            let mut u = s.user(&name).cloned().ok_or_else(user_missing)?;
            if u.login_profile.take().is_none() {
                return Err(ApiError::not_exist(
                    "User.LoginProfile",
                    "The user login profile does not exist.",
                ));
            }
            Ok((vec![Write::put(Record::User(u))], ()))
        })
        .await?;
        Ok(Response::new())
    }

    // ---------------------------------------------------------------- access keys

    /// The user an AccessKey call is about: `UserName`, or the calling user itself.
    fn key_user(&self) -> Result<String, ApiError> {
        match (self.opt("UserName"), self.caller) {
            (Some(n), _) => Ok(n.to_owned()),
            (None, Caller::User { user_name, .. }) => Ok(user_name.clone()),
            (None, _) => Err(ApiError::missing_parameter("UserName")),
        }
    }

    async fn create_access_key(&self) -> ApiResult {
        let name = self.key_user()?;
        self.authorize("CreateAccessKey", &[self.res(&format!("user/{name}"))])?;
        let now = self.now();
        let key = AccessKey {
            id: format!("LTAI{}", self.e.env.ids.string(ALNUM, 20)),
            secret: crate::secret::Secret::new(self.e.env.ids.string(ALNUM, 30)),
            status: "Active".into(),
            create_date: now.clone(),
        };
        let max = self.e.config.limits.access_keys_per_user;
        let key = self
            .write(|w, s| {
                let mut u = s.user(&name).cloned().ok_or_else(user_missing)?;
                if u.access_keys.len() >= max {
                    return Err(ApiError::limit_exceeded(
                        "User.AccessKey",
                        "The access key count of the user access keys beyond the current limits.",
                    ));
                }
                if w.key_owner(&key.id).is_some() {
                    return Err(ApiError::internal(
                        "An AccessKeyId collided; retry the call.",
                    ));
                }
                u.access_keys.push(key.clone());
                Ok((vec![Write::put(Record::User(u))], key))
            })
            .await?;
        Ok(obj(json!({ "AccessKey": {
            "AccessKeyId": key.id,
            "AccessKeySecret": key.secret.expose(),
            "Status": key.status,
            "CreateDate": key.create_date,
        }})))
    }

    fn list_access_keys(&self) -> ApiResult {
        let name = self.key_user()?;
        self.authorize("ListAccessKeys", &[self.res(&format!("user/{name}"))])?;
        let items = self.read(|s| {
            let u = s.user(&name).ok_or_else(user_missing)?;
            Ok(u.access_keys
                .iter()
                .map(|k| json!({"AccessKeyId": k.id, "Status": k.status, "CreateDate": k.create_date}))
                .collect())
        })?;
        Ok(obj(wrapped("AccessKeys", "AccessKey", items)))
    }

    async fn update_access_key(&self) -> ApiResult {
        let name = self.key_user()?;
        let id = self.p("UserAccessKeyId")?.to_owned();
        let status = self.p("Status")?.to_owned();
        if status != "Active" && status != "Inactive" {
            return Err(ApiError::invalid_parameter(
                "The parameter \"Status\" must be Active or Inactive.",
            ));
        }
        self.authorize("UpdateAccessKey", &[self.res(&format!("user/{name}"))])?;
        self.write(|_, s| {
            let mut u = s.user(&name).cloned().ok_or_else(user_missing)?;
            let k = u
                .access_keys
                .iter_mut()
                .find(|k| k.id == id)
                .ok_or_else(|| {
                    ApiError::not_exist("User.AccessKey", "The user access key does not exist.")
                })?;
            k.status = status;
            Ok((vec![Write::put(Record::User(u))], ()))
        })
        .await?;
        Ok(Response::new())
    }

    async fn delete_access_key(&self) -> ApiResult {
        let name = self.key_user()?;
        let id = self.p("UserAccessKeyId")?.to_owned();
        self.authorize("DeleteAccessKey", &[self.res(&format!("user/{name}"))])?;
        self.write(|_, s| {
            let mut u = s.user(&name).cloned().ok_or_else(user_missing)?;
            let before = u.access_keys.len();
            u.access_keys.retain(|k| k.id != id);
            if u.access_keys.len() == before {
                return Err(ApiError::not_exist(
                    "User.AccessKey",
                    "The user access key does not exist.",
                ));
            }
            Ok((vec![Write::put(Record::User(u))], ()))
        })
        .await?;
        Ok(Response::new())
    }

    // ---------------------------------------------------------------- groups

    fn group_json(g: &GroupRecord) -> Value {
        json!({
            "GroupName": g.name,
            "Comments": g.comments,
            "CreateDate": g.create_date,
            "UpdateDate": g.update_date,
        })
    }

    async fn create_group(&self) -> ApiResult {
        let name = self.p("GroupName")?.to_owned();
        names::validate_group_name(&name)?;
        let comments = self.opt("Comments").unwrap_or_default().to_owned();
        names::validate_comments("Comments", &comments)?;
        self.authorize("CreateGroup", &[self.res(&format!("group/{name}"))])?;
        let now = self.now();
        let max = self.e.config.limits.groups_per_account;
        let g = self
            .write(|_, s| {
                if s.groups.contains_key(&name) {
                    return Err(ApiError::already_exists(
                        "Group",
                        "The group does already EXIST.",
                    ));
                }
                if s.groups.len() >= max {
                    return Err(ApiError::limit_exceeded(
                        "Group",
                        "The count of groups beyond the current limits.",
                    ));
                }
                let g = GroupRecord {
                    account: self.acct.clone(),
                    name: name.clone(),
                    comments,
                    create_date: now.clone(),
                    update_date: now.clone(),
                    policies: Vec::new(),
                };
                Ok((vec![Write::put(Record::Group(g.clone()))], g))
            })
            .await?;
        Ok(obj(json!({ "Group": Self::group_json(&g) })))
    }

    fn get_group(&self) -> ApiResult {
        let name = self.p("GroupName")?;
        self.authorize("GetGroup", &[self.res(&format!("group/{name}"))])?;
        let g = self.read(|s| s.groups.get(name).cloned().ok_or_else(group_missing))?;
        Ok(obj(json!({ "Group": Self::group_json(&g) })))
    }

    async fn update_group(&self) -> ApiResult {
        let name = self.p("GroupName")?.to_owned();
        let new_name = self.opt("NewGroupName").map(str::to_owned);
        if let Some(n) = &new_name {
            names::validate_group_name_param("NewGroupName", n)?;
        }
        let new_comments = self.opt("NewComments").map(str::to_owned);
        if let Some(c) = &new_comments {
            names::validate_comments("NewComments", c)?;
        }
        self.authorize("UpdateGroup", &[self.res(&format!("group/{name}"))])?;
        let now = self.now();
        let g = self
            .write(|_, s| {
                let old = s.groups.get(&name).cloned().ok_or_else(group_missing)?;
                let mut g = old.clone();
                if let Some(c) = new_comments {
                    g.comments = c;
                }
                g.update_date = now;
                let mut writes = Vec::new();
                if let Some(n) = new_name.filter(|n| *n != old.name) {
                    if s.groups.contains_key(&n) {
                        return Err(ApiError::already_exists(
                            "Group",
                            "The group does already EXIST.",
                        ));
                    }
                    // Members refer to the group by name: move them along.
                    for u in s
                        .users
                        .values()
                        .filter(|u| u.groups.contains_key(&old.name))
                    {
                        let mut u = u.clone();
                        if let Some(d) = u.groups.remove(&old.name) {
                            u.groups.insert(n.clone(), d);
                        }
                        writes.push(Write::put(Record::User(u)));
                    }
                    writes.push(Write::Delete(Record::Group(old).key()));
                    g.name = n;
                }
                writes.push(Write::put(Record::Group(g.clone())));
                Ok((writes, g))
            })
            .await?;
        Ok(obj(json!({ "Group": Self::group_json(&g) })))
    }

    async fn delete_group(&self) -> ApiResult {
        let name = self.p("GroupName")?.to_owned();
        self.authorize("DeleteGroup", &[self.res(&format!("group/{name}"))])?;
        self.write(|_, s| {
            let g = s.groups.get(&name).ok_or_else(group_missing)?;
            if s.users.values().any(|u| u.groups.contains_key(&name)) {
                return Err(ApiError::delete_conflict(
                    "Group.User",
                    "The group CAN NOT has any user member while deleting the group.",
                ));
            }
            if !g.policies.is_empty() {
                return Err(ApiError::delete_conflict(
                    "Group.Policy",
                    "The entity CAN NOT has any attached policy while deleting the group.",
                ));
            }
            Ok((vec![Write::Delete(Record::Group(g.clone()).key())], ()))
        })
        .await?;
        Ok(Response::new())
    }

    fn list_groups(&self) -> ApiResult {
        self.authorize("ListGroups", &[self.res("group/*")])?;
        let items = self.read(|s| {
            Ok(s.groups
                .values()
                .map(|g| (g.name.clone(), Self::group_json(g)))
                .collect())
        })?;
        self.paged("Groups", "Group", items, 1000)
    }

    async fn membership(&self, add: bool) -> ApiResult {
        let group = self.p("GroupName")?.to_owned();
        let user = self.p("UserName")?.to_owned();
        let action = self.req.action.clone();
        self.authorize(
            &action,
            &[
                self.res(&format!("user/{user}")),
                self.res(&format!("group/{group}")),
            ],
        )?;
        let now = self.now();
        let max = self.e.config.limits.groups_per_user;
        self.write(|_, s| {
            if !s.groups.contains_key(&group) {
                return Err(group_missing());
            }
            let mut u = s.user(&user).cloned().ok_or_else(user_missing)?;
            if add {
                if u.groups.contains_key(&group) {
                    return Err(ApiError::already_exists(
                        "User.Group",
                        "The user has already joined the group.",
                    ));
                }
                if u.groups.len() >= max {
                    return Err(ApiError::limit_exceeded(
                        "User.Group",
                        "The count of groups the target user joined beyond the current limits.",
                    ));
                }
                u.groups.insert(group.clone(), now);
            } else if u.groups.remove(&group).is_none() {
                return Err(ApiError::not_exist(
                    "User.Group",
                    "The user has not joined the group.",
                ));
            }
            Ok((vec![Write::put(Record::User(u))], ()))
        })
        .await?;
        Ok(Response::new())
    }

    fn list_groups_for_user(&self) -> ApiResult {
        let name = self.p("UserName")?;
        self.authorize("ListGroupsForUser", &[self.res(&format!("user/{name}"))])?;
        let items = self.read(|s| {
            let u = s.user(name).ok_or_else(user_missing)?;
            Ok(u.groups
                .iter()
                .map(|(g, joined)| {
                    let comments = s
                        .groups
                        .get(g)
                        .map(|g| g.comments.clone())
                        .unwrap_or_default();
                    json!({"GroupName": g, "Comments": comments, "JoinDate": joined})
                })
                .collect())
        })?;
        Ok(obj(wrapped("Groups", "Group", items)))
    }

    fn list_users_for_group(&self) -> ApiResult {
        let name = self.p("GroupName")?;
        self.authorize("ListUsersForGroup", &[self.res(&format!("group/{name}"))])?;
        let items = self.read(|s| {
            if !s.groups.contains_key(name) {
                return Err(group_missing());
            }
            Ok(s.users
                .values()
                .filter_map(|u| {
                    u.groups.get(name).map(|joined| {
                        (u.name.clone(), json!({"UserName": u.name, "DisplayName": u.display_name, "JoinDate": joined}))
                    })
                })
                .collect())
        })?;
        self.paged("Users", "User", items, 1000)
    }

    // ---------------------------------------------------------------- account alias

    async fn set_account_alias(&self) -> ApiResult {
        let alias = self.p("AccountAlias")?.to_owned();
        names::validate_account_alias(&alias)?;
        self.authorize("SetAccountAlias", &[self.res("*")])?;
        let acct = self.acct.clone();
        // Aliases are unique across accounts: take the global lock.
        self.e
            .mutate("", |w| {
                let s = w.account(&acct).ok_or_else(account_missing)?;
                if s.record.alias.as_deref() == Some(alias.as_str()) {
                    return Ok((Vec::new(), ()));
                }
                if w.alias_taken(&alias) {
                    return Err(ApiError::already_exists(
                        "AccountAlias",
                        "The account alias does already exist.",
                    ));
                }
                let mut r = s.record.clone();
                r.alias = Some(alias.clone());
                Ok((vec![Write::put(Record::Account(r))], ()))
            })
            .await?;
        Ok(Response::new())
    }

    fn get_account_alias(&self) -> ApiResult {
        self.authorize("GetAccountAlias", &[self.res("*")])?;
        let alias = self.read(|s| Ok(s.record.alias_or_id().to_owned()))?;
        Ok(obj(json!({ "AccountAlias": alias })))
    }

    /// The password policy the emulator enforces (fixed: SetPasswordPolicy is not emulated):
    /// 8 characters at least, no character classes required, no expiry or reuse rule, and the
    /// console lockout's failures per hour. The field names are the service's, its typo
    /// (`MaxLoginAttemps`) included.
    fn get_password_policy(&self) -> ApiResult {
        self.authorize("GetPasswordPolicy", &[self.res("*")])?;
        let min_length = crate::console::MIN_PASSWORD_LEN;
        let max_attempts = self.e.config.lockout.max_failures;
        Ok(obj(json!({
            "PasswordPolicy": {
                "MinimumPasswordLength": min_length,
                "RequireLowercaseCharacters": false,
                "RequireUppercaseCharacters": false,
                "RequireNumbers": false,
                "RequireSymbols": false,
                "HardExpiry": false,
                "MaxPasswordAge": 0,
                "PasswordReusePrevention": 0,
                "MaxLoginAttemps": max_attempts,
            }
        })))
    }

    async fn clear_account_alias(&self) -> ApiResult {
        self.authorize("ClearAccountAlias", &[self.res("*")])?;
        let acct = self.acct.clone();
        self.e
            .mutate("", |w| {
                let s = w.account(&acct).ok_or_else(account_missing)?;
                let mut r = s.record.clone();
                r.alias = None;
                Ok((vec![Write::put(Record::Account(r))], ()))
            })
            .await?;
        Ok(Response::new())
    }

    // ---------------------------------------------------------------- audit (crossram)

    /// Pages as RAM's List actions do (`MaxItems` 1-1000, 100 by default; `Marker` from the
    /// previous page), oldest event first.
    fn list_audit_events(&self) -> ApiResult {
        self.authorize("CrossramListAuditEvents", &[self.res("*")])?;
        let max = self.max_items(1000)?;
        let after = match self.opt("Marker") {
            None => None,
            Some(m) => Some(m.parse::<u64>().map_err(|_| {
                ApiError::invalid_parameter(format!(
                    "The parameter \"Marker\" must be the Marker of a previous page, not {m:?}."
                ))
            })?),
        };
        let page = self.e.audit_page(&self.acct, after, max);
        let marker = page
            .truncated
            .then(|| page.events.last().map(|(seq, _)| seq.to_string()))
            .flatten();
        let items: Vec<Value> = page
            .events
            .iter()
            .filter_map(|(_, e)| serde_json::to_value(e).ok())
            .collect();
        let mut m = obj(wrapped("Events", "Event", items));
        mark_truncation(&mut m, marker);
        Ok(m)
    }
}
