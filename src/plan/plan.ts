/**
 * Making a plan: read the registry and the tenants' secrets, observe every store in
 * bulk (concurrently), compute what each store desires, and compose.
 */
import type { Session } from "../apply/session.ts";
import { readAllTenantSecretsSettled, type TenantSecrets } from "../keys/mod.ts";
import { STORE_ENV } from "../config.ts";
import type { StoreSecret } from "../stores/store.ts";
import type { Tenant } from "../tenant/model.ts";
import { errorText } from "../stores/inspect.ts";
import { dataKindsOf } from "../stores/data_kinds.ts";
import { composePlan, type PlanScope, type StoreSnapshot, tenantsInScope } from "./compose.ts";
import type { Plan } from "./model.ts";
import { VERSION } from "../version.ts";

/** The plan could not be made (a required store unreachable, …): exit 2. */
export class PlanError extends Error {}

export interface PlanResult {
  plan: Plan;
  /** Decrypted secrets by tenant, when the master identity is available. */
  secrets?: Map<string, TenantSecrets>;
}

export function secretsOfStore(
  secrets: Map<string, TenantSecrets> | undefined,
  store: string,
): Map<string, StoreSecret> {
  const out = new Map<string, StoreSecret>();
  for (const [tenant, doc] of secrets ?? []) {
    const section = doc[store as keyof TenantSecrets];
    if (section) out.set(tenant, section);
  }
  return out;
}

export async function makePlan(
  session: Session,
  tenants: readonly Tenant[],
  scope: PlanScope,
  now = new Date(),
): Promise<PlanResult> {
  const [records, settled] = await Promise.all([
    session.registry.listTenantRecords(),
    session.master.identity
      ? readAllTenantSecretsSettled(session.registry, session.master)
      : Promise.resolve(undefined),
  ]);
  const secrets = settled?.secrets;
  const scoped = tenantsInScope(tenants, scope);
  const sharedFor = scope.targets.length > 0 || scope.excludes.length > 0 ? scoped : tenants;
  const snapshots = await Promise.all(
    session.stores.map(async ({ registration, store }): Promise<StoreSnapshot> => {
      const name = registration.name;
      const users = scoped.filter((t) => t.stores[name] !== undefined).map((t) => t.id);
      const dataKinds = dataKindsOf(store);
      if (!store) {
        if (!registration.optional && users.length > 0) {
          throw new PlanError(
            `${name} is not configured: set ${STORE_ENV[name]} (used by ${users.join(", ")})`,
          );
        }
        return {
          state: {
            store: name,
            status: registration.optional ? "not_verified" : "not_configured",
            reason: `${STORE_ENV[name]} is not set`,
            notes: [],
          },
          desired: [],
          observed: [],
          dataKinds,
        };
      }
      const storeSecrets = secretsOfStore(secrets, name);
      const available = secrets !== undefined;
      let observation;
      try {
        observation = await store.observe({ secrets: storeSecrets, secretsAvailable: available });
      } catch (error) {
        if (!registration.optional) {
          throw new PlanError(`could not observe ${name}: ${errorText(error)}`);
        }
        return {
          state: {
            store: name,
            status: "not_verified",
            reason: `not reachable: ${errorText(error)}`,
            notes: [],
          },
          desired: [],
          observed: [],
          dataKinds,
        };
      }
      const notes = [...observation.notes];
      if (!available) {
        notes.push("credentials not checked: no master identity (BULKHEAD_MASTER_IDENTITY)");
      }
      return {
        state: { store: name, status: "verified", roundTrips: observation.roundTrips, notes },
        desired: [
          ...store.desiredShared(sharedFor),
          ...scoped.flatMap((t) => store.desired(t, storeSecrets.get(t.id), available)),
        ],
        observed: observation.resources,
        dataKinds,
      };
    }),
  );
  const plan = await composePlan({
    tenants,
    known: records.map((r) => ({
      id: r.id,
      ...(r.decommissionedAt && { decommissionedAt: r.decommissionedAt }),
    })),
    snapshots,
    scope,
    now,
    toolVersion: VERSION,
  });
  for (const [tenant, error] of settled?.unreadable ?? []) {
    if (!scoped.some((t) => t.id === tenant)) continue;
    plan.notes.push({
      tenant,
      note: `its secrets document cannot be decrypted (${
        errorText(error)
      }): its credentials are not checked, and apply will fail for it until the document is restored or its key rotated`,
    });
  }
  return { plan, secrets };
}
