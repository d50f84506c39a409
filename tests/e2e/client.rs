//! Every typed call of crossram-client end to end against `crossram serve` (a child process on
//! loopback, HTTP and HTTPS), with V1 and V3 signatures: the client, unchanged, against the
//! emulator.

use std::time::Duration;

use crossram_tests::Served;

use crossram_client::api::ecs::*;
use crossram_client::api::ram::*;
use crossram_client::api::sts::AssumeRoleRequest;
use crossram_client::{
    Client, Credentials, CredentialsProvider, NonceSource, Product, RandomNonce, SignatureVersion,
};

const A_AK: &str = "LTAI5tClientE2E00001";
const A_SK: &str = "client-e2e-root-secret-0000001";

/// A fresh emulator with one account whose root key is [`A_AK`].
fn emulator() -> (Served, String) {
    let dir = tempfile::tempdir().unwrap();
    let world = dir.path().join("world.toml");
    std::fs::write(
        &world,
        format!(
            "[[account]]\nid = \"11223344\"\nalias = \"company-a\"\naccess_key_id = \"{A_AK}\"\naccess_key_secret = \"{A_SK}\"\n"
        ),
    )
    .unwrap();
    let served = Served::start(&[
        "--addr",
        "127.0.0.1:0",
        "--tls-addr",
        "127.0.0.1:0",
        "--tls-self-signed",
        "--world",
        world.to_str().unwrap(),
    ])
    .unwrap();
    let url = format!("http://{}", served.http);
    (served, url)
}

fn client(url: &str, signature: SignatureVersion) -> Client {
    Client::builder()
        .endpoint(url)
        .credentials(Credentials::new(A_AK, A_SK))
        .signature(signature)
        .build()
        .unwrap()
}

async fn wait_for_status(c: &Client, region: &str, id: &str, status: &str) {
    for _ in 0..50 {
        let d = c
            .ecs()
            .describe_instances(DescribeInstancesRequest {
                region_id: region.into(),
                instance_ids: Some(vec![id.into()]),
                ..Default::default()
            })
            .await
            .unwrap();
        if d.instances.iter().any(|i| i.status == status) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id} never reached {status}");
}

#[tokio::test]
async fn every_call_against_the_emulator() {
    let (_served, url) = emulator();
    for signature in [SignatureVersion::V1, SignatureVersion::V3] {
        tour(&url, signature).await;
    }
}

async fn tour(url: &str, signature: SignatureVersion) {
    let c = client(url, signature);
    let (ram, sts, ecs) = (c.ram(), c.sts(), c.ecs());
    let me = sts.get_caller_identity().await.unwrap();
    assert_eq!(
        me.identity_type, "Account",
        "run with an account's root key"
    );
    let uid = me.account_id.clone();
    let sfx = format!("{:x}", rand_suffix());
    let (user, group, role, policy) = (
        format!("e2e-user-{sfx}"),
        format!("e2e-group-{sfx}"),
        format!("e2e-role-{sfx}"),
        format!("e2e-policy-{sfx}"),
    );

    // Users and login profiles.
    let created = ram
        .create_user(CreateUserRequest {
            user_name: user.clone(),
            display_name: Some("E2E".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(created.user.user_name, user);
    let un = || UserNameRequest {
        user_name: user.clone(),
    };
    assert_eq!(ram.get_user(un()).await.unwrap().user.display_name, "E2E");
    ram.update_user(UpdateUserRequest {
        user_name: user.clone(),
        new_display_name: Some("E2E two".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    let users = ram.list_users(PageRequest::default()).await.unwrap();
    assert!(users.users.iter().any(|u| u.user_name == user));
    ram.create_login_profile(CreateLoginProfileRequest {
        user_name: user.clone(),
        password: "E2e-Passw0rd!x".into(),
        ..Default::default()
    })
    .await
    .unwrap();
    assert_eq!(
        ram.get_login_profile(un())
            .await
            .unwrap()
            .login_profile
            .user_name,
        user
    );
    ram.update_login_profile(UpdateLoginProfileRequest {
        user_name: user.clone(),
        password_reset_required: Some(true),
        ..Default::default()
    })
    .await
    .unwrap();
    ram.delete_login_profile(un()).await.unwrap();
    let e = ram.get_login_profile(un()).await.unwrap_err();
    assert_eq!(e.code(), Some("EntityNotExist.User.LoginProfile"));

    // Access keys.
    let key = ram
        .create_access_key(AccessKeysRequest {
            user_name: Some(user.clone()),
        })
        .await
        .unwrap()
        .access_key;
    let keys = ram
        .list_access_keys(AccessKeysRequest {
            user_name: Some(user.clone()),
        })
        .await
        .unwrap();
    assert!(
        keys.access_keys
            .iter()
            .any(|k| k.access_key_id == key.access_key_id)
    );
    for status in ["Inactive", "Active"] {
        ram.update_access_key(UpdateAccessKeyRequest {
            user_access_key_id: key.access_key_id.clone(),
            status: status.into(),
            user_name: Some(user.clone()),
        })
        .await
        .unwrap();
    }

    // Groups.
    ram.create_group(CreateGroupRequest {
        group_name: group.clone(),
        comments: Some("e2e".into()),
    })
    .await
    .unwrap();
    let gn = || GroupNameRequest {
        group_name: group.clone(),
    };
    assert_eq!(ram.get_group(gn()).await.unwrap().group.comments, "e2e");
    ram.update_group(UpdateGroupRequest {
        group_name: group.clone(),
        new_comments: Some("e2e two".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(
        ram.list_groups(PageRequest::default())
            .await
            .unwrap()
            .groups
            .iter()
            .any(|g| g.group_name == group)
    );
    let member = || GroupMemberRequest {
        group_name: group.clone(),
        user_name: user.clone(),
    };
    ram.add_user_to_group(member()).await.unwrap();
    assert!(
        ram.list_groups_for_user(un())
            .await
            .unwrap()
            .groups
            .iter()
            .any(|g| g.group_name == group)
    );
    assert!(
        ram.list_users_for_group(ListUsersForGroupRequest {
            group_name: group.clone(),
            ..Default::default()
        })
        .await
        .unwrap()
        .users
        .iter()
        .any(|u| u.user_name == user)
    );

    // Policies and versions.
    let doc = r#"{"Version":"1","Statement":[{"Effect":"Allow","Action":"sts:AssumeRole","Resource":"*"}]}"#;
    ram.create_policy(CreatePolicyRequest {
        policy_name: policy.clone(),
        policy_document: doc.into(),
        description: None,
    })
    .await
    .unwrap();
    let pref = || PolicyRefRequest {
        policy_type: PolicyType::Custom,
        policy_name: policy.clone(),
    };
    assert_eq!(
        ram.get_policy(pref()).await.unwrap().policy.default_version,
        "v1"
    );
    assert!(
        ram.list_policies(ListPoliciesRequest {
            policy_type: Some(PolicyType::Custom),
            ..Default::default()
        })
        .await
        .unwrap()
        .policies
        .iter()
        .any(|p| p.policy_name == policy)
    );
    let v2 = ram
        .create_policy_version(CreatePolicyVersionRequest {
            policy_name: policy.clone(),
            policy_document: doc.into(),
            set_as_default: Some(true),
            ..Default::default()
        })
        .await
        .unwrap()
        .policy_version;
    assert_eq!(v2.version_id, "v2");
    let got = ram
        .get_policy_version(GetPolicyVersionRequest {
            policy_type: PolicyType::Custom,
            policy_name: policy.clone(),
            version_id: "v2".into(),
        })
        .await
        .unwrap();
    assert!(got.policy_version.is_default_version);
    assert_eq!(
        ram.list_policy_versions(pref())
            .await
            .unwrap()
            .policy_versions
            .len(),
        2
    );
    let pv = |v: &str| PolicyVersionRequest {
        policy_name: policy.clone(),
        version_id: v.into(),
    };
    ram.set_default_policy_version(pv("v1")).await.unwrap();
    ram.delete_policy_version(pv("v2")).await.unwrap();

    // Roles and attachments.
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{uid}:root"]}}}}]}}"#
    );
    let r = ram
        .create_role(CreateRoleRequest {
            role_name: role.clone(),
            assume_role_policy_document: trust,
            ..Default::default()
        })
        .await
        .unwrap()
        .role;
    let rn = || RoleNameRequest {
        role_name: role.clone(),
    };
    assert!(
        ram.get_role(rn())
            .await
            .unwrap()
            .role
            .assume_role_policy_document
            .is_some()
    );
    ram.update_role(UpdateRoleRequest {
        role_name: role.clone(),
        new_description: Some("e2e".into()),
        ..Default::default()
    })
    .await
    .unwrap();
    assert!(
        ram.list_roles(PageRequest::default())
            .await
            .unwrap()
            .roles
            .iter()
            .any(|x| x.role_name == role)
    );
    let (up, gp, rp) = (
        UserPolicyRequest {
            policy_type: PolicyType::Custom,
            policy_name: policy.clone(),
            user_name: user.clone(),
        },
        GroupPolicyRequest {
            policy_type: PolicyType::Custom,
            policy_name: policy.clone(),
            group_name: group.clone(),
        },
        RolePolicyRequest {
            policy_type: PolicyType::Custom,
            policy_name: policy.clone(),
            role_name: role.clone(),
        },
    );
    ram.attach_policy_to_user(up.clone()).await.unwrap();
    ram.attach_policy_to_group(gp.clone()).await.unwrap();
    ram.attach_policy_to_role(rp.clone()).await.unwrap();
    assert_eq!(
        ram.list_policies_for_user(un())
            .await
            .unwrap()
            .policies
            .len(),
        1
    );
    assert_eq!(
        ram.list_policies_for_group(gn())
            .await
            .unwrap()
            .policies
            .len(),
        1
    );
    assert_eq!(
        ram.list_policies_for_role(rn())
            .await
            .unwrap()
            .policies
            .len(),
        1
    );
    let ents = ram.list_entities_for_policy(pref()).await.unwrap();
    assert_eq!(
        (ents.users.len(), ents.groups.len(), ents.roles.len()),
        (1, 1, 1)
    );

    // STS: the user assumes the role; the session knows who it is.
    let as_user = c.with_credentials(Credentials::new(
        key.access_key_id.clone(),
        key.access_key_secret.clone().unwrap(),
    ));
    let assumed = as_user
        .sts()
        .assume_role(AssumeRoleRequest {
            role_arn: r.arn.clone(),
            role_session_name: "e2e".into(),
            duration_seconds: Some(900),
            ..Default::default()
        })
        .await
        .unwrap();
    let session = c.with_credentials(assumed.credentials.to_credentials().unwrap());
    let who = session.sts().get_caller_identity().await.unwrap();
    assert_eq!(who.identity_type, "AssumedRoleUser");
    assert!(
        who.arn.ends_with(&format!("assumed-role/{role}/e2e")),
        "{who:?}"
    );
    // A valid token with a wrong secret: the server quotes its string to sign (which holds
    // the V1 SecurityToken parameter); the error must not show the token.
    let token = assumed.credentials.security_token.expose().to_owned();
    let wrong = c.with_credentials(
        Credentials::new(assumed.credentials.access_key_id.clone(), "wrong-secret")
            .with_security_token(token.clone()),
    );
    let e = wrong.sts().get_caller_identity().await.unwrap_err();
    assert_eq!(e.code(), Some("SignatureDoesNotMatch"), "{e}");
    let text = format!("{e} {e:?}");
    assert!(!text.contains(&token), "{text}");
    assert!(
        !text.contains(&crossram_wire::percent_encode(&token)),
        "{text}"
    );

    // ECS life cycle.
    let region = "cn-hangzhou";
    let run = ecs
        .run_instances(RunInstancesRequest {
            region_id: region.into(),
            image_id: Some("aliyun_3_x64_20G_alibase_20240101.vhd".into()),
            instance_type: Some("ecs.g6.large".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    let id = run.instance_id_sets[0].clone();
    wait_for_status(&c, region, &id, "Running").await;
    ecs.reboot_instance(StopInstanceRequest {
        instance_id: id.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    wait_for_status(&c, region, &id, "Running").await;
    ecs.stop_instance(StopInstanceRequest {
        instance_id: id.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    wait_for_status(&c, region, &id, "Stopped").await;
    ecs.start_instance(StartInstanceRequest {
        instance_id: id.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    wait_for_status(&c, region, &id, "Running").await;
    ecs.delete_instance(DeleteInstanceRequest {
        instance_id: id.clone(),
        force: Some(true),
    })
    .await
    .unwrap();
    let created = ecs
        .create_instance(CreateInstanceRequest {
            region_id: region.into(),
            instance_type: "ecs.g6.large".into(),
            image_id: Some("aliyun_3_x64_20G_alibase_20240101.vhd".into()),
            ..Default::default()
        })
        .await
        .unwrap();
    ecs.delete_instance(DeleteInstanceRequest {
        instance_id: created.instance_id,
        force: Some(true),
    })
    .await
    .unwrap();

    // Account alias (restored afterwards).
    let before = ram.get_account_alias().await.unwrap().account_alias;
    let alias = format!("e2e-{sfx}");
    ram.set_account_alias(SetAccountAliasRequest {
        account_alias: alias.clone(),
    })
    .await
    .unwrap();
    assert_eq!(ram.get_account_alias().await.unwrap().account_alias, alias);
    ram.clear_account_alias().await.unwrap();
    if before != uid && !before.is_empty() {
        ram.set_account_alias(SetAccountAliasRequest {
            account_alias: before,
        })
        .await
        .unwrap();
    }

    // Clean up, which exercises the remaining calls.
    ram.detach_policy_from_user(up).await.unwrap();
    ram.detach_policy_from_group(gp).await.unwrap();
    ram.detach_policy_from_role(rp).await.unwrap();
    ram.remove_user_from_group(member()).await.unwrap();
    ram.delete_access_key(DeleteAccessKeyRequest {
        user_access_key_id: key.access_key_id.clone(),
        user_name: Some(user.clone()),
    })
    .await
    .unwrap();
    ram.delete_group(gn()).await.unwrap();
    ram.delete_user(un()).await.unwrap();
    ram.delete_role(rn()).await.unwrap();
    ram.delete_policy(DeletePolicyRequest {
        policy_name: policy.clone(),
        cascading_delete: None,
    })
    .await
    .unwrap();
    let e = ram.get_role(rn()).await.unwrap_err();
    assert_eq!(e.code(), Some("EntityNotExist.Role"));

    // The raw call reaches the same emulator.
    let raw = c
        .call(Product::Sts, "GetCallerIdentity", &[] as &[(&str, &str)])
        .await
        .unwrap();
    assert_eq!(raw["AccountId"], uid.as_str());
}

fn rand_suffix() -> u32 {
    RandomNonce
        .nonce()
        .get(..8)
        .and_then(|h| u32::from_str_radix(h, 16).ok())
        .unwrap_or(0)
}

/// Over the emulator's HTTPS listener, configured through `ClientConfig` (extra root CA), a
/// RAM user's RamRoleArn credentials are assumed and used.
#[tokio::test]
async fn role_credentials_over_https_from_settings() {
    let (served, url) = emulator();
    let tls = format!("https://{}", served.https.as_deref().unwrap());
    let ca = served.ca.as_deref().unwrap().to_str().unwrap().to_owned();
    let root = client(&url, SignatureVersion::V3);
    let uid = root.sts().get_caller_identity().await.unwrap().account_id;
    let sfx = format!("{:x}", rand_suffix());
    let (user, role) = (format!("e2e-tls-user-{sfx}"), format!("e2e-tls-role-{sfx}"));
    let ram = root.ram();
    ram.create_user(CreateUserRequest {
        user_name: user.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    ram.attach_policy_to_user(UserPolicyRequest {
        policy_type: PolicyType::System,
        policy_name: "AliyunSTSAssumeRoleAccess".into(),
        user_name: user.clone(),
    })
    .await
    .unwrap();
    let key = ram
        .create_access_key(AccessKeysRequest {
            user_name: Some(user.clone()),
        })
        .await
        .unwrap()
        .access_key;
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{uid}:root"]}}}}]}}"#
    );
    ram.create_role(CreateRoleRequest {
        role_name: role.clone(),
        assume_role_policy_document: trust,
        ..Default::default()
    })
    .await
    .unwrap();

    let settings = crossram_client::ClientConfig::load_with_env(
        None,
        Some(
            [
                ("CROSSRAM_CLIENT_ENDPOINT", tls.as_str()),
                ("CROSSRAM_CLIENT_CA_CERTIFICATE", ca.as_str()),
                ("CROSSRAM_CLIENT_ACCESS_KEY_ID", key.access_key_id.as_str()),
                (
                    "CROSSRAM_CLIENT_ACCESS_KEY_SECRET",
                    key.access_key_secret.as_ref().unwrap().expose(),
                ),
                (
                    "CROSSRAM_CLIENT_ROLE_ARN",
                    &format!("acs:ram::{uid}:role/{role}"),
                ),
                ("CROSSRAM_CLIENT_ROLE_SESSION_NAME", "tls-session"),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect(),
        ),
    )
    .unwrap();
    let session = settings.builder().unwrap().build().unwrap();
    let who = session.sts().get_caller_identity().await.unwrap();
    assert_eq!(who.identity_type, "AssumedRoleUser");
    assert!(
        who.arn
            .ends_with(&format!("assumed-role/{role}/tls-session")),
        "{who:?}"
    );

    ram.detach_policy_from_user(UserPolicyRequest {
        policy_type: PolicyType::System,
        policy_name: "AliyunSTSAssumeRoleAccess".into(),
        user_name: user.clone(),
    })
    .await
    .unwrap();
    ram.delete_access_key(DeleteAccessKeyRequest {
        user_access_key_id: key.access_key_id,
        user_name: Some(user.clone()),
    })
    .await
    .unwrap();
    ram.delete_user(UserNameRequest { user_name: user })
        .await
        .unwrap();
    ram.delete_role(RoleNameRequest { role_name: role })
        .await
        .unwrap();
}

/// The emulator's errors decode into `Error::Service`, and a `SignatureDoesNotMatch` (whose
/// message quotes the string to sign, security token included) does not leak the token.
#[tokio::test]
async fn emulator_errors_decode_without_leaking_secrets() {
    let (_served, url) = emulator();
    for signature in [SignatureVersion::V1, SignatureVersion::V3] {
        let root = client(&url, signature);
        let e = root
            .ram()
            .get_role(RoleNameRequest {
                role_name: "e2e-no-such-role".into(),
            })
            .await
            .unwrap_err();
        assert_eq!(e.code(), Some("EntityNotExist.Role"));
        assert_eq!(e.status(), Some(404));
        assert!(!e.request_id().unwrap().is_empty());

        let good = Credentials::new(A_AK, A_SK);
        let forged = root.with_credentials(
            Credentials::new(good.access_key_id.clone(), "not-the-secret")
                .with_security_token("FAKE-TOKEN-VALUE-0123456789"),
        );
        let e = forged.sts().get_caller_identity().await.unwrap_err();
        let code = e.code().unwrap().to_owned();
        assert!(
            code == "SignatureDoesNotMatch" || code.starts_with("InvalidSecurityToken"),
            "{e}"
        );
        let text = format!("{e} {e:?}");
        assert!(!text.contains("FAKE-TOKEN-VALUE"), "{text}");
        assert!(!text.contains("not-the-secret"), "{text}");

        let wrong_secret = root.with_credentials(Credentials::new(
            good.access_key_id.clone(),
            "not-the-secret",
        ));
        let e = wrong_secret.sts().get_caller_identity().await.unwrap_err();
        assert_eq!(e.code(), Some("SignatureDoesNotMatch"), "{e}");
        assert_eq!(e.status(), Some(400));
    }
}

/// RamRoleArn credentials from the emulator are reused, then renewed once the injected clock
/// (which also stamps the requests) comes within the refresh margin of their expiry.
#[tokio::test]
async fn ram_role_arn_refreshes_against_the_emulator() {
    use crossram_client::{Clock, ManualClock, RamRoleArnProvider, SystemClock};
    use std::sync::Arc;

    let (_served, url) = emulator();
    let root = client(&url, SignatureVersion::V1);
    let uid = root.sts().get_caller_identity().await.unwrap().account_id;
    let sfx = format!("{:x}", rand_suffix());
    let (user, role) = (format!("e2e-rra-user-{sfx}"), format!("e2e-rra-role-{sfx}"));
    let ram = root.ram();
    ram.create_user(CreateUserRequest {
        user_name: user.clone(),
        ..Default::default()
    })
    .await
    .unwrap();
    let attach = UserPolicyRequest {
        policy_type: PolicyType::System,
        policy_name: "AliyunSTSAssumeRoleAccess".into(),
        user_name: user.clone(),
    };
    ram.attach_policy_to_user(attach.clone()).await.unwrap();
    let key = ram
        .create_access_key(AccessKeysRequest {
            user_name: Some(user.clone()),
        })
        .await
        .unwrap()
        .access_key;
    let trust = format!(
        r#"{{"Version":"1","Statement":[{{"Effect":"Allow","Action":"sts:AssumeRole","Principal":{{"RAM":["acs:ram::{uid}:root"]}}}}]}}"#
    );
    ram.create_role(CreateRoleRequest {
        role_name: role.clone(),
        assume_role_policy_document: trust,
        ..Default::default()
    })
    .await
    .unwrap();

    let clock = Arc::new(ManualClock::new(SystemClock.now()));
    let provider = Arc::new(
        RamRoleArnProvider::builder(Credentials::new(
            key.access_key_id.clone(),
            key.access_key_secret.clone().unwrap(),
        ))
        .role_arn(format!("acs:ram::{uid}:role/{role}"))
        .duration_seconds(900)
        .refresh_margin(time::Duration::seconds(180))
        .endpoint(url.as_str())
        .clock(clock.clone())
        .build()
        .unwrap(),
    );
    let first = provider.credentials().await.unwrap();
    clock.advance(time::Duration::seconds(600));
    assert_eq!(provider.credentials().await.unwrap(), first, "still fresh");
    clock.advance(time::Duration::seconds(150));
    let second = provider.credentials().await.unwrap();
    assert_ne!(second.access_key_id, first.access_key_id, "renewed");
    let session = root.with_credentials(provider.clone());
    let who = session.sts().get_caller_identity().await.unwrap();
    assert_eq!(who.identity_type, "AssumedRoleUser");

    ram.detach_policy_from_user(attach).await.unwrap();
    ram.delete_access_key(DeleteAccessKeyRequest {
        user_access_key_id: key.access_key_id,
        user_name: Some(user.clone()),
    })
    .await
    .unwrap();
    ram.delete_user(UserNameRequest { user_name: user })
        .await
        .unwrap();
    ram.delete_role(RoleNameRequest { role_name: role })
        .await
        .unwrap();
}
