/**
 * Writes spec/contract/redis.md from the command table of the Redis server in
 * BULKHEAD_REDIS_URL (or of the test sandbox): `deno run -A src/stores/redis/contract_gen.ts`.
 * contract_test.ts fails when the committed file differs from what this renders.
 */
import type { Redis } from "ioredis";
import { deriveCommandPolicy } from "./command_policy.ts";
import { renderRedisContract } from "./contract.ts";
import { liveCommandTable, withAdmin } from "./testing.ts";

export const REDIS_CONTRACT_PATH = new URL("../../../spec/contract/redis.md", import.meta.url);

export async function serverVersion(admin: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await admin.info("server"))?.[1] ?? "unknown";
}

/** Markdown as `deno fmt` leaves it, so that the committed file stays formatted. */
async function formatMarkdown(text: string): Promise<string> {
  const root = new URL("../../..", import.meta.url).pathname;
  const child = new Deno.Command(Deno.execPath(), {
    args: ["fmt", "--ext=md", "-"],
    cwd: root,
    stdin: "piped",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const writer = child.stdin.getWriter();
  await writer.write(new TextEncoder().encode(text));
  await writer.close();
  const { code, stdout, stderr } = await child.output();
  if (code !== 0) throw new Error(`deno fmt failed: ${new TextDecoder().decode(stderr)}`);
  return new TextDecoder().decode(stdout);
}

/** The contract rendered from the live server's command table, and its version. */
export function renderLiveContract(): Promise<{ text: string; version: string }> {
  return withAdmin(async (admin) => {
    const table = await liveCommandTable(admin);
    const version = await serverVersion(admin);
    const text = renderRedisContract(table, deriveCommandPolicy(table), version);
    return { text: await formatMarkdown(text), version };
  });
}

if (import.meta.main) {
  const { text } = await renderLiveContract();
  await Deno.mkdir(new URL(".", REDIS_CONTRACT_PATH), { recursive: true });
  await Deno.writeTextFile(REDIS_CONTRACT_PATH, text);
  console.log(`wrote ${REDIS_CONTRACT_PATH.pathname}`);
}
