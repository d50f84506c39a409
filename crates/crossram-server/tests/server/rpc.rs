//! The RPC endpoint over real HTTP: identity, formats, and every gateway check in its order.

use crate::support::*;

#[tokio::test]
async fn get_caller_identity_as_root_with_every_scheme() {
    let srv = TestServer::start().await;
    for scheme in [Scheme::V1Query, Scheme::V1Form, Scheme::V1Get, Scheme::V3] {
        let res = signed(&srv, scheme, ROOT, "GetCallerIdentity", STS, &[], &nonce())
            .send()
            .await
            .unwrap();
        assert_eq!(
            res.headers()["content-type"],
            "application/json;charset=utf-8",
            "{scheme:?}"
        );
        let header_rid = res.headers()["x-acs-request-id"]
            .to_str()
            .unwrap()
            .to_owned();
        let (status, body) = json(res).await;
        assert_eq!(status, 200, "{scheme:?}: {body}");
        assert_eq!(body["RequestId"], header_rid.as_str());
        assert_request_id(&header_rid);
        assert_eq!(body["AccountId"], ACCOUNT);
        assert_eq!(body["UserId"], ACCOUNT);
        assert_eq!(body["PrincipalId"], ACCOUNT);
        assert_eq!(body["IdentityType"], "Account");
        assert_eq!(body["Arn"], format!("acs:ram::{ACCOUNT}:root"));
        // RequestId comes first.
        assert!(
            serde_json::to_string(&body)
                .unwrap()
                .starts_with("{\"RequestId\":")
        );
    }
    srv.stop().await.unwrap();
}

#[tokio::test]
async fn format_xml_renders_xml() {
    let srv = TestServer::start().await;
    let (query, _) = v1_query(
        "GET",
        ROOT,
        &srv.timestamp(),
        &nonce(),
        &[
            ("Action", "GetCallerIdentity"),
            ("Version", STS),
            ("Format", "xml"),
        ],
    );
    let res = srv
        .client
        .get(format!("{}?{query}", srv.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "text/xml;charset=utf-8");
    let text = res.text().await.unwrap();
    assert!(
        text.starts_with(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?><GetCallerIdentityResponse><RequestId>"
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!("<Arn>acs:ram::{ACCOUNT}:root</Arn>")),
        "{text}"
    );
    assert!(
        text.contains("<IdentityType>Account</IdentityType>"),
        "{text}"
    );
    assert!(text.ends_with("</GetCallerIdentityResponse>"), "{text}");

    // Errors follow the format too.
    let (query, _) = v1_query(
        "GET",
        ROOT,
        &srv.timestamp(),
        &nonce(),
        &[
            ("Action", "NoSuchAction"),
            ("Version", STS),
            ("Format", "XML"),
        ],
    );
    let res = srv
        .client
        .get(format!("{}?{query}", srv.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    assert_eq!(res.headers()["content-type"], "text/xml;charset=utf-8");
    let text = res.text().await.unwrap();
    assert!(
        text.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><RequestId>"),
        "{text}"
    );
    assert!(
        text.contains("<Code>InvalidAction.NotFound</Code>"),
        "{text}"
    );
}

#[tokio::test]
async fn xml_lists_are_repeated_elements() {
    let srv = TestServer::start().await;
    for name in ["alpha", "beta"] {
        let res = signed(
            &srv,
            Scheme::V1Query,
            ROOT,
            "CreateUser",
            RAM,
            &[("UserName", name)],
            &nonce(),
        )
        .send()
        .await
        .unwrap();
        assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    }
    let (query, _) = v1_query(
        "GET",
        ROOT,
        &srv.timestamp(),
        &nonce(),
        &[("Action", "ListUsers"), ("Version", RAM), ("Format", "XML")],
    );
    let text = srv
        .client
        .get(format!("{}?{query}", srv.url()))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("<Users><User>"), "{text}");
    assert!(text.contains("<UserName>alpha</UserName>"), "{text}");
    assert!(text.contains("</User><User>"), "{text}");
    assert!(text.contains("<UserName>beta</UserName>"), "{text}");
}

#[tokio::test]
async fn wrong_secret_is_signature_does_not_match_with_the_string_to_sign() {
    let srv = TestServer::start().await;
    let wrong = Creds {
        secret: "not-the-secret",
        ..ROOT
    };
    let n = nonce();
    let ts = srv.timestamp();
    let (query, sts) = v1_query(
        "POST",
        wrong,
        &ts,
        &n,
        &[
            ("Action", "GetCallerIdentity"),
            ("Version", STS),
            ("Format", "JSON"),
        ],
    );
    let res = srv
        .client
        .post(format!("{}?{query}", srv.url()))
        .send()
        .await
        .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 400, "SignatureDoesNotMatch");
    assert_eq!(
        body["Message"],
        format!(
            "Specified signature is not matched with our calculation. server string to sign is:{sts}"
        )
    );
    assert_eq!(body["HostId"], "sts.aliyuncs.com");
    assert!(
        body["Recommend"]
            .as_str()
            .unwrap()
            .contains("&product=Sts&")
    );

    // A failed signature does not burn the nonce: the right secret may retry with it.
    let (query, _) = v1_query(
        "POST",
        ROOT,
        &ts,
        &n,
        &[
            ("Action", "GetCallerIdentity"),
            ("Version", STS),
            ("Format", "JSON"),
        ],
    );
    let res = srv
        .client
        .post(format!("{}?{query}", srv.url()))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // V3 too.
    let res = signed(
        &srv,
        Scheme::V3,
        wrong,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 400, "SignatureDoesNotMatch");
    assert!(body["Message"]
        .as_str()
        .unwrap()
        .starts_with("Specified signature is not matched with our calculation. server string to sign is:ACS3-HMAC-SHA256\n"));
}

#[tokio::test]
async fn unknown_access_key_is_404() {
    let srv = TestServer::start().await;
    let creds = Creds {
        id: "LTAI5tNoSuchKey",
        secret: "x",
        token: None,
    };
    for scheme in [Scheme::V1Query, Scheme::V3] {
        let res = signed(&srv, scheme, creds, "GetCallerIdentity", STS, &[], &nonce())
            .send()
            .await
            .unwrap();
        let (status, body) = json(res).await;
        assert_error(status, &body, 404, "InvalidAccessKeyId.NotFound");
        assert_eq!(body["Message"], "Specified access key is not found.");
    }
}

#[tokio::test]
async fn timestamp_window_and_format() {
    let srv = TestServer::start().await;
    let req = signed(
        &srv,
        Scheme::V1Query,
        ROOT,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    );
    srv.clock.advance(time::Duration::minutes(16));
    let (status, body) = json(req.send().await.unwrap()).await;
    assert_error(status, &body, 400, "InvalidTimeStamp.Expired");
    assert_eq!(
        body["Message"],
        "Specified time stamp or date value is expired."
    );

    // 14 minutes late is fine.
    let req = signed(
        &srv,
        Scheme::V3,
        ROOT,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    );
    srv.clock.advance(time::Duration::minutes(14));
    assert_eq!(req.send().await.unwrap().status(), 200);

    let (query, _) = v1_query(
        "GET",
        ROOT,
        "2026-11-29 06:00:00",
        &nonce(),
        &[("Action", "GetCallerIdentity"), ("Version", STS)],
    );
    let res = srv
        .client
        .get(format!("{}?{query}", srv.url()))
        .send()
        .await
        .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 400, "InvalidTimeStamp.Format");
}

#[tokio::test]
async fn nonce_replay_is_refused() {
    let srv = TestServer::start().await;
    let n = nonce();
    for scheme in [Scheme::V1Query, Scheme::V3] {
        let n = format!("{n}-{scheme:?}");
        let first = signed(&srv, scheme, ROOT, "GetCallerIdentity", STS, &[], &n);
        let again = signed(&srv, scheme, ROOT, "GetCallerIdentity", STS, &[], &n);
        assert_eq!(first.send().await.unwrap().status(), 200);
        let (status, body) = json(again.send().await.unwrap()).await;
        assert_error(status, &body, 400, "SignatureNonceUsed");
        // Still refused near the end of the window.
        srv.clock.advance(time::Duration::minutes(14));
        let again = signed(&srv, scheme, ROOT, "GetCallerIdentity", STS, &[], &n);
        let (status, body) = json(again.send().await.unwrap()).await;
        assert_error(status, &body, 400, "SignatureNonceUsed");
    }
}

#[tokio::test]
async fn sts_key_without_token() {
    let srv = TestServer::start().await;
    let creds = Creds {
        id: "STS.NUgYrLnoC37mZZCNnAbez2nRa",
        secret: "x",
        token: None,
    };
    let res = signed(
        &srv,
        Scheme::V1Query,
        creds,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 400, "MissingSecurityToken");
    // A token that is not one of ours.
    let creds = Creds {
        token: Some("CAIS-not-a-token"),
        ..creds
    };
    let res = signed(
        &srv,
        Scheme::V3,
        creds,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    let (status, body) = json(res).await;
    assert_eq!(status, 400, "{body}");
    assert!(
        body["Code"]
            .as_str()
            .unwrap()
            .starts_with("InvalidSecurityToken."),
        "{body}"
    );
}

#[tokio::test]
async fn unknown_action_or_version_is_404() {
    let srv = TestServer::start().await;
    for (action, version) in [("NoSuchAction", STS), ("GetCallerIdentity", "2099-01-01")] {
        let res = signed(&srv, Scheme::V1Query, ROOT, action, version, &[], &nonce())
            .send()
            .await
            .unwrap();
        let (status, body) = json(res).await;
        assert_error(status, &body, 404, "InvalidAction.NotFound");
        assert_eq!(
            body["Message"],
            "Specified api is not found, please check your url and method."
        );
    }
    // Another path.
    let res = srv
        .client
        .get(format!("{}console/nothing", srv.url()))
        .send()
        .await
        .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 404, "InvalidAction.NotFound");
}

#[tokio::test]
async fn host_naming_another_product_is_404() {
    let srv = TestServer::start().await;
    let res = signed(
        &srv,
        Scheme::V1Query,
        ROOT,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .header("host", "ram.aliyuncs.com")
    .send()
    .await
    .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 404, "InvalidAction.NotFound");
    let res = signed(
        &srv,
        Scheme::V1Query,
        ROOT,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .header("host", "sts.cn-hangzhou.aliyuncs.com")
    .send()
    .await
    .unwrap();
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn missing_parameters_and_methods() {
    let srv = TestServer::start().await;
    let res = srv.client.get(srv.url()).send().await.unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 400, "MissingParameter");
    assert_eq!(
        body["Message"],
        "The input parameter \"Action\" that is mandatory for processing this request is not supplied."
    );
    let res = srv.client.put(srv.url()).send().await.unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 403, "UnsupportedHTTPMethod");
}

#[tokio::test]
async fn engine_errors_carry_their_status() {
    let srv = TestServer::start().await;
    let res = signed(
        &srv,
        Scheme::V1Form,
        ROOT,
        "GetRole",
        RAM,
        &[("RoleName", "nope")],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 404, "EntityNotExist.Role");
    assert_eq!(body["HostId"], "ram.aliyuncs.com");
    assert!(
        body["Recommend"]
            .as_str()
            .unwrap()
            .contains("&product=Ram&")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_replays_let_exactly_one_through() {
    let srv = TestServer::start().await;
    let n = nonce();
    let mut tasks = Vec::new();
    for _ in 0..24 {
        let req = signed(&srv, Scheme::V3, ROOT, "GetCallerIdentity", STS, &[], &n);
        tasks.push(tokio::spawn(async move {
            req.send().await.unwrap().status().as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for t in tasks {
        statuses.push(t.await.unwrap());
    }
    assert_eq!(
        statuses.iter().filter(|s| **s == 200).count(),
        1,
        "{statuses:?}"
    );
    assert_eq!(
        statuses.iter().filter(|s| **s == 400).count(),
        23,
        "{statuses:?}"
    );
}
