import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createHmac } from "node:crypto";
import { decodeJwtClaims, signJwt, verifyJwt } from "./jwt.ts";

// The widely published HS256 example token (jwt.io): header, claims and key as here.
const EXAMPLE =
  "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwibmFtZSI6IkpvaG4gRG9lIiwiaWF0IjoxNTE2MjM5MDIyfQ.SflKxwRJSMeKKF2QT4fwpMeJf36POk6yJV_adQssw5c";
const EXAMPLE_CLAIMS = { sub: "1234567890", name: "John Doe", iat: 1516239022 };
const EXAMPLE_KEY = "your-256-bit-secret";

const b64url = (s: string | Uint8Array) => Buffer.from(s).toString("base64url");

Deno.test("jwt: signs the published HS256 example byte for byte", async () => {
  assert.equal(await signJwt(EXAMPLE_CLAIMS, EXAMPLE_KEY), EXAMPLE);
});

Deno.test("jwt: the signature is HMAC-SHA256 over header.payload keyed with the API key's bytes", async () => {
  const key = "ünïcode-api-key-ß";
  const token = await signJwt({ access: "r" }, key);
  const [header, payload, signature] = token.split(".");
  const independent = createHmac("sha256", Buffer.from(key, "utf8"))
    .update(`${header}.${payload}`)
    .digest("base64url");
  assert.equal(signature, independent);
  assert.deepEqual(JSON.parse(Buffer.from(header, "base64url").toString()), {
    alg: "HS256",
    typ: "JWT",
  });
});

Deno.test("jwt: verify returns the claims only for the right key and an untouched token", async () => {
  assert.deepEqual(await verifyJwt(EXAMPLE, EXAMPLE_KEY), EXAMPLE_CLAIMS);
  assert.equal(await verifyJwt(EXAMPLE, "another-key"), undefined);
  const [header, , signature] = EXAMPLE.split(".");
  const widened = b64url(JSON.stringify({ ...EXAMPLE_CLAIMS, access: "m" }));
  assert.equal(await verifyJwt(`${header}.${widened}.${signature}`, EXAMPLE_KEY), undefined);
});

Deno.test("jwt: verify refuses other algorithms, malformed tokens and non-object claims", async () => {
  const key = "k";
  const none = `${b64url(JSON.stringify({ alg: "none", typ: "JWT" }))}.${
    b64url(JSON.stringify({ access: "m" }))
  }.`;
  assert.equal(await verifyJwt(none, key), undefined);
  // Same signature input, but the header claims HS512: refused before any HMAC.
  const hs512Header = b64url(JSON.stringify({ alg: "HS512", typ: "JWT" }));
  const body = b64url(JSON.stringify({ a: 1 }));
  const sig = createHmac("sha256", key).update(`${hs512Header}.${body}`).digest("base64url");
  assert.equal(await verifyJwt(`${hs512Header}.${body}.${sig}`, key), undefined);
  for (const bad of ["", "a.b", "a.b.c.d", "!!.??.**", "e30.e30.e30"]) {
    assert.equal(await verifyJwt(bad, key), undefined, bad);
  }
  const arrayClaims = await signJwt([1, 2] as unknown as Record<string, unknown>, key);
  assert.equal(await verifyJwt(arrayClaims, key), undefined);
});

Deno.test("jwt: decodeJwtClaims reads the claims without a key, padding or not", async () => {
  assert.deepEqual(decodeJwtClaims(EXAMPLE), EXAMPLE_CLAIMS);
  for (const length of [1, 2, 3, 4]) {
    const claims = { x: "y".repeat(length) };
    assert.deepEqual(decodeJwtClaims(await signJwt(claims, "k")), claims);
  }
});
