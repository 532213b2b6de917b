/** The admin client against the real sandbox MinIO. */
import assert from "node:assert/strict";
import { testStores, uniqueTenantId } from "../../sandbox/testing.ts";
import { ADMIN_KDF, encryptAdminBody } from "./admin_crypto.ts";
import { isNotFound, MinioAdminClient } from "./admin.ts";
import { ADMIN_PREFIX, MinioServerError } from "./admin_http.ts";
import { probe, TenantS3Client } from "./tenant_s3.ts";
import { randomSecretKey } from "./credentials.ts";
import { utf8 } from "../../encoding.ts";
import { tenantPolicyDocument } from "./policy.ts";
import { listBuckets } from "./buckets.ts";

const endpoint = async () => (await testStores()).minio!;

/**
 * The server accepts a signature made with these keys (so it stored the secret we sent).
 * A user without policies is then refused with AccessDenied, which is past authentication.
 */
async function canSign(url: string, accessKey: string, secretKey: string): Promise<boolean> {
  const client = new TenantS3Client({
    endpoint: url,
    access_key: accessKey,
    secret_key: secretKey,
  });
  const result = await probe(() => client.listBuckets()).catch((error) => error);
  if (result instanceof MinioServerError && result.code === "SignatureDoesNotMatch") return false;
  if (result instanceof Error) throw result;
  return true;
}

Deno.test("minio admin: the server decrypts request bodies of all three algorithms, over 16 KiB too", async () => {
  const ep = await endpoint();
  const admin = new MinioAdminClient(ep);
  const users: string[] = [];
  try {
    for (
      const [kdf, padding] of [
        [ADMIN_KDF.pbkdf2AesGcm, 0],
        [ADMIN_KDF.argon2idAesGcm, 0],
        [ADMIN_KDF.argon2idChaCha20Poly1305, 0],
        [ADMIN_KDF.pbkdf2AesGcm, 40_000], // several 16 KiB fragments
      ] as const
    ) {
      const user = `tenant-${uniqueTenantId("kdf")}`;
      users.push(user);
      const secretKey = randomSecretKey();
      // Unknown JSON fields are ignored by the server; they make the body long.
      const json = JSON.stringify({ secretKey, status: "enabled", padding: "p".repeat(padding) });
      const body = encryptAdminBody(ep.secretKey, utf8.encode(json), { kdf });
      assert.ok(padding === 0 || body.length > 2 * 16384);
      await admin.request({
        method: "PUT",
        path: `${ADMIN_PREFIX}/add-user`,
        query: { accessKey: user },
        body,
      });
      assert.ok(
        await canSign(ep.endpoint, user, secretKey),
        `kdf ${kdf}: the user signs with the secret sent`,
      );
      assert.ok(!(await canSign(ep.endpoint, user, randomSecretKey())), "and not with another");
    }
  } finally {
    for (const user of users) await admin.removeUser(user).catch(() => {});
  }
});

Deno.test("minio admin: encrypted answers decrypt, including a list-users answer over 16 KiB", async () => {
  const admin = new MinioAdminClient(await endpoint());
  // Long access keys (MinIO only bounds their minimum length) make the answer long cheaply.
  const prefix = `tenant-${uniqueTenantId("big")}-${"x".repeat(100)}`;
  const names = Array.from({ length: 110 }, (_, i) => `${prefix}-${i}`);
  try {
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(
        names.slice(i, i + 10).map((n) => admin.addUser(n, randomSecretKey(), "disabled")),
      );
    }
    const before = admin.requests;
    const users = await admin.listUsers();
    assert.equal(admin.requests - before, 1);
    const listed = Object.keys(users).filter((n) => n.startsWith(prefix));
    assert.equal(listed.length, names.length);
    assert.ok(JSON.stringify(users).length > 16384, "the answer spans several sio fragments");
    assert.equal(users[names[0]].status, "disabled");
  } finally {
    for (let i = 0; i < names.length; i += 10) {
      await Promise.all(names.slice(i, i + 10).map((n) => admin.removeUser(n).catch(() => {})));
    }
  }
});

Deno.test("minio admin: users, policies, attach/detach, entities and quota match what the server reports", async () => {
  const admin = new MinioAdminClient(await endpoint());
  const id = uniqueTenantId("adm");
  const user = `tenant-${id}`;
  const policy = `tenant-${id}-policy`;
  const bucket = `tenant-${id}`;
  try {
    await admin.request({ method: "PUT", path: `/${bucket}` });
    await admin.addCannedPolicy(policy, tenantPolicyDocument(bucket));
    const info = await admin.cannedPolicyInfo(policy);
    assert.equal(info.PolicyName, policy);
    assert.ok(policy in await admin.listCannedPolicies());

    await admin.addUser(user, randomSecretKey(), "enabled");
    assert.equal(await admin.changePolicyAttachment("attach", [policy], { user }), true);
    assert.equal(
      await admin.changePolicyAttachment("attach", [policy], { user }),
      false,
      "attaching twice is reported as no change, not as a failure",
    );
    const userInfo = await admin.userInfo(user);
    assert.equal(userInfo.policyName, policy);
    assert.equal(userInfo.status, "enabled");
    const entities = await admin.policyEntities({ user });
    assert.deepEqual(entities.userMappings, [{ user, policies: [policy] }]);

    await assert.rejects(() => admin.removeCannedPolicy(policy), (e: unknown) => {
      // The server protects held policies, which is why deletes detach first.
      return e instanceof MinioServerError && e.status === 400;
    });
    assert.equal(await admin.changePolicyAttachment("detach", [policy], { user }), true);
    assert.equal((await admin.userInfo(user)).policyName ?? "", "");
    await admin.setUserStatus(user, "disabled");
    assert.equal((await admin.listUsers())[user].status, "disabled");
    // MinIO treats a disabled user as absent for policy changes (apply works around it).
    const disabled = await admin.changePolicyAttachment("attach", [policy], { user }).catch((e) =>
      e
    );
    assert.ok(disabled instanceof MinioServerError && disabled.code === "XMinioAdminNoSuchUser");

    await admin.setBucketQuota(bucket, 5 * 1024 ** 3);
    const quota = await admin.getBucketQuota(bucket);
    assert.equal(quota.size, 5 * 1024 ** 3);
    assert.equal(quota.quotatype, "hard");
    await admin.setBucketQuota(bucket, 0);
    assert.equal((await admin.getBucketQuota(bucket)).size ?? 0, 0);

    const iam = await admin.exportIam();
    assert.equal(iam.users[user].status, "disabled");
    assert.ok(policy in iam.policies);
    assert.ok((await listBuckets(admin)).includes(bucket));
  } finally {
    await admin.removeUser(user).catch(() => {});
    await admin.removeCannedPolicy(policy).catch(() => {});
    await admin.request({ method: "DELETE", path: `/${bucket}` }).catch(() => {});
  }
});

Deno.test("minio admin: server errors are typed with the server's code and never carry a secret", async () => {
  const ep = await endpoint();
  const admin = new MinioAdminClient(ep);
  const missing = await admin.removeUser(`tenant-${uniqueTenantId("none")}`).catch((e) => e);
  assert.ok(missing instanceof MinioServerError);
  assert.equal(missing.code, "XMinioAdminNoSuchUser");
  assert.ok(isNotFound(missing));

  const wrongSecret = new MinioAdminClient({ ...ep, secretKey: "not-the-admin-secret" });
  const signature = await wrongSecret.listUsers().catch((e) => e);
  assert.ok(signature instanceof MinioServerError, String(signature));
  assert.equal(signature.code, "SignatureDoesNotMatch");
  assert.match(
    signature.message,
    /^minio at http:\/\/127\.0\.0\.1:\d+: GET admin list-users failed/,
  );
  assert.ok(
    !signature.message.includes("not-the-admin-secret") &&
      !signature.message.includes(ep.secretKey),
  );

  const unknownKey = await new MinioAdminClient({ ...ep, accessKey: "nobody-here" }).exportIam()
    .catch((e) => e);
  assert.ok(unknownKey instanceof MinioServerError);
  assert.equal(unknownKey.code, "InvalidAccessKeyId");

  // A body encrypted with the wrong key is refused by the server as bad configuration.
  const garbled = await admin.request({
    method: "PUT",
    path: `${ADMIN_PREFIX}/add-user`,
    query: { accessKey: `tenant-${uniqueTenantId("bad")}` },
    body: encryptAdminBody(
      "some-other-secret",
      utf8.encode('{"secretKey":"x12345678","status":"enabled"}'),
    ),
  }).catch((e) => e);
  assert.ok(garbled instanceof MinioServerError);
  assert.equal(garbled.code, "XMinioAdminConfigBadJSON");
});
