import assert from "node:assert/strict";
import { join } from "node:path";
import { formatProblem, loadTenants, parseTenantFile } from "./load.ts";
import { TIER_DEFAULTS } from "./tiers.ts";

const valid = `id: acme
name: Acme
tier: standard
contacts:
  - name: Ops
    email: ops@acme.example
    role: owner
stores:
  postgres: {}
  redis: {}
`;

function problemsOf(file: string, text: string): string[] {
  return parseTenantFile(file, text).problems.map(formatProblem);
}

Deno.test("load: a valid file resolves with the tier defaults applied", () => {
  const { tenant, problems } = parseTenantFile("tenants/acme.yaml", valid);
  assert.deepEqual(problems, []);
  assert.ok(tenant);
  assert.equal(tenant.status, "active");
  assert.deepEqual(tenant.stores, { postgres: { isolation: "schema" }, redis: {} });
  assert.equal(tenant.limits.maxConnections, TIER_DEFAULTS.standard.maxConnections);
  assert.equal(tenant.retentionDays, TIER_DEFAULTS.standard.retentionDays);
});

Deno.test("load: explicit settings win over tier defaults", () => {
  const text = valid.replace(
    "tier: standard",
    "tier: dedicated\nlimits:\n  max_connections: 7\nretention_days: 3",
  )
    .replace("postgres: {}", "postgres: {isolation: schema}");
  const { tenant } = parseTenantFile("tenants/acme.yaml", text);
  assert.equal(tenant?.limits.maxConnections, 7);
  assert.equal(tenant?.limits.maxStorageGb, TIER_DEFAULTS.dedicated.maxStorageGb);
  assert.equal(tenant?.retentionDays, 3);
  assert.equal(tenant?.stores.postgres?.isolation, "schema");
});

Deno.test("load: an unknown key is one problem at the key, with a suggestion", () => {
  assert.deepEqual(problemsOf("tenants/acme.yaml", valid + "retention_dayz: 3\n"), [
    'tenants/acme.yaml:11:1: retention_dayz: unknown field "retention_dayz"; did you mean "retention_days"?',
  ]);
  assert.deepEqual(
    problemsOf("tenants/acme.yaml", valid.replace("redis: {}", "redis: {maxmemory: 1}")),
    [
      'tenants/acme.yaml:10:11: stores.redis.maxmemory: unknown field "maxmemory"; known fields: ',
    ],
  );
});

Deno.test("load: invalid and reserved ids are reported at the id's value", () => {
  assert.deepEqual(problemsOf("tenants/Acme.yaml", valid.replace("id: acme", "id: Acme")), [
    "tenants/Acme.yaml:1:5: id: tenant id must be lowercase (lowercase letters, digits and single hyphens)",
  ]);
  assert.deepEqual(problemsOf("tenants/admin.yaml", valid.replace("id: acme", "id: admin")), [
    'tenants/admin.yaml:1:5: id: tenant id "admin" is reserved',
  ]);
});

Deno.test("load: an id that differs from the file name is refused (ids are never renamed)", () => {
  const [problem] = problemsOf("tenants/acme-corp.yaml", valid);
  assert.match(
    problem,
    /^tenants\/acme-corp\.yaml:1:5: id: id "acme" must equal the file name "acme-corp"/,
  );
});

Deno.test("load: YAML syntax errors carry line and column", () => {
  const problems = problemsOf(
    "tenants/acme.yaml",
    valid.replace("tier: standard", "tier: [standard"),
  );
  assert.ok(problems.length >= 1);
  assert.match(problems[0], /^tenants\/acme\.yaml:\d+:\d+: \(file\): YAML syntax error: /);
  assert.deepEqual(
    problemsOf("tenants/acme.yaml", valid + "tier: standard\n").map((p) => p.split(": ")[0]),
    [
      "tenants/acme.yaml:11:1",
    ],
  );
});

Deno.test("load: a missing field points at the object that lacks it; all problems at once", () => {
  const text = "id: acme\nname: Acme\ntier: gold\ncontacts: []\nstores: {}\n";
  assert.deepEqual(problemsOf("tenants/acme.yaml", text), [
    'tenants/acme.yaml:3:7: tier: Invalid option: expected one of "standard"|"enterprise"|"dedicated"',
    "tenants/acme.yaml:4:11: contacts: Too small: expected array to have >=1 items",
    "tenants/acme.yaml:5:9: stores: a tenant must use at least one store (postgres, redis, minio, qdrant)",
  ]);
  assert.deepEqual(problemsOf("tenants/acme.yaml", "id: acme\n"), [
    "tenants/acme.yaml:1:1: name: required field is missing",
    "tenants/acme.yaml:1:1: tier: required field is missing",
    "tenants/acme.yaml:1:1: contacts: required field is missing",
    "tenants/acme.yaml:1:1: stores: required field is missing",
  ]);
});

Deno.test("load: a file that is not a mapping, or is empty, is one clear problem", () => {
  assert.deepEqual(problemsOf("tenants/acme.yaml", "- a\n- b\n"), [
    "tenants/acme.yaml:1:1: (file): Invalid input: expected object, received array",
  ]);
  assert.deepEqual(problemsOf("tenants/acme.yaml", "# nothing yet\n"), [
    "tenants/acme.yaml:1:1: (file): file is empty: a tenant needs id, name, tier, contacts and stores",
  ]);
});

Deno.test("load: duplicate ids across folders, and .yml files, are problems", async () => {
  const dir = await Deno.makeTempDir();
  try {
    await Deno.mkdir(join(dir, "team-a"));
    await Deno.mkdir(join(dir, "team-b"));
    await Deno.writeTextFile(join(dir, "team-a", "acme.yaml"), valid);
    await Deno.writeTextFile(join(dir, "team-b", "acme.yaml"), valid);
    await Deno.writeTextFile(join(dir, "globex.yml"), valid.replace("acme", "globex"));
    await Deno.writeTextFile(join(dir, "README.md"), "not a tenant");
    const { tenants, problems } = await loadTenants(dir);
    assert.equal(tenants.length, 2);
    const lines = problems.map(formatProblem).map((l) => l.replace(dir + "/", ""));
    assert.deepEqual(lines, [
      "globex.yml:1:1: (file): tenant files must end in .yaml: rename it to globex.yaml",
      'team-b/acme.yaml:1:5: id: duplicate tenant id "acme": also declared in ' +
      join(dir, "team-a", "acme.yaml"),
    ]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("load: a missing directory is a problem, not a crash", async () => {
  const { problems } = await loadTenants("/nonexistent/tenants");
  assert.equal(problems.length, 1);
  assert.match(problems[0].message, /cannot read tenant directory: directory not found/);
});

Deno.test("load: the example tenants are valid and cover every tier and isolation mode", async () => {
  const { tenants, problems } = await loadTenants(
    new URL("../../tenants", import.meta.url).pathname,
  );
  assert.deepEqual(problems, []);
  assert.deepEqual(
    new Set(tenants.map((t) => t.tier)),
    new Set(["standard", "enterprise", "dedicated"]),
  );
  assert.deepEqual(
    new Set(tenants.map((t) => t.stores.postgres?.isolation)),
    new Set(["database", "schema"]),
  );
  for (const tenant of tenants) {
    const text = await Deno.readTextFile(
      new URL(`../../tenants/${tenant.id}.yaml`, import.meta.url),
    );
    assert.match(text, /^# yaml-language-server: \$schema=\.\.\/spec\/tenant\.schema\.json\n/);
  }
});

Deno.test("load: the README's example tenant file is valid", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  const example = readme.match(/```yaml\n(# yaml-language-server[^]*?)```/)?.[1];
  assert.ok(example, "the README has an example tenant file");
  assert.deepEqual(problemsOf("tenants/acme.yaml", example), []);
});
