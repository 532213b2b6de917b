/**
 * Generates spec/tenant.schema.json from the zod schema, for editors
 * (`# yaml-language-server: $schema=../spec/tenant.schema.json`). Written by
 * `deno task schema` (scripts/schemas.ts); a test fails when the committed file is stale.
 */
import { z } from "zod";
import { tenantFileSchema } from "./model.ts";

export function renderTenantSchema(): string {
  const schema = z.toJSONSchema(tenantFileSchema, { target: "draft-7", io: "input" });
  const document = {
    $schema: schema.$schema,
    $id: "https://bulkhead.dev/spec/tenant.schema.json",
    title: "Bulkhead tenant",
    ...schema,
  };
  return JSON.stringify(document, null, 2) + "\n";
}
