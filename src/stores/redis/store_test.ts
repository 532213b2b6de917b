/** The Redis store against the real sandbox server: lifecycle, credentials, persistence. */
import assert from "node:assert/strict";
import { convergeStore, planStore, testTenant } from "../testing.ts";
import { uniqueTenantId } from "../../sandbox/testing.ts";
import { sha256Hex } from "../../encoding.ts";
import { freePort } from "../../sandbox/process.ts";
import { redisKeyPrefix, redisUser } from "../../tenant/names.ts";
import type { StoreSecret } from "../store.ts";
import { createRedisStore } from "./store.ts";
import { connectAsTenant } from "./probe.ts";
import { KEYSPACE_REGISTRY } from "./resources.ts";
import {
  dropTenants,
  planOptions,
  redisEndpoint,
  redisTenant,
  withAdmin,
  withConvergedTenant,
} from "./testing.ts";

const options = planOptions;

/** Fails when any secret (password or its hash) occurs in `value` serialised. */
async function assertNoSecrets(value: unknown, secrets: Map<string, StoreSecret>) {
  const text = JSON.stringify(value);
  for (const [id, secret] of secrets) {
    assert.ok(secret.password && secret.password.length >= 64, `${id} has a strong password`);
    assert.ok(!text.includes(secret.password), `the password of ${id} leaked`);
    assert.ok(
      !text.includes(await sha256Hex(secret.password)),
      `the password hash of ${id} leaked`,
    );
  }
}

Deno.test("redis store: apply from empty creates keyspace and user in order; re-apply is a no-op; no secret anywhere", async () => {
  const a = uniqueTenantId("rd");
  const tenants = [redisTenant(a), redisTenant(`${a}0`)];
  const secrets = new Map<string, StoreSecret>();
  const store = createRedisStore(await redisEndpoint());
  try {
    const applied = await convergeStore(store, tenants, secrets, options(store));
    assert.deepEqual(applied.map((c) => `${c.action} ${c.address}`), [
      `create redis.keyspace.tenant:${a}:`,
      `create redis.acl_user.tenant-${a}`,
      `create redis.keyspace.tenant:${a}0:`,
      `create redis.acl_user.tenant-${a}0`,
    ]);
    assert.equal(secrets.size, 2, "one recorded credential per tenant");
    assert.deepEqual(secrets.get(a)?.username, redisUser(a));

    const again = await planStore(store, tenants, secrets, options(store));
    assert.deepEqual(again.changes, [], "a second plan has no changes");
    assert.deepEqual(again.withheld, []);
    const user = again.observation.resources.find((r) => r.name === redisUser(a));
    assert.deepEqual(user?.attributes, {
      enabled: true,
      nopass: false,
      passwords: 1,
      keys: [`~tenant:${a}:*`],
      channels: [`&tenant:${a}:*`],
      selectors: [],
      credential: "recorded",
      commands_beyond_policy: [],
      commands_missing: [],
    });
    await assertNoSecrets({ applied, observation: again.observation }, secrets);

    const registered = await withAdmin((admin) => admin.hkeys(KEYSPACE_REGISTRY));
    assert.ok(registered.includes(redisKeyPrefix(a)), "the keyspace is registered");
  } finally {
    await store.close();
    await dropTenants(tenants.map((t) => t.id));
  }
});

Deno.test("redis store: a tenant's credentials reach its own keys and channels and get NOPERM on a look-alike tenant's", async () => {
  const a = uniqueTenantId("rd");
  const b = `${a}0`; // tenant:<a>* would match tenant:<a>0:…, tenant:<a>:* does not
  const tenants = [redisTenant(a), redisTenant(b)];
  const secrets = new Map<string, StoreSecret>();
  const store = createRedisStore(await redisEndpoint());
  try {
    await convergeStore(store, tenants, secrets, options(store));
    const details = store.connectionDetails(a, secrets.get(a)!);
    assert.deepEqual(Object.keys(details).sort(), ["key_prefix", "url", "username"]);
    assert.equal(details.key_prefix, `tenant:${a}:`);
    const endpoint = new URL((await redisEndpoint()).url);
    assert.equal(new URL(details.url).host, endpoint.host);

    const conn = await connectAsTenant(details.url, secrets.get(a)!);
    try {
      assert.deepEqual(await conn.run(["SET", `tenant:${a}:k`, "v"]), {
        kind: "allowed",
        reply: "OK",
      });
      assert.deepEqual(await conn.run(["GET", `tenant:${a}:k`]), { kind: "allowed", reply: "v" });
      for (
        const args of [
          ["GET", `tenant:${b}:k`],
          ["SET", `tenant:${b}:k`, "x"],
          ["MGET", `tenant:${a}:k`, `tenant:${b}:k`],
          ["RENAME", `tenant:${a}:k`, `tenant:${b}:k`],
          ["SUNIONSTORE", `tenant:${a}:d`, `tenant:${b}:s`],
          ["PUBLISH", `tenant:${b}:ch`, "m"],
          ["KEYS", "*"],
          ["SCAN", "0"],
          ["FLUSHALL"],
          ["CONFIG", "GET", "*"],
          ["INFO"],
          ["CLIENT", "LIST"],
          ["ACL", "LIST"],
        ]
      ) {
        const outcome = await conn.run(args);
        assert.equal(outcome.kind, "denied", `${args.join(" ")}: ${JSON.stringify(outcome)}`);
        if (outcome.kind === "denied") assert.match(outcome.message, /^NOPERM/);
      }
      assert.deepEqual(await conn.run(["PUBLISH", `tenant:${a}:ch`, "m"]), {
        kind: "allowed",
        reply: 0,
      });
    } finally {
      conn.close();
    }

    // Subscriptions: own channel accepted, the look-alike's refused.
    const subscriber = await connectAsTenant(details.url, secrets.get(a)!);
    try {
      assert.deepEqual(await subscriber.client.subscribe(`tenant:${a}:ch`), 1);
      await assert.rejects(subscriber.client.subscribe(`tenant:${b}:ch`), /^ReplyError: NOPERM/);
      await assert.rejects(subscriber.client.psubscribe("tenant:*"), /^ReplyError: NOPERM/);
    } finally {
      subscriber.close();
    }

    // The other direction: b cannot read what a wrote.
    const other = await connectAsTenant(details.url, secrets.get(b)!);
    try {
      assert.equal((await other.run(["GET", `tenant:${a}:k`])).kind, "denied");
    } finally {
      other.close();
    }
  } finally {
    await store.close();
    await dropTenants(tenants.map((t) => t.id));
  }
});

Deno.test("redis store: suspending turns the user off, drops open connections, keeps data; `on` by hand is drift", async () => {
  await withConvergedTenant(async ({ id: a, secrets, store, url }) => {
    const conn = await connectAsTenant(url, secrets.get(a)!);
    assert.equal((await conn.run(["SET", `tenant:${a}:k`, "kept"])).kind, "allowed");

    const suspended = [redisTenant(a, { status: "suspended" })];
    const plan = await planStore(store, suspended, secrets, options(store));
    assert.deepEqual(
      plan.changes.map((c) => [c.action, c.address, c.reason, c.before?.enabled, c.after?.enabled]),
      [["update", `redis.acl_user.tenant-${a}`, "drifted: enabled", true, false]],
    );
    await convergeStore(store, suspended, secrets, options(store));
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(conn.open, false, "the open connection was closed");
    await assert.rejects(connectAsTenant(url, secrets.get(a)!), /WRONGPASS/);
    assert.equal(await withAdmin((admin) => admin.get(`tenant:${a}:k`)), "kept", "data kept");

    await withAdmin((admin) => admin.call("ACL", "SETUSER", redisUser(a), "on"));
    const drift = await planStore(store, suspended, secrets, options(store));
    assert.deepEqual(drift.changes.map((c) => c.reason), ["drifted: enabled"]);
    await convergeStore(store, suspended, secrets, options(store));
    assert.deepEqual((await planStore(store, suspended, secrets, options(store))).changes, []);
    await assert.rejects(connectAsTenant(url, secrets.get(a)!), /WRONGPASS/);
  });
});

Deno.test("redis store: a password set by hand is an unrecorded credential; apply restores the recorded one", async () => {
  await withConvergedTenant(async ({ id: a, tenants, secrets, store, options, url }) => {
    const recorded = secrets.get(a)!;
    const handSet = "a-password-set-by-hand-0123456789";
    await withAdmin((admin) =>
      admin.call("ACL", "SETUSER", redisUser(a), "resetpass", `>${handSet}`)
    );
    const plan = await planStore(store, tenants, secrets, options);
    assert.deepEqual(plan.changes.map((c) => [c.reason, c.before?.credential]), [
      ["drifted: credential", "unrecorded"],
    ]);
    const intruder = await connectAsTenant(url, { username: redisUser(a), password: handSet });
    await convergeStore(store, tenants, secrets, options);
    assert.equal(secrets.get(a), recorded, "the recorded credential is kept, not rotated");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(intruder.open, false, "connections made with the unrecorded password are closed");
    await assert.rejects(
      connectAsTenant(url, { username: redisUser(a), password: handSet }),
      /WRONGPASS/,
    );
    const conn = await connectAsTenant(url, recorded);
    conn.close();
    assert.deepEqual((await planStore(store, tenants, secrets, options)).changes, []);
    await assertNoSecrets(plan, new Map([[a, recorded]]));
    assert.ok(!JSON.stringify(plan).includes(handSet));
  });
});

Deno.test("redis store: destroying a decommissioned tenant deletes its user, closes its connections and unlinks its keys in every database, and nothing of a look-alike's", async () => {
  const a = uniqueTenantId("rd");
  const b = `${a}0`;
  const secrets = new Map<string, StoreSecret>();
  const store = createRedisStore(await redisEndpoint());
  const { url } = await redisEndpoint();
  try {
    await convergeStore(store, [redisTenant(a), redisTenant(b)], secrets, options(store));
    await withAdmin(async (admin) => {
      await admin.mset(`tenant:${a}:1`, "x", `tenant:${a}:2`, "y", `tenant:${b}:1`, "z");
      await admin.select(2);
      await admin.set(`tenant:${a}:elsewhere`, "w");
      await admin.select(0);
    });
    const conn = await connectAsTenant(url, secrets.get(a)!);

    const destroy = options(store, { destroyTenants: [a], alsoObserve: [a] });
    const plan = await planStore(store, [redisTenant(b)], secrets, destroy);
    assert.deepEqual(plan.changes.map((c) => [c.action, c.address, c.reason]).sort(), [
      ["delete", `redis.acl_user.tenant-${a}`, "tenant decommissioned"],
      ["delete", `redis.keyspace.tenant:${a}:`, "tenant decommissioned"],
    ]);
    const applied = await convergeStore(store, [redisTenant(b)], secrets, destroy);
    assert.deepEqual(applied.map((c) => c.address), [
      `redis.acl_user.tenant-${a}`,
      `redis.keyspace.tenant:${a}:`,
    ], "the user goes first, so that nothing writes while the keys are unlinked");
    await new Promise((resolve) => setTimeout(resolve, 100));
    assert.equal(conn.open, false);

    await withAdmin(async (admin) => {
      assert.equal(await admin.exists(`tenant:${a}:1`, `tenant:${a}:2`), 0);
      assert.equal(await admin.get(`tenant:${b}:1`), "z", "the look-alike's key is kept");
      await admin.select(2);
      assert.equal(await admin.exists(`tenant:${a}:elsewhere`), 0, "database 2 was cleaned too");
      await admin.select(0);
      assert.equal(await admin.hexists(KEYSPACE_REGISTRY, `tenant:${a}:`), 0);
      const users = (await admin.call("ACL", "USERS")) as string[];
      assert.ok(!users.includes(redisUser(a)) && users.includes(redisUser(b)));
    });
    assert.deepEqual((await planStore(store, [redisTenant(b)], secrets, destroy)).changes, []);
  } finally {
    await store.close();
    await dropTenants([a, b]);
  }
});

Deno.test("redis store: a tenant that stops using Redis loses its login at once, its keys only with --allow-destroy", async () => {
  await withConvergedTenant(async ({ id: a, secrets, store }) => {
    await withAdmin((admin) => admin.set(`tenant:${a}:k`, "v"));
    const withoutRedis = [testTenant({ id: a, stores: { postgres: {} } })];
    const plan = await planStore(store, withoutRedis, secrets, options(store));
    assert.deepEqual(plan.changes.map((c) => [c.action, c.address]), [
      ["delete", `redis.acl_user.tenant-${a}`],
    ]);
    assert.deepEqual(plan.withheld.map((w) => [w.resource.address, w.reason]), [
      [
        `redis.keyspace.tenant:${a}:`,
        `not declared for tenant ${a} (kept: pass --allow-destroy to delete)`,
      ],
    ]);
    await convergeStore(store, withoutRedis, secrets, options(store));
    assert.equal(await withAdmin((admin) => admin.get(`tenant:${a}:k`)), "v");
    const destroy = options(store, { allowDestroy: true });
    await convergeStore(store, withoutRedis, secrets, destroy);
    assert.equal(await withAdmin((admin) => admin.exists(`tenant:${a}:k`)), 0);
    assert.deepEqual((await planStore(store, withoutRedis, secrets, destroy)).changes, []);
  });
});

Deno.test("redis store: a user and keyspace without a tenant file are orphans, deleted only with --allow-destroy", async () => {
  const orphan = uniqueTenantId("rd");
  const store = createRedisStore(await redisEndpoint());
  try {
    await withAdmin(async (admin) => {
      await admin.call("ACL", "SETUSER", redisUser(orphan), "on", ">some-password", "~*", "+@all");
      await admin.hset(KEYSPACE_REGISTRY, redisKeyPrefix(orphan), "by hand");
    });
    const secrets = new Map<string, StoreSecret>();
    const plan = await planStore(store, [], secrets, options(store, { alsoObserve: [orphan] }));
    assert.deepEqual(plan.changes, []);
    assert.deepEqual(plan.withheld.map((w) => [w.resource.address, w.resource.tenant, w.reason]), [
      [
        `redis.acl_user.tenant-${orphan}`,
        orphan,
        "orphan: no tenant file (kept: pass --allow-destroy to delete)",
      ],
      [
        `redis.keyspace.tenant:${orphan}:`,
        orphan,
        "orphan: no tenant file (kept: pass --allow-destroy to delete)",
      ],
    ]);
    const destroy = options(store, { alsoObserve: [orphan], allowDestroy: true });
    await convergeStore(store, [], secrets, destroy);
    assert.deepEqual((await planStore(store, [], secrets, destroy)).changes, []);
  } finally {
    await store.close();
    await dropTenants([orphan]);
  }
});

Deno.test("redis store: observe makes the same number of round trips for 3 and for 30 tenants", async () => {
  const ids = Array.from({ length: 30 }, () => uniqueTenantId("rd"));
  const secrets = new Map<string, StoreSecret>();
  const store = createRedisStore(await redisEndpoint());
  try {
    await convergeStore(
      store,
      ids.slice(0, 3).map((id) => redisTenant(id)),
      secrets,
      options(store),
    );
    const three = await store.observe({ secrets, secretsAvailable: true });
    await convergeStore(store, ids.map((id) => redisTenant(id)), secrets, options(store));
    const thirty = await store.observe({ secrets, secretsAvailable: true });
    const ours = (o: typeof three) =>
      o.resources.filter((r) => r.tenant && ids.includes(r.tenant)).length;
    assert.equal(ours(three), 3 * 2);
    assert.equal(ours(thirty), 30 * 2);
    assert.equal(three.roundTrips, thirty.roundTrips);
    assert.equal(thirty.roundTrips, 5, "ACL LIST, COMMAND INFO, COMMAND DOCS, CONFIG GET, HGETALL");
  } finally {
    await store.close();
    await dropTenants(ids);
  }
});

Deno.test("redis store: apply persists ACLs with ACL SAVE (hashed, never plaintext) and they survive ACL LOAD", async () => {
  await withConvergedTenant(async ({ id: a, tenants, secrets, store, options }) => {
    const [, file] = await withAdmin((admin) => admin.config("GET", "aclfile")) as string[];
    assert.ok(file, "the sandbox configures an aclfile");
    const text = await Deno.readTextFile(file);
    const line = text.split("\n").find((l) => l.startsWith(`user ${redisUser(a)} `));
    assert.ok(line, "the user is in the ACL file");
    assert.ok(line.includes(`#${await sha256Hex(secrets.get(a)!.password)}`));
    assert.ok(!text.includes(secrets.get(a)!.password), "no plaintext password in the file");

    await withAdmin((admin) => admin.call("ACL", "LOAD"));
    assert.deepEqual((await planStore(store, tenants, secrets, options)).changes, []);
  });
});

Deno.test("redis store: a failed change names tenant, store, resource and the server's answer, never a secret", async () => {
  const a = uniqueTenantId("rd");
  const limited = `bulkhead-limited-${a}`;
  const limitedPassword = "limited-admin-password-0123456789abcdef";
  const { url } = await redisEndpoint();
  const limitedUrl = new URL(url);
  limitedUrl.username = limited;
  limitedUrl.password = limitedPassword;
  await withAdmin((admin) =>
    admin.call(
      "ACL",
      "SETUSER",
      limited,
      "on",
      `>${limitedPassword}`,
      "~*",
      "&*",
      "+@all",
      "-acl|setuser",
    )
  );
  const store = createRedisStore({ url: limitedUrl.toString() });
  const secrets = new Map<string, StoreSecret>();
  try {
    await assert.rejects(
      convergeStore(store, [redisTenant(a)], secrets, options(store)),
      (error: Error) => {
        assert.match(
          error.message,
          new RegExp(`^tenant ${a}: redis: create redis\\.acl_user\\.tenant-${a} failed: NOPERM`),
        );
        const secret = secrets.get(a)!;
        assert.ok(!error.message.includes(secret.password));
        assert.ok(
          !JSON.stringify(error, Object.getOwnPropertyNames(error)).includes(secret.password),
        );
        return true;
      },
    );
    const hash = await sha256Hex(secrets.get(a)!.password);
    await assert.rejects(
      convergeStore(store, [redisTenant(a)], secrets, options(store)),
      (error: Error & { cause?: unknown }) => {
        const everything = `${error.message} ${String(error.cause)} ${JSON.stringify(error.cause)}`;
        assert.ok(!everything.includes(hash), "the password hash is not in the error");
        return true;
      },
    );
  } finally {
    await store.close();
    await withAdmin((admin) => admin.call("ACL", "DELUSER", limited));
    await dropTenants([a]);
  }
});

Deno.test("redis store: an unreachable server or a refused login fails observe with the endpoint and the cause, never the password", async () => {
  const { url } = await redisEndpoint();
  const closed = new URL(url);
  closed.port = String(freePort());
  const unreachable = createRedisStore({ url: closed.toString() });
  await assert.rejects(
    unreachable.observe({ secrets: new Map(), secretsAvailable: true }),
    new RegExp(`^Error: redis at redis://127\\.0\\.0\\.1:${closed.port}: connection refused`),
  );
  await unreachable.close();

  const wrong = new URL(url);
  wrong.password = "not-the-admin-password-0123456789";
  const refused = createRedisStore({ url: wrong.toString() });
  await assert.rejects(
    refused.observe({ secrets: new Map(), secretsAvailable: true }),
    (error: Error) => {
      assert.match(
        error.message,
        /: authentication failed; check the user and password in BULKHEAD_REDIS_URL/,
      );
      assert.ok(
        !error.message.includes(wrong.password) && !error.message.includes(new URL(url).password),
      );
      return true;
    },
  );
  await refused.close();
});
