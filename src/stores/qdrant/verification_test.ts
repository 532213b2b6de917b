import assert from "node:assert/strict";
import { verificationOf, verifyQdrant } from "./verification.ts";
import type { ServerReport } from "../inspect.ts";

const report = (fields: Partial<ServerReport>): ServerReport => ({
  store: "qdrant",
  endpoint: "http://127.0.0.1:6333",
  reachable: true,
  version: "1.19.0",
  checks: [{ name: "JWT RBAC enabled", ok: true, detail: "a signed read-only token is accepted" }],
  ...fields,
});

Deno.test("verification: not configured is not verified, with the variable to set", async () => {
  const expected = {
    status: "not_configured",
    reason: "BULKHEAD_QDRANT_URL is not set",
    line: "qdrant: not verified (BULKHEAD_QDRANT_URL is not set)",
  };
  assert.deepEqual(verificationOf(undefined), expected);
  assert.deepEqual(await verifyQdrant(undefined), expected);
});

Deno.test("verification: unreachable, refused or without JWT RBAC is not verified, with the reason", () => {
  const refused = verificationOf(report({
    reachable: false,
    checks: [],
    error:
      "qdrant at http://127.0.0.1:6333: connection refused; is the server running and the endpoint right?",
  }));
  assert.equal(refused.status, "not_verified");
  assert.match(refused.line, /^qdrant: not verified \(qdrant at .*connection refused/);
  const rbacOff = verificationOf(report({
    checks: [{
      name: "JWT RBAC enabled",
      ok: false,
      detail: "a signed token was refused (HTTP 403): set service.jwt_rbac: true",
    }],
  }));
  assert.deepEqual(rbacOff, {
    status: "not_verified",
    reason: "a signed token was refused (HTTP 403): set service.jwt_rbac: true",
    line:
      "qdrant: not verified (a signed token was refused (HTTP 403): set service.jwt_rbac: true)",
  });
  assert.equal(
    verificationOf(report({ reachable: false, checks: [] })).reason,
    "not reachable at http://127.0.0.1:6333",
  );
});

Deno.test("verification: verified only when reachable and every check passed", () => {
  assert.deepEqual(verificationOf(report({})), {
    status: "verified",
    line: "qdrant: verified (http://127.0.0.1:6333, version 1.19.0)",
  });
});

Deno.test("verification: a Qdrant endpoint nothing listens on is not verified", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const verdict = await verifyQdrant({ url: `http://127.0.0.1:${port}`, apiKey: "k".repeat(32) });
  assert.equal(verdict.status, "not_verified");
  assert.match(verdict.line, /^qdrant: not verified \(/);
  assert.ok(!verdict.line.includes("k".repeat(32)));
});
