/**
 * Plan and apply timings of the PostgreSQL store alone, for N tenants, on the test
 * sandbox (or the server BULKHEAD_POSTGRES_URL points at). Not a test:
 *
 *   ./bulkhead deno run -A src/stores/postgres/bench.ts [--mode mixed|schema|database] [N…]
 *
 * For each N: plan from empty, apply (tenants 8 at a time, as the engine would), plan
 * again (observe + diff with N tenants live: must be empty), then destroy. Prints a table
 * and the figures as JSON on the last line.
 */
import { orderChanges } from "../../plan/diff.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import type { Tenant } from "../../tenant/model.ts";
import type { Change, StoreSecret } from "../store.ts";
import { memoryApplyContext, planStore, testTenant } from "../testing.ts";
import { PostgresStore } from "./store.ts";
import { sandboxPostgres } from "./testing.ts";

const PARALLELISM = 8;

function tenantsFor(count: number, mode: string): Tenant[] {
  return Array.from({ length: count }, (_, i) => {
    const schema = mode === "schema" || (mode === "mixed" && i % 3 === 0);
    return testTenant({
      id: uniqueTenantId("bench"),
      tier: schema ? "standard" : "enterprise",
      stores: { postgres: { isolation: schema ? "schema" : "database" } },
    });
  });
}

async function applyAll(
  store: PostgresStore,
  tenants: Tenant[],
  secrets: Map<string, StoreSecret>,
  changes: Change[],
): Promise<void> {
  const context = memoryApplyContext(store, tenants, secrets);
  for (const c of orderChanges(changes.filter((c) => c.tenant === undefined))) {
    await store.apply(c, context);
  }
  const groups = [...Map.groupBy(changes.filter((c) => c.tenant), (c) => c.tenant!).values()];
  let next = 0;
  await Promise.all(Array.from({ length: PARALLELISM }, async () => {
    while (next < groups.length) {
      const group = groups[next++];
      for (const c of orderChanges(group)) await store.apply(c, context);
    }
  }));
}

async function timed<T>(work: () => Promise<T>): Promise<[T, number]> {
  const started = performance.now();
  const result = await work();
  return [result, Math.round(performance.now() - started)];
}

const args = [...Deno.args];
const modeAt = args.indexOf("--mode");
const mode = modeAt >= 0 ? args.splice(modeAt, 2)[1] : "mixed";
const counts = args.length > 0 ? args.map(Number) : [10, 100];
const store = new PostgresStore(await sandboxPostgres());
const rows = [];
try {
  for (const count of counts) {
    const tenants = tenantsFor(count, mode);
    const secrets = new Map<string, StoreSecret>();
    const ids = tenants.map((t) => t.id);
    const [first, planMs] = await timed(() => planStore(store, tenants, secrets));
    const [, applyMs] = await timed(() => applyAll(store, tenants, secrets, first.changes));
    const [again, replanMs] = await timed(() => planStore(store, tenants, secrets));
    if (again.changes.length > 0) throw new Error(`${again.changes.length} changes after apply`);
    const [destroy] = await timed(() =>
      planStore(store, [], secrets, { alsoObserve: ids, allowDestroy: true })
    );
    const [, destroyMs] = await timed(() => applyAll(store, tenants, secrets, destroy.changes));
    rows.push({
      tenants: count,
      mode,
      changes: first.changes.length,
      plan_ms: planMs,
      apply_ms: applyMs,
      replan_ms: replanMs,
      observe_queries: again.observation.roundTrips,
      destroy_ms: destroyMs,
    });
    console.log(
      `${
        String(count).padStart(6)
      } tenants (${mode}): ${first.changes.length} changes, plan ${planMs} ms, ` +
        `apply ${applyMs} ms, re-plan ${replanMs} ms (${again.observation.roundTrips} queries), ` +
        `destroy ${destroyMs} ms`,
    );
  }
} finally {
  await store.close();
}
console.log(JSON.stringify(rows));
