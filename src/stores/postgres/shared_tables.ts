/**
 * The convention for tables that schema-isolated tenants share: every table in schema
 * `shared` of a tier's shared database has a column `tenant text NOT NULL DEFAULT
 * current_user` holding the owning tenant's role name, row-level security enabled AND
 * forced, and one permissive policy `bulkhead_tenant_isolation` for all commands:
 * `USING (tenant = CURRENT_USER) WITH CHECK (tenant = CURRENT_USER)`.
 *
 * current_user is what a tenant cannot change: SET ROLE needs a membership it does not
 * have, SET SESSION AUTHORIZATION needs superuser, and custom settings (SET app.x) are
 * not read. Tenants (PUBLIC) get SELECT, INSERT, UPDATE, DELETE and nothing else:
 * TRUNCATE ignores RLS, TRIGGER would run a tenant's code as other tenants, REFERENCES
 * would let foreign keys probe other tenants' keys (RI checks bypass RLS).
 *
 * Findings are computed from the catalogs (pure), and so are the repairs.
 */
import { aclEntries, type AclRow, formatEntry, isTenantRoleName } from "./acl.ts";
import { quoteIdent } from "./sql_text.ts";
import { SHARED_SCHEMA } from "./resources.ts";

export const POLICY_NAME = "bulkhead_tenant_isolation";
/** How PostgreSQL 15 prints the policy expression back (pg_get_expr). */
export const POLICY_EXPRESSION = "(tenant = CURRENT_USER)";
export const TENANT_TABLE_PRIVILEGES = ["DELETE", "INSERT", "SELECT", "UPDATE"];

export interface SharedPolicy {
  name: string;
  permissive: boolean;
  /** Role names; `PUBLIC` for the pseudo-role. */
  roles: string[];
  /** `*` (all), `r`, `a`, `w`, `d`. */
  command: string;
  using: string | null;
  check: string | null;
}

export interface SharedRelation {
  name: string;
  /** pg_class.relkind: r table, p partitioned table, v view, m materialized view, f foreign table. */
  kind: string;
  owner: string;
  rowSecurity: boolean;
  forceRowSecurity: boolean;
  hasTenantColumn: boolean;
  securityInvoker: boolean;
  acl: AclRow[];
  columnAcl: { column: string; acl: AclRow[] }[];
  policies: SharedPolicy[];
}

export interface SharedFunction {
  /** `oid::regprocedure::text`, e.g. `shared.bump(integer)`: the server's own quoting. */
  signature: string;
  securityDefiner: boolean;
  acl: AclRow[];
}

const isTenantGrantee = (g: string) => g === "PUBLIC" || isTenantRoleName(g);

function tenantReachable(acl: readonly AclRow[]): boolean {
  return acl.some((row) => isTenantGrantee(row.grantee));
}

function isTable(kind: string): boolean {
  return kind === "r" || kind === "p";
}

function ourPolicyIntact(p: SharedPolicy): boolean {
  return p.permissive && p.command === "*" && p.roles.length === 1 && p.roles[0] === "PUBLIC" &&
    p.using === POLICY_EXPRESSION && p.check === POLICY_EXPRESSION;
}

function tableFindings(r: SharedRelation): string[] {
  const out: string[] = [];
  if (isTenantRoleName(r.owner)) out.push(`owned by tenant role ${r.owner}`);
  if (!r.hasTenantColumn) out.push("no column tenant of type text");
  if (!r.rowSecurity) out.push("row security disabled");
  if (!r.forceRowSecurity) out.push("row security not forced");
  const ours = r.policies.find((p) => p.name === POLICY_NAME);
  if (!ours) out.push(`no policy ${POLICY_NAME}`);
  else if (!ourPolicyIntact(ours)) out.push(`policy ${POLICY_NAME} altered`);
  for (const p of r.policies) {
    if (p.name !== POLICY_NAME && p.permissive) out.push(`extra permissive policy ${p.name}`);
  }
  for (const entry of aclEntries(r.acl.filter((row) => isTenantGrantee(row.grantee)))) {
    const wanted = entry.grantee === "PUBLIC" &&
      entry.privileges.join() === TENANT_TABLE_PRIVILEGES.join();
    if (!wanted) out.push(`grant ${formatEntry(entry)}`);
  }
  if (!r.acl.some((row) => row.grantee === "PUBLIC")) {
    out.push(`PUBLIC lacks ${TENANT_TABLE_PRIVILEGES.join(",")}`);
  }
  for (const column of r.columnAcl) {
    for (const entry of aclEntries(column.acl.filter((row) => isTenantGrantee(row.grantee)))) {
      out.push(`column ${column.column}: grant ${formatEntry(entry)}`);
    }
  }
  return out;
}

function relationFindings(r: SharedRelation): string[] {
  if (isTable(r.kind)) return tableFindings(r);
  if (!tenantReachable(r.acl)) return [];
  if (r.kind === "v") {
    return r.securityInvoker ? [] : ["view without security_invoker readable by tenants"];
  }
  if (r.kind === "m") return ["materialized view (no row security) readable by tenants"];
  if (r.kind === "f") return ["foreign table (no row security) readable by tenants"];
  return [];
}

/** Sorted `object: problem` lines; empty when every shared object follows the convention. */
export function sharedFindings(
  relations: readonly SharedRelation[],
  functions: readonly SharedFunction[],
): string[] {
  const out: string[] = [];
  for (const r of relations) for (const f of relationFindings(r)) out.push(`${r.name}: ${f}`);
  for (const f of functions) {
    if (f.securityDefiner && tenantReachable(f.acl)) {
      out.push(`${f.signature}: SECURITY DEFINER function executable by tenants`);
    }
  }
  return out.sort();
}

function qualified(name: string): string {
  return `${quoteIdent(SHARED_SCHEMA)}.${quoteIdent(name)}`;
}

function tenantGrantees(acl: readonly AclRow[]): string[] {
  return [...new Set(acl.map((row) => row.grantee).filter(isTenantGrantee))].sort();
}

function granteeSql(grantee: string): string {
  return grantee === "PUBLIC" ? "PUBLIC" : quoteIdent(grantee);
}

export class SharedTableError extends Error {}

function tableRepair(r: SharedRelation): string[] {
  const table = `TABLE ${qualified(r.name)}`;
  if (!r.hasTenantColumn) {
    throw new SharedTableError(
      `table ${SHARED_SCHEMA}.${r.name} has no column tenant of type text; add it ` +
        `(tenant text NOT NULL DEFAULT current_user) or move the table out of schema ${SHARED_SCHEMA}`,
    );
  }
  const out: string[] = [];
  if (isTenantRoleName(r.owner)) out.push(`ALTER ${table} OWNER TO CURRENT_USER`);
  if (!r.rowSecurity) out.push(`ALTER ${table} ENABLE ROW LEVEL SECURITY`);
  if (!r.forceRowSecurity) out.push(`ALTER ${table} FORCE ROW LEVEL SECURITY`);
  for (const p of r.policies) {
    if (p.name !== POLICY_NAME && p.permissive) {
      out.push(`DROP POLICY ${quoteIdent(p.name)} ON ${qualified(r.name)}`);
    }
  }
  const ours = r.policies.find((p) => p.name === POLICY_NAME);
  if (!ours || !ourPolicyIntact(ours)) {
    if (ours) out.push(`DROP POLICY ${quoteIdent(POLICY_NAME)} ON ${qualified(r.name)}`);
    out.push(
      `CREATE POLICY ${quoteIdent(POLICY_NAME)} ON ${qualified(r.name)} AS PERMISSIVE FOR ALL ` +
        `TO PUBLIC USING (tenant = CURRENT_USER) WITH CHECK (tenant = CURRENT_USER)`,
    );
  }
  const entries = aclEntries(r.acl.filter((row) => isTenantGrantee(row.grantee)));
  const aclRight = entries.length === 1 && entries[0].grantee === "PUBLIC" &&
    entries[0].privileges.join() === TENANT_TABLE_PRIVILEGES.join();
  if (!aclRight) {
    for (const g of tenantGrantees(r.acl)) {
      out.push(`REVOKE ALL ON ${table} FROM ${granteeSql(g)} CASCADE`);
    }
    out.push(`GRANT ${TENANT_TABLE_PRIVILEGES.join(", ")} ON ${table} TO PUBLIC`);
  }
  for (const column of r.columnAcl) {
    for (const g of tenantGrantees(column.acl)) {
      out.push(
        `REVOKE ALL (${quoteIdent(column.column)}) ON ${table} FROM ${granteeSql(g)} CASCADE`,
      );
    }
  }
  return out;
}

function relationRepair(r: SharedRelation): string[] {
  if (isTable(r.kind)) return tableRepair(r);
  if (!tenantReachable(r.acl)) return [];
  if (r.kind === "v") {
    return r.securityInvoker
      ? []
      : [`ALTER VIEW ${qualified(r.name)} SET (security_invoker = true)`];
  }
  // GRANT and REVOKE name materialized views and foreign tables TABLE too.
  return tenantGrantees(r.acl).map((g) =>
    `REVOKE ALL ON TABLE ${qualified(r.name)} FROM ${granteeSql(g)} CASCADE`
  );
}

/** Statements that make every shared object follow the convention (empty when it does). */
export function sharedRepairSql(
  relations: readonly SharedRelation[],
  functions: readonly SharedFunction[],
): string[] {
  const out = relations.flatMap(relationRepair);
  for (const f of functions) {
    if (!f.securityDefiner) continue;
    for (const g of tenantGrantees(f.acl)) {
      out.push(`REVOKE ALL ON FUNCTION ${f.signature} FROM ${granteeSql(g)} CASCADE`);
    }
  }
  return out;
}
