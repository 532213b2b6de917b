/**
 * The engine applies different tenants' changes concurrently. Many tenants granted on
 * the same shared database at once would race on one catalog row ("tuple concurrently
 * updated"); the store serialises those updates. Proven here with ten tenants applied
 * and destroyed concurrently on the real sandbox server.
 */
import assert from "node:assert/strict";
import { orderChanges } from "../../plan/diff.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import type { Tenant } from "../../tenant/model.ts";
import type { Change, StoreSecret } from "../store.ts";
import { memoryApplyContext, planStore, testTenant } from "../testing.ts";
import type { PostgresStore } from "./store.ts";
import { asAdmin, destroyTenants, withPostgresStore } from "./testing.ts";

/** Shared changes first, then each tenant's changes in order, all tenants at once. */
async function applyConcurrently(
  store: PostgresStore,
  tenants: Tenant[],
  secrets: Map<string, StoreSecret>,
  changes: Change[],
): Promise<void> {
  const context = memoryApplyContext(store, tenants, secrets);
  for (const change of orderChanges(changes.filter((c) => c.tenant === undefined))) {
    await store.apply(change, context);
  }
  const byTenant = Map.groupBy(changes.filter((c) => c.tenant !== undefined), (c) => c.tenant!);
  const results = await Promise.allSettled([...byTenant.values()].map(async (group) => {
    for (const change of orderChanges(group)) await store.apply(change, context);
  }));
  const failures = results.filter((r) => r.status === "rejected").map((r) => String(r.reason));
  assert.deepEqual(failures, []);
}

Deno.test("postgres concurrency: ten tenants (eight in one shared database) applied and destroyed at once", async () => {
  await withPostgresStore(async (store) => {
    const tenants = Array.from({ length: 10 }, (_, i) =>
      testTenant({
        id: uniqueTenantId("pgcc"),
        tier: i < 8 ? "standard" : "enterprise",
        stores: { postgres: { isolation: i < 8 ? "schema" : "database" } },
      }));
    const secrets = new Map<string, StoreSecret>();
    try {
      const plan = await planStore(store, tenants, secrets);
      assert.ok(plan.changes.filter((c) => c.tenant !== undefined).length >= 30);
      await applyConcurrently(store, tenants, secrets, plan.changes);
      assert.deepEqual((await planStore(store, tenants, secrets)).changes, []);

      const destroy = await planStore(store, [], secrets, {
        alsoObserve: tenants.map((t) => t.id),
        allowDestroy: true,
      });
      assert.equal(destroy.changes.length, 30);
      await applyConcurrently(store, tenants, secrets, destroy.changes);
      const [left] = await asAdmin([
        `select count(*)::int as n from pg_roles
          where rolname in (${
          tenants.map((t) => `'tenant_${t.id.replaceAll("-", "_")}'`).join(", ")
        })`,
      ]);
      assert.equal(left.n, 0);
    } finally {
      await destroyTenants(store, tenants, secrets);
    }
  });
});
