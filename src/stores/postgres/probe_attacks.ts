/**
 * The attack catalogue: for an attacker and a victim, fast-check arbitraries over the
 * server's whole operation surface (as enumerated in probe_surface.ts) with arguments
 * aimed at the victim, each mapped to a check id of contract.ts; the positive controls;
 * and the fixed sweeps. Pure: the surface and the tenants in, attempts out.
 *
 * Every attempt names only objects that exist for the server (the victim's fixtures, its
 * role and database, catalogue entries), spelled in ways the server resolves to them, so
 * that a correct server can only answer with a refusal. What must not exist (names an
 * attacker would create) is drawn from hostile names.
 */
import fc from "fast-check";
import type { Attempt, ProbeTenant } from "../../conformance/model.ts";
import { postgresRole, postgresSchema } from "../../tenant/names.ts";
import { isSharedDatabase, tenantOf } from "./observe.ts";
import { tenantDatabase } from "./resources.ts";
import { POLICY_NAME } from "./shared_tables.ts";
import { quoteIdent, quoteLiteral } from "./sql_text.ts";
import { INSUFFICIENT_PRIVILEGE as INSUFFICIENT_PRIVILEGE_STATE } from "./probe_outcome.ts";
import {
  controlNames,
  describeGuess,
  HARMLESS_PROGRAMS,
  hostileNames,
  identifierSpellings,
  literalSpellings,
  lookupLiteralSpellings,
  passwordGuesses,
  qualifiedSpellings,
  readPathList,
  readPaths,
  WRITE_PATHS,
} from "./probe_names.ts";
import type { PostgresRequest, Refusal, StatementRequest, SweepKind } from "./probe_request.ts";
import type {
  DatabaseEntry,
  RestrictedFunction,
  ServerSurface,
  SharedTableEntry,
} from "./probe_surface.ts";

/** A tenant as the attacks see it: names only, never its credential. */
export interface ProbeTarget {
  id: string;
  role: string;
  /** The database its credential is for: its own, or its tier's shared one. */
  database: string;
  schema: string;
  mode: "database" | "schema";
}

export function probeTarget(tenant: ProbeTenant): ProbeTarget {
  const mode = tenant.tenant.stores.postgres?.isolation === "schema" ? "schema" : "database";
  return {
    id: tenant.id,
    role: tenant.secret.role ?? postgresRole(tenant.id),
    database: tenant.details.database ?? tenantDatabase(tenant.tenant),
    schema: tenant.details.schema ?? postgresSchema(tenant.id),
    mode,
  };
}

/** Objects the probe creates in every participating tenant's own schema, as that tenant. */
export interface FixtureNames {
  table: string;
  view: string;
  sequence: string;
  function: string;
  procedure: string;
  type: string;
}

export function fixtureNames(tag: string): FixtureNames {
  const base = `bulkhead_probe_${tag}`;
  return {
    table: `${base}_t`,
    view: `${base}_v`,
    sequence: `${base}_s`,
    function: `${base}_f`,
    procedure: `${base}_p`,
    type: `${base}_ty`,
  };
}

export interface AttackContext {
  surface: ServerSurface;
  keywords: ReadonlySet<string>;
  fixtures: FixtureNames;
  attacker: ProbeTarget;
  victim: ProbeTarget;
}

type Family = (ctx: AttackContext) => fc.Arbitrary<Attempt> | undefined;

function operationOf(request: PostgresRequest): string {
  switch (request.kind) {
    case "connect":
      return request.login
        ? `LOGIN ${request.login.role} with ${
          describeGuess(request.login.password)
        } TO ${request.database}`
        : `CONNECT ${request.database}`;
    case "statement":
      return `${request.database}: ${[...request.setup, request.statement].join("; ")}`;
    case "handoff":
      return `${request.database}: ${request.grant}; then as ${request.victim}: ${request.victimStatement}`;
    case "workload":
      return `${request.database}: ${request.statements.join("; ")}`;
    case "sweep":
      return `sweep ${request.sweep}`;
  }
}

export function attemptOf(
  checkId: string,
  request: PostgresRequest,
  expect: "denied" | "allowed" = "denied",
): Attempt {
  return { checkId, operation: operationOf(request), expect, request };
}

interface StatementOptions {
  setup?: string[];
  /** Whose fixtures the SQL names; required when it holds `{{victim.…}}`. */
  victim?: string;
  transaction?: boolean;
  refusal?: Refusal;
  undo?: string[];
}

function statement(
  checkId: string,
  database: string,
  sql: string,
  options: StatementOptions = {},
): Attempt {
  const request: StatementRequest = {
    kind: "statement",
    database,
    ...(options.victim && { victim: options.victim }),
    setup: options.setup ?? [],
    statement: sql,
    transaction: options.transaction ?? true,
    refusal: options.refusal ?? { kind: "error" },
    ...(options.undo && { undo: options.undo }),
  };
  return attemptOf(checkId, request);
}

// ---- spellings bound to the context --------------------------------------------------

const ident = (ctx: AttackContext, name: string) => identifierSpellings(name, ctx.keywords);
const qualified = (ctx: AttackContext, schema: string, name: string) =>
  qualifiedSpellings(schema, name, ctx.keywords);
const lookup = (ctx: AttackContext, schema: string, name: string, suffix = "") =>
  lookupLiteralSpellings(schema, name, ctx.keywords, suffix);
/** A hostile name for something that need not exist, spelled for the parser. */
const freeName = (ctx: AttackContext) =>
  hostileNames([ctx.victim.role, ctx.victim.schema]).chain((n) => ident(ctx, n));
/** Role names the grammar itself rejects, before any privilege is looked at. */
const RESERVED_ROLE_NAMES = new Set(["public", "none"]);
/** A hostile name for a role to create: none the server reserves (`pg_…`, public, none). */
const freeRoleName = (ctx: AttackContext) =>
  hostileNames([ctx.victim.role]).filter((n) => !RESERVED_ROLE_NAMES.has(n) && !n.startsWith("pg_"))
    .chain((n) => ident(ctx, n));
/**
 * A new name for RENAME TO: the server rejects a name that exists or is reserved before
 * it checks ownership, so the hostile part follows a prefix that makes it fresh.
 */
const newName = (ctx: AttackContext) =>
  hostileNames([ctx.victim.role]).map((n) => `bulkhead-probe ${n}`).chain((n) => ident(ctx, n));

/** Picks one arbitrary per call among templates that each map spelled names to SQL. */
function oneOf<T>(...options: fc.Arbitrary<T>[]): fc.Arbitrary<T> {
  return fc.oneof(...options);
}

export function isTenantOrSharedDatabase(name: string): boolean {
  return tenantOf(name) !== undefined || isSharedDatabase(name);
}

/**
 * The databases an attempt on the victim may aim at: those that accept connections, are not
 * the attacker's, and are the victim's or nobody's (the server's own, the registry). A third
 * tenant's database is left out: the attempt names its victim, and a failure there would be
 * reported against the wrong tenant.
 */
function databasesAimedAt(ctx: AttackContext): DatabaseEntry[] {
  return ctx.surface.databases.filter((d) =>
    d.allowConnections && d.name !== ctx.attacker.database &&
    (d.name === ctx.victim.database || !isTenantOrSharedDatabase(d.name))
  );
}

/** Tables of the shared database the victim's credential is for (schema isolation). */
function victimSharedTables(ctx: AttackContext): SharedTableEntry[] {
  if (ctx.victim.mode !== "schema") return [];
  return ctx.surface.sharedDatabases.find((d) => d.name === ctx.victim.database)?.tables ?? [];
}

function hasLanguage(surface: ServerSurface, name: string): boolean {
  return surface.languages.some((l) => l.name === name);
}

// ---- connecting and logging in --------------------------------------------------------

const connectVictimDatabase: Family = (ctx) => {
  if (ctx.victim.database === ctx.attacker.database) return undefined;
  return fc.constant(attemptOf("PG-001", { kind: "connect", database: ctx.victim.database }));
};

const connectOtherDatabase: Family = (ctx) => {
  const names = ctx.surface.databases
    .filter((d) => d.allowConnections && !isTenantOrSharedDatabase(d.name))
    .map((d) => d.name);
  if (names.length === 0) return undefined;
  return fc.constantFrom(...names).map((database) =>
    attemptOf("PG-002", { kind: "connect", database })
  );
};

/** The victim's role, the admin and every other role `pg_roles` lists but the attacker's. */
function rolesToBecome(ctx: AttackContext): string[] {
  return [ctx.victim.role, ctx.surface.adminRole, ...ctx.surface.roles.map((r) => r.name)]
    .filter((r) => r !== ctx.attacker.role);
}

const loginAsOtherRole: Family = (ctx) => {
  const roles = rolesToBecome(ctx);
  return fc.record({
    role: fc.constantFrom(...roles),
    database: fc.constantFrom(ctx.victim.database, ctx.attacker.database),
  }).chain(({ role, database }) =>
    passwordGuesses(role).map((password) =>
      attemptOf("PG-004", { kind: "connect", database, login: { role, password } })
    )
  );
};

// ---- other tenants' objects -----------------------------------------------------------

const victimSchemaObjects: Family = (ctx) => {
  const { victim, fixtures: f } = ctx;
  const s = victim.schema;
  const on = (sql: string) => statement("PG-010", victim.database, sql, { victim: victim.id });
  const ownTable = quoteIdent(ctx.attacker.schema) + "." + quoteIdent(f.table);
  const table = qualified(ctx, s, f.table);
  return oneOf(
    table.map((t) => on(`SELECT count(*) FROM ${t}`)),
    qualified(ctx, s, f.view).map((v) => on(`SELECT * FROM ${v}`)),
    table.map((t) => on(`INSERT INTO ${t} (id) VALUES (1)`)),
    table.map((t) => on(`UPDATE ${t} SET body = 'bulkhead-probe'`)),
    table.map((t) => on(`DELETE FROM ${t}`)),
    table.map((t) => on(`SELECT * FROM ${t} FOR UPDATE`)),
    table.map((t) => on(`TRUNCATE ${t}`)),
    table.map((t) => on(`LOCK TABLE ${t} IN ACCESS SHARE MODE`)),
    table.map((t) => on(`ALTER TABLE ${t} ADD COLUMN bulkhead_probe int`)),
    table.map((t) => on(`DROP TABLE ${t}`)),
    table.map((t) => on(`COMMENT ON TABLE ${t} IS 'bulkhead-probe'`)),
    table.map((t) => on(`CREATE INDEX ON ${t} (id)`)),
    table.map((t) => on(`ANALYZE ${t}`)),
    table.map((t) => on(`GRANT SELECT ON ${t} TO CURRENT_USER`)),
    table.map((t) =>
      on(
        `CREATE TABLE ${quoteIdent(ctx.attacker.schema)}.${
          quoteIdent(`${f.table}_like`)
        } (LIKE ${t})`,
      )
    ),
    lookup(ctx, s, f.table).map((l) => on(`SELECT ${l}::regclass`)),
    lookup(ctx, s, f.table).map((l) => on(`SELECT to_regclass(${l})`)),
    lookup(ctx, s, f.table).map((l) => on(`SELECT has_table_privilege(${l}, 'SELECT')`)),
    lookup(ctx, s, f.sequence).map((l) => on(`SELECT nextval(${l})`)),
    lookup(ctx, s, f.sequence).map((l) => on(`SELECT setval(${l}, 42)`)),
    lookup(ctx, s, f.sequence).map((l) => on(`SELECT currval(${l})`)),
    qualified(ctx, s, f.sequence).map((q) => on(`ALTER SEQUENCE ${q} RESTART`)),
    qualified(ctx, s, f.type).map((q) => on(`SELECT NULL::${q}`)),
    fc.tuple(ident(ctx, s), freeName(ctx)).map(([sch, x]) =>
      on(`CREATE TABLE ${sch}.${x} (i int)`)
    ),
    fc.tuple(ident(ctx, s), freeName(ctx)).map(([sch, x]) =>
      on(`CREATE VIEW ${sch}.${x} AS SELECT 1 AS i`)
    ),
    fc.tuple(ident(ctx, s), newName(ctx)).map(([sch, x]) =>
      on(`ALTER SCHEMA ${sch} RENAME TO ${x}`)
    ),
    ident(ctx, s).map((sch) => on(`DROP SCHEMA ${sch} CASCADE`)),
    ident(ctx, s).map((sch) => on(`ALTER TABLE ${ownTable} SET SCHEMA ${sch}`)),
  );
};

const victimFunctions: Family = (ctx) => {
  const { victim, fixtures: f } = ctx;
  const s = victim.schema;
  const on = (sql: string) => statement("PG-011", victim.database, sql, { victim: victim.id });
  const own = quoteIdent(ctx.attacker.schema);
  const fn = qualified(ctx, s, f.function);
  return oneOf(
    fn.map((q) => on(`SELECT ${q}()`)),
    qualified(ctx, s, f.procedure).map((q) => on(`CALL ${q}()`)),
    lookup(ctx, s, f.function, "()").map((l) => on(`SELECT ${l}::regprocedure`)),
    lookup(ctx, s, f.function).map((l) => on(`SELECT ${l}::regproc`)),
    lookup(ctx, s, f.function, "()").map((l) =>
      on(`SELECT pg_get_functiondef(${l}::regprocedure)`)
    ),
    fc.tuple(fn, newName(ctx)).map(([q, x]) => on(`ALTER FUNCTION ${q}() RENAME TO ${x}`)),
    fn.map((q) => on(`ALTER FUNCTION ${q}() SECURITY DEFINER`)),
    fn.map((q) => on(`DROP FUNCTION ${q}()`)),
    fn.map((q) => on(`COMMENT ON FUNCTION ${q}() IS 'bulkhead-probe'`)),
    fn.map((q) => on(`GRANT EXECUTE ON FUNCTION ${q}() TO CURRENT_USER`)),
    fc.tuple(fn, freeName(ctx)).map(([q, x]) =>
      on(`CREATE TABLE ${own}.${x} (i int DEFAULT ${q}())`)
    ),
    fc.tuple(fn, freeName(ctx)).map(([q, x]) => on(`CREATE VIEW ${own}.${x} AS SELECT ${q}()`)),
    fn.map((q) => on(`SELECT * FROM generate_series(1, ${q}())`)),
  );
};

const victimLargeObjects: Family = (ctx) => {
  const { victim } = ctx;
  const on = (sql: string, refusal: Refusal = { kind: "error" }) =>
    statement("PG-037", victim.database, sql, { victim: victim.id, refusal });
  const lo = "{{victim.lo}}";
  return oneOf(
    fc.constantFrom(
      on(`SELECT lo_get(${lo})`),
      on(`SELECT lo_get(${lo}, 0, 4)`),
      on(`SELECT lo_put(${lo}, 0, '\\x00')`),
      on(`SELECT loread(lo_open(${lo}, 262144), 16)`),
      on(`SELECT lo_open(${lo}, 131072)`),
      on(`SELECT lo_truncate(lo_open(${lo}, 131072), 0)`),
      on(`SELECT lo_unlink(${lo})`),
      on(`ALTER LARGE OBJECT ${lo} OWNER TO CURRENT_USER`),
      on(`GRANT SELECT, UPDATE ON LARGE OBJECT ${lo} TO CURRENT_USER`, { kind: "grant" }),
      on(`COMMENT ON LARGE OBJECT ${lo} IS 'bulkhead-probe'`),
      on(`SELECT count(*) FROM pg_catalog.pg_largeobject WHERE loid = ${lo}`),
    ),
  );
};

// ---- shared tables (schema isolation) ---------------------------------------------------

/** Session tricks that must not change what row security shows. */
function sessionTricks(ctx: AttackContext, victimLiteral: string): fc.Arbitrary<string[]> {
  return fc.subarray([
    `SET LOCAL app.tenant = ${victimLiteral}`,
    `SET LOCAL application_name = ${victimLiteral}`,
    `SET LOCAL search_path = ${quoteIdent(ctx.victim.schema)}, shared, public`,
    "RESET ROLE",
    "SET LOCAL ROLE NONE",
    "SET LOCAL row_security = on",
    `SELECT set_config('request.jwt.claim.sub', ${victimLiteral}, true)`,
    "SET SESSION AUTHORIZATION DEFAULT",
  ], { maxLength: 3 });
}

function sharedTableFamily(
  ctx: AttackContext,
  build: (table: SharedTableEntry, spelled: string, victimLiteral: string) => fc.Arbitrary<
    Attempt
  >,
  insertableOnly = false,
): fc.Arbitrary<Attempt> | undefined {
  const tables = victimSharedTables(ctx).filter((t) => !insertableOnly || t.insertable);
  if (tables.length === 0) return undefined;
  return fc.constantFrom(...tables).chain((table) =>
    fc.tuple(qualified(ctx, "shared", table.name), literalSpellings(ctx.victim.role))
      .chain(([spelled, victimLiteral]) => build(table, spelled, victimLiteral))
  );
}

/**
 * Reads or writes whose refusal is row security hiding the victim's rows: each statement
 * returns a `tenant` column, one row per victim row it reached.
 */
function filteredFamily(
  ctx: AttackContext,
  checkId: string,
  statements: (table: string, victim: string) => string[],
): fc.Arbitrary<Attempt> | undefined {
  return sharedTableFamily(ctx, (table, t, v) => {
    const refusal: Refusal = {
      kind: "filtered",
      role: ctx.victim.role,
      table: `shared.${quoteIdent(table.name)}`,
    };
    return fc.tuple(fc.constantFrom(...statements(t, v)), sessionTricks(ctx, v)).map((
      [sql, setup],
    ) => statement(checkId, ctx.victim.database, sql, { victim: ctx.victim.id, setup, refusal }));
  }, true);
}

const sharedRowsRead: Family = (ctx) =>
  filteredFamily(ctx, "PG-012", (t, v) => [
    `SELECT tenant FROM ${t} WHERE tenant = ${v}`,
    `SELECT tenant FROM ${t}`,
    `SELECT tenant FROM ${t} WHERE tenant <> current_user`,
    `SELECT tenant FROM ONLY ${t} WHERE tenant = ${v} OR true`,
    `SELECT tenant FROM ${t} FOR UPDATE`,
    `WITH x AS MATERIALIZED (SELECT * FROM ${t}) SELECT tenant FROM x WHERE tenant = ${v}`,
    `SELECT tenant FROM ${t} WHERE lower(tenant) = lower(${v})`,
    `SELECT (SELECT tenant FROM ${t} WHERE tenant = ${v} LIMIT 1) AS tenant`,
    `SELECT r.tenant FROM ${t} r JOIN (VALUES (${v})) w(x) ON r.tenant = w.x`,
    `SELECT tenant FROM ${t} TABLESAMPLE SYSTEM (100)`,
    `SELECT unnest(array_agg(tenant)) AS tenant FROM ${t}`,
  ]);

const sharedRowsInsert: Family = (ctx) =>
  sharedTableFamily(ctx, (_table, t, v) =>
    fc.constantFrom(
      `INSERT INTO ${t} (tenant) VALUES (${v})`,
      `INSERT INTO ${t} (tenant) SELECT ${v}`,
      `INSERT INTO ${t} (tenant) VALUES (lower(upper(${v})))`,
      `UPDATE ${t} SET tenant = ${v} WHERE tenant = current_user`,
    ).map((sql) => statement("PG-013", ctx.victim.database, sql, { victim: ctx.victim.id })), true);

const sharedRowsWrite: Family = (ctx) =>
  filteredFamily(ctx, "PG-014", (t, v) => [
    `UPDATE ${t} SET tenant = tenant WHERE tenant = ${v} RETURNING tenant`,
    `DELETE FROM ${t} WHERE tenant = ${v} RETURNING tenant`,
    `DELETE FROM ${t} RETURNING tenant`,
    `WITH u AS (UPDATE ${t} SET tenant = current_user WHERE tenant = ${v} RETURNING 1) SELECT ${v}::text AS tenant FROM u`,
    `WITH d AS (DELETE FROM ${t} WHERE tenant <> current_user RETURNING tenant) SELECT tenant FROM d`,
  ]);

const rowSecurityOff: Family = (ctx) =>
  sharedTableFamily(ctx, (_table, t) =>
    fc.tuple(
      fc.constantFrom(
        "SET row_security = off",
        "SET LOCAL row_security = off",
        "SELECT set_config('row_security', 'off', true)",
      ),
      fc.constantFrom(
        `SELECT count(*) FROM ${t}`,
        `UPDATE ${t} SET tenant = tenant WHERE tenant = current_user`,
        `DELETE FROM ${t} WHERE false`,
      ),
    ).map(([off, sql]) =>
      statement("PG-015", ctx.victim.database, sql, { victim: ctx.victim.id, setup: [off] })
    ));

const truncateShared: Family = (ctx) =>
  sharedTableFamily(ctx, (_table, t) =>
    fc.constantFrom(
      `TRUNCATE ${t}`,
      `TRUNCATE ONLY ${t}`,
      `TRUNCATE ${t} CASCADE`,
      `TRUNCATE ${t} RESTART IDENTITY`,
    ).map((sql) => statement("PG-016", ctx.victim.database, sql)));

const triggerRuleForeignKey: Family = (ctx) =>
  sharedTableFamily(ctx, (table, t) => {
    const own = quoteIdent(ctx.attacker.schema);
    const options: fc.Arbitrary<Attempt>[] = [
      freeName(ctx).map((x) =>
        statement(
          "PG-017",
          ctx.victim.database,
          `CREATE RULE ${x} AS ON INSERT TO ${t} DO INSTEAD NOTHING`,
        )
      ),
    ];
    if (hasLanguage(ctx.surface, "plpgsql")) {
      const spy = `${own}.bulkhead_probe_spy`;
      options.push(
        freeName(ctx).map((x) =>
          statement(
            "PG-017",
            ctx.victim.database,
            `CREATE TRIGGER ${x} BEFORE INSERT OR UPDATE ON ${t} FOR EACH ROW EXECUTE FUNCTION ${spy}()`,
            {
              setup: [
                `CREATE FUNCTION ${spy}() RETURNS trigger LANGUAGE plpgsql AS $$BEGIN RETURN NEW; END$$`,
              ],
            },
          )
        ),
      );
    }
    if (table.key) {
      const key = table.key;
      options.push(
        freeName(ctx).map((x) =>
          statement(
            "PG-017",
            ctx.victim.database,
            `CREATE TABLE ${own}.${x} (k ${key.type} REFERENCES ${t} (${quoteIdent(key.column)}))`,
          )
        ),
      );
    }
    return oneOf(...options);
  });

const alterSharedTable: Family = (ctx) =>
  sharedTableFamily(ctx, (_table, t) => {
    const on = (sql: string) => statement("PG-018", ctx.victim.database, sql);
    const policy = quoteIdent(POLICY_NAME);
    return oneOf(
      fc.constantFrom(
        on(`ALTER TABLE ${t} DISABLE ROW LEVEL SECURITY`),
        on(`ALTER TABLE ${t} NO FORCE ROW LEVEL SECURITY`),
        on(`ALTER POLICY ${policy} ON ${t} USING (true)`),
        on(`DROP POLICY ${policy} ON ${t}`),
        on(`ALTER TABLE ${t} OWNER TO CURRENT_USER`),
        on(`ALTER TABLE ${t} ADD COLUMN bulkhead_probe int`),
        on(`ALTER TABLE ${t} ALTER COLUMN tenant DROP DEFAULT`),
        on(`DROP TABLE ${t}`),
        on(`REINDEX TABLE ${t}`),
        on(`COMMENT ON TABLE ${t} IS 'bulkhead-probe'`),
        on(`ALTER TABLE ${t} SET SCHEMA ${quoteIdent(ctx.attacker.schema)}`),
      ),
      freeName(ctx).map((x) => on(`CREATE POLICY ${x} ON ${t} USING (true)`)),
      freeName(ctx).map((x) =>
        on(`CREATE POLICY ${x} ON ${t} AS PERMISSIVE FOR SELECT TO PUBLIC USING (true)`)
      ),
      newName(ctx).map((x) => on(`ALTER TABLE ${t} RENAME TO ${x}`)),
    );
  });

const plannerStatistics: Family = (ctx) => {
  const tables = victimSharedTables(ctx);
  const database = tables.length > 0 ? ctx.victim.database : ctx.attacker.database;
  const where = tables.length > 0
    ? fc.constantFrom(...tables).map((t) =>
      ` WHERE starelid = ${quoteLiteral(`shared.${quoteIdent(t.name)}`)}::regclass`
    )
    : fc.constant("");
  return fc.tuple(fc.constantFrom("pg_statistic", "pg_statistic_ext_data"), where).map((
    [catalog, w],
  ) =>
    statement(
      "PG-019",
      database,
      catalog === "pg_statistic"
        ? `SELECT count(*) FROM pg_catalog.pg_statistic${w}`
        : "SELECT count(*) FROM pg_catalog.pg_statistic_ext_data",
    )
  );
};

// ---- roles and privileges -------------------------------------------------------------

const becomeOtherRole: Family = (ctx) => {
  const roles = rolesToBecome(ctx);
  const on = (sql: string) => statement("PG-020", ctx.attacker.database, sql);
  return fc.constantFrom(...roles).chain((role) =>
    oneOf(
      ident(ctx, role).map((r) => on(`SET ROLE ${r}`)),
      ident(ctx, role).map((r) => on(`SET LOCAL ROLE ${r}`)),
      ident(ctx, role).map((r) => on(`SET SESSION AUTHORIZATION ${r}`)),
      ident(ctx, role).map((r) => on(`SET LOCAL SESSION AUTHORIZATION ${r}`)),
      fc.constant(on(`SET ROLE ${quoteLiteral(role)}`)),
      fc.constant(on(`SET SESSION AUTHORIZATION ${quoteLiteral(role)}`)),
      literalSpellings(role).map((l) => on(`SELECT set_config('role', ${l}, true)`)),
      literalSpellings(role).map((l) =>
        on(`SELECT set_config('session_authorization', ${l}, true)`)
      ),
    )
  );
};

const escalateSelf: Family = (ctx) => {
  const { attacker } = ctx;
  const on = (sql: string, options: StatementOptions = {}) =>
    statement("PG-021", attacker.database, sql, options);
  const self = fc.oneof(
    fc.constantFrom("CURRENT_USER", "SESSION_USER", "CURRENT_ROLE"),
    ident(ctx, attacker.role),
  );
  const predefined = ctx.surface.roles.filter((r) => r.name.startsWith("pg_") || r.superuser)
    .map((r) => r.name);
  const options: fc.Arbitrary<Attempt>[] = [
    fc.tuple(
      self,
      fc.constantFrom(
        "SUPERUSER",
        "CREATEDB",
        "CREATEROLE",
        "REPLICATION",
        "BYPASSRLS",
        "CONNECTION LIMIT -1",
        "VALID UNTIL 'infinity'",
      ),
    ).map(([r, attribute]) => on(`ALTER ROLE ${r} WITH ${attribute}`)),
    fc.tuple(fc.constantFrom("ROLE", "USER", "GROUP"), freeRoleName(ctx)).map(([kind, x]) =>
      on(`CREATE ${kind} ${x}`)
    ),
    freeRoleName(ctx).map((x) => on(`CREATE ROLE ${x} SUPERUSER LOGIN`)),
    freeName(ctx).map((x) => on(`CREATE SCHEMA ${x}`)),
    freeName(ctx).map((x) => on(`CREATE SCHEMA ${x} AUTHORIZATION CURRENT_USER`)),
    fc.tuple(
      freeName(ctx),
      fc.constantFrom("", " TEMPLATE template0", ` TEMPLATE ${quoteIdent(ctx.victim.database)}`),
    ).map(([x, template]) =>
      on(`CREATE DATABASE ${x}${template}`, {
        transaction: false,
        undo: [`DROP DATABASE IF EXISTS ${x}`],
      })
    ),
    ident(ctx, attacker.database).map((d) =>
      on(`GRANT CREATE ON DATABASE ${d} TO CURRENT_USER`, { refusal: { kind: "grant" } })
    ),
    ident(ctx, attacker.database).map((d) =>
      on(`GRANT ALL ON DATABASE ${d} TO CURRENT_USER WITH GRANT OPTION`, {
        refusal: { kind: "grant" },
      })
    ),
    ident(ctx, attacker.schema).map((s) =>
      on(`GRANT ALL ON SCHEMA ${s} TO CURRENT_USER WITH GRANT OPTION`, {
        refusal: { kind: "grant" },
      })
    ),
    ident(ctx, attacker.schema).map((s) => on(`ALTER SCHEMA ${s} OWNER TO CURRENT_USER`)),
    ident(ctx, attacker.database).map((d) => on(`ALTER DATABASE ${d} OWNER TO CURRENT_USER`)),
    ident(ctx, attacker.database).map((d) => on(`ALTER DATABASE ${d} CONNECTION LIMIT -1`)),
    ident(ctx, attacker.database).map((d) => on(`ALTER DATABASE ${d} SET work_mem = '64kB'`)),
    ident(ctx, ctx.surface.adminRole).map((a) =>
      on(`ALTER DEFAULT PRIVILEGES FOR ROLE ${a} GRANT ALL ON TABLES TO CURRENT_USER`)
    ),
  ];
  if (predefined.length > 0) {
    options.push(
      fc.constantFrom(...predefined).chain((r) => ident(ctx, r)).map((r) =>
        on(`GRANT ${r} TO CURRENT_USER`)
      ),
    );
  }
  return oneOf(...options);
};

const handoffToVictim: Family = (ctx) => {
  const { attacker, victim, fixtures: f } = ctx;
  const schema = quoteIdent(attacker.schema);
  const table = `${schema}.${quoteIdent(f.table)}`;
  const readTable = `SELECT count(*) FROM ${table}`;
  const grantee = fc.oneof(ident(ctx, victim.role), fc.constant("PUBLIC"));
  const handoff = (grant: string, undo: string, victimStatement: string) =>
    attemptOf("PG-022", {
      kind: "handoff",
      database: attacker.database,
      victim: victim.id,
      grant,
      undo: [undo],
      victimStatement,
    });
  return grantee.chain((g) =>
    oneOf(
      fc.tuple(ident(ctx, attacker.schema), fc.constantFrom("USAGE", "CREATE", "ALL")).map((
        [s, p],
      ) =>
        handoff(
          `GRANT ${p} ON SCHEMA ${s} TO ${g}`,
          `REVOKE ALL ON SCHEMA ${s} FROM ${g}`,
          readTable,
        )
      ),
      qualified(ctx, attacker.schema, f.table).map((t) =>
        handoff(`GRANT SELECT ON ${t} TO ${g}`, `REVOKE ALL ON ${t} FROM ${g}`, readTable)
      ),
      ident(ctx, attacker.schema).map((s) =>
        handoff(
          `GRANT ALL ON ALL TABLES IN SCHEMA ${s} TO ${g}`,
          `REVOKE ALL ON ALL TABLES IN SCHEMA ${s} FROM ${g}`,
          readTable,
        )
      ),
      qualified(ctx, attacker.schema, f.function).map((q) =>
        handoff(
          `GRANT EXECUTE ON FUNCTION ${q}() TO ${g}`,
          `REVOKE ALL ON FUNCTION ${q}() FROM ${g}`,
          `SELECT ${schema}.${quoteIdent(f.function)}()`,
        )
      ),
      qualified(ctx, attacker.schema, f.sequence).map((q) =>
        handoff(
          `GRANT USAGE ON SEQUENCE ${q} TO ${g}`,
          `REVOKE ALL ON SEQUENCE ${q} FROM ${g}`,
          `SELECT nextval(${quoteLiteral(`${schema}.${quoteIdent(f.sequence)}`)})`,
        )
      ),
      ident(ctx, attacker.database).map((d) =>
        handoff(
          `GRANT CONNECT, TEMPORARY ON DATABASE ${d} TO ${g}`,
          `REVOKE ALL ON DATABASE ${d} FROM ${g}`,
          readTable,
        )
      ),
      ident(ctx, attacker.role).map((r) =>
        handoff(
          `GRANT ${r} TO ${g === "PUBLIC" ? quoteIdent(victim.role) : g}`,
          `REVOKE ${r} FROM ${quoteIdent(victim.role)}`,
          `SET ROLE ${quoteIdent(attacker.role)}`,
        )
      ),
    )
  );
};

/** CREATE statements for any kind of schema object, in namespace `ns` (spelled). */
function creationsIn(ctx: AttackContext, ns: string): fc.Arbitrary<string> {
  const x = freeName(ctx);
  return oneOf(
    x.map((n) => `CREATE TABLE ${ns}.${n} (i int)`),
    x.map((n) => `CREATE VIEW ${ns}.${n} AS SELECT 1 AS i`),
    x.map((n) => `CREATE FUNCTION ${ns}.${n}() RETURNS int LANGUAGE sql AS 'SELECT 1'`),
    x.map((n) => `CREATE PROCEDURE ${ns}.${n}() LANGUAGE sql AS 'SELECT 1'`),
    x.map((n) => `CREATE SEQUENCE ${ns}.${n}`),
    x.map((n) => `CREATE TYPE ${ns}.${n} AS (i int)`),
    x.map((n) => `CREATE DOMAIN ${ns}.${n} AS int`),
    x.map((n) => `CREATE COLLATION ${ns}.${n} FROM "C"`),
    x.map((n) => `CREATE AGGREGATE ${ns}.${n} (int) (SFUNC = int4pl, STYPE = int)`),
    x.map((n) => `CREATE TEXT SEARCH CONFIGURATION ${ns}.${n} (COPY = pg_catalog.simple)`),
    x.map((n) => `CREATE TEXT SEARCH DICTIONARY ${ns}.${n} (TEMPLATE = pg_catalog.simple)`),
    x.map((n) =>
      `CREATE CONVERSION ${ns}.${n} FOR 'LATIN1' TO 'UTF8' FROM pg_catalog.iso8859_1_to_utf8`
    ),
    fc.constantFrom("lower", "now", "current_setting", "pg_sleep").map((n) =>
      `CREATE FUNCTION ${ns}.${n}(text) RETURNS text LANGUAGE sql AS 'SELECT $1'`
    ),
    fc.constantFrom("+", "=", "===", "~~", "@@").map((op) =>
      `CREATE OPERATOR ${ns}.${op} (LEFTARG = int, RIGHTARG = int, FUNCTION = int4eq)`
    ),
    fc.constant(
      `ALTER TABLE ${quoteIdent(ctx.attacker.schema)}.${
        quoteIdent(ctx.fixtures.table)
      } SET SCHEMA ${ns}`,
    ),
  );
}

const createInPublic: Family = (ctx) =>
  fc.constantFrom("public", "PUBLIC", '"public"', 'U&"\\0070ublic"').chain((ns) =>
    creationsIn(ctx, ns)
  ).map((sql) => statement("PG-023", ctx.attacker.database, sql));

const alterVictimRoleOrDatabase: Family = (ctx) => {
  const { attacker, victim } = ctx;
  const on = (sql: string, options: StatementOptions = {}) =>
    statement("PG-024", attacker.database, sql, { refusal: { kind: "grant" }, ...options });
  const r = ident(ctx, victim.role);
  const d = ident(ctx, victim.database);
  const ownTable = `${quoteIdent(attacker.schema)}.${quoteIdent(ctx.fixtures.table)}`;
  const ownFunction = `${quoteIdent(attacker.schema)}.${quoteIdent(ctx.fixtures.function)}()`;
  const predefined = ctx.surface.roles.filter((x) => x.name.startsWith("pg_")).map((x) => x.name);
  return oneOf(
    fc.tuple(
      r,
      fc.constantFrom(
        "NOLOGIN",
        "LOGIN",
        "SUPERUSER",
        "CREATEDB",
        "CONNECTION LIMIT 0",
        "VALID UNTIL '2000-01-01'",
        "PASSWORD NULL",
        "PASSWORD 'bulkhead-probe-not-a-secret'",
      ),
    ).map(([role, attribute]) => on(`ALTER ROLE ${role} WITH ${attribute}`)),
    r.map((role) => on(`ALTER ROLE ${role} SET search_path = public`)),
    fc.tuple(r, ident(ctx, attacker.database)).map(([role, db]) =>
      on(`ALTER ROLE ${role} IN DATABASE ${db} SET work_mem = '64kB'`)
    ),
    fc.tuple(r, newName(ctx)).map(([role, x]) => on(`ALTER ROLE ${role} RENAME TO ${x}`)),
    r.map((role) => on(`DROP ROLE ${role}`)),
    r.map((role) => on(`COMMENT ON ROLE ${role} IS 'bulkhead-probe'`)),
    r.map((role) => on(`GRANT ${role} TO CURRENT_USER`)),
    r.map((role) => on(`GRANT ${role} TO ${quoteIdent(attacker.role)} WITH ADMIN OPTION`)),
    r.map((role) => on(`GRANT ${quoteIdent(attacker.role)} TO ${role}`)),
    ...(predefined.length > 0
      ? [
        fc.tuple(fc.constantFrom(...predefined), r).map(([p, role]) =>
          on(`REVOKE ${quoteIdent(p)} FROM ${role}`)
        ),
      ]
      : []),
    r.map((role) => on(`REASSIGN OWNED BY ${role} TO CURRENT_USER`)),
    r.map((role) => on(`DROP OWNED BY ${role}`)),
    r.map((role) =>
      on(`ALTER DEFAULT PRIVILEGES FOR ROLE ${role} GRANT SELECT ON TABLES TO CURRENT_USER`)
    ),
    r.map((role) => on(`ALTER TABLE ${ownTable} OWNER TO ${role}`)),
    r.map((role) => on(`ALTER FUNCTION ${ownFunction} OWNER TO ${role}`)),
    d.map((db) => on(`ALTER DATABASE ${db} OWNER TO CURRENT_USER`)),
    d.map((db) => on(`ALTER DATABASE ${db} SET work_mem = '64kB'`)),
    d.map((db) => on(`ALTER DATABASE ${db} CONNECTION LIMIT 0`)),
    d.map((db) => on(`ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS false`)),
    d.map((db) => on(`ALTER DATABASE ${db} WITH IS_TEMPLATE true`)),
    d.map((db) => on(`ALTER DATABASE ${db} RESET ALL`)),
    d.map((db) => on(`COMMENT ON DATABASE ${db} IS 'bulkhead-probe'`)),
    d.map((db) => on(`GRANT ALL ON DATABASE ${db} TO CURRENT_USER`)),
    fc.tuple(d, r).map(([db, role]) => on(`REVOKE ALL ON DATABASE ${db} FROM ${role}`)),
    ident(ctx, victim.schema).map((s) =>
      statement("PG-024", victim.database, `GRANT ALL ON SCHEMA ${s} TO CURRENT_USER`, {
        refusal: { kind: "grant" },
      })
    ),
  );
};

const createWhereOthersRun: Family = (ctx) => {
  const { attacker } = ctx;
  const namespaces =
    (attacker.mode === "schema"
      ? ctx.surface.sharedDatabases.find((d) => d.name === attacker.database)?.namespaces
      : ctx.surface.namespaces) ?? ctx.surface.namespaces;
  const shared = namespaces.filter((n) => n !== "public" && n !== attacker.schema);
  const on = (sql: string) => statement("PG-025", attacker.database, sql);
  const options: fc.Arbitrary<Attempt>[] = [
    fc.tuple(
      fc.constantFrom("int4", "text", "bool", "date", "jsonb"),
      fc.constantFrom("int4", "text", "bool", "date", "jsonb"),
      fc.constantFrom("", " AS IMPLICIT", " AS ASSIGNMENT"),
    ).filter(([a, b]) => a !== b).map(([a, b, how]) =>
      on(`CREATE CAST (${a} AS ${b}) WITH INOUT${how}`)
    ),
    fc.constant(
      on(
        "CREATE TRANSFORM FOR int4 LANGUAGE sql (FROM SQL WITH FUNCTION pg_catalog.int4abs(int4))",
      ),
    ),
    fc.tuple(freeName(ctx), fc.constantFrom("ddl_command_start", "ddl_command_end", "sql_drop"))
      .map(([x, event]) =>
        on(`CREATE EVENT TRIGGER ${x} ON ${event} EXECUTE FUNCTION pg_catalog.now()`)
      ),
    freeName(ctx).map((x) =>
      on(`CREATE OPERATOR CLASS ${x} FOR TYPE int4 USING btree AS OPERATOR 1 <`)
    ),
    freeName(ctx).map((x) => on(`CREATE OPERATOR FAMILY ${x} USING btree`)),
    freeName(ctx).map((x) =>
      on(`CREATE ACCESS METHOD ${x} TYPE TABLE HANDLER heap_tableam_handler`)
    ),
    freeName(ctx).map((x) =>
      on(
        `CREATE TEXT SEARCH PARSER ${x} (START = prsd_start, GETTOKEN = prsd_nexttoken, END = prsd_end, LEXTYPES = prsd_lextype)`,
      )
    ),
    freeName(ctx).map((x) =>
      on(`CREATE TEXT SEARCH TEMPLATE ${x} (INIT = dsimple_init, LEXIZE = dsimple_lexize)`)
    ),
    fc.constantFrom("int4", "text", "bool").map((t) => on(`ALTER TYPE ${t} OWNER TO CURRENT_USER`)),
    fc.constantFrom(
      on("ALTER FUNCTION pg_catalog.lower(text) OWNER TO CURRENT_USER"),
      on("ALTER FUNCTION pg_catalog.lower(text) SECURITY DEFINER"),
      on("ALTER FUNCTION pg_catalog.now() RENAME TO bulkhead_probe_now"),
      on("DROP FUNCTION pg_catalog.lower(text)"),
      on("COMMENT ON FUNCTION pg_catalog.lower(text) IS 'bulkhead-probe'"),
      on("ALTER OPERATOR pg_catalog.+ (int4, int4) OWNER TO CURRENT_USER"),
      on("ALTER LANGUAGE plpgsql OWNER TO CURRENT_USER"),
      on("ALTER LANGUAGE plpgsql RENAME TO bulkhead_probe"),
    ),
  ];
  if (shared.length > 0) {
    options.push(
      fc.constantFrom(...shared).chain((n) => ident(ctx, n)).chain((ns) => creationsIn(ctx, ns))
        .map(on),
    );
  }
  return oneOf(...options);
};

const clusterObjects: Family = (ctx) => {
  const { attacker } = ctx;
  const on = (sql: string, options: StatementOptions = {}) =>
    statement("PG-026", attacker.database, sql, options);
  const others = ctx.surface.databases.filter((d) =>
    d.allowConnections && !isTenantOrSharedDatabase(d.name)
  ).map((d) => d.name);
  const spaces = ctx.surface.tablespaces;
  const options: fc.Arbitrary<Attempt>[] = [
    freeName(ctx).map((x) =>
      on(`CREATE TABLESPACE ${x} LOCATION '/tmp/bulkhead-probe-tablespace'`, {
        transaction: false,
        undo: [`DROP TABLESPACE IF EXISTS ${x}`],
      })
    ),
    fc.tuple(
      freeName(ctx),
      fc.constantFrom(
        "",
        " FOR ALL TABLES",
        ` FOR TABLES IN SCHEMA ${quoteIdent(attacker.schema)}`,
      ),
    )
      .map(([x, what]) => on(`CREATE PUBLICATION ${x}${what}`)),
    fc.tuple(freeName(ctx), literalSpellings(`dbname=${ctx.victim.database}`)).map(([x, conn]) =>
      on(`CREATE SUBSCRIPTION ${x} CONNECTION ${conn} PUBLICATION ${x} WITH (connect = false)`)
    ),
    freeName(ctx).map((x) => on(`CREATE FOREIGN DATA WRAPPER ${x}`)),
    hostileNames().chain(literalSpellings).chain((slot) =>
      fc.constantFrom(
        on(`SELECT pg_create_physical_replication_slot(${slot})`),
        on(`SELECT pg_create_logical_replication_slot(${slot}, 'pgoutput')`),
        on(`SELECT pg_drop_replication_slot(${slot})`),
        on(`SELECT pg_replication_slot_advance(${slot}, '0/0')`),
      )
    ),
    fc.constantFrom(
      "plpgsql",
      "$libdir/plpgsql",
      "$libdir/dblink",
      "auto_explain",
      "pg_stat_statements",
      "/tmp/bulkhead-probe.so",
      "../../../../tmp/bulkhead-probe",
    ).map((lib) => on(`LOAD ${quoteLiteral(lib)}`)),
  ];
  if (spaces.length > 0) {
    options.push(
      fc.tuple(fc.constantFrom(...spaces), newName(ctx)).chain(([ts, x]) =>
        fc.constantFrom(
          on(`ALTER TABLESPACE ${quoteIdent(ts)} RENAME TO ${x}`),
          on(`ALTER TABLESPACE ${quoteIdent(ts)} OWNER TO CURRENT_USER`),
          on(`ALTER TABLESPACE ${quoteIdent(ts)} SET (seq_page_cost = 1)`),
          on(`COMMENT ON TABLESPACE ${quoteIdent(ts)} IS 'bulkhead-probe'`),
        )
      ),
    );
  }
  if (others.length > 0) {
    options.push(
      fc.constantFrom(...others).chain((db) => ident(ctx, db)).chain((db) =>
        fc.constantFrom(
          on(`ALTER DATABASE ${db} OWNER TO CURRENT_USER`),
          on(`ALTER DATABASE ${db} SET work_mem = '64kB'`),
          on(`ALTER DATABASE ${db} WITH ALLOW_CONNECTIONS false`),
          on(`COMMENT ON DATABASE ${db} IS 'bulkhead-probe'`),
          on(`GRANT CONNECT ON DATABASE ${db} TO CURRENT_USER`, { refusal: { kind: "grant" } }),
        )
      ),
    );
  }
  return oneOf(...options);
};

// ---- the server itself ----------------------------------------------------------------

const FILE_FUNCTION = /file|_ls_|ls_dir|lo_import|lo_export|logdir|waldir|tmpdir/;

export function isFileFunction(name: string): boolean {
  return FILE_FUNCTION.test(name);
}

const INTEGER_TYPES = new Set(["integer", "bigint", "smallint"]);

/**
 * SQL values to choose from for each input argument the server gave the function, or
 * undefined when one of its types has no generator. Never NULL: the planner folds a
 * strict function with a NULL argument to NULL without checking EXECUTE, which would
 * read as "allowed". The first choice of each is the one fixed sweeps use.
 */
export function argumentChoices(
  fn: RestrictedFunction,
  paths: readonly string[],
  pid: string,
): string[][] | undefined {
  const writes = /export|write/.test(fn.name);
  const out: string[][] = [];
  for (const [i, type] of fn.argTypes.entries()) {
    const name = fn.argNames[i] ?? "";
    if (type === "text" || type === "name") {
      out.push((writes && i > 0 ? WRITE_PATHS : paths).map(quoteLiteral));
    } else if (INTEGER_TYPES.has(type)) {
      out.push(name === "pid" ? [pid] : ["1", "0", "1024"]);
    } else if (type === "oid") {
      out.push(fn.name === "lo_export" ? ["{{own.lo}}"] : ["1663", "{{own.oid}}"]);
    } else if (type === "boolean") {
      out.push(["false", "true"]);
    } else if (type === "pg_lsn") {
      out.push(["'0/0'::pg_lsn"]);
    } else if (type === "timestamp with time zone") {
      out.push(["now()"]);
    } else {
      return undefined;
    }
  }
  return out;
}

export function functionArguments(
  fn: RestrictedFunction,
  paths: readonly string[],
  pid: string,
): fc.Arbitrary<string[]> | undefined {
  const choices = argumentChoices(fn, paths, pid);
  if (!choices) return undefined;
  if (choices.length === 0) return fc.constant([]);
  return fc.tuple(...choices.map((c) => fc.constantFrom(...c)));
}

/**
 * The call as a statement of its own. Not wrapped in a subquery: the planner drops an
 * unused non-volatile output column without ever calling (or checking EXECUTE on) it.
 */
export function functionCall(fn: RestrictedFunction, args: string[]): string {
  const name = `${quoteIdent(fn.schema)}.${quoteIdent(fn.name)}(${args.join(", ")})`;
  return fn.kind === "p" ? `CALL ${name}` : `SELECT ${name}`;
}

function otherDatabaseOids(ctx: AttackContext): number[] {
  return ctx.surface.databases.filter((d) => d.name !== ctx.attacker.database).map((d) => d.oid);
}

function restrictedCalls(
  ctx: AttackContext,
  checkId: string,
  functions: RestrictedFunction[],
): fc.Arbitrary<Attempt> | undefined {
  const paths = readPathList(otherDatabaseOids(ctx));
  const callable = functions.flatMap((fn) => {
    const args = functionArguments(fn, paths, "{{victim.pid}}");
    return args ? [{ fn, args }] : [];
  });
  if (callable.length === 0) return undefined;
  return fc.constantFrom(...callable).chain(({ fn, args }) =>
    args.map((values) => {
      const sql = functionCall(fn, values);
      return statement(checkId, ctx.attacker.database, sql, {
        ...(sql.includes("{{victim.") && { victim: ctx.victim.id }),
      });
    })
  );
}

const COPY_SETUP = "CREATE TEMP TABLE bulkhead_probe_copy (line text)";

const serverFiles: Family = (ctx) => {
  const on = (sql: string, setup: string[] = []) =>
    statement("PG-030", ctx.attacker.database, sql, { setup });
  const ownTable = `${quoteIdent(ctx.attacker.schema)}.${quoteIdent(ctx.fixtures.table)}`;
  const copies = oneOf(
    readPaths(otherDatabaseOids(ctx)).map((p) =>
      on(`COPY bulkhead_probe_copy FROM ${quoteLiteral(p)}`, [COPY_SETUP])
    ),
    fc.constantFrom(...WRITE_PATHS).chain((p) =>
      fc.constantFrom(
        on(`COPY (SELECT 1) TO ${quoteLiteral(p)}`),
        on(`COPY ${ownTable} TO ${quoteLiteral(p)}`),
      )
    ),
  );
  const calls = restrictedCalls(
    ctx,
    "PG-030",
    ctx.surface.restrictedFunctions.filter((f) => isFileFunction(f.name)),
  );
  return calls ? oneOf(copies, calls) : copies;
};

const serverPrograms: Family = (ctx) =>
  fc.tuple(fc.constantFrom(...HARMLESS_PROGRAMS), fc.boolean()).map(([program, from]) =>
    from
      ? statement(
        "PG-031",
        ctx.attacker.database,
        `COPY bulkhead_probe_copy FROM PROGRAM ${quoteLiteral(program)}`,
        { setup: [COPY_SETUP] },
      )
      : statement(
        "PG-031",
        ctx.attacker.database,
        `COPY (SELECT 1) TO PROGRAM ${quoteLiteral(program)}`,
      )
  );

const signalVictimSession: Family = (ctx) => {
  const on = (sql: string) =>
    statement("PG-032", ctx.attacker.database, sql, { victim: ctx.victim.id });
  return fc.constantFrom(
    on("SELECT pg_terminate_backend({{victim.pid}})"),
    on("SELECT pg_terminate_backend({{victim.pid}}, 100)"),
    on("SELECT pg_cancel_backend({{victim.pid}})"),
    on(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = {{victim.pid}} AND usename = ${
        quoteLiteral(ctx.victim.role)
      }`,
    ),
  );
};

const extensionsAndLanguages: Family = (ctx) => {
  const { attacker } = ctx;
  const installedHere = attacker.mode === "schema"
    ? (ctx.surface.sharedDatabases.find((d) => d.name === attacker.database)?.extensions ?? [])
      .map((e) => e.name)
    : [];
  const installed = new Set([
    ...installedHere,
    ...ctx.surface.extensions.filter((e) => e.installed).map((e) => e.name),
  ]);
  const available = ctx.surface.extensions.filter((e) => !installed.has(e.name));
  const untrusted = ctx.surface.languages.filter((l) => !l.trusted).map((l) => l.name);
  const on = (sql: string) => statement("PG-033", attacker.database, sql);
  const own = quoteIdent(attacker.schema);
  const options: fc.Arbitrary<Attempt>[] = [
    freeName(ctx).map((x) => on(`CREATE LANGUAGE ${x} HANDLER plpgsql_call_handler`)),
    freeName(ctx).map((x) => on(`CREATE TRUSTED LANGUAGE ${x} HANDLER plpgsql_call_handler`)),
    fc.constant(on("CREATE OR REPLACE TRUSTED LANGUAGE plpgsql HANDLER plpgsql_call_handler")),
  ];
  if (available.length > 0) {
    options.push(
      fc.constantFrom(...available).chain((e) => {
        // The server checks a fixed schema and missing requirements before the privilege:
        // without CASCADE only when every requirement is installed, SCHEMA only where the
        // extension may move.
        const ready = e.requires.every((r) => installed.has(r));
        const forms = [
          " CASCADE",
          ...(ready ? [""] : []),
          ...(ready && e.relocatable ? [` SCHEMA ${own}`] : []),
        ];
        return fc.constantFrom(...forms).map((how) =>
          on(`CREATE EXTENSION ${quoteIdent(e.name)}${how}`)
        );
      }),
    );
  }
  if (installed.size > 0) {
    options.push(
      fc.constantFrom(...installed).chain((name) =>
        fc.constantFrom(
          on(`ALTER EXTENSION ${quoteIdent(name)} UPDATE`),
          on(`DROP EXTENSION ${quoteIdent(name)}`),
          on(`COMMENT ON EXTENSION ${quoteIdent(name)} IS 'bulkhead-probe'`),
          on(
            `ALTER EXTENSION ${quoteIdent(name)} ADD FUNCTION ${own}.${
              quoteIdent(ctx.fixtures.function)
            }()`,
          ),
        )
      ),
    );
  }
  if (untrusted.length > 0) {
    options.push(
      fc.tuple(fc.constantFrom(...untrusted), freeName(ctx)).map(([lang, x]) =>
        on(
          `CREATE FUNCTION ${own}.${x}() RETURNS int LANGUAGE ${
            quoteIdent(lang)
          } AS 'bulkhead_probe'`,
        )
      ),
    );
  }
  return oneOf(...options);
};

/** SQLSTATE with which dblink refuses a non-superuser's connection without a password. */
const PASSWORD_REQUIRED = "2F003";

/**
 * dblink and postgres_fdw, where the operator installed them in the attacker's (shared)
 * database: connections to the victim's database without a password (never with one:
 * an attempt holds no secret), and foreign servers pointing there.
 */
const otherDatabasesThroughExtensions: Family = (ctx) => {
  const installed =
    ctx.surface.sharedDatabases.find((d) =>
      ctx.attacker.mode === "schema" && d.name === ctx.attacker.database
    )?.extensions ?? [];
  const dblink = installed.find((e) => e.name === "dblink");
  const fdw = installed.find((e) => e.name === "postgres_fdw");
  const on = (sql: string) =>
    statement("PG-039", ctx.attacker.database, sql, {
      refusal: { kind: "error", states: [INSUFFICIENT_PRIVILEGE_STATE, PASSWORD_REQUIRED] },
    });
  const options: fc.Arbitrary<Attempt>[] = [];
  if (dblink) {
    const s = quoteIdent(dblink.schema);
    const targets = [ctx.victim.database, ...databasesAimedAt(ctx).map((d) => d.name)];
    options.push(
      fc.tuple(
        fc.constantFrom(...targets),
        fc.constantFrom("", ` user=${ctx.victim.role}`, ` user=${ctx.surface.adminRole}`),
      ).chain(([database, user]) =>
        literalSpellings(`dbname=${database}${user}`).chain((conn) =>
          fc.constantFrom(
            on(`SELECT * FROM ${s}.dblink(${conn}, 'SELECT 1') AS t(i int)`),
            on(`SELECT ${s}.dblink_connect(${conn})`),
            on(`SELECT ${s}.dblink_connect('bulkhead_probe', ${conn})`),
            on(`SELECT ${s}.dblink_exec(${conn}, 'SELECT 1')`),
            on(`SELECT ${s}.dblink_connect_u(${conn})`),
          )
        )
      ),
    );
  }
  if (fdw) {
    options.push(
      fc.tuple(freeName(ctx), literalSpellings(ctx.victim.database)).map(([x, database]) =>
        on(`CREATE SERVER ${x} FOREIGN DATA WRAPPER postgres_fdw OPTIONS (dbname ${database})`)
      ),
    );
  }
  return options.length > 0 ? oneOf(...options) : undefined;
};

const PARAMETER_NAME = /^[a-z][a-z0-9_.]*$/;

const serverSettings: Family = (ctx) => {
  const all = ctx.surface.parameters.filter((p) => PARAMETER_NAME.test(p.name));
  const superuserOnly = all.filter((p) => p.context === "superuser");
  const on = (sql: string, options: StatementOptions = {}) =>
    statement("PG-034", ctx.attacker.database, sql, options);
  const options: fc.Arbitrary<Attempt>[] = [];
  if (all.length > 0) {
    options.push(
      fc.constantFrom(...all).map((p) =>
        on(`ALTER SYSTEM SET ${p.name} = ${quoteLiteral(p.setting)}`, { transaction: false })
      ),
    );
  }
  if (superuserOnly.length > 0) {
    options.push(
      fc.constantFrom(...superuserOnly).chain((p) =>
        fc.constantFrom(
          on(`SET ${p.name} = ${quoteLiteral(p.setting)}`),
          on(`SET LOCAL ${p.name} = ${quoteLiteral(p.setting)}`),
          on(`SELECT set_config(${quoteLiteral(p.name)}, ${quoteLiteral(p.setting)}, true)`),
          on(`ALTER ROLE CURRENT_USER SET ${p.name} = ${quoteLiteral(p.setting)}`),
        )
      ),
    );
  }
  return options.length > 0 ? oneOf(...options) : undefined;
};

const adminFunctions: Family = (ctx) => {
  const calls = restrictedCalls(
    ctx,
    "PG-036",
    ctx.surface.restrictedFunctions.filter((f) => !isFileFunction(f.name)),
  );
  const checkpoint = fc.constant(statement("PG-036", ctx.attacker.database, "CHECKPOINT"));
  return calls ? oneOf(calls, checkpoint) : checkpoint;
};

// ---- what the catalogs reveal ---------------------------------------------------------

/** The check a closed catalog relation belongs to. */
export function closedRelationCheck(name: string): string {
  if (name.startsWith("pg_statistic")) return "PG-019";
  if (name === "pg_largeobject") return "PG-037";
  return "PG-035";
}

const closedCatalogs: Family = (ctx) => {
  const relations = ctx.surface.closedRelations.filter((r) =>
    closedRelationCheck(r.name) === "PG-035"
  );
  if (relations.length === 0) return undefined;
  return fc.constantFrom(...relations).chain((r) => qualified(ctx, r.schema, r.name)).map((q) =>
    statement(
      "PG-035",
      ctx.attacker.database,
      `SELECT count(*) FROM (SELECT * FROM ${q} LIMIT 1) s`,
    )
  );
};

const sizesOfOthers: Family = (ctx) => {
  // template0 refuses every connection and keeps PUBLIC's CONNECT, which is what
  // pg_database_size asks for: its size is no tenant's business, so it is left out.
  const others = databasesAimedAt(ctx);
  const on = (sql: string) => statement("PG-038", ctx.attacker.database, sql);
  const victimDatabase = others.filter((d) => d.name === ctx.victim.database);
  const pick = victimDatabase.length > 0
    ? fc.oneof(fc.constantFrom(...victimDatabase), fc.constantFrom(...others))
    : fc.constantFrom(...others);
  return oneOf(
    pick.chain((d) =>
      fc.oneof(
        literalSpellings(d.name).map((l) => on(`SELECT pg_database_size(${l})`)),
        fc.constant(on(`SELECT pg_database_size(${d.oid}::oid)`)),
      )
    ),
    fc.constantFrom(
      on("SELECT pg_tablespace_size('pg_global')"),
      on("SELECT pg_tablespace_size(1664::oid)"),
    ),
  );
};

/** Every attack family, in contract order. */
export const ATTACK_FAMILIES: readonly Family[] = [
  connectVictimDatabase,
  connectOtherDatabase,
  loginAsOtherRole,
  victimSchemaObjects,
  victimFunctions,
  sharedRowsRead,
  sharedRowsInsert,
  sharedRowsWrite,
  rowSecurityOff,
  truncateShared,
  triggerRuleForeignKey,
  alterSharedTable,
  plannerStatistics,
  victimLargeObjects,
  becomeOtherRole,
  escalateSelf,
  handoffToVictim,
  createInPublic,
  alterVictimRoleOrDatabase,
  createWhereOthersRun,
  clusterObjects,
  serverFiles,
  serverPrograms,
  signalVictimSession,
  extensionsAndLanguages,
  otherDatabasesThroughExtensions,
  serverSettings,
  adminFunctions,
  closedCatalogs,
  sizesOfOthers,
];

/** Attacks of `attacker` on `victim`: one family at random, then its arguments. */
export function attackArbitrary(ctx: AttackContext): fc.Arbitrary<Attempt> {
  const families = ATTACK_FAMILIES.map((family) => family(ctx)).filter((a) =>
    a !== undefined
  ) as fc.Arbitrary<Attempt>[];
  return fc.oneof(...families);
}

// ---- positive controls ----------------------------------------------------------------

export interface ControlContext {
  surface: ServerSurface;
  keywords: ReadonlySet<string>;
  tenant: ProbeTarget;
}

function workload(
  checkId: string,
  tenant: ProbeTarget,
  statements: string[],
  value: string,
  at = statements.length - 1,
): Attempt {
  return attemptOf(checkId, {
    kind: "workload",
    database: tenant.database,
    statements,
    check: { statement: at, value },
  }, "allowed");
}

/** Text to write and read back: any graphemes but NUL, which text cannot hold. */
const payloads = fc.string({ unit: "grapheme", minLength: 1, maxLength: 24 }).filter((s) =>
  !s.includes("\0")
);

export function controlArbitrary(ctx: ControlContext): fc.Arbitrary<Attempt> {
  const { tenant, keywords } = ctx;
  const spell = (name: string) => identifierSpellings(name, keywords);
  const own = spell(tenant.schema);
  const plpgsql = hasLanguage(ctx.surface, "plpgsql");
  const schemaObjects = fc.record({
    name: controlNames(),
    payload: payloads,
    schema: own,
    useProcedural: fc.boolean(),
  }).chain(({ name, payload, schema, useProcedural }) =>
    fc.record({
      a: spell(name),
      b: spell(name),
      view: spell(`${name}_v`),
      fn: spell(`${name}_f`),
      seq: spell(`${name}_s`),
      type: spell(`${name}_ty`),
      seqLiteral: lookupLiteralSpellings(tenant.schema, `${name}_s`, keywords),
    }).map((n) => {
      const body = `SELECT body FROM ${schema}.${n.b} ORDER BY id LIMIT 1`;
      const fn = useProcedural && plpgsql
        ? `CREATE FUNCTION ${schema}.${n.fn}() RETURNS text LANGUAGE plpgsql AS $bh$BEGIN RETURN (${body}); END$bh$`
        : `CREATE FUNCTION ${schema}.${n.fn}() RETURNS text LANGUAGE sql AS $bh$${body}$bh$`;
      return workload(
        "PG-C01",
        tenant,
        [
          `CREATE TABLE ${schema}.${n.a} (id int GENERATED ALWAYS AS IDENTITY PRIMARY KEY, body text)`,
          `INSERT INTO ${schema}.${n.b} (body) VALUES (${quoteLiteral(payload)})`,
          `CREATE INDEX ON ${schema}.${n.a} (body)`,
          `UPDATE ${schema}.${n.b} SET body = body`,
          `ALTER TABLE ${schema}.${n.a} ADD COLUMN extra int`,
          `CREATE VIEW ${schema}.${n.view} AS SELECT body FROM ${schema}.${n.a}`,
          `CREATE SEQUENCE ${schema}.${n.seq}`,
          `SELECT nextval(${n.seqLiteral})`,
          `CREATE TYPE ${schema}.${n.type} AS (v text)`,
          fn,
          `SELECT ${schema}.${n.fn}() AS value`,
          `DELETE FROM ${schema}.${n.b} WHERE body IS NULL`,
          `DROP VIEW ${schema}.${n.view}`,
        ],
        payload,
        10,
      );
    })
  );
  const session = fc.record({
    name: controlNames(),
    payload: payloads,
    lock: fc.integer({ min: 1, max: 2 ** 30 }),
  }).chain(({ name, payload, lock }) =>
    fc.tuple(spell(name), spell(name), own).map(([a, b, schema]) =>
      workload("PG-C02", tenant, [
        `CREATE TEMP TABLE ${a} (v text)`,
        `INSERT INTO ${b} VALUES (${quoteLiteral(payload)})`,
        `SET LOCAL search_path = ${schema}, pg_temp`,
        "SET LOCAL work_mem = '8MB'",
        "SET LOCAL statement_timeout = '5s'",
        `SET LOCAL application_name = ${quoteLiteral("bulkhead-probe-control")}`,
        `LISTEN ${a}`,
        `NOTIFY ${b}, ${quoteLiteral(payload)}`,
        `SELECT pg_advisory_xact_lock(${lock})`,
        `SELECT v AS value FROM pg_temp.${b}`,
      ], payload)
    )
  );
  const largeObjects = payloads.map((payload) =>
    workload("PG-C03", tenant, [
      `CREATE TEMP TABLE bulkhead_probe_lo AS SELECT lo_from_bytea(0, convert_to(${
        quoteLiteral(payload)
      }, 'UTF8')) AS oid`,
      `SELECT lo_put(oid, octet_length(convert_to(${
        quoteLiteral(payload)
      }, 'UTF8')), '\\x21') FROM bulkhead_probe_lo`,
      "WITH r AS MATERIALIZED (SELECT oid, convert_from(lo_get(oid), 'UTF8') AS value FROM bulkhead_probe_lo) SELECT value, lo_unlink(oid) FROM r",
    ], `${payload}!`)
  );
  const options = [schemaObjects, session, largeObjects];
  const tables = tenant.mode === "schema"
    ? (ctx.surface.sharedDatabases.find((d) => d.name === tenant.database)?.tables ?? [])
      .filter((t) => t.insertable)
    : [];
  if (tables.length > 0) {
    options.push(
      fc.constantFrom(...tables).chain((t) => qualifiedSpellings("shared", t.name, keywords)).map((
        t,
      ) =>
        workload(
          "PG-C04",
          tenant,
          [
            `INSERT INTO ${t} (tenant) VALUES (current_user) RETURNING tenant`,
            `UPDATE ${t} SET tenant = tenant WHERE tenant = current_user`,
            `SELECT (count(*) FILTER (WHERE tenant = current_user) > 0)::text AS value FROM ${t}`,
            `DELETE FROM ${t} WHERE tenant = current_user`,
          ],
          "true",
          2,
        )
      ),
    );
  }
  return fc.oneof(...options);
}

// ---- fixed sweeps ---------------------------------------------------------------------

const SWEEP_CHECKS: Record<SweepKind, string> = {
  "tenant-databases": "PG-001",
  "other-databases": "PG-002",
  "roles": "PG-020",
  "closed-catalogs": "PG-035",
  "statistics": "PG-019",
  "large-object-contents": "PG-037",
  "file-functions": "PG-030",
  "admin-functions": "PG-036",
  "shared-rows": "PG-012",
};

/**
 * Per tenant, the sweeps over whole enumerations, each read again from the tenant's own
 * session when it runs; and for schema tenants whose shared database has other
 * participants, a read of every shared table for rows that are not its own.
 */
export function fixedAttempts(
  tenants: readonly ProbeTarget[],
  surface: ServerSurface,
): { as: string; attempt: Attempt }[] {
  const out: { as: string; attempt: Attempt }[] = [];
  for (const t of tenants) {
    // With only schema tenants in one shared database there is no other tenant database
    // to try: the sweep would find nothing, which is no evidence either way.
    const otherTenantDatabases = surface.databases.some((d) =>
      d.allowConnections && d.name !== t.database && isTenantOrSharedDatabase(d.name)
    );
    for (const sweep of Object.keys(SWEEP_CHECKS) as SweepKind[]) {
      if (sweep === "shared-rows") continue;
      if (sweep === "tenant-databases" && !otherTenantDatabases) continue;
      out.push({ as: t.id, attempt: attemptOf(SWEEP_CHECKS[sweep], { kind: "sweep", sweep }) });
    }
    const tables = surface.sharedDatabases.find((d) => d.name === t.database)?.tables ?? [];
    const witnesses = tenants.filter((o) => o.id !== t.id && o.database === t.database)
      .map((o) => o.id);
    if (t.mode === "schema" && tables.some((x) => x.insertable) && witnesses.length > 0) {
      out.push({
        as: t.id,
        attempt: attemptOf("PG-012", { kind: "sweep", sweep: "shared-rows", witnesses }),
      });
    }
  }
  return out;
}

export function sweepCheck(sweep: SweepKind): string {
  return SWEEP_CHECKS[sweep];
}
