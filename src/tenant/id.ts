/**
 * Tenant id rules. An id is the tenant's file name and is immutable: every store name
 * is derived from it (see names.ts), so these rules are what keep those names valid
 * and distinct in every store.
 */

/** Longest id: leaves room for the longest derived name in every store (see names.ts). */
export const TENANT_ID_MAX_LENGTH = 32;
export const TENANT_ID_MIN_LENGTH = 2;

/** Lowercase letters and digits, single hyphens between them, starting with a letter. */
export const TENANT_ID_PATTERN = /^[a-z](?:[a-z0-9]|-(?=[a-z0-9]))*$/;

/**
 * Ids that would name, or be confused with, a store's own objects or Bulkhead's
 * shared ones.
 */
export const RESERVED_TENANT_IDS: ReadonlySet<string> = new Set([
  "admin",
  "all",
  "bulkhead",
  "default",
  "minio",
  "none",
  "pg",
  "postgres",
  "public",
  "qdrant",
  "redis",
  "registry",
  "root",
  "shared",
  "system",
  "template0",
  "template1",
]);

/** Returns why `id` is not a valid tenant id, or undefined when it is. */
export function tenantIdProblem(id: string): string | undefined {
  if (id.length < TENANT_ID_MIN_LENGTH || id.length > TENANT_ID_MAX_LENGTH) {
    return `tenant id must be ${TENANT_ID_MIN_LENGTH}-${TENANT_ID_MAX_LENGTH} characters long (got ${id.length})`;
  }
  if (!TENANT_ID_PATTERN.test(id)) {
    const rule = "lowercase letters, digits and single hyphens";
    if (/[A-Z]/.test(id)) return `tenant id must be lowercase (${rule})`;
    const bad = [...id].find((c) => !/[a-z0-9-]/.test(c));
    if (bad) return `tenant id may hold only ${rule}, not ${JSON.stringify(bad)}`;
    if (!/^[a-z]/.test(id)) return "tenant id must start with a letter";
    if (id.endsWith("-")) return "tenant id must not end with a hyphen";
    return `tenant id must not hold two hyphens in a row (${rule})`;
  }
  if (RESERVED_TENANT_IDS.has(id)) {
    return `tenant id "${id}" is reserved`;
  }
  return undefined;
}
