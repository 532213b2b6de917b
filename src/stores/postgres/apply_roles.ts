/** Carrying out changes to tenant roles and to the database privileges they hold. */
import type { ApplyContext, Change, StoreSecret } from "../store.ts";
import type { AclRow } from "./acl.ts";
import { aclDelta, formatAcl, setPrivilegesSql } from "./acl.ts";
import { aclJson } from "./catalog.ts";
import type { PostgresConnections } from "./connections.ts";
import { serverError, sqlState } from "./errors.ts";
import { ROLE_FLAG_KEYWORDS, type RoleFlags } from "./resources.ts";
import { isScramSafePassword, scramVerifier } from "./scram.ts";
import { quoteIdent, quoteLiteral } from "./sql_text.ts";
import { query, runStatements, type Session } from "./statements.ts";
import { postgresSchema } from "../../tenant/names.ts";

export interface ApplyEnv {
  connections: PostgresConnections;
  adminRole: string;
  superuser: boolean;
  /** e.g. 150018 for 15.18 */
  versionNum: number;
}

/** Attributes only a superuser may name in ALTER ROLE (PostgreSQL 15), even to turn them off. */
const SUPERUSER_ONLY = new Set(["superuser", "replication", "bypassrls"]);

function flagClause(key: keyof RoleFlags, value: unknown): string {
  if (key === "connection_limit") return `CONNECTION LIMIT ${Number(value)}`;
  return `${value ? "" : "NO"}${ROLE_FLAG_KEYWORDS[key]}`;
}

/** The recorded secret as a SCRAM verifier, after checking it is this role's. */
async function verifierFor(secret: StoreSecret, role: string, tenantId: string): Promise<string> {
  if (secret.role !== role) {
    throw new Error(
      `tenant ${tenantId}: the recorded PostgreSQL credential is for role ${secret.role}, not ${role}`,
    );
  }
  if (!secret.password || !isScramSafePassword(secret.password)) {
    throw new Error(
      `tenant ${tenantId}: the recorded PostgreSQL password is empty or not printable ASCII`,
    );
  }
  return await scramVerifier(secret.password);
}

async function alterRole(
  env: ApplyEnv,
  role: string,
  clauses: string[],
  secrets: string[],
): Promise<void> {
  if (clauses.length === 0) return;
  try {
    await env.connections.admin.unsafe(`ALTER ROLE ${quoteIdent(role)} WITH ${clauses.join(" ")}`);
  } catch (error) {
    throw serverError(`alter role ${role}`, error, secrets);
  }
}

async function roleExists(session: Session, role: string): Promise<boolean> {
  const rows = await query(
    session,
    "select 1 from pg_roles where rolname = $1::text",
    [role],
    `look up role ${role}`,
  );
  return rows.length > 0;
}

/** Ends the role's sessions; from PostgreSQL 14 on, waits (up to 5 s) until they are gone. */
async function terminateSessions(env: ApplyEnv, role: string): Promise<void> {
  const wait = env.versionNum >= 140000 ? ", 5000" : "";
  await query(
    env.connections.admin,
    `select pg_terminate_backend(pid${wait}) from pg_stat_activity
      where usename = $1::text and pid <> pg_backend_pid()`,
    [role],
    `terminate sessions of ${role}`,
  );
}

async function createRole(env: ApplyEnv, change: Change, context: ApplyContext): Promise<void> {
  const role = change.name;
  const tenantId = change.tenant!;
  const after = change.after!;
  const secret = await context.credential(tenantId);
  const verifier = await verifierFor(secret, role, tenantId);
  const secrets = [verifier, secret.password];
  const flags = (Object.keys(ROLE_FLAG_KEYWORDS) as (keyof RoleFlags)[])
    .concat("connection_limit");
  const password = `PASSWORD ${quoteLiteral(verifier)}`;
  try {
    await env.connections.admin.unsafe(
      `CREATE ROLE ${quoteIdent(role)} WITH INHERIT ${
        flags.map((k) => flagClause(k, after[k])).join(" ")
      } ${password}`,
    );
  } catch (error) {
    if (sqlState(error) !== "42710") throw serverError(`create role ${role}`, error, secrets);
    // Already there (a re-run after a crash): bring it to the desired attributes.
    const settable = flags.filter((k) => env.superuser || !SUPERUSER_ONLY.has(k));
    await alterRole(
      env,
      role,
      [...settable.map((k) => flagClause(k, after[k])), password],
      secrets,
    );
  }
  const statements = [
    `ALTER ROLE ${quoteIdent(role)} SET search_path = ${quoteIdent(postgresSchema(tenantId))}`,
  ];
  // Without superuser, the admin needs the role's privileges to set its default
  // privileges, end its sessions, and REASSIGN/DROP OWNED when it is deleted.
  if (!env.superuser) statements.push(`GRANT ${quoteIdent(role)} TO CURRENT_USER`);
  await runStatements(env.connections.admin, statements, `set up role ${role}`);
  if (after.login === false) await terminateSessions(env, role);
}

async function updateRole(env: ApplyEnv, change: Change, context: ApplyContext): Promise<void> {
  const role = change.name;
  const changed = new Set(change.changedAttributes);
  const after = change.after!;
  const before = change.before ?? {};
  const clauses = (Object.keys(ROLE_FLAG_KEYWORDS) as (keyof RoleFlags)[])
    .concat("connection_limit")
    .filter((k) => changed.has(k))
    .map((k) => flagClause(k, after[k]));
  const secrets: string[] = [];
  if (changed.has("credential")) {
    const secret = await context.credential(change.tenant!);
    const verifier = await verifierFor(secret, role, change.tenant!);
    clauses.push(`PASSWORD ${quoteLiteral(verifier)}`);
    secrets.push(verifier, secret.password);
  }
  await alterRole(env, role, clauses, secrets);
  const statements: string[] = [];
  if (changed.has("member_of")) {
    const keep = new Set(after.member_of as string[]);
    for (const group of (before.member_of as string[] | null) ?? []) {
      if (!keep.has(group)) statements.push(`REVOKE ${quoteIdent(group)} FROM ${quoteIdent(role)}`);
    }
  }
  if (changed.has("members")) {
    const keep = new Set(after.members as string[]);
    for (const member of (before.members as string[] | null) ?? []) {
      if (!keep.has(member)) {
        statements.push(`REVOKE ${quoteIdent(role)} FROM ${quoteIdent(member)}`);
      }
    }
  }
  await runStatements(env.connections.admin, statements, `revoke memberships of ${role}`);
  if (changed.has("login") && after.login === false) {
    await terminateSessions(env, role);
  }
}

/** Databases where the role owns objects or holds privileges (pg_shdepend is cluster-wide). */
async function databasesWithDependencies(session: Session, role: string): Promise<string[]> {
  const rows = await query<{ database: string | null }>(
    session,
    `select distinct d.datname::text as database
       from pg_shdepend s left join pg_database d on d.oid = s.dbid
      where s.refclassid = 'pg_authid'::regclass
        and s.refobjid = (select oid from pg_roles where rolname = $1::text)`,
    [role],
    `find what ${role} owns`,
  );
  // dbid 0: privileges on shared objects (databases), revoked by DROP OWNED from anywhere.
  return [...new Set(rows.map((r) => r.database ?? "").filter((d) => d !== ""))].sort();
}

async function deleteRole(env: ApplyEnv, change: Change): Promise<void> {
  const role = change.name;
  if (!await roleExists(env.connections.admin, role)) return;
  await alterRole(env, role, ["NOLOGIN"], []);
  await terminateSessions(env, role);
  const ownedSql = [
    `REASSIGN OWNED BY ${quoteIdent(role)} TO CURRENT_USER`,
    `DROP OWNED BY ${quoteIdent(role)}`,
  ];
  // DROP OWNED also revokes the role's database privileges: under the database-ACL lock.
  await env.connections.withDatabaseAclLock(async (tx) => {
    await runStatements(tx, ownedSql, `drop what ${role} owns`);
    for (const database of await databasesWithDependencies(tx, role)) {
      const session = env.connections.database(database);
      await runStatements(session, ownedSql, `drop what ${role} owns in database ${database}`);
    }
  });
  await runStatements(
    env.connections.admin,
    [`DROP ROLE IF EXISTS ${quoteIdent(role)}`],
    `drop role ${role}`,
  );
}

export async function applyRole(
  env: ApplyEnv,
  change: Change,
  context: ApplyContext,
): Promise<void> {
  if (change.action === "create") return await createRole(env, change, context);
  if (change.action === "update") return await updateRole(env, change, context);
  if (change.action === "delete") return await deleteRole(env, change);
  throw new Error(`role ${change.name} cannot be replaced: no role attribute forces it`);
}

/** `database=PRIVILEGES` entries the role holds now, read inside the lock. */
async function heldDatabasePrivileges(tx: Session, role: string): Promise<Map<string, string>> {
  const rows = await query<{ database: string; acl: AclRow[] }>(
    tx,
    `select d.datname::text as database,
            ${aclJson("coalesce(d.datacl, acldefault('d', d.datdba))")} as acl
       from pg_database d`,
    [],
    `read database privileges of ${role}`,
  );
  const held = new Map<string, string>();
  for (const row of rows) {
    const mine = row.acl.filter((a) => a.grantee === role);
    if (mine.length > 0) held.set(row.database, formatAcl(mine)[0]);
  }
  return held;
}

/** Gives the role exactly the desired database privileges (`databases` entries). */
export async function applyGrants(env: ApplyEnv, change: Change): Promise<void> {
  const role = change.name;
  const desired = new Map<string, string>();
  for (const entry of (change.after?.databases as string[] | undefined) ?? []) {
    const eq = entry.indexOf("=");
    desired.set(entry.slice(0, eq), `${role}${entry.slice(eq)}`);
  }
  if (change.action === "delete" && !await roleExists(env.connections.admin, role)) return;
  await env.connections.withDatabaseAclLock(async (tx) => {
    const held = await heldDatabasePrivileges(tx, role);
    for (const database of [...new Set([...held.keys(), ...desired.keys()])].sort()) {
      const want = desired.has(database) ? [desired.get(database)!] : [];
      const have = held.has(database) ? [held.get(database)!] : [];
      for (const entry of aclDelta(have, want)) {
        await runStatements(
          tx,
          setPrivilegesSql(`DATABASE ${quoteIdent(database)}`, entry),
          `set privileges of ${role} on database ${database}`,
        );
      }
    }
  });
}
