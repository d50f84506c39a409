//! The library entry point: an emulator in two lines, in-process or on a loopback port, with
//! clients for A's root, B's users and role sessions; the listener stops on drop.

#![allow(
    clippy::unwrap_used,
    clippy::panic,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use crossram_client::Product;
use crossram_client::api::sts::AssumeRoleRequest;
use crossram_scenario::Emulator;

async fn plays_the_seed(emu: &Emulator) {
    let seed = emu.seed().await.unwrap();
    let session = emu
        .assume_role(&seed.alice, &seed.role_arn, "alice")
        .await
        .unwrap();
    let me = session
        .call::<&str, &str>(Product::Sts, "GetCallerIdentity", &[])
        .await
        .unwrap();
    assert_eq!(
        me.get("Arn").and_then(|v| v.as_str()),
        Some("acs:ram::11223344:assumed-role/ecs-admin/alice")
    );
    session
        .call(
            Product::Ecs,
            "StopInstance",
            &[("InstanceId", seed.instance_id.as_str())],
        )
        .await
        .unwrap();
    let err = emu
        .assume_role(&seed.bob, &seed.role_arn, "bob")
        .await
        .unwrap_err();
    assert!(err.to_string().contains("NoPermission"), "{err}");
    // The refusal is the client's error, whole: code, status and AccessDeniedDetail.
    let refused = err.call_error().unwrap();
    assert_eq!(
        (refused.code(), refused.status()),
        (Some("NoPermission"), Some(403))
    );
    let detail = refused.access_denied_detail().unwrap();
    assert_eq!(detail["PolicyType"], "AccountLevelIdentityBasedPolicy");
    assert_eq!(detail["AuthPrincipalDisplayName"], "Bob");
    // A's root sees the instance stopped.
    let a = emu.root("a").unwrap();
    let listed = a
        .call(
            Product::Ecs,
            "DescribeInstances",
            &[("RegionId", "cn-hangzhou")],
        )
        .await
        .unwrap();
    assert_eq!(
        crossram_scenario::vars::lookup(&listed, "Instances.Instance.0.Status")
            .and_then(|v| v.as_str()),
        Some("Stopped")
    );
}

#[tokio::test]
async fn in_process_emulator_serves_the_seed() {
    let emu = Emulator::start().await.unwrap();
    assert!(emu.url().is_none());
    plays_the_seed(&emu).await;
}

#[tokio::test]
async fn loopback_emulator_serves_the_seed_and_stops_on_drop() {
    let emu = Emulator::start_on_loopback().await.unwrap();
    let url = emu.url().unwrap();
    assert!(url.starts_with("http://127.0.0.1:"), "{url}");
    plays_the_seed(&emu).await;
    let addr = url.trim_start_matches("http://").to_owned();
    drop(emu);
    // The listener closes shortly after the emulator is dropped.
    let mut closed = false;
    for _ in 0..50 {
        if tokio::net::TcpStream::connect(&addr).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(closed, "{addr} still accepts connections");
}

#[tokio::test]
async fn the_emulator_clock_expires_sessions() {
    let emu = Emulator::start().await.unwrap();
    let seed = emu.seed().await.unwrap();
    let session = emu
        .assume_role(&seed.alice, &seed.role_arn, "alice")
        .await
        .unwrap();
    emu.clock().advance(std::time::Duration::from_secs(3601));
    let err = session
        .call::<&str, &str>(Product::Sts, "GetCallerIdentity", &[])
        .await
        .unwrap_err();
    assert_eq!(err.code(), Some("InvalidSecurityToken.Expired"));
}

/// The accounts by key and id; a trust with an ExternalId is met through `assume_role_with`;
/// an account the emulator does not have is said to be missing, not a failed start.
#[tokio::test]
async fn accounts_and_assume_role_with_every_parameter() {
    let emu = Emulator::start().await.unwrap();
    assert_eq!(
        ["a", "b", "c"].map(|k| emu.account_id(k)),
        [Some("11223344"), Some("12345678"), Some("87654321")]
    );
    let missing = emu.root("x").unwrap_err();
    assert!(
        matches!(missing, crossram_scenario::TargetError::NoAccount(ref k) if k == "x"),
        "{missing}"
    );
    let a = emu.root("a").unwrap();
    let trust = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{"RAM":["acs:ram::87654321:root"]},"Condition":{"StringEquals":{"sts:ExternalId":"xid-42"}}}]}"#;
    a.call(
        Product::Ram,
        "CreateRole",
        &[("RoleName", "vendor"), ("AssumeRolePolicyDocument", trust)],
    )
    .await
    .unwrap();
    let carl = emu
        .user("c", "Carl", &["AliyunSTSAssumeRoleAccess"])
        .await
        .unwrap();
    let request = |external_id: Option<&str>| AssumeRoleRequest {
        role_arn: "acs:ram::11223344:role/vendor".into(),
        role_session_name: "carl".into(),
        external_id: external_id.map(str::to_owned),
        ..AssumeRoleRequest::default()
    };
    let refused = emu
        .assume_role_with(&carl, request(None))
        .await
        .unwrap_err();
    let detail = refused
        .call_error()
        .unwrap()
        .access_denied_detail()
        .unwrap();
    assert_eq!(detail["PolicyType"], "AssumeRolePolicy");
    let session = emu
        .assume_role_with(&carl, request(Some("xid-42")))
        .await
        .unwrap();
    let me = session.sts().get_caller_identity().await.unwrap();
    assert_eq!(me.arn, "acs:ram::11223344:assumed-role/vendor/carl");
}
