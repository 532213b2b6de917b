/**
 * Catalog rows → resources, in the shapes resources.ts desires. Pure, so the canonical
 * forms (sorted lists, excluded owners, one home per grant) are unit-tested.
 */
import { TIERS } from "../../tenant/model.ts";
import { postgresSharedDatabase, tenantIdFromName } from "../../tenant/names.ts";
import type { Resource } from "../store.ts";
import { type AclRow, compareText, formatAcl, isTenantRoleName } from "./acl.ts";
import type {
  RawCluster,
  RawDatabase,
  RawDatabaseContents,
  RawRole,
  RawSchema,
} from "./catalog.ts";
import { sharedRelation } from "./catalog.ts";
import { address, SHARED_SCHEMA, WORKSPACE_COMMENT_PREFIX } from "./resources.ts";
import { sharedFindings } from "./shared_tables.ts";

export type CredentialStatus = "recorded" | "unrecorded";

const SHARED_DATABASES = new Set(TIERS.map(postgresSharedDatabase));

export function isSharedDatabase(name: string): boolean {
  return SHARED_DATABASES.has(name);
}

export function tenantOf(name: string): string | undefined {
  return tenantIdFromName("snake", name);
}

const DEFAULT_TYPE_NAMES: Record<string, string> = {
  r: "tables",
  S: "sequences",
  f: "functions",
  T: "types",
  n: "schemas",
};

function without(rows: readonly AclRow[], drop: (grantee: string) => boolean): AclRow[] {
  return rows.filter((row) => !drop(row.grantee));
}

/** Entries `<prefix>: <grantee>=<privileges>` for the rows, sorted. */
function labelled(prefix: string, rows: readonly AclRow[]): string[] {
  return formatAcl(rows).map((entry) => `${prefix}: ${entry}`);
}

/** A database's ACL as its resource shows it: without its owner and without tenant roles. */
export function databaseAcl(db: Pick<RawDatabase, "owner" | "acl">): string[] {
  return formatAcl(without(db.acl, (g) => g === db.owner || isTenantRoleName(g)));
}

/** A schema's ACL as its resource shows it: without its owner. */
export function schemaAcl(schema: RawSchema): string[] {
  return formatAcl(without(schema.acl, (g) => g === schema.owner));
}

function databaseResource(db: RawDatabase, tenant: string | undefined): Resource {
  const acl = databaseAcl(db);
  const attributes: Resource["attributes"] = { owner: db.owner, acl };
  let dependsOn: string[] = [];
  if (tenant !== undefined) {
    const marker = db.comment?.startsWith(WORKSPACE_COMMENT_PREFIX)
      ? db.comment.slice(WORKSPACE_COMMENT_PREFIX.length)
      : null;
    attributes.workspace = marker;
    dependsOn = [address.role(db.name)];
  }
  return {
    address: address.database(db.name),
    store: "postgres",
    kind: "database",
    name: db.name,
    ...(tenant !== undefined && { tenant }),
    attributes,
    dependsOn,
  };
}

function roleResources(
  role: RawRole,
  tenant: string,
  cluster: RawCluster,
  credential: CredentialStatus | undefined,
): Resource[] {
  const held: string[] = [];
  const onDatabases: string[] = [];
  for (const db of cluster.databases) {
    const rows = db.acl.filter((row) => row.grantee === role.name);
    if (rows.length === 0) continue;
    const [entry] = formatAcl(rows);
    held.push(`${db.name}${entry.slice(entry.indexOf("="))}`);
    if (tenantOf(db.name) !== undefined || isSharedDatabase(db.name)) {
      onDatabases.push(address.database(db.name));
    }
  }
  const members = role.members.filter((m) => m !== cluster.admin && !isTenantRoleName(m));
  const roleAddress = address.role(role.name);
  return [
    {
      address: roleAddress,
      store: "postgres",
      kind: "role",
      name: role.name,
      tenant,
      attributes: {
        login: role.login,
        superuser: role.superuser,
        createdb: role.createdb,
        createrole: role.createrole,
        replication: role.replication,
        bypassrls: role.bypassrls,
        connection_limit: role.connection_limit,
        member_of: [...role.member_of].sort(compareText),
        members: members.sort(compareText),
        ...(credential !== undefined && { credential }),
      },
    },
    {
      address: address.grants(role.name),
      store: "postgres",
      kind: "grants",
      name: role.name,
      tenant,
      attributes: { databases: held.sort(compareText) },
      dependsOn: [roleAddress, ...onDatabases.sort(compareText)],
    },
  ];
}

/** Resources of the cluster: hardening, Bulkhead's databases, tenant roles and their grants. */
export function clusterResources(
  cluster: RawCluster,
  credentials: ReadonlyMap<string, CredentialStatus> | undefined,
): Resource[] {
  const out: Resource[] = [];
  const publicDatabases: string[] = [];
  for (const db of cluster.databases) {
    const tenant = tenantOf(db.name);
    if (tenant !== undefined || isSharedDatabase(db.name)) {
      out.push(databaseResource(db, tenant));
    } else if (db.allow_connections) {
      const rows = db.acl.filter((row) => row.grantee === "PUBLIC");
      publicDatabases.push(...labelled(db.name, rows));
    }
  }
  const parameterGrants = [...new Set(cluster.parameter_grants.map((g) => g.parameter))]
    .flatMap((p) => labelled(p, cluster.parameter_grants.filter((g) => g.parameter === p)));
  out.push({
    address: address.cluster(),
    store: "postgres",
    kind: "cluster",
    name: "hardening",
    attributes: {
      public_databases: publicDatabases.sort(compareText),
      parameter_grants: parameterGrants.sort(compareText),
    },
  });
  for (const role of cluster.roles) {
    const tenant = tenantOf(role.name);
    if (tenant === undefined) continue;
    out.push(...roleResources(role, tenant, cluster, credentials?.get(role.name)));
  }
  return out;
}

/** The default privileges a tenant role hands to others in one database: should be none. */
export function defaultPrivilegeGrants(contents: RawDatabaseContents, role: string): string[] {
  const out: string[] = [];
  for (const d of contents.default_privileges.filter((d) => d.role === role)) {
    const type = DEFAULT_TYPE_NAMES[d.type] ?? d.type;
    const where = d.schema === null ? type : `${type} in ${d.schema}`;
    out.push(...labelled(where, without(d.acl, (g) => g === role)));
  }
  return out.sort(compareText);
}

/** Resources inside one shared database: `public`, `shared` and the tenants' schemas. */
export function databaseContentResources(
  database: string,
  contents: RawDatabaseContents,
): Resource[] {
  const out: Resource[] = [];
  const databaseAddress = address.database(database);
  for (const schema of contents.schemas) {
    const acl = schemaAcl(schema);
    const base = {
      address: address.schema(database, schema.name),
      store: "postgres" as const,
      kind: "schema",
      name: `${database}.${schema.name}`,
    };
    if (schema.name === "public") {
      out.push({ ...base, attributes: { owner: schema.owner, acl }, dependsOn: [databaseAddress] });
    } else if (schema.name === SHARED_SCHEMA) {
      const findings = sharedFindings(contents.relations.map(sharedRelation), contents.functions);
      out.push({
        ...base,
        attributes: { owner: schema.owner, acl, table_findings: findings },
        dependsOn: [databaseAddress],
      });
    } else {
      const tenant = tenantOf(schema.name);
      if (tenant === undefined) continue;
      out.push({
        ...base,
        tenant,
        attributes: {
          owner: schema.owner,
          acl,
          default_privileges: defaultPrivilegeGrants(contents, schema.name),
        },
        dependsOn: [address.role(schema.name), databaseAddress],
      });
    }
  }
  return out;
}
