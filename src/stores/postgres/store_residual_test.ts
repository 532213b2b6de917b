/**
 * Residual leaks the contract names (spec/contract/postgres.md, PG-R…): what a tenant
 * can learn or affect that privileges cannot close. Asserted on the real server so the
 * contract stays true: if a future server closes one, its test fails and the contract
 * is updated.
 */
import assert from "node:assert/strict";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { postgresRole, postgresSharedDatabase } from "../../tenant/names.ts";
import { convergeStore, testTenant } from "../testing.ts";
import { attemptAsTenant, connectAsTenant } from "./tenant_session.ts";
import { asAdmin, sandboxPostgres, withTenants } from "./testing.ts";
import type { PostgresEndpoint } from "../../config.ts";
import type { StoreSecret } from "../store.ts";

const SHARED = postgresSharedDatabase("standard");

function pair(isolation: "database" | "schema") {
  const tier = isolation === "schema" ? "standard" : "enterprise";
  return [0, 1].map(() =>
    testTenant({ id: uniqueTenantId("pgres"), tier, stores: { postgres: { isolation } } })
  );
}

Deno.test("postgres residual PG-R01/R02: names of databases and roles, and who is connected where", async () => {
  const endpoint = await sandboxPostgres();
  const [a, b] = pair("database");
  await withTenants([a, b], async (_store, secrets) => {
    const [roleA, roleB] = [postgresRole(a.id), postgresRole(b.id)];
    const other = connectAsTenant(endpoint, secrets.get(b.id)!, roleB);
    try {
      await other`select 1`;
      const seen = await attemptAsTenant(endpoint, secrets.get(a.id)!, roleA, [
        `select (select count(*) from pg_database where datname = '${roleB}')::int as database,
                (select count(*) from pg_roles where rolname = '${roleB}')::int as role,
                (select count(*) from pg_stat_activity where usename = '${roleB}' and datname = '${roleB}')::int as sessions,
                (select min(query) from pg_stat_activity where usename = '${roleB}') as query`,
      ]);
      assert.deepEqual(seen, {
        outcome: "allowed",
        rows: [{ database: 1, role: 1, sessions: 1, query: "<insufficient privilege>" }],
      });
    } finally {
      await other.end();
    }
  });
});

Deno.test("postgres residual PG-R03: in a shared database, other tenants' object names and sizes, not their data", async () => {
  const endpoint = await sandboxPostgres();
  const [a, b] = pair("schema");
  await withTenants([a, b], async (_store, secrets) => {
    const roleB = postgresRole(b.id);
    await attemptAsTenant(endpoint, secrets.get(b.id)!, SHARED, [
      "create table customers (id int, email text)",
      "insert into customers select g, 'x' from generate_series(1, 42) g",
      "analyze customers",
      "create function pricing() returns int language sql as 'select 42 /* formula */'",
    ]);
    const seen = await attemptAsTenant(endpoint, secrets.get(a.id)!, SHARED, [
      `select c.reltuples::int as estimated_rows,
              (select string_agg(attname, ',' order by attnum) from pg_attribute
                where attrelid = c.oid and attnum > 0) as columns,
              (select prosrc from pg_proc p where p.proname = 'pricing'
                 and p.pronamespace = c.relnamespace) as function_body
         from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = '${roleB}' and c.relname = 'customers'`,
    ]);
    assert.deepEqual(seen, {
      outcome: "allowed",
      rows: [{ estimated_rows: 42, columns: "id,email", function_body: "select 42 /* formula */" }],
    });
    const data = await attemptAsTenant(endpoint, secrets.get(a.id)!, SHARED, [
      `select * from ${roleB}.customers`,
    ]);
    assert.equal(data.outcome === "denied" && data.code, "42501");
  });
});

Deno.test("postgres residual PG-R04: in a shared database, NOTIFY reaches other tenants' LISTEN", async () => {
  const endpoint = await sandboxPostgres();
  const [a, b] = pair("schema");
  await withTenants([a, b], async (_store, secrets) => {
    const listener = connectAsTenant(endpoint, secrets.get(b.id)!, SHARED);
    try {
      const heard = new Promise<string>((resolve) => {
        listener.listen("jobs", (payload) => resolve(payload));
      });
      await new Promise((r) => setTimeout(r, 200));
      const sent = await attemptAsTenant(endpoint, secrets.get(a.id)!, SHARED, [
        "notify jobs, 'from another tenant'",
      ]);
      assert.equal(sent.outcome, "allowed");
      const payload = await Promise.race([
        heard,
        new Promise<string>((r) => setTimeout(() => r("(nothing)"), 5000)),
      ]);
      assert.equal(payload, "from another tenant");
    } finally {
      await listener.end();
    }
  });
});

Deno.test("postgres residual PG-R05: a unique key in a shared table reveals another tenant's value", async () => {
  const endpoint = await sandboxPostgres();
  const [a, b] = pair("schema");
  const table = `shared.codes_${a.id.replaceAll("-", "_")}`;
  await withTenants([a, b], async (store, secrets) => {
    try {
      await asAdmin([
        `create table ${table} (code text primary key, tenant text not null default current_user)`,
      ], SHARED);
      await convergeStore(store, [a, b], secrets);
      await attemptAsTenant(endpoint, secrets.get(b.id)!, SHARED, [
        `insert into ${table} (code) values ('B-SECRET-CODE')`,
      ]);
      const probe = await attemptAsTenant(endpoint, secrets.get(a.id)!, SHARED, [
        `insert into ${table} (code) values ('B-SECRET-CODE')`,
      ]);
      assert.equal(probe.outcome, "error");
      assert.equal(probe.outcome === "error" && probe.code, "23505");
    } finally {
      await asAdmin([`drop table if exists ${table}`], SHARED);
    }
  });
});

/** A large object the tenant creates in the shared database; its OID. */
async function largeObject(
  endpoint: PostgresEndpoint,
  secret: StoreSecret,
  body: string,
): Promise<number> {
  const made = await attemptAsTenant(endpoint, secret, SHARED, [
    `select lo_from_bytea(0, convert_to('${body}', 'UTF8'))::int8 as oid`,
  ]);
  assert.equal(made.outcome, "allowed", JSON.stringify(made));
  return made.outcome === "allowed" ? Number(made.rows[0].oid) : 0;
}

Deno.test("postgres residual PG-R06: in a shared database, every large object's OID and owner, not its contents", async () => {
  const endpoint = await sandboxPostgres();
  const [a, b] = pair("schema");
  await withTenants([a, b], async (_store, secrets) => {
    const oid = await largeObject(endpoint, secrets.get(b.id)!, "b-private");
    const seen = await attemptAsTenant(endpoint, secrets.get(a.id)!, SHARED, [
      `select pg_get_userbyid(lomowner)::text as owner from pg_largeobject_metadata where oid = ${oid}`,
    ]);
    assert.deepEqual(seen, { outcome: "allowed", rows: [{ owner: postgresRole(b.id) }] });
    const read = await attemptAsTenant(endpoint, secrets.get(a.id)!, SHARED, [
      `select lo_get(${oid})`,
    ]);
    assert.equal(read.outcome === "denied" && read.code, "42501");
  });
});

Deno.test("postgres residual PG-R08: in a shared database, one tenant can lock a shared table against the others", async () => {
  const endpoint = await sandboxPostgres();
  const [a, b] = pair("schema");
  const table = `shared.locks_${a.id.replaceAll("-", "_")}`;
  await withTenants([a, b], async (store, secrets) => {
    const holder = connectAsTenant(endpoint, secrets.get(a.id)!, SHARED);
    try {
      await asAdmin([
        `create table ${table} (id int generated always as identity primary key,
           tenant text not null default current_user)`,
      ], SHARED);
      await convergeStore(store, [a, b], secrets);
      const reserved = await holder.reserve();
      try {
        await reserved.unsafe("begin");
        await reserved.unsafe(`lock table ${table} in access exclusive mode`);
        const blocked = await attemptAsTenant(endpoint, secrets.get(b.id)!, SHARED, [
          "set lock_timeout = '300ms'",
          `select count(*) from ${table}`,
        ]);
        assert.equal(blocked.outcome, "error");
        assert.equal(blocked.outcome === "error" && blocked.code, "55P03", "lock_not_available");
        await reserved.unsafe("rollback");
      } finally {
        reserved.release();
      }
    } finally {
      await holder.end();
      await asAdmin([`drop table if exists ${table}`], SHARED);
    }
  });
});

Deno.test("postgres residual PG-R09: in a shared database, a tenant can share its own large object, never take another's", async () => {
  const endpoint = await sandboxPostgres();
  const [a, b] = pair("schema");
  await withTenants([a, b], async (_store, secrets) => {
    const oid = await largeObject(endpoint, secrets.get(a.id)!, "a-shares");
    const granted = await attemptAsTenant(endpoint, secrets.get(a.id)!, SHARED, [
      `grant select on large object ${oid} to ${postgresRole(b.id)}`,
    ]);
    assert.equal(granted.outcome, "allowed");
    const read = await attemptAsTenant(endpoint, secrets.get(b.id)!, SHARED, [
      `select convert_from(lo_get(${oid}), 'UTF8') as body`,
    ]);
    assert.deepEqual(read, { outcome: "allowed", rows: [{ body: "a-shares" }] });
    const taken = await attemptAsTenant(endpoint, secrets.get(b.id)!, SHARED, [
      `alter large object ${oid} owner to ${postgresRole(b.id)}`,
    ]);
    assert.equal(taken.outcome === "denied" && taken.code, "42501");
  });
});
