/**
 * One request a probe sends to MinIO, as plain JSON (so an attempt can be printed,
 * stored in a report and replayed), how it is signed at run time with a tenant's keys,
 * and how the server's answer is classified. Secrets never appear in a call: bodies
 * that need one (admin bodies are encrypted with the signer's secret key) are sealed at
 * run time.
 */
import { createHash } from "node:crypto";
import { encodeBase64, encodeHex, utf8 } from "../../encoding.ts";
import { encryptAdminJson } from "./admin_crypto.ts";
import { parseServerError } from "./admin_http.ts";
import { sendRaw } from "./raw_http.ts";
import {
  amzDate,
  canonicalPairs,
  presignQuery,
  signRequest,
  signString,
  uriEncode,
} from "./sigv4.ts";

export type CallAuth =
  /** SigV4 headers with the tenant's keys (or its temporary credentials). */
  | "signed"
  /** A presigned URL made with the tenant's keys. */
  | "presigned"
  /** No credentials at all. */
  | "anonymous"
  /** A browser form upload (POST policy) signed with the tenant's keys. */
  | "post-policy";

export interface S3Call {
  method: "GET" | "PUT" | "POST" | "DELETE" | "HEAD";
  /** The path exactly as sent, percent-encoding, `..` segments and all. */
  path: string;
  /** Decoded query pairs, sent encoded as SigV4 canonicalises them. */
  query?: [string, string][];
  headers?: Record<string, string>;
  /** UTF-8 body. */
  body?: string;
  /**
   * An admin API body, encrypted at run time with the signer's secret key (madmin). The
   * value `OWN_SECRET_KEY` anywhere in it is replaced by the signer's secret key.
   */
  sealedBody?: Record<string, unknown>;
  /** Content-MD5 of the body (lifecycle, object lock and multi-delete need it). */
  contentMd5?: boolean;
  auth: CallAuth;
  /** Sign with temporary (AssumeRole) credentials minted from the tenant's keys. */
  temporary?: boolean;
  service?: "s3" | "sts";
  /** The answer is an endless stream on success: decide on the status line. */
  stream?: boolean;
  /** For `post-policy`: the object key and an optional fan-out list of further keys. */
  form?: { key: string; fanOut?: string[] };
}

/** The placeholder a call uses where the signer's own secret key must go. */
export const OWN_SECRET_KEY = "(the signer's own secret key)";

export interface Signer {
  accessKey: string;
  secretKey: string;
  sessionToken?: string;
  region: string;
}

export interface CallAnswer {
  status: number;
  /** The server's error code (body, or MinIO's error headers for HEAD); "" on success. */
  code: string;
  message: string;
  body: Uint8Array;
  headers: Headers;
}

function replaceSecret(value: unknown, secret: string): unknown {
  if (value === OWN_SECRET_KEY) return secret;
  if (Array.isArray(value)) return value.map((v) => replaceSecret(v, secret));
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) => [k, replaceSecret(v, secret)]),
    );
  }
  return value;
}

export function contentMd5(body: Uint8Array): string {
  return createHash("md5").update(body).digest("base64");
}

/** `path?query` as sent: the query in canonical SigV4 form, so what is signed is what is sent. */
export function requestTarget(path: string, query: readonly [string, string][]): string {
  return query.length > 0 ? `${path}?${canonicalPairs(query)}` : path;
}

async function postPolicyForm(call: S3Call, signer: Signer) {
  const bucket = decodeURIComponent(call.path.split("/")[1] ?? "");
  const now = new Date();
  const date = amzDate(now);
  const day = date.slice(0, 8);
  const credential = `${signer.accessKey}/${day}/${signer.region}/s3/aws4_request`;
  const policy = encodeBase64(utf8.encode(JSON.stringify({
    expiration: new Date(now.getTime() + 10 * 60_000).toISOString(),
    conditions: [
      { bucket },
      ["starts-with", "$key", ""],
      { "x-amz-algorithm": "AWS4-HMAC-SHA256" },
      { "x-amz-credential": credential },
      { "x-amz-date": date },
      ...(signer.sessionToken ? [{ "x-amz-security-token": signer.sessionToken }] : []),
    ],
  })));
  const fields: [string, string][] = [
    ["key", call.form?.key ?? "probe"],
    ["x-amz-algorithm", "AWS4-HMAC-SHA256"],
    ["x-amz-credential", credential],
    ["x-amz-date", date],
    ...(signer.sessionToken
      ? [["x-amz-security-token", signer.sessionToken] as [string, string]]
      : []),
    ["policy", policy],
    ["x-amz-signature", await signString(signer, day, policy)],
  ];
  if (call.form?.fanOut) {
    fields.push([
      "x-minio-fanout-list",
      call.form.fanOut.map((key) => JSON.stringify({ key })).join("\n"),
    ]);
  }
  const boundary = `bulkhead-probe-${encodeHex(crypto.getRandomValues(new Uint8Array(8)))}`;
  const parts = fields.map(([name, value]) =>
    `--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`
  );
  parts.push(
    `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="probe.txt"\r\n` +
      `Content-Type: text/plain\r\n\r\nbulkhead probe\r\n--${boundary}--\r\n`,
  );
  return {
    body: utf8.encode(parts.join("")),
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * Sends the call to `endpoint`, signed by `signer` (ignored for anonymous calls). Throws
 * RawHttpError when the server cannot be reached or does not answer in time.
 */
export async function sendCall(
  endpoint: string,
  call: S3Call,
  signer: Signer | undefined,
  timeoutMs = 15_000,
): Promise<CallAnswer> {
  const base = endpoint.replace(/\/+$/, "");
  const url = new URL(base + "/");
  const query = [...(call.query ?? [])];
  let headers: Record<string, string> = { ...(call.headers ?? {}) };
  let body = call.body !== undefined ? utf8.encode(call.body) : new Uint8Array();
  if (call.sealedBody) {
    if (!signer) throw new Error("a sealed admin body needs a signer");
    body = encryptAdminJson(signer.secretKey, replaceSecret(call.sealedBody, signer.secretKey));
    headers["content-type"] ??= "application/octet-stream";
  }
  if (call.contentMd5) headers["content-md5"] = contentMd5(body);

  let target = requestTarget(call.path, query);
  if (call.auth === "post-policy") {
    if (!signer) throw new Error("a POST policy needs a signer");
    const form = await postPolicyForm(call, signer);
    body = form.body;
    headers["content-type"] = form.contentType;
  } else if (call.auth === "presigned") {
    if (!signer) throw new Error("a presigned URL needs a signer");
    const signed = await presignQuery(
      { method: call.method, url, rawPath: call.path, query },
      signer,
      600,
    );
    target = requestTarget(call.path, signed);
  } else if (call.auth === "signed") {
    if (!signer) throw new Error("a signed call needs a signer");
    if (signer.sessionToken) headers["x-amz-security-token"] = signer.sessionToken;
    const signUrl = new URL(base + "/");
    for (const [k, v] of query) signUrl.searchParams.append(k, v);
    headers = await signRequest(
      { method: call.method, url: signUrl, rawPath: call.path, headers, body },
      signer,
      new Date(),
      call.service,
    );
    delete headers["host"];
  }
  const response = await sendRaw(base, { method: call.method, target, headers, body }, {
    timeoutMs,
    stream: call.stream,
  });
  if (response.status === 0) {
    return {
      status: 0,
      code: "",
      message: "held open",
      body: response.body,
      headers: response.headers,
    };
  }
  if (response.status < 300 || response.status === 304) {
    return {
      status: response.status,
      code: "",
      message: "",
      body: response.body,
      headers: response.headers,
    };
  }
  const headerCode = response.headers.get("x-minio-error-code");
  const { code, message } = response.body.length === 0 && headerCode
    ? {
      code: headerCode,
      message: (response.headers.get("x-minio-error-desc") ?? "").replace(/^"|"$/g, ""),
    }
    : parseServerError(response.body, response.status);
  return { status: response.status, code, message, body: response.body, headers: response.headers };
}

/** Encodes an object key for a path: every byte but unreserved characters and `/`. */
export function keyPath(bucket: string, key: string): string {
  return `/${bucket}/${uriEncode(key, true)}`;
}

/** Errors reported inside a 200 answer (DeleteObjects answers per key). */
export function inlineErrorCodes(body: Uint8Array): string[] {
  const text = utf8.decode(body);
  return [...text.matchAll(/<Error>[\s\S]*?<Code>([^<]*)<\/Code>/g)].map((m) => m[1]);
}
