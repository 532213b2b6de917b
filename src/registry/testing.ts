/**
 * For tests: a registry of their own (a fresh database on the sandbox PostgreSQL, dropped
 * afterwards), so that tampering with it, purging it or verifying every chain in it
 * cannot meet another test's rows.
 */
import { testStores } from "../sandbox/testing.ts";
import { adminSql } from "../stores/postgres/inspect.ts";
import { ENV } from "../config.ts";
import { Registry } from "./registry.ts";

export interface TestRegistry {
  registry: Registry;
  /** Its URL: pass as BULKHEAD_REGISTRY_URL to point the CLI at it. */
  url: string;
  database: string;
  /** The environment for CLI runs against this registry. */
  env: Record<string, string>;
  /** Admin SQL on the registry database, to tamper with it as an attacker would. */
  admin(): ReturnType<typeof adminSql>;
  [Symbol.asyncDispose](): Promise<void>;
}

export async function testRegistry(): Promise<TestRegistry> {
  const { postgres } = await testStores();
  if (!postgres) throw new Error("the test sandbox has no PostgreSQL");
  const random = Array.from(crypto.getRandomValues(new Uint8Array(5)), (b) => b.toString(16))
    .join("");
  const database = `bulkhead_registry_test_${random}`;
  const url = new URL(postgres.url);
  url.pathname = `/${database}`;
  const registry = await Registry.open(url.toString());
  return {
    registry,
    url: url.toString(),
    database,
    env: { [ENV.registryUrl]: url.toString() },
    admin: () => adminSql(url.toString()),
    async [Symbol.asyncDispose]() {
      await registry.close();
      const admin = adminSql(postgres.url);
      try {
        await admin.unsafe(`drop database if exists "${database}" with (force)`);
      } finally {
        await admin.end();
      }
    },
  };
}
