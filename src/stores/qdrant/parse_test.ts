/**
 * Answers shaped as Qdrant v1.19.0 serialises them (openapi.json schemas and
 * `lib/collection/src/telemetry.rs`), written here by hand: no server answered them.
 */
import assert from "node:assert/strict";
import {
  parseAliases,
  parseCollectionConfig,
  parseCollectionInfo,
  parseCollectionNames,
  parseScrollPage,
  parseTelemetryShapes,
} from "./parse.ts";

const HNSW = { m: 16, ef_construct: 100, full_scan_threshold: 10000 };
const OPTIMIZER = { deleted_threshold: 0.2, vacuum_min_vector_number: 1000 };

function config(vectors: unknown, strict?: unknown) {
  return {
    params: { vectors, shard_number: 1, replication_factor: 1, on_disk_payload: true },
    hnsw_config: HNSW,
    optimizer_config: OPTIMIZER,
    wal_config: { wal_capacity_mb: 32, wal_segments_ahead: 0 },
    quantization_config: null,
    ...(strict !== undefined && { strict_mode_config: strict }),
  };
}

Deno.test("parse: collection names come back sorted", () => {
  assert.deepEqual(
    parseCollectionNames({
      collections: [{ name: "tenant_b" }, { name: "bulkhead_tokens" }, { name: "tenant_a" }],
    }),
    ["bulkhead_tokens", "tenant_a", "tenant_b"],
  );
  assert.deepEqual(parseCollectionNames({ collections: [] }), []);
  assert.throws(
    () => parseCollectionNames({ collections: [{ id: "x" }] }),
    /collections\[0\]\.name is not text/,
  );
  assert.throws(() => parseCollectionNames(null), /result is not an object/);
});

Deno.test("parse: aliases come back sorted by alias name", () => {
  assert.deepEqual(
    parseAliases({
      aliases: [
        { alias_name: "z", collection_name: "tenant_a" },
        { alias_name: "tenant_b", collection_name: "tenant_a" },
      ],
    }),
    [
      { alias: "tenant_b", collection: "tenant_a" },
      { alias: "z", collection: "tenant_a" },
    ],
  );
  assert.throws(
    () => parseAliases({ aliases: [{ alias_name: "x" }] }),
    /collection_name is not text/,
  );
});

Deno.test("parse: a single unnamed vector with Bulkhead's strict mode", () => {
  const shape = parseCollectionConfig(config(
    { size: 768, distance: "Cosine", on_disk: false },
    {
      enabled: true,
      read_rate_limit: 6000,
      write_rate_limit: 6000,
      max_points_count: 10000000,
      max_query_limit: 100,
    },
  ));
  assert.deepEqual(shape, {
    vectorSize: 768,
    distance: "Cosine",
    namedVectors: [],
    strictMode: true,
    readRateLimit: 6000,
    writeRateLimit: 6000,
    maxPointsCount: 10000000,
  });
});

Deno.test("parse: named vectors keep the unnamed one's parameters and list the others sorted", () => {
  const shape = parseCollectionConfig(config({
    "": { size: 384, distance: "Dot" },
    zeta: { size: 3, distance: "Euclid" },
    alpha: { size: 2, distance: "Cosine" },
  }));
  assert.equal(shape.vectorSize, 384);
  assert.equal(shape.distance, "Dot");
  assert.deepEqual(shape.namedVectors, ["alpha", "zeta"]);
});

Deno.test("parse: no unnamed vector, no strict mode and the unlimited marker read as null", () => {
  const shape = parseCollectionConfig(config({ text: { size: 3, distance: "Dot" } }));
  assert.deepEqual(shape, {
    vectorSize: null,
    distance: null,
    namedVectors: ["text"],
    strictMode: false,
    readRateLimit: null,
    writeRateLimit: null,
    maxPointsCount: null,
  });
  assert.equal(parseCollectionConfig(config({}, null)).strictMode, false);
  assert.equal(
    parseCollectionConfig(config({}, { enabled: true, max_points_count: 9007199254740991 }))
      .maxPointsCount,
    null,
  );
  assert.equal(parseCollectionConfig({ params: {} }).vectorSize, null);
  assert.throws(() => parseCollectionConfig({}), /config\.params is not an object/);
});

Deno.test("parse: telemetry at details level 2 gives every collection's shape in one answer", () => {
  const telemetry = {
    id: "8f0a3c1e-0000-4000-8000-000000000000",
    app: { name: "qdrant", version: "1.19.0", jwt_rbac: true },
    collections: {
      number_of_collections: 3,
      collections: [
        {
          id: "tenant_a",
          init_time_ms: 12,
          config: config({ size: 4, distance: "Cosine" }, { enabled: true, read_rate_limit: 60 }),
        },
        { id: "bulkhead_tokens", init_time_ms: 3, config: config({}) },
        // An aggregated entry (details level 1) has no id/config: read later, one by one.
        { vectors: 0, optimizers_status: "ok", params: { vectors: {} } },
      ],
      snapshots: [{ id: "tenant_a", running_snapshots: 0 }],
    },
  };
  const shapes = parseTelemetryShapes(telemetry);
  assert.deepEqual([...shapes.keys()], ["tenant_a", "bulkhead_tokens"]);
  assert.equal(shapes.get("tenant_a")?.readRateLimit, 60);
  assert.equal(parseTelemetryShapes({ collections: { number_of_collections: 0 } }).size, 0);
  assert.equal(parseTelemetryShapes({}).size, 0);
});

Deno.test("parse: collection info gives the shape and the keyword-indexed fields", () => {
  const info = {
    status: "green",
    optimizer_status: "ok",
    points_count: 2,
    segments_count: 1,
    config: config({}),
    payload_schema: {
      token_id: { data_type: "keyword", points: 2 },
      tenant: { data_type: "keyword", points: 2 },
      issued_at: { data_type: "datetime", points: 2 },
    },
  };
  const parsed = parseCollectionInfo(info, "bulkhead_tokens");
  assert.deepEqual(parsed.keywordIndexes, ["tenant", "token_id"]);
  assert.equal(parsed.shape.vectorSize, null);
  assert.deepEqual(parseCollectionInfo({ ...info, payload_schema: {} }, "x").keywordIndexes, []);
});

Deno.test("parse: a scroll page gives records with matchable values and the next offset", () => {
  const page = parseScrollPage({
    points: [
      {
        id: "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
        payload: {
          token_id: "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
          tenant: "acme",
          issued_at: "2026-01-01T00:00:00Z",
        },
      },
      { id: 7, payload: { token_id: ["x", 3, "y"], tenant: ["acme", "globex"] } },
      { id: 8, payload: null },
      { id: 9 },
    ],
    next_page_offset: "2c4e28ba-2fa1-41d2-883f-0016d3cca427",
  });
  assert.deepEqual(page.records, [
    {
      id: "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
      tokenIds: ["1b4e28ba-2fa1-41d2-883f-0016d3cca427"],
      tenants: ["acme"],
    },
    { id: "7", tokenIds: ["x", "y"], tenants: ["acme", "globex"] },
    { id: "8", tokenIds: [], tenants: [] },
    { id: "9", tokenIds: [], tenants: [] },
  ]);
  assert.equal(page.next, "2c4e28ba-2fa1-41d2-883f-0016d3cca427");
  assert.equal(parseScrollPage({ points: [], next_page_offset: null }).next, null);
  assert.equal(parseScrollPage({ points: [] }).next, null);
  assert.equal(parseScrollPage({ points: [], next_page_offset: 42 }).next, 42);
});
