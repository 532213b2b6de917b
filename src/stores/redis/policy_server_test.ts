/**
 * Every decision of the command policy checked with ACL DRYRUN against the real server,
 * for a user rendered exactly as apply renders it: each allowed command succeeds with
 * the tenant's own keys and channels and is refused with a look-alike tenant's; each
 * denied command is refused even with the tenant's own keys.
 */
import assert from "node:assert/strict";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { sha256Hex } from "../../encoding.ts";
import { redisUser } from "../../tenant/names.ts";
import { deriveCommandPolicy } from "./command_policy.ts";
import { dryRun, sampleArguments } from "./probe.ts";
import { tenantUserRules } from "./store.ts";
import { dropTenants, liveCommandTable, withAdmin } from "./testing.ts";

Deno.test("redis policy: ACL DRYRUN confirms every allowed and every denied command on the real server", async () => {
  const a = uniqueTenantId("rd");
  const victim = `${a}0`;
  const user = redisUser(a);
  try {
    await withAdmin(async (admin) => {
      const table = await liveCommandTable(admin);
      const policy = deriveCommandPolicy(table);
      const hash = await sha256Hex("policy-test-password");
      await admin.call("ACL", "SETUSER", user, ...tenantUserRules(a, true, hash, policy.allowed));

      const own = `tenant:${a}:k`;
      const theirs = `tenant:${victim}:k`;
      const problems: string[] = [];
      let keyChecks = 0;
      let channelChecks = 0;
      for (const decision of policy.decisions) {
        const command = table.leaves.get(decision.id)!;
        // The server matches PSUBSCRIBE patterns literally against channel patterns.
        const pattern = decision.id === "psubscribe";
        const mine = sampleArguments(command, pattern ? `tenant:${a}:*` : own);
        const outcome = await dryRun(admin, user, mine);
        if (decision.verdict === "deny") {
          if (outcome.kind !== "denied") {
            problems.push(`${decision.id} (denied by ${decision.rule}) ran: ${mine.join(" ")}`);
          }
          continue;
        }
        if (outcome.kind !== "allowed") {
          problems.push(
            `${decision.id} (allowed by ${decision.rule}) refused: ${JSON.stringify(outcome)}`,
          );
        }
        if (decision.rule === "key-scoped") {
          // The sample must really carry keys, or refusing the victim's proves nothing.
          const keys = (await admin.call("COMMAND", "GETKEYS", ...mine)) as string[];
          if (keys.length === 0 || keys.some((k) => k !== own)) {
            problems.push(`${decision.id}: sample keys ${JSON.stringify(keys)}`);
          }
          const other = await dryRun(admin, user, sampleArguments(command, theirs));
          if (other.kind !== "denied") problems.push(`${decision.id} reached ${theirs}`);
          keyChecks++;
        }
        if (decision.rule === "channel-scoped") {
          const targets = pattern ? [`tenant:${victim}:*`, "tenant:*", "*"] : [theirs];
          for (const target of targets) {
            const other = await dryRun(admin, user, sampleArguments(command, target));
            if (other.kind !== "denied") problems.push(`${decision.id} reached channel ${target}`);
          }
          channelChecks++;
        }
      }
      assert.deepEqual(problems, []);
      assert.ok(keyChecks > 150, `key-scoped commands checked: ${keyChecks}`);
      assert.equal(channelChecks, 5);
    });
  } finally {
    await dropTenants([a]);
  }
});

Deno.test("redis policy: the commands the isolation contract names are decided as it says", async () => {
  await withAdmin(async (admin) => {
    const policy = deriveCommandPolicy(await liveCommandTable(admin));
    const verdict = new Map(policy.decisions.map((d) => [d.id, d.verdict]));
    const denied = [
      "acl|log",
      "acl|setuser",
      "client|kill",
      "client|list",
      "client|tracking",
      "cluster|getkeysinslot",
      "config|get",
      "config|set",
      "copy",
      "dbsize",
      "debug",
      "eval",
      "evalsha",
      "fcall",
      "flushall",
      "flushdb",
      "function|list",
      "function|load",
      "info",
      "keys",
      "latency|latest",
      "memory|stats",
      "migrate",
      "monitor",
      "move",
      "object|help",
      "pubsub|channels",
      "pubsub|numsub",
      "randomkey",
      "restore",
      "scan",
      "script|flush",
      "script|load",
      "select",
      "slowlog|get",
      "sort",
      "sort_ro",
      "swapdb",
      "wait",
    ];
    const allowed = [
      "auth",
      "del",
      "exec",
      "get",
      "hset",
      "memory|usage",
      "multi",
      "object|encoding",
      "psubscribe",
      "publish",
      "set",
      "subscribe",
      "unlink",
      "watch",
      "xadd",
      "xreadgroup",
      "zadd",
    ];
    assert.deepEqual(denied.filter((id) => verdict.get(id) !== "deny"), []);
    assert.deepEqual(allowed.filter((id) => verdict.get(id) !== "allow"), []);
  });
});
