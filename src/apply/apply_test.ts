/**
 * The engine end to end, through the CLI, on the real sandbox stores: apply from empty,
 * a no-op re-apply, the apply lock, stale saved plans, a crash in the middle, one
 * failing tenant among several, lifecycle, and no secret in any output.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { engineFixture } from "./testing.ts";
import { uniqueTenantId } from "../sandbox/testing.ts";
import { connectAsTenant } from "../stores/redis/probe.ts";
import { attemptAsTenant } from "../stores/postgres/tenant_session.ts";
import { TenantS3Client } from "../stores/minio/tenant_s3.ts";
import { withAdmin } from "../stores/redis/testing.ts";
import { masterKeysFromEnv, readTenantSecrets } from "../keys/mod.ts";
import { testStores } from "../sandbox/testing.ts";

const STORES = { redis: {} };

function assertNoSecrets(output: string, secrets: string[]) {
  for (const secret of secrets) {
    assert.ok(!output.includes(secret), "a recorded secret appeared in the output");
  }
}

Deno.test("apply: from empty, then nothing to do; the tenant's credential works; no secret in output", async () => {
  await using f = await engineFixture(STORES);
  const ids = [uniqueTenantId("ap"), uniqueTenantId("ap")];
  for (const id of ids) await f.writeTenant(id);
  const targets = ids.flatMap((id) => ["--target", id]);

  const before = await f.cli(["plan", "--detailed-exitcode", ...targets]);
  assert.equal(before.code, 2, before.stderr);
  for (const id of ids) {
    assert.match(before.stdout, new RegExp(`\\+ redis\\.acl_user\\.tenant-${id}\\n`));
  }
  assert.match(before.stdout, /Plan: 4 to create, 0 to update, 0 to replace, 0 to destroy\./);

  const apply = await f.cli(["apply", "--auto-approve", ...targets]);
  assert.equal(apply.code, 0, apply.stderr + apply.stdout);
  assert.match(apply.stdout, /Apply complete: 4 created, 0 updated, 0 replaced, 0 destroyed\./);
  for (const id of ids) {
    assert.match(apply.stdout, new RegExp(`^${id}: redis\\.acl_user\\.tenant-${id}: created`, "m"));
  }

  const after = await f.cli(["plan", "--detailed-exitcode", ...targets]);
  assert.equal(after.code, 0, after.stdout);
  assert.match(after.stdout, /No changes\./);
  const again = await f.cli(["apply", "--auto-approve", ...targets]);
  assert.equal(again.code, 0);
  assert.match(again.stdout, /Nothing to do\./);

  const { redis } = await testStores();
  const master = await masterKeysFromEnv();
  for (const id of ids) {
    const secret = (await readTenantSecrets(f.registry.registry, master, id))?.redis;
    assert.ok(secret, `credential of ${id} recorded`);
    const conn = await connectAsTenant(redis!.url, secret);
    assert.deepEqual(await conn.run(["SET", `tenant:${id}:k`, "v"]), {
      kind: "allowed",
      reply: "OK",
    });
    conn.close();
  }
  assertNoSecrets(
    before.stdout + before.stderr + apply.stdout + apply.stderr + after.stdout,
    await f.secretValues(),
  );
});

Deno.test("apply: a second apply while one holds the lock fails at once, naming the holder", async () => {
  await using f = await engineFixture(STORES);
  const id = uniqueTenantId("lk");
  await f.writeTenant(id);
  const holder = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      new URL("../registry/testdata/hold_apply_lock.ts", import.meta.url).pathname,
      "ci-job-42",
      "nightly apply",
    ],
    env: f.registry.env,
    stdout: "piped",
    stderr: "null",
  }).spawn();
  try {
    const reader = holder.stdout.getReader();
    const { value } = await reader.read();
    assert.match(new TextDecoder().decode(value), /locked/);
    reader.releaseLock();
    const started = performance.now();
    const second = await f.cli(["apply", "--auto-approve", "--target", id]);
    assert.equal(second.code, 2);
    assert.match(second.stderr, /ci-job-42/);
    assert.match(second.stderr, /nightly apply/);
    assert.ok(performance.now() - started < 15_000, "refused at once, not after waiting");
  } finally {
    holder.kill("SIGKILL");
    await holder.status;
    await holder.stdout.cancel().catch(() => {});
  }
  // The holder died: its lock went with its connection, so apply runs now.
  const next = await f.cli(["apply", "--auto-approve", "--target", id]);
  assert.equal(next.code, 0, next.stderr);
});

Deno.test("apply: a saved plan is refused when the live state or the tenant files changed since", async () => {
  await using f = await engineFixture(STORES);
  const id = uniqueTenantId("st");
  await f.writeTenant(id);
  assert.equal((await f.cli(["apply", "--auto-approve", "--target", id])).code, 0);
  await f.writeTenant(id, { status: "suspended" });
  const planFile = join(f.dir, "..", `${id}.plan.json`);
  try {
    const plan = await f.cli(["plan", "--target", id, "--out", planFile]);
    assert.equal(plan.code, 0, plan.stderr);
    assert.match(plan.stdout, /~ enabled: true → false/);
    // Someone widens the tenant's ACL by hand after the plan was made.
    await withAdmin((admin) => admin.call("ACL", "SETUSER", `tenant-${id}`, "~*"));
    const stale = await f.cli(["apply", planFile]);
    assert.equal(stale.code, 1);
    assert.match(
      stale.stderr,
      /stale plan: the live state of the stores changed since .* re-run plan/,
    );

    const fresh = await f.cli(["plan", "--target", id, "--out", planFile]);
    assert.equal(fresh.code, 0);
    await f.writeTenant(id, { status: "active" });
    const changedFiles = await f.cli(["apply", planFile]);
    assert.equal(changedFiles.code, 1);
    assert.match(changedFiles.stderr, /stale plan: the tenant files changed since/);

    await f.writeTenant(id, { status: "suspended" });
    const ok = await f.cli(["apply", planFile]);
    assert.equal(ok.code, 0, ok.stderr + ok.stdout);
    assert.match(ok.stdout, /1 updated/);
  } finally {
    await Deno.remove(planFile).catch(() => {});
  }
});

Deno.test("apply: killed mid-way (SIGKILL), the next apply converges with every credential recorded", async () => {
  // All three stores, both PostgreSQL isolation modes: a crash may hit any of them.
  await using f = await engineFixture({ postgres: { isolation: "schema" }, redis: {}, minio: {} });
  const ids = Array.from({ length: 8 }, () => uniqueTenantId("kl"));
  for (const [i, id] of ids.entries()) {
    await f.writeTenant(
      id,
      i % 2
        ? {
          tier: "enterprise",
          stores: { postgres: { isolation: "database" }, redis: {}, minio: {} },
        }
        : {},
    );
  }
  const targets = ids.flatMap((id) => ["--target", id]);
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      new URL("../cli.ts", import.meta.url).pathname,
      "apply",
      "--auto-approve",
      "--parallelism",
      "2",
      "--tenants-dir",
      f.dir,
      ...targets,
    ],
    env: { ...f.registry.env, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "null",
  }).spawn();
  let seen = "";
  const reader = child.stdout.getReader();
  while (!/: created \(/.test(seen)) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += new TextDecoder().decode(value);
  }
  child.kill("SIGKILL");
  await child.status;
  reader.releaseLock();
  await child.stdout.cancel().catch(() => {});
  const created = (seen.match(/: created \(/g) ?? []).length;
  assert.ok(created >= 1 && created < ids.length * 2, `killed part-way (${created} changes done)`);

  const resumed = await f.cli(["apply", "--auto-approve", ...targets]);
  assert.equal(resumed.code, 0, resumed.stderr + resumed.stdout);
  const plan = await f.cli(["plan", "--detailed-exitcode", ...targets]);
  assert.equal(plan.code, 0, plan.stdout);

  // Every tenant's login, in every store, works with the credential the registry holds.
  const stores = await testStores();
  const master = await masterKeysFromEnv();
  for (const [i, id] of ids.entries()) {
    const secrets = await readTenantSecrets(f.registry.registry, master, id);
    assert.ok(secrets?.redis && secrets.postgres && secrets.minio, `credentials of ${id} recorded`);
    (await connectAsTenant(stores.redis!.url, secrets.redis)).close();
    const database = i % 2 ? `tenant_${id.replaceAll("-", "_")}` : "bulkhead_shared_standard";
    const pg = await attemptAsTenant(stores.postgres!, secrets.postgres, database, [
      "select 1 as one",
    ]);
    assert.equal(pg.outcome, "allowed", `${id} logs in to PostgreSQL`);
    const s3 = new TenantS3Client({
      endpoint: stores.minio!.endpoint,
      access_key: secrets.minio.access_key,
      secret_key: secrets.minio.secret_key,
    });
    assert.deepEqual(await s3.listObjects(`tenant-${id}`), [], `${id} lists its bucket`);
  }
});

Deno.test("apply: when one tenant fails the others go on; exit 1 names tenant, store, resource and cause", async () => {
  await using f = await engineFixture(STORES);
  const [good, bad] = [uniqueTenantId("ok"), uniqueTenantId("bad")];
  await f.writeTenant(good);
  await f.writeTenant(bad);
  assert.equal((await f.cli(["apply", "--auto-approve", "--target", bad])).code, 0);
  // Tamper with the bad tenant's secrets document, and remove its user so that apply
  // needs its credential again.
  const admin = f.registry.admin();
  try {
    await admin`update secret_documents set document = replace(document, 'data:', 'data:AAAA') where tenant_id = ${bad}`;
  } finally {
    await admin.end();
  }
  await withAdmin((redis) => redis.call("ACL", "DELUSER", `tenant-${bad}`));

  const plan = await f.cli(["plan", "--target", good, "--target", bad]);
  assert.match(plan.stdout, new RegExp(`${bad}: its secrets document cannot be decrypted`));
  const apply = await f.cli(["apply", "--auto-approve", "--target", good, "--target", bad]);
  assert.equal(apply.code, 1);
  assert.match(
    apply.stdout,
    new RegExp(`^${good}: redis\\.acl_user\\.tenant-${good}: created`, "m"),
  );
  assert.match(
    apply.stderr,
    new RegExp(`✗ tenant ${bad}: redis: create redis\\.acl_user\\.tenant-${bad} failed: .+`),
  );
  assert.match(apply.stderr, /run apply again to complete them/);
});

Deno.test("apply: suspend disables the login and keeps data; a removed file is refused; decommission destroys after retention", async () => {
  await using f = await engineFixture(STORES);
  const id = uniqueTenantId("lc");
  await f.writeTenant(id);
  assert.equal((await f.cli(["apply", "--auto-approve", "--target", id])).code, 0);
  const { redis } = await testStores();
  const master = await masterKeysFromEnv();
  const secret = (await readTenantSecrets(f.registry.registry, master, id))!.redis!;
  const conn = await connectAsTenant(redis!.url, secret);
  await conn.run(["SET", `tenant:${id}:doc`, "kept"]);
  conn.close();

  await f.writeTenant(id, { status: "suspended" });
  const suspend = await f.cli(["apply", "--auto-approve", "--target", id]);
  assert.equal(suspend.code, 0, suspend.stderr);
  await assert.rejects(connectAsTenant(redis!.url, secret), /WRONGPASS|disabled/);

  await f.removeTenant(id);
  const refused = await f.cli(["plan", "--target", id]);
  assert.equal(refused.code, 1);
  assert.match(
    refused.stderr + refused.stdout,
    new RegExp(`tenant ${id} has live resources but no file: mark it decommissioned`),
  );

  await f.writeTenant(id, { status: "decommissioned", retention_days: 30 });
  const kept = await f.cli(["apply", "--auto-approve", "--allow-destroy", "--target", id]);
  assert.equal(kept.code, 0, kept.stderr);
  assert.match(kept.stdout, /data kept until \d{4}-\d{2}-\d{2} \(retention 30 days\)/);
  assert.equal(await withAdmin((a) => a.get(`tenant:${id}:doc`)), "kept");

  await f.writeTenant(id, { status: "decommissioned", retention_days: 0 });
  const destroyed = await f.cli(["apply", "--auto-approve", "--allow-destroy", "--target", id]);
  assert.equal(destroyed.code, 0, destroyed.stderr);
  assert.match(destroyed.stdout, /destroyed/);
  assert.equal(await withAdmin((a) => a.get(`tenant:${id}:doc`)), null);
  assert.equal((await readTenantSecrets(f.registry.registry, master, id))?.redis, undefined);
});
