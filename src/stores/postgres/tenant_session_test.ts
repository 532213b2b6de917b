import assert from "node:assert/strict";
import { classifyFailure, tenantUrl } from "./tenant_session.ts";

Deno.test("tenant session: the URL carries the tenant's credential and database, options kept", () => {
  const url = tenantUrl(
    { url: "postgres://admin:s3cret@db.internal:5433/postgres?sslmode=require" },
    { role: "tenant_acme", password: "p@ss/word" },
    "tenant_acme",
  );
  const parsed = new URL(url);
  assert.equal(parsed.username, "tenant_acme");
  assert.equal(decodeURIComponent(parsed.password), "p@ss/word");
  assert.equal(parsed.host, "db.internal:5433");
  assert.equal(parsed.pathname, "/tenant_acme");
  assert.equal(parsed.searchParams.get("sslmode"), "require");
  assert.ok(!url.includes("s3cret"));
});

Deno.test("tenant session: only the server's refusals count as denials", () => {
  const refusal = Object.assign(new Error("permission denied for table t"), { code: "42501" });
  assert.deepEqual(classifyFailure(refusal), {
    outcome: "denied",
    code: "42501",
    message: "permission denied for table t",
  });
  const noLogin = Object.assign(new Error('role "x" is not permitted to log in'), {
    code: "28000",
  });
  assert.equal(classifyFailure(noLogin).outcome, "denied");
  const network = Object.assign(new Error("connect ECONNREFUSED"), { code: "ECONNREFUSED" });
  assert.equal(classifyFailure(network).outcome, "error");
  const missing = Object.assign(new Error('relation "x" does not exist'), { code: "42P01" });
  assert.equal(classifyFailure(missing).outcome, "error");
});
