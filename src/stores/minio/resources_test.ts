import assert from "node:assert/strict";
import { testTenant } from "../testing.ts";
import { diffResources, orderChanges } from "../../plan/diff.ts";
import type { IamExport } from "./admin.ts";
import { desiredTenantResources, type MinioSnapshot, observedResources } from "./resources.ts";
import { tenantPolicyDocument } from "./policy.ts";
import { sseS3ConfigurationXml } from "./bucket_settings.ts";

const acme = testTenant({ id: "acme", stores: { minio: { prefixes: ["raw", "exports"] } } });
const SECRET = "s3cr3t-value-for-acme-xxxxxxxxxxxxxxx";

function emptyIam(): IamExport {
  return {
    users: {},
    userMappings: {},
    groups: {},
    groupMappings: {},
    serviceAccounts: {},
    policies: {},
  };
}

/** The server state after a clean apply of acme, in the exports' shape. */
function convergedSnapshot(): MinioSnapshot {
  const iam = emptyIam();
  iam.users["tenant-acme"] = { secretKey: SECRET, status: "enabled" };
  iam.userMappings["tenant-acme"] = { policy: "tenant-acme-policy" };
  // MinIO answers with its own statement and action order.
  const doc = tenantPolicyDocument("tenant-acme") as { Statement: Array<{ Action: string[] }> };
  iam.policies["tenant-acme-policy"] = {
    Version: "2012-10-17",
    Statement: [...doc.Statement].reverse().map((s) => ({ ...s, Action: [...s.Action].reverse() })),
  };
  iam.policies["readwrite"] = { Version: "2012-10-17", Statement: [] };
  return {
    buckets: ["tenant-acme", "shared-assets"],
    bucketMetadata: new Map([[
      "tenant-acme",
      new Map([
        ["bucket-encryption.xml", sseS3ConfigurationXml()],
        ["quota.json", JSON.stringify({ size: 10 * 1024 ** 3, quotatype: "hard" })],
        [
          "tagging.xml",
          "<Tagging><TagSet><Tag><Key>bulkhead-prefixes</Key><Value>exports raw</Value></Tag></TagSet></Tagging>",
        ],
      ]),
    ]]),
    iam,
  };
}

const secrets = new Map([["acme", { access_key: "tenant-acme", secret_key: SECRET }]]);
const diffOptions = {
  declaredTenants: new Set(["acme"]),
  destroyTenants: new Set<string>(),
  allowDestroy: false,
  dataKinds: new Set(["bucket"]),
};

Deno.test("minio resources: a tenant gets a bucket, a policy and a user, ordered bucket → policy → user", () => {
  const desired = desiredTenantResources(acme, true);
  assert.deepEqual(desired.map((r) => r.address), [
    "minio.bucket.tenant-acme",
    "minio.policy.tenant-acme-policy",
    "minio.user.tenant-acme",
  ]);
  const [bucket, policy, user] = desired;
  assert.deepEqual(bucket.attributes, {
    encryption: "SSE-S3",
    quota: { type: "hard", bytes: 10 * 1024 ** 3 },
    bucket_policy: null,
    prefixes: ["exports", "raw"],
  });
  assert.deepEqual(policy.dependsOn, ["minio.bucket.tenant-acme"]);
  assert.deepEqual(user.attributes, {
    status: "enabled",
    policies: ["tenant-acme-policy"],
    groups: [],
    credential: "recorded",
  });
  assert.deepEqual(user.dependsOn, ["minio.policy.tenant-acme-policy", "minio.bucket.tenant-acme"]);
});

Deno.test("minio resources: suspended and decommissioned tenants keep their data, their user is disabled", () => {
  for (const status of ["suspended", "decommissioned"]) {
    const t = testTenant({ id: "acme", status, stores: { minio: {} } });
    const desired = desiredTenantResources(t, true);
    assert.equal(desired.length, 3);
    assert.equal(desired[2].attributes.status, "disabled");
  }
});

Deno.test("minio resources: no minio → nothing; no secrets → credential not compared", () => {
  assert.deepEqual(
    desiredTenantResources(testTenant({ id: "acme", stores: { redis: {} } }), true),
    [],
  );
  assert.ok(!("credential" in desiredTenantResources(acme, false)[2].attributes));
});

Deno.test("minio resources: a converged server observed in MinIO's own order plans no change", () => {
  const observed = observedResources(convergedSnapshot(), secrets);
  const { changes, withheld } = diffResources(
    desiredTenantResources(acme, true),
    observed,
    diffOptions,
  );
  assert.deepEqual(changes, []);
  assert.deepEqual(withheld, []);
  assert.ok(
    !observed.some((r) => r.name === "shared-assets"),
    "non-tenant buckets are not managed",
  );
  assert.ok(!JSON.stringify(observed).includes(SECRET), "secret keys are compared, never kept");
});

Deno.test("minio resources: drift in holders, groups, status, credential and bucket settings is seen", () => {
  const snapshot = convergedSnapshot();
  snapshot.iam.userMappings["tenant-acme"] = { policy: "tenant-acme-policy,readwrite" };
  snapshot.iam.userMappings["intruder"] = { policy: "tenant-acme-policy" };
  snapshot.iam.groupMappings["ops"] = { policy: "tenant-acme-policy" };
  snapshot.iam.groups["ops"] = { members: ["tenant-acme"] };
  snapshot.iam.users["tenant-acme"] = { secretKey: "changed-by-hand", status: "disabled" };
  snapshot.bucketMetadata.get("tenant-acme")!.delete("bucket-encryption.xml");
  snapshot.bucketMetadata.get("tenant-acme")!.set(
    "policy.json",
    '{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":"*","Action":"s3:GetObject","Resource":"arn:aws:s3:::tenant-acme/*"}]}',
  );
  const { changes } = diffResources(
    desiredTenantResources(acme, true),
    observedResources(snapshot, secrets),
    diffOptions,
  );
  const drift = Object.fromEntries(changes.map((c) => [c.address, c.changedAttributes]));
  assert.deepEqual(drift, {
    "minio.bucket.tenant-acme": ["encryption", "bucket_policy"],
    "minio.policy.tenant-acme-policy": ["other_holders"],
    "minio.user.tenant-acme": ["status", "policies", "groups", "credential"],
  });
  const policy = changes.find((c) => c.kind === "policy")!;
  assert.deepEqual(policy.before?.other_holders, ["group:ops", "user:intruder"]);
});

Deno.test("minio resources: orphans and minted access keys are tenant resources; deletes go user → policy → bucket", () => {
  const snapshot = convergedSnapshot();
  snapshot.buckets.push("tenant-ghost");
  snapshot.iam.users["tenant-ghost"] = { secretKey: "x", status: "enabled" };
  snapshot.iam.policies["tenant-ghost-policy"] = tenantPolicyDocument("tenant-ghost");
  snapshot.iam.serviceAccounts["SVCACCOUNTKEY1"] = { parent: "tenant-acme" };
  const observed = observedResources(snapshot, secrets);
  const ghost = observed.filter((r) => r.tenant === "ghost").map((r) => r.address);
  assert.deepEqual(ghost, [
    "minio.bucket.tenant-ghost",
    "minio.policy.tenant-ghost-policy",
    "minio.user.tenant-ghost",
  ]);
  const kept = diffResources(desiredTenantResources(acme, true), observed, diffOptions);
  assert.deepEqual(kept.changes.map((c) => `${c.action} ${c.address}`), [
    "delete minio.access_key.SVCACCOUNTKEY1",
  ]);
  assert.equal(kept.withheld.length, 3, "orphans are only reported without allowDestroy");
  const destroy = diffResources(desiredTenantResources(acme, true), observed, {
    ...diffOptions,
    allowDestroy: true,
  });
  assert.deepEqual(
    orderChanges(destroy.changes).map((c) => c.address),
    [
      "minio.access_key.SVCACCOUNTKEY1",
      "minio.user.tenant-ghost",
      "minio.policy.tenant-ghost-policy",
      "minio.bucket.tenant-ghost",
    ],
  );
});
