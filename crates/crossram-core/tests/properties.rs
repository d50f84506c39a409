//! Property tests of the policy engine: parsing never panics, printing round-trips, an
//! explicit Deny always wins, statement order never matters, the indexed evaluator agrees
//! with a brute-force reading of spec §5.5 (each statement judged on its own), and the near
//! misses that explain an implicit deny are exactly the Allow statements that name the action
//! but fail, each with the elements that fail.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use crossram_core::policy::{Unmet, evaluate, near_misses};
use crossram_core::{
    AccountId, Context, Decision, Effect, NamedPolicy, PolicyDocument, PolicyKind, Principal,
    Request,
};
use proptest::prelude::*;
use serde_json::{Value, json};

const ACTIONS: &[&str] = &[
    "ecs:StopInstance",
    "ecs:Describe*",
    "ecs:*",
    "*",
    "ram:Get*",
    "sts:AssumeRole",
    "ECS:stop?nstance",
    "oss:*",
    "vpc:DescribeVpcs",
    "*:Describe*",
    "e?s:Start*",
];
const RESOURCES: &[&str] = &[
    "*",
    "acs:ecs:*:*:instance/*",
    "acs:ecs:cn-hangzhou:11223344:instance/i-1",
    "acs:ecs:cn-hangzhou:11223344:instance/i-?",
    "acs:ram:*:11223344:role/*",
    "acs:oss:*:*:bucket/*",
];
const REQ_ACTIONS: &[&str] = &[
    "ecs:StopInstance",
    "ecs:DescribeInstances",
    "ecs:StartInstance",
    "ram:GetUser",
    "sts:AssumeRole",
    "oss:GetObject",
    "vpc:DescribeVpcs",
    "rds:DescribeDBInstances",
];
const REQ_RESOURCES: &[&str] = &[
    "acs:ecs:cn-hangzhou:11223344:instance/i-1",
    "acs:ecs:cn-beijing:99:instance/i-22",
    "acs:ram::11223344:role/ecs-admin",
    "acs:oss:*:*:bucket/x",
];

fn conditions() -> Vec<Value> {
    vec![
        json!({"IpAddress": {"acs:SourceIp": ["203.0.113.0/24"]}}),
        json!({"NotIpAddress": {"acs:SourceIp": "10.0.0.0/8"}}),
        json!({"Bool": {"acs:SecureTransport": "true"}}),
        json!({"StringLike": {"acs:SourceVpc": "vpc-*"}, "Bool": {"acs:MFAPresent": "true"}}),
        json!({"DateLessThan": {"acs:CurrentTime": "2026-12-31T00:00:00Z"}}),
        json!({"StringNotEquals": {"sts:ExternalId": ["a1", "b2"]}}),
        json!({"NumericGreaterThan": {"ecs:tag/n": 3}}),
    ]
}

fn pick(list: &'static [&'static str]) -> proptest::sample::Select<&'static str> {
    proptest::sample::select(list)
}

fn one_or_many(items: Vec<&'static str>, single: bool) -> Value {
    if single && items.len() == 1 {
        json!(items[0])
    } else {
        json!(items)
    }
}

prop_compose! {
    fn statement()(
        deny in any::<bool>(),
        not_action in proptest::bool::weighted(0.15),
        actions in proptest::collection::vec(pick(ACTIONS), 1..3),
        resources in proptest::collection::vec(pick(RESOURCES), 1..3),
        single in any::<bool>(),
        cond in proptest::option::weighted(0.4, 0..7usize),
    ) -> Value {
        let mut s = serde_json::Map::new();
        s.insert("Effect".into(), json!(if deny { "Deny" } else { "Allow" }));
        s.insert(
            if not_action { "NotAction" } else { "Action" }.into(),
            one_or_many(actions, single),
        );
        s.insert("Resource".into(), one_or_many(resources, single));
        if let Some(c) = cond {
            s.insert("Condition".into(), conditions()[c].clone());
        }
        Value::Object(s)
    }
}

prop_compose! {
    fn document()(stmts in proptest::collection::vec(statement(), 0..8)) -> Value {
        json!({"Version": "1", "Statement": stmts})
    }
}

prop_compose! {
    fn context()(
        ip in proptest::option::of(pick(&["203.0.113.9", "10.1.1.1", "192.0.2.1"])),
        secure in proptest::option::of(pick(&["true", "false"])),
        vpc in proptest::option::of(pick(&["vpc-1", "classic"])),
        mfa in proptest::option::of(pick(&["true", "false"])),
        time in proptest::option::of(pick(&["2026-11-29T10:00:00Z", "2027-01-01T00:00:00Z"])),
        ext in proptest::option::of(pick(&["a1", "zz"])),
        n in proptest::option::of(pick(&["2", "5", "x"])),
    ) -> Context {
        let mut c = Context::default();
        let pairs = [
            ("acs:SourceIp", ip), ("acs:SecureTransport", secure), ("acs:SourceVpc", vpc),
            ("acs:MFAPresent", mfa), ("acs:CurrentTime", time), ("sts:ExternalId", ext),
            ("ecs:tag/n", n),
        ];
        for (k, v) in pairs {
            if let Some(v) = v {
                c.insert(k, v);
            }
        }
        c
    }
}

fn arbitrary_json() -> impl Strategy<Value = Value> {
    let keys = pick(&[
        "Version",
        "Statement",
        "Effect",
        "Action",
        "NotAction",
        "Resource",
        "Principal",
        "Condition",
        "RAM",
        "Service",
        "StringEquals",
        "IpAddress",
        "acs:SourceIp",
        "x",
    ]);
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| json!(n)),
        any::<f64>().prop_map(|f| json!(f)),
        pick(&[
            "1",
            "Allow",
            "Deny",
            "*",
            "ecs:*",
            "acs:ram::1:root",
            "10.0.0.0/8",
            "true",
            ""
        ])
        .prop_map(|s| json!(s)),
        ".{0,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, move |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            proptest::collection::vec((keys.clone(), inner), 0..5).prop_map(|kv| {
                Value::Object(kv.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
            }),
        ]
    })
}

fn parse(v: &Value) -> PolicyDocument {
    PolicyDocument::parse(&v.to_string(), PolicyKind::Identity).unwrap()
}

fn decide(doc: &PolicyDocument, action: &str, resource: &str, ctx: &Context) -> Decision {
    let req = Request {
        action,
        resource,
        principal: None,
        context: ctx,
    };
    evaluate(
        &req,
        &[NamedPolicy {
            name: "p",
            document: doc,
        }],
    )
    .decision
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn parse_never_panics_on_strings(s in ".{0,200}") {
        for kind in [PolicyKind::Identity, PolicyKind::Trust, PolicyKind::Session] {
            let _ = PolicyDocument::parse(&s, kind);
        }
        let _ = PolicyDocument::parse_detect(&s);
    }

    #[test]
    fn parse_never_panics_on_json(v in arbitrary_json()) {
        let text = v.to_string();
        for kind in [PolicyKind::Identity, PolicyKind::Trust, PolicyKind::Session] {
            if let Ok(doc) = PolicyDocument::parse(&text, kind) {
                // Whatever parses also round-trips.
                prop_assert_eq!(PolicyDocument::parse(&doc.to_json(), kind).unwrap(), doc);
            }
        }
    }

    #[test]
    fn print_then_parse_is_identity(v in document()) {
        let doc = parse(&v);
        let printed = doc.to_json();
        let again = PolicyDocument::parse(&printed, PolicyKind::Identity).unwrap();
        prop_assert_eq!(&again, &doc);
        prop_assert_eq!(again.to_json(), printed);
    }

    #[test]
    fn explicit_deny_always_wins(
        v in document(),
        action in pick(REQ_ACTIONS),
        resource in pick(REQ_RESOURCES),
        ctx in context(),
    ) {
        let doc = parse(&v);
        let deny = parse(&json!({"Version": "1", "Statement": [
            {"Effect": "Deny", "Action": action, "Resource": resource}]}));
        let req = Request { action, resource, principal: None, context: &ctx };
        let out = evaluate(&req, &[
            NamedPolicy { name: "p", document: &doc },
            NamedPolicy { name: "deny", document: &deny },
        ]);
        prop_assert_eq!(out.decision, Decision::ExplicitDeny);
        prop_assert!(out.matched.iter().all(|m| m.effect == Effect::Deny));
        prop_assert!(out.matched.iter().any(|m| m.policy == "deny"));
    }

    #[test]
    fn indexed_evaluation_agrees_with_brute_force(
        v in document(),
        action in pick(REQ_ACTIONS),
        resource in pick(REQ_RESOURCES),
        ctx in context(),
    ) {
        let doc = parse(&v);
        let stmts = v["Statement"].as_array().unwrap();
        let mut allow = Vec::new();
        let mut deny = Vec::new();
        for (i, s) in stmts.iter().enumerate() {
            let single = parse(&json!({"Version": "1", "Statement": [s]}));
            if decide(&single, action, resource, &ctx) != Decision::ImplicitDeny {
                if s["Effect"] == "Deny" { deny.push(i) } else { allow.push(i) }
            }
        }
        let req = Request { action, resource, principal: None, context: &ctx };
        let out = evaluate(&req, &[NamedPolicy { name: "p", document: &doc }]);
        let got: Vec<usize> = out.matched.iter().map(|m| m.statement).collect();
        if !deny.is_empty() {
            prop_assert_eq!(out.decision, Decision::ExplicitDeny);
            prop_assert_eq!(got, deny);
        } else if !allow.is_empty() {
            prop_assert_eq!(out.decision, Decision::Allow);
            prop_assert_eq!(got, allow);
        } else {
            prop_assert_eq!(out.decision, Decision::ImplicitDeny);
            prop_assert!(got.is_empty());
        }
    }

    #[test]
    fn near_misses_are_the_allows_that_name_the_action_and_fail(
        v in document(),
        action in pick(REQ_ACTIONS),
        resource in pick(REQ_RESOURCES),
        ctx in context(),
    ) {
        let doc = parse(&v);
        let stmts = v["Statement"].as_array().unwrap();
        // Each statement judged alone, with its Resource or its Condition taken out.
        let alone = |s: &Value, keep_resource: bool, keep_condition: bool| {
            let mut s = s.clone();
            if !keep_resource {
                s["Resource"] = json!("*");
            }
            if !keep_condition {
                s.as_object_mut().unwrap().remove("Condition");
            }
            decide(&parse(&json!({"Version": "1", "Statement": [s]})), action, resource, &ctx)
        };
        let mut expected = Vec::new();
        for (i, s) in stmts.iter().enumerate() {
            let names_action = alone(s, false, false) == Decision::Allow;
            if s["Effect"] == "Allow" && names_action && alone(s, true, true) != Decision::Allow {
                expected.push((i, alone(s, true, false) != Decision::Allow,
                    alone(s, false, true) != Decision::Allow));
            }
        }
        let req = Request { action, resource, principal: None, context: &ctx };
        let near = near_misses(&req, &[NamedPolicy { name: "p", document: &doc }]);
        let got: Vec<(usize, bool, bool)> = near
            .iter()
            .map(|n| (
                n.statement,
                n.unmet.contains(&Unmet::Resource),
                n.unmet.iter().any(|u| matches!(u, Unmet::Condition { .. })),
            ))
            .collect();
        prop_assert_eq!(got, expected);
        for n in &near {
            prop_assert_eq!(&n.policy, "p");
            for u in &n.unmet {
                if let Unmet::Condition { key, sent, .. } = u {
                    prop_assert_eq!(*sent, ctx.contains(key));
                }
            }
        }
        // An implicit deny is explained by every Allow that names the action.
        if decide(&doc, action, resource, &ctx) == Decision::ImplicitDeny {
            let naming = stmts
                .iter()
                .filter(|s| s["Effect"] == "Allow" && alone(s, false, false) == Decision::Allow)
                .count();
            prop_assert_eq!(near.len(), naming);
        }
    }

    #[test]
    fn statement_order_never_changes_the_decision(
        v in document(),
        seed in any::<u64>(),
        action in pick(REQ_ACTIONS),
        resource in pick(REQ_RESOURCES),
        ctx in context(),
    ) {
        let mut stmts = v["Statement"].as_array().unwrap().clone();
        // A deterministic shuffle from the seed.
        let mut x = seed | 1;
        for i in (1..stmts.len()).rev() {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let j = usize::try_from(x % (i as u64 + 1)).unwrap();
            stmts.swap(i, j);
        }
        let shuffled = parse(&json!({"Version": "1", "Statement": stmts}));
        let doc = parse(&v);
        prop_assert_eq!(
            decide(&doc, action, resource, &ctx),
            decide(&shuffled, action, resource, &ctx)
        );
    }

    #[test]
    fn trust_principals_never_admit_roots(account in "[0-9]{1,16}", v in document()) {
        let _ = v;
        let trust = PolicyDocument::parse(
            &json!({"Version": "1", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRole",
                "Principal": {"RAM": ["*", format!("acs:ram::{account}:root")]}}]}).to_string(),
            PolicyKind::Trust,
        ).unwrap();
        let root = Principal::Root { account: AccountId::parse(&account).unwrap() };
        let ctx = Context::default();
        let req = Request {
            action: "sts:AssumeRole",
            resource: "acs:ram::1:role/r",
            principal: Some(&root),
            context: &ctx,
        };
        let out = evaluate(&req, &[NamedPolicy { name: "t", document: &trust }]);
        prop_assert_eq!(out.decision, Decision::ImplicitDeny);
    }
}
