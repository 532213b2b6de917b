/**
 * The surface every store implements, so that plan and apply never import a store's
 * client library and a fifth store is one folder plus one registration line
 * (src/stores/registry.ts).
 *
 * Resources are plain data with canonical attribute values: a store normalises what it
 * observes (e.g. sorts a policy's statements and actions) so that desired and observed
 * compare with deep equality and the plan never shows a perpetual diff.
 */
import type { StoreName, Tenant } from "../tenant/model.ts";

export type AttributeValue =
  | string
  | number
  | boolean
  | null
  | AttributeValue[]
  | { [key: string]: AttributeValue };

export type Attributes = Record<string, AttributeValue>;

export interface Resource {
  /** `<store>.<kind>.<name>`, stable across runs, e.g. `postgres.database.tenant_acme`. */
  address: string;
  store: StoreName;
  /** e.g. `database`, `role`, `schema`, `acl_user`, `bucket`, `user`, `policy`, `collection`. */
  kind: string;
  name: string;
  /**
   * The tenant the resource belongs to. Observed resources carry the id parsed from the
   * name (see tenantIdFromName) even when no tenant file declares it: that is an orphan.
   * Undefined for shared resources (server hardening, shared databases, default user).
   */
  tenant?: string;
  /**
   * Desired: every attribute Bulkhead manages. Observed: the live values of at least
   * those. Plan compares only the attributes the desired resource names.
   */
  attributes: Attributes;
  /** Attributes whose values derive from secrets: always rendered `(sensitive)`. */
  sensitive?: string[];
  /** Attributes that cannot change in place: a difference means replace (delete + create). */
  forceNew?: string[];
  /** Addresses that must exist before this one is created (and go after it is deleted). */
  dependsOn?: string[];
}

export type ChangeAction = "create" | "update" | "delete" | "replace";

export interface Change {
  address: string;
  store: StoreName;
  kind: string;
  name: string;
  tenant?: string;
  action: ChangeAction;
  /** Why: `missing`, `drifted: <attribute>`, `orphan: no tenant file`, `tenant decommissioned`, … */
  reason: string;
  /** Live attributes (null when creating). Sensitive values are never stored here in clear. */
  before: Attributes | null;
  /** Desired attributes (null when deleting). */
  after: Attributes | null;
  /** For updates: the attributes that differ. */
  changedAttributes: string[];
  sensitive: string[];
  dependsOn: string[];
}

/** One store's section of a tenant's SOPS document, e.g. `{ username, password }`. */
export type StoreSecret = Record<string, string>;

export interface Observation {
  /** Every live resource the store manages or that looks like a tenant's. */
  resources: Resource[];
  /** Requests or queries this observation made: fixed, whatever the number of tenants. */
  roundTrips: number;
  /** Things an operator should know that are not changes, e.g. "ACLs not persisted". */
  notes: string[];
}

export interface ObserveContext {
  /** Decrypted secrets of this store per tenant id, so credentials can be checked. */
  secrets: ReadonlyMap<string, StoreSecret>;
  /** False when no master identity is available: credential attributes are not checked. */
  secretsAvailable: boolean;
}

export interface ApplyContext {
  /**
   * The tenant's credential for this store. Recorded in the tenant's SOPS document
   * before it is returned (generated with `newCredential` when none is recorded), so a
   * store user never exists with a credential that is not recorded.
   */
  credential(tenantId: string): Promise<StoreSecret>;
  /** Generates and records a fresh credential (rotation, or repair of an unrecorded one). */
  rotateCredential(tenantId: string): Promise<StoreSecret>;
  /** The declared tenant, when the change belongs to one. */
  tenant(tenantId: string): Tenant | undefined;
  log(line: string): void;
}

export interface Store {
  readonly name: StoreName;
  /**
   * Kinds whose deletion destroys tenant data, beyond the engine's own list (databases,
   * schemas, buckets, collections): deleting them needs --allow-destroy.
   */
  readonly dataKinds?: readonly string[];
  /** Resources a declared tenant needs here; empty when the tenant does not use this store. */
  desired(tenant: Tenant, secret: StoreSecret | undefined, secretsAvailable: boolean): Resource[];
  /** Shared resources the store manages for all tenants (hardening, shared databases). */
  desiredShared(tenants: readonly Tenant[]): Resource[];
  /** Live state in bulk: a fixed number of round trips whatever the number of tenants. */
  observe(context: ObserveContext): Promise<Observation>;
  /** A new credential for the tenant (not yet recorded; ApplyContext records it). */
  newCredential(tenant: Tenant): Promise<StoreSecret>;
  /** Carries out one change; idempotent, so a re-run after a crash completes it. */
  apply(change: Change, context: ApplyContext): Promise<void>;
  /**
   * Connection details a tenant's application gets (`secrets show --json`). `tenant` is
   * the declared tenant when there is one: some stores' details depend on its settings
   * (PostgreSQL's isolation mode decides the database).
   */
  connectionDetails(
    tenantId: string,
    secret: StoreSecret,
    tenant?: Tenant,
  ): Record<string, string>;
  close(): Promise<void>;
}

/** Failure of one change, naming tenant, store, resource and cause. */
export class StoreChangeError extends Error {
  constructor(
    readonly change: Pick<Change, "address" | "store" | "tenant" | "action">,
    override readonly cause: unknown,
  ) {
    const who = change.tenant ? `tenant ${change.tenant}: ` : "";
    const why = cause instanceof Error ? cause.message.split("\n")[0] : String(cause);
    super(`${who}${change.store}: ${change.action} ${change.address} failed: ${why}`);
    this.name = "StoreChangeError";
  }
}

export function resourceAddress(store: StoreName, kind: string, name: string): string {
  return `${store}.${kind}.${name}`;
}
