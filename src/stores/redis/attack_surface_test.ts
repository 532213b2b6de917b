/**
 * The attack surface against the live server's command table: every command is
 * classified, every isolation check of the contract is reachable, and every attack is
 * well-formed and aimed where it says (the server's own COMMAND GETKEYS finds the keys).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Attempt } from "../../conformance/model.ts";
import {
  attackArbitrary,
  attackSurface,
  controlArbitrary,
  fixedAttempts,
  type RedisRequest,
  type TenantNames,
} from "./attack_surface.ts";
import type { CommandTable } from "./command_table.ts";
import { deriveCommandPolicy } from "./command_policy.ts";
import { redisContract } from "./contract.ts";
import { RespError } from "./resp.ts";
import { liveCommandTable, withAdmin, withAdminResp } from "./testing.ts";

const table = await withAdmin(liveCommandTable);
const surface = attackSurface(table);
const names = (id: string): TenantNames => ({
  id,
  user: `tenant-${id}`,
  keyPrefix: `tenant:${id}:`,
  channelPrefix: `tenant:${id}:`,
});
const attacker = names("rd-t1");
const victim = names("rd-t10");
const isolationIds = redisContract.checks.filter((c) => c.kind !== "control").map((c) => c.id);

function leafOf(t: CommandTable, argv: readonly string[]): string {
  const name = argv[0].toLowerCase();
  return t.containers.has(name) ? `${name}|${argv[1].toLowerCase()}` : name;
}

const argvOf = (request: RedisRequest) => "argv" in request ? request.argv : [];

Deno.test("attack surface: every command of the server's table is attacked, or allowed and reaching no one", () => {
  const attacked = new Set([...surface.families.values()].flat());
  for (const id of table.leaves.keys()) {
    assert.ok(attacked.has(id) !== surface.withoutAttack.has(id), `${id}: exactly one`);
  }
  const allowed = new Set(deriveCommandPolicy(table).allowed);
  for (const id of surface.withoutAttack.keys()) {
    assert.ok(allowed.has(id), `${id} carries no attack, so the contract must allow it`);
  }
  assert.deepEqual([...surface.families.keys()].sort(), isolationIds.sort());
  for (const [check, ids] of surface.families) assert.ok(ids.length > 0, check);
  // Denied commands all carry attacks; so do all key and channel commands.
  const denied = deriveCommandPolicy(table).decisions.filter((d) => d.verdict === "deny");
  assert.ok(denied.every((d) => attacked.has(d.id)));
  assert.ok(
    ["get", "set", "publish", "psubscribe", "flushall", "shutdown"].every((id) => attacked.has(id)),
  );
});

Deno.test("attack surface: the arbitraries reach every isolation check, controls and fixed attempts their own", () => {
  const attacks = fc.sample(attackArbitrary(surface, attacker, victim), { numRuns: 6000, seed: 7 });
  const seen = new Set(attacks.map((a) => a.checkId));
  assert.deepEqual([...seen].sort(), [...isolationIds].sort());
  assert.ok(attacks.every((a) => a.expect === "denied"));
  const commands = new Set(
    attacks.map((a) => a.request as RedisRequest).filter((r) => "argv" in r).map((r) =>
      leafOf(table, argvOf(r))
    ),
  );
  const attackable = table.leaves.size - surface.withoutAttack.size;
  assert.ok(
    commands.size >= attackable * 0.9,
    `${commands.size} of ${attackable} attackable commands drawn`,
  );

  const controls = fc.sample(controlArbitrary(surface, attacker), { numRuns: 500, seed: 7 });
  assert.ok(controls.every((a) => a.checkId === "RD-016" && a.expect === "allowed"));
  const modes = new Set(controls.map((a) => (a.request as RedisRequest).mode));
  assert.deepEqual([...modes].sort(), ["execute", "queue", "subscribed"]);

  const fixed = fixedAttempts(surface, [attacker, victim]);
  assert.ok(fixed.every((f) => f.attempt.expect === "denied"));
  assert.deepEqual(
    new Set(fixed.filter((f) => f.as === attacker.id).map((f) => f.attempt.checkId)),
    new Set([
      "RD-001",
      "RD-002",
      "RD-003",
      "RD-005",
      "RD-007",
      "RD-008",
      "RD-009",
      "RD-010",
      "RD-011",
      "RD-012",
      "RD-019",
      "RD-020",
    ]),
  );
  // Attempts are plain JSON, replayable as they are.
  for (const a of [...attacks.slice(0, 500), ...controls, ...fixed.map((f) => f.attempt)]) {
    assert.deepEqual(JSON.parse(JSON.stringify(a)), a);
  }
});

Deno.test("attack surface: data attacks carry the victim's keys exactly where the server looks for them", async () => {
  const data = fc.sample(attackArbitrary(surface, attacker, victim), { numRuns: 3000, seed: 11 })
    .filter((a) => ["RD-001", "RD-002", "RD-003", "RD-004"].includes(a.checkId))
    .filter((a) =>
      !table.leaves.get(leafOf(table, argvOf(a.request as RedisRequest)))?.flags
        .includes("pubsub")
    );
  assert.ok(data.length > 200, `${data.length} data attacks`);
  const problems: string[] = [];
  await withAdminResp(async (admin) => {
    const replies = await admin.send(
      data.map((a) => ["COMMAND", "GETKEYS", ...argvOf(a.request as RedisRequest)]),
    );
    data.forEach((a, i) => {
      const keys = replies[i];
      if (!Array.isArray(keys) || keys.length === 0) {
        problems.push(`${a.operation}: ${JSON.stringify(keys)}`);
        return;
      }
      const theirs = keys.filter((k) => String(k).startsWith(victim.keyPrefix));
      const mine = keys.filter((k) => String(k).startsWith(attacker.keyPrefix));
      const ok = a.checkId === "RD-003"
        ? theirs.length > 0 && mine.length > 0 && theirs.length + mine.length === keys.length
        : a.checkId === "RD-004"
        ? mine.length < keys.length
        : theirs.length === keys.length;
      if (!ok) problems.push(`${a.checkId} ${a.operation}: keys ${JSON.stringify(keys)}`);
    });
  });
  assert.deepEqual(problems, []);
});

Deno.test("attack surface: every attack and control is well-formed: the admin's server queues it", async () => {
  const attempts: Attempt[] = [
    ...fc.sample(attackArbitrary(surface, attacker, victim), { numRuns: 4000, seed: 3 }),
    ...fc.sample(controlArbitrary(surface, attacker), { numRuns: 300, seed: 3 }),
    ...fixedAttempts(surface, [attacker, victim]).map((f) => f.attempt),
  ];
  const queued = attempts.filter((a) => (a.request as RedisRequest).mode === "queue");
  const subscribed = attempts.filter((a) => (a.request as RedisRequest).mode === "subscribed");
  const problems: string[] = [];
  await withAdminResp(async (admin) => {
    // The admin may run everything: each attempt is queued, as the probe sends it.
    const replies = await admin.send(
      queued.flatMap((a) => [["MULTI"], argvOf(a.request as RedisRequest), ["DISCARD"]]),
    );
    queued.forEach((a, i) => {
      const reply = replies[i * 3 + 1];
      const protectedCommand = reply instanceof RespError &&
        /^ERR (DEBUG|MODULE) command not allowed/.test(reply.message);
      if (reply !== "QUEUED" && !protectedCommand) {
        problems.push(`${a.operation}: ${JSON.stringify(reply)}`);
      }
    });
  });
  for (const a of subscribed.slice(0, 20)) {
    await withAdminResp(async (admin) => {
      const [, reply] = await admin.send([
        ["SUBSCRIBE", "bulkhead-test"],
        argvOf(a.request as RedisRequest),
      ]);
      if (!(reply instanceof RespError && /^ERR Can't execute/.test(reply.message))) {
        problems.push(`${a.operation} (subscribed): ${JSON.stringify(reply)}`);
      }
    });
  }
  assert.deepEqual(problems, []);
  const commands = new Set(queued.map((a) => leafOf(table, argvOf(a.request as RedisRequest))));
  assert.ok(commands.size > 300, `${commands.size} distinct commands checked`);
  assert.ok(subscribed.length > 0);
});
