import { endpointOf, ENV, type QdrantEndpoint } from "../../config.ts";
import { describeConnectionFailure, type ServerReport } from "../inspect.ts";
import { signJwt } from "./jwt.ts";

async function get(url: string, apiKey: string | undefined): Promise<Response> {
  return await fetch(url, {
    headers: apiKey ? { "api-key": apiKey } : {},
    signal: AbortSignal.timeout(10_000),
  });
}

export async function inspectQdrant(endpoint: QdrantEndpoint): Promise<ServerReport> {
  const report: ServerReport = {
    store: "qdrant",
    endpoint: endpointOf(endpoint.url),
    reachable: false,
    checks: [],
  };
  try {
    const root = await get(`${endpoint.url}/`, endpoint.apiKey);
    const body = await root.json().catch(() => ({}));
    report.reachable = true;
    report.version = body.version ?? "unknown";
    const collections = await get(`${endpoint.url}/collections`, endpoint.apiKey);
    await collections.body?.cancel();
    if (collections.status === 401 || collections.status === 403) {
      report.error = describeConnectionFailure(
        "qdrant",
        report.endpoint,
        new Error(`HTTP ${collections.status}`),
        ENV.qdrantApiKey,
      );
      return report;
    }
    if (!endpoint.apiKey) {
      report.checks.push({
        name: "API key set",
        ok: false,
        detail: `${ENV.qdrantApiKey} is not set: tenant tokens cannot be signed`,
      });
      return report;
    }
    // A read-only JWT signed with the API key is accepted only when JWT RBAC is on.
    const token = await signJwt({ access: "r" }, endpoint.apiKey);
    const probe = await get(`${endpoint.url}/collections`, token);
    await probe.body?.cancel();
    report.checks.push({
      name: "JWT RBAC enabled",
      ok: probe.ok,
      detail: probe.ok
        ? "a signed read-only token is accepted"
        : `a signed token was refused (HTTP ${probe.status}): set service.jwt_rbac: true`,
    });
  } catch (error) {
    report.error = describeConnectionFailure("qdrant", report.endpoint, error, ENV.qdrantApiKey);
  }
  return report;
}
