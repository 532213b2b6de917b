import assert from "node:assert/strict";
import { RESERVED_TENANT_IDS, TENANT_ID_MAX_LENGTH, tenantIdProblem } from "./id.ts";

Deno.test("tenant id: valid ids are accepted", () => {
  for (const id of ["acme", "a1", "umbrella-labs", "x-1-2", "a".repeat(TENANT_ID_MAX_LENGTH)]) {
    assert.equal(tenantIdProblem(id), undefined, id);
  }
});

Deno.test("tenant id: each rule refuses what it must, with a reason", () => {
  const cases: [string, RegExp][] = [
    ["", /2-32 characters/],
    ["a", /2-32 characters/],
    ["a".repeat(TENANT_ID_MAX_LENGTH + 1), /2-32 characters/],
    ["Acme", /must be lowercase/],
    ["1acme", /must start with a letter/],
    ["-acme", /must start with a letter/],
    ["acme-", /must not end with a hyphen/],
    ["ac--me", /two hyphens in a row/],
    ["ac_me", /not "_"/],
    ["ac.me", /not "\."/],
    ["acmé", /not "é"/],
    ["ac me", /not " "/],
  ];
  for (const [id, reason] of cases) {
    const problem = tenantIdProblem(id);
    assert.ok(problem, `${JSON.stringify(id)} must be refused`);
    assert.match(problem, reason, id);
  }
});

Deno.test("tenant id: reserved words are refused", () => {
  for (const id of ["default", "admin", "public", "postgres", "template0", "template1", "system"]) {
    assert.ok(RESERVED_TENANT_IDS.has(id));
    assert.match(tenantIdProblem(id) ?? "", /reserved/, id);
  }
});
