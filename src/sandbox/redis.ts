/**
 * The sandbox Redis: Debian's redis-server on loopback with the `default` user
 * disabled, an admin ACL user, and an ACL file so that `ACL SAVE` persists ACLs.
 */
import { join } from "node:path";
import type { RedisState } from "./state.ts";
import { sha256Hex } from "../encoding.ts";
import {
  freePort,
  isOurProcess,
  portIsFree,
  randomSecret,
  run,
  stopProcess,
  waitUntil,
} from "./process.ts";

const ADMIN_USER = "bulkhead-admin";

export async function initRedis(stateDir: string): Promise<RedisState> {
  const dir = join(stateDir, "redis");
  await Deno.mkdir(dir, { recursive: true, mode: 0o700 });
  const state: RedisState = {
    port: freePort(),
    dir,
    adminUser: ADMIN_USER,
    adminPassword: randomSecret(),
  };
  // The password is stored hashed (#<sha256>), never in clear, in the ACL file.
  const acl = [
    "user default off resetkeys resetchannels -@all",
    `user ${ADMIN_USER} on #${await sha256Hex(state.adminPassword)} ~* &* +@all`,
  ];
  await Deno.writeTextFile(join(dir, "users.acl"), acl.join("\n") + "\n", { mode: 0o600 });
  return state;
}

function configText(state: RedisState): string {
  return [
    "bind 127.0.0.1",
    `port ${state.port}`,
    "protected-mode yes",
    "daemonize yes",
    `pidfile ${join(state.dir, "redis.pid")}`,
    `logfile ${join(state.dir, "redis.log")}`,
    `dir ${state.dir}`,
    `aclfile ${join(state.dir, "users.acl")}`,
    'save ""',
    "appendonly no",
  ].join("\n") + "\n";
}

export function redisRunning(state: RedisState): boolean {
  return isOurProcess(state.pid, `:${state.port}`);
}

export async function startRedis(state: RedisState, redisServer: string): Promise<void> {
  if (redisRunning(state)) return;
  if (!portIsFree(state.port)) state.port = freePort();
  const conf = join(state.dir, "redis.conf");
  await Deno.writeTextFile(conf, configText(state), { mode: 0o600 });
  await run(redisServer, [conf]);
  await waitUntil(
    "Redis",
    async () => {
      const text = await Deno.readTextFile(join(state.dir, "redis.pid")).catch(() => "");
      state.pid = Number(text.trim()) || undefined;
      if (!state.pid) return false;
      const conn = await Deno.connect({ hostname: "127.0.0.1", port: state.port });
      conn.close();
      return true;
    },
    15_000,
    `see ${join(state.dir, "redis.log")}`,
  );
}

export async function stopRedis(state: RedisState): Promise<void> {
  if (state.pid && redisRunning(state)) await stopProcess(state.pid);
  state.pid = undefined;
}

export function redisUrl(state: RedisState): string {
  return `redis://${state.adminUser}:${
    encodeURIComponent(state.adminPassword)
  }@127.0.0.1:${state.port}`;
}
