/**
 * The server rewrites command rules (7.0 turns them into categories with exceptions):
 * evaluating what ACL LIST prints must give the same command set as evaluating the
 * rules that were set, and the same as ACL DRYRUN says, so plan never shows a diff
 * that is only a difference of text.
 */
import assert from "node:assert/strict";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { allowedCommands, parseAclListLine } from "./acl.ts";
import { dryRun, sampleArguments } from "./probe.ts";
import { liveCommandTable, withAdmin } from "./testing.ts";

const RULE_SETS = [
  ["-@all", "+get", "+set"],
  ["-@all", "+@read", "-@keyspace", "+ping"],
  ["+@all", "-@dangerous", "-@admin", "+client|id"],
  ["-@all", "+@hash", "+@sortedset", "-zrem", "+client", "-client|kill"],
  ["-@all", "+@write", "-@list", "+lpush", "+config|get"],
  ["nocommands", "+@pubsub", "-pubsub|channels", "+select|0"],
];

Deno.test("acl: what ACL LIST prints evaluates to what was set and to what ACL DRYRUN allows", async () => {
  const user = `bulkhead-acl-test-${uniqueTenantId("u")}`;
  await withAdmin(async (admin) => {
    const table = await liveCommandTable(admin);
    try {
      for (const rules of RULE_SETS) {
        await admin.call("ACL", "SETUSER", user, "reset", "on", "nopass", "~*", "&*", ...rules);
        const line = ((await admin.call("ACL", "LIST")) as string[])
          .find((l) => l.startsWith(`user ${user} `))!;
        const printed = parseAclListLine(line)!;
        const expected = allowedCommands(["-@all", ...rules], table);
        assert.deepEqual(
          allowedCommands(printed.commandRules, table),
          expected,
          `${rules.join(" ")} printed as ${printed.commandRules.join(" ")}`,
        );
        const allowed = new Set(expected);
        const disagreements: string[] = [];
        for (const command of table.leaves.values()) {
          const outcome = await dryRun(admin, user, sampleArguments(command, "k"));
          if ((outcome.kind === "allowed") !== allowed.has(command.id)) {
            disagreements.push(`${command.id}: ${outcome.kind}`);
          }
        }
        assert.deepEqual(disagreements, [], rules.join(" "));
      }
    } finally {
      await admin.call("ACL", "DELUSER", user);
    }
  });
});
