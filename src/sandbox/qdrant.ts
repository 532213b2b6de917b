/**
 * Qdrant in the sandbox, only where one can be had: QDRANT_URL (+ QDRANT_API_KEY) from
 * the environment, or a `qdrant` binary on PATH that the sandbox starts with an API key
 * and JWT RBAC on. No server build can be obtained here, and there is no fake.
 */
import { join } from "node:path";
import type { QdrantState } from "./state.ts";
import {
  freePort,
  isOurProcess,
  portIsFree,
  randomSecret,
  spawnDetached,
  stopProcess,
  waitUntil,
} from "./process.ts";

export function findQdrantBinary(): string | undefined {
  for (const dir of (Deno.env.get("PATH") ?? "").split(":")) {
    if (!dir) continue;
    const candidate = join(dir, "qdrant");
    try {
      if (Deno.statSync(candidate).isFile) return candidate;
    } catch { /* not here */ }
  }
  return undefined;
}

/** The Qdrant to use, or the reason there is none. */
export function discoverQdrant(stateDir: string, previous?: QdrantState): QdrantState | string {
  const url = Deno.env.get("QDRANT_URL");
  if (url) {
    return { source: "env", url: url.replace(/\/+$/, ""), apiKey: Deno.env.get("QDRANT_API_KEY") };
  }
  const binary = findQdrantBinary();
  if (binary) {
    if (previous?.source === "binary") return previous;
    const port = freePort();
    return {
      source: "binary",
      url: `http://127.0.0.1:${port}`,
      apiKey: randomSecret(32),
      port,
      dir: join(stateDir, "qdrant"),
    };
  }
  return "set QDRANT_URL (and QDRANT_API_KEY) or put a qdrant binary on PATH";
}

export function qdrantRunning(state: QdrantState): boolean {
  return state.source === "env" || isOurProcess(state.pid, "qdrant");
}

export async function startQdrant(state: QdrantState): Promise<void> {
  if (state.source === "env" || qdrantRunning(state)) return;
  const binary = findQdrantBinary()!;
  if (!portIsFree(state.port!)) {
    state.port = freePort();
    state.url = `http://127.0.0.1:${state.port}`;
  }
  const dir = state.dir!;
  await Deno.mkdir(join(dir, "storage"), { recursive: true, mode: 0o700 });
  state.pid = await spawnDetached(binary, [], {
    env: {
      QDRANT__SERVICE__HOST: "127.0.0.1",
      QDRANT__SERVICE__HTTP_PORT: String(state.port),
      QDRANT__SERVICE__GRPC_PORT: String(freePort()),
      QDRANT__SERVICE__API_KEY: state.apiKey!,
      QDRANT__SERVICE__JWT_RBAC: "true",
      QDRANT__STORAGE__STORAGE_PATH: join(dir, "storage"),
      QDRANT__STORAGE__SNAPSHOTS_PATH: join(dir, "snapshots"),
      QDRANT__TELEMETRY_DISABLED: "true",
    },
    logFile: join(dir, "qdrant.log"),
    pidFile: join(dir, "qdrant.pid"),
  });
  await waitUntil(
    "Qdrant",
    async () => (await fetch(`${state.url}/readyz`).then((r) => {
      r.body?.cancel();
      return r.ok;
    })),
    60_000,
    `see ${join(dir, "qdrant.log")}`,
  );
}

export async function stopQdrant(state: QdrantState): Promise<void> {
  if (state.source === "binary" && state.pid && qdrantRunning(state)) await stopProcess(state.pid);
  state.pid = undefined;
}
