import assert from "node:assert/strict";
import { testTenant } from "./testing.ts";

Deno.test("store testing: testTenant builds a valid tenant with defaults and overrides", () => {
  const t = testTenant({ id: "t-abc", stores: { redis: {} }, tier: "enterprise" });
  assert.equal(t.id, "t-abc");
  assert.deepEqual(t.stores, { redis: {} });
  assert.equal(t.limits.maxConnections, 50);
  assert.throws(
    () => testTenant({ id: "Bad" }),
    /invalid test tenant: id: tenant id must be lowercase/,
  );
});
