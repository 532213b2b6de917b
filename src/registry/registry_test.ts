/** The registry on the sandbox PostgreSQL: schema, tenants, the audit chain, the apply lock. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ConfigError, ENV } from "../config.ts";
import { testStores, uniqueTenantId } from "../sandbox/testing.ts";
import { adminSql } from "../stores/postgres/inspect.ts";
import { sleep } from "../sandbox/process.ts";
import {
  ApplyLockHeldError,
  DEFAULT_REGISTRY_DATABASE,
  Registry,
  RegistryError,
  registryUrlFromEnv,
} from "./registry.ts";
import { SYSTEM_AUDIT_CHAIN } from "./audit.ts";
import { testRegistry } from "./testing.ts";

Deno.test("registry: open creates the database and migrates it once, even opened concurrently", async () => {
  const { postgres } = await testStores();
  const database = `bulkhead_registry_test_open_${crypto.randomUUID().slice(0, 8)}`;
  const url = new URL(postgres!.url);
  url.pathname = `/${database}`;
  const admin = adminSql(postgres!.url);
  try {
    const registries = await Promise.all([1, 2, 3].map(() => Registry.open(url.toString())));
    for (const r of registries) assert.deepEqual(await r.schemaVersions(), [1]);
    await Promise.all(registries.map((r) => r.close()));
    const again = await Registry.open(url.toString());
    assert.deepEqual(await again.schemaVersions(), [1], "reopening applies nothing twice");
    await again.close();

    const registryAdmin = adminSql(url.toString());
    await registryAdmin`insert into registry_migrations (version, name) values (999, 'future')`;
    await registryAdmin.end();
    await assert.rejects(
      Registry.open(url.toString()),
      (e: Error) =>
        e instanceof RegistryError &&
        /schema is at version 999, newer than this Bulkhead knows \(1\)/.test(e.message),
    );
  } finally {
    await admin.unsafe(`drop database if exists "${database}" with (force)`);
    await admin.end();
  }
});

Deno.test("registry: the URL comes from BULKHEAD_REGISTRY_URL, else the admin server", async () => {
  assert.equal(
    registryUrlFromEnv({
      [ENV.registryUrl]: "postgres://u:p@reg:5432/control",
      [ENV.postgresUrl]: "postgres://a:b@db:5432/postgres",
    }),
    "postgres://u:p@reg:5432/control",
  );
  assert.equal(
    registryUrlFromEnv({ [ENV.postgresUrl]: "postgres://a:b@db:5432/postgres?sslmode=require" }),
    `postgres://a:b@db:5432/${DEFAULT_REGISTRY_DATABASE}?sslmode=require`,
  );
  assert.throws(
    () => registryUrlFromEnv({}),
    (e: Error) =>
      e instanceof ConfigError && e.message.includes(ENV.registryUrl) &&
      e.message.includes(ENV.postgresUrl),
  );
  // The default registry on the sandbox opens (and is migrated) like any other.
  await testStores();
  const registry = await Registry.fromEnv({ [ENV.postgresUrl]: Deno.env.get(ENV.postgresUrl) });
  try {
    assert.deepEqual(await registry.schemaVersions(), [1]);
  } finally {
    await registry.close();
  }
  await assert.rejects(
    Registry.open("postgres://nobody:wrong@127.0.0.1:1/bulkhead_registry"),
    /registry at postgres:\/\/127\.0\.0\.1:1: connection refused/,
  );
});

Deno.test("registry: tenant status is recorded on first sight and its changes audited", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const id = uniqueTenantId("status");
  const first = await registry.recordTenantStatus(id, "active", "alice", { retentionDays: 7 });
  assert.equal(first.status, "active");
  assert.equal(first.keyVersion, 0);
  assert.equal(first.retentionDays, 7);
  assert.equal(first.decommissionedAt, undefined);

  await registry.recordTenantStatus(id, "active", "alice");
  const down = await registry.recordTenantStatus(id, "decommissioned", "bob");
  assert.ok(down.decommissionedAt instanceof Date);
  assert.equal(down.retentionDays, 7, "retention is kept when not given");
  await sleep(20);
  const again = await registry.recordTenantStatus(id, "decommissioned", "bob");
  assert.equal(
    again.decommissionedAt?.getTime(),
    down.decommissionedAt.getTime(),
    "decommissioned_at is when it was first seen decommissioned",
  );
  const back = await registry.recordTenantStatus(id, "suspended", "carol");
  assert.equal(back.decommissionedAt, undefined, "cleared when the tenant comes back");

  const other = uniqueTenantId("status");
  await registry.recordTenantStatus(other, "suspended", "alice");
  const all = await registry.listTenantRecords();
  assert.deepEqual(all.map((r) => r.id), [id, other].sort());
  assert.equal(all.find((r) => r.id === other)?.status, "suspended");

  const events = await registry.auditEvents(id);
  assert.deepEqual(
    events.map((e) => [e.type, e.actor, e.details]),
    [
      ["tenant.registered", "alice", { status: "active", retention_days: 7 }],
      ["tenant.status_changed", "bob", { from: "active", to: "decommissioned" }],
      ["tenant.status_changed", "carol", { from: "decommissioned", to: "suspended" }],
    ],
    "one event per change, none for repeats",
  );
  await assert.rejects(registry.recordTenantStatus("Not_An_Id", "active", "x"), /lowercase/);
});

Deno.test("registry: audit events form one verifiable chain per tenant, also under concurrency", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const a = uniqueTenantId("audit");
  const b = uniqueTenantId("audit");
  await Promise.all(
    Array.from({ length: 20 }, (_, i) =>
      registry.appendAuditEvent({
        tenant: i % 2 ? a : b,
        actor: `actor-${i}`,
        type: "test.event",
        details: { i, nested: { list: [1, "two", null], "ü": true }, z: 1.5 },
      })),
  );
  const events = await registry.auditEvents(a);
  assert.deepEqual(events.map((e) => e.seq), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.ok(events.every((e) => e.tenant === a));
  for (let i = 1; i < events.length; i++) assert.equal(events[i].prevHash, events[i - 1].hash);
  const verified = await registry.verifyAuditLog();
  assert.deepEqual(verified, { chains: 2, events: 20, breaks: [] });
  assert.deepEqual(await registry.verifyAuditLog(a), { chains: 1, events: 10, breaks: [] });
});

Deno.test("registry: audit details that look like secrets are refused", async () => {
  await using t = await testRegistry();
  const tenant = uniqueTenantId("audit");
  for (
    const details of [
      { password: "x" },
      { nested: { secret_key: "x" } },
      { api_key: "x" },
      { note: "AGE-SECRET-KEY-1QQQ" },
      { doc: "ENC[AES256_GCM,data:x]" },
    ]
  ) {
    await assert.rejects(
      t.registry.appendAuditEvent({ tenant, actor: "a", type: "t", details }),
      /audit details must not hold/,
      JSON.stringify(details),
    );
  }
  assert.deepEqual(await t.registry.auditEvents(tenant), []);
});

Deno.test("registry: an edited, deleted or re-hashed audit row is found by verification", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const tenant = uniqueTenantId("audit");
  const untouched = uniqueTenantId("audit");
  for (let i = 1; i <= 5; i++) {
    await registry.appendAuditEvent({ tenant, actor: "a", type: `step.${i}`, details: { i } });
    await registry.appendAuditEvent({ tenant: untouched, actor: "a", type: "s", details: { i } });
  }
  const admin = t.admin();
  try {
    // The table refuses changes until an administrator deliberately disables the trigger.
    await assert.rejects(
      admin`update audit_events set actor = 'mallory' where tenant_id = ${tenant} and seq = 3`,
      /append-only/,
    );
    await assert.rejects(
      admin`delete from audit_events where tenant_id = ${tenant}`,
      /append-only/,
    );
    await admin`alter table audit_events disable trigger audit_events_append_only`;

    await admin`update audit_events set details = '{"i": 33}' where tenant_id = ${tenant} and seq = 3`;
    let result = await registry.verifyAuditLog();
    assert.equal(result.breaks.length, 1, "only the edited chain is broken");
    assert.deepEqual(
      { tenant: result.breaks[0].tenant, seq: result.breaks[0].seq },
      { tenant, seq: 3 },
    );
    assert.match(result.breaks[0].problem, /event 3 \(step\.3\) was modified/);

    // An attacker who also recomputes the edited row's hash breaks the next link instead.
    const [row] = await admin`select * from audit_events where tenant_id = ${tenant} and seq = 3`;
    const { auditHash } = await import("./audit.ts");
    const rehashed = await auditHash({
      tenant,
      seq: 3,
      at: row.at,
      actor: row.actor,
      type: row.type,
      details: row.details,
      prevHash: row.prev_hash,
    });
    await admin`update audit_events set hash = ${rehashed} where tenant_id = ${tenant} and seq = 3`;
    result = await registry.verifyAuditLog(tenant);
    assert.equal(result.breaks[0].seq, 4);
    assert.match(result.breaks[0].problem, /event 4 does not link to event 3/);

    await admin`delete from audit_events where tenant_id = ${tenant} and seq in (3, 4)`;
    result = await registry.verifyAuditLog(tenant);
    assert.match(result.breaks[0].problem, /event 3 is missing/);

    const cut = uniqueTenantId("audit");
    for (let i = 1; i <= 3; i++) {
      await registry.appendAuditEvent({ tenant: cut, actor: "a", type: "s", details: { i } });
    }
    await admin`delete from audit_events where tenant_id = ${cut} and seq = 3`;
    result = await registry.verifyAuditLog(cut);
    assert.match(result.breaks[0].problem, /events 3\.\.3 are missing: the chain was cut short/);

    assert.deepEqual(await registry.verifyAuditLog(untouched), {
      chains: 1,
      events: 5,
      breaks: [],
    });
  } finally {
    await admin.end();
  }
});

/** Starts a process that holds the apply lock of `url`; resolves once it holds it. */
async function lockHolder(url: string, holder: string, purpose: string) {
  const child = new Deno.Command(Deno.execPath(), {
    args: [
      "run",
      "-A",
      "--quiet",
      join(new URL(".", import.meta.url).pathname, "testdata", "hold_apply_lock.ts"),
      holder,
      purpose,
    ],
    env: { [ENV.registryUrl]: url },
    stdout: "piped",
    stderr: "inherit",
  }).spawn();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let output = "";
  while (!output.includes("locked")) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`the lock holder exited: ${output}`);
    output += value;
  }
  reader.releaseLock();
  return child;
}

Deno.test("registry: a second apply lock holder fails at once, naming holder, since and purpose", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const lock = await registry.acquireApplyLock("ci-job-1", "apply main@abc123");
  try {
    assert.equal(await lock.held(), true);
    const started = Date.now();
    await assert.rejects(registry.acquireApplyLock("ci-job-2", "apply"), (e: Error) => {
      assert.ok(e instanceof ApplyLockHeldError);
      assert.equal(e.holder, "ci-job-1");
      assert.equal(e.purpose, "apply main@abc123");
      assert.equal(e.since.getTime(), lock.since.getTime());
      assert.match(e.message, /held by ci-job-1 since .* for "apply main@abc123"/);
      return true;
    });
    assert.ok(Date.now() - started < 3000, "the second holder does not wait");
    const status = await registry.applyLockStatus();
    assert.equal(status?.holder, "ci-job-1");
    assert.equal(status?.stale, false);
  } finally {
    await lock.release();
  }
  assert.equal(await lock.held(), false);
  assert.equal(await registry.applyLockStatus(), undefined);
  const next = await registry.acquireApplyLock("ci-job-2", "apply");
  await next.release();
  await next.release(); // twice is harmless
});

Deno.test("registry: a SIGKILLed apply lock holder does not block the next apply", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const child = await lockHolder(t.url, "doomed-job", "apply before crash");
  await assert.rejects(registry.acquireApplyLock("next-job", "apply"), ApplyLockHeldError);
  child.kill("SIGKILL");
  await child.status;
  let lock;
  for (let attempt = 0; !lock; attempt++) {
    try {
      lock = await registry.acquireApplyLock("next-job", "apply after crash");
    } catch (error) {
      if (!(error instanceof ApplyLockHeldError) || attempt >= 50) throw error;
      await sleep(100); // until PostgreSQL has noticed the closed connection
    }
  }
  try {
    assert.equal((await registry.applyLockStatus())?.holder, "next-job");
    const events = await registry.auditEvents(SYSTEM_AUDIT_CHAIN);
    assert.equal(events.at(-1)?.type, "apply_lock.stale_taken_over");
    assert.equal(events.at(-1)?.details.stale_holder, "doomed-job");
  } finally {
    await lock.release();
  }
});

Deno.test("registry: force-unlock ends a live holder's session and is audited", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  assert.equal(await registry.forceUnlock("operator"), undefined, "nothing to unlock");
  const child = await lockHolder(t.url, "hung-job", "apply that hangs");
  try {
    const broken = await registry.forceUnlock("operator");
    assert.equal(broken?.holder, "hung-job");
    const lock = await registry.acquireApplyLock("next-job", "apply");
    await lock.release();
    const events = await registry.auditEvents(SYSTEM_AUDIT_CHAIN);
    const event = events.find((e) => e.type === "apply_lock.force_unlocked");
    assert.equal(event?.actor, "operator");
    assert.equal(event?.details.holder, "hung-job");
    assert.equal(event?.details.ended_sessions, 1);
  } finally {
    child.kill("SIGKILL");
    await child.status;
  }
  // In-process: a holder whose session was ended learns it from held().
  const lock = await registry.acquireApplyLock("job", "apply");
  await registry.forceUnlock("operator");
  await sleep(200);
  assert.equal(await lock.held(), false);
  await lock.release();
  assert.deepEqual((await registry.verifyAuditLog()).breaks, []);
});
