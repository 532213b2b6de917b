import assert from "node:assert/strict";
import type { CommandSpec, KeySpec } from "./command_table.ts";
import {
  COMMAND_RULES,
  CONNECTION_LOCAL,
  decideCommand,
  deriveCommandPolicy,
} from "./command_policy.ts";
import { parseCommandTable } from "./command_table.ts";
import { DOCS_FIXTURE, INFO_FIXTURE } from "./command_table_fixture.ts";

const key: KeySpec = {
  flags: ["RW", "access"],
  beginSearch: { type: "index", index: 1 },
  findKeys: { type: "range", lastkey: 0, keystep: 1, limit: 0 },
};

function command(fields: Partial<CommandSpec> & { id: string }): CommandSpec {
  const [name, subcommand] = fields.id.split("|");
  return {
    name,
    ...(subcommand && { subcommand }),
    arity: -2,
    flags: [],
    categories: [],
    keySpecs: [],
    arguments: [],
    ...fields,
  };
}

function rule(fields: Partial<CommandSpec> & { id: string }): string {
  const d = decideCommand(command(fields));
  return `${d.verdict} ${d.rule}`;
}

Deno.test("command policy: a command is allowed only when an allow rule vouches for it", () => {
  assert.equal(rule({ id: "get", categories: ["@read"], keySpecs: [key] }), "allow key-scoped");
  assert.equal(rule({ id: "brandnew", categories: ["@read"] }), "deny server-wide");
  assert.equal(rule({ id: "lolwut", categories: ["@read", "@fast"] }), "deny server-wide");
  assert.equal(rule({ id: "ping", categories: ["@connection"] }), "allow connection");
  assert.equal(rule({ id: "command|docs" }), "allow static-metadata");
});

Deno.test("command policy: deny rules come before allow rules, most specific first", () => {
  // Keys alone do not make a command safe.
  assert.equal(
    rule({ id: "restore", categories: ["@keyspace", "@dangerous"], keySpecs: [key] }),
    "deny administration",
  );
  assert.equal(rule({ id: "pfdebug", flags: ["admin"], keySpecs: [key] }), "deny administration");
  assert.equal(
    rule({ id: "evalsha", categories: ["@scripting"], keySpecs: [key] }),
    "deny scripting",
  );
  assert.equal(
    rule({ id: "flushall", categories: ["@keyspace", "@dangerous"] }),
    "deny keyspace-wide",
  );
  assert.equal(rule({ id: "object|help", categories: ["@keyspace"] }), "deny help");
  assert.equal(rule({ id: "readonly", group: "cluster" }), "deny cluster");
  assert.equal(rule({ id: "client|tracking" }), "deny client-side-caching");
  assert.equal(
    rule({ id: "pubsub|channels", categories: ["@pubsub"] }),
    "deny pubsub-introspection",
  );
  assert.equal(rule({ id: "publish", categories: ["@pubsub"] }), "allow channel-scoped");
  assert.equal(rule({ id: "unsubscribe", categories: ["@pubsub"] }), "allow own-subscriptions");
});

Deno.test("command policy: key specs must be complete and real keys", () => {
  const unknown: KeySpec = {
    flags: ["RO"],
    beginSearch: { type: "unknown" },
    findKeys: { type: "unknown" },
  };
  assert.equal(rule({ id: "sort", keySpecs: [key, unknown] }), "deny unchecked-keys");
  assert.equal(
    rule({ id: "odd", keySpecs: [{ ...key, flags: ["RW", "incomplete"] }] }),
    "deny unchecked-keys",
  );
  // SPUBLISH's channel is described as a key spec flagged not_key: not a key.
  assert.equal(
    rule({ id: "madeup", keySpecs: [{ ...key, flags: ["not_key"] }] }),
    "deny server-wide",
  );
});

Deno.test("command policy: an argument naming another database denies the command", () => {
  const db = { name: "destination-db", type: "integer", token: "DB" };
  assert.equal(rule({ id: "copy", keySpecs: [key], arguments: [db] }), "deny other-databases");
  assert.equal(
    rule({ id: "select", arguments: [{ name: "index", type: "integer" }] }),
    "deny other-databases",
  );
  // LINDEX's integer `index` is a list position of a key command, not a database.
  assert.equal(
    rule({ id: "lindex", keySpecs: [key], arguments: [{ name: "index", type: "integer" }] }),
    "allow key-scoped",
  );
});

Deno.test("command policy: rule ids are unique, the last rule denies everything left", () => {
  const ids = COMMAND_RULES.map((r) => r.id);
  assert.equal(new Set(ids).size, ids.length);
  const last = COMMAND_RULES[COMMAND_RULES.length - 1];
  assert.equal(last.verdict, "deny");
  assert.equal(last.matches(command({ id: "anything" })), true);
  assert.ok(CONNECTION_LOCAL.every((id) => id === id.toLowerCase()));
});

Deno.test("command policy: derived from a table, the allowlist is sorted and every leaf is decided", () => {
  const table = parseCommandTable(INFO_FIXTURE, DOCS_FIXTURE);
  const policy = deriveCommandPolicy(table);
  assert.deepEqual(policy.allowed, ["client|id", "get", "xread", "zunion"]);
  assert.deepEqual(
    policy.decisions.map((d) => `${d.id}: ${d.verdict} ${d.rule}`),
    [
      "client|id: allow connection",
      "client|list: deny administration",
      "get: allow key-scoped",
      "sort: deny unchecked-keys",
      "xread: allow key-scoped",
      "zunion: allow key-scoped",
    ],
  );
});
