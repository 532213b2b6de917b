import assert from "node:assert/strict";
import { GENERATED_SCHEMAS } from "./spec_schemas.ts";

Deno.test("spec: every generated JSON Schema is current (run `deno task schema` if not)", async () => {
  for (const [path, render] of Object.entries(GENERATED_SCHEMAS)) {
    const committed = await Deno.readTextFile(new URL(`../${path}`, import.meta.url));
    assert.equal(committed, render(), `${path} is stale: run \`deno task schema\``);
  }
});
