import assert from "node:assert/strict";
import { alreadyExists, notFound, QdrantServerError, serverMessage } from "./rest.ts";

Deno.test("rest: the server's message comes from its error envelope or its plain-text body", () => {
  assert.equal(
    serverMessage(
      '{"status":{"error":"Forbidden: Access to collection tenant_b is required"},"time":0.1}',
      [],
    ),
    "Forbidden: Access to collection tenant_b is required",
  );
  assert.equal(
    serverMessage("Invalid JWT, stateful validation failed", []),
    "Invalid JWT, stateful validation failed",
  );
  assert.equal(serverMessage("", []), "(empty answer)");
  assert.equal(serverMessage("x".repeat(400), []).length, 301);
});

Deno.test("rest: a key echoed by the server never reaches an error message", () => {
  const key = "eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl";
  const message = serverMessage(`{"status":{"error":"bad token ${key} here"}}`, [key]);
  assert.equal(message, "bad token (sensitive) here");
  const error = new QdrantServerError(400, message, "GET /collections", "http://127.0.0.1:6333");
  assert.ok(!error.message.includes(key));
  assert.match(
    error.message,
    /^qdrant at http:\/\/127\.0\.0\.1:6333: GET \/collections failed \(HTTP 400\)/,
  );
});

Deno.test("rest: 'already exists' is the 409 of a collection, not the 400 of an alias taking its name", () => {
  const error = (status: number, message: string) =>
    new QdrantServerError(status, message, "PUT /collections/x", "e");
  assert.equal(alreadyExists(error(409, "Collection `x` already exists!")), true);
  assert.equal(
    alreadyExists(
      error(400, "Can't create collection with name x. Alias with the same name already exists"),
    ),
    false,
  );
  assert.equal(alreadyExists(new Error("409")), false);
  assert.equal(notFound(error(404, "Collection `x` doesn't exist!")), true);
  assert.equal(notFound(error(403, "Forbidden")), false);
});
