/**
 * The programs the sandbox runs and the tests use, pinned, and their installation:
 * Debian packages through apt-get, Go-built tools through `go install` into a cache
 * that later runs reuse (`~/.cache/bulkhead/bin/<tool>@<version>/`).
 */
import { join } from "node:path";
import { run } from "./process.ts";
import { ENV } from "../config.ts";

/** Go-built tools, pinned. MinIO and mc publish no semver tags: these are the module
 * proxy's pseudo-versions of their latest commits when this was pinned. */
export const GO_TOOLS = {
  minio: { module: "github.com/minio/minio", version: "v0.0.0-20260212201848-7aac2a2c5b7c" },
  mc: { module: "github.com/minio/mc", version: "v0.0.0-20250313080218-cf909e1063a9" },
  sops: { module: "github.com/getsops/sops/v3/cmd/sops", version: "v3.13.3" },
} as const;
export type GoTool = keyof typeof GO_TOOLS;

/** Debian packages and the program each provides. */
export const APT_TOOLS = {
  postgres: { package: "postgresql-15", program: "/usr/lib/postgresql/15/bin/postgres" },
  redis: { package: "redis-server", program: "/usr/bin/redis-server" },
  age: { package: "age", program: "/usr/bin/age" },
} as const;

export interface ToolPaths {
  pgBin: string;
  redisServer: string;
  age: string;
  minio: string;
  mc: string;
  sops: string;
}

export function cacheDir(): string {
  const explicit = Deno.env.get(ENV.cacheDir);
  if (explicit) return explicit;
  const xdg = Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/tmp", ".cache");
  return join(xdg, "bulkhead");
}

export function goToolPath(tool: GoTool): string {
  const { version } = GO_TOOLS[tool];
  return join(cacheDir(), "bin", `${tool}@${version}`, tool);
}

function exists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Paths of every tool, installing whatever is missing. Progress goes to `log`. */
export async function ensureTools(log: (line: string) => void): Promise<ToolPaths> {
  await ensureAptTools(log);
  for (const tool of Object.keys(GO_TOOLS) as GoTool[]) await ensureGoTool(tool, log);
  return toolPaths();
}

export function toolPaths(): ToolPaths {
  return {
    pgBin: join(APT_TOOLS.postgres.program, ".."),
    redisServer: APT_TOOLS.redis.program,
    age: APT_TOOLS.age.program,
    minio: goToolPath("minio"),
    mc: goToolPath("mc"),
    sops: goToolPath("sops"),
  };
}

async function ensureAptTools(log: (line: string) => void): Promise<void> {
  const missing = Object.values(APT_TOOLS).filter((t) => !exists(t.program)).map((t) => t.package);
  if (missing.length === 0) return;
  if (Deno.uid() !== 0) {
    throw new Error(
      `missing Debian packages: ${missing.join(" ")}; install them with: sudo apt-get install -y ${
        missing.join(" ")
      }`,
    );
  }
  const env = { DEBIAN_FRONTEND: "noninteractive" };
  log(`installing Debian packages: ${missing.join(" ")} (apt-get)`);
  await run("apt-get", ["update", "-qq"], { env });
  await run("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...missing], { env });
}

async function ensureGoTool(tool: GoTool, log: (line: string) => void): Promise<void> {
  const target = goToolPath(tool);
  if (exists(target)) return;
  const { module, version } = GO_TOOLS[tool];
  const go = exists("/usr/local/go/bin/go") ? "/usr/local/go/bin/go" : "go";
  log(
    `building ${tool} ${version} with go install (cached in ${
      join(target, "..")
    }; takes minutes once)`,
  );
  try {
    await run(go, ["install", `${module}@${version}`], {
      env: { GOBIN: join(target, ".."), GOFLAGS: "-trimpath", CGO_ENABLED: "0" },
    });
  } catch (error) {
    if (error instanceof Deno.errors.NotFound) {
      throw new Error(
        `cannot build ${tool}: Go is not installed (Go >= 1.24 is needed for go install)`,
      );
    }
    throw error;
  }
}
