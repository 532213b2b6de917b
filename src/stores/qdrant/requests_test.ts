import assert from "node:assert/strict";
import {
  collectionInfo,
  collectionsTelemetry,
  createCollection,
  createRegistryIndexes,
  createTokenRegistry,
  deleteAliases,
  deleteCollection,
  listAliases,
  listCollections,
  REGISTRY_PAGE,
  revokeTokens,
  scrollTokenRecords,
  strictModeConfig,
  UNLIMITED_POINTS,
  updateStrictMode,
  upsertTokenRecord,
} from "./requests.ts";

const LIMITS = { readRateLimit: 600, writeRateLimit: 600, maxPointsCount: 1_000_000 };
const TOKEN_ID = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";

Deno.test("requests: listing needs three fixed requests whatever the number of collections", () => {
  assert.deepEqual(listCollections(), { method: "GET", path: "/collections" });
  assert.deepEqual(listAliases(), { method: "GET", path: "/aliases" });
  assert.deepEqual(collectionsTelemetry(), { method: "GET", path: "/telemetry?details_level=2" });
  assert.deepEqual(collectionInfo("tenant_acme"), {
    method: "GET",
    path: "/collections/tenant_acme",
  });
});

Deno.test("requests: a tenant collection has one unnamed vector and strict mode with the tenant's limits", () => {
  assert.deepEqual(
    createCollection("tenant_acme", { ...LIMITS, vectorSize: 768, distance: "Dot" }),
    {
      method: "PUT",
      path: "/collections/tenant_acme",
      body: {
        vectors: { size: 768, distance: "Dot" },
        strict_mode_config: {
          enabled: true,
          read_rate_limit: 600,
          write_rate_limit: 600,
          max_points_count: 1_000_000,
        },
      },
    },
  );
});

Deno.test("requests: unlimited points is a value the server keeps, since a PATCH cannot unset a limit", () => {
  const unlimited = strictModeConfig({ ...LIMITS, maxPointsCount: null });
  assert.equal(unlimited.max_points_count, UNLIMITED_POINTS);
  assert.ok(Number.isSafeInteger(unlimited.max_points_count));
  assert.equal(JSON.stringify(unlimited.max_points_count), "9007199254740991");
  assert.deepEqual(updateStrictMode("tenant_acme", { ...LIMITS, maxPointsCount: null }), {
    method: "PATCH",
    path: "/collections/tenant_acme",
    body: { strict_mode_config: unlimited },
  });
});

Deno.test("requests: names are path-encoded", () => {
  assert.equal(deleteCollection("a b/../c").path, "/collections/a%20b%2F..%2Fc");
  assert.equal(collectionInfo("x?y#z").path, "/collections/x%3Fy%23z");
});

Deno.test("requests: aliases are deleted with delete_alias actions", () => {
  assert.deepEqual(deleteAliases(["tenant_acme", "evil"]), {
    method: "POST",
    path: "/collections/aliases",
    body: {
      actions: [
        { delete_alias: { alias_name: "tenant_acme" } },
        { delete_alias: { alias_name: "evil" } },
      ],
    },
  });
});

Deno.test("requests: the registry has no vectors and keyword indexes on what value_exists matches", () => {
  assert.deepEqual(createTokenRegistry(), {
    method: "PUT",
    path: "/collections/bulkhead_tokens",
    body: {},
  });
  assert.deepEqual(createRegistryIndexes(), [
    {
      method: "PUT",
      path: "/collections/bulkhead_tokens/index?wait=true",
      body: { field_name: "tenant", field_schema: "keyword" },
    },
    {
      method: "PUT",
      path: "/collections/bulkhead_tokens/index?wait=true",
      body: { field_name: "token_id", field_schema: "keyword" },
    },
  ]);
});

Deno.test("requests: a token record is upserted and waited for, so the token works when apply returns", () => {
  const request = upsertTokenRecord("acme", TOKEN_ID, new Date(0));
  assert.equal(request.method, "PUT");
  assert.equal(request.path, "/collections/bulkhead_tokens/points?wait=true");
  assert.deepEqual(request.body, {
    points: [{
      id: TOKEN_ID,
      vector: {},
      payload: {
        token_id: TOKEN_ID,
        tenant: "acme",
        collection: "tenant_acme",
        issued_at: "1970-01-01T00:00:00.000Z",
      },
    }],
  });
});

Deno.test("requests: revocation deletes by the tenant's payload, optionally keeping one token", () => {
  assert.deepEqual(revokeTokens("acme"), {
    method: "POST",
    path: "/collections/bulkhead_tokens/points/delete?wait=true",
    body: { filter: { must: [{ key: "tenant", match: { value: "acme" } }] } },
  });
  assert.deepEqual(revokeTokens("acme", TOKEN_ID).body, {
    filter: {
      must: [{ key: "tenant", match: { value: "acme" } }],
      must_not: [{ key: "token_id", match: { value: TOKEN_ID } }],
    },
  });
});

Deno.test("requests: the registry is scrolled in large pages, payload only", () => {
  assert.deepEqual(scrollTokenRecords(), {
    method: "POST",
    path: "/collections/bulkhead_tokens/points/scroll",
    body: { limit: REGISTRY_PAGE, with_payload: true, with_vector: false },
  });
  assert.deepEqual(scrollTokenRecords(TOKEN_ID).body, {
    limit: REGISTRY_PAGE,
    with_payload: true,
    with_vector: false,
    offset: TOKEN_ID,
  });
  assert.equal(REGISTRY_PAGE, 10_000);
});
