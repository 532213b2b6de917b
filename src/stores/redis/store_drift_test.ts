/**
 * Drift injected by hand into a tenant's ACL user on the real server: plan shows it with
 * the attribute that drifted, apply repairs it (reset + the full rule set), and the
 * widened access is gone afterwards.
 */
import assert from "node:assert/strict";
import { convergeStore, planStore } from "../testing.ts";
import { redisUser } from "../../tenant/names.ts";
import { dryRun } from "./probe.ts";
import { withAdmin, withConvergedTenant } from "./testing.ts";

interface Injection {
  what: string;
  rules: string[];
  drifted: string[];
  /** A command the widened user could run and must not after repair. */
  probe?: string[];
}

const INJECTIONS = (other: string): Injection[] => [
  { what: "all keys (~*)", rules: ["~*"], drifted: ["keys"], probe: ["GET", `tenant:${other}:k`] },
  {
    what: "allkeys",
    rules: ["allkeys"],
    drifted: ["keys"],
    probe: ["SET", `tenant:${other}:k`, "v"],
  },
  {
    what: "read-only pattern on another prefix (%R~)",
    rules: [`%R~tenant:${other}:*`],
    drifted: ["keys"],
    probe: ["GET", `tenant:${other}:k`],
  },
  { what: "+@all", rules: ["+@all"], drifted: ["commands_beyond_policy"], probe: ["FLUSHALL"] },
  { what: "+keys", rules: ["+keys"], drifted: ["commands_beyond_policy"], probe: ["KEYS", "*"] },
  {
    what: "+@admin",
    rules: ["+@admin"],
    drifted: ["commands_beyond_policy"],
    probe: ["CONFIG", "SET", "maxmemory", "1"],
  },
  {
    what: "a subcommand (+client|list)",
    rules: ["+client|list"],
    drifted: ["commands_beyond_policy"],
    probe: ["CLIENT", "LIST"],
  },
  { what: "a command removed (-get)", rules: ["-get"], drifted: ["commands_missing"] },
  { what: "an extra password", rules: [">another-password-0123456789"], drifted: ["passwords"] },
  {
    what: "nopass",
    rules: ["nopass"],
    drifted: ["credential", "nopass", "passwords"],
  },
  {
    what: "allchannels",
    rules: ["allchannels"],
    drifted: ["channels"],
    probe: ["PUBLISH", `tenant:${other}:ch`, "m"],
  },
  {
    what: "a selector",
    rules: ["(~* +@all)"],
    drifted: ["selectors"],
    probe: ["GET", `tenant:${other}:k`],
  },
  { what: "off", rules: ["off"], drifted: ["enabled"] },
];

Deno.test("redis store: ACL drift injected by hand is shown by plan with its attribute and repaired by apply", async () => {
  await withConvergedTenant(async ({ id: a, tenants, secrets, store, options }) => {
    const other = `${a}0`;
    await withAdmin(async (admin) => {
      for (const injection of INJECTIONS(other)) {
        await admin.call("ACL", "SETUSER", redisUser(a), ...injection.rules);
        if (injection.probe) {
          const widened = await dryRun(admin, redisUser(a), injection.probe);
          assert.equal(widened.kind, "allowed", `${injection.what}: the injection widened access`);
        }
        const plan = await planStore(store, tenants, secrets, options);
        assert.equal(plan.changes.length, 1, `${injection.what}: one change`);
        const [change] = plan.changes;
        assert.equal(change.action, "update");
        assert.equal(change.address, `redis.acl_user.tenant-${a}`);
        assert.deepEqual(change.changedAttributes, injection.drifted, injection.what);
        assert.equal(change.reason, `drifted: ${injection.drifted.join(", ")}`);

        await convergeStore(store, tenants, secrets, options);
        const after = await planStore(store, tenants, secrets, options);
        assert.deepEqual(after.changes, [], `${injection.what}: repaired`);
        if (injection.probe) {
          const repaired = await dryRun(admin, redisUser(a), injection.probe);
          assert.equal(repaired.kind, "denied", `${injection.what}: access narrowed again`);
        }
      }
    });
  });
});

Deno.test("redis store: a widened command set shows which commands go beyond the policy", async () => {
  await withConvergedTenant(async ({ id: a, tenants, secrets, store, options }) => {
    await withAdmin((admin) =>
      admin.call("ACL", "SETUSER", redisUser(a), "+keys", "+flushall", "+script|flush", "-get")
    );
    const [change] = (await planStore(store, tenants, secrets, options)).changes;
    assert.deepEqual(change.before?.commands_beyond_policy, ["flushall", "keys", "script|flush"]);
    assert.deepEqual(change.after?.commands_beyond_policy, []);
    assert.deepEqual(change.before?.commands_missing, ["get"]);
  });
});
