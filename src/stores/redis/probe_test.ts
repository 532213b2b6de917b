import assert from "node:assert/strict";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { freePort } from "../../sandbox/process.ts";
import { sha256Hex } from "../../encoding.ts";
import { redisUser } from "../../tenant/names.ts";
import { parseCommandTable } from "./command_table.ts";
import { DOCS_FIXTURE, INFO_FIXTURE } from "./command_table_fixture.ts";
import { deriveCommandPolicy } from "./command_policy.ts";
import { connectAsTenant, isDenial, sampleArguments } from "./probe.ts";
import { tenantUserRules } from "./store.ts";
import { dropTenants, liveCommandTable, redisEndpoint, withAdmin } from "./testing.ts";

Deno.test("probe: sample arguments put the key where the key specs say", () => {
  const table = parseCommandTable(INFO_FIXTURE, DOCS_FIXTURE);
  const sample = (id: string) => sampleArguments(table.leaves.get(id)!, "K", "v");
  assert.deepEqual(sample("get"), ["GET", "K"]);
  assert.deepEqual(sample("zunion"), ["ZUNION", "1", "K"]);
  assert.deepEqual(sample("xread"), ["XREAD", "STREAMS", "K", "0"]);
  assert.deepEqual(sample("client|id"), ["CLIENT", "ID"]);
  assert.deepEqual(sample("client|list"), ["CLIENT", "LIST"]);
});

Deno.test("probe: only NOPERM is a denial", () => {
  assert.equal(isDenial("NOPERM this user has no permissions to run the 'keys' command"), true);
  assert.equal(isDenial("ERR wrong number of arguments"), false);
  assert.equal(
    isDenial("WRONGTYPE Operation against a key holding the wrong kind of value"),
    false,
  );
  assert.equal(isDenial("Connection is closed."), false);
});

/** A tenant user set up as apply sets it up, with a known password. */
async function withTenantUser(
  body: (own: string, victim: string, url: string, password: string) => Promise<void>,
) {
  const a = uniqueTenantId("rd");
  const password = "probe-test-password-0123456789abcdef";
  const { url } = await redisEndpoint();
  try {
    await withAdmin(async (admin) => {
      const policy = deriveCommandPolicy(await liveCommandTable(admin));
      const hash = await sha256Hex(password);
      await admin.call(
        "ACL",
        "SETUSER",
        redisUser(a),
        ...tenantUserRules(a, true, hash, policy.allowed),
      );
    });
    await body(a, `${a}0`, url, password);
  } finally {
    await dropTenants([a]);
  }
}

Deno.test("probe: multi-key commands mixing own and a look-alike's keys are refused with NOPERM by the server", async () => {
  await withTenantUser(async (a, b, url, password) => {
    const conn = await connectAsTenant(url, { username: redisUser(a), password });
    const mine = (k: string) => `tenant:${a}:${k}`;
    const theirs = (k: string) => `tenant:${b}:${k}`;
    try {
      assert.equal((await conn.run(["SADD", mine("s"), "x"])).kind, "allowed");
      assert.equal((await conn.run(["XADD", mine("x"), "*", "f", "v"])).kind, "allowed");
      const attempts = [
        ["MSET", mine("a"), "1", theirs("a"), "1"],
        ["DEL", mine("a"), theirs("a")],
        ["SMOVE", mine("s"), theirs("s"), "x"],
        ["LMOVE", mine("l"), theirs("l"), "LEFT", "RIGHT"],
        ["BITOP", "AND", mine("d"), theirs("a")],
        ["ZUNIONSTORE", mine("z"), "2", mine("z1"), theirs("z1")],
        ["XREAD", "STREAMS", mine("x"), theirs("x"), "0", "0"],
        ["GEORADIUS", mine("g"), "0", "0", "1", "km", "STORE", theirs("g")],
        ["PFMERGE", mine("h"), theirs("h")],
        ["COPY", mine("s"), theirs("s")],
        ["OBJECT", "ENCODING", theirs("s")],
        ["MEMORY", "USAGE", theirs("s")],
        ["WATCH", theirs("s")],
        ["SORT", mine("s"), "BY", "nosort", "GET", `${theirs("")}*`],
        ["EVAL", "return redis.call('get', KEYS[1])", "1", theirs("a")],
        ["CLIENT", "TRACKING", "ON", "BCAST"],
        ["SUBSCRIBE", `__keyspace@0__:${theirs("a")}`],
        ["PUBSUB", "CHANNELS"],
        ["SELECT", "1"],
      ];
      const notDenied: string[] = [];
      for (const args of attempts) {
        const outcome = await conn.run(args);
        if (outcome.kind !== "denied" || !/^NOPERM/.test(outcome.message)) {
          notDenied.push(`${args.join(" ")} -> ${JSON.stringify(outcome)}`);
        }
      }
      assert.deepEqual(notDenied, []);
      // Positive control: the same shapes on own keys work.
      assert.equal(
        (await conn.run(["ZUNIONSTORE", mine("z"), "2", mine("z1"), mine("z2")])).kind,
        "allowed",
      );
      assert.equal((await conn.run(["XREAD", "STREAMS", mine("x"), "0"])).kind, "allowed");
    } finally {
      conn.close();
    }
  });
});

Deno.test("probe: a refused login and an unreachable server are errors, never denials", async () => {
  await withTenantUser(async (a, _b, url) => {
    await assert.rejects(
      connectAsTenant(url, { username: redisUser(a), password: "wrong-password" }),
      /WRONGPASS/,
    );
    const closed = new URL(url);
    closed.port = String(freePort());
    await assert.rejects(connectAsTenant(closed.toString(), { username: "x", password: "y" }));
  });
  await withTenantUser(async (a, _b, url, password) => {
    const conn = await connectAsTenant(url, { username: redisUser(a), password });
    conn.close();
    const outcome = await conn.run(["GET", `tenant:${a}:k`]);
    assert.equal(outcome.kind, "error", JSON.stringify(outcome));
  });
});
