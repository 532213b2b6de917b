/**
 * `conformance` and `audit` through the CLI on the real sandbox: a clean apply audits
 * clean (no false alarms), reports are written and valid, each tenant's report holds
 * only its own rows, and drift injected by hand makes the audit fail until apply repairs it.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { engineFixture } from "../apply/testing.ts";
import { uniqueTenantId } from "../sandbox/testing.ts";
import { withAdmin } from "../stores/redis/testing.ts";
import { reportDocumentSchema } from "../conformance/report_json.ts";

const STORES = { redis: {}, postgres: { isolation: "schema" } };

async function readReport(path: string) {
  return reportDocumentSchema.parse(JSON.parse(await Deno.readTextFile(path)));
}

Deno.test("audit: a clean apply audits clean; reports are valid and per tenant", async () => {
  await using f = await engineFixture(STORES);
  const ids = [uniqueTenantId("au"), uniqueTenantId("au")].sort();
  for (const id of ids) await f.writeTenant(id);
  const targets = ids.flatMap((id) => ["--target", id]);
  assert.equal((await f.cli(["apply", "--auto-approve", ...targets])).code, 0);
  const reportDir = join(f.dir, "..", `reports-${ids[0]}`);
  try {
    const audit = await f.cli([
      "audit",
      "--tenants",
      ids.join(","),
      "--runs",
      "20",
      "--seed",
      "7",
      "--report-dir",
      reportDir,
    ]);
    assert.equal(audit.code, 0, audit.stdout + audit.stderr);
    assert.match(audit.stdout, /^drift +none: the plan is empty/m);
    assert.match(audit.stdout, /^keys +\d+ passed, 0 failed, 0 errors \(2 tenants\)/m);
    assert.match(audit.stdout, /Audit: PASS \(seed 7, 20 runs per property\)/);
    const dir = /^Reports: (\S+)\//m.exec(audit.stdout)![1];
    const report = await readReport(join(dir, "report.json"));
    assert.equal(report.result, "pass");
    assert.equal(report.kind, "audit");
    assert.equal(report.seed, 7);
    assert.ok(report.checks.length > 0);
    assert.ok(report.areas.some((a) => a.area === "qdrant" && a.status === "not_verified"));
    for (const id of ids) {
      const own = await readReport(join(dir, "tenants", `${id}.json`));
      assert.ok(own.checks.length > 0);
      assert.ok(own.checks.every((c) => c.tenant === id));
      const other = ids.find((o) => o !== id)!;
      assert.ok(!JSON.stringify(own).includes(other), `${id}'s report names no other tenant`);
    }
    assert.match(
      await Deno.readTextFile(join(dir, "junit.xml")),
      /^<\?xml[\s\S]*<testsuites name="bulkhead audit"/,
    );
    assert.match(
      await Deno.readTextFile(join(dir, "summary.md")),
      /^# Bulkhead isolation audit: PASS/,
    );
    assert.equal(await Deno.realPath(join(reportDir, "latest")), await Deno.realPath(dir));
    const secrets = await f.secretValues();
    for (const s of secrets) {
      assert.ok(!(await Deno.readTextFile(join(dir, "report.json"))).includes(s));
    }
  } finally {
    await Deno.remove(reportDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("audit: drift injected by hand is a finding (exit 1) until apply repairs it", async () => {
  await using f = await engineFixture(STORES);
  const ids = [uniqueTenantId("ad"), uniqueTenantId("ad")].sort();
  for (const id of ids) await f.writeTenant(id);
  const targets = ids.flatMap((id) => ["--target", id]);
  assert.equal((await f.cli(["apply", "--auto-approve", ...targets])).code, 0);
  const reportDir = join(f.dir, "..", `reports-${ids[0]}`);
  const audit = () =>
    f.cli([
      "audit",
      "--tenants",
      ids.join(","),
      "--runs",
      "10",
      "--report-dir",
      reportDir,
      "--format",
      "json",
    ]);
  try {
    // An operator's mistake: the first tenant may now read the second tenant's keys.
    await withAdmin((admin) =>
      admin.call("ACL", "SETUSER", `tenant-${ids[0]}`, `%R~tenant:${ids[1]}:*`)
    );
    const dirty = await audit();
    assert.equal(dirty.code, 1, dirty.stdout + dirty.stderr);
    assert.match(dirty.stdout, /^drift +found: 1 changes/m);
    assert.match(
      dirty.stdout,
      new RegExp(`update redis\\.acl_user\\.tenant-${ids[0]} \\(drifted: keys\\)`),
    );
    assert.match(
      dirty.stdout,
      new RegExp(
        `^FAIL RD-001 \\(critical\\) Read another tenant's keys: ${ids[0]} → ${ids[1]}: `,
        "m",
      ),
    );
    assert.match(dirty.stdout, /Audit: FAIL/);
    const report = await readReport(
      join(/^Reports: (\S+)\//m.exec(dirty.stdout)![1], "report.json"),
    );
    const failure = report.failures.find((x) => x.check_id === "RD-001")!;
    assert.equal(failure.tenant, ids[0]);
    assert.equal(failure.victim, ids[1]);
    assert.equal(failure.outcome.kind, "allowed");
    assert.match(failure.replay, /^bulkhead conformance --stores redis --tenants /);
    assert.equal((await f.cli(["apply", "--auto-approve", ...targets])).code, 0);
    const clean = await audit();
    assert.equal(clean.code, 0, clean.stdout);
  } finally {
    await Deno.remove(reportDir, { recursive: true }).catch(() => {});
  }
});

Deno.test("conformance: bad options are usage errors (exit 2)", async () => {
  await using f = await engineFixture(STORES);
  for (
    const [args, message] of [
      [["conformance", "--stores", "mysql"], /unknown area "mysql"/],
      [["conformance", "--format", "pdf"], /unknown format "pdf"/],
      [["conformance", "--runs", "many"], /--runs must be a whole number/],
      [["conformance", "--replay", "isolation:1"], /--replay needs the run's --seed/],
      [["conformance", "--tenants", "nobody-here"], /no tenant file declares "nobody-here"/],
    ] as const
  ) {
    const result = await f.cli([...args]);
    assert.equal(result.code, 2, args.join(" "));
    assert.match(result.stderr, message);
  }
});
