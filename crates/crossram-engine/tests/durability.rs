//! The engine on the file store: a restarted emulator holds the same world, honours the tokens
//! it issued before, and a world file only adds what is missing. And concurrency: once a trust
//! edit has returned, no AssumeRole that starts later succeeds against the old trust; racing
//! changes never break an invariant.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use std::sync::Arc;

use crossram_engine::{
    AccountSeed, ApiRequest, Caller, Engine, EngineConfig, Env, ManualClock, Product,
    RequestContext, Response, Secret, SeededIds,
};
use crossram_store::{FileStore, Store};
use time::macros::datetime;

const TRUST_B: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::12345678:root"]}}],"Version":"1"}"#;
const TRUST_NOBODY: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::99999999:root"]}}],"Version":"1"}"#;

fn env(clock: &Arc<ManualClock>, seed: u64) -> Env {
    Env {
        clock: clock.clone(),
        ids: Arc::new(SeededIds::new(seed)),
    }
}

fn config() -> EngineConfig {
    EngineConfig {
        password_hash_memory_kib: 256,
        ..EngineConfig::default()
    }
}

async fn seed(engine: &Engine) -> (bool, bool) {
    let mut added = Vec::new();
    for (id, alias, ak) in [
        ("11223344", "company-a", "AKA"),
        ("12345678", "company-b", "AKB"),
    ] {
        added.push(
            engine
                .ensure_account(&AccountSeed {
                    id: id.into(),
                    alias: Some(alias.into()),
                    access_key_id: ak.into(),
                    access_key_secret: Secret::new(format!("{ak}-secret")),
                })
                .await
                .unwrap(),
        );
    }
    (added[0], added[1])
}

async fn call(
    engine: &Engine,
    who: &Caller,
    product: Product,
    action: &str,
    params: &[(&str, &str)],
) -> Result<Response, crossram_core::ApiError> {
    let req = ApiRequest {
        product,
        action: action.into(),
        params: params.iter().map(|(k, v)| (*k, *v)).collect(),
        context: RequestContext::default(),
    };
    engine.call(who, &req).await
}

fn root(engine: &Engine, ak: &str) -> Caller {
    engine.resolve_key(ak, None).unwrap().caller
}

/// Alice of B with AssumeRole permission and an AccessKey; role `ecs-admin` in A trusting B.
async fn onboard(engine: &Engine) -> Caller {
    let a = root(engine, "AKA");
    let b = root(engine, "AKB");
    call(
        engine,
        &a,
        Product::Ram,
        "CreateRole",
        &[
            ("RoleName", "ecs-admin"),
            ("AssumeRolePolicyDocument", TRUST_B),
        ],
    )
    .await
    .unwrap();
    call(
        engine,
        &b,
        Product::Ram,
        "CreateUser",
        &[("UserName", "Alice")],
    )
    .await
    .unwrap();
    call(
        engine,
        &b,
        Product::Ram,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "Alice"),
        ],
    )
    .await
    .unwrap();
    let key = call(
        engine,
        &b,
        Product::Ram,
        "CreateAccessKey",
        &[("UserName", "Alice")],
    )
    .await
    .unwrap();
    let id = key["AccessKey"]["AccessKeyId"].as_str().unwrap();
    engine.resolve_key(id, None).unwrap().caller
}

#[tokio::test]
async fn a_restarted_file_backed_engine_keeps_its_world_and_tokens() {
    let dir = tempfile::tempdir().unwrap();
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 10:00 UTC)));
    let (ak, token, alice_key) = {
        let store: Arc<dyn Store> = Arc::new(FileStore::open(dir.path()).unwrap());
        let engine = Engine::open(store, env(&clock, 1), config()).await.unwrap();
        assert_eq!(seed(&engine).await, (true, true));
        let alice = onboard(&engine).await;
        let alice_key = match &alice {
            Caller::User { user_name, .. } => user_name.clone(),
            _ => unreachable!(),
        };
        let issued = call(
            &engine,
            &alice,
            Product::Sts,
            "AssumeRole",
            &[
                ("RoleArn", "acs:ram::11223344:role/ecs-admin"),
                ("RoleSessionName", "alice"),
            ],
        )
        .await
        .unwrap();
        engine.flush().await.unwrap();
        (
            issued["Credentials"]["AccessKeyId"]
                .as_str()
                .unwrap()
                .to_owned(),
            issued["Credentials"]["SecurityToken"]
                .as_str()
                .unwrap()
                .to_owned(),
            alice_key,
        )
    };
    // Same directory, new process state: the world file adds nothing, the token still works.
    let store: Arc<dyn Store> = Arc::new(FileStore::open(dir.path()).unwrap());
    let engine = Engine::open(store, env(&clock, 2), config()).await.unwrap();
    assert_eq!(seed(&engine).await, (false, false));
    let session = engine.resolve_key(&ak, Some(&token)).unwrap().caller;
    let who = call(&engine, &session, Product::Sts, "GetCallerIdentity", &[])
        .await
        .unwrap();
    assert_eq!(who["Arn"], "acs:ram::11223344:assumed-role/ecs-admin/alice");
    let a = root(&engine, "AKA");
    let role = call(
        &engine,
        &a,
        Product::Ram,
        "GetRole",
        &[("RoleName", "ecs-admin")],
    )
    .await
    .unwrap();
    assert_eq!(role["Role"]["AssumeRolePolicyDocument"], TRUST_B);
    assert_eq!(alice_key, "Alice");
    // A session of a role deleted while the emulator was down is dead after the restart too.
    call(
        &engine,
        &a,
        Product::Ram,
        "DeleteRole",
        &[("RoleName", "ecs-admin")],
    )
    .await
    .unwrap();
    drop(engine);
    let store: Arc<dyn Store> = Arc::new(FileStore::open(dir.path()).unwrap());
    let engine = Engine::open(store, env(&clock, 3), config()).await.unwrap();
    assert_eq!(
        engine.resolve_key(&ak, Some(&token)).unwrap_err().code(),
        "InvalidSecurityToken.Expired"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_assume_role_that_starts_after_a_trust_edit_sees_the_old_trust() {
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 10:00 UTC)));
    let store = crossram_store::open("memory").await.unwrap();
    let engine = Engine::open(store, env(&clock, 9), config()).await.unwrap();
    seed(&engine).await;
    let alice = onboard(&engine).await;
    let a = root(&engine, "AKA");
    for round in 0..20 {
        let trusted = Arc::new(std::sync::atomic::AtomicBool::new(true));
        let mut tasks = Vec::new();
        for n in 0..8 {
            let (engine, alice, trusted) = (engine.clone(), alice.clone(), trusted.clone());
            tasks.push(tokio::spawn(async move {
                for _ in 0..25 {
                    // Read the flag before starting: if the edit had returned, we must be refused.
                    let edit_done = !trusted.load(std::sync::atomic::Ordering::SeqCst);
                    let res = call(
                        &engine,
                        &alice,
                        Product::Sts,
                        "AssumeRole",
                        &[
                            ("RoleArn", "acs:ram::11223344:role/ecs-admin"),
                            ("RoleSessionName", &format!("s{n}")),
                        ],
                    )
                    .await;
                    if edit_done {
                        assert_eq!(
                            res.unwrap_err().code(),
                            "NoPermission",
                            "round {round}: a call started after the edit succeeded"
                        );
                    }
                    tokio::task::yield_now().await;
                }
            }));
        }
        tokio::task::yield_now().await;
        call(
            &engine,
            &a,
            Product::Ram,
            "UpdateRole",
            &[
                ("RoleName", "ecs-admin"),
                ("NewAssumeRolePolicyDocument", TRUST_NOBODY),
            ],
        )
        .await
        .unwrap();
        trusted.store(false, std::sync::atomic::Ordering::SeqCst);
        for t in tasks {
            t.await.unwrap();
        }
        call(
            &engine,
            &a,
            Product::Ram,
            "UpdateRole",
            &[
                ("RoleName", "ecs-admin"),
                ("NewAssumeRolePolicyDocument", TRUST_B),
            ],
        )
        .await
        .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn racing_changes_keep_the_invariants() {
    let clock = Arc::new(ManualClock::new(datetime!(2026-11-29 10:00 UTC)));
    let store = crossram_store::open("memory").await.unwrap();
    let engine = Engine::open(store, env(&clock, 11), config())
        .await
        .unwrap();
    seed(&engine).await;
    let a = root(&engine, "AKA");
    for round in 0..30 {
        let name = format!("r{round}");
        // Eight concurrent CreateRole of one name: exactly one wins.
        let mut tasks = Vec::new();
        for _ in 0..8 {
            let (engine, a, name) = (engine.clone(), a.clone(), name.clone());
            tasks.push(tokio::spawn(async move {
                call(
                    &engine,
                    &a,
                    Product::Ram,
                    "CreateRole",
                    &[("RoleName", &name), ("AssumeRolePolicyDocument", TRUST_B)],
                )
                .await
            }));
        }
        let mut wins = 0;
        for t in tasks {
            match t.await.unwrap() {
                Ok(_) => wins += 1,
                Err(e) => assert_eq!(e.code(), "EntityAlreadyExists.Role"),
            }
        }
        assert_eq!(wins, 1);
        // Attach and delete race: the role is never deleted while it has a policy.
        let attach = {
            let (engine, a, name) = (engine.clone(), a.clone(), name.clone());
            tokio::spawn(async move {
                call(
                    &engine,
                    &a,
                    Product::Ram,
                    "AttachPolicyToRole",
                    &[
                        ("PolicyType", "System"),
                        ("PolicyName", "AliyunECSFullAccess"),
                        ("RoleName", &name),
                    ],
                )
                .await
            })
        };
        let delete = {
            let (engine, a, name) = (engine.clone(), a.clone(), name.clone());
            tokio::spawn(async move {
                call(
                    &engine,
                    &a,
                    Product::Ram,
                    "DeleteRole",
                    &[("RoleName", &name)],
                )
                .await
            })
        };
        let (attached, deleted) = (attach.await.unwrap(), delete.await.unwrap());
        match (attached.is_ok(), deleted.is_ok()) {
            // Attached first, then the delete must have been refused.
            (true, false) => {
                assert_eq!(deleted.unwrap_err().code(), "DeleteConflict.Role.Policy");
                let listed = call(
                    &engine,
                    &a,
                    Product::Ram,
                    "ListPoliciesForRole",
                    &[("RoleName", &name)],
                )
                .await
                .unwrap();
                assert_eq!(listed["Policies"]["Policy"].as_array().unwrap().len(), 1);
            }
            // Deleted first, then the attach found no role.
            (false, true) => assert_eq!(attached.unwrap_err().code(), "EntityNotExist.Role"),
            other => panic!("round {round}: attach and delete both {other:?}"),
        }
    }
}
