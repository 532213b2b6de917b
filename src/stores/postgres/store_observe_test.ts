/**
 * Observation on the real sandbox server: a fixed number of queries whatever the number
 * of tenants (counted by the driver), and resources that look like a tenant's but have
 * no tenant file reported as orphans.
 */
import assert from "node:assert/strict";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { postgresRole, postgresSharedDatabase } from "../../tenant/names.ts";
import type { StoreSecret } from "../store.ts";
import { convergeStore, planStore, testTenant } from "../testing.ts";
import { asAdmin, destroyTenants, withPostgresStore } from "./testing.ts";

function mixedTenants(count: number, prefix: string) {
  return Array.from({ length: count }, (_, i) =>
    testTenant({
      id: uniqueTenantId(prefix),
      tier: i % 3 === 0 ? "standard" : "enterprise",
      stores: { postgres: { isolation: i % 3 === 0 ? "schema" : "database" } },
    }));
}

Deno.test("postgres observe: the same number of queries for 3 and for 30 tenants", async () => {
  await withPostgresStore(async (store) => {
    const few = mixedTenants(3, "pgo");
    const more = mixedTenants(27, "pgo");
    const secrets = new Map<string, StoreSecret>();
    try {
      await convergeStore(store, few, secrets);
      const context = { secrets, secretsAvailable: true };
      const withFew = await store.observe(context);
      await convergeStore(store, [...few, ...more], secrets);
      const started = performance.now();
      const withMore = await store.observe(context);
      const elapsed = performance.now() - started;

      const ours = (tenants: typeof few, resources: typeof withFew.resources) =>
        resources.filter((r) => tenants.some((t) => t.id === r.tenant)).length;
      assert.equal(ours(few, withFew.resources), 3 * 3, "role, grants and database or schema each");
      assert.equal(ours([...few, ...more], withMore.resources), 30 * 3);
      const sharedDatabases = new Set(
        withMore.resources.filter((r) => r.kind === "database" && r.tenant === undefined).map((r) =>
          r.name
        ),
      ).size;
      assert.ok(sharedDatabases >= 1);
      assert.equal(
        withMore.roundTrips,
        1 + sharedDatabases,
        "one cluster query, one per shared database",
      );
      assert.equal(withFew.roundTrips, withMore.roundTrips);
      assert.ok(
        withMore.resources.filter((r) =>
          r.kind === "role" && r.tenant && more.some((t) => t.id === r.tenant)
        )
          .every((r) => r.attributes.credential === "recorded"),
      );
      console.log(
        `observe: ${withMore.resources.length} resources in ${
          elapsed.toFixed(0)
        } ms, ${withMore.roundTrips} queries`,
      );
      assert.deepEqual((await planStore(store, [...few, ...more], secrets)).changes, []);
    } finally {
      await destroyTenants(store, [...few, ...more], secrets);
    }
  });
});

Deno.test("postgres observe: a role, database and schema named like a tenant's but undeclared are orphans", async () => {
  await withPostgresStore(async (store) => {
    const id = uniqueTenantId("pgorphan");
    const name = postgresRole(id);
    const shared = postgresSharedDatabase("standard");
    const secrets = new Map<string, StoreSecret>();
    const anchor = testTenant({ id: uniqueTenantId("pgo"), tier: "standard" });
    try {
      await convergeStore(store, [anchor], secrets);
      await asAdmin([`create role ${name} login`, `create database ${name}`]);
      await asAdmin([`create schema ${name}`], shared);
      const kept = await planStore(store, [], secrets, { alsoObserve: [id] });
      assert.deepEqual(kept.changes, []);
      assert.deepEqual(
        kept.withheld.map((w) => [w.resource.address, w.resource.tenant, w.reason]).sort(),
        [
          [
            `postgres.database.${name}`,
            id,
            "orphan: no tenant file (kept: pass --allow-destroy to delete)",
          ],
          [
            `postgres.grants.${name}`,
            id,
            "orphan: no tenant file (kept: pass --allow-destroy to delete)",
          ],
          [
            `postgres.role.${name}`,
            id,
            "orphan: no tenant file (kept: pass --allow-destroy to delete)",
          ],
          [
            `postgres.schema.${shared}.${name}`,
            id,
            "orphan: no tenant file (kept: pass --allow-destroy to delete)",
          ],
        ],
      );
      const destroyed = await convergeStore(store, [], secrets, {
        alsoObserve: [id],
        allowDestroy: true,
      });
      assert.equal(destroyed.length, 4);
      assert.ok(destroyed.every((c) => c.action === "delete"));
      const [left] = await asAdmin([
        `select (select count(*) from pg_roles where rolname = '${name}')::int as roles,
                (select count(*) from pg_database where datname = '${name}')::int as databases`,
      ]);
      assert.deepEqual(left, { roles: 0, databases: 0 });
    } finally {
      await asAdmin([`drop database if exists ${name}`, `drop role if exists ${name}`]).catch(
        () => {},
      );
      await destroyTenants(store, [anchor], secrets);
    }
  });
});
