//! The console JSON endpoints.

use crate::support::*;

async fn post_json(
    srv: &TestServer,
    path: &str,
    body: serde_json::Value,
) -> (u16, serde_json::Value) {
    let res = srv
        .client
        .post(format!("{}{path}", srv.url()))
        .header("content-type", "application/json")
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        res.headers()["content-type"],
        "application/json;charset=utf-8"
    );
    json(res).await
}

async fn ram(srv: &TestServer, action: &str, params: &[(&str, &str)]) {
    let res = signed(srv, Scheme::V1Form, ROOT, action, RAM, params, &nonce())
        .send()
        .await
        .unwrap();
    let status = res.status();
    assert_eq!(status, 200, "{action}: {}", res.text().await.unwrap());
}

#[tokio::test]
async fn logon_and_switch_role() {
    let srv = TestServer::start().await;
    let password = "Str0ng-Passw0rd!x";
    ram(&srv, "CreateUser", &[("UserName", "bob")]).await;
    ram(
        &srv,
        "CreateLoginProfile",
        &[("UserName", "bob"), ("Password", password)],
    )
    .await;
    ram(
        &srv,
        "AttachPolicyToUser",
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "bob"),
        ],
    )
    .await;
    let trust = format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"RAM":["acs:ram::{ACCOUNT}:root"]}}}}],"Version":"1"}}"#
    );
    ram(
        &srv,
        "CreateRole",
        &[("RoleName", "ops"), ("AssumeRolePolicyDocument", &trust)],
    )
    .await;

    let (status, body) = post_json(
        &srv,
        "console/logon",
        serde_json::json!({"LoginName": "bob@company-a.onaliyun.com", "Password": "wrong"}),
    )
    .await;
    assert!(status >= 400, "{body}");
    assert!(body["Code"].as_str().is_some(), "{body}");
    assert_request_id(body["RequestId"].as_str().unwrap());

    let (status, creds) = post_json(
        &srv,
        "console/logon",
        serde_json::json!({"LoginName": "bob@company-a.onaliyun.com", "Password": password}),
    )
    .await;
    assert_eq!(status, 200, "{creds}");
    assert_request_id(creds["RequestId"].as_str().unwrap());
    assert!(creds["AccessKeyId"].as_str().unwrap().starts_with("STS."));
    assert_eq!(creds["Arn"], format!("acs:ram::{ACCOUNT}:user/bob"));
    for field in [
        "AccessKeySecret",
        "SecurityToken",
        "Expiration",
        "DisplayName",
    ] {
        assert!(
            creds[field].as_str().is_some_and(|s| !s.is_empty()),
            "{field}: {creds}"
        );
    }

    let (status, switched) = post_json(
        &srv,
        "console/switch-role",
        serde_json::json!({
            "AccessKeyId": creds["AccessKeyId"],
            "SecurityToken": creds["SecurityToken"],
            "Account": "company-a",
            "RoleName": "ops",
        }),
    )
    .await;
    assert_eq!(status, 200, "{switched}");
    let id = switched["AccessKeyId"].as_str().unwrap();
    assert!(id.starts_with("STS."), "{switched}");
    // The switched session signs RPC calls like any STS credential.
    let session = Creds {
        id,
        secret: switched["AccessKeySecret"].as_str().unwrap(),
        token: Some(switched["SecurityToken"].as_str().unwrap()),
    };
    let res = signed(
        &srv,
        Scheme::V3,
        session,
        "GetCallerIdentity",
        STS,
        &[],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    let (status, who) = json(res).await;
    assert_eq!(status, 200, "{who}");
    assert_eq!(who["IdentityType"], "AssumedRoleUser");

    // A token that is not a console session's is refused.
    let (status, body) = post_json(
        &srv,
        "console/switch-role",
        serde_json::json!({
            "AccessKeyId": creds["AccessKeyId"],
            "SecurityToken": "forged",
            "Account": "company-a",
            "RoleName": "ops",
        }),
    )
    .await;
    assert_eq!(status, 400, "{body}");
}

#[tokio::test]
async fn console_requests_are_validated() {
    let srv = TestServer::start().await;
    let (status, body) = post_json(
        &srv,
        "console/logon",
        serde_json::json!({"LoginName": "x@y"}),
    )
    .await;
    assert_error(status, &body, 400, "MissingParameter");
    let res = srv
        .client
        .post(format!("{}console/logon", srv.url()))
        .body("not json")
        .send()
        .await
        .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 400, "InvalidParameter");
    let res = srv
        .client
        .get(format!("{}console/logon", srv.url()))
        .send()
        .await
        .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 403, "UnsupportedHTTPMethod");
}
