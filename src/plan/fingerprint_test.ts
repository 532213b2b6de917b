import assert from "node:assert/strict";
import { canonicalJson, resourcesFingerprint } from "./fingerprint.ts";
import type { Resource } from "../stores/store.ts";

Deno.test("fingerprint: canonical JSON ignores key order, keeps array order", () => {
  assert.equal(canonicalJson({ b: 1, a: [2, { d: 1, c: 2 }] }), '{"a":[2,{"c":2,"d":1}],"b":1}');
  assert.notEqual(canonicalJson([1, 2]), canonicalJson([2, 1]));
});

Deno.test("fingerprint: equal state hashes equal whatever the order; any attribute change differs", async () => {
  const r = (name: string, v: number): Resource => ({
    address: `redis.acl_user.${name}`,
    store: "redis",
    kind: "acl_user",
    name,
    attributes: { v },
  });
  const a = await resourcesFingerprint([r("x", 1), r("y", 2)]);
  assert.equal(a, await resourcesFingerprint([r("y", 2), r("x", 1)]));
  assert.notEqual(a, await resourcesFingerprint([r("x", 1), r("y", 3)]));
  assert.match(a, /^[0-9a-f]{64}$/);
});
