/**
 * Carrying out changes to schemas inside the shared databases: each schema-isolated
 * tenant's schema, and the databases' `public` and `shared` schemas (with the shared
 * tables' row security). Also the layout of a tenant's workspace schema, which a
 * database-isolated tenant gets inside its own database.
 */
import type { Change } from "../store.ts";
import { aclDelta, setPrivilegesSql } from "./acl.ts";
import type { ApplyEnv } from "./apply_roles.ts";
import { DATABASE_CONTENTS_QUERY, type RawDatabaseContents, sharedRelation } from "./catalog.ts";
import { schemaAcl, tenantOf } from "./observe.ts";
import { SHARED_SCHEMA, TENANT_SCHEMA_PRIVILEGES } from "./resources.ts";
import { sharedRepairSql } from "./shared_tables.ts";
import { quoteGrantee, quoteIdent, quoteLiteral } from "./sql_text.ts";
import { query, runStatements, type Session } from "./statements.ts";
import { postgresRole } from "../../tenant/names.ts";

const DEFAULT_TYPE_KEYWORDS: Record<string, string> = {
  r: "TABLES",
  S: "SEQUENCES",
  f: "FUNCTIONS",
  T: "TYPES",
  n: "SCHEMAS",
};

/**
 * The tenant's schema, owned by the admin (so the tenant cannot re-grant it), with
 * CREATE and USAGE for the tenant alone; and the tenant's default privileges, so
 * functions and types it creates are not usable by PUBLIC.
 */
export function workspaceSql(schema: string, role: string): string[] {
  const s = quoteIdent(schema);
  const r = quoteIdent(role);
  return [
    `CREATE SCHEMA IF NOT EXISTS ${s}`,
    `ALTER SCHEMA ${s} OWNER TO CURRENT_USER`,
    `REVOKE ALL ON SCHEMA ${s} FROM PUBLIC CASCADE`,
    `GRANT ${TENANT_SCHEMA_PRIVILEGES.join(", ")} ON SCHEMA ${s} TO ${r}`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${r} REVOKE EXECUTE ON FUNCTIONS FROM PUBLIC`,
    `ALTER DEFAULT PRIVILEGES FOR ROLE ${r} REVOKE USAGE ON TYPES FROM PUBLIC`,
  ];
}

export function splitSchemaName(name: string): { database: string; schema: string } {
  const dot = name.indexOf(".");
  return { database: name.slice(0, dot), schema: name.slice(dot + 1) };
}

async function liveContents(session: Session, schema: string): Promise<RawDatabaseContents> {
  const [row] = await query<RawDatabaseContents>(
    session,
    DATABASE_CONTENTS_QUERY,
    [schema],
    `read schema ${schema}`,
  );
  return row;
}

/** Statements that take back every default privilege the role hands to others. */
function defaultPrivilegeRepairSql(contents: RawDatabaseContents, role: string): string[] {
  const out: string[] = [];
  for (const d of contents.default_privileges.filter((d) => d.role === role)) {
    const keyword = DEFAULT_TYPE_KEYWORDS[d.type];
    if (!keyword) continue;
    const where = d.schema === null ? "" : ` IN SCHEMA ${quoteIdent(d.schema)}`;
    for (const grantee of new Set(d.acl.map((a) => a.grantee).filter((g) => g !== role))) {
      out.push(
        `ALTER DEFAULT PRIVILEGES FOR ROLE ${
          quoteIdent(role)
        }${where} REVOKE ALL ON ${keyword} FROM ${quoteGrantee(grantee)} CASCADE`,
      );
    }
  }
  return out;
}

async function convergeSchema(env: ApplyEnv, change: Change, all: boolean): Promise<void> {
  const { database, schema } = splitSchemaName(change.name);
  const after = change.after!;
  const changed = new Set(change.changedAttributes);
  const session = env.connections.database(database);
  const tenant = tenantOf(schema);
  const what = `schema ${schema} in database ${database}`;
  await session.begin(async (tx) => {
    if (all) {
      const setup = tenant !== undefined
        ? workspaceSql(schema, postgresRole(tenant))
        : [`CREATE SCHEMA IF NOT EXISTS ${quoteIdent(schema)}`];
      await runStatements(tx, setup, `create ${what}`);
    }
    const live = await liveContents(tx, schema);
    const [current] = live.schemas;
    if (!current) throw new Error(`${what} does not exist`);
    const statements: string[] = [];
    if ((all || changed.has("owner")) && current.owner !== after.owner) {
      statements.push(
        `ALTER SCHEMA ${quoteIdent(schema)} OWNER TO ${quoteIdent(String(after.owner))}`,
      );
    }
    if (all || changed.has("acl")) {
      // The owner's own entry is not part of the ACL attribute; compare as observe does.
      const owner = String(after.owner);
      const liveAcl = schemaAcl({ ...current, owner });
      for (const entry of aclDelta(liveAcl, after.acl as string[])) {
        statements.push(...setPrivilegesSql(`SCHEMA ${quoteIdent(schema)}`, entry));
      }
    }
    if (tenant !== undefined && (all || changed.has("default_privileges"))) {
      statements.push(...defaultPrivilegeRepairSql(live, schema));
    }
    if (schema === SHARED_SCHEMA && (all || changed.has("table_findings"))) {
      statements.push(...sharedRepairSql(live.relations.map(sharedRelation), live.functions));
    }
    await runStatements(tx, statements, `converge ${what}`);
  });
}

/**
 * A tenant's rows in the shared tables, its large objects, then its schema with
 * everything in it.
 */
async function dropTenantSchema(env: ApplyEnv, database: string, schema: string): Promise<void> {
  const session = env.connections.database(database);
  const tables = await query<{ name: string }>(
    session,
    `select c.relname::text as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = $1::text and c.relkind in ('r', 'p')
        and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant'
                     and a.atttypid = 'text'::regtype and not a.attisdropped)`,
    [SHARED_SCHEMA],
    `find shared tables in database ${database}`,
  );
  const role = quoteLiteral(schema);
  await session.begin(async (tx) => {
    // As the admin: a superuser is not subject to row security; a non-superuser admin
    // (member of the tenant role) acts as the tenant, whose policy shows its own rows.
    if (!env.superuser) {
      await runStatements(tx, [`SET LOCAL ROLE ${quoteIdent(schema)}`], "act as tenant");
    }
    await runStatements(
      tx,
      tables.map((t) =>
        `DELETE FROM ${quoteIdent(SHARED_SCHEMA)}.${quoteIdent(t.name)} WHERE tenant = ${role}`
      ),
      `delete rows of ${schema} in the shared tables of ${database}`,
    );
    if (!env.superuser) await runStatements(tx, ["RESET ROLE"], "stop acting as tenant");
    // Large objects belong to no schema: they would outlive the schema (and be handed to
    // the admin by REASSIGN OWNED when the role goes).
    await query(
      tx,
      `select lo_unlink(l.oid) from pg_largeobject_metadata l
        where l.lomowner = (select oid from pg_roles where rolname = $1::text)`,
      [schema],
      `delete large objects of ${schema} in ${database}`,
    );
    await runStatements(
      tx,
      [`DROP SCHEMA IF EXISTS ${quoteIdent(schema)} CASCADE`],
      `drop schema ${schema}`,
    );
  });
}

export async function applySchema(env: ApplyEnv, change: Change): Promise<void> {
  const { database, schema } = splitSchemaName(change.name);
  if (change.action === "create") return await convergeSchema(env, change, true);
  if (change.action === "update") return await convergeSchema(env, change, false);
  if (change.action === "delete") {
    if (tenantOf(schema) !== undefined) return await dropTenantSchema(env, database, schema);
    // `public` and `shared` go with their database.
    return;
  }
  throw new Error(`schema ${change.name} cannot be replaced: no schema attribute forces it`);
}
