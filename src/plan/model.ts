/**
 * A plan: the ordered changes that make the stores match the tenant files, what is kept
 * back and why, each store's state of verification, and fingerprints of what the plan
 * was made from (live state and tenant files) so that a saved plan refuses to apply to
 * anything else. Secret values never appear in a plan.
 */
import type { Change, ChangeAction } from "../stores/store.ts";
import type { StoreName } from "../tenant/model.ts";

export const PLAN_FORMAT_VERSION = "1";

export interface StoreState {
  store: StoreName;
  /** verified: observed; not_verified: optional store unreachable/unconfigured; not_configured: no endpoint. */
  status: "verified" | "not_verified" | "not_configured";
  reason?: string;
  roundTrips?: number;
  notes: string[];
}

export interface WithheldChange {
  address: string;
  store: StoreName;
  kind: string;
  name: string;
  tenant?: string;
  reason: string;
}

export interface TenantNote {
  tenant: string;
  note: string;
}

export interface Plan {
  formatVersion: typeof PLAN_FORMAT_VERSION;
  createdAt: string;
  toolVersion: string;
  scope: { targets: string[]; excludes: string[]; allowDestroy: boolean };
  /** SHA-256 over the live resources in scope, canonical. */
  fingerprint: string;
  /** SHA-256 over the tenant declarations in scope. */
  tenantsFingerprint: string;
  stores: StoreState[];
  changes: Change[];
  withheld: WithheldChange[];
  notes: TenantNote[];
  /** Reasons the plan cannot be applied (e.g. a tenant file removed while resources live). */
  refusals: string[];
}

export type ChangeCounts = Record<ChangeAction, number>;

export function countChanges(changes: readonly Change[]): ChangeCounts {
  const counts: ChangeCounts = { create: 0, update: 0, delete: 0, replace: 0 };
  for (const c of changes) counts[c.action]++;
  return counts;
}
