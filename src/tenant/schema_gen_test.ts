import assert from "node:assert/strict";
import { renderTenantSchema, TENANT_SCHEMA_PATH } from "./schema_gen.ts";

Deno.test("schema: spec/tenant.schema.json is current (run `deno task schema` if not)", async () => {
  const committed = await Deno.readTextFile(TENANT_SCHEMA_PATH);
  assert.equal(
    committed,
    renderTenantSchema(),
    "spec/tenant.schema.json is stale: run `deno task schema`",
  );
});

Deno.test("schema: editors get the id rules and refuse unknown keys", () => {
  const schema = JSON.parse(renderTenantSchema());
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.id.maxLength, 32);
  assert.ok(schema.properties.id.not.enum.includes("admin"));
  assert.deepEqual(schema.required.sort(), ["contacts", "id", "name", "stores", "tier"]);
});
