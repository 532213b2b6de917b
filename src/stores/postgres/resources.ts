/**
 * What Bulkhead manages in PostgreSQL, as resources (addresses, attributes,
 * dependencies). Pure: desired state from tenants; observe.ts builds the same shapes
 * from the catalogs.
 *
 * Every grant is reported in exactly one place: grants ON a database TO a tenant role
 * belong to that role's `grants` resource (so the grant of a tenant on another tenant's
 * database, or on a shared one, shows on the tenant that holds it); the database's own
 * `acl` lists every other grantee except its owner. Schema ACLs list every grantee
 * except the owner.
 */
import type { Tenant } from "../../tenant/model.ts";
import {
  postgresDatabase,
  postgresRole,
  postgresSchema,
  postgresSharedDatabase,
} from "../../tenant/names.ts";
import type { Resource } from "../store.ts";

/** Bumped when the layout set up inside a tenant database changes, so apply re-runs it. */
export const WORKSPACE_VERSION = "1";
export const WORKSPACE_COMMENT_PREFIX = "bulkhead:workspace=";

/** The schema of a shared database that holds tables shared by its tenants, under RLS. */
export const SHARED_SCHEMA = "shared";
export const DATABASE_PRIVILEGES = ["CONNECT", "TEMPORARY"];
export const TENANT_SCHEMA_PRIVILEGES = ["CREATE", "USAGE"];
/** The owner PostgreSQL 15 gives schema `public`: whoever owns the database. */
export const PUBLIC_SCHEMA_OWNER = "pg_database_owner";

export const address = {
  role: (role: string) => `postgres.role.${role}`,
  grants: (role: string) => `postgres.grants.${role}`,
  database: (database: string) => `postgres.database.${database}`,
  schema: (database: string, schema: string) => `postgres.schema.${database}.${schema}`,
  cluster: () => "postgres.cluster.hardening",
};

export interface RoleFlags {
  login: boolean;
  superuser: boolean;
  createdb: boolean;
  createrole: boolean;
  replication: boolean;
  bypassrls: boolean;
  connection_limit: number;
}

export const ROLE_FLAG_KEYWORDS: Record<Exclude<keyof RoleFlags, "connection_limit">, string> = {
  login: "LOGIN",
  superuser: "SUPERUSER",
  createdb: "CREATEDB",
  createrole: "CREATEROLE",
  replication: "REPLICATION",
  bypassrls: "BYPASSRLS",
};

/** The database a tenant's role connects to: its own, or its tier's shared one. */
export function tenantDatabase(tenant: Tenant): string {
  return tenant.stores.postgres?.isolation === "schema"
    ? postgresSharedDatabase(tenant.tier)
    : postgresDatabase(tenant.id);
}

export function privilegeEntry(grantee: string, privileges: string[]): string {
  return `${grantee}=${[...privileges].sort().join(",")}`;
}

function resource(
  kind: string,
  name: string,
  addressOf: string,
  attributes: Resource["attributes"],
  extra: Partial<Resource> = {},
): Resource {
  return { address: addressOf, store: "postgres", kind, name, attributes, ...extra };
}

export function desiredTenantResources(
  tenant: Tenant,
  admin: string,
  secretsAvailable: boolean,
): Resource[] {
  const postgres = tenant.stores.postgres;
  if (!postgres) return [];
  const role = postgresRole(tenant.id);
  const database = tenantDatabase(tenant);
  const databaseAddress = address.database(database);
  const flags: RoleFlags = {
    login: tenant.status === "active",
    superuser: false,
    createdb: false,
    createrole: false,
    replication: false,
    bypassrls: false,
    connection_limit: tenant.limits.maxConnections,
  };
  const out: Resource[] = [
    resource("role", role, address.role(role), {
      ...flags,
      member_of: [],
      members: [],
      ...(secretsAvailable && { credential: "recorded" }),
    }, { tenant: tenant.id }),
    resource("grants", role, address.grants(role), {
      databases: [privilegeEntry(database, DATABASE_PRIVILEGES)],
    }, { tenant: tenant.id, dependsOn: [address.role(role), databaseAddress] }),
  ];
  if (postgres.isolation === "database") {
    out.push(resource("database", database, databaseAddress, {
      owner: admin,
      acl: [],
      workspace: WORKSPACE_VERSION,
    }, { tenant: tenant.id, dependsOn: [address.role(role)] }));
  } else {
    const schema = postgresSchema(tenant.id);
    out.push(resource("schema", `${database}.${schema}`, address.schema(database, schema), {
      owner: admin,
      acl: [privilegeEntry(role, TENANT_SCHEMA_PRIVILEGES)],
      default_privileges: [],
    }, { tenant: tenant.id, dependsOn: [address.role(role), databaseAddress] }));
  }
  return out;
}

/** A shared database per tier that has schema-isolated tenants, and cluster hardening. */
export function desiredSharedResources(tenants: readonly Tenant[], admin: string): Resource[] {
  const users = tenants.filter((t) => t.stores.postgres);
  if (users.length === 0) return [];
  const out: Resource[] = [
    resource("cluster", "hardening", address.cluster(), {
      public_databases: [],
      parameter_grants: [],
    }),
  ];
  const tiers = [
    ...new Set(users.filter((t) => t.stores.postgres?.isolation === "schema").map((t) => t.tier)),
  ].sort();
  for (const tier of tiers) {
    out.push(...sharedDatabaseResources(postgresSharedDatabase(tier), admin));
  }
  return out;
}

export function sharedDatabaseResources(database: string, admin: string): Resource[] {
  const dependsOn = [address.database(database)];
  return [
    resource("database", database, address.database(database), { owner: admin, acl: [] }),
    resource("schema", `${database}.public`, address.schema(database, "public"), {
      owner: PUBLIC_SCHEMA_OWNER,
      acl: [],
    }, { dependsOn }),
    resource("schema", `${database}.${SHARED_SCHEMA}`, address.schema(database, SHARED_SCHEMA), {
      owner: admin,
      acl: [privilegeEntry("PUBLIC", ["USAGE"])],
      table_findings: [],
    }, { dependsOn }),
  ];
}
