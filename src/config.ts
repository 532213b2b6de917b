/**
 * The environment contract: the same variables point Bulkhead at the sandbox
 * (`bulkhead sandbox env`) or at production stores. Admin credentials per store, the
 * registry, and the master age identity. Secrets in here never reach output: use
 * `endpointOf` to name an endpoint in messages.
 */
import type { StoreName } from "./tenant/model.ts";

export const ENV = {
  postgresUrl: "BULKHEAD_POSTGRES_URL",
  redisUrl: "BULKHEAD_REDIS_URL",
  redisManageDefaultUser: "BULKHEAD_REDIS_MANAGE_DEFAULT_USER",
  minioEndpoint: "BULKHEAD_MINIO_ENDPOINT",
  minioAccessKey: "BULKHEAD_MINIO_ACCESS_KEY",
  minioSecretKey: "BULKHEAD_MINIO_SECRET_KEY",
  minioRegion: "BULKHEAD_MINIO_REGION",
  qdrantUrl: "BULKHEAD_QDRANT_URL",
  qdrantApiKey: "BULKHEAD_QDRANT_API_KEY",
  registryUrl: "BULKHEAD_REGISTRY_URL",
  masterRecipients: "BULKHEAD_MASTER_RECIPIENTS",
  masterIdentity: "BULKHEAD_MASTER_IDENTITY",
  masterIdentityFile: "BULKHEAD_MASTER_IDENTITY_FILE",
  tenantsDir: "BULKHEAD_TENANTS_DIR",
  actor: "BULKHEAD_ACTOR",
  sandboxDir: "BULKHEAD_SANDBOX_DIR",
  cacheDir: "BULKHEAD_CACHE_DIR",
} as const;

/** What each variable is for, for `--help` and the README. */
export const ENV_DOCS: Record<string, string> = {
  [ENV.postgresUrl]: "admin connection URL, e.g. postgres://admin:…@db.internal:5432/postgres",
  [ENV.redisUrl]: "admin connection URL, e.g. redis://admin:…@cache.internal:6379",
  [ENV.redisManageDefaultUser]:
    "1: manage Redis's default user as a shared resource (off, no keys, no commands)",
  [ENV.minioEndpoint]: "MinIO server URL, e.g. https://s3.internal:9000",
  [ENV.minioAccessKey]: "MinIO admin access key",
  [ENV.minioSecretKey]: "MinIO admin secret key",
  [ENV.minioRegion]: "S3 region the MinIO server uses (default us-east-1)",
  [ENV.qdrantUrl]: "Qdrant REST URL, e.g. http://vectors.internal:6333",
  [ENV.qdrantApiKey]: "Qdrant API key (JWT RBAC must be on: tenant tokens are signed with it)",
  [ENV.registryUrl]:
    "control-plane registry URL (default: the PostgreSQL admin server, database bulkhead_registry)",
  [ENV.masterRecipients]: "comma-separated age recipients (age1…) that wrap every tenant key",
  [ENV.masterIdentity]: "master age identity (AGE-SECRET-KEY-1…), or use the _FILE variable",
  [ENV.masterIdentityFile]: "file holding the master age identity",
  [ENV.tenantsDir]: "tenant directory when --tenants-dir is not given (default tenants)",
  [ENV.actor]: "who acts, for audit events (e.g. a CI job id; default user@host)",
  [ENV.sandboxDir]: "sandbox state directory (default .bulkhead/sandbox in the project)",
  [ENV.cacheDir]: "where built tools are cached (default ~/.cache/bulkhead)",
};

export interface PostgresEndpoint {
  url: string;
}
export interface RedisEndpoint {
  url: string;
  /** Bulkhead turns the `default` user off (no password, keys, channels or commands). */
  manageDefaultUser?: boolean;
}
export interface MinioEndpoint {
  endpoint: string;
  accessKey: string;
  secretKey: string;
  region: string;
}
export interface QdrantEndpoint {
  url: string;
  apiKey?: string;
}

/** Admin endpoints of the configured stores; a store left unconfigured is absent. */
export interface StoreEndpoints {
  postgres?: PostgresEndpoint;
  redis?: RedisEndpoint;
  minio?: MinioEndpoint;
  qdrant?: QdrantEndpoint;
}

export class ConfigError extends Error {}

export function storeEndpointsFromEnv(
  env: Record<string, string | undefined> = Deno.env.toObject(),
): StoreEndpoints {
  const endpoints: StoreEndpoints = {};
  if (env[ENV.postgresUrl]) endpoints.postgres = { url: env[ENV.postgresUrl]! };
  if (env[ENV.redisUrl]) {
    endpoints.redis = {
      url: env[ENV.redisUrl]!,
      ...(env[ENV.redisManageDefaultUser] === "1" && { manageDefaultUser: true }),
    };
  }
  if (env[ENV.minioEndpoint]) {
    const missing = [ENV.minioAccessKey, ENV.minioSecretKey].filter((k) => !env[k]);
    if (missing.length > 0) {
      throw new ConfigError(
        `${ENV.minioEndpoint} is set but ${missing.join(" and ")} ${
          missing.length > 1 ? "are" : "is"
        } not`,
      );
    }
    endpoints.minio = {
      endpoint: env[ENV.minioEndpoint]!.replace(/\/+$/, ""),
      accessKey: env[ENV.minioAccessKey]!,
      secretKey: env[ENV.minioSecretKey]!,
      region: env[ENV.minioRegion] || "us-east-1",
    };
  }
  if (env[ENV.qdrantUrl]) {
    endpoints.qdrant = {
      url: env[ENV.qdrantUrl]!.replace(/\/+$/, ""),
      apiKey: env[ENV.qdrantApiKey] || undefined,
    };
  }
  return endpoints;
}

/** The variable that configures a store, for "not configured" messages. */
export const STORE_ENV: Record<StoreName, string> = {
  postgres: ENV.postgresUrl,
  redis: ENV.redisUrl,
  minio: ENV.minioEndpoint,
  qdrant: ENV.qdrantUrl,
};

/** `scheme://host:port` of a URL, without user, password, path or query: safe to print. */
export function endpointOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return "(unparseable URL)";
  }
}
