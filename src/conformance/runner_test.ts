/**
 * The runner's own logic (recording, shrinking, replay, errors never passing), with a
 * probe double that decides in memory — no store is involved in what is tested here.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import { runArea } from "./runner.ts";
import type { AreaContract, Attempt, Outcome, ProbeTenant, StoreProbe } from "./model.ts";
import { testTenant } from "../stores/testing.ts";

const contract: AreaContract = {
  area: "redis",
  summary: "test",
  checks: [
    { id: "T-1", severity: "high", title: "read other", attempt: "read", expected: "denied" },
    {
      id: "T-2",
      severity: "low",
      title: "read own",
      attempt: "read",
      expected: "allowed",
      kind: "control",
    },
    { id: "T-3", severity: "medium", title: "fixed", attempt: "x", expected: "denied" },
  ],
  residualLeaks: [],
};

const tenant = (id: string): ProbeTenant => ({
  id,
  tenant: testTenant({ id }),
  secret: {},
  details: {},
});
const tenants = [tenant("aa"), tenant("bb"), tenant("cc")];

/** Denies attacks on keys below `leakFrom`; allows the rest (a simulated leak). */
function probe(leakFrom: number, outcome?: (a: Attempt) => Outcome): StoreProbe {
  return {
    area: "redis",
    attacks: (_a, v) =>
      fc.integer({ min: 0, max: 1000 }).map((n) => ({
        checkId: "T-1",
        operation: `GET tenant:${v.id}:${n}`,
        expect: "denied" as const,
        request: { key: n },
      })),
    controls: (t) =>
      fc.constant({
        checkId: "T-2",
        operation: `GET tenant:${t.id}:x`,
        expect: "allowed" as const,
        request: {},
      }),
    fixed: (
      ts,
    ) => [{
      as: ts[0].id,
      attempt: { checkId: "T-3", operation: "fixed", expect: "denied", request: {} },
    }],
    run: (attempt) => {
      if (outcome) return Promise.resolve(outcome(attempt));
      const n = (attempt.request as { key?: number }).key;
      if (attempt.expect === "allowed") return Promise.resolve({ kind: "allowed" });
      return Promise.resolve(
        n !== undefined && n >= leakFrom
          ? { kind: "allowed" }
          : { kind: "denied", code: "NOPERM", message: "no" },
      );
    },
    close: () => Promise.resolve(),
  };
}

Deno.test("runner: every attempt of a clean run is a passing row; no failure", async () => {
  const run = await runArea(probe(Infinity), contract, tenants, { seed: 1, runs: 30 });
  assert.equal(run.failures.length, 0);
  assert.equal(run.rows.filter((r) => r.checkId === "T-1").length, 30);
  assert.ok(run.rows.every((r) => r.result === "pass"));
  assert.ok(
    run.rows.filter((r) => r.checkId === "T-1").every((r) =>
      r.victim !== r.tenant && r.victim !== null
    ),
  );
  assert.equal(run.rows.filter((r) => r.checkId === "T-3").length, 1);
});

Deno.test("runner: a leak shrinks to the minimal counterexample, and its seed and path replay it", async () => {
  const run = await runArea(probe(500), contract, tenants, { seed: 7, runs: 100 });
  const [failure] = run.failures;
  assert.equal(failure.property, "isolation");
  assert.equal(failure.checkId, "T-1");
  assert.deepEqual(failure.attempt.request, { key: 500 }, "shrunk to the smallest leaking key");
  assert.equal(failure.outcome.kind, "allowed");
  assert.ok(failure.path);
  const replay = await runArea(probe(500), contract, tenants, {
    seed: 7,
    runs: 100,
    replay: `isolation:${failure.path}`,
  });
  assert.deepEqual(replay.failures.map((f) => f.attempt.request), [{ key: 500 }]);
  assert.equal(
    replay.rows.filter((r) => r.checkId === "T-3").length,
    0,
    "a replay runs only that property",
  );
});

Deno.test("runner: errors (network, timeouts) are never passes", async () => {
  const run = await runArea(
    probe(Infinity, () => ({ kind: "error", message: "ECONNREFUSED" })),
    contract,
    tenants,
    {
      seed: 3,
      runs: 10,
    },
  );
  assert.ok(run.rows.some((r) => r.result === "error"));
  assert.ok(run.rows.every((r) => r.result !== "pass"));
  assert.ok(run.failures.length >= 2, "isolation and control both fail");
});

Deno.test("runner: one tenant runs controls only, and says why attacks did not run", async () => {
  const run = await runArea(probe(Infinity), contract, [tenants[0]], { seed: 1, runs: 5 });
  assert.match(run.notes[0], /cross-tenant attacks need two tenants using redis; 1 do/);
  assert.ok(run.rows.every((r) => r.checkId !== "T-1"));
});
