//! Live tests against the real Alibaba Cloud. They run only when `CROSSRAM_CLIENT_LIVE=1` and
//! credentials are in the environment (`ALIBABA_CLOUD_ACCESS_KEY_ID`,
//! `ALIBABA_CLOUD_ACCESS_KEY_SECRET`, optionally `ALIBABA_CLOUD_SECURITY_TOKEN`); otherwise each
//! test returns at once and says so. They only read: nothing is created in the account.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

use crossram_client::api::ram::RoleNameRequest;
use crossram_client::{Client, EnvProvider, SignatureVersion};

fn live() -> bool {
    let on = std::env::var("CROSSRAM_CLIENT_LIVE").is_ok_and(|v| v == "1")
        && std::env::var("ALIBABA_CLOUD_ACCESS_KEY_ID").is_ok_and(|v| !v.is_empty());
    if !on {
        eprintln!(
            "live test not run: set CROSSRAM_CLIENT_LIVE=1 and ALIBABA_CLOUD_ACCESS_KEY_ID/SECRET"
        );
    }
    on
}

fn client(signature: SignatureVersion) -> Client {
    Client::builder()
        .credentials(EnvProvider::new())
        .signature(signature)
        .build()
        .unwrap()
}

#[tokio::test]
async fn live_caller_identity_is_the_same_with_v1_and_v3() {
    if !live() {
        return;
    }
    let v1 = client(SignatureVersion::V1)
        .sts()
        .get_caller_identity()
        .await
        .unwrap();
    let v3 = client(SignatureVersion::V3)
        .sts()
        .get_caller_identity()
        .await
        .unwrap();
    assert!(v1.arn.starts_with("acs:ram::"), "{v1:?}");
    assert_eq!(v1.arn, v3.arn);
    assert_eq!(v1.account_id, v3.account_id);
    assert!(!v1.request_id.is_empty());
}

#[tokio::test]
async fn live_errors_carry_code_status_and_request_id() {
    if !live() {
        return;
    }
    let e = client(SignatureVersion::V3)
        .ram()
        .get_role(RoleNameRequest {
            role_name: "crossram-client-live-test-role-that-does-not-exist".into(),
        })
        .await
        .unwrap_err();
    // Either the role is missing or the caller may not read roles: both are service errors.
    let code = e.code().expect("a service error");
    assert!(
        code == "EntityNotExist.Role"
            || code.starts_with("NoPermission")
            || code.starts_with("Forbidden"),
        "{e}"
    );
    assert!(matches!(e.status(), Some(403 | 404)), "{e}");
    assert!(!e.request_id().unwrap_or_default().is_empty(), "{e}");
}
