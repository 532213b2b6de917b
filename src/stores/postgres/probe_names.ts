/**
 * Arguments the probes aim at a victim: spellings of its names that the server resolves
 * to the very same object (quoted, case-folded, `U&` escapes, comments around the dot,
 * string literals in every quoting style), hostile names for objects that need not exist
 * (quotes, `"; DROP …`, unicode, look-alikes, over-long), file paths with traversal
 * tricks, and password guesses. An attack must name an object that exists, or the
 * server answers "does not exist" — which is no refusal and would count as an error.
 */
import fc from "fast-check";
import { quoteIdent } from "./sql_text.ts";

/** A name that may stand unquoted (the server folds only ASCII upper case). */
const PLAIN_IDENTIFIER = /^[a-z_][a-z0-9_$]*$/;

export function isPlainIdentifier(name: string, keywords: ReadonlySet<string>): boolean {
  return PLAIN_IDENTIFIER.test(name) && !keywords.has(name);
}

function hex(codePoint: number, digits: number): string {
  return codePoint.toString(16).toUpperCase().padStart(digits, "0");
}

/**
 * `U&"…"` or `U&'…'` with the chosen code points written as escapes (`\XXXX`, or
 * `\+XXXXXX` above U+FFFF), the escape character itself doubled, and an optional
 * UESCAPE clause. `quote` is `"` for identifiers, `'` for literals.
 */
export function unicodeEscaped(
  text: string,
  escapeMask: readonly boolean[],
  escapeChar: string,
  quote: '"' | "'",
): string {
  const body = [...text].map((ch, i) => {
    const cp = ch.codePointAt(0)!;
    if (escapeMask[i % Math.max(escapeMask.length, 1)]) {
      return cp > 0xffff ? `${escapeChar}+${hex(cp, 6)}` : `${escapeChar}${hex(cp, 4)}`;
    }
    if (ch === escapeChar) return escapeChar + escapeChar;
    if (ch === quote) return quote + quote;
    return ch;
  }).join("");
  const clause = escapeChar === "\\" ? "" : ` UESCAPE '${escapeChar}'`;
  return `U&${quote}${body}${quote}${clause}`;
}

/** Escape characters UESCAPE accepts (not a hex digit, `+`, a quote or white space). */
const ESCAPE_CHARS = ["\\", "!", "#", "&", "~", "^"];

function escapeMask(text: string): fc.Arbitrary<boolean[]> {
  const n = Math.max([...text].length, 1);
  return fc.array(fc.boolean(), { minLength: n, maxLength: n });
}

/** Spellings of an identifier that the server's parser resolves to exactly `name`. */
export function identifierSpellings(
  name: string,
  keywords: ReadonlySet<string>,
): fc.Arbitrary<string> {
  const spellings: fc.Arbitrary<string>[] = [
    fc.constant(quoteIdent(name)),
    fc.tuple(escapeMask(name), fc.constantFrom(...ESCAPE_CHARS)).map(([mask, esc]) =>
      unicodeEscaped(name, mask, esc, '"')
    ),
  ];
  if (isPlainIdentifier(name, keywords)) {
    spellings.push(
      fc.constant(name),
      fc.constant(name.toUpperCase()),
      escapeMask(name).map((mask) =>
        [...name].map((ch, i) => mask[i] ? ch.toUpperCase() : ch).join("")
      ),
    );
  }
  return fc.oneof(...spellings);
}

/** What may stand between a schema and an object name: the grammar's `.` token. */
export const QUALIFIER_SEPARATORS = [".", " . ", "/* bulkhead */.", "\n.", ".\t"];

/** `schema.object`, each part spelled on its own, separated in one of the ways above. */
export function qualifiedSpellings(
  schema: string,
  object: string,
  keywords: ReadonlySet<string>,
): fc.Arbitrary<string> {
  return fc.tuple(
    identifierSpellings(schema, keywords),
    fc.constantFrom(...QUALIFIER_SEPARATORS),
    identifierSpellings(object, keywords),
  ).map(([s, sep, o]) => `${s}${sep}${o}`);
}

/** String literals whose value is exactly `text`, in every quoting style. */
export function literalSpellings(text: string): fc.Arbitrary<string> {
  const spellings: fc.Arbitrary<string>[] = [
    fc.constant(`'${text.replaceAll("'", "''")}'`),
    escapeMask(text).map((mask) =>
      "E'" + [...text].map((ch, i) => {
        const cp = ch.codePointAt(0)!;
        if (mask[i]) {
          if (cp < 0x80) return `\\x${hex(cp, 2)}`;
          return cp > 0xffff ? `\\U${hex(cp, 8)}` : `\\u${hex(cp, 4)}`;
        }
        if (ch === "\\") return "\\\\";
        if (ch === "'") return "\\'";
        return ch;
      }).join("") + "'"
    ),
    fc.tuple(escapeMask(text), fc.constantFrom(...ESCAPE_CHARS)).map(([mask, esc]) =>
      unicodeEscaped(text, mask, esc, "'")
    ),
  ];
  if (!text.includes("$")) {
    spellings.push(fc.constant(`$$${text}$$`), fc.constant(`$bulkhead$${text}$bulkhead$`));
  }
  return fc.oneof(...spellings);
}

/**
 * Text that `regclass`, `regproc` and friends parse into `schema.object`: their parser
 * folds unquoted names and honours double quotes (but not `U&` or comments), and the
 * text itself can be any literal spelling.
 */
export function lookupLiteralSpellings(
  schema: string,
  object: string,
  keywords: ReadonlySet<string>,
  suffix = "",
): fc.Arbitrary<string> {
  const part = (name: string) =>
    isPlainIdentifier(name, keywords)
      ? fc.constantFrom(name, name.toUpperCase(), quoteIdent(name))
      : fc.constant(quoteIdent(name));
  return fc.tuple(part(schema), part(object))
    .chain(([s, o]) => literalSpellings(`${s}.${o}${suffix}`));
}

/** Names that make parsers and quoting stumble; used where the object need not exist. */
export const NOTORIOUS_NAMES: readonly string[] = [
  '"; DROP TABLE tenants; --',
  "'; SELECT pg_sleep(10); --",
  "Robert'); DROP TABLE students;--",
  'a"b',
  'a""b',
  "a'b",
  "back\\slash",
  " leading and trailing ",
  "MixedCase",
  "ALL",
  "PUBLIC",
  "public",
  "pg_catalog",
  "CURRENT_USER",
  "%",
  "_",
  "*",
  "..",
  "../../etc",
  "tenαnt",
  "Ṫenant",
  "🦀",
  "\u202Eevil",
  "zero\u200Bwidth",
  "e\u0301",
  "x".repeat(70),
  "é".repeat(40),
];

/**
 * Hostile names for objects that need not exist (what an attacker would create or
 * claim): notorious ones, names built on `near` (the victim's), and random text without
 * NUL (the server's names cannot hold one). Raw text: callers quote or spell it.
 */
export function hostileNames(near: readonly string[] = []): fc.Arbitrary<string> {
  const close = near.flatMap((n) => [n, n.toUpperCase(), `${n}_x`, `${n}%`, `${n} `]);
  return fc.oneof(
    fc.constantFrom(...NOTORIOUS_NAMES, ...close),
    fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 })
      .filter((s) => !s.includes("\0")),
    fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 30 })
      .filter((s) => !s.includes("\0")),
  );
}

/** UTF-8 length: names past 63 bytes are truncated by the server. */
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

/**
 * Names for a tenant's own objects in positive controls: hostile but at most 40 bytes,
 * so that the suffixes a control appends never push two of its names past the server's
 * 63-byte truncation into one.
 */
export function controlNames(): fc.Arbitrary<string> {
  // No `$`: control function bodies are dollar-quoted.
  return hostileNames().filter((n) =>
    byteLength(n) <= 40 && n.trim() === n && n.length > 0 && !n.includes("$")
  );
}

/** Files to read: secrets of the host and of the server, with traversal tricks. */
export function readPathList(otherDatabaseOids: readonly number[]): string[] {
  const databaseDirs = otherDatabaseOids.flatMap((
    oid,
  ) => [`base/${oid}`, `base/${oid}/PG_VERSION`]);
  return [
    "/etc/hostname",
    "/etc/passwd",
    "/proc/self/environ",
    "/proc/self/cmdline",
    "pg_hba.conf",
    "postgresql.auto.conf",
    "postmaster.opts",
    "global/pg_control",
    "PG_VERSION",
    ".",
    "base",
    "pg_wal",
    "../../../../../../etc/passwd",
    "/etc/./passwd",
    "//etc//passwd",
    "./pg_hba.conf",
    "%2e%2e/%2e%2e/etc/passwd",
    "$PGDATA/pg_hba.conf",
    "~/.pgpass",
    ...databaseDirs,
  ];
}

export function readPaths(otherDatabaseOids: readonly number[]): fc.Arbitrary<string> {
  return fc.constantFrom(...readPathList(otherDatabaseOids));
}

/**
 * Files to write: only the null device, however spelled, so that a probe which meets a
 * broken server writes nothing anywhere.
 */
export const WRITE_PATHS: readonly string[] = [
  "/dev/null",
  "//dev//null",
  "/dev/./null",
  "/tmp/../dev/null",
];

/** Programs for COPY … PROGRAM: harmless if the server ever runs one. */
export const HARMLESS_PROGRAMS: readonly string[] = [
  "true",
  "id",
  "cat /etc/hostname",
  "echo bulkhead-probe",
  "true; id #",
  "$(id)",
];

/** A password to log in with: the attacker's own (never written into the attempt), or text. */
export type PasswordGuess = { kind: "own" } | { kind: "text"; text: string };

export function passwordGuesses(role: string): fc.Arbitrary<PasswordGuess> {
  return fc.oneof(
    fc.constant({ kind: "own" as const }),
    fc.constantFrom(
      "",
      role,
      role.toUpperCase(),
      "postgres",
      "password",
      "' OR '1'='1",
      '"; ALTER ROLE x SUPERUSER; --',
    ).map((text) => ({ kind: "text" as const, text })),
    fc.string({ unit: "grapheme-ascii", minLength: 1, maxLength: 40 })
      .map((text) => ({ kind: "text" as const, text })),
  );
}

export function describeGuess(guess: PasswordGuess): string {
  return guess.kind === "own" ? "its own password" : JSON.stringify(guess.text);
}
