/**
 * How the probes use each route of Qdrant's surface (surface.ts): which check an attack
 * on it maps to for each kind of target, and how a well-formed request is built — a
 * malformed one would be refused by the extractors before the access check and prove
 * nothing. Bodies follow the 1.19.0 OpenAPI schemas (and, for server-only routes, the
 * Rust request types in qdrant/qdrant v1.19.0).
 *
 * Attacks must not damage anything when a broken server lets them through: writes aim
 * at point ids, index names, snapshot names and keys nothing holds; operations that
 * would destroy a collection (delete, restore from a snapshot, WAL truncation) aim at a
 * collection name that does not exist, which Qdrant's access control refuses exactly as
 * it refuses the victim's name; what an allowed attack creates is removed (`undo`) with
 * the same token; server configuration is written back as it was read (`mirror`).
 */
import { sha256 } from "@noble/hashes/sha2.js";
import { fillPath, pathParams, QDRANT_ROUTES, type QdrantOperation, routeOf } from "./surface.ts";
import type { HttpMethod } from "./surface.ts";

/**
 * Whom an attack aims at:
 * - victim: the victim's collection (its name, or a trick spelling of it, or the registry);
 * - absent: a collection name next to the victim's that nothing holds (destructive routes);
 * - own: the attacker's own collection, for operations its token must not have even there;
 * - lookup: the attacker's own collection, with the victim's named in the request body;
 * - server: server-wide routes.
 */
export type Target = "victim" | "absent" | "own" | "lookup" | "server";
export const TARGETS: readonly Target[] = ["victim", "absent", "own", "lookup", "server"];

export type PointId = number | string;

export interface BodyContext {
  /** The collection name in the path. */
  collection: string;
  /** Vector length for bodies: the target collection's declared size. */
  vectorSize: number;
  ownCollection: string;
  victimCollection: string;
  /** Point ids a read aims at (the victim's marker, small integers, random UUIDs). */
  pointIds: PointId[];
  /** A point id nothing holds: writes aim at it, so a write let through changes nothing. */
  absentPoint: string;
  /** Name for what an attack would create or delete (index, vector, snapshot, alias, key). */
  probeName: string;
  /** Which of the route's body variants. */
  variant: number;
}

/** One HTTP request of a probe, as plain data (never a key: the token is added when sent). */
export interface ProbeRequest {
  operation: QdrantOperation;
  method: HttpMethod;
  /** Path and query, percent-encoded. */
  path: string;
  body?: unknown;
  /** A multipart upload of `size` bytes that are not a snapshot. */
  multipart?: { field: string; filename: string; size: number };
}

export interface RoutePlan {
  /**
   * attack: random attacks use it; listing: a fixed QD-010 check; residual: a documented
   * leak the probes do not attack (it would fail every run); open: answers without a token.
   */
  role: "attack" | "listing" | "residual" | "open";
  /** The check an attack maps to, per target kind (registry targets map to QD-009). */
  targets?: Partial<Record<Target, string>>;
  residual?: string;
  /** Path parameters other than collection_name. */
  params?: (ctx: BodyContext) => Record<string, string | number>;
  query?: string;
  /** Number of body variants (default 1). */
  variants?: number;
  body?: (ctx: BodyContext, target: Target) => unknown;
  multipart?: boolean;
  /** The answer may be a large stream (a snapshot): its body is not read. */
  stream?: boolean;
  /** The request that removes what this one created, when it was let through. */
  undo?: (sent: ProbeRequest, result: unknown) => ProbeRequest | undefined;
  /** Server configuration: read it first with the same token and send it back unchanged. */
  mirror?: { from: QdrantOperation; body: (result: unknown) => unknown };
}

/** A vector of `size` non-zero values (any distance accepts it). */
export function vectorOf(size: number): number[] {
  return Array.from({ length: size }, (_, i) => ((i % 7) + 1) / 10);
}

/**
 * The point the probes keep in each tenant's collection (QD-011, controls): a UUID
 * derived from the tenant id, so every run and every replay names the same point.
 */
export function markerPointId(tenantId: string): string {
  const h = Array.from(
    sha256(new TextEncoder().encode(`bulkhead-probe-marker:${tenantId}`)).slice(0, 16),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Payload key the probes' own points carry, so a leftover one is recognisable. */
export const PROBE_PAYLOAD_KEY = "bulkhead_probe";

/** Prefix of every name an attack invents (indexes, vectors, snapshots, aliases, keys). */
export const PROBE_NAME_PREFIX = "bulkhead_probe_";

function request(
  operation: QdrantOperation,
  values: Record<string, string | number>,
  query?: string,
): ProbeRequest {
  const route = routeOf(operation);
  const path = fillPath(route.path, values);
  return { operation, method: route.method, path: query ? `${path}?${query}` : path };
}

/** The collection a request's path names, decoded ("" for server-wide routes). */
export function requestCollection(sent: ProbeRequest): string {
  return decodeURIComponent(/^\/collections\/([^/?]+)/.exec(sent.path)?.[1] ?? "");
}

/** The decoded path segment after `marker` (e.g. the vector name after `vectors`). */
function segmentAfter(sent: ProbeRequest, marker: string): string {
  const segments = sent.path.split("?")[0].split("/");
  return decodeURIComponent(segments[segments.indexOf(marker) + 1] ?? "");
}

/**
 * A collection the probes invented: only such a collection is ever deleted by an undo,
 * so a let-through attack on a real tenant's collection is reported, never "repaired".
 */
const probeOwned = (sent: ProbeRequest) => requestCollection(sent).includes(PROBE_NAME_PREFIX);
const resultName = (result: unknown) => {
  const name = (result as { name?: unknown } | null)?.name;
  return typeof name === "string" ? name : undefined;
};

const point = (ctx: BodyContext, id: PointId) => ({
  id,
  vector: vectorOf(ctx.vectorSize),
  payload: { [PROBE_PAYLOAD_KEY]: "attack" },
});
const lookup = (ctx: BodyContext) => ({ collection: ctx.victimCollection });
/** For recommend/discover examples: an id, which makes the server look points up. */
const example = (ctx: BodyContext) => ctx.pointIds[0] ?? 1;

const SHARD = { shard: 0 };
const SHARD_ID = { shard_id: 0 };
const absentSnapshot = (ctx: BodyContext) => `${ctx.probeName}.snapshot`;
const ABSENT_LOCATION = "file:///qdrant/snapshots/bulkhead-probe-absent.snapshot";

export const ROUTE_PLANS: Record<QdrantOperation, RoutePlan> = {
  // --- open and telemetry -----------------------------------------------------------
  root: { role: "open", residual: "QD-R04" },
  healthz: { role: "open", residual: "QD-R04" },
  livez: { role: "open", residual: "QD-R04" },
  readyz: { role: "open", residual: "QD-R04" },
  telemetry: { role: "residual", residual: "QD-R01" },
  cluster_telemetry: { role: "residual", residual: "QD-R02" },

  // --- listings (QD-010, fixed) -------------------------------------------------------
  get_collections: { role: "listing" },
  get_collections_aliases: { role: "listing" },
  get_issues: { role: "listing" },

  // --- collection metadata (QD-001) ---------------------------------------------------
  get_collection: { role: "attack", targets: { victim: "QD-001" } },
  collection_exists: { role: "attack", targets: { victim: "QD-001" } },
  get_collection_aliases: { role: "attack", targets: { victim: "QD-001" } },
  collection_cluster_info: { role: "attack", targets: { victim: "QD-001" } },
  get_optimizations: { role: "attack", targets: { victim: "QD-001" } },
  get_collection_memory: { role: "attack", targets: { victim: "QD-001" } },
  list_shard_keys: { role: "attack", targets: { victim: "QD-001" } },

  // --- reading points (QD-002) and reaching the victim from the own collection (QD-004)
  get_point: {
    role: "attack",
    targets: { victim: "QD-002" },
    params: (ctx) => ({ id: ctx.pointIds[0] ?? 1 }),
  },
  get_points: {
    role: "attack",
    targets: { victim: "QD-002" },
    body: (ctx) => ({ ids: ctx.pointIds, with_payload: true, with_vector: false }),
  },
  scroll_points: {
    role: "attack",
    targets: { victim: "QD-002" },
    body: () => ({ limit: 5, with_payload: true }),
  },
  count_points: { role: "attack", targets: { victim: "QD-002" }, body: () => ({ exact: true }) },
  facet: {
    role: "attack",
    targets: { victim: "QD-002" },
    body: () => ({ key: PROBE_PAYLOAD_KEY, limit: 5 }),
  },
  query_points: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    variants: 2,
    body: (ctx, target) => {
      if (target !== "lookup") return { query: vectorOf(ctx.vectorSize), limit: 3 };
      const recommend = { recommend: { positive: [example(ctx)] } };
      return ctx.variant === 0 ? { query: recommend, lookup_from: lookup(ctx), limit: 3 } : {
        prefetch: { query: recommend, lookup_from: lookup(ctx), limit: 3 },
        query: { fusion: "rrf" },
        limit: 3,
      };
    },
  },
  query_batch_points: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    body: (ctx, target) => ({
      searches: [
        target === "lookup"
          ? { query: { recommend: { positive: [example(ctx)] } }, lookup_from: lookup(ctx) }
          : { query: vectorOf(ctx.vectorSize), limit: 1 },
      ],
    }),
  },
  query_points_groups: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    body: (ctx, target) => ({
      query: vectorOf(ctx.vectorSize),
      group_by: PROBE_PAYLOAD_KEY,
      limit: 1,
      ...(target === "lookup" && { with_lookup: lookup(ctx) }),
    }),
  },
  search_matrix_pairs: {
    role: "attack",
    targets: { victim: "QD-002" },
    body: () => ({ sample: 2, limit: 1 }),
  },
  search_matrix_offsets: {
    role: "attack",
    targets: { victim: "QD-002" },
    body: () => ({ sample: 2, limit: 1 }),
  },
  search_points: {
    role: "attack",
    targets: { victim: "QD-002" },
    body: (ctx) => ({ vector: vectorOf(ctx.vectorSize), limit: 1 }),
  },
  batch_search_points: {
    role: "attack",
    targets: { victim: "QD-002" },
    body: (ctx) => ({ searches: [{ vector: vectorOf(ctx.vectorSize), limit: 1 }] }),
  },
  search_point_groups: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    body: (ctx, target) => ({
      vector: vectorOf(ctx.vectorSize),
      group_by: PROBE_PAYLOAD_KEY,
      group_size: 1,
      limit: 1,
      ...(target === "lookup" && { with_lookup: ctx.victimCollection }),
    }),
  },
  recommend_points: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    body: (ctx, target) => ({
      positive: [example(ctx)],
      limit: 1,
      ...(target === "lookup" && { lookup_from: lookup(ctx) }),
    }),
  },
  recommend_batch_points: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    body: (ctx, target) => ({
      searches: [{
        positive: [example(ctx)],
        limit: 1,
        ...(target === "lookup" && { lookup_from: lookup(ctx) }),
      }],
    }),
  },
  recommend_point_groups: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    variants: 2,
    body: (ctx, target) => ({
      positive: [example(ctx)],
      group_by: PROBE_PAYLOAD_KEY,
      group_size: 1,
      limit: 1,
      ...(target === "lookup" &&
        (ctx.variant === 0
          ? { lookup_from: lookup(ctx) }
          : { with_lookup: { collection: ctx.victimCollection } })),
    }),
  },
  discover_points: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    body: (ctx, target) => ({
      target: example(ctx),
      limit: 1,
      ...(target === "lookup" && { lookup_from: lookup(ctx) }),
    }),
  },
  discover_batch_points: {
    role: "attack",
    targets: { victim: "QD-002", lookup: "QD-004" },
    body: (ctx, target) => ({
      searches: [{
        target: example(ctx),
        limit: 1,
        ...(target === "lookup" && { lookup_from: lookup(ctx) }),
      }],
    }),
  },
  local_shard_get_points: {
    role: "attack",
    targets: { victim: "QD-002" },
    params: () => SHARD,
    body: (ctx) => ({ ids: ctx.pointIds, with_payload: true }),
  },
  local_shard_scroll_points: {
    role: "attack",
    targets: { victim: "QD-002" },
    params: () => SHARD,
    body: () => ({ limit: 5, with_payload: true }),
  },
  local_shard_count_points: {
    role: "attack",
    targets: { victim: "QD-002" },
    params: () => SHARD,
    body: () => ({ exact: true }),
  },

  // --- writing (QD-003) ---------------------------------------------------------------
  upsert_points: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ points: [point(ctx, ctx.absentPoint)] }),
    // Deletes only the point the attack wrote (an id nothing held before).
    undo: (sent) => ({
      ...request("delete_points", { collection_name: requestCollection(sent) }, "wait=true"),
      body: { points: (sent.body as { points: { id: PointId }[] }).points.map((p) => p.id) },
    }),
  },
  delete_points: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ points: [ctx.absentPoint] }),
  },
  update_vectors: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ points: [{ id: ctx.absentPoint, vector: vectorOf(ctx.vectorSize) }] }),
  },
  delete_vectors: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ points: [ctx.absentPoint], vector: [ctx.probeName] }),
  },
  set_payload: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ payload: { [PROBE_PAYLOAD_KEY]: "attack" }, points: [ctx.absentPoint] }),
  },
  overwrite_payload: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ payload: { [PROBE_PAYLOAD_KEY]: "attack" }, points: [ctx.absentPoint] }),
  },
  delete_payload: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ keys: [PROBE_PAYLOAD_KEY], points: [ctx.absentPoint] }),
  },
  clear_payload: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ points: [ctx.absentPoint] }),
  },
  batch_update: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ operations: [{ delete: { points: [ctx.absentPoint] } }] }),
  },
  create_field_index: {
    role: "attack",
    targets: { victim: "QD-003" },
    query: "wait=true",
    body: (ctx) => ({ field_name: ctx.probeName, field_schema: "keyword" }),
    undo: (sent) => ({
      ...request("delete_field_index", {
        collection_name: requestCollection(sent),
        field_name: (sent.body as { field_name: string }).field_name,
      }),
    }),
  },
  delete_field_index: {
    role: "attack",
    targets: { victim: "QD-003" },
    params: (ctx) => ({ field_name: ctx.probeName }),
  },
  create_vector_name: {
    role: "attack",
    targets: { victim: "QD-003" },
    params: (ctx) => ({ vector_name: ctx.probeName }),
    body: (ctx) => ({ dense: { size: ctx.vectorSize, distance: "Cosine" } }),
    undo: (sent) =>
      request("delete_vector_name", {
        collection_name: requestCollection(sent),
        vector_name: segmentAfter(sent, "vectors"),
      }),
  },
  delete_vector_name: {
    role: "attack",
    targets: { victim: "QD-003" },
    params: (ctx) => ({ vector_name: ctx.probeName }),
  },
  cleanup_shard: { role: "attack", targets: { absent: "QD-003" }, params: () => SHARD },

  // --- snapshots (QD-005) -------------------------------------------------------------
  list_snapshots: { role: "attack", targets: { victim: "QD-005" } },
  create_snapshot: {
    role: "attack",
    targets: { victim: "QD-005" },
    query: "wait=true",
    undo: (sent, result) => {
      const name = resultName(result);
      return name === undefined ? undefined : request("delete_snapshot", {
        collection_name: requestCollection(sent),
        snapshot_name: name,
      });
    },
  },
  get_snapshot: {
    role: "attack",
    targets: { victim: "QD-005" },
    params: (ctx) => ({ snapshot_name: absentSnapshot(ctx) }),
    stream: true,
  },
  delete_snapshot: {
    role: "attack",
    targets: { victim: "QD-005" },
    params: (ctx) => ({ snapshot_name: absentSnapshot(ctx) }),
  },
  list_shard_snapshots: { role: "attack", targets: { victim: "QD-005" }, params: () => SHARD_ID },
  create_shard_snapshot: {
    role: "attack",
    targets: { victim: "QD-005" },
    params: () => SHARD_ID,
    query: "wait=true",
    undo: (sent, result) => {
      const name = resultName(result);
      return name === undefined ? undefined : request("delete_shard_snapshot", {
        collection_name: requestCollection(sent),
        ...SHARD_ID,
        snapshot_name: name,
      });
    },
  },
  get_shard_snapshot: {
    role: "attack",
    targets: { victim: "QD-005" },
    params: (ctx) => ({ ...SHARD_ID, snapshot_name: absentSnapshot(ctx) }),
    stream: true,
  },
  delete_shard_snapshot: {
    role: "attack",
    targets: { victim: "QD-005" },
    params: (ctx) => ({ ...SHARD_ID, snapshot_name: absentSnapshot(ctx) }),
  },
  stream_shard_snapshot: {
    role: "attack",
    targets: { victim: "QD-005" },
    params: () => SHARD_ID,
    stream: true,
  },
  create_partial_snapshot: {
    role: "attack",
    targets: { victim: "QD-005" },
    params: () => SHARD,
    // SnapshotManifest is a transparent map of segment manifests: empty = "send all".
    body: () => ({}),
    stream: true,
  },
  get_partial_snapshot_manifest: {
    role: "attack",
    targets: { victim: "QD-005" },
    params: () => SHARD,
  },

  // --- managing collections (QD-006) --------------------------------------------------
  create_collection: {
    role: "attack",
    targets: { absent: "QD-006", own: "QD-006" },
    body: (ctx) => ({ vectors: { size: ctx.vectorSize, distance: "Cosine" } }),
    undo: (sent) =>
      probeOwned(sent)
        ? request("delete_collection", { collection_name: requestCollection(sent) })
        : undefined,
  },
  delete_collection: { role: "attack", targets: { absent: "QD-006" } },
  // An empty update changes nothing if it is let through.
  update_collection: {
    role: "attack",
    targets: { victim: "QD-006", own: "QD-006" },
    body: () => ({}),
  },
  create_shard_key: {
    role: "attack",
    targets: { victim: "QD-006", own: "QD-006" },
    body: (ctx) => ({ shard_key: ctx.probeName }),
    undo: (sent) => ({
      ...request("delete_shard_key", { collection_name: requestCollection(sent) }),
      body: sent.body,
    }),
  },
  delete_shard_key: {
    role: "attack",
    targets: { victim: "QD-006", own: "QD-006" },
    body: (ctx) => ({ shard_key: ctx.probeName }),
  },
  update_collection_cluster: {
    role: "attack",
    targets: { victim: "QD-006", own: "QD-006" },
    // Aborting a transfer that does not exist moves nothing.
    body: () => ({ abort_transfer: { shard_id: 0, from_peer_id: 1, to_peer_id: 2 } }),
  },
  recover_from_uploaded_snapshot: {
    role: "attack",
    targets: { absent: "QD-006" },
    multipart: true,
  },
  recover_from_snapshot: {
    role: "attack",
    targets: { absent: "QD-006" },
    body: () => ({ location: ABSENT_LOCATION }),
  },
  recover_shard_from_uploaded_snapshot: {
    role: "attack",
    targets: { absent: "QD-006" },
    params: () => SHARD_ID,
    multipart: true,
  },
  recover_shard_from_snapshot: {
    role: "attack",
    targets: { absent: "QD-006" },
    params: () => SHARD_ID,
    body: () => ({ location: ABSENT_LOCATION }),
  },
  recover_partial_snapshot: {
    role: "attack",
    targets: { absent: "QD-006" },
    params: () => SHARD,
    multipart: true,
  },
  recover_partial_snapshot_from: {
    role: "attack",
    targets: { absent: "QD-006" },
    params: () => SHARD,
    // A file URL: an http(s) one is refused by configuration, which proves nothing.
    body: () => ({ peer_url: "file:///qdrant/bulkhead-probe-absent" }),
  },
  truncate_unapplied_wal: { role: "attack", targets: { absent: "QD-006" } },

  // --- aliases (QD-007) ---------------------------------------------------------------
  update_aliases: {
    role: "attack",
    targets: { server: "QD-007" },
    variants: 4,
    body: (ctx) => {
      const actions = [
        // The attack the contract names: the attacker's own name onto the victim's data.
        { create_alias: { collection_name: ctx.victimCollection, alias_name: ctx.ownCollection } },
        { create_alias: { collection_name: ctx.victimCollection, alias_name: ctx.probeName } },
        { rename_alias: { old_alias_name: ctx.victimCollection, new_alias_name: ctx.probeName } },
        { delete_alias: { alias_name: ctx.probeName } },
      ];
      return { actions: [actions[ctx.variant % actions.length]] };
    },
    undo: (sent) => {
      const action = (sent.body as { actions: Record<string, Record<string, string>>[] })
        .actions[0];
      const alias = action.create_alias?.alias_name ?? action.rename_alias?.new_alias_name;
      return alias === undefined ? undefined : {
        ...request("update_aliases", {}),
        body: { actions: [{ delete_alias: { alias_name: alias } }] },
      };
    },
  },

  // --- server-wide (QD-008) -----------------------------------------------------------
  metrics: { role: "attack", targets: { server: "QD-008" } },
  clear_issues: { role: "attack", targets: { server: "QD-008" } },
  cluster_status: { role: "attack", targets: { server: "QD-008" } },
  recover_current_peer: { role: "attack", targets: { server: "QD-008" } },
  // A peer id no cluster has.
  remove_peer: {
    role: "attack",
    targets: { server: "QD-008" },
    params: () => ({ peer_id: Number.MAX_SAFE_INTEGER }),
  },
  get_quotas: { role: "attack", targets: { server: "QD-008" } },
  update_quotas: {
    role: "attack",
    targets: { server: "QD-008" },
    body: () => ({}),
    mirror: {
      from: "get_quotas",
      body: (result) => (result as { config?: unknown } | null)?.config ?? {},
    },
  },
  list_full_snapshots: { role: "attack", targets: { server: "QD-008" } },
  create_full_snapshot: {
    role: "attack",
    targets: { server: "QD-008" },
    query: "wait=true",
    undo: (_sent, result) => {
      const name = resultName(result);
      return name === undefined ? undefined : request("delete_full_snapshot", {
        snapshot_name: name,
      });
    },
  },
  get_full_snapshot: {
    role: "attack",
    targets: { server: "QD-008" },
    params: (ctx) => ({ snapshot_name: absentSnapshot(ctx) }),
    stream: true,
  },
  delete_full_snapshot: {
    role: "attack",
    targets: { server: "QD-008" },
    params: (ctx) => ({ snapshot_name: absentSnapshot(ctx) }),
  },
  get_audit_logs: { role: "attack", targets: { server: "QD-008" }, body: () => ({ limit: 1 }) },
  get_cluster_metadata_keys: { role: "attack", targets: { server: "QD-008" } },
  get_cluster_metadata_key: {
    role: "attack",
    targets: { server: "QD-008" },
    params: (ctx) => ({ key: ctx.probeName }),
  },
  update_cluster_metadata_key: {
    role: "attack",
    targets: { server: "QD-008" },
    params: (ctx) => ({ key: ctx.probeName }),
    query: "wait=true",
    body: () => "bulkhead-probe",
    undo: (sent) => request("delete_cluster_metadata_key", { key: segmentAfter(sent, "keys") }),
  },
  delete_cluster_metadata_key: {
    role: "attack",
    targets: { server: "QD-008" },
    params: (ctx) => ({ key: ctx.probeName }),
  },
  get_debugger_config: { role: "attack", targets: { server: "QD-008" } },
  update_debugger_config: {
    role: "attack",
    targets: { server: "QD-008" },
    body: () => ({ pyroscope: null }),
    mirror: {
      from: "get_debugger_config",
      body: (result) => ({
        pyroscope: (result as { pyroscope?: unknown } | null)?.pyroscope ?? null,
      }),
    },
  },
  get_slow_requests: { role: "attack", targets: { server: "QD-008" } },
  get_stacktrace: { role: "attack", targets: { server: "QD-008" } },
  get_logger_config: { role: "attack", targets: { server: "QD-008" } },
  update_logger_config: {
    role: "attack",
    targets: { server: "QD-008" },
    body: () => ({}),
    mirror: { from: "get_logger_config", body: (result) => result ?? {} },
  },
};

/** The check an attack maps to: the registry is QD-009 whatever the route. */
export function checkOf(
  operation: QdrantOperation,
  target: Target,
  collection: string,
  registry: string,
): string {
  if (target === "victim" && collection === registry) return "QD-009";
  const check = ROUTE_PLANS[operation].targets?.[target];
  if (!check) throw new Error(`${operation} is not attacked with target ${target}`);
  return check;
}

/**
 * The collection an attack's path names: the victim's (as spelled by `victimName`), a
 * name beside the victim's that nothing holds, the attacker's own, or none.
 */
export function collectionFor(
  target: Target,
  names: { victimName: string; victimCollection: string; ownCollection: string; probeName: string },
): string {
  switch (target) {
    case "victim":
      return names.victimName;
    case "absent":
      return `${names.victimCollection}_${names.probeName}`;
    case "own":
    case "lookup":
      return names.ownCollection;
    case "server":
      return "";
  }
}

/** Builds the request of one attack on `operation`; `ctx.collection` is the path's collection. */
export function buildRequest(
  operation: QdrantOperation,
  target: Target,
  ctx: BodyContext,
): ProbeRequest {
  const route = routeOf(operation);
  const plan = ROUTE_PLANS[operation];
  const values: Record<string, string | number> = { ...plan.params?.(ctx) };
  if (pathParams(route.path).includes("collection_name")) values.collection_name = ctx.collection;
  const path = fillPath(route.path, values) + (plan.query ? `?${plan.query}` : "");
  const sent: ProbeRequest = { operation, method: route.method, path };
  if (plan.multipart) {
    sent.multipart = { field: "snapshot", filename: `${ctx.probeName}.snapshot`, size: 64 };
  } else if (plan.body) {
    sent.body = plan.body(ctx, target);
  }
  return sent;
}

/** Routes random attacks draw from, with the targets each is attacked with. */
export function attackRoutes(): { operation: QdrantOperation; targets: Target[] }[] {
  return QDRANT_ROUTES
    .filter((r) => ROUTE_PLANS[r.operation as QdrantOperation].role === "attack")
    .map((r) => {
      const operation = r.operation as QdrantOperation;
      return {
        operation,
        targets: TARGETS.filter((t) => ROUTE_PLANS[operation].targets?.[t] !== undefined),
      };
    });
}

/** How the probes cover the surface: counts per role, for the contract and the report. */
export function surfaceCoverage() {
  const count = (role: RoutePlan["role"]) =>
    QDRANT_ROUTES.filter((r) => ROUTE_PLANS[r.operation as QdrantOperation].role === role).length;
  return {
    routes: QDRANT_ROUTES.length,
    openapi: QDRANT_ROUTES.filter((r) => r.source === "openapi").length,
    serverOnly: QDRANT_ROUTES.filter((r) => r.source === "server").length,
    attacked: count("attack"),
    listings: count("listing"),
    residual: count("residual"),
    open: count("open"),
  };
}
