/** The probes' attempts as data: which checks they reach, what they aim at, what they carry. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { minioBucket } from "../../tenant/names.ts";
import { MINIO_CHECKS } from "./contract.ts";
import {
  attackArbitrary,
  attackTemplates,
  controlArbitrary,
  fixedAttempts,
  listingOutcome,
  PROBE_OBJECT_KEY,
  type ProbeRequest,
} from "./probes.ts";
import { ALL_OPERATIONS } from "./surface.ts";

const isolation = MINIO_CHECKS.filter((c) => c.kind !== "control").map((c) => c.id).sort();
const attacks = fc.sample(attackArbitrary("acme", "bravo"), { numRuns: 4000, seed: 7 });

Deno.test("minio probes: the attack arbitrary reaches every isolation check; fixed attempts the listings", () => {
  const fixed = fixedAttempts(["acme"]).map((f) => f.attempt.checkId);
  const reached = new Set([...attacks.map((a) => a.checkId), ...fixed]);
  assert.deepEqual([...reached].sort(), isolation);
  // Every template (operation × way of sending) comes up, not only every check.
  const templates = new Set(attackTemplates().map((t) => `${t.checkId} ${t.mode} ${t.operation}`));
  assert.ok(templates.size > 250, `${templates.size} templates`);
  assert.ok(attackTemplates().every((t) => isolation.includes(t.checkId)));
});

Deno.test("minio probes: every operation of the surface is drawn, and attempts expect a denial", () => {
  assert.ok(attacks.every((a) => a.expect === "denied"));
  const missing = ALL_OPERATIONS.filter((o) =>
    !attacks.some((a) => a.operation.includes(`${o.name}: `))
  ).map((o) => o.name);
  assert.deepEqual(missing, [], "operations never drawn");
});

Deno.test("minio probes: attempts aim at the victim or the attacker's own bucket, with harmless deletes", () => {
  for (const attempt of attacks) {
    const request = attempt.request as ProbeRequest;
    assert.deepEqual(JSON.parse(JSON.stringify(attempt)), attempt, "plain JSON");
    if (request.kind !== "call") continue;
    const { call } = request;
    if (call.headers?.["x-minio-force-delete"]) {
      assert.equal(
        request.mustNotExist,
        call.path.slice(1),
        "a force delete checks its bucket does not exist",
      );
      assert.ok(call.path.startsWith(`/${minioBucket("acme")}-`), call.path);
    }
    if (
      call.method === "DELETE" && call.path === `/${minioBucket("bravo")}` && !call.query?.length
    ) {
      assert.deepEqual(request.probeObject, { bucket: minioBucket("bravo"), owner: "bravo" });
    }
    if (/(Get|Delete)ObjectTagging: /.test(attempt.operation)) {
      assert.ok(call.path.endsWith(PROBE_OBJECT_KEY), `looked up before access: ${call.path}`);
    }
  }
});

Deno.test("minio probes: controls act on the own bucket under the probe prefix and expect success", () => {
  for (const attempt of fc.sample(controlArbitrary("acme"), { numRuns: 300, seed: 3 })) {
    const request = attempt.request as ProbeRequest;
    assert.equal(attempt.checkId, "S3-P01");
    assert.equal(attempt.expect, "allowed");
    assert.equal(request.kind, "control");
    if (request.kind === "control") {
      assert.equal(request.bucket, minioBucket("acme"));
      assert.ok(request.key.startsWith("bulkhead-probe/"));
    }
  }
});

Deno.test("minio probes: a listing passes only when it names the own bucket alone", () => {
  assert.equal(listingOutcome(["tenant-acme"], "tenant-acme").kind, "denied");
  assert.equal(listingOutcome([], "tenant-acme").kind, "denied");
  const leak = listingOutcome(["tenant-acme", "tenant-bravo"], "tenant-acme");
  assert.equal(leak.kind, "allowed");
  assert.match(leak.kind === "allowed" ? leak.detail ?? "" : "", /tenant-bravo/);
});
