/**
 * `bulkhead sandbox up|down|status|env`: real PostgreSQL, Redis and MinIO (and Qdrant
 * where one can be had) as local processes on loopback, with their data and generated
 * credentials under one state directory. `up` is idempotent: running stores are reused,
 * stopped ones restarted with their data.
 */
import { join } from "node:path";
import { generateX25519Identity, identityToRecipient } from "age-encryption";
import { ENV } from "../config.ts";
import { ensureTools, GO_TOOLS, toolPaths } from "./tools.ts";
import { readState, sandboxDir, type SandboxState, writeState } from "./state.ts";
import {
  initPostgres,
  postgresIsInitialised,
  postgresPid,
  postgresUrl,
  startPostgres,
  stopPostgres,
} from "./postgres.ts";
import { initRedis, redisRunning, redisUrl, startRedis, stopRedis } from "./redis.ts";
import { initMinio, minioEndpoint, minioRunning, startMinio, stopMinio } from "./minio.ts";
import { discoverQdrant, qdrantRunning, startQdrant, stopQdrant } from "./qdrant.ts";
import { isOurProcess, sleep } from "./process.ts";
import { inspectPostgres } from "../stores/postgres/inspect.ts";
import { inspectRedis } from "../stores/redis/inspect.ts";
import { inspectMinio } from "../stores/minio/inspect.ts";
import { inspectQdrant } from "../stores/qdrant/inspect.ts";
import type { ServerReport } from "../stores/inspect.ts";

export type Log = (line: string) => void;

/** Serialises concurrent `up`/`down` calls on one state directory. */
async function withLock<T>(dir: string, work: () => Promise<T>): Promise<T> {
  await Deno.mkdir(dir, { recursive: true, mode: 0o755 });
  const lock = join(dir, ".lock");
  const deadline = Date.now() + 20 * 60_000;
  while (true) {
    try {
      await Deno.writeTextFile(lock, String(Deno.pid), { createNew: true });
      break;
    } catch (error) {
      if (!(error instanceof Deno.errors.AlreadyExists)) throw error;
      const holder = Number(await Deno.readTextFile(lock).catch(() => "0"));
      if (!holder || !isOurProcess(holder, "")) {
        await Deno.remove(lock).catch(() => {});
        continue;
      }
      if (Date.now() > deadline) throw new Error(`sandbox ${dir} is locked by PID ${holder}`);
      await sleep(250);
    }
  }
  try {
    return await work();
  } finally {
    await Deno.remove(lock).catch(() => {});
  }
}

/** Brings every store up (installing what is missing) and returns the state. */
export async function sandboxUp(log: Log, dir = sandboxDir()): Promise<SandboxState> {
  return await withLock(dir, async () => {
    const tools = await ensureTools(log);
    const state: SandboxState = (await readState(dir)) ?? { version: 1, dir };
    state.dir = dir;

    if (!state.postgres || !postgresIsInitialised(state.postgres)) {
      log("postgres: initialising a new cluster (scram-sha-256)");
      state.postgres = await initPostgres(dir, tools.pgBin);
      await writeState(state);
    }
    if (!postgresPid(state.postgres)) log(`postgres: starting on 127.0.0.1`);
    await startPostgres(state.postgres, tools.pgBin);
    await writeState(state);

    if (!state.redis) state.redis = await initRedis(dir);
    if (!redisRunning(state.redis)) {
      log("redis: starting on 127.0.0.1 (default user off, ACL file)");
    }
    await startRedis(state.redis, tools.redisServer);
    await writeState(state);

    if (!state.minio) state.minio = initMinio(dir);
    if (!minioRunning(state.minio)) log("minio: starting on 127.0.0.1 (KMS key set for SSE-S3)");
    await startMinio(state.minio, tools.minio);
    await writeState(state);

    const qdrant = discoverQdrant(dir, state.qdrant);
    if (typeof qdrant === "string") {
      state.qdrant = undefined;
      state.qdrantUnavailable = qdrant;
    } else {
      state.qdrant = qdrant;
      state.qdrantUnavailable = undefined;
      if (!qdrantRunning(qdrant)) log("qdrant: starting on 127.0.0.1 (API key, JWT RBAC on)");
      await startQdrant(qdrant);
    }

    if (!state.master) {
      const identity = await generateX25519Identity();
      const identityFile = join(dir, "master.key");
      await Deno.writeTextFile(identityFile, identity + "\n", { mode: 0o600 });
      state.master = { identityFile, recipient: await identityToRecipient(identity) };
    }
    await writeState(state);
    return state;
  });
}

/** Stops exactly the processes this sandbox started; data stays for the next `up`. */
export async function sandboxDown(
  log: Log,
  dir = sandboxDir(),
  options: { purge?: boolean } = {},
): Promise<void> {
  await withLock(dir, async () => {
    const state = await readState(dir);
    if (!state) {
      log(`no sandbox in ${dir}`);
      return;
    }
    const tools = toolPaths();
    if (state.postgres) {
      log("postgres: stopping");
      await stopPostgres(state.postgres, tools.pgBin);
    }
    if (state.redis) {
      log("redis: stopping");
      await stopRedis(state.redis);
    }
    if (state.minio) {
      log("minio: stopping");
      await stopMinio(state.minio);
    }
    if (state.qdrant) await stopQdrant(state.qdrant);
    await writeState(state);
    if (options.purge) {
      log(`removing ${dir}`);
      if (state.postgres && !state.postgres.dataDir.startsWith(dir)) {
        await Deno.remove(join(state.postgres.dataDir, ".."), { recursive: true }).catch(() => {});
      }
      await Deno.remove(dir, { recursive: true });
    }
  });
}

/** The environment-variable contract, filled in for this sandbox. */
export function sandboxEnvironment(state: SandboxState): Record<string, string> {
  const env: Record<string, string> = {};
  if (state.postgres) env[ENV.postgresUrl] = postgresUrl(state.postgres);
  if (state.redis) env[ENV.redisUrl] = redisUrl(state.redis);
  if (state.minio) {
    env[ENV.minioEndpoint] = minioEndpoint(state.minio);
    env[ENV.minioAccessKey] = state.minio.rootUser;
    env[ENV.minioSecretKey] = state.minio.rootPassword;
  }
  if (state.qdrant) {
    env[ENV.qdrantUrl] = state.qdrant.url;
    if (state.qdrant.apiKey) env[ENV.qdrantApiKey] = state.qdrant.apiKey;
  }
  if (state.master) {
    env[ENV.masterIdentityFile] = state.master.identityFile;
    env[ENV.masterRecipients] = state.master.recipient;
  }
  return env;
}

export function renderEnvExports(env: Record<string, string>): string {
  const quote = (v: string) => `'${v.replaceAll("'", `'"'"'`)}'`;
  return Object.entries(env).map(([k, v]) => `export ${k}=${quote(v)}`).join("\n") + "\n";
}

export interface StoreStatus {
  store: string;
  state: "running" | "stopped" | "not available";
  detail: string;
  report?: ServerReport;
}

/** Each store with whether it runs, its endpoint and version (asked of the server). */
export async function sandboxStatus(state: SandboxState): Promise<StoreStatus[]> {
  const env = sandboxEnvironment(state);
  const rows: StoreStatus[] = [];
  const running = {
    postgres: state.postgres && !!postgresPid(state.postgres),
    redis: state.redis && redisRunning(state.redis),
    minio: state.minio && minioRunning(state.minio),
    qdrant: state.qdrant && qdrantRunning(state.qdrant),
  };
  const [pg, rd, mn, qd] = await Promise.all([
    running.postgres ? inspectPostgres(env[ENV.postgresUrl]) : undefined,
    running.redis ? inspectRedis(env[ENV.redisUrl]) : undefined,
    running.minio
      ? inspectMinio({
        endpoint: env[ENV.minioEndpoint],
        accessKey: env[ENV.minioAccessKey],
        secretKey: env[ENV.minioSecretKey],
        region: "us-east-1",
      })
      : undefined,
    running.qdrant
      ? inspectQdrant({ url: env[ENV.qdrantUrl], apiKey: env[ENV.qdrantApiKey] })
      : undefined,
  ]);
  const row = (
    store: string,
    port: number | undefined,
    report: ServerReport | undefined,
    up: boolean | undefined,
  ) => {
    if (!up) {
      return {
        store,
        state: "stopped" as const,
        detail: port ? `port ${port}` : "not initialised",
      };
    }
    const version = report?.version ? `version ${report.version}` : report?.error ?? "";
    return { store, state: "running" as const, detail: `127.0.0.1:${port}, ${version}`, report };
  };
  rows.push(row("postgres", state.postgres?.port, pg, running.postgres));
  rows.push(row("redis", state.redis?.port, rd, running.redis));
  const minioRow = row("minio", state.minio?.port, mn, running.minio);
  if (mn?.version === "DEVELOPMENT.GOGET") {
    minioRow.detail += ` (go install ${GO_TOOLS.minio.module}@${GO_TOOLS.minio.version})`;
  }
  rows.push(minioRow);
  if (state.qdrant) {
    rows.push(row("qdrant", state.qdrant.port, qd, running.qdrant));
  } else {
    rows.push({
      store: "qdrant",
      state: "not available",
      detail: state.qdrantUnavailable ?? "not available",
    });
  }
  return rows;
}

export function renderStatus(rows: StoreStatus[]): string {
  const width = Math.max(...rows.map((r) => r.store.length));
  return rows.map((r) => `${r.store.padEnd(width)}  ${r.state.padEnd(13)}  ${r.detail}`).join(
    "\n",
  ) + "\n";
}
