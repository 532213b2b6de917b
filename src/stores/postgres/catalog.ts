/**
 * The catalog queries observe runs, and the raw shapes they return. One query reads
 * everything cluster-wide (databases with their ACLs, tenant roles with attributes,
 * memberships and password verifiers, parameter grants); one query per shared
 * database reads what lives inside it (schemas, default privileges, the shared
 * tables' row security). The number of queries never depends on the number of tenants.
 */
import type { AclRow } from "./acl.ts";
import { type RoleFlags, SHARED_SCHEMA } from "./resources.ts";
import type { SharedFunction, SharedPolicy, SharedRelation } from "./shared_tables.ts";

/** `json_agg` of aclexplode rows of an ACL expression, grantee by name. */
export function aclJson(acl: string): string {
  return `coalesce((select json_agg(json_build_object(
      'grantee', case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end,
      'privilege', a.privilege_type, 'grantable', a.is_grantable))
    from aclexplode(${acl}) a), '[]')`;
}

const TENANT_NAME = `like 'tenant\\_%'`;

export interface RawDatabase {
  name: string;
  owner: string;
  allow_connections: boolean;
  /** Whether the admin may connect to it (a non-superuser admin may not, to others' databases). */
  admin_can_connect: boolean;
  comment: string | null;
  acl: AclRow[];
}

export interface RawRole extends RoleFlags {
  name: string;
  /** pg_authid.rolpassword; null when unreadable (not superuser) or unset. */
  verifier: string | null;
  member_of: string[];
  members: string[];
}

export interface RawParameterGrant extends AclRow {
  parameter: string;
}

export interface RawCluster {
  admin: string;
  databases: RawDatabase[];
  roles: RawRole[];
  parameter_grants: RawParameterGrant[];
}

/**
 * Cluster-wide state in one query. Password verifiers need superuser (pg_authid);
 * parameter grants need PostgreSQL 15 (pg_parameter_acl).
 */
export function clusterQuery(options: { readVerifiers: boolean; parameterAcl: boolean }): string {
  const roleSource = options.readVerifiers ? "pg_catalog.pg_authid" : "pg_catalog.pg_roles";
  const verifier = options.readVerifiers ? "r.rolpassword" : "null::text";
  const parameterGrants = options.parameterAcl
    ? `(select coalesce(json_agg(json_build_object('parameter', p.parname,
          'grantee', case when a.grantee = 0 then 'PUBLIC' else pg_get_userbyid(a.grantee)::text end,
          'privilege', a.privilege_type, 'grantable', a.is_grantable)), '[]')
        from pg_catalog.pg_parameter_acl p, aclexplode(coalesce(p.paracl, '{}')) a
        where a.grantee = 0 or pg_get_userbyid(a.grantee) ${TENANT_NAME})`
    : `'[]'::json`;
  return `select current_user::text as admin,
  (select coalesce(json_agg(json_build_object(
      'name', d.datname, 'owner', pg_get_userbyid(d.datdba)::text,
      'allow_connections', d.datallowconn,
      'admin_can_connect', has_database_privilege(d.oid, 'CONNECT'),
      'comment', shobj_description(d.oid, 'pg_database'),
      'acl', ${aclJson("coalesce(d.datacl, acldefault('d', d.datdba))")}) order by d.datname), '[]')
    from pg_catalog.pg_database d) as databases,
  (select coalesce(json_agg(json_build_object(
      'name', r.rolname, 'login', r.rolcanlogin, 'superuser', r.rolsuper,
      'createdb', r.rolcreatedb, 'createrole', r.rolcreaterole,
      'replication', r.rolreplication, 'bypassrls', r.rolbypassrls,
      'connection_limit', r.rolconnlimit, 'verifier', ${verifier},
      'member_of', coalesce((select json_agg(g.rolname::text order by g.rolname)
          from pg_auth_members m join pg_roles g on g.oid = m.roleid where m.member = r.oid), '[]'),
      'members', coalesce((select json_agg(u.rolname::text order by u.rolname)
          from pg_auth_members m join pg_roles u on u.oid = m.member where m.roleid = r.oid), '[]')
    ) order by r.rolname), '[]')
    from ${roleSource} r where r.rolname ${TENANT_NAME}) as roles,
  ${parameterGrants} as parameter_grants`;
}

export interface RawSchema {
  name: string;
  owner: string;
  acl: AclRow[];
}

export interface RawDefaultPrivilege {
  role: string;
  /** null: the role's defaults everywhere in the database; else only in that schema. */
  schema: string | null;
  /** pg_default_acl.defaclobjtype: r tables, S sequences, f functions, T types, n schemas. */
  type: string;
  acl: AclRow[];
}

export interface RawSharedRelation {
  name: string;
  kind: string;
  owner: string;
  rls: boolean;
  force_rls: boolean;
  has_tenant_column: boolean;
  options: string[] | null;
  acl: AclRow[];
  column_acl: { column: string; acl: AclRow[] }[];
  policies: SharedPolicy[];
}

export interface RawDatabaseContents {
  schemas: RawSchema[];
  default_privileges: RawDefaultPrivilege[];
  relations: RawSharedRelation[];
  functions: SharedFunction[];
}

/**
 * What lives inside one shared database, in one query. `$1` narrows it to one schema
 * (apply reads a single schema's live state); null reads all of them (observe).
 */
export const DATABASE_CONTENTS_QUERY = `with
  wanted as (select n.oid, n.nspname, n.nspowner, n.nspacl from pg_catalog.pg_namespace n
    where ($1::text is null and (n.nspname ${TENANT_NAME} or n.nspname in ('public', '${SHARED_SCHEMA}')))
       or n.nspname = $1::text),
  tenant_roles as (select r.oid, r.rolname from pg_catalog.pg_roles r
    join wanted w on w.nspname = r.rolname where r.rolname ${TENANT_NAME}),
  shared as (select oid from wanted where nspname = '${SHARED_SCHEMA}'),
  defaults as (
    select tr.rolname::text as role, null::text as schema, t.objtype::text as type,
      ${aclJson("coalesce(d.defaclacl, acldefault(t.objtype, tr.oid))")} as acl
    from tenant_roles tr
    cross join (values ('r'::"char"), ('S'::"char"), ('f'::"char"), ('T'::"char"), ('n'::"char")) t(objtype)
    left join pg_catalog.pg_default_acl d
      on d.defaclrole = tr.oid and d.defaclnamespace = 0 and d.defaclobjtype = t.objtype
    union all
    select tr.rolname::text, n.nspname::text, d.defaclobjtype::text, ${aclJson("d.defaclacl")}
    from pg_catalog.pg_default_acl d
    join tenant_roles tr on tr.oid = d.defaclrole
    join pg_catalog.pg_namespace n on n.oid = d.defaclnamespace)
select
  (select coalesce(json_agg(json_build_object('name', w.nspname, 'owner', pg_get_userbyid(w.nspowner)::text,
      'acl', ${
  aclJson("coalesce(w.nspacl, acldefault('n', w.nspowner))")
})), '[]') from wanted w) as schemas,
  (select coalesce(json_agg(defaults), '[]') from defaults) as default_privileges,
  (select coalesce(json_agg(json_build_object(
      'name', c.relname, 'kind', c.relkind, 'owner', pg_get_userbyid(c.relowner)::text,
      'rls', c.relrowsecurity, 'force_rls', c.relforcerowsecurity,
      'has_tenant_column', exists(select 1 from pg_catalog.pg_attribute a where a.attrelid = c.oid
          and a.attname = 'tenant' and a.atttypid = 'text'::regtype and a.attnum > 0 and not a.attisdropped),
      'options', c.reloptions,
      'acl', ${aclJson("coalesce(c.relacl, acldefault('r', c.relowner))")},
      'column_acl', coalesce((select json_agg(json_build_object('column', a.attname,
            'acl', ${aclJson("a.attacl")}))
          from pg_catalog.pg_attribute a where a.attrelid = c.oid and a.attacl is not null
            and a.attnum > 0 and not a.attisdropped), '[]'),
      'policies', coalesce((select json_agg(json_build_object('name', p.polname,
            'permissive', p.polpermissive, 'command', p.polcmd,
            'roles', (select json_agg(case when x = 0 then 'PUBLIC' else pg_get_userbyid(x)::text end)
                from unnest(p.polroles) x),
            'using', pg_get_expr(p.polqual, p.polrelid),
            'check', pg_get_expr(p.polwithcheck, p.polrelid)))
          from pg_catalog.pg_policy p where p.polrelid = c.oid), '[]')
    ) order by c.relname), '[]')
    from pg_catalog.pg_class c where c.relnamespace in (select oid from shared)
      and c.relkind in ('r', 'p', 'v', 'm', 'f')) as relations,
  (select coalesce(json_agg(json_build_object('signature', p.oid::regprocedure::text,
      'securityDefiner', p.prosecdef,
      'acl', ${aclJson("coalesce(p.proacl, acldefault('f', p.proowner))")}) order by p.oid), '[]')
    from pg_catalog.pg_proc p where p.pronamespace in (select oid from shared)) as functions`;

const TRUE_WORDS = new Set(["true", "on", "1", "yes", "t", "y"]);

export function sharedRelation(raw: RawSharedRelation): SharedRelation {
  const invoker = (raw.options ?? []).find((o) => o.startsWith("security_invoker="));
  return {
    name: raw.name,
    kind: raw.kind,
    owner: raw.owner,
    rowSecurity: raw.rls,
    forceRowSecurity: raw.force_rls,
    hasTenantColumn: raw.has_tenant_column,
    securityInvoker: invoker !== undefined &&
      TRUE_WORDS.has(invoker.slice("security_invoker=".length).toLowerCase()),
    acl: raw.acl,
    columnAcl: raw.column_acl,
    policies: raw.policies.map((p) => ({ ...p, roles: p.roles ?? [] })),
  };
}
