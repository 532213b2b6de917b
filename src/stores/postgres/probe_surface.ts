/**
 * The server's operation surface as the probes see it, enumerated from the server's own
 * catalogs when a probe opens: databases, roles, the functions and catalog relations the
 * server closes to PUBLIC, available extensions, languages, parameters, tablespaces,
 * keywords, and in each shared database its schemas and shared tables. Every catalog read
 * here is one any role can read, so the list is what a tenant could enumerate itself; the
 * fixed sweeps (probe_attacks.ts) enumerate again from each tenant's own session.
 */
import { isSharedDatabase } from "./observe.ts";
import { adminSql } from "./inspect.ts";
import { SHARED_SCHEMA } from "./resources.ts";

export interface DatabaseEntry {
  name: string;
  oid: number;
  allowConnections: boolean;
}

export interface RoleEntry {
  name: string;
  superuser: boolean;
  canLogin: boolean;
}

/** A function whose EXECUTE the server does not grant to PUBLIC. */
export interface RestrictedFunction {
  schema: string;
  name: string;
  /** `f` function, `p` procedure. */
  kind: string;
  /** Input argument types as `format_type` prints them. */
  argTypes: string[];
  /** Input argument names (empty string where unnamed). */
  argNames: string[];
}

export interface SharedTableEntry {
  name: string;
  /** A row can be inserted naming only `tenant`: every other NOT NULL column has a default. */
  insertable: boolean;
  /** A single-column primary key, for foreign-key attempts. */
  key: { column: string; type: string } | null;
}

export interface SharedDatabaseSurface {
  name: string;
  /** Schemas that belong to no tenant (public, shared, pg_catalog, information_schema, …). */
  namespaces: string[];
  /** Installed extensions and the schema their objects are in. */
  extensions: { name: string; schema: string }[];
  tables: SharedTableEntry[];
}

export interface Parameter {
  name: string;
  context: string;
  /** The current value, as `pg_settings.setting` prints it (in the parameter's own unit). */
  setting: string;
}

export interface ServerSurface {
  version: string;
  adminRole: string;
  /** Keywords that cannot stand unquoted as names (every category but unreserved). */
  keywords: string[];
  databases: DatabaseEntry[];
  /** Roles that are no tenant's: the admin, predefined `pg_*` roles, operators' roles. */
  roles: RoleEntry[];
  restrictedFunctions: RestrictedFunction[];
  /** Relations of pg_catalog and information_schema whose ACL gives PUBLIC no SELECT. */
  closedRelations: { schema: string; name: string }[];
  /**
   * Available extensions; `installed` in the admin's database; `relocatable` when its
   * default version may be created in any schema; the extensions that version requires.
   */
  extensions: { name: string; installed: boolean; relocatable: boolean; requires: string[] }[];
  languages: { name: string; trusted: boolean }[];
  /** Parameters with a scalar type (bool, integer, real, enum) and a readable value. */
  parameters: Parameter[];
  tablespaces: string[];
  /** Non-tenant schemas of a database created from template1 (as tenant databases are). */
  namespaces: string[];
  sharedDatabases: SharedDatabaseSurface[];
  /** Shared databases the admin could not look inside (no CONNECT), with the reason. */
  notes: string[];
}

const CLUSTER_QUERY = `select
  current_setting('server_version') as version,
  current_user::text as admin,
  (select coalesce(json_agg(word order by word), '[]') from pg_get_keywords() where catcode <> 'U')
    as keywords,
  (select coalesce(json_agg(json_build_object('name', d.datname, 'oid', d.oid::int8,
      'allowConnections', d.datallowconn) order by d.datname), '[]') from pg_database d) as databases,
  (select coalesce(json_agg(json_build_object('name', r.rolname, 'superuser', r.rolsuper,
      'canLogin', r.rolcanlogin) order by r.rolname), '[]')
     from pg_roles r where r.rolname not like 'tenant\\_%') as roles,
  (select coalesce(json_agg(json_build_object('name', e.name,
      'installed', e.installed_version is not null,
      'relocatable', coalesce((select v.relocatable and v.schema is null
                                 from pg_available_extension_versions v
                                where v.name = e.name and v.version = e.default_version), false),
      'requires', coalesce((select to_json(v.requires) from pg_available_extension_versions v
                             where v.name = e.name and v.version = e.default_version
                               and v.requires is not null), '[]'))
      order by e.name), '[]')
     from pg_available_extensions e) as extensions,
  (select coalesce(json_agg(json_build_object('name', l.lanname, 'trusted', l.lanpltrusted)
      order by l.lanname), '[]') from pg_language l) as languages,
  (select coalesce(json_agg(json_build_object('name', s.name, 'context', s.context,
      'setting', s.setting) order by s.name), '[]')
     from pg_settings s where s.vartype in ('bool', 'integer', 'real', 'enum')
      and s.setting is not null) as parameters,
  (select coalesce(json_agg(t.spcname order by t.spcname), '[]') from pg_tablespace t) as tablespaces,
  (select coalesce(json_agg(n.nspname order by n.nspname), '[]') from pg_namespace n
    where n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
      and n.nspname not like 'tenant\\_%') as namespaces`;

/**
 * Functions whose EXECUTE is not granted to PUBLIC, with their input argument types
 * and names; `$1` = true limits them to pg_catalog (the same in every database).
 * Tenants' own schemas are left out: their functions are PG-011's business, and a
 * tenant's own are closed to PUBLIC by its default privileges.
 */
export const RESTRICTED_FUNCTIONS_QUERY =
  `select n.nspname::text as schema, p.proname::text as name,
    p.prokind::text as kind,
    (select coalesce(json_agg(format_type(t, null) order by i), '[]')
       from unnest(p.proargtypes) with ordinality u(t, i)) as "argTypes",
    coalesce(to_json(p.proargnames), '[]') as "allArgNames",
    coalesce(to_json(p.proargmodes::text[]), '[]') as "argModes"
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
 where p.prokind in ('f', 'p') and p.proacl is not null
   and not exists (select 1 from aclexplode(p.proacl) a
                    where a.grantee = 0 and a.privilege_type = 'EXECUTE')
   and (not $1::boolean or n.nspname = 'pg_catalog') and n.nspname not like 'tenant\\_%'
 order by n.nspname, p.proname, p.oid`;

/** Relations of pg_catalog and information_schema whose ACL gives PUBLIC no SELECT. */
export const CLOSED_RELATIONS_QUERY = `select n.nspname::text as schema, c.relname::text as name
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
 where n.nspname in ('pg_catalog', 'information_schema') and c.relkind in ('r', 'v', 'm')
   and not exists (select 1 from aclexplode(coalesce(c.relacl, acldefault('r', c.relowner))) a
                    where a.grantee = 0 and a.privilege_type = 'SELECT')
 order by 1, 2`;

const SHARED_DATABASE_QUERY = `select
  (select coalesce(json_agg(n.nspname order by n.nspname), '[]') from pg_namespace n
    where n.nspname not like 'pg\\_toast%' and n.nspname not like 'pg\\_temp\\_%'
      and n.nspname not like 'tenant\\_%') as namespaces,
  (select coalesce(json_agg(json_build_object('name', e.extname, 'schema', n.nspname)
      order by e.extname), '[]')
     from pg_extension e join pg_namespace n on n.oid = e.extnamespace) as extensions,
  (select coalesce(json_agg(json_build_object('name', c.relname,
      'insertable', not exists (select 1 from pg_attribute a where a.attrelid = c.oid
          and a.attnum > 0 and not a.attisdropped and a.attnotnull and not a.atthasdef
          and a.attidentity = '' and a.attgenerated = '' and a.attname <> 'tenant'),
      'key', (select json_build_object('column', a.attname,
                'type', format_type(a.atttypid, a.atttypmod))
                from pg_index i join pg_attribute a on a.attrelid = i.indrelid
                 and a.attnum = i.indkey[0]
               where i.indrelid = c.oid and i.indisprimary and i.indnatts = 1))
      order by c.relname), '[]')
     from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = '${SHARED_SCHEMA}' and c.relkind in ('r', 'p')
      and exists (select 1 from pg_attribute a where a.attrelid = c.oid and a.attname = 'tenant'
                   and a.atttypid = 'text'::regtype and not a.attisdropped)) as tables`;

export interface RawFunction {
  schema: string;
  name: string;
  kind: string;
  argTypes: string[];
  allArgNames: string[];
  argModes: string[];
}

/** The names of a function's input arguments, from `proargnames` and `proargmodes`. */
export function inputArgNames(raw: Pick<RawFunction, "argTypes" | "allArgNames" | "argModes">) {
  if (raw.argModes.length === 0) {
    return raw.argTypes.map((_, i) => raw.allArgNames[i] ?? "");
  }
  return raw.allArgNames.filter((_, i) => ["i", "b", "v"].includes(raw.argModes[i]))
    .concat(Array(raw.argTypes.length).fill(""))
    .slice(0, raw.argTypes.length);
}

type Queryable = Pick<ReturnType<typeof adminSql>, "unsafe">;

export async function readRestrictedFunctions(
  sql: Queryable,
  catalogOnly: boolean,
): Promise<RestrictedFunction[]> {
  const rows = await sql.unsafe(RESTRICTED_FUNCTIONS_QUERY, [
    catalogOnly,
  ]) as unknown as RawFunction[];
  return rows.map((f) => ({
    schema: f.schema,
    name: f.name,
    kind: f.kind,
    argTypes: f.argTypes,
    argNames: inputArgNames(f),
  }));
}

export async function readClosedRelations(
  sql: Queryable,
): Promise<{ schema: string; name: string }[]> {
  return [...await sql.unsafe(CLOSED_RELATIONS_QUERY)] as unknown as {
    schema: string;
    name: string;
  }[];
}

/** Shared tables of the database a session is in (schema `shared`, with a tenant column). */
export async function readSharedTables(sql: Queryable): Promise<SharedTableEntry[]> {
  const [row] = await sql.unsafe(SHARED_DATABASE_QUERY);
  return row.tables as SharedTableEntry[];
}

/** Reads the surface with the admin URL: a few queries, plus one per shared database. */
export async function enumerateSurface(adminUrl: string): Promise<ServerSurface> {
  const sql = adminSql(adminUrl, { fetchTypes: false });
  try {
    const [row] = await sql.unsafe(CLUSTER_QUERY);
    const surface: ServerSurface = {
      version: row.version,
      adminRole: row.admin,
      keywords: row.keywords,
      databases: row.databases,
      roles: row.roles,
      restrictedFunctions: await readRestrictedFunctions(sql, true),
      closedRelations: await readClosedRelations(sql),
      extensions: row.extensions,
      languages: row.languages,
      parameters: row.parameters,
      tablespaces: row.tablespaces,
      namespaces: row.namespaces,
      sharedDatabases: [],
      notes: [],
    };
    const shared = surface.databases.filter((d) => isSharedDatabase(d.name) && d.allowConnections);
    for (const database of shared) {
      const inside = adminSql(adminUrl, { database: database.name, fetchTypes: false });
      try {
        const [contents] = await inside.unsafe(SHARED_DATABASE_QUERY) as unknown as Omit<
          SharedDatabaseSurface,
          "name"
        >[];
        surface.sharedDatabases.push({ name: database.name, ...contents });
      } catch (error) {
        const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
        surface.notes.push(`shared database ${database.name} not enumerated: ${message}`);
      } finally {
        await inside.end({ timeout: 2 }).catch(() => {});
      }
    }
    return surface;
  } finally {
    await sql.end({ timeout: 2 }).catch(() => {});
  }
}
