import assert from "node:assert/strict";
import fc from "fast-check";
import { lookAlikeNames, lookAlikePrefixes, namesUnder, widePatterns } from "./attack_names.ts";

/** Tenant ids as the id rules allow them: lowercase letters and digits in hyphenated words. */
const tenantId = fc.array(fc.stringMatching(/^[a-z0-9]{1,6}$/), { minLength: 1, maxLength: 3 })
  .map((words) => words.join("-"));

Deno.test("attack names: look-alikes are never inside the tenant's own prefix", () => {
  fc.assert(
    fc.property(
      tenantId.chain((id) => fc.tuple(fc.constant(id), lookAlikeNames(`tenant:${id}:`))),
      (
        [id, name],
      ) => !name.startsWith(`tenant:${id}:`),
    ),
    { numRuns: 2000 },
  );
});

Deno.test("attack names: the look-alikes include the classic confusions", () => {
  const prefixes = lookAlikePrefixes("tenant:t1:");
  for (
    const p of ["tenant:t10:", "tenant:t1-x:", "tenant:t1", "Tenant:t1:", "tenant:T1:", "tenant:*:"]
  ) {
    assert.ok(prefixes.includes(p), p);
  }
  assert.ok(prefixes.some((p) => p.includes("\x00")), "a NUL byte");
  assert.ok(prefixes.some((p) => p.includes("%3A")), "a percent-encoded delimiter");
  assert.ok(prefixes.some((p) => p.includes("\xef\xbc\x9a")), "a full-width colon (UTF-8 bytes)");
  assert.throws(() => lookAlikePrefixes("no-delimiter"), /not a tenant prefix/);
});

Deno.test("attack names: names under a prefix stay under it, whatever bytes follow", () => {
  fc.assert(
    fc.property(namesUnder("tenant:v:"), (name) => {
      assert.ok(name.startsWith("tenant:v:"));
      assert.ok([...name].every((ch) => ch.charCodeAt(0) <= 0xff), "a byte string");
    }),
    { numRuns: 1000 },
  );
});

Deno.test("attack names: wide patterns are patterns, and none is the attacker's own", () => {
  const patterns = widePatterns("tenant:v:");
  assert.ok(
    patterns.includes("*") && patterns.includes("tenant:*") && patterns.includes("tenant:v:*"),
  );
  assert.ok(patterns.every((p) => /[*?[]/.test(p)));
});
