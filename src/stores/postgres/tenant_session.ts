/**
 * A tenant's view of the server: the URL its application gets, a connection with its
 * own credential, and one attempt classified by the server's answer. Conformance probes
 * build on these; a denial counts only when the server itself refused.
 */
import postgres from "postgres";
import type { PostgresEndpoint } from "../../config.ts";
import type { StoreSecret } from "../store.ts";

/** The admin URL with the tenant's credential and database (TLS and other options kept). */
export function tenantUrl(
  endpoint: PostgresEndpoint,
  secret: StoreSecret,
  database: string,
): string {
  const url = new URL(endpoint.url);
  url.username = encodeURIComponent(secret.role);
  url.password = encodeURIComponent(secret.password);
  url.pathname = `/${encodeURIComponent(database)}`;
  return url.toString();
}

/** A single-connection client logged in as the tenant; the caller ends it. */
export function connectAsTenant(
  endpoint: PostgresEndpoint,
  secret: StoreSecret,
  database: string,
): postgres.Sql {
  return postgres(tenantUrl(endpoint, secret, database), {
    max: 1,
    connect_timeout: 10,
    idle_timeout: 5,
    onnotice: () => {},
    connection: { application_name: "bulkhead-tenant-probe" },
  });
}

/**
 * SQLSTATEs with which the server refuses a tenant: insufficient_privilege (also row
 * security violations and CONNECT revoked), invalid_authorization_specification (login
 * not allowed), invalid_password, too_many_connections (its connection limit).
 */
export const DENIAL_STATES = new Set(["42501", "28000", "28P01", "53300"]);

export type Attempt =
  | { outcome: "allowed"; rows: Record<string, unknown>[] }
  | { outcome: "denied"; code: string; message: string }
  | { outcome: "error"; code?: string; message: string };

/** Classifies a failure: the server's refusal, or anything else (never a pass). */
export function classifyFailure(error: unknown): Attempt {
  const code = (error as { code?: string })?.code;
  const message = error instanceof Error ? error.message.split("\n")[0] : String(error);
  if (code && DENIAL_STATES.has(code)) return { outcome: "denied", code, message };
  return { outcome: "error", ...(code && { code }), message };
}

/**
 * Connects as the tenant to `database` and runs `statements` in order on its one
 * session (so SET ROLE and friends carry over); the outcome is that of the last
 * statement, or of the first one that fails (connecting included).
 */
export async function attemptAsTenant(
  endpoint: PostgresEndpoint,
  secret: StoreSecret,
  database: string,
  statements: string[],
): Promise<Attempt> {
  const sql = connectAsTenant(endpoint, secret, database);
  try {
    let rows: Record<string, unknown>[] = [];
    for (const statement of statements) rows = [...await sql.unsafe(statement)];
    return { outcome: "allowed", rows };
  } catch (error) {
    return classifyFailure(error);
  } finally {
    await sql.end({ timeout: 2 }).catch(() => {});
  }
}
