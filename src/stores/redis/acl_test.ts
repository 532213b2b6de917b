import assert from "node:assert/strict";
import { allowedCommands, applyRules, difference, parseAclListLine } from "./acl.ts";
import { parseCommandTable } from "./command_table.ts";
import { DOCS_FIXTURE, INFO_FIXTURE } from "./command_table_fixture.ts";

const table = parseCommandTable(INFO_FIXTURE, DOCS_FIXTURE);
const HASH = "c592df4a86933b92addc9842402ddf198c638ea9be58916ee6e3734e1e3152f8";

Deno.test("acl: a 7.0 ACL LIST line parses into flags, hashes, patterns, rules and selectors", () => {
  const user = parseAclListLine(
    `user tenant-acme on sanitize-payload #${HASH} ~tenant:acme:* resetchannels &tenant:acme:* -@all +get +client|id (~sel* resetchannels -@all +get)`,
  );
  assert.deepEqual(user, {
    name: "tenant-acme",
    enabled: true,
    nopass: false,
    passwordHashes: [HASH],
    keys: ["~tenant:acme:*"],
    channels: ["&tenant:acme:*"],
    commandRules: ["-@all", "+get", "+client|id"],
    selectors: ["~sel* resetchannels -@all +get"],
    otherFlags: ["sanitize-payload"],
  });
});

Deno.test("acl: key and channel forms are canonical (allkeys, %RW~, sorted, no duplicates)", () => {
  const user = applyRules("u", ["off", "nopass", "%R~b*", "%RW~a*", "~a*", "allchannels", "&x"]);
  assert.equal(user.enabled, false);
  assert.equal(user.nopass, true);
  assert.deepEqual(user.keys, ["%R~b*", "~a*"]);
  assert.deepEqual(user.channels, ["&*", "&x"]);
  assert.deepEqual(applyRules("u", ["allkeys"]).keys, ["~*"]);
  assert.deepEqual(applyRules("u", ["~a*", "resetkeys", "~b*"]).keys, ["~b*"]);
  // A password after nopass clears it, as ACL SETUSER does.
  assert.equal(applyRules("u", ["nopass", `#${HASH}`]).nopass, false);
  assert.equal(parseAclListLine("not a user line"), undefined);
});

Deno.test("acl: command rules are evaluated in order against the table, not compared as text", () => {
  assert.deepEqual(allowedCommands(["-@all", "+get"], table), ["get"]);
  // 7.0 describes users as categories with exceptions; 7.2 keeps rules as given.
  const v70 = allowedCommands(["-@all", "+@read", "-sort", "+client|id"], table);
  const v72 = allowedCommands(["-@all", "+get", "+xread", "+zunion", "+client|id"], table);
  assert.deepEqual(v70, v72);
  assert.deepEqual(allowedCommands(["+@all"], table), [...table.leaves.keys()]);
  assert.deepEqual(allowedCommands(["+@all", "-@dangerous"], table), [
    "client|id",
    "get",
    "xread",
    "zunion",
  ]);
  // A container rule covers its subcommands; a subcommand rule only itself.
  assert.deepEqual(allowedCommands(["+client", "-client|list"], table), ["client|id"]);
  assert.deepEqual(allowedCommands(["-@all", "+client|list"], table), ["client|list"]);
  // A first-argument rule (7.0) on a plain command stays visible as a pseudo-leaf.
  assert.deepEqual(allowedCommands(["-@all", "+get|x"], table), ["get|x"]);
  assert.deepEqual(allowedCommands(["-@all", "+get|x", "-get"], table), []);
  assert.deepEqual(allowedCommands(["nosuchrule"], table), []);
});

Deno.test("acl: difference is sorted and one-sided", () => {
  assert.deepEqual(difference(["c", "a", "b"], ["b"]), ["a", "c"]);
  assert.deepEqual(difference([], ["x"]), []);
});

Deno.test("acl: commands flagged no_auth are allowed whatever the rules say, as on the server", () => {
  const withAuth = parseCommandTable(
    [...INFO_FIXTURE, ["auth", -2, ["noscript", "no_auth"], 0, 0, 0, ["@connection"], [], [], []]],
    DOCS_FIXTURE,
  );
  assert.deepEqual(allowedCommands(["-@all"], withAuth), ["auth"]);
  assert.deepEqual(allowedCommands(["-@all", "-auth"], withAuth), ["auth"]);
});
