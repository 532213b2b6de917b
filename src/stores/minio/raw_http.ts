/**
 * One HTTP/1.1 request sent exactly as given, over a fresh connection. Probes need this
 * because fetch normalises what they must send unchanged: `..` segments, `%2e%2e`, and
 * paths that are not valid URLs. It also answers on the status line alone for requests
 * whose answer is an endless stream (event listening, trace, logs).
 */
import { utf8 } from "../../encoding.ts";

export interface RawRequest {
  method: string;
  /** Path and query exactly as they go on the wire. */
  target: string;
  headers: Record<string, string>;
  body: Uint8Array;
}

export interface RawResponse {
  /** 0 when a stream request was held open without an answer for `streamPatienceMs`. */
  status: number;
  headers: Headers;
  /** The body (up to `maxBody` bytes); empty when `stream` stopped at the headers. */
  body: Uint8Array;
}

export interface RawOptions {
  timeoutMs?: number;
  /**
   * Return once the status line and headers are in (the body may never end). MinIO holds
   * an authorised event listener open without sending even its headers until an event
   * comes, while it refuses an unauthorised one at once: a stream request still
   * unanswered after `streamPatienceMs` comes back with status 0.
   */
  stream?: boolean;
  streamPatienceMs?: number;
  maxBody?: number;
}

/** The server did not answer in time or the connection failed: never a store's answer. */
export class RawHttpError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RawHttpError";
  }
}

function concat(chunks: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(chunks.reduce((n, c) => n + c.length, 0));
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out;
}

function indexOfHeaderEnd(bytes: Uint8Array): number {
  for (let i = 0; i + 3 < bytes.length; i++) {
    if (bytes[i] === 13 && bytes[i + 1] === 10 && bytes[i + 2] === 13 && bytes[i + 3] === 10) {
      return i;
    }
  }
  return -1;
}

/** Parses `status line ‖ headers` (without the blank line). */
export function parseHead(text: string): { status: number; headers: Headers } {
  const [statusLine, ...lines] = text.split("\r\n");
  const match = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
  if (!match) throw new RawHttpError(`not an HTTP answer: ${statusLine.slice(0, 80)}`);
  const headers = new Headers();
  for (const line of lines) {
    const colon = line.indexOf(":");
    if (colon > 0) headers.append(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
  }
  return { status: Number(match[1]), headers };
}

/** Decodes a chunked body; a truncated one gives what arrived. */
export function dechunk(bytes: Uint8Array): Uint8Array {
  const out: Uint8Array[] = [];
  let at = 0;
  while (at < bytes.length) {
    let lineEnd = at;
    while (lineEnd + 1 < bytes.length && !(bytes[lineEnd] === 13 && bytes[lineEnd + 1] === 10)) {
      lineEnd++;
    }
    const size = parseInt(utf8.decode(bytes.subarray(at, lineEnd)).split(";")[0], 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(bytes.subarray(lineEnd + 2, Math.min(bytes.length, lineEnd + 2 + size)));
    at = lineEnd + 2 + size + 2;
  }
  return concat(out);
}

/** Whether a complete body has arrived after the head (Content-Length, or chunked end). */
function bodyComplete(method: string, status: number, headers: Headers, body: Uint8Array) {
  if (method === "HEAD" || status === 204 || status === 304 || status < 200) return true;
  const length = headers.get("content-length");
  if (length !== null) return body.length >= Number(length);
  if (/chunked/i.test(headers.get("transfer-encoding") ?? "")) {
    const tail = utf8.decode(body.subarray(Math.max(0, body.length - 7)));
    return /(^|\r\n)0\r\n\r\n$/.test(tail) || tail.endsWith("\r\n0\r\n\r\n");
  }
  return false;
}

export async function sendRaw(
  endpoint: string,
  request: RawRequest,
  options: RawOptions = {},
): Promise<RawResponse> {
  const url = new URL(endpoint);
  const port = Number(url.port) || (url.protocol === "https:" ? 443 : 80);
  const hostname = url.hostname.replace(/^\[|\]$/g, "");
  const timeoutMs = options.stream
    ? options.streamPatienceMs ?? 3_000
    : options.timeoutMs ?? 15_000;
  const maxBody = options.maxBody ?? 1 << 20;
  let conn: Deno.Conn | undefined;
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    try {
      conn?.close();
    } catch { /* already closed */ }
  }, timeoutMs);
  try {
    conn = url.protocol === "https:"
      ? await Deno.connectTls({ hostname, port })
      : await Deno.connect({ hostname, port });
    const head = [
      `${request.method} ${request.target} HTTP/1.1`,
      `host: ${url.host}`,
      ...Object.entries(request.headers).map(([k, v]) => `${k}: ${v}`),
      `content-length: ${request.body.length}`,
      "connection: close",
      "",
      "",
    ].join("\r\n");
    const out = concat([utf8.encode(head), request.body]);
    for (let written = 0; written < out.length;) {
      written += await conn.write(out.subarray(written));
    }
    const chunks: Uint8Array[] = [];
    const buffer = new Uint8Array(64 * 1024);
    let parsed: { status: number; headers: Headers; bodyStart: number } | undefined;
    let total = 0;
    while (true) {
      const n = await conn.read(buffer);
      if (n === null) break;
      chunks.push(buffer.slice(0, n));
      total += n;
      const all = concat(chunks);
      if (!parsed) {
        const end = indexOfHeaderEnd(all);
        if (end < 0) continue;
        parsed = { ...parseHead(utf8.decode(all.subarray(0, end))), bodyStart: end + 4 };
        if (options.stream && parsed.status >= 200 && parsed.status < 300) break;
      }
      const body = all.subarray(parsed.bodyStart);
      if (bodyComplete(request.method, parsed.status, parsed.headers, body)) break;
      if (total > maxBody + 64 * 1024) break;
    }
    if (!parsed) {
      const partial = concat(chunks);
      const end = indexOfHeaderEnd(partial);
      if (end < 0) throw new RawHttpError("the connection closed before an HTTP answer");
      parsed = { ...parseHead(utf8.decode(partial.subarray(0, end))), bodyStart: end + 4 };
    }
    let body = concat(chunks).subarray(parsed.bodyStart);
    if (/chunked/i.test(parsed.headers.get("transfer-encoding") ?? "")) body = dechunk(body);
    return { status: parsed.status, headers: parsed.headers, body: body.slice(0, maxBody) };
  } catch (error) {
    if (timedOut && options.stream) {
      return { status: 0, headers: new Headers(), body: new Uint8Array() };
    }
    if (timedOut) {
      throw new RawHttpError(`no answer from ${url.host} within ${timeoutMs} ms`);
    }
    if (error instanceof RawHttpError) throw error;
    throw new RawHttpError(
      `${url.host}: ${error instanceof Error ? error.message.split("\n")[0] : String(error)}`,
    );
  } finally {
    clearTimeout(timer);
    try {
      conn?.close();
    } catch { /* closed by the timer */ }
  }
}
