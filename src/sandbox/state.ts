/**
 * The sandbox's state directory and its `state.json`: ports, PIDs and generated
 * credentials of the stores it started. The file holds secrets: mode 600.
 */
import { join, resolve } from "node:path";
import { ENV } from "../config.ts";

export interface PostgresState {
  port: number;
  dataDir: string;
  socketDir: string;
  adminUser: string;
  adminPassword: string;
}

export interface RedisState {
  port: number;
  dir: string;
  pid?: number;
  adminUser: string;
  adminPassword: string;
}

export interface MinioState {
  port: number;
  dir: string;
  pid?: number;
  rootUser: string;
  rootPassword: string;
  /** `name:base64(32 bytes)`: the KMS key that SSE-S3 and MinIO's IAM data are sealed with. */
  kmsSecretKey: string;
}

export interface QdrantState {
  /** Where it came from: the environment, or a `qdrant` binary the sandbox started. */
  source: "env" | "binary";
  url: string;
  apiKey?: string;
  port?: number;
  dir?: string;
  pid?: number;
}

export interface SandboxState {
  version: 1;
  dir: string;
  postgres?: PostgresState;
  redis?: RedisState;
  minio?: MinioState;
  qdrant?: QdrantState;
  /** Why Qdrant is not part of the sandbox, when it is not. */
  qdrantUnavailable?: string;
  master?: { identityFile: string; recipient: string };
}

/** Default state directory: `.bulkhead/sandbox` in the project, or BULKHEAD_SANDBOX_DIR. */
export function sandboxDir(): string {
  const explicit = Deno.env.get(ENV.sandboxDir);
  if (explicit) return resolve(explicit);
  return resolve(new URL("../..", import.meta.url).pathname, ".bulkhead", "sandbox");
}

export function statePath(dir: string): string {
  return join(dir, "state.json");
}

export async function readState(dir: string): Promise<SandboxState | undefined> {
  try {
    return JSON.parse(await Deno.readTextFile(statePath(dir))) as SandboxState;
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw new Error(`cannot read sandbox state ${statePath(dir)}: ${error}`);
  }
}

export async function writeState(state: SandboxState): Promise<void> {
  await Deno.mkdir(state.dir, { recursive: true, mode: 0o755 });
  const path = statePath(state.dir);
  await Deno.writeTextFile(path, JSON.stringify(state, null, 2) + "\n", { mode: 0o600 });
  await Deno.chmod(path, 0o600);
}
