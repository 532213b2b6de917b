/**
 * The Redis probe against the real sandbox server: what the server answers is what the
 * probe reports, attacks the server would allow never execute, a clean set of tenants
 * audits clean, and a broken credential fails the positive controls instead of passing.
 */
import assert from "node:assert/strict";
import type { Attempt, Outcome, ProbeTenant } from "../../conformance/model.ts";
import { runArea } from "../../conformance/runner.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { redisUser } from "../../tenant/names.ts";
import { convergeStore, planStore } from "../testing.ts";
import type { RedisRequest } from "./attack_surface.ts";
import { redisContract } from "./contract.ts";
import { openRedisProbe } from "./probes.ts";
import { withAdmin, withProbeTenants } from "./testing.ts";

const attempt = (request: RedisRequest, expect: Attempt["expect"] = "denied"): Attempt => ({
  checkId: "RD-000",
  operation: JSON.stringify(request),
  expect,
  request,
});

/** No password of any tenant appears anywhere in `value` once serialised. */
function assertNoSecret(value: unknown, tenants: readonly ProbeTenant[]) {
  const text = JSON.stringify(value);
  for (const t of tenants) {
    assert.ok(t.secret.password && t.secret.password.length >= 32);
    assert.ok(!text.includes(t.secret.password), `the password of ${t.id} leaked into the output`);
  }
}

Deno.test("redis probe: what the server lets through is reported allowed but never executed; its refusals are denials", async () => {
  const a = uniqueTenantId("rd");
  const b = uniqueTenantId("rd");
  await withProbeTenants([a, b], async (fixture) => {
    const [attacker] = fixture.probeTenants();
    const sentinel = `tenant:${b}:sentinel`;
    await withAdmin((admin) => admin.set(sentinel, "untouched"));
    const attacks: Record<string, RedisRequest> = {
      flushall: { mode: "queue", argv: ["FLUSHALL"] },
      write: { mode: "queue", argv: ["SET", sentinel, "overwritten"] },
      delete: { mode: "queue", argv: ["DEL", sentinel] },
      save: { mode: "subscribed", argv: ["SAVE"] },
      shutdown: { mode: "subscribed", argv: ["SHUTDOWN", "NOSAVE"] },
    };
    const runAll = async () => {
      const probe = await openRedisProbe(fixture.endpoint);
      try {
        const outcomes: Record<string, Outcome> = {};
        for (const [name, request] of Object.entries(attacks)) {
          outcomes[name] = await probe.run(attempt(request), attacker);
        }
        return outcomes;
      } finally {
        await probe.close();
      }
    };

    const refused = await runAll();
    for (const [name, outcome] of Object.entries(refused)) {
      assert.equal(outcome.kind, "denied", `${name}: ${JSON.stringify(outcome)}`);
      assert.equal(outcome.kind === "denied" && outcome.code, "NOPERM", name);
    }

    // An operator widens the attacker's user: the server now lets every attack through.
    await withAdmin((admin) =>
      admin.call(
        "ACL",
        "SETUSER",
        redisUser(a),
        "+flushall",
        "+save",
        "+shutdown",
        `~tenant:${b}:*`,
      )
    );
    const through = await runAll();
    for (const [name, outcome] of Object.entries(through)) {
      assert.equal(outcome.kind, "allowed", `${name}: ${JSON.stringify(outcome)}`);
    }
    // … and none of them ran: the server is up, the victim's key intact.
    await withAdmin(async (admin) => {
      assert.equal(await admin.get(sentinel), "untouched");
      assert.equal(await admin.ping(), "PONG");
    });
    await convergeStore(fixture.store, fixture.tenants, fixture.secrets, fixture.options);
  });
});

Deno.test("redis probe: logins and connections without credentials are judged by the server's own refusal", async () => {
  const a = uniqueTenantId("rd");
  const b = uniqueTenantId("rd");
  await withProbeTenants([a, b], async (fixture) => {
    const [attacker] = fixture.probeTenants();
    const probe = await openRedisProbe(fixture.endpoint);
    try {
      const run = (request: RedisRequest) => probe.run(attempt(request), attacker);
      const asB = await run({
        mode: "login",
        via: "auth",
        user: redisUser(b),
        password: { own: true },
      });
      assert.equal(asB.kind === "denied" && asB.code, "WRONGPASS");
      const hello = await run({
        mode: "login",
        via: "hello",
        user: redisUser(b),
        password: { text: "" },
      });
      assert.equal(hello.kind === "denied" && hello.code, "WRONGPASS");
      // Logging in as itself is no refusal: it would fail a check that expects one.
      const self = await run({
        mode: "login",
        via: "auth",
        user: redisUser(a),
        password: { own: true },
      });
      assert.equal(self.kind, "allowed");
      const anonymous = await run({ mode: "anonymous", argv: ["GET", `tenant:${b}:k`] });
      assert.equal(anonymous.kind === "denied" && anonymous.code, "NOAUTH");
      const debug = await run({ mode: "queue", argv: ["DEBUG", "SLEEP", "0"] });
      assert.equal(debug.kind, "denied", "refused by enable-debug-command");
      const syntax = await run({ mode: "queue", argv: ["GET"] });
      assert.equal(syntax.kind, "error", "a wrong number of arguments is no denial");
    } finally {
      await probe.close();
    }
  });
});

Deno.test("redis probe: a clean trio of converged tenants (one a look-alike of another) audits clean", async () => {
  const a = uniqueTenantId("rd");
  const seed = Math.floor(Math.random() * 2 ** 31);
  await withProbeTenants([a, `${a}0`, uniqueTenantId("rd")], async (fixture) => {
    const tenants = fixture.probeTenants();
    const probe = await openRedisProbe(fixture.endpoint);
    try {
      const run = await runArea(probe, redisContract, tenants, { seed, runs: 60 });
      const bad = run.rows.filter((r) => r.result !== "pass");
      assert.deepEqual(bad, [], `seed ${seed}`);
      assert.deepEqual(run.failures, [], `seed ${seed}`);
      assert.deepEqual(run.notes, []);
      assert.equal(run.rows.filter((r) => r.checkId === "RD-016").length, 60);
      // 60 random attacks, plus the fixed ring attacks, each on a named victim.
      assert.ok(run.rows.filter((r) => r.victim !== null).length > 60);
      assert.ok(run.rows.filter((r) => r.victim !== null).every((r) => r.victim !== r.tenant));
      const fixed = run.rows.length - 120;
      assert.ok(fixed >= 3 * 20, `${fixed} fixed attempts`);
      // Denials are the server's own refusals only.
      const codes = new Set(run.rows.map((r) => r.evidence.code).filter(Boolean));
      assert.ok([...codes].every((c) => ["NOPERM", "NOAUTH", "WRONGPASS", "ERR"].includes(c!)));
      assertNoSecret(run, tenants);
    } finally {
      await probe.close();
    }
  });
});

Deno.test("redis probe: a tenant whose password was changed by hand fails its controls (errors, never passes)", async () => {
  const a = uniqueTenantId("rd");
  const b = uniqueTenantId("rd");
  await withProbeTenants([a, b], async (fixture) => {
    const tenants = fixture.probeTenants();
    await withAdmin((admin) =>
      admin.call("ACL", "SETUSER", redisUser(a), "resetpass", ">changed-by-hand-0123456789abcdef")
    );
    const probe = await openRedisProbe(fixture.endpoint);
    try {
      const run = await runArea(probe, redisContract, tenants, { seed: 5, runs: 30 });
      const controlsOfA = run.rows.filter((r) => r.tenant === a && r.checkId === "RD-016");
      assert.ok(controlsOfA.length > 0);
      assert.ok(controlsOfA.every((r) => r.result === "error"), "no control of a passes");
      const control = run.failures.find((f) => f.property === "control");
      assert.ok(control, "the control property fails");
      assert.equal(control.tenant, a);
      assert.equal(control.outcome.kind, "error");
      assert.match(control.outcome.kind === "error" ? control.outcome.message : "", /WRONGPASS/);
      // Nothing that needs a's login passes as a denial: its only denials are refused
      // logins and connections without credentials, which do not depend on it.
      const deniedAsA = run.rows.filter((r) => r.tenant === a && r.observed === "denied");
      assert.ok(
        deniedAsA.every((r) => r.evidence.code === "WRONGPASS" || r.evidence.code === "NOAUTH"),
      );
      assertNoSecret(run, tenants);
    } finally {
      await probe.close();
    }

    const plan = await planStore(fixture.store, fixture.tenants, fixture.secrets, fixture.options);
    assert.deepEqual(
      plan.changes.map((c) => [c.address, c.reason]),
      [[`redis.acl_user.tenant-${a}`, "drifted: credential"]],
    );
    await convergeStore(fixture.store, fixture.tenants, fixture.secrets, fixture.options);
    const repaired = await openRedisProbe(fixture.endpoint);
    try {
      const run = await runArea(repaired, redisContract, tenants, { seed: 5, runs: 30 });
      assert.deepEqual(run.failures, []);
    } finally {
      await repaired.close();
    }
  });
});
