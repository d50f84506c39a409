//! Every RAM and ECS action the engine serves: its success path and its documented errors, as a
//! table of steps run in order against one world (account A's root unless a step says `B`).

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use std::sync::Arc;

use crossram_engine::{
    AccountSeed, ApiRequest, Engine, EngineConfig, Env, ManualClock, Product, RequestContext,
    Secret, SeededIds,
};
use time::macros::datetime;

use Product::{Ecs, Ram};

const OK: &str = "";
const TRUST: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::12345678:root"]}}],"Version":"1"}"#;
const DOC: &str =
    r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}"#;

/// (actor, product, action, params, expected code or OK, a JSON pointer and the value it must have)
type Step = (
    &'static str,
    Product,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static str,
    Option<(&'static str, &'static str)>,
);

const STEPS: &[Step] = &[
    // ---- roles
    (
        "A",
        Ram,
        "CreateRole",
        &[
            ("RoleName", "ops"),
            ("AssumeRolePolicyDocument", TRUST),
            ("Description", "d"),
        ],
        OK,
        Some(("/Role/Arn", "acs:ram::11223344:role/ops")),
    ),
    (
        "A",
        Ram,
        "CreateRole",
        &[("RoleName", "ops"), ("AssumeRolePolicyDocument", TRUST)],
        "EntityAlreadyExists.Role",
        None,
    ),
    (
        "A",
        Ram,
        "CreateRole",
        &[
            ("RoleName", "bad name"),
            ("AssumeRolePolicyDocument", TRUST),
        ],
        "InvalidParameter.RoleName.InvalidChars",
        None,
    ),
    (
        "A",
        Ram,
        "CreateRole",
        &[
            ("RoleName", "x"),
            ("AssumeRolePolicyDocument", "{\"Version\":\"2\"}"),
        ],
        "MalformedPolicyDocument",
        None,
    ),
    (
        "A",
        Ram,
        "CreateRole",
        &[
            ("RoleName", "x"),
            ("AssumeRolePolicyDocument", TRUST),
            ("MaxSessionDuration", "100"),
        ],
        "InvalidParameter.MaxSessionDuration",
        None,
    ),
    (
        "A",
        Ram,
        "CreateRole",
        &[("RoleName", "x")],
        "MissingParameter",
        None,
    ),
    (
        "A",
        Ram,
        "CreateRole",
        &[
            ("RoleName", "ops2"),
            ("AssumeRolePolicyDocument", TRUST),
            ("MaxSessionDuration", "7200"),
        ],
        OK,
        Some(("/Role/MaxSessionDuration", "7200")),
    ),
    (
        "A",
        Ram,
        "GetRole",
        &[("RoleName", "ops")],
        OK,
        Some((
            "/Role/RolePrincipalName",
            "ops@role.company-a.onaliyunservice.com",
        )),
    ),
    (
        "A",
        Ram,
        "GetRole",
        &[("RoleName", "nope")],
        "EntityNotExist.Role",
        None,
    ),
    (
        "A",
        Ram,
        "ListRoles",
        &[("MaxItems", "1")],
        OK,
        Some(("/Marker", "ops")),
    ),
    (
        "A",
        Ram,
        "ListRoles",
        &[("MaxItems", "1"), ("Marker", "ops")],
        OK,
        Some(("/Roles/Role/0/RoleName", "ops2")),
    ),
    (
        "A",
        Ram,
        "ListRoles",
        &[("MaxItems", "0")],
        "InvalidParameter",
        None,
    ),
    (
        "A",
        Ram,
        "UpdateRole",
        &[("RoleName", "ops"), ("NewDescription", "new")],
        OK,
        Some(("/Role/Description", "new")),
    ),
    (
        "A",
        Ram,
        "UpdateRole",
        &[("RoleName", "ops"), ("NewAssumeRolePolicyDocument", "[]")],
        "MalformedPolicyDocument",
        None,
    ),
    (
        "A",
        Ram,
        "UpdateRole",
        &[("RoleName", "nope")],
        "EntityNotExist.Role",
        None,
    ),
    ("A", Ram, "DeleteRole", &[("RoleName", "ops2")], OK, None),
    (
        "A",
        Ram,
        "DeleteRole",
        &[("RoleName", "ops2")],
        "EntityNotExist.Role",
        None,
    ),
    // ---- policies and versions
    (
        "A",
        Ram,
        "CreatePolicy",
        &[("PolicyName", "readers"), ("PolicyDocument", DOC)],
        OK,
        Some(("/Policy/DefaultVersion", "v1")),
    ),
    (
        "A",
        Ram,
        "CreatePolicy",
        &[("PolicyName", "readers"), ("PolicyDocument", DOC)],
        "EntityAlreadyExists.Policy",
        None,
    ),
    (
        "A",
        Ram,
        "CreatePolicy",
        &[("PolicyName", "bad_name"), ("PolicyDocument", DOC)],
        "InvalidParameter.PolicyName.InvalidChars",
        None,
    ),
    (
        "A",
        Ram,
        "CreatePolicy",
        &[
            ("PolicyName", "broken"),
            (
                "PolicyDocument",
                "{\"Version\":\"1\",\"Statement\":[{\"Effect\":\"Allow\"}]}",
            ),
        ],
        "MalformedPolicyDocument",
        None,
    ),
    (
        "A",
        Ram,
        "GetPolicy",
        &[("PolicyName", "readers"), ("PolicyType", "Custom")],
        OK,
        Some(("/DefaultPolicyVersion/PolicyDocument", DOC)),
    ),
    (
        "A",
        Ram,
        "GetPolicy",
        &[
            ("PolicyName", "AliyunECSFullAccess"),
            ("PolicyType", "System"),
        ],
        OK,
        Some(("/Policy/PolicyType", "System")),
    ),
    (
        "A",
        Ram,
        "GetPolicy",
        &[("PolicyName", "readers"), ("PolicyType", "System")],
        "EntityNotExist.Policy",
        None,
    ),
    (
        "A",
        Ram,
        "GetPolicy",
        &[("PolicyName", "readers"), ("PolicyType", "Mine")],
        "InvalidParameter.PolicyType",
        None,
    ),
    (
        "A",
        Ram,
        "CreatePolicyVersion",
        &[("PolicyName", "readers"), ("PolicyDocument", DOC)],
        OK,
        Some(("/PolicyVersion/VersionId", "v2")),
    ),
    (
        "A",
        Ram,
        "CreatePolicyVersion",
        &[
            ("PolicyName", "readers"),
            ("PolicyDocument", DOC),
            ("SetAsDefault", "true"),
        ],
        OK,
        Some(("/PolicyVersion/IsDefaultVersion", "true")),
    ),
    (
        "A",
        Ram,
        "CreatePolicyVersion",
        &[("PolicyName", "readers"), ("PolicyDocument", DOC)],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "CreatePolicyVersion",
        &[("PolicyName", "readers"), ("PolicyDocument", DOC)],
        OK,
        Some(("/PolicyVersion/VersionId", "v5")),
    ),
    (
        "A",
        Ram,
        "CreatePolicyVersion",
        &[("PolicyName", "readers"), ("PolicyDocument", DOC)],
        "LimitExceeded.Policy.Version",
        None,
    ),
    (
        "A",
        Ram,
        "CreatePolicyVersion",
        &[
            ("PolicyName", "readers"),
            ("PolicyDocument", DOC),
            (
                "RotateStrategy",
                "DeleteOldestNonDefaultVersionWhenLimitExceeded",
            ),
        ],
        OK,
        Some(("/PolicyVersion/VersionId", "v6")),
    ),
    (
        "A",
        Ram,
        "GetPolicyVersion",
        &[
            ("PolicyName", "readers"),
            ("PolicyType", "Custom"),
            ("VersionId", "v1"),
        ],
        "EntityNotExist.Policy.Version",
        None,
    ),
    (
        "A",
        Ram,
        "GetPolicyVersion",
        &[
            ("PolicyName", "readers"),
            ("PolicyType", "Custom"),
            ("VersionId", "one"),
        ],
        "InvalidParameter.VersionId.Format",
        None,
    ),
    (
        "A",
        Ram,
        "ListPolicyVersions",
        &[("PolicyName", "readers"), ("PolicyType", "Custom")],
        OK,
        Some(("/PolicyVersions/PolicyVersion/0/VersionId", "v2")),
    ),
    (
        "A",
        Ram,
        "DeletePolicyVersion",
        &[("PolicyName", "readers"), ("VersionId", "v3")],
        "DeleteConflict.Policy.Version.Default",
        None,
    ),
    (
        "A",
        Ram,
        "SetDefaultPolicyVersion",
        &[("PolicyName", "readers"), ("VersionId", "v6")],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "DeletePolicyVersion",
        &[("PolicyName", "readers"), ("VersionId", "v3")],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "DeletePolicy",
        &[("PolicyName", "readers")],
        "DeleteConflict.Policy.Version",
        None,
    ),
    (
        "A",
        Ram,
        "ListPolicies",
        &[("PolicyType", "Custom")],
        OK,
        Some(("/Policies/Policy/0/PolicyName", "readers")),
    ),
    // ---- users, login profiles, keys, groups
    (
        "A",
        Ram,
        "CreateUser",
        &[
            ("UserName", "carol"),
            ("DisplayName", "Carol"),
            ("Email", "carol@example.com"),
            ("MobilePhone", "86-18600008888"),
        ],
        OK,
        Some(("/User/DisplayName", "Carol")),
    ),
    (
        "A",
        Ram,
        "CreateUser",
        &[("UserName", "carol")],
        "EntityAlreadyExists.User",
        None,
    ),
    (
        "A",
        Ram,
        "CreateUser",
        &[("UserName", "dave"), ("Email", "not-an-email")],
        "InvalidParameter.Email.Format",
        None,
    ),
    (
        "A",
        Ram,
        "CreateUser",
        &[("UserName", "dave"), ("MobilePhone", "18600008888")],
        "InvalidParameter.MobilePhone.Format",
        None,
    ),
    (
        "A",
        Ram,
        "GetUser",
        &[("UserName", "nobody")],
        "EntityNotExist.User",
        None,
    ),
    (
        "A",
        Ram,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "readers"),
            ("UserName", "carol"),
        ],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "readers"),
            ("UserName", "carol"),
        ],
        "EntityAlreadyExists.User.Policy",
        None,
    ),
    (
        "A",
        Ram,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "nope"),
            ("UserName", "carol"),
        ],
        "EntityNotExist.Policy",
        None,
    ),
    (
        "A",
        Ram,
        "ListEntitiesForPolicy",
        &[("PolicyType", "Custom"), ("PolicyName", "readers")],
        OK,
        Some(("/Users/User/0/UserName", "carol")),
    ),
    (
        "A",
        Ram,
        "ListPoliciesForUser",
        &[("UserName", "carol")],
        OK,
        Some(("/Policies/Policy/0/PolicyName", "readers")),
    ),
    (
        "A",
        Ram,
        "DeletePolicy",
        &[("PolicyName", "readers"), ("CascadingDelete", "true")],
        "DeleteConflict.Policy.User",
        None,
    ),
    (
        "A",
        Ram,
        "CreateLoginProfile",
        &[("UserName", "carol"), ("Password", "Carol-passw0rd")],
        OK,
        Some(("/LoginProfile/UserName", "carol")),
    ),
    (
        "A",
        Ram,
        "CreateLoginProfile",
        &[("UserName", "carol"), ("Password", "Carol-passw0rd")],
        "EntityAlreadyExists.User.LoginProfile",
        None,
    ),
    (
        "A",
        Ram,
        "UpdateLoginProfile",
        &[("UserName", "carol"), ("PasswordResetRequired", "true")],
        OK,
        Some(("/LoginProfile/PasswordResetRequired", "true")),
    ),
    (
        "A",
        Ram,
        "GetLoginProfile",
        &[("UserName", "carol")],
        OK,
        Some(("/LoginProfile/PasswordResetRequired", "true")),
    ),
    (
        "A",
        Ram,
        "CreateAccessKey",
        &[("UserName", "carol")],
        OK,
        Some(("/AccessKey/Status", "Active")),
    ),
    (
        "A",
        Ram,
        "CreateAccessKey",
        &[("UserName", "carol")],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "CreateAccessKey",
        &[("UserName", "carol")],
        "LimitExceeded.User.AccessKey",
        None,
    ),
    (
        "A",
        Ram,
        "DeleteAccessKey",
        &[("UserName", "carol"), ("UserAccessKeyId", "LTAInope")],
        "EntityNotExist.User.AccessKey",
        None,
    ),
    (
        "A",
        Ram,
        "CreateGroup",
        &[("GroupName", "admins"), ("Comments", "c")],
        OK,
        Some(("/Group/GroupName", "admins")),
    ),
    (
        "A",
        Ram,
        "CreateGroup",
        &[("GroupName", "admins")],
        "EntityAlreadyExists.Group",
        None,
    ),
    (
        "A",
        Ram,
        "AddUserToGroup",
        &[("GroupName", "admins"), ("UserName", "carol")],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "AddUserToGroup",
        &[("GroupName", "admins"), ("UserName", "carol")],
        "EntityAlreadyExists.User.Group",
        None,
    ),
    (
        "A",
        Ram,
        "ListGroupsForUser",
        &[("UserName", "carol")],
        OK,
        Some(("/Groups/Group/0/GroupName", "admins")),
    ),
    (
        "A",
        Ram,
        "ListUsersForGroup",
        &[("GroupName", "admins")],
        OK,
        Some(("/Users/User/0/UserName", "carol")),
    ),
    (
        "A",
        Ram,
        "AttachPolicyToGroup",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunECSReadOnlyAccess"),
            ("GroupName", "admins"),
        ],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "DeleteGroup",
        &[("GroupName", "admins")],
        "DeleteConflict.Group.User",
        None,
    ),
    (
        "A",
        Ram,
        "DeleteUser",
        &[("UserName", "carol")],
        "DeleteConflict.User.Group",
        None,
    ),
    (
        "A",
        Ram,
        "RemoveUserFromGroup",
        &[("GroupName", "admins"), ("UserName", "carol")],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "RemoveUserFromGroup",
        &[("GroupName", "admins"), ("UserName", "carol")],
        "EntityNotExist.User.Group",
        None,
    ),
    (
        "A",
        Ram,
        "DeleteGroup",
        &[("GroupName", "admins")],
        "DeleteConflict.Group.Policy",
        None,
    ),
    (
        "A",
        Ram,
        "DetachPolicyFromGroup",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunECSReadOnlyAccess"),
            ("GroupName", "admins"),
        ],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "UpdateGroup",
        &[("GroupName", "admins"), ("NewGroupName", "operators")],
        OK,
        Some(("/Group/GroupName", "operators")),
    ),
    (
        "A",
        Ram,
        "DeleteGroup",
        &[("GroupName", "operators")],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "DeleteUser",
        &[("UserName", "carol")],
        "DeleteConflict.User.AccessKey",
        None,
    ),
    (
        "A",
        Ram,
        "UpdateUser",
        &[("UserName", "carol"), ("NewUserName", "caroline")],
        OK,
        Some(("/User/UserName", "caroline")),
    ),
    (
        "A",
        Ram,
        "ListUsers",
        &[],
        OK,
        Some(("/Users/User/0/UserName", "caroline")),
    ),
    // ---- attachments on roles
    (
        "A",
        Ram,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunECSFullAccess"),
            ("RoleName", "ops"),
        ],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunECSFullAccess"),
            ("RoleName", "ops"),
        ],
        "EntityAlreadyExists.Role.Policy",
        None,
    ),
    (
        "A",
        Ram,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "NoSuchPolicy"),
            ("RoleName", "ops"),
        ],
        "EntityNotExist.Policy",
        None,
    ),
    (
        "A",
        Ram,
        "ListPoliciesForRole",
        &[("RoleName", "ops")],
        OK,
        Some(("/Policies/Policy/0/PolicyName", "AliyunECSFullAccess")),
    ),
    (
        "A",
        Ram,
        "DetachPolicyFromRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunECSReadOnlyAccess"),
            ("RoleName", "ops"),
        ],
        "EntityNotExist.Role.Policy",
        None,
    ),
    // ---- password policy: what the console enforces
    (
        "A",
        Ram,
        "GetPasswordPolicy",
        &[],
        OK,
        Some(("/PasswordPolicy/MinimumPasswordLength", "8")),
    ),
    (
        "A",
        Ram,
        "GetPasswordPolicy",
        &[],
        OK,
        Some(("/PasswordPolicy/MaxLoginAttemps", "5")),
    ),
    // ---- account alias
    (
        "A",
        Ram,
        "GetAccountAlias",
        &[],
        OK,
        Some(("/AccountAlias", "company-a")),
    ),
    (
        "A",
        Ram,
        "SetAccountAlias",
        &[("AccountAlias", "Bad--Alias")],
        "InvalidParameter.AccountAlias.Format",
        None,
    ),
    (
        "A",
        Ram,
        "SetAccountAlias",
        &[("AccountAlias", "company-b")],
        "EntityAlreadyExists.AccountAlias",
        None,
    ),
    ("A", Ram, "ClearAccountAlias", &[], OK, None),
    (
        "A",
        Ram,
        "GetAccountAlias",
        &[],
        OK,
        Some(("/AccountAlias", "11223344")),
    ),
    (
        "A",
        Ram,
        "SetAccountAlias",
        &[("AccountAlias", "company-a")],
        OK,
        None,
    ),
    (
        "A",
        Ram,
        "NoSuchAction",
        &[],
        "InvalidAction.NotFound",
        None,
    ),
    // ---- ECS
    (
        "A",
        Ecs,
        "RunInstances",
        &[("ImageId", "img"), ("InstanceType", "ecs.g6.large")],
        "MissingParameter",
        None,
    ),
    (
        "A",
        Ecs,
        "RunInstances",
        &[
            ("RegionId", "Hangzhou"),
            ("ImageId", "img"),
            ("InstanceType", "ecs.g6.large"),
        ],
        "InvalidRegionId.NotFound",
        None,
    ),
    // Shaped like a region id, but the service has no such region.
    (
        "A",
        Ecs,
        "DescribeInstances",
        &[("RegionId", "xx-nowhere-1")],
        "InvalidRegionId.NotFound",
        None,
    ),
    (
        "A",
        Ecs,
        "RunInstances",
        &[
            ("RegionId", "cn-hangzhou"),
            ("ImageId", "img"),
            ("InstanceType", "ecs.g6.large"),
            ("DryRun", "true"),
        ],
        "DryRunOperation",
        None,
    ),
    (
        "A",
        Ecs,
        "RunInstances",
        &[
            ("RegionId", "cn-hangzhou"),
            ("ImageId", "img"),
            ("InstanceType", "ecs.g6.large"),
            ("Amount", "3"),
            ("InstanceName", "web"),
        ],
        OK,
        None,
    ),
    (
        "A",
        Ecs,
        "CreateInstance",
        &[
            ("RegionId", "cn-shanghai"),
            ("InstanceType", "ecs.g6.large"),
        ],
        OK,
        None,
    ),
    (
        "A",
        Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-hangzhou"), ("InstanceName", "w*")],
        OK,
        Some(("/TotalCount", "3")),
    ),
    (
        "A",
        Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-hangzhou"), ("PageSize", "2")],
        OK,
        Some(("/Instances/Instance/1/Status", "Running")),
    ),
    (
        "A",
        Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-shanghai"), ("Status", "Stopped")],
        OK,
        Some(("/TotalCount", "1")),
    ),
    (
        "A",
        Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-shanghai"), ("Status", "Gone")],
        "InvalidStatus.NotFound",
        None,
    ),
    (
        "B",
        Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-hangzhou")],
        OK,
        Some(("/TotalCount", "0")),
    ),
    (
        "A",
        Ecs,
        "StopInstance",
        &[("InstanceId", "i-doesnotexist")],
        "InvalidInstanceId.NotFound",
        None,
    ),
];

#[tokio::test]
async fn every_action_answers_as_documented() {
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 10:00 UTC)));
    let env = Env {
        clock,
        ids: Arc::new(SeededIds::new(3)),
    };
    let config = EngineConfig {
        password_hash_memory_kib: 256,
        ..EngineConfig::default()
    };
    let engine = Engine::open(crossram_store::open("memory").await.unwrap(), env, config)
        .await
        .unwrap();
    for (id, alias, ak) in [
        ("11223344", "company-a", "AKA"),
        ("12345678", "company-b", "AKB"),
    ] {
        engine
            .ensure_account(&AccountSeed {
                id: id.into(),
                alias: Some(alias.into()),
                access_key_id: ak.into(),
                access_key_secret: Secret::new("s"),
            })
            .await
            .unwrap();
    }
    for (n, (actor, product, action, params, expected, check)) in STEPS.iter().enumerate() {
        let ak = if *actor == "A" { "AKA" } else { "AKB" };
        let caller = engine.resolve_key(ak, None).unwrap().caller;
        let req = ApiRequest {
            product: *product,
            action: (*action).into(),
            params: params.iter().map(|(k, v)| (*k, *v)).collect(),
            context: RequestContext::default(),
        };
        let res = engine.call(&caller, &req).await;
        match (res, *expected) {
            (Ok(body), OK) => {
                if let Some((pointer, want)) = check {
                    let got = serde_json::Value::Object(body.clone());
                    let got = got
                        .pointer(pointer)
                        .unwrap_or_else(|| panic!("step {n} {action}: no {pointer} in {got}"));
                    let got = match got {
                        serde_json::Value::String(s) => s.clone(),
                        other => other.to_string(),
                    };
                    assert_eq!(&got, want, "step {n} {action} {pointer}");
                }
            }
            (Ok(body), code) => panic!("step {n} {action}: expected {code}, got success {body:?}"),
            (Err(e), OK) => panic!("step {n} {action}: expected success, got {e}"),
            (Err(e), code) => assert_eq!(e.code(), code, "step {n} {action}: {e}"),
        }
    }
}

#[tokio::test]
async fn an_inactive_access_key_is_refused() {
    let env = Env {
        clock: Arc::new(ManualClock::new(datetime!(2026-11-29 10:00 UTC))),
        ids: Arc::new(SeededIds::new(4)),
    };
    let engine = Engine::open(
        crossram_store::open("memory").await.unwrap(),
        env,
        EngineConfig::default(),
    )
    .await
    .unwrap();
    engine
        .ensure_account(&AccountSeed {
            id: "11223344".into(),
            alias: None,
            access_key_id: "AKA".into(),
            access_key_secret: Secret::new("s"),
        })
        .await
        .unwrap();
    let root = engine.resolve_key("AKA", None).unwrap().caller;
    let call = |action: &str, params: Vec<(&str, String)>| ApiRequest {
        product: Ram,
        action: action.into(),
        params: params.into_iter().collect(),
        context: RequestContext::default(),
    };
    engine
        .call(&root, &call("CreateUser", vec![("UserName", "eve".into())]))
        .await
        .unwrap();
    let key = engine
        .call(
            &root,
            &call("CreateAccessKey", vec![("UserName", "eve".into())]),
        )
        .await
        .unwrap();
    let id = key["AccessKey"]["AccessKeyId"].as_str().unwrap().to_owned();
    assert_eq!(
        engine.resolve_key(&id, None).unwrap().secret.expose(),
        key["AccessKey"]["AccessKeySecret"].as_str().unwrap()
    );
    engine
        .call(
            &root,
            &call(
                "UpdateAccessKey",
                vec![
                    ("UserName", "eve".into()),
                    ("UserAccessKeyId", id.clone()),
                    ("Status", "Inactive".into()),
                ],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        engine.resolve_key(&id, None).unwrap_err().code(),
        "InvalidAccessKeyId.Inactive"
    );
    engine
        .call(
            &root,
            &call(
                "DeleteAccessKey",
                vec![("UserName", "eve".into()), ("UserAccessKeyId", id.clone())],
            ),
        )
        .await
        .unwrap();
    assert_eq!(
        engine.resolve_key(&id, None).unwrap_err().code(),
        "InvalidAccessKeyId.NotFound"
    );
    assert_eq!(engine.resolve_key("nope", None).unwrap_err().status(), 404);
}
