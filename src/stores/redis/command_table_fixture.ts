/** A few commands as Redis 7.0 describes them over RESP2, for unit tests. */
const rangeSpec = (index: number, flags: string[]) => [
  "flags",
  flags,
  "begin_search",
  ["type", "index", "spec", ["index", index]],
  "find_keys",
  ["type", "range", "spec", ["lastkey", 0, "keystep", 1, "limit", 0]],
];
export const INFO_FIXTURE = [
  ["get", 2, ["readonly", "fast"], 1, 1, 1, ["@read", "@string", "@fast"], [], [
    rangeSpec(1, ["RO", "access"]),
  ], []],
  ["client", -2, [], 0, 0, 0, ["@slow"], [], [], [
    [
      "client|list",
      -2,
      ["admin", "noscript"],
      0,
      0,
      0,
      ["@admin", "@slow", "@dangerous"],
      [],
      [],
      [],
    ],
    ["client|id", 2, ["noscript"], 0, 0, 0, ["@slow", "@connection"], [], [], []],
  ]],
  ["xread", -4, ["readonly", "blocking", "movablekeys"], 0, 0, 0, ["@read", "@stream"], [], [[
    "flags",
    ["RO", "access"],
    "begin_search",
    ["type", "keyword", "spec", ["keyword", "STREAMS", "startfrom", 1]],
    "find_keys",
    ["type", "range", "spec", ["lastkey", -1, "keystep", 1, "limit", 2]],
  ]], []],
  ["zunion", -3, ["readonly", "movablekeys"], 0, 0, 0, ["@read", "@sortedset"], [], [[
    "flags",
    ["RO", "access"],
    "begin_search",
    ["type", "index", "spec", ["index", 1]],
    "find_keys",
    ["type", "keynum", "spec", ["keynumidx", 0, "firstkey", 1, "keystep", 1]],
  ]], []],
  ["sort", -2, ["write", "movablekeys"], 1, 1, 1, ["@write", "@dangerous"], [], [
    rangeSpec(1, ["RO", "access"]),
    [
      "notes",
      "BY/GET",
      "flags",
      ["RO"],
      "begin_search",
      ["type", "unknown", "spec", []],
      "find_keys",
      [
        "type",
        "unknown",
        "spec",
        [],
      ],
    ],
  ], []],
];
export const DOCS_FIXTURE = [
  "get",
  ["summary", "Returns the string value of a key.", "group", "string", "arguments", [[
    "name",
    "key",
    "type",
    "key",
    "key_spec_index",
    0,
  ]]],
  "client",
  ["summary", "A container", "group", "connection", "subcommands", [
    "client|list",
    ["summary", "Lists open connections.", "group", "connection", "arguments", [[
      "name",
      "client-type",
      "type",
      "oneof",
      "token",
      "TYPE",
      "arguments",
      [["name", "normal", "type", "pure-token", "token", "normal"]],
    ]]],
    "client|id",
    ["summary", "Returns the unique client ID of the connection.", "group", "connection"],
  ]],
];
