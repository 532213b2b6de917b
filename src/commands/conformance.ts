/** `conformance` and `audit`: prove the isolation with the tenants' real credentials. */
import { formatProblem, loadTenants } from "../tenant/load.ts";
import { ConfigError, Session } from "../apply/session.ts";
import { actorName } from "../keys/mod.ts";
import { MasterKeyError } from "../keys/mod.ts";
import { makePlan, PlanError } from "../plan/plan.ts";
import { keysArea, runConformance, storeAreas } from "../conformance/conformance.ts";
import {
  assembleReport,
  type ConformanceReport,
  type DriftSummary,
} from "../conformance/report.ts";
import {
  newRunId,
  REPORT_FORMATS,
  type ReportFormat,
  writeReports,
} from "../conformance/writers.ts";
import type { ContractArea } from "../conformance/model.ts";
import type { PropertyFailure } from "../conformance/runner.ts";
import { paint, print, printError } from "../output.ts";
import { capture } from "../sandbox/process.ts";
import { VERSION } from "../version.ts";
import {
  type Command,
  EXIT,
  type OptionSpec,
  type ParsedArgs,
  TENANTS_DIR_OPTION,
  tenantsDir,
  UsageError,
} from "./command.ts";

const AREAS: readonly ContractArea[] = ["postgres", "redis", "minio", "qdrant", "keys"];

const options: Record<string, OptionSpec> = {
  seed: {
    type: "string",
    value: "N",
    description: "seed of the random attempts (default: random; the report records it)",
  },
  runs: {
    type: "string",
    value: "N",
    description: "random attempts per property and store (default 100)",
  },
  tenants: {
    type: "string",
    value: "A,B",
    description: "only these tenants (default: every active tenant)",
  },
  stores: {
    type: "string",
    value: "S,…",
    description: `only these areas: ${AREAS.join(", ")} (default: all)`,
  },
  "report-dir": {
    type: "string",
    value: "DIR",
    description: "where reports go (default: reports)",
  },
  format: { type: "string", value: "F,…", description: "json, junit, md (default: all three)" },
  replay: {
    type: "string",
    value: "PROPERTY:PATH",
    description: "replay one counterexample, as a report's replay command gives it",
  },
  ...TENANTS_DIR_OPTION,
};

function list(value: unknown): string[] {
  return typeof value === "string" ? value.split(",").map((v) => v.trim()).filter(Boolean) : [];
}

function positiveInt(name: string, value: unknown, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 2 ** 31) {
    throw new UsageError(`--${name} must be a whole number`);
  }
  return n;
}

async function gitCommit(): Promise<string | null> {
  const out = await capture("git", ["rev-parse", "HEAD"]).catch(() => undefined);
  return out?.code === 0 ? out.stdout.trim() : null;
}

interface RunSettings {
  seed: number;
  runs: number;
  tenants: string[];
  areas: ContractArea[];
  reportDir: string;
  formats: Set<ReportFormat>;
  replay?: string;
  tenantsDir: string;
}

function settingsFrom(values: ParsedArgs["values"]): RunSettings {
  const areas = list(values.stores);
  for (const a of areas) {
    if (!AREAS.includes(a as ContractArea)) {
      throw new UsageError(`--stores: unknown area "${a}" (${AREAS.join(", ")})`);
    }
  }
  const formats = values.format === undefined ? [...REPORT_FORMATS] : list(values.format);
  for (const f of formats) {
    if (!REPORT_FORMATS.includes(f as ReportFormat)) {
      throw new UsageError(`--format: unknown format "${f}" (json, junit, md)`);
    }
  }
  if (values.replay !== undefined && (values.seed === undefined || areas.length !== 1)) {
    throw new UsageError(
      "--replay needs the run's --seed and exactly one --stores area (as the report's replay command gives them)",
    );
  }
  return {
    seed: positiveInt("seed", values.seed, crypto.getRandomValues(new Uint32Array(1))[0] >>> 1),
    runs: positiveInt("runs", values.runs, 100),
    tenants: list(values.tenants),
    areas: areas as ContractArea[],
    reportDir: (values["report-dir"] as string | undefined) ?? "reports",
    formats: new Set(formats as ReportFormat[]),
    ...(values.replay !== undefined && { replay: values.replay as string }),
    tenantsDir: tenantsDir(values),
  };
}

function replayCommand(s: RunSettings, tenantsOf: (area: ContractArea) => string[]) {
  return (f: PropertyFailure) => {
    const base = `bulkhead conformance --stores ${f.area} --tenants ${
      tenantsOf(f.area).join(",")
    } --seed ${s.seed} --runs ${s.runs}`;
    return f.property === "fixed" ? base : `${base} --replay ${f.property}:${f.path}`;
  };
}

/** Shared by both commands: conformance, and (for audit) the drift check first. */
async function runSuite(
  kind: ConformanceReport["kind"],
  values: ParsedArgs["values"],
): Promise<number> {
  const settings = settingsFrom(values);
  const { tenants, problems } = await loadTenants(settings.tenantsDir);
  if (problems.length > 0) {
    for (const p of problems) printError(formatProblem(p));
    printError(
      `${problems.length} problem(s) in the tenant files: fix them (bulkhead validate) first`,
    );
    return EXIT.finding;
  }
  for (const t of settings.tenants) {
    if (!tenants.some((d) => d.id === t)) {
      throw new UsageError(`--tenants: no tenant file declares "${t}"`);
    }
  }
  const actor = actorName();
  const startedAt = new Date();
  let session: Session | undefined;
  try {
    session = await Session.open();
    if (!session.master.identity) {
      printError(
        `${kind}: needs the master identity to use the tenants' real credentials: set BULKHEAD_MASTER_IDENTITY or BULKHEAD_MASTER_IDENTITY_FILE`,
      );
      return EXIT.cannotRun;
    }
    let drift: DriftSummary | undefined;
    if (kind === "audit") {
      const { plan } = await makePlan(session, tenants, {
        targets: settings.tenants,
        excludes: [],
        allowDestroy: false,
      });
      drift = {
        changes: plan.changes.length,
        withheld: plan.withheld.length,
        refusals: plan.refusals,
        items: [
          ...plan.changes.map((c) => ({
            address: c.address,
            tenant: c.tenant ?? null,
            action: c.action,
            reason: c.reason,
          })),
          ...plan.withheld.map((w) => ({
            address: w.address,
            tenant: w.tenant ?? null,
            action: "withheld",
            reason: w.reason,
          })),
        ],
      };
    }
    const areas = [...storeAreas(session), keysArea(session, actor)];
    const result = await runConformance(session, areas, tenants, settings);
    const checks = new Map(
      result.contracts.flatMap((c) =>
        c.checks.map((k) => [k.id, { severity: k.severity, title: k.title }] as const)
      ),
    );
    const command = [
      "bulkhead",
      kind,
      "--seed",
      String(settings.seed),
      "--runs",
      String(settings.runs),
    ]
      .concat(settings.tenants.length ? ["--tenants", settings.tenants.join(",")] : [])
      .concat(settings.areas.length ? ["--stores", settings.areas.join(",")] : []).join(" ");
    const report = assembleReport({
      runId: newRunId(kind, startedAt),
      kind,
      startedAt,
      finishedAt: new Date(),
      toolVersion: VERSION,
      gitCommit: await gitCommit(),
      seed: settings.seed,
      runs: settings.runs,
      command,
      areas: result.areas,
      areaRuns: result.runs,
      checks,
      replay: replayCommand(
        settings,
        (area) => result.areas.find((a) => a.area === area)?.tenants ?? [],
      ),
      ...(drift && { drift }),
    });
    const files = await writeReports(
      report,
      result.contracts,
      settings.reportDir,
      settings.formats,
    );
    printSummary(report);
    print(
      `\nReports: ${files.dir}/ (${
        [files.json, files.junit, files.markdown].filter(Boolean).map((f) =>
          f!.slice(files.dir.length + 1)
        ).join(", ")
      }, tenants/)`,
    );
    if (report.result === "fail") return EXIT.finding;
    if (report.result === "error" || result.couldNotRun) return EXIT.cannotRun;
    return EXIT.ok;
  } catch (error) {
    if (
      error instanceof ConfigError || error instanceof PlanError || error instanceof MasterKeyError
    ) {
      printError(`${kind}: ${error.message}`);
      return EXIT.cannotRun;
    }
    throw error;
  } finally {
    await session?.close();
  }
}

function printSummary(report: ConformanceReport): void {
  const colour = Deno.stdout.isTerminal() && !Deno.env.get("NO_COLOR");
  if (report.drift) {
    const d = report.drift;
    const found = d.changes + d.withheld + d.refusals.length;
    print(
      found === 0
        ? `drift     ${paint("none", "green", colour)}: the plan is empty`
        : `drift     ${
          paint("found", "red", colour)
        }: ${d.changes} changes, ${d.withheld} kept back${
          d.refusals.length ? `, ${d.refusals.length} refusals` : ""
        }`,
    );
    for (const r of d.refusals) print(`            ✗ ${r}`);
    for (const i of d.items) print(`            ${i.action} ${i.address} (${i.reason})`);
  }
  for (const area of report.areas) {
    const c = report.counts.byArea[area.area] ?? { pass: 0, fail: 0, error: 0 };
    const state = area.status === "verified"
      ? `${c.pass} passed, ${c.fail} failed, ${c.error} errors (${area.tenants.length} tenants${
        area.version ? `, ${area.version}` : ""
      })`
      : `${paint("not verified", "yellow", colour)}: ${area.reason}`;
    print(`${area.area.padEnd(9)} ${state}`);
    for (const note of area.notes) print(`          note: ${note}`);
  }
  for (const f of report.failures) {
    print(
      `${paint("FAIL", "red", colour)} ${f.checkId} (${f.severity}) ${f.title}: ${f.tenant}${
        f.victim ? ` → ${f.victim}` : ""
      }: ${f.attempt.operation}: expected ${f.attempt.expect}, got ${f.outcome.kind}`,
    );
    print(`     replay: ${f.replay}`);
  }
  const verdict = {
    pass: paint("PASS", "green", colour),
    fail: paint("FAIL", "red", colour),
    error: paint("ERROR", "red", colour),
  }[report.result];
  print(
    `\n${
      report.kind === "audit" ? "Audit" : "Conformance"
    }: ${verdict} (seed ${report.seed}, ${report.runs} runs per property)`,
  );
}

export const conformanceCommand: Command = {
  name: "conformance",
  summary: "Fire randomized cross-tenant attacks with the tenants' real credentials; write reports",
  usage:
    "bulkhead conformance [--seed N] [--runs N] [--tenants A,B] [--stores S,…] [--report-dir DIR] [--format json,junit,md] [--replay PROPERTY:PATH] [--tenants-dir DIR]",
  description:
    "For random pairs of tenants (attacker ≠ victim), random operations from each store's whole\n" +
    "operation surface aimed at the victim must be refused by the store itself; random operations on\n" +
    "a tenant's own resources must be allowed (positive controls). Failures shrink to a minimal\n" +
    "counterexample with the command that replays it. Writes one JSON report (spec/report.schema.json),\n" +
    "one per tenant, JUnit XML and a Markdown summary under DIR/<run-id>/. A store that cannot be\n" +
    "reached is reported as not verified, never as passed.",
  options,
  maxPositionals: 0,
  examples: [
    "bulkhead conformance",
    "bulkhead conformance --stores redis,minio --runs 300 --seed 42",
    "bulkhead conformance --tenants acme,globex --format json,md --report-dir /tmp/reports",
  ],
  exitCodes: [
    "0 every check passed",
    "1 a finding (an isolation failure)",
    "2 could not run (a store unreachable, no master identity)",
  ],
  run: ({ values }) => runSuite("conformance", values),
};

export const auditCommand: Command = {
  name: "audit",
  summary: "Scheduled isolation audit: drift check (plan must be empty) + conformance",
  usage:
    "bulkhead audit [--seed N] [--runs N] [--tenants A,B] [--stores S,…] [--report-dir DIR] [--format json,junit,md] [--replay PROPERTY:PATH] [--tenants-dir DIR]",
  description:
    "Plans (read-only): any change, anything kept back (orphans) or any refusal is drift, a finding.\n" +
    "Then runs the conformance suite and writes one report of both. For scheduled runs: non-zero on\n" +
    "any finding.",
  options,
  maxPositionals: 0,
  examples: ["bulkhead audit", "bulkhead audit --runs 500 --report-dir reports/nightly"],
  exitCodes: ["0 clean", "1 a finding (drift or an isolation failure)", "2 could not run"],
  run: ({ values }) => runSuite("audit", values),
};
