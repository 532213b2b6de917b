/**
 * Names the MinIO probes aim with: object keys with quoting, wildcards, encodings and
 * unicode; paths that try to climb from the tenant's own bucket into another's; bucket
 * names that look like the tenant's own. Pure (fast-check arbitraries and string
 * functions), so the generators are unit-tested without a server.
 */
import fc from "fast-check";
import { uriEncode } from "./sigv4.ts";

/** Characters and sequences that mean something to a path, a query, a pattern or XML. */
const AWKWARD = [
  "*",
  "?",
  "%",
  "%2F",
  "%2e%2e",
  "%00",
  "+",
  " ",
  "#",
  "&",
  "=",
  ";",
  "'",
  '"',
  "<",
  ">",
  "\\",
  "~",
  "$",
  "{",
  "}",
  "[",
  "]",
  "|",
  "^",
  "`",
  "!",
  "@",
  ",",
  ":",
  "...",
  "-",
  "_",
];

/** Unicode that trips normalisation, case folding, width and direction handling. */
const UNICODE = [
  "é",
  "e\u0301", // e + combining acute: the NFD twin of é
  "ß",
  "İ",
  "ﬁ",
  "日本",
  "\u{1F600}",
  "\u200B", // zero-width space
  "\u202E", // right-to-left override
  "\uFF0F", // fullwidth solidus
  "\u2215", // division slash
  "\uFF0E\uFF0E", // fullwidth dots
  "\u00A0",
];

const WORD = fc.stringMatching(/^[a-z0-9]{1,8}$/);
const PIECE = fc.oneof(
  { weight: 4, arbitrary: WORD },
  { weight: 2, arbitrary: fc.constantFrom(...AWKWARD) },
  { weight: 2, arbitrary: fc.constantFrom(...UNICODE) },
);

/** `.` and `..` segments: MinIO refuses them before any access check (path tricks only). */
export function hasDotSegment(key: string): boolean {
  return key.split(/[/\\]/).some((s) => s.trim() === "." || s.trim() === "..");
}

/**
 * An object key as a workload might name one, with awkward characters: never empty,
 * no leading slash, no `.`/`..` segment, at most 200 bytes.
 */
export function objectKey(): fc.Arbitrary<string> {
  const segment = fc.array(PIECE, { minLength: 1, maxLength: 4 }).map((p) => p.join(""));
  return fc.array(segment, { minLength: 1, maxLength: 3 })
    .map((segments) => segments.join("/"))
    .filter((key) =>
      key.trim() !== "" && !key.startsWith("/") && !hasDotSegment(key) &&
      new TextEncoder().encode(key).length <= 200
    );
}

/** Every way a path can try to climb out of `own` into `other`'s bucket. */
export const PATH_TRICKS = [
  "dot-dot",
  "encoded-dot-dot",
  "encoded-slashes",
  "encoded-bucket-slash",
  "dot-then-dot-dot",
  "backslashes",
  "double-slash",
  "joined-by-encoded-slash",
  "fullwidth-solidus",
  "trailing-dot-dot",
] as const;
export type PathTrick = (typeof PATH_TRICKS)[number];

/**
 * The path as sent for a trick aimed from `own` at `key` in `other`. Keys are encoded
 * as usual; the trick's own characters are sent as they are.
 */
export function trickPath(trick: PathTrick, own: string, other: string, key: string): string {
  const k = uriEncode(key, true);
  switch (trick) {
    case "dot-dot":
      return `/${own}/../${other}/${k}`;
    case "encoded-dot-dot":
      return `/${own}/%2e%2e/${other}/${k}`;
    case "encoded-slashes":
      return `/${own}/..%2F${other}%2F${k}`;
    case "encoded-bucket-slash":
      return `/${own}%2F..%2F${other}/${k}`;
    case "dot-then-dot-dot":
      return `/${own}/./../${other}/${k}`;
    case "backslashes":
      return `/${own}/..\\${other}\\${k}`;
    case "double-slash":
      return `//${other}/${k}`;
    case "joined-by-encoded-slash":
      return `/${other}%2F${k}`;
    case "fullwidth-solidus":
      return `/${own}/${uriEncode("\uFF0E\uFF0E\uFF0F")}${other}/${k}`;
    case "trailing-dot-dot":
      return `/${other}/${k}/../../${own}/x`;
  }
}

/** A listing prefix that climbs out of the own bucket (`?prefix=../other/`). */
export function trickPrefix(other: string): string {
  return `../${other}/`;
}

/** Bucket names that are valid but not what they look like. */
export function isValidBucketName(name: string): boolean {
  return /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(name) && !name.includes("..") &&
    !/^\d+\.\d+\.\d+\.\d+$/.test(name) && !name.includes(".-") && !name.includes("-.");
}

/**
 * Names next to `bucket` that are not it: extended (`tenant-a-b`, `tenant-ab`,
 * `tenant-a.b`, `tenant-a0`), shortened (`tenant-`… minus a character) — buckets that
 * would fall under a policy written as a prefix (`tenant-a*`). Only valid names; never
 * `bucket` itself.
 */
export function lookalikeBuckets(bucket: string): string[] {
  const candidates = [
    `${bucket}-b`,
    `${bucket}b`,
    `${bucket}0`,
    `${bucket}.b`,
    `${bucket}-${bucket.slice(-2)}`,
    bucket.slice(0, -1),
    `${bucket.slice(0, -1)}x`,
    `x${bucket.slice(1)}`,
  ];
  return [...new Set(candidates)].filter((n) => n !== bucket && isValidBucketName(n));
}

/**
 * Names with pattern characters where a bucket name goes (refused as invalid), built
 * from the tenant's own name so that a per-tenant report names no other tenant.
 */
export function wildcardBuckets(own: string): string[] {
  const prefix = own.slice(0, own.indexOf("-") + 1);
  return [`${prefix}*`, `${own.slice(0, -1)}?`, "*", `${own}%2A`];
}
