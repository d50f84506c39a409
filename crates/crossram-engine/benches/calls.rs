//! Engine-level cost of the seed's hot calls, without HTTP: B's user assuming A's role (both
//! sides authorized, a token minted), resolving an STS key (token opened, role checked), and the
//! role session stopping/starting an instance (a store commit each).
//!
//! `cargo bench -p crossram-engine --bench calls`

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    reason = "benchmark set-up: a failure aborts the run"
)]

use criterion::{Criterion, criterion_group, criterion_main};
use crossram_engine::{
    AccountSeed, ApiRequest, Caller, Engine, EngineConfig, Env, Product, RequestContext, Secret,
};

const TRUST_B: &str = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::12345678:root"]}}],"Version":"1"}"#;

fn req(product: Product, action: &str, params: &[(&str, &str)]) -> ApiRequest {
    ApiRequest {
        product,
        action: action.into(),
        params: params.iter().map(|(k, v)| (*k, *v)).collect(),
        context: RequestContext::default(),
    }
}

fn bench(c: &mut Criterion) {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (engine, alice, session, instance) = rt.block_on(async {
        let engine = Engine::open(
            crossram_store::open("memory").await.unwrap(),
            Env::default(),
            EngineConfig::default(),
        )
        .await
        .unwrap();
        for (id, ak) in [("11223344", "AKA"), ("12345678", "AKB")] {
            engine
                .ensure_account(&AccountSeed {
                    id: id.into(),
                    alias: None,
                    access_key_id: ak.into(),
                    access_key_secret: Secret::new("s"),
                })
                .await
                .unwrap();
        }
        let a = engine.resolve_key("AKA", None).unwrap().caller;
        let b = engine.resolve_key("AKB", None).unwrap().caller;
        let call = |who: &Caller, r: ApiRequest| {
            let engine = engine.clone();
            let who = who.clone();
            async move { engine.call(&who, &r).await.unwrap() }
        };
        call(
            &a,
            req(
                Product::Ram,
                "CreateRole",
                &[
                    ("RoleName", "ecs-admin"),
                    ("AssumeRolePolicyDocument", TRUST_B),
                ],
            ),
        )
        .await;
        call(
            &a,
            req(
                Product::Ram,
                "AttachPolicyToRole",
                &[
                    ("PolicyType", "System"),
                    ("PolicyName", "AliyunECSFullAccess"),
                    ("RoleName", "ecs-admin"),
                ],
            ),
        )
        .await;
        let run = call(
            &a,
            req(
                Product::Ecs,
                "RunInstances",
                &[
                    ("RegionId", "cn-hangzhou"),
                    ("ImageId", "img"),
                    ("InstanceType", "ecs.g6.large"),
                ],
            ),
        )
        .await;
        let instance = run["InstanceIdSets"]["InstanceIdSet"][0]
            .as_str()
            .unwrap()
            .to_owned();
        call(
            &b,
            req(Product::Ram, "CreateUser", &[("UserName", "alice")]),
        )
        .await;
        call(
            &b,
            req(
                Product::Ram,
                "AttachPolicyToUser",
                &[
                    ("PolicyType", "System"),
                    ("PolicyName", "AliyunSTSAssumeRoleAccess"),
                    ("UserName", "alice"),
                ],
            ),
        )
        .await;
        let key = call(
            &b,
            req(Product::Ram, "CreateAccessKey", &[("UserName", "alice")]),
        )
        .await;
        let alice = engine
            .resolve_key(key["AccessKey"]["AccessKeyId"].as_str().unwrap(), None)
            .unwrap()
            .caller;
        let issued = call(
            &alice,
            req(
                Product::Sts,
                "AssumeRole",
                &[
                    ("RoleArn", "acs:ram::11223344:role/ecs-admin"),
                    ("RoleSessionName", "alice"),
                ],
            ),
        )
        .await;
        let session = (
            issued["Credentials"]["AccessKeyId"]
                .as_str()
                .unwrap()
                .to_owned(),
            issued["Credentials"]["SecurityToken"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
        (engine, alice, session, instance)
    });

    let assume = req(
        Product::Sts,
        "AssumeRole",
        &[
            ("RoleArn", "acs:ram::11223344:role/ecs-admin"),
            ("RoleSessionName", "alice"),
        ],
    );
    c.bench_function("engine AssumeRole (B's user, cross-account)", |b| {
        b.iter(|| rt.block_on(engine.call(&alice, &assume)).unwrap());
    });
    c.bench_function("engine resolve STS key", |b| {
        b.iter(|| engine.resolve_key(&session.0, Some(&session.1)).unwrap());
    });
    let role = engine
        .resolve_key(&session.0, Some(&session.1))
        .unwrap()
        .caller;
    let describe = req(
        Product::Ecs,
        "DescribeInstances",
        &[("RegionId", "cn-hangzhou")],
    );
    c.bench_function("engine DescribeInstances (role session)", |b| {
        b.iter(|| rt.block_on(engine.call(&role, &describe)).unwrap());
    });
    let stop = req(Product::Ecs, "StopInstance", &[("InstanceId", &instance)]);
    let start = req(Product::Ecs, "StartInstance", &[("InstanceId", &instance)]);
    c.bench_function(
        "engine StopInstance+StartInstance (role session, memory store)",
        |b| {
            b.iter(|| {
                rt.block_on(engine.call(&role, &stop)).unwrap();
                rt.block_on(engine.call(&role, &start)).unwrap();
            });
        },
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
