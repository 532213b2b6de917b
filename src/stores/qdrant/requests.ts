/**
 * Every REST request the Qdrant store makes, as plain data: method, path, body. Shapes
 * from qdrant/qdrant v1.19.0 `docs/redoc/master/openapi.json` and the handlers in
 * `src/actix/api/*.rs`; cited per request.
 */
import type { Distance } from "../../tenant/model.ts";
import { TOKEN_RECORD_FIELDS, TOKEN_REGISTRY, tokenRecord } from "./token.ts";

export interface QdrantRequest {
  method: "GET" | "PUT" | "POST" | "PATCH" | "DELETE";
  /** Path and query, starting with `/`. */
  path: string;
  body?: unknown;
}

/** The strict-mode limits Bulkhead sets on a tenant's collection. */
export interface CollectionLimits {
  /** Read operations per minute (strict mode `read_rate_limit`). */
  readRateLimit: number;
  /** Write operations per minute (strict mode `write_rate_limit`; a write costs its points). */
  writeRateLimit: number;
  /** Points in the collection (strict mode `max_points_count`, estimated); null: unlimited. */
  maxPointsCount: number | null;
}

export interface CollectionSpec extends CollectionLimits {
  vectorSize: number;
  distance: Distance;
}

/**
 * Strict mode cannot unset a limit: `PATCH` merges the new config over the old one field
 * by field, a missing or null field keeping the old value (v1.19.0
 * `lib/collection/src/operations/config_diff.rs`, `impl DiffConfig<StrictModeConfig>`).
 * "Unlimited" is therefore this value, which observation reads back as null.
 */
export const UNLIMITED_POINTS = Number.MAX_SAFE_INTEGER;

/** Scroll page size for the token registry: one page per this many live tokens. */
export const REGISTRY_PAGE = 10_000;

const path = encodeURIComponent;

/** `StrictModeConfig` (v1.19.0 `lib/segment/src/types.rs`): only the fields Bulkhead owns. */
export function strictModeConfig(limits: CollectionLimits) {
  return {
    enabled: true,
    read_rate_limit: limits.readRateLimit,
    write_rate_limit: limits.writeRateLimit,
    max_points_count: limits.maxPointsCount ?? UNLIMITED_POINTS,
  };
}

/** `GET /collections` → `{collections: [{name}]}`. */
export function listCollections(): QdrantRequest {
  return { method: "GET", path: "/collections" };
}

/** `GET /aliases` → `{aliases: [{alias_name, collection_name}]}`. */
export function listAliases(): QdrantRequest {
  return { method: "GET", path: "/aliases" };
}

/**
 * `GET /telemetry?details_level=2`: with global access, every collection's config
 * (params, strict mode) in one request (`CollectionTelemetry.config`, level ≥ 2; shards
 * only from level 3).
 */
export function collectionsTelemetry(): QdrantRequest {
  return { method: "GET", path: "/telemetry?details_level=2" };
}

/** `GET /collections/{name}` → `CollectionInfo` with `config` and `payload_schema`. */
export function collectionInfo(name: string): QdrantRequest {
  return { method: "GET", path: `/collections/${path(name)}` };
}

/** `PUT /collections/{name}` with `CreateCollection`: one unnamed dense vector. */
export function createCollection(name: string, spec: CollectionSpec): QdrantRequest {
  return {
    method: "PUT",
    path: `/collections/${path(name)}`,
    body: {
      vectors: { size: spec.vectorSize, distance: spec.distance },
      strict_mode_config: strictModeConfig(spec),
    },
  };
}

/** `PATCH /collections/{name}` with `UpdateCollection.strict_mode_config`. */
export function updateStrictMode(name: string, limits: CollectionLimits): QdrantRequest {
  return {
    method: "PATCH",
    path: `/collections/${path(name)}`,
    body: { strict_mode_config: strictModeConfig(limits) },
  };
}

/** `DELETE /collections/{name}`; also drops the aliases that point at it. */
export function deleteCollection(name: string): QdrantRequest {
  return { method: "DELETE", path: `/collections/${path(name)}` };
}

/** `POST /collections/aliases` with `delete_alias` actions; deleting a missing alias is a no-op. */
export function deleteAliases(aliases: readonly string[]): QdrantRequest {
  return {
    method: "POST",
    path: "/collections/aliases",
    body: { actions: aliases.map((alias) => ({ delete_alias: { alias_name: alias } })) },
  };
}

/**
 * `PUT /collections/bulkhead_tokens` with an empty body: a collection without vectors
 * (`VectorsConfig` defaults to an empty named map), as Qdrant's own value_exists test
 * creates its validation collection.
 */
export function createTokenRegistry(): QdrantRequest {
  return { method: "PUT", path: `/collections/${TOKEN_REGISTRY}`, body: {} };
}

/** `PUT /collections/{name}/index?wait=true`: keyword indexes for the value_exists scroll. */
export function createRegistryIndexes(): QdrantRequest[] {
  return TOKEN_RECORD_FIELDS.map((field) => ({
    method: "PUT",
    path: `/collections/${TOKEN_REGISTRY}/index?wait=true`,
    body: { field_name: field, field_schema: "keyword" },
  }));
}

/** `PUT /collections/bulkhead_tokens/points?wait=true`: the record that makes a token valid. */
export function upsertTokenRecord(tenantId: string, tokenId: string, now: Date): QdrantRequest {
  return {
    method: "PUT",
    path: `/collections/${TOKEN_REGISTRY}/points?wait=true`,
    body: { points: [tokenRecord(tenantId, tokenId, now)] },
  };
}

/**
 * `POST /collections/bulkhead_tokens/points/delete?wait=true` with a filter: every
 * record of the tenant (but `keep`). Matches payload values as value_exists does, so a
 * record revoked here can validate no token of the tenant.
 */
export function revokeTokens(tenantId: string, keep?: string): QdrantRequest {
  return {
    method: "POST",
    path: `/collections/${TOKEN_REGISTRY}/points/delete?wait=true`,
    body: {
      filter: {
        must: [{ key: "tenant", match: { value: tenantId } }],
        ...(keep !== undefined && { must_not: [{ key: "token_id", match: { value: keep } }] }),
      },
    },
  };
}

/** `POST /collections/bulkhead_tokens/points/scroll`: one page of records, payload only. */
export function scrollTokenRecords(offset?: string | number): QdrantRequest {
  return {
    method: "POST",
    path: `/collections/${TOKEN_REGISTRY}/points/scroll`,
    body: {
      limit: REGISTRY_PAGE,
      with_payload: true,
      with_vector: false,
      ...(offset !== undefined && { offset }),
    },
  };
}
