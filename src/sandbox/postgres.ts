/**
 * The sandbox PostgreSQL: a cluster of Debian's PostgreSQL 15 in the state directory,
 * run as the `postgres` system user when we are root (PostgreSQL refuses root), on
 * loopback, with scram-sha-256 for every connection.
 */
import { join } from "node:path";
import type { PostgresState } from "./state.ts";
import { sha256Hex } from "../encoding.ts";
import { freePort, portIsFree, randomSecret, run } from "./process.ts";

const ADMIN_USER = "bulkhead_admin";

function asPostgres(command: string, args: string[]): [string, string[]] {
  return Deno.uid() === 0
    ? ["runuser", ["-u", "postgres", "--", command, ...args]]
    : [command, args];
}

async function runAsPostgres(pgBin: string, tool: string, args: string[]): Promise<string> {
  const [command, fullArgs] = asPostgres(join(pgBin, tool), args);
  return await run(command, fullArgs);
}

/** Where the cluster lives: in the state directory, unless the postgres user cannot reach it. */
async function clusterDir(stateDir: string): Promise<string> {
  const preferred = join(stateDir, "postgres");
  if (Deno.uid() !== 0) return preferred;
  try {
    await run("runuser", ["-u", "postgres", "--", "test", "-x", stateDir]);
    return preferred;
  } catch {
    const tag = (await sha256Hex(stateDir)).slice(0, 12);
    return `/var/tmp/bulkhead-postgres-${tag}`;
  }
}

export async function initPostgres(stateDir: string, pgBin: string): Promise<PostgresState> {
  const root = await clusterDir(stateDir);
  const dataDir = join(root, "data");
  const socketDir = join(root, "run");
  await Deno.mkdir(socketDir, { recursive: true, mode: 0o700 });
  const state: PostgresState = {
    port: freePort(),
    dataDir,
    socketDir,
    adminUser: ADMIN_USER,
    adminPassword: randomSecret(),
  };
  const pwFile = join(root, "initdb.pw");
  await Deno.writeTextFile(pwFile, state.adminPassword + "\n", { mode: 0o600 });
  if (Deno.uid() === 0) await run("chown", ["-R", "postgres:postgres", root]);
  try {
    await runAsPostgres(pgBin, "initdb", [
      "-D",
      dataDir,
      "-U",
      ADMIN_USER,
      "--auth=scram-sha-256",
      `--pwfile=${pwFile}`,
      "-E",
      "UTF8",
      "--locale=C",
    ]);
  } finally {
    await Deno.remove(pwFile);
  }
  // The sandbox is disposable: trade durability for speed. Authentication stays scram.
  const settings = [
    "listen_addresses = '127.0.0.1'",
    `unix_socket_directories = '${socketDir}'`,
    "password_encryption = 'scram-sha-256'",
    "max_connections = 300",
    "fsync = off",
    "synchronous_commit = off",
    "full_page_writes = off",
    "log_min_duration_statement = -1",
  ];
  await Deno.writeTextFile(join(dataDir, "postgresql.conf"), settings.join("\n") + "\n", {
    append: true,
  });
  const hba = [
    "# Bulkhead sandbox: passwords (SCRAM) for every connection; never trust.",
    "local all all scram-sha-256",
    "host  all all 127.0.0.1/32 scram-sha-256",
    "host  all all ::1/128 scram-sha-256",
  ];
  await Deno.writeTextFile(join(dataDir, "pg_hba.conf"), hba.join("\n") + "\n");
  return state;
}

export function postgresIsInitialised(state: PostgresState): boolean {
  try {
    Deno.statSync(join(state.dataDir, "PG_VERSION"));
    return true;
  } catch {
    return false;
  }
}

/** PID of the running postmaster of this cluster, if any. */
export function postgresPid(state: PostgresState): number | undefined {
  try {
    const pid = Number(Deno.readTextFileSync(join(state.dataDir, "postmaster.pid")).split("\n")[0]);
    Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    return pid;
  } catch {
    return undefined;
  }
}

export async function startPostgres(state: PostgresState, pgBin: string): Promise<void> {
  if (postgresPid(state)) return;
  if (!portIsFree(state.port)) state.port = freePort();
  await runAsPostgres(pgBin, "pg_ctl", [
    "start",
    "-w",
    "-t",
    "60",
    "-D",
    state.dataDir,
    "-l",
    join(state.dataDir, "..", "postgres.log"),
    "-o",
    `-p ${state.port}`,
  ]);
}

export async function stopPostgres(state: PostgresState, pgBin: string): Promise<void> {
  if (!postgresPid(state)) return;
  await runAsPostgres(pgBin, "pg_ctl", ["stop", "-w", "-m", "fast", "-D", state.dataDir]);
}

export function postgresUrl(state: PostgresState, database = "postgres"): string {
  return `postgres://${state.adminUser}:${
    encodeURIComponent(state.adminPassword)
  }@127.0.0.1:${state.port}/${database}`;
}
