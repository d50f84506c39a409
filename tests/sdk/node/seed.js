// Drives the seed flow through the official Alibaba Cloud Node.js SDKs against `crossram serve`.
//
// Run by the Rust test `node_sdks_play_the_seed_flow` (tests/e2e/sdk.rs) with the endpoint and
// the root keys of the two seed accounts in the environment. Prints one JSON object per check on
// stdout and exits 1 if any check failed, so a failure names the SDK flavour, the step and what
// came back.
//
// Flavours: the Tea clients (@alicloud/<product><version> on @alicloud/openapi-core) in V3
// (ACS3-HMAC-SHA256) and V2 (HMAC-SHA1) signature modes, @alicloud/pop-core's RPCClient, and the
// RAMRoleARN provider of @alicloud/credentials over HTTPS.
'use strict';

const Sts = require('@alicloud/sts20150401');
const Ram = require('@alicloud/ram20150501');
const Ecs = require('@alicloud/ecs20140526');
const { $OpenApiUtil } = require('@alicloud/openapi-core');
const RPCClient = require('@alicloud/pop-core').RPCClient;
const creds = require('@alicloud/credentials');

const env = process.env;
const ENDPOINT = env.CROSSRAM_ENDPOINT; // 127.0.0.1:PORT (HTTP)
const TLS_ENDPOINT = env.CROSSRAM_TLS_ENDPOINT; // 127.0.0.1:PORT (HTTPS)
const A = { uid: env.CROSSRAM_A_ID, ak: env.CROSSRAM_A_AK, sk: env.CROSSRAM_A_SK };
const B = { uid: env.CROSSRAM_B_ID, ak: env.CROSSRAM_B_AK, sk: env.CROSSRAM_B_SK };

const TRUST_B = JSON.stringify({
  Statement: [{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { RAM: [`acs:ram::${B.uid}:root`] } }],
  Version: '1',
});

let failures = 0;

function report(flavour, step, ok, detail = '') {
  if (!ok) failures += 1;
  console.log(JSON.stringify({ flavour, step, ok, detail: String(detail) }));
}

async function expectOk(flavour, step, fn) {
  try {
    const value = await fn();
    report(flavour, step, true);
    return value;
  } catch (e) {
    report(flavour, step, false, `${e.code || e.name}: ${e.message}`);
    return null;
  }
}

async function expectError(flavour, step, fn, code, status) {
  try {
    await fn();
  } catch (e) {
    const gotStatus = e.statusCode || (e.data && e.data.statusCode);
    const ok = e.code === code && (status === undefined || gotStatus === status);
    report(flavour, step, ok, `code=${e.code} status=${gotStatus}`);
    return;
  }
  report(flavour, step, false, `expected ${code}, the call succeeded`);
}

function config(ak, sk, token, v2) {
  return new $OpenApiUtil.Config({
    accessKeyId: ak,
    accessKeySecret: sk,
    securityToken: token,
    endpoint: ENDPOINT,
    protocol: 'http',
    regionId: 'cn-hangzhou',
    signatureAlgorithm: v2 ? 'v2' : undefined,
  });
}

async function teaFlow(mode) {
  const v2 = mode === 'v2';
  const flavour = `node-tea-${mode}`;
  const role = `ecs-admin-node-${mode}`;
  const roleArn = `acs:ram::${A.uid}:role/${role}`;
  const aRam = new Ram.default(config(A.ak, A.sk, undefined, v2));
  const bRam = new Ram.default(config(B.ak, B.sk, undefined, v2));
  const aEcs = new Ecs.default(config(A.ak, A.sk, undefined, v2));

  await expectOk(flavour, 'A CreateRole', () => aRam.createRole(new Ram.CreateRoleRequest({
    roleName: role, assumeRolePolicyDocument: TRUST_B, description: 'seed role' })));
  await expectOk(flavour, 'A AttachPolicyToRole', () => aRam.attachPolicyToRole(new Ram.AttachPolicyToRoleRequest({
    policyType: 'System', policyName: 'AliyunECSFullAccess', roleName: role })));
  const run = await expectOk(flavour, 'A RunInstances', () => aEcs.runInstances(new Ecs.RunInstancesRequest({
    regionId: 'cn-hangzhou', imageId: 'aliyun_3_x64', instanceType: 'ecs.g6.large' })));
  const instance = run ? run.body.instanceIdSets.instanceIdSet[0] : 'i-missing';

  const keys = {};
  for (const user of [`Alice-node-${mode}`, `Bob-node-${mode}`]) {
    await expectOk(flavour, `B CreateUser ${user}`, () => bRam.createUser(new Ram.CreateUserRequest({ userName: user })));
    const key = await expectOk(flavour, `B CreateAccessKey ${user}`, () => bRam.createAccessKey(
      new Ram.CreateAccessKeyRequest({ userName: user })));
    if (key) keys[user.split('-')[0]] = [key.body.accessKey.accessKeyId, key.body.accessKey.accessKeySecret];
  }
  await expectOk(flavour, 'B AttachPolicyToUser Alice', () => bRam.attachPolicyToUser(new Ram.AttachPolicyToUserRequest({
    policyType: 'System', policyName: 'AliyunSTSAssumeRoleAccess', userName: `Alice-node-${mode}` })));
  if (!keys.Alice || !keys.Bob) return null;

  const aliceSts = new Sts.default(config(keys.Alice[0], keys.Alice[1], undefined, v2));
  const assumed = await expectOk(flavour, 'Alice AssumeRole', () => aliceSts.assumeRole(new Sts.AssumeRoleRequest({
    roleArn, roleSessionName: 'alice', durationSeconds: 3600 })));
  if (!assumed) return null;
  const c = assumed.body.credentials;
  report(flavour, 'AssumeRole answer', assumed.body.assumedRoleUser.arn === `${roleArn}/alice`
    && c.accessKeyId.startsWith('STS.') && c.expiration.endsWith('Z'), assumed.body.assumedRoleUser.arn);

  const sessionSts = new Sts.default(config(c.accessKeyId, c.accessKeySecret, c.securityToken, v2));
  const who = await expectOk(flavour, 'session GetCallerIdentity', () => sessionSts.getCallerIdentity());
  if (who) {
    report(flavour, 'GetCallerIdentity answer', who.body.identityType === 'AssumedRoleUser'
      && who.body.arn === `acs:ram::${A.uid}:assumed-role/${role}/alice`, who.body.arn);
  }
  const sessionEcs = new Ecs.default(config(c.accessKeyId, c.accessKeySecret, c.securityToken, v2));
  const listed = await expectOk(flavour, 'session DescribeInstances', () => sessionEcs.describeInstances(
    new Ecs.DescribeInstancesRequest({ regionId: 'cn-hangzhou', instanceIds: JSON.stringify([instance]) })));
  if (listed) report(flavour, "DescribeInstances sees A's instance", listed.body.totalCount === 1, listed.body.totalCount);
  await expectOk(flavour, 'session StopInstance', () => sessionEcs.stopInstance(new Ecs.StopInstanceRequest({ instanceId: instance })));
  const sessionRam = new Ram.default(config(c.accessKeyId, c.accessKeySecret, c.securityToken, v2));
  await expectError(flavour, 'session may not CreateUser in A', () => sessionRam.createUser(
    new Ram.CreateUserRequest({ userName: 'mallory' })), 'NoPermission', 403);

  const bobSts = new Sts.default(config(keys.Bob[0], keys.Bob[1], undefined, v2));
  await expectError(flavour, 'Bob AssumeRole refused', () => bobSts.assumeRole(new Sts.AssumeRoleRequest({
    roleArn, roleSessionName: 'bob' })), 'NoPermission', 403);
  await expectError(flavour, 'AssumeRole of a missing role', () => aliceSts.assumeRole(new Sts.AssumeRoleRequest({
    roleArn: `acs:ram::${A.uid}:role/does-not-exist`, roleSessionName: 'alice' })), 'EntityNotExist.Role', 404);
  const wrong = new Sts.default(config(A.ak, 'not-the-secret', undefined, v2));
  await expectError(flavour, 'wrong secret', () => wrong.getCallerIdentity(), 'SignatureDoesNotMatch', 400);

  // Revocation: A detaches and deletes the role; the live session dies.
  await expectOk(flavour, 'A DetachPolicyFromRole', () => aRam.detachPolicyFromRole(new Ram.DetachPolicyFromRoleRequest({
    policyType: 'System', policyName: 'AliyunECSFullAccess', roleName: role })));
  await expectOk(flavour, 'A DeleteRole', () => aRam.deleteRole(new Ram.DeleteRoleRequest({ roleName: role })));
  await expectError(flavour, 'the dead session is refused', () => sessionSts.getCallerIdentity(),
    'InvalidSecurityToken.Expired', 400);
  return keys.Alice;
}

/** @alicloud/pop-core: RPC style, V1 signatures, parameters in the query. */
async function popCoreFlow(aliceKey) {
  const flavour = 'node-pop-core';
  const client = (ak, sk, apiVersion) => new RPCClient({
    accessKeyId: ak, accessKeySecret: sk, endpoint: `http://${ENDPOINT}`, apiVersion });
  const role = 'ecs-admin-node-core';
  const a = client(A.ak, A.sk, '2015-05-01');
  await expectOk(flavour, 'A CreateRole', () => a.request('CreateRole',
    { RoleName: role, AssumeRolePolicyDocument: TRUST_B }, { method: 'POST' }));
  const alice = client(aliceKey[0], aliceKey[1], '2015-04-01');
  const body = await expectOk(flavour, 'Alice AssumeRole', () => alice.request('AssumeRole',
    { RoleArn: `acs:ram::${A.uid}:role/${role}`, RoleSessionName: 'core' }, { method: 'POST' }));
  if (body) {
    const c = body.Credentials;
    const session = new RPCClient({ accessKeyId: c.AccessKeyId, accessKeySecret: c.AccessKeySecret,
      securityToken: c.SecurityToken, endpoint: `http://${ENDPOINT}`, apiVersion: '2015-04-01' });
    const who = await expectOk(flavour, 'session GetCallerIdentity', () => session.request('GetCallerIdentity', {}));
    if (who) report(flavour, 'GetCallerIdentity answer', who.IdentityType === 'AssumedRoleUser', who.Arn);
  }
  const root = client(B.ak, B.sk, '2015-04-01');
  await expectError(flavour, 'root may not AssumeRole', () => root.request('AssumeRole',
    { RoleArn: `acs:ram::${A.uid}:role/${role}`, RoleSessionName: 'root' }), 'NoPermission');
  const wrong = client(A.ak, 'not-the-secret', '2015-04-01');
  await expectError(flavour, 'wrong secret', () => wrong.request('GetCallerIdentity', {}), 'SignatureDoesNotMatch');
}

/** @alicloud/credentials: the RAMRoleARN provider (HTTPS only) feeding a Tea client. */
async function ramRoleArnProvider(aliceKey) {
  const flavour = 'node-cred-rra';
  const base = creds.StaticAKCredentialsProvider.builder()
    .withAccessKeyId(aliceKey[0]).withAccessKeySecret(aliceKey[1]).build();
  const provider = creds.RAMRoleARNCredentialsProvider.builder()
    .withCredentialsProvider(base)
    .withRoleArn(`acs:ram::${A.uid}:role/ecs-admin-node-core`)
    .withRoleSessionName('rra')
    .withStsEndpoint(TLS_ENDPOINT)
    .build();
  const got = await expectOk(flavour, 'RAMRoleARN over HTTPS', () => provider.getCredentials());
  if (got) {
    report(flavour, 'provider credentials', got.accessKeyId.startsWith('STS.'), got.accessKeyId);
    const session = new Sts.default(config(got.accessKeyId, got.accessKeySecret, got.securityToken, false));
    const who = await expectOk(flavour, 'provider session GetCallerIdentity', () => session.getCallerIdentity());
    if (who) {
      report(flavour, 'identity', who.body.arn === `acs:ram::${A.uid}:assumed-role/ecs-admin-node-core/rra`, who.body.arn);
    }
  }
}

async function main() {
  let aliceKey = null;
  for (const mode of ['v3', 'v2']) {
    const key = await teaFlow(mode);
    aliceKey = aliceKey || key;
  }
  if (aliceKey) {
    await popCoreFlow(aliceKey);
    await ramRoleArnProvider(aliceKey);
  } else {
    report('setup', "Alice's key", false, 'no Tea flow produced Alice\'s key');
  }
  console.log(JSON.stringify({ summary: true, failures }));
  process.exitCode = failures ? 1 : 0;
}

main().catch((e) => {
  report('setup', 'unexpected', false, e && e.stack);
  process.exitCode = 1;
});
