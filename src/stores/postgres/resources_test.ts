import assert from "node:assert/strict";
import { testTenant } from "../testing.ts";
import { desiredSharedResources, desiredTenantResources } from "./resources.ts";

const byAddress = (resources: { address: string }[]) => resources.map((r) => r.address).sort();

Deno.test("resources: a database-isolated tenant gets a role, its grants and its database", () => {
  const t = testTenant({
    id: "acme",
    tier: "enterprise",
    stores: { postgres: { isolation: "database" } },
  });
  const resources = desiredTenantResources(t, "admin", true);
  assert.deepEqual(byAddress(resources), [
    "postgres.database.tenant_acme",
    "postgres.grants.tenant_acme",
    "postgres.role.tenant_acme",
  ]);
  const role = resources.find((r) => r.kind === "role")!;
  assert.deepEqual(role.attributes, {
    login: true,
    superuser: false,
    createdb: false,
    createrole: false,
    replication: false,
    bypassrls: false,
    connection_limit: 50,
    member_of: [],
    members: [],
    credential: "recorded",
  });
  const grants = resources.find((r) => r.kind === "grants")!;
  assert.deepEqual(grants.attributes, { databases: ["tenant_acme=CONNECT,TEMPORARY"] });
  assert.deepEqual(grants.dependsOn, [
    "postgres.role.tenant_acme",
    "postgres.database.tenant_acme",
  ]);
  const database = resources.find((r) => r.kind === "database")!;
  assert.deepEqual(database.attributes, { owner: "admin", acl: [], workspace: "1" });
  assert.deepEqual(database.dependsOn, ["postgres.role.tenant_acme"]);
  assert.ok(resources.every((r) => r.tenant === "acme"));
});

Deno.test("resources: a schema-isolated tenant gets a schema in its tier's shared database", () => {
  const t = testTenant({ id: "umbrella-labs", tier: "standard" });
  const resources = desiredTenantResources(t, "admin", true);
  assert.deepEqual(byAddress(resources), [
    "postgres.grants.tenant_umbrella_labs",
    "postgres.role.tenant_umbrella_labs",
    "postgres.schema.bulkhead_shared_standard.tenant_umbrella_labs",
  ]);
  const schema = resources.find((r) => r.kind === "schema")!;
  assert.deepEqual(schema.attributes, {
    owner: "admin",
    acl: ["tenant_umbrella_labs=CREATE,USAGE"],
    default_privileges: [],
  });
  assert.deepEqual(resources.find((r) => r.kind === "grants")!.attributes, {
    databases: ["bulkhead_shared_standard=CONNECT,TEMPORARY"],
  });
});

Deno.test("resources: suspended and decommissioned tenants keep everything but the login", () => {
  for (const status of ["suspended", "decommissioned"]) {
    const t = testTenant({ id: "acme", tier: "enterprise", status });
    const resources = desiredTenantResources(t, "admin", true);
    assert.equal(resources.length, 3);
    assert.equal(resources.find((r) => r.kind === "role")!.attributes.login, false);
  }
});

Deno.test("resources: no credential attribute without secrets; nothing without postgres", () => {
  const t = testTenant({ id: "acme", tier: "enterprise" });
  const role = desiredTenantResources(t, "admin", false).find((r) => r.kind === "role")!;
  assert.equal("credential" in role.attributes, false);
  const redisOnly = testTenant({ id: "acme", stores: { redis: {} } });
  assert.deepEqual(desiredTenantResources(redisOnly, "admin", true), []);
  assert.deepEqual(desiredSharedResources([redisOnly], "admin"), []);
});

Deno.test("resources: shared hardening always, a shared database per tier with schema tenants", () => {
  const tenants = [
    testTenant({ id: "aa", tier: "standard" }),
    testTenant({ id: "bb", tier: "standard" }),
    testTenant({ id: "cc", tier: "enterprise" }),
    testTenant({ id: "dd", tier: "dedicated", stores: { postgres: { isolation: "schema" } } }),
  ];
  assert.deepEqual(byAddress(desiredSharedResources(tenants, "admin")), [
    "postgres.cluster.hardening",
    "postgres.database.bulkhead_shared_dedicated",
    "postgres.database.bulkhead_shared_standard",
    "postgres.schema.bulkhead_shared_dedicated.public",
    "postgres.schema.bulkhead_shared_dedicated.shared",
    "postgres.schema.bulkhead_shared_standard.public",
    "postgres.schema.bulkhead_shared_standard.shared",
  ]);
  const shared = desiredSharedResources(tenants, "admin")
    .find((r) => r.address === "postgres.schema.bulkhead_shared_standard.shared")!;
  assert.deepEqual(shared.attributes, {
    owner: "admin",
    acl: ["PUBLIC=USAGE"],
    table_findings: [],
  });
  assert.ok(desiredSharedResources(tenants, "admin").every((r) => r.tenant === undefined));
});
