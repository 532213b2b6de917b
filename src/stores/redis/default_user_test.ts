/** The server's default user: always reported, managed when configured. */
import assert from "node:assert/strict";
import { Redis } from "ioredis";
import { convergeStore, planStore } from "../testing.ts";
import { createRedisStore } from "./store.ts";
import { redisEndpoint, withAdmin } from "./testing.ts";

/** The sandbox's own default user, restored after each test. */
async function restoreDefaultUser() {
  await withAdmin(async (admin) => {
    await admin.call("ACL", "SETUSER", "default", "reset", "resetchannels");
    await admin.call("ACL", "SAVE");
  });
}

async function connectsWithoutCredentials(url: string): Promise<boolean> {
  const at = new URL(url);
  const anonymous = new Redis({
    host: at.hostname,
    port: Number(at.port),
    lazyConnect: true,
    enableReadyCheck: false,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
  });
  anonymous.on("error", () => {});
  try {
    await anonymous.connect();
    return await anonymous.get("any-key").then(() => true, () => false);
  } finally {
    anonymous.disconnect();
  }
}

Deno.test("redis store: the default user's power is reported in a note, as a warning when it is on", async () => {
  const endpoint = await redisEndpoint();
  const store = createRedisStore(endpoint);
  try {
    const off = await store.observe({ secrets: new Map(), secretsAvailable: true });
    assert.ok(
      off.notes.includes(
        "redis default user: off, no password, no keys, no channels, no commands",
      ),
      off.notes.join("\n"),
    );
    assert.ok(!off.resources.some((r) => r.kind === "default_user"), "not managed: no resource");

    await withAdmin((admin) =>
      admin.call("ACL", "SETUSER", "default", "on", "nopass", "~*", "&*", "+@all")
    );
    const on = await store.observe({ secrets: new Map(), secretsAvailable: true });
    const warning = on.notes.find((n) => n.startsWith("warning: redis default user is on"));
    assert.ok(
      warning?.includes("(on, nopass, keys ~*, channels &*, commands +@all)"),
      on.notes.join("\n"),
    );
  } finally {
    await store.close();
    await restoreDefaultUser();
  }
});

Deno.test("redis store: a managed default user opened by hand is shown by plan and turned off by apply", async () => {
  const endpoint = await redisEndpoint();
  const store = createRedisStore({ ...endpoint, manageDefaultUser: true });
  const secrets = new Map();
  try {
    assert.deepEqual((await planStore(store, [], secrets)).changes, [], "the sandbox's is off");

    await withAdmin((admin) =>
      admin.call("ACL", "SETUSER", "default", "on", "nopass", "~*", "&*", "+@all")
    );
    assert.equal(await connectsWithoutCredentials(endpoint.url), true, "the injection opened it");
    const plan = await planStore(store, [], secrets);
    assert.deepEqual(plan.changes.map((c) => [c.action, c.address, c.changedAttributes]), [
      [
        "update",
        "redis.default_user.default",
        ["enabled", "nopass", "keys", "channels", "commands"],
      ],
    ]);
    assert.deepEqual(plan.changes[0].before?.commands, ["+@all"]);
    assert.deepEqual(plan.changes[0].after?.commands, []);

    await convergeStore(store, [], secrets);
    assert.deepEqual((await planStore(store, [], secrets)).changes, []);
    assert.equal(await connectsWithoutCredentials(endpoint.url), false);
  } finally {
    await store.close();
    await restoreDefaultUser();
  }
});

Deno.test("redis store: managing the default user is refused when Bulkhead itself connects as it", async () => {
  const endpoint = await redisEndpoint();
  const password = "default-user-password-0123456789abcdef";
  await withAdmin((admin) =>
    admin.call("ACL", "SETUSER", "default", "on", `>${password}`, "~*", "&*", "+@all")
  );
  const asDefault = new URL(endpoint.url);
  asDefault.username = "";
  asDefault.password = password;
  const store = createRedisStore({ url: asDefault.toString(), manageDefaultUser: true });
  try {
    await assert.rejects(
      convergeStore(store, [], new Map()),
      /redis: update redis\.default_user\.default failed: the admin connection is the default user/,
    );
  } finally {
    await store.close();
    await restoreDefaultUser();
  }
});
