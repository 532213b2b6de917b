import assert from "node:assert/strict";
import { assembleReport, redactTenants, tenantReport } from "./report.ts";
import { reportDocumentSchema, reportToJson } from "./report_json.ts";
import { renderJunit, renderMarkdown } from "./writers.ts";
import type { AreaContract, CheckRow } from "./model.ts";

const contract: AreaContract = {
  area: "postgres",
  summary: "s",
  checks: [
    {
      id: "PG-001",
      severity: "critical",
      title: "Connect to another tenant's database",
      attempt: "a",
      expected: "42501",
    },
    { id: "PG-002", severity: "high", title: "Never drawn", attempt: "a", expected: "e" },
  ],
  residualLeaks: [{ id: "PG-R01", severity: "low", title: "names", detail: "d" }],
};

function row(tenant: string, victim: string, result: CheckRow["result"]): CheckRow {
  return {
    checkId: "PG-001",
    area: "postgres",
    severity: "critical",
    title: "Connect to another tenant's database",
    tenant,
    victim,
    operation: `connect to tenant_${victim.replaceAll("-", "_")}`,
    expected: "denied",
    observed: result === "pass" ? "denied" : "allowed",
    result,
    evidence: result === "pass"
      ? {
        code: "42501",
        message: `permission denied for database tenant_${victim.replaceAll("-", "_")}`,
      }
      : {},
  };
}

function report(rows: CheckRow[], failures = false) {
  return assembleReport({
    runId: "run-1",
    kind: "audit",
    startedAt: new Date(0),
    finishedAt: new Date(1000),
    toolVersion: "test",
    gitCommit: null,
    seed: 42,
    runs: 10,
    command: "bulkhead audit --seed 42",
    areas: [{ area: "postgres", status: "verified", tenants: ["acme", "big-co"], notes: [] }, {
      area: "qdrant",
      status: "not_verified",
      reason: "BULKHEAD_QDRANT_URL is not set",
      tenants: [],
      notes: [],
    }],
    areaRuns: [{
      area: "postgres",
      rows,
      notes: [],
      failures: failures
        ? [{
          area: "postgres",
          property: "isolation",
          checkId: "PG-001",
          tenant: "acme",
          victim: "big-co",
          attempt: {
            checkId: "PG-001",
            operation: "connect to tenant_big_co",
            expect: "denied",
            request: { database: "tenant_big_co" },
          },
          outcome: { kind: "allowed" },
          seed: 42,
          path: "3:1",
        }]
        : [],
    }],
    checks: new Map([["PG-001", {
      severity: "critical" as const,
      title: "Connect to another tenant's database",
    }]]),
    replay: (f) =>
      `bulkhead conformance --stores ${f.area} --tenants acme,big-co --seed 42 --replay ${f.property}:${f.path}`,
    drift: { changes: 0, withheld: 0, refusals: [], items: [] },
  });
}

Deno.test("report: counts, overall result, and a JSON document valid against its schema", () => {
  const clean = report([row("acme", "big-co", "pass"), row("big-co", "acme", "pass")]);
  assert.equal(clean.result, "pass");
  assert.deepEqual(clean.counts.byTenant, {
    acme: { pass: 1, fail: 0, error: 0 },
    "big-co": { pass: 1, fail: 0, error: 0 },
  });
  assert.equal(reportDocumentSchema.safeParse(reportToJson(clean)).success, true);
  const failed = report([row("acme", "big-co", "fail")], true);
  assert.equal(failed.result, "fail");
  assert.match(failed.failures[0].replay, /--replay isolation:3:1$/);
  const errored = report([{
    ...row("acme", "big-co", "pass"),
    observed: "error",
    result: "error",
  }]);
  assert.equal(errored.result, "error", "an error is never a pass");
});

Deno.test("report: a tenant's report holds only its own rows, other tenants' names redacted", () => {
  const full = report([row("acme", "big-co", "pass"), row("big-co", "acme", "pass")], true);
  const mine = tenantReport(full, "acme");
  assert.deepEqual(mine.rows.map((r) => [r.tenant, r.victim]), [["acme", "<other-tenant>"]]);
  assert.equal(mine.rows[0].operation, "connect to tenant_<other-tenant>");
  assert.equal(
    mine.rows[0].evidence.message,
    "permission denied for database tenant_<other-tenant>",
  );
  assert.ok(!JSON.stringify(reportToJson(mine)).includes("big"), "no trace of the other tenant");
  assert.deepEqual(mine.areas.map((a) => a.tenants), [["acme"]]);
  const theirs = tenantReport(full, "big-co");
  assert.equal(theirs.failures.length, 0);
  assert.equal(theirs.result, "pass");
});

Deno.test("report: redaction replaces whole names only", () => {
  assert.equal(
    redactTenants("tenant_a and tenant_ab and a-b", ["a", "a-b"]),
    "tenant_<other-tenant> and tenant_ab and <other-tenant>",
  );
});

Deno.test("report: JUnit has a case per check (failed, passed or not exercised) and skips unverified areas", () => {
  const failed = report([row("acme", "big-co", "fail")], true);
  const xml = renderJunit(failed, [contract, {
    ...contract,
    area: "qdrant",
    checks: [{ ...contract.checks[0], id: "QD-001" }],
  }]);
  assert.match(
    xml,
    /<testcase classname="bulkhead.postgres" name="PG-001 Connect to another tenant's database"><failure message="1 of 1 attempts failed">/,
  );
  assert.match(xml, /name="PG-002 Never drawn"><skipped message="not exercised in this run/);
  assert.match(
    xml,
    /name="QD-001 [^"]*"><skipped message="not verified: BULKHEAD_QDRANT_URL is not set"/,
  );
  assert.match(xml, /<testsuite name="drift" tests="1" failures="0"/);
  const md = renderMarkdown(failed, [contract], {
    dir: "/r/run-1",
    tenants: [],
    json: "/r/run-1/report.json",
  });
  assert.match(md, /^# Bulkhead isolation audit: FAIL/);
  assert.match(md, /\| qdrant \| \*\*not verified\*\*: BULKHEAD_QDRANT_URL is not set \|/);
  assert.match(md, /- \*\*PG-001\*\* \(critical\).*expected \*\*denied\*\*, got \*\*allowed\*\*/);
});
