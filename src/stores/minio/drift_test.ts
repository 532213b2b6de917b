/**
 * Drift injected by hand with the real mc, shown by plan and repaired by apply, against
 * the sandbox MinIO. Each test checks the effect on access too, not only the plan.
 */
import assert from "node:assert/strict";
import { convergeStore, planStore } from "../testing.ts";
import { minioBucket, minioPolicy, minioUser } from "../../tenant/names.ts";
import { mc, summary, withJsonFile, withMinioTenants } from "./testing.ts";
import { probe } from "./tenant_s3.ts";
import { randomSecretKey } from "./credentials.ts";

const attach = (
  policy: string,
  kind: "--user" | "--group",
  entity: string,
) => ["admin", "policy", "attach", "bulkhead", policy, kind, entity];

Deno.test("minio drift: a policy widened by hand is shown and narrowed again", async () => {
  await withMinioTenants("dw", 2, async ({ endpoint, store, secrets, ids: [a, b], ...f }) => {
    const tenants = [f.tenant(a), f.tenant(b)];
    await convergeStore(store, tenants, secrets);
    await f.client(b).putObject(minioBucket(b), "x.txt", "b");
    const wildcard = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:*"], Resource: ["arn:aws:s3:::*"] }],
    };
    await withJsonFile(
      wildcard,
      (file) => mc(endpoint, ["admin", "policy", "create", "bulkhead", minioPolicy(a), file]),
    );
    const reach = () => probe(() => f.client(a).getObject(minioBucket(b), "x.txt"));
    assert.equal((await reach()).outcome, "allowed", "the widened policy really reaches B");

    await f.showsAndRepairs(tenants, [`update minio.policy.${minioPolicy(a)} (document)`]);
    assert.equal((await reach()).outcome, "denied");
  });
});

Deno.test("minio drift: extra policies on a tenant user (built-in and another tenant's) are detached", async () => {
  await withMinioTenants("dx", 2, async ({ endpoint, store, secrets, ids: [a, b], ...f }) => {
    const tenants = [f.tenant(a), f.tenant(b)];
    await convergeStore(store, tenants, secrets);
    await mc(endpoint, attach("readwrite", "--user", minioUser(a)));
    await mc(endpoint, attach(minioPolicy(b), "--user", minioUser(a)));
    const reach = () => probe(() => f.client(a).listObjects(minioBucket(b)));
    assert.equal((await reach()).outcome, "allowed");

    const plan = await f.showsAndRepairs(tenants, [
      `update minio.policy.${minioPolicy(b)} (other_holders)`,
      `update minio.user.${minioUser(a)} (policies)`,
    ]);
    const user = plan.changes.find((c) => c.kind === "user")!;
    assert.deepEqual(user.before?.policies, [minioPolicy(b), minioPolicy(a), "readwrite"].sort());
    const policy = plan.changes.find((c) => c.kind === "policy")!;
    assert.deepEqual(policy.before?.other_holders, [`user:${minioUser(a)}`]);

    const [info] = (await mc(endpoint, ["admin", "user", "info", "bulkhead", minioUser(a)]))
      .documents;
    assert.equal(info.policyName, minioPolicy(a));
    assert.equal((await reach()).outcome, "denied");
  });
});

Deno.test("minio drift: a tenant policy held by a user or group outside the tenant is detached", async () => {
  await withMinioTenants("dh", 1, async ({ endpoint, store, secrets, ids: [a], ...f }) => {
    const outsider = `outsider-${a}`;
    const group = `group-${a}`;
    const tenants = [f.tenant(a)];
    try {
      await convergeStore(store, tenants, secrets);
      await mc(endpoint, ["admin", "user", "add", "bulkhead", outsider, randomSecretKey()]);
      await mc(endpoint, attach(minioPolicy(a), "--user", outsider));
      await mc(endpoint, ["admin", "group", "add", "bulkhead", group, outsider]);
      await mc(endpoint, attach(minioPolicy(a), "--group", group));

      const plan = await f.showsAndRepairs(tenants, [
        `update minio.policy.${minioPolicy(a)} (other_holders)`,
      ]);
      assert.deepEqual(plan.changes[0].before?.other_holders, [
        `group:${group}`,
        `user:${outsider}`,
      ]);
      const [info] = (await mc(endpoint, ["admin", "user", "info", "bulkhead", outsider]))
        .documents;
      assert.equal(info.policyName ?? "", "");
    } finally {
      const quiet = { allowFailure: true };
      await mc(endpoint, ["admin", "group", "rm", "bulkhead", group, outsider], quiet);
      await mc(endpoint, ["admin", "group", "rm", "bulkhead", group], quiet);
      await mc(endpoint, ["admin", "user", "rm", "bulkhead", outsider], quiet);
    }
  });
});

Deno.test("minio drift: a bucket policy granting anonymous access is removed", async () => {
  await withMinioTenants("dan", 1, async ({ endpoint, store, secrets, ids: [a], ...f }) => {
    const tenants = [f.tenant(a)];
    await convergeStore(store, tenants, secrets);
    await f.client(a).putObject(minioBucket(a), "public.txt", "should not be public");
    await mc(endpoint, ["anonymous", "set", "download", `bulkhead/${minioBucket(a)}`]);
    const anonymous = async () => {
      const response = await fetch(`${endpoint.endpoint}/${minioBucket(a)}/public.txt`);
      await response.body?.cancel();
      return response.status;
    };
    assert.equal(await anonymous(), 200, "anyone can read the bucket");

    await f.showsAndRepairs(tenants, [`update minio.bucket.${minioBucket(a)} (bucket_policy)`]);
    assert.equal(await anonymous(), 403);
  });
});

Deno.test("minio drift: removed encryption and quota are restored", async () => {
  await withMinioTenants("denc", 1, async ({ endpoint, store, secrets, ids: [a], ...f }) => {
    const tenants = [f.tenant(a)];
    await convergeStore(store, tenants, secrets);
    await mc(endpoint, ["encrypt", "clear", `bulkhead/${minioBucket(a)}`]);
    await mc(endpoint, ["quota", "clear", `bulkhead/${minioBucket(a)}`]);

    const plan = await f.showsAndRepairs(tenants, [
      `update minio.bucket.${minioBucket(a)} (encryption, quota)`,
    ]);
    assert.deepEqual(plan.changes[0].before, {
      encryption: "none",
      quota: null,
      bucket_policy: null,
      prefixes: [],
    });
    const [encryption] = (await mc(endpoint, ["encrypt", "info", `bulkhead/${minioBucket(a)}`]))
      .documents;
    assert.deepEqual(encryption.encryption, { algorithm: "AES256" });
  });
});

Deno.test("minio drift: a user disabled or enabled by hand is set back", async () => {
  await withMinioTenants("dst", 1, async ({ endpoint, store, secrets, ids: [a], ...f }) => {
    const active = [f.tenant(a)];
    await convergeStore(store, active, secrets);
    await mc(endpoint, ["admin", "user", "disable", "bulkhead", minioUser(a)]);
    await f.showsAndRepairs(active, [`update minio.user.${minioUser(a)} (status)`]);
    await f.client(a).listObjects(minioBucket(a));

    const suspended = [f.tenant(a, { status: "suspended" })];
    await convergeStore(store, suspended, secrets);
    await mc(endpoint, ["admin", "user", "enable", "bulkhead", minioUser(a)]);
    await f.showsAndRepairs(suspended, [`update minio.user.${minioUser(a)} (status)`]);
    const refused = await f.client(a).listObjects(minioBucket(a)).then(() => false, () => true);
    assert.ok(refused, "the suspended tenant's keys no longer work");
  });
});

Deno.test("minio drift: extra policy, group, changed secret and minted key, repaired while suspending", async () => {
  await withMinioTenants("dmix", 1, async ({ endpoint, store, secrets, ids: [a], ...f }) => {
    const group = `group-${a}`;
    try {
      await convergeStore(store, [f.tenant(a)], secrets);
      await mc(endpoint, attach("readwrite", "--user", minioUser(a)));
      await mc(endpoint, ["admin", "group", "add", "bulkhead", group, minioUser(a)]);
      await mc(endpoint, ["admin", "user", "add", "bulkhead", minioUser(a), randomSecretKey()]);
      await mc(endpoint, ["admin", "user", "svcacct", "add", "bulkhead", minioUser(a)]);

      // MinIO changes no policy of a disabled user: the repair must still end disabled.
      const suspended = [f.tenant(a, { status: "suspended" })];
      await f.showsAndRepairs(suspended, [
        `update minio.user.${minioUser(a)} (status, policies, groups, credential)`,
        "delete minio.access_key.*",
      ]);
      const after = await planStore(store, suspended, secrets);
      const user = after.observation.resources.find((r) => r.kind === "user" && r.tenant === a);
      assert.deepEqual(user?.attributes, {
        status: "disabled",
        policies: [minioPolicy(a)],
        groups: [],
        credential: "recorded",
      });

      // Back to active: the recorded secret works again.
      await convergeStore(store, [f.tenant(a)], secrets);
      await f.client(a).listObjects(minioBucket(a));
    } finally {
      await mc(endpoint, ["admin", "group", "rm", "bulkhead", group], { allowFailure: true });
    }
  });
});

Deno.test("minio drift: a tenant-like bucket, user and policy without a tenant file are orphans", async () => {
  await withMinioTenants("dorph", 1, async ({ endpoint, store, secrets, ids: [ghost] }) => {
    await mc(endpoint, ["mb", `bulkhead/${minioBucket(ghost)}`]);
    await mc(endpoint, ["admin", "user", "add", "bulkhead", minioUser(ghost), randomSecretKey()]);
    const readAll = {
      Version: "2012-10-17",
      Statement: [{ Effect: "Allow", Action: ["s3:GetObject"], Resource: ["arn:aws:s3:::*"] }],
    };
    await withJsonFile(
      readAll,
      (file) => mc(endpoint, ["admin", "policy", "create", "bulkhead", minioPolicy(ghost), file]),
    );

    const reported = await planStore(store, [], secrets, { alsoObserve: [ghost] });
    assert.deepEqual(reported.changes, []);
    const kept = "orphan: no tenant file (kept: pass --allow-destroy to delete)";
    assert.deepEqual(reported.withheld.map((w) => `${w.resource.address}: ${w.reason}`).sort(), [
      `minio.bucket.${minioBucket(ghost)}: ${kept}`,
      `minio.policy.${minioPolicy(ghost)}: ${kept}`,
      `minio.user.${minioUser(ghost)}: ${kept}`,
    ]);

    const deleted = await convergeStore(store, [], secrets, {
      alsoObserve: [ghost],
      allowDestroy: true,
    });
    assert.deepEqual(summary(deleted), [
      `delete minio.user.${minioUser(ghost)}`,
      `delete minio.policy.${minioPolicy(ghost)}`,
      `delete minio.bucket.${minioBucket(ghost)}`,
    ]);
    const gone = await planStore(store, [], secrets, { alsoObserve: [ghost] });
    assert.deepEqual(gone.withheld, []);
  });
});
