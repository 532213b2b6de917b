import assert from "node:assert/strict";
import fc from "fast-check";
import {
  hasDotSegment,
  isValidBucketName,
  lookalikeBuckets,
  objectKey,
  PATH_TRICKS,
  trickPath,
  wildcardBuckets,
} from "./probe_names.ts";

Deno.test("probe names: object keys are never empty, never climb, fit in 200 bytes", () => {
  fc.assert(
    fc.property(objectKey(), (key) => {
      assert.ok(key.trim() !== "");
      assert.ok(!key.startsWith("/"));
      assert.ok(!hasDotSegment(key), key);
      assert.ok(new TextEncoder().encode(key).length <= 200);
    }),
    { numRuns: 500 },
  );
});

Deno.test("probe names: object keys carry wildcards, encodings and unicode", () => {
  const keys = fc.sample(objectKey(), { numRuns: 2000, seed: 42 }).join("\n");
  for (const piece of ["*", "?", "%2F", "%2e%2e", "'", '"', "\\", "é", "\u202E", "\uFF0F", "/"]) {
    assert.ok(keys.includes(piece), `no key with ${JSON.stringify(piece)}`);
  }
});

Deno.test("probe names: dot segments are recognised with slashes, backslashes and spaces", () => {
  assert.ok(hasDotSegment("a/../b"));
  assert.ok(hasDotSegment(".."));
  assert.ok(hasDotSegment("a\\.\\b"));
  assert.ok(hasDotSegment("a/ .. /b"));
  assert.ok(!hasDotSegment("a/.../b"));
  assert.ok(!hasDotSegment("a..b/%2e%2e"));
});

Deno.test("probe names: every path trick names the victim and is no plain request", () => {
  for (const trick of PATH_TRICKS) {
    const path = trickPath(trick, "tenant-a", "tenant-b", "raw/x y");
    assert.ok(path.includes("tenant-b"), trick);
    assert.ok(path.includes("raw/x%20y"), `${trick}: the key is encoded as usual`);
    assert.notEqual(path, "/tenant-b/raw/x%20y", `${trick} is a plain request`);
  }
  assert.equal(trickPath("dot-dot", "tenant-a", "tenant-b", "k"), "/tenant-a/../tenant-b/k");
  assert.equal(
    trickPath("encoded-slashes", "tenant-a", "tenant-b", "k"),
    "/tenant-a/..%2Ftenant-b%2Fk",
  );
  assert.equal(trickPath("joined-by-encoded-slash", "tenant-a", "tenant-b", "k"), "/tenant-b%2Fk");
});

Deno.test("probe names: look-alike buckets are valid, distinct and next to the own name", () => {
  const own = "tenant-acme";
  const names = lookalikeBuckets(own);
  assert.ok(names.length >= 6);
  assert.ok(names.every(isValidBucketName), names.join(" "));
  assert.ok(!names.includes(own));
  assert.ok(names.includes("tenant-acme-b") && names.includes("tenant-acmeb"));
  assert.ok(names.includes("tenant-acm"), "one character shorter");
  assert.deepEqual(lookalikeBuckets("abc").filter((n) => !isValidBucketName(n)), []);
});

Deno.test("probe names: bucket-name rules and wildcard names", () => {
  assert.ok(isValidBucketName("tenant-a.b"));
  for (
    const bad of ["ab", "Tenant-a", "tenant..a", "tenant-", "-tenant", "10.0.0.1", "tenant-.a"]
  ) {
    assert.ok(!isValidBucketName(bad), bad);
  }
  assert.deepEqual(wildcardBuckets("tenant-acme"), [
    "tenant-*",
    "tenant-acm?",
    "*",
    "tenant-acme%2A",
  ]);
});
