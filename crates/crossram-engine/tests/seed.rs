//! The seed playbook at engine level, step by step, with the decisions and error codes of the
//! spec: onboarding, cross-account access, off-boarding and both ways of revocation.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use std::sync::Arc;

use crossram_engine::{
    AccountSeed, ApiRequest, Caller, Engine, EngineConfig, Env, ManualClock, Params, Product,
    RequestContext, Response, Secret, SeededIds,
};
use time::macros::datetime;

const A: &str = "11223344";
const B: &str = "12345678";

struct World {
    engine: Arc<Engine>,
    clock: Arc<ManualClock>,
}

async fn world() -> World {
    world_with(EngineConfig::default()).await
}

async fn world_with(config: EngineConfig) -> World {
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 10:00 UTC)));
    let env = Env {
        clock: clock.clone(),
        ids: Arc::new(SeededIds::new(7)),
    };
    let config = EngineConfig {
        password_hash_memory_kib: 256,
        ..config
    };
    let store = crossram_store::open("memory").await.unwrap();
    let engine = Engine::open(store, env, config).await.unwrap();
    for (id, alias, ak) in [(A, "company-a", "AKA"), (B, "company-b", "AKB")] {
        let added = engine
            .ensure_account(&AccountSeed {
                id: id.into(),
                alias: Some(alias.into()),
                access_key_id: ak.into(),
                access_key_secret: Secret::new(format!("{ak}-secret")),
            })
            .await
            .unwrap();
        assert!(added);
    }
    World { engine, clock }
}

fn caller(w: &World, ak: &str, token: Option<&str>) -> Caller {
    w.engine.resolve_key(ak, token).unwrap().caller
}

async fn call(
    w: &World,
    who: &Caller,
    product: Product,
    action: &str,
    params: &[(&str, &str)],
) -> Result<Response, crossram_engine::api::ApiResult<()>> {
    let req = ApiRequest {
        product,
        action: action.into(),
        params: params.iter().map(|(k, v)| (*k, *v)).collect::<Params>(),
        context: RequestContext::default(),
    };
    w.engine.call(who, &req).await.map_err(Err)
}

/// The error code of a failed call.
async fn code(
    w: &World,
    who: &Caller,
    product: Product,
    action: &str,
    params: &[(&str, &str)],
) -> String {
    match call(w, who, product, action, params).await {
        Ok(r) => panic!("{action} succeeded: {r:?}"),
        Err(Err(e)) => e.code().to_owned(),
        Err(Ok(())) => unreachable!(),
    }
}

async fn ok(
    w: &World,
    who: &Caller,
    product: Product,
    action: &str,
    params: &[(&str, &str)],
) -> Response {
    match call(w, who, product, action, params).await {
        Ok(r) => r,
        Err(Err(e)) => panic!("{action} failed: {e}"),
        Err(Ok(())) => unreachable!(),
    }
}

/// User `name` of the account of `admin`, calling with a fresh AccessKey of its own.
async fn keyed_user(w: &World, admin: &Caller, name: &str) -> Caller {
    let key = ok(
        w,
        admin,
        Product::Ram,
        "CreateAccessKey",
        &[("UserName", name)],
    )
    .await;
    caller(w, s(&key, &["AccessKey", "AccessKeyId"]), None)
}

/// A new instance of `who`'s account in cn-hangzhou, by id.
async fn run_instance(w: &World, who: &Caller) -> String {
    let run = ok(
        w,
        who,
        Product::Ecs,
        "RunInstances",
        &[
            ("RegionId", "cn-hangzhou"),
            ("ImageId", "img"),
            ("InstanceType", "ecs.g6.large"),
        ],
    )
    .await;
    run["InstanceIdSets"]["InstanceIdSet"][0]
        .as_str()
        .unwrap()
        .to_owned()
}

fn s<'a>(r: &'a Response, path: &[&str]) -> &'a str {
    let mut v = r.get(path[0]).unwrap();
    for p in &path[1..] {
        v = v.get(p).unwrap();
    }
    v.as_str().unwrap()
}

const TRUST_B: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::12345678:root"]}}],"Version":"1"}"#;
const TRUST_NOBODY: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::99999999:root"]}}],"Version":"1"}"#;
const ROLE_ARN: &str = "acs:ram::11223344:role/ecs-admin";

/// A onboards: role trusted by B with ECS rights, and one instance. B onboards Alice (console
/// password, AssumeRole permission) and Bob (an AccessKey, no permission).
async fn onboard(w: &World) -> (Caller, Caller, String, String) {
    let a = caller(w, "AKA", None);
    let b = caller(w, "AKB", None);
    ok(
        w,
        &a,
        Product::Ram,
        "CreateRole",
        &[
            ("RoleName", "ecs-admin"),
            ("AssumeRolePolicyDocument", TRUST_B),
        ],
    )
    .await;
    ok(
        w,
        &a,
        Product::Ram,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunECSFullAccess"),
            ("RoleName", "ecs-admin"),
        ],
    )
    .await;
    let instance = run_instance(w, &a).await;
    for user in ["Alice", "Bob"] {
        ok(w, &b, Product::Ram, "CreateUser", &[("UserName", user)]).await;
    }
    ok(
        w,
        &b,
        Product::Ram,
        "CreateLoginProfile",
        &[("UserName", "Alice"), ("Password", "Alice-passw0rd")],
    )
    .await;
    ok(
        w,
        &b,
        Product::Ram,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "Alice"),
        ],
    )
    .await;
    let key = ok(
        w,
        &b,
        Product::Ram,
        "CreateAccessKey",
        &[("UserName", "Bob")],
    )
    .await;
    let bob_key = s(&key, &["AccessKey", "AccessKeyId"]).to_owned();
    (a, b, instance, bob_key)
}

async fn alice_in_a(w: &World) -> (Caller, String, String) {
    let logon = w
        .engine
        .console_logon(
            "Alice@company-b.onaliyun.com",
            "Alice-passw0rd",
            &RequestContext::default(),
        )
        .await
        .unwrap();
    assert_eq!(logon.display_name, "Alice@company-b.onaliyun.com");
    let alice = caller(w, &logon.access_key_id, Some(logon.security_token.expose()));
    let switched = w
        .engine
        .console_switch_role(&alice, "company-a", "ecs-admin", &RequestContext::default())
        .await
        .unwrap();
    assert_eq!(switched.display_name, "ecs-admin/Alice");
    let session = caller(
        w,
        &switched.access_key_id,
        Some(switched.security_token.expose()),
    );
    (
        session,
        switched.access_key_id,
        switched.security_token.expose().to_owned(),
    )
}

#[tokio::test]
async fn the_seed_playbook_plays_out_as_on_the_real_service() {
    let w = world().await;
    let (a, b, instance, bob_key) = onboard(&w).await;

    // Alice switches into A and operates A's instance.
    let (session, session_ak, session_token) = alice_in_a(&w).await;
    let who = ok(&w, &session, Product::Sts, "GetCallerIdentity", &[]).await;
    assert_eq!(
        s(&who, &["Arn"]),
        "acs:ram::11223344:assumed-role/ecs-admin/Alice"
    );
    assert_eq!(s(&who, &["IdentityType"]), "AssumedRoleUser");
    let listed = ok(
        &w,
        &session,
        Product::Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-hangzhou")],
    )
    .await;
    assert_eq!(listed["TotalCount"], 1);
    ok(
        &w,
        &session,
        Product::Ecs,
        "StopInstance",
        &[("InstanceId", &instance)],
    )
    .await;
    assert_eq!(
        code(
            &w,
            &session,
            Product::Ecs,
            "StopInstance",
            &[("InstanceId", &instance)]
        )
        .await,
        "IncorrectInstanceStatus"
    );
    ok(
        &w,
        &session,
        Product::Ecs,
        "StartInstance",
        &[("InstanceId", &instance)],
    )
    .await;
    // The role grants ECS, not RAM.
    assert_eq!(
        code(
            &w,
            &session,
            Product::Ram,
            "CreateUser",
            &[("UserName", "mallory")]
        )
        .await,
        "NoPermission"
    );

    // Bob has no permission to assume.
    let bob = caller(&w, &bob_key, None);
    let assume = [("RoleArn", ROLE_ARN), ("RoleSessionName", "bob")];
    assert_eq!(
        code(&w, &bob, Product::Sts, "AssumeRole", &assume).await,
        "NoPermission"
    );
    // Bob may not list B's own instances (403, as ECS answers since December 2025, not an
    // empty list); A's do not exist for B.
    assert_eq!(
        code(
            &w,
            &bob,
            Product::Ecs,
            "DescribeInstances",
            &[("RegionId", "cn-hangzhou")],
        )
        .await,
        "Forbidden.RAM"
    );
    assert_eq!(
        code(
            &w,
            &b,
            Product::Ecs,
            "StopInstance",
            &[("InstanceId", &instance)]
        )
        .await,
        "InvalidInstanceId.NotFound"
    );

    // Alice leaves: B takes her permission away; nothing changes in A.
    ok(
        &w,
        &b,
        Product::Ram,
        "DetachPolicyFromUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "Alice"),
        ],
    )
    .await;
    let alice_console = w
        .engine
        .console_logon(
            "Alice@company-b",
            "Alice-passw0rd",
            &RequestContext::default(),
        )
        .await
        .unwrap();
    let alice = caller(
        &w,
        &alice_console.access_key_id,
        Some(alice_console.security_token.expose()),
    );
    let err = w
        .engine
        .console_switch_role(&alice, "11223344", "ecs-admin", &RequestContext::default())
        .await
        .unwrap_err();
    assert_eq!(err.code(), "NoPermission");
    assert!(
        err.message().contains("authorized by RAM"),
        "{}",
        err.message()
    );
    let role = ok(
        &w,
        &a,
        Product::Ram,
        "GetRole",
        &[("RoleName", "ecs-admin")],
    )
    .await;
    assert_eq!(s(&role, &["Role", "AssumeRolePolicyDocument"]), TRUST_B);

    // A removes B from the trust: B's users are refused by the trust side, at once.
    ok(
        &w,
        &b,
        Product::Ram,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "Alice"),
        ],
    )
    .await;
    ok(
        &w,
        &a,
        Product::Ram,
        "UpdateRole",
        &[
            ("RoleName", "ecs-admin"),
            ("NewAssumeRolePolicyDocument", TRUST_NOBODY),
        ],
    )
    .await;
    let err = w
        .engine
        .console_switch_role(
            &alice,
            "company-a.onaliyun.com",
            "ecs-admin",
            &RequestContext::default(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.code(), "NoPermission");
    assert!(
        err.message().contains("does not trust you"),
        "{}",
        err.message()
    );
    let detail = err.denial().unwrap();
    assert_eq!(detail.no_permission_type, "ImplicitDeny");
    // The service's fields hold its values; the words are crossram's own field.
    assert_eq!(detail.policy_type, "AssumeRolePolicy");
    assert_eq!(detail.auth_principal_type, "SubUser");
    assert_eq!(detail.auth_principal_display_name, "Alice");
    assert_eq!(detail.auth_principal_owner_id, B);
    assert!(
        detail
            .crossram_explanation
            .starts_with("the trust policy of role ecs-admin"),
        "{detail:?}"
    );
    // The session issued before the edit lives on until it expires (as on the real service).
    ok(
        &w,
        &session,
        Product::Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-hangzhou")],
    )
    .await;

    // A cannot delete the role while a policy is attached; detaches, deletes; the session dies.
    assert_eq!(
        code(
            &w,
            &a,
            Product::Ram,
            "DeleteRole",
            &[("RoleName", "ecs-admin")]
        )
        .await,
        "DeleteConflict.Role.Policy"
    );
    ok(
        &w,
        &a,
        Product::Ram,
        "DetachPolicyFromRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunECSFullAccess"),
            ("RoleName", "ecs-admin"),
        ],
    )
    .await;
    // Detaching takes effect on the live session at its next call.
    assert_eq!(
        code(
            &w,
            &session,
            Product::Ecs,
            "StopInstance",
            &[("InstanceId", &instance)]
        )
        .await,
        "Forbidden.RAM"
    );
    ok(
        &w,
        &a,
        Product::Ram,
        "DeleteRole",
        &[("RoleName", "ecs-admin")],
    )
    .await;
    let err = w
        .engine
        .resolve_key(&session_ak, Some(&session_token))
        .unwrap_err();
    assert_eq!(err.code(), "InvalidSecurityToken.Expired");
}

#[tokio::test]
async fn deleting_the_role_kills_live_tokens_and_revocation_kills_earlier_ones() {
    let w = world().await;
    let (a, b, _instance, _) = onboard(&w).await;
    let alice = keyed_user(&w, &b, "Alice").await;
    let assume = [("RoleArn", ROLE_ARN), ("RoleSessionName", "alice")];
    let issued = ok(&w, &alice, Product::Sts, "AssumeRole", &assume).await;
    assert_eq!(
        s(&issued, &["AssumedRoleUser", "Arn"]),
        "acs:ram::11223344:role/ecs-admin/alice"
    );
    let ak = s(&issued, &["Credentials", "AccessKeyId"]).to_owned();
    let token = s(&issued, &["Credentials", "SecurityToken"]).to_owned();
    assert_eq!(
        s(&issued, &["Credentials", "Expiration"]),
        "2026-11-29T11:00:00Z"
    );
    assert!(w.engine.resolve_key(&ak, Some(&token)).is_ok());

    // Revocation (crossram extension): every session issued up to now dies; later ones live.
    w.clock.advance(time::Duration::seconds(1));
    ok(
        &w,
        &a,
        Product::Ram,
        "CrossramRevokeRoleSessions",
        &[("RoleName", "ecs-admin")],
    )
    .await;
    assert_eq!(
        w.engine.resolve_key(&ak, Some(&token)).unwrap_err().code(),
        "InvalidSecurityToken.Expired"
    );
    // A session taken right after the revocation, in the same millisecond (the clock has not
    // moved), lives: it was issued after the revocation, not at or before it.
    let again = ok(&w, &alice, Product::Sts, "AssumeRole", &assume).await;
    let ak2 = s(&again, &["Credentials", "AccessKeyId"]).to_owned();
    let token2 = s(&again, &["Credentials", "SecurityToken"]).to_owned();
    assert!(w.engine.resolve_key(&ak2, Some(&token2)).is_ok());
    // A second revocation in that same millisecond kills it too.
    ok(
        &w,
        &a,
        Product::Ram,
        "CrossramRevokeRoleSessions",
        &[("RoleName", "ecs-admin")],
    )
    .await;
    assert!(w.engine.resolve_key(&ak2, Some(&token2)).is_err());
    w.clock.advance(time::Duration::seconds(1));
    let again = ok(&w, &alice, Product::Sts, "AssumeRole", &assume).await;
    let ak2 = s(&again, &["Credentials", "AccessKeyId"]).to_owned();
    let token2 = s(&again, &["Credentials", "SecurityToken"]).to_owned();
    assert!(w.engine.resolve_key(&ak2, Some(&token2)).is_ok());

    // Delete the role (after detaching): the live token dies; a new role with the same name
    // does not bring it back.
    ok(
        &w,
        &a,
        Product::Ram,
        "DetachPolicyFromRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunECSFullAccess"),
            ("RoleName", "ecs-admin"),
        ],
    )
    .await;
    ok(
        &w,
        &a,
        Product::Ram,
        "DeleteRole",
        &[("RoleName", "ecs-admin")],
    )
    .await;
    assert_eq!(
        w.engine
            .resolve_key(&ak2, Some(&token2))
            .unwrap_err()
            .code(),
        "InvalidSecurityToken.Expired"
    );
    ok(
        &w,
        &a,
        Product::Ram,
        "CreateRole",
        &[
            ("RoleName", "ecs-admin"),
            ("AssumeRolePolicyDocument", TRUST_B),
        ],
    )
    .await;
    assert_eq!(
        w.engine
            .resolve_key(&ak2, Some(&token2))
            .unwrap_err()
            .code(),
        "InvalidSecurityToken.Expired"
    );

    // Expiry by the clock.
    let third = ok(
        &w,
        &alice,
        Product::Sts,
        "AssumeRole",
        &[
            ("RoleArn", ROLE_ARN),
            ("RoleSessionName", "alice"),
            ("DurationSeconds", "900"),
        ],
    )
    .await;
    let ak3 = s(&third, &["Credentials", "AccessKeyId"]).to_owned();
    let token3 = s(&third, &["Credentials", "SecurityToken"]).to_owned();
    w.clock.advance(time::Duration::seconds(899));
    assert!(w.engine.resolve_key(&ak3, Some(&token3)).is_ok());
    w.clock.advance(time::Duration::seconds(1));
    assert_eq!(
        w.engine
            .resolve_key(&ak3, Some(&token3))
            .unwrap_err()
            .code(),
        "InvalidSecurityToken.Expired"
    );
    assert_eq!(
        w.engine.resolve_key(&ak3, None).unwrap_err().code(),
        "MissingSecurityToken"
    );
    assert_eq!(
        w.engine
            .resolve_key(&ak3, Some(&token2))
            .unwrap_err()
            .code(),
        "InvalidSecurityToken.MismatchWithAccessKey"
    );
}

#[tokio::test]
async fn assume_role_errors_follow_the_spec() {
    let w = world().await;
    let (a, b, _, _) = onboard(&w).await;
    let alice = keyed_user(&w, &b, "Alice").await;
    let err = call(
        &w,
        &b,
        Product::Sts,
        "AssumeRole",
        &[("RoleArn", ROLE_ARN), ("RoleSessionName", "root")],
    )
    .await
    .unwrap_err()
    .unwrap_err();
    assert_eq!(
        (err.code(), err.status(), err.message()),
        (
            "NoPermission",
            403,
            "Roles may not be assumed by root accounts."
        )
    );
    for (params, expected) in [
        (
            vec![
                ("RoleArn", "acs:ram::11223344:role/nope"),
                ("RoleSessionName", "alice"),
            ],
            "EntityNotExist.Role",
        ),
        (
            vec![
                ("RoleArn", "acs:ram::55555555:role/nope"),
                ("RoleSessionName", "alice"),
            ],
            "EntityNotExist.Role",
        ),
        (
            vec![("RoleArn", "not-an-arn"), ("RoleSessionName", "alice")],
            "InvalidParameter.RoleArn",
        ),
        (
            vec![("RoleArn", ROLE_ARN), ("RoleSessionName", "a")],
            "InvalidParameter.RoleSessionName",
        ),
        (
            vec![
                ("RoleArn", ROLE_ARN),
                ("RoleSessionName", "alice"),
                ("DurationSeconds", "899"),
            ],
            "InvalidParameter.DurationSeconds",
        ),
        (
            vec![
                ("RoleArn", ROLE_ARN),
                ("RoleSessionName", "alice"),
                ("DurationSeconds", "3601"),
            ],
            "InvalidParameter.DurationSeconds",
        ),
        (
            vec![
                ("RoleArn", ROLE_ARN),
                ("RoleSessionName", "alice"),
                ("Policy", "{"),
            ],
            "InvalidParameter.PolicyGrammar",
        ),
        (vec![("RoleSessionName", "alice")], "MissingParameter"),
    ] {
        assert_eq!(
            code(&w, &alice, Product::Sts, "AssumeRole", &params).await,
            expected,
            "{params:?}"
        );
    }
    // A longer MaxSessionDuration allows longer sessions.
    ok(
        &w,
        &a,
        Product::Ram,
        "UpdateRole",
        &[("RoleName", "ecs-admin"), ("NewMaxSessionDuration", "7200")],
    )
    .await;
    ok(
        &w,
        &alice,
        Product::Sts,
        "AssumeRole",
        &[
            ("RoleArn", ROLE_ARN),
            ("RoleSessionName", "alice"),
            ("DurationSeconds", "7200"),
        ],
    )
    .await;

    // A session policy narrows the role's rights.
    let narrow = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:DescribeInstances","Resource":"*"}]}"#;
    let issued = ok(
        &w,
        &alice,
        Product::Sts,
        "AssumeRole",
        &[
            ("RoleArn", ROLE_ARN),
            ("RoleSessionName", "alice"),
            ("Policy", narrow),
        ],
    )
    .await;
    let session = caller(
        &w,
        s(&issued, &["Credentials", "AccessKeyId"]),
        Some(s(&issued, &["Credentials", "SecurityToken"])),
    );
    let list = ok(
        &w,
        &session,
        Product::Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-hangzhou")],
    )
    .await;
    let id = list["Instances"]["Instance"][0]["InstanceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let err = call(
        &w,
        &session,
        Product::Ecs,
        "StopInstance",
        &[("InstanceId", &id)],
    )
    .await
    .unwrap_err()
    .unwrap_err();
    assert_eq!(err.code(), "Forbidden.RAM");
    // The role's policies allow StopInstance: the denial names the session policy.
    let detail = err.denial().unwrap();
    assert_eq!(detail.policy_type, "SessionPolicy");
    assert_eq!(detail.auth_principal_type, "AssumedRoleUser");
    assert_eq!(
        detail.crossram_explanation,
        "the session policy: no statement allows it"
    );
}

#[tokio::test]
async fn external_id_and_named_user_trust() {
    let w = world().await;
    let (a, b, _, bob_key) = onboard(&w).await;
    let trust = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::12345678:user/Bob"]},"Condition":{"StringEquals":{"sts:ExternalId":"abc-123"}}}]}"#;
    ok(
        &w,
        &a,
        Product::Ram,
        "CreateRole",
        &[
            ("RoleName", "bob-only"),
            ("AssumeRolePolicyDocument", trust),
        ],
    )
    .await;
    ok(
        &w,
        &b,
        Product::Ram,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "Bob"),
        ],
    )
    .await;
    let bob = caller(&w, &bob_key, None);
    let arn = "acs:ram::11223344:role/bob-only";
    // The denial says which element of the trust policy failed, never what it expects.
    let refused = async |who: &Caller, params: &[(&str, &str)]| {
        let err = call(&w, who, Product::Sts, "AssumeRole", params)
            .await
            .unwrap_err()
            .unwrap_err();
        assert_eq!(err.code(), "NoPermission");
        let why = err.denial().unwrap().crossram_explanation.clone();
        assert!(!why.contains("abc-123"), "{why}");
        why
    };
    assert_eq!(
        refused(&bob, &[("RoleArn", arn), ("RoleSessionName", "bob")]).await,
        "the trust policy of role bob-only: no statement allows it; trust policy#0 allows the \
         action but does not apply: the request carries no sts:ExternalId for its StringEquals \
         condition"
    );
    assert_eq!(
        refused(
            &bob,
            &[
                ("RoleArn", arn),
                ("RoleSessionName", "bob"),
                ("ExternalId", "wrong-1")
            ]
        )
        .await,
        "the trust policy of role bob-only: no statement allows it; trust policy#0 allows the \
         action but does not apply: the request's sts:ExternalId does not satisfy its \
         StringEquals condition"
    );
    ok(
        &w,
        &bob,
        Product::Sts,
        "AssumeRole",
        &[
            ("RoleArn", arn),
            ("RoleSessionName", "bob"),
            ("ExternalId", "abc-123"),
        ],
    )
    .await;
    // Alice is of the right account but not the named user.
    let alice = keyed_user(&w, &b, "Alice").await;
    assert_eq!(
        refused(
            &alice,
            &[
                ("RoleArn", arn),
                ("RoleSessionName", "alice"),
                ("ExternalId", "abc-123")
            ]
        )
        .await,
        "the trust policy of role bob-only: no statement allows it; trust policy#0 allows the \
         action but does not apply: its Principal does not trust the caller"
    );
    // An outsider learns nothing more with a wrong ExternalId: it cannot test guesses.
    let with = |external_id: &'static str| {
        [
            ("RoleArn", arn),
            ("RoleSessionName", "alice"),
            ("ExternalId", external_id),
        ]
    };
    assert_eq!(
        refused(&alice, &with("wrong-1")).await,
        refused(&alice, &with("abc-123")).await
    );
}

#[tokio::test]
async fn console_logon_rules_and_lockout() {
    let w = world().await;
    let (_, b, _, _) = onboard(&w).await;
    let ctx = RequestContext::default();
    // Bob has no login profile: refused like a wrong password.
    assert_eq!(
        w.engine
            .console_logon("Bob@company-b", "whatever-1", &ctx)
            .await
            .unwrap_err()
            .code(),
        "LogonFailed"
    );
    assert_eq!(
        w.engine
            .console_logon("Alice@12345678", "Alice-passw0rd", &ctx)
            .await
            .unwrap()
            .display_name,
        "Alice@company-b.onaliyun.com"
    );
    for _ in 0..5 {
        assert_eq!(
            w.engine
                .console_logon("Alice@company-b", "wrong-password", &ctx)
                .await
                .unwrap_err()
                .code(),
            "LogonFailed"
        );
    }
    assert_eq!(
        w.engine
            .console_logon("Alice@company-b", "Alice-passw0rd", &ctx)
            .await
            .unwrap_err()
            .code(),
        "LogonLocked"
    );
    w.clock.advance(time::Duration::seconds(3601));
    assert!(
        w.engine
            .console_logon("Alice@company-b", "Alice-passw0rd", &ctx)
            .await
            .is_ok()
    );
    // Weak passwords are refused by the default password policy.
    assert_eq!(
        code(
            &w,
            &b,
            Product::Ram,
            "UpdateLoginProfile",
            &[("UserName", "Alice"), ("Password", "123456")]
        )
        .await,
        "InvalidParameter.Password.TooWeak"
    );
}

#[tokio::test]
async fn the_resource_owner_sees_what_b_did() {
    let w = world().await;
    let (_, _, _, _) = onboard(&w).await;
    let (session, _, _) = alice_in_a(&w).await;
    ok(
        &w,
        &session,
        Product::Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-hangzhou")],
    )
    .await;
    let events = w.engine.audit_events(A);
    let by_alice: Vec<_> = events
        .iter()
        .filter(|e| e.identity.starts_with("Alice@company-b.onaliyun.com"))
        .collect();
    assert!(
        by_alice
            .iter()
            .any(|e| e.action == "sts:AssumeRole" && e.outcome == "Allow"),
        "{events:#?}"
    );
    assert!(
        by_alice.iter().any(|e| e.action == "ecs:DescribeInstances"
            && e.identity.ends_with("as ecs-admin of company-a")),
        "{events:#?}"
    );
}

#[tokio::test]
async fn group_policies_grant_and_role_sessions_can_chain() {
    let w = world().await;
    let (a, b, _instance, _) = onboard(&w).await;
    // Carol of B gets AssumeRole only through a group.
    ok(&w, &b, Product::Ram, "CreateUser", &[("UserName", "Carol")]).await;
    ok(
        &w,
        &b,
        Product::Ram,
        "CreateGroup",
        &[("GroupName", "operators")],
    )
    .await;
    ok(
        &w,
        &b,
        Product::Ram,
        "AddUserToGroup",
        &[("GroupName", "operators"), ("UserName", "Carol")],
    )
    .await;
    let carol = keyed_user(&w, &b, "Carol").await;
    let assume = [("RoleArn", ROLE_ARN), ("RoleSessionName", "carol")];
    assert_eq!(
        code(&w, &carol, Product::Sts, "AssumeRole", &assume).await,
        "NoPermission"
    );
    ok(
        &w,
        &b,
        Product::Ram,
        "AttachPolicyToGroup",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("GroupName", "operators"),
        ],
    )
    .await;
    let issued = ok(&w, &carol, Product::Sts, "AssumeRole", &assume).await;
    let session = caller(
        &w,
        s(&issued, &["Credentials", "AccessKeyId"]),
        Some(s(&issued, &["Credentials", "SecurityToken"])),
    );

    // Chaining: a second role in A trusts sessions of ecs-admin only; the session may assume it
    // once ecs-admin is allowed sts:AssumeRole.
    let trust_chain = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::11223344:role/ecs-admin"]}}]}"#;
    ok(
        &w,
        &a,
        Product::Ram,
        "CreateRole",
        &[
            ("RoleName", "auditor"),
            ("AssumeRolePolicyDocument", trust_chain),
        ],
    )
    .await;
    let chain = [
        ("RoleArn", "acs:ram::11223344:role/auditor"),
        ("RoleSessionName", "chained"),
    ];
    assert_eq!(
        code(&w, &session, Product::Sts, "AssumeRole", &chain).await,
        "NoPermission"
    );
    ok(
        &w,
        &a,
        Product::Ram,
        "AttachPolicyToRole",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("RoleName", "ecs-admin"),
        ],
    )
    .await;
    let chained = ok(&w, &session, Product::Sts, "AssumeRole", &chain).await;
    assert_eq!(
        s(&chained, &["AssumedRoleUser", "Arn"]),
        "acs:ram::11223344:role/auditor/chained"
    );
    // Carol herself is not a session of ecs-admin: the auditor role does not trust her.
    assert_eq!(
        code(&w, &carol, Product::Sts, "AssumeRole", &chain).await,
        "NoPermission"
    );
}

/// Conditions read the request's facts (transport, source address, time) in identity policies
/// and trust policies alike; policies without conditions never need them.
#[tokio::test]
async fn conditions_read_the_request_context() {
    let w = world().await;
    let (a, b, _, bob_key) = onboard(&w).await;
    let policy = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":["ram:ListUsers","sts:AssumeRole"],"Resource":"*","Condition":{"Bool":{"acs:SecureTransport":"true"},"IpAddress":{"acs:SourceIp":"10.0.0.0/8"},"DateLessThan":{"acs:CurrentTime":"2026-12-01T00:00:00Z"}}}]}"#;
    ok(
        &w,
        &b,
        Product::Ram,
        "CreatePolicy",
        &[("PolicyName", "office-tls"), ("PolicyDocument", policy)],
    )
    .await;
    ok(
        &w,
        &b,
        Product::Ram,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "Custom"),
            ("PolicyName", "office-tls"),
            ("UserName", "Bob"),
        ],
    )
    .await;
    let trust = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::12345678:root"]},"Condition":{"IpAddress":{"acs:SourceIp":"10.1.0.0/16"}}}]}"#;
    ok(
        &w,
        &a,
        Product::Ram,
        "CreateRole",
        &[
            ("RoleName", "from-office"),
            ("AssumeRolePolicyDocument", trust),
        ],
    )
    .await;
    let bob = caller(&w, &bob_key, None);
    let call_from = |ip: &str, secure: bool, action: &str, params: &[(&str, &str)]| {
        let req = ApiRequest {
            product: if action == "AssumeRole" {
                Product::Sts
            } else {
                Product::Ram
            },
            action: action.into(),
            params: params.iter().map(|(k, v)| (*k, *v)).collect::<Params>(),
            context: RequestContext {
                source_ip: Some(ip.parse().unwrap()),
                secure_transport: secure,
                request_id: "test".into(),
            },
        };
        let engine = w.engine.clone();
        let bob = bob.clone();
        async move {
            match engine.call(&bob, &req).await {
                Ok(_) => "ok".to_owned(),
                Err(e) => e.code().to_owned(),
            }
        }
    };
    assert_eq!(call_from("10.2.3.4", true, "ListUsers", &[]).await, "ok");
    assert_eq!(
        call_from("10.2.3.4", false, "ListUsers", &[]).await,
        "NoPermission"
    );
    assert_eq!(
        call_from("192.168.1.1", true, "ListUsers", &[]).await,
        "NoPermission"
    );
    let assume = [
        ("RoleArn", "acs:ram::11223344:role/from-office"),
        ("RoleSessionName", "bob"),
    ];
    assert_eq!(
        call_from("10.1.9.9", true, "AssumeRole", &assume).await,
        "ok"
    );
    // Bob's own policy allows 10.2.x.x; the role trusts only 10.1.x.x.
    assert_eq!(
        call_from("10.2.9.9", true, "AssumeRole", &assume).await,
        "NoPermission"
    );
    w.clock.advance(time::Duration::days(3));
    assert_eq!(
        call_from("10.2.3.4", true, "ListUsers", &[]).await,
        "NoPermission"
    );
}

#[tokio::test]
async fn audit_events_carry_every_field_of_the_call() {
    let w = world().await;
    let (_, b, _, _) = onboard(&w).await;
    let with_id = |id: &str| RequestContext {
        request_id: id.into(),
        ..RequestContext::default()
    };
    // Denied, across accounts: B's root may not assume A's role (roots never may).
    let req = ApiRequest {
        product: Product::Sts,
        action: "AssumeRole".into(),
        params: [("RoleArn", ROLE_ARN), ("RoleSessionName", "ops")]
            .into_iter()
            .collect::<Params>(),
        context: with_id("REQ-1"),
    };
    let err = w.engine.call(&b, &req).await.unwrap_err();
    assert_eq!(err.code(), "NoPermission");
    let event = w.engine.audit_events(A).pop().unwrap();
    assert_eq!(
        event,
        crossram_engine::AuditEvent {
            time: "2026-11-29T10:00:00Z".into(),
            request_id: "REQ-1".into(),
            caller_account: B.into(),
            resource_account: A.into(),
            identity: "root@company-b.onaliyun.com".into(),
            caller_arn: "acs:ram::12345678:root".into(),
            action: "sts:AssumeRole".into(),
            resource: ROLE_ARN.into(),
            outcome: "Deny".into(),
            error_code: Some("NoPermission".into()),
        }
    );
    // B sees it too (its caller), and only A and B do.
    assert!(w.engine.audit_events(B).contains(&event));
    assert!(!w.engine.audit_events("99999999").contains(&event));
    // Allowed, with a `Name=value` resource, a minute later.
    w.clock.advance(time::Duration::seconds(61));
    let req = ApiRequest {
        product: Product::Ram,
        action: "GetUser".into(),
        params: [("UserName", "Alice")].into_iter().collect::<Params>(),
        context: with_id("REQ-2"),
    };
    w.engine.call(&b, &req).await.unwrap();
    let event = w.engine.audit_events(B).pop().unwrap();
    assert_eq!(
        (
            event.time.as_str(),
            event.request_id.as_str(),
            event.action.as_str(),
            event.resource.as_str(),
            event.outcome.as_str(),
            event.error_code
        ),
        (
            "2026-11-29T10:01:01Z",
            "REQ-2",
            "ram:GetUser",
            "UserName=Alice",
            "Allow",
            None
        )
    );
    assert!(
        !w.engine
            .audit_events(A)
            .iter()
            .any(|e| e.request_id == "REQ-2")
    );
    // Refused for another reason than authorization.
    let req = ApiRequest {
        product: Product::Ram,
        action: "GetRole".into(),
        params: [("RoleName", "no-such-role")]
            .into_iter()
            .collect::<Params>(),
        context: with_id("REQ-3"),
    };
    let err = w.engine.call(&b, &req).await.unwrap_err();
    let event = w
        .engine
        .audit_events(B)
        .into_iter()
        .rfind(|e| e.request_id == "REQ-3")
        .unwrap();
    assert_eq!(event.resource, "RoleName=no-such-role");
    assert_eq!(event.outcome, "Error");
    assert_eq!(event.error_code.as_deref(), Some(err.code()));
}

/// The resources of the `ram:CreateUser` events of a CrossramListAuditEvents answer, and its
/// `Marker` when it is truncated.
fn created_users(r: &Response) -> (Vec<String>, Option<String>) {
    let events = r["Events"]["Event"].as_array().unwrap();
    let users = events
        .iter()
        .filter(|e| e["Action"] == "ram:CreateUser")
        .map(|e| e["Resource"].as_str().unwrap().to_owned())
        .collect();
    let truncated = r["IsTruncated"].as_bool().unwrap();
    assert_eq!(truncated, r.get("Marker").is_some(), "{r:?}");
    (
        users,
        r.get("Marker").map(|m| m.as_str().unwrap().to_owned()),
    )
}

/// Creates the users `u<n>` for each n of `numbers`.
async fn create_users(w: &World, who: &Caller, numbers: std::ops::RangeInclusive<u32>) {
    for n in numbers {
        let name = format!("u{n}");
        ok(w, who, Product::Ram, "CreateUser", &[("UserName", &name)]).await;
    }
}

#[tokio::test]
async fn the_audit_trail_pages_oldest_first_across_a_turning_ring() {
    let w = world_with(EngineConfig {
        audit_capacity: 6,
        ..EngineConfig::default()
    })
    .await;
    let a = caller(&w, "AKA", None);
    let list = |params: Vec<(&'static str, String)>| {
        let w = &w;
        let a = &a;
        async move {
            let params: Vec<(&str, &str)> = params.iter().map(|(k, v)| (*k, v.as_str())).collect();
            ok(w, a, Product::Ram, "CrossramListAuditEvents", &params).await
        }
    };
    create_users(&w, &a, 1..=3).await;
    // Two per page, oldest first; each listing is an event too (in the same ring).
    let first = list(vec![("MaxItems", "2".into())]).await;
    let (users, marker) = created_users(&first);
    assert_eq!(users, ["UserName=u1", "UserName=u2"]);
    let marker = marker.expect("more events follow");
    let second = list(vec![("MaxItems", "2".into()), ("Marker", marker.clone())]).await;
    let (users, _) = created_users(&second);
    assert_eq!(users, ["UserName=u3"]);

    // The ring (6 events) turns past the first page's marker: the next page starts at the
    // oldest event still held instead of failing.
    create_users(&w, &a, 4..=9).await;
    let late = list(vec![("MaxItems", "1000".into()), ("Marker", marker)]).await;
    let (users, marker) = created_users(&late);
    assert_eq!(
        users,
        [
            "UserName=u4",
            "UserName=u5",
            "UserName=u6",
            "UserName=u7",
            "UserName=u8",
            "UserName=u9"
        ]
    );
    assert_eq!(marker, None);

    // Refused: a marker this action never answered, and page sizes out of 1-1000.
    for (k, v) in [("Marker", "abc"), ("MaxItems", "0"), ("MaxItems", "1001")] {
        let err = code(&w, &a, Product::Ram, "CrossramListAuditEvents", &[(k, v)]).await;
        assert!(err.starts_with("InvalidParameter"), "{k}={v}: {err}");
    }
}

#[tokio::test]
async fn outsiders_read_the_same_refusal_whatever_they_send() {
    let w = world().await;
    let (a, b, _, _) = onboard(&w).await;
    // Bob alone is trusted; a Deny of everyone without the ExternalId guards the role further.
    let guarded = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::12345678:user/Bob"]}},{"Effect":"Deny","Action":"sts:AssumeRole","Principal":{"RAM":"*"},"Condition":{"StringNotEquals":{"sts:ExternalId":"dx-secret"}}}]}"#;
    // Anyone, given the ExternalId and a source network.
    let anyone = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":"*"},"Condition":{"StringEquals":{"sts:ExternalId":"zz-secret"},"IpAddress":{"acs:SourceIp":"10.0.0.0/8"}}}]}"#;
    for (name, trust) in [("guarded", guarded), ("anyone", anyone)] {
        ok(
            &w,
            &a,
            Product::Ram,
            "CreateRole",
            &[("RoleName", name), ("AssumeRolePolicyDocument", trust)],
        )
        .await;
    }
    // Alice may call AssumeRole, but neither trust names her.
    let alice = keyed_user(&w, &b, "Alice").await;
    let detail = async |role: &str, external_id: &str| {
        let arn = format!("acs:ram::11223344:role/{role}");
        let err = call(
            &w,
            &alice,
            Product::Sts,
            "AssumeRole",
            &[
                ("RoleArn", &arn),
                ("RoleSessionName", "probe"),
                ("ExternalId", external_id),
            ],
        )
        .await
        .unwrap_err()
        .unwrap_err();
        assert_eq!(err.code(), "NoPermission");
        err.denial().unwrap().clone()
    };
    for (role, secret) in [("guarded", "dx-secret"), ("anyone", "zz-secret")] {
        let right = detail(role, secret).await;
        assert_eq!(right, detail(role, "guess").await, "{role}");
        assert_eq!(right, detail(role, "").await, "{role}");
        assert!(!right.crossram_explanation.contains(secret), "{right:?}");
    }
    // Nor does an outsider learn the role's MaxSessionDuration (3,600 s): a longer session
    // is refused as the shorter one is.
    for seconds in ["3600", "3601"] {
        let code = code(
            &w,
            &alice,
            Product::Sts,
            "AssumeRole",
            &[
                ("RoleArn", "acs:ram::11223344:role/guarded"),
                ("RoleSessionName", "probe"),
                ("DurationSeconds", seconds),
            ],
        )
        .await;
        assert_eq!(code, "NoPermission", "{seconds}");
    }
    let guarded = detail("guarded", "guess").await;
    assert_eq!(guarded.no_permission_type, "ImplicitDeny");
    assert!(
        guarded
            .crossram_explanation
            .ends_with("its Principal does not trust the caller"),
        "{guarded:?}"
    );
    assert!(
        detail("anyone", "guess")
            .await
            .crossram_explanation
            .ends_with(
                "its Condition does not hold (which key is not said to a caller it admits only \
             through \"*\")"
            )
    );
}

/// DescribeInstances as ECS answers it since December 2025: a caller allowed some instances sees
/// those, one allowed the region's `instance/*` sees all (or none, when there are none), one
/// allowed nothing is refused with `Forbidden.RAM` (no longer an empty list).
#[tokio::test]
async fn describe_instances_refuses_a_caller_allowed_none() {
    let w = world().await;
    let (a, ..) = onboard(&w).await;
    let second = run_instance(&w, &a).await;
    let one = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"ecs:DescribeInstances","Resource":"acs:ecs:*:{A}:instance/{second}"}}]}}"#
    );
    let region = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:DescribeInstances","Resource":"acs:ecs:cn-shanghai:*:instance/*"}]}"#;
    for (user, policy) in [
        ("one", Some(one.as_str())),
        ("region", Some(region)),
        ("none", None),
    ] {
        ok(&w, &a, Product::Ram, "CreateUser", &[("UserName", user)]).await;
        if let Some(policy) = policy {
            ok(
                &w,
                &a,
                Product::Ram,
                "CreatePolicy",
                &[("PolicyName", user), ("PolicyDocument", policy)],
            )
            .await;
            ok(
                &w,
                &a,
                Product::Ram,
                "AttachPolicyToUser",
                &[
                    ("PolicyType", "Custom"),
                    ("PolicyName", user),
                    ("UserName", user),
                ],
            )
            .await;
        }
    }
    let hangzhou = [("RegionId", "cn-hangzhou")];
    let shanghai = [("RegionId", "cn-shanghai")];
    // A's root sees both instances of cn-hangzhou.
    assert_eq!(
        ok(&w, &a, Product::Ecs, "DescribeInstances", &hangzhou).await["TotalCount"],
        2
    );
    let one = keyed_user(&w, &a, "one").await;
    let listed = ok(&w, &one, Product::Ecs, "DescribeInstances", &hangzhou).await;
    assert_eq!(listed["TotalCount"], 1, "{listed:?}");
    assert_eq!(listed["Instances"]["Instance"][0]["InstanceId"], second);
    // Allowed one instance, not the region: nothing to show elsewhere is a refusal.
    assert_eq!(
        code(&w, &one, Product::Ecs, "DescribeInstances", &shanghai).await,
        "Forbidden.RAM"
    );
    let region = keyed_user(&w, &a, "region").await;
    let empty = ok(&w, &region, Product::Ecs, "DescribeInstances", &shanghai).await;
    assert_eq!(empty["TotalCount"], 0, "{empty:?}");
    assert_eq!(
        code(&w, &region, Product::Ecs, "DescribeInstances", &hangzhou).await,
        "Forbidden.RAM"
    );
    let none = keyed_user(&w, &a, "none").await;
    let Err(Err(refused)) = call(&w, &none, Product::Ecs, "DescribeInstances", &hangzhou).await
    else {
        panic!("a user without permission listed instances");
    };
    assert_eq!(refused.code(), "Forbidden.RAM");
    assert_eq!(refused.status(), 403);
    let detail = refused.denial().unwrap();
    assert_eq!(detail.auth_action, "ecs:DescribeInstances");
    assert_eq!(detail.no_permission_type, "ImplicitDeny");
}

#[tokio::test]
async fn a_policy_asked_for_as_the_wrong_type_is_named() {
    let w = world().await;
    let root = caller(&w, "AKA", None);
    let message = |r: Result<Response, crossram_engine::api::ApiResult<()>>| match r {
        Err(Err(e)) => (e.code().to_owned(), e.message().to_owned()),
        other => panic!("expected a refusal, got {other:?}"),
    };
    let get = |name: &'static str, ty: &'static str| [("PolicyName", name), ("PolicyType", ty)];
    let (code, text) = message(
        call(
            &w,
            &root,
            Product::Ram,
            "GetPolicy",
            &get("AliyunECSFullAccess", "Custom"),
        )
        .await,
    );
    assert_eq!(code, "EntityNotExist.Policy");
    assert!(text.ends_with("exists with PolicyType=System.)"), "{text}");
    // The actions on a policy's versions say so too.
    for action in ["ListPolicyVersions", "GetPolicyVersion"] {
        let mut params = get("AliyunECSFullAccess", "Custom").to_vec();
        params.push(("VersionId", "v1"));
        let (_, text) = message(call(&w, &root, Product::Ram, action, &params).await);
        assert!(
            text.ends_with("exists with PolicyType=System.)"),
            "{action}: {text}"
        );
    }
    ok(
        &w,
        &root,
        Product::Ram,
        "CreatePolicy",
        &[
            ("PolicyName", "readers"),
            (
                "PolicyDocument",
                r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"ecs:Describe*","Resource":"*"}]}"#,
            ),
        ],
    )
    .await;
    ok(
        &w,
        &root,
        Product::Ram,
        "CreateUser",
        &[("UserName", "dev")],
    )
    .await;
    let (_, text) = message(
        call(
            &w,
            &root,
            Product::Ram,
            "AttachPolicyToUser",
            &[
                ("PolicyName", "readers"),
                ("PolicyType", "System"),
                ("UserName", "dev"),
            ],
        )
        .await,
    );
    assert!(text.ends_with("exists with PolicyType=Custom.)"), "{text}");
    // A name that is neither keeps the service's sentence alone.
    let (_, text) = message(
        call(
            &w,
            &root,
            Product::Ram,
            "GetPolicy",
            &get("no-such-policy", "Custom"),
        )
        .await,
    );
    assert_eq!(text, "The policy does not exist.");
}
