/**
 * The keys, secrets, audit-log and force-unlock commands as a user runs them, against a
 * registry of the test's own on the sandbox PostgreSQL, with the real `sops`.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { ENV } from "../config.ts";
import { runCli, testStores, uniqueTenantId } from "../sandbox/testing.ts";
import { capture } from "../sandbox/process.ts";
import { ensureTools, toolPaths } from "../sandbox/tools.ts";
import { testRegistry } from "../registry/testing.ts";
import {
  ensureTenantKeys,
  masterKeysFromEnv,
  recordStoreSecret,
  rotateTenantKey,
} from "../keys/mod.ts";
import { identityFileText } from "../keys/age.ts";
import { recipientOf } from "../keys/age.ts";
import { identitiesInRegistry, randomSecret } from "../keys/testing.ts";
import { COMMANDS } from "../cli.ts";
import { postgresDatabase } from "../tenant/names.ts";

await testStores();
await ensureTools(() => {});
const master = await masterKeysFromEnv();
const { sops } = toolPaths();

/** Runs the CLI against `env`, remembering all output so it can be searched for secrets. */
function cliRecorder(env: Record<string, string>) {
  const outputs: string[] = [];
  const cli = async (args: string[], expectedCode = 0) => {
    const result = await runCli(args, { env });
    outputs.push(result.stdout, result.stderr);
    assert.equal(result.code, expectedCode, `bulkhead ${args.join(" ")}: ${result.stderr}`);
    return result;
  };
  return { cli, outputs };
}

/** sops -d FILE with only KEYFILE as identity. */
function sopsDecrypt(file: string, keyFile: string) {
  return capture(sops, ["-d", file], {
    env: { SOPS_AGE_KEY_FILE: keyFile, HOME: "/nonexistent", PATH: "/usr/bin:/bin" },
  });
}

async function tenantsDirWith(dir: string, id: string, retentionDays: number): Promise<string> {
  const tenants = join(dir, "tenants");
  await Deno.mkdir(tenants, { recursive: true });
  await Deno.writeTextFile(
    join(tenants, `${id}.yaml`),
    `id: ${id}\nname: Test tenant\ntier: standard\n` +
      `contacts: [{name: Ops, email: ops@example.com, role: owner}]\n` +
      `stores: {postgres: {}, redis: {}}\nretention_days: ${retentionDays}\n`,
  );
  return tenants;
}

function assertNoSecrets(outputs: string[], secrets: string[]) {
  assert.ok(secrets.length > 0 && outputs.length > 0);
  for (const output of outputs) {
    for (const secret of secrets) assert.ok(!output.includes(secret), "a secret value was printed");
    assert.ok(!output.includes("AGE-SECRET-KEY-"), "an identity was printed");
  }
}

Deno.test("keys cli: create, export, sops -d, rotate, export the archived key, purge: crypto-shredding", async () => {
  await using t = await testRegistry();
  const dir = await Deno.makeTempDir({ prefix: "bulkhead-keys-" });
  try {
    const { cli, outputs } = cliRecorder(t.env);
    const id = uniqueTenantId("story");
    const tenants = await tenantsDirWith(dir, id, 3);

    const init = await cli(["keys", "init", id, "--tenants", tenants]);
    assert.match(init.stdout, new RegExp(`created keys for ${id}: key version 1`));
    assert.match(
      (await cli(["keys", "init", id, "--tenants", tenants])).stdout,
      /already has keys/,
    );
    assert.equal((await t.registry.tenantRecord(id))?.retentionDays, 3, "from the tenant file");

    // Apply records the credentials it generates through the API.
    const postgres = randomSecret("postgres");
    const redis = randomSecret("redis");
    await recordStoreSecret(t.registry, master, id, "postgres", postgres, "apply");
    await recordStoreSecret(t.registry, master, id, "redis", redis, "apply");

    const before = join(dir, "before");
    await cli(["keys", "export", id, "--dir", before]);
    const keyFile = join(before, id, "key.age");
    assert.equal((await Deno.stat(keyFile)).mode! & 0o777, 0o600);
    const publicKey = (await t.registry.tenantRecord(id))?.publicKey;
    assert.equal(await Deno.readTextFile(join(before, id, "key.pub")), `${publicKey}\n`);
    const exported = join(before, id, "secrets.enc.yaml");
    const decrypted = await sopsDecrypt(exported, keyFile);
    assert.equal(decrypted.code, 0, decrypted.stderr);
    assert.deepEqual(parse(decrypted.stdout), { tenant: id, postgres, redis });
    // The export is for the tenant's key only: the master identity does not open it.
    const masterKey = join(dir, "master.key");
    await Deno.writeTextFile(
      masterKey,
      identityFileText(
        { identity: master.identity!, recipient: await recipientOf(master.identity!) },
        new Date(),
      ),
    );
    assert.notEqual((await sopsDecrypt(exported, masterKey)).code, 0);
    await cli(["keys", "export", id, "--dir", before], 2); // never overwrites a key silently

    const rotate = await cli(["keys", "rotate", id, "--reason", "emergency"]);
    assert.match(rotate.stdout, /key version 1 -> 2 \(emergency\); version 1 archived until/);

    // Until purge, the archived identity (from the registry) opens the pre-rotation export.
    const archived = join(dir, "archived");
    await cli(["keys", "export", id, "--dir", archived, "--key-version", "1"]);
    assert.deepEqual([...Deno.readDirSync(join(archived, id))].map((e) => e.name).sort(), [
      "key.age",
      "key.pub",
    ]);
    const stillOpen = await sopsDecrypt(exported, join(archived, id, "key.age"));
    assert.equal(stillOpen.code, 0, stillOpen.stderr);
    assert.deepEqual(parse(stillOpen.stdout).postgres, postgres);

    const purge = await cli(["keys", "purge", "--now", "--tenant", id]);
    assert.match(purge.stdout, new RegExp(`purged ${id}: archived identities v1 destroyed`));
    const gone = await cli([
      "keys",
      "export",
      id,
      "--dir",
      join(dir, "after"),
      "--key-version",
      "1",
    ], 2);
    assert.match(
      gone.stderr,
      /key version 1 was purged on .*no copy of it is left in the registry/,
    );

    // After purge nothing in the registry (nor the master identity) opens the old export.
    // The copies written by `keys export` are outside the registry: the operator deletes them.
    await Deno.remove(archived, { recursive: true });
    await Deno.remove(keyFile);
    const remaining = await identitiesInRegistry(t.registry, master, [id]);
    assert.equal(remaining.length, 1, "only the current identity is left");
    for (const [i, identity] of [...remaining, master.identity!].entries()) {
      const file = join(dir, `candidate-${i}.key`);
      await Deno.writeTextFile(
        file,
        identityFileText({ identity, recipient: await recipientOf(identity) }, new Date()),
      );
      const attempt = await sopsDecrypt(exported, file);
      assert.notEqual(attempt.code, 0, `identity ${i} must not open the pre-rotation export`);
    }
    // …while the current export opens with the current identity.
    const now = join(dir, "now");
    await cli(["keys", "export", id, "--dir", now]);
    const current = await sopsDecrypt(join(now, id, "secrets.enc.yaml"), join(now, id, "key.age"));
    assert.deepEqual(parse(current.stdout), { tenant: id, postgres, redis });

    // Every step left one audit event, in a chain that verifies.
    const log = await cli(["audit-log", "show", id, "--json"]);
    assert.deepEqual(JSON.parse(log.stdout).map((e: { type: string }) => e.type), [
      "tenant.registered",
      "keys.created",
      "secrets.recorded",
      "secrets.recorded",
      "keys.exported",
      "keys.rotated",
      "keys.exported",
      "keys.purged",
      "keys.exported",
    ]);
    const verify = await cli(["audit-log", "verify", id]);
    assert.match(verify.stdout, /ok: 1 chain, 9 events verified/);
    await cli(["keys", "show", id]);
    await cli(["keys", "list"]);
    assertNoSecrets(outputs, [postgres.password, redis.password]);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("secrets show: refuses a non-terminal unless --json or --force, and is audited", async () => {
  await using t = await testRegistry();
  const { cli } = cliRecorder(t.env);
  const id = uniqueTenantId("show");
  await ensureTenantKeys(t.registry, master, id, "apply");
  const postgres = randomSecret("postgres");
  const minio = randomSecret("minio");
  await recordStoreSecret(t.registry, master, id, "postgres", postgres, "apply");
  await recordStoreSecret(t.registry, master, id, "minio", minio, "apply");

  const refused = await cli(["secrets", "show", id], 2);
  assert.match(refused.stderr, /refusing to print credentials to something that is not a terminal/);
  assert.equal(refused.stdout, "");

  // What the tenant's applications get: each store's connection details with the recorded
  // credential (no tenant file declares it, so PostgreSQL's is its own database).
  const details = JSON.parse((await cli(["secrets", "show", id, "--json"])).stdout);
  assert.deepEqual(Object.keys(details).sort(), ["minio", "postgres"]);
  assert.equal(details.postgres.role, postgres.role);
  assert.equal(details.postgres.database, postgresDatabase(id));
  assert.equal(decodeURIComponent(new URL(details.postgres.url).password), postgres.password);
  assert.equal(details.minio.access_key, minio.access_key);
  assert.equal(details.minio.secret_key, minio.secret_key);
  const minioOnly = JSON.parse(
    (await cli(["secrets", "show", id, "--store", "minio", "--json"])).stdout,
  );
  assert.deepEqual(Object.keys(minioOnly), ["minio"]);
  assert.equal(minioOnly.minio.secret_key, minio.secret_key);
  const text = await cli(["secrets", "show", id, "--force"]);
  assert.match(text.stdout, new RegExp(`^ {2}url +postgres://tenant_x:${postgres.password}@`, "m"));
  assert.match(text.stdout, new RegExp(`^ {2}secret_key {2}${minio.secret_key}$`, "m"));

  assert.match(
    (await cli(["secrets", "show", id, "--store", "qdrant", "--json"], 2)).stderr,
    /no qdrant credentials recorded/,
  );
  await cli(["secrets", "show", id, "--store", "mysql", "--json"], 2);
  const noIdentity = await runCli(["secrets", "show", id, "--json"], {
    env: { ...t.env, [ENV.masterIdentityFile]: "", [ENV.masterIdentity]: "" },
  });
  assert.equal(noIdentity.code, 2);
  assert.match(noIdentity.stderr, /needs the master identity: set BULKHEAD_MASTER_IDENTITY_FILE/);

  const shown = (await t.registry.auditEvents(id)).filter((e) => e.type === "secrets.shown");
  assert.deepEqual(shown.map((e) => e.details), [
    { stores: ["postgres", "minio"], format: "json" },
    { stores: ["minio"], format: "json" },
    { stores: ["postgres", "minio"], format: "text" },
  ]);
});

Deno.test("keys cli: list, show, audit-log, purge, force-unlock and every --help print no secret", async () => {
  await using t = await testRegistry();
  const { cli, outputs } = cliRecorder(t.env);
  const ids = [uniqueTenantId("out"), uniqueTenantId("out")];
  const secrets: string[] = [];
  for (const id of ids) {
    await ensureTenantKeys(t.registry, master, id, "apply");
    for (const store of ["postgres", "redis", "minio", "qdrant"] as const) {
      const secret = randomSecret(store);
      secrets.push(...Object.values(secret).filter((v) => v.startsWith("sv-")));
      await recordStoreSecret(t.registry, master, id, store, secret, "apply");
    }
  }
  await rotateTenantKey(t.registry, master, ids[0], "scheduled", "test");

  const list = await cli(["keys", "list"]);
  for (const id of ids) assert.match(list.stdout, new RegExp(`^${id} +active +v[12] +age1`, "m"));
  const listed = JSON.parse((await cli(["keys", "list", "--json"])).stdout);
  assert.deepEqual(listed.map((r: { id: string }) => r.id), [...ids].sort());
  assert.equal(listed.find((r: { id: string }) => r.id === ids[0]).archived_keys, 1);
  const show = await cli(["keys", "show", ids[0]]);
  assert.match(show.stdout, /^v1 +initial .*\nv2 +scheduled /m);
  const shown = JSON.parse((await cli(["keys", "show", ids[0], "--json"])).stdout);
  assert.equal(shown.history.length, 2);
  assert.equal(shown.history[0].identityInRegistry, true);
  assert.equal(shown.history[0].wrappedIdentity, undefined);
  await cli(["keys", "show", uniqueTenantId("unknown")], 2);
  await cli(["audit-log", "show", ids[1]]);
  await cli(["audit-log", "show", ids[1], "--json"]);
  await cli(["audit-log", "verify"]);
  assert.match((await cli(["keys", "purge"])).stdout, /nothing to purge/);
  await cli(["keys", "rotate", ids[1], "--reason", "personnel"]);
  await cli(["force-unlock"]);
  for (const command of COMMANDS) await cli([...command.name.split(" "), "--help"]);
  assert.equal(secrets.length, 8);
  assertNoSecrets(outputs, secrets);
});

Deno.test("audit-log verify: an audit row edited through the admin connection is found (exit 1)", async () => {
  await using t = await testRegistry();
  const { cli } = cliRecorder(t.env);
  const edited = uniqueTenantId("tamper");
  const intact = uniqueTenantId("tamper");
  for (const id of [edited, intact]) {
    await ensureTenantKeys(t.registry, master, id, "apply");
    await recordStoreSecret(t.registry, master, id, "redis", randomSecret("redis"), "apply");
  }
  assert.match((await cli(["audit-log", "verify"])).stdout, /ok: 2 chains, 6 events verified/);
  const admin = t.admin();
  try {
    await admin`alter table audit_events disable trigger audit_events_append_only`;
    await admin`update audit_events set actor = 'someone-else'
                 where tenant_id = ${edited} and seq = 2`;
  } finally {
    await admin.end();
  }
  const all = await cli(["audit-log", "verify"], 1);
  assert.match(
    all.stderr,
    new RegExp(
      `broken ${edited}: first broken link at event 2: event 2 \\(keys.created\\) was modified`,
    ),
  );
  assert.match(all.stderr, /1 of 2 chains broken/);
  assert.ok(!all.stderr.includes(intact));
  await cli(["audit-log", "verify", edited], 1);
  assert.match((await cli(["audit-log", "verify", intact])).stdout, /ok: 1 chain, 3 events/);
});

Deno.test("keys rotate: a rotation from another process while one runs is refused cleanly", async () => {
  await using t = await testRegistry();
  const id = uniqueTenantId("race");
  await ensureTenantKeys(t.registry, master, id, "apply");
  let release!: () => void;
  let reached!: () => void;
  const held = new Promise<void>((resolve) => release = resolve);
  const inside = new Promise<void>((resolve) => reached = resolve);
  const first = rotateTenantKey(t.registry, master, id, "scheduled", "first", {
    beforeCommit: () => (reached(), held),
  });
  await inside;
  const second = await runCli(["keys", "rotate", id, "--reason", "emergency"], { env: t.env });
  release();
  assert.equal(second.code, 2);
  assert.match(
    second.stderr,
    new RegExp(
      `tenant ${id}: another key rotation of this tenant is in progress; nothing was changed`,
    ),
  );
  assert.equal((await first).toVersion, 2);
  const history = await t.registry.keyHistory(id);
  assert.deepEqual(history.map((k) => k.reason), ["initial", "scheduled"]);
});

Deno.test("keys cli: usage mistakes exit 2 with the usage line", async () => {
  await using t = await testRegistry();
  const { cli } = cliRecorder(t.env);
  const id = uniqueTenantId("usage");
  const dir = await Deno.makeTempDir();
  try {
    const cases: [string[], RegExp][] = [
      [["keys", "rotate", id], /--reason must be one of scheduled, emergency, personnel/],
      [["keys", "rotate", id, "--reason", "boredom"], /--reason must be one of/],
      [["keys", "export", id], /--dir is required/],
      [["keys", "export", id, "--dir", dir, "--key-version", "0"], /--key-version starts at 1/],
      [["keys", "show", "Bad_Id"], /tenant id must be lowercase/],
      [["keys", "init", id, "--tenants", dir], /is not declared in/],
      [["keys", "purge", "--tenant", "x"], /tenant id must be 2-32 characters/],
      [["audit-log", "show"], /missing TENANT/],
    ];
    for (const [args, expected] of cases) {
      const result = await cli(args, 2);
      assert.match(result.stderr, expected, args.join(" "));
      assert.match(result.stderr, /Usage: bulkhead /, args.join(" "));
    }
    assert.match(
      (await cli(["keys", "rotate", id, "--reason", "scheduled"], 2)).stderr,
      new RegExp(`tenant ${id} has no keys in the registry`),
    );
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("force-unlock: breaks a held apply lock and says who held it", async () => {
  await using t = await testRegistry();
  const lock = await t.registry.acquireApplyLock("ci-job-7", "apply main");
  const result = await runCli(["force-unlock"], { env: t.env });
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stdout, /apply lock: held by ci-job-7 since .* for "apply main"/);
  assert.match(result.stdout, /unlocked \(was held by ci-job-7\)/);
  assert.equal(await lock.held(), false);
  await lock.release();
  assert.match((await runCli(["force-unlock"], { env: t.env })).stdout, /not held/);
});
