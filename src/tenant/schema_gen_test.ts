import assert from "node:assert/strict";
import { renderTenantSchema } from "./schema_gen.ts";

Deno.test("schema: editors get the id rules and refuse unknown keys", () => {
  const schema = JSON.parse(renderTenantSchema());
  assert.equal(schema.additionalProperties, false);
  assert.equal(schema.properties.id.maxLength, 32);
  assert.ok(schema.properties.id.not.enum.includes("admin"));
  assert.deepEqual(schema.required.sort(), ["contacts", "id", "name", "stores", "tier"]);
});
