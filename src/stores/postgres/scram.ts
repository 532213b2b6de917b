/**
 * SCRAM-SHA-256 verifiers (RFC 5802/7677 as PostgreSQL stores them), so a tenant's
 * password is set with `ALTER ROLE … PASSWORD '<verifier>'` and never reaches the
 * server, its logs or pg_stat_activity in clear; and so a live verifier can be checked
 * against the recorded password without logging in.
 *
 * PostgreSQL applies SASLprep to the password; for printable ASCII that is the
 * identity, which is why tenant passwords are printable ASCII (`isScramSafePassword`).
 */
import { decodeBase64, encodeBase64, hmacSha256, sha256, utf8 } from "../../encoding.ts";

export const SCRAM_ITERATIONS = 4096;
const SALT_BYTES = 16;

export interface ScramVerifier {
  iterations: number;
  salt: Uint8Array;
  storedKey: Uint8Array;
  serverKey: Uint8Array;
}

/** Printable ASCII: SASLprep leaves it unchanged. */
export function isScramSafePassword(password: string): boolean {
  return /^[\x20-\x7e]+$/.test(password);
}

async function keysFor(password: string, salt: Uint8Array, iterations: number) {
  const material = await crypto.subtle.importKey(
    "raw",
    utf8.encode(password) as BufferSource,
    "PBKDF2",
    false,
    ["deriveBits"],
  );
  const salted = new Uint8Array(
    await crypto.subtle.deriveBits(
      { name: "PBKDF2", hash: "SHA-256", salt: salt as BufferSource, iterations },
      material,
      256,
    ),
  );
  const clientKey = await hmacSha256(salted, utf8.encode("Client Key"));
  const storedKey = await sha256(clientKey);
  const serverKey = await hmacSha256(salted, utf8.encode("Server Key"));
  return { storedKey, serverKey };
}

export function formatVerifier(v: ScramVerifier): string {
  return `SCRAM-SHA-256$${v.iterations}:${encodeBase64(v.salt)}$${encodeBase64(v.storedKey)}:${
    encodeBase64(v.serverKey)
  }`;
}

/** The parts of a stored verifier, or undefined when it is not SCRAM-SHA-256 (md5, none). */
export function parseVerifier(text: string | null | undefined): ScramVerifier | undefined {
  const match = /^SCRAM-SHA-256\$(\d+):([A-Za-z0-9+/=]+)\$([A-Za-z0-9+/=]+):([A-Za-z0-9+/=]+)$/
    .exec(text ?? "");
  if (!match) return undefined;
  try {
    return {
      iterations: Number(match[1]),
      salt: decodeBase64(match[2]),
      storedKey: decodeBase64(match[3]),
      serverKey: decodeBase64(match[4]),
    };
  } catch {
    return undefined;
  }
}

/** A fresh verifier for `password` with a random salt. */
export async function scramVerifier(
  password: string,
  options: { salt?: Uint8Array; iterations?: number } = {},
): Promise<string> {
  if (!isScramSafePassword(password)) {
    throw new Error("password must be printable ASCII (SASLprep is not applied)");
  }
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(SALT_BYTES));
  const iterations = options.iterations ?? SCRAM_ITERATIONS;
  return formatVerifier({ iterations, salt, ...(await keysFor(password, salt, iterations)) });
}

function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

/** True when the stored verifier was made from `password`. */
export async function verifierMatches(stored: string | null, password: string): Promise<boolean> {
  const v = parseVerifier(stored);
  if (!v || !isScramSafePassword(password)) return false;
  const keys = await keysFor(password, v.salt, v.iterations);
  return sameBytes(keys.storedKey, v.storedKey) && sameBytes(keys.serverKey, v.serverKey);
}
