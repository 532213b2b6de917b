/** For the Redis integration tests: the sandbox server, an admin client, cleanup. */
import type { Redis } from "ioredis";
import { testStores, uniqueTenantId } from "../../sandbox/testing.ts";
import { redisKeyPrefix, redisUser } from "../../tenant/names.ts";
import { adminRedis } from "./inspect.ts";
import { deleteKeysWithPrefix } from "./keyspace.ts";
import { KEYSPACE_REGISTRY } from "./resources.ts";
import { type CommandTable, parseCommandTable } from "./command_table.ts";
import type { RedisEndpoint } from "../../config.ts";
import type { Tenant } from "../../tenant/model.ts";
import type { StoreSecret } from "../store.ts";
import type { ProbeTenant } from "../../conformance/model.ts";
import { respAddress, RespConnection } from "./resp.ts";
import { convergeStore, type StorePlanOptions, testTenant } from "../testing.ts";
import { createRedisStore, type RedisStore } from "./store.ts";

export async function redisEndpoint(): Promise<RedisEndpoint> {
  const { redis } = await testStores();
  if (!redis) throw new Error("the test sandbox has no Redis");
  return redis;
}

/** Runs `body` with a connected admin client, disconnected afterwards. */
export async function withAdmin<T>(body: (admin: Redis) => Promise<T>): Promise<T> {
  const admin = adminRedis((await redisEndpoint()).url);
  await admin.connect();
  try {
    return await body(admin);
  } finally {
    admin.disconnect();
  }
}

export async function liveCommandTable(admin: Redis): Promise<CommandTable> {
  return parseCommandTable(
    await admin.call("COMMAND", "INFO"),
    await admin.call("COMMAND", "DOCS"),
  );
}

/** Removes what tests created for these tenants: users, keys, keyspace registrations. */
export async function dropTenants(ids: readonly string[]): Promise<void> {
  const { url } = await redisEndpoint();
  await withAdmin(async (admin) => {
    for (const id of ids) {
      await admin.call("ACL", "DELUSER", redisUser(id));
      await deleteKeysWithPrefix(url, redisKeyPrefix(id));
      await admin.hdel(KEYSPACE_REGISTRY, redisKeyPrefix(id));
    }
    await admin.call("ACL", "SAVE");
  });
}

export function redisTenant(id: string, fields: Record<string, unknown> = {}): Tenant {
  return testTenant({ id, stores: { redis: {} }, ...fields });
}

/** Plan options for Redis tests (the store's data kinds come from `store.dataKinds`). */
export function planOptions(_store: RedisStore, extra: StorePlanOptions = {}): StorePlanOptions {
  return {
    ...extra,
  };
}

export interface ConvergedTenant {
  id: string;
  tenants: Tenant[];
  secrets: Map<string, StoreSecret>;
  store: RedisStore;
  options: StorePlanOptions;
  url: string;
}

/** One fresh tenant converged on the sandbox; its store closed and its traces dropped after. */
export async function withConvergedTenant(body: (t: ConvergedTenant) => Promise<void>) {
  const id = uniqueTenantId("rd");
  const endpoint = await redisEndpoint();
  const store = createRedisStore(endpoint);
  const fixture: ConvergedTenant = {
    id,
    tenants: [redisTenant(id)],
    secrets: new Map(),
    store,
    options: planOptions(store),
    url: endpoint.url,
  };
  try {
    await convergeStore(store, fixture.tenants, fixture.secrets, fixture.options);
    await body(fixture);
  } finally {
    await store.close();
    await dropTenants([id]);
  }
}

export interface ProbeFixture {
  tenants: Tenant[];
  secrets: Map<string, StoreSecret>;
  store: RedisStore;
  options: StorePlanOptions;
  endpoint: RedisEndpoint;
  /** The tenants as conformance sees them: recorded secret + the store's connection details. */
  probeTenants(): ProbeTenant[];
}

/**
 * Tenants with these ids converged on the sandbox, as conformance would probe them;
 * the store closed and every trace dropped afterwards.
 */
export async function withProbeTenants(
  ids: readonly string[],
  body: (fixture: ProbeFixture) => Promise<void>,
): Promise<void> {
  const endpoint = await redisEndpoint();
  const store = createRedisStore(endpoint);
  const tenants = ids.map((id) => redisTenant(id));
  const fixture: ProbeFixture = {
    tenants,
    secrets: new Map(),
    store,
    options: planOptions(store),
    endpoint,
    probeTenants: () =>
      tenants.map((tenant) => {
        const secret = fixture.secrets.get(tenant.id)!;
        return {
          id: tenant.id,
          tenant,
          secret,
          details: store.connectionDetails(tenant.id, secret),
        };
      }),
  };
  try {
    await convergeStore(store, tenants, fixture.secrets, fixture.options);
    await body(fixture);
  } finally {
    await store.close();
    await dropTenants(ids);
  }
}

/** Runs `body` with a raw RESP connection logged in as the sandbox's admin user. */
export async function withAdminResp<T>(body: (admin: RespConnection) => Promise<T>): Promise<T> {
  const { url } = await redisEndpoint();
  const at = new URL(url);
  const admin = await RespConnection.open(respAddress(url));
  try {
    const [reply] = await admin.send([[
      "AUTH",
      decodeURIComponent(at.username),
      decodeURIComponent(at.password),
    ]]);
    if (reply !== "OK") throw new Error("the sandbox admin cannot log in");
    return await body(admin);
  } finally {
    admin.close();
  }
}
