import assert from "node:assert/strict";
import { renderTierTable } from "./tiers.ts";

/** Table cells without the padding `deno fmt` adds to Markdown tables. */
const cells = (text: string) => text.replace(/ *\| */g, "|").replace(/\|-+/g, "|-");

Deno.test("tiers: the README's tier table is the one in the code", async () => {
  const readme = await Deno.readTextFile(new URL("../../README.md", import.meta.url));
  assert.ok(
    cells(readme).includes(cells(renderTierTable())),
    "README tier table is stale: paste renderTierTable()",
  );
});
