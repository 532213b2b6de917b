/**
 * What `doctor` and `sandbox status` learn of a store server with the admin
 * credentials, and how connection failures are put into words. Messages name the
 * store and the endpoint (never a secret) and say what to check.
 */
import type { StoreName } from "../tenant/model.ts";

export interface ServerCheck {
  name: string;
  ok: boolean;
  detail: string;
}

export interface ServerReport {
  store: StoreName;
  /** `scheme://host:port`, without credentials. */
  endpoint: string;
  reachable: boolean;
  version?: string;
  checks: ServerCheck[];
  /** One line: what went wrong and what to check. */
  error?: string;
}

export function serverReady(report: ServerReport): boolean {
  return report.reachable && report.checks.every((c) => c.ok);
}

/** Turns a connection-level failure into one line that names store and endpoint. */
export function describeConnectionFailure(
  store: string,
  endpoint: string,
  error: unknown,
  credentialsHint: string,
): string {
  const text = errorText(error);
  const code = (error as { code?: string })?.code ?? "";
  const at = `${store} at ${endpoint}`;
  if (/ECONNREFUSED|Connection refused|ConnectionRefused/i.test(text + code)) {
    return `${at}: connection refused; is the server running and the endpoint right?`;
  }
  if (
    /ENOTFOUND|EAI_AGAIN|dns error|failed to lookup|Name or service not known/i.test(text + code)
  ) {
    return `${at}: host not found; check the host name in the endpoint`;
  }
  if (/timed? ?out|ETIMEDOUT/i.test(text + code)) {
    return `${at}: timed out; check the endpoint and that the network reaches it`;
  }
  if (
    /WRONGPASS|password authentication failed|28P01|InvalidAccessKeyId|SignatureDoesNotMatch|NOAUTH|authentication failed|\b401\b|\b403\b/i
      .test(text + code)
  ) {
    return `${at}: authentication failed; check ${credentialsHint}`;
  }
  return `${at}: ${text}`;
}

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.message.split("\n")[0];
  return String(error);
}
