import assert from "node:assert/strict";
import { utf8 } from "../../encoding.ts";
import { dechunk, parseHead, RawHttpError, sendRaw } from "./raw_http.ts";
import { requestTarget } from "./s3_call.ts";

Deno.test("raw http: status line and headers", () => {
  const { status, headers } = parseHead(
    "HTTP/1.1 403 Forbidden\r\nX-Minio-Error-Code: AccessDenied\r\nA: b: c",
  );
  assert.equal(status, 403);
  assert.equal(headers.get("x-minio-error-code"), "AccessDenied");
  assert.equal(headers.get("a"), "b: c");
  assert.throws(() => parseHead("garbage"), RawHttpError);
});

Deno.test("raw http: chunked bodies decode, truncated ones give what arrived", () => {
  assert.equal(
    utf8.decode(dechunk(utf8.encode("4\r\nWiki\r\n5;x=y\r\npedia\r\n0\r\n\r\n"))),
    "Wikipedia",
  );
  assert.equal(utf8.decode(dechunk(utf8.encode("4\r\nWiki\r\n5\r\npe"))), "Wikipe");
});

Deno.test("raw http: the target is sent as given, with the query in canonical form", () => {
  assert.equal(requestTarget("/b/../x", []), "/b/../x");
  assert.equal(
    requestTarget("/b", [["prefix", "a b/*"], ["list-type", "2"]]),
    "/b?list-type=2&prefix=a%20b%2F%2A",
  );
});

Deno.test("raw http: a refused connection is an error that names the endpoint", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  const error = await sendRaw(`http://127.0.0.1:${port}`, {
    method: "GET",
    target: "/",
    headers: {},
    body: new Uint8Array(),
  })
    .catch((e) => e);
  assert.ok(error instanceof RawHttpError);
  assert.match(error.message, new RegExp(`127.0.0.1:${port}`));
});

Deno.test("raw http: a server that never answers times out as an error; a held stream returns status 0", async () => {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  const held: Deno.Conn[] = [];
  const accepting = (async () => {
    for await (const conn of listener) held.push(conn);
  })();
  try {
    const request = { method: "GET", target: "/", headers: {}, body: new Uint8Array() };
    const error = await sendRaw(`http://127.0.0.1:${port}`, request, { timeoutMs: 200 }).catch((
      e,
    ) => e);
    assert.ok(error instanceof RawHttpError);
    assert.match(error.message, /within 200 ms/);
    const stream = await sendRaw(`http://127.0.0.1:${port}`, request, {
      stream: true,
      streamPatienceMs: 200,
    });
    assert.equal(stream.status, 0);
  } finally {
    listener.close();
    for (const c of held) c.close();
    await accepting.catch(() => {});
  }
});
