/**
 * `deno task bench`: plan and apply times for growing tenant counts on a fresh sandbox of
 * real stores. Prints a table and writes reports/bench.json. A benchmark, not a test:
 * nothing here passes or fails on time.
 *
 *   deno task bench                 10, 100 and 1000 tenants
 *   deno task bench 10 100          chosen counts
 *   BENCH_STORES=postgres,redis deno task bench 1000
 */
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { sandboxDown, sandboxEnvironment, sandboxUp } from "../src/sandbox/sandbox.ts";
import { capture } from "../src/sandbox/process.ts";

const root = resolve(new URL("..", import.meta.url).pathname);
const counts = Deno.args.length > 0 ? Deno.args.map(Number) : [10, 100, 1000];
const stores = (Deno.env.get("BENCH_STORES") ?? "postgres,redis,minio").split(",");
const parallelism = Number(Deno.env.get("BENCH_PARALLELISM") ?? 8);
const dir = join(root, ".bulkhead", "bench", `${Date.now()}`);
const cli = join(root, "src", "cli.ts");

interface Row {
  tenants: number;
  plan_empty_s: number;
  apply_s: number;
  plan_noop_s: number;
  /** Drift check + conformance (100 random attempts per property and store); only up to 100 tenants. */
  audit_s: number | null;
  destroy_s: number;
  changes: number;
  round_trips: Record<string, number | null>;
}

async function bulkhead(
  args: string[],
  env: Record<string, string>,
): Promise<{ seconds: number; stdout: string }> {
  const started = performance.now();
  const out = await capture(Deno.execPath(), ["run", "-A", "--quiet", cli, ...args], {
    env: { ...env, NO_COLOR: "1" },
  });
  const seconds = (performance.now() - started) / 1000;
  if (out.code !== 0 && !(args.includes("--detailed-exitcode") && out.code === 2)) {
    throw new Error(
      `bulkhead ${args.join(" ")} exited ${out.code}:\n${out.stderr}\n${out.stdout.slice(-2000)}`,
    );
  }
  return { seconds, stdout: out.stdout };
}

async function writeTenants(tenantDir: string, n: number, status: string) {
  await Deno.mkdir(tenantDir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const id = `bench-${i}`;
    const isolation = i % 10 === 0 ? "database" : "schema";
    const file = {
      id,
      name: `Bench tenant ${i}`,
      tier: isolation === "database" ? "enterprise" : "standard",
      status,
      retention_days: 0,
      contacts: [{ name: "Bench", email: "bench@example.com", role: "owner" }],
      stores: Object.fromEntries(stores.map((s) => [s, s === "postgres" ? { isolation } : {}])),
    };
    await Deno.writeTextFile(join(tenantDir, `${id}.yaml`), stringify(file));
  }
}

const log = (line: string) => console.error(`sandbox: ${line}`);
const state = await sandboxUp(log, dir);
const env = sandboxEnvironment(state);
const rows: Row[] = [];
try {
  for (const n of counts) {
    const tenantDir = join(dir, `tenants-${n}`);
    await writeTenants(tenantDir, n, "active");
    console.error(`bench: ${n} tenants (${stores.join(", ")}), parallelism ${parallelism}`);
    const plan = await bulkhead(["plan", "--json", "--tenants-dir", tenantDir], env);
    const doc = JSON.parse(plan.stdout);
    const apply = await bulkhead([
      "apply",
      "--auto-approve",
      "--parallelism",
      String(parallelism),
      "--tenants-dir",
      tenantDir,
    ], env);
    const noop = await bulkhead(["plan", "--detailed-exitcode", "--tenants-dir", tenantDir], env);
    const audit = n <= 100
      ? await bulkhead([
        "audit",
        "--runs",
        "100",
        "--format",
        "json",
        "--report-dir",
        join(dir, "reports"),
        "--tenants-dir",
        tenantDir,
      ], env)
      : undefined;
    await writeTenants(tenantDir, n, "decommissioned");
    const destroy = await bulkhead(
      [
        "apply",
        "--auto-approve",
        "--allow-destroy",
        "--parallelism",
        String(parallelism),
        "--tenants-dir",
        tenantDir,
      ],
      env,
    );
    rows.push({
      tenants: n,
      plan_empty_s: plan.seconds,
      apply_s: apply.seconds,
      plan_noop_s: noop.seconds,
      audit_s: audit?.seconds ?? null,
      destroy_s: destroy.seconds,
      changes: doc.changes.length,
      round_trips: Object.fromEntries(
        doc.stores.map((
          s: { store: string; round_trips: number | null },
        ) => [s.store, s.round_trips]),
      ),
    });
    console.error(`bench: ${n} tenants done`);
  }
} finally {
  await sandboxDown(log, dir, { purge: true });
}

const f = (s: number) => s.toFixed(1).padStart(8);
console.log(
  `\nBulkhead benchmark (${
    stores.join(", ")
  }; parallelism ${parallelism}; 1 in 10 tenants database-isolated)`,
);
console.log(
  "tenants  changes  plan(s)  apply(s)  re-plan(s)  audit(s)  destroy(s)  round trips per store (plan)",
);
for (const r of rows) {
  const trips = Object.entries(r.round_trips).map(([s, t]) => `${s}=${t ?? "-"}`).join(" ");
  console.log(
    `${String(r.tenants).padStart(7)}  ${String(r.changes).padStart(7)} ${f(r.plan_empty_s)} ${
      f(r.apply_s)
    }    ${f(r.plan_noop_s)}  ${r.audit_s === null ? "       -" : f(r.audit_s)}    ${
      f(r.destroy_s)
    }  ${trips}`,
  );
}
await Deno.mkdir(join(root, "reports"), { recursive: true });
const output = join(root, "reports", "bench.json");
await Deno.writeTextFile(
  output,
  JSON.stringify({ measured_at: new Date().toISOString(), stores, parallelism, rows }, null, 2) +
    "\n",
);
console.log(`\nwritten: ${output}`);
