/**
 * For store integration tests: plan and converge ONE store for a few tenants against
 * the real sandbox server, with credentials kept in memory instead of the registry.
 * The planning steps are the engine's own (diff, order, scope); only the credential
 * bookkeeping is simplified. Other tests' tenants share the server, so everything is
 * scoped to the tenants given (plus `alsoObserve`, e.g. an orphan a test created).
 */
import type { Tenant } from "../tenant/model.ts";
import { parseTenantFile } from "../tenant/load.ts";
import { stringify } from "yaml";
import { diffResources, type DiffResult, orderChanges } from "../plan/diff.ts";
import { inScope } from "../plan/scope.ts";
import { dataKindsOf } from "./data_kinds.ts";
import type { ApplyContext, Change, Observation, Store, StoreSecret } from "./store.ts";

export interface StorePlanOptions {
  allowDestroy?: boolean;
  destroyTenants?: string[];
  /** Tenant ids to include in the observation although no tenant is declared for them. */
  alsoObserve?: string[];
  /** Extra data kinds beyond the engine's and the store's own. */
  dataKinds?: string[];
}

export interface StorePlan extends DiffResult {
  observation: Observation;
}

/** A valid tenant for tests: `tenant({ id, stores: { redis: {} } })`, tier defaults applied. */
export function testTenant(fields: Record<string, unknown> & { id: string }): Tenant {
  const file = {
    name: `Test ${fields.id}`,
    tier: "standard",
    contacts: [{ name: "Test", email: "test@example.com", role: "owner" }],
    stores: { postgres: {}, redis: {}, minio: {}, qdrant: {} },
    ...fields,
  };
  const { tenant, problems } = parseTenantFile(`${fields.id}.yaml`, stringify(file));
  if (!tenant) {
    throw new Error(
      `invalid test tenant: ${problems.map((p) => `${p.path}: ${p.message}`).join("; ")}`,
    );
  }
  return tenant;
}

export async function planStore(
  store: Store,
  tenants: Tenant[],
  secrets: Map<string, StoreSecret>,
  options: StorePlanOptions = {},
): Promise<StorePlan> {
  const desired = [
    ...store.desiredShared(tenants),
    ...tenants.flatMap((t) => store.desired(t, secrets.get(t.id), true)),
  ];
  const observation = await store.observe({ secrets, secretsAvailable: true });
  const ids = new Set([...tenants.map((t) => t.id), ...(options.alsoObserve ?? [])]);
  const addresses = new Set(desired.map((r) => r.address));
  const observed = observation.resources.filter((r) => inScope(r, ids, addresses));
  const diff = diffResources(desired, observed, {
    declaredTenants: new Set(tenants.map((t) => t.id)),
    destroyTenants: new Set(options.destroyTenants ?? []),
    allowDestroy: options.allowDestroy ?? false,
    dataKinds: new Set([...dataKindsOf(store), ...(options.dataKinds ?? [])]),
  });
  return { ...diff, observation };
}

/** An ApplyContext whose credentials live in `secrets` (the registry's job in production). */
export function memoryApplyContext(
  store: Store,
  tenants: Tenant[],
  secrets: Map<string, StoreSecret>,
): ApplyContext {
  const tenantById = new Map(tenants.map((t) => [t.id, t]));
  const fresh = async (tenantId: string) => {
    const tenant = tenantById.get(tenantId);
    if (!tenant) throw new Error(`no tenant ${tenantId} in this test`);
    const secret = await store.newCredential(tenant);
    secrets.set(tenantId, secret);
    return secret;
  };
  return {
    credential: async (tenantId) => secrets.get(tenantId) ?? await fresh(tenantId),
    rotateCredential: fresh,
    tenant: (tenantId) => tenantById.get(tenantId),
    log: () => {},
  };
}

/** Plans and applies until done; returns the changes applied. */
export async function convergeStore(
  store: Store,
  tenants: Tenant[],
  secrets: Map<string, StoreSecret>,
  options: StorePlanOptions = {},
): Promise<Change[]> {
  const { changes } = await planStore(store, tenants, secrets, options);
  const context = memoryApplyContext(store, tenants, secrets);
  const ordered = orderChanges(changes);
  for (const change of ordered) await store.apply(change, context);
  return ordered;
}
