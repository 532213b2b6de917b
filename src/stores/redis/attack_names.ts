/**
 * Names the probes aim with: another tenant's keys and channels, names that look like
 * the attacker's own prefix but are not inside it, and the attacker's own names for
 * positive controls. All are byte strings (one character per byte, see resp.ts), so
 * binary and invalid UTF-8 names travel as plain JSON.
 *
 * Redis names have no structure: `tenant:b:../../tenant:a:x` is simply one of b's keys.
 * What confines a tenant is its key pattern `~tenant:<id>:*` and channel pattern
 * `&tenant:<id>:*`, so the tricks that matter are in what precedes the delimiter: glob
 * characters, case, look-alike ids (`t1` vs `t10`), encodings, other delimiters.
 */
import fc from "fast-check";
import { byteString } from "./resp.ts";

/** Name endings that stress quoting, globbing, paths and encodings. */
export const TRICKY_SUFFIXES: readonly string[] = [
  "",
  "k",
  "*",
  "?",
  "[a-z]*",
  "\\*",
  "{tag}",
  "..",
  "../",
  "../../",
  "/etc/passwd",
  '"',
  "'",
  " ",
  "\r\n",
  "\t",
  "\x00",
  "%2A",
  "%00",
  byteString("é"),
  "\xff\xfe",
  "\xc0\xaf",
  byteString("ｋ"),
  "x".repeat(300),
];

const byteChars = fc.integer({ min: 0, max: 255 }).map((b) => String.fromCharCode(b));

/** Random endings: the tricky ones, random printable text and random bytes. */
export const nameSuffix: fc.Arbitrary<string> = fc.oneof(
  { arbitrary: fc.constantFrom(...TRICKY_SUFFIXES), weight: 3 },
  { arbitrary: fc.string({ unit: "grapheme-ascii", maxLength: 12 }), weight: 1 },
  { arbitrary: fc.string({ unit: byteChars, maxLength: 12 }), weight: 1 },
);

/** Names under `prefix` (a tenant's key or channel prefix, ending with its delimiter). */
export function namesUnder(prefix: string): fc.Arbitrary<string> {
  return nameSuffix.map((suffix) => prefix + suffix);
}

/**
 * Prefixes that look like the tenant's own `prefix` (`tenant:<id>:`) without being
 * inside it: other ids that start or end like it, other case, other delimiters and
 * encodings of the delimiter, glob characters in the name itself.
 */
export function lookAlikePrefixes(prefix: string): string[] {
  const match = /^([^:]*):(.*):$/.exec(prefix);
  if (!match) throw new Error(`not a tenant prefix: ${prefix}`);
  const [, root, id] = match;
  const candidates = [
    `${root}:${id}0:`,
    `${root}:${id}-x:`,
    `${root}:${id}x:`,
    `${root}:${id}_:`,
    `${root}:${id}`,
    `${root}:${id.slice(0, -1)}:`,
    `${root}:x${id}:`,
    `${root}:${id.toUpperCase()}:`,
    `${root[0].toUpperCase()}${root.slice(1)}:${id}:`,
    `${root.toUpperCase()}:${id}:`,
    ` ${root}:${id}:`,
    `${root}:${id}\x00:`,
    `${root}\x00:${id}:`,
    `${root}%3A${id}%3A`,
    `${root}:${id}%3A`,
    byteString(`${root}:${id}：`),
    byteString(`${root}：${id}：`),
    `${root}:${id}/`,
    `${root}/${id}/`,
    `${root};${id}:`,
    `${root}.${id}.`,
    `${root}::${id}:`,
    `${root}:../${id}:`,
    `${root}:*:`,
    `${root}:?${id.slice(1)}:`,
    `${root}:[${id[0]}]${id.slice(1)}:`,
    `${root}:${id}*`,
    `${root}:*`,
    "*",
  ];
  return [...new Set(candidates)].filter((p) => p !== prefix && !p.startsWith(prefix));
}

/** Names outside `prefix` that look like it; never a name inside it. */
export function lookAlikeNames(prefix: string): fc.Arbitrary<string> {
  return fc.constantFrom(...lookAlikePrefixes(prefix)).chain((p) =>
    nameSuffix.map((suffix) => p + suffix)
  ).filter((name) => !name.startsWith(prefix));
}

/**
 * PSUBSCRIBE patterns that would match channels under `victimPrefix` (the server
 * compares patterns with the user's channel patterns literally, so each must be refused).
 */
export function widePatterns(victimPrefix: string): string[] {
  const root = victimPrefix.slice(0, victimPrefix.indexOf(":"));
  return [
    "*",
    `${root[0]}*`,
    `${root}:*`,
    `${root}:?*`,
    `${root}:[a-z]*`,
    `${victimPrefix}*`,
    `${victimPrefix.slice(0, -1)}*`,
    `*${victimPrefix.slice(root.length)}*`,
    `${victimPrefix}[a-z]*`,
  ];
}
