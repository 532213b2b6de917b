/**
 * The report as JSON, described by spec/report.schema.json (generated from the zod
 * schema below; a test fails when it is stale).
 */
import { z } from "zod";
import { renderJsonSchema } from "../json_schema.ts";
import { type ConformanceReport, REPORT_VERSION } from "./report.ts";

const area = z.enum(["postgres", "redis", "minio", "qdrant", "keys"]);
const severity = z.enum(["critical", "high", "medium", "low"]);
const counts = z.strictObject({
  pass: z.number().int(),
  fail: z.number().int(),
  error: z.number().int(),
});
const outcome = z.union([
  z.strictObject({ kind: z.literal("denied"), code: z.string(), message: z.string() }),
  z.strictObject({ kind: z.literal("allowed"), detail: z.string().optional() }),
  z.strictObject({ kind: z.literal("error"), message: z.string() }),
]);

export const reportDocumentSchema = z.strictObject({
  report_version: z.literal(REPORT_VERSION),
  run_id: z.string(),
  kind: z.enum(["conformance", "audit"]),
  started_at: z.string(),
  finished_at: z.string(),
  tool_version: z.string(),
  git_commit: z.string().nullable(),
  seed: z.number().int(),
  runs: z.number().int().describe("Random attempts per property."),
  command: z.string().describe("The command line that repeats this run."),
  result: z.enum(["pass", "fail", "error"]).describe(
    "pass: every attempt on every verified area passed; fail: a finding; error: a check could not run. Areas not verified are listed in `areas`, never counted as passed.",
  ),
  areas: z.array(z.strictObject({
    area,
    status: z.enum(["verified", "not_verified"]),
    reason: z.string().nullable(),
    version: z.string().nullable(),
    tenants: z.array(z.string()),
    notes: z.array(z.string()),
  })),
  checks: z.array(z.strictObject({
    check_id: z.string(),
    area,
    severity,
    title: z.string(),
    tenant: z.string().describe("Whose credentials made the attempt."),
    victim: z.string().nullable(),
    operation: z.string(),
    expected: z.enum(["denied", "allowed"]),
    observed: z.enum(["denied", "allowed", "error"]),
    result: z.enum(["pass", "fail", "error"]),
    evidence: z.strictObject({ code: z.string().optional(), message: z.string().optional() }),
  })),
  failures: z.array(z.strictObject({
    check_id: z.string(),
    area,
    severity,
    title: z.string(),
    property: z.enum(["isolation", "control", "fixed"]),
    tenant: z.string(),
    victim: z.string().nullable(),
    counterexample: z.strictObject({
      operation: z.string(),
      expected: z.enum(["denied", "allowed"]),
      request: z.unknown(),
    }).describe("The shrunk attempt."),
    outcome,
    seed: z.number().int().nullable(),
    path: z.string().nullable(),
    replay: z.string(),
  })),
  counts: z.strictObject({
    by_area: z.record(z.string(), counts),
    by_tenant: z.record(z.string(), counts),
    by_severity: z.record(z.string(), counts),
  }),
  drift: z.strictObject({
    changes: z.number().int(),
    withheld: z.number().int(),
    refusals: z.array(z.string()),
    items: z.array(z.strictObject({
      address: z.string(),
      tenant: z.string().nullable(),
      action: z.string(),
      reason: z.string(),
    })),
  }).nullable().describe("Audit only: the drift check (the plan must be empty)."),
}).describe("A Bulkhead conformance or audit report.");

export type ReportDocument = z.infer<typeof reportDocumentSchema>;

export function reportToJson(r: ConformanceReport): ReportDocument {
  return {
    report_version: r.reportVersion,
    run_id: r.runId,
    kind: r.kind,
    started_at: r.startedAt,
    finished_at: r.finishedAt,
    tool_version: r.toolVersion,
    git_commit: r.gitCommit,
    seed: r.seed,
    runs: r.runs,
    command: r.command,
    result: r.result,
    areas: r.areas.map((a) => ({
      area: a.area,
      status: a.status,
      reason: a.reason ?? null,
      version: a.version ?? null,
      tenants: a.tenants,
      notes: a.notes,
    })),
    checks: r.rows.map((row) => ({
      check_id: row.checkId,
      area: row.area,
      severity: row.severity,
      title: row.title,
      tenant: row.tenant,
      victim: row.victim,
      operation: row.operation,
      expected: row.expected,
      observed: row.observed,
      result: row.result,
      evidence: row.evidence,
    })),
    failures: r.failures.map((f) => ({
      check_id: f.checkId,
      area: f.area,
      severity: f.severity,
      title: f.title,
      property: f.property,
      tenant: f.tenant,
      victim: f.victim,
      counterexample: {
        operation: f.attempt.operation,
        expected: f.attempt.expect,
        request: f.attempt.request,
      },
      outcome: f.outcome,
      seed: f.seed ?? null,
      path: f.path ?? null,
      replay: f.replay,
    })),
    counts: {
      by_area: r.counts.byArea,
      by_tenant: r.counts.byTenant,
      by_severity: r.counts.bySeverity,
    },
    drift: r.drift ?? null,
  };
}

export function renderReportSchema(): string {
  return renderJsonSchema(reportDocumentSchema, "report.schema.json", "Bulkhead report", "output");
}
