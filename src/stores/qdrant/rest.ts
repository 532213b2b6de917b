/**
 * One REST call to Qdrant with a key (the admin API key or a tenant token) and its
 * `{result, status, time}` envelope unwrapped; failures become QdrantServerError with
 * the server's own message (`{status: {error}}`, v1.19.0 `lib/api/src/rest/models.rs`
 * ApiResponse/ApiStatus; auth failures are plain text bodies from `src/actix/auth.rs`).
 */
import { endpointOf } from "../../config.ts";
import type { QdrantRequest } from "./requests.ts";

/** Counts the requests of one observation. */
export interface RoundTrips {
  roundTrips: number;
}

export class QdrantServerError extends Error {
  constructor(
    readonly status: number,
    readonly serverMessage: string,
    readonly operation: string,
    readonly endpoint: string,
  ) {
    super(`qdrant at ${endpoint}: ${operation} failed (HTTP ${status}): ${serverMessage}`);
    this.name = "QdrantServerError";
  }
}

/** The server's message from an error body, shortened, with any key in it masked. */
export function serverMessage(body: string, secrets: readonly string[]): string {
  let message = body.trim();
  try {
    const json = JSON.parse(body);
    const error = json?.status?.error;
    if (typeof error === "string") message = error;
  } catch { /* a plain text body, as auth failures are */ }
  for (const secret of secrets) if (secret) message = message.replaceAll(secret, "(sensitive)");
  return message.length > 300 ? `${message.slice(0, 300)}…` : message || "(empty answer)";
}

/** Sends one request; returns the envelope's `result`, throws QdrantServerError otherwise. */
export async function qdrantCall(
  url: string,
  key: string | undefined,
  request: QdrantRequest,
  trips?: RoundTrips,
): Promise<unknown> {
  if (trips) trips.roundTrips++;
  const response = await fetch(`${url}${request.path}`, {
    method: request.method,
    headers: {
      ...(key !== undefined && { "api-key": key }),
      ...(request.body !== undefined && { "content-type": "application/json" }),
    },
    body: request.body === undefined ? undefined : JSON.stringify(request.body),
    signal: AbortSignal.timeout(60_000),
  });
  const body = await response.text();
  const operation = `${request.method} ${request.path.split("?")[0]}`;
  if (!response.ok) {
    throw new QdrantServerError(
      response.status,
      serverMessage(body, key === undefined ? [] : [key]),
      operation,
      endpointOf(url),
    );
  }
  try {
    return JSON.parse(body).result;
  } catch {
    throw new QdrantServerError(response.status, "answer is not JSON", operation, endpointOf(url));
  }
}

/**
 * True for the answer to creating a collection that exists: StorageError::AlreadyExists,
 * HTTP 409 (v1.9.0 to v1.19.0). Not the 400 "Alias with the same name already exists".
 */
export function alreadyExists(error: unknown): boolean {
  return error instanceof QdrantServerError && error.status === 409;
}

export function notFound(error: unknown): boolean {
  return error instanceof QdrantServerError && error.status === 404;
}
