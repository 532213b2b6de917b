/**
 * The plan for machines: a versioned JSON document (`format_version`), described by
 * spec/plan.schema.json (generated from the zod schema below), also the format of saved
 * plan files that `apply PLANFILE` reads back and validates.
 */
import { z } from "zod";
import { renderJsonSchema } from "../json_schema.ts";
import { countChanges, type Plan, PLAN_FORMAT_VERSION } from "./model.ts";
import { STORE_NAMES } from "../tenant/model.ts";
import type { AttributeValue } from "../stores/store.ts";

const attributeValue: z.ZodType<AttributeValue> = z.lazy(() =>
  z.union([
    z.string(),
    z.number(),
    z.boolean(),
    z.null(),
    z.array(attributeValue),
    z.record(z.string(), attributeValue),
  ])
);
const attributes = z.record(z.string(), attributeValue);
const store = z.enum(STORE_NAMES);
const action = z.enum(["create", "update", "delete", "replace"]);

const change = z.strictObject({
  address: z.string(),
  store,
  kind: z.string(),
  name: z.string(),
  tenant: z.string().nullable().describe("Owning tenant; null for shared resources."),
  action,
  reason: z.string().describe(
    "Why: missing, drifted: <attribute>, orphan: no tenant file, tenant decommissioned, …",
  ),
  before: attributes.nullable(),
  after: attributes.nullable(),
  changed_attributes: z.array(z.string()),
  sensitive: z.array(z.string()).describe("Attributes whose values are shown as (sensitive)."),
  depends_on: z.array(z.string()),
});

export const planDocumentSchema = z.strictObject({
  format_version: z.literal(PLAN_FORMAT_VERSION),
  created_at: z.string(),
  tool_version: z.string(),
  scope: z.strictObject({
    targets: z.array(z.string()),
    excludes: z.array(z.string()),
    allow_destroy: z.boolean(),
  }),
  fingerprint: z.string().regex(/^[0-9a-f]{64}$/).describe(
    "SHA-256 of the live state the plan was made from.",
  ),
  tenants_fingerprint: z.string().regex(/^[0-9a-f]{64}$/).describe(
    "SHA-256 of the tenant declarations in scope.",
  ),
  stores: z.array(z.strictObject({
    store,
    status: z.enum(["verified", "not_verified", "not_configured"]),
    reason: z.string().nullable(),
    round_trips: z.number().int().nullable(),
    notes: z.array(z.string()),
  })),
  changes: z.array(change),
  withheld: z.array(z.strictObject({
    address: z.string(),
    store,
    kind: z.string(),
    name: z.string(),
    tenant: z.string().nullable(),
    reason: z.string(),
  })),
  notes: z.array(z.strictObject({ tenant: z.string(), note: z.string() })),
  refusals: z.array(z.string()),
  summary: z.strictObject({
    create: z.number().int(),
    update: z.number().int(),
    delete: z.number().int(),
    replace: z.number().int(),
    withheld: z.number().int(),
  }),
}).describe("A Bulkhead plan (bulkhead plan --json, or a saved plan file).");

export type PlanDocument = z.infer<typeof planDocumentSchema>;

export function planToJson(plan: Plan): PlanDocument {
  return {
    format_version: plan.formatVersion,
    created_at: plan.createdAt,
    tool_version: plan.toolVersion,
    scope: {
      targets: plan.scope.targets,
      excludes: plan.scope.excludes,
      allow_destroy: plan.scope.allowDestroy,
    },
    fingerprint: plan.fingerprint,
    tenants_fingerprint: plan.tenantsFingerprint,
    stores: plan.stores.map((s) => ({
      store: s.store,
      status: s.status,
      reason: s.reason ?? null,
      round_trips: s.roundTrips ?? null,
      notes: s.notes,
    })),
    changes: plan.changes.map((c) => ({
      address: c.address,
      store: c.store,
      kind: c.kind,
      name: c.name,
      tenant: c.tenant ?? null,
      action: c.action,
      reason: c.reason,
      before: c.before,
      after: c.after,
      changed_attributes: c.changedAttributes,
      sensitive: c.sensitive,
      depends_on: c.dependsOn,
    })),
    withheld: plan.withheld.map((w) => ({ ...w, tenant: w.tenant ?? null })),
    notes: plan.notes,
    refusals: plan.refusals,
    summary: { ...countChanges(plan.changes), withheld: plan.withheld.length },
  };
}

export class PlanFileError extends Error {}

/** Reads a saved plan back; a file that is not a plan of this version is a clear error. */
export function planFromJson(text: string, file: string): Plan {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new PlanFileError(`${file}: not a plan file: ${(error as Error).message}`);
  }
  const version = (raw as { format_version?: unknown })?.format_version;
  if (version !== PLAN_FORMAT_VERSION) {
    throw new PlanFileError(
      `${file}: plan format_version ${
        JSON.stringify(version)
      } is not supported (this bulkhead writes "${PLAN_FORMAT_VERSION}"); re-run plan`,
    );
  }
  const parsed = planDocumentSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new PlanFileError(`${file}: not a valid plan: ${issue.path.join(".")}: ${issue.message}`);
  }
  const d = parsed.data;
  return {
    formatVersion: d.format_version,
    createdAt: d.created_at,
    toolVersion: d.tool_version,
    scope: {
      targets: d.scope.targets,
      excludes: d.scope.excludes,
      allowDestroy: d.scope.allow_destroy,
    },
    fingerprint: d.fingerprint,
    tenantsFingerprint: d.tenants_fingerprint,
    stores: d.stores.map((s) => ({
      store: s.store,
      status: s.status,
      ...(s.reason !== null && { reason: s.reason }),
      ...(s.round_trips !== null && { roundTrips: s.round_trips }),
      notes: s.notes,
    })),
    changes: d.changes.map((c) => ({
      address: c.address,
      store: c.store,
      kind: c.kind,
      name: c.name,
      ...(c.tenant !== null && { tenant: c.tenant }),
      action: c.action,
      reason: c.reason,
      before: c.before,
      after: c.after,
      changedAttributes: c.changed_attributes,
      sensitive: c.sensitive,
      dependsOn: c.depends_on,
    })),
    withheld: d.withheld.map((w) => ({ ...w, tenant: w.tenant ?? undefined })),
    notes: d.notes,
    refusals: d.refusals,
  };
}

export function renderPlanSchema(): string {
  return renderJsonSchema(planDocumentSchema, "plan.schema.json", "Bulkhead plan", "output");
}
