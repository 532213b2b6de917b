/**
 * Qdrant resources, desired and observed, as plain data.
 *
 * Per tenant: `qdrant.collection.tenant_<id>` (the tenant's data) and
 * `qdrant.token.tenant_<id>` (the tenant's live token records). Shared:
 * `qdrant.token_registry.bulkhead_tokens`. Observed only, always to be deleted:
 * `qdrant.alias.<name>` for aliases that touch a tenant's collection name — a token is
 * checked against the name it is used with and the alias is resolved after the check
 * (v1.19.0 `TableOfContent::resolve_name`), so an alias can hand one tenant's name to
 * another collection.
 */
import type { Tenant } from "../../tenant/model.ts";
import { qdrantCollection, tenantIdFromName } from "../../tenant/names.ts";
import { type Attributes, type Resource, resourceAddress } from "../store.ts";
import type { AliasEntry, CollectionShape } from "./parse.ts";
import { TOKEN_RECORD_FIELDS, TOKEN_REGISTRY, type TokenObservation } from "./token.ts";

export const REGISTRY_ADDRESS = resourceAddress("qdrant", "token_registry", TOKEN_REGISTRY);

/** Attributes that change in place (strict mode); the rest of a collection is forceNew. */
export const LIMIT_ATTRIBUTES = [
  "strict_mode",
  "read_rate_limit",
  "write_rate_limit",
  "max_points_count",
];

export function collectionAddress(tenantId: string): string {
  return resourceAddress("qdrant", "collection", qdrantCollection(tenantId));
}

export function tokenAddress(tenantId: string): string {
  return resourceAddress("qdrant", "token", qdrantCollection(tenantId));
}

/** Everything observation read, before it becomes resources. */
export interface QdrantLiveState {
  collections: string[];
  aliases: AliasEntry[];
  shapes: ReadonlyMap<string, CollectionShape>;
  /** Keyword-indexed fields of the registry; undefined when the registry does not exist. */
  registryIndexes?: string[];
  tokens: ReadonlyMap<string, TokenObservation>;
}

function collectionAttributes(tenant: Tenant): Attributes {
  const qdrant = tenant.stores.qdrant!;
  return {
    vector_size: qdrant.vectorSize,
    distance: qdrant.distance,
    resolves_to: qdrantCollection(tenant.id),
    strict_mode: true,
    read_rate_limit: tenant.limits.maxRequestsPerMinute,
    write_rate_limit: tenant.limits.maxRequestsPerMinute,
    max_points_count: tenant.limits.maxVectors,
  };
}

/**
 * A tenant's resources. Active: its collection and one live token. Suspended or
 * decommissioned: the collection only (data kept); the token records are then observed
 * but not desired, so the plan deletes them, which revokes the token.
 */
export function desiredResources(
  tenant: Tenant,
  secret: Record<string, string> | undefined,
  secretsAvailable: boolean,
): Resource[] {
  if (!tenant.stores.qdrant) return [];
  const name = qdrantCollection(tenant.id);
  const collection: Resource = {
    address: collectionAddress(tenant.id),
    store: "qdrant",
    kind: "collection",
    name,
    tenant: tenant.id,
    attributes: collectionAttributes(tenant),
    forceNew: ["vector_size", "distance"],
  };
  if (tenant.status !== "active") return [collection];
  const attributes: Attributes = { live_tokens: 1 };
  if (secretsAvailable) attributes.credential = "recorded";
  if (secretsAvailable && secret) attributes.token_claims = "contract";
  return [collection, {
    address: tokenAddress(tenant.id),
    store: "qdrant",
    kind: "token",
    name,
    tenant: tenant.id,
    attributes,
    sensitive: ["credential", "token_claims"],
    dependsOn: [REGISTRY_ADDRESS, collectionAddress(tenant.id)],
  }];
}

/** The token registry, while any tenant uses Qdrant. */
export function desiredSharedResources(tenants: readonly Tenant[]): Resource[] {
  if (!tenants.some((t) => t.stores.qdrant)) return [];
  return [{
    address: REGISTRY_ADDRESS,
    store: "qdrant",
    kind: "token_registry",
    name: TOKEN_REGISTRY,
    attributes: { resolves_to: TOKEN_REGISTRY, indexed_fields: [...TOKEN_RECORD_FIELDS].sort() },
  }];
}

/** The collection a name reaches: an alias of that name wins over a collection (resolve_name). */
export function resolveName(name: string, aliases: readonly AliasEntry[]): string {
  return aliases.find((a) => a.alias === name)?.collection ?? name;
}

/**
 * The tenant an alias concerns: the tenant whose collection it reaches, else the tenant
 * whose collection name it takes; undefined for aliases that touch no tenant.
 */
export function aliasTenant(alias: AliasEntry): string | undefined {
  return tenantIdFromName("snake", alias.collection) ?? tenantIdFromName("snake", alias.alias);
}

function shapeAttributes(name: string, shape: CollectionShape, aliases: readonly AliasEntry[]) {
  return {
    vector_size: shape.vectorSize,
    distance: shape.distance,
    named_vectors: shape.namedVectors,
    resolves_to: resolveName(name, aliases),
    strict_mode: shape.strictMode,
    read_rate_limit: shape.readRateLimit,
    write_rate_limit: shape.writeRateLimit,
    max_points_count: shape.maxPointsCount,
  };
}

/** Live state → resources: tenant collections, token records per tenant, registry, aliases. */
export function observedResources(live: QdrantLiveState): Resource[] {
  const resources: Resource[] = [];
  for (const name of live.collections) {
    const tenant = tenantIdFromName("snake", name);
    if (name === TOKEN_REGISTRY) {
      resources.push({
        address: REGISTRY_ADDRESS,
        store: "qdrant",
        kind: "token_registry",
        name,
        attributes: {
          resolves_to: resolveName(name, live.aliases),
          indexed_fields: live.registryIndexes ?? [],
        },
      });
    }
    if (tenant === undefined) continue;
    const shape = live.shapes.get(name);
    if (!shape) throw new Error(`no configuration observed for collection ${name}`);
    resources.push({
      address: collectionAddress(tenant),
      store: "qdrant",
      kind: "collection",
      name,
      tenant,
      attributes: shapeAttributes(name, shape, live.aliases),
      forceNew: ["vector_size", "distance"],
    });
  }
  for (const [tenant, token] of live.tokens) {
    const attributes: Attributes = { live_tokens: token.liveTokens };
    if (token.credential) attributes.credential = token.credential;
    if (token.tokenClaims) attributes.token_claims = token.tokenClaims;
    resources.push({
      address: tokenAddress(tenant),
      store: "qdrant",
      kind: "token",
      name: qdrantCollection(tenant),
      tenant,
      attributes,
      sensitive: ["credential", "token_claims"],
      dependsOn: [REGISTRY_ADDRESS, collectionAddress(tenant)],
    });
  }
  for (const alias of live.aliases) {
    const tenant = aliasTenant(alias);
    if (tenant === undefined) continue;
    resources.push({
      address: resourceAddress("qdrant", "alias", alias.alias),
      store: "qdrant",
      kind: "alias",
      name: alias.alias,
      tenant,
      attributes: { collection: alias.collection },
    });
  }
  return resources;
}
