/**
 * Whether Bulkhead can vouch for Qdrant at all, for `doctor`, `plan` and reports: a
 * store that is not configured, not reachable, refuses the admin key or has JWT RBAC
 * off is "not verified" with the reason, never passed.
 */
import { ENV, type QdrantEndpoint } from "../../config.ts";
import type { ServerReport } from "../inspect.ts";
import { inspectQdrant } from "./inspect.ts";

export interface QdrantVerification {
  status: "verified" | "not_verified" | "not_configured";
  reason?: string;
  /** One line for people, e.g. `qdrant: not verified (BULKHEAD_QDRANT_URL is not set)`. */
  line: string;
}

/** The verdict for a server report (pure, so every branch is tested without a server). */
export function verificationOf(report: ServerReport | undefined): QdrantVerification {
  if (!report) {
    const reason = `${ENV.qdrantUrl} is not set`;
    return { status: "not_configured", reason, line: `qdrant: not verified (${reason})` };
  }
  const failed = report.checks.find((c) => !c.ok);
  const reason = report.error ??
    (!report.reachable ? `not reachable at ${report.endpoint}` : failed?.detail);
  if (reason !== undefined) {
    return { status: "not_verified", reason, line: `qdrant: not verified (${reason})` };
  }
  return {
    status: "verified",
    line: `qdrant: verified (${report.endpoint}, version ${report.version ?? "unknown"})`,
  };
}

export async function verifyQdrant(
  endpoint: QdrantEndpoint | undefined,
): Promise<QdrantVerification> {
  return verificationOf(endpoint ? await inspectQdrant(endpoint) : undefined);
}
