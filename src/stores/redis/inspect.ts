import { Redis } from "ioredis";
import { endpointOf, ENV } from "../../config.ts";
import { describeConnectionFailure, type ServerReport } from "../inspect.ts";

/** One admin connection that fails fast instead of retrying forever. */
export function adminRedis(url: string): Redis {
  return new Redis(url, {
    lazyConnect: true,
    connectTimeout: 10_000,
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    retryStrategy: () => null,
    connectionName: "bulkhead",
  });
}

export async function inspectRedis(url: string): Promise<ServerReport> {
  const report: ServerReport = {
    store: "redis",
    endpoint: endpointOf(url),
    reachable: false,
    checks: [],
  };
  const redis = adminRedis(url);
  let lastError: unknown;
  redis.on("error", (error) => lastError = error);
  try {
    await redis.connect().catch((error) => {
      // ioredis reports a refused AUTH as "Connection is closed"; the event has the cause.
      throw lastError ?? error;
    });
    const info = await redis.info("server");
    report.reachable = true;
    report.version = /redis_version:(\S+)/.exec(info)?.[1];
    const major = Number(report.version?.split(".")[0] ?? 0);
    report.checks.push({
      name: "version >= 7.0 (ACL selectors, ACL DRYRUN)",
      ok: major >= 7,
      detail: `Redis ${report.version}`,
    });
    const me = String(await redis.call("ACL", "WHOAMI"));
    const dryRun = major >= 7
      ? String(
        await redis.call("ACL", "DRYRUN", me, "ACL", "SETUSER", "bulkhead-probe").catch((e) =>
          e.message
        ),
      )
      : "";
    report.checks.push({
      name: "admin may manage ACL users",
      ok: dryRun === "OK",
      detail: dryRun === "OK"
        ? `user ${me} may run ACL SETUSER`
        : `user ${me}: ${dryRun || "ACL DRYRUN needs Redis 7"}`,
    });
  } catch (error) {
    report.error = describeConnectionFailure(
      "redis",
      report.endpoint,
      error,
      `the user and password in ${ENV.redisUrl}`,
    );
  } finally {
    redis.disconnect();
  }
  return report;
}
