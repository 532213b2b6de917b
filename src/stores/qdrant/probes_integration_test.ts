/**
 * The conformance probes against a real Qdrant with JWT RBAC on, with tenants converged
 * by the store itself: a clean trio audits clean; faults an operator could make by hand
 * (over-broad tokens, an alias shadowing a tenant's name) fail on the right check, show
 * in plan, are repaired by apply, and audit clean again; a hand-edited credential fails
 * the positive controls. Each test is registered as ignored, with the reason in its
 * name, when no Qdrant is reachable (testing.ts) — there is no fake Qdrant.
 */
import assert from "node:assert/strict";
import { convergeStore, planStore, testTenant } from "../testing.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import type { StoreSecret } from "../store.ts";
import type { Tenant } from "../../tenant/model.ts";
import { qdrantCollection } from "../../tenant/names.ts";
import type { ProbeTenant } from "../../conformance/model.ts";
import { type AreaRun, runArea } from "../../conformance/runner.ts";
import type { QdrantStore } from "./store.ts";
import { qdrantTest, type ReachableQdrant, statusWith, withTenants } from "./testing.ts";
import { qdrantContract } from "./contract.ts";
import { openQdrantProbe } from "./probes.ts";
import {
  handEditedSecret,
  injectAliasShadow,
  overBroadSecret,
  type OverBroadToken,
} from "./faults.ts";

const RUNS = 60;

function tenant(id: string, size = 4): Tenant {
  return testTenant({ id, stores: { qdrant: { vector_size: size, distance: "Cosine" } } });
}

function probeTenants(
  store: QdrantStore,
  tenants: Tenant[],
  secrets: Map<string, StoreSecret>,
): ProbeTenant[] {
  return tenants.map((t) => ({
    id: t.id,
    tenant: t,
    secret: secrets.get(t.id)!,
    details: store.connectionDetails(t.id, secrets.get(t.id)!),
  }));
}

async function audit(
  qdrant: ReachableQdrant,
  store: QdrantStore,
  tenants: Tenant[],
  secrets: Map<string, StoreSecret>,
  runs = RUNS,
  seed = 20261122,
): Promise<AreaRun> {
  const probe = await openQdrantProbe(qdrant);
  try {
    return await runArea(probe, qdrantContract, probeTenants(store, tenants, secrets), {
      seed,
      runs,
    });
  } finally {
    await probe.close();
  }
}

/** The run is clean: no failure, and every row (attacks, controls, fixed) passed. */
function assertClean(run: AreaRun): void {
  const bad = run.rows.filter((r) => r.result !== "pass");
  assert.deepEqual(
    bad.map((r) =>
      `${r.checkId} ${r.tenant}: ${r.operation} → ${r.observed} ${JSON.stringify(r.evidence)}`
    ),
    [],
  );
  assert.deepEqual(run.failures, []);
  assert.ok(run.rows.some((r) => r.checkId === "QD-C01"), "controls ran");
  assert.ok(run.rows.some((r) => r.expected === "denied" && r.victim !== null), "attacks ran");
}

const changesOf = (plan: { changes: { action: string; address: string; reason: string }[] }) =>
  plan.changes.map((c) => `${c.action} ${c.address} (${c.reason})`).sort();

qdrantTest(
  "qdrant probes: a clean trio of converged tenants audits clean (no false alarm)",
  async (qdrant) => {
    const tenants = [
      tenant(uniqueTenantId("pa")),
      tenant(uniqueTenantId("pb"), 8),
      tenant(uniqueTenantId("pc")),
    ];
    await withTenants(qdrant, tenants, async (store, secrets) => {
      const run = await audit(qdrant, store, tenants, secrets);
      assertClean(run);
      const checks = new Set(run.rows.map((r) => r.checkId));
      for (const id of ["QD-010", "QD-011", "QD-012", "QD-C01"]) assert.ok(checks.has(id), id);
      // Markers were cleaned up: each tenant's collection holds no probe point.
      for (const t of tenants) {
        const secret = secrets.get(t.id)!;
        const scroll = await statusWith(qdrant.url, secret.api_key, {
          method: "POST",
          path: `/collections/${qdrantCollection(t.id)}/points/scroll`,
          body: { limit: 10 },
        });
        assert.equal(scroll.status, 200);
        assert.deepEqual(JSON.parse(scroll.body).result.points, []);
      }
    });
  },
);

qdrantTest(
  "qdrant probes: runArea for 2 and 3 tenants at runs=100 (timing)",
  async (qdrant) => {
    const tenants = [
      tenant(uniqueTenantId("pt")),
      tenant(uniqueTenantId("pt")),
      tenant(uniqueTenantId("pt")),
    ];
    await withTenants(qdrant, tenants, async (store, secrets) => {
      for (const n of [2, 3]) {
        const started = performance.now();
        const run = await audit(qdrant, store, tenants.slice(0, n), secrets, 100);
        const ms = performance.now() - started;
        console.log(
          `qdrant runArea: ${n} tenants, runs=100: ${ms.toFixed(0)} ms, ${run.rows.length} rows`,
        );
        assertClean(run);
      }
    });
  },
);

/** The random attacks found the fault, attacking as the faulty tenant. */
function assertFoundAsAttacker(run: AreaRun, faulty: string): void {
  const isolation = run.failures.find((f) => f.property === "isolation");
  assert.ok(isolation, "the random attacks found it");
  assert.equal(isolation.tenant, faulty);
}

/** An operator records an over-broad token for tenant `a`; the suite must catch it. */
async function overBroadTokenFault(
  qdrant: ReachableQdrant,
  kind: OverBroadToken,
  check: (run: AreaRun, faulty: string) => void,
): Promise<void> {
  const [a, b] = [tenant(uniqueTenantId("fa")), tenant(uniqueTenantId("fb"))];
  await withTenants(qdrant, [a, b], async (store, secrets) => {
    assertClean(await audit(qdrant, store, [a, b], secrets, 20));
    const broad = await overBroadSecret(kind, a.id, secrets.get(a.id)!, qdrant.apiKey, b.id);
    secrets.set(a.id, broad);

    // (a) conformance fails on the right checks, as the faulty tenant.
    const run = await audit(qdrant, store, [a, b], secrets);
    const fixed = run.failures.filter((f) => f.property === "fixed").map((f) =>
      `${f.checkId} ${f.tenant}`
    );
    assert.ok(fixed.includes(`QD-012 ${a.id}`), JSON.stringify(fixed));
    check(run, a.id);

    // (b) plan shows the drift on the tenant's token.
    const drift = await planStore(store, [a, b], secrets);
    assert.deepEqual(changesOf(drift), [
      `update qdrant.token.${qdrantCollection(a.id)} (drifted: token_claims)`,
    ]);

    // (c) apply repairs it: a contract token replaces it, and the broad one is revoked.
    await convergeStore(store, [a, b], secrets);
    assert.deepEqual((await planStore(store, [a, b], secrets)).changes, []);
    assert.notEqual(secrets.get(a.id)!.api_key, broad.api_key);
    const stale = await statusWith(qdrant.url, broad.api_key, {
      method: "GET",
      path: "/collections",
    });
    assert.equal(stale.status, 401, `the over-broad token still works: ${stale.status}`);

    // (d) the next audit is clean.
    assertClean(await audit(qdrant, store, [a, b], secrets));
  });
}

qdrantTest(
  "qdrant probes: fault — a token without `access` (full manage) recorded for a tenant",
  (qdrant) =>
    overBroadTokenFault(qdrant, "no-access", (run, faulty) => {
      assertFoundAsAttacker(run, faulty);
      const leaks = run.rows.filter((r) => r.result === "fail" && r.tenant === faulty && r.victim);
      assert.ok(leaks.length > 0);
      assert.ok(leaks.every((r) => /^QD-00[1-9]$/.test(r.checkId)));
    }),
);

qdrantTest(
  "qdrant probes: fault — a token with global read access recorded for a tenant",
  (qdrant) =>
    overBroadTokenFault(qdrant, "global-read", (run, faulty) => {
      assertFoundAsAttacker(run, faulty);
      const failed = new Set(run.rows.filter((r) => r.result === "fail").map((r) => r.checkId));
      // Reads leak; writes, management and aliases are still refused to a read-only token.
      assert.ok([...failed].some((id) => ["QD-001", "QD-002", "QD-005", "QD-009"].includes(id)));
      for (const id of ["QD-003", "QD-006", "QD-007"]) assert.ok(!failed.has(id), id);
      const listing = run.failures.find((f) => f.checkId === "QD-010" && f.tenant === faulty);
      assert.ok(listing, "its listings name the other tenant");
    }),
);

qdrantTest(
  "qdrant probes: fault — an alias takes a tenant's collection name and points at another's",
  async (qdrant) => {
    const [a, b] = [tenant(uniqueTenantId("fa")), tenant(uniqueTenantId("fb"))];
    await withTenants(qdrant, [a, b], async (store, secrets) => {
      await injectAliasShadow(qdrant, a.id, b.id);

      const run = await audit(qdrant, store, [a, b], secrets);
      const shadow = run.failures.filter((f) => f.checkId === "QD-011");
      assert.ok(
        shadow.some((f) => f.tenant === a.id && f.victim === b.id),
        JSON.stringify(run.failures),
      );
      assert.ok(
        !shadow.some((f) => f.tenant === b.id),
        "b's own name still reaches b's collection",
      );

      const drift = await planStore(store, [a, b], secrets);
      assert.deepEqual(changesOf(drift), [
        `delete qdrant.alias.${qdrantCollection(a.id)} (not declared for tenant ${b.id})`,
        `update qdrant.collection.${qdrantCollection(a.id)} (drifted: resolves_to)`,
      ]);
      await convergeStore(store, [a, b], secrets);
      assert.deepEqual((await planStore(store, [a, b], secrets)).changes, []);
      assertClean(await audit(qdrant, store, [a, b], secrets));
    });
  },
);

qdrantTest(
  "qdrant probes: a credential changed by hand fails the positive controls and passes no attack",
  async (qdrant) => {
    const [a, b] = [tenant(uniqueTenantId("fa")), tenant(uniqueTenantId("fb"))];
    await withTenants(qdrant, [a, b], async (store, secrets) => {
      const good = secrets.get(a.id)!;
      const probeSecrets = new Map(secrets).set(a.id, await handEditedSecret(a.id, good));
      const run = await audit(qdrant, store, [a, b], probeSecrets);
      const controls = run.rows.filter((r) => r.checkId === "QD-C01" && r.tenant === a.id);
      assert.ok(controls.length > 0);
      assert.ok(controls.every((r) => r.result === "error"), JSON.stringify(controls[0]));
      assert.ok(run.failures.some((f) => f.property === "control" && f.tenant === a.id));
      // Its attacks got the auth layer's refusal, which is never a pass.
      const attacks = run.rows.filter((r) =>
        r.tenant === a.id && r.checkId !== "QD-012" && r.checkId !== "QD-C01"
      );
      assert.ok(attacks.length > 0);
      assert.ok(
        attacks.every((r) => r.result === "error"),
        JSON.stringify(attacks.find((r) => r.result !== "error")),
      );
      // The other tenant is unaffected.
      assert.ok(
        run.rows.filter((r) => r.tenant === b.id && r.checkId === "QD-C01").every((r) =>
          r.result === "pass"
        ),
      );
    });
  },
);
