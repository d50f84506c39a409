//! Stage-by-stage checks of the signature code against the 99 SDK-captured requests in
//! `tests/vectors/` and the published vectors of spec §1.7, plus property tests: `inspect` never
//! panics, and what `sign_v1` / `sign_v3` produce verifies.
#![allow(
    clippy::panic,
    clippy::unwrap_used,
    clippy::indexing_slicing,
    reason = "test helpers: a panic is a failing assertion"
)]

use std::path::PathBuf;

use crossram_wire::{
    HttpRequest, ResponseFormat, SignInput, SignatureVersion, SignedParts, inspect, sign_v1,
    sign_v3, sign_v3_with_headers, string_to_sign_v1, string_to_sign_v3, v1, v3,
};
use proptest::prelude::*;
use serde_json::Value;

fn vectors_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("vectors")
}

fn s(v: &Value) -> &str {
    v.as_str().unwrap_or_else(|| panic!("not a string: {v}"))
}

fn pairs(v: &Value) -> Vec<(String, String)> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|p| (s(&p[0]).to_owned(), s(&p[1]).to_owned()))
        .collect()
}

/// Checks one captured request; returns the mismatches found.
fn check_vector(name: &str, doc: &Value) -> Vec<String> {
    let mut errors = Vec::new();
    let mut expect = |what: &str, got: &str, want: &str| {
        if got != want {
            errors.push(format!("{name}: {what}\n  got:  {got:?}\n  want: {want:?}"));
        }
    };
    let r = &doc["request"];
    let headers = pairs(&r["headers"]);
    let req = HttpRequest {
        method: s(&r["method"]),
        path: s(&r["path"]),
        raw_query: s(&r["raw_query"]),
        headers: &headers,
        body: s(&r["body"]).as_bytes(),
    };
    let signed = match inspect(&req) {
        Ok(signed) => signed,
        Err(e) => return vec![format!("{name}: inspect failed: {e}")],
    };
    let exp = &doc["expected"];
    let creds = &doc["credentials"];
    let secret = s(&creds["access_key_secret"]);
    let is_v3 = s(&doc["signature_algorithm"]).starts_with("ACS3");
    if is_v3 {
        expect(
            "version",
            &format!("{:?}", signed.signature_version()),
            "V3",
        );
        expect(
            "canonical request",
            &signed.canonical(),
            s(&exp["canonical_request"]),
        );
        expect(
            "signed headers",
            &signed.signed_headers().join(";"),
            &exp["signed_headers"]
                .as_array()
                .unwrap()
                .iter()
                .map(s)
                .collect::<Vec<_>>()
                .join(";"),
        );
        expect(
            "hashed payload",
            signed.hashed_payload().unwrap_or(""),
            s(&exp["hashed_payload"]),
        );
    } else {
        expect(
            "version",
            &format!("{:?}", signed.signature_version()),
            "V1",
        );
        expect(
            "canonicalized query",
            &signed.canonical(),
            s(&exp["canonicalized_query_string"]),
        );
        expect("hmac key", &format!("{secret}&"), s(&exp["hmac_key"]));
    }
    expect(
        "string to sign",
        signed.string_to_sign(),
        s(&exp["string_to_sign"]),
    );
    expect(
        "signature",
        &signed.expected_signature(secret),
        s(&exp["signature"]),
    );
    expect(
        "provided signature",
        signed.provided_signature(),
        s(&exp["sdk_signature"]),
    );
    expect("action", signed.action(), s(&doc["action"]));
    expect("api version", signed.version(), s(&doc["api_version"]));
    expect(
        "access key id",
        signed.access_key_id(),
        s(&creds["access_key_id"]),
    );
    expect(
        "security token",
        signed.security_token().unwrap_or("<none>"),
        creds["security_token"].as_str().unwrap_or("<none>"),
    );
    let query = pairs(&r["query"]);
    let got_query = signed.params().get(..query.len()).unwrap_or_default();
    expect(
        "decoded query",
        &format!("{got_query:?}"),
        &format!("{query:?}"),
    );
    if signed.timestamp_unix().is_err() {
        expect("timestamp", signed.timestamp(), "a valid timestamp");
    }
    if let Err(e) = signed.verify(secret) {
        expect("verify(secret)", &e.to_string(), "Ok");
    }
    match signed.verify("wrong") {
        Ok(()) => expect("verify(wrong)", "Ok", "Err"),
        Err(e) => {
            expect(
                "mismatch string to sign",
                e.string_to_sign(),
                s(&exp["string_to_sign"]),
            );
            assert!(e.message().ends_with(&format!(
                "server string to sign is:{}",
                s(&exp["string_to_sign"])
            )));
        }
    }
    errors
}

#[test]
fn all_captured_vectors_match_stage_by_stage() {
    let mut files: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect();
    files.sort();
    assert_eq!(files.len(), 99, "expected the 99 captured vectors");
    let mut failures = Vec::new();
    let (mut n_v1, mut n_v3, mut n_form) = (0, 0, 0);
    for path in &files {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        assert_eq!(doc["sigcheck_matches_sdk"], Value::Bool(true), "{name}");
        if s(&doc["signature_algorithm"]).starts_with("ACS3") {
            n_v3 += 1;
        } else {
            n_v1 += 1;
        }
        if !s(&doc["request"]["body"]).is_empty() {
            n_form += 1;
        }
        failures.extend(check_vector(&name, &doc));
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n")
    );
    assert_eq!((n_v1, n_v3, n_form), (60, 39, 17));
}

/// Client side against the same oracle: rebuild each SDK call as a `SignInput` and check that
/// `sign_v1` / `sign_v3_with_headers` put the SDK's own signature on the wire.
#[test]
fn client_signers_reproduce_sdk_signatures() {
    const V1_COMMON: &[&str] = &[
        "AccessKeyId",
        "Action",
        "Format",
        "SecurityToken",
        "SignatureMethod",
        "SignatureNonce",
        "SignatureVersion",
        "Timestamp",
        "Version",
        "Signature",
    ];
    const V3_STANDARD: &[&str] = &[
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
        "x-acs-accesskey-id",
        "x-acs-security-token",
    ];
    let mut checked = (0, 0);
    let mut failures = Vec::new();
    let mut paths: Vec<PathBuf> = std::fs::read_dir(vectors_dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    paths.sort();
    for path in paths {
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let doc: Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        let r = &doc["request"];
        let headers = pairs(&r["headers"]);
        let req = HttpRequest {
            method: s(&r["method"]),
            path: "/",
            raw_query: s(&r["raw_query"]),
            headers: &headers,
            body: s(&r["body"]).as_bytes(),
        };
        let server = inspect(&req).unwrap();
        let creds = &doc["credentials"];
        let exp = &doc["expected"];
        let header = |n: &str| {
            headers
                .iter()
                .find(|(h, _)| h.eq_ignore_ascii_case(n))
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let is_v3 = server.signature_version() == SignatureVersion::V3;
        let params: Vec<(String, String)> = if is_v3 {
            pairs(&r["query"])
        } else {
            server
                .params()
                .iter()
                .filter(|(n, _)| !V1_COMMON.contains(&n.as_str()))
                .cloned()
                .collect()
        };
        let input = SignInput {
            method: s(&r["method"]),
            host: header("host"),
            action: server.action(),
            version: server.version(),
            params: &params,
            access_key_id: s(&creds["access_key_id"]),
            access_key_secret: s(&creds["access_key_secret"]),
            security_token: creds["security_token"].as_str(),
            timestamp: server.timestamp(),
            nonce: server.nonce(),
            body_params_in_form: !s(&r["body"]).is_empty(),
        };
        let (sts, signature) = if is_v3 {
            let extra: Vec<(String, String)> = server
                .signed_headers()
                .iter()
                .filter(|n| !V3_STANDARD.contains(&n.as_str()))
                .map(|n| (n.clone(), header(n).to_owned()))
                .collect();
            let parts = sign_v3_with_headers(&input, &extra);
            let auth = parts
                .headers
                .iter()
                .find(|(n, _)| n == "authorization")
                .unwrap();
            checked.1 += 1;
            (
                string_to_sign_v3(&input, &extra),
                v3::parse_authorization(&auth.1).unwrap().signature,
            )
        } else {
            // Our V1 signer always sends `Format=JSON`; the tea-v2 SDKs send `json`.
            if server.param("Format") != Some("JSON") {
                continue;
            }
            let parts = sign_v1(&input);
            let signature = crossram_wire::parse_form(&parts.query)
                .into_iter()
                .find(|(n, _)| n == "Signature")
                .unwrap()
                .1;
            checked.0 += 1;
            (string_to_sign_v1(&input), signature)
        };
        if sts != s(&exp["string_to_sign"]) || signature != s(&exp["signature"]) {
            failures.push(format!(
                "{name}:\n  sts  {sts:?}\n  want {:?}",
                s(&exp["string_to_sign"])
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, (34, 39), "(V1, V3) vectors reproduced");
}

fn v1_request_query(params: &[(&str, &str)], signature: &str) -> String {
    let mut all: Vec<(&str, &str)> = params.to_vec();
    all.push(("Signature", signature));
    crossram_wire::encode::encode_pairs(all)
}

struct PublishedV1 {
    name: &'static str,
    method: &'static str,
    params: &'static [(&'static str, &'static str)],
    secret: &'static str,
    canonical: Option<&'static str>,
    string_to_sign: Option<&'static str>,
    signature: &'static str,
}

fn published_v1() -> Vec<PublishedV1> {
    const E_PARAMS: &[(&str, &str)] = &[
        ("AccessKeyId", "testid"),
        ("Action", "CreateRole"),
        ("RoleName", "a.b-c"),
        ("Description", "x y*z~é"),
        (
            "AssumeRolePolicyDocument",
            r#"{"Statement":[{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{"RAM":["acs:ram::1111111111111111:root"]}}],"Version":"1"}"#,
        ),
        ("Format", "JSON"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "n-1"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2024-01-02T03:04:05Z"),
        ("Version", "2015-05-01"),
    ];
    const E_CANONICAL: &str = "AccessKeyId=testid&Action=CreateRole&AssumeRolePolicyDocument=%7B%22Statement%22%3A%5B%7B%22Action%22%3A%22sts%3AAssumeRole%22%2C%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22RAM%22%3A%5B%22acs%3Aram%3A%3A1111111111111111%3Aroot%22%5D%7D%7D%5D%2C%22Version%22%3A%221%22%7D&Description=x%20y%2Az~%C3%A9&Format=JSON&RoleName=a.b-c&SignatureMethod=HMAC-SHA1&SignatureNonce=n-1&SignatureVersion=1.0&Timestamp=2024-01-02T03%3A04%3A05Z&Version=2015-05-01";
    vec![
        PublishedV1 {
            name: "V1-A RAM CreateUser",
            method: "GET",
            params: &[
                ("Action", "CreateUser"),
                ("UserName", "test"),
                ("Format", "JSON"),
                ("Version", "2015-05-01"),
                ("AccessKeyId", "testid"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("SignatureNonce", "6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2"),
                ("Timestamp", "2015-08-18T03:15:45Z"),
            ],
            secret: "testsecret",
            canonical: None,
            string_to_sign: Some(
                "GET&%2F&AccessKeyId%3Dtestid%26Action%3DCreateUser%26Format%3DJSON%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D6a6e0ca6-4557-11e5-86a2-b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp%3D2015-08-18T03%253A15%253A45Z%26UserName%3Dtest%26Version%3D2015-05-01",
            ),
            signature: "kRA2cnpJVacIhDMzXnoNZG9tDCI=",
        },
        PublishedV1 {
            name: "V1-B STS AssumeRole",
            method: "GET",
            params: &[
                ("Action", "AssumeRole"),
                ("RoleArn", "acs:ram::1234567890123:role/firstrole"),
                ("RoleSessionName", "client"),
                ("Format", "JSON"),
                ("Version", "2015-04-01"),
                ("AccessKeyId", "testid"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("SignatureNonce", "571f8fb8-506e-11e5-8e12-b8e8563dc8d2"),
                ("Timestamp", "2015-09-01T05:57:34Z"),
            ],
            secret: "testsecret",
            canonical: None,
            string_to_sign: Some(
                "GET&%2F&AccessKeyId%3Dtestid%26Action%3DAssumeRole%26Format%3DJSON%26RoleArn%3Dacs%253Aram%253A%253A1234567890123%253Arole%252Ffirstrole%26RoleSessionName%3Dclient%26SignatureMethod%3DHMAC-SHA1%26SignatureNonce%3D571f8fb8-506e-11e5-8e12-b8e8563dc8d2%26SignatureVersion%3D1.0%26Timestamp%3D2015-09-01T05%253A57%253A34Z%26Version%3D2015-04-01",
            ),
            signature: "gNI7b0AyKZHxDgjBGPDgJ1Ce3L4=",
        },
        PublishedV1 {
            name: "V1-C IMS CreateUser",
            method: "GET",
            params: &[
                ("Action", "CreateUser"),
                ("Version", "2019-08-15"),
                ("Format", "JSON"),
                ("UserPrincipalName", "test@example.onaliyun.com"),
                ("DisplayName", "test"),
                ("AccessKeyId", "testid"),
                ("SignatureMethod", "HMAC-SHA1"),
                ("SignatureVersion", "1.0"),
                ("SignatureNonce", "3f6b4e80-56f7-11eb-a256-a9f756ea7e85"),
                ("Timestamp", "2021-01-15T06:02:28Z"),
            ],
            secret: "testsecret",
            canonical: None,
            string_to_sign: None,
            signature: "02heLegtw4+BFamznl1Ltj+vJ4A=",
        },
        PublishedV1 {
            name: "V1-E GET",
            method: "GET",
            params: E_PARAMS,
            secret: "testsecret",
            canonical: Some(E_CANONICAL),
            string_to_sign: None,
            signature: "DjUgFRkISPrHHGykvO9gGVZEkLQ=",
        },
        PublishedV1 {
            name: "V1-E POST",
            method: "POST",
            params: E_PARAMS,
            secret: "testsecret",
            canonical: Some(E_CANONICAL),
            string_to_sign: None,
            signature: "qRafKq4/wqmI5gkmp5zk801VSUs=",
        },
    ]
}

#[test]
fn published_v1_vectors_through_inspect() {
    for case in published_v1() {
        let query = v1_request_query(case.params, case.signature);
        let req = HttpRequest {
            method: case.method,
            path: "/",
            raw_query: &query,
            headers: &[] as &[(String, String)],
            body: b"",
        };
        let signed = inspect(&req).unwrap_or_else(|e| panic!("{}: {e}", case.name));
        assert_eq!(
            signed.signature_version(),
            SignatureVersion::V1,
            "{}",
            case.name
        );
        if let Some(c) = case.canonical {
            assert_eq!(signed.canonical(), c, "{}", case.name);
        }
        if let Some(sts) = case.string_to_sign {
            assert_eq!(signed.string_to_sign(), sts, "{}", case.name);
        }
        assert_eq!(
            signed.expected_signature(case.secret),
            case.signature,
            "{}",
            case.name
        );
        signed.verify(case.secret).unwrap();
        assert_eq!(
            signed.verify("wrong").unwrap_err().string_to_sign(),
            signed.string_to_sign()
        );
        // Same request with the parameters in a form body: identical string to sign.
        if case.method == "POST" {
            let form_headers = vec![(
                "Content-Type".to_owned(),
                "application/x-www-form-urlencoded; charset=UTF-8".to_owned(),
            )];
            let body_req = HttpRequest {
                method: "POST",
                path: "/",
                raw_query: "",
                headers: &form_headers,
                body: query.as_bytes(),
            };
            let from_body = inspect(&body_req).unwrap();
            assert_eq!(from_body.string_to_sign(), signed.string_to_sign());
            from_body.verify(case.secret).unwrap();
        }
    }
}

#[test]
fn published_v1_sdk_unit_vectors() {
    // V1-D (DOU tests): stage functions only, the parameters are not a full RPC call.
    type Case<'a> = (&'a str, &'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case<'_>; 2] = [
        (
            "GET",
            &[("query", "test"), ("body", "test")],
            "secret",
            "XlUyV4sXjOuX5FnjUz9IF9tm5rU=",
        ),
        (
            "",
            &[("test", "ok")],
            "accessKeySecret",
            "jHx/oHoHNrbVfhncHEvPdHXZwHU=",
        ),
    ];
    for (method, params, secret, want) in cases {
        let canonical = v1::canonicalized_query_string(params.iter().copied());
        let sts = v1::string_to_sign(method, &canonical);
        assert_eq!(v1::signature(secret, &sts), want, "{params:?}");
    }
}

#[test]
fn a_space_signed_as_plus_is_refused_and_told_apart() {
    let secret = "testsecret";
    let params = [
        ("AccessKeyId", "testid"),
        ("Action", "AssumeRole"),
        ("Format", "JSON"),
        ("Policy", r#"{"Version": "1"}"#),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureNonce", "n-1"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2026-01-01T00:00:00Z"),
        ("Version", "2015-04-01"),
    ];
    let query = |signature: &str| {
        let mut pairs: Vec<(&str, &str)> = params.to_vec();
        pairs.push(("Signature", signature));
        crossram_wire::encode::encode_pairs(pairs)
    };
    let inspect_query = |q: &str| {
        let req = HttpRequest {
            method: "GET",
            path: "/",
            raw_query: q,
            headers: &[] as &[(String, String)],
            body: b"",
        };
        inspect(&req).unwrap()
    };
    let documented = crossram_wire::v1::string_to_sign_for("GET", params);
    assert!(documented.contains("%2520"), "{documented}");
    // Python's quote_plus: a space becomes `+`, then `%2B` once the whole string is encoded.
    let plus = documented.replace("%2520", "%2B");
    let by_quote_plus = inspect_query(&query(&crossram_wire::v1::signature(secret, &plus)));
    assert!(by_quote_plus.verify(secret).is_err());
    assert!(by_quote_plus.signed_spaces_as_plus(secret));
    assert!(!by_quote_plus.signed_spaces_as_plus("wrong"));
    // A request signed as documented passes and needs no hint; a wrong secret gets none.
    let right = inspect_query(&query(&crossram_wire::v1::signature(secret, &documented)));
    right.verify(secret).unwrap();
    assert!(!right.signed_spaces_as_plus(secret));
    assert!(!right.signed_spaces_as_plus("wrong"));
}

#[test]
fn published_v3_a_through_inspect() {
    let headers: Vec<(String, String)> = [
        ("host", "ecs.cn-shanghai.aliyuncs.com"),
        ("x-acs-action", "RunInstances"),
        ("x-acs-version", "2014-05-26"),
        ("x-acs-date", "2023-10-26T10:22:32Z"),
        ("x-acs-signature-nonce", "3156853299f313e23d1673dc12e1703d"),
        ("x-acs-content-sha256", v3::EMPTY_PAYLOAD_HASH),
        (
            "Authorization",
            "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
        ),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    let req = HttpRequest {
        method: "POST",
        path: "/",
        raw_query: "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai",
        headers: &headers,
        body: b"",
    };
    let signed = inspect(&req).unwrap();
    assert_eq!(
        signed.canonical(),
        "POST\n/\nImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai\nhost:ecs.cn-shanghai.aliyuncs.com\nx-acs-action:RunInstances\nx-acs-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\nx-acs-date:2023-10-26T10:22:32Z\nx-acs-signature-nonce:3156853299f313e23d1673dc12e1703d\nx-acs-version:2014-05-26\n\nhost;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version\ne3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
    assert_eq!(
        signed.string_to_sign(),
        "ACS3-HMAC-SHA256\n7ea06492da5221eba5297e897ce16e55f964061054b7695beedaac1145b1e259"
    );
    assert_eq!(signed.action(), "RunInstances");
    assert_eq!(signed.version(), "2014-05-26");
    assert_eq!(signed.access_key_id(), "YourAccessKeyId");
    assert_eq!(signed.param("RegionId"), Some("cn-shanghai"));
    assert_eq!(signed.format(), ResponseFormat::Json);
    signed.verify("YourAccessKeySecret").unwrap();
    assert!(signed.verify("YourAccessKeySecreT").is_err());
}

#[test]
fn published_v3_b_stage_functions() {
    let query = v3::canonical_query([("test", "ok"), ("empty", "")]);
    assert_eq!(query, "empty=&test=ok");
    let headers = vec![
        ("x-acs-test".to_owned(), "http".to_owned()),
        ("x-acs-TEST".to_owned(), "https".to_owned()),
    ];
    let auth = v3::parse_authorization(
        "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=00",
    )
    .unwrap();
    let ch = v3::canonical_headers(&auth.signed_headers, &headers).unwrap();
    assert_eq!(ch, "x-acs-test:http,https\n");
    let creq = v3::canonical_request(
        "GET",
        "/",
        &query,
        &ch,
        &auth.signed_headers,
        "55e12e91650d2fec56ec74e1d3e4ddbfce2ef3a65890c2a19ecf88a307e76a23",
    );
    let sig = v3::signature("secret", &v3::string_to_sign(&creq));
    assert_eq!(
        v3::authorization_header("acesskey", &auth.signed_headers, &sig),
        "ACS3-HMAC-SHA256 Credential=acesskey,SignedHeaders=x-acs-test,Signature=d16b30a7699ae9e43875b13195b2f81bcc3ed10c14a9b5eb780e51619aa50be1"
    );
}

fn base_v1_params() -> Vec<(&'static str, &'static str)> {
    vec![
        ("Action", "GetCallerIdentity"),
        ("Version", "2015-04-01"),
        ("AccessKeyId", "ak"),
        ("SignatureMethod", "HMAC-SHA1"),
        ("SignatureVersion", "1.0"),
        ("Timestamp", "2026-11-29T05:52:50Z"),
        ("SignatureNonce", "n1"),
        ("Signature", "x"),
    ]
}

#[test]
fn v1_missing_and_invalid_common_parameters() {
    // (parameter to drop or replace, replacement, expected code, expected message fragment)
    let cases: &[(&str, Option<&str>, &str, &str)] = &[
        ("Action", None, "MissingParameter", "\"Action\""),
        ("Version", None, "MissingParameter", "\"Version\""),
        ("AccessKeyId", None, "MissingParameter", "\"AccessKeyId\""),
        (
            "AccessKeyId",
            Some(""),
            "MissingParameter",
            "\"AccessKeyId\"",
        ),
        ("Signature", None, "MissingParameter", "\"Signature\""),
        (
            "SignatureMethod",
            None,
            "MissingParameter",
            "\"SignatureMethod\"",
        ),
        (
            "SignatureMethod",
            Some("HMAC-SHA256"),
            "InvalidParamater",
            "\"SignatureMethod\" is not valid",
        ),
        (
            "SignatureVersion",
            None,
            "MissingParameter",
            "\"SignatureVersion\"",
        ),
        (
            "SignatureVersion",
            Some("2.0"),
            "InvalidParamater",
            "\"SignatureVersion\" is not valid",
        ),
        ("Timestamp", None, "MissingParameter", "\"Timestamp\""),
        (
            "SignatureNonce",
            None,
            "MissingParameter",
            "\"SignatureNonce\"",
        ),
    ];
    for &(name, replacement, code, fragment) in cases {
        let params: Vec<(&str, &str)> = base_v1_params()
            .into_iter()
            .filter_map(|(n, v)| {
                if n == name {
                    replacement.map(|r| (n, r))
                } else {
                    Some((n, v))
                }
            })
            .collect();
        let query = crossram_wire::encode::encode_pairs(params);
        let req = HttpRequest {
            method: "GET",
            path: "/",
            raw_query: &query,
            headers: &[] as &[(String, String)],
            body: b"",
        };
        let err = inspect(&req).unwrap_err();
        assert_eq!(err.code(), code, "{name}");
        assert_eq!(err.status(), 400, "{name}");
        assert!(
            err.message().contains(fragment),
            "{name}: {}",
            err.message()
        );
    }
    let query = crossram_wire::encode::encode_pairs(base_v1_params());
    for method in ["PUT", "DELETE", "get"] {
        let req = HttpRequest {
            method,
            path: "/",
            raw_query: &query,
            headers: &[] as &[(String, String)],
            body: b"",
        };
        let err = inspect(&req).unwrap_err();
        assert_eq!((err.code(), err.status()), ("UnsupportedHTTPMethod", 403));
    }
    let req = HttpRequest {
        method: "GET",
        path: "/",
        raw_query: &query,
        headers: &[] as &[(String, String)],
        body: b"",
    };
    assert!(inspect(&req).is_ok());
}

#[test]
fn v3_missing_headers_and_bad_authorization() {
    let input = SignInput {
        method: "POST",
        host: "sts.aliyuncs.com",
        action: "GetCallerIdentity",
        version: "2015-04-01",
        params: &[],
        access_key_id: "ak",
        access_key_secret: "sk",
        security_token: None,
        timestamp: "2026-11-29T05:52:50Z",
        nonce: "n",
        body_params_in_form: false,
    };
    let parts = sign_v3(&input);
    let cases: &[(&str, Option<&str>, &str, &str)] = &[
        ("x-acs-date", None, "MissingParameter", "\"x-acs-date\""),
        (
            "x-acs-signature-nonce",
            None,
            "MissingParameter",
            "\"x-acs-signature-nonce\"",
        ),
        (
            "host",
            None,
            "IncompleteSignature",
            "SignedHeaders lists \"host\"",
        ),
        (
            "authorization",
            Some(
                "ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host;x-acs-version;x-acs-date;x-acs-signature-nonce,Signature=ab",
            ),
            "IncompleteSignature",
            "\"x-acs-action\" must be listed in SignedHeaders",
        ),
        (
            "authorization",
            Some("ACS3-HMAC-SHA256 Credential=ak,Signature=ab"),
            "IncompleteSignature",
            "SignedHeaders is missing",
        ),
        (
            "x-acs-action",
            Some(""),
            "MissingParameter",
            "\"x-acs-action\"",
        ),
        (
            "x-acs-version",
            Some(" "),
            "MissingParameter",
            "\"x-acs-version\"",
        ),
    ];
    for &(name, replacement, code, fragment) in cases {
        let headers: Vec<(String, String)> = parts
            .headers
            .iter()
            .filter_map(|(n, v)| {
                if n == name {
                    replacement.map(|r| (n.clone(), r.to_owned()))
                } else {
                    Some((n.clone(), v.clone()))
                }
            })
            .collect();
        let req = HttpRequest {
            method: "POST",
            path: "/",
            raw_query: &parts.query,
            headers: &headers,
            body: b"",
        };
        let err = inspect(&req).unwrap_err();
        assert_eq!(err.code(), code, "{name}");
        assert!(
            err.message().contains(fragment),
            "{name}: {}",
            err.message()
        );
    }
}

#[test]
fn format_and_redaction() {
    let mut params = base_v1_params();
    for (fmt, want) in [
        ("XML", ResponseFormat::Xml),
        ("xml", ResponseFormat::Xml),
        ("json", ResponseFormat::Json),
        ("JSON", ResponseFormat::Json),
    ] {
        params.retain(|(n, _)| *n != "Format");
        params.push(("Format", fmt));
        params.push(("SecurityToken", "TOPSECRETTOKEN"));
        let query = crossram_wire::encode::encode_pairs(params.clone());
        let req = HttpRequest {
            method: "GET",
            path: "/",
            raw_query: &query,
            headers: &[] as &[(String, String)],
            body: b"",
        };
        let signed = inspect(&req).unwrap();
        assert_eq!(signed.format(), want);
        assert_eq!(signed.security_token(), Some("TOPSECRETTOKEN"));
        assert!(!format!("{signed:?}").contains("TOPSECRETTOKEN"));
        params.retain(|(n, _)| *n != "SecurityToken");
    }
    let input = SignInput {
        method: "POST",
        host: "h",
        action: "A",
        version: "V",
        params: &[],
        access_key_id: "ak",
        access_key_secret: "VERYSECRETVALUE",
        security_token: Some("TOPSECRETTOKEN"),
        timestamp: "2026-11-29T05:52:50Z",
        nonce: "n",
        body_params_in_form: false,
    };
    let dbg = format!("{input:?} {:?}", sign_v3(&input));
    assert!(
        !dbg.contains("VERYSECRETVALUE") && !dbg.contains("TOPSECRETTOKEN"),
        "{dbg}"
    );
}

fn to_request<'a>(
    method: &'a str,
    parts: &'a SignedParts,
    headers: &'a mut Vec<(String, String)>,
) -> HttpRequest<'a> {
    headers.clone_from(&parts.headers);
    if let Some(ct) = &parts.content_type {
        headers.push(("Content-Type".to_owned(), ct.clone()));
    }
    HttpRequest {
        method,
        path: "/",
        raw_query: &parts.query,
        headers,
        body: &parts.body,
    }
}

const RESERVED: &[&str] = &[
    "Action",
    "Version",
    "Format",
    "AccessKeyId",
    "Signature",
    "SignatureMethod",
    "SignatureVersion",
    "SignatureNonce",
    "Timestamp",
    "SecurityToken",
];

fn arb_params() -> impl Strategy<Value = Vec<(String, String)>> {
    let text = prop_oneof![
        any::<String>(),
        "[ a-zA-Z0-9*~+/=&%:'()!-]{0,12}",
        Just(String::new()),
        "[üé中文 ]{0,4}",
    ];
    prop::collection::vec((text.clone(), text), 0..6).prop_map(|v| {
        v.into_iter()
            .filter(|(n, _)| !RESERVED.contains(&n.as_str()))
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn sign_v1_then_verify(
        params in arb_params(),
        post in any::<bool>(),
        in_form in any::<bool>(),
        sts in any::<bool>(),
        secret in any::<String>(),
    ) {
        let method = if post { "POST" } else { "GET" };
        let input = SignInput {
            method,
            host: "127.0.0.1:18080",
            action: "CreateRole",
            version: "2015-05-01",
            params: &params,
            access_key_id: "LTAIkey",
            access_key_secret: &secret,
            security_token: sts.then_some("CAIS+tok/en="),
            timestamp: "2026-11-29T05:52:50Z",
            nonce: "9f0c",
            body_params_in_form: in_form,
        };
        let parts = sign_v1(&input);
        let mut headers = Vec::new();
        let req = to_request(method, &parts, &mut headers);
        let signed = inspect(&req).unwrap();
        prop_assert_eq!(signed.signature_version(), SignatureVersion::V1);
        prop_assert!(signed.verify(&secret).is_ok());
        let wrong = format!("{secret}x");
        let mismatch = signed.verify(&wrong).unwrap_err();
        prop_assert_eq!(mismatch.string_to_sign(), signed.string_to_sign());
        prop_assert_eq!(mismatch.string_to_sign(), string_to_sign_v1(&input));
        prop_assert_eq!(signed.action(), "CreateRole");
        prop_assert_eq!(signed.security_token(), sts.then_some("CAIS+tok/en="));
        prop_assert_eq!(signed.format(), ResponseFormat::Json);
        for p in &params {
            prop_assert!(signed.params().contains(p), "missing {:?}", p);
        }
        prop_assert_eq!(signed.params().len(), params.len() + 9 + usize::from(sts));
    }

    #[test]
    fn sign_v3_then_verify(
        params in arb_params(),
        post in any::<bool>(),
        sts in any::<bool>(),
        secret in any::<String>(),
    ) {
        let method = if post { "POST" } else { "GET" };
        let input = SignInput {
            method,
            host: "sts.aliyuncs.com",
            action: "AssumeRole",
            version: "2015-04-01",
            params: &params,
            access_key_id: "STS.key",
            access_key_secret: &secret,
            security_token: sts.then_some("CAIS+tok/en="),
            timestamp: "2026-11-29T05:52:50Z",
            nonce: "9f0c",
            body_params_in_form: false,
        };
        let parts = sign_v3(&input);
        let mut headers = Vec::new();
        let req = to_request(method, &parts, &mut headers);
        let signed = inspect(&req).unwrap();
        prop_assert_eq!(signed.signature_version(), SignatureVersion::V3);
        prop_assert!(signed.verify(&secret).is_ok());
        let wrong = format!("{secret}x");
        let mismatch = signed.verify(&wrong).unwrap_err();
        prop_assert_eq!(mismatch.string_to_sign(), signed.string_to_sign());
        prop_assert_eq!(mismatch.string_to_sign(), string_to_sign_v3(&input, &[]));
        prop_assert_eq!(signed.action(), "AssumeRole");
        prop_assert_eq!(signed.version(), "2015-04-01");
        prop_assert_eq!(signed.timestamp(), "2026-11-29T05:52:50Z");
        prop_assert_eq!(signed.nonce(), "9f0c");
        prop_assert_eq!(signed.security_token(), sts.then_some("CAIS+tok/en="));
        let mut want = params.clone();
        want.sort();
        let mut got = signed.params().to_vec();
        got.sort();
        prop_assert_eq!(got, want);
    }

    #[test]
    fn inspect_never_panics(
        method in prop_oneof![Just("GET".to_owned()), Just("POST".to_owned()), any::<String>()],
        path in any::<String>(),
        raw_query in prop_oneof![any::<String>(), "([A-Za-z%+=&0-9]{0,6}){0,8}"],
        headers in prop::collection::vec(
            (
                prop_oneof![
                    Just("Authorization".to_owned()),
                    Just("content-type".to_owned()),
                    Just("x-acs-date".to_owned()),
                    Just("host".to_owned()),
                    any::<String>(),
                ],
                prop_oneof![
                    "ACS3-HMAC-SHA256 ([A-Za-z]{0,12}=[a-z;,= -]{0,12},?){0,4}",
                    Just("application/x-www-form-urlencoded".to_owned()),
                    any::<String>(),
                ],
            ),
            0..6,
        ),
        body in prop::collection::vec(any::<u8>(), 0..64),
    ) {
        let req = HttpRequest { method: &method, path: &path, raw_query: &raw_query, headers: &headers, body: &body };
        if let Ok(signed) = inspect(&req) {
            let _ = signed.verify("secret");
            let _ = signed.timestamp_unix();
        }
    }

    #[test]
    fn encode_then_decode_round_trips(text in any::<String>()) {
        let encoded = crossram_wire::percent_encode(&text);
        prop_assert!(encoded.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~%".contains(&b)));
        prop_assert_eq!(crossram_wire::form_decode(&encoded), text);
    }

    /// The run-copying encoder writes exactly what a byte-at-a-time one writes.
    #[test]
    fn encode_matches_byte_at_a_time(text in any::<String>()) {
        let mut naive = String::new();
        for b in text.bytes() {
            if b.is_ascii_alphanumeric() || b"-_.~".contains(&b) {
                naive.push(char::from(b));
            } else {
                naive.push_str(&format!("%{b:02X}"));
            }
        }
        prop_assert_eq!(crossram_wire::percent_encode(&text), naive);
    }

    /// The run-copying decoder reads exactly what a byte-at-a-time one reads, malformed escapes
    /// and invalid UTF-8 included.
    #[test]
    fn decode_matches_byte_at_a_time(text in "([a-z+%é]|%[0-9a-fA-FgG]{0,2}){0,30}") {
        let bytes = text.as_bytes();
        let hex = |b: Option<&u8>| b.and_then(|b| char::from(*b).to_digit(16));
        let mut naive = Vec::new();
        let mut i = 0;
        while i < bytes.len() {
            match bytes[i] {
                b'+' => naive.push(b' '),
                b'%' => match (hex(bytes.get(i + 1)), hex(bytes.get(i + 2))) {
                    (Some(hi), Some(lo)) => {
                        naive.push(u8::try_from(hi * 16 + lo).unwrap());
                        i += 2;
                    }
                    _ => naive.push(b'%'),
                },
                b => naive.push(b),
            }
            i += 1;
        }
        prop_assert_eq!(crossram_wire::form_decode(&text), String::from_utf8_lossy(&naive));
    }

    /// The byte-scanning form splitter agrees with `str::split` on any text, separators,
    /// empty segments and segments without `=` included.
    #[test]
    fn parse_form_matches_str_split(text in "[a=&%+é0-9]{0,40}") {
        let naive: Vec<(String, String)> = text
            .split('&')
            .filter(|s| !s.is_empty())
            .map(|s| {
                let (n, v) = s.split_once('=').unwrap_or((s, ""));
                (crossram_wire::form_decode(n), crossram_wire::form_decode(v))
            })
            .collect();
        prop_assert_eq!(crossram_wire::parse_form(&text), naive);
    }

    /// The one-pass V1 string to sign equals the two stages it replaces, for any names and
    /// values: duplicates, names that need escaping and non-ASCII text included.
    #[test]
    fn one_pass_v1_string_to_sign_equals_two_stages(
        params in proptest::collection::vec(("[aAb{0 ~%é]{0,3}", "[aAb{0 ~%+é&=]{0,6}"), 0..8),
    ) {
        let pairs = params.iter().map(|(n, v)| (n.as_str(), v.as_str()));
        let canonical = v1::canonicalized_query_string(pairs.clone());
        prop_assert_eq!(
            v1::string_to_sign_for("POST", pairs),
            v1::string_to_sign("POST", &canonical)
        );
    }

    #[test]
    fn timestamp_format_parse_round_trips(secs in -62_135_596_800i64..253_402_300_799) {
        let text = crossram_wire::format_timestamp(secs);
        prop_assert_eq!(crossram_wire::parse_timestamp(&text).unwrap(), secs);
    }
}

/// A V3 request with its action parameters in a form body (what the Tea template does for
/// `formData` bodies): the body is hashed into the canonical request and its pairs are
/// parameters, the canonical query stays empty, and any change to the body breaks the signature.
#[test]
fn v3_form_body_is_hashed_and_merged() {
    let body = b"RoleArn=acs%3Aram%3A%3A1%3Arole%2Fr&RoleSessionName=s+1";
    let body_hash = "1a0e1ec7fa909efd7f704eaece08e2d7124075a0b6c3a294fa9a4b863128e476";
    let mut headers: Vec<(String, String)> = [
        ("Host", "sts.aliyuncs.com"),
        ("Content-Type", "application/x-www-form-urlencoded"),
        ("x-acs-action", "AssumeRole"),
        ("x-acs-version", "2015-04-01"),
        ("x-acs-date", "2026-11-29T05:52:50Z"),
        ("x-acs-signature-nonce", "n"),
        ("x-acs-content-sha256", body_hash),
    ]
    .iter()
    .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
    .collect();
    let signed_names: Vec<String> = [
        "content-type",
        "host",
        "x-acs-action",
        "x-acs-content-sha256",
        "x-acs-date",
        "x-acs-signature-nonce",
        "x-acs-version",
    ]
    .iter()
    .map(|n| (*n).to_owned())
    .collect();
    let canonical_headers = v3::canonical_headers(&signed_names, &headers).unwrap();
    let creq = v3::canonical_request(
        "POST",
        "/",
        "",
        &canonical_headers,
        &signed_names,
        body_hash,
    );
    let signature = v3::signature("sk", &v3::string_to_sign(&creq));
    headers.push((
        "Authorization".to_owned(),
        v3::authorization_header("ak", &signed_names, &signature),
    ));
    let req = HttpRequest {
        method: "POST",
        path: "/",
        raw_query: "",
        headers: &headers,
        body,
    };
    let signed = inspect(&req).unwrap();
    assert_eq!(signed.hashed_payload(), Some(body_hash));
    assert_eq!(signed.canonical(), creq);
    assert_eq!(signed.param("RoleArn"), Some("acs:ram::1:role/r"));
    assert_eq!(signed.param("RoleSessionName"), Some("s 1"));
    signed.verify("sk").unwrap();
    let tampered = b"RoleArn=acs%3Aram%3A%3A2%3Arole%2Fr&RoleSessionName=s+1";
    let req = HttpRequest {
        body: tampered,
        ..req
    };
    assert!(inspect(&req).unwrap().verify("sk").is_err());
}

/// Only `ACS3-HMAC-SHA256` in `Authorization` selects V3; anything else is a V1 request.
#[test]
fn signature_version_detection() {
    let query = crossram_wire::encode::encode_pairs(base_v1_params());
    let cases = [
        (None, Ok(SignatureVersion::V1)),
        (Some("Bearer abc"), Ok(SignatureVersion::V1)),
        (
            Some("ACS3-HMAC-SHA256 Credential=a"),
            Err("IncompleteSignature"),
        ),
        (
            Some("  ACS3-HMAC-SHA256 Credential=a,SignedHeaders=host,Signature=0"),
            Ok(SignatureVersion::V3),
        ),
    ];
    for (auth, want) in cases {
        let headers: Vec<(String, String)> = auth
            .map(|a| ("authorization".to_owned(), a.to_owned()))
            .into_iter()
            .chain([("host".to_owned(), "h".to_owned())])
            .collect();
        let req = HttpRequest {
            method: "GET",
            path: "/",
            raw_query: &query,
            headers: &headers,
            body: b"",
        };
        let got = inspect(&req)
            .map(|s| s.signature_version())
            .map_err(|e| e.code());
        assert_eq!(got, want, "{auth:?}");
    }
}

proptest! {
    #[test]
    fn timestamp_checks_never_panic(text in any::<String>(), now in any::<i64>(), window in any::<i64>()) {
        let _ = crossram_wire::parse_timestamp(&text);
        let _ = crossram_wire::check_timestamp(&text, now, window);
        let _ = crossram_wire::check_timestamp("2026-11-29T05:52:50Z", now, window);
        let _ = crossram_wire::format_timestamp(now);
    }
}
