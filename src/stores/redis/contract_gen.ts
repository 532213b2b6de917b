/**
 * Writes spec/contract/redis.md from the command table of the Redis server in
 * BULKHEAD_REDIS_URL (or of the test sandbox): `deno run -A src/stores/redis/contract_gen.ts`.
 * contract_test.ts fails when the committed file differs from what this renders.
 */
import type { Redis } from "ioredis";
import { deriveCommandPolicy } from "./command_policy.ts";
import { renderRedisContract } from "./contract.ts";
import { liveCommandTable, withAdmin } from "./testing.ts";
import { formatMarkdown } from "../../markdown.ts";

export const REDIS_CONTRACT_PATH = new URL("../../../spec/contract/redis.md", import.meta.url);

export async function serverVersion(admin: Redis): Promise<string> {
  return /redis_version:(\S+)/.exec(await admin.info("server"))?.[1] ?? "unknown";
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
