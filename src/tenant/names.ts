/**
 * Every store name derived from a tenant id, in one place. Ids use single hyphens; SQL
 * and Qdrant names map them to underscores. Ids never contain underscores, so the
 * mapping stays one-to-one (names_test.ts proves it).
 */

const TENANT_PREFIX = "tenant";

function snake(id: string): string {
  return id.replaceAll("-", "_");
}

/** PostgreSQL database of a tenant with `database` isolation. */
export function postgresDatabase(id: string): string {
  return `${TENANT_PREFIX}_${snake(id)}`;
}

/** PostgreSQL login role of a tenant (both isolation modes). */
export function postgresRole(id: string): string {
  return `${TENANT_PREFIX}_${snake(id)}`;
}

/** PostgreSQL schema of a tenant: in its own database, or in the tier's shared one. */
export function postgresSchema(id: string): string {
  return `${TENANT_PREFIX}_${snake(id)}`;
}

/** Shared database that holds the schemas of tenants with `schema` isolation, per tier. */
export function postgresSharedDatabase(tier: string): string {
  return `bulkhead_shared_${tier}`;
}

/** Redis ACL user. */
export function redisUser(id: string): string {
  return `${TENANT_PREFIX}-${id}`;
}

/** Redis key prefix; always ends with the delimiter so `t1` never matches `t10`. */
export function redisKeyPrefix(id: string): string {
  return `${TENANT_PREFIX}:${id}:`;
}

/** Redis pub/sub channel prefix, same shape as the key prefix. */
export function redisChannelPrefix(id: string): string {
  return `${TENANT_PREFIX}:${id}:`;
}

/** MinIO (S3) bucket. */
export function minioBucket(id: string): string {
  return `${TENANT_PREFIX}-${id}`;
}

/** MinIO IAM user (its access key). */
export function minioUser(id: string): string {
  return `${TENANT_PREFIX}-${id}`;
}

/** MinIO canned policy attached to the tenant's user. */
export function minioPolicy(id: string): string {
  return `${TENANT_PREFIX}-${id}-policy`;
}

/** Qdrant collection. */
export function qdrantCollection(id: string): string {
  return `${TENANT_PREFIX}_${snake(id)}`;
}

/** Every derived name of a tenant, by store and kind: used by collision checks. */
export function allNames(id: string): Record<string, string> {
  return {
    "postgres.database": postgresDatabase(id),
    "postgres.role": postgresRole(id),
    "postgres.schema": postgresSchema(id),
    "redis.user": redisUser(id),
    "redis.key_prefix": redisKeyPrefix(id),
    "redis.channel_prefix": redisChannelPrefix(id),
    "minio.bucket": minioBucket(id),
    "minio.user": minioUser(id),
    "minio.policy": minioPolicy(id),
    "qdrant.collection": qdrantCollection(id),
  };
}

/**
 * The tenant id a store name was derived from, or undefined when the name does not look
 * like a tenant's. Used to report orphans: live resources that look like a tenant's but
 * belong to no tenant file.
 */
export function tenantIdFromName(
  kind: "snake" | "kebab" | "policy" | "redis-prefix",
  name: string,
): string | undefined {
  const patterns = {
    snake: /^tenant_([a-z][a-z0-9_]*)$/,
    kebab: /^tenant-([a-z][a-z0-9-]*)$/,
    policy: /^tenant-([a-z][a-z0-9-]*)-policy$/,
    "redis-prefix": /^tenant:([a-z][a-z0-9-]*):$/,
  };
  const match = patterns[kind].exec(name);
  if (!match) return undefined;
  return kind === "snake" ? match[1].replaceAll("_", "-") : match[1];
}
