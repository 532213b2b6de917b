/**
 * Carrying out a plan: shared changes first, one at a time; then the tenants
 * concurrently (at most `parallelism` at once), each tenant's changes in dependency
 * order. Credentials are generated and recorded in the tenant's SOPS document before
 * any store user is created with them. When a tenant's change fails, that tenant stops
 * (the next apply completes it: every change is idempotent) and the others go on.
 */
import type { Session } from "./session.ts";
import {
  ensureTenantKeys,
  recordStoreSecret,
  removeStoreSecret,
  type TenantSecrets,
} from "../keys/mod.ts";
import type { ApplyContext, Change, Store, StoreSecret } from "../stores/store.ts";
import { StoreChangeError } from "../stores/store.ts";
import type { StoreName, Tenant } from "../tenant/model.ts";
import type { Plan } from "../plan/model.ts";
import { runBounded } from "./bounded.ts";
import type { Progress } from "./progress.ts";

/** Audit stream for changes to shared resources (`bulkhead` is a reserved tenant id). */
export const SHARED_AUDIT_STREAM = "bulkhead";

export interface ApplyOptions {
  parallelism: number;
  actor: string;
  progress: Progress;
}

export interface ApplyOutcome {
  applied: Change[];
  failures: StoreChangeError[];
  skipped: Change[];
}

export class ApplyError extends Error {}

export async function executePlan(
  session: Session,
  plan: Plan,
  tenants: readonly Tenant[],
  secrets: Map<string, TenantSecrets>,
  options: ApplyOptions,
): Promise<ApplyOutcome> {
  if (!session.master.identity) {
    throw new ApplyError(
      "apply needs the master identity to read and record tenant secrets: set BULKHEAD_MASTER_IDENTITY or BULKHEAD_MASTER_IDENTITY_FILE",
    );
  }
  const outcome: ApplyOutcome = { applied: [], failures: [], skipped: [] };
  const byId = new Map(tenants.map((t) => [t.id, t]));
  const { registry, master } = session;
  const inScope = tenants.filter((t) =>
    (plan.scope.targets.length === 0 || plan.scope.targets.includes(t.id)) &&
    !plan.scope.excludes.includes(t.id)
  );
  await runBounded(
    inScope,
    options.parallelism,
    (t) =>
      registry.recordTenantStatus(t.id, t.status, options.actor, {
        retentionDays: t.retentionDays,
      }),
  );

  const contextFor = (store: Store): ApplyContext => {
    const fresh = async (tenantId: string): Promise<StoreSecret> => {
      const tenant = byId.get(tenantId);
      if (!tenant) {
        throw new Error(`no tenant file for ${tenantId}: cannot create credentials for it`);
      }
      await ensureTenantKeys(registry, master, tenantId, options.actor);
      const secret = await store.newCredential(tenant);
      // Recorded first: a crash after this leaves a recorded credential and no user,
      // which the next apply completes; never a working credential that is not recorded.
      await recordStoreSecret(registry, master, tenantId, store.name, secret, options.actor);
      secrets.set(tenantId, { ...secrets.get(tenantId), [store.name]: secret });
      return secret;
    };
    return {
      credential: async (tenantId) => secrets.get(tenantId)?.[store.name] ?? await fresh(tenantId),
      rotateCredential: fresh,
      tenant: (tenantId) => byId.get(tenantId),
      log: () => {},
    };
  };
  const contexts = new Map<StoreName, ApplyContext>();
  for (const { registration, store } of session.stores) {
    if (store) contexts.set(registration.name, contextFor(store));
  }

  const run = async (change: Change): Promise<boolean> => {
    const store = session.store(change.store);
    const stream = change.tenant ?? SHARED_AUDIT_STREAM;
    const started = performance.now();
    try {
      if (!store) throw new Error(`${change.store} is not configured`);
      await store.apply(change, contexts.get(change.store)!);
    } catch (error) {
      const failure = error instanceof StoreChangeError
        ? error
        : new StoreChangeError(change, error);
      outcome.failures.push(failure);
      options.progress.changeFailed(change, failure.message);
      await registry.appendAuditEvent({
        tenant: stream,
        actor: options.actor,
        type: "change.failed",
        details: {
          address: change.address,
          action: change.action,
          reason: change.reason,
          error: failure.message,
        },
      }).catch(() => {});
      return false;
    }
    outcome.applied.push(change);
    options.progress.changeDone(change, performance.now() - started);
    await registry.appendAuditEvent({
      tenant: stream,
      actor: options.actor,
      type: "change.applied",
      details: { address: change.address, action: change.action, reason: change.reason },
    });
    return true;
  };
  const skip = (changes: Change[], why: string) => {
    for (const c of changes) {
      outcome.skipped.push(c);
      options.progress.changeSkipped(c, why);
    }
  };

  options.progress.started(plan.changes.length);
  const shared = plan.changes.filter((c) => c.tenant === undefined);
  const perTenant = new Map<string, Change[]>();
  for (const c of plan.changes) {
    if (c.tenant !== undefined) perTenant.set(c.tenant, [...(perTenant.get(c.tenant) ?? []), c]);
  }
  for (let i = 0; i < shared.length; i++) {
    if (!await run(shared[i])) {
      skip(
        [...shared.slice(i + 1), ...[...perTenant.values()].flat()],
        `shared change ${shared[i].address} failed`,
      );
      options.progress.finished();
      return outcome;
    }
  }
  await runBounded([...perTenant.keys()].sort(), options.parallelism, async (tenantId) => {
    const changes = perTenant.get(tenantId)!;
    for (let i = 0; i < changes.length; i++) {
      if (!await run(changes[i])) {
        skip(changes.slice(i + 1), `earlier change of tenant ${tenantId} failed`);
        return;
      }
    }
    await forgetDestroyedSecrets(session, tenantId, byId.get(tenantId), changes, options.actor);
  });
  options.progress.finished();
  return outcome;
}

/**
 * Once every change of a tenant went through: a store whose resources of the tenant
 * were all destroyed, and that the tenant no longer uses (decommissioned, no file, or
 * the store left out of its file), loses the tenant's recorded credential too.
 */
async function forgetDestroyedSecrets(
  session: Session,
  tenantId: string,
  tenant: Tenant | undefined,
  changes: Change[],
  actor: string,
): Promise<void> {
  for (const store of new Set(changes.map((c) => c.store))) {
    const ofStore = changes.filter((c) => c.store === store);
    const unused = !tenant || tenant.status === "decommissioned" ||
      tenant.stores[store] === undefined;
    if (unused && ofStore.every((c) => c.action === "delete")) {
      await removeStoreSecret(session.registry, session.master, tenantId, store, actor);
    }
  }
}
