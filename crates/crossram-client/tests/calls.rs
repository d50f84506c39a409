//! Typed calls through a loopback server: every call sends its action and parameters,
//! success bodies decode into the response types, error bodies into `Error::Service`,
//! unreadable bodies into `Error::Decode`; retries, timeouts and transport failures.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    reason = "test code: a failed unwrap is a failed assertion"
)]

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{Reply, TestServer};
use crossram_client::api::ecs::*;
use crossram_client::api::ram::*;
use crossram_client::api::sts::AssumeRoleRequest;
use crossram_client::{
    Client, Credentials, Error, Product, RetryPolicy, SequenceNonce, SignatureVersion,
    TransportErrorKind,
};

fn client(server: &TestServer, signature: SignatureVersion) -> Client {
    Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new("LTAItest", "test-secret-value"))
        .signature(signature)
        .nonce(Arc::new(SequenceNonce::new("n")))
        .retry(RetryPolicy {
            max_attempts: 3,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(5),
        })
        .build()
        .unwrap()
}

/// Every typed call names the right action and product version, with V1 and V3.
#[tokio::test]
async fn every_typed_call_sends_its_action_and_version() {
    for signature in [SignatureVersion::V1, SignatureVersion::V3] {
        let server = TestServer::start(|_| Reply::ok(r#"{"RequestId":"R"}"#)).await;
        let c = client(&server, signature);
        let (ram, sts, ecs) = (c.ram(), c.sts(), c.ecs());
        let role = || RoleNameRequest {
            role_name: "r".into(),
        };
        let user = || UserNameRequest {
            user_name: "u".into(),
        };
        let group = || GroupNameRequest {
            group_name: "g".into(),
        };
        let pref = || PolicyRefRequest {
            policy_type: PolicyType::Custom,
            policy_name: "p".into(),
        };
        let pver = || PolicyVersionRequest {
            policy_name: "p".into(),
            version_id: "v2".into(),
        };
        let upol = UserPolicyRequest::default;
        let gpol = GroupPolicyRequest::default;
        let rpol = RolePolicyRequest::default;
        let member = GroupMemberRequest::default;
        let mut expected: Vec<(&str, &str)> = Vec::new();
        macro_rules! check {
            ($call:expr, $product:expr, $action:literal) => {
                $call.await.unwrap();
                expected.push(($action, $product));
            };
        }
        let (r, s, e) = ("2015-05-01", "2015-04-01", "2014-05-26");
        check!(
            ram.create_role(CreateRoleRequest::default()),
            r,
            "CreateRole"
        );
        check!(ram.get_role(role()), r, "GetRole");
        check!(ram.list_roles(PageRequest::default()), r, "ListRoles");
        check!(
            ram.update_role(UpdateRoleRequest::default()),
            r,
            "UpdateRole"
        );
        check!(ram.delete_role(role()), r, "DeleteRole");
        check!(
            ram.create_policy(CreatePolicyRequest::default()),
            r,
            "CreatePolicy"
        );
        check!(ram.get_policy(pref()), r, "GetPolicy");
        check!(
            ram.delete_policy(DeletePolicyRequest::default()),
            r,
            "DeletePolicy"
        );
        check!(
            ram.list_policies(ListPoliciesRequest::default()),
            r,
            "ListPolicies"
        );
        check!(
            ram.create_policy_version(CreatePolicyVersionRequest::default()),
            r,
            "CreatePolicyVersion"
        );
        check!(
            ram.get_policy_version(GetPolicyVersionRequest::default()),
            r,
            "GetPolicyVersion"
        );
        check!(ram.list_policy_versions(pref()), r, "ListPolicyVersions");
        check!(ram.delete_policy_version(pver()), r, "DeletePolicyVersion");
        check!(
            ram.set_default_policy_version(pver()),
            r,
            "SetDefaultPolicyVersion"
        );
        check!(ram.attach_policy_to_user(upol()), r, "AttachPolicyToUser");
        check!(ram.attach_policy_to_group(gpol()), r, "AttachPolicyToGroup");
        check!(ram.attach_policy_to_role(rpol()), r, "AttachPolicyToRole");
        check!(
            ram.detach_policy_from_user(upol()),
            r,
            "DetachPolicyFromUser"
        );
        check!(
            ram.detach_policy_from_group(gpol()),
            r,
            "DetachPolicyFromGroup"
        );
        check!(
            ram.detach_policy_from_role(rpol()),
            r,
            "DetachPolicyFromRole"
        );
        check!(ram.list_policies_for_user(user()), r, "ListPoliciesForUser");
        check!(
            ram.list_policies_for_group(group()),
            r,
            "ListPoliciesForGroup"
        );
        check!(ram.list_policies_for_role(role()), r, "ListPoliciesForRole");
        check!(
            ram.list_entities_for_policy(pref()),
            r,
            "ListEntitiesForPolicy"
        );
        check!(
            ram.create_user(CreateUserRequest::default()),
            r,
            "CreateUser"
        );
        check!(ram.get_user(user()), r, "GetUser");
        check!(
            ram.update_user(UpdateUserRequest::default()),
            r,
            "UpdateUser"
        );
        check!(ram.delete_user(user()), r, "DeleteUser");
        check!(ram.list_users(PageRequest::default()), r, "ListUsers");
        check!(
            ram.create_login_profile(CreateLoginProfileRequest::default()),
            r,
            "CreateLoginProfile"
        );
        check!(ram.get_login_profile(user()), r, "GetLoginProfile");
        check!(
            ram.update_login_profile(UpdateLoginProfileRequest::default()),
            r,
            "UpdateLoginProfile"
        );
        check!(ram.delete_login_profile(user()), r, "DeleteLoginProfile");
        check!(
            ram.create_access_key(AccessKeysRequest::default()),
            r,
            "CreateAccessKey"
        );
        check!(
            ram.list_access_keys(AccessKeysRequest::default()),
            r,
            "ListAccessKeys"
        );
        check!(
            ram.update_access_key(UpdateAccessKeyRequest::default()),
            r,
            "UpdateAccessKey"
        );
        check!(
            ram.delete_access_key(DeleteAccessKeyRequest::default()),
            r,
            "DeleteAccessKey"
        );
        check!(
            ram.create_group(CreateGroupRequest::default()),
            r,
            "CreateGroup"
        );
        check!(ram.get_group(group()), r, "GetGroup");
        check!(
            ram.update_group(UpdateGroupRequest::default()),
            r,
            "UpdateGroup"
        );
        check!(ram.delete_group(group()), r, "DeleteGroup");
        check!(ram.list_groups(PageRequest::default()), r, "ListGroups");
        check!(ram.add_user_to_group(member()), r, "AddUserToGroup");
        check!(
            ram.remove_user_from_group(member()),
            r,
            "RemoveUserFromGroup"
        );
        check!(ram.list_groups_for_user(user()), r, "ListGroupsForUser");
        check!(
            ram.list_users_for_group(ListUsersForGroupRequest::default()),
            r,
            "ListUsersForGroup"
        );
        check!(
            ram.set_account_alias(SetAccountAliasRequest::default()),
            r,
            "SetAccountAlias"
        );
        check!(ram.get_account_alias(), r, "GetAccountAlias");
        check!(ram.clear_account_alias(), r, "ClearAccountAlias");
        check!(
            sts.assume_role(AssumeRoleRequest::default()),
            s,
            "AssumeRole"
        );
        check!(sts.get_caller_identity(), s, "GetCallerIdentity");
        check!(
            ecs.run_instances(RunInstancesRequest::default()),
            e,
            "RunInstances"
        );
        check!(
            ecs.create_instance(CreateInstanceRequest::default()),
            e,
            "CreateInstance"
        );
        check!(
            ecs.describe_instances(DescribeInstancesRequest::default()),
            e,
            "DescribeInstances"
        );
        check!(
            ecs.start_instance(StartInstanceRequest::default()),
            e,
            "StartInstance"
        );
        check!(
            ecs.stop_instance(StopInstanceRequest::default()),
            e,
            "StopInstance"
        );
        check!(
            ecs.reboot_instance(StopInstanceRequest::default()),
            e,
            "RebootInstance"
        );
        check!(
            ecs.delete_instance(DeleteInstanceRequest::default()),
            e,
            "DeleteInstance"
        );

        let got: Vec<(String, String)> = server
            .requests()
            .iter()
            .map(|r| {
                let version = r
                    .param("Version")
                    .or_else(|| r.header("x-acs-version").map(str::to_owned))
                    .unwrap();
                (r.action().unwrap(), version)
            })
            .collect();
        let want: Vec<(String, String)> = expected
            .iter()
            .map(|(a, v)| ((*a).to_owned(), (*v).to_owned()))
            .collect();
        assert_eq!(got, want, "{signature:?}");
        assert_eq!(got.len(), 58, "49 RAM, 2 STS and 7 ECS calls");
    }
}

#[tokio::test]
async fn parameters_follow_the_rpc_conventions() {
    let server = TestServer::start(|_| Reply::ok(r#"{"RequestId":"R"}"#)).await;
    let c = client(&server, SignatureVersion::V3);
    c.ram()
        .create_role(CreateRoleRequest {
            role_name: "ecs-admin".into(),
            assume_role_policy_document: r#"{"Version":"1"}"#.into(),
            description: Some("a b*c~é".into()),
            max_session_duration: Some(7200),
            tag: Some(vec![Tag {
                key: "env".into(),
                value: "test".into(),
            }]),
        })
        .await
        .unwrap();
    c.ecs()
        .describe_instances(DescribeInstancesRequest {
            region_id: "cn-hangzhou".into(),
            instance_ids: Some(vec!["i-1".into(), "i-2".into()]),
            ..Default::default()
        })
        .await
        .unwrap();
    c.ram()
        .create_login_profile(CreateLoginProfileRequest {
            user_name: "alice".into(),
            password: "Pa55word!".into(),
            mfa_bind_required: Some(false),
            ..Default::default()
        })
        .await
        .unwrap();
    let reqs = server.requests();
    let role = &reqs[0];
    assert_eq!(role.param("RoleName").as_deref(), Some("ecs-admin"));
    assert_eq!(role.param("Description").as_deref(), Some("a b*c~é"));
    assert_eq!(role.param("MaxSessionDuration").as_deref(), Some("7200"));
    assert_eq!(
        role.param("Tag").as_deref(),
        Some(r#"[{"Key":"env","Value":"test"}]"#)
    );
    assert!(role.raw_query().contains("Description=a%20b%2Ac~%C3%A9"));
    assert_eq!(
        reqs[1].param("InstanceIds").as_deref(),
        Some(r#"["i-1","i-2"]"#)
    );
    assert_eq!(reqs[2].param("Password").as_deref(), Some("Pa55word!"));
    assert_eq!(reqs[2].param("MFABindRequired").as_deref(), Some("false"));
    assert_eq!(reqs[2].param("PasswordResetRequired"), None);
    assert_eq!(role.header("accept"), Some("application/json"));
    assert_eq!(role.method, "POST");
}

#[tokio::test]
async fn success_bodies_decode_into_response_types() {
    let server = TestServer::scripted(vec![
        Reply::ok(
            r#"{"RequestId":"R1","IsTruncated":true,"Marker":"m2","Roles":{"Role":[{"RoleId":"3008","RoleName":"ecs-admin","Arn":"acs:ram::1111:role/ecs-admin","Description":"d","MaxSessionDuration":3600,"CreateDate":"2024-05-06T07:08:09Z","UpdateDate":"2024-05-06T07:08:09Z"}]}}"#,
        ),
        Reply::ok(
            r#"{"RequestId":"R2","Policy":{"PolicyName":"AliyunSTSAssumeRoleAccess","PolicyType":"System","Description":"x","DefaultVersion":"v1","AttachmentCount":1,"CreateDate":"2015-08-03T04:52:09Z"},"DefaultPolicyVersion":{"VersionId":"v1","IsDefaultVersion":true,"PolicyDocument":"{\"Version\":\"1\"}","CreateDate":"2015-08-03T04:52:09Z"}}"#,
        ),
        Reply::ok(
            r#"{"RequestId":"R3","AccessKey":{"AccessKeyId":"LTAI5tNew","AccessKeySecret":"new-secret-value","Status":"Active","CreateDate":"2024-05-06T07:20:00Z"}}"#,
        ),
        Reply::ok(
            r#"{"RequestId":"R4","AssumedRoleUser":{"Arn":"acs:ram::1111:role/ecs-admin/alice","AssumedRoleId":"3008:alice"},"Credentials":{"AccessKeyId":"STS.N1","AccessKeySecret":"sts-secret","SecurityToken":"CAIS-token","Expiration":"2024-05-06T08:30:00Z"}}"#,
        ),
        Reply::ok(
            r#"{"RequestId":"R5","TotalCount":1,"PageNumber":1,"PageSize":10,"Instances":{"Instance":[{"InstanceId":"i-1","Status":"Running","RegionId":"cn-hangzhou","OSName":"Alibaba Cloud Linux 3","SecurityGroupIds":{"SecurityGroupId":["sg-1"]},"VpcAttributes":{"VpcId":"vpc-1","VSwitchId":"vsw-1","PrivateIpAddress":{"IpAddress":["172.16.0.10"]},"NatIpAddress":""},"PublicIpAddress":{"IpAddress":[]},"Tags":{"Tag":[{"TagKey":"env","TagValue":"test"}]}}]}}"#,
        ),
        Reply::ok(
            r#"{"RequestId":"R6","Users":{"User":[{"UserId":"2005","UserName":"alice","DisplayName":"Alice","AttachDate":"2024-05-06T07:12:00Z"}]},"Groups":{"Group":[]},"Roles":{"Role":[{"RoleId":"3008","RoleName":"r","Arn":"a","AttachDate":"x"}]}}"#,
        ),
        Reply::ok(
            r#"{"RequestId":"R7","AccountId":"1111","RoleId":"3008","PrincipalId":"3008:alice","IdentityType":"AssumedRoleUser","Arn":"acs:ram::1111:assumed-role/ecs-admin/alice"}"#,
        ),
        Reply::ok(r#"{"RequestId":"R8","LoginProfile":{"UserName":"alice","PasswordResetRequired":true,"MFABindRequired":false,"CreateDate":"d"}}"#),
    ])
    .await;
    let c = client(&server, SignatureVersion::V3);
    let roles = c.ram().list_roles(PageRequest::default()).await.unwrap();
    assert!(roles.is_truncated);
    assert_eq!(roles.marker.as_deref(), Some("m2"));
    assert_eq!(roles.roles.len(), 1);
    assert_eq!(roles.roles[0].role_name, "ecs-admin");
    assert_eq!(roles.roles[0].max_session_duration, Some(3600));

    let policy = c
        .ram()
        .get_policy(PolicyRefRequest {
            policy_type: PolicyType::System,
            policy_name: "AliyunSTSAssumeRoleAccess".into(),
        })
        .await
        .unwrap();
    assert_eq!(policy.policy.attachment_count, Some(1));
    let version = policy.default_policy_version.unwrap();
    assert!(version.is_default_version);
    assert_eq!(
        version.policy_document.as_deref(),
        Some(r#"{"Version":"1"}"#)
    );

    let key = c
        .ram()
        .create_access_key(AccessKeysRequest::default())
        .await
        .unwrap();
    let secret = key.access_key.access_key_secret.clone().unwrap();
    assert_eq!(secret.expose(), "new-secret-value");
    assert!(!format!("{key:?}").contains("new-secret-value"));

    let assumed = c
        .sts()
        .assume_role(AssumeRoleRequest::default())
        .await
        .unwrap();
    let creds = assumed.credentials.to_credentials().unwrap();
    assert_eq!(creds.access_key_id, "STS.N1");
    assert_eq!(creds.security_token.unwrap().expose(), "CAIS-token");
    assert_eq!(
        creds.expiration.unwrap().unix_timestamp(),
        time::macros::datetime!(2024-05-06 08:30:00 UTC).unix_timestamp()
    );
    assert_eq!(assumed.assumed_role_user.assumed_role_id, "3008:alice");

    let instances = c
        .ecs()
        .describe_instances(DescribeInstancesRequest::default())
        .await
        .unwrap();
    let i = &instances.instances[0];
    assert_eq!(i.security_group_ids, ["sg-1"]);
    assert_eq!(i.os_name.as_deref(), Some("Alibaba Cloud Linux 3"));
    assert_eq!(
        i.vpc_attributes.as_ref().unwrap().private_ip_address,
        ["172.16.0.10"]
    );
    assert!(i.public_ip_address.is_empty());
    assert_eq!(i.tags[0].tag_value, "test");

    let entities = c
        .ram()
        .list_entities_for_policy(PolicyRefRequest::default())
        .await
        .unwrap();
    assert_eq!(entities.users[0].user_name, "alice");
    assert!(entities.groups.is_empty());
    assert_eq!(entities.roles[0].attach_date.as_deref(), Some("x"));

    let me = c.sts().get_caller_identity().await.unwrap();
    assert_eq!(me.identity_type, "AssumedRoleUser");
    assert_eq!(me.role_id.as_deref(), Some("3008"));
    assert_eq!(me.user_id, None);

    let lp = c
        .ram()
        .get_login_profile(UserNameRequest::default())
        .await
        .unwrap();
    assert!(lp.login_profile.password_reset_required);
    assert!(!lp.login_profile.mfa_bind_required);
}

#[tokio::test]
async fn raw_calls_return_the_json_body() {
    let server = TestServer::scripted(vec![Reply::ok(
        r#"{"RequestId":"R","AccountAlias":"company-a"}"#,
    )])
    .await;
    let c = client(&server, SignatureVersion::V1);
    let v = c
        .call(Product::Ram, "GetAccountAlias", &[("Language", "en")])
        .await
        .unwrap();
    assert_eq!(v["AccountAlias"], "company-a");
    let got = &server.requests()[0];
    assert_eq!(got.param("Action").as_deref(), Some("GetAccountAlias"));
    assert_eq!(got.param("Language").as_deref(), Some("en"));
    assert!(got.param("Signature").is_some());
}

#[tokio::test]
async fn a_format_given_replaces_json_and_parameters_the_client_sets_are_refused() {
    let xml = "<?xml version='1.0'?><GetAccountAliasResponse><AccountAlias>a</AccountAlias>\
               </GetAccountAliasResponse>";
    for signature in [SignatureVersion::V1, SignatureVersion::V3] {
        let server = TestServer::scripted(vec![Reply::ok(xml)]).await;
        let c = client(&server, signature);
        let body = c
            .call_raw(Product::Ram, "GetAccountAlias", &[("Format", "XML")])
            .await
            .unwrap();
        assert_eq!(&body[..], xml.as_bytes());
        // Sent once, as given (V1 would otherwise add its own Format=JSON first).
        let got = &server.requests()[0];
        assert_eq!(got.params_named("Format"), ["XML"], "{signature:?}");
        // A parameter the client sets itself is refused before anything is sent.
        for name in ["Action", "Version", "SignatureNonce", "AccessKeyId"] {
            let e = c
                .call(Product::Ram, "GetRole", &[(name, "x"), ("RoleName", "r")])
                .await
                .unwrap_err();
            assert!(
                matches!(&e, Error::Config(m) if m.contains(name)),
                "{name}: {e:?}"
            );
        }
        assert_eq!(server.requests().len(), 1);
    }
}

#[tokio::test]
async fn a_body_that_is_not_json_is_shown_with_its_secrets_masked() {
    let xml = "<CreateAccessKeyResponse><AccessKey><AccessKeySecret>lnXad7y3</AccessKeySecret>\
               </AccessKey></CreateAccessKeyResponse>";
    let server = TestServer::scripted(vec![Reply::ok(xml)]).await;
    let c = client(&server, SignatureVersion::V3);
    let e = c
        .call(Product::Ram, "CreateAccessKey", &[("Format", "XML")])
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { .. }), "{e:?}");
    let text = format!("{e} {e:?}");
    assert!(!text.contains("lnXad7y3"), "{text}");
    assert!(
        text.contains("<AccessKeySecret>***</AccessKeySecret>"),
        "{text}"
    );
}

#[tokio::test]
async fn error_bodies_become_service_errors() {
    let server = TestServer::scripted(vec![
        Reply::json(
            404,
            r#"{"RequestId":"RID-1","HostId":"ram.aliyuncs.com","Code":"EntityNotExist.Role","Message":"The role does not exist.","Recommend":"https://api.aliyun.com/troubleshoot?q=EntityNotExist.Role"}"#,
        ),
        Reply::json(
            403,
            r#"{"RequestId":"RID-2","HostId":"sts.aliyuncs.com","Code":"NoPermission","Message":"You are not authorized to do this action.","AccessDeniedDetail":{"PolicyType":"AccountLevelIdentityBasedPolicy","NoPermissionType":"ImplicitDeny","AuthAction":"sts:AssumeRole"}}"#,
        ),
        Reply {
            status: 403,
            content_type: "text/xml;charset=utf-8",
            body: "<?xml version=\"1.0\" encoding=\"UTF-8\"?><Error><RequestId>RID-3</RequestId><HostId>h</HostId><Code>Forbidden.RAM</Code><Message>User not authorized.</Message></Error>".into(),
            delay: Duration::ZERO,
        },
        Reply::json(500, "<html>oops</html>"),
        Reply::ok("not json"),
        Reply::json(
            400,
            r#"{"RequestId":"RID-4","HostId":"ecs.aliyuncs.com","Code":"DryRunOperation","Message":"Request validation has been passed with DryRun flag set."}"#,
        ),
    ])
    .await;
    let c = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new("LTAItest", "test-secret-value"))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();

    let e = c
        .ram()
        .get_role(RoleNameRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("EntityNotExist.Role"));
    assert_eq!(e.status(), Some(404));
    assert_eq!(e.request_id(), Some("RID-1"));
    assert_eq!(e.service_message(), Some("The role does not exist."));

    let e = c
        .sts()
        .assume_role(AssumeRoleRequest::default())
        .await
        .unwrap_err();
    match &e {
        Error::Service {
            code,
            status,
            access_denied_detail,
            ..
        } => {
            assert_eq!((code.as_str(), *status), ("NoPermission", 403));
            assert_eq!(
                access_denied_detail.as_ref().unwrap()["NoPermissionType"],
                "ImplicitDeny"
            );
        }
        other => panic!("{other:?}"),
    }

    let e = c
        .ecs()
        .stop_instance(StopInstanceRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("Forbidden.RAM"));
    assert_eq!(e.request_id(), Some("RID-3"));
    assert!(!e.is_dry_run_success());

    let e = c
        .ram()
        .get_role(RoleNameRequest::default())
        .await
        .unwrap_err();
    assert!(matches!(e, Error::Decode { status: 500, .. }), "{e:?}");

    let e = c
        .ram()
        .get_role(RoleNameRequest::default())
        .await
        .unwrap_err();
    match &e {
        Error::Decode {
            status, snippet, ..
        } => {
            assert_eq!(*status, 200);
            assert_eq!(snippet, "not json");
        }
        other => panic!("{other:?}"),
    }
    assert!(!format!("{e} {e:?}").contains("test-secret-value"));

    // A DryRun that would have gone through is answered as an error; the helper tells it.
    let e = c
        .ecs()
        .stop_instance(StopInstanceRequest::default())
        .await
        .unwrap_err();
    assert!(e.is_dry_run_success(), "{e:?}");
}

#[tokio::test]
async fn idempotent_calls_are_retried_after_server_errors() {
    let server = TestServer::scripted(vec![
        Reply::error(503, "ServiceUnavailable", "try later"),
        Reply::ok(r#"{"RequestId":"R","Role":{"RoleName":"r"}}"#),
    ])
    .await;
    let c = client(&server, SignatureVersion::V1);
    let role = c
        .ram()
        .get_role(RoleNameRequest {
            role_name: "r".into(),
        })
        .await
        .unwrap();
    assert_eq!(role.role.role_name, "r");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    // Each attempt is signed afresh: a new nonce, so the server does not see a replay.
    assert_ne!(
        reqs[0].param("SignatureNonce"),
        reqs[1].param("SignatureNonce")
    );
}

#[tokio::test]
async fn mutating_calls_are_not_retried_after_server_errors() {
    let server = TestServer::scripted(vec![
        Reply::error(503, "ServiceUnavailable", "try later"),
        Reply::ok(r#"{"RequestId":"R"}"#),
    ])
    .await;
    let c = client(&server, SignatureVersion::V3);
    let e = c
        .ram()
        .create_role(CreateRoleRequest::default())
        .await
        .unwrap_err();
    assert_eq!(e.code(), Some("ServiceUnavailable"));
    assert_eq!(e.status(), Some(503));
    assert_eq!(server.requests().len(), 1);
}

#[tokio::test]
async fn throttling_is_retried_for_any_call_until_the_budget_is_spent() {
    let server = TestServer::scripted(vec![
        Reply::error(
            400,
            "Throttling.User",
            "Request was denied due to user flow control.",
        ),
        Reply::ok(r#"{"RequestId":"R","Role":{"RoleName":"r"}}"#),
        Reply::error(400, "Throttling", "slow down"),
        Reply::error(400, "Throttling", "slow down"),
        Reply::error(400, "Throttling", "slow down"),
    ])
    .await;
    let c = client(&server, SignatureVersion::V3);
    c.ram()
        .create_role(CreateRoleRequest::default())
        .await
        .unwrap();
    assert_eq!(server.requests().len(), 2);
    let e = c
        .ram()
        .get_role(RoleNameRequest::default())
        .await
        .unwrap_err();
    assert!(e.is_throttling());
    assert_eq!(server.requests().len(), 5, "3 attempts for the second call");
}

#[tokio::test]
async fn slow_answers_time_out_as_transport_errors() {
    let server = TestServer::scripted(vec![
        Reply::ok(r#"{"RequestId":"R"}"#).delayed(Duration::from_secs(5)),
    ])
    .await;
    let c = Client::builder()
        .endpoint(server.url())
        .credentials(Credentials::new("LTAItest", "test-secret-value"))
        .timeout(Duration::from_millis(200))
        .retry(RetryPolicy::none())
        .build()
        .unwrap();
    let e = c
        .ram()
        .delete_role(RoleNameRequest::default())
        .await
        .unwrap_err();
    match e {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Timeout),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn refused_connections_are_transport_errors_without_secrets() {
    // Bind and drop a listener to get a port nobody listens on.
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let c = Client::builder()
        .endpoint(format!("http://127.0.0.1:{port}"))
        .credentials(
            Credentials::new("STS.test", "test-secret-value").with_security_token("tok-value-123"),
        )
        .signature(SignatureVersion::V1)
        .retry(RetryPolicy {
            max_attempts: 2,
            base_delay: Duration::from_millis(1),
            max_delay: Duration::from_millis(1),
        })
        .build()
        .unwrap();
    let e = c.sts().get_caller_identity().await.unwrap_err();
    match &e {
        Error::Transport(t) => assert_eq!(t.kind(), TransportErrorKind::Connect),
        other => panic!("{other:?}"),
    }
    let text = format!("{e} {e:?}");
    assert!(!text.contains("tok-value-123"), "{text}");
    assert!(!text.contains("test-secret-value"), "{text}");
    // Where it went and how often, without the query (it holds the key and signature).
    assert!(
        e.to_string()
            .contains(&format!("http://127.0.0.1:{port}/: ")),
        "{e}"
    );
    assert!(e.to_string().ends_with("(after 2 attempts)"), "{e}");
    assert!(
        !text.contains("LTAI") && !text.contains("STS.test"),
        "{text}"
    );
}
