/**
 * HS256 JSON Web Tokens as Qdrant's JWT RBAC expects them: signed with the bytes of
 * the server's API key, sent in the `api-key` header.
 */
import { utf8 } from "../../encoding.ts";

function base64url(bytes: Uint8Array): string {
  let binary = "";
  for (const b of bytes) binary += String.fromCharCode(b);
  return btoa(binary).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

export async function signJwt(claims: Record<string, unknown>, apiKey: string): Promise<string> {
  const header = base64url(utf8.encode(JSON.stringify({ alg: "HS256", typ: "JWT" })));
  const payload = base64url(utf8.encode(JSON.stringify(claims)));
  const key = await crypto.subtle.importKey(
    "raw",
    utf8.encode(apiKey) as BufferSource,
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const signature = new Uint8Array(
    await crypto.subtle.sign("HMAC", key, utf8.encode(`${header}.${payload}`) as BufferSource),
  );
  return `${header}.${payload}.${base64url(signature)}`;
}

/** The claims of a token, without checking its signature (for display and diffing). */
export function decodeJwtClaims(token: string): Record<string, unknown> {
  const part = token.split(".")[1] ?? "";
  const padded = part.replaceAll("-", "+").replaceAll("_", "/") +
    "===".slice((part.length + 3) % 4);
  return JSON.parse(utf8.decode(Uint8Array.from(atob(padded), (c) => c.charCodeAt(0))));
}
