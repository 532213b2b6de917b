/**
 * The PostgreSQL probes on the real sandbox server, with a trio of converged tenants
 * (one with its own database, two sharing the standard tier's database and a shared
 * table under row security): a clean trio audits clean; real faults injected by hand, as
 * an operator mistake would, fail on the right check, show in the plan, are repaired by
 * apply, and audit clean again; a credential changed by hand makes the controls fail.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { AreaRun } from "../../conformance/runner.ts";
import { runArea } from "../../conformance/runner.ts";
import type { ProbeTenant } from "../../conformance/model.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import type { Tenant } from "../../tenant/model.ts";
import { postgresRole, postgresSharedDatabase } from "../../tenant/names.ts";
import type { StoreSecret } from "../store.ts";
import { convergeStore, planStore, testTenant } from "../testing.ts";
import {
  conditionalChecks,
  controlChecks,
  postgresContract,
  probedIsolationChecks,
} from "./contract.ts";
import { openPostgresProbe, PostgresProbe } from "./probes.ts";
import { enumerateSurface } from "./probe_surface.ts";
import type { PostgresRequest } from "./probe_request.ts";
import type { PostgresStore } from "./store.ts";
import { asAdmin, sandboxPostgres, withTenants } from "./testing.ts";

const SHARED = postgresSharedDatabase("standard");

interface Trio {
  store: PostgresStore;
  tenants: Tenant[];
  secrets: Map<string, StoreSecret>;
  /** Roles of a (its own database), b and c (sharing the standard tier's database). */
  roles: { a: string; b: string; c: string };
  /** The shared table (in schema `shared` of the shared database). */
  table: string;
}

async function withTrio(work: (trio: Trio) => Promise<void>): Promise<void> {
  const a = testTenant({
    id: uniqueTenantId("pqa"),
    tier: "enterprise",
    stores: { postgres: { isolation: "database" } },
  });
  const [b, c] = [0, 1].map(() =>
    testTenant({
      id: uniqueTenantId("pqs"),
      tier: "standard",
      stores: { postgres: { isolation: "schema" } },
    })
  );
  const tenants = [a, b, c];
  const table = `probe_orders_${b.id.replaceAll("-", "_")}`;
  await withTenants(tenants, async (store, secrets) => {
    try {
      // As the operator would add one; apply puts it under the shared-table convention.
      await asAdmin([
        `create table shared.${table} (id int generated always as identity primary key,
           tenant text not null default current_user, item text)`,
      ], SHARED);
      await convergeStore(store, tenants, secrets);
      const left = (await planStore(store, tenants, secrets)).changes;
      assert.deepEqual(
        left,
        [],
        `converged: ${JSON.stringify(left.map((c) => [c.address, c.reason]))}`,
      );
      await work({
        store,
        tenants,
        secrets,
        roles: { a: postgresRole(a.id), b: postgresRole(b.id), c: postgresRole(c.id) },
        table,
      });
    } finally {
      await asAdmin([`drop table if exists shared.${table}`], SHARED);
    }
  });
}

function probeTenants(trio: Trio): ProbeTenant[] {
  return trio.tenants.map((tenant) => {
    const secret = trio.secrets.get(tenant.id)!;
    return {
      id: tenant.id,
      tenant,
      secret,
      details: trio.store.connectionDetails(tenant.id, secret, tenant),
    };
  });
}

async function conformance(trio: Trio, runs: number, seed: number): Promise<AreaRun> {
  const probe = await openPostgresProbe(await sandboxPostgres());
  try {
    return await runArea(probe, postgresContract, probeTenants(trio), { seed, runs });
  } finally {
    await probe.close();
  }
}

function describeRun(run: AreaRun): string {
  return JSON.stringify(
    {
      failures: run.failures.map((f) => ({
        property: f.property,
        check: f.checkId,
        tenant: f.tenant,
        victim: f.victim,
        operation: f.attempt.operation,
        outcome: f.outcome,
      })),
      errors: run.rows.filter((r) => r.result === "error").slice(0, 5),
    },
    null,
    1,
  );
}

function assertClean(run: AreaRun, seed: number): void {
  assert.deepEqual(run.failures, [], `seed ${seed}: ${describeRun(run)}`);
  assert.ok(run.rows.length > 0);
  assert.ok(run.rows.every((r) => r.result === "pass"), `seed ${seed}: ${describeRun(run)}`);
}

function randomSeed(): number {
  return crypto.getRandomValues(new Uint32Array(1))[0] | 0;
}

/** Whatever the probe left behind in the tenants' schemas, large objects and shared rows. */
async function leftovers(trio: Trio): Promise<Record<string, number>> {
  const roles = Object.values(trio.roles).map((r) => `'${r}'`).join(", ");
  const [shared] = await asAdmin([
    `select (select count(*) from pg_class c join pg_namespace n on n.oid = c.relnamespace
              where n.nspname in (${roles}) and c.relname like 'bulkhead\\_probe\\_%')::int as objects,
            (select count(*) from pg_largeobject_metadata
              where pg_get_userbyid(lomowner) in (${roles}))::int as large_objects,
            (select count(*) from shared.${trio.table})::int as shared_rows`,
  ], SHARED);
  const [own] = await asAdmin([
    `select (select count(*) from pg_class where relname like 'bulkhead\\_probe\\_%')::int as objects,
            (select count(*) from pg_largeobject_metadata)::int as large_objects`,
  ], trio.roles.a);
  return {
    objects: Number(shared.objects) + Number(own.objects),
    large_objects: Number(shared.large_objects) + Number(own.large_objects),
    shared_rows: Number(shared.shared_rows),
  };
}

Deno.test("postgres probes: a clean trio audits clean, reaches every check, and leaves nothing behind", async () => {
  await withTrio(async (trio) => {
    const probe = await openPostgresProbe(await sandboxPostgres());
    const tenants = probeTenants(trio);
    try {
      // Every check the probes own is reachable on the real surface, and every control.
      const reached = new Set<string>();
      for (const attacker of tenants) {
        for (const victim of tenants.filter((t) => t !== attacker)) {
          for (const a of fc.sample(probe.attacks(attacker, victim), { numRuns: 400, seed: 5 })) {
            reached.add(a.checkId);
          }
        }
        for (const c of fc.sample(probe.controls(attacker), { numRuns: 100, seed: 5 })) {
          reached.add(c.checkId);
        }
      }
      const conditional = new Set(conditionalChecks());
      const wanted = probedIsolationChecks().filter((id) => !conditional.has(id));
      for (const id of [...wanted, ...controlChecks()]) {
        assert.ok(reached.has(id), `${id} reachable on the sandbox's surface`);
      }

      const seed = randomSeed();
      const started = performance.now();
      const run = await runArea(probe, postgresContract, tenants, { seed, runs: 60 });
      const seconds = (performance.now() - started) / 1000;
      assertClean(run, seed);
      const isolation = run.rows.filter((r) => r.expected === "denied" && r.victim !== null);
      const controls = run.rows.filter((r) => r.expected === "allowed");
      assert.equal(isolation.length, 60);
      assert.equal(controls.length, 60);
      assert.ok(isolation.every((r) => r.observed === "denied" && r.evidence.code));
      console.log(
        `postgres probes: ${run.rows.length} attempts (60 random attacks, 60 controls, ${
          run.rows.length - 120
        } fixed sweeps) for 3 tenants in ${seconds.toFixed(1)} s`,
      );
      const text = JSON.stringify(run);
      for (const secret of trio.secrets.values()) {
        assert.ok(!text.includes(secret.password), "no password in any row");
      }
    } finally {
      await probe.close();
    }
    assert.deepEqual(await leftovers(trio), { objects: 0, large_objects: 0, shared_rows: 0 });
  });
});

interface Fault {
  /** Admin statements, as an operator would type them, and where. */
  inject: string[];
  database: string;
  /** The check that must fail, and others that the same fault may also fail. */
  check: string;
  alongside: string[];
  /** The roles whose attempts may fail (the attackers the fault lets through). */
  attackers: string[];
  /** The roles they reach, for failures that name a victim. */
  victims: string[];
  /** The plan's drift: [address, reason]. */
  drift: [string, string];
  /**
   * A database the fault opens: attempts that run inside it now get past the refused
   * connection they were written to meet, and may end in errors (e.g. a schema of the
   * attacker's that exists only in its own database). Those are the fault's doing too.
   */
  opens?: string;
}

function insideOpened(failure: AreaRun["failures"][number], fault: Fault): boolean {
  const request = failure.attempt.request as PostgresRequest;
  return fault.opens !== undefined && failure.outcome.kind === "error" &&
    "database" in request && request.database === fault.opens;
}

async function faultIsCaughtAndRepaired(trio: Trio, fault: Fault): Promise<void> {
  await asAdmin(fault.inject, fault.database);
  const seed = randomSeed();
  const faulty = await conformance(trio, 40, seed);
  const context = `seed ${seed}: ${describeRun(faulty)}`;
  const failing = new Set(faulty.failures.map((f) => f.checkId));
  assert.ok(failing.has(fault.check), `${fault.check} fails; ${context}`);
  for (const failure of faulty.failures) {
    const id = failure.checkId;
    assert.ok(
      id === fault.check || fault.alongside.includes(id) || insideOpened(failure, fault),
      `${id} fails too; ${context}`,
    );
  }
  const attackers = fault.attackers.map((role) => idOfRole(trio, role));
  const victims = fault.victims.map((role) => idOfRole(trio, role));
  for (const failure of faulty.failures) {
    assert.ok(attackers.includes(failure.tenant), `only the faulty path fails; ${context}`);
    if (failure.victim !== null) assert.ok(victims.includes(failure.victim), context);
  }
  assert.ok(
    faulty.failures.some((f) => f.checkId === fault.check && f.outcome.kind === "allowed"),
    `the server let it through (a leak, not an error); ${context}`,
  );

  const plan = await planStore(trio.store, trio.tenants, trio.secrets);
  assert.deepEqual(plan.changes.map((c) => [c.address, c.reason]), [fault.drift]);
  await convergeStore(trio.store, trio.tenants, trio.secrets);
  assert.deepEqual((await planStore(trio.store, trio.tenants, trio.secrets)).changes, []);

  const again = randomSeed();
  assertClean(await conformance(trio, 40, again), again);
}

function idOfRole(trio: Trio, role: string): string {
  return trio.tenants.find((t) => postgresRole(t.id) === role)!.id;
}

Deno.test("postgres probes fault: a tenant database opened to PUBLIC fails PG-001; plan shows it, apply repairs it", async () => {
  await withTrio(async (trio) => {
    await faultIsCaughtAndRepaired(trio, {
      inject: [`grant connect on database ${trio.roles.a} to public`],
      database: "postgres",
      check: "PG-001",
      // CONNECT is also what pg_database_size asks for.
      alongside: ["PG-038"],
      attackers: [trio.roles.b, trio.roles.c],
      victims: [trio.roles.a],
      drift: [`postgres.database.${trio.roles.a}`, "drifted: acl"],
      opens: trio.roles.a,
    });
  });
});

Deno.test("postgres probes fault: a wildcard policy on a shared table fails PG-012; plan shows it, apply repairs it", async () => {
  await withTrio(async (trio) => {
    await faultIsCaughtAndRepaired(trio, {
      inject: [
        `create policy everyone on shared.${trio.table} for all to public using (true) with check (true)`,
      ],
      database: SHARED,
      check: "PG-012",
      // Permissive policies are OR-ed: the wildcard opens writes as well as reads.
      alongside: ["PG-013", "PG-014"],
      attackers: [trio.roles.b, trio.roles.c],
      victims: [trio.roles.b, trio.roles.c],
      drift: [`postgres.schema.${SHARED}.shared`, "drifted: table_findings"],
    });
  });
});

Deno.test("postgres probes fault: a tenant made member of another's role fails PG-020; plan shows it, apply repairs it", async () => {
  await withTrio(async (trio) => {
    await faultIsCaughtAndRepaired(trio, {
      inject: [`grant ${trio.roles.b} to ${trio.roles.c}`],
      database: "postgres",
      check: "PG-020",
      // With b's privileges, c reaches everything of b's.
      alongside: [
        "PG-010",
        "PG-011",
        "PG-012",
        "PG-013",
        "PG-014",
        "PG-022",
        "PG-024",
        "PG-032",
        "PG-037",
      ],
      // c reaches b's objects; and what b hands over (PG-022) now reaches c.
      attackers: [trio.roles.c, trio.roles.b],
      victims: [trio.roles.b, trio.roles.c],
      drift: [`postgres.role.${trio.roles.c}`, "drifted: member_of"],
    });
  });
});

Deno.test("postgres probes fault: a tenant given pg_read_server_files fails PG-030; plan shows it, apply repairs it", async () => {
  await withTrio(async (trio) => {
    await faultIsCaughtAndRepaired(trio, {
      inject: [`grant pg_read_server_files to ${trio.roles.a}`],
      database: "postgres",
      check: "PG-030",
      // The membership also lets it SET ROLE to the predefined role.
      alongside: ["PG-020"],
      attackers: [trio.roles.a],
      victims: [trio.roles.b, trio.roles.c],
      drift: [`postgres.role.${trio.roles.a}`, "drifted: member_of"],
    });
  });
});

Deno.test("postgres probes: a credential changed by hand fails the controls, and never passes as isolation", async () => {
  await withTrio(async (trio) => {
    const handSet = `typed-by-an-operator-${crypto.randomUUID()}`;
    await asAdmin([`alter role ${trio.roles.a} password '${handSet}'`]);
    const id = idOfRole(trio, trio.roles.a);
    const seed = randomSeed();
    const run = await conformance(trio, 30, seed);
    const context = `seed ${seed}: ${describeRun(run)}`;
    const control = run.failures.find((f) => f.property === "control");
    assert.ok(control, `the control property fails; ${context}`);
    assert.equal(control.tenant, id);
    assert.equal(control.outcome.kind, "error");
    assert.match(
      control.outcome.kind === "error" ? control.outcome.message : "",
      /could not connect to its own database: password authentication failed.*28P01/,
    );
    const own = run.rows.filter((r) => r.tenant === id);
    assert.ok(own.some((r) => r.expected === "allowed"), "its controls ran");
    for (const row of own.filter((r) => r.result === "pass")) {
      // Trying its (stale) password on another role is refused whatever it is worth.
      assert.equal(row.checkId, "PG-004", `${row.operation} passed with a broken credential`);
    }
    assert.ok(own.filter((r) => r.checkId !== "PG-004").every((r) => r.result !== "pass"));
    // The control property stops at its first failure, so the others may have had no turn.
    const others = run.rows.filter((r) => r.tenant !== id && r.expected === "allowed");
    assert.ok(others.every((r) => r.result === "pass"), context);
    assert.ok(!JSON.stringify(run).includes(handSet), "the hand-set password is never shown");

    const plan = await planStore(trio.store, trio.tenants, trio.secrets);
    assert.deepEqual(plan.changes.map((c) => [c.address, c.reason]), [
      [`postgres.role.${trio.roles.a}`, "drifted: credential"],
    ]);
    await convergeStore(trio.store, trio.tenants, trio.secrets);
    const repaired = randomSeed();
    assertClean(await conformance(trio, 30, repaired), repaired);
  });
});

Deno.test("postgres probes: the random attacks alone find a wildcard policy, shrink it, and replay it", async () => {
  await withTrio(async (trio) => {
    await asAdmin([
      `create policy everyone on shared.${trio.table} for all to public using (true) with check (true)`,
    ], SHARED);
    // Only the two tenants of the shared database, and no fixed sweeps: the random
    // property must find it on its own.
    const pair = probeTenants(trio).filter((t) => t.tenant.stores.postgres?.isolation === "schema");
    const endpoint = await sandboxPostgres();
    const surface = await enumerateSurface(endpoint.url);
    const randomOnly = (probe: PostgresProbe) => Object.assign(probe, { fixed: () => [] });
    const seed = randomSeed();
    const first = randomOnly(new PostgresProbe(endpoint, surface, "replay"));
    let found;
    try {
      found = await runArea(first, postgresContract, pair, { seed, runs: 150 });
    } finally {
      await first.close();
    }
    const [failure] = found.failures;
    assert.ok(failure, `seed ${seed}: found`);
    assert.equal(failure.property, "isolation");
    assert.ok(["PG-012", "PG-013", "PG-014"].includes(failure.checkId), failure.checkId);
    assert.equal(failure.outcome.kind, "allowed", JSON.stringify(failure.outcome));
    assert.ok(failure.path, "a path that replays it");

    const second = randomOnly(new PostgresProbe(endpoint, surface, "replay"));
    try {
      const replayed = await runArea(second, postgresContract, pair, {
        seed,
        runs: 150,
        replay: `isolation:${failure.path}`,
      });
      assert.deepEqual(replayed.failures.map((f) => f.attempt), [failure.attempt]);
      assert.equal(replayed.failures[0].outcome.kind, "allowed");
    } finally {
      await second.close();
    }
    await convergeStore(trio.store, trio.tenants, trio.secrets);
  });
});

Deno.test("postgres probes: where dblink and postgres_fdw are installed, they reach no other database", async () => {
  await withTrio(async (trio) => {
    try {
      // As an operator might: dblink where tenants can call it, postgres_fdw beside it.
      await asAdmin([
        "create extension if not exists dblink schema shared",
        "create extension if not exists postgres_fdw",
      ], SHARED);
      const probe = await openPostgresProbe(await sandboxPostgres());
      try {
        const tenants = probeTenants(trio);
        const [a, b, c] = tenants;
        const attempts = [[b, a], [c, b]].flatMap(([attacker, victim]) =>
          fc.sample(probe.attacks(attacker, victim), { numRuns: 2500, seed: 11 })
            .filter((x) => x.checkId === "PG-039")
            .map((attempt) => ({ attacker, attempt }))
        );
        const operations = attempts.map((x) => x.attempt.operation).join("\n");
        for (
          const call of [
            "dblink(",
            "dblink_connect(",
            "dblink_exec(",
            "dblink_connect_u(",
            "CREATE SERVER",
          ]
        ) {
          assert.ok(operations.includes(call), `${call} attempted`);
        }
        const codes = new Set<string>();
        const distinct = [...new Map(attempts.map((x) => [x.attempt.operation, x])).values()];
        for (const { attacker, attempt } of distinct) {
          const outcome = await probe.run(attempt, attacker);
          assert.equal(outcome.kind, "denied", `${attempt.operation}: ${JSON.stringify(outcome)}`);
          if (outcome.kind === "denied") codes.add(outcome.code);
        }
        assert.ok(codes.has("2F003"), "dblink's own refusal");
        assert.ok(codes.has("42501"), "no USAGE on the wrapper, no EXECUTE on dblink_connect_u");
      } finally {
        await probe.close();
      }
    } finally {
      await asAdmin(
        ["drop extension if exists dblink", "drop extension if exists postgres_fdw"],
        SHARED,
      );
    }
  });
});
