/**
 * HS256 JSON Web Tokens as Qdrant's JWT RBAC expects them: signed with the bytes of
 * the server's API key, sent in the `api-key` header.
 *
 * Derived from qdrant/qdrant v1.19.0 `src/common/auth/jwt_parser.rs`: the server decodes
 * with `DecodingKey::from_secret(api_key.as_bytes())`, algorithm HS256 only, no required
 * claims, `exp` checked with 30 s leeway when present.
 */
import { utf8 } from "../../encoding.ts";

const HEADER = { alg: "HS256", typ: "JWT" } as const;

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

function fromBase64url(part: string): Uint8Array {
  if (!/^[A-Za-z0-9_-]*$/.test(part)) throw new Error("not base64url");
  const padded = part.replaceAll("-", "+").replaceAll("_", "/") +
    "===".slice((part.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

// Observation verifies every tenant's token with the same key: import it once.
const importedKeys = new Map<string, Promise<CryptoKey>>();

function hmacKey(apiKey: string): Promise<CryptoKey> {
  let key = importedKeys.get(apiKey);
  if (!key) {
    key = crypto.subtle.importKey(
      "raw",
      utf8.encode(apiKey) as BufferSource,
      { name: "HMAC", hash: "SHA-256" },
      false,
      ["sign", "verify"],
    );
    importedKeys.clear();
    importedKeys.set(apiKey, key);
  }
  return key;
}

export async function signJwt(claims: Record<string, unknown>, apiKey: string): Promise<string> {
  const header = base64url(utf8.encode(JSON.stringify(HEADER)));
  const payload = base64url(utf8.encode(JSON.stringify(claims)));
  const signature = new Uint8Array(
    await crypto.subtle.sign(
      "HMAC",
      await hmacKey(apiKey),
      utf8.encode(`${header}.${payload}`) as BufferSource,
    ),
  );
  return `${header}.${payload}.${base64url(signature)}`;
}

/** The claims of a token, without checking its signature (for display and diffing). */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  return JSON.parse(utf8.decode(fromBase64url(part)));
}

/**
 * The claims of a token whose HS256 signature verifies with `apiKey`, or undefined for
 * anything else (malformed, another algorithm, another key). Never throws on bad input:
 * a token is data from a secrets document and must not break observation.
 */
export async function verifyJwt(
  token: string,
  apiKey: string,
): Promise<Record<string, unknown> | undefined> {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  const [header, payload, signature] = parts;
  try {
    const head = JSON.parse(utf8.decode(fromBase64url(header)));
    if (head?.alg !== HEADER.alg) return undefined;
    const valid = await crypto.subtle.verify(
      "HMAC",
      await hmacKey(apiKey),
      fromBase64url(signature) as BufferSource,
      utf8.encode(`${header}.${payload}`) as BufferSource,
    );
    if (!valid) return undefined;
    const claims = JSON.parse(utf8.decode(fromBase64url(payload)));
    if (claims === null || typeof claims !== "object" || Array.isArray(claims)) return undefined;
    return claims as Record<string, unknown>;
  } catch {
    return undefined;
  }
}
