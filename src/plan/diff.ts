/**
 * Desired vs observed resources → changes. Pure: no store, no I/O. Attribute values are
 * canonical (stores normalise them), so equality is structural.
 */
import type {
  Attributes,
  AttributeValue,
  Change,
  ChangeAction,
  Resource,
} from "../stores/store.ts";

export const SENSITIVE = "(sensitive)";

/** Resources kept although a delete would be due, and why (shown by plan, not applied). */
export interface Withheld {
  resource: Resource;
  reason: string;
}

export interface DiffOptions {
  /** Tenant ids that have a tenant file. */
  declaredTenants: ReadonlySet<string>;
  /** Declared tenants whose resources are to be destroyed now (decommissioned, retention over, --allow-destroy). */
  destroyTenants: ReadonlySet<string>;
  /** --allow-destroy: orphans and data-bearing resources may be deleted. */
  allowDestroy: boolean;
  /** Kinds whose deletion destroys tenant data (databases, schemas, buckets, collections). */
  dataKinds: ReadonlySet<string>;
}

export interface DiffResult {
  changes: Change[];
  withheld: Withheld[];
}

export function valuesEqual(a: AttributeValue | undefined, b: AttributeValue | undefined): boolean {
  if (a === b) return true;
  if (a === null || b === null || a === undefined || b === undefined) return false;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((x, i) => valuesEqual(x, b[i]));
  }
  if (typeof a === "object" && typeof b === "object") {
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    for (const key of keys) if (!valuesEqual(a[key], b[key])) return false;
    return true;
  }
  return false;
}

/** Attributes with sensitive values replaced, so a change never carries them. */
export function masked(
  attributes: Attributes | null,
  sensitive: readonly string[],
): Attributes | null {
  if (!attributes) return null;
  const out: Attributes = { ...attributes };
  for (const key of sensitive) if (key in out) out[key] = SENSITIVE;
  return out;
}

function change(
  action: ChangeAction,
  reason: string,
  resource: Resource,
  before: Resource | undefined,
  after: Resource | undefined,
  changedAttributes: string[] = [],
): Change {
  const sensitive = [...new Set([...(after?.sensitive ?? []), ...(before?.sensitive ?? [])])]
    .sort();
  const beforeAttributes = before && after
    ? Object.fromEntries(
      Object.keys(after.attributes).map((k) => [k, before.attributes[k] ?? null]),
    )
    : before?.attributes ?? null;
  return {
    address: resource.address,
    store: resource.store,
    kind: resource.kind,
    name: resource.name,
    ...(resource.tenant !== undefined && { tenant: resource.tenant }),
    action,
    reason,
    before: masked(beforeAttributes, sensitive),
    after: masked(after?.attributes ?? null, sensitive),
    changedAttributes,
    sensitive,
    dependsOn: [...(after?.dependsOn ?? before?.dependsOn ?? [])],
  };
}

export function diffResources(
  desired: Resource[],
  observed: Resource[],
  options: DiffOptions,
): DiffResult {
  const live = new Map(observed.map((r) => [r.address, r]));
  const wanted = new Map(desired.map((r) => [r.address, r]));
  const changes: Change[] = [];
  const withheld: Withheld[] = [];

  for (const want of desired) {
    const have = live.get(want.address);
    if (!have) {
      changes.push(change("create", "missing", want, undefined, want));
      continue;
    }
    const drifted = Object.keys(want.attributes).filter((k) =>
      !valuesEqual(want.attributes[k], have.attributes[k])
    );
    if (drifted.length === 0) continue;
    const replace = drifted.some((k) => want.forceNew?.includes(k));
    const reason = `drifted: ${drifted.join(", ")}`;
    if (replace && options.dataKinds.has(want.kind) && !options.allowDestroy) {
      withheld.push({
        resource: want,
        reason: `${reason}: replacing it deletes its data (kept: pass --allow-destroy to replace)`,
      });
      continue;
    }
    changes.push(change(replace ? "replace" : "update", reason, want, have, want, drifted));
  }

  for (const have of observed) {
    if (wanted.has(have.address)) continue;
    const tenant = have.tenant;
    const holdsData = options.dataKinds.has(have.kind);
    let reason: string;
    let allowed: boolean;
    if (tenant !== undefined && options.destroyTenants.has(tenant)) {
      reason = "tenant decommissioned";
      allowed = true;
    } else if (tenant !== undefined && !options.declaredTenants.has(tenant)) {
      reason = "orphan: no tenant file";
      allowed = options.allowDestroy;
    } else if (tenant !== undefined) {
      reason = `not declared for tenant ${tenant}`;
      allowed = !holdsData || options.allowDestroy;
    } else {
      reason = "no longer needed by any tenant";
      allowed = options.allowDestroy;
    }
    if (allowed) changes.push(change("delete", reason, have, have, undefined));
    else {withheld.push({
        resource: have,
        reason: `${reason} (kept: pass --allow-destroy to delete)`,
      });}
  }
  return { changes, withheld };
}

/**
 * Orders one group of changes (e.g. one tenant's): creates, updates and replaces after
 * what they depend on; deletes in reverse dependency order, after the rest.
 */
export function orderChanges(changes: Change[]): Change[] {
  const byAddress = new Map(changes.map((c) => [c.address, c]));
  const forward = changes.filter((c) => c.action !== "delete");
  const deletes = changes.filter((c) => c.action === "delete");
  const sorted: Change[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (c: Change, path: string[]) => {
    const s = state.get(c.address);
    if (s === "done") return;
    if (s === "visiting") throw new Error(`dependency cycle: ${[...path, c.address].join(" -> ")}`);
    state.set(c.address, "visiting");
    for (const dep of c.dependsOn) {
      const d = byAddress.get(dep);
      if (d && d.action !== "delete") visit(d, [...path, c.address]);
    }
    state.set(c.address, "done");
    sorted.push(c);
  };
  for (const c of [...forward].sort((a, b) => a.address.localeCompare(b.address))) visit(c, []);
  // Deletes: a resource goes before the resources it depends on.
  const deleteOrder: Change[] = [];
  const deleteState = new Set<string>();
  const dependents = (address: string) => deletes.filter((d) => d.dependsOn.includes(address));
  const visitDelete = (c: Change) => {
    if (deleteState.has(c.address)) return;
    deleteState.add(c.address);
    for (const dependent of dependents(c.address)) visitDelete(dependent);
    deleteOrder.push(c);
  };
  for (const c of [...deletes].sort((a, b) => a.address.localeCompare(b.address))) visitDelete(c);
  return [...sorted, ...deleteOrder];
}
