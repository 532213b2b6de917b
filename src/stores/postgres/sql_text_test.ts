import assert from "node:assert/strict";
import { quoteGrantee, quoteIdent, quoteLiteral } from "./sql_text.ts";

Deno.test("quoteIdent doubles embedded quotes and keeps case", () => {
  assert.equal(quoteIdent("tenant_acme"), '"tenant_acme"');
  assert.equal(quoteIdent('we"ird'), '"we""ird"');
  assert.equal(quoteIdent("Upper Case"), '"Upper Case"');
});

Deno.test("quoteIdent refuses NUL and empty names", () => {
  assert.throws(() => quoteIdent("a\0b"), /NUL/);
  assert.throws(() => quoteIdent(""), /empty/);
});

Deno.test("quoteLiteral doubles quotes; backslashes give an E'' literal", () => {
  assert.equal(quoteLiteral("it's"), "'it''s'");
  assert.equal(quoteLiteral("a\\b'c"), "E'a\\\\b''c'");
  assert.equal(quoteLiteral(""), "''");
  assert.throws(() => quoteLiteral("x\0"), /NUL/);
});

Deno.test("quoteGrantee keeps PUBLIC as the keyword", () => {
  assert.equal(quoteGrantee("PUBLIC"), "PUBLIC");
  assert.equal(quoteGrantee("public"), '"public"');
  assert.equal(quoteGrantee("tenant_a"), '"tenant_a"');
});
