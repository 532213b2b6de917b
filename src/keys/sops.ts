/**
 * SOPS documents (YAML, age recipients), written and read the way the `sops` binary does
 * (checked against sops 3.13.3 in sops_interop_test.ts):
 *
 * - every leaf value is `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`: AES-256-GCM under one
 *   random 32-byte data key, a fresh 32-byte IV per value, the 16-byte tag apart, and the
 *   key path joined by `:` plus a trailing `:` as additional data (list indices are not
 *   part of the path). Empty strings and nulls are left as they are;
 * - a value under a key ending in `unencrypted_suffix` stays plaintext (but is in the MAC);
 * - the MAC is SHA-512 over the text of every non-null leaf in document order, as
 *   uppercase hex, itself encrypted with `lastmodified` as additional data;
 * - `sops.age` wraps the data key (raw 32 bytes) to each recipient as an armored age file.
 *
 * Plaintext trees are Maps (document order is part of the MAC, and plain objects reorder
 * integer-like keys); ints are bigint and floats are number, so that each keeps its SOPS
 * type through a round trip.
 */
import { gcm } from "@noble/ciphers/aes.js";
import { sha512 } from "@noble/hashes/sha2.js";
import { Document, parseDocument, visit } from "yaml";
import { decodeBase64, encodeBase64, encodeHex, isoSeconds, utf8 } from "../encoding.ts";
import { AgeDecryptError, decryptArmored, encryptArmored, recipientOf } from "./age.ts";

export type SopsScalar = string | bigint | number | boolean | null;
export type SopsValue = SopsScalar | SopsValue[] | SopsMap;
export type SopsMap = Map<string, SopsValue>;

/** The SOPS release whose format this module writes and is tested against. */
export const SOPS_FORMAT_VERSION = "3.13.3";
export const DEFAULT_UNENCRYPTED_SUFFIX = "_unencrypted";

const DATA_KEY_BYTES = 32;
const IV_BYTES = 32;
const TAG_BYTES = 16;
const ENC_PATTERN = /^ENC\[AES256_GCM,data:(.*),iv:(.+),tag:(.+),type:(.+)\]$/;

export type SopsErrorKind = "format" | "unsupported" | "no-key" | "tampered";

/** Why a document could not be read; never carries a plaintext or key. */
export class SopsError extends Error {
  constructor(readonly kind: SopsErrorKind, message: string) {
    super(message);
    this.name = "SopsError";
  }
}

export interface SopsAgeEntry {
  recipient: string;
  /** Armored age file holding the raw data key. */
  enc: string;
}

export interface SopsMetadata {
  age: SopsAgeEntry[];
  lastModified: string;
  /** The encrypted MAC, `ENC[…]`. */
  mac: string;
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  macOnlyEncrypted: boolean;
  version: string;
}

export interface EncryptOptions {
  /** Wraps the data key; at least one. */
  recipients: readonly string[];
  /** Default: now. Written with whole seconds, as sops does. */
  lastModified?: Date;
  unencryptedSuffix?: string;
}

/** Encrypts a tree into a SOPS YAML document under a fresh random data key. */
export async function encryptSops(tree: SopsMap, options: EncryptOptions): Promise<string> {
  if (options.recipients.length === 0) {
    throw new SopsError("format", "a SOPS document needs at least one age recipient");
  }
  const dataKey = crypto.getRandomValues(new Uint8Array(DATA_KEY_BYTES));
  const suffix = options.unencryptedSuffix ?? DEFAULT_UNENCRYPTED_SUFFIX;
  const rules: SelectionRules = { unencryptedSuffix: suffix, macOnlyEncrypted: false };
  const hash = sha512.create();
  const encrypted = mapTree(tree, [], (value, path) => {
    hash.update(utf8.encode(leafText(value)));
    return shouldEncrypt(path, rules) ? encryptValue(value, dataKey, additionalData(path)) : value;
  });
  const lastModified = isoSeconds(options.lastModified ?? new Date());
  const mac = encryptValue(encodeHex(hash.digest()).toUpperCase(), dataKey, lastModified);
  const age: SopsAgeEntry[] = [];
  for (const recipient of options.recipients) {
    age.push({ recipient, enc: await encryptArmored(dataKey, [recipient]) });
  }
  dataKey.fill(0);
  return renderYaml(encrypted, { age, lastModified, mac, unencryptedSuffix: suffix });
}

/** Reads and decrypts a SOPS YAML document with any of `identities`; checks the MAC. */
export async function decryptSops(text: string, identities: readonly string[]): Promise<SopsMap> {
  const { tree, metadata } = parseSops(text);
  const dataKey = await unwrapDataKey(metadata, identities);
  try {
    return decryptTree(tree, metadata, dataKey);
  } finally {
    dataKey.fill(0);
  }
}

/** Splits a SOPS YAML document into its (still encrypted) tree and its metadata. */
export function parseSops(text: string): { tree: SopsMap; metadata: SopsMetadata } {
  const doc = parseDocument(text, { intAsBigInt: true, uniqueKeys: true, prettyErrors: false });
  if (doc.errors.length > 0) {
    throw new SopsError("format", `not valid YAML: ${doc.errors[0].message.split("\n")[0]}`);
  }
  let root: unknown;
  try {
    // No aliases: a secrets document has no use for them, and they can expand without bound.
    root = doc.toJS({ mapAsMap: true, maxAliasCount: 0 });
  } catch (error) {
    throw new SopsError(
      "format",
      `unreadable YAML: ${error instanceof Error ? error.message : error}`,
    );
  }
  if (!(root instanceof Map)) {
    throw new SopsError("format", "a SOPS YAML document is a mapping at the top level");
  }
  const tree = normaliseKeys(root) as SopsMap;
  const sops = tree.get("sops");
  if (!(sops instanceof Map)) {
    throw new SopsError("format", "no `sops` metadata: the document is not SOPS-encrypted");
  }
  tree.delete("sops");
  return { tree, metadata: readMetadata(sops) };
}

function readMetadata(sops: SopsMap): SopsMetadata {
  for (const key of ["key_groups", "shamir_threshold"]) {
    if (sops.has(key)) {
      throw new SopsError("unsupported", `SOPS key groups (sops.${key}) are not supported`);
    }
  }
  for (const key of ["encrypted_regex", "unencrypted_regex", "encrypted_comment_regex"]) {
    if (typeof sops.get(key) === "string" && sops.get(key) !== "") {
      throw new SopsError(
        "unsupported",
        `sops.${key} is not supported (Go and JavaScript regular expressions differ); use unencrypted_suffix`,
      );
    }
  }
  const text = (key: string, required: boolean): string | undefined => {
    const value = sops.get(key);
    if (value === undefined || value === null || value === "") {
      if (required) throw new SopsError("format", `sops.${key} is missing`);
      return undefined;
    }
    if (typeof value !== "string") throw new SopsError("format", `sops.${key} must be a string`);
    return value;
  };
  const ageList = sops.get("age");
  if (!Array.isArray(ageList) || ageList.length === 0) {
    throw new SopsError(
      "unsupported",
      "the data key is not wrapped to any age recipient (sops.age is empty); Bulkhead reads age only",
    );
  }
  const age = ageList.map((entry, i) => {
    if (!(entry instanceof Map)) throw new SopsError("format", `sops.age[${i}] must be a mapping`);
    const recipient = entry.get("recipient");
    const enc = entry.get("enc");
    if (typeof recipient !== "string" || typeof enc !== "string") {
      throw new SopsError("format", `sops.age[${i}] needs a recipient and an enc`);
    }
    return { recipient, enc };
  });
  const unencryptedSuffix = text("unencrypted_suffix", false);
  const encryptedSuffix = text("encrypted_suffix", false);
  return {
    age,
    lastModified: text("lastmodified", true)!,
    mac: text("mac", true)!,
    unencryptedSuffix,
    encryptedSuffix,
    macOnlyEncrypted: sops.get("mac_only_encrypted") === true,
    version: text("version", false) ?? "",
  };
}

async function unwrapDataKey(
  metadata: SopsMetadata,
  identities: readonly string[],
): Promise<Uint8Array> {
  const damaged: string[] = [];
  // The recipient labels are outside the MAC; a label that is not the recipient of the
  // identity that opened its entry has been edited (sops itself never checks them).
  const ours = new Set(await Promise.all(identities.map((i) => recipientOf(i).catch(() => ""))));
  for (const entry of metadata.age) {
    try {
      const key = await decryptArmored(entry.enc, identities);
      if (key.length !== DATA_KEY_BYTES) {
        damaged.push(`${entry.recipient}: data key is ${key.length} bytes, not 32`);
        continue;
      }
      if (!ours.has(entry.recipient.toLowerCase())) {
        damaged.push(`${entry.recipient}: the entry opens with another identity (label edited)`);
        continue;
      }
      return key;
    } catch (error) {
      if (error instanceof AgeDecryptError && error.kind === "no-match") continue;
      damaged.push(`${entry.recipient}: ${error instanceof Error ? error.message : error}`);
    }
  }
  if (damaged.length > 0) {
    throw new SopsError("tampered", `cannot unwrap the data key: ${damaged.join("; ")}`);
  }
  throw new SopsError(
    "no-key",
    `none of the given identities is a recipient of this document (recipients: ${
      metadata.age.map((a) => a.recipient).join(", ")
    })`,
  );
}

interface SelectionRules {
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  macOnlyEncrypted: boolean;
}

/** sops' rule: a suffix on any key of the path decides, encrypted_suffix winning. */
function shouldEncrypt(path: readonly string[], rules: SelectionRules): boolean {
  let encrypt = true;
  if (rules.unencryptedSuffix && path.some((k) => k.endsWith(rules.unencryptedSuffix!))) {
    encrypt = false;
  }
  if (rules.encryptedSuffix) encrypt = path.some((k) => k.endsWith(rules.encryptedSuffix!));
  return encrypt;
}

/** The first 32 bytes sops feeds the MAC when mac_only_encrypted is on. */
const MAC_ONLY_ENCRYPTED_INIT = new Uint8Array([
  0x8a,
  0x3f,
  0xd2,
  0xad,
  0x54,
  0xce,
  0x66,
  0x52,
  0x7b,
  0x10,
  0x34,
  0xf3,
  0xd1,
  0x47,
  0xbe,
  0x0b,
  0x0b,
  0x97,
  0x5b,
  0x3b,
  0xf4,
  0x4f,
  0x72,
  0xc6,
  0xfd,
  0xad,
  0xec,
  0x81,
  0x76,
  0xf2,
  0x7d,
  0x69,
]);

function decryptTree(tree: SopsMap, metadata: SopsMetadata, dataKey: Uint8Array): SopsMap {
  const rules: SelectionRules = metadata;
  const hash = sha512.create();
  if (rules.macOnlyEncrypted) hash.update(MAC_ONLY_ENCRYPTED_INIT);
  const plain = mapTree(tree, [], (value, path) => {
    const encrypted = shouldEncrypt(path, rules);
    let result = value;
    if (encrypted) {
      if (typeof value !== "string") {
        throw new SopsError(
          "tampered",
          `the value at ${pathLabel(path)} is not encrypted although it should be`,
        );
      }
      result = decryptValue(value, dataKey, additionalData(path), pathLabel(path));
    }
    if (!rules.macOnlyEncrypted || encrypted) hash.update(utf8.encode(leafText(result)));
    return result;
  }) as SopsMap;
  const computed = encodeHex(hash.digest()).toUpperCase();
  const stored = decryptValue(metadata.mac, dataKey, metadata.lastModified, "sops.mac");
  if (typeof stored !== "string" || stored !== computed) {
    throw new SopsError(
      "tampered",
      "MAC mismatch: the document's values do not match its MAC (it was modified)",
    );
  }
  return plain;
}

/** Applies `leaf` to every non-null scalar, keeping structure and order. */
function mapTree(
  value: SopsValue,
  path: string[],
  leaf: (value: Exclude<SopsScalar, null>, path: string[]) => SopsValue,
): SopsValue {
  if (value === null) return null;
  if (value instanceof Map) {
    const out: SopsMap = new Map();
    for (const [k, v] of value) out.set(k, mapTree(v, [...path, k], leaf));
    return out;
  }
  if (Array.isArray(value)) return value.map((v) => mapTree(v, path, leaf));
  return leaf(value, path);
}

function additionalData(path: readonly string[]): string {
  return path.join(":") + ":";
}

function pathLabel(path: readonly string[]): string {
  return path.length === 0 ? "(top level)" : path.join(".");
}

type Leaf = Exclude<SopsScalar, null>;

/** The text of a value as sops hashes and encrypts it (Go's formatting). */
function leafText(value: Leaf): string {
  if (typeof value === "string") return value;
  if (typeof value === "bigint") return value.toString();
  if (typeof value === "boolean") return value ? "True" : "False";
  return formatGoFloat(value);
}

function leafType(value: Leaf): string {
  if (typeof value === "string") return "str";
  if (typeof value === "bigint") return "int";
  if (typeof value === "boolean") return "bool";
  return "float";
}

function encryptValue(value: Leaf, dataKey: Uint8Array, aad: string): string {
  if (value === "") return "";
  const iv = crypto.getRandomValues(new Uint8Array(IV_BYTES));
  const sealed = gcm(dataKey, iv, utf8.encode(aad)).encrypt(utf8.encode(leafText(value)));
  const data = sealed.subarray(0, sealed.length - TAG_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  return `ENC[AES256_GCM,data:${encodeBase64(data)},iv:${encodeBase64(iv)},tag:${
    encodeBase64(tag)
  },type:${leafType(value)}]`;
}

function decryptValue(text: string, dataKey: Uint8Array, aad: string, where: string): Leaf {
  if (text === "") return "";
  const match = ENC_PATTERN.exec(text);
  if (!match) {
    throw new SopsError("tampered", `the value at ${where} is not a SOPS-encrypted value`);
  }
  const [, data, iv, tag, type] = match;
  let plain: Uint8Array;
  try {
    const sealed = concat(decodeBase64(data), decodeBase64(tag));
    plain = gcm(dataKey, decodeBase64(iv), utf8.encode(aad)).decrypt(sealed);
  } catch {
    throw new SopsError(
      "tampered",
      `the value at ${where} failed authentication (modified, moved, or under another data key)`,
    );
  }
  const text2 = utf8.decode(plain);
  switch (type) {
    case "str":
    case "bytes":
    // Times come back as their RFC 3339 text: Bulkhead documents hold no times.
    case "time":
      return text2;
    case "int":
      if (!/^[+-]?\d+$/.test(text2)) break;
      return BigInt(text2);
    case "float": {
      const float = parseGoFloat(text2);
      if (float === undefined) break;
      return float;
    }
    case "bool": {
      const bool = parseGoBool(text2);
      if (bool === undefined) break;
      return bool;
    }
    default:
      throw new SopsError("format", `the value at ${where} has an unknown SOPS type "${type}"`);
  }
  throw new SopsError("format", `the value at ${where} is not a valid ${type}`);
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

/** Go's strconv.FormatFloat(x, 'f', -1, 64): shortest round-trip digits, never an exponent. */
export function formatGoFloat(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (x === Infinity) return "+Inf";
  if (x === -Infinity) return "-Inf";
  if (Object.is(x, -0)) return "-0";
  const text = String(x);
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const [, sign, whole, fraction = "", exponent] = m;
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `${sign}0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + "0".repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function parseGoFloat(text: string): number | undefined {
  const special: Record<string, number> = {
    "inf": Infinity,
    "+inf": Infinity,
    "infinity": Infinity,
    "+infinity": Infinity,
    "-inf": -Infinity,
    "-infinity": -Infinity,
    "nan": NaN,
  };
  if (text.toLowerCase() in special) return special[text.toLowerCase()];
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function parseGoBool(text: string): boolean | undefined {
  if (["1", "t", "T", "TRUE", "true", "True"].includes(text)) return true;
  if (["0", "f", "F", "FALSE", "false", "False"].includes(text)) return false;
  return undefined;
}

/** Map keys as strings (YAML allows int keys; sops joins paths of strings). */
function normaliseKeys(value: unknown): SopsValue {
  if (value instanceof Map) {
    const out: SopsMap = new Map();
    for (const [k, v] of value) out.set(String(k), normaliseKeys(v));
    return out;
  }
  if (Array.isArray(value)) return value.map(normaliseKeys);
  if (value instanceof Date) return value.toISOString();
  if (
    value === null || typeof value === "string" || typeof value === "bigint" ||
    typeof value === "number" || typeof value === "boolean"
  ) {
    return value;
  }
  throw new SopsError("format", `unsupported YAML value of type ${typeof value}`);
}

// Plain strings the Go YAML decoder (yaml.v3) would read as timestamps must be quoted,
// or sops would hash them as times and report a MAC mismatch.
const LOOKS_LIKE_TIMESTAMP = /^\d{4}-\d{1,2}-\d{1,2}([Tt ].*)?$/;

function renderYaml(
  tree: SopsValue,
  meta: { age: SopsAgeEntry[]; lastModified: string; mac: string; unencryptedSuffix: string },
): string {
  const root = new Map(tree as SopsMap);
  // Keys in the order sops writes them (sorted), so diffs against sops' own output are small.
  root.set(
    "sops",
    new Map<string, SopsValue>([
      ["age", meta.age.map((a) => new Map([["enc", a.enc], ["recipient", a.recipient]]))],
      ["lastmodified", meta.lastModified],
      ["mac", meta.mac],
      ["unencrypted_suffix", meta.unencryptedSuffix],
      ["version", SOPS_FORMAT_VERSION],
    ]),
  );
  const doc = new Document(root);
  visit(doc, {
    Scalar(_, node) {
      if (typeof node.value === "number" && Number.isInteger(node.value)) {
        node.minFractionDigits = 1; // a float that happens to be whole stays a float
      }
      if (typeof node.value === "string" && LOOKS_LIKE_TIMESTAMP.test(node.value)) {
        node.type = "QUOTE_DOUBLE";
      }
    },
  });
  return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0, blockQuote: "literal" });
}

/** Converts a plain object tree to the Map form (tests and callers with literals). */
export function sopsMapOf(value: Record<string, unknown>): SopsMap {
  return toSops(value) as SopsMap;
}

function toSops(value: unknown): SopsValue {
  if (Array.isArray(value)) return value.map(toSops);
  if (value !== null && typeof value === "object" && !(value instanceof Map)) {
    return new Map(Object.entries(value).map(([k, v]) => [k, toSops(v)]));
  }
  return normaliseKeys(value);
}

/** Converts the Map form back to plain objects (for display and tests). */
export function plainOf(value: SopsValue): unknown {
  if (value instanceof Map) {
    return Object.fromEntries([...value].map(([k, v]) => [k, plainOf(v)]));
  }
  if (Array.isArray(value)) return value.map(plainOf);
  return value;
}
