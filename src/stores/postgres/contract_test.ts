import assert from "node:assert/strict";
import { SEVERITIES } from "../../conformance/model.ts";
import { controlChecks, postgresContract, probedIsolationChecks } from "./contract.ts";
import {
  GENERATED_SECTIONS,
  generatedSection,
  normalizeMarkdown,
  renderChecks,
  SPEC_PATH,
} from "./contract_spec.ts";

/** The ids and severities spec/contract/postgres.md carried before the contract became data. */
const PUBLISHED: Record<string, string> = {
  "PG-001": "critical",
  "PG-002": "high",
  "PG-003": "high",
  "PG-004": "high",
  "PG-005": "medium",
  "PG-010": "critical",
  "PG-011": "critical",
  "PG-012": "critical",
  "PG-013": "critical",
  "PG-014": "critical",
  "PG-015": "high",
  "PG-016": "critical",
  "PG-017": "high",
  "PG-018": "high",
  "PG-019": "medium",
  "PG-020": "critical",
  "PG-021": "critical",
  "PG-022": "high",
  "PG-023": "high",
  "PG-030": "critical",
  "PG-031": "critical",
  "PG-032": "high",
  "PG-033": "high",
  "PG-034": "medium",
  "PG-R01": "medium",
  "PG-R02": "medium",
  "PG-R03": "medium",
  "PG-R04": "medium",
  "PG-R05": "medium",
  "PG-R06": "medium",
  "PG-R07": "medium",
};

Deno.test("postgres contract: ids are unique, well-formed, and the published ones kept their severity", () => {
  const all = [...postgresContract.checks, ...postgresContract.residualLeaks];
  const ids = all.map((c) => c.id);
  assert.equal(new Set(ids).size, ids.length, "no id twice");
  for (const item of all) {
    assert.match(item.id, /^PG-(\d{3}|C\d{2}|R\d{2})$/, item.id);
    assert.ok(SEVERITIES.includes(item.severity), item.id);
    assert.ok(item.title.length > 0, item.id);
  }
  for (const [id, severity] of Object.entries(PUBLISHED)) {
    const found = all.find((c) => c.id === id);
    assert.ok(found, `${id} is still in the contract`);
    assert.equal(found.severity, severity, `${id} severity`);
  }
  assert.equal(postgresContract.area, "postgres");
});

Deno.test("postgres contract: controls are PG-C…, isolation checks say what the server answers", () => {
  for (const check of postgresContract.checks) {
    assert.equal(check.kind === "control", check.id.startsWith("PG-C"), check.id);
    assert.ok(check.attempt.length > 0 && check.expected.length > 0, check.id);
  }
  assert.deepEqual(controlChecks(), ["PG-C01", "PG-C02", "PG-C03", "PG-C04"]);
  const outside = postgresContract.checks.filter((c) => c.outsideProbes);
  assert.deepEqual(outside.map((c) => c.id), ["PG-003", "PG-005"]);
  for (const check of outside) {
    assert.ok(check.storeTests, `${check.id} names the store test that proves it`);
  }
  assert.equal(
    probedIsolationChecks().length,
    postgresContract.checks.filter((c) => c.kind === "isolation").length - outside.length,
  );
});

Deno.test("postgres contract: spec/contract/postgres.md carries exactly the catalogue of the data", async () => {
  const document = await Deno.readTextFile(SPEC_PATH);
  for (const [name, render] of Object.entries(GENERATED_SECTIONS)) {
    const section = generatedSection(document, name);
    assert.ok(section !== undefined, `markers for ${name}`);
    assert.deepEqual(
      normalizeMarkdown(section),
      normalizeMarkdown(render()),
      `${name} differs: run ./bulkhead deno run -A src/stores/postgres/contract_spec.ts`,
    );
  }
});

Deno.test("postgres contract: the rendering shows every check and escapes table separators", () => {
  const text = renderChecks();
  for (const check of postgresContract.checks) assert.ok(text.includes(`| ${check.id} |`));
  const pg021 = text.split("\n").find((l) => l.startsWith("| PG-021 "))!;
  assert.ok(pg021.includes("SUPERUSER \\| CREATEDB"), "a | inside a cell is escaped");
  assert.equal(normalizeMarkdown(pg021)[0].split(/(?<!\\)\|/).length, 7, "five cells");
});
