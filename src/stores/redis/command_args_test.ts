import assert from "node:assert/strict";
import type { CommandSpec, KeySpec } from "./command_table.ts";
import { commandArgv, keyCapacity, keySlots, renderArgument, renderArgv } from "./command_args.ts";

/** Commands shaped as Redis 7.0 describes them (key specs from COMMAND INFO). */
function command(id: string, arity: number, keySpecs: KeySpec[]): CommandSpec {
  const [name, subcommand] = id.split("|");
  return {
    id,
    name,
    ...(subcommand && { subcommand }),
    arity,
    flags: [],
    categories: [],
    keySpecs,
    arguments: [],
  };
}
const range = (index: number, lastkey: number, flags = ["RO"], limit = 0): KeySpec => ({
  flags,
  beginSearch: { type: "index", index },
  findKeys: { type: "range", lastkey, keystep: 1, limit },
});
const keynum = (index: number, flags = ["RO"]): KeySpec => ({
  flags,
  beginSearch: { type: "index", index },
  findKeys: { type: "keynum", keynumidx: 0, firstkey: 1, keystep: 1 },
});
const keyword = (
  word: string,
  startfrom: number,
  lastkey: number,
  limit: number,
  flags = ["OW"],
) => ({
  flags,
  beginSearch: { type: "keyword" as const, keyword: word, startfrom },
  findKeys: { type: "range" as const, lastkey, keystep: 1, limit },
});

const GET = command("get", 2, [range(1, 0)]);
const MSET = command("mset", -3, [{
  ...range(1, -1, ["OW"]),
  findKeys: { type: "range", lastkey: -1, keystep: 2, limit: 0 },
}]);
const BLPOP = command("blpop", -3, [range(1, -2, ["RW"])]);
const LCS = command("lcs", -3, [range(1, 1)]);
const ZUNIONSTORE = command("zunionstore", -4, [range(1, 0, ["OW"]), keynum(2)]);
const XREAD = command("xread", -4, [keyword("STREAMS", 1, -1, 2, ["RO"])]);
const GEORADIUS = command("georadius", -6, [
  range(1, 0),
  keyword("STORE", 6, 0, 0),
  keyword("STOREDIST", 6, 0, 0),
]);
const SORT = command("sort", -2, [range(1, 0), {
  flags: ["RO"],
  beginSearch: { type: "unknown" },
  findKeys: { type: "unknown" },
}]);
const PING = command("ping", -1, []);
const XINFO_STREAM = command("xinfo|stream", -3, [range(2, 0)]);

Deno.test("command args: key slots say how many keys each spec takes and whether it writes", () => {
  assert.deepEqual(keySlots(GET), [{ spec: 0, begin: "index", count: 1, writes: false }]);
  assert.deepEqual(keySlots(LCS)[0].count, 2);
  assert.deepEqual(keySlots(BLPOP)[0], { spec: 0, begin: "index", count: "many", writes: true });
  assert.deepEqual(keySlots(GEORADIUS).map((s) => [s.begin, s.writes]), [
    ["index", false],
    ["keyword", true],
    ["keyword", true],
  ]);
  assert.equal(keySlots(SORT).length, 1, "the BY/GET spec the server cannot follow is left out");
  assert.equal(keyCapacity(keySlots(GET)), 1);
  assert.equal(keyCapacity(keySlots(ZUNIONSTORE)), Infinity);
  assert.equal(keyCapacity(keySlots(PING)), 0);
});

Deno.test("command args: keys land exactly where the key specs look for them", () => {
  assert.deepEqual(commandArgv(GET, [["a"]]), ["GET", "a"]);
  assert.deepEqual(commandArgv(BLPOP, [["a", "b"]]), ["BLPOP", "a", "b", "0"]);
  assert.deepEqual(commandArgv(MSET, [["a", "b"]]), ["MSET", "a", "0", "b", "0"]);
  assert.deepEqual(commandArgv(LCS, [["a", "b"]]), ["LCS", "a", "b"]);
  assert.deepEqual(commandArgv(LCS, [["a"]]), ["LCS", "a", "a"]);
  assert.deepEqual(commandArgv(ZUNIONSTORE, [["d"], ["a", "b"]]), [
    "ZUNIONSTORE",
    "d",
    "2",
    "a",
    "b",
  ]);
  assert.deepEqual(commandArgv(XREAD, [["a", "b"]]), ["XREAD", "STREAMS", "a", "b", "0", "0"]);
  assert.deepEqual(commandArgv(GEORADIUS, [["s"], ["d"], []]), [
    "GEORADIUS",
    "s",
    "0",
    "0",
    "0",
    "0",
    "STORE",
    "d",
  ]);
  assert.deepEqual(commandArgv(GEORADIUS, [["s"], [], []]), ["GEORADIUS", "s", "0", "0", "0", "0"]);
  assert.deepEqual(commandArgv(XINFO_STREAM, [["a"]]), ["XINFO", "STREAM", "a"]);
  assert.deepEqual(commandArgv(PING, []), ["PING"]);
  assert.throws(() => commandArgv(GET, []), /needs a key/);
});

Deno.test("command args: arguments render readably, bytes escaped, quoted when needed", () => {
  assert.equal(renderArgument("tenant:a:k"), "tenant:a:k");
  assert.equal(renderArgument(""), '""');
  assert.equal(renderArgument("a b"), '"a b"');
  assert.equal(renderArgument("k\xff\x00"), '"k\\xff\\x00"');
  assert.equal(renderArgument('say "hi"'), '"say \\"hi\\""');
  assert.equal(renderArgv(["SET", "k", "v"]), "SET k v");
});
