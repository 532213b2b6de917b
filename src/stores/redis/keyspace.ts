/**
 * Deleting a tenant's keys: SCAN with the prefix as pattern and UNLINK what it finds,
 * in every logical database that holds keys (key patterns ignore the database number,
 * so keys placed elsewhere by an operator are the tenant's too). Runs on its own
 * connection because SELECT changes connection state.
 */
import { adminRedis } from "./inspect.ts";
import { globEscape } from "./resources.ts";

const SCAN_COUNT = 1000;

/** Databases that hold keys, from the `# Keyspace` section of INFO (`db3:keys=…`). */
export function databasesWithKeys(infoKeyspace: string): number[] {
  return [...infoKeyspace.matchAll(/^db(\d+):keys=(\d+)/gm)]
    .filter((m) => Number(m[2]) > 0)
    .map((m) => Number(m[1]));
}

/** Unlinks every key starting with `prefix`; returns how many it unlinked. */
export async function deleteKeysWithPrefix(url: string, prefix: string): Promise<number> {
  const redis = adminRedis(url);
  try {
    await redis.connect();
    const pattern = `${globEscape(prefix)}*`;
    let unlinked = 0;
    for (const db of databasesWithKeys(await redis.info("keyspace"))) {
      await redis.select(db);
      let cursor = "0";
      do {
        const [next, keys] = await redis.scan(cursor, "MATCH", pattern, "COUNT", SCAN_COUNT);
        cursor = next;
        if (keys.length > 0) unlinked += await redis.unlink(...keys);
      } while (cursor !== "0");
    }
    return unlinked;
  } finally {
    redis.disconnect();
  }
}
