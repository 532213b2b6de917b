import assert from "node:assert/strict";
import { byteString, encodeCommands, parseReply, respAddress, RespError } from "./resp.ts";

const bytes = (text: string) => Uint8Array.from(text, (c) => c.charCodeAt(0));
const parse = (text: string) => parseReply(bytes(text))?.reply;

Deno.test("resp: commands are arrays of bulk strings; byte strings travel byte for byte", () => {
  const wire = encodeCommands([["GET", "k\xff\x00"], ["PING"]]);
  assert.equal(
    String.fromCharCode(...wire),
    "*2\r\n$3\r\nGET\r\n$3\r\nk\xff\x00\r\n*1\r\n$4\r\nPING\r\n",
  );
  assert.throws(() => encodeCommands([["GET", "ｋ"]]), /not a byte string/);
  assert.equal(byteString("ｋé"), "\xef\xbd\x8b\xc3\xa9");
});

Deno.test("resp: every reply type parses; a partial reply is undefined until complete", () => {
  assert.equal(parse("+QUEUED\r\n"), "QUEUED");
  const error = parse("-NOPERM this user has no permissions\r\n");
  assert.ok(error instanceof RespError);
  assert.equal(error.code, "NOPERM");
  assert.equal(parse(":42\r\n"), 42);
  assert.equal(parse("$3\r\na\r\n\r\n"), "a\r\n");
  assert.equal(parse("$-1\r\n"), null);
  assert.equal(parse("$2\r\n\xff\xfe\r\n"), "\xff\xfe");
  assert.deepEqual(parse("*3\r\n$9\r\nsubscribe\r\n$1\r\nc\r\n:1\r\n"), ["subscribe", "c", 1]);
  assert.equal(parse("*-1\r\n"), null);
  // RESP3, after a HELLO 3 that logged in.
  assert.deepEqual(parse("%1\r\n+server\r\n+redis\r\n"), ["server", "redis"]);
  assert.equal(parse("_\r\n"), null);
  assert.equal(parse("#t\r\n"), true);
  assert.ok(parse("!5\r\nERR x\r\n") instanceof RespError);
  for (const partial of ["", "+QUE", "$3\r\nab", "*2\r\n:1\r\n", "%1\r\n+a\r\n"]) {
    assert.equal(parseReply(bytes(partial)), undefined, JSON.stringify(partial));
  }
  const two = bytes("+OK\r\n:7\r\n");
  const first = parseReply(two)!;
  assert.deepEqual(parseReply(two, first.next), { reply: 7, next: two.length });
  assert.throws(() => parseReply(bytes("?x\r\n")), /not a RESP reply/);
});

Deno.test("resp: the address of a URL is host, port and TLS; credentials are not part of it", () => {
  assert.deepEqual(respAddress("redis://u:secret@cache.internal:6380"), {
    hostname: "cache.internal",
    port: 6380,
    tls: false,
  });
  assert.deepEqual(respAddress("rediss://cache"), { hostname: "cache", port: 6379, tls: true });
});
