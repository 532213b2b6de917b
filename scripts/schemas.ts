/** `deno task schema`: writes the generated JSON Schemas in spec/. A test fails when they are stale. */
import { GENERATED_SCHEMAS } from "../src/spec_schemas.ts";

const root = new URL("..", import.meta.url);
for (const [path, render] of Object.entries(GENERATED_SCHEMAS)) {
  await Deno.writeTextFile(new URL(path, root), render());
  console.log(`wrote ${path}`);
}
