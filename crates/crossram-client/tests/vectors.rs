//! Exact requests: with the clock and nonce fixed, the client must put on the wire the same
//! parameters, headers and signature that official SDKs did (the captured vectors in
//! crossram-wire) or that Alibaba's documentation publishes.
//!
//! The signed host is part of a V3 signature, so the requests go through a transport that
//! sends them to the loopback server while keeping the signed `host` header.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

mod common;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;

use common::{Recorded, Reply, TestServer};
use crossram_client::api::ecs::RunInstancesRequest;
use crossram_client::api::sts::AssumeRoleRequest;
use crossram_client::clock::parse_timestamp;
use crossram_client::{
    Client, Credentials, Endpoint, FixedNonce, HttpRequest, HttpResponse, ManualClock, Product,
    ReqwestTransport, SignatureVersion, Transport, TransportError,
};
use serde_json::Value;

/// Sends every request to `to` over plain HTTP, whatever host the URL names.
#[derive(Debug)]
struct Redirect {
    inner: ReqwestTransport,
    to: SocketAddr,
}

#[async_trait::async_trait]
impl Transport for Redirect {
    async fn send(&self, mut req: HttpRequest) -> Result<HttpResponse, TransportError> {
        let rest = req.url.split_once("://").map(|(_, r)| r).unwrap_or("");
        let path = rest.find('/').map(|i| &rest[i..]).unwrap_or("/");
        req.url = format!("http://{}{path}", self.to);
        self.inner.send(req).await
    }
}

fn vector(name: &str) -> Value {
    let path = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../crossram-wire/tests/vectors")
        .join(format!("{name}.json"));
    serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap()
}

fn creds_of(v: &Value) -> Credentials {
    let c = &v["credentials"];
    let mut creds = Credentials::new(
        c["access_key_id"].as_str().unwrap(),
        c["access_key_secret"].as_str().unwrap(),
    );
    if let Some(t) = c["security_token"].as_str() {
        creds = creds.with_security_token(t);
    }
    creds
}

fn sorted_pairs(raw_query: &str) -> Vec<String> {
    let mut pairs: Vec<String> = raw_query.split('&').map(str::to_owned).collect();
    pairs.sort();
    pairs
}

/// A client for one vector: its host, keys, timestamp and nonce.
async fn client_for(
    server: &TestServer,
    endpoint: Endpoint,
    creds: Credentials,
    timestamp: &str,
    nonce: &str,
    signature: SignatureVersion,
    method: http::Method,
) -> Client {
    Client::builder()
        .endpoint(endpoint)
        .transport(Redirect {
            inner: ReqwestTransport::new().unwrap(),
            to: server.addr,
        })
        .credentials(creds)
        .signature(signature)
        .http_method(method)
        .clock(Arc::new(ManualClock::new(
            parse_timestamp(timestamp).unwrap(),
        )))
        .nonce(Arc::new(FixedNonce(nonce.to_owned())))
        .build()
        .unwrap()
}

const ASSUME_ROLE_OK: &str = r#"{"RequestId":"R","Credentials":{"AccessKeyId":"STS.x","AccessKeySecret":"s","SecurityToken":"t","Expiration":"2026-11-29T06:52:37Z"},"AssumedRoleUser":{"Arn":"acs:ram::1234567890123456:role/demo-role/probe","AssumedRoleId":"1:probe"}}"#;

fn only(server: &TestServer) -> Recorded {
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1, "{reqs:?}");
    reqs.into_iter().next().unwrap()
}

/// py-cred-rra: V1 over GET, typed AssumeRole, long-term and STS source credentials.
#[tokio::test]
async fn assume_role_matches_the_python_credentials_provider() {
    for name in [
        "py-cred-rra__ak__AssumeRole",
        "py-cred-rra__sts__AssumeRole",
    ] {
        let v = vector(name);
        let sdk = sorted_pairs(v["request"]["raw_query"].as_str().unwrap());
        let sdk_params = crossram_wire::parse_form(v["request"]["raw_query"].as_str().unwrap());
        let get = |k: &str| {
            sdk_params
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let server = TestServer::scripted(vec![Reply::ok(ASSUME_ROLE_OK)]).await;
        let client = client_for(
            &server,
            Endpoint::url("https://127.0.0.1:18443").unwrap(),
            creds_of(&v),
            &get("Timestamp"),
            &get("SignatureNonce"),
            SignatureVersion::V1,
            http::Method::GET,
        )
        .await;
        let resp = client
            .sts()
            .assume_role(AssumeRoleRequest {
                role_arn: get("RoleArn"),
                role_session_name: get("RoleSessionName"),
                duration_seconds: Some(3600),
                ..Default::default()
            })
            .await
            .unwrap();
        assert_eq!(resp.credentials.access_key_id, "STS.x");

        let got = only(&server);
        assert_eq!(got.method, "GET", "{name}");
        assert_eq!(sorted_pairs(got.raw_query()), sdk, "{name}");
        assert_eq!(
            got.param("Signature").as_deref(),
            v["expected"]["signature"].as_str(),
            "{name}"
        );
    }
}

/// py-core: V1 over POST with everything in the query, through the raw call (the old core also
/// sends `RegionId` and an empty `SignatureType`, both signed).
#[tokio::test]
async fn raw_calls_match_the_python_core_sdk() {
    for (name, product) in [
        ("py-core__ak__CreateRole", Product::Ram),
        ("py-core__sts__GetCallerIdentity", Product::Sts),
        ("py-core__sts__AttachPolicyToRole", Product::Ram),
    ] {
        let v = vector(name);
        let raw = v["request"]["raw_query"].as_str().unwrap();
        let sdk_params = crossram_wire::parse_form(raw);
        let get = |k: &str| {
            sdk_params
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let common = [
            "Action",
            "Version",
            "Format",
            "Timestamp",
            "SignatureMethod",
            "SignatureVersion",
            "SignatureNonce",
            "AccessKeyId",
            "SecurityToken",
            "Signature",
        ];
        let action_params: Vec<(String, String)> = sdk_params
            .iter()
            .filter(|(k, _)| !common.contains(&k.as_str()))
            .cloned()
            .collect();
        let server = TestServer::scripted(vec![Reply::ok(r#"{"RequestId":"R"}"#)]).await;
        let client = client_for(
            &server,
            Endpoint::url("http://127.0.0.1:18080").unwrap(),
            creds_of(&v),
            &get("Timestamp"),
            &get("SignatureNonce"),
            SignatureVersion::V1,
            http::Method::POST,
        )
        .await;
        client
            .call(product, &get("Action"), &action_params)
            .await
            .unwrap();
        let got = only(&server);
        assert_eq!(got.method, "POST");
        assert!(got.body.is_empty());
        assert_eq!(sorted_pairs(got.raw_query()), sorted_pairs(raw), "{name}");
        assert_eq!(
            got.param("Signature").as_deref(),
            v["expected"]["signature"].as_str(),
            "{name}"
        );
    }
}

/// Spec V1-B: the STS AssumeRole example of Alibaba's signature documentation (GET).
#[tokio::test]
async fn assume_role_matches_the_published_v1_example() {
    let server = TestServer::scripted(vec![Reply::ok(ASSUME_ROLE_OK)]).await;
    let client = client_for(
        &server,
        Endpoint::public(),
        Credentials::new("testid", "testsecret"),
        "2015-09-01T05:57:34Z",
        "571f8fb8-506e-11e5-8e12-b8e8563dc8d2",
        SignatureVersion::V1,
        http::Method::GET,
    )
    .await;
    client
        .sts()
        .assume_role(AssumeRoleRequest {
            role_arn: "acs:ram::1234567890123:role/firstrole".into(),
            role_session_name: "client".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let got = only(&server);
    assert_eq!(
        got.param("Signature").as_deref(),
        Some("gNI7b0AyKZHxDgjBGPDgJ1Ce3L4=")
    );
    assert_eq!(got.param("Format").as_deref(), Some("JSON"));
    assert_eq!(got.param("Version").as_deref(), Some("2015-04-01"));
}

/// Spec V3-A: the ECS RunInstances example of the V3 documentation, from a regional endpoint.
#[tokio::test]
async fn run_instances_matches_the_published_v3_example() {
    let server = TestServer::scripted(vec![Reply::ok(
        r#"{"RequestId":"R","InstanceIdSets":{"InstanceIdSet":["i-1"]}}"#,
    )])
    .await;
    let client = client_for(
        &server,
        Endpoint::region("cn-shanghai").unwrap(),
        Credentials::new("YourAccessKeyId", "YourAccessKeySecret"),
        "2023-10-26T10:22:32Z",
        "3156853299f313e23d1673dc12e1703d",
        SignatureVersion::V3,
        http::Method::POST,
    )
    .await;
    let resp = client
        .ecs()
        .run_instances(RunInstancesRequest {
            region_id: "cn-shanghai".into(),
            image_id: Some("win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(resp.instance_id_sets, ["i-1"]);
    let got = only(&server);
    assert_eq!(
        got.raw_query(),
        "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai"
    );
    assert_eq!(got.header("host"), Some("ecs.cn-shanghai.aliyuncs.com"));
    assert_eq!(got.header("x-acs-action"), Some("RunInstances"));
    assert_eq!(got.header("x-acs-version"), Some("2014-05-26"));
    assert_eq!(got.header("x-acs-date"), Some("2023-10-26T10:22:32Z"));
    assert_eq!(
        got.header("authorization"),
        Some(
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0"
        )
    );
}

/// The V3 SDK vectors also sign `x-acs-credentials-provider`, which the client does not send;
/// apart from that header, the client sends the same signed headers with the same values, and
/// the server-side checker of crossram-wire accepts what it sends (with an STS token too).
#[tokio::test]
async fn v3_requests_carry_the_sdk_headers_and_verify() {
    for name in [
        "node-tea-v3__ak__AttachPolicyToRole",
        "node-tea-v3__sts__AttachPolicyToRole",
    ] {
        let v = vector(name);
        let headers: Vec<(String, String)> =
            serde_json::from_value(v["request"]["headers"].clone()).unwrap();
        let h = |k: &str| {
            headers
                .iter()
                .find(|(n, _)| n.eq_ignore_ascii_case(k))
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let raw = v["request"]["raw_query"].as_str().unwrap();
        let server = TestServer::scripted(vec![Reply::ok(r#"{"RequestId":"R"}"#)]).await;
        let creds = creds_of(&v);
        let client = client_for(
            &server,
            Endpoint::url(&format!("http://{}", h("host"))).unwrap(),
            creds.clone(),
            &h("x-acs-date"),
            &h("x-acs-signature-nonce"),
            SignatureVersion::V3,
            http::Method::POST,
        )
        .await;
        client
            .call(
                Product::Ram,
                "AttachPolicyToRole",
                &crossram_wire::parse_form(raw),
            )
            .await
            .unwrap();
        let got = only(&server);
        assert_eq!(got.raw_query(), raw, "{name}");
        let signed: Vec<String> =
            serde_json::from_value(v["expected"]["signed_headers"].clone()).unwrap();
        for header in signed.iter().filter(|n| *n != "x-acs-credentials-provider") {
            assert_eq!(
                got.header(header),
                Some(h(header).as_str()),
                "{name}: {header}"
            );
        }
        let inspected = crossram_wire::inspect(&crossram_wire::HttpRequest {
            method: &got.method,
            path: "/",
            raw_query: got.raw_query(),
            headers: &got.headers,
            body: &got.body,
        })
        .unwrap();
        assert_eq!(inspected.action(), "AttachPolicyToRole");
        inspected
            .verify(creds.access_key_secret.expose())
            .unwrap_or_else(|e| panic!("{name}: {e:?}"));
    }
}

/// node-cred-rra: V1 over POST with the common parameters in the query and the action's in a
/// form body.
#[tokio::test]
async fn form_bodies_match_the_node_credentials_provider() {
    for name in [
        "node-cred-rra__ak__AssumeRole",
        "node-cred-rra__sts__AssumeRole",
    ] {
        let v = vector(name);
        let raw_query = v["request"]["raw_query"].as_str().unwrap();
        let raw_body = v["request"]["body"].as_str().unwrap();
        let query = crossram_wire::parse_form(raw_query);
        let body = crossram_wire::parse_form(raw_body);
        let get = |pairs: &[(String, String)], k: &str| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        let server = TestServer::scripted(vec![Reply::ok(ASSUME_ROLE_OK)]).await;
        let client = Client::builder()
            .endpoint("https://127.0.0.1:18443")
            .transport(Redirect {
                inner: ReqwestTransport::new().unwrap(),
                to: server.addr,
            })
            .credentials(creds_of(&v))
            .signature(SignatureVersion::V1)
            .form_body(true)
            .clock(Arc::new(ManualClock::new(
                parse_timestamp(&get(&query, "Timestamp")).unwrap(),
            )))
            .nonce(Arc::new(FixedNonce(get(&query, "SignatureNonce"))))
            .build()
            .unwrap();
        client
            .sts()
            .assume_role(AssumeRoleRequest {
                role_arn: get(&body, "RoleArn"),
                role_session_name: get(&body, "RoleSessionName"),
                duration_seconds: Some(get(&body, "DurationSeconds").parse().unwrap()),
                ..Default::default()
            })
            .await
            .unwrap();
        let got = only(&server);
        assert_eq!(got.method, "POST");
        assert_eq!(
            got.header("content-type"),
            Some("application/x-www-form-urlencoded"),
            "{name}"
        );
        assert_eq!(
            sorted_pairs(got.raw_query()),
            sorted_pairs(raw_query),
            "{name}"
        );
        assert_eq!(
            sorted_pairs(std::str::from_utf8(&got.body).unwrap()),
            sorted_pairs(raw_body),
            "{name}"
        );
        assert_eq!(
            got.param("Signature").as_deref(),
            v["expected"]["signature"].as_str(),
            "{name}"
        );
    }
}
