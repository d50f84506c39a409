//! A RAM user assumes a role and calls with the STS credentials: the token path of the checks.

use crate::support::*;

async fn ok(
    srv: &TestServer,
    creds: Creds<'_>,
    action: &str,
    version: &str,
    params: &[(&str, &str)],
) -> serde_json::Value {
    let res = signed(
        srv,
        Scheme::V1Form,
        creds,
        action,
        version,
        params,
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    let (status, body) = json(res).await;
    assert_eq!(status, 200, "{action}: {body}");
    body
}

#[tokio::test]
async fn assumed_role_session_calls_with_its_token() {
    let srv = TestServer::start().await;
    ok(&srv, ROOT, "CreateUser", RAM, &[("UserName", "alice")]).await;
    let key = ok(&srv, ROOT, "CreateAccessKey", RAM, &[("UserName", "alice")]).await;
    let alice_id = key["AccessKey"]["AccessKeyId"].as_str().unwrap().to_owned();
    let alice_secret = key["AccessKey"]["AccessKeySecret"]
        .as_str()
        .unwrap()
        .to_owned();
    ok(
        &srv,
        ROOT,
        "AttachPolicyToUser",
        RAM,
        &[
            ("PolicyType", "System"),
            ("PolicyName", "AliyunSTSAssumeRoleAccess"),
            ("UserName", "alice"),
        ],
    )
    .await;
    let trust = format!(
        r#"{{"Statement":[{{"Action":"sts:AssumeRole","Effect":"Allow","Principal":{{"RAM":["acs:ram::{ACCOUNT}:root"]}}}}],"Version":"1"}}"#
    );
    ok(
        &srv,
        ROOT,
        "CreateRole",
        RAM,
        &[("RoleName", "ops"), ("AssumeRolePolicyDocument", &trust)],
    )
    .await;

    let alice = Creds {
        id: &alice_id,
        secret: &alice_secret,
        token: None,
    };
    let who = ok(&srv, alice, "GetCallerIdentity", STS, &[]).await;
    assert_eq!(who["IdentityType"], "RAMUser");
    assert_eq!(who["AccountId"], ACCOUNT);
    assert_eq!(who["PrincipalId"], who["UserId"]);
    assert_eq!(who["Arn"], format!("acs:ram::{ACCOUNT}:user/alice"));

    let role_arn = format!("acs:ram::{ACCOUNT}:role/ops");
    let assumed = ok(
        &srv,
        alice,
        "AssumeRole",
        STS,
        &[("RoleArn", &role_arn), ("RoleSessionName", "s1")],
    )
    .await;
    let c = &assumed["Credentials"];
    let id = c["AccessKeyId"].as_str().unwrap();
    assert!(id.starts_with("STS."), "{assumed}");
    let session = Creds {
        id,
        secret: c["AccessKeySecret"].as_str().unwrap(),
        token: Some(c["SecurityToken"].as_str().unwrap()),
    };
    for scheme in [Scheme::V1Query, Scheme::V1Get, Scheme::V3] {
        let res = signed(
            &srv,
            scheme,
            session,
            "GetCallerIdentity",
            STS,
            &[],
            &nonce(),
        )
        .send()
        .await
        .unwrap();
        let (status, body) = json(res).await;
        assert_eq!(status, 200, "{scheme:?}: {body}");
        assert_eq!(body["IdentityType"], "AssumedRoleUser");
        assert_eq!(body["AccountId"], ACCOUNT);
        let role_id = body["RoleId"].as_str().unwrap();
        assert_eq!(body["PrincipalId"], format!("{role_id}:s1"));
        assert!(body.get("UserId").is_none(), "{body}");
        assert_eq!(
            body["Arn"],
            format!("acs:ram::{ACCOUNT}:assumed-role/ops/s1")
        );
    }

    // The same key without its token.
    let res = signed(
        &srv,
        Scheme::V1Query,
        Creds {
            token: None,
            ..session
        },
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

    // Root may not assume a role: the engine's refusal comes back with its status.
    let res = signed(
        &srv,
        Scheme::V1Query,
        ROOT,
        "AssumeRole",
        STS,
        &[("RoleArn", &role_arn), ("RoleSessionName", "s2")],
        &nonce(),
    )
    .send()
    .await
    .unwrap();
    let (status, body) = json(res).await;
    assert_error(status, &body, 403, "NoPermission");
}
