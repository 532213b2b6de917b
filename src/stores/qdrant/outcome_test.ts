/**
 * Outcome classification, answer by answer, with the bodies Qdrant 1.19.0 sends (see
 * outcome.ts for where each comes from): only its access control's 403 is a denial.
 */
import assert from "node:assert/strict";
import {
  claimsOutcome,
  classifyAnswer,
  failureOutcome,
  listingOutcome,
  markerOutcome,
  mentions,
  outcomeOf,
} from "./outcome.ts";
import { signJwt } from "./jwt.ts";
import { tokenClaims } from "./token.ts";
import { overBroadClaims } from "./faults.ts";

const envelope = (error: string) => JSON.stringify({ status: { error }, time: 0.001 });
const attack = (status: number, body: string) =>
  outcomeOf(classifyAnswer(status, body, []), "denied");
const control = (status: number, body: string) =>
  outcomeOf(classifyAnswer(status, body, []), "allowed");

Deno.test("outcome: the access control's 403, as a JSON envelope or as plain text, is a denial", () => {
  for (
    const body of [
      envelope("Forbidden: Access to collection tenant_b is required"),
      envelope("Forbidden: Access to collection tenant_b\n is required"),
      envelope("Forbidden: Global access is required"),
      envelope("Forbidden: Manage access for this operation is required"),
      envelope("Forbidden: Write access to collection tenant_b is required"),
      envelope("Forbidden: Only points access is allowed for collection tenant_b"),
      "Forbidden: Global manage access is required",
    ]
  ) {
    const outcome = attack(403, body);
    assert.equal(outcome.kind, "denied", body);
    assert.equal(outcome.kind === "denied" && outcome.code, "403 Forbidden");
    assert.match(outcome.kind === "denied" ? outcome.message : "", /^Forbidden: /);
  }
});

Deno.test("outcome: a 403 that is not the access control's is an error, never a denial", () => {
  for (
    const [body, why] of [
      ["InvalidSignature", /token was not accepted/],
      ["ExpiredSignature", /token was not accepted/],
      ["Invalid JWT, stateful validation failed", /token was not accepted/],
      [
        envelope("Forbidden: Snapshot recovery from remote URLs is disabled in the configuration"),
        /unexpected answer HTTP 403/,
      ],
      [
        envelope("Forbidden: Snapshot file path must be inside the snapshots directory"),
        /unexpected answer HTTP 403/,
      ],
      [envelope("Storage locked: Write operations are forbidden"), /unexpected answer HTTP 403/],
    ] as const
  ) {
    const outcome = attack(403, body);
    assert.equal(outcome.kind, "error", body);
    assert.match(outcome.kind === "error" ? outcome.message : "", why);
  }
});

Deno.test("outcome: 401 (malformed or revoked token) is an error for attacks and controls alike", () => {
  const body = "Invalid JWT, stateful validation failed";
  assert.equal(attack(401, body).kind, "error");
  assert.equal(control(401, body).kind, "error");
  assert.equal(
    attack(401, "Must provide an API key or an Authorization bearer token").kind,
    "error",
  );
});

Deno.test("outcome: 2xx is allowed: a leak for an attack, a pass for a control", () => {
  assert.deepEqual(attack(200, '{"result":true}'), { kind: "allowed", detail: "HTTP 200" });
  assert.deepEqual(control(202, ""), { kind: "allowed", detail: "HTTP 202" });
});

Deno.test("outcome: a storage error after the access check is a leak for an attack, an error for a control", () => {
  const missing = envelope("Not found: Collection `tenant_b_bulkhead_probe_x` doesn't exist!");
  const leak = attack(404, missing);
  assert.equal(leak.kind, "allowed");
  assert.match(leak.kind === "allowed" ? leak.detail ?? "" : "", /after the access check/);
  assert.equal(control(404, missing).kind, "error");
  assert.equal(
    attack(409, envelope("Wrong input: Collection `x` already exists!")).kind,
    "allowed",
  );
  // Plain-text storage errors from handlers that return HttpError directly.
  assert.equal(attack(404, "Not found: Snapshot x not found").kind, "allowed");
});

Deno.test("outcome: what cannot tell (no route, malformed request, rate limit, 5xx) is an error", () => {
  for (
    const [status, body] of [
      [404, ""],
      [400, envelope("Format error in JSON body: missing field `limit`")],
      [422, envelope("Validation error in path parameters: [collection_name]: too long")],
      [400, envelope('Bad request: Index required but not found for "bulkhead_probe"')],
      [429, envelope("Rate limiting exceeded: Write rate limit exceeded")],
      [500, envelope("Service internal error: boom")],
      [503, "some shards are not ready"],
      [405, envelope("Distributed mode disabled")],
    ] as const
  ) {
    assert.equal(attack(status, body).kind, "error", `${status} ${body}`);
    assert.equal(control(status, body).kind, "error", `${status} ${body}`);
  }
});

Deno.test("outcome: network failures and timeouts are errors", () => {
  const timeout = new DOMException("Signal timed out.", "TimeoutError");
  assert.deepEqual(failureOutcome(timeout, 15_000), {
    kind: "error",
    message: "no answer within 15000 ms (timeout)",
  });
  const refused = new TypeError("error sending request: Connection refused (os error 111)");
  assert.equal(failureOutcome(refused, 15_000).kind, "error");
  assert.match(
    (failureOutcome(refused, 15_000) as { message: string }).message,
    /^request failed: .*Connection refused/,
  );
});

Deno.test("outcome: a token the server echoes never reaches a message", () => {
  const token = "eyJhbGciOiJIUzI1NiJ9.eyJhIjoxfQ.c2ln";
  const answer = classifyAnswer(403, `bad token ${token}`, [token]);
  assert.ok(answer.kind !== "ok" && !answer.message.includes(token));
  assert.ok(!JSON.stringify(outcomeOf(answer, "denied")).includes(token));
});

Deno.test("outcome: a listing passes when it names no other tenant, fails when it does", () => {
  const own = JSON.stringify({ result: { collections: [{ name: "tenant_a" }] } });
  const ok = classifyAnswer(200, own, []);
  assert.equal(listingOutcome(ok, own, ["tenant_b", "bulkhead_tokens"]).kind, "denied");
  const leaky = JSON.stringify({
    result: { collections: [{ name: "tenant_a" }, { name: "tenant_b" }] },
  });
  assert.deepEqual(listingOutcome(classifyAnswer(200, leaky, []), leaky, ["tenant_b"]), {
    kind: "allowed",
    detail: "the listing names tenant_b",
  });
  // A refused listing hides everything too; a broken token is an error.
  const refused = envelope("Forbidden: Global access is required");
  assert.equal(listingOutcome(classifyAnswer(403, refused, []), refused, ["x"]).kind, "denied");
  assert.equal(listingOutcome(classifyAnswer(401, "x", []), "x", ["x"]).kind, "error");
});

Deno.test("outcome: a name is mentioned only as a whole name", () => {
  assert.ok(mentions('{"name":"tenant_b"}', "tenant_b"));
  assert.ok(mentions("issue in tenant_b: slow", "tenant_b"));
  assert.ok(!mentions('{"name":"tenant_bb"}', "tenant_b"));
  assert.ok(!mentions('{"name":"tenant_b_x"}', "tenant_b"));
  assert.ok(!mentions('{"name":"xtenant_b"}', "tenant_b"));
  assert.ok(mentions("a.b*c", "a.b*c"));
});

Deno.test("outcome: the victim's marker through the own name is a leak; its absence passes", () => {
  const marker = "9b2f6a1e-0000-4000-8000-000000000001";
  const none = JSON.stringify({ result: [] });
  assert.equal(markerOutcome(classifyAnswer(200, none, []), none, marker, "b").kind, "denied");
  const found = JSON.stringify({ result: [{ id: marker, payload: {} }] });
  const leak = markerOutcome(classifyAnswer(200, found, []), found, marker, "b");
  assert.equal(leak.kind, "allowed");
  // The own collection refused or unreachable says nothing: error.
  const refused = envelope("Forbidden: Access to collection tenant_a is required");
  assert.equal(markerOutcome(classifyAnswer(403, refused, []), refused, marker, "b").kind, "error");
  assert.equal(markerOutcome(classifyAnswer(401, "x", []), "x", marker, "b").kind, "error");
  assert.equal(markerOutcome(classifyAnswer(200, "{}", []), "{}", marker, "b").kind, "error");
});

Deno.test("outcome: the recorded token's claims pass only when they are the contract's", async () => {
  const key = "k".repeat(32);
  const tokenId = "1b4e28ba-2fa1-41d2-883f-0016d3cca427";
  const contract = await signJwt(tokenClaims("acme", tokenId), key);
  assert.equal(claimsOutcome(contract, "acme", tokenId).kind, "denied");
  // Another tenant's (or another token id's) claims are not this tenant's contract.
  assert.equal(claimsOutcome(contract, "other", tokenId).kind, "allowed");
  const cases = [
    ["no-access", /no `access` claim: full manage rights/],
    ["global-read", /global access "r"/],
    ["foreign-collection", /access to collection tenant_bob/],
  ] as const;
  for (const [kind, finding] of cases) {
    const token = await signJwt(overBroadClaims(kind, "acme", tokenId, "bob"), key);
    const outcome = claimsOutcome(token, "acme", tokenId);
    assert.equal(outcome.kind, "allowed", kind);
    const detail = outcome.kind === "allowed" ? outcome.detail ?? "" : "";
    assert.match(detail, finding);
    assert.ok(!detail.includes(token));
  }
  const unrevocable = tokenClaims("acme", tokenId);
  delete unrevocable.value_exists;
  assert.match(
    (claimsOutcome(await signJwt(unrevocable, key), "acme", tokenId) as { detail: string })
      .detail,
    /no `value_exists`: cannot be revoked/,
  );
  assert.equal(claimsOutcome("not a jwt", "acme", tokenId).kind, "error");
});
