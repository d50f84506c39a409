//! Cost of `inspect` + `verify` on V1 and V3 AssumeRole requests and a V1 CreateRole request
//! with a trust policy (the emulator's hot path).
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "benchmark set-up")]

use criterion::{Criterion, criterion_group, criterion_main};
use crossram_wire::{HttpRequest, SignInput, SignedParts, inspect, sign_v1, sign_v3};
use std::hint::black_box;

fn input<'a>(action: &'a str, params: &'a [(String, String)]) -> SignInput<'a> {
    let (host, version) = if action == "AssumeRole" {
        ("sts.aliyuncs.com", "2015-04-01")
    } else {
        ("ram.aliyuncs.com", "2015-05-01")
    };
    SignInput {
        method: "POST",
        host,
        action,
        version,
        params,
        access_key_id: "STS.NTestStsKeyId0001",
        access_key_secret: "FakeStsSecret0001",
        security_token: Some(
            "CAISxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxFake",
        ),
        timestamp: "2026-11-29T05:52:50Z",
        nonce: "44c66b03198a289d54982ea09199be5f",
        body_params_in_form: false,
    }
}

fn bench_one(c: &mut Criterion, name: &str, parts: &SignedParts) {
    let headers = parts.headers.clone();
    c.bench_function(name, |b| {
        b.iter(|| {
            let req = HttpRequest {
                method: "POST",
                path: "/",
                raw_query: black_box(&parts.query),
                headers: black_box(&headers),
                body: &parts.body,
            };
            let signed = inspect(&req).unwrap();
            signed.verify(black_box("FakeStsSecret0001")).unwrap();
        });
    });
}

fn bench(c: &mut Criterion) {
    let params: Vec<(String, String)> = [
        ("RoleArn", "acs:ram::1234567890123456:role/demo-role"),
        ("RoleSessionName", "probe-sts"),
        ("DurationSeconds", "3600"),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    bench_one(
        c,
        "inspect+verify V1 AssumeRole",
        &sign_v1(&input("AssumeRole", &params)),
    );
    bench_one(
        c,
        "inspect+verify V3 AssumeRole",
        &sign_v3(&input("AssumeRole", &params)),
    );
    // CreateRole carries a trust policy: most of its bytes need escaping, twice for V1.
    let trust = r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::2234567890123456:root"]}}],"Version":"1"}"#;
    let params: Vec<(String, String)> = [
        ("RoleName", "partner-ops"),
        ("Description", "Operations by the partner account"),
        ("AssumeRolePolicyDocument", trust),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    bench_one(
        c,
        "inspect+verify V1 CreateRole",
        &sign_v1(&input("CreateRole", &params)),
    );
}

criterion_group!(benches, bench);
criterion_main!(benches);
