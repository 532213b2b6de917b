import assert from "node:assert/strict";
import { renderPlanText } from "./render_text.ts";
import { PlanFileError, planFromJson, planToJson } from "./plan_json.ts";
import { planDocumentSchema } from "./plan_json.ts";
import type { Plan } from "./model.ts";
import { diffResources } from "./diff.ts";
import type { Resource } from "../stores/store.ts";

const role = (attributes: Resource["attributes"]): Resource => ({
  address: "postgres.role.tenant_acme",
  store: "postgres",
  kind: "role",
  name: "tenant_acme",
  tenant: "acme",
  attributes,
  sensitive: ["password_hash"],
});

function planWith(desired: Resource[], observed: Resource[]): Plan {
  const { changes, withheld } = diffResources(desired, observed, {
    declaredTenants: new Set(["acme"]),
    destroyTenants: new Set(),
    allowDestroy: false,
    dataKinds: new Set(["database"]),
  });
  return {
    formatVersion: "1",
    createdAt: "2026-11-22T00:00:00.000Z",
    toolVersion: "test",
    scope: { targets: [], excludes: [], allowDestroy: false },
    fingerprint: "a".repeat(64),
    tenantsFingerprint: "b".repeat(64),
    stores: [
      { store: "postgres", status: "verified", roundTrips: 2, notes: [] },
      {
        store: "qdrant",
        status: "not_verified",
        reason: "BULKHEAD_QDRANT_URL is not set",
        notes: [],
      },
    ],
    changes,
    withheld: withheld.map((w) => ({ ...w.resource, reason: w.reason })),
    notes: [],
    refusals: [],
  };
}

Deno.test("render: creates, updates and counts in the Terraform manner, without colour", () => {
  const plan = planWith(
    [role({ login: true, connection_limit: 40, member_of: [], password_hash: "s3cr3t-derived" }), {
      ...role({ owner: "admin" }),
      address: "postgres.database.tenant_acme",
      kind: "database",
      sensitive: [],
    }],
    [role({
      login: true,
      connection_limit: 10,
      member_of: ["tenant_other"],
      password_hash: "old-derived",
    })],
  );
  const text = renderPlanText(plan, false);
  assert.match(text, /qdrant +not verified: BULKHEAD_QDRANT_URL is not set/);
  assert.match(
    text,
    /# postgres\.database\.tenant_acme will be created \(missing\)\n {2}\+ postgres\.database\.tenant_acme\n {6}\+ owner: "admin"/,
  );
  assert.match(
    text,
    /# postgres\.role\.tenant_acme will be updated in place \(drifted: connection_limit, member_of, password_hash\)/,
  );
  assert.match(text, /~ connection_limit: 10 → 40/);
  assert.match(text, /~ member_of: -tenant_other/);
  assert.match(text, /~ password_hash: \(sensitive\)/);
  assert.match(text, /Plan: 1 to create, 1 to update, 0 to replace, 0 to destroy\.\n$/);
  assert.ok(!text.includes("s3cr3t") && !text.includes("old-derived"));
  assert.ok(!text.includes("\x1b["), "no colour codes when colour is off");
});

Deno.test("render: nested values show only the leaves that changed", () => {
  const policy = (actions: string[]) => ({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: actions, Resource: ["arn:aws:s3:::b/*"] }],
  });
  const plan = planWith(
    [{ ...role({ policy: policy(["s3:GetObject"]) }), sensitive: [] }],
    [{ ...role({ policy: policy(["s3:GetObject", "s3:*"]) }), sensitive: [] }],
  );
  assert.match(renderPlanText(plan, false), /~ policy\.Statement\[0\]\.Action: -s3:\*\n/);
});

Deno.test("render: no changes and withheld deletes say so", () => {
  const plan = planWith([], [{
    ...role({}),
    address: "postgres.database.tenant_ghost",
    kind: "database",
    tenant: "ghost",
  }]);
  const text = renderPlanText(plan, false);
  assert.match(text, /No changes\. The stores match the tenant files\./);
  assert.match(
    text,
    /! postgres\.database\.tenant_ghost: orphan: no tenant file \(kept: pass --allow-destroy to delete\)/,
  );
  assert.match(text, /; 1 kept back\./);
});

Deno.test("plan JSON: versioned, valid against its schema, and round-trips", () => {
  const plan = planWith([role({ login: true, password_hash: "x-derived" })], []);
  const doc = planToJson(plan);
  assert.equal(doc.format_version, "1");
  assert.equal(planDocumentSchema.safeParse(doc).success, true);
  assert.deepEqual(doc.summary, { create: 1, update: 0, delete: 0, replace: 0, withheld: 0 });
  assert.ok(!JSON.stringify(doc).includes("x-derived"));
  assert.deepEqual(planFromJson(JSON.stringify(doc), "p.json"), plan);
});

Deno.test("plan JSON: other versions and broken files are clear errors", () => {
  const doc = planToJson(planWith([], []));
  assert.throws(
    () => planFromJson(JSON.stringify({ ...doc, format_version: "0" }), "p.json"),
    (e: unknown) => {
      assert.ok(e instanceof PlanFileError);
      assert.match(e.message, /p\.json: plan format_version "0" is not supported .*re-run plan/);
      return true;
    },
  );
  assert.throws(() => planFromJson("{", "p.json"), /p\.json: not a plan file/);
  assert.throws(
    () => planFromJson(JSON.stringify({ ...doc, changes: [{}] }), "p.json"),
    /p\.json: not a valid plan: changes\.0\./,
  );
});
