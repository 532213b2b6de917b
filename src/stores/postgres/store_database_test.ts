/**
 * Database isolation on the real sandbox server: apply from empty, re-apply, what the
 * tenant's own credential reaches and what the server refuses it, suspension, and
 * destruction.
 */
import assert from "node:assert/strict";
import { orderChanges } from "../../plan/diff.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { postgresDatabase, postgresRole } from "../../tenant/names.ts";
import type { StoreSecret } from "../store.ts";
import { convergeStore, planStore, testTenant } from "../testing.ts";
import { attemptAsTenant, connectAsTenant } from "./tenant_session.ts";
import {
  asAdmin,
  assertDenied,
  destroyTenants,
  sandboxPostgres,
  withPostgresStore,
  withTenants,
} from "./testing.ts";

function databaseTenant(prefix: string, fields: Record<string, unknown> = {}) {
  return testTenant({
    id: uniqueTenantId(prefix),
    tier: "enterprise",
    stores: { postgres: { isolation: "database" } },
    ...fields,
  });
}

Deno.test("postgres database isolation: apply from empty, then plan is empty", async () => {
  const a = databaseTenant("pgd", { limits: { max_connections: 7 } });
  const b = databaseTenant("pgd");
  await withTenants([a, b], async (store, secrets, applied) => {
    const created = applied.filter((c) => c.action === "create").map((c) => c.address);
    for (const t of [a, b]) {
      const name = postgresRole(t.id);
      assert.ok(created.includes(`postgres.role.${name}`));
      assert.ok(created.includes(`postgres.database.${name}`));
      assert.ok(created.includes(`postgres.grants.${name}`));
    }
    const again = await planStore(store, [a, b], secrets);
    assert.deepEqual(again.changes, []);

    const [role] = await asAdmin([
      `select rolsuper, rolcreatedb, rolcreaterole, rolreplication, rolbypassrls, rolcanlogin,
              rolconnlimit, rolconfig from pg_roles where rolname = '${postgresRole(a.id)}'`,
    ]);
    assert.deepEqual(role, {
      rolsuper: false,
      rolcreatedb: false,
      rolcreaterole: false,
      rolreplication: false,
      rolbypassrls: false,
      rolcanlogin: true,
      rolconnlimit: 7,
      rolconfig: [`search_path=${postgresRole(a.id)}`],
    });
    const [database] = await asAdmin([
      `select pg_get_userbyid(datdba) as owner, datacl::text[] as acl
         from pg_database where datname = '${postgresDatabase(a.id)}'`,
    ]);
    assert.deepEqual(database, {
      owner: store.adminRole,
      acl: [
        `${store.adminRole}=CTc/${store.adminRole}`,
        `${postgresRole(a.id)}=Tc/${store.adminRole}`,
      ],
    });
    const [schemas] = await asAdmin([
      `select (select nspacl::text[] from pg_namespace where nspname = 'public') as public,
              (select nspacl::text[] from pg_namespace where nspname = '${
        postgresRole(a.id)
      }') as own,
              (select pg_get_userbyid(nspowner) from pg_namespace where nspname = '${
        postgresRole(a.id)
      }') as owner`,
    ], postgresDatabase(a.id));
    assert.deepEqual(schemas, {
      public: ["pg_database_owner=UC/pg_database_owner"],
      own: [
        `${store.adminRole}=UC/${store.adminRole}`,
        `${postgresRole(a.id)}=UC/${store.adminRole}`,
      ],
      owner: store.adminRole,
    });
  });
});

Deno.test("postgres database isolation: a tenant reaches its own database, the server refuses the rest", async () => {
  const endpoint = await sandboxPostgres();
  const a = databaseTenant("pgd");
  const b = databaseTenant("pgd");
  await withTenants([a, b], async (store, secrets) => {
    const secretA = secrets.get(a.id)!;
    const own = postgresDatabase(a.id);
    const work = await attemptAsTenant(endpoint, secretA, own, [
      "create table notes (id int primary key, body text)",
      "insert into notes values (1, 'mine')",
      "create temp table scratch (i int)",
      "select current_schema() as schema, (select body from notes) as body",
    ]);
    assert.deepEqual(work, {
      outcome: "allowed",
      rows: [{ schema: postgresRole(a.id), body: "mine" }],
    });

    const denied = async (database: string, statements: string[], code: string, text: RegExp) =>
      assertDenied(
        await attemptAsTenant(endpoint, secretA, database, statements),
        code,
        text,
        `${database}: ${statements.join("; ")}`,
      );
    await denied(postgresDatabase(b.id), ["select 1"], "42501", /permission denied for database/);
    await denied("postgres", ["select 1"], "42501", /permission denied for database/);
    await denied("template1", ["select 1"], "42501", /permission denied for database/);
    await denied(
      own,
      ["create table public.leak (i int)"],
      "42501",
      /permission denied for schema public/,
    );
    await denied(own, ["create schema another"], "42501", /permission denied for database/);
    await denied(
      own,
      [`set role ${postgresRole(b.id)}`],
      "42501",
      /permission denied to set role/,
    );
    await denied(
      own,
      [`set session authorization ${postgresRole(b.id)}`],
      "42501",
      /permission denied/,
    );
    await denied(
      own,
      ["select pg_read_file('/etc/hostname')"],
      "42501",
      /permission denied for function/,
    );
    await denied(
      own,
      ["copy (select 1) to program 'true'"],
      "42501",
      /permission denied|must be superuser/,
    );
    await denied(
      own,
      ["create database stolen"],
      "42501",
      /permission denied to create database/,
    );
    await denied(own, ["create role stolen"], "42501", /permission denied to create role/);
    await denied(own, ["alter role current_user createdb"], "42501", /permission denied/);
    await denied(
      own,
      ["alter system set work_mem = '1MB'"],
      "42501",
      /permission denied to set parameter/,
    );
    await denied(
      own,
      ["copy (select 1) to '/tmp/bulkhead-leak'"],
      "42501",
      /pg_write_server_files/,
    );
    await denied(
      own,
      ["select lo_import('/etc/hostname')"],
      "42501",
      /permission denied for function/,
    );
    await denied(own, ["select pg_ls_dir('.')"], "42501", /permission denied for function/);
    await denied(
      own,
      ["set log_statement = 'none'"],
      "42501",
      /permission denied to set parameter/,
    );
    await denied(
      own,
      ["create extension pgcrypto"],
      "42501",
      /permission denied to create extension/,
    );
    await denied(
      own,
      ["create function c_code() returns int language c as 'libc', 'abs'"],
      "42501",
      /permission denied for language c/,
    );
    const other = connectAsTenant(endpoint, secrets.get(b.id)!, postgresDatabase(b.id));
    try {
      await other`select 1`;
      await denied(
        own,
        [`select pg_terminate_backend(pid) from pg_stat_activity where usename = '${
          postgresRole(b.id)
        }'`],
        "42501",
        /must be a member of the role whose process is being terminated/,
      );
    } finally {
      await other.end();
    }

    const wrong = await attemptAsTenant(
      endpoint,
      { ...secretA, password: "not-the-password" },
      own,
      [
        "select 1",
      ],
    );
    assert.equal(wrong.outcome, "denied");
    assert.equal(wrong.outcome === "denied" && wrong.code, "28P01");

    const details = store.connectionDetails(a.id, secretA, a);
    assert.deepEqual(Object.keys(details).sort(), ["database", "role", "url"]);
    assert.equal(details.database, own);
    const sql = connectAsTenant(endpoint, secretA, own);
    try {
      const [row] = await sql.unsafe("select current_database() as db, current_user as who");
      assert.deepEqual({ ...row }, { db: own, who: postgresRole(a.id) });
    } finally {
      await sql.end();
    }
    const viaUrl = (await import("postgres")).default(details.url, {
      max: 1,
      onnotice: () => {},
    });
    try {
      const [row] = await viaUrl`select current_database() as db`;
      assert.equal(row.db, own);
    } finally {
      await viaUrl.end();
    }
  });
});

Deno.test("postgres database isolation: suspension refuses logins and ends open sessions", async () => {
  const endpoint = await sandboxPostgres();
  const active = databaseTenant("pgs");
  const session = { sql: undefined as ReturnType<typeof connectAsTenant> | undefined };
  await withTenants([active], async (store, secrets) => {
    try {
      const database = postgresDatabase(active.id);
      session.sql = connectAsTenant(endpoint, secrets.get(active.id)!, database);
      await session.sql`select 1`;

      const suspended = testTenant({ ...tenantFields(active), status: "suspended" });
      const plan = await planStore(store, [suspended], secrets);
      assert.deepEqual(plan.changes.map((c) => [c.address, c.action, c.reason]), [
        [`postgres.role.${postgresRole(active.id)}`, "update", "drifted: login"],
      ]);
      const sessions = async () =>
        (await asAdmin([
          `select count(*)::int as n from pg_stat_activity where usename = '${
            postgresRole(active.id)
          }'`,
        ]))[0].n;
      assert.equal(await sessions(), 1);
      await convergeStore(store, [suspended], secrets);
      assert.equal(await sessions(), 0);
      // The old session is gone; reconnecting is refused.
      await assert.rejects(() => session.sql!`select 1`);
      const refused = await attemptAsTenant(endpoint, secrets.get(active.id)!, database, [
        "select 1",
      ]);
      assert.equal(refused.outcome, "denied");
      assert.equal(refused.outcome === "denied" && refused.code, "28000");
      assert.match(refused.outcome === "denied" ? refused.message : "", /not permitted to log in/);
      assert.deepEqual((await planStore(store, [suspended], secrets)).changes, []);

      await convergeStore(store, [active], secrets);
      const back = await attemptAsTenant(endpoint, secrets.get(active.id)!, database, [
        "select 1 as one",
      ]);
      assert.deepEqual(back, { outcome: "allowed", rows: [{ one: 1 }] });
    } finally {
      await session.sql?.end({ timeout: 1 }).catch(() => {});
    }
  });
});

function tenantFields(t: ReturnType<typeof databaseTenant>) {
  return { id: t.id, tier: t.tier, stores: { postgres: { isolation: "database" } } };
}

Deno.test("postgres database isolation: destroying a tenant drops grants, then database, then role", async () => {
  const endpoint = await sandboxPostgres();
  await withPostgresStore(async (store) => {
    const t = databaseTenant("pgx");
    const secrets = new Map<string, StoreSecret>();
    await convergeStore(store, [t], secrets);
    const lingering = connectAsTenant(endpoint, secrets.get(t.id)!, postgresDatabase(t.id));
    try {
      await lingering`create table kept (i int)`;
      const plan = await planStore(store, [], secrets, { alsoObserve: [t.id] });
      assert.deepEqual(plan.changes, [], "no deletes without --allow-destroy");
      assert.deepEqual(
        plan.withheld.map((w) => w.resource.address).sort(),
        [
          `postgres.database.${postgresDatabase(t.id)}`,
          `postgres.grants.${postgresRole(t.id)}`,
          `postgres.role.${postgresRole(t.id)}`,
        ],
      );
      const destroy = await planStore(store, [], secrets, {
        alsoObserve: [t.id],
        allowDestroy: true,
      });
      assert.deepEqual(orderChanges(destroy.changes).map((c) => `${c.action} ${c.kind}`), [
        "delete grants",
        "delete database",
        "delete role",
      ]);
      assert.ok(destroy.changes.every((c) => c.reason === "orphan: no tenant file"));
      await destroyTenants(store, [t], secrets);
      const [left] = await asAdmin([
        `select (select count(*) from pg_roles where rolname = '${
          postgresRole(t.id)
        }')::int as roles,
                (select count(*) from pg_database where datname = '${
          postgresDatabase(t.id)
        }')::int as databases`,
      ]);
      assert.deepEqual(left, { roles: 0, databases: 0 });
      const after = await planStore(store, [], secrets, { alsoObserve: [t.id] });
      assert.deepEqual(after.observation.resources.filter((r) => r.tenant === t.id), []);
    } finally {
      await lingering.end({ timeout: 1 }).catch(() => {});
      await destroyTenants(store, [t], secrets);
    }
  });
});

Deno.test("postgres database isolation: the role's connection limit is the server's", async () => {
  const endpoint = await sandboxPostgres();
  const t = databaseTenant("pgl", { limits: { max_connections: 1 } });
  await withTenants([t], async (_store, secrets) => {
    const first = connectAsTenant(endpoint, secrets.get(t.id)!, postgresDatabase(t.id));
    try {
      await first`select 1`;
      assertDenied(
        await attemptAsTenant(endpoint, secrets.get(t.id)!, postgresDatabase(t.id), ["select 1"]),
        "53300",
        /too many connections for role/,
        "second connection",
      );
    } finally {
      await first.end();
    }
  });
});

Deno.test("postgres database isolation: a tenant leaving PostgreSQL loses its role, its data is kept", async () => {
  const endpoint = await sandboxPostgres();
  const t = databaseTenant("pgk");
  const database = postgresDatabase(t.id);
  await withTenants([t], async (store, secrets) => {
    const work = await attemptAsTenant(endpoint, secrets.get(t.id)!, database, [
      "create table ledger (entry text)",
      "insert into ledger values ('keep me')",
    ]);
    assert.equal(work.outcome, "allowed");
    const without = testTenant({ id: t.id, tier: t.tier, stores: { redis: {} } });
    const plan = await planStore(store, [without], secrets);
    assert.deepEqual(plan.changes.map((c) => `${c.action} ${c.address}`).sort(), [
      `delete postgres.grants.${database}`,
      `delete postgres.role.${database}`,
    ]);
    assert.deepEqual(plan.withheld.map((w) => w.resource.address), [
      `postgres.database.${database}`,
    ]);
    await convergeStore(store, [without], secrets);
    const [kept] = await asAdmin([
      `select entry, (select pg_get_userbyid(relowner) from pg_class where relname = 'ledger') as owner
         from ${postgresRole(t.id)}.ledger`,
    ], database);
    assert.deepEqual(kept, { entry: "keep me", owner: store.adminRole });
  });
});
