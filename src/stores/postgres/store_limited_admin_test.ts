/**
 * Without superuser: an admin with only CREATEDB and CREATEROLE (what doctor accepts)
 * provisions, observes and destroys tenants in both modes on the real sandbox server;
 * what it cannot do (read password verifiers) is said in the observation's notes.
 */
import assert from "node:assert/strict";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { postgresRole, postgresSharedDatabase } from "../../tenant/names.ts";
import type { StoreSecret } from "../store.ts";
import { convergeStore, planStore, testTenant } from "../testing.ts";
import { PostgresStore } from "./store.ts";
import { attemptAsTenant } from "./tenant_session.ts";
import { asAdmin, sandboxPostgres } from "./testing.ts";

Deno.test("postgres without superuser: a CREATEDB CREATEROLE admin provisions and destroys both modes", async () => {
  const endpoint = await sandboxPostgres();
  const admin = `bh_limited_${uniqueTenantId("a").replaceAll("-", "_")}`;
  const password = crypto.randomUUID();
  const url = new URL(endpoint.url);
  url.username = admin;
  url.password = password;
  // What only a superuser can do was done beforehand, as an operator would.
  await asAdmin([
    `create role ${admin} login createdb createrole password '${password}'`,
    "revoke all on database postgres from public",
    "revoke all on database template1 from public",
    `grant connect on database postgres to ${admin}`,
  ]);
  const store = new PostgresStore({ url: url.toString() });
  const tenants = [
    testTenant({
      id: uniqueTenantId("pgl"),
      tier: "dedicated",
      stores: { postgres: { isolation: "schema" } },
    }),
    testTenant({
      id: uniqueTenantId("pgl"),
      tier: "enterprise",
      stores: { postgres: { isolation: "database" } },
    }),
  ];
  const secrets = new Map<string, StoreSecret>();
  const shared = postgresSharedDatabase("dedicated");
  try {
    await convergeStore(store, tenants, secrets);
    const again = await planStore(store, tenants, secrets);
    assert.deepEqual(again.changes, []);
    assert.ok(again.observation.notes.some((n) => n.startsWith("credentials not verified")));
    const [schemaTenant, databaseTenant] = tenants;
    const inShared = await attemptAsTenant(endpoint, secrets.get(schemaTenant.id)!, shared, [
      "create table t (i int)",
      "select current_schema() as schema",
    ]);
    assert.deepEqual(inShared, {
      outcome: "allowed",
      rows: [{ schema: postgresRole(schemaTenant.id) }],
    });
    const own = postgresRole(databaseTenant.id);
    const inOwn = await attemptAsTenant(endpoint, secrets.get(databaseTenant.id)!, own, [
      "select 1 as one",
    ]);
    assert.deepEqual(inOwn, { outcome: "allowed", rows: [{ one: 1 }] });

    // Without pg_authid a recorded credential cannot be disproved, but a missing one is known.
    secrets.delete(databaseTenant.id);
    const unrecorded = await planStore(store, tenants, secrets);
    assert.deepEqual(unrecorded.changes.map((c) => [c.address, c.reason]), [
      [`postgres.role.${own}`, "drifted: credential"],
    ]);
    await convergeStore(store, tenants, secrets);
    const fresh = await attemptAsTenant(endpoint, secrets.get(databaseTenant.id)!, own, [
      "select 1 as one",
    ]);
    assert.equal(fresh.outcome, "allowed");

    await convergeStore(store, [], secrets, {
      alsoObserve: tenants.map((t) => t.id),
      allowDestroy: true,
    });
    const [left] = await asAdmin([
      `select count(*)::int as n from pg_roles where rolname in ('${
        postgresRole(schemaTenant.id)
      }', '${own}')`,
    ]);
    assert.equal(left.n, 0);
  } finally {
    await store.close();
    await asAdmin([
      ...tenants.map((t) => `drop database if exists ${postgresRole(t.id)} with (force)`),
      `drop database if exists ${shared} with (force)`,
      ...tenants.map((t) => `drop role if exists ${postgresRole(t.id)}`),
      `drop owned by ${admin}`,
      `drop role if exists ${admin}`,
    ]);
  }
});
