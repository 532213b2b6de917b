/**
 * Composes a plan from what each store desires and observes: scope (targets, excludes),
 * lifecycle (decommissioned tenants, retention, removed tenant files), diff, order and
 * fingerprints. Pure: the I/O (observing stores, reading the registry) happens before.
 */
import type { Resource } from "../stores/store.ts";
import type { StoreName, Tenant } from "../tenant/model.ts";
import { diffResources, orderChanges } from "./diff.ts";
import { inScope } from "./scope.ts";
import { resourcesFingerprint, tenantsFingerprint } from "./fingerprint.ts";
import { type Plan, PLAN_FORMAT_VERSION, type StoreState, type TenantNote } from "./model.ts";

export interface StoreSnapshot {
  state: StoreState;
  /** Desired resources for every declared tenant in scope, and the shared ones. */
  desired: Resource[];
  /** Every live resource (empty when the store was not observed). */
  observed: Resource[];
  dataKinds: ReadonlySet<string>;
}

/** What the registry knows of a tenant that matters to planning. */
export interface KnownTenant {
  id: string;
  decommissionedAt?: Date;
}

export interface PlanScope {
  targets: string[];
  excludes: string[];
  allowDestroy: boolean;
}

export interface ComposeInputs {
  tenants: readonly Tenant[];
  known: readonly KnownTenant[];
  snapshots: readonly StoreSnapshot[];
  scope: PlanScope;
  now: Date;
  toolVersion: string;
}

const DAY_MS = 24 * 60 * 60 * 1000;

/** The declared tenants a plan covers. */
export function tenantsInScope(tenants: readonly Tenant[], scope: PlanScope): Tenant[] {
  return tenants.filter((t) =>
    (scope.targets.length === 0 || scope.targets.includes(t.id)) && !scope.excludes.includes(t.id)
  );
}

export async function composePlan(inputs: ComposeInputs): Promise<Plan> {
  const { scope, now } = inputs;
  const declared = new Map(inputs.tenants.map((t) => [t.id, t]));
  const known = new Map(inputs.known.map((k) => [k.id, k]));
  const scoped = tenantsInScope(inputs.tenants, scope);
  const notes: TenantNote[] = [];
  const refusals: string[] = [];

  // Tenant ids in scope: targets as given (they may name an orphan), else every tenant
  // the stores show or the files declare, less the excluded ones.
  const liveIds = new Set(
    inputs.snapshots.flatMap((s) => s.observed.map((r) => r.tenant)).filter((t) => t !== undefined),
  );
  const ids = new Set(
    scope.targets.length > 0
      ? scope.targets
      : [...declared.keys(), ...liveIds].filter((id) => !scope.excludes.includes(id)),
  );
  for (const target of scope.targets) {
    if (!declared.has(target) && !liveIds.has(target) && !known.has(target)) {
      refusals.push(
        `--target ${target}: no tenant file declares it and no store holds resources for it`,
      );
    }
  }

  const destroyTenants = new Set<string>();
  for (const tenant of scoped) {
    if (tenant.status !== "decommissioned") continue;
    const since = known.get(tenant.id)?.decommissionedAt ?? now;
    const until = new Date(since.getTime() + tenant.retentionDays * DAY_MS);
    if (!liveIds.has(tenant.id)) continue;
    if (until.getTime() > now.getTime()) {
      notes.push({
        tenant: tenant.id,
        note: `decommissioned: logins disabled, data kept until ${
          until.toISOString().slice(0, 10)
        } (retention ${tenant.retentionDays} days); then apply --allow-destroy deletes it`,
      });
    } else if (!scope.allowDestroy) {
      notes.push({
        tenant: tenant.id,
        note: "decommissioned and past retention: apply --allow-destroy deletes its resources",
      });
    } else {
      destroyTenants.add(tenant.id);
    }
  }

  for (const id of ids) {
    if (declared.has(id) || !liveIds.has(id) || !known.has(id) || scope.allowDestroy) continue;
    refusals.push(
      `tenant ${id} has live resources but no file: mark it decommissioned (status: decommissioned) or pass --allow-destroy`,
    );
  }
  for (const tenant of scoped) {
    if (tenant.status === "suspended") {
      notes.push({ tenant: tenant.id, note: "suspended: logins disabled, data kept" });
    }
  }

  const shared = [];
  const perTenant = new Map<string, ReturnType<typeof diffResources>["changes"]>();
  const withheld: Plan["withheld"] = [];
  const observedInScope: Resource[] = [];
  for (const snapshot of inputs.snapshots) {
    if (snapshot.state.status !== "verified") continue;
    // A tenant being destroyed desires nothing: every live resource of it is deleted.
    const desired = snapshot.desired.filter((r) =>
      r.tenant === undefined || (ids.has(r.tenant) && !destroyTenants.has(r.tenant))
    );
    const addresses = new Set(desired.map((r) => r.address));
    const observed = snapshot.observed.filter((r) => inScope(r, ids, addresses));
    observedInScope.push(...observed);
    const diff = diffResources(desired, observed, {
      declaredTenants: new Set(declared.keys()),
      destroyTenants,
      allowDestroy: scope.allowDestroy,
      dataKinds: snapshot.dataKinds,
    });
    for (const change of diff.changes) {
      if (change.tenant === undefined) shared.push(change);
      else perTenant.set(change.tenant, [...(perTenant.get(change.tenant) ?? []), change]);
    }
    for (const w of diff.withheld) {
      const { address, store, kind, name, tenant } = w.resource;
      withheld.push({
        address,
        store: store as StoreName,
        kind,
        name,
        ...(tenant !== undefined && { tenant }),
        reason: w.reason,
      });
    }
  }

  const changes = [
    ...orderChanges(shared),
    ...[...perTenant.keys()].sort().flatMap((id) => orderChanges(perTenant.get(id)!)),
  ];
  return {
    formatVersion: PLAN_FORMAT_VERSION,
    createdAt: now.toISOString(),
    toolVersion: inputs.toolVersion,
    scope: {
      targets: [...scope.targets],
      excludes: [...scope.excludes],
      allowDestroy: scope.allowDestroy,
    },
    fingerprint: await resourcesFingerprint(observedInScope),
    tenantsFingerprint: await tenantsFingerprint(scoped),
    stores: inputs.snapshots.map((s) => s.state),
    changes,
    withheld,
    notes,
    refusals,
  };
}
