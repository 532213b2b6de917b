/**
 * A conformance run as a report: every attempt with tenant, victim, operation, expected,
 * observed, result and the store's evidence; counts by area, tenant and severity; each
 * failure with its shrunk counterexample and the command that replays it. Areas that
 * could not be reached are "not verified", never passed.
 */
import type { CheckResult, CheckRow, ContractArea, Severity } from "./model.ts";
import type { AreaRun, PropertyFailure } from "./runner.ts";

export const REPORT_VERSION = "1";

export interface AreaStatus {
  area: ContractArea;
  status: "verified" | "not_verified";
  /** Why not verified (unreachable, not configured, fewer than one tenant, …). */
  reason?: string;
  version?: string;
  tenants: string[];
  notes: string[];
}

export type Counts = Record<CheckResult, number>;

export interface Failure extends PropertyFailure {
  severity: Severity;
  title: string;
  /** The exact command that replays this counterexample. */
  replay: string;
}

export interface DriftSummary {
  changes: number;
  withheld: number;
  refusals: string[];
  /** Addresses and reasons, for the report reader. */
  items: { address: string; tenant: string | null; action: string; reason: string }[];
}

export interface ConformanceReport {
  reportVersion: typeof REPORT_VERSION;
  runId: string;
  kind: "conformance" | "audit";
  startedAt: string;
  finishedAt: string;
  toolVersion: string;
  gitCommit: string | null;
  seed: number;
  runs: number;
  /** The command line that repeats this run. */
  command: string;
  areas: AreaStatus[];
  rows: CheckRow[];
  failures: Failure[];
  counts: {
    byArea: Record<string, Counts>;
    byTenant: Record<string, Counts>;
    bySeverity: Record<string, Counts>;
  };
  /** Audit only: the drift check (plan must be empty). */
  drift?: DriftSummary;
  /** pass: nothing failed and every verified area ran; fail: a finding; error: could not run a check. */
  result: "pass" | "fail" | "error";
}

function emptyCounts(): Counts {
  return { pass: 0, fail: 0, error: 0 };
}

export function countRows(
  rows: readonly CheckRow[],
  key: (row: CheckRow) => string,
): Record<string, Counts> {
  const out: Record<string, Counts> = {};
  for (const row of rows) (out[key(row)] ??= emptyCounts())[row.result]++;
  return out;
}

export function overallResult(
  rows: readonly CheckRow[],
  failures: readonly Failure[],
  drift?: DriftSummary,
): ConformanceReport["result"] {
  const driftFound = drift !== undefined &&
    (drift.changes > 0 || drift.withheld > 0 || drift.refusals.length > 0);
  if (
    failures.some((f) => f.outcome.kind !== "error") || rows.some((r) => r.result === "fail") ||
    driftFound
  ) {
    return "fail";
  }
  if (rows.some((r) => r.result === "error") || failures.length > 0) return "error";
  return "pass";
}

export interface AssembleInputs {
  runId: string;
  kind: ConformanceReport["kind"];
  startedAt: Date;
  finishedAt: Date;
  toolVersion: string;
  gitCommit: string | null;
  seed: number;
  runs: number;
  command: string;
  areas: AreaStatus[];
  areaRuns: AreaRun[];
  checks: Map<string, { severity: Severity; title: string }>;
  replay(failure: PropertyFailure): string;
  drift?: DriftSummary;
}

export function assembleReport(inputs: AssembleInputs): ConformanceReport {
  const rows = inputs.areaRuns.flatMap((r) => r.rows);
  const failures: Failure[] = inputs.areaRuns.flatMap((r) =>
    r.failures.map((f) => ({ ...f, ...inputs.checks.get(f.checkId)!, replay: inputs.replay(f) }))
  );
  for (const run of inputs.areaRuns) {
    const area = inputs.areas.find((a) => a.area === run.area);
    if (area) area.notes.push(...run.notes);
  }
  return {
    reportVersion: REPORT_VERSION,
    runId: inputs.runId,
    kind: inputs.kind,
    startedAt: inputs.startedAt.toISOString(),
    finishedAt: inputs.finishedAt.toISOString(),
    toolVersion: inputs.toolVersion,
    gitCommit: inputs.gitCommit,
    seed: inputs.seed,
    runs: inputs.runs,
    command: inputs.command,
    areas: inputs.areas,
    rows,
    failures,
    counts: {
      byArea: countRows(rows, (r) => r.area),
      byTenant: countRows(rows, (r) => r.tenant),
      bySeverity: countRows(rows, (r) => r.severity),
    },
    ...(inputs.drift && { drift: inputs.drift }),
    result: overallResult(rows, failures, inputs.drift),
  };
}

/** Other tenants' ids (and their snake_case forms) in a text, replaced by a placeholder. */
export function redactTenants(text: string, others: readonly string[]): string {
  let out = text;
  const forms = others.flatMap((id) => [id, id.replaceAll("-", "_")]).sort((a, b) =>
    b.length - a.length
  );
  for (const form of forms) {
    out = out.replace(
      new RegExp(`(?<![a-z0-9])${form.replace(/[-]/g, "\\-")}(?![a-z0-9])`, "g"),
      "<other-tenant>",
    );
  }
  return out;
}

/**
 * The report a tenant's auditors may receive: only rows made with that tenant's
 * credentials, other tenants' names replaced by `<other-tenant>`.
 */
export function tenantReport(report: ConformanceReport, tenant: string): ConformanceReport {
  const others = [...new Set(report.areas.flatMap((a) => a.tenants))].filter((t) => t !== tenant);
  const redact = (text: string) => redactTenants(text, others);
  const rows = report.rows.filter((r) => r.tenant === tenant).map((r) => ({
    ...r,
    victim: r.victim === null ? null : "<other-tenant>",
    operation: redact(r.operation),
    evidence: {
      ...(r.evidence.code !== undefined && { code: r.evidence.code }),
      ...(r.evidence.message !== undefined && { message: redact(r.evidence.message) }),
    },
  }));
  const failures = report.failures.filter((f) => f.tenant === tenant).map((f) => ({
    ...f,
    victim: f.victim === null ? null : "<other-tenant>",
    attempt: {
      ...f.attempt,
      operation: redact(f.attempt.operation),
      request: JSON.parse(redact(JSON.stringify(f.attempt.request))),
    },
    outcome: "message" in f.outcome
      ? { ...f.outcome, message: redact(f.outcome.message) }
      : f.outcome,
    replay: redact(f.replay),
  }));
  return {
    ...report,
    command: redact(report.command),
    areas: report.areas.filter((a) => a.tenants.includes(tenant)).map((a) => ({
      ...a,
      tenants: [tenant],
      notes: a.notes.map(redact),
    })),
    rows,
    failures,
    counts: {
      byArea: countRows(rows, (r) => r.area),
      byTenant: countRows(rows, (r) => r.tenant),
      bySeverity: countRows(rows, (r) => r.severity),
    },
    ...(report.drift && { drift: tenantDrift(report.drift, tenant) }),
    result: overallResult(rows, failures, report.drift && tenantDrift(report.drift, tenant)),
  };
}

function tenantDrift(drift: DriftSummary, tenant: string): DriftSummary {
  const items = drift.items.filter((i) => i.tenant === tenant);
  return {
    changes: items.filter((i) => i.action !== "withheld").length,
    withheld: items.filter((i) => i.action === "withheld").length,
    refusals: drift.refusals.filter((r) => r.includes(`tenant ${tenant} `)),
    items,
  };
}
