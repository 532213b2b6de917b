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

function canonicalQuery(url: URL): string {
  const pairs = [...url.searchParams.entries()].map(([k, v]) => [uriEncode(k), uriEncode(v)]);
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
  // The path is already percent-encoded by URL; decode then encode once, per segment.
  const path = uriEncode(decodeURIComponent(request.url.pathname), true);
  const canonicalRequest = [
    request.method,
    path,
    canonicalQuery(request.url),
    canonicalHeaders,
    signedHeaders,
    payloadHash,
  ].join("\n");
  const scope = `${day}/${credentials.region}/${service}/aws4_request`;
  const stringToSign = [
    "AWS4-HMAC-SHA256",
    date,
    scope,
    encodeHex(await sha256(utf8.encode(canonicalRequest))),
  ].join("\n");
  let key = await hmac(utf8.encode(`AWS4${credentials.secretKey}`), day);
  key = await hmac(key, credentials.region);
  key = await hmac(key, service);
  key = await hmac(key, "aws4_request");
  const signature = encodeHex(await hmac(key, stringToSign));
  headers["authorization"] =
    `AWS4-HMAC-SHA256 Credential=${credentials.accessKey}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`;
  return headers;
}
