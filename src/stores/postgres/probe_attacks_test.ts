/**
 * The attack catalogue on a surface written here by hand (the sandbox's real surface is
 * exercised in probes_sandbox_test.ts): which checks the arbitraries reach, what they
 * never do (carry a secret, run something destructive outside a rolled-back transaction,
 * pass NULL to a restricted function), and the fixed sweeps.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Attempt, ProbeTenant } from "../../conformance/model.ts";
import { testTenant } from "../testing.ts";
import { controlChecks, postgresContract, probedIsolationChecks } from "./contract.ts";
import {
  argumentChoices,
  attackArbitrary,
  controlArbitrary,
  fixedAttempts,
  fixtureNames,
  functionArguments,
  functionCall,
  type ProbeTarget,
  probeTarget,
} from "./probe_attacks.ts";
import type { PostgresRequest, StatementRequest } from "./probe_request.ts";
import { placeholdersOf } from "./probe_request.ts";
import type { ServerSurface } from "./probe_surface.ts";

export const SURFACE: ServerSurface = {
  version: "15.18",
  adminRole: "bulkhead_admin",
  keywords: ["all", "order", "table", "user"],
  databases: [
    { name: "bulkhead_registry", oid: 16400, allowConnections: true },
    { name: "bulkhead_shared_standard", oid: 16500, allowConnections: true },
    { name: "postgres", oid: 5, allowConnections: true },
    { name: "template0", oid: 4, allowConnections: false },
    { name: "template1", oid: 1, allowConnections: true },
    { name: "tenant_acme", oid: 16600, allowConnections: true },
  ],
  roles: [
    { name: "bulkhead_admin", superuser: true, canLogin: true },
    { name: "pg_read_server_files", superuser: false, canLogin: false },
    { name: "pg_signal_backend", superuser: false, canLogin: false },
  ],
  restrictedFunctions: [
    { schema: "pg_catalog", name: "pg_read_file", kind: "f", argTypes: ["text"], argNames: [""] },
    {
      schema: "pg_catalog",
      name: "lo_export",
      kind: "f",
      argTypes: ["oid", "text"],
      argNames: ["", ""],
    },
    { schema: "pg_catalog", name: "pg_reload_conf", kind: "f", argTypes: [], argNames: [] },
    {
      schema: "pg_catalog",
      name: "pg_log_backend_memory_contexts",
      kind: "f",
      argTypes: ["integer"],
      argNames: ["pid"],
    },
    {
      schema: "pg_catalog",
      name: "pg_unknown_args",
      kind: "f",
      argTypes: ["internal"],
      argNames: [""],
    },
  ],
  closedRelations: [
    { schema: "pg_catalog", name: "pg_authid" },
    { schema: "pg_catalog", name: "pg_statistic" },
    { schema: "pg_catalog", name: "pg_largeobject" },
  ],
  extensions: [
    { name: "plpgsql", installed: true, relocatable: false, requires: [] },
    { name: "dblink", installed: false, relocatable: true, requires: [] },
    { name: "adminpack", installed: false, relocatable: false, requires: [] },
    { name: "uuid-ossp", installed: false, relocatable: true, requires: [] },
    { name: "earthdistance", installed: false, relocatable: true, requires: ["cube"] },
  ],
  languages: [
    { name: "c", trusted: false },
    { name: "internal", trusted: false },
    { name: "plpgsql", trusted: true },
    { name: "sql", trusted: true },
  ],
  parameters: [
    { name: "work_mem", context: "user", setting: "4096" },
    { name: "log_statement", context: "superuser", setting: "none" },
  ],
  tablespaces: ["pg_default", "pg_global"],
  namespaces: ["information_schema", "pg_catalog", "public"],
  sharedDatabases: [{
    name: "bulkhead_shared_standard",
    namespaces: ["information_schema", "pg_catalog", "public", "shared"],
    extensions: [
      { name: "dblink", schema: "shared" },
      { name: "plpgsql", schema: "pg_catalog" },
      { name: "postgres_fdw", schema: "public" },
    ],
    tables: [
      { name: "orders", insertable: true, key: { column: "id", type: "integer" } },
      { name: "Legacy Table", insertable: false, key: null },
    ],
  }],
  notes: [],
};

const SECRETS = new Map<string, string>();

function tenant(id: string, isolation: "database" | "schema"): ProbeTenant {
  const t = testTenant({
    id,
    tier: isolation === "schema" ? "standard" : "enterprise",
    stores: { postgres: { isolation } },
  });
  const password = `secret-${id}-${crypto.randomUUID()}`;
  SECRETS.set(id, password);
  const role = `tenant_${id}`;
  const database = isolation === "schema" ? "bulkhead_shared_standard" : role;
  return {
    id,
    tenant: t,
    secret: { role, password },
    details: {
      url: `postgres://${role}:${password}@db/${database}`,
      database,
      role,
      ...(isolation === "schema" && { schema: role }),
    },
  };
}

const TRIO = [tenant("acme", "database"), tenant("beta", "schema"), tenant("gamma", "schema")];
const TARGETS = TRIO.map(probeTarget);
const KEYWORDS = new Set(SURFACE.keywords);
const FIXTURES = fixtureNames("0badcafe");

function attacks(attacker: ProbeTarget, victim: ProbeTarget) {
  return attackArbitrary({
    surface: SURFACE,
    keywords: KEYWORDS,
    fixtures: FIXTURES,
    attacker,
    victim,
  });
}

/** Attacks of every ordered pair of the trio (both isolation modes, same and other database). */
function sampleAttacks(perPair: number, seed = 42): Attempt[] {
  const out: Attempt[] = [];
  for (const a of TARGETS) {
    for (const v of TARGETS) {
      if (a.id !== v.id) {
        out.push(...fc.sample(attacks(a, v), { numRuns: perPair, seed: seed + out.length }));
      }
    }
  }
  return out;
}

const SAMPLE = sampleAttacks(700);

Deno.test("probe attacks: a tenant's role, database and schema come from its details", () => {
  assert.deepEqual(TARGETS.map((t) => [t.role, t.database, t.schema, t.mode]), [
    ["tenant_acme", "tenant_acme", "tenant_acme", "database"],
    ["tenant_beta", "bulkhead_shared_standard", "tenant_beta", "schema"],
    ["tenant_gamma", "bulkhead_shared_standard", "tenant_gamma", "schema"],
  ]);
});

Deno.test("probe attacks: the arbitraries reach every isolation check the probes own, and only those", () => {
  const reached = new Set(SAMPLE.map((a) => a.checkId));
  for (const id of probedIsolationChecks()) assert.ok(reached.has(id), `${id} is reachable`);
  const known = new Set(postgresContract.checks.map((c) => c.id));
  for (const id of reached) assert.ok(known.has(id), `${id} is in the contract`);
  assert.ok(!reached.has("PG-003") && !reached.has("PG-005"), "store-test-only checks");
  assert.ok(SAMPLE.every((a) => a.expect === "denied"));
});

Deno.test("probe attacks: controls reach every control check and expect the server to allow", () => {
  const reached = new Set<string>();
  for (const t of TARGETS) {
    const controls = fc.sample(
      controlArbitrary({ surface: SURFACE, keywords: KEYWORDS, tenant: t }),
      { numRuns: 300, seed: 3 },
    );
    for (const c of controls) {
      reached.add(c.checkId);
      assert.equal(c.expect, "allowed");
      const request = c.request as PostgresRequest;
      assert.equal(request.kind, "workload");
      assert.equal(request.kind === "workload" && request.database, t.database, "its own database");
    }
    if (t.mode === "database") {
      assert.ok(!controls.some((c) => c.checkId === "PG-C04"), "no shared tables in its database");
    }
  }
  assert.deepEqual([...reached].sort(), controlChecks());
});

Deno.test("probe attacks: no attempt carries a password or the URL that holds one", () => {
  const controls = TARGETS.flatMap((t) =>
    fc.sample(controlArbitrary({ surface: SURFACE, keywords: KEYWORDS, tenant: t }), 100)
  );
  const fixed = fixedAttempts(TARGETS, SURFACE).map((f) => f.attempt);
  for (const attempt of [...SAMPLE, ...controls, ...fixed]) {
    const text = JSON.stringify(attempt);
    for (const secret of SECRETS.values()) assert.ok(!text.includes(secret), attempt.operation);
    assert.ok(!text.includes("postgres://"), attempt.operation);
  }
  const guesses = SAMPLE.filter((a) => a.checkId === "PG-004");
  assert.ok(
    guesses.some((a) => JSON.stringify(a.request).includes('"kind":"own"')),
    "its own password is tried, as a marker",
  );
});

Deno.test("probe attacks: whatever cannot be rolled back is a creation with its undo, never a destruction", () => {
  const outside = SAMPLE.map((a) => a.request as PostgresRequest)
    .filter((r): r is StatementRequest => r.kind === "statement" && !r.transaction);
  assert.ok(outside.length > 0);
  for (const r of outside) {
    assert.match(r.statement, /^(CREATE DATABASE|CREATE TABLESPACE|ALTER SYSTEM SET) /);
    if (!r.statement.startsWith("ALTER SYSTEM")) {
      assert.match(r.undo?.[0] ?? "", /^DROP (DATABASE|TABLESPACE) IF EXISTS /, r.statement);
    }
  }
  for (const attempt of SAMPLE) {
    const request = attempt.request as PostgresRequest;
    const text = request.kind === "statement"
      ? [...request.setup, request.statement].join(";")
      : request.kind === "handoff"
      ? `${request.grant};${request.victimStatement}`
      : "";
    assert.doesNotMatch(text, /DROP DATABASE|DROP TABLESPACE|\bVACUUM\b|REINDEX DATABASE/);
    assert.doesNotMatch(
      text,
      /TO PROGRAM '(?!(true|id|cat \/etc\/hostname|echo bulkhead-probe|true; id #|\$\(id\))')/,
    );
  }
  for (const r of SAMPLE.map((a) => a.request as PostgresRequest)) {
    if (r.kind === "statement" && /\bTO '/.test(r.statement) && r.statement.startsWith("COPY")) {
      assert.match(
        r.statement,
        /TO '(\/dev\/null|\/\/dev\/\/null|\/dev\/\.\/null|\/tmp\/\.\.\/dev\/null)'$/,
      );
    }
  }
});

Deno.test("probe attacks: victim placeholders only where the victim is named, and of known kinds", () => {
  for (const attempt of SAMPLE) {
    const request = attempt.request as PostgresRequest;
    if (request.kind !== "statement") continue;
    const names = placeholdersOf([...request.setup, request.statement].join("\n"));
    if (names.some((n) => n.startsWith("victim."))) {
      assert.ok(request.victim, attempt.operation);
    }
  }
  assert.ok(SAMPLE.some((a) => a.operation.includes("{{victim.pid}}")), "signals aim at a pid");
  assert.ok(SAMPLE.some((a) => a.operation.includes("{{victim.lo}}")), "large objects");
});

Deno.test("probe attacks: attacks on another database's objects connect there; same-database ones run beside them", () => {
  for (const attempt of SAMPLE.filter((a) => a.checkId === "PG-010")) {
    const request = attempt.request as StatementRequest;
    assert.ok(
      TARGETS.some((t) => t.database === request.database && t.id === request.victim),
      "the victim's database",
    );
  }
  const [acme, beta, gamma] = TARGETS;
  const pg001 = (a: ProbeTarget, v: ProbeTarget) =>
    fc.sample(attacks(a, v), { numRuns: 400, seed: 9 }).filter((x) => x.checkId === "PG-001")
      .map((x) => (x.request as { database: string }).database);
  assert.deepEqual([...new Set(pg001(acme, beta))], ["bulkhead_shared_standard"]);
  assert.deepEqual([...new Set(pg001(beta, acme))], ["tenant_acme"]);
  assert.deepEqual(pg001(beta, gamma), [], "the same shared database is no other database");
  for (const a of SAMPLE.filter((x) => x.checkId === "PG-002")) {
    assert.ok(
      ["bulkhead_registry", "postgres", "template1"].includes(
        (a.request as { database: string }).database,
      ),
      "not template0 (refuses connections), not a tenant's",
    );
  }
});

Deno.test("probe attacks: restricted functions get a value for every argument, never NULL", () => {
  const [readFile, loExport, reload, memory, unknown] = SURFACE.restrictedFunctions;
  assert.deepEqual(argumentChoices(reload, ["/x"], "1"), []);
  assert.equal(argumentChoices(unknown, ["/x"], "1"), undefined, "internal: no generator");
  assert.equal(functionArguments(unknown, ["/x"], "1"), undefined);
  assert.deepEqual(argumentChoices(memory, ["/x"], "{{victim.pid}}"), [["{{victim.pid}}"]]);
  assert.deepEqual(argumentChoices(loExport, ["/etc/passwd"], "1"), [
    ["{{own.lo}}"],
    ["'/dev/null'", "'//dev//null'", "'/dev/./null'", "'/tmp/../dev/null'"],
  ]);
  fc.assert(
    fc.property(functionArguments(readFile, ["/etc/passwd", "pg_hba.conf"], "1")!, (args) => {
      assert.equal(args.length, 1);
      assert.doesNotMatch(args[0], /null/i);
    }),
  );
  assert.equal(
    functionCall(readFile, ["'/etc/passwd'"]),
    `SELECT "pg_catalog"."pg_read_file"('/etc/passwd')`,
  );
  assert.equal(
    functionCall({ ...reload, kind: "p" }, []),
    `CALL "pg_catalog"."pg_reload_conf"()`,
  );
});

Deno.test("probe attacks: fixed sweeps run per tenant, the shared-rows sweep only where others witness", () => {
  const fixed = fixedAttempts(TARGETS, SURFACE);
  for (const t of TARGETS) {
    const mine = fixed.filter((f) => f.as === t.id).map((f) => f.attempt.checkId).sort();
    const expected = [
      "PG-001",
      "PG-002",
      "PG-019",
      "PG-020",
      "PG-030",
      "PG-035",
      "PG-036",
      "PG-037",
    ];
    assert.deepEqual(mine, t.mode === "schema" ? [...expected, "PG-012"].sort() : expected);
  }
  const beta = fixed.find((f) => f.as === "beta" && f.attempt.checkId === "PG-012")!;
  assert.deepEqual((beta.attempt.request as { witnesses: string[] }).witnesses, ["gamma"]);
  assert.deepEqual(
    fixedAttempts([TARGETS[1]], SURFACE).map((f) => f.attempt.checkId).includes("PG-012"),
    false,
    "alone in its shared database: nobody to witness",
  );
});

Deno.test("probe attacks: CREATE EXTENSION is spelled so that the privilege is what the server checks", () => {
  const creations = SAMPLE.map((a) => a.operation).filter((o) => o.includes("CREATE EXTENSION"));
  assert.ok(creations.some((o) => /"(dblink|uuid-ossp)" SCHEMA/.test(o)), "relocatable ones may");
  assert.ok(creations.some((o) => o.includes(`"adminpack"`)), "fixed ones are tried");
  assert.ok(!creations.some((o) => o.includes(`"adminpack" SCHEMA`)), "never with SCHEMA");
  assert.ok(!creations.some((o) => o.includes(`"plpgsql"`)), "installed ones are not created");
  const needy = creations.filter((o) => o.includes(`"earthdistance"`));
  assert.ok(needy.length > 0 && needy.every((o) => o.endsWith(" CASCADE")), "requirements cascade");
});

Deno.test("probe attacks: database sizes are asked only of the victim's database or nobody's", () => {
  const [acme, beta, gamma] = TARGETS;
  // A failure is reported against the victim: a third tenant's database would blame the wrong one.
  const sizes = fc.sample(attacks(beta, gamma), { numRuns: 3000, seed: 7 })
    .filter((a) => a.checkId === "PG-038").map((a) => a.operation);
  assert.ok(sizes.length > 20, `${sizes.length} PG-038 attempts sampled`);
  for (const operation of sizes) {
    assert.ok(!/tenant_acme|16600/i.test(operation), operation);
  }
  const onAcme = fc.sample(attacks(beta, acme), { numRuns: 3000, seed: 7 })
    .filter((a) => a.checkId === "PG-038" && /tenant_acme|16600/i.test(a.operation));
  assert.ok(onAcme.length > 0, "the victim's own database is asked");
});
