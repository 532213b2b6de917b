/**
 * Proof that the Redis probes catch real faults: each fault is injected by hand into the
 * real sandbox server, as an operator's mistake would be, and must (a) fail conformance
 * on the right check ids with the server letting the attack through, (b) show in plan as
 * drift of the right user and attribute, (c) be repaired by apply, after which (d)
 * conformance is clean again.
 */
import assert from "node:assert/strict";
import type { ProbeTenant } from "../../conformance/model.ts";
import { type AreaRun, runArea } from "../../conformance/runner.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { redisUser } from "../../tenant/names.ts";
import { convergeStore, planStore } from "../testing.ts";
import { redisContract } from "./contract.ts";
import { openRedisProbe } from "./probes.ts";
import { type ProbeFixture, withAdmin, withProbeTenants } from "./testing.ts";

interface Fault {
  what: string;
  /** ACL SETUSER arguments, given the attacker and the victim. */
  inject(attacker: ProbeTenant, victim: ProbeTenant): string[];
  /** Whose user drifts, and which attributes. */
  drifted: { user: "attacker" | "victim"; attributes: string[] };
  /** The check the fault must fail, and every check it may fail besides. */
  check: string;
  alsoFails: string[];
}

const FAULTS: Fault[] = [
  {
    what: "a read-only key pattern on another tenant's prefix (%R~)",
    inject: (a, v) => [redisUser(a.id), `%R~tenant:${v.id}:*`],
    drifted: { user: "attacker", attributes: ["keys"] },
    check: "RD-001",
    // Reading the victim's keys beside one's own (SUNIONSTORE own-dest victim-src, MGET).
    alsoFails: ["RD-003"],
  },
  {
    what: "commands beyond the policy, added for debugging (+keys +flushdb)",
    inject: (a) => [redisUser(a.id), "+keys", "+flushdb"],
    drifted: { user: "attacker", attributes: ["commands_beyond_policy"] },
    check: "RD-005",
    alsoFails: ["RD-006"],
  },
  {
    what: "the victim's user given the attacker's password as a second one",
    inject: (a, v) => [redisUser(v.id), `>${a.secret.password}`],
    drifted: { user: "victim", attributes: ["passwords"] },
    check: "RD-020",
    alsoFails: [],
  },
  {
    what: "a channel pattern on another tenant's prefix (&)",
    inject: (a, v) => [redisUser(a.id), `&tenant:${v.id}:*`],
    drifted: { user: "attacker", attributes: ["channels"] },
    check: "RD-007",
    alsoFails: [],
  },
];

async function audit(fixture: ProbeFixture, seed: number): Promise<AreaRun> {
  const probe = await openRedisProbe(fixture.endpoint);
  try {
    return await runArea(probe, redisContract, fixture.probeTenants(), { seed, runs: 60 });
  } finally {
    await probe.close();
  }
}

for (const fault of FAULTS) {
  Deno.test(`redis fault: ${fault.what} fails ${fault.check}, shows in plan, is repaired by apply`, async () => {
    const a = uniqueTenantId("rd");
    const v = uniqueTenantId("rd");
    await withProbeTenants([a, v], async (fixture) => {
      const [attacker, victim] = fixture.probeTenants();
      const seed = 42;
      await withAdmin((admin) => admin.call("ACL", "SETUSER", ...fault.inject(attacker, victim)));

      // (a) Conformance fails on the right check, because the server let the attack through.
      const broken = await audit(fixture, seed);
      const allowedChecks = [fault.check, ...fault.alsoFails];
      assert.ok(broken.failures.length > 0, "the fault is caught");
      assert.ok(
        broken.failures.some((f) => f.checkId === fault.check),
        `fails ${fault.check}: ${broken.failures.map((f) => f.checkId)}`,
      );
      for (const failure of broken.failures) {
        assert.ok(allowedChecks.includes(failure.checkId), `unexpected ${failure.checkId}`);
        assert.equal(failure.outcome.kind, "allowed", JSON.stringify(failure.outcome));
        assert.equal(failure.tenant, attacker.id, "the attacker is the one who gets through");
      }
      const failing = broken.rows.filter((r) => r.result !== "pass");
      assert.ok(failing.every((r) => allowedChecks.includes(r.checkId) && r.result === "fail"));
      const random = broken.failures.find((f) => f.property === "isolation");
      if (random) assert.ok(random.seed !== undefined && random.path, "replayable");
      const secret = JSON.stringify(broken);
      for (const t of [attacker, victim]) assert.ok(!secret.includes(t.secret.password!));

      // (b) Plan shows the drift, on the right user, with the attribute that drifted.
      const plan = await planStore(
        fixture.store,
        fixture.tenants,
        fixture.secrets,
        fixture.options,
      );
      const drifted = fault.drifted.user === "attacker" ? a : v;
      assert.deepEqual(
        plan.changes.map((c) => [c.address, c.action, c.reason]),
        [[
          `redis.acl_user.tenant-${drifted}`,
          "update",
          `drifted: ${fault.drifted.attributes.join(", ")}`,
        ]],
      );

      // (c) Apply repairs it.
      await convergeStore(fixture.store, fixture.tenants, fixture.secrets, fixture.options);
      const after = await planStore(
        fixture.store,
        fixture.tenants,
        fixture.secrets,
        fixture.options,
      );
      assert.deepEqual(after.changes, []);

      // (d) The same audit is clean again.
      const repaired = await audit(fixture, seed);
      assert.deepEqual(repaired.failures, []);
      assert.ok(repaired.rows.every((r) => r.result === "pass"));
    });
  });
}
