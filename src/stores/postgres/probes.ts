/**
 * The PostgreSQL conformance probe: attacks, controls and sweeps (probe_attacks.ts) run
 * with each tenant's real credential, every one on a session of its own, and classified
 * by the server's answer (probe_outcome.ts).
 *
 * Attacks run inside a transaction that is always rolled back, so that a leak found on a
 * broken server changes nothing; the few statements the server refuses to run in a
 * transaction (CREATE DATABASE, CREATE TABLESPACE, ALTER SYSTEM) carry their own undo.
 * Nothing destructive that cannot be rolled back is ever attempted.
 *
 * Fixtures: the first time a tenant takes part, the probe creates, as that tenant and in
 * its own schema, a table with a row, a view, a sequence, a function, a procedure, a
 * type and a large object, all named `bulkhead_probe_<run>_…`, plus one row of its own in
 * every shared table it can insert into; attacks aim at them (an attack must name
 * something that exists). A live session of each victim is kept for the signal attacks.
 * close() removes all of it, as each tenant.
 */
import postgres from "postgres";
import type fc from "fast-check";
import type { PostgresEndpoint } from "../../config.ts";
import type { Attempt, Outcome, ProbeTenant, StoreProbe } from "../../conformance/model.ts";
import { encodeHex } from "../../encoding.ts";
import {
  argumentChoices,
  attackArbitrary,
  closedRelationCheck,
  controlArbitrary,
  fixedAttempts,
  type FixtureNames,
  fixtureNames,
  functionCall,
  isFileFunction,
  isTenantOrSharedDatabase,
  type ProbeTarget,
  probeTarget,
  sweepCheck,
} from "./probe_attacks.ts";
import {
  connectFailureOutcome,
  describeFailure,
  type Failure,
  failureOf,
  INSUFFICIENT_PRIVILEGE,
  type Notice,
  ROW_SECURITY,
  scrubOutcome,
  statementFailureOutcome,
  statementSuccessOutcome,
  type SweepItem,
  sweepOutcome,
} from "./probe_outcome.ts";
import {
  type ConnectRequest,
  type HandoffRequest,
  placeholdersOf,
  type PostgresRequest,
  resolvePlaceholders,
  type StatementRequest,
  type SweepRequest,
  type WorkloadRequest,
} from "./probe_request.ts";
import {
  enumerateSurface,
  readClosedRelations,
  readRestrictedFunctions,
  readSharedTables,
  type ServerSurface,
} from "./probe_surface.ts";
import { quoteIdent, quoteLiteral } from "./sql_text.ts";
import { WRITE_PATHS } from "./probe_names.ts";

/** Bounds on every probe session: a hung attempt is an error, never a pass. */
const SESSION_SETTINGS = {
  application_name: "bulkhead-probe",
  statement_timeout: 15000,
  lock_timeout: 5000,
  idle_in_transaction_session_timeout: 30000,
};
const ATTEMPT_DEADLINE_MS = 90_000;
/** Connections a database sweep opens at once. */
const SWEEP_CONCURRENCY = 4;
const UNDEFINED_DATABASE = "3D000";
const UNDEFINED_OBJECT = "42704";

interface Session {
  sql: postgres.Sql;
  notices: Notice[];
}

interface TenantFixtures {
  lo: string;
  oid: string;
  sharedRows: { table: string; ctid: string }[];
}

function sessionUrl(endpoint: PostgresEndpoint): string {
  // The admin's credential stays out of every probe session: role and password are options.
  const url = new URL(endpoint.url);
  url.username = "";
  url.password = "";
  return url.toString();
}

function openSession(
  endpoint: PostgresEndpoint,
  role: string,
  password: string,
  database: string,
): Session {
  const notices: Notice[] = [];
  const sql = postgres(sessionUrl(endpoint), {
    user: role,
    // A function, so that an empty guess is sent as empty (not replaced by PGPASSWORD).
    pass: () => password,
    database,
    max: 1,
    connect_timeout: 10,
    idle_timeout: 0,
    fetch_types: false,
    prepare: false,
    onnotice: (n) => notices.push({ code: n.code, message: n.message }),
    connection: SESSION_SETTINGS,
  });
  return { sql, notices };
}

async function endSession(session: Session | undefined): Promise<void> {
  await session?.sql.end({ timeout: 1 }).catch(() => {});
}

async function connected(session: Session): Promise<Failure | undefined> {
  try {
    await session.sql.unsafe("select 1");
    return undefined;
  } catch (error) {
    return failureOf(error);
  }
}

async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  work: (item: T) => Promise<R>,
): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]);
    }
  }));
  return out;
}

function randomTag(): string {
  return encodeHex(crypto.getRandomValues(new Uint8Array(4)));
}

export class PostgresProbe implements StoreProbe {
  readonly area = "postgres" as const;
  readonly fixtureNames: FixtureNames;
  private readonly keywords: ReadonlySet<string>;
  private readonly participants = new Map<string, ProbeTenant>();
  private readonly fixtures = new Map<string, Promise<TenantFixtures>>();
  private readonly liveSessions = new Map<string, Session>();

  constructor(
    private readonly endpoint: PostgresEndpoint,
    readonly surface: ServerSurface,
    tag = randomTag(),
  ) {
    this.fixtureNames = fixtureNames(tag);
    this.keywords = new Set(surface.keywords);
  }

  private know(tenant: ProbeTenant): ProbeTarget {
    this.participants.set(tenant.id, tenant);
    return probeTarget(tenant);
  }

  private participant(id: string): ProbeTenant {
    const tenant = this.participants.get(id);
    if (!tenant) throw new Error(`tenant ${id} has not taken part in this run`);
    return tenant;
  }

  attacks(attacker: ProbeTenant, victim: ProbeTenant): fc.Arbitrary<Attempt> {
    return attackArbitrary({
      surface: this.surface,
      keywords: this.keywords,
      fixtures: this.fixtureNames,
      attacker: this.know(attacker),
      victim: this.know(victim),
    });
  }

  controls(tenant: ProbeTenant): fc.Arbitrary<Attempt> {
    return controlArbitrary({
      surface: this.surface,
      keywords: this.keywords,
      tenant: this.know(tenant),
    });
  }

  fixed(tenants: readonly ProbeTenant[]): { as: string; attempt: Attempt }[] {
    return fixedAttempts(tenants.map((t) => this.know(t)), this.surface);
  }

  private secrets(): string[] {
    const admin = decodeURIComponent(new URL(this.endpoint.url).password);
    return [admin, ...[...this.participants.values()].map((t) => t.secret.password ?? "")];
  }

  async run(attempt: Attempt, as: ProbeTenant): Promise<Outcome> {
    this.know(as);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<Outcome>((resolve) => {
      timer = setTimeout(
        () =>
          resolve({
            kind: "error",
            message: `no answer within ${ATTEMPT_DEADLINE_MS / 1000} s`,
          }),
        ATTEMPT_DEADLINE_MS,
      );
    });
    try {
      const outcome = await Promise.race([
        this.execute(attempt.request as PostgresRequest, as),
        deadline,
      ]);
      return scrubOutcome(outcome, this.secrets());
    } catch (error) {
      return scrubOutcome({ kind: "error", message: failureOf(error).message }, this.secrets());
    } finally {
      clearTimeout(timer);
    }
  }

  private execute(request: PostgresRequest, as: ProbeTenant): Promise<Outcome> {
    switch (request.kind) {
      case "connect":
        return this.connect(request, as);
      case "statement":
        return this.statement(request, as);
      case "handoff":
        return this.handoff(request, as);
      case "workload":
        return this.workload(request, as);
      case "sweep":
        return this.sweep(request, as);
    }
  }

  private session(tenant: ProbeTenant, database: string): Session {
    return openSession(this.endpoint, tenant.secret.role, tenant.secret.password, database);
  }

  // ---- fixtures -----------------------------------------------------------------------

  private fixturesOf(tenant: ProbeTenant): Promise<TenantFixtures> {
    let made = this.fixtures.get(tenant.id);
    if (!made) {
      made = this.makeFixtures(tenant);
      this.fixtures.set(tenant.id, made);
    }
    return made;
  }

  private async makeFixtures(tenant: ProbeTenant): Promise<TenantFixtures> {
    const t = probeTarget(tenant);
    const f = this.fixtureNames;
    const s = quoteIdent(t.schema);
    const session = this.session(tenant, t.database);
    try {
      const failure = await connected(session);
      if (failure) {
        throw new Error(`could not connect to its own database: ${describeFailure(failure)}`);
      }
      const statements = [
        `CREATE TABLE ${s}.${
          quoteIdent(f.table)
        } (id int, tenant text DEFAULT current_user, body text)`,
        `INSERT INTO ${s}.${quoteIdent(f.table)} (id, body) VALUES (1, 'bulkhead-probe fixture')`,
        `CREATE VIEW ${s}.${quoteIdent(f.view)} AS SELECT id, body FROM ${s}.${
          quoteIdent(f.table)
        }`,
        `CREATE SEQUENCE ${s}.${quoteIdent(f.sequence)}`,
        `CREATE FUNCTION ${s}.${quoteIdent(f.function)}() RETURNS int LANGUAGE sql AS 'SELECT 1'`,
        `CREATE PROCEDURE ${s}.${quoteIdent(f.procedure)}() LANGUAGE sql AS 'SELECT 1'`,
        `CREATE TYPE ${s}.${quoteIdent(f.type)} AS (v int)`,
      ];
      for (const statement of statements) await session.sql.unsafe(statement);
      const [ids] = await session.sql.unsafe(
        `SELECT lo_from_bytea(0, 'bulkhead-probe fixture')::int8::text AS lo,
                ${quoteLiteral(`${s}.${quoteIdent(f.table)}`)}::regclass::oid::int8::text AS oid`,
      );
      const sharedRows: TenantFixtures["sharedRows"] = [];
      if (t.mode === "schema") {
        for (const table of (await readSharedTables(session.sql)).filter((x) => x.insertable)) {
          const qualified = `shared.${quoteIdent(table.name)}`;
          const [row] = await session.sql.unsafe(
            `INSERT INTO ${qualified} (tenant) VALUES (current_user) RETURNING ctid::text AS ctid`,
          );
          sharedRows.push({ table: qualified, ctid: String(row.ctid) });
        }
      }
      return { lo: String(ids.lo), oid: String(ids.oid), sharedRows };
    } catch (error) {
      throw new Error(
        `fixtures of tenant ${tenant.id} could not be made: ${describeFailure(failureOf(error))}`,
      );
    } finally {
      await endSession(session);
    }
  }

  private async removeFixtures(tenant: ProbeTenant, fixtures: TenantFixtures): Promise<void> {
    const t = probeTarget(tenant);
    const f = this.fixtureNames;
    const s = quoteIdent(t.schema);
    const session = this.session(tenant, t.database);
    try {
      const statements = [
        ...fixtures.sharedRows.map((r) =>
          `DELETE FROM ${r.table} WHERE ctid = '${r.ctid}' AND tenant = current_user`
        ),
        `SELECT lo_unlink(${fixtures.lo}) WHERE EXISTS (SELECT 1 FROM pg_largeobject_metadata WHERE oid = ${fixtures.lo})`,
        `DROP VIEW IF EXISTS ${s}.${quoteIdent(f.view)}`,
        `DROP TABLE IF EXISTS ${s}.${quoteIdent(f.table)}`,
        `DROP SEQUENCE IF EXISTS ${s}.${quoteIdent(f.sequence)}`,
        `DROP FUNCTION IF EXISTS ${s}.${quoteIdent(f.function)}()`,
        `DROP PROCEDURE IF EXISTS ${s}.${quoteIdent(f.procedure)}()`,
        `DROP TYPE IF EXISTS ${s}.${quoteIdent(f.type)}`,
      ];
      for (const statement of statements) await session.sql.unsafe(statement).catch(() => {});
    } finally {
      await endSession(session);
    }
  }

  /**
   * A session of the tenant kept open for the whole run, in its own database: the target
   * of the signal attacks, and the witness of its rows (the driver reconnects it if an
   * attack ended it).
   */
  private liveSession(tenant: ProbeTenant): Session {
    let session = this.liveSessions.get(tenant.id);
    if (!session) {
      session = this.session(tenant, probeTarget(tenant).database);
      this.liveSessions.set(tenant.id, session);
    }
    return session;
  }

  private async livePid(tenant: ProbeTenant): Promise<string> {
    const [row] = await this.liveSession(tenant).sql.unsafe("select pg_backend_pid() as pid");
    return String(row.pid);
  }

  /** Rows of the tenant in `table`, as its own session counts them. */
  private async ownRows(tenant: ProbeTenant, table: string): Promise<number> {
    const [row] = await this.liveSession(tenant).sql.unsafe(
      `select count(*)::int as n from ${table} where tenant = current_user`,
    );
    return Number(row.n);
  }

  private async placeholderValues(
    as: ProbeTenant,
    victimId: string | undefined,
    sql: string,
  ): Promise<Record<string, string>> {
    const own = await this.fixturesOf(as);
    const values: Record<string, string> = {
      "own.lo": own.lo,
      "own.oid": own.oid,
      "own.pid": "pg_backend_pid()",
    };
    if (victimId) {
      const victim = this.participant(victimId);
      const theirs = await this.fixturesOf(victim);
      values["victim.lo"] = theirs.lo;
      values["victim.oid"] = theirs.oid;
      if (placeholdersOf(sql).includes("victim.pid")) {
        values["victim.pid"] = await this.livePid(victim);
      }
    }
    return values;
  }

  // ---- attempts -----------------------------------------------------------------------

  private async connect(request: ConnectRequest, as: ProbeTenant): Promise<Outcome> {
    const own = probeTarget(as);
    const login = request.login;
    const role = login?.role ?? as.secret.role;
    const password = login
      ? (login.password.kind === "own" ? as.secret.password : login.password.text)
      : as.secret.password;
    const target = login ? "login" : request.database === own.database ? "own" : "other";
    const session = openSession(this.endpoint, role, password, request.database);
    try {
      const failure = await connected(session);
      if (failure) return connectFailureOutcome(failure, target, request.database);
      return {
        kind: "allowed",
        detail: login ? `logged in as ${role}` : `connected to ${request.database}`,
      };
    } finally {
      await endSession(session);
    }
  }

  private async statement(request: StatementRequest, as: ProbeTenant): Promise<Outcome> {
    const own = probeTarget(as);
    const everything = [...request.setup, request.statement].join("\n");
    const values = await this.placeholderValues(as, request.victim, everything);
    let witness: number | undefined;
    if (request.refusal.kind === "filtered" && request.victim) {
      witness = await this.ownRows(this.participant(request.victim), request.refusal.table);
    }
    const session = this.session(as, request.database);
    try {
      const failure = await connected(session);
      if (failure) {
        return connectFailureOutcome(
          failure,
          request.database === own.database ? "own" : "other",
          request.database,
        );
      }
      if (request.transaction) await session.sql.unsafe("begin");
      for (const step of request.setup) {
        try {
          await session.sql.unsafe(resolvePlaceholders(step, values));
        } catch (error) {
          return {
            kind: "error",
            message: `setup failed: ${step}: ${describeFailure(failureOf(error))}`,
          };
        }
      }
      session.notices.length = 0;
      let outcome: Outcome;
      try {
        const result = await session.sql.unsafe(resolvePlaceholders(request.statement, values));
        outcome = statementSuccessOutcome(
          { command: result.command, count: result.count, rows: [...result] },
          session.notices,
          request.refusal,
          witness,
        );
      } catch (error) {
        outcome = statementFailureOutcome(
          failureOf(error),
          request.refusal.kind === "error" ? request.refusal.states : undefined,
        );
      }
      if (request.transaction) {
        await session.sql.unsafe("rollback").catch(() => {});
      } else if (outcome.kind === "allowed") {
        for (const undo of request.undo ?? []) await session.sql.unsafe(undo).catch(() => {});
      }
      return outcome;
    } finally {
      await endSession(session);
    }
  }

  private async handoff(request: HandoffRequest, as: ProbeTenant): Promise<Outcome> {
    await this.fixturesOf(as);
    const victim = this.participant(request.victim);
    const victimTarget = probeTarget(victim);
    const session = this.session(as, request.database);
    try {
      const failure = await connected(session);
      if (failure) return connectFailureOutcome(failure, "own", request.database);
      session.notices.length = 0;
      let granted: string;
      try {
        await session.sql.unsafe(request.grant);
        const warning = session.notices.find((n) => n.code?.startsWith("01"));
        granted = warning ? `${warning.message} (${warning.code})` : "granted";
      } catch (error) {
        return statementFailureOutcome(failureOf(error));
      }
      const theirs = this.session(victim, request.database);
      try {
        const refused = await connected(theirs);
        let outcome: Outcome;
        if (refused) {
          outcome = connectFailureOutcome(
            refused,
            request.database === victimTarget.database ? "own" : "other",
            request.database,
          );
        } else {
          try {
            const result = await theirs.sql.unsafe(request.victimStatement);
            return {
              kind: "allowed",
              detail: `the grant answered: ${granted}; then ${victim.id} ran ${
                result.command ?? "it"
              }`,
            };
          } catch (error) {
            outcome = statementFailureOutcome(failureOf(error));
          }
        }
        return outcome.kind === "denied"
          ? {
            ...outcome,
            message: `the grant answered: ${granted}; ${victim.id}: ${outcome.message}`,
          }
          : outcome;
      } finally {
        await endSession(theirs);
      }
    } finally {
      for (const undo of request.undo) await session.sql.unsafe(undo).catch(() => {});
      await endSession(session);
    }
  }

  private async workload(request: WorkloadRequest, as: ProbeTenant): Promise<Outcome> {
    const session = this.session(as, request.database);
    try {
      const failure = await connected(session);
      if (failure) {
        return failure.code === INSUFFICIENT_PRIVILEGE
          ? { kind: "denied", code: failure.code, message: failure.message }
          : connectFailureOutcome(failure, "own", request.database);
      }
      await session.sql.unsafe("begin");
      try {
        for (const [i, statement] of request.statements.entries()) {
          let result;
          try {
            result = await session.sql.unsafe(statement);
          } catch (error) {
            const outcome = statementFailureOutcome(failureOf(error));
            return outcome.kind === "allowed"
              ? outcome
              : { ...outcome, message: `statement ${i + 1}: ${outcome.message}` };
          }
          if (i === request.check.statement) {
            const first = result[0] ? Object.values(result[0])[0] : undefined;
            if (String(first) !== request.check.value) {
              return {
                kind: "error",
                message: `statement ${i + 1} read back another value than was written`,
              };
            }
          }
        }
      } finally {
        await session.sql.unsafe("rollback").catch(() => {});
      }
      return { kind: "allowed", detail: `${request.statements.length} statements` };
    } finally {
      await endSession(session);
    }
  }

  // ---- sweeps -------------------------------------------------------------------------

  private async sweep(request: SweepRequest, as: ProbeTenant): Promise<Outcome> {
    const own = probeTarget(as);
    const session = this.session(as, own.database);
    try {
      const failure = await connected(session);
      if (failure) return connectFailureOutcome(failure, "own", own.database);
      const what = `${request.sweep} as ${own.role}`;
      switch (request.sweep) {
        case "tenant-databases":
        case "other-databases":
          return sweepOutcome(what, await this.sweepDatabases(request, as, session));
        case "roles":
          return sweepOutcome(what, await sweepRoles(session));
        case "closed-catalogs":
        case "statistics":
        case "large-object-contents":
          return sweepOutcome(what, await sweepCatalogs(request, session));
        case "file-functions":
        case "admin-functions":
          return sweepOutcome(
            what,
            await sweepFunctions(request, session, await this.fixturesOf(as)),
          );
        case "shared-rows":
          return await this.sweepSharedRows(request, session, what);
      }
    } finally {
      await endSession(session);
    }
  }

  private async sweepDatabases(
    request: SweepRequest,
    as: ProbeTenant,
    session: Session,
  ): Promise<SweepItem[]> {
    const rows = await session.sql.unsafe(
      "select datname::text as name from pg_database where datallowconn and datname <> current_database() order by 1",
    );
    const tenants = request.sweep === "tenant-databases";
    const names = rows.map((r) => String(r.name)).filter((n) =>
      isTenantOrSharedDatabase(n) === tenants
    );
    const items = await mapLimit(names, SWEEP_CONCURRENCY, async (name) => {
      const attempt = this.session(as, name);
      try {
        const refused = await connected(attempt);
        if (refused?.code === UNDEFINED_DATABASE) return undefined; // dropped meanwhile
        return {
          item: name,
          outcome: refused
            ? connectFailureOutcome(refused, "other", name)
            : { kind: "allowed" as const, detail: `connected to ${name}` },
        };
      } finally {
        await endSession(attempt);
      }
    });
    return items.filter((i): i is SweepItem => i !== undefined);
  }

  private async sweepSharedRows(
    request: SweepRequest,
    session: Session,
    what: string,
  ): Promise<Outcome> {
    const witnesses = (request.witnesses ?? []).map((id) => this.participant(id));
    const rows = new Map<string, number>();
    for (const witness of witnesses) {
      for (const row of (await this.fixturesOf(witness)).sharedRows) {
        rows.set(row.table, (rows.get(row.table) ?? 0) + 1);
      }
    }
    const items: SweepItem[] = [];
    for (const table of (await readSharedTables(session.sql)).filter((t) => t.insertable)) {
      const qualified = `shared.${quoteIdent(table.name)}`;
      const hidden = rows.get(qualified) ?? 0;
      let outcome: Outcome;
      try {
        const [row] = await session.sql.unsafe(
          `select count(*)::int as n from ${qualified} where tenant <> current_user`,
        );
        const seen = Number(row.n);
        outcome = seen > 0
          ? { kind: "allowed", detail: `${seen} row(s) of other tenants in ${qualified}` }
          : hidden > 0
          ? {
            kind: "denied",
            code: ROW_SECURITY,
            message:
              `row security hid the ${hidden} row(s) of ${witnesses.length} other tenant(s) in ${qualified}`,
          }
          : { kind: "error", message: `no row of another tenant in ${qualified} to witness` };
      } catch (error) {
        outcome = statementFailureOutcome(failureOf(error));
      }
      items.push({ item: qualified, outcome });
    }
    return sweepOutcome(what, items);
  }

  async close(): Promise<void> {
    const made = [...this.fixtures.entries()];
    this.fixtures.clear();
    await Promise.all([...this.liveSessions.values()].map(endSession));
    this.liveSessions.clear();
    for (const [id, fixtures] of made) {
      const ready = await fixtures.catch(() => undefined);
      const tenant = this.participants.get(id);
      if (ready && tenant) await this.removeFixtures(tenant, ready);
    }
  }
}

async function sweepRoles(session: Session): Promise<SweepItem[]> {
  const rows = await session.sql.unsafe(
    "select rolname::text as name from pg_roles where rolname <> current_user order by 1",
  );
  const items: SweepItem[] = [];
  for (const name of rows.map((r) => String(r.name))) {
    for (
      const [set, reset] of [["SET ROLE", "RESET ROLE"], [
        "SET SESSION AUTHORIZATION",
        "RESET SESSION AUTHORIZATION",
      ]]
    ) {
      try {
        await session.sql.unsafe(`${set} ${quoteIdent(name)}`);
        await session.sql.unsafe(reset).catch(() => {});
        items.push({ item: `${set} ${name}`, outcome: { kind: "allowed", detail: set } });
      } catch (error) {
        const failure = failureOf(error);
        if (failure.code === UNDEFINED_OBJECT) continue; // dropped meanwhile
        items.push({ item: `${set} ${name}`, outcome: statementFailureOutcome(failure) });
      }
    }
  }
  return items;
}

async function sweepCatalogs(request: SweepRequest, session: Session): Promise<SweepItem[]> {
  const check = sweepCheck(request.sweep);
  const relations = (await readClosedRelations(session.sql)).filter((r) =>
    closedRelationCheck(r.name) === check
  );
  const items: SweepItem[] = [];
  for (const r of relations) {
    const name = `${quoteIdent(r.schema)}.${quoteIdent(r.name)}`;
    let outcome: Outcome;
    try {
      const [row] = await session.sql.unsafe(
        `select count(*)::int as n from (select * from ${name} limit 1) s`,
      );
      outcome = { kind: "allowed", detail: `${name} readable (${row.n} row(s) sampled)` };
    } catch (error) {
      outcome = statementFailureOutcome(failureOf(error));
    }
    items.push({ item: name, outcome });
  }
  return items;
}

async function sweepFunctions(
  request: SweepRequest,
  session: Session,
  own: TenantFixtures,
): Promise<SweepItem[]> {
  const files = request.sweep === "file-functions";
  const functions = (await readRestrictedFunctions(session.sql, false)).filter((f) =>
    isFileFunction(f.name) === files
  );
  const calls: { item: string; sql: string; setup?: string }[] = [];
  for (const fn of functions) {
    const choices = argumentChoices(fn, ["/etc/hostname"], "pg_backend_pid()");
    if (!choices) continue;
    calls.push({
      item: `${fn.schema}.${fn.name}(${fn.argTypes.join(", ")})`,
      sql: resolvePlaceholders(functionCall(fn, choices.map((c) => c[0])), {
        "own.lo": own.lo,
        "own.oid": own.oid,
      }),
    });
  }
  if (files) {
    calls.push(
      {
        item: "COPY FROM '/etc/hostname'",
        setup: "CREATE TEMP TABLE bulkhead_probe_copy (line text)",
        sql: "COPY bulkhead_probe_copy FROM '/etc/hostname'",
      },
      { item: `COPY TO '${WRITE_PATHS[0]}'`, sql: `COPY (SELECT 1) TO '${WRITE_PATHS[0]}'` },
    );
  }
  const items: SweepItem[] = [];
  for (const call of calls) {
    let outcome: Outcome;
    await session.sql.unsafe("begin");
    try {
      if (call.setup) await session.sql.unsafe(call.setup);
      const result = await session.sql.unsafe(call.sql);
      outcome = { kind: "allowed", detail: `${result.command ?? "call"} succeeded` };
    } catch (error) {
      outcome = statementFailureOutcome(failureOf(error));
    } finally {
      await session.sql.unsafe("rollback").catch(() => {});
    }
    items.push({ item: call.item, outcome });
  }
  return items;
}

/** Opens the probe: enumerates the server's surface with the admin URL. */
export async function openPostgresProbe(endpoint: PostgresEndpoint): Promise<PostgresProbe> {
  return new PostgresProbe(endpoint, await enumerateSurface(endpoint.url));
}
