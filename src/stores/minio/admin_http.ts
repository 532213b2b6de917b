/**
 * Signed HTTP requests to MinIO's admin API (v3) and S3 API, and MinIO's error
 * documents as typed errors. Bodies are sent as byte arrays so Content-Length is set
 * and the signed payload hash is the real one.
 */
import type { MinioEndpoint } from "../../config.ts";
import { endpointOf } from "../../config.ts";
import { signRequest } from "./sigv4.ts";
import { utf8 } from "../../encoding.ts";

export const ADMIN_PREFIX = "/minio/admin/v3";

/** An error answered by the MinIO server, with its own code and message. */
export class MinioServerError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    readonly serverMessage: string,
    readonly operation: string,
    readonly endpoint: string,
  ) {
    super(`minio at ${endpoint}: ${operation} failed: ${code} (HTTP ${status}): ${serverMessage}`);
    this.name = "MinioServerError";
  }
}

export interface MinioRequest {
  method: "GET" | "PUT" | "POST" | "DELETE" | "HEAD";
  /** Path below the server root, e.g. `/minio/admin/v3/info`. */
  path: string;
  query?: Record<string, string>;
  body?: Uint8Array;
  headers?: Record<string, string>;
  /** SigV4 service: `s3` (S3 and admin API, the default) or `sts`. */
  service?: "s3" | "sts";
}

/** Sends a signed request; throws MinioServerError for any non-2xx answer. */
export async function minioRequest(
  endpoint: MinioEndpoint,
  request: MinioRequest,
): Promise<Uint8Array> {
  const url = new URL(endpoint.endpoint + request.path);
  for (const [k, v] of Object.entries(request.query ?? {})) url.searchParams.set(k, v);
  const body = request.body ?? new Uint8Array();
  const headers = await signRequest(
    { method: request.method, url, headers: request.headers ?? {}, body },
    endpoint,
    new Date(),
    request.service,
  );
  delete headers["host"];
  const operation = `${request.method} ${request.path.replace(ADMIN_PREFIX + "/", "admin ")}`;
  const response = await fetch(url, {
    method: request.method,
    headers,
    body: request.method === "GET" || request.method === "HEAD" ? undefined : body as BodyInit,
    signal: AbortSignal.timeout(30_000),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  if (!response.ok) {
    // HEAD answers carry no body: MinIO puts the error in headers instead.
    const headerCode = response.headers.get("x-minio-error-code");
    const { code, message } = bytes.length === 0 && headerCode
      ? {
        code: headerCode,
        message: (response.headers.get("x-minio-error-desc") ?? "").replace(/^"|"$/g, ""),
      }
      : parseServerError(bytes, response.status);
    throw new MinioServerError(
      response.status,
      code,
      message,
      operation,
      endpointOf(endpoint.endpoint),
    );
  }
  return bytes;
}

/** MinIO answers admin errors as JSON `{Code, Message}` and S3 errors as XML. */
export function parseServerError(
  bytes: Uint8Array,
  status: number,
): { code: string; message: string } {
  const text = utf8.decode(bytes);
  try {
    const json = JSON.parse(text);
    if (json && typeof json === "object" && "Code" in json) {
      return { code: String(json.Code), message: String(json.Message ?? "") };
    }
  } catch { /* not JSON */ }
  const code = /<Code>([^<]*)<\/Code>/.exec(text)?.[1];
  const message = /<Message>([^<]*)<\/Message>/.exec(text)?.[1];
  return { code: code ?? `HTTP${status}`, message: message ?? text.slice(0, 200) };
}
