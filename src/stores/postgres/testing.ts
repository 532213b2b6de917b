/**
 * For this store's integration tests: a store on the sandbox server, admin statements
 * for injecting drift by hand, and cleanup that destroys a test's tenants the way the
 * engine would (as orphans, with --allow-destroy).
 */
import type { PostgresEndpoint } from "../../config.ts";
import { testStores } from "../../sandbox/testing.ts";
import type { Tenant } from "../../tenant/model.ts";
import assert from "node:assert/strict";
import type { Change, StoreSecret } from "../store.ts";
import { convergeStore } from "../testing.ts";
import { adminSql } from "./inspect.ts";
import { PostgresStore } from "./store.ts";
import type { Attempt } from "./tenant_session.ts";

export async function sandboxPostgres(): Promise<PostgresEndpoint> {
  const endpoint = (await testStores()).postgres;
  if (!endpoint) throw new Error("the test sandbox has no PostgreSQL");
  return endpoint;
}

/** Runs `work` with a store on the sandbox, closing it afterwards. */
export async function withPostgresStore<T>(work: (store: PostgresStore) => Promise<T>): Promise<T> {
  const store = new PostgresStore(await sandboxPostgres());
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

/** Runs statements as the admin in `database` (drift by hand, as an operator would). */
export async function asAdmin(
  statements: string[],
  database = "postgres",
): Promise<Record<string, unknown>[]> {
  const sql = adminSql((await sandboxPostgres()).url, { database });
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) rows = [...await sql.unsafe(statement)];
    return rows;
  } finally {
    await sql.end({ timeout: 2 });
  }
}

/** Deletes everything of these tenants (schemas, databases, grants, roles). */
export async function destroyTenants(
  store: PostgresStore,
  tenants: Tenant[],
  secrets: Map<string, StoreSecret>,
): Promise<void> {
  await convergeStore(store, [], secrets, {
    alsoObserve: tenants.map((t) => t.id),
    allowDestroy: true,
  });
}

/**
 * Converges `tenants` on a sandbox store, runs `work` with the changes applied, and
 * destroys the tenants afterwards whatever happened.
 */
export async function withTenants(
  tenants: Tenant[],
  work: (
    store: PostgresStore,
    secrets: Map<string, StoreSecret>,
    applied: Change[],
  ) => Promise<void>,
): Promise<void> {
  await withPostgresStore(async (store) => {
    const secrets = new Map<string, StoreSecret>();
    try {
      const applied = await convergeStore(store, tenants, secrets);
      await work(store, secrets, applied);
    } finally {
      await destroyTenants(store, tenants, secrets);
    }
  });
}

/** The attempt was refused by the server with `code` and a message matching `text`. */
export function assertDenied(attempt: Attempt, code: string, text: RegExp, what: string): void {
  assert.equal(attempt.outcome, "denied", `${what}: ${JSON.stringify(attempt)}`);
  if (attempt.outcome !== "denied") return;
  assert.equal(attempt.code, code, what);
  assert.match(attempt.message, text, what);
}
