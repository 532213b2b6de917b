import assert from "node:assert/strict";
import { testTenant } from "../testing.ts";
import { allowedCommands, applyRules } from "./acl.ts";
import { parseCommandTable } from "./command_table.ts";
import { DOCS_FIXTURE, INFO_FIXTURE } from "./command_table_fixture.ts";
import { deriveCommandPolicy } from "./command_policy.ts";
import {
  describeAccess,
  desiredTenantResources,
  globEscape,
  observedKeyspace,
  observedTenantUser,
  summarizeCommands,
  tenantOfUser,
} from "./resources.ts";

const table = parseCommandTable(INFO_FIXTURE, DOCS_FIXTURE);
const policy = deriveCommandPolicy(table);
const HASH = "c592df4a86933b92addc9842402ddf198c638ea9be58916ee6e3734e1e3152f8";

Deno.test("redis resources: a tenant gets a keyspace and a user that depends on it; logins only when active", () => {
  const active = desiredTenantResources(testTenant({ id: "acme", stores: { redis: {} } }), true);
  assert.deepEqual(active.map((r) => r.address), [
    "redis.keyspace.tenant:acme:",
    "redis.acl_user.tenant-acme",
  ]);
  assert.deepEqual(active[1].dependsOn, ["redis.keyspace.tenant:acme:"]);
  assert.deepEqual(active[1].attributes, {
    enabled: true,
    credential: "recorded",
    nopass: false,
    passwords: 1,
    keys: ["~tenant:acme:*"],
    channels: ["&tenant:acme:*"],
    selectors: [],
    commands_beyond_policy: [],
    commands_missing: [],
  });
  for (const status of ["suspended", "decommissioned"]) {
    const [, user] = desiredTenantResources(
      testTenant({ id: "acme", status, stores: { redis: {} } }),
      true,
    );
    assert.equal(user.attributes.enabled, false, status);
  }
  const noSecrets = desiredTenantResources(
    testTenant({ id: "acme", stores: { redis: {} } }),
    false,
  );
  assert.ok(!("credential" in noSecrets[1].attributes), "not compared without secrets");
  assert.deepEqual(
    desiredTenantResources(testTenant({ id: "acme", stores: { minio: {} } }), true),
    [],
  );
});

Deno.test("redis resources: an observed user's credential is recorded only when its hash is among the user's", () => {
  const user = applyRules("tenant-acme", ["on", `#${HASH}`, "~tenant:acme:*", "-@all", "+get"]);
  const observe = (recorded: Map<string, string>) =>
    observedTenantUser(user, "acme", allowedCommands(user.commandRules, table), policy, recorded)
      .attributes;
  assert.equal(observe(new Map([["tenant-acme", HASH]])).credential, "recorded");
  assert.equal(observe(new Map([["tenant-acme", "0".repeat(64)]])).credential, "unrecorded");
  assert.equal(observe(new Map()).credential, "unrecorded");
  const attributes = observe(new Map());
  assert.deepEqual(attributes.commands_missing, ["client|id", "xread", "zunion"]);
  assert.deepEqual(attributes.commands_beyond_policy, []);
  assert.ok(!JSON.stringify(attributes).includes(HASH), "no password hash in attributes");
});

Deno.test("redis resources: names parse back to tenants; look-alikes and foreign names do not", () => {
  assert.equal(tenantOfUser("tenant-acme"), "acme");
  assert.equal(tenantOfUser("bulkhead-admin"), undefined);
  assert.equal(tenantOfUser("default"), undefined);
  assert.equal(observedKeyspace("tenant:acme:")?.tenant, "acme");
  assert.equal(observedKeyspace("tenant:acme"), undefined);
  assert.equal(observedKeyspace("cache:"), undefined);
});

Deno.test("redis resources: glob escaping, command summaries and access descriptions", () => {
  assert.equal(globEscape("a*b?c[d]\\"), "a\\*b\\?c\\[d\\]\\\\");
  assert.deepEqual(summarizeCommands([...table.leaves.keys()], table), ["+@all"]);
  assert.deepEqual(summarizeCommands(["get"], table), ["+get"]);
  assert.equal(
    describeAccess(applyRules("default", ["on", "nopass", "~*", "&*", "+@all"]), table),
    "on, nopass, keys ~*, channels &*, commands +@all",
  );
  assert.equal(
    describeAccess(applyRules("x", ["off", `#${HASH}`, "-@all", "+get", "+xread"]), table),
    "off, 1 password(s), no keys, no channels, 2 commands",
  );
});

Deno.test("redis resources: commands no rule can take away are not listed", () => {
  const withAuth = parseCommandTable(
    [...INFO_FIXTURE, ["auth", -2, ["noscript", "no_auth"], 0, 0, 0, ["@connection"], [], [], []]],
    DOCS_FIXTURE,
  );
  assert.deepEqual(summarizeCommands(["auth"], withAuth), []);
  assert.deepEqual(summarizeCommands(["auth", "get"], withAuth), ["+get"]);
});
