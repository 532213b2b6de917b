/**
 * A minimal RESP client for the conformance probes. The probes must see exactly what the
 * server answers to exactly what was sent: a general client library interprets some
 * commands on its own (it switches modes on SUBSCRIBE and MONITOR, tracks SELECT,
 * retries, runs a ready check), which would blur the server's verdict. This one sends
 * arrays of byte strings, pipelined, and returns each reply as the server gave it.
 *
 * Byte strings: every argument and every bulk reply is a JS string with one character
 * per byte (codes 0–255), so that any byte sequence, valid UTF-8 or not, travels as
 * plain JSON in an Attempt and back.
 */

export class RespError {
  constructor(readonly message: string) {}
  /** The error code: the first word (`NOPERM`, `WRONGPASS`, `ERR` …). */
  get code(): string {
    return this.message.split(" ", 1)[0];
  }
}

export type RespReply = string | number | boolean | null | RespError | RespReply[];

/** The UTF-8 bytes of `text` as a byte string. */
export function byteString(text: string): string {
  let out = "";
  for (const b of new TextEncoder().encode(text)) out += String.fromCharCode(b);
  return out;
}

function toBytes(arg: string): Uint8Array {
  const bytes = new Uint8Array(arg.length);
  for (let i = 0; i < arg.length; i++) {
    const code = arg.charCodeAt(i);
    if (code > 0xff) throw new Error(`argument is not a byte string (character ${code})`);
    bytes[i] = code;
  }
  return bytes;
}

function latin1(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    out += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return out;
}

/** The wire form of commands: RESP arrays of bulk strings. */
export function encodeCommands(commands: readonly (readonly string[])[]): Uint8Array {
  const parts: Uint8Array[] = [];
  const text = (s: string) => parts.push(new TextEncoder().encode(s));
  for (const argv of commands) {
    text(`*${argv.length}\r\n`);
    for (const arg of argv) {
      const bytes = toBytes(arg);
      text(`$${bytes.length}\r\n`);
      parts.push(bytes);
      text("\r\n");
    }
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * Parses one reply (RESP2, and the RESP3 types a HELLO 3 could switch to) at `offset`;
 * undefined while the buffer holds only part of it.
 */
export function parseReply(
  buffer: Uint8Array,
  offset = 0,
): { reply: RespReply; next: number } | undefined {
  const lineEnd = (from: number) => {
    for (let i = from; i + 1 < buffer.length; i++) {
      if (buffer[i] === 13 && buffer[i + 1] === 10) return i;
    }
    return -1;
  };
  const end = lineEnd(offset + 1);
  if (offset >= buffer.length || end < 0) return undefined;
  const type = String.fromCharCode(buffer[offset]);
  const line = latin1(buffer.subarray(offset + 1, end));
  const after = end + 2;
  const aggregate = (count: number, pairs: boolean) => {
    const items: RespReply[] = [];
    let at = after;
    for (let i = 0; i < count * (pairs ? 2 : 1); i++) {
      const item = parseReply(buffer, at);
      if (!item) return undefined;
      items.push(item.reply);
      at = item.next;
    }
    return { reply: items, next: at };
  };
  switch (type) {
    case "+":
      return { reply: line, next: after };
    case "-":
      return { reply: new RespError(line), next: after };
    case ":":
      return { reply: Number(line), next: after };
    case ",":
    case "(":
      return { reply: line, next: after };
    case "#":
      return { reply: line === "t", next: after };
    case "_":
      return { reply: null, next: after };
    case "$":
    case "=":
    case "!": {
      const length = Number(line);
      if (length < 0) return { reply: null, next: after };
      if (buffer.length < after + length + 2) return undefined;
      const body = latin1(buffer.subarray(after, after + length));
      const reply = type === "!" ? new RespError(body) : body;
      return { reply, next: after + length + 2 };
    }
    case "*":
    case "~":
    case ">": {
      const count = Number(line);
      return count < 0 ? { reply: null, next: after } : aggregate(count, false);
    }
    case "%":
    case "|":
      return aggregate(Number(line), true);
    default:
      throw new Error(`not a RESP reply (type byte ${buffer[offset]})`);
  }
}

export interface RespAddress {
  hostname: string;
  port: number;
  tls: boolean;
}

/** Host, port and TLS of a `redis://` or `rediss://` URL; user and password are ignored. */
export function respAddress(url: string): RespAddress {
  const at = new URL(url);
  return {
    hostname: at.hostname,
    port: Number(at.port || 6379),
    tls: at.protocol === "rediss:",
  };
}

/** One TCP (or TLS) connection to a Redis server. Owns the socket. */
export class RespConnection {
  readonly #conn: Deno.Conn;
  readonly #timeoutMs: number;
  #buffer = new Uint8Array(0);
  #waiting: { resolve(): void }[] = [];
  #closed: string | undefined;
  /** Exchanges run one after the other: replies are matched to commands by order. */
  #turn: Promise<unknown> = Promise.resolve();

  private constructor(conn: Deno.Conn, timeoutMs: number) {
    this.#conn = conn;
    this.#timeoutMs = timeoutMs;
    this.#read();
  }

  static async open(address: RespAddress, timeoutMs = 5_000): Promise<RespConnection> {
    const connect = address.tls
      ? Deno.connectTls({ hostname: address.hostname, port: address.port })
      : Deno.connect({ hostname: address.hostname, port: address.port });
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`timed out connecting after ${timeoutMs} ms`)),
        timeoutMs,
      );
    });
    try {
      const conn = await Promise.race([connect, timeout]);
      return new RespConnection(conn, timeoutMs);
    } finally {
      clearTimeout(timer);
    }
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /**
   * Sends the commands in one write and returns one reply per command. A timeout or a
   * lost connection rejects and closes the connection: its state is unknown after.
   */
  send(commands: readonly (readonly string[])[]): Promise<RespReply[]> {
    const result = this.#turn.then(() => this.#sendNow(commands));
    this.#turn = result.catch(() => {});
    return result;
  }

  async #sendNow(commands: readonly (readonly string[])[]): Promise<RespReply[]> {
    if (this.#closed) throw new Error(`connection closed: ${this.#closed}`);
    const data = encodeCommands(commands);
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        this.close(`no reply within ${this.#timeoutMs} ms`);
        reject(new Error(`timed out: no reply within ${this.#timeoutMs} ms`));
      }, this.#timeoutMs);
    });
    try {
      return await Promise.race([this.#exchange(data, commands.length), deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  close(reason = "closed by the probe"): void {
    if (this.#closed) return;
    this.#closed = reason;
    try {
      this.#conn.close();
    } catch {
      // Already closed by the peer.
    }
    for (const w of this.#waiting.splice(0)) w.resolve();
  }

  async #exchange(data: Uint8Array, count: number): Promise<RespReply[]> {
    for (let written = 0; written < data.length;) {
      written += await this.#conn.write(data.subarray(written));
    }
    const replies: RespReply[] = [];
    let offset = 0;
    while (replies.length < count) {
      const parsed = parseReply(this.#buffer, offset);
      if (parsed) {
        replies.push(parsed.reply);
        offset = parsed.next;
        continue;
      }
      if (this.#closed) throw new Error(`connection closed: ${this.#closed}`);
      await new Promise<void>((resolve) => this.#waiting.push({ resolve }));
    }
    this.#buffer = this.#buffer.slice(offset);
    return replies;
  }

  async #read() {
    const chunk = new Uint8Array(64 * 1024);
    try {
      while (true) {
        const n = await this.#conn.read(chunk);
        if (n === null) break;
        const joined = new Uint8Array(this.#buffer.length + n);
        joined.set(this.#buffer);
        joined.set(chunk.subarray(0, n), this.#buffer.length);
        this.#buffer = joined;
        for (const w of this.#waiting.splice(0)) w.resolve();
      }
      this.close("closed by the server");
    } catch (error) {
      this.close(error instanceof Error ? error.message : String(error));
    }
  }
}
