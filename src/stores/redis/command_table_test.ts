import assert from "node:assert/strict";
import { leavesInCategory, parseCommandTable } from "./command_table.ts";
import { DOCS_FIXTURE, INFO_FIXTURE } from "./command_table_fixture.ts";

Deno.test("command table: leaves are commands and subcommands, with flags, categories and key specs", () => {
  const table = parseCommandTable(INFO_FIXTURE, DOCS_FIXTURE);
  assert.deepEqual([...table.leaves.keys()], [
    "client|id",
    "client|list",
    "get",
    "sort",
    "xread",
    "zunion",
  ]);
  assert.deepEqual(table.containers.get("client"), ["client|id", "client|list"]);
  const get = table.leaves.get("get")!;
  assert.deepEqual(get.categories, ["@fast", "@read", "@string"]);
  assert.deepEqual(get.keySpecs, [{
    flags: ["RO", "access"],
    beginSearch: { type: "index", index: 1 },
    findKeys: { type: "range", lastkey: 0, keystep: 1, limit: 0 },
  }]);
  assert.equal(get.group, "string");
  assert.equal(get.summary, "Returns the string value of a key.");
  const list = table.leaves.get("client|list")!;
  assert.equal(list.name, "client");
  assert.equal(list.subcommand, "list");
  assert.deepEqual(list.flags, ["admin", "noscript"]);
  assert.deepEqual(list.arguments.map((a) => a.name), ["client-type", "normal"]);
  assert.deepEqual(table.leaves.get("xread")!.keySpecs[0].beginSearch, {
    type: "keyword",
    keyword: "STREAMS",
    startfrom: 1,
  });
  assert.deepEqual(table.leaves.get("zunion")!.keySpecs[0].findKeys, {
    type: "keynum",
    keynumidx: 0,
    firstkey: 1,
    keystep: 1,
  });
  assert.deepEqual(table.leaves.get("sort")!.keySpecs[1].beginSearch, { type: "unknown" });
  assert.deepEqual(leavesInCategory(table, "@dangerous"), ["client|list", "sort"]);
});
