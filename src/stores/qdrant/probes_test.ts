/**
 * The probes without a Qdrant: what the arbitraries can produce (every check id, every
 * attacked route, names aimed at the victim), that attempts are plain data without a
 * token, and that a server that cannot be reached or does not answer is an error.
 * Runs against no store server: nothing here stands in for Qdrant.
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import type { Attempt, ProbeTenant } from "../../conformance/model.ts";
import { testTenant } from "../testing.ts";
import { qdrantCollection } from "../../tenant/names.ts";
import {
  attackArbitrary,
  controlArbitrary,
  fixedAttempts,
  openQdrantProbe,
  QdrantProbe,
  type QdrantProbeRequest,
  trickNames,
  victimNameArbitrary,
} from "./probes.ts";
import { attackRoutes, requestCollection } from "./attack_surface.ts";
import { qdrantContract } from "./contract.ts";
import { TOKEN_REGISTRY } from "./token.ts";

const TOKEN_A = "eyJhbGciOiJIUzI1NiJ9.eyJ0IjoiYSJ9.c2lnLWE";
const TOKEN_B = "eyJhbGciOiJIUzI1NiJ9.eyJ0IjoiYiJ9.c2lnLWI";

function probeTenant(id: string, token: string, size = 4): ProbeTenant {
  return {
    id,
    tenant: testTenant({ id, stores: { qdrant: { vector_size: size, distance: "Cosine" } } }),
    secret: { token_id: crypto.randomUUID(), api_key: token },
    details: {},
  };
}

const alice = probeTenant("alice", TOKEN_A, 4);
const bob = probeTenant("bob", TOKEN_B, 8);

function sampleAttacks(n: number, seed = 42): Attempt[] {
  return fc.sample(attackArbitrary(alice, bob), { numRuns: n, seed });
}

Deno.test("probes: the arbitraries reach every check id of the contract, and random attacks every attacked route", () => {
  const attacks = sampleAttacks(4000);
  const viaProbe = fc.sample(new QdrantProbe("http://127.0.0.1:9").attacks(alice, bob), {
    numRuns: 2000,
    seed: 7,
  });
  const controls = fc.sample(controlArbitrary(alice), { numRuns: 200, seed: 1 });
  const fixed = fixedAttempts([alice, bob]).map((f) => f.attempt);
  const ids = new Set([...attacks, ...viaProbe, ...controls, ...fixed].map((a) => a.checkId));
  assert.deepEqual([...ids].sort(), qdrantContract.checks.map((c) => c.id).sort());

  // Random attacks alone reach every isolation check the routes map to …
  const randomIds = new Set([...attacks, ...viaProbe].map((a) => a.checkId));
  for (
    const id of [
      "QD-001",
      "QD-002",
      "QD-003",
      "QD-004",
      "QD-005",
      "QD-006",
      "QD-007",
      "QD-008",
      "QD-009",
      "QD-011",
    ]
  ) {
    assert.ok(randomIds.has(id), `random attacks never produce ${id}`);
  }
  // … and every attacked route with every one of its targets.
  const seen = new Set(attacks.map((a) => {
    const r = a.request as Extract<QdrantProbeRequest, { kind: "route" }>;
    return `${r.http.operation}/${r.target}`;
  }));
  for (const { operation, targets } of attackRoutes()) {
    for (const target of targets) {
      assert.ok(seen.has(`${operation}/${target}`), `${operation}/${target}`);
    }
  }
  assert.ok(controls.every((c) => c.checkId === "QD-C01" && c.expect === "allowed"));
  assert.ok(attacks.every((a) => a.expect === "denied"));
});

Deno.test("probes: fixed attempts: three listings and the claims per tenant, the marker per ordered pair", () => {
  const carol = probeTenant("carol", "t.c.c");
  const fixed = fixedAttempts([alice, bob, carol]);
  const count = (id: string) => fixed.filter((f) => f.attempt.checkId === id).length;
  assert.deepEqual([count("QD-010"), count("QD-012"), count("QD-011")], [9, 3, 6]);
  const marker = fixed.find((f) => f.attempt.checkId === "QD-011" && f.as === "alice")!;
  const request = marker.attempt.request as Extract<QdrantProbeRequest, { kind: "marker" }>;
  assert.equal(requestCollection(request.http), "tenant_alice", "read through the own name");
  assert.notEqual(request.victim, "alice");
  assert.equal(marker.victim, request.victim, "the report row names the victim");
  assert.ok(fixed.filter((f) => f.attempt.checkId !== "QD-011").every((f) => !f.victim));
});

Deno.test("probes: attacks aim at the victim: its name, a trick spelling of it, or the registry — never the own name", () => {
  const own = qdrantCollection(alice.id);
  const victim = qdrantCollection(bob.id);
  let tricks = 0;
  let registry = 0;
  for (const attempt of sampleAttacks(3000, 3)) {
    const r = attempt.request as QdrantProbeRequest;
    if (r.kind !== "route") continue;
    assert.equal(r.victim, "bob");
    const collection = requestCollection(r.http);
    if (r.target === "victim") {
      assert.notEqual(collection, own);
      if (collection === TOKEN_REGISTRY) registry++;
      else if (collection !== victim) tricks++;
      assert.equal(attempt.checkId === "QD-009", collection === TOKEN_REGISTRY);
    }
    if (r.target === "absent") assert.ok(collection.startsWith(`${victim}_bulkhead_probe_`));
    if (r.target === "own" || r.target === "lookup") assert.equal(collection, own);
  }
  assert.ok(tricks > 100 && registry > 20, `tricks ${tricks}, registry ${registry}`);
});

Deno.test("probes: trick names: never the own name, never what Qdrant rejects before its access check", () => {
  const names = trickNames("tenant_bob", "tenant_alice");
  assert.ok(names.length >= 25);
  for (const n of names) {
    assert.notEqual(n, "tenant_alice");
    assert.notEqual(n, "tenant_bob");
    assert.ok(n.length > 0 && !n.includes("/") && !n.includes("\0"), JSON.stringify(n));
    assert.ok(new TextEncoder().encode(n).length <= 255);
  }
  for (
    const expected of ["TENANT_BOB", " tenant_bob", '"tenant_bob"', "tenant_*", "*", "%74enant_bob"]
  ) {
    assert.ok(names.includes(expected), expected);
  }
  assert.ok(names.some((n) => /[\u0430\u0435\uff54]/.test(n)), "a look-alike spelling");
  assert.ok(names.some((n) => n.includes("\u200b")), "an invisible character");
  const sampled = new Set(fc.sample(victimNameArbitrary("tenant_bob", "tenant_alice"), 500));
  assert.ok(sampled.has("tenant_bob") && sampled.has(TOKEN_REGISTRY) && sampled.size > 10);
});

Deno.test("probes: bodies carry the target collection's vector size", () => {
  for (const attempt of sampleAttacks(1000, 11)) {
    const r = attempt.request as QdrantProbeRequest;
    if (r.kind !== "route" || r.http.operation !== "search_points") continue;
    const size = (r.http.body as { vector: number[] }).vector.length;
    assert.equal(size, r.target === "victim" ? 8 : 4);
  }
});

Deno.test("probes: attempts are plain JSON and never hold a token", () => {
  const all: Attempt[] = [
    ...sampleAttacks(1500, 5),
    ...fc.sample(controlArbitrary(alice), 100),
    ...fixedAttempts([alice, bob]).map((f) => f.attempt),
  ];
  for (const attempt of all) {
    const text = JSON.stringify(attempt);
    assert.deepEqual(JSON.parse(text), attempt);
    assert.ok(!text.includes(TOKEN_A) && !text.includes(TOKEN_B), attempt.operation);
    assert.ok(!text.includes("api-key") && !text.includes("api_key"), attempt.operation);
  }
});

Deno.test("probes: a server that refuses connections gives errors, never denials", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close(); // nothing listens there any more
  const probe = new QdrantProbe(`http://127.0.0.1:${port}`, 2_000);
  const attempts = [
    ...sampleAttacks(20, 9),
    ...fc.sample(controlArbitrary(alice), 5),
    ...fixedAttempts([alice, bob]).filter((f) => f.attempt.checkId !== "QD-012").map((f) =>
      f.attempt
    ),
  ];
  for (const attempt of attempts) {
    const outcome = await probe.run(attempt, alice);
    assert.equal(outcome.kind, "error", attempt.operation);
    assert.ok(!JSON.stringify(outcome).includes(TOKEN_A));
  }
  await probe.close();
  await assert.rejects(
    openQdrantProbe({ url: `http://127.0.0.1:${port}`, apiKey: "admin-key-1" }),
    (e: Error) => {
      assert.match(e.message, new RegExp(`qdrant at http://127.0.0.1:${port}: request failed`));
      assert.ok(!e.message.includes("admin-key-1"));
      return true;
    },
  );
});

Deno.test("probes: a server that does not answer in time gives a timeout error", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn); // accept, never answer
  })();
  try {
    const port = (listener.addr as Deno.NetAddr).port;
    const probe = new QdrantProbe(`http://127.0.0.1:${port}`, 300);
    const [attempt] = sampleAttacks(1, 13);
    const outcome = await probe.run(attempt, alice);
    assert.deepEqual(outcome, { kind: "error", message: "no answer within 300 ms (timeout)" });
  } finally {
    listener.close();
    for (const conn of held) conn.close();
    await accepting.catch(() => {});
  }
});

Deno.test("probes: a tenant without a recorded token is an error, not a pass", async () => {
  const probe = new QdrantProbe("http://127.0.0.1:9");
  const broken = { ...alice, secret: {} };
  const [attempt] = sampleAttacks(1, 2);
  assert.deepEqual(await probe.run(attempt, broken), {
    kind: "error",
    message: "tenant alice has no Qdrant token recorded",
  });
  const claims = fixedAttempts([broken]).find((f) => f.attempt.checkId === "QD-012")!;
  assert.equal((await probe.run(claims.attempt, broken)).kind, "error");
});
