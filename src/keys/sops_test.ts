/** The SOPS implementation on its own: round trips, the format's details, tampering. */
import assert from "node:assert/strict";
import fc from "fast-check";
import { parse } from "yaml";
import { decodeBase64 } from "../encoding.ts";
import { newAgeKeyPair } from "./age.ts";
import {
  decryptSops,
  encryptSops,
  formatGoFloat,
  parseSops,
  SopsError,
  type SopsMap,
  sopsMapOf,
  type SopsValue,
} from "./sops.ts";

const alice = await newAgeKeyPair();
const bob = await newAgeKeyPair();

const SECRET = "pa55-word-0f-alice";
const sample = (): SopsMap =>
  new Map<string, SopsValue>([
    ["postgres", new Map<string, SopsValue>([["role", "tenant_acme"], ["password", SECRET]])],
    ["port", 5432n],
    ["ratio", 0.25],
    ["whole_float", 2],
    ["huge", 1e21],
    ["tiny", 1.5e-7],
    ["enabled", true],
    ["disabled", false],
    ["empty", ""],
    ["nothing", null],
    ["list", ["a", 7n, new Map([["deep", "x"]])]],
    ["10", "integer-like key after others"],
    ["note_unencrypted", "visible"],
    ["unicode", "grüße ✓ \"quoted\" 'single' : # not a comment"],
  ]);

Deno.test("sops: a document round-trips with structure, key order and types intact", async () => {
  const tree = sample();
  const text = await encryptSops(tree, { recipients: [alice.recipient] });
  const back = await decryptSops(text, [alice.identity]);
  assert.deepEqual(back, tree);
  assert.deepEqual([...back.keys()], [...tree.keys()], "document order is kept");
  assert.equal(typeof back.get("port"), "bigint");
  assert.equal(typeof back.get("whole_float"), "number");
  assert.ok(!text.includes(SECRET), "the plaintext secret is not in the document");
});

Deno.test("sops: every value is AES-GCM with a 32-byte IV, 16-byte tag and its type", async () => {
  const text = await encryptSops(sample(), { recipients: [alice.recipient] });
  const doc = parse(text, { intAsBigInt: true });
  const enc = (v: string) =>
    /^ENC\[AES256_GCM,data:([^,]*),iv:([^,]+),tag:([^,]+),type:(\w+)\]$/.exec(v);
  const types: Record<string, string> = {
    port: "int",
    ratio: "float",
    whole_float: "float",
    huge: "float",
    enabled: "bool",
    unicode: "str",
  };
  for (const [key, type] of Object.entries(types)) {
    const m = enc(doc[key]);
    assert.ok(m, `${key} is encrypted: ${doc[key]}`);
    assert.equal(decodeBase64(m[2]).length, 32, `${key}: 32-byte IV`);
    assert.equal(decodeBase64(m[3]).length, 16, `${key}: 16-byte tag`);
    assert.equal(m[4], type, key);
  }
  // Booleans are encrypted as True/False: 4 and 5 bytes of ciphertext.
  assert.equal(decodeBase64(enc(doc.enabled)![1]).length, 4);
  assert.equal(decodeBase64(enc(doc.disabled)![1]).length, 5);
  assert.equal(doc.empty, "", "empty strings stay as they are");
  assert.equal(doc.nothing, null, "nulls stay as they are");
  assert.equal(doc.note_unencrypted, "visible", "the unencrypted suffix is honoured");
  assert.ok(enc(doc.list[0]) && enc(doc.list[2].deep), "list items are encrypted");
  assert.equal(doc.sops.unencrypted_suffix, "_unencrypted");
  assert.match(doc.sops.lastmodified, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
  assert.ok(enc(doc.sops.mac), "the MAC is encrypted");
  assert.equal(doc.sops.age.length, 1);
  assert.equal(doc.sops.age[0].recipient, alice.recipient);
  assert.match(
    doc.sops.age[0].enc,
    /^-----BEGIN AGE ENCRYPTED FILE-----\n[\s\S]+\n-----END AGE ENCRYPTED FILE-----\n$/,
  );
});

Deno.test("sops: each encryption uses a fresh data key and fresh IVs", async () => {
  const a = parseSops(await encryptSops(sample(), { recipients: [alice.recipient] }));
  const b = parseSops(await encryptSops(sample(), { recipients: [alice.recipient] }));
  assert.notEqual(a.tree.get("port"), b.tree.get("port"));
  // A value moved from one document into the other fails: the data keys differ.
  const mixed = await encryptSops(sample(), { recipients: [alice.recipient] });
  const foreign = String(a.tree.get("unicode"));
  const own = String(parseSops(mixed).tree.get("unicode"));
  await assert.rejects(
    decryptSops(mixed.replace(own, foreign), [alice.identity]),
    /value at unicode failed authentication/,
  );
});

Deno.test("sops: every recipient can decrypt, and nobody else", async () => {
  const text = await encryptSops(sample(), { recipients: [alice.recipient, bob.recipient] });
  assert.deepEqual(await decryptSops(text, [alice.identity]), sample());
  assert.deepEqual(await decryptSops(text, [bob.identity]), sample());
  const stranger = await newAgeKeyPair();
  await assert.rejects(decryptSops(text, [stranger.identity]), (e: SopsError) => {
    assert.equal(e.kind, "no-key");
    assert.match(e.message, /none of the given identities is a recipient/);
    return true;
  });
});

/** Replaces the first match of `pattern` in the line that starts with `prefix`. */
function tamperLine(text: string, prefix: RegExp, edit: (line: string) => string): string {
  const lines = text.split("\n");
  const i = lines.findIndex((l) => prefix.test(l));
  assert.ok(i >= 0, `line ${prefix} exists`);
  const edited = edit(lines[i]);
  assert.notEqual(edited, lines[i], "the tampering changes the line");
  lines[i] = edited;
  return lines.join("\n");
}

/** Flips one base64 character of the data: part of an ENC value. */
function flipData(line: string): string {
  return line.replace(/data:(.)/, (_, c) => `data:${c === "A" ? "B" : "A"}`);
}

Deno.test("sops: tampering with a value, the MAC or the metadata fails with a clear error", async () => {
  const text = await encryptSops(sample(), { recipients: [alice.recipient] });
  const cases: [string, string, RegExp][] = [
    [
      "a value's ciphertext",
      tamperLine(text, /^ {4}password:/, flipData),
      /value at postgres\.password failed authentication/,
    ],
    [
      "a value moved to another key",
      (() => {
        const doc = parseSops(text).tree;
        return tamperLine(
          text,
          /^ {4}role:/,
          () => `    role: ${(doc.get("postgres") as SopsMap).get("password")}`,
        );
      })(),
      /value at postgres\.role failed authentication/,
    ],
    ["the MAC", tamperLine(text, /^ {4}mac:/, flipData), /sops\.mac failed authentication/],
    [
      "lastmodified",
      tamperLine(
        text,
        /^ {4}lastmodified:/,
        (l) => l.replace(/:(\d\d)Z/, (_, s) => `:${s === "00" ? "01" : "00"}Z`),
      ),
      /sops\.mac failed authentication/,
    ],
    [
      "the wrapped data key",
      tamperLine(
        text,
        /^ {14}[A-Za-z0-9+/]{64}$/,
        (l) => l.replace(/.$/, (c) => c === "A" ? "B" : "A"),
      ),
      /cannot unwrap the data key/,
    ],
    [
      "a recipient label",
      tamperLine(text, /^ {10}recipient:/, () => `          recipient: ${bob.recipient}`),
      /opens with another identity \(label edited\)/,
    ],
    [
      "unencrypted_suffix",
      tamperLine(text, /^ {4}unencrypted_suffix:/, () => "    unencrypted_suffix: _plain"),
      /note_unencrypted is not a SOPS-encrypted value/,
    ],
    [
      "an unencrypted value",
      tamperLine(text, /^note_unencrypted:/, () => "note_unencrypted: changed"),
      /MAC mismatch/,
    ],
    ["a removed value", tamperLine(text, /^enabled:/, () => "enabled: null"), /MAC mismatch/],
    [
      "a plaintext value in place of a ciphertext",
      tamperLine(text, /^ {4}password:/, () => "    password: hunter2"),
      /postgres\.password is not a SOPS-encrypted value/,
    ],
    [
      "an emptied value",
      tamperLine(text, /^ {4}password:/, () => `    password: ""`),
      /MAC mismatch/,
    ],
  ];
  for (const [what, tampered, expected] of cases) {
    await assert.rejects(decryptSops(tampered, [alice.identity]), (e: Error) => {
      assert.ok(e instanceof SopsError, `${what}: ${e}`);
      assert.match(e.message, expected, what);
      assert.ok(!e.message.includes(SECRET), `${what}: the error holds no plaintext`);
      return true;
    }, what);
  }
  assert.deepEqual(await decryptSops(text, [alice.identity]), sample(), "the original still reads");
});

Deno.test("sops: documents that are not SOPS, or use unsupported features, are refused", async () => {
  const text = await encryptSops(sample(), { recipients: [alice.recipient] });
  const refusals: [string, RegExp][] = [
    ["a: 1\n", /no `sops` metadata/],
    ["- a\n", /mapping at the top level/],
    ["a: [1\n", /not valid YAML/],
    [
      text.replace(/ {4}age:[\s\S]*?(?= {4}lastmodified)/, "    age: []\n"),
      /not wrapped to any age recipient/,
    ],
    [
      text.replace("    unencrypted_suffix: _unencrypted", "    encrypted_regex: ^pass"),
      /encrypted_regex is not supported/,
    ],
    [text.replace(/ {4}mac: .*\n/, ""), /sops\.mac is missing/],
    [`a: &x [1]\nb: *x\n${text.slice(text.indexOf("sops:"))}`, /unreadable YAML: .*alias/i],
    [`a: 1\na: 2\n${text.slice(text.indexOf("sops:"))}`, /not valid YAML: Map keys must be unique/],
  ];
  for (const [doc, expected] of refusals) {
    await assert.rejects(decryptSops(doc, [alice.identity]), expected);
  }
});

Deno.test("sops: floats are written as Go's FormatFloat(x, 'f', -1, 64)", () => {
  const cases: [number, string][] = [
    [0.25, "0.25"],
    [2, "2"],
    [1e21, "1000000000000000000000"],
    [1.5e-7, "0.00000015"],
    [-3.25e-10, "-0.000000000325"],
    [123456789.125, "123456789.125"],
    [-0, "-0"],
    [Infinity, "+Inf"],
    [-Infinity, "-Inf"],
    [NaN, "NaN"],
  ];
  for (const [x, text] of cases) assert.equal(formatGoFloat(x), text, String(x));
});

const keyArbitrary = fc.string({ minLength: 1, maxLength: 12 }).filter((k) => k !== "sops");
const leafArbitrary: fc.Arbitrary<SopsValue> = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
  fc.double({ noNaN: true }),
  fc.boolean(),
  fc.constant(null),
);
const { tree: treeArbitrary } = fc.letrec<{ tree: SopsMap; value: SopsValue }>((tie) => ({
  tree: fc.uniqueArray(fc.tuple(keyArbitrary, tie("value")), {
    selector: ([k]) => k,
    maxLength: 5,
  }).map((entries) => new Map(entries)),
  value: fc.oneof(
    { depthSize: "small", withCrossShrink: true },
    leafArbitrary,
    tie("tree"),
    fc.array(tie("value"), { maxLength: 3 }),
  ),
}));

Deno.test("sops: any tree of strings, ints, floats, bools, nulls, maps and lists round-trips", async () => {
  await fc.assert(
    fc.asyncProperty(treeArbitrary, async (tree) => {
      const text = await encryptSops(tree, { recipients: [alice.recipient] });
      assert.deepEqual(await decryptSops(text, [alice.identity]), tree);
    }),
    { numRuns: 60 },
  );
});

Deno.test("sops: sopsMapOf turns plain objects into the Map form", () => {
  assert.deepEqual(
    sopsMapOf({ a: { b: [1n, "x"] }, c: null }),
    new Map<string, SopsValue>([["a", new Map([["b", [1n, "x"]]])], ["c", null]]),
  );
});
