//! Arbitrary query strings, headers and bodies never make the handler panic, and every answer
//! is a well-formed error body (nothing unsigned can succeed).

use std::sync::Arc;

use axum::body::Body;
use crossram_server::{AppState, app};
use http_body_util::BodyExt;
use proptest::prelude::*;
use tower::ServiceExt;

use crate::support::*;

fn escape_uri(raw: &str) -> String {
    let mut out = String::new();
    for b in raw.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~&=%+:/;,!$'()*@".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn common_params() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        Just(format!(
            "Action=GetCallerIdentity&Version=2015-04-01&AccessKeyId={ROOT_KEY}&SignatureMethod=HMAC-SHA1&SignatureVersion=1.0&SignatureNonce=n&Timestamp=2026-11-29T06%3A00%3A00Z&Signature=abc&"
        )),
        Just(
            "Action=GetCallerIdentity&Version=2015-04-01&AccessKeyId=STS.x&SecurityToken=%ZZ&"
                .to_owned()
        ),
        Just("Format=XML&Action=&Version=2014-05-26&".to_owned()),
    ]
}

#[test]
fn arbitrary_requests_never_panic() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let state: AppState = rt.block_on(async {
        let (engine, clock) = engine().await;
        AppState::new(engine, clock)
    });
    let router = app(state);
    let router = Arc::new(router);
    let config = ProptestConfig {
        cases: 300,
        failure_persistence: None,
        ..ProptestConfig::default()
    };
    proptest!(config, |(
        method in prop::sample::select(vec!["GET", "POST", "PUT", "DELETE"]),
        path in prop::sample::select(vec!["/", "/console/logon", "/console/switch-role", "/x"]),
        prefix in common_params(),
        query in "[ -~\u{e9}\u{4e2d}]{0,200}",
        headers in prop::collection::vec(("[a-zA-Z0-9-]{1,24}", "[ -~]{0,120}"), 0..8),
        authorization in prop::option::of("ACS3-HMAC-SHA256 [ -~]{0,120}"),
        form in any::<bool>(),
        body in prop::collection::vec(any::<u8>(), 0..600),
    )| {
        let uri = format!("{path}?{prefix}{}", escape_uri(&query));
        let mut builder = http::Request::builder().method(method).uri(uri.as_str());
        for (name, value) in &headers {
            if let (Ok(n), Ok(v)) = (
                http::HeaderName::from_bytes(name.as_bytes()),
                http::HeaderValue::from_str(value),
            ) {
                builder = builder.header(n, v);
            }
        }
        if let Some(Ok(v)) = authorization.as_deref().map(http::HeaderValue::from_str) {
            builder = builder.header("authorization", v);
        }
        if form {
            builder = builder.header("content-type", "application/x-www-form-urlencoded");
        }
        let Ok(req) = builder.body(Body::from(body.clone())) else {
            return Ok(());
        };
        let router = (*router).clone();
        let (status, bytes) = rt.block_on(async move {
            let res = router.oneshot(req).await.unwrap();
            let status = res.status();
            (status, res.into_body().collect().await.unwrap().to_bytes())
        });
        prop_assert!(status.is_client_error() || status.is_server_error(), "{status}");
        let text = String::from_utf8_lossy(&bytes);
        if text.starts_with("<?xml") {
            prop_assert!(text.contains("<Code>"), "{text}");
        } else {
            let v: serde_json::Value = serde_json::from_str(&text).unwrap();
            prop_assert!(v["Code"].as_str().is_some(), "{text}");
            prop_assert!(v["RequestId"].as_str().is_some(), "{text}");
        }
    });
}
