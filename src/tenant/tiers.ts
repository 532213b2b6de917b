/**
 * Tier defaults: the one place that says what a tenant gets when its file leaves a
 * setting out. The loader applies them; the README's table is generated from the same
 * numbers by `renderTierTable`.
 */
import type { Distance, PostgresIsolation, Tier } from "./model.ts";

export interface TierDefaults {
  postgresIsolation: PostgresIsolation;
  /** PostgreSQL connection limit of the tenant's role. */
  maxConnections: number;
  /** MinIO hard bucket quota. */
  maxStorageGb: number;
  /** Qdrant strict-mode read and write rate limit, per minute. */
  maxRequestsPerMinute: number;
  /** Qdrant strict-mode point count limit; null is unlimited. */
  maxVectors: number | null;
  /** Days a decommissioned tenant's data and keys are kept before they may be destroyed. */
  retentionDays: number;
  qdrantVectorSize: number;
  qdrantDistance: Distance;
}

export const TIER_DEFAULTS: Readonly<Record<Tier, Readonly<TierDefaults>>> = {
  standard: {
    postgresIsolation: "schema",
    maxConnections: 10,
    maxStorageGb: 10,
    maxRequestsPerMinute: 600,
    maxVectors: 1_000_000,
    retentionDays: 30,
    qdrantVectorSize: 384,
    qdrantDistance: "Cosine",
  },
  enterprise: {
    postgresIsolation: "database",
    maxConnections: 50,
    maxStorageGb: 100,
    maxRequestsPerMinute: 6_000,
    maxVectors: 10_000_000,
    retentionDays: 90,
    qdrantVectorSize: 768,
    qdrantDistance: "Cosine",
  },
  dedicated: {
    postgresIsolation: "database",
    maxConnections: 200,
    maxStorageGb: 1_000,
    maxRequestsPerMinute: 60_000,
    maxVectors: null,
    retentionDays: 365,
    qdrantVectorSize: 1536,
    qdrantDistance: "Cosine",
  },
};

/** Markdown table of the tier defaults, for the README. */
export function renderTierTable(): string {
  const tiers = Object.keys(TIER_DEFAULTS) as Tier[];
  const rows: [string, (d: TierDefaults) => string][] = [
    ["PostgreSQL isolation", (d) => d.postgresIsolation],
    ["limits.max_connections", (d) => String(d.maxConnections)],
    ["limits.max_storage_gb", (d) => String(d.maxStorageGb)],
    ["limits.max_requests_per_minute", (d) => String(d.maxRequestsPerMinute)],
    ["limits.max_vectors", (d) => d.maxVectors === null ? "unlimited" : String(d.maxVectors)],
    ["retention_days", (d) => String(d.retentionDays)],
    ["qdrant.vector_size", (d) => String(d.qdrantVectorSize)],
    ["qdrant.distance", (d) => d.qdrantDistance],
  ];
  const header = `| setting | ${tiers.join(" | ")} |\n|---|${tiers.map(() => "---").join("|")}|`;
  const body = rows.map(([name, get]) =>
    `| ${name} | ${tiers.map((t) => get(TIER_DEFAULTS[t])).join(" | ")} |`
  );
  return [header, ...body].join("\n");
}
