/**
 * Name generators: the pure rules here, and on the sandbox server that every spelling
 * resolves to exactly the name it spells (an attack on a misspelled name would meet
 * "does not exist", which is no refusal).
 */
import assert from "node:assert/strict";
import fc from "fast-check";
import {
  byteLength,
  controlNames,
  hostileNames,
  identifierSpellings,
  isPlainIdentifier,
  literalSpellings,
  lookupLiteralSpellings,
  passwordGuesses,
  qualifiedSpellings,
  unicodeEscaped,
} from "./probe_names.ts";
import { adminSql } from "./inspect.ts";
import { sandboxPostgres } from "./testing.ts";
import { quoteIdent } from "./sql_text.ts";

const KEYWORDS = new Set(["all", "order", "table", "user"]);

Deno.test("probe names: U& escapes write chosen code points as \\XXXX or \\+XXXXXX", () => {
  assert.equal(
    unicodeEscaped("tenant_b", [true, false], "\\", '"'),
    'U&"\\0074e\\006Ea\\006Et\\005Fb"',
    "the mask repeats over the name",
  );
  assert.equal(
    unicodeEscaped("a!b", [false], "!", '"'),
    `U&"a!!b" UESCAPE '!'`,
    "the escape character doubled",
  );
  assert.equal(unicodeEscaped("🦀", [true], "\\", "'"), "U&'\\+01F980'");
  assert.equal(unicodeEscaped(`a"b`, [false], "\\", '"'), 'U&"a""b"', "quotes doubled");
});

Deno.test("probe names: only plain, non-keyword names are ever left unquoted", () => {
  assert.ok(isPlainIdentifier("tenant_b", KEYWORDS));
  assert.ok(!isPlainIdentifier("order", KEYWORDS));
  assert.ok(!isPlainIdentifier("Tenant", KEYWORDS));
  assert.ok(!isPlainIdentifier("tenαnt", KEYWORDS));
  for (const name of ["order", "MixedCase", "a b", 'x"y']) {
    for (const spelling of fc.sample(identifierSpellings(name, KEYWORDS), 50)) {
      assert.match(spelling, /^(U&)?"/, `${name} spelled ${spelling}`);
    }
  }
  const plain = new Set(fc.sample(identifierSpellings("tenant_b", KEYWORDS), 300));
  for (const form of ["tenant_b", "TENANT_B", '"tenant_b"']) assert.ok(plain.has(form), form);
});

Deno.test("probe names: hostile and control names, password guesses", () => {
  fc.assert(fc.property(hostileNames(["tenant_b"]), (n) => n.length > 0 && !n.includes("\0")));
  fc.assert(
    fc.property(controlNames(), (n) => byteLength(n) <= 40 && !n.includes("$") && n.trim() === n),
  );
  const names = new Set(fc.sample(hostileNames(["tenant_b"]), 2000));
  for (const expected of ['"; DROP TABLE tenants; --', "tenant_b", "TENANT_B", "x".repeat(70)]) {
    assert.ok(names.has(expected), expected);
  }
  const guesses = fc.sample(passwordGuesses("tenant_b"), 300);
  assert.ok(guesses.some((g) => g.kind === "own"));
  assert.ok(guesses.some((g) => g.kind === "text" && g.text === ""));
});

/** Names the server keeps as they are: at most 63 bytes (no truncation), not reserved. */
const serverNames = controlNames().filter((n) => !n.startsWith("pg_"));

/** The server's own keywords, as the probes read them (a short list here let `in` go bare). */
async function serverKeywords(sql: ReturnType<typeof adminSql>): Promise<Set<string>> {
  const rows = await sql.unsafe("select word from pg_get_keywords() where catcode <> 'U'");
  return new Set(rows.map((r) => r.word as string));
}

Deno.test("probe names: on the server, every spelling resolves to the name it spells", async () => {
  const sql = adminSql((await sandboxPostgres()).url, { fetchTypes: false });
  try {
    const keywords = await serverKeywords(sql);
    await fc.assert(
      fc.asyncProperty(
        serverNames.chain((name) =>
          fc.tuple(fc.constant(name), identifierSpellings(name, keywords))
        ),
        async ([name, spelling]) => {
          const [row] = await sql.unsafe(`select 1 as ${spelling}`);
          assert.deepEqual(Object.keys(row), [name], spelling);
        },
      ),
      { numRuns: 150 },
    );
    await fc.assert(
      fc.asyncProperty(
        fc.string({ unit: "grapheme", minLength: 1, maxLength: 30 }).filter((s) =>
          !s.includes("\0")
        )
          .chain((text) => fc.tuple(fc.constant(text), literalSpellings(text))),
        async ([text, spelling]) => {
          const [row] = await sql.unsafe(`select ${spelling}::text as v`);
          assert.equal(row.v, text, spelling);
        },
      ),
      { numRuns: 150 },
    );
  } finally {
    await sql.end({ timeout: 2 });
  }
});

Deno.test("probe names: on the server, qualified and look-up spellings find the very table", async () => {
  const sql = adminSql((await sandboxPostgres()).url, { fetchTypes: false });
  try {
    const keywords = await serverKeywords(sql);
    await fc.assert(
      fc.asyncProperty(
        fc.tuple(serverNames, serverNames).chain(([schema, table]) =>
          fc.tuple(
            fc.constant([schema, table]),
            qualifiedSpellings(schema, table, keywords),
            lookupLiteralSpellings(schema, table, keywords),
          )
        ),
        async ([[schema, table], qualified, lookup]) => {
          await sql.unsafe("begin");
          try {
            await sql.unsafe(`create schema if not exists ${quoteIdent(schema)}`);
            await sql.unsafe(`create table ${quoteIdent(schema)}.${quoteIdent(table)} (i int)`);
            await sql.unsafe(`insert into ${qualified} values (7)`);
            const [row] = await sql.unsafe(
              `select (select i from ${qualified}) as i,
                      ${lookup}::regclass = (select c.oid from pg_class c
                        join pg_namespace n on n.oid = c.relnamespace
                       where n.nspname = $1 and c.relname = $2) as same`,
              [schema, table],
            );
            assert.deepEqual({ ...row }, { i: 7, same: true }, `${qualified} / ${lookup}`);
          } finally {
            await sql.unsafe("rollback");
          }
        },
      ),
      { numRuns: 80 },
    );
  } finally {
    await sql.end({ timeout: 2 });
  }
});
