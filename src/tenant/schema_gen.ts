/**
 * Generates spec/tenant.schema.json from the zod schema, for editors
 * (`# yaml-language-server: $schema=../spec/tenant.schema.json`). Run with
 * `deno task schema`; schema_gen_test.ts fails when the committed file is stale.
 */
import { z } from "zod";
import { tenantFileSchema } from "./model.ts";

export const TENANT_SCHEMA_PATH = new URL("../../spec/tenant.schema.json", import.meta.url);

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

if (import.meta.main) {
  await Deno.writeTextFile(TENANT_SCHEMA_PATH, renderTenantSchema());
  console.log(`wrote ${TENANT_SCHEMA_PATH.pathname}`);
}
