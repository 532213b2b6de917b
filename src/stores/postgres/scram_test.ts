import assert from "node:assert/strict";
import { formatVerifier, parseVerifier, scramVerifier, verifierMatches } from "./scram.ts";
import { decodeBase64 } from "../../encoding.ts";

// Produced by PostgreSQL 15 itself (CREATE ROLE … PASSWORD 'correct horse battery staple',
// then pg_authid.rolpassword), so these tests hold our arithmetic to the server's.
const SERVER_MADE =
  "SCRAM-SHA-256$4096:l3x0TlGVMj0FfFizZI7YhA==$fJ4W7wgzeB2BCNC4l9N+Wc1OHqqOdFi4KsJCyq9XXj8=:J2c+dKhPod1MBqYYXKHjcIRBlmSp++6GSHxcg41ZKoU=";
const SERVER_PASSWORD = "correct horse battery staple";

Deno.test("scram: the verifier for the server's salt equals the one the server stored", async () => {
  const salt = decodeBase64("l3x0TlGVMj0FfFizZI7YhA==");
  assert.equal(await scramVerifier(SERVER_PASSWORD, { salt }), SERVER_MADE);
});

Deno.test("scram: a stored verifier matches its password and no other", async () => {
  assert.equal(await verifierMatches(SERVER_MADE, SERVER_PASSWORD), true);
  assert.equal(await verifierMatches(SERVER_MADE, "correct horse battery stapl"), false);
  assert.equal(await verifierMatches(SERVER_MADE, ""), false);
  assert.equal(
    await verifierMatches("md5abcdef0123456789abcdef0123456789", SERVER_PASSWORD),
    false,
  );
  assert.equal(await verifierMatches(null, SERVER_PASSWORD), false);
});

Deno.test("scram: fresh verifiers use a random salt and still match", async () => {
  const a = await scramVerifier("Tr0ub4dor&3");
  const b = await scramVerifier("Tr0ub4dor&3");
  assert.notEqual(a, b);
  assert.equal(await verifierMatches(a, "Tr0ub4dor&3"), true);
  assert.equal(await verifierMatches(b, "Tr0ub4dor&3"), true);
  assert.equal(parseVerifier(a)?.iterations, 4096);
  assert.equal(parseVerifier(a)?.salt.length, 16);
});

Deno.test("scram: parse and format round-trip; garbage is not a verifier", () => {
  const parsed = parseVerifier(SERVER_MADE);
  assert.ok(parsed);
  assert.equal(formatVerifier(parsed), SERVER_MADE);
  assert.equal(parseVerifier("SCRAM-SHA-256$x:abc$def:ghi"), undefined);
  assert.equal(parseVerifier(""), undefined);
});

Deno.test("scram: non-ASCII passwords are refused (the server would SASLprep them)", async () => {
  await assert.rejects(() => scramVerifier("pässword"), /printable ASCII/);
});
