import assert from "node:assert/strict";
import { GENERATED_SPECS } from "./spec_files.ts";

Deno.test("spec: every generated spec file is current (run `deno task schema` if not)", async () => {
  for (const [path, render] of Object.entries(GENERATED_SPECS)) {
    const committed = await Deno.readTextFile(new URL(`../${path}`, import.meta.url));
    assert.equal(committed, await render(), `${path} is stale: run \`deno task schema\``);
  }
});
