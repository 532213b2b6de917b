import assert from "node:assert/strict";
import { runBounded } from "./bounded.ts";

Deno.test("bounded: never more than the limit at once, results in input order", async () => {
  let running = 0;
  let peak = 0;
  const results = await runBounded([5, 1, 4, 2, 3, 0, 6], 3, async (n) => {
    running++;
    peak = Math.max(peak, running);
    await new Promise((r) => setTimeout(r, n * 3));
    running--;
    return n * 10;
  });
  assert.deepEqual(results, [50, 10, 40, 20, 30, 0, 60]);
  assert.equal(peak, 3);
});

Deno.test("bounded: a limit above the item count, and no items", async () => {
  assert.deepEqual(await runBounded([1, 2], 10, (n) => Promise.resolve(n + 1)), [2, 3]);
  assert.deepEqual(await runBounded([], 4, (n: number) => Promise.resolve(n)), []);
});
