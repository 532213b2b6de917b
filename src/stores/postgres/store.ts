/**
 * The PostgreSQL store: tenants isolated by database (their own database) or by schema
 * (a schema in their tier's shared database, shared tables under forced row security),
 * a login role per tenant, and the cluster hardened against what any role could reach.
 * See spec/contract/postgres.md for what a tenant can and cannot do.
 */
import type { PostgresEndpoint } from "../../config.ts";
import type { Tenant } from "../../tenant/model.ts";
import { postgresRole, postgresSchema } from "../../tenant/names.ts";
import type {
  ApplyContext,
  Change,
  Observation,
  ObserveContext,
  Resource,
  Store,
  StoreSecret,
} from "../store.ts";
import { randomCredential } from "../../encoding.ts";
import { type ApplyEnv, applyGrants, applyRole } from "./apply_roles.ts";
import { applyCluster, applyDatabase } from "./apply_databases.ts";
import { applySchema } from "./apply_schemas.ts";
import {
  clusterQuery,
  DATABASE_CONTENTS_QUERY,
  type RawCluster,
  type RawDatabaseContents,
} from "./catalog.ts";
import { PostgresConnections } from "./connections.ts";
import { serverError } from "./errors.ts";
import {
  clusterResources,
  type CredentialStatus,
  databaseContentResources,
  isSharedDatabase,
  tenantOf,
} from "./observe.ts";
import { desiredSharedResources, desiredTenantResources, tenantDatabase } from "./resources.ts";
import { verifierMatches } from "./scram.ts";
import { tenantUrl } from "./tenant_session.ts";

export class PostgresStore implements Store {
  readonly name = "postgres" as const;
  readonly adminRole: string;
  private readonly connections: PostgresConnections;
  /** verifier + password → match; PBKDF2 per tenant per plan is the costly part of observe. */
  private readonly verified = new Map<string, boolean>();

  constructor(private readonly endpoint: PostgresEndpoint) {
    this.adminRole = PostgresConnections.adminRoleOf(endpoint.url);
    this.connections = new PostgresConnections(endpoint.url);
  }

  desired(tenant: Tenant, _secret: StoreSecret | undefined, secretsAvailable: boolean): Resource[] {
    return desiredTenantResources(tenant, this.adminRole, secretsAvailable);
  }

  desiredShared(tenants: readonly Tenant[]): Resource[] {
    return desiredSharedResources(tenants, this.adminRole);
  }

  async observe(context: ObserveContext): Promise<Observation> {
    const notes: string[] = [];
    const server = await this.connections.server();
    const sentBefore = this.connections.queriesSent;
    let cluster: RawCluster;
    try {
      [cluster] = await this.connections.admin.unsafe(clusterQuery({
        readVerifiers: server.superuser,
        parameterAcl: server.versionNum >= 150000,
      })) as unknown as RawCluster[];
    } catch (error) {
      throw serverError("postgres: observe the cluster", error);
    }
    if (!server.superuser) {
      notes.push(
        "credentials not verified: reading password verifiers (pg_authid) needs superuser; " +
          "a tenant with a recorded secret is reported as recorded",
      );
    }
    if (server.versionNum < 150000) {
      notes.push("parameter grants not observed: needs PostgreSQL 15");
    }
    const credentials = context.secretsAvailable
      ? await this.credentialStatuses(cluster, context, server.superuser)
      : undefined;
    const resources = clusterResources(cluster, credentials);
    const sharedDatabases = cluster.databases.filter((d) => isSharedDatabase(d.name));
    for (const d of sharedDatabases.filter((d) => !d.admin_can_connect)) {
      notes.push(`database ${d.name} not observed inside: the admin role has no CONNECT on it`);
    }
    const shared = sharedDatabases.filter((d) => d.admin_can_connect).map((d) => d.name);
    const contents = await Promise.all(shared.map(async (database) => {
      try {
        const [row] = await this.connections.database(database).unsafe(DATABASE_CONTENTS_QUERY, [
          null,
        ]) as unknown as RawDatabaseContents[];
        return databaseContentResources(database, row);
      } catch (error) {
        throw serverError(`postgres: observe database ${database}`, error);
      }
    }));
    resources.push(...contents.flat());
    // Counted by the driver, not declared: one cluster query plus one per shared database.
    const roundTrips = this.connections.queriesSent - sentBefore;
    return { resources, roundTrips, notes };
  }

  private async credentialStatuses(
    cluster: RawCluster,
    context: ObserveContext,
    canRead: boolean,
  ): Promise<Map<string, CredentialStatus>> {
    const out = new Map<string, CredentialStatus>();
    await Promise.all(cluster.roles.map(async (role) => {
      const tenant = tenantOf(role.name);
      if (tenant === undefined) return;
      const secret = context.secrets.get(tenant);
      let recorded = false;
      if (secret && secret.role === role.name && secret.password) {
        recorded = canRead ? await this.matches(role.verifier, secret.password) : true;
      }
      out.set(role.name, recorded ? "recorded" : "unrecorded");
    }));
    return out;
  }

  private async matches(verifier: string | null, password: string): Promise<boolean> {
    if (!verifier) return false;
    const key = `${verifier}\n${password}`;
    let known = this.verified.get(key);
    if (known === undefined) {
      known = await verifierMatches(verifier, password);
      this.verified.set(key, known);
    }
    return known;
  }

  newCredential(tenant: Tenant): Promise<StoreSecret> {
    return Promise.resolve({ role: postgresRole(tenant.id), password: randomCredential(32) });
  }

  async apply(change: Change, context: ApplyContext): Promise<void> {
    const server = await this.connections.server();
    const env: ApplyEnv = {
      connections: this.connections,
      adminRole: this.adminRole,
      superuser: server.superuser,
      versionNum: server.versionNum,
    };
    switch (change.kind) {
      case "role":
        return await applyRole(env, change, context);
      case "grants":
        return await applyGrants(env, change);
      case "database":
        return await applyDatabase(env, change);
      case "schema":
        return await applySchema(env, change);
      case "cluster":
        return await applyCluster(env, change);
      default:
        throw new Error(`postgres: no resource kind ${change.kind}`);
    }
  }

  /**
   * What the tenant's application gets. The isolation mode decides the database, so the
   * declared tenant is needed; without it (an undeclared tenant) the own-database layout
   * is assumed.
   */
  connectionDetails(
    tenantId: string,
    secret: StoreSecret,
    tenant?: Tenant,
  ): Record<string, string> {
    const schemaMode = tenant?.stores.postgres?.isolation === "schema";
    const database = tenant ? tenantDatabase(tenant) : tenantDatabase({
      id: tenantId,
      stores: { postgres: { isolation: "database" } },
    } as Tenant);
    return {
      url: tenantUrl(this.endpoint, secret, database),
      database,
      role: secret.role,
      ...(schemaMode && { schema: postgresSchema(tenantId) }),
    };
  }

  async close(): Promise<void> {
    await this.connections.close();
  }
}

export function createPostgresStore(endpoint: PostgresEndpoint): PostgresStore {
  return new PostgresStore(endpoint);
}
