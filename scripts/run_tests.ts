/**
 * `deno task test`: the whole suite against one fresh sandbox of real stores.
 *
 * Starts a sandbox in a new state directory (or reuses BULKHEAD_SANDBOX_DIR when set),
 * runs `deno test` with the sandbox's BULKHEAD_* environment, stops and removes the
 * sandbox, and ends with one line `tests: N passed, N failed, N skipped`. Extra
 * arguments go to `deno test` (e.g. a path or --filter).
 */
import { join, resolve } from "node:path";
import { sandboxDown, sandboxEnvironment, sandboxUp } from "../src/sandbox/sandbox.ts";

const root = resolve(new URL("..", import.meta.url).pathname);
const reuse = Deno.env.get("BULKHEAD_SANDBOX_DIR");
const dir = reuse
  ? resolve(reuse)
  : join(root, ".bulkhead", "test-runs", `${Date.now()}-${Deno.pid}`);
const log = (line: string) => console.error(`sandbox: ${line}`);

const started = Date.now();
const state = await sandboxUp(log, dir);
console.error(`sandbox: ready in ${((Date.now() - started) / 1000).toFixed(1)} s (${dir})`);

const junit = join(dir, "junit.xml");
let code = 1;
try {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["test", "-A", "--frozen", `--junit-path=${junit}`, ...Deno.args],
    cwd: root,
    env: { ...sandboxEnvironment(state), BULKHEAD_SANDBOX_DIR: dir },
    stdin: "null",
  }).spawn();
  code = (await child.status).code;
} finally {
  const counts = await countResults(junit);
  if (!reuse && Deno.env.get("BULKHEAD_KEEP_SANDBOX") !== "1") {
    await sandboxDown(log, dir, { purge: true });
  }
  if (counts) {
    console.log(
      `tests: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`,
    );
  }
}
Deno.exit(code);

async function countResults(path: string) {
  const xml = await Deno.readTextFile(path).catch(() => undefined);
  if (!xml) return undefined;
  const cases = [...xml.matchAll(/<testcase\b[\s\S]*?(?:\/>|<\/testcase>)/g)].map((m) => m[0]);
  const failed = cases.filter((c) => /<failure\b|<error\b/.test(c)).length;
  const skipped = cases.filter((c) => /<skipped\b/.test(c)).length;
  return { passed: cases.length - failed - skipped, failed, skipped };
}
