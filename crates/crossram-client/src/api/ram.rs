//! RAM requests and responses (spec §3). Lists arrive double-wrapped
//! (`"Roles": {"Role": [...]}`) and are unwrapped into plain `Vec`s.

use serde::{Deserialize, Serialize};

use super::{EmptyResponse, NoParams, Ram, actions};
use crate::endpoint::Product;
use crate::error::Error;
use crate::params::wrapped;
use crate::secret::{Secret, expose_opt_secret, expose_secret};

/// `System` (Alibaba-managed) or `Custom` (account-owned). The default is `Custom`, the kind an
/// account creates; a system policy must be named as `System`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum PolicyType {
    /// Alibaba-managed, read-only.
    System,
    /// Owned by the account.
    #[default]
    Custom,
}

/// A tag of `CreateRole`, sent as a JSON array the way the current SDKs do.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "PascalCase")]
pub struct Tag {
    /// The key.
    pub key: String,
    /// The value.
    pub value: String,
}

/// A RAM role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Role {
    /// The role id.
    pub role_id: String,
    /// The role name.
    pub role_name: String,
    /// `acs:ram::<account>:role/<name>`.
    pub arn: String,
    /// The description.
    pub description: String,
    /// The trust policy (JSON text); not in list answers.
    pub assume_role_policy_document: Option<String>,
    /// Maximum session duration in seconds.
    pub max_session_duration: Option<u64>,
    /// Creation time.
    pub create_date: String,
    /// Last update time.
    pub update_date: Option<String>,
    /// `<name>@role.<account>.onaliyunservice.com`.
    pub role_principal_name: Option<String>,
    /// Whether this is a service-linked role.
    pub is_service_linked_role: Option<bool>,
    /// Attachment time (in `ListEntitiesForPolicy`).
    pub attach_date: Option<String>,
}

/// A policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Policy {
    /// The name.
    pub policy_name: String,
    /// `System` or `Custom`.
    pub policy_type: String,
    /// The description.
    pub description: String,
    /// The default version id, e.g. `v1`.
    pub default_version: String,
    /// Creation time.
    pub create_date: Option<String>,
    /// Last update time.
    pub update_date: Option<String>,
    /// How many principals it is attached to.
    pub attachment_count: Option<u64>,
    /// Attachment time (in `ListPoliciesFor*`).
    pub attach_date: Option<String>,
}

/// A version of a policy.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PolicyVersion {
    /// `v1`, `v2`, ...
    pub version_id: String,
    /// Whether it is the default version.
    pub is_default_version: bool,
    /// The document (JSON text).
    pub policy_document: Option<String>,
    /// Creation time.
    pub create_date: String,
}

/// A RAM user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct User {
    /// The user id.
    pub user_id: String,
    /// The user name.
    pub user_name: String,
    /// The display name.
    pub display_name: String,
    /// `<country code>-<number>`.
    pub mobile_phone: Option<String>,
    /// The email address.
    pub email: Option<String>,
    /// Comments.
    pub comments: Option<String>,
    /// Creation time.
    pub create_date: Option<String>,
    /// Last update time.
    pub update_date: Option<String>,
    /// Last console logon.
    pub last_login_date: Option<String>,
    /// Attachment time (in `ListEntitiesForPolicy`).
    pub attach_date: Option<String>,
    /// Joining time (in `ListUsersForGroup`).
    pub join_date: Option<String>,
}

/// A RAM group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct Group {
    /// The group name.
    pub group_name: String,
    /// Comments.
    pub comments: String,
    /// Creation time.
    pub create_date: Option<String>,
    /// Last update time.
    pub update_date: Option<String>,
    /// Joining time (in `ListGroupsForUser`).
    pub join_date: Option<String>,
    /// Attachment time (in `ListEntitiesForPolicy`).
    pub attach_date: Option<String>,
}

/// A console login profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoginProfile {
    /// The user name.
    pub user_name: String,
    /// Whether the password must be changed at next logon.
    pub password_reset_required: bool,
    /// Whether an MFA device must be bound at next logon.
    #[serde(rename = "MFABindRequired")]
    pub mfa_bind_required: bool,
    /// Creation time.
    pub create_date: String,
}

/// An AccessKey; the secret is present only in the `CreateAccessKey` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct AccessKey {
    /// The AccessKeyId.
    pub access_key_id: String,
    /// The secret (only when just created).
    pub access_key_secret: Option<Secret>,
    /// `Active` or `Inactive`.
    pub status: String,
    /// Creation time.
    pub create_date: String,
}

/// Request with only a role name (`GetRole`, `DeleteRole`, `ListPoliciesForRole`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RoleNameRequest {
    /// The role name.
    pub role_name: String,
}

/// Request with only a user name (`GetUser`, `DeleteUser`, login profiles, ...).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserNameRequest {
    /// The user name.
    pub user_name: String,
}

/// Request with only a group name (`GetGroup`, `DeleteGroup`, `ListPoliciesForGroup`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupNameRequest {
    /// The group name.
    pub group_name: String,
}

/// Pagination of `List*` calls.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PageRequest {
    /// The `Marker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
}

/// `CreateRole` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateRoleRequest {
    /// The role name.
    pub role_name: String,
    /// The trust policy (JSON text).
    pub assume_role_policy_document: String,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// 3600-43200 seconds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_session_duration: Option<u64>,
    /// Tags (sent as a JSON array).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tag: Option<Vec<Tag>>,
}

/// `UpdateRole` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateRoleRequest {
    /// The role name.
    pub role_name: String,
    /// A new trust policy.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_assume_role_policy_document: Option<String>,
    /// A new maximum session duration.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_max_session_duration: Option<u64>,
    /// A new description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_description: Option<String>,
}

/// `CreatePolicy` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyRequest {
    /// The name.
    pub policy_name: String,
    /// The document (JSON text).
    pub policy_document: String,
    /// The description.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

/// Request naming a policy (`GetPolicy`, `ListPolicyVersions`, `ListEntitiesForPolicy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyRefRequest {
    /// `System` or `Custom`. Defaults to `Custom`: set `PolicyType::System` for a system policy
    /// such as `AliyunECSFullAccess`, or the service answers `EntityNotExist.Policy`.
    pub policy_type: PolicyType,
    /// The name.
    pub policy_name: String,
}

/// `DeletePolicy` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeletePolicyRequest {
    /// The name (custom policies only).
    pub policy_name: String,
    /// Also delete non-default versions.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cascading_delete: Option<bool>,
}

/// `ListPolicies` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListPoliciesRequest {
    /// Only this type.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub policy_type: Option<PolicyType>,
    /// The `Marker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
}

/// `CreatePolicyVersion` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreatePolicyVersionRequest {
    /// The policy.
    pub policy_name: String,
    /// The new document.
    pub policy_document: String,
    /// Make it the default version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_as_default: Option<bool>,
    /// `None` or `DeleteOldestNonDefaultVersionWhenLimitExceeded`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rotate_strategy: Option<String>,
}

/// `GetPolicyVersion` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GetPolicyVersionRequest {
    /// `System` or `Custom`. Defaults to `Custom`: set `PolicyType::System` for a system policy
    /// such as `AliyunECSFullAccess`, or the service answers `EntityNotExist.Policy`.
    pub policy_type: PolicyType,
    /// The policy.
    pub policy_name: String,
    /// `v1`, `v2`, ...
    pub version_id: String,
}

/// `DeletePolicyVersion` and `SetDefaultPolicyVersion` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct PolicyVersionRequest {
    /// The policy.
    pub policy_name: String,
    /// `v1`, `v2`, ...
    pub version_id: String,
}

/// `AttachPolicyToUser` / `DetachPolicyFromUser` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UserPolicyRequest {
    /// `System` or `Custom`. Defaults to `Custom`: set `PolicyType::System` for a system policy
    /// such as `AliyunECSFullAccess`, or the service answers `EntityNotExist.Policy`.
    pub policy_type: PolicyType,
    /// The policy.
    pub policy_name: String,
    /// The user.
    pub user_name: String,
}

/// `AttachPolicyToGroup` / `DetachPolicyFromGroup` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupPolicyRequest {
    /// `System` or `Custom`. Defaults to `Custom`: set `PolicyType::System` for a system policy
    /// such as `AliyunECSFullAccess`, or the service answers `EntityNotExist.Policy`.
    pub policy_type: PolicyType,
    /// The policy.
    pub policy_name: String,
    /// The group.
    pub group_name: String,
}

/// `AttachPolicyToRole` / `DetachPolicyFromRole` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct RolePolicyRequest {
    /// `System` or `Custom`. Defaults to `Custom`: set `PolicyType::System` for a system policy
    /// such as `AliyunECSFullAccess`, or the service answers `EntityNotExist.Policy`.
    pub policy_type: PolicyType,
    /// The policy.
    pub policy_name: String,
    /// The role.
    pub role_name: String,
}

/// `CreateUser` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateUserRequest {
    /// The user name.
    pub user_name: String,
    /// The display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// `<country code>-<number>`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mobile_phone: Option<String>,
    /// The email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
}

/// `UpdateUser` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateUserRequest {
    /// The user name.
    pub user_name: String,
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_user_name: Option<String>,
    /// A new display name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_display_name: Option<String>,
    /// A new phone number.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_mobile_phone: Option<String>,
    /// A new email address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_email: Option<String>,
    /// New comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_comments: Option<String>,
}

/// `CreateLoginProfile` parameters. The password is a [`Secret`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateLoginProfileRequest {
    /// The user.
    pub user_name: String,
    /// The console password.
    #[serde(serialize_with = "expose_secret")]
    pub password: Secret,
    /// Force a password change at next logon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_reset_required: Option<bool>,
    /// Force MFA binding at next logon.
    #[serde(rename = "MFABindRequired", skip_serializing_if = "Option::is_none")]
    pub mfa_bind_required: Option<bool>,
}

/// `UpdateLoginProfile` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateLoginProfileRequest {
    /// The user.
    pub user_name: String,
    /// A new console password.
    #[serde(
        serialize_with = "expose_opt_secret",
        skip_serializing_if = "Option::is_none"
    )]
    pub password: Option<Secret>,
    /// Force a password change at next logon.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub password_reset_required: Option<bool>,
    /// Force MFA binding at next logon.
    #[serde(rename = "MFABindRequired", skip_serializing_if = "Option::is_none")]
    pub mfa_bind_required: Option<bool>,
}

/// `CreateAccessKey` / `ListAccessKeys` parameters (no user: the caller).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct AccessKeysRequest {
    /// The user; `None` for the caller itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

/// `UpdateAccessKey` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateAccessKeyRequest {
    /// The AccessKeyId to change.
    pub user_access_key_id: String,
    /// `Active` or `Inactive`.
    pub status: String,
    /// The owner; `None` for the caller itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

/// `DeleteAccessKey` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct DeleteAccessKeyRequest {
    /// The AccessKeyId to delete.
    pub user_access_key_id: String,
    /// The owner; `None` for the caller itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_name: Option<String>,
}

/// `CreateGroup` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct CreateGroupRequest {
    /// The group name.
    pub group_name: String,
    /// Comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub comments: Option<String>,
}

/// `UpdateGroup` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct UpdateGroupRequest {
    /// The group name.
    pub group_name: String,
    /// A new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_group_name: Option<String>,
    /// New comments.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub new_comments: Option<String>,
}

/// `AddUserToGroup` / `RemoveUserFromGroup` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct GroupMemberRequest {
    /// The group.
    pub group_name: String,
    /// The user.
    pub user_name: String,
}

/// `ListUsersForGroup` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct ListUsersForGroupRequest {
    /// The group.
    pub group_name: String,
    /// The `Marker` of the previous page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub marker: Option<String>,
    /// Page size.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_items: Option<u32>,
}

/// `SetAccountAlias` parameters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "PascalCase")]
pub struct SetAccountAliasRequest {
    /// Lower-case letters, digits and hyphens, 3-63.
    pub account_alias: String,
}

/// Answer carrying one role.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct RoleResponse {
    /// The request id.
    pub request_id: String,
    /// The role.
    pub role: Role,
}

/// `ListRoles` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListRolesResponse {
    /// The request id.
    pub request_id: String,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// The marker of the next page.
    pub marker: Option<String>,
    /// The roles.
    #[serde(deserialize_with = "wrapped")]
    pub roles: Vec<Role>,
}

/// Answer carrying one policy (`CreatePolicy`, `GetPolicy`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PolicyResponse {
    /// The request id.
    pub request_id: String,
    /// The policy.
    pub policy: Policy,
    /// The default version with its document (`GetPolicy`).
    pub default_policy_version: Option<PolicyVersion>,
}

/// Answer listing policies (`ListPolicies`, `ListPoliciesFor*`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListPoliciesResponse {
    /// The request id.
    pub request_id: String,
    /// Whether more pages follow (`ListPolicies`).
    pub is_truncated: bool,
    /// The marker of the next page.
    pub marker: Option<String>,
    /// The policies.
    #[serde(deserialize_with = "wrapped")]
    pub policies: Vec<Policy>,
}

/// Answer carrying one policy version.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct PolicyVersionResponse {
    /// The request id.
    pub request_id: String,
    /// The version.
    pub policy_version: PolicyVersion,
}

/// `ListPolicyVersions` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListPolicyVersionsResponse {
    /// The request id.
    pub request_id: String,
    /// The versions.
    #[serde(deserialize_with = "wrapped")]
    pub policy_versions: Vec<PolicyVersion>,
}

/// `ListEntitiesForPolicy` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListEntitiesForPolicyResponse {
    /// The request id.
    pub request_id: String,
    /// Users the policy is attached to.
    #[serde(deserialize_with = "wrapped")]
    pub users: Vec<User>,
    /// Groups the policy is attached to.
    #[serde(deserialize_with = "wrapped")]
    pub groups: Vec<Group>,
    /// Roles the policy is attached to.
    #[serde(deserialize_with = "wrapped")]
    pub roles: Vec<Role>,
}

/// Answer carrying one user.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct UserResponse {
    /// The request id.
    pub request_id: String,
    /// The user.
    pub user: User,
}

/// Answer listing users (`ListUsers`, `ListUsersForGroup`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListUsersResponse {
    /// The request id.
    pub request_id: String,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// The marker of the next page.
    pub marker: Option<String>,
    /// The users.
    #[serde(deserialize_with = "wrapped")]
    pub users: Vec<User>,
}

/// Answer carrying a login profile.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct LoginProfileResponse {
    /// The request id.
    pub request_id: String,
    /// The login profile.
    pub login_profile: LoginProfile,
}

/// `CreateAccessKey` answer: the only time the secret is shown.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct CreateAccessKeyResponse {
    /// The request id.
    pub request_id: String,
    /// The new key, with its secret.
    pub access_key: AccessKey,
}

/// `ListAccessKeys` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListAccessKeysResponse {
    /// The request id.
    pub request_id: String,
    /// The keys (without secrets).
    #[serde(deserialize_with = "wrapped")]
    pub access_keys: Vec<AccessKey>,
}

/// Answer carrying one group.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GroupResponse {
    /// The request id.
    pub request_id: String,
    /// The group.
    pub group: Group,
}

/// Answer listing groups (`ListGroups`, `ListGroupsForUser`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct ListGroupsResponse {
    /// The request id.
    pub request_id: String,
    /// Whether more pages follow.
    pub is_truncated: bool,
    /// The marker of the next page.
    pub marker: Option<String>,
    /// The groups.
    #[serde(deserialize_with = "wrapped")]
    pub groups: Vec<Group>,
}

/// `GetAccountAlias` answer.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "PascalCase", default)]
pub struct GetAccountAliasResponse {
    /// The request id.
    pub request_id: String,
    /// The alias (the account id if never set).
    pub account_alias: String,
}

actions! { Ram, Product::Ram;
    /// Creates a role with a trust policy.
    create_role => "CreateRole" (CreateRoleRequest) -> RoleResponse;
    /// Reads a role, including its trust policy.
    get_role => "GetRole" (RoleNameRequest) -> RoleResponse;
    /// Lists roles, one page.
    list_roles => "ListRoles" (PageRequest) -> ListRolesResponse;
    /// Changes a role's trust policy, session duration or description.
    update_role => "UpdateRole" (UpdateRoleRequest) -> RoleResponse;
    /// Deletes a role (no policy may be attached); its live tokens die.
    delete_role => "DeleteRole" (RoleNameRequest) -> EmptyResponse;

    /// Creates a custom policy.
    create_policy => "CreatePolicy" (CreatePolicyRequest) -> PolicyResponse;
    /// Reads a policy and its default version.
    get_policy => "GetPolicy" (PolicyRefRequest) -> PolicyResponse;
    /// Deletes a custom policy.
    delete_policy => "DeletePolicy" (DeletePolicyRequest) -> EmptyResponse;
    /// Lists policies, one page.
    list_policies => "ListPolicies" (ListPoliciesRequest) -> ListPoliciesResponse;
    /// Adds a version to a custom policy.
    create_policy_version => "CreatePolicyVersion" (CreatePolicyVersionRequest) -> PolicyVersionResponse;
    /// Reads one version of a policy.
    get_policy_version => "GetPolicyVersion" (GetPolicyVersionRequest) -> PolicyVersionResponse;
    /// Lists the versions of a policy.
    list_policy_versions => "ListPolicyVersions" (PolicyRefRequest) -> ListPolicyVersionsResponse;
    /// Deletes a non-default version.
    delete_policy_version => "DeletePolicyVersion" (PolicyVersionRequest) -> EmptyResponse;
    /// Makes a version the default.
    set_default_policy_version => "SetDefaultPolicyVersion" (PolicyVersionRequest) -> EmptyResponse;

    /// Attaches a policy to a user.
    attach_policy_to_user => "AttachPolicyToUser" (UserPolicyRequest) -> EmptyResponse;
    /// Attaches a policy to a group.
    attach_policy_to_group => "AttachPolicyToGroup" (GroupPolicyRequest) -> EmptyResponse;
    /// Attaches a policy to a role.
    attach_policy_to_role => "AttachPolicyToRole" (RolePolicyRequest) -> EmptyResponse;
    /// Detaches a policy from a user.
    detach_policy_from_user => "DetachPolicyFromUser" (UserPolicyRequest) -> EmptyResponse;
    /// Detaches a policy from a group.
    detach_policy_from_group => "DetachPolicyFromGroup" (GroupPolicyRequest) -> EmptyResponse;
    /// Detaches a policy from a role.
    detach_policy_from_role => "DetachPolicyFromRole" (RolePolicyRequest) -> EmptyResponse;
    /// Lists the policies attached to a user.
    list_policies_for_user => "ListPoliciesForUser" (UserNameRequest) -> ListPoliciesResponse;
    /// Lists the policies attached to a group.
    list_policies_for_group => "ListPoliciesForGroup" (GroupNameRequest) -> ListPoliciesResponse;
    /// Lists the policies attached to a role.
    list_policies_for_role => "ListPoliciesForRole" (RoleNameRequest) -> ListPoliciesResponse;
    /// Lists the users, groups and roles a policy is attached to.
    list_entities_for_policy => "ListEntitiesForPolicy" (PolicyRefRequest) -> ListEntitiesForPolicyResponse;

    /// Creates a user.
    create_user => "CreateUser" (CreateUserRequest) -> UserResponse;
    /// Reads a user.
    get_user => "GetUser" (UserNameRequest) -> UserResponse;
    /// Changes a user.
    update_user => "UpdateUser" (UpdateUserRequest) -> UserResponse;
    /// Deletes a user (no keys, groups, policies or login profile left).
    delete_user => "DeleteUser" (UserNameRequest) -> EmptyResponse;
    /// Lists users, one page.
    list_users => "ListUsers" (PageRequest) -> ListUsersResponse;

    /// Gives a user a console password.
    create_login_profile => "CreateLoginProfile" (CreateLoginProfileRequest) -> LoginProfileResponse;
    /// Reads a user's login profile.
    get_login_profile => "GetLoginProfile" (UserNameRequest) -> LoginProfileResponse;
    /// Changes a user's login profile.
    update_login_profile => "UpdateLoginProfile" (UpdateLoginProfileRequest) -> EmptyResponse;
    /// Removes a user's console password.
    delete_login_profile => "DeleteLoginProfile" (UserNameRequest) -> EmptyResponse;

    /// Creates an AccessKey (the answer holds its secret, once).
    create_access_key => "CreateAccessKey" (AccessKeysRequest) -> CreateAccessKeyResponse;
    /// Lists AccessKeys.
    list_access_keys => "ListAccessKeys" (AccessKeysRequest) -> ListAccessKeysResponse;
    /// Activates or deactivates an AccessKey.
    update_access_key => "UpdateAccessKey" (UpdateAccessKeyRequest) -> EmptyResponse;
    /// Deletes an AccessKey.
    delete_access_key => "DeleteAccessKey" (DeleteAccessKeyRequest) -> EmptyResponse;

    /// Creates a group.
    create_group => "CreateGroup" (CreateGroupRequest) -> GroupResponse;
    /// Reads a group.
    get_group => "GetGroup" (GroupNameRequest) -> GroupResponse;
    /// Changes a group.
    update_group => "UpdateGroup" (UpdateGroupRequest) -> GroupResponse;
    /// Deletes a group (no members or policies left).
    delete_group => "DeleteGroup" (GroupNameRequest) -> EmptyResponse;
    /// Lists groups, one page.
    list_groups => "ListGroups" (PageRequest) -> ListGroupsResponse;
    /// Adds a user to a group.
    add_user_to_group => "AddUserToGroup" (GroupMemberRequest) -> EmptyResponse;
    /// Removes a user from a group.
    remove_user_from_group => "RemoveUserFromGroup" (GroupMemberRequest) -> EmptyResponse;
    /// Lists the groups of a user.
    list_groups_for_user => "ListGroupsForUser" (UserNameRequest) -> ListGroupsResponse;
    /// Lists the members of a group.
    list_users_for_group => "ListUsersForGroup" (ListUsersForGroupRequest) -> ListUsersResponse;

    /// Sets the account alias.
    set_account_alias => "SetAccountAlias" (SetAccountAliasRequest) -> EmptyResponse;
}

impl Ram<'_> {
    /// Reads the account alias.
    ///
    /// Calls `GetAccountAlias`.
    pub async fn get_account_alias(&self) -> Result<GetAccountAliasResponse, Error> {
        self.client
            .call_typed(Product::Ram, "GetAccountAlias", &NoParams {})
            .await
    }

    /// Removes the account alias.
    ///
    /// Calls `ClearAccountAlias`.
    pub async fn clear_account_alias(&self) -> Result<EmptyResponse, Error> {
        self.client
            .call_typed(Product::Ram, "ClearAccountAlias", &NoParams {})
            .await
    }
}
