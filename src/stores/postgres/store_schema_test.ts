/**
 * Schema isolation on the real sandbox server: tenants in their tier's shared database,
 * their own schemas closed to each other, and shared tables under forced row security
 * that no session trick escapes. Every refusal checked is the server's own.
 */
import assert from "node:assert/strict";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { postgresRole, postgresSharedDatabase } from "../../tenant/names.ts";
import type { StoreSecret } from "../store.ts";
import { convergeStore, planStore, testTenant } from "../testing.ts";
import { attemptAsTenant } from "./tenant_session.ts";
import { asAdmin, assertDenied, destroyTenants, sandboxPostgres, withTenants } from "./testing.ts";

const SHARED = postgresSharedDatabase("standard");
const SHARED_SCHEMA_ADDRESS = `postgres.schema.${SHARED}.shared`;

function schemaTenant(prefix: string) {
  return testTenant({
    id: uniqueTenantId(prefix),
    tier: "standard",
    stores: { postgres: { isolation: "schema" } },
  });
}

Deno.test("postgres schema isolation: apply from empty, then plan is empty", async () => {
  const a = schemaTenant("pgs");
  const b = schemaTenant("pgs");
  await withTenants([a, b], async (store, secrets, applied) => {
    const addresses = applied.map((c) => c.address);
    for (const t of [a, b]) {
      assert.ok(addresses.includes(`postgres.schema.${SHARED}.${postgresRole(t.id)}`));
      assert.ok(!addresses.includes(`postgres.database.${postgresRole(t.id)}`));
    }
    assert.deepEqual((await planStore(store, [a, b], secrets)).changes, []);
    const roleA = postgresRole(a.id);
    const [catalog] = await asAdmin([
      `select pg_get_userbyid(n.nspowner) as owner, n.nspacl::text[] as acl,
              (select array_agg(defaclobjtype::text || ':' || defaclacl::text order by defaclobjtype)
                 from pg_default_acl where defaclrole = '${roleA}'::regrole) as defaults,
              (select array_agg(a::text order by a::text) from pg_database d, unnest(d.datacl) a
                where d.datname = current_database() and a::text like 'tenant_%') as database_acl
         from pg_namespace n where n.nspname = '${roleA}'`,
    ], SHARED);
    const admin = store.adminRole;
    assert.deepEqual(catalog.owner, admin);
    assert.deepEqual(catalog.acl, [`${admin}=UC/${admin}`, `${roleA}=UC/${admin}`]);
    assert.deepEqual(catalog.defaults, [`T:{${roleA}=U/${roleA}}`, `f:{${roleA}=X/${roleA}}`]);
    assert.ok((catalog.database_acl as string[]).includes(`${roleA}=Tc/${admin}`));
    assert.ok((catalog.database_acl as string[]).includes(`${postgresRole(b.id)}=Tc/${admin}`));
    const details = store.connectionDetails(a.id, secrets.get(a.id)!, a);
    assert.equal(details.database, SHARED);
    assert.equal(details.schema, roleA);
  });
});

Deno.test("postgres schema isolation: a tenant's schema is its own and closed to the others", async () => {
  const endpoint = await sandboxPostgres();
  const a = schemaTenant("pgs");
  const b = schemaTenant("pgs");
  const [roleA, roleB] = [postgresRole(a.id), postgresRole(b.id)];
  await withTenants([a, b], async (store, secrets) => {
    const [secretA, secretB] = [secrets.get(a.id)!, secrets.get(b.id)!];
    const mine = await attemptAsTenant(endpoint, secretB, SHARED, [
      "create table secrets (v text)",
      "insert into secrets values ('b-only')",
      "create function whoami() returns text language sql as 'select current_user::text'",
      "grant usage on schema " + roleB + " to " + roleA,
      "select v, current_schema() as schema from secrets",
    ]);
    assert.deepEqual(mine, { outcome: "allowed", rows: [{ v: "b-only", schema: roleB }] });
    const as = (statements: string[]) => attemptAsTenant(endpoint, secretA, SHARED, statements);
    assertDenied(
      await as([`select * from ${roleB}.secrets`]),
      "42501",
      /permission denied for schema/,
      "read",
    );
    assertDenied(
      await as([`create table ${roleB}.planted (i int)`]),
      "42501",
      /permission denied for schema/,
      "plant",
    );
    assertDenied(
      await as([`select ${roleB}.whoami()`]),
      "42501",
      /permission denied for schema/,
      "call",
    );
    assertDenied(
      await as(["create table public.planted (i int)"]),
      "42501",
      /permission denied for schema public/,
      "public",
    );
    assertDenied(
      await as(["create schema planted"]),
      "42501",
      /permission denied for database/,
      "schema",
    );
    assertDenied(
      await as([`set role ${roleB}`]),
      "42501",
      /permission denied to set role/,
      "set role",
    );
    const [fn] = await asAdmin([
      `select proacl::text[] as acl from pg_proc where proname = 'whoami'
          and pronamespace = '${roleB}'::regnamespace`,
    ], SHARED);
    assert.deepEqual(
      fn.acl,
      [`${roleB}=X/${roleB}`],
      "default privileges keep PUBLIC off new functions",
    );
    assert.deepEqual(
      (await planStore(store, [a, b], secrets)).changes,
      [],
      "a tenant cannot re-grant its schema",
    );
  });
});

Deno.test("postgres schema isolation: shared tables under forced row security hold against every session trick", async () => {
  const endpoint = await sandboxPostgres();
  const a = schemaTenant("pgr");
  const b = schemaTenant("pgr");
  const table = `orders_${a.id.replaceAll("-", "_")}`;
  const qualified = `shared.${table}`;
  const [roleA, roleB] = [postgresRole(a.id), postgresRole(b.id)];
  await withTenants([a, b], async (store, secrets) => {
    try {
      await asAdmin([
        `create table ${qualified} (id int generated always as identity primary key,
           tenant text not null default current_user, item text)`,
      ], SHARED);
      const drift = await planStore(store, [a, b], secrets);
      assert.deepEqual(drift.changes.map((c) => [c.address, c.action, c.reason]), [
        [SHARED_SCHEMA_ADDRESS, "update", "drifted: table_findings"],
      ]);
      assert.deepEqual(drift.changes[0].before?.table_findings, [
        `${table}: PUBLIC lacks DELETE,INSERT,SELECT,UPDATE`,
        `${table}: no policy bulkhead_tenant_isolation`,
        `${table}: row security disabled`,
        `${table}: row security not forced`,
      ]);
      await convergeStore(store, [a, b], secrets);
      assert.deepEqual((await planStore(store, [a, b], secrets)).changes, []);

      const as = (secret: StoreSecret, statements: string[]) =>
        attemptAsTenant(endpoint, secret, SHARED, statements);
      const [secretA, secretB] = [secrets.get(a.id)!, secrets.get(b.id)!];
      assert.equal(
        (await as(secretA, [`insert into ${qualified} (item) values ('a1'), ('a2')`])).outcome,
        "allowed",
      );
      assert.equal(
        (await as(secretB, [`insert into ${qualified} (item) values ('b1')`])).outcome,
        "allowed",
      );

      const seen = await as(secretA, [`select tenant, item from ${qualified} order by item`]);
      assert.deepEqual(seen, {
        outcome: "allowed",
        rows: [{ tenant: roleA, item: "a1" }, { tenant: roleA, item: "a2" }],
      });
      const tricks = await as(secretA, [
        `set app.tenant = '${roleB}'`,
        `set application_name = '${roleB}'`,
        "reset role",
        `select count(*)::int as n from ${qualified} where tenant = '${roleB}'`,
      ]);
      assert.deepEqual(tricks, { outcome: "allowed", rows: [{ n: 0 }] });
      const touched = await as(secretA, [
        `with u as (update ${qualified} set item = 'pwned' where tenant = '${roleB}' returning 1),
              d as (delete from ${qualified} where tenant = '${roleB}' returning 1)
         select (select count(*) from u)::int as updated, (select count(*) from d)::int as deleted`,
      ]);
      assert.deepEqual(touched, { outcome: "allowed", rows: [{ updated: 0, deleted: 0 }] });

      const rls = /row-level security/;
      assertDenied(
        await as(secretA, [`insert into ${qualified} (tenant, item) values ('${roleB}', 'x')`]),
        "42501",
        rls,
        "insert as other",
      );
      assertDenied(
        await as(secretA, [`update ${qualified} set tenant = '${roleB}'`]),
        "42501",
        rls,
        "move row",
      );
      assertDenied(
        await as(secretA, ["set row_security = off", `select * from ${qualified}`]),
        "42501",
        rls,
        "row_security off",
      );
      assertDenied(
        await as(secretA, [`set role ${roleB}`]),
        "42501",
        /permission denied to set role/,
        "set role",
      );
      assertDenied(
        await as(secretA, [`set session authorization ${roleB}`]),
        "42501",
        /permission denied/,
        "session authorization",
      );
      assertDenied(
        await as(secretA, [`truncate ${qualified}`]),
        "42501",
        /permission denied for table/,
        "truncate",
      );
      assertDenied(
        await as(secretA, [`alter table ${qualified} disable row level security`]),
        "42501",
        /must be owner/,
        "disable rls",
      );
      assertDenied(
        await as(secretA, [`alter table ${qualified} no force row level security`]),
        "42501",
        /must be owner/,
        "no force",
      );
      assertDenied(
        await as(secretA, [`create policy mine on ${qualified} using (true)`]),
        "42501",
        /must be owner/,
        "policy",
      );
      assertDenied(
        await as(secretA, [`create table ref (id int references ${qualified}(id))`]),
        "42501",
        /permission denied for table/,
        "foreign key probe",
      );
      assertDenied(
        await as(secretA, [
          "create function spy() returns trigger language plpgsql as 'begin return new; end'",
          `create trigger spy before insert on ${qualified} for each row execute function spy()`,
        ]),
        "42501",
        /permission denied for table/,
        "trigger",
      );
      await asAdmin([`analyze ${qualified}`], SHARED);
      const stats = await as(secretA, [
        `select count(*)::int as n from pg_stats where schemaname = 'shared' and tablename = '${table}'`,
      ]);
      assert.deepEqual(
        stats,
        { outcome: "allowed", rows: [{ n: 0 }] },
        "planner statistics stay hidden",
      );

      const [counts] = await asAdmin([
        `select count(*) filter (where tenant = '${roleA}')::int as a,
                count(*) filter (where tenant = '${roleB}')::int as b,
                count(*) filter (where item = 'pwned')::int as pwned from ${qualified}`,
      ], SHARED);
      assert.deepEqual(counts, { a: 2, b: 1, pwned: 0 });

      // Destroying tenant A removes its rows from the shared table (and only its rows),
      // its schema and its large objects (which live outside any schema).
      const blob = await as(secretA, ["select lo_from_bytea(0, 'a-data')::int as oid"]);
      assert.equal(blob.outcome, "allowed");
      const blobOid = blob.outcome === "allowed" ? Number(blob.rows[0].oid) : 0;
      await destroyTenants(store, [a], secrets);
      const [left] = await asAdmin([
        `select count(*) filter (where tenant = '${roleA}')::int as a,
                count(*) filter (where tenant = '${roleB}')::int as b,
                (select count(*) from pg_namespace where nspname = '${roleA}')::int as schema,
                (select count(*) from pg_largeobject_metadata where oid = ${blobOid})::int as blobs
           from ${qualified}`,
      ], SHARED);
      assert.deepEqual(left, { a: 0, b: 1, schema: 0, blobs: 0 });
    } finally {
      await asAdmin([`drop table if exists ${qualified}`], SHARED);
    }
  });
});

Deno.test("postgres schema isolation: a shared table without a tenant column is refused by name", async () => {
  const a = schemaTenant("pgr");
  const table = `legacy_${a.id.replaceAll("-", "_")}`;
  await withTenants([a], async (store, secrets) => {
    try {
      await asAdmin([`create table shared.${table} (id int)`], SHARED);
      const plan = await planStore(store, [a], secrets);
      assert.deepEqual(plan.changes.map((c) => c.address), [SHARED_SCHEMA_ADDRESS]);
      assert.ok(
        (plan.changes[0].before?.table_findings as string[]).includes(
          `${table}: no column tenant of type text`,
        ),
      );
      await assert.rejects(
        () => convergeStore(store, [a], secrets),
        new RegExp(`table shared\\.${table} has no column tenant of type text`),
      );
    } finally {
      await asAdmin([`drop table if exists shared.${table}`], SHARED);
    }
  });
});
