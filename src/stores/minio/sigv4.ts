/**
 * AWS Signature Version 4 for MinIO's S3 and admin APIs (service `s3`) and its STS API
 * (service `sts`). Admin calls
 * are signed with the region MinIO runs in; the payload hash is always the real
 * SHA-256 of the body (MinIO's admin API rejects UNSIGNED-PAYLOAD and chunked bodies).
 */
import { encodeHex, hmacSha256, sha256, utf8 } from "../../encoding.ts";

export interface SigningCredentials {
  accessKey: string;
  secretKey: string;
  region: string;
}

export interface RequestToSign {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Uint8Array;
  /**
   * The path exactly as sent, when it must not go through URL normalisation (probes send
   * `..` segments and encoded slashes on purpose); defaults to `url.pathname`.
   */
  rawPath?: string;
}

function hmac(key: Uint8Array, data: string): Promise<Uint8Array> {
  return hmacSha256(key, utf8.encode(data));
}

/** RFC 3986 encoding as SigV4 wants it: unreserved characters stay, the rest is %XX. */
export function uriEncode(text: string, keepSlash = false): string {
  let out = "";
  for (const byte of utf8.encode(text)) {
    const ch = String.fromCharCode(byte);
    if (/[A-Za-z0-9\-._~]/.test(ch) || (keepSlash && ch === "/")) out += ch;
    else out += "%" + byte.toString(16).toUpperCase().padStart(2, "0");
  }
  return out;
}

/**
 * The server signs the path it decoded (Go's URL.Path), encoded once per segment; a
 * malformed escape stays as it is, as Go leaves it.
 */
export function canonicalPath(sentPath: string): string {
  let decoded: string;
  try {
    decoded = decodeURIComponent(sentPath);
  } catch {
    decoded = sentPath;
  }
  return uriEncode(decoded, true);
}

function canonicalQuery(url: URL): string {
  return canonicalPairs([...url.searchParams.entries()]);
}

/** Query pairs encoded and sorted as SigV4 wants them; also the form probes send. */
export function canonicalPairs(query: readonly [string, string][]): string {
  const pairs = query.map(([k, v]) => [uriEncode(k), uriEncode(v)]);
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0));
  return pairs.map(([k, v]) => `${k}=${v}`).join("&");
}

export function amzDate(now: Date): string {
  return now.toISOString().replace(/[-:]/g, "").replace(/\.\d{3}/, "");
}

/**
 * Returns the headers to send: the given ones plus host, x-amz-date,
 * x-amz-content-sha256 and authorization.
 */
export async function signRequest(
  request: RequestToSign,
  credentials: SigningCredentials,
  now = new Date(),
  service = "s3",
): Promise<Record<string, string>> {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const payloadHash = encodeHex(await sha256(request.body));
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(request.headers)) headers[k.toLowerCase()] = v;
  headers["host"] = request.url.host;
  headers["x-amz-date"] = date;
  headers["x-amz-content-sha256"] = payloadHash;
  const names = Object.keys(headers).sort();
  const canonicalHeaders = names.map((n) => `${n}:${headers[n].trim().replace(/\s+/g, " ")}\n`)
    .join("");
  const signedHeaders = names.join(";");
  const path = canonicalPath(request.rawPath ?? request.url.pathname);
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery(request.url),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${day}/${credentials.region}/${service}/aws4_request`;
  const signature = await signString(
    credentials,
    day,
    await stringToSign(date, scope, canonicalRequest),
    service,
  );
  headers["authorization"] =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}

async function stringToSign(date: string, scope: string, canonicalRequest: string) {
  const hash = encodeHex(await sha256(utf8.encode(canonicalRequest)));
  return ["AWS4-HMAC-SHA256", date, scope, hash].join("\n");
}

async function signingKey(
  credentials: SigningCredentials,
  day: string,
  service: string,
): Promise<Uint8Array> {
  let key = await hmac(utf8.encode(`AWS4${credentials.secretKey}`), day);
  key = await hmac(key, credentials.region);
  key = await hmac(key, service);
  return await hmac(key, "aws4_request");
}

/** `HMAC-SHA256(signing key, text)` in hex: the signature of a POST policy or a presigned string. */
export async function signString(
  credentials: SigningCredentials,
  day: string,
  text: string,
  service = "s3",
): Promise<string> {
  return encodeHex(await hmac(await signingKey(credentials, day, service), text));
}

/**
 * The query parameters of a presigned URL (AWS SigV4 query authentication, host the only
 * signed header, payload unsigned), to append to the path as sent.
 */
export async function presignQuery(
  request: { method: string; url: URL; rawPath?: string; query: [string, string][] },
  credentials: SigningCredentials & { sessionToken?: string },
  expiresSeconds: number,
  now = new Date(),
): Promise<[string, string][]> {
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const scope = `${day}/${credentials.region}/s3/aws4_request`;
  const params: [string, string][] = [
    ...request.query,
    ["X-Amz-Algorithm", "AWS4-HMAC-SHA256"],
    ["X-Amz-Credential", `${credentials.accessKey}/${scope}`],
    ["X-Amz-Date", date],
    ["X-Amz-Expires", String(expiresSeconds)],
    ["X-Amz-SignedHeaders", "host"],
    ...(credentials.sessionToken
      ? [["X-Amz-Security-Token", credentials.sessionToken] as [string, string]]
      : []),
  ];
  const canonical = canonicalPairs(params);
  const canonicalRequest = [
    request.method,
    canonicalPath(request.rawPath ?? request.url.pathname),
    canonical,
    `host:${request.url.host}\n`,
    "host",
    "UNSIGNED-PAYLOAD",
  ].join("\n");
  const text = await stringToSign(date, scope, canonicalRequest);
  return [...params, ["X-Amz-Signature", await signString(credentials, day, text)]];
}
