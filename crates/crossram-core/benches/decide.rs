//! Decision time for the seed's two requests, and how request (b) grows with statements of
//! other services, side by side with cedar-policy deciding equivalent policy sets.
//!
//! (a) B's user Alice assumes A's role `ecs-admin`: her identity side
//!     (AliyunSTSAssumeRoleAccess) and the trust policy naming `acs:ram::12345678:root`.
//! (b) The role session stops an instance of A; the role has AliyunECSFullAccess; then the
//!     same with 1, 10, 100 and 1000 extra statements of other service prefixes.
//!
//! Cedar has no action wildcards, so `ecs:*` becomes an action group that the requested action
//! belongs to, and the two sides of (a) are two `is_authorized` calls on two policy sets.
//!
//! Run: `cargo bench -p crossram-core --bench decide -- --warm-up-time 1 --measurement-time 3`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    reason = "benchmark set-up: a failure is a broken benchmark"
)]

use std::collections::HashSet;
use std::hint::black_box;
use std::str::FromStr;

use cedar_policy as cedar;
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use crossram_core::policy::{authorize, authorize_assume_role};
use crossram_core::system_policies::system_policy;
use crossram_core::{
    AccountId, Context, Decision, NamedPolicy, PolicyDocument, PolicyKind, Principal, Request,
};

const TRUST: &str = r#"{"Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
  "Principal": {"RAM": ["acs:ram::12345678:root"]}}], "Version": "1"}"#;
const ROLE_ARN: &str = "acs:ram::11223344:role/ecs-admin";
const INSTANCE: &str = "acs:ecs:cn-hangzhou:11223344:instance/i-bp1exampleexample0001";
const GROWTH: [usize; 5] = [0, 1, 10, 100, 1000];

/// A custom policy with `n` Allow statements none of which is an ECS action.
fn other_services(n: usize) -> PolicyDocument {
    let stmts: Vec<String> = (0..n)
        .map(|i| {
            format!(
                r#"{{"Effect": "Allow", "Action": "svc{}:Action{i}", "Resource": "acs:svc:*:11223344:thing/{i}"}}"#,
                i % 50
            )
        })
        .collect();
    let text = format!(r#"{{"Version": "1", "Statement": [{}]}}"#, stmts.join(","));
    PolicyDocument::parse(&text, PolicyKind::Identity).unwrap()
}

fn uid(s: &str) -> cedar::EntityUid {
    cedar::EntityUid::from_str(s).unwrap()
}

fn cedar_set(text: &str) -> cedar::PolicySet {
    cedar::PolicySet::from_str(text).unwrap()
}

fn cedar_other_services(n: usize) -> String {
    (0..n)
        .map(|i| {
            format!(
                "permit(principal, action == Action::\"svc{}:Action{i}\", resource == Thing::\"{i}\");\n",
                i % 50
            )
        })
        .collect()
}

fn bench(c: &mut Criterion) {
    let context = Context::default();
    let alice = Principal::User {
        account: AccountId::parse("12345678").unwrap(),
        user_name: "Alice".into(),
        user_id: "200000000000000001".into(),
    };
    let session = Principal::RoleSession {
        account: AccountId::parse("11223344").unwrap(),
        role_name: "ecs-admin".into(),
        role_id: "300000000000000001".into(),
        session_name: "alice".into(),
    };
    let sts_access = system_policy("AliyunSTSAssumeRoleAccess").unwrap();
    let ecs_full = system_policy("AliyunECSFullAccess").unwrap();
    let trust = PolicyDocument::parse(TRUST, PolicyKind::Trust).unwrap();

    // (a) crossram
    let req_a = Request {
        action: "sts:AssumeRole",
        resource: ROLE_ARN,
        principal: Some(&alice),
        context: &context,
    };
    let identity_a = [NamedPolicy {
        name: sts_access.name,
        document: sts_access.document(),
    }];
    let trust_a = NamedPolicy {
        name: "trust",
        document: &trust,
    };
    assert_eq!(
        authorize_assume_role(&req_a, &identity_a, None, trust_a).decision,
        Decision::Allow
    );
    let mut group = c.benchmark_group("seed");
    group.bench_function("a_assume_role/crossram", |b| {
        b.iter(|| authorize_assume_role(black_box(&req_a), &identity_a, None, trust_a))
    });

    // (a) cedar: both sides must permit.
    let cedar_auth = cedar::Authorizer::new();
    let cedar_identity =
        cedar_set(r#"permit(principal, action == Action::"sts:AssumeRole", resource);"#);
    let cedar_trust = cedar_set(
        r#"permit(principal in Account::"12345678", action == Action::"sts:AssumeRole", resource);"#,
    );
    let cedar_entities_a = cedar::Entities::from_entities(
        [
            cedar::Entity::new_no_attrs(
                uid(r#"User::"12345678/Alice""#),
                HashSet::from([uid(r#"Account::"12345678""#)]),
            ),
            cedar::Entity::new_no_attrs(uid(r#"Account::"12345678""#), HashSet::new()),
        ],
        None,
    )
    .unwrap();
    let cedar_req_a = cedar::Request::new(
        uid(r#"User::"12345678/Alice""#),
        uid(r#"Action::"sts:AssumeRole""#),
        uid(r#"Role::"11223344/ecs-admin""#),
        cedar::Context::empty(),
        None,
    )
    .unwrap();
    let cedar_a = || {
        let id = cedar_auth.is_authorized(&cedar_req_a, &cedar_identity, &cedar_entities_a);
        let tr = cedar_auth.is_authorized(&cedar_req_a, &cedar_trust, &cedar_entities_a);
        id.decision() == cedar::Decision::Allow && tr.decision() == cedar::Decision::Allow
    };
    assert!(cedar_a());
    group.bench_function("a_assume_role/cedar", |b| b.iter(|| black_box(cedar_a())));

    // (b) crossram and cedar
    let req_b = Request {
        action: "ecs:StopInstance",
        resource: INSTANCE,
        principal: Some(&session),
        context: &context,
    };
    let role_policies = [NamedPolicy {
        name: ecs_full.name,
        document: ecs_full.document(),
    }];
    assert_eq!(
        authorize(&req_b, &role_policies, None).decision,
        Decision::Allow
    );
    group.bench_function("b_stop_instance/crossram", |b| {
        b.iter(|| authorize(black_box(&req_b), &role_policies, None))
    });
    let cedar_ecs = r#"permit(principal, action in Action::"ecs:*", resource);
permit(principal, action in [Action::"vpc:DescribeVpcs", Action::"vpc:DescribeVSwitches"], resource);
"#;
    let cedar_entities_b = cedar::Entities::from_entities(
        [
            cedar::Entity::new_no_attrs(
                uid(r#"Action::"ecs:StopInstance""#),
                HashSet::from([uid(r#"Action::"ecs:*""#)]),
            ),
            cedar::Entity::new_no_attrs(uid(r#"Action::"ecs:*""#), HashSet::new()),
        ],
        None,
    )
    .unwrap();
    let cedar_req_b = cedar::Request::new(
        uid(r#"Session::"11223344/ecs-admin/alice""#),
        uid(r#"Action::"ecs:StopInstance""#),
        uid(r#"Instance::"cn-hangzhou/11223344/i-bp1exampleexample0001""#),
        cedar::Context::empty(),
        None,
    )
    .unwrap();
    let cedar_b_set = cedar_set(cedar_ecs);
    assert_eq!(
        cedar_auth
            .is_authorized(&cedar_req_b, &cedar_b_set, &cedar_entities_b)
            .decision(),
        cedar::Decision::Allow
    );
    group.bench_function("b_stop_instance/cedar", |b| {
        b.iter(|| {
            cedar_auth.is_authorized(black_box(&cedar_req_b), &cedar_b_set, &cedar_entities_b)
        })
    });
    group.finish();

    // (b) with n statements of other services next to AliyunECSFullAccess.
    let mut group = c.benchmark_group("b_growth");
    for n in GROWTH {
        let other = other_services(n);
        let policies = [
            NamedPolicy {
                name: ecs_full.name,
                document: ecs_full.document(),
            },
            NamedPolicy {
                name: "other-services",
                document: &other,
            },
        ];
        assert_eq!(authorize(&req_b, &policies, None).decision, Decision::Allow);
        group.bench_with_input(BenchmarkId::new("crossram", n), &n, |b, _| {
            b.iter(|| authorize(black_box(&req_b), &policies, None))
        });
        let set = cedar_set(&format!("{cedar_ecs}{}", cedar_other_services(n)));
        assert_eq!(
            cedar_auth
                .is_authorized(&cedar_req_b, &set, &cedar_entities_b)
                .decision(),
            cedar::Decision::Allow
        );
        group.bench_with_input(BenchmarkId::new("cedar", n), &n, |b, _| {
            b.iter(|| cedar_auth.is_authorized(black_box(&cedar_req_b), &set, &cedar_entities_b))
        });
    }
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
