/**
 * ACLs in one canonical shape, so desired and observed compare exactly: a sorted list
 * of `grantee=PRIVILEGE,PRIVILEGE*` entries (privileges sorted, `*` = with grant option,
 * `PUBLIC` for the pseudo-role). Observed ACLs come from `aclexplode(coalesce(acl,
 * acldefault(…)))`, so a NULL ACL (the defaults) and an explicit one read the same.
 */
import { tenantIdFromName } from "../../tenant/names.ts";
import { quoteGrantee } from "./sql_text.ts";

/** One row of `aclexplode`, grantee by name (`PUBLIC` for 0). */
export interface AclRow {
  grantee: string;
  privilege: string;
  grantable: boolean;
}

export interface AclEntry {
  grantee: string;
  /** Sorted; a grantable privilege ends with `*`. */
  privileges: string[];
}

const PLAIN_NAME = /^[a-z_][a-z0-9_$]*$/;

/** A grantee as written in an entry: PUBLIC, a plain name, or a quoted one. */
export function formatGrantee(grantee: string): string {
  if (grantee === "PUBLIC" || PLAIN_NAME.test(grantee)) return grantee;
  return `"${grantee.replaceAll('"', '""')}"`;
}

export function formatEntry(entry: AclEntry): string {
  return `${formatGrantee(entry.grantee)}=${entry.privileges.join(",")}`;
}

/** Merges rows per grantee (grant option wins) into sorted entries. */
export function aclEntries(rows: readonly AclRow[]): AclEntry[] {
  const byGrantee = new Map<string, Map<string, boolean>>();
  for (const row of rows) {
    const privileges = byGrantee.get(row.grantee) ?? new Map<string, boolean>();
    privileges.set(row.privilege, (privileges.get(row.privilege) ?? false) || row.grantable);
    byGrantee.set(row.grantee, privileges);
  }
  return [...byGrantee.entries()]
    .map(([grantee, privileges]) => ({
      grantee,
      privileges: [...privileges.entries()].map(([p, g]) => g ? `${p}*` : p).sort(),
    }))
    .sort((a, b) => compareText(formatGrantee(a.grantee), formatGrantee(b.grantee)));
}

/** The canonical attribute value: sorted `grantee=privileges` strings. */
export function formatAcl(rows: readonly AclRow[]): string[] {
  return aclEntries(rows).map(formatEntry);
}

export function parseEntry(text: string): AclEntry {
  let grantee: string;
  let rest: string;
  if (text.startsWith('"')) {
    let i = 1;
    let name = "";
    while (i < text.length) {
      if (text[i] === '"' && text[i + 1] === '"') {
        name += '"';
        i += 2;
      } else if (text[i] === '"') break;
      else name += text[i++];
    }
    grantee = name;
    rest = text.slice(i + 1);
  } else {
    const eq = text.indexOf("=");
    grantee = text.slice(0, eq);
    rest = text.slice(eq);
  }
  if (!rest.startsWith("=") || grantee === "") throw new Error(`not an ACL entry: ${text}`);
  const privileges = rest.slice(1) === "" ? [] : rest.slice(1).split(",");
  return { grantee, privileges };
}

/** What must change for `live` to become `desired`: per grantee, the privileges wanted (maybe none). */
export function aclDelta(live: readonly string[], desired: readonly string[]): AclEntry[] {
  const want = new Map(desired.map(parseEntry).map((e) => [e.grantee, e]));
  const have = new Map(live.map(parseEntry).map((e) => [e.grantee, e]));
  const grantees = [...new Set([...want.keys(), ...have.keys()])].sort(compareText);
  return grantees
    .filter((g) =>
      (want.get(g)?.privileges ?? []).join() !== (have.get(g)?.privileges ?? []).join()
    )
    .map((g) => ({ grantee: g, privileges: want.get(g)?.privileges ?? [] }));
}

/**
 * Statements that give `grantee` exactly `privileges` on `object` (e.g. `DATABASE "x"`):
 * revoke everything first, CASCADE so grants the grantee passed on go too, then grant.
 */
export function setPrivilegesSql(object: string, entry: AclEntry): string[] {
  const who = quoteGrantee(entry.grantee);
  const statements = [`REVOKE ALL ON ${object} FROM ${who} CASCADE`];
  const plain = entry.privileges.filter((p) => !p.endsWith("*"));
  const grantable = entry.privileges.filter((p) => p.endsWith("*")).map((p) => p.slice(0, -1));
  if (plain.length > 0) statements.push(`GRANT ${plain.join(", ")} ON ${object} TO ${who}`);
  if (grantable.length > 0) {
    statements.push(`GRANT ${grantable.join(", ")} ON ${object} TO ${who} WITH GRANT OPTION`);
  }
  return statements;
}

/** A role name Bulkhead derives from a tenant id (`tenant_<id>`). */
export function isTenantRoleName(name: string): boolean {
  return tenantIdFromName("snake", name) !== undefined;
}

export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
