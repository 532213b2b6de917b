import assert from "node:assert/strict";
import {
  connectFailureOutcome,
  failureOf,
  scrub,
  scrubOutcome,
  statementFailureOutcome,
  statementSuccessOutcome,
  sweepOutcome,
} from "./probe_outcome.ts";

const refused = { code: "42501", message: "permission denied for database tenant_b" };
const wrongPassword = { code: "28P01", message: 'password authentication failed for user "x"' };

Deno.test("probe outcome: connecting elsewhere is refused only by 42501", () => {
  assert.deepEqual(connectFailureOutcome(refused, "other", "tenant_b"), {
    kind: "denied",
    ...refused,
  });
  for (
    const failure of [
      wrongPassword,
      { code: "ECONNREFUSED", message: "connect ECONNREFUSED 127.0.0.1:1" },
      { code: "CONNECT_TIMEOUT", message: "write CONNECT_TIMEOUT" },
      { code: "3D000", message: 'database "tenant_b" does not exist' },
      { message: "socket hang up" },
    ]
  ) {
    assert.equal(
      connectFailureOutcome(failure, "other", "tenant_b").kind,
      "error",
      failure.message,
    );
  }
});

Deno.test("probe outcome: its own database must accept its own credential; any failure is an error", () => {
  for (const failure of [refused, wrongPassword, { code: "28000", message: "not permitted" }]) {
    const outcome = connectFailureOutcome(failure, "own", "tenant_a");
    assert.equal(outcome.kind, "error");
    assert.match(outcome.kind === "error" ? outcome.message : "", /its own database/);
  }
});

Deno.test("probe outcome: logging in as another role is refused only by 28P01", () => {
  assert.equal(connectFailureOutcome(wrongPassword, "login", "x").kind, "denied");
  assert.equal(connectFailureOutcome(refused, "login", "x").kind, "error");
  assert.equal(
    connectFailureOutcome({ code: "ECONNRESET", message: "reset" }, "login", "x").kind,
    "error",
  );
});

Deno.test("probe outcome: a failed statement is a refusal only with 42501", () => {
  assert.equal(statementFailureOutcome(refused).kind, "denied");
  for (const code of ["42P01", "3F000", "25001", "57014", "55P03", "42939", "0A000"]) {
    assert.equal(statementFailureOutcome({ code, message: "x" }).kind, "error", code);
  }
  assert.equal(statementFailureOutcome({ message: "Connection terminated" }).kind, "error");
  const passwordRequired = { code: "2F003", message: "password is required" };
  assert.equal(statementFailureOutcome(passwordRequired).kind, "error", "not by default");
  assert.equal(statementFailureOutcome(passwordRequired, ["42501", "2F003"]).kind, "denied");
  assert.equal(statementFailureOutcome(refused, ["2F003"]).kind, "error", "only the states given");
});

Deno.test("probe outcome: a statement that succeeded is a leak unless the refusal says otherwise", () => {
  const ok = { command: "SELECT", count: 1, rows: [{ x: 1 }] };
  assert.equal(statementSuccessOutcome(ok, [], { kind: "error" }).kind, "allowed");

  const grant = { kind: "grant" } as const;
  const none = { code: "01007", message: 'no privileges were granted for "tenant_a"' };
  const partial = { code: "01007", message: 'not all privileges were granted for "tenant_a"' };
  const notRevoked = { code: "01006", message: 'no privileges could be revoked for "x"' };
  assert.deepEqual(statementSuccessOutcome(ok, [none], grant), { kind: "denied", ...none });
  assert.deepEqual(statementSuccessOutcome(ok, [notRevoked], grant), {
    kind: "denied",
    ...notRevoked,
  });
  assert.equal(statementSuccessOutcome(ok, [partial], grant).kind, "allowed", "partial grant");
  assert.equal(statementSuccessOutcome(ok, [], grant).kind, "allowed");
  assert.equal(statementSuccessOutcome(ok, [none], { kind: "error" }).kind, "allowed");
});

Deno.test("probe outcome: row security counts only while the victim's row demonstrably exists", () => {
  const refusal = { kind: "filtered", role: "tenant_b", table: 'shared."t"' } as const;
  const mine = {
    command: "SELECT",
    count: 2,
    rows: [{ tenant: "tenant_a" }, { tenant: "tenant_a" }],
  };
  const theirs = { command: "SELECT", count: 1, rows: [{ tenant: "tenant_b" }] };
  const hidden = statementSuccessOutcome(mine, [], refusal, 1);
  assert.equal(hidden.kind, "denied");
  assert.equal(hidden.kind === "denied" && hidden.code, "row-security");
  const leaked = statementSuccessOutcome(theirs, [], refusal, 1);
  assert.equal(leaked.kind, "allowed");
  assert.ok(!JSON.stringify(leaked).includes("row_value"), "returned values are never quoted");
  assert.equal(statementSuccessOutcome(mine, [], refusal, 0).kind, "error", "no witness row");
  assert.equal(statementSuccessOutcome(mine, [], refusal).kind, "error", "witness not counted");
});

Deno.test("probe outcome: a sweep is refused only when every item was", () => {
  const denied = { kind: "denied" as const, code: "42501", message: "no" };
  const error = { kind: "error" as const, message: "timeout" };
  assert.equal(sweepOutcome("s", []).kind, "error", "nothing enumerated never passes");
  assert.equal(
    sweepOutcome("s", [{ item: "a", outcome: denied }, { item: "b", outcome: denied }]).kind,
    "denied",
  );
  assert.equal(
    sweepOutcome("s", [{ item: "a", outcome: denied }, { item: "b", outcome: error }]).kind,
    "error",
  );
  const leak = sweepOutcome("s", [
    { item: "a", outcome: error },
    { item: "b", outcome: { kind: "allowed" } },
  ]);
  assert.equal(leak.kind, "allowed", "a leak outweighs an error");
  assert.match(leak.kind === "allowed" ? leak.detail ?? "" : "", /b/);
});

Deno.test("probe outcome: failures keep the SQLSTATE and one line; secrets are scrubbed", () => {
  const error = Object.assign(new Error("permission denied\nDETAIL: x"), { code: "42501" });
  assert.deepEqual(failureOf(error), { code: "42501", message: "permission denied" });
  assert.deepEqual(failureOf("boom"), { message: "boom" });
  assert.equal(scrub("pw=s3cr3t-value end", ["s3cr3t-value"]), "pw=(sensitive) end");
  assert.deepEqual(
    scrubOutcome({ kind: "error", message: "failed for s3cr3t-value" }, ["s3cr3t-value"]),
    { kind: "error", message: "failed for (sensitive)" },
  );
});
