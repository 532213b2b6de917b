/**
 * Drift injected by hand as an operator would (psql-style statements as the admin), on
 * the real sandbox server: plan shows it on the right address with the right reason,
 * apply repairs it, and the next plan is empty. Secrets never appear in changes.
 */
import assert from "node:assert/strict";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { postgresRole, postgresSharedDatabase, tenantIdFromName } from "../../tenant/names.ts";
import type { Change, StoreSecret } from "../store.ts";
import type { Tenant } from "../../tenant/model.ts";
import { convergeStore, memoryApplyContext, planStore, testTenant } from "../testing.ts";
import type { PostgresStore } from "./store.ts";
import { quoteIdent, quoteLiteral } from "./sql_text.ts";
import { attemptAsTenant } from "./tenant_session.ts";
import { asAdmin, destroyTenants, sandboxPostgres, withPostgresStore } from "./testing.ts";

const SHARED = postgresSharedDatabase("standard");

interface Fixture {
  store: PostgresStore;
  tenants: Tenant[];
  secrets: Map<string, StoreSecret>;
  /** Role names (= database or schema names): a and c database-isolated, b schema-isolated. */
  a: string;
  b: string;
  c: string;
}

async function withFixture(work: (f: Fixture) => Promise<void>): Promise<void> {
  await withPostgresStore(async (store) => {
    const a = testTenant({
      id: uniqueTenantId("pga"),
      tier: "enterprise",
      stores: { postgres: { isolation: "database" } },
    });
    const b = testTenant({
      id: uniqueTenantId("pgb"),
      tier: "standard",
      stores: { postgres: { isolation: "schema" } },
    });
    const c = testTenant({
      id: uniqueTenantId("pgc"),
      tier: "enterprise",
      stores: { postgres: { isolation: "database" } },
    });
    const tenants = [a, b, c];
    const secrets = new Map<string, StoreSecret>();
    try {
      await convergeStore(store, tenants, secrets);
      await work({
        store,
        tenants,
        secrets,
        a: postgresRole(a.id),
        b: postgresRole(b.id),
        c: postgresRole(c.id),
      });
    } finally {
      await destroyTenants(store, tenants, secrets);
    }
  });
}

/** The tenant id of a role of the fixture. */
function idOf(role: string): string {
  return tenantIdFromName("snake", role)!;
}

/** Injects drift, expects exactly `expected` as [address, reason], repairs, expects no changes. */
async function driftAndRepair(
  f: Fixture,
  inject: () => Promise<unknown>,
  expected: [string, string][],
): Promise<Change[]> {
  await inject();
  const plan = await planStore(f.store, f.tenants, f.secrets);
  assert.deepEqual(
    plan.changes.map((c) => [c.address, c.reason]).sort(),
    [...expected].sort(),
  );
  assert.ok(plan.changes.every((c) => c.action === "update"));
  await convergeStore(f.store, f.tenants, f.secrets);
  assert.deepEqual((await planStore(f.store, f.tenants, f.secrets)).changes, [], "repaired");
  return plan.changes;
}

Deno.test("postgres drift: grants on tenant databases, to PUBLIC or another tenant", async () => {
  await withFixture(async (f) => {
    const changes = await driftAndRepair(
      f,
      () => asAdmin([`grant connect, temporary on database ${f.a} to public`]),
      [[`postgres.database.${f.a}`, "drifted: acl"]],
    );
    assert.deepEqual(changes[0].before?.acl, ["PUBLIC=CONNECT,TEMPORARY"]);
    await driftAndRepair(
      f,
      () =>
        asAdmin([
          `grant connect on database ${f.a} to ${f.c}`,
          `grant create on database ${SHARED} to ${f.b}`,
        ]),
      [[`postgres.grants.${f.c}`, "drifted: databases"], [
        `postgres.grants.${f.b}`,
        "drifted: databases",
      ]],
    );
    const endpoint = await sandboxPostgres();
    const attempt = await attemptAsTenant(endpoint, f.secrets.get(idOf(f.c))!, f.a, ["select 1"]);
    assert.equal(
      attempt.outcome,
      "denied",
      "the repaired grant no longer lets c into a's database",
    );
  });
});

Deno.test("postgres drift: grants passed on with grant option are revoked with them", async () => {
  await withFixture(async (f) => {
    await driftAndRepair(
      f,
      () =>
        asAdmin([
          `grant connect on database ${f.a} to ${f.a} with grant option`,
          `set role ${f.a}`,
          `grant connect on database ${f.a} to ${f.c}`,
        ]),
      [[`postgres.grants.${f.a}`, "drifted: databases"], [
        `postgres.grants.${f.c}`,
        "drifted: databases",
      ]],
    );
  });
});

Deno.test("postgres drift: role memberships between tenants, in server roles, of outsiders", async () => {
  await withFixture(async (f) => {
    const outsider = `bh_outsider_${f.a}`;
    try {
      await driftAndRepair(
        f,
        () =>
          asAdmin([
            `grant ${f.a} to ${f.c}`,
            `grant pg_read_server_files, pg_signal_backend to ${f.b}`,
            `create role ${outsider}`,
            `grant ${f.a} to ${outsider}`,
          ]),
        [
          [`postgres.role.${f.c}`, "drifted: member_of"],
          [`postgres.role.${f.b}`, "drifted: member_of"],
          [`postgres.role.${f.a}`, "drifted: members"],
        ],
      );
      const [left] = await asAdmin([
        `select count(*)::int as n from pg_auth_members m join pg_roles r on r.oid = m.member
          where r.rolname in ('${f.a}', '${f.b}', '${f.c}', '${outsider}')`,
      ]);
      assert.equal(left.n, 0);
    } finally {
      await asAdmin([`drop role if exists ${outsider}`]);
    }
  });
});

Deno.test("postgres drift: changed role attributes", async () => {
  await withFixture(async (f) => {
    const changes = await driftAndRepair(
      f,
      () =>
        asAdmin([
          `alter role ${f.a} superuser createdb createrole replication bypassrls connection limit 999`,
          `alter role ${f.b} nologin`,
        ]),
      [
        [
          `postgres.role.${f.a}`,
          "drifted: superuser, createdb, createrole, replication, bypassrls, connection_limit",
        ],
        [`postgres.role.${f.b}`, "drifted: login"],
      ],
    );
    const a = changes.find((c) => c.address === `postgres.role.${f.a}`)!;
    assert.equal(a.before?.connection_limit, 999);
    assert.equal(a.after?.connection_limit, 50);
  });
});

Deno.test("postgres drift: a password changed by hand is unrecorded and reset to the recorded one", async () => {
  const endpoint = await sandboxPostgres();
  await withFixture(async (f) => {
    const id = idOf(f.a);
    const recorded = f.secrets.get(id)!;
    const handSet = "typed-by-an-operator-" + crypto.randomUUID();
    const changes = await driftAndRepair(
      f,
      () => asAdmin([`alter role ${f.a} password '${handSet}'`]),
      [[`postgres.role.${f.a}`, "drifted: credential"]],
    );
    assert.deepEqual(
      [changes[0].before?.credential, changes[0].after?.credential],
      ["unrecorded", "recorded"],
    );
    assert.equal(f.secrets.get(id), recorded, "the recorded credential is set again, not rotated");
    const withRecorded = await attemptAsTenant(endpoint, recorded, f.a, ["select 1 as one"]);
    assert.deepEqual(withRecorded, { outcome: "allowed", rows: [{ one: 1 }] });
    const withHandSet = await attemptAsTenant(endpoint, { ...recorded, password: handSet }, f.a, [
      "select 1",
    ]);
    assert.equal(withHandSet.outcome === "denied" && withHandSet.code, "28P01");

    // The password never went to the server in clear: what it stores is our verifier.
    const [stored] = await asAdmin([`select rolpassword from pg_authid where rolname = '${f.a}'`]);
    assert.match(String(stored.rolpassword), /^SCRAM-SHA-256\$4096:/);
    const text = JSON.stringify(changes);
    assert.ok(!text.includes(recorded.password) && !text.includes(handSet));
    assert.ok(!text.includes(String(stored.rolpassword)));
  });
});

Deno.test("postgres drift: a missing credential record gets a fresh one recorded", async () => {
  await withFixture(async (f) => {
    const id = idOf(f.c);
    const old = f.secrets.get(id)!;
    f.secrets.delete(id);
    await driftAndRepair(f, () => Promise.resolve(), [[
      `postgres.role.${f.c}`,
      "drifted: credential",
    ]]);
    const fresh = f.secrets.get(id)!;
    assert.notEqual(fresh.password, old.password);
    const attempt = await attemptAsTenant(await sandboxPostgres(), fresh, f.c, ["select 1 as one"]);
    assert.equal(attempt.outcome, "allowed");
  });
});

Deno.test("postgres drift: schema grants and default privileges in the shared database", async () => {
  await withFixture(async (f) => {
    const changes = await driftAndRepair(
      f,
      () =>
        asAdmin([
          `grant usage on schema ${f.b} to public`,
          `grant usage, create on schema ${f.b} to ${f.c} with grant option`,
          `alter default privileges for role ${f.b} grant select on tables to public`,
          `alter default privileges for role ${f.b} in schema ${f.b} grant all on sequences to ${f.c}`,
          `alter default privileges for role ${f.b} grant execute on functions to public`,
        ], SHARED),
      [
        [`postgres.schema.${SHARED}.${f.b}`, "drifted: acl, default_privileges"],
      ],
    );
    assert.deepEqual(changes[0].before?.acl, [
      `PUBLIC=USAGE`,
      `${f.b}=CREATE,USAGE`,
      `${f.c}=CREATE*,USAGE*`,
    ]);
    assert.deepEqual(changes[0].before?.default_privileges, [
      "functions: PUBLIC=EXECUTE",
      `sequences in ${f.b}: ${f.c}=SELECT,UPDATE,USAGE`,
      "tables: PUBLIC=SELECT",
    ]);
  });
});

Deno.test("postgres drift: shared hardening (public schema, other databases, parameters)", async () => {
  await withFixture(async (f) => {
    await driftAndRepair(
      f,
      () => asAdmin(["grant create, usage on schema public to public"], SHARED),
      [[`postgres.schema.${SHARED}.public`, "drifted: acl"]],
    );
    await driftAndRepair(
      f,
      () =>
        asAdmin([
          `grant connect on database template1 to public`,
          `grant set on parameter log_min_messages to ${f.a}`,
        ]),
      [["postgres.cluster.hardening", "drifted: public_databases, parameter_grants"]],
    );
    await driftAndRepair(
      f,
      () => asAdmin([`comment on database ${f.a} is null`]),
      [[`postgres.database.${f.a}`, "drifted: workspace"]],
    );
    await driftAndRepair(
      f,
      () =>
        asAdmin([`create role bh_owner_${f.c}`, `alter database ${f.c} owner to bh_owner_${f.c}`]),
      [[`postgres.database.${f.c}`, "drifted: owner"]],
    ).finally(() => asAdmin([`drop role if exists bh_owner_${f.c}`]));
  });
});

Deno.test("postgres drift: an oddly named grantee is quoted in the plan and revoked by name", async () => {
  await withFixture(async (f) => {
    const odd = `Odd "role", =x ${f.a}`;
    try {
      const changes = await driftAndRepair(
        f,
        async () => {
          await asAdmin([`create role ${quoteIdent(odd)}`]);
          await asAdmin([`grant connect on database ${SHARED} to ${quoteIdent(odd)}`]);
        },
        [[`postgres.database.${SHARED}`, "drifted: acl"]],
      );
      assert.deepEqual(changes[0].before?.acl, [`"Odd ""role"", =x ${f.a}"=CONNECT`]);
    } finally {
      await asAdmin([`drop role if exists ${quoteIdent(odd)}`]);
    }
  });
});

Deno.test("postgres quoting: identifiers and literals read back unchanged from the server", async () => {
  const texts = [
    `it's`,
    `back\\slash`,
    `"quoted"`,
    `semi;colon -- comment`,
    `ünïcode`,
    `$$dollar$$`,
  ];
  const [row] = await asAdmin([
    `select ${texts.map((t, i) => `${quoteLiteral(t)} as ${quoteIdent(`c${i} ${t}`)}`).join(", ")}`,
  ]);
  assert.deepEqual(Object.values(row), texts);
  assert.deepEqual(Object.keys(row), texts.map((t, i) => `c${i} ${t}`));
});

Deno.test("postgres drift: a failing password change names the role, never the secret", async () => {
  await withFixture(async (f) => {
    const id = idOf(f.c);
    f.secrets.delete(id);
    const plan = await planStore(f.store, f.tenants, f.secrets);
    const change = plan.changes.find((c) => c.address === `postgres.role.${f.c}`)!;
    assert.deepEqual(change.changedAttributes, ["credential"]);
    // The role is renamed away between plan and apply: the server refuses the ALTER ROLE.
    await asAdmin([`alter role ${f.c} rename to ${f.c}_away`]);
    const context = memoryApplyContext(f.store, f.tenants, f.secrets);
    const error = await f.store.apply(change, context)
      .then(() => undefined, (e) => e as Error)
      .finally(() => asAdmin([`alter role ${f.c}_away rename to ${f.c}`]));
    assert.ok(error, "the apply failed");
    assert.match(
      error.message,
      new RegExp(`alter role ${f.c}: role "${f.c}" does not exist \\(SQLSTATE 42704\\)`),
    );
    const everything = JSON.stringify(error, Object.getOwnPropertyNames(error)) +
      String(error.stack);
    const secret = f.secrets.get(id)!;
    assert.ok(!everything.includes(secret.password), "no password");
    assert.ok(!everything.includes("SCRAM-SHA-256$"), "no verifier");
    assert.ok(!("query" in error) && !("parameters" in error), "no statement attached");
  });
});
