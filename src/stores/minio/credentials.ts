/** Tenant secret keys: 32 random bytes as hex (64 ASCII characters). */
import { randomCredential } from "../../encoding.ts";

export function randomSecretKey(): string {
  return randomCredential(32);
}
