/**
 * A conformance run: for every area (each store, and the keys) whose probes can run,
 * the tenants that use it with their real credentials, the properties of runner.ts,
 * then one report. Expectations come from the contract and the declared tenants, never
 * from the reconciler's internals.
 */
import type { Session } from "../apply/session.ts";
import { readAllTenantSecretsSettled, type TenantSecrets } from "../keys/mod.ts";
import type { StoreName, Tenant } from "../tenant/model.ts";
import { STORE_ENV } from "../config.ts";
import { errorText } from "../stores/inspect.ts";
import { keysContract } from "../keys/contract.ts";
import { openKeysProbe } from "../keys/probes.ts";
import type { AreaContract, ContractArea, ProbeTenant, StoreProbe } from "./model.ts";
import { type AreaRun, runArea } from "./runner.ts";
import type { AreaStatus } from "./report.ts";

export interface ConformanceOptions {
  seed: number;
  runs: number;
  /** Only these areas (stores, or `keys`); empty = all. */
  areas: ContractArea[];
  /** Only these tenants; empty = all declared active tenants. */
  tenants: string[];
  replay?: string;
}

export interface AreaPlan {
  area: ContractArea;
  contract?: AreaContract;
  /** Opens the probe; undefined when the area cannot be verified (reason given). */
  open(): Promise<StoreProbe | string>;
  /** The tenant's credentials for this area, or undefined when it does not take part. */
  probeTenant(tenant: Tenant, secrets: TenantSecrets | undefined): Promise<ProbeTenant | undefined>;
  version(): Promise<string | undefined>;
}

export interface ConformanceResult {
  areas: AreaStatus[];
  runs: AreaRun[];
  contracts: AreaContract[];
  /** True when an area that is configured could not be verified (exit 2). */
  couldNotRun: boolean;
}

/** The keys' area: every tenant with a secrets document takes part. */
export function keysArea(session: Session, actor: string): AreaPlan {
  return {
    area: "keys",
    contract: keysContract,
    open: () => Promise.resolve(openKeysProbe(session.registry, session.master, actor)),
    probeTenant: (tenant, secrets) =>
      Promise.resolve(secrets ? { id: tenant.id, tenant, secret: {}, details: {} } : undefined),
    version: () => Promise.resolve(undefined),
  };
}

/** The areas the session's stores offer. */
export function storeAreas(session: Session): AreaPlan[] {
  return session.stores.map(({ registration, store }): AreaPlan => ({
    area: registration.name,
    contract: registration.contract,
    open: async () => {
      if (!store) return `${STORE_ENV[registration.name]} is not set`;
      if (!registration.contract || !registration.openProbe) {
        return `no conformance probes for ${registration.name} yet`;
      }
      try {
        return await registration.openProbe(session.endpoints) ??
          `${STORE_ENV[registration.name]} is not set`;
      } catch (error) {
        return `not reachable: ${errorText(error)}`;
      }
    },
    probeTenant: (tenant, secrets) => {
      const name = registration.name as StoreName;
      const secret = secrets?.[name];
      if (!store || !secret || tenant.stores[name] === undefined) return Promise.resolve(undefined);
      return Promise.resolve({
        id: tenant.id,
        tenant,
        secret,
        details: store.connectionDetails(tenant.id, secret, tenant),
      });
    },
    version: async () =>
      (await registration.inspect(session.endpoints)?.catch(() => undefined))?.version,
  }));
}

export async function runConformance(
  session: Session,
  areas: readonly AreaPlan[],
  tenants: readonly Tenant[],
  options: ConformanceOptions,
): Promise<ConformanceResult> {
  const { secrets, unreadable } = await readAllTenantSecretsSettled(
    session.registry,
    session.master,
  );
  const active = tenants.filter((t) =>
    t.status === "active" && (options.tenants.length === 0 || options.tenants.includes(t.id))
  );
  const result: ConformanceResult = { areas: [], runs: [], contracts: [], couldNotRun: false };
  for (const plan of areas) {
    if (options.areas.length > 0 && !options.areas.includes(plan.area)) continue;
    if (plan.contract) result.contracts.push(plan.contract);
    const participants: ProbeTenant[] = [];
    const notes: string[] = [];
    for (const tenant of active) {
      if (unreadable.has(tenant.id)) {
        notes.push(`tenant ${tenant.id}: secrets document cannot be decrypted: left out`);
        continue;
      }
      const p = await plan.probeTenant(tenant, secrets.get(tenant.id));
      if (p) participants.push(p);
    }
    const opened = await plan.open();
    if (typeof opened === "string") {
      const configured = !/is not set$/.test(opened);
      if (configured && !/no conformance probes/.test(opened)) result.couldNotRun = true;
      result.areas.push({
        area: plan.area,
        status: "not_verified",
        reason: opened,
        tenants: participants.map((p) => p.id),
        notes,
      });
      continue;
    }
    try {
      if (participants.length === 0) {
        result.areas.push({
          area: plan.area,
          status: "not_verified",
          reason: "no active tenant with recorded credentials uses it",
          tenants: [],
          notes,
        });
        continue;
      }
      const version = await plan.version();
      result.areas.push({
        area: plan.area,
        status: "verified",
        ...(version && { version }),
        tenants: participants.map((p) => p.id),
        notes,
      });
      result.runs.push(await runArea(opened, plan.contract!, participants, options));
    } finally {
      await opened.close();
    }
  }
  return result;
}
