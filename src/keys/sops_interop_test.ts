/**
 * Interoperability with the real tools: the `sops` binary (pinned in src/sandbox/tools.ts)
 * and Debian's `age`. Documents go both ways, and tampering is refused on both sides.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { parse } from "yaml";
import { ensureTools, toolPaths } from "../sandbox/tools.ts";
import { capture } from "../sandbox/process.ts";
import { identityFileText, newAgeKeyPair } from "./age.ts";
import { decryptSops, encryptSops, parseSops, plainOf, type SopsMap, sopsMapOf } from "./sops.ts";

await ensureTools(() => {});
const { sops, age } = toolPaths();

const tenant = await newAgeKeyPair();
const master = await newAgeKeyPair();
const other = await newAgeKeyPair();

async function withDir<T>(work: (dir: string) => Promise<T>): Promise<T> {
  const dir = await Deno.makeTempDir({ prefix: "bulkhead-sops-" });
  try {
    return await work(dir);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
}

async function keyFile(dir: string, pair: typeof tenant, name: string): Promise<string> {
  const path = join(dir, name);
  await Deno.writeTextFile(path, identityFileText(pair, new Date()), { mode: 0o600 });
  return path;
}

/** `sops` with only the given identity file (and no user config or network lookups). */
function runSops(args: string[], keyFile: string | undefined, cwd: string) {
  return capture(sops, args, {
    cwd,
    env: {
      SOPS_AGE_KEY_FILE: keyFile ?? "/nonexistent",
      HOME: cwd,
      XDG_CONFIG_HOME: cwd,
      PATH: Deno.env.get("PATH") ?? "/usr/bin:/bin",
    },
  });
}

/** Ints and floats compared as numbers: the decrypted YAML of sops may print 2.0 as 2. */
function normalised(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (_, v) => typeof v === "bigint" ? Number(v) : v));
}

const plaintext = () =>
  sopsMapOf({
    postgres: { role: "tenant_acme", password: "s3cret-Value/+=" },
    redis: { username: "tenant-acme", password: "another: one # not a comment" },
    port: 5432n,
    ratio: 0.125,
    enabled: true,
    off: false,
    empty: "",
    nothing: null,
    list: ["a", 7n, { nested: "y" }],
    note_unencrypted: "plain",
    since_unencrypted: "2024-01-02",
    unicode: "grüße ✓",
  });

Deno.test("sops interop: sops -d reads what Bulkhead writes, with the tenant identity", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "secrets.enc.yaml");
    await Deno.writeTextFile(
      file,
      await encryptSops(plaintext(), { recipients: [tenant.recipient, master.recipient] }),
    );
    for (const pair of [tenant, master]) {
      const out = await runSops(["-d", file], await keyFile(dir, pair, "key.txt"), dir);
      assert.equal(out.code, 0, out.stderr);
      assert.deepEqual(normalised(parse(out.stdout)), normalised(plainOf(plaintext())));
    }
    const extract = await runSops(
      ["-d", "--extract", '["postgres"]["password"]', file],
      await keyFile(dir, tenant, "key.txt"),
      dir,
    );
    assert.equal(extract.stdout, "s3cret-Value/+=");
    const stranger = await runSops(["-d", file], await keyFile(dir, other, "other.txt"), dir);
    assert.notEqual(stranger.code, 0, "another identity cannot decrypt");
    assert.match(stranger.stderr, /Failed to get the data key|no identity matched/i);
  });
});

Deno.test("sops interop: Bulkhead reads what sops -e writes (comments, suffixes, all types)", async () => {
  await withDir(async (dir) => {
    const plain = join(dir, "plain.yaml");
    await Deno.writeTextFile(
      plain,
      [
        "# a comment sops encrypts as #ENC[…]",
        "postgres:",
        "    role: tenant_acme # trailing comment",
        "    password: s3cret",
        "port: 5432",
        "ratio: 1.5",
        "whole: 3.0",
        "enabled: true",
        "empty: ''",
        "nothing: null",
        "list:",
        "    - a",
        "    - 7",
        "    - {nested: y}",
        "note_unencrypted: plain",
        "since: 2024-01-02",
        "seen_unencrypted: 2024-01-02T03:04:05+02:00",
        "",
      ].join("\n"),
    );
    const encrypted = await runSops(
      ["-e", "--age", `${tenant.recipient},${master.recipient}`, plain],
      undefined,
      dir,
    );
    assert.equal(encrypted.code, 0, encrypted.stderr);
    assert.match(encrypted.stdout, /#ENC\[AES256_GCM,.*type:comment\]/, "comments are encrypted");
    assert.match(encrypted.stdout, /^since: ENC\[AES256_GCM,.*type:time\]$/m);
    const expected = {
      postgres: { role: "tenant_acme", password: "s3cret" },
      port: 5432n,
      ratio: 1.5,
      whole: 3,
      enabled: true,
      empty: "",
      nothing: null,
      list: ["a", 7n, { nested: "y" }],
      note_unencrypted: "plain",
      // YAML timestamps: sops encrypts them as type:time; Bulkhead reads their RFC 3339 text.
      since: "2024-01-02T00:00:00Z",
      seen_unencrypted: "2024-01-02T03:04:05+02:00",
    };
    for (const pair of [tenant, master]) {
      const tree = await decryptSops(encrypted.stdout, [pair.identity]);
      assert.deepEqual(plainOf(tree), expected);
      assert.equal(typeof tree.get("whole"), "number", "3.0 stays a float");
    }
    await assert.rejects(decryptSops(encrypted.stdout, [other.identity]), /none of the given/);

    // --encrypted-suffix: only keys ending in it are encrypted.
    const partial = await runSops(
      ["-e", "--age", tenant.recipient, "--encrypted-suffix", "word", plain],
      undefined,
      dir,
    );
    assert.equal(partial.code, 0, partial.stderr);
    assert.match(partial.stdout, /role: tenant_acme/);
    // sops itself writes the plaintext float 3.0 as `3`, which YAML reads back as an int.
    assert.match(partial.stdout, /^whole: 3$/m);
    assert.deepEqual(plainOf(await decryptSops(partial.stdout, [tenant.identity])), {
      ...expected,
      whole: 3n,
    });
  });
});

Deno.test("sops interop: mac_only_encrypted documents (from .sops.yaml) are read", async () => {
  await withDir(async (dir) => {
    await Deno.writeTextFile(
      join(dir, ".sops.yaml"),
      `creation_rules:\n  - age: ${tenant.recipient}\n    mac_only_encrypted: true\n`,
    );
    await Deno.writeTextFile(join(dir, "plain.yaml"), "a: 1\nb_unencrypted: open\n");
    const out = await runSops(["-e", "plain.yaml"], undefined, dir);
    assert.equal(out.code, 0, out.stderr);
    assert.match(out.stdout, /mac_only_encrypted: true/);
    assert.deepEqual(plainOf(await decryptSops(out.stdout, [tenant.identity])), {
      a: 1n,
      b_unencrypted: "open",
    });
  });
});

Deno.test("sops interop: sops edits a Bulkhead document and Bulkhead reads the result", async () => {
  await withDir(async (dir) => {
    const file = join(dir, "secrets.enc.yaml");
    await Deno.writeTextFile(
      file,
      await encryptSops(plaintext(), { recipients: [tenant.recipient] }),
    );
    const key = await keyFile(dir, tenant, "key.txt");
    const set = await runSops(
      ["set", file, '["postgres"]["password"]', '"changed-by-sops"'],
      key,
      dir,
    );
    assert.equal(set.code, 0, set.stderr);
    const tree = await decryptSops(await Deno.readTextFile(file), [tenant.identity]);
    assert.equal((tree.get("postgres") as SopsMap).get("password"), "changed-by-sops");
    assert.equal(tree.get("port"), 5432n);
  });
});

Deno.test("sops interop: a tampered Bulkhead document is refused by sops too", async () => {
  await withDir(async (dir) => {
    const text = await encryptSops(plaintext(), { recipients: [tenant.recipient] });
    const key = await keyFile(dir, tenant, "key.txt");
    const tampered = text.replace(/^note_unencrypted: plain$/m, "note_unencrypted: edited");
    assert.notEqual(tampered, text);
    const file = join(dir, "tampered.yaml");
    await Deno.writeTextFile(file, tampered);
    const out = await runSops(["-d", file], key, dir);
    assert.notEqual(out.code, 0);
    assert.match(out.stderr, /MAC mismatch/);
    await assert.rejects(decryptSops(tampered, [tenant.identity]), /MAC mismatch/);
  });
});

Deno.test("sops interop: the age CLI opens a wrapped data key: 32 raw bytes", async () => {
  await withDir(async (dir) => {
    const text = await encryptSops(plaintext(), { recipients: [tenant.recipient] });
    const { metadata } = parseSops(text);
    const wrapped = join(dir, "data-key.age");
    await Deno.writeTextFile(wrapped, metadata.age[0].enc);
    const child = new Deno.Command(age, {
      args: ["-d", "-i", await keyFile(dir, tenant, "key.txt"), wrapped],
      stdout: "piped",
      stderr: "piped",
    });
    const out = await child.output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.equal(out.stdout.length, 32);
  });
});
