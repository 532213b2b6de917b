/**
 * For tests that need real stores: the sandbox of this test run (started by
 * scripts/run_tests.ts and passed down through the BULKHEAD_* environment), or, when a test
 * file is run on its own, a persistent test sandbox in .bulkhead/test-sandbox.
 */
import { join, resolve } from "node:path";
import { ENV, type StoreEndpoints, storeEndpointsFromEnv } from "../config.ts";
import { sandboxEnvironment, sandboxUp } from "./sandbox.ts";

let ready: Promise<StoreEndpoints> | undefined;

/** Store endpoints for integration tests; the BULKHEAD_* variables are set for children too. */
export function testStores(): Promise<StoreEndpoints> {
  ready ??= (async () => {
    if (!Deno.env.get(ENV.postgresUrl)) {
      const dir = resolve(new URL("../..", import.meta.url).pathname, ".bulkhead", "test-sandbox");
      const state = await sandboxUp((line) => console.error(`sandbox: ${line}`), dir);
      for (const [k, v] of Object.entries(sandboxEnvironment(state))) Deno.env.set(k, v);
      Deno.env.set("BULKHEAD_SANDBOX_DIR", dir);
    }
    return storeEndpointsFromEnv();
  })();
  return ready;
}

/** A tenant id no other test uses: `<prefix>-<random>`, valid under the id rules. */
export function uniqueTenantId(prefix = "t"): string {
  const random = crypto.getRandomValues(new Uint8Array(4));
  return `${prefix}-${
    Array.from(random, (b) => b.toString(36).padStart(2, "0")).join("").slice(0, 8)
  }`;
}

/** Runs the CLI as a child process, as a user would, with the test environment. */
export async function runCli(
  args: string[],
  options: { env?: Record<string, string>; cwd?: string; stdin?: string } = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = join(new URL("..", import.meta.url).pathname, "cli.ts");
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", "--quiet", cli, ...args],
    env: { NO_COLOR: "1", ...options.env },
    cwd: options.cwd,
    stdin: options.stdin === undefined ? "null" : "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  if (options.stdin !== undefined) {
    const writer = child.stdin.getWriter();
    await writer.write(new TextEncoder().encode(options.stdin));
    await writer.close();
  }
  const out = await child.output();
  const decode = (b: Uint8Array) => new TextDecoder().decode(b);
  return { code: out.code, stdout: decode(out.stdout), stderr: decode(out.stderr) };
}
