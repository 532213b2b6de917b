/**
 * The route table against its origin: the pinned client's OpenAPI description (read
 * from the installed package) and the client's own operation list at run time.
 */
import assert from "node:assert/strict";
import { QdrantClient } from "@qdrant/js-client-rest";
import {
  fillPath,
  isCollectionRoute,
  OPENAPI_ROUTES,
  pathParams,
  QDRANT_ROUTES,
  SERVER_ONLY_ROUTES,
} from "./surface.ts";
import { openApiRoutes, openApiTypes } from "./openapi_testing.ts";

const key = (r: { method: string; path: string }) => `${r.method} ${r.path}`;

Deno.test("surface: the OpenAPI routes are exactly the pinned client's paths, methods and operationIds", async () => {
  const fromPackage = openApiRoutes(await openApiTypes());
  assert.equal(fromPackage.length, 69, "the 1.19.0 description has 69 operations");
  const sort = (rs: { operation: string; method: string; path: string }[]) =>
    rs.map((r) => `${r.operation} ${r.method} ${r.path}`).sort();
  assert.deepEqual(sort([...OPENAPI_ROUTES]), sort(fromPackage));
});

Deno.test("surface: the client's operations at run time are the OpenAPI routes, camel-cased", () => {
  const client = new QdrantClient({ url: "http://127.0.0.1:9", checkCompatibility: false });
  const camel = (s: string) => s.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
  assert.deepEqual(
    Object.keys(client.api()).sort(),
    OPENAPI_ROUTES.map((r) => camel(r.operation)).sort(),
  );
});

Deno.test("surface: server-only routes are neither OpenAPI routes nor duplicates", () => {
  const openapi = new Set(OPENAPI_ROUTES.map(key));
  for (const r of SERVER_ONLY_ROUTES) assert.ok(!openapi.has(key(r)), key(r));
  assert.equal(new Set(QDRANT_ROUTES.map(key)).size, QDRANT_ROUTES.length);
  assert.equal(new Set(QDRANT_ROUTES.map((r) => r.operation)).size, QDRANT_ROUTES.length);
  assert.equal(SERVER_ONLY_ROUTES.length, 29);
  // The legacy point routes a tenant could reach are in the table.
  for (const path of ["search", "recommend", "discover"]) {
    assert.ok(
      SERVER_ONLY_ROUTES.some((r) => r.path === `/collections/{collection_name}/points/${path}`),
    );
  }
});

Deno.test("surface: paths are filled with percent-encoded values, every placeholder required", () => {
  const template = "/collections/{collection_name}/snapshots/{snapshot_name}";
  assert.deepEqual(pathParams(template), ["collection_name", "snapshot_name"]);
  assert.equal(
    fillPath(template, { collection_name: "tenant_b %2F..?#", snapshot_name: "x y" }),
    "/collections/tenant_b%20%252F..%3F%23/snapshots/x%20y",
  );
  assert.throws(
    () => fillPath(template, { collection_name: "a" }),
    /no value for \{snapshot_name\}/,
  );
  assert.ok(isCollectionRoute(QDRANT_ROUTES.find((r) => r.operation === "scroll_points")!));
  assert.ok(!isCollectionRoute(QDRANT_ROUTES.find((r) => r.operation === "update_aliases")!));
});
