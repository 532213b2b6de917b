/**
 * The sandbox MinIO: the pinned Go build, on loopback, random root credentials, and a
 * KMS secret key so that SSE-S3 bucket encryption works (without one MinIO answers 501).
 */
import { encodeBase64 } from "../encoding.ts";
import { join } from "node:path";
import type { MinioState } from "./state.ts";
import {
  freePort,
  isOurProcess,
  portIsFree,
  randomSecret,
  spawnDetached,
  stopProcess,
  waitUntil,
} from "./process.ts";

export function initMinio(stateDir: string): MinioState {
  const key = crypto.getRandomValues(new Uint8Array(32));
  return {
    port: freePort(),
    dir: join(stateDir, "minio"),
    rootUser: `admin-${randomSecret(6).toLowerCase()}`,
    rootPassword: randomSecret(),
    kmsSecretKey: `bulkhead-sandbox-key:${encodeBase64(key)}`,
  };
}

export function minioRunning(state: MinioState): boolean {
  return isOurProcess(state.pid, join(state.dir, "data"));
}

export async function startMinio(state: MinioState, minio: string): Promise<void> {
  if (minioRunning(state)) return;
  if (!portIsFree(state.port)) state.port = freePort();
  await Deno.mkdir(join(state.dir, "data"), { recursive: true, mode: 0o700 });
  state.pid = await spawnDetached(
    minio,
    ["server", join(state.dir, "data"), "--address", `127.0.0.1:${state.port}`, "--quiet"],
    {
      env: {
        MINIO_ROOT_USER: state.rootUser,
        MINIO_ROOT_PASSWORD: state.rootPassword,
        MINIO_KMS_SECRET_KEY: state.kmsSecretKey,
        MINIO_BROWSER: "off",
        MINIO_UPDATE: "off",
        MINIO_CALLHOME_ENABLE: "off",
        // Scanner runs often so that bucket usage (and thus quota) is current in tests.
        MINIO_SCANNER_SPEED: "fastest",
        HOME: state.dir,
      },
      logFile: join(state.dir, "minio.log"),
      pidFile: join(state.dir, "minio.pid"),
    },
  );
  await waitUntil(
    "MinIO",
    async () => (await fetch(`${minioEndpoint(state)}/minio/health/live`).then((r) => {
      r.body?.cancel();
      return r.ok;
    })),
    60_000,
    `see ${join(state.dir, "minio.log")}`,
  );
}

export async function stopMinio(state: MinioState): Promise<void> {
  if (state.pid && minioRunning(state)) await stopProcess(state.pid);
  state.pid = undefined;
}

export function minioEndpoint(state: MinioState): string {
  return `http://127.0.0.1:${state.port}`;
}
