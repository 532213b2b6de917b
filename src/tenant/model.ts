/**
 * The tenant file (`tenants/<id>.yaml`) as a strict zod schema, and the resolved
 * `Tenant` the rest of Bulkhead works with (tier defaults applied, camelCase).
 */
import { z } from "zod";
import {
  RESERVED_TENANT_IDS,
  TENANT_ID_MAX_LENGTH,
  TENANT_ID_MIN_LENGTH,
  TENANT_ID_PATTERN,
  tenantIdProblem,
} from "./id.ts";

export const TIERS = ["standard", "enterprise", "dedicated"] as const;
export type Tier = (typeof TIERS)[number];

export const STATUSES = ["active", "suspended", "decommissioned"] as const;
export type TenantStatus = (typeof STATUSES)[number];

export const POSTGRES_ISOLATIONS = ["database", "schema"] as const;
export type PostgresIsolation = (typeof POSTGRES_ISOLATIONS)[number];

export const DISTANCES = ["Cosine", "Euclid", "Dot", "Manhattan"] as const;
export type Distance = (typeof DISTANCES)[number];

export const MINIO_PREFIXES = ["raw", "parsed", "receipts", "exports"] as const;
export type MinioPrefix = (typeof MINIO_PREFIXES)[number];

export const STORE_NAMES = ["postgres", "redis", "minio", "qdrant"] as const;
export type StoreName = (typeof STORE_NAMES)[number];

const tenantId = z.string().superRefine((id, ctx) => {
  const problem = tenantIdProblem(id);
  if (problem) ctx.addIssue({ code: "custom", message: problem });
}).meta({
  description: "Tenant id: must equal the file name (without .yaml). Immutable.",
  // The refinement above is code; editors get the same rules as JSON Schema.
  pattern: TENANT_ID_PATTERN.source,
  minLength: TENANT_ID_MIN_LENGTH,
  maxLength: TENANT_ID_MAX_LENGTH,
  not: { enum: [...RESERVED_TENANT_IDS] },
});

const contact = z.strictObject({
  name: z.string().min(1).max(200),
  email: z.email(),
  role: z.enum(["owner", "technical", "security", "billing"]),
});

const limits = z.strictObject({
  max_connections: z.int().min(1).max(10_000).optional()
    .describe("PostgreSQL connection limit of the tenant's role."),
  max_storage_gb: z.number().positive().max(1_000_000).optional()
    .describe("MinIO hard quota of the tenant's bucket, in GiB."),
  max_requests_per_minute: z.int().min(1).max(10_000_000).optional()
    .describe("Qdrant strict-mode read and write rate limit of the tenant's collection."),
  max_vectors: z.int().min(1).optional()
    .describe("Qdrant strict-mode limit on the points in the tenant's collection."),
}).describe(
  "Limits enforced by the stores themselves. Redis cannot limit a single ACL user's memory, QPS or connections; see spec/isolation-contract.md.",
);

const labelKey = z.string().regex(
  /^[a-z0-9]([a-z0-9._/-]{0,61}[a-z0-9])?$/,
  "label keys are lowercase letters, digits, '.', '_', '/', '-' (1-63 characters)",
);

const stores = z.strictObject({
  postgres: z.strictObject({
    isolation: z.enum(POSTGRES_ISOLATIONS).optional()
      .describe("database: a database per tenant; schema: a schema in the tier's shared database."),
  }).optional(),
  redis: z.strictObject({}).optional(),
  minio: z.strictObject({
    prefixes: z.array(z.enum(MINIO_PREFIXES)).optional()
      .describe("Object prefixes laid out in the tenant's bucket."),
  }).optional(),
  qdrant: z.strictObject({
    vector_size: z.int().min(1).max(65_536).optional(),
    distance: z.enum(DISTANCES).optional(),
  }).optional(),
}).refine((s) => Object.values(s).some((v) => v !== undefined), {
  message: "a tenant must use at least one store (postgres, redis, minio, qdrant)",
}).describe("The stores the tenant uses; a store left out is not provisioned.");

export const tenantFileSchema = z.strictObject({
  id: tenantId,
  name: z.string().min(1).max(200).describe("Display name."),
  tier: z.enum(TIERS),
  status: z.enum(STATUSES).optional().describe("Defaults to active."),
  contacts: z.array(contact).min(1),
  limits: limits.optional(),
  stores: stores,
  retention_days: z.int().min(0).max(3650).optional()
    .describe("Days a decommissioned tenant's data and keys are kept before destruction."),
  labels: z.record(labelKey, z.string().max(200)).optional(),
}).describe("A Bulkhead tenant: one file tenants/<id>.yaml per tenant.");

export type TenantFile = z.infer<typeof tenantFileSchema>;

export interface Contact {
  name: string;
  email: string;
  role: "owner" | "technical" | "security" | "billing";
}

export interface TenantLimits {
  maxConnections: number;
  maxStorageGb: number;
  maxRequestsPerMinute: number;
  maxVectors: number | null;
}

export interface TenantStores {
  postgres?: { isolation: PostgresIsolation };
  redis?: Record<never, never>;
  minio?: { prefixes: MinioPrefix[] };
  qdrant?: { vectorSize: number; distance: Distance };
}

/** A tenant as declared, with tier defaults applied. */
export interface Tenant {
  id: string;
  name: string;
  tier: Tier;
  status: TenantStatus;
  contacts: Contact[];
  limits: TenantLimits;
  stores: TenantStores;
  retentionDays: number;
  labels: Record<string, string>;
  /** The file it was loaded from, relative to the working directory. */
  file: string;
}
