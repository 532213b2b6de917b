/** `deno task schema`: writes the generated files in spec/ (JSON Schemas, the isolation contract). A test fails when they are stale. */
import { GENERATED_SPECS } from "../src/spec_files.ts";

const root = new URL("..", import.meta.url);
for (const [path, render] of Object.entries(GENERATED_SPECS)) {
  await Deno.writeTextFile(new URL(path, root), await render());
  console.log(`wrote ${path}`);
}
