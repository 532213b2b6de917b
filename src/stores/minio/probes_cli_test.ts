/**
 * The MinIO probes through the CLI, as a scheduled audit runs them: registered, they
 * verify the minio area for tenants that use it; a clean apply audits clean; each
 * tenant's report holds only its own rows and names no other tenant (bucket names,
 * users and policies in the operations included); no secret reaches a report.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { engineFixture } from "../../apply/testing.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { reportDocumentSchema } from "../../conformance/report_json.ts";

Deno.test("minio probes through `bulkhead audit`: clean, and per-tenant reports name no other tenant", async () => {
  await using f = await engineFixture({ minio: {} });
  const ids = [uniqueTenantId("mcl"), uniqueTenantId("mcl")].sort();
  for (const id of ids) await f.writeTenant(id);
  const targets = ids.flatMap((id) => ["--target", id]);
  assert.equal((await f.cli(["apply", "--auto-approve", ...targets])).code, 0);
  const reportDir = join(f.dir, "..", `reports-${ids[0]}`);
  try {
    const audit = await f.cli([
      "audit",
      "--tenants",
      ids.join(","),
      "--stores",
      "minio",
      "--runs",
      "30",
      "--seed",
      "5",
      "--report-dir",
      reportDir,
    ]);
    assert.equal(audit.code, 0, audit.stdout + audit.stderr);
    assert.match(audit.stdout, /^minio +\d+ passed, 0 failed, 0 errors \(2 tenants[,)]/m);
    const dir = /^Reports: (\S+)\//m.exec(audit.stdout)![1];
    const read = async (path: string) =>
      reportDocumentSchema.parse(JSON.parse(await Deno.readTextFile(join(dir, path))));
    const report = await read("report.json");
    assert.equal(report.result, "pass");
    assert.ok(report.areas.some((a) => a.area === "minio" && a.status === "verified"));
    const checks = new Set(report.checks.filter((c) => c.area === "minio").map((c) => c.check_id));
    assert.ok(checks.has("S3-P01") && checks.has("S3-006"), [...checks].join(" "));
    for (const id of ids) {
      const own = await read(join("tenants", `${id}.json`));
      assert.ok(own.checks.length > 0 && own.checks.every((c) => c.tenant === id));
      const other = ids.find((o) => o !== id)!;
      assert.ok(!JSON.stringify(own).includes(other), `${id}'s report names ${other}`);
    }
    await Deno.readTextFile(join(dir, "junit.xml"));
    const text = await Deno.readTextFile(join(dir, "report.json"));
    for (const secret of await f.secretValues()) assert.ok(!text.includes(secret), "a secret");
  } finally {
    await Deno.remove(reportDir, { recursive: true }).catch(() => {});
  }
});
