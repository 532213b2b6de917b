/** Tenant keys and secrets through the API apply uses, on a real registry. */
import assert from "node:assert/strict";
import { join } from "node:path";
import { ENV } from "../config.ts";
import { testStores, uniqueTenantId } from "../sandbox/testing.ts";
import { testRegistry } from "../registry/testing.ts";
import { KeyRotationInProgressError, TenantKeysMissingError } from "../registry/registry.ts";
import { identityFileText, newAgeKeyPair } from "./age.ts";
import { randomSecret } from "./testing.ts";
import { sha256 } from "@noble/hashes/sha2.js";
import { encodeHex, utf8 } from "../encoding.ts";
import { decryptTenantDocument } from "./document.ts";
import {
  actorName,
  ensureTenantKeys,
  MasterKeyError,
  type MasterKeys,
  masterKeysFromEnv,
  readAllTenantSecrets,
  readTenantSecrets,
  recordStoreSecret,
  removeStoreSecret,
  rotateTenantKey,
  tenantIdentity,
} from "./mod.ts";

await testStores();
const master = await masterKeysFromEnv();

Deno.test("keys: master keys come from the environment, with errors naming the variable", async () => {
  const pair = await newAgeKeyPair();
  const other = await newAgeKeyPair();
  const dir = await Deno.makeTempDir();
  try {
    const file = join(dir, "master.key");
    await Deno.writeTextFile(file, identityFileText(pair, new Date()));
    assert.deepEqual(
      await masterKeysFromEnv({
        [ENV.masterRecipients]: `${pair.recipient}, ${other.recipient}`,
        [ENV.masterIdentityFile]: file,
      }),
      { recipients: [pair.recipient, other.recipient], identity: pair.identity },
    );
    assert.deepEqual(
      await masterKeysFromEnv({
        [ENV.masterRecipients]: pair.recipient,
        [ENV.masterIdentity]: pair.identity,
      }),
      { recipients: [pair.recipient], identity: pair.identity },
    );
    assert.deepEqual(await masterKeysFromEnv({ [ENV.masterRecipients]: pair.recipient }), {
      recipients: [pair.recipient],
    });
    const refused: [Record<string, string>, RegExp][] = [
      [{}, /BULKHEAD_MASTER_RECIPIENTS is not set/],
      [
        { [ENV.masterRecipients]: pair.recipient.replace(/.$/, (c) => c === "q" ? "p" : "q") },
        /BULKHEAD_MASTER_RECIPIENTS: .* not a valid age recipient \(bad checksum/,
      ],
      [
        { [ENV.masterRecipients]: "ssh-ed25519 AAAA" },
        /BULKHEAD_MASTER_RECIPIENTS: .* not an age X25519 recipient/,
      ],
      [
        {
          [ENV.masterRecipients]: pair.recipient,
          [ENV.masterIdentity]: pair.identity,
          [ENV.masterIdentityFile]: file,
        },
        /set only one/,
      ],
      [
        { [ENV.masterRecipients]: pair.recipient, [ENV.masterIdentityFile]: join(dir, "missing") },
        /BULKHEAD_MASTER_IDENTITY_FILE: cannot read/,
      ],
      [
        { [ENV.masterRecipients]: pair.recipient, [ENV.masterIdentity]: "AGE-SECRET-KEY-1XYZ" },
        /BULKHEAD_MASTER_IDENTITY: not a valid age X25519 identity/,
      ],
      [
        { [ENV.masterRecipients]: other.recipient, [ENV.masterIdentity]: pair.identity },
        /BULKHEAD_MASTER_IDENTITY: its recipient age1\S+ is not in BULKHEAD_MASTER_RECIPIENTS/,
      ],
    ];
    for (const [env, expected] of refused) {
      await assert.rejects(masterKeysFromEnv(env), (e: Error) => {
        assert.ok(e instanceof MasterKeyError, String(e));
        assert.match(e.message, expected);
        assert.ok(!e.message.includes(pair.identity), "the identity is never echoed");
        return true;
      });
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
  assert.equal(actorName({ BULKHEAD_ACTOR: "ci/job-42", USER: "x" }), "ci/job-42");
  assert.match(actorName({ USER: "alice" }), /^alice@.+/);
});

Deno.test("keys: ensureTenantKeys creates an identity and an empty document once", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const id = uniqueTenantId("keys");
  const results = await Promise.all(
    [1, 2, 3, 4].map(() => ensureTenantKeys(registry, master, id, "apply")),
  );
  assert.equal(results.filter(Boolean).length, 1, "concurrent calls create one key");
  assert.equal(await ensureTenantKeys(registry, master, id, "apply"), false);
  const tenant = await registry.tenantRecord(id);
  assert.equal(tenant?.status, "active");
  assert.equal(tenant?.keyVersion, 1);
  assert.match(tenant?.publicKey ?? "", /^age1/);
  assert.ok(tenant?.rotationDueAt && tenant.rotationDueAt.getTime() > Date.now());
  assert.deepEqual(await readTenantSecrets(registry, master, id), {});

  // The wrapped identity opens with the master identity and is the tenant's public key's.
  const { identity, key } = await tenantIdentity(registry, master, id);
  assert.equal(key.publicKey, tenant?.publicKey);
  assert.equal(key.reason, "initial");
  assert.equal(key.publicKeySha256, encodeHex(sha256(utf8.encode(key.publicKey))));
  const document = await registry.secretDocument(id);
  assert.deepEqual(await decryptTenantDocument(id, document!.document, [identity]), {});
  assert.deepEqual((await registry.auditEvents(id)).map((e) => e.type), [
    "tenant.registered",
    "keys.created",
  ]);

  // Different tenants in parallel.
  const many = Array.from({ length: 5 }, () => uniqueTenantId("keys"));
  await Promise.all(many.map((m) => ensureTenantKeys(registry, master, m, "apply")));
  for (const m of many) assert.equal((await registry.tenantRecord(m))?.keyVersion, 1);
  // Encrypting needs only the recipients; the identity is needed to read.
  const encryptOnly: MasterKeys = { recipients: master.recipients };
  const late = uniqueTenantId("keys");
  assert.equal(await ensureTenantKeys(registry, encryptOnly, late, "ci"), true);
  await assert.rejects(readTenantSecrets(registry, encryptOnly, late), /BULKHEAD_MASTER_IDENTITY/);
});

Deno.test("keys: store secrets are recorded atomically, versioned, audited by store name only", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const id = uniqueTenantId("sec");
  await ensureTenantKeys(registry, master, id, "apply");
  const secrets = {
    postgres: randomSecret("postgres"),
    redis: randomSecret("redis"),
    minio: randomSecret("minio"),
    qdrant: randomSecret("qdrant"),
  };
  // Four writers of one tenant at once: none loses another's write.
  await Promise.all(
    (Object.keys(secrets) as (keyof typeof secrets)[]).map((store) =>
      recordStoreSecret(registry, master, id, store, secrets[store], "apply")
    ),
  );
  assert.deepEqual(await readTenantSecrets(registry, master, id), secrets);
  const after = await registry.secretDocument(id);
  assert.equal(after?.version, 5, "one version per write, from the empty document's 1");
  for (const value of Object.values(secrets).flatMap(Object.values)) {
    if (value.startsWith("sv-")) assert.ok(!after!.document.includes(value));
  }

  // The same secret again changes nothing; a new one makes a new version under a new data key.
  await recordStoreSecret(registry, master, id, "redis", secrets.redis, "apply");
  assert.equal((await registry.secretDocument(id))?.version, 5);
  const redis2 = randomSecret("redis");
  await recordStoreSecret(registry, master, id, "redis", redis2, "apply");
  const v6 = await registry.secretDocument(id);
  assert.equal(v6?.version, 6);
  const dataKeyOf = (doc: string) => /enc: \|\n([\s\S]*?END AGE ENCRYPTED FILE)/.exec(doc)?.[1];
  assert.notEqual(dataKeyOf(v6!.document), dataKeyOf(after!.document));
  await removeStoreSecret(registry, master, id, "qdrant", "deprovision");
  await removeStoreSecret(registry, master, id, "qdrant", "deprovision");
  const { qdrant: _gone, ...rest } = { ...secrets, redis: redis2 };
  assert.deepEqual(await readTenantSecrets(registry, master, id), rest);

  const events = await registry.auditEvents(id);
  const writes = events.filter((e) => e.type.startsWith("secrets."));
  assert.equal(writes.length, 6, "one event per change, none for the no-ops");
  assert.deepEqual(writes.at(-1)?.details, { store: "qdrant", document_version: 7 });
  assert.deepEqual(
    writes.find((e) => e.details.store === "minio")?.details.fields,
    ["access_key", "secret_key"],
  );
  const log = JSON.stringify(events);
  for (const value of [secrets.postgres.password, secrets.minio.secret_key, redis2.password]) {
    assert.ok(!log.includes(value), "no secret value in the audit log");
  }

  const all = await readAllTenantSecrets(registry, master);
  assert.deepEqual(all.get(id), rest);
  await assert.rejects(
    recordStoreSecret(registry, master, id, "postgres", { role: "r", password: "" }, "apply"),
    /postgres secret needs a non-empty "password"/,
  );
  await assert.rejects(
    recordStoreSecret(registry, master, uniqueTenantId("none"), "redis", redis2, "apply"),
    TenantKeysMissingError,
  );
});

Deno.test("keys: one tenant's identity cannot read another's document, nor can swapped rows", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const a = uniqueTenantId("iso");
  const b = uniqueTenantId("iso");
  for (const id of [a, b]) {
    await ensureTenantKeys(registry, master, id, "apply");
    await recordStoreSecret(registry, master, id, "postgres", randomSecret("postgres"), "apply");
  }
  const identityA = (await tenantIdentity(registry, master, a)).identity;
  const identityB = (await tenantIdentity(registry, master, b)).identity;
  const docA = (await registry.secretDocument(a))!.document;
  const docB = (await registry.secretDocument(b))!.document;
  await assert.rejects(
    decryptTenantDocument(b, docB, [identityA]),
    /none of the given identities is a recipient/,
  );
  await assert.rejects(decryptTenantDocument(a, docA, [identityB]), /none of the given/);
  assert.ok(await decryptTenantDocument(a, docA, [identityA]));

  // Someone with write access copies A's document and wrapped identity onto B's rows.
  const admin = t.admin();
  try {
    await admin`update secret_documents set document = ${docA} where tenant_id = ${b}`;
    await assert.rejects(
      readTenantSecrets(registry, master, b),
      new RegExp(`tenant ${b}: secrets document: it belongs to tenant ${a}`),
    );
    await admin`update tenant_keys set wrapped_identity =
      (select wrapped_identity from tenant_keys where tenant_id = ${a} and version = 1)
      where tenant_id = ${b} and version = 1`;
    await assert.rejects(
      tenantIdentity(registry, master, b),
      /the wrapped identity does not match the recorded public key/,
    );
  } finally {
    await admin.end();
  }
});

/** A promise and its resolver, to hold a rotation open. */
function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => open = resolve);
  return { open, opened };
}

Deno.test("keys: rotation re-encrypts under a new identity and archives the old one", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const id = uniqueTenantId("rot");
  await registry.recordTenantStatus(id, "active", "apply", { retentionDays: 5 });
  await ensureTenantKeys(registry, master, id, "apply");
  const secret = randomSecret("minio");
  await recordStoreSecret(registry, master, id, "minio", secret, "apply");
  const before = await tenantIdentity(registry, master, id);

  const result = await rotateTenantKey(registry, master, id, "personnel", "alice");
  assert.equal(result.fromVersion, 1);
  assert.equal(result.toVersion, 2);
  const days = (result.retainUntil.getTime() - Date.now()) / 86_400_000;
  assert.ok(days > 4.9 && days <= 5, `retained for the tenant's 5 days, got ${days}`);

  const after = await tenantIdentity(registry, master, id);
  assert.notEqual(after.identity, before.identity);
  const doc = (await registry.secretDocument(id))!;
  assert.equal(doc.keyVersion, 2);
  assert.deepEqual(await decryptTenantDocument(id, doc.document, [after.identity]), {
    minio: secret,
  });
  await assert.rejects(decryptTenantDocument(id, doc.document, [before.identity]), /none of the/);
  const history = await registry.keyHistory(id);
  assert.deepEqual(history.map((k) => [k.version, k.reason, !!k.archivedAt, !!k.wrappedIdentity]), [
    [1, "initial", true, true],
    [2, "personnel", false, true],
  ]);
  const tenant = await registry.tenantRecord(id);
  assert.equal(tenant?.keyVersion, 2);
  assert.equal(tenant?.publicKey, after.key.publicKey);
  assert.ok(tenant?.rotatedAt);
  const event = (await registry.auditEvents(id)).at(-1);
  assert.equal(event?.type, "keys.rotated");
  assert.equal(event?.actor, "alice");
  assert.equal(event?.details.reason, "personnel");

  // The override wins; without a recorded retention the default (30 days) applies.
  const other = uniqueTenantId("rot");
  await ensureTenantKeys(registry, master, other, "apply");
  const byDefault = await rotateTenantKey(registry, master, other, "scheduled", "a");
  assert.equal(Math.round((byDefault.retainUntil.getTime() - Date.now()) / 86_400_000), 30);
  const short = await rotateTenantKey(registry, master, other, "emergency", "a", {
    retentionDays: 1,
  });
  assert.equal(Math.round((short.retainUntil.getTime() - Date.now()) / 86_400_000), 1);

  await assert.rejects(
    rotateTenantKey(registry, master, uniqueTenantId("none"), "scheduled", "a"),
    TenantKeysMissingError,
  );
  await assert.rejects(
    rotateTenantKey(registry, { recipients: master.recipients }, id, "scheduled", "a"),
    /key rotation needs the master identity/,
  );
});

Deno.test("keys: a second rotation of the same tenant while one runs is refused, and changes nothing", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const id = uniqueTenantId("rot");
  await ensureTenantKeys(registry, master, id, "apply");
  const secret = randomSecret("postgres");
  await recordStoreSecret(registry, master, id, "postgres", secret, "apply");
  const held = gate();
  const reached = gate();
  const first = rotateTenantKey(registry, master, id, "scheduled", "first", {
    beforeCommit: async () => {
      reached.open();
      await held.opened;
    },
  });
  await reached.opened; // the first rotation holds its locks, verified and uncommitted
  await assert.rejects(
    rotateTenantKey(registry, master, id, "emergency", "second"),
    (e: Error) => e instanceof KeyRotationInProgressError && e.message.includes(id),
  );
  // Another tenant rotates meanwhile: the lock is per tenant.
  const other = uniqueTenantId("rot");
  await ensureTenantKeys(registry, master, other, "apply");
  assert.equal((await rotateTenantKey(registry, master, other, "scheduled", "x")).toVersion, 2);
  held.open();
  assert.equal((await first).toVersion, 2);
  assert.equal((await registry.tenantRecord(id))?.keyVersion, 2);
  assert.deepEqual(await readTenantSecrets(registry, master, id), { postgres: secret });
  const rotations = (await registry.auditEvents(id)).filter((e) => e.type === "keys.rotated");
  assert.deepEqual(rotations.map((e) => e.actor), ["first"]);
});

Deno.test("keys: purge destroys archived identities when due, and shreds decommissioned tenants", async () => {
  await using t = await testRegistry();
  const { registry } = t;
  const keep = uniqueTenantId("purge");
  const due = uniqueTenantId("purge");
  for (const id of [keep, due]) await ensureTenantKeys(registry, master, id, "apply");
  await rotateTenantKey(registry, master, keep, "scheduled", "a", { retentionDays: 30 });
  await rotateTenantKey(registry, master, due, "scheduled", "a", { retentionDays: 0 });

  assert.deepEqual(await registry.purgeKeys("janitor"), [
    { tenantId: due, versions: [1], shredded: false },
  ]);
  assert.deepEqual(await registry.purgeKeys("janitor"), [], "nothing twice");
  await assert.rejects(tenantIdentity(registry, master, due, 1), /key version 1 was purged/);
  assert.ok(await tenantIdentity(registry, master, keep, 1), "not yet due");
  assert.deepEqual(
    await registry.purgeKeys("janitor", { tenantId: keep, ignoreRetention: true }),
    [{ tenantId: keep, versions: [1], shredded: false }],
  );
  assert.ok(await tenantIdentity(registry, master, keep, 2), "the current key stays");

  // Decommissioned: shredded once its retention has passed (0 days here), not before.
  const gone = uniqueTenantId("purge");
  const waiting = uniqueTenantId("purge");
  await registry.recordTenantStatus(gone, "decommissioned", "apply", { retentionDays: 0 });
  await registry.recordTenantStatus(waiting, "decommissioned", "apply", { retentionDays: 30 });
  for (const id of [gone, waiting]) {
    await ensureTenantKeys(registry, master, id, "apply");
    await recordStoreSecret(registry, master, id, "redis", randomSecret("redis"), "apply");
  }
  await rotateTenantKey(registry, master, gone, "scheduled", "a", { retentionDays: 30 });
  assert.deepEqual(await registry.purgeKeys("janitor"), [
    { tenantId: gone, versions: [1, 2], shredded: true },
  ]);
  assert.equal(await readTenantSecrets(registry, master, gone), undefined);
  assert.ok((await registry.keyHistory(gone)).every((k) => !k.wrappedIdentity && k.purgedAt));
  assert.ok((await registry.tenantRecord(gone))?.keysShreddedAt);
  await assert.rejects(
    recordStoreSecret(registry, master, gone, "redis", randomSecret("redis"), "apply"),
    /keys and secrets were destroyed/,
  );
  assert.ok(await readTenantSecrets(registry, master, waiting), "within retention: kept");
  assert.equal((await registry.auditEvents(gone)).at(-1)?.type, "keys.shredded");

  // A shredded tenant that comes back gets a new key version, never an old one.
  await registry.recordTenantStatus(gone, "active", "apply");
  assert.equal(await ensureTenantKeys(registry, master, gone, "apply"), true);
  assert.equal((await registry.tenantRecord(gone))?.keyVersion, 3);
  assert.deepEqual(await readTenantSecrets(registry, master, gone), {});
  assert.deepEqual((await registry.verifyAuditLog()).breaks, []);
});
