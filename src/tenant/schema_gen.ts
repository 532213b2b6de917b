/**
 * Generates spec/tenant.schema.json from the zod schema, for editors
 * (`# yaml-language-server: $schema=../spec/tenant.schema.json`). Written by
 * `deno task schema` (scripts/schemas.ts); a test fails when the committed file is stale.
 */
import { renderJsonSchema } from "../json_schema.ts";
import { tenantFileSchema } from "./model.ts";

export function renderTenantSchema(): string {
  return renderJsonSchema(tenantFileSchema, "tenant.schema.json", "Bulkhead tenant", "input");
}
