/**
 * Every route's attack plan: mapped to a check of the contract, built into a request
 * the server's extractors accept (so that its access check decides), and harmless if a
 * broken server lets it through.
 */
import assert from "node:assert/strict";
import {
  attackRoutes,
  type BodyContext,
  buildRequest,
  checkOf,
  collectionFor,
  markerPointId,
  PROBE_NAME_PREFIX,
  type ProbeRequest,
  requestCollection,
  ROUTE_PLANS,
  surfaceCoverage,
  type Target,
} from "./attack_surface.ts";
import { QDRANT_ROUTES, type QdrantOperation } from "./surface.ts";
import { QDRANT_CHECKS, QDRANT_RESIDUAL_LEAKS } from "./contract.ts";
import { openApiBodies, openApiTypes, requiredProperties } from "./openapi_testing.ts";

const ctx = (overrides: Partial<BodyContext> = {}): BodyContext => ({
  collection: "tenant_bob",
  vectorSize: 4,
  ownCollection: "tenant_alice",
  victimCollection: "tenant_bob",
  pointIds: [markerPointId("bob"), 7],
  absentPoint: "5c0e6a8e-3b1f-4c55-9a64-3d7e1f0b9a21",
  probeName: `${PROBE_NAME_PREFIX}000abc`,
  variant: 0,
  ...overrides,
});

/** Every request the plans can build: each route, target and body variant. */
function allRequests(): { operation: QdrantOperation; target: Target; request: ProbeRequest }[] {
  return attackRoutes().flatMap(({ operation, targets }) =>
    targets.flatMap((target) =>
      Array.from({ length: ROUTE_PLANS[operation].variants ?? 1 }, (_, variant) => ({
        operation,
        target,
        request: buildRequest(
          operation,
          target,
          ctx({
            variant,
            collection: collectionFor(target, {
              victimName: "tenant_bob",
              victimCollection: "tenant_bob",
              ownCollection: "tenant_alice",
              probeName: ctx().probeName,
            }),
          }),
        ),
      }))
    )
  );
}

Deno.test("attack surface: every route has a role; every attack maps to an isolation check of the contract", () => {
  const isolation = new Set(
    QDRANT_CHECKS.filter((c) => (c.kind ?? "isolation") === "isolation").map((c) => c.id),
  );
  const leaks = new Set(QDRANT_RESIDUAL_LEAKS.map((l) => l.id));
  for (const route of QDRANT_ROUTES) {
    const plan = ROUTE_PLANS[route.operation as QdrantOperation];
    assert.ok(plan, route.operation);
    if (plan.role === "attack") {
      const checks = Object.values(plan.targets ?? {});
      assert.ok(checks.length > 0, `${route.operation} has no target`);
      for (const check of checks) assert.ok(isolation.has(check), `${route.operation}: ${check}`);
    } else if (plan.role === "residual" || plan.role === "open") {
      assert.ok(leaks.has(plan.residual ?? ""), `${route.operation} names no residual leak`);
    }
  }
  assert.equal(checkOf("scroll_points", "victim", "bulkhead_tokens", "bulkhead_tokens"), "QD-009");
  assert.equal(checkOf("scroll_points", "victim", "tenant_bob", "bulkhead_tokens"), "QD-002");
  assert.equal(checkOf("query_points", "lookup", "tenant_alice", "bulkhead_tokens"), "QD-004");
  assert.throws(() => checkOf("scroll_points", "own", "tenant_alice", "bulkhead_tokens"));
});

Deno.test("attack surface: coverage counts add up to the whole surface", () => {
  const c = surfaceCoverage();
  assert.equal(c.routes, QDRANT_ROUTES.length);
  assert.equal(c.openapi + c.serverOnly, c.routes);
  assert.equal(c.attacked + c.listings + c.residual + c.open, c.routes);
  assert.deepEqual({ listings: c.listings, residual: c.residual, open: c.open }, {
    listings: 3,
    residual: 2,
    open: 4,
  });
});

Deno.test("attack surface: OpenAPI routes get exactly the body their schema declares, with its required fields", async () => {
  const types = await openApiTypes();
  const bodies = openApiBodies(types);
  // Union schemas (no single property list in the OpenAPI types), checked by hand.
  const unions: Record<string, (body: Record<string, unknown>) => boolean> = {
    VectorNameConfig: (b) => "dense" in b || "sparse" in b,
    ClusterOperations: (b) => Object.keys(b).length === 1,
    PointInsertOperations: (b) => "points" in b || "batch" in b,
    PointsSelector: (b) => "points" in b || "filter" in b,
  };
  for (const { operation, target, request } of allRequests()) {
    const declared = bodies.get(operation);
    if (declared === undefined) continue; // server-only route: next test
    const what = `${operation} (${target})`;
    if (declared.contentType === "multipart/form-data") {
      assert.equal(request.multipart?.field, "snapshot", what);
      continue;
    }
    if (declared.contentType === undefined) {
      assert.equal(request.body, undefined, `${what} takes no body`);
      continue;
    }
    assert.equal(declared.contentType, "application/json", what);
    const body = request.body as Record<string, unknown>;
    assert.ok(body !== null && typeof body === "object", `${what} needs a JSON object body`);
    const required = requiredProperties(types, declared.schema!);
    if (required === undefined) {
      assert.ok(unions[declared.schema!]?.(body), `${what}: ${declared.schema} by hand`);
    } else {
      for (const field of required) assert.ok(field in body, `${what}: missing ${field}`);
    }
  }
});

Deno.test("attack surface: server-only routes get the fields their Rust request types require", () => {
  // qdrant/qdrant v1.19.0: lib/collection/src/operations/types.rs (SearchRequest,
  // RecommendRequestInternal, DiscoverRequestInternal, *Batch), lib/api/src/rest/schema.rs
  // (SearchGroupsRequestInternal, BaseGroupRequest), src/actix/api/*.rs.
  const required: Partial<Record<QdrantOperation, string[]>> = {
    search_points: ["vector", "limit"],
    batch_search_points: ["searches"],
    search_point_groups: ["vector", "group_by", "group_size", "limit"],
    recommend_points: ["limit"],
    recommend_batch_points: ["searches"],
    recommend_point_groups: ["group_by", "group_size", "limit"],
    discover_points: ["limit"],
    discover_batch_points: ["searches"],
    local_shard_get_points: ["ids"],
    recover_partial_snapshot_from: ["peer_url"],
    update_debugger_config: ["pyroscope"],
  };
  const withoutBody: QdrantOperation[] = [
    "get_cluster_metadata_keys",
    "get_cluster_metadata_key",
    "delete_cluster_metadata_key",
    "get_collection_memory",
    "truncate_unapplied_wal",
    "get_debugger_config",
    "get_slow_requests",
    "get_stacktrace",
    "get_logger_config",
    "cleanup_shard",
    "get_partial_snapshot_manifest",
  ];
  for (const { operation, target, request } of allRequests()) {
    const fields = required[operation];
    if (fields) {
      for (const f of fields) {
        assert.ok(f in (request.body as object), `${operation} (${target}): missing ${f}`);
      }
    }
    if (withoutBody.includes(operation)) assert.equal(request.body, undefined, operation);
  }
  const batch = buildRequest("recommend_batch_points", "lookup", ctx());
  const [search] = (batch.body as { searches: Record<string, unknown>[] }).searches;
  assert.ok("limit" in search && "positive" in search);
});

Deno.test("attack surface: requests aim where their target says, fully encoded", () => {
  for (const { operation, target, request } of allRequests()) {
    assert.ok(!request.path.includes("{"), `${operation}: unfilled ${request.path}`);
    const collection = requestCollection(request);
    const route = QDRANT_ROUTES.find((r) => r.operation === operation)!;
    if (!route.path.includes("{collection_name}")) continue;
    if (target === "victim") assert.equal(collection, "tenant_bob", operation);
    if (target === "own" || target === "lookup") assert.equal(collection, "tenant_alice");
    if (target === "absent") {
      assert.equal(collection, `tenant_bob_${PROBE_NAME_PREFIX}000abc`, operation);
    }
  }
  const trick = buildRequest("scroll_points", "victim", ctx({ collection: "tenant_bob ?#%" }));
  assert.equal(trick.path, "/collections/tenant_bob%20%3F%23%25/points/scroll");
  assert.equal(requestCollection(trick), "tenant_bob ?#%");
  const lookups = allRequests().filter((r) => r.target === "lookup");
  assert.ok(lookups.length >= 9);
  for (const { operation, request } of lookups) {
    assert.ok(
      JSON.stringify(request.body).includes('"tenant_bob"'),
      `${operation} names the victim`,
    );
  }
});

Deno.test("attack surface: what could destroy a collection only ever aims at a name nothing holds", () => {
  const destructive: QdrantOperation[] = [
    "delete_collection",
    "recover_from_uploaded_snapshot",
    "recover_from_snapshot",
    "recover_shard_from_uploaded_snapshot",
    "recover_shard_from_snapshot",
    "recover_partial_snapshot",
    "recover_partial_snapshot_from",
    "truncate_unapplied_wal",
    "cleanup_shard",
  ];
  for (const operation of destructive) {
    assert.deepEqual(Object.keys(ROUTE_PLANS[operation].targets ?? {}), ["absent"], operation);
  }
  // Writes on points aim at an id nothing holds; deletes name nothing that exists.
  for (
    const operation of ["delete_points", "set_payload", "clear_payload", "batch_update"] as const
  ) {
    const body = JSON.stringify(buildRequest(operation, "victim", ctx()).body);
    assert.ok(body.includes(ctx().absentPoint), operation);
    assert.ok(!body.includes(markerPointId("bob")), operation);
  }
  assert.deepEqual(buildRequest("update_collection", "own", ctx()).body, {});
  // Server configuration is written back as read.
  for (
    const operation of ["update_quotas", "update_logger_config", "update_debugger_config"] as const
  ) {
    assert.ok(ROUTE_PLANS[operation].mirror, operation);
  }
  assert.deepEqual(
    ROUTE_PLANS.update_quotas.mirror!.body({ config: { enabled: true }, usage: {} }),
    { enabled: true },
  );
});

Deno.test("attack surface: what an allowed attack created is undone, and nothing else", () => {
  const undo = (operation: QdrantOperation, target: Target, result?: unknown, c = ctx()) => {
    const sent = buildRequest(operation, target, c);
    return ROUTE_PLANS[operation].undo?.(sent, result);
  };
  assert.deepEqual(undo("create_field_index", "victim"), {
    operation: "delete_field_index",
    method: "DELETE",
    path: `/collections/tenant_bob/index/${PROBE_NAME_PREFIX}000abc`,
  });
  assert.deepEqual(undo("upsert_points", "victim"), {
    operation: "delete_points",
    method: "POST",
    path: "/collections/tenant_bob/points/delete?wait=true",
    body: { points: [ctx().absentPoint] },
  });
  assert.deepEqual(undo("create_vector_name", "victim")?.method, "DELETE");
  assert.equal(
    undo("create_snapshot", "victim", { name: "s1.snapshot" })?.path,
    "/collections/tenant_bob/snapshots/s1.snapshot",
  );
  assert.equal(undo("create_snapshot", "victim", {}), undefined);
  assert.equal(
    undo("create_full_snapshot", "server", { name: "f.snapshot" })?.path,
    "/snapshots/f.snapshot",
  );
  assert.equal(
    undo("update_cluster_metadata_key", "server")?.path,
    `/cluster/metadata/keys/${PROBE_NAME_PREFIX}000abc`,
  );
  // A collection is deleted only when the probes invented its name.
  const absent = ctx({ collection: `tenant_bob_${PROBE_NAME_PREFIX}000abc` });
  assert.equal(undo("create_collection", "absent", {}, absent)?.method, "DELETE");
  assert.equal(
    undo("create_collection", "own", {}, ctx({ collection: "tenant_alice" })),
    undefined,
  );
  // Aliases: a created or renamed alias is deleted; a delete needs no undo.
  assert.deepEqual(undo("update_aliases", "server")?.body, {
    actions: [{ delete_alias: { alias_name: "tenant_alice" } }],
  });
  assert.equal(undo("update_aliases", "server", {}, ctx({ variant: 3 })), undefined);
});

Deno.test("attack surface: the marker point id is a stable UUID per tenant", () => {
  const id = markerPointId("acme");
  assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(markerPointId("acme"), id);
  assert.notEqual(markerPointId("acme2"), id);
});
