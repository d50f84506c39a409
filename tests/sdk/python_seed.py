"""Drives the seed flow through the official Alibaba Cloud Python SDKs against `crossram serve`.

Run by the Rust test `sdk_python` (tests/e2e/sdk.rs) with the endpoint and the root keys of the
two seed accounts in the environment. Prints one JSON object per check on stdout and exits 1 if
any check failed, so a failure names the SDK flavour, the step and what came back.

Flavours: the Tea SDKs in V3 (ACS3-HMAC-SHA256) and V2 (HMAC-SHA1) signature modes, the old
aliyun-python-sdk-core, and the alibabacloud_credentials RamRoleArn provider over HTTPS.
"""

import json
import os
import sys

from alibabacloud_tea_openapi.models import Config
from alibabacloud_ram20150501.client import Client as RamClient
from alibabacloud_ram20150501 import models as ram
from alibabacloud_sts20150401.client import Client as StsClient
from alibabacloud_sts20150401 import models as sts
from alibabacloud_ecs20140526.client import Client as EcsClient
from alibabacloud_ecs20140526 import models as ecs

ENDPOINT = os.environ["CROSSRAM_ENDPOINT"]          # 127.0.0.1:PORT (HTTP)
TLS_ENDPOINT = os.environ["CROSSRAM_TLS_ENDPOINT"]  # 127.0.0.1:PORT (HTTPS)
A_UID, A_AK, A_SK = os.environ["CROSSRAM_A_ID"], os.environ["CROSSRAM_A_AK"], os.environ["CROSSRAM_A_SK"]
B_UID, B_AK, B_SK = os.environ["CROSSRAM_B_ID"], os.environ["CROSSRAM_B_AK"], os.environ["CROSSRAM_B_SK"]

TRUST_B = json.dumps({
    "Statement": [{"Action": "sts:AssumeRole", "Effect": "Allow",
                   "Principal": {"RAM": [f"acs:ram::{B_UID}:root"]}}],
    "Version": "1",
})

failures = 0


def report(flavour, step, ok, detail=""):
    global failures
    if not ok:
        failures += 1
    print(json.dumps({"flavour": flavour, "step": step, "ok": ok, "detail": str(detail)}), flush=True)


def expect_ok(flavour, step, fn):
    try:
        value = fn()
        report(flavour, step, True)
        return value
    except Exception as e:  # noqa: BLE001 - every failure is reported, none hidden
        report(flavour, step, False, f"{type(e).__name__}: {e}")
        return None


def denial_of(e):
    """The AccessDeniedDetail a Tea SDK exception carries (its own field, or the error body)."""
    detail = getattr(e, "access_denied_detail", None)
    if not detail:
        detail = (getattr(e, "data", None) or {}).get("AccessDeniedDetail")
    return detail or {}


def expect_error(flavour, step, fn, code, status=None, detail=None):
    """The call fails with `code` (and `status`); with `detail`, its AccessDeniedDetail holds
    those fields with those values."""
    try:
        fn()
    except Exception as e:  # noqa: BLE001
        got_code = getattr(e, "code", None)
        if got_code is None and hasattr(e, "get_error_code"):
            got_code = e.get_error_code()
        got_status = getattr(e, "status_code", None) or getattr(e, "statusCode", None)
        if got_status is None and hasattr(e, "get_http_status"):
            got_status = e.get_http_status()
        ok = got_code == code and (status is None or got_status == status)
        note = f"code={got_code} status={got_status}"
        if detail:
            got = denial_of(e)
            ok = ok and all(got.get(k) == v for k, v in detail.items())
            note += f" AccessDeniedDetail={got}"
        report(flavour, step, ok, note)
        return
    report(flavour, step, False, f"expected {code}, the call succeeded")


def config(ak, sk, token=None, v2=False, endpoint=ENDPOINT):
    c = Config(access_key_id=ak, access_key_secret=sk, security_token=token,
               endpoint=endpoint, protocol="http", region_id="cn-hangzhou")
    if v2:
        c.signature_algorithm = "v2"
    return c


def tea_flow(mode):
    """The seed flow with the generated Tea clients; mode is 'v3' or 'v2'."""
    v2 = mode == "v2"
    flavour = f"py-tea-{mode}"
    role = f"ecs-admin-{mode}"
    role_arn = f"acs:ram::{A_UID}:role/{role}"
    a_ram = RamClient(config(A_AK, A_SK, v2=v2))
    b_ram = RamClient(config(B_AK, B_SK, v2=v2))
    a_ecs = EcsClient(config(A_AK, A_SK, v2=v2))

    expect_ok(flavour, "A CreateRole", lambda: a_ram.create_role(ram.CreateRoleRequest(
        role_name=role, assume_role_policy_document=TRUST_B, description="seed role")))
    expect_ok(flavour, "A AttachPolicyToRole", lambda: a_ram.attach_policy_to_role(ram.AttachPolicyToRoleRequest(
        policy_type="System", policy_name="AliyunECSFullAccess", role_name=role)))
    run = expect_ok(flavour, "A RunInstances", lambda: a_ecs.run_instances(ecs.RunInstancesRequest(
        region_id="cn-hangzhou", image_id="aliyun_3_x64", instance_type="ecs.g6.large")))
    instance = run.body.instance_id_sets.instance_id_set[0] if run else "i-missing"

    alice, bob = f"Alice-{mode}", f"Bob-{mode}"
    keys = {}
    for user in (alice, bob):
        expect_ok(flavour, f"B CreateUser {user}", lambda: b_ram.create_user(ram.CreateUserRequest(user_name=user)))
        key = expect_ok(flavour, f"B CreateAccessKey {user}", lambda: b_ram.create_access_key(
            ram.CreateAccessKeyRequest(user_name=user)))
        if key:
            keys[user] = (key.body.access_key.access_key_id, key.body.access_key.access_key_secret)
    expect_ok(flavour, "B AttachPolicyToUser Alice", lambda: b_ram.attach_policy_to_user(ram.AttachPolicyToUserRequest(
        policy_type="System", policy_name="AliyunSTSAssumeRoleAccess", user_name=alice)))
    if alice not in keys or bob not in keys:
        return None

    alice_sts = StsClient(config(*keys[alice], v2=v2))
    assumed = expect_ok(flavour, "Alice AssumeRole", lambda: alice_sts.assume_role(sts.AssumeRoleRequest(
        role_arn=role_arn, role_session_name="alice", duration_seconds=3600)))
    if not assumed:
        return None
    c = assumed.body.credentials
    report(flavour, "AssumeRole answer", assumed.body.assumed_role_user.arn == f"acs:ram::{A_UID}:role/{role}/alice"
           and c.access_key_id.startswith("STS.") and c.expiration.endswith("Z"), assumed.body.assumed_role_user.arn)

    session_sts = StsClient(config(c.access_key_id, c.access_key_secret, c.security_token, v2=v2))
    who = expect_ok(flavour, "session GetCallerIdentity", lambda: session_sts.get_caller_identity())
    if who:
        report(flavour, "GetCallerIdentity answer",
               who.body.identity_type == "AssumedRoleUser"
               and who.body.arn == f"acs:ram::{A_UID}:assumed-role/{role}/alice", who.body.arn)
    session_ecs = EcsClient(config(c.access_key_id, c.access_key_secret, c.security_token, v2=v2))
    listed = expect_ok(flavour, "session DescribeInstances", lambda: session_ecs.describe_instances(
        ecs.DescribeInstancesRequest(region_id="cn-hangzhou", instance_ids=json.dumps([instance]))))
    if listed:
        report(flavour, "DescribeInstances sees A's instance", listed.body.total_count == 1, listed.body.total_count)
    expect_ok(flavour, "session StopInstance", lambda: session_ecs.stop_instance(ecs.StopInstanceRequest(instance_id=instance)))
    expect_ok(flavour, "session StartInstance", lambda: session_ecs.start_instance(ecs.StartInstanceRequest(instance_id=instance)))
    session_ram = RamClient(config(c.access_key_id, c.access_key_secret, c.security_token, v2=v2))
    expect_error(flavour, "session may not CreateUser in A", lambda: session_ram.create_user(
        ram.CreateUserRequest(user_name="mallory")), "NoPermission", 403)

    bob_sts = StsClient(config(*keys[bob], v2=v2))
    # The service's fields, with the service's values, as the SDK hands them to code.
    expect_error(flavour, "Bob AssumeRole refused", lambda: bob_sts.assume_role(sts.AssumeRoleRequest(
        role_arn=role_arn, role_session_name="bob")), "NoPermission", 403,
        detail={"PolicyType": "AccountLevelIdentityBasedPolicy", "AuthPrincipalType": "SubUser",
                "AuthPrincipalDisplayName": bob, "NoPermissionType": "ImplicitDeny",
                "AuthAction": "sts:AssumeRole"})
    expect_error(flavour, "AssumeRole of a missing role", lambda: alice_sts.assume_role(sts.AssumeRoleRequest(
        role_arn=f"acs:ram::{A_UID}:role/does-not-exist", role_session_name="alice")), "EntityNotExist.Role", 404)
    wrong = StsClient(config(A_AK, "not-the-secret", v2=v2))
    expect_error(flavour, "wrong secret", lambda: wrong.get_caller_identity(), "SignatureDoesNotMatch", 400)

    # Revocation: A deletes the role (after detaching); the live session dies.
    expect_error(flavour, "A DeleteRole with a policy attached", lambda: a_ram.delete_role(
        ram.DeleteRoleRequest(role_name=role)), "DeleteConflict.Role.Policy", 409)
    expect_ok(flavour, "A DetachPolicyFromRole", lambda: a_ram.detach_policy_from_role(ram.DetachPolicyFromRoleRequest(
        policy_type="System", policy_name="AliyunECSFullAccess", role_name=role)))
    expect_ok(flavour, "A DeleteRole", lambda: a_ram.delete_role(ram.DeleteRoleRequest(role_name=role)))
    expect_error(flavour, "the dead session is refused", lambda: session_sts.get_caller_identity(),
                 "InvalidSecurityToken.Expired", 400)
    return keys[alice]


def core_flow():
    """The old aliyun-python-sdk-core (V1, all parameters in the query)."""
    from aliyunsdkcore.client import AcsClient
    from aliyunsdkcore.auth.credentials import StsTokenCredential
    from aliyunsdkram.request.v20150501.CreateRoleRequest import CreateRoleRequest
    from aliyunsdkram.request.v20150501.AttachPolicyToRoleRequest import AttachPolicyToRoleRequest
    from aliyunsdksts.request.v20150401.AssumeRoleRequest import AssumeRoleRequest
    from aliyunsdksts.request.v20150401.GetCallerIdentityRequest import GetCallerIdentityRequest

    flavour = "py-core"

    def send(client, req):
        req.set_endpoint(ENDPOINT)
        req.set_protocol_type("http")
        return json.loads(client.do_action_with_exception(req))

    a = AcsClient(A_AK, A_SK, "cn-hangzhou")
    req = CreateRoleRequest()
    req.set_RoleName("ecs-admin-core")
    req.set_AssumeRolePolicyDocument(TRUST_B)
    expect_ok(flavour, "A CreateRole", lambda: send(a, req))
    att = AttachPolicyToRoleRequest()
    att.set_PolicyType("System")
    att.set_PolicyName("AliyunECSFullAccess")
    att.set_RoleName("ecs-admin-core")
    expect_ok(flavour, "A AttachPolicyToRole", lambda: send(a, att))
    return a, send, AssumeRoleRequest, GetCallerIdentityRequest, StsTokenCredential, AcsClient


def core_assume(alice_key, tools):
    a, send, AssumeRoleRequest, GetCallerIdentityRequest, StsTokenCredential, AcsClient = tools
    flavour = "py-core"
    alice = AcsClient(alice_key[0], alice_key[1], "cn-hangzhou")
    req = AssumeRoleRequest()
    req.set_RoleArn(f"acs:ram::{A_UID}:role/ecs-admin-core")
    req.set_RoleSessionName("core")
    body = expect_ok(flavour, "Alice AssumeRole", lambda: send(alice, req))
    if body:
        c = body["Credentials"]
        session = AcsClient(region_id="cn-hangzhou", credential=StsTokenCredential(
            c["AccessKeyId"], c["AccessKeySecret"], c["SecurityToken"]))
        who = expect_ok(flavour, "session GetCallerIdentity", lambda: send(session, GetCallerIdentityRequest()))
        if who:
            report(flavour, "GetCallerIdentity answer", who.get("IdentityType") == "AssumedRoleUser", who)
    root = AcsClient(B_AK, B_SK, "cn-hangzhou")
    req2 = AssumeRoleRequest()
    req2.set_RoleArn(f"acs:ram::{A_UID}:role/ecs-admin-core")
    req2.set_RoleSessionName("root")
    expect_error(flavour, "root may not AssumeRole", lambda: send(root, req2), "NoPermission", 403)
    wrong = AcsClient(A_AK, "not-the-secret", "cn-hangzhou")
    # The old core compares the server's string to sign with its own and reports a bad secret.
    expect_error(flavour, "wrong secret", lambda: send(wrong, GetCallerIdentityRequest()), "InvalidAccessKeySecret")


def ram_role_arn_provider(alice_key):
    """The credentials library's RamRoleArn provider: GET, V1, HTTPS only."""
    from alibabacloud_credentials.provider.ram_role_arn import RamRoleArnCredentialsProvider

    flavour = "py-cred-rra"
    provider = RamRoleArnCredentialsProvider(
        access_key_id=alice_key[0], access_key_secret=alice_key[1],
        role_arn=f"acs:ram::{A_UID}:role/ecs-admin-core", role_session_name="rra",
        sts_endpoint=TLS_ENDPOINT)
    creds = expect_ok(flavour, "RamRoleArn over HTTPS", provider.get_credentials)
    if creds:
        report(flavour, "provider credentials", creds.get_access_key_id().startswith("STS."), creds.get_access_key_id())
        session = StsClient(config(creds.get_access_key_id(), creds.get_access_key_secret(), creds.get_security_token()))
        who = expect_ok(flavour, "provider session GetCallerIdentity", session.get_caller_identity)
        if who:
            report(flavour, "identity", who.body.arn == f"acs:ram::{A_UID}:assumed-role/ecs-admin-core/rra", who.body.arn)
    # A session policy through the provider: it signs values with quote_plus (a space as `+`,
    # where V1 signs %20), so the policy goes without spaces; the session may then only read.
    narrow = json.dumps({"Version": "1", "Statement": [
        {"Effect": "Allow", "Action": "sts:GetCallerIdentity", "Resource": "*"}]},
        separators=(",", ":"))
    provider = RamRoleArnCredentialsProvider(
        access_key_id=alice_key[0], access_key_secret=alice_key[1],
        role_arn=f"acs:ram::{A_UID}:role/ecs-admin-core", role_session_name="rra-narrow",
        policy=narrow, sts_endpoint=TLS_ENDPOINT)
    creds = expect_ok(flavour, "RamRoleArn with a session policy", provider.get_credentials)
    if creds:
        narrowed = EcsClient(config(creds.get_access_key_id(), creds.get_access_key_secret(),
                                    creds.get_security_token()))
        expect_error(flavour, "the session policy narrows the role",
                     lambda: narrowed.describe_instances(ecs.DescribeInstancesRequest(region_id="cn-hangzhou")),
                     "Forbidden.RAM", 403)


def main():
    tools = core_flow()
    alice_key = None
    for mode in ("v3", "v2"):
        key = tea_flow(mode)
        alice_key = alice_key or key
    if alice_key:
        core_assume(alice_key, tools)
        ram_role_arn_provider(alice_key)
    else:
        report("setup", "Alice's key", False, "no Tea flow produced Alice's key")
    print(json.dumps({"summary": True, "failures": failures}), flush=True)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
