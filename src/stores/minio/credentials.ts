/** Tenant secret keys: 32 random bytes as URL-safe base64 (43 ASCII characters). */
import { encodeBase64 } from "../../encoding.ts";

export function randomSecretKey(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(32));
  return encodeBase64(bytes).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}
