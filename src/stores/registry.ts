/**
 * The stores Bulkhead manages: one registration line per store. Plan and apply reach
 * stores only through this list and the Store surface (src/stores/store.ts).
 */
import type { StoreEndpoints } from "../config.ts";
import type { StoreName, Tenant } from "../tenant/model.ts";
import type { ServerReport } from "./inspect.ts";
import type { AreaContract, StoreProbe } from "../conformance/model.ts";
import type { Store, StoreSecret } from "./store.ts";
import { STORE_ENV } from "../config.ts";
import { createPostgresStore } from "./postgres/store.ts";
import { inspectPostgres } from "./postgres/inspect.ts";
import { postgresContract } from "./postgres/contract.ts";
import { openPostgresProbe } from "./postgres/probes.ts";
import { createRedisStore } from "./redis/store.ts";
import { inspectRedis } from "./redis/inspect.ts";
import { redisContract } from "./redis/contract.ts";
import { openRedisProbe } from "./redis/probes.ts";
import { createMinioStore } from "./minio/store.ts";
import { inspectMinio } from "./minio/inspect.ts";
import { minioContract } from "./minio/contract.ts";
import { openMinioProbe } from "./minio/probes.ts";
import { createQdrantStore } from "./qdrant/store.ts";
import { inspectQdrant } from "./qdrant/inspect.ts";
import { qdrantContract } from "./qdrant/contract.ts";
import { openQdrantProbe } from "./qdrant/probes.ts";

export interface StoreRegistration {
  name: StoreName;
  /**
   * An optional store that is not configured or not reachable is reported "not
   * verified" and left out of the plan; a required one makes the plan fail.
   */
  optional: boolean;
  /** The store for the configured endpoint; undefined when the store is not configured. */
  open(endpoints: StoreEndpoints): Store | undefined;
  /** Version and capability checks with the admin credentials (doctor). */
  inspect(endpoints: StoreEndpoints): Promise<ServerReport> | undefined;
  /** This store's part of the isolation contract (checks, residual leaks). */
  contract?: AreaContract;
  /** The conformance probes, acting with tenants' credentials against this endpoint. */
  openProbe?(endpoints: StoreEndpoints): Promise<StoreProbe> | undefined;
}

export const STORE_REGISTRATIONS: readonly StoreRegistration[] = [
  {
    name: "postgres",
    optional: false,
    open: (e) => e.postgres && createPostgresStore(e.postgres),
    inspect: (e) => e.postgres && inspectPostgres(e.postgres.url),
    contract: postgresContract,
    openProbe: (e) => e.postgres && openPostgresProbe(e.postgres),
  },
  {
    name: "redis",
    optional: false,
    open: (e) => e.redis && createRedisStore(e.redis),
    inspect: (e) => e.redis && inspectRedis(e.redis.url),
    contract: redisContract,
    openProbe: (e) => e.redis && openRedisProbe(e.redis),
  },
  {
    name: "minio",
    optional: false,
    open: (e) => e.minio && createMinioStore(e.minio),
    inspect: (e) => e.minio && inspectMinio(e.minio),
    contract: minioContract,
    openProbe: (e) => e.minio && openMinioProbe(e.minio),
  },
  {
    name: "qdrant",
    optional: true,
    open: (e) => e.qdrant && createQdrantStore(e.qdrant),
    inspect: (e) => e.qdrant && inspectQdrant(e.qdrant),
    contract: qdrantContract,
    openProbe: (e) => e.qdrant && openQdrantProbe(e.qdrant),
  },
];

/**
 * What a tenant's application gets for one store (`secrets show --json`): the store's
 * own connectionDetails, with the endpoint it is configured with.
 */
export async function connectionDetailsOf(
  endpoints: StoreEndpoints,
  store: StoreName,
  tenantId: string,
  secret: StoreSecret,
  tenant?: Tenant,
): Promise<Record<string, string>> {
  const registration = STORE_REGISTRATIONS.find((r) => r.name === store);
  const opened = registration?.open(endpoints);
  if (!opened) {
    throw new Error(
      `${store} is not configured: set ${STORE_ENV[store]} to print its connection details`,
    );
  }
  try {
    return opened.connectionDetails(tenantId, secret, tenant);
  } finally {
    await opened.close();
  }
}
