/**
 * Carrying out changes to databases (tenant databases, shared databases) and to the
 * cluster-wide hardening.
 */
import type { Change } from "../store.ts";
import type { AclRow } from "./acl.ts";
import { aclDelta, setPrivilegesSql } from "./acl.ts";
import type { ApplyEnv } from "./apply_roles.ts";
import { aclJson } from "./catalog.ts";
import { serverError, sqlState } from "./errors.ts";
import { databaseAcl, isSharedDatabase, tenantOf } from "./observe.ts";
import { WORKSPACE_COMMENT_PREFIX, WORKSPACE_VERSION } from "./resources.ts";
import { quoteIdent, quoteLiteral } from "./sql_text.ts";
import { query, runStatements, type Session } from "./statements.ts";
import { workspaceSql } from "./apply_schemas.ts";
import { postgresRole, postgresSchema } from "../../tenant/names.ts";

function ensureManaged(name: string): void {
  if (tenantOf(name) === undefined && !isSharedDatabase(name)) {
    throw new Error(`database ${name} is not one Bulkhead creates or drops`);
  }
}

async function liveDatabase(session: Session, name: string) {
  const [row] = await query<{ owner: string; acl: AclRow[] }>(
    session,
    `select pg_get_userbyid(d.datdba)::text as owner,
            ${aclJson("coalesce(d.datacl, acldefault('d', d.datdba))")} as acl
       from pg_database d where d.datname = $1::text`,
    [name],
    `read database ${name}`,
  );
  if (!row) throw new Error(`database ${name} does not exist`);
  return row;
}

async function convergeDatabase(env: ApplyEnv, change: Change, all: boolean): Promise<void> {
  const name = change.name;
  const after = change.after!;
  const changed = new Set(change.changedAttributes);
  const database = `DATABASE ${quoteIdent(name)}`;
  if (all || changed.has("owner")) {
    await runStatements(
      env.connections.admin,
      [`ALTER ${database} OWNER TO ${quoteIdent(String(after.owner))}`],
      `set owner of database ${name}`,
    );
  }
  if (all || changed.has("acl")) {
    await env.connections.withDatabaseAclLock(async (tx) => {
      const live = databaseAcl(await liveDatabase(tx, name));
      for (const entry of aclDelta(live, after.acl as string[])) {
        await runStatements(
          tx,
          setPrivilegesSql(database, entry),
          `set privileges on database ${name}`,
        );
      }
    });
  }
  const tenant = tenantOf(name);
  if (tenant !== undefined && (all || changed.has("workspace"))) {
    await layOutWorkspace(env, name, tenant);
  }
}

/** The tenant's schema and closed `public` inside its database, then the marker saying so. */
async function layOutWorkspace(env: ApplyEnv, database: string, tenant: string): Promise<void> {
  const session = env.connections.database(database);
  try {
    await runStatements(session, [
      ...workspaceSql(postgresSchema(tenant), postgresRole(tenant)),
      "REVOKE ALL ON SCHEMA public FROM PUBLIC",
    ], `lay out database ${database}`);
  } finally {
    await env.connections.release(database);
  }
  await runStatements(env.connections.admin, [
    `COMMENT ON DATABASE ${quoteIdent(database)} IS ${
      quoteLiteral(WORKSPACE_COMMENT_PREFIX + WORKSPACE_VERSION)
    }`,
  ], `mark database ${database}`);
}

async function createDatabase(env: ApplyEnv, change: Change): Promise<void> {
  ensureManaged(change.name);
  try {
    // CREATE DATABASE cannot run in a transaction block; the admin becomes its owner.
    await env.connections.admin.unsafe(`CREATE DATABASE ${quoteIdent(change.name)}`);
  } catch (error) {
    if (sqlState(error) !== "42P04") throw serverError(`create database ${change.name}`, error);
  }
  await convergeDatabase(env, change, true);
}

async function dropDatabase(env: ApplyEnv, change: Change): Promise<void> {
  ensureManaged(change.name);
  await env.connections.release(change.name);
  await runStatements(
    env.connections.admin,
    [`DROP DATABASE IF EXISTS ${quoteIdent(change.name)} WITH (FORCE)`],
    `drop database ${change.name}`,
  );
}

export async function applyDatabase(env: ApplyEnv, change: Change): Promise<void> {
  if (change.action === "create") return await createDatabase(env, change);
  if (change.action === "update") return await convergeDatabase(env, change, false);
  if (change.action === "delete") return await dropDatabase(env, change);
  throw new Error(`database ${change.name} cannot be replaced: no database attribute forces it`);
}

/** Closes every non-Bulkhead database to PUBLIC and revokes parameter grants to tenants. */
export async function applyCluster(env: ApplyEnv, change: Change): Promise<void> {
  if (change.action === "delete") return;
  await env.connections.withDatabaseAclLock(async (tx) => {
    const open = await query<{ name: string }>(
      tx,
      `select d.datname::text as name from pg_database d
        where d.datallowconn
          and exists (select 1 from aclexplode(coalesce(d.datacl, acldefault('d', d.datdba))) a
                       where a.grantee = 0)`,
      [],
      "find databases open to PUBLIC",
    );
    for (const { name } of open) {
      if (tenantOf(name) !== undefined || isSharedDatabase(name)) continue;
      await runStatements(
        tx,
        [`REVOKE ALL ON DATABASE ${quoteIdent(name)} FROM PUBLIC CASCADE`],
        `close database ${name} to PUBLIC`,
      );
    }
  });
  if (env.versionNum < 150000) return;
  const grants = await query<{ parameter: string; grantee: string }>(
    env.connections.admin,
    `select distinct p.parname::text as parameter,
            case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end as grantee
       from pg_parameter_acl p, aclexplode(coalesce(p.paracl, '{}')) a
      where a.grantee = 0 or pg_get_userbyid(a.grantee) like 'tenant\\_%'`,
    [],
    "read parameter grants",
  );
  await runStatements(
    env.connections.admin,
    grants.map((g) =>
      `REVOKE ALL ON PARAMETER ${quoteIdent(g.parameter)} FROM ${
        g.grantee === "PUBLIC" ? "PUBLIC" : quoteIdent(g.grantee)
      } CASCADE`
    ),
    "revoke parameter grants",
  );
}
