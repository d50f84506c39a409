//! Requests captured from the official SDKs (crossram-wire's vectors), replayed through `app`
//! with the clock set to each capture's time: with an account holding the captured key, every
//! signature is accepted.

use std::path::PathBuf;

use axum::body::Body;
use crossram_engine::Clock as _;
use crossram_server::{AppState, app};
use http_body_util::BodyExt;
use tower::ServiceExt;

use crate::support::*;

fn vectors() -> Vec<(String, serde_json::Value)> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../crossram-wire/tests/vectors");
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "json") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            let v: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
            out.push((name, v));
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0));
    assert!(out.len() >= 90, "vectors found: {}", out.len());
    out
}

fn request_of(v: &serde_json::Value) -> (http::Request<Body>, String) {
    let r = &v["request"];
    let mut builder = http::Request::builder()
        .method(r["method"].as_str().unwrap())
        .uri(r["raw_path"].as_str().unwrap());
    let mut timestamp = None;
    for h in r["headers"].as_array().unwrap() {
        let (name, value) = (h[0].as_str().unwrap(), h[1].as_str().unwrap());
        if name.eq_ignore_ascii_case("x-acs-date") {
            timestamp = Some(value.to_owned());
        }
        builder = builder.header(name, value);
    }
    let timestamp = timestamp.unwrap_or_else(|| {
        let q = r["raw_query"].as_str().unwrap_or("");
        let body = r["body"].as_str().unwrap_or("");
        crossram_wire::parse_form(q)
            .into_iter()
            .chain(crossram_wire::parse_form(body))
            .find(|(n, _)| n == "Timestamp")
            .map(|(_, v)| v)
            .unwrap()
    });
    let body = r["body"].as_str().unwrap_or("").to_owned();
    (builder.body(Body::from(body)).unwrap(), timestamp)
}

async fn replay(
    state: &AppState,
    clock: &crossram_engine::ManualClock,
    v: &serde_json::Value,
) -> (u16, serde_json::Value) {
    let (req, timestamp) = request_of(v);
    let t = crossram_wire::parse_timestamp(&timestamp).unwrap();
    clock.set(time::OffsetDateTime::from_unix_timestamp(t).unwrap());
    assert_eq!(clock.now().unix_timestamp(), t);
    let res = app(state.clone()).oneshot(req).await.unwrap();
    let status = res.status().as_u16();
    let bytes = res.into_body().collect().await.unwrap().to_bytes();
    (status, serde_json::from_slice(&bytes).unwrap())
}

const GATEWAY_CODES: &[&str] = &[
    "SignatureDoesNotMatch",
    "InvalidTimeStamp.Expired",
    "InvalidTimeStamp.Format",
    "SignatureNonceUsed",
    "MissingParameter",
    "IncompleteSignature",
    "InvalidParamater",
    "InvalidAccessKeyId.NotFound",
    "InvalidAction.NotFound",
];

#[tokio::test]
async fn captured_sdk_requests_pass_every_gateway_check() {
    let all = vectors();
    let first = &all[0].1;
    let (engine, clock) = engine_with_key(
        first["credentials"]["access_key_id"].as_str().unwrap(),
        first["credentials"]["access_key_secret"].as_str().unwrap(),
    )
    .await;
    let state = AppState::new(engine, clock.clone());
    let mut identities = 0;
    for (name, v) in &all {
        if !name.contains("__ak__") {
            continue;
        }
        let (status, body) = replay(&state, &clock, v).await;
        let code = body["Code"].as_str().unwrap_or("");
        assert!(!GATEWAY_CODES.contains(&code), "{name}: {status} {body}");
        if v["action"] == "GetCallerIdentity" {
            assert_eq!(status, 200, "{name}: {body}");
            assert_eq!(body["Arn"], format!("acs:ram::{ACCOUNT}:root"), "{name}");
            identities += 1;
        }
        // A replay of the same capture is refused.
        let (status, body) = replay(&state, &clock, v).await;
        assert_eq!(status, 400, "{name}: {body}");
        assert_eq!(body["Code"], "SignatureNonceUsed", "{name}");
    }
    assert!(identities >= 7, "GetCallerIdentity vectors: {identities}");
}

#[tokio::test]
async fn captured_requests_of_an_unknown_account_are_refused_before_the_signature() {
    let (engine, clock) = engine().await;
    let state = AppState::new(engine, clock.clone());
    for (name, v) in vectors().iter().take(30) {
        let (status, body) = replay(&state, &clock, v).await;
        let code = body["Code"].as_str().unwrap();
        if name.contains("__ak__") {
            assert_eq!(
                (status, code),
                (404, "InvalidAccessKeyId.NotFound"),
                "{name}"
            );
        } else {
            // STS keys: the token is checked (and refused) before anything else.
            assert!(
                code.starts_with("InvalidSecurityToken") || code == "MissingSecurityToken",
                "{name}: {body}"
            );
        }
    }
}
