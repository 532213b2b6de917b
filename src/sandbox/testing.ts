/**
 * For tests that need real stores: the sandbox of this test run (started by
 * scripts/run_tests.ts and passed down through the BULKHEAD_* environment), or, when a test
 * file is run on its own, a persistent test sandbox in .bulkhead/test-sandbox.
 */
import { join, resolve } from "node:path";
import { ENV, type StoreEndpoints, storeEndpointsFromEnv } from "../config.ts";
import { sandboxEnvironment, sandboxUp } from "./sandbox.ts";
import { capture, type CommandOptions } from "./process.ts";

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
  options: CommandOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const cli = join(new URL("..", import.meta.url).pathname, "cli.ts");
  return await capture(Deno.execPath(), ["run", "-A", "--quiet", cli, ...args], {
    ...options,
    env: { NO_COLOR: "1", ...options.env },
  });
}
