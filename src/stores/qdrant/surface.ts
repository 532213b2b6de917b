/**
 * Qdrant's whole REST surface, as data: every route a Qdrant 1.19.0 server answers.
 *
 * Origin:
 * - `OPENAPI_ROUTES`: the `paths` of Qdrant's OpenAPI description as shipped with the
 *   pinned client, `@qdrant/js-client-rest` 1.19.0
 *   (`dist/types/openapi/generated_schema.d.ts`, generated from qdrant/qdrant
 *   `docs/redoc/master/openapi.json`). `deno check` proves the list names exactly the
 *   client's operations (see `_openApiComplete` below); surface_test.ts proves each
 *   method and path against the installed package's schema file.
 * - `SERVER_ONLY_ROUTES`: routes the 1.19.0 server registers that its OpenAPI does not
 *   describe (legacy search / recommend / discover, the local-shard, partial-snapshot,
 *   cluster-metadata, logger, debugger, profiler and audit endpoints), read from the
 *   route attributes in qdrant/qdrant v1.19.0 `src/actix/api/*.rs` and `src/actix/mod.rs`
 *   (`config_*_api`). Routes compiled only with the `staging` feature and the web UI
 *   are left out: release builds do not serve them.
 *
 * The server itself cannot list its routes (it serves no OpenAPI document), so this
 * table is as close to "enumerated from the store" as Qdrant allows.
 */
import type { QdrantClient } from "@qdrant/js-client-rest";

export type HttpMethod = "GET" | "PUT" | "POST" | "PATCH" | "DELETE";

export interface QdrantRoute {
  /** The OpenAPI operationId, or the server's handler name for server-only routes. */
  operation: string;
  method: HttpMethod;
  /** Path template with `{param}` placeholders, as the server declares it. */
  path: string;
  source: "openapi" | "server";
}

type RouteRow = readonly [operation: string, method: HttpMethod, path: string];

/** The client's operation names: the OpenAPI operationIds in camelCase. */
type ClientOperation = keyof ReturnType<QdrantClient["api"]>;
type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S;

const C = "/collections/{collection_name}";

const OPENAPI_ROWS = [
  ["list_shard_keys", "GET", `${C}/shards`],
  ["create_shard_key", "PUT", `${C}/shards`],
  ["delete_shard_key", "POST", `${C}/shards/delete`],
  ["root", "GET", "/"],
  ["telemetry", "GET", "/telemetry"],
  ["metrics", "GET", "/metrics"],
  ["healthz", "GET", "/healthz"],
  ["livez", "GET", "/livez"],
  ["readyz", "GET", "/readyz"],
  ["get_issues", "GET", "/issues"],
  ["clear_issues", "DELETE", "/issues"],
  ["cluster_status", "GET", "/cluster"],
  ["cluster_telemetry", "GET", "/cluster/telemetry"],
  ["recover_current_peer", "POST", "/cluster/recover"],
  ["remove_peer", "DELETE", "/cluster/peer/{peer_id}"],
  ["get_quotas", "GET", "/quotas"],
  ["update_quotas", "PUT", "/quotas"],
  ["get_collections", "GET", "/collections"],
  ["get_collection", "GET", C],
  ["create_collection", "PUT", C],
  ["delete_collection", "DELETE", C],
  ["update_collection", "PATCH", C],
  ["update_aliases", "POST", "/collections/aliases"],
  ["create_field_index", "PUT", `${C}/index`],
  ["collection_exists", "GET", `${C}/exists`],
  ["delete_field_index", "DELETE", `${C}/index/{field_name}`],
  ["create_vector_name", "PUT", `${C}/vectors/{vector_name}`],
  ["delete_vector_name", "DELETE", `${C}/vectors/{vector_name}`],
  ["collection_cluster_info", "GET", `${C}/cluster`],
  ["update_collection_cluster", "POST", `${C}/cluster`],
  ["get_optimizations", "GET", `${C}/optimizations`],
  ["get_collection_aliases", "GET", `${C}/aliases`],
  ["get_collections_aliases", "GET", "/aliases"],
  ["recover_from_uploaded_snapshot", "POST", `${C}/snapshots/upload`],
  ["recover_from_snapshot", "PUT", `${C}/snapshots/recover`],
  ["list_snapshots", "GET", `${C}/snapshots`],
  ["create_snapshot", "POST", `${C}/snapshots`],
  ["get_snapshot", "GET", `${C}/snapshots/{snapshot_name}`],
  ["delete_snapshot", "DELETE", `${C}/snapshots/{snapshot_name}`],
  ["list_full_snapshots", "GET", "/snapshots"],
  ["create_full_snapshot", "POST", "/snapshots"],
  ["get_full_snapshot", "GET", "/snapshots/{snapshot_name}"],
  ["delete_full_snapshot", "DELETE", "/snapshots/{snapshot_name}"],
  ["stream_shard_snapshot", "GET", `${C}/shards/{shard_id}/snapshot`],
  ["recover_shard_from_uploaded_snapshot", "POST", `${C}/shards/{shard_id}/snapshots/upload`],
  ["recover_shard_from_snapshot", "PUT", `${C}/shards/{shard_id}/snapshots/recover`],
  ["list_shard_snapshots", "GET", `${C}/shards/{shard_id}/snapshots`],
  ["create_shard_snapshot", "POST", `${C}/shards/{shard_id}/snapshots`],
  ["get_shard_snapshot", "GET", `${C}/shards/{shard_id}/snapshots/{snapshot_name}`],
  ["delete_shard_snapshot", "DELETE", `${C}/shards/{shard_id}/snapshots/{snapshot_name}`],
  ["get_point", "GET", `${C}/points/{id}`],
  ["upsert_points", "PUT", `${C}/points`],
  ["get_points", "POST", `${C}/points`],
  ["delete_points", "POST", `${C}/points/delete`],
  ["update_vectors", "PUT", `${C}/points/vectors`],
  ["delete_vectors", "POST", `${C}/points/vectors/delete`],
  ["overwrite_payload", "PUT", `${C}/points/payload`],
  ["set_payload", "POST", `${C}/points/payload`],
  ["delete_payload", "POST", `${C}/points/payload/delete`],
  ["clear_payload", "POST", `${C}/points/payload/clear`],
  ["batch_update", "POST", `${C}/points/batch`],
  ["scroll_points", "POST", `${C}/points/scroll`],
  ["count_points", "POST", `${C}/points/count`],
  ["facet", "POST", `${C}/facet`],
  ["query_points", "POST", `${C}/points/query`],
  ["query_batch_points", "POST", `${C}/points/query/batch`],
  ["query_points_groups", "POST", `${C}/points/query/groups`],
  ["search_matrix_pairs", "POST", `${C}/points/search/matrix/pairs`],
  ["search_matrix_offsets", "POST", `${C}/points/search/matrix/offsets`],
] as const satisfies readonly RouteRow[];

/**
 * Compile-time proof that OPENAPI_ROWS names every operation of the pinned client and
 * nothing else: a missing or extra operation makes `deno check` fail here.
 */
type ListedOperation = Camel<(typeof OPENAPI_ROWS)[number][0]>;
const _openApiComplete: [ClientOperation] extends [ListedOperation]
  ? [ListedOperation] extends [ClientOperation] ? true : "listed operations the client lacks"
  : "client operations missing from OPENAPI_ROWS" = true;

const SERVER_ONLY_ROWS = [
  ["get_audit_logs", "POST", "/audit/logs"],
  ["get_cluster_metadata_keys", "GET", "/cluster/metadata/keys"],
  ["get_cluster_metadata_key", "GET", "/cluster/metadata/keys/{key}"],
  ["update_cluster_metadata_key", "PUT", "/cluster/metadata/keys/{key}"],
  ["delete_cluster_metadata_key", "DELETE", "/cluster/metadata/keys/{key}"],
  ["get_collection_memory", "GET", `${C}/memory`],
  ["truncate_unapplied_wal", "POST", `${C}/truncate_unapplied_wal`],
  ["get_debugger_config", "GET", "/debugger"],
  ["update_debugger_config", "PATCH", "/debugger"],
  ["get_slow_requests", "GET", "/profiler/slow_requests"],
  ["get_stacktrace", "GET", "/stacktrace"],
  ["get_logger_config", "GET", "/logger"],
  ["update_logger_config", "POST", "/logger"],
  ["search_points", "POST", `${C}/points/search`],
  ["batch_search_points", "POST", `${C}/points/search/batch`],
  ["search_point_groups", "POST", `${C}/points/search/groups`],
  ["recommend_points", "POST", `${C}/points/recommend`],
  ["recommend_batch_points", "POST", `${C}/points/recommend/batch`],
  ["recommend_point_groups", "POST", `${C}/points/recommend/groups`],
  ["discover_points", "POST", `${C}/points/discover`],
  ["discover_batch_points", "POST", `${C}/points/discover/batch`],
  // local_shard_api.rs: handler names get_points / scroll_points / count_points clash
  // with OpenAPI operations, hence the prefix.
  ["local_shard_get_points", "POST", `${C}/shards/{shard}/points`],
  ["local_shard_scroll_points", "POST", `${C}/shards/{shard}/points/scroll`],
  ["local_shard_count_points", "POST", `${C}/shards/{shard}/points/count`],
  ["cleanup_shard", "POST", `${C}/shards/{shard}/cleanup`],
  ["create_partial_snapshot", "POST", `${C}/shards/{shard}/snapshot/partial/create`],
  ["recover_partial_snapshot", "POST", `${C}/shards/{shard}/snapshot/partial/recover`],
  ["recover_partial_snapshot_from", "POST", `${C}/shards/{shard}/snapshot/partial/recover_from`],
  ["get_partial_snapshot_manifest", "GET", `${C}/shards/{shard}/snapshot/partial/manifest`],
] as const satisfies readonly RouteRow[];

export type QdrantOperation =
  | (typeof OPENAPI_ROWS)[number][0]
  | (typeof SERVER_ONLY_ROWS)[number][0];

const route = (source: QdrantRoute["source"]) => ([operation, method, path]: RouteRow) => ({
  operation,
  method,
  path,
  source,
});

export const OPENAPI_ROUTES: readonly QdrantRoute[] = OPENAPI_ROWS.map(route("openapi"));
export const SERVER_ONLY_ROUTES: readonly QdrantRoute[] = SERVER_ONLY_ROWS.map(route("server"));

/** Every route, OpenAPI first. */
export const QDRANT_ROUTES: readonly QdrantRoute[] = [...OPENAPI_ROUTES, ...SERVER_ONLY_ROUTES];

export function routeOf(operation: string): QdrantRoute {
  const found = QDRANT_ROUTES.find((r) => r.operation === operation);
  if (!found) throw new Error(`no Qdrant route named ${operation}`);
  return found;
}

/** The `{param}` names of a path template, in order. */
export function pathParams(template: string): string[] {
  return [...template.matchAll(/\{([a-z_]+)\}/g)].map((m) => m[1]);
}

/** A concrete path: every placeholder replaced by its percent-encoded value. */
export function fillPath(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{([a-z_]+)\}/g, (_, name: string) => {
    const value = values[name];
    if (value === undefined) throw new Error(`${template}: no value for {${name}}`);
    return encodeURIComponent(String(value));
  });
}

/** True when the route acts on one collection named in its path. */
export function isCollectionRoute(r: QdrantRoute): boolean {
  return pathParams(r.path).includes("collection_name");
}
