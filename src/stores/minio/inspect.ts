import { endpointOf, ENV, type MinioEndpoint } from "../../config.ts";
import { utf8 } from "../../encoding.ts";
import { describeConnectionFailure, type ServerReport } from "../inspect.ts";
import { ADMIN_PREFIX, minioRequest } from "./admin_http.ts";

export async function inspectMinio(endpoint: MinioEndpoint): Promise<ServerReport> {
  const report: ServerReport = {
    store: "minio",
    endpoint: endpointOf(endpoint.endpoint),
    reachable: false,
    checks: [],
  };
  try {
    const info = JSON.parse(
      utf8.decode(await minioRequest(endpoint, { method: "GET", path: `${ADMIN_PREFIX}/info` })),
    );
    report.reachable = true;
    const server = info.servers?.[0] ?? {};
    report.version = server.version ?? "unknown";
    report.checks.push({
      name: "admin API v3 reachable",
      ok: true,
      detail: `mode ${info.mode ?? "unknown"}, ${info.servers?.length ?? 0} server(s)`,
    });
  } catch (error) {
    report.error = describeConnectionFailure(
      "minio",
      report.endpoint,
      error,
      `${ENV.minioAccessKey} and ${ENV.minioSecretKey}`,
    );
  }
  return report;
}
