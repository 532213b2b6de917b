/**
 * The Qdrant store: a collection per tenant, confined by a revocable JWT per tenant
 * (see token.ts and resources.ts for the contract, spec/contract/qdrant.md for what it
 * proves). Speaks Qdrant's REST API with the admin API key; never imports a client
 * library into plan or apply.
 */
import type { QdrantEndpoint } from "../../config.ts";
import { ENV } from "../../config.ts";
import type { Tenant } from "../../tenant/model.ts";
import { qdrantCollection, tenantIdFromName } from "../../tenant/names.ts";
import {
  type ApplyContext,
  type Change,
  type Observation,
  type ObserveContext,
  type Resource,
  type Store,
  StoreChangeError,
  type StoreSecret,
} from "../store.ts";
import {
  collectionInfo,
  type CollectionLimits,
  type CollectionSpec,
  collectionsTelemetry,
  createCollection,
  createRegistryIndexes,
  createTokenRegistry,
  deleteAliases,
  deleteCollection,
  listAliases,
  listCollections,
  revokeTokens,
  scrollTokenRecords,
  updateStrictMode,
  upsertTokenRecord,
} from "./requests.ts";
import {
  type CollectionShape,
  parseAliases,
  parseCollectionInfo,
  parseCollectionNames,
  parseScrollPage,
  parseTelemetryShapes,
  type TokenRecord,
} from "./parse.ts";
import { alreadyExists, notFound, qdrantCall, type RoundTrips } from "./rest.ts";
import {
  desiredResources,
  desiredSharedResources,
  LIMIT_ATTRIBUTES,
  observedResources,
} from "./resources.ts";
import { mintTenantToken, observeTokens, TOKEN_REGISTRY, tokenVerdict } from "./token.ts";

/** `scheme://host[:port][/path]` of the admin endpoint, without credentials: what tenants dial. */
export function tenantUrl(adminUrl: string): string {
  const u = new URL(adminUrl);
  const path = u.pathname.replace(/\/+$/, "");
  return `${u.protocol}//${u.host}${path}`;
}

/** Collection settings from a create/replace change's desired attributes. */
export function collectionSpec(change: Pick<Change, "after" | "address">): CollectionSpec {
  const a = change.after;
  if (!a) throw new Error(`${change.address}: change has no desired attributes`);
  return {
    ...collectionLimits(change),
    vectorSize: Number(a.vector_size),
    distance: a.distance as CollectionSpec["distance"],
  };
}

export function collectionLimits(change: Pick<Change, "after" | "address">): CollectionLimits {
  const a = change.after;
  if (!a) throw new Error(`${change.address}: change has no desired attributes`);
  return {
    readRateLimit: Number(a.read_rate_limit),
    writeRateLimit: Number(a.write_rate_limit),
    maxPointsCount: a.max_points_count === null ? null : Number(a.max_points_count),
  };
}

export class QdrantStore implements Store {
  readonly name = "qdrant" as const;

  constructor(private readonly endpoint: QdrantEndpoint) {}

  private call(request: Parameters<typeof qdrantCall>[2], trips?: RoundTrips) {
    return qdrantCall(this.endpoint.url, this.endpoint.apiKey, request, trips);
  }

  /** The key tenant tokens are signed with: the server's API key (JWT RBAC on). */
  private signingKey(): string {
    if (!this.endpoint.apiKey) {
      throw new Error(`${ENV.qdrantApiKey} is not set: tenant tokens cannot be signed`);
    }
    return this.endpoint.apiKey;
  }

  desired(tenant: Tenant, secret: StoreSecret | undefined, secretsAvailable: boolean): Resource[] {
    return desiredResources(tenant, secret, secretsAvailable);
  }

  desiredShared(tenants: readonly Tenant[]): Resource[] {
    return desiredSharedResources(tenants);
  }

  /**
   * Round trips: collections, aliases and every collection's config (telemetry) at
   * once, then, when the registry exists, its index info and one scroll page per
   * 10,000 live tokens. Collections the telemetry left out are read one by one and a
   * note says so.
   */
  async observe(context: ObserveContext): Promise<Observation> {
    const trips: RoundTrips = { roundTrips: 0 };
    const notes: string[] = [];
    const [names, aliases, telemetry] = await Promise.all([
      this.call(listCollections(), trips).then(parseCollectionNames),
      this.call(listAliases(), trips).then(parseAliases),
      this.call(collectionsTelemetry(), trips).then(parseTelemetryShapes),
    ]);
    const shapes = new Map<string, CollectionShape>(telemetry);
    const unread = names.filter((n) =>
      tenantIdFromName("snake", n) !== undefined && !shapes.has(n)
    );
    for (const name of unread) {
      shapes.set(
        name,
        parseCollectionInfo(await this.call(collectionInfo(name), trips), name).shape,
      );
    }
    if (unread.length > 0) {
      notes.push(
        `qdrant: telemetry gave no config for ${unread.length} tenant collection(s); read them one by one`,
      );
    }
    let registryIndexes: string[] | undefined;
    const records: TokenRecord[] = [];
    if (names.includes(TOKEN_REGISTRY)) {
      const info = await this.call(collectionInfo(TOKEN_REGISTRY), trips);
      registryIndexes = parseCollectionInfo(info, TOKEN_REGISTRY).keywordIndexes;
      let offset: string | number | undefined;
      do {
        const page = parseScrollPage(await this.call(scrollTokenRecords(offset), trips));
        records.push(...page.records);
        offset = page.next ?? undefined;
      } while (offset !== undefined);
    }
    const tokens = await observeTokens(
      records,
      context.secrets,
      context.secretsAvailable,
      this.endpoint.apiKey,
    );
    if (tokens.stray > 0) {
      notes.push(
        `qdrant: ${tokens.stray} record(s) in ${TOKEN_REGISTRY} name no valid tenant: they validate no Bulkhead token; delete them by hand`,
      );
    }
    const resources = observedResources({
      collections: names,
      aliases,
      shapes,
      registryIndexes,
      tokens: tokens.byTenant,
    });
    return { resources, roundTrips: trips.roundTrips, notes };
  }

  async newCredential(tenant: Tenant): Promise<StoreSecret> {
    return await mintTenantToken(tenant.id, this.signingKey());
  }

  async apply(change: Change, context: ApplyContext): Promise<void> {
    try {
      await this.carryOut(change, context);
    } catch (error) {
      throw new StoreChangeError(change, error);
    }
  }

  private async carryOut(change: Change, context: ApplyContext): Promise<void> {
    const key = `${change.kind}:${change.action}`;
    switch (key) {
      case "token_registry:create":
      case "token_registry:update":
      case "token_registry:replace":
        return await this.ensureRegistry();
      case "token_registry:delete":
        return await this.dropCollection(TOKEN_REGISTRY);
      case "collection:create":
        return await this.ensureCollection(change.name, collectionSpec(change));
      case "collection:update":
        return await this.updateCollection(change);
      case "collection:replace":
        await this.dropCollection(change.name);
        return await this.ensureCollection(change.name, collectionSpec(change));
      case "collection:delete":
        // Tokens go first, so a collection created later under this name is not
        // reachable with a token issued for this one.
        if (change.tenant !== undefined) await this.revoke(change.tenant);
        return await this.dropCollection(change.name);
      case "token:create":
      case "token:update":
        return await this.issueToken(this.tenantOf(change), context);
      case "token:delete":
        return await this.revoke(this.tenantOf(change));
      case "alias:delete":
        await this.call(deleteAliases([change.name]));
        return;
      default:
        throw new Error(`the qdrant store cannot ${change.action} a ${change.kind}`);
    }
  }

  private tenantOf(change: Change): string {
    if (change.tenant === undefined) throw new Error(`${change.address} names no tenant`);
    return change.tenant;
  }

  /** Qdrant refuses a collection whose name an alias holds: that alias goes first. */
  private async dropAliasNamed(name: string): Promise<void> {
    const aliases = parseAliases(await this.call(listAliases()));
    if (aliases.some((a) => a.alias === name)) await this.call(deleteAliases([name]));
  }

  private async ensureCollection(name: string, spec: CollectionSpec): Promise<void> {
    await this.dropAliasNamed(name);
    try {
      await this.call(createCollection(name, spec));
    } catch (error) {
      if (!alreadyExists(error)) throw error;
      // A re-run after a crash: the collection is there, its limits may not be.
      await this.call(updateStrictMode(name, spec));
    }
  }

  private async updateCollection(change: Change): Promise<void> {
    if (change.changedAttributes.includes("resolves_to")) await this.dropAliasNamed(change.name);
    if (change.changedAttributes.some((a) => LIMIT_ATTRIBUTES.includes(a))) {
      await this.call(updateStrictMode(change.name, collectionLimits(change)));
    }
  }

  private async dropCollection(name: string): Promise<void> {
    try {
      await this.call(deleteCollection(name));
    } catch (error) {
      if (!notFound(error)) throw error;
    }
  }

  private async ensureRegistry(): Promise<void> {
    await this.dropAliasNamed(TOKEN_REGISTRY);
    try {
      await this.call(createTokenRegistry());
    } catch (error) {
      if (!alreadyExists(error)) throw error;
    }
    for (const request of createRegistryIndexes()) await this.call(request);
  }

  /**
   * Makes the recorded token the tenant's one live token: the credential is recorded
   * before its registry record exists; a recorded token that no longer meets the
   * contract (other server key, older claims) is replaced; other records go last, so
   * the tenant is never without a valid token.
   */
  private async issueToken(tenantId: string, context: ApplyContext): Promise<void> {
    const key = this.signingKey();
    let secret = await context.credential(tenantId);
    if (await tokenVerdict(secret, tenantId, key) !== "contract") {
      context.log(
        `qdrant: tenant ${tenantId}: recorded token does not meet the contract; issuing a new one`,
      );
      secret = await context.rotateCredential(tenantId);
      if (await tokenVerdict(secret, tenantId, key) !== "contract") {
        throw new Error("a freshly issued token does not meet the token contract");
      }
    }
    await this.call(upsertTokenRecord(tenantId, secret.token_id, new Date()));
    await this.call(revokeTokens(tenantId, secret.token_id));
  }

  private async revoke(tenantId: string): Promise<void> {
    try {
      await this.call(revokeTokens(tenantId));
    } catch (error) {
      // No registry: no token of the tenant can be valid (value_exists fails closed).
      if (!notFound(error)) throw error;
    }
  }

  connectionDetails(tenantId: string, secret: StoreSecret): Record<string, string> {
    return {
      url: tenantUrl(this.endpoint.url),
      collection: qdrantCollection(tenantId),
      api_key: secret.api_key,
    };
  }

  close(): Promise<void> {
    // fetch holds no connection the store must end.
    return Promise.resolve();
  }
}

export function createQdrantStore(endpoint: QdrantEndpoint): QdrantStore {
  return new QdrantStore(endpoint);
}
