import assert from "node:assert/strict";
import { type ComposeInputs, composePlan, type StoreSnapshot } from "./compose.ts";
import type { Resource } from "../stores/store.ts";
import { testTenant } from "../stores/testing.ts";

const now = new Date("2026-11-22T12:00:00Z");
const day = 24 * 60 * 60 * 1000;

function user(tenant: string, attributes: Resource["attributes"] = { enabled: true }): Resource {
  return {
    address: `redis.acl_user.tenant-${tenant}`,
    store: "redis",
    kind: "acl_user",
    name: `tenant-${tenant}`,
    tenant,
    attributes,
  };
}

function snapshot(desired: Resource[], observed: Resource[]): StoreSnapshot {
  return {
    state: { store: "redis", status: "verified", roundTrips: 1, notes: [] },
    desired,
    observed,
    dataKinds: new Set(),
  };
}

function inputs(overrides: Partial<ComposeInputs>): ComposeInputs {
  return {
    tenants: [],
    known: [],
    snapshots: [],
    scope: { targets: [], excludes: [], allowDestroy: false },
    now,
    toolVersion: "test",
    ...overrides,
  };
}

Deno.test("compose: creates for declared tenants; targets and excludes narrow the scope", async () => {
  const tenants = [testTenant({ id: "aa" }), testTenant({ id: "bb" })];
  const snap = snapshot([user("aa"), user("bb")], []);
  const all = await composePlan(inputs({ tenants, snapshots: [snap] }));
  assert.deepEqual(all.changes.map((c) => c.address), [
    "redis.acl_user.tenant-aa",
    "redis.acl_user.tenant-bb",
  ]);
  const targeted = await composePlan(
    inputs({
      tenants,
      snapshots: [snap],
      scope: { targets: ["bb"], excludes: [], allowDestroy: false },
    }),
  );
  assert.deepEqual(targeted.changes.map((c) => c.tenant), ["bb"]);
  const excluded = await composePlan(
    inputs({
      tenants,
      snapshots: [snap],
      scope: { targets: [], excludes: ["bb"], allowDestroy: false },
    }),
  );
  assert.deepEqual(excluded.changes.map((c) => c.tenant), ["aa"]);
});

Deno.test("compose: a removed tenant file with live resources is refused; --allow-destroy deletes", async () => {
  const snap = snapshot([], [user("gone")]);
  const refused = await composePlan(inputs({ known: [{ id: "gone" }], snapshots: [snap] }));
  assert.deepEqual(refused.refusals, [
    "tenant gone has live resources but no file: mark it decommissioned (status: decommissioned) or pass --allow-destroy",
  ]);
  assert.equal(refused.changes.length, 0);
  assert.equal(
    refused.withheld[0].reason,
    "orphan: no tenant file (kept: pass --allow-destroy to delete)",
  );
  const destroy = await composePlan(
    inputs({
      known: [{ id: "gone" }],
      snapshots: [snap],
      scope: { targets: [], excludes: [], allowDestroy: true },
    }),
  );
  assert.deepEqual(destroy.refusals, []);
  assert.deepEqual(destroy.changes.map((c) => [c.action, c.reason]), [[
    "delete",
    "orphan: no tenant file",
  ]]);
});

Deno.test("compose: an orphan the registry never knew is reported, not refused", async () => {
  const plan = await composePlan(inputs({ snapshots: [snapshot([], [user("stray")])] }));
  assert.deepEqual(plan.refusals, []);
  assert.equal(plan.withheld.length, 1);
});

Deno.test("compose: a decommissioned tenant keeps its data until retention ends and --allow-destroy", async () => {
  const tenant = testTenant({ id: "old", status: "decommissioned", retention_days: 10 });
  const snap = snapshot([user("old", { enabled: false })], [user("old", { enabled: false })]);
  const allowDestroy = { targets: [], excludes: [], allowDestroy: true };
  const within = await composePlan(inputs({
    tenants: [tenant],
    known: [{ id: "old", decommissionedAt: new Date(now.getTime() - 3 * day) }],
    snapshots: [snap],
    scope: allowDestroy,
  }));
  assert.equal(within.changes.length, 0);
  assert.match(within.notes[0].note, /data kept until 2026-11-29 \(retention 10 days\)/);
  const past = {
    tenants: [tenant],
    known: [{ id: "old", decommissionedAt: new Date(now.getTime() - 11 * day) }],
    snapshots: [snapshot([user("old", { enabled: false })], [user("old", { enabled: false })])],
  };
  const noFlag = await composePlan(inputs(past));
  assert.equal(noFlag.changes.length, 0);
  assert.match(noFlag.notes[0].note, /past retention: apply --allow-destroy deletes/);
  const destroyed = await composePlan(inputs({ ...past, scope: allowDestroy }));
  assert.deepEqual(destroyed.changes.map((c) => [c.action, c.reason]), [[
    "delete",
    "tenant decommissioned",
  ]]);
});

Deno.test("compose: shared changes come first; a store not verified contributes nothing", async () => {
  const shared: Resource = {
    address: "redis.acl_user.default",
    store: "redis",
    kind: "acl_user",
    name: "default",
    attributes: { on: false },
  };
  const tenants = [testTenant({ id: "aa" })];
  const unverified: StoreSnapshot = {
    state: { store: "qdrant", status: "not_verified", reason: "not reachable", notes: [] },
    desired: [{ ...user("aa"), store: "qdrant", address: "qdrant.collection.tenant_aa" }],
    observed: [],
    dataKinds: new Set(),
  };
  const plan = await composePlan(
    inputs({ tenants, snapshots: [snapshot([user("aa"), shared], []), unverified] }),
  );
  assert.deepEqual(plan.changes.map((c) => c.address), [
    "redis.acl_user.default",
    "redis.acl_user.tenant-aa",
  ]);
  assert.equal(plan.stores[1].status, "not_verified");
});

Deno.test("compose: the fingerprint follows the live state in scope, not other tenants'", async () => {
  const tenants = [testTenant({ id: "aa" })];
  const scope = { targets: ["aa"], excludes: [], allowDestroy: false };
  const base = await composePlan(
    inputs({ tenants, scope, snapshots: [snapshot([user("aa")], [user("aa"), user("zz")])] }),
  );
  const otherChanged = await composePlan(
    inputs({
      tenants,
      scope,
      snapshots: [snapshot([user("aa")], [user("aa"), user("zz", { x: 1 })])],
    }),
  );
  const ownChanged = await composePlan(
    inputs({
      tenants,
      scope,
      snapshots: [snapshot([user("aa")], [user("aa", { enabled: false })])],
    }),
  );
  assert.equal(base.fingerprint, otherChanged.fingerprint);
  assert.notEqual(base.fingerprint, ownChanged.fingerprint);
});

Deno.test("compose: an unknown --target is refused", async () => {
  const plan = await composePlan(
    inputs({ scope: { targets: ["nobody"], excludes: [], allowDestroy: false } }),
  );
  assert.match(plan.refusals[0], /--target nobody: no tenant file declares it/);
});
