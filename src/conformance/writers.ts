/**
 * Report files: the run's JSON report, one JSON report per tenant (only its own rows,
 * for its auditors), JUnit XML for CI test views and a Markdown summary for a CI job
 * page, under `<dir>/<run-id>/`, with `<dir>/latest` pointing at the newest run.
 */
import { join } from "node:path";
import type { AreaContract } from "./model.ts";
import { type ConformanceReport, tenantReport } from "./report.ts";
import { reportToJson } from "./report_json.ts";

export type ReportFormat = "json" | "junit" | "md";
export const REPORT_FORMATS: readonly ReportFormat[] = ["json", "junit", "md"];

export interface WrittenReports {
  dir: string;
  json?: string;
  tenants: string[];
  junit?: string;
  markdown?: string;
}

function xml(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(
    /"/g,
    "&quot;",
  )
    // XML 1.0 cannot carry most control characters, which fuzzed names may hold.
    .replace(
      // deno-lint-ignore no-control-regex
      /[\x00-\x08\x0b\x0c\x0e-\x1f]/g,
      (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`,
    );
}

/** One test case per contract check: failed if any attempt failed, skipped if none ran. */
export function renderJunit(report: ConformanceReport, contracts: readonly AreaContract[]): string {
  const suites: string[] = [];
  let tests = 0, failures = 0, errors = 0, skipped = 0;
  for (const contract of contracts) {
    const status = report.areas.find((a) => a.area === contract.area);
    if (!status) continue;
    const cases: string[] = [];
    let sf = 0, se = 0, ss = 0;
    for (const check of contract.checks) {
      const rows = report.rows.filter((r) => r.checkId === check.id);
      const failure = report.failures.find((f) => f.checkId === check.id);
      const name = xml(`${check.id} ${check.title}`);
      const open = `    <testcase classname="bulkhead.${contract.area}" name="${name}">`;
      if (status.status !== "verified") {
        ss++;
        cases.push(
          `${open}<skipped message="${xml(`not verified: ${status.reason ?? ""}`)}"/></testcase>`,
        );
      } else if (rows.length === 0 && !failure) {
        ss++;
        cases.push(
          `${open}<skipped message="not exercised in this run (seed ${report.seed}, ${report.runs} runs)"/></testcase>`,
        );
      } else if (failure || rows.some((r) => r.result === "fail")) {
        sf++;
        const bad = rows.filter((r) => r.result === "fail").length;
        const detail = failure
          ? `${failure.tenant}${
            failure.victim ? ` → ${failure.victim}` : ""
          }: ${failure.attempt.operation}: expected ${failure.attempt.expect}, got ${failure.outcome.kind}\nreplay: ${failure.replay}`
          : "";
        cases.push(
          `${open}<failure message="${bad} of ${rows.length} attempts failed">${
            xml(detail)
          }</failure></testcase>`,
        );
      } else if (rows.some((r) => r.result === "error")) {
        se++;
        const first = rows.find((r) => r.result === "error")!;
        cases.push(
          `${open}<error message="${xml(first.evidence.message ?? "error")}"/></testcase>`,
        );
      } else {
        cases.push(`${open}</testcase>`);
      }
    }
    tests += contract.checks.length;
    failures += sf;
    errors += se;
    skipped += ss;
    suites.push(
      `  <testsuite name="${contract.area}" tests="${contract.checks.length}" failures="${sf}" errors="${se}" skipped="${ss}">\n${
        cases.join("\n")
      }\n  </testsuite>`,
    );
  }
  if (report.drift) {
    const d = report.drift;
    tests++;
    const found = d.changes + d.withheld + d.refusals.length > 0;
    if (found) failures++;
    const detail = [...d.refusals, ...d.items.map((i) => `${i.action} ${i.address} (${i.reason})`)]
      .join("\n");
    suites.push(
      `  <testsuite name="drift" tests="1" failures="${
        found ? 1 : 0
      }" errors="0" skipped="0">\n    <testcase classname="bulkhead.drift" name="plan is empty">${
        found
          ? `<failure message="${d.changes} changes, ${d.withheld} kept back">${
            xml(detail)
          }</failure>`
          : ""
      }</testcase>\n  </testsuite>`,
    );
  }
  return `<?xml version="1.0" encoding="UTF-8"?>\n<testsuites name="bulkhead ${report.kind}" tests="${tests}" failures="${failures}" errors="${errors}" skipped="${skipped}">\n${
    suites.join("\n")
  }\n</testsuites>\n`;
}

export function renderMarkdown(
  report: ConformanceReport,
  contracts: readonly AreaContract[],
  files: WrittenReports,
): string {
  const title = report.kind === "audit" ? "Bulkhead isolation audit" : "Bulkhead conformance";
  const lines = [
    `# ${title}: ${report.result.toUpperCase()}`,
    "",
    `Run \`${report.runId}\` · ${report.startedAt} · seed ${report.seed} · ${report.runs} random attempts per property · commit ${
      report.gitCommit ?? "unknown"
    }`,
    "",
    "| area | status | tenants | checks exercised | attempts | pass | fail | error |",
    "|---|---|---|---|---|---|---|---|",
  ];
  for (const area of report.areas) {
    const c = report.counts.byArea[area.area] ?? { pass: 0, fail: 0, error: 0 };
    const contract = contracts.find((k) => k.area === area.area);
    const exercised = new Set(
      report.rows.filter((r) => r.area === area.area).map((r) => r.checkId),
    ).size;
    const status = area.status === "verified"
      ? "verified"
      : `**not verified**: ${area.reason ?? ""}`;
    lines.push(
      `| ${area.area} | ${status} | ${area.tenants.length} | ${exercised}/${
        contract?.checks.length ?? 0
      } | ${c.pass + c.fail + c.error} | ${c.pass} | ${c.fail} | ${c.error} |`,
    );
  }
  if (report.drift) {
    const d = report.drift;
    lines.push("", "## Drift", "");
    if (d.changes + d.withheld + d.refusals.length === 0) lines.push("None: the plan is empty.");
    for (const r of d.refusals) lines.push(`- ✗ ${r}`);
    for (const i of d.items) lines.push(`- \`${i.address}\`: ${i.action} (${i.reason})`);
  }
  lines.push("", "## Failures", "");
  if (report.failures.length === 0) lines.push("None.");
  for (const f of report.failures) {
    lines.push(
      `- **${f.checkId}** (${f.severity}) ${f.title}: tenant \`${f.tenant}\`${
        f.victim ? ` → \`${f.victim}\`` : ""
      }: \`${f.attempt.operation}\` expected **${f.attempt.expect}**, got **${f.outcome.kind}**${
        "message" in f.outcome ? ` (${f.outcome.message})` : ""
      }`,
      `  - replay: \`${f.replay}\``,
    );
  }
  const errors = report.rows.filter((r) => r.result === "error");
  if (errors.length > 0) {
    lines.push("", "## Errors (never counted as passed)", "");
    for (const e of errors.slice(0, 20)) {
      lines.push(`- ${e.checkId} ${e.tenant}: \`${e.operation}\`: ${e.evidence.message ?? ""}`);
    }
    if (errors.length > 20) lines.push(`- … ${errors.length - 20} more in the JSON report`);
  }
  const leaks = contracts.filter((c) => report.areas.some((a) => a.area === c.area)).flatMap((c) =>
    c.residualLeaks
  );
  lines.push(
    "",
    `Residual leaks the stores cannot close: ${leaks.length} (see spec/isolation-contract.md).`,
    "",
    `Reports: ${
      [files.json, files.junit, files.markdown].filter(Boolean).join(", ")
    }; per tenant: ${files.tenants.length} files in ${join(files.dir, "tenants")}`,
  );
  return lines.join("\n") + "\n";
}

export function newRunId(kind: string, now = new Date()): string {
  const stamp = now.toISOString().replace(/\.\d{3}Z$/, "Z").replaceAll(":", "-");
  const random = Array.from(
    crypto.getRandomValues(new Uint8Array(2)),
    (b) => b.toString(16).padStart(2, "0"),
  ).join("");
  return `${stamp}-${kind}-${random}`;
}

export async function writeReports(
  report: ConformanceReport,
  contracts: readonly AreaContract[],
  baseDir: string,
  formats: ReadonlySet<ReportFormat>,
): Promise<WrittenReports> {
  const dir = join(baseDir, report.runId);
  await Deno.mkdir(join(dir, "tenants"), { recursive: true });
  const files: WrittenReports = { dir, tenants: [] };
  if (formats.has("json")) {
    files.json = join(dir, "report.json");
    await Deno.writeTextFile(files.json, JSON.stringify(reportToJson(report), null, 2) + "\n");
    const tenants = [...new Set(report.areas.flatMap((a) => a.tenants))].sort();
    for (const tenant of tenants) {
      const path = join(dir, "tenants", `${tenant}.json`);
      await Deno.writeTextFile(
        path,
        JSON.stringify(reportToJson(tenantReport(report, tenant)), null, 2) + "\n",
      );
      files.tenants.push(path);
    }
  }
  if (formats.has("junit")) {
    files.junit = join(dir, "junit.xml");
    await Deno.writeTextFile(files.junit, renderJunit(report, contracts));
  }
  if (formats.has("md")) {
    files.markdown = join(dir, "summary.md");
    await Deno.writeTextFile(files.markdown, renderMarkdown(report, contracts, files));
  }
  const latest = join(baseDir, "latest");
  await Deno.remove(latest).catch(() => {});
  await Deno.symlink(report.runId, latest).catch(() => {});
  return files;
}
