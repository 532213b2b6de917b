/**
 * Qdrant's answers (the `result` of its `{result, status, time}` envelope) turned into
 * canonical values: sorted lists, nulls for what is not set. Tolerant of fields a newer
 * server adds; strict about the ones Bulkhead reads, so a changed shape fails loudly
 * instead of reading as drift. Shapes from qdrant/qdrant v1.19.0 openapi.json
 * (CollectionsResponse, CollectionsAliasesResponse, CollectionInfo, CollectionConfig,
 * VectorsConfig, StrictModeConfigOutput, ScrollResult) and
 * `lib/collection/src/telemetry.rs` (CollectionTelemetry, CollectionConfigTelemetry).
 */
import { UNLIMITED_POINTS } from "./requests.ts";

export interface AliasEntry {
  alias: string;
  collection: string;
}

/** What Bulkhead compares of a collection's config. */
export interface CollectionShape {
  /** Size and distance of the unnamed vector; null when the collection has none. */
  vectorSize: number | null;
  distance: string | null;
  /** Named vectors beside the unnamed one (a `rw` token may add them since 1.19). */
  namedVectors: string[];
  strictMode: boolean;
  readRateLimit: number | null;
  writeRateLimit: number | null;
  maxPointsCount: number | null;
}

/** A token registry record: the values value_exists would match, as Qdrant matches them. */
export interface TokenRecord {
  id: string;
  tokenIds: string[];
  tenants: string[];
}

export interface ScrollPage {
  records: TokenRecord[];
  next: string | number | null;
}

type Json = Record<string, unknown>;

function object(value: unknown, what: string): Json {
  if (value === null || typeof value !== "object" || Array.isArray(value)) {
    throw new Error(`unexpected Qdrant answer: ${what} is not an object`);
  }
  return value as Json;
}

function array(value: unknown, what: string): unknown[] {
  if (!Array.isArray(value)) throw new Error(`unexpected Qdrant answer: ${what} is not a list`);
  return value;
}

function text(value: unknown, what: string): string {
  if (typeof value !== "string") throw new Error(`unexpected Qdrant answer: ${what} is not text`);
  return value;
}

function count(value: unknown): number | null {
  return typeof value === "number" && Number.isInteger(value) && value > 0 ? value : null;
}

/** `GET /collections` → sorted collection names. */
export function parseCollectionNames(result: unknown): string[] {
  return array(object(result, "result").collections, "collections")
    .map((c, i) => text(object(c, `collections[${i}]`).name, `collections[${i}].name`))
    .sort();
}

/** `GET /aliases` → aliases sorted by name. */
export function parseAliases(result: unknown): AliasEntry[] {
  return array(object(result, "result").aliases, "aliases")
    .map((a, i) => {
      const entry = object(a, `aliases[${i}]`);
      return {
        alias: text(entry.alias_name, `aliases[${i}].alias_name`),
        collection: text(entry.collection_name, `aliases[${i}].collection_name`),
      };
    })
    .sort((a, b) => a.alias.localeCompare(b.alias));
}

/** `CollectionConfig` (or the telemetry's `CollectionConfigTelemetry`) → what Bulkhead compares. */
export function parseCollectionConfig(config: unknown, what = "config"): CollectionShape {
  const params = object(object(config, what).params, `${what}.params`);
  const vectors = params.vectors === undefined ? {} : object(params.vectors, `${what}.vectors`);
  // VectorsConfig is untagged: a single VectorParams has a numeric `size`; otherwise it
  // is a map name → VectorParams, the unnamed vector under "".
  const single = typeof vectors.size === "number";
  const unnamed = single
    ? vectors
    : vectors[""] === undefined
    ? undefined
    : object(vectors[""], `${what}.vectors[""]`);
  const strict = object(
    (object(config, what).strict_mode_config ?? {}) as unknown,
    `${what}.strict_mode_config`,
  );
  const maxPoints = count(strict.max_points_count);
  return {
    vectorSize: count(unnamed?.size),
    distance: typeof unnamed?.distance === "string" ? unnamed.distance : null,
    namedVectors: single ? [] : Object.keys(vectors).filter((k) => k !== "").sort(),
    strictMode: strict.enabled === true,
    readRateLimit: count(strict.read_rate_limit),
    writeRateLimit: count(strict.write_rate_limit),
    maxPointsCount: maxPoints !== null && maxPoints >= UNLIMITED_POINTS ? null : maxPoints,
  };
}

/**
 * `GET /telemetry?details_level=2` → each collection's shape by name. Collections whose
 * entry carries no config (an older server, or a lower details level) are left out: the
 * caller reads those one by one.
 */
export function parseTelemetryShapes(result: unknown): Map<string, CollectionShape> {
  const shapes = new Map<string, CollectionShape>();
  const collections = object(object(result, "result").collections ?? {}, "collections");
  const entries = collections.collections === undefined
    ? []
    : array(collections.collections, "collections.collections");
  entries.forEach((e, i) => {
    const entry = object(e, `collections.collections[${i}]`);
    if (typeof entry.id !== "string" || entry.config === undefined) return;
    shapes.set(entry.id, parseCollectionConfig(entry.config, `telemetry ${entry.id}`));
  });
  return shapes;
}

/** `GET /collections/{name}` → its shape and the fields that have a keyword index. */
export function parseCollectionInfo(
  result: unknown,
  name: string,
): { shape: CollectionShape; keywordIndexes: string[] } {
  const info = object(result, `collection ${name}`);
  const schema = object(info.payload_schema ?? {}, `collection ${name} payload_schema`);
  return {
    shape: parseCollectionConfig(info.config, `collection ${name} config`),
    keywordIndexes: Object.entries(schema)
      .filter(([, index]) => (index as Json | null)?.data_type === "keyword")
      .map(([field]) => field)
      .sort(),
  };
}

/** A payload value as a keyword match sees it: a string, or the strings of an array. */
function matchable(value: unknown): string[] {
  if (typeof value === "string") return [value];
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === "string");
  return [];
}

/** `POST …/points/scroll` → the page's token records and the next offset. */
export function parseScrollPage(result: unknown): ScrollPage {
  const page = object(result, "scroll result");
  const records = array(page.points, "scroll points").map((p, i) => {
    const point = object(p, `points[${i}]`);
    const payload = (point.payload ?? {}) as Json;
    return {
      id: String(point.id),
      tokenIds: matchable(payload.token_id),
      tenants: matchable(payload.tenant),
    };
  });
  const next = page.next_page_offset;
  return {
    records,
    next: typeof next === "string" || typeof next === "number" ? next : null,
  };
}
