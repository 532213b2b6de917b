/**
 * MinIO's encryption of admin request and response bodies (madmin "EncryptData"): the key
 * is derived from the signing credential's secret key, and the body is
 *
 *   salt (32) ‖ algorithm id (1) ‖ stream nonce (8) ‖ sio stream (16 KiB fragments)
 *
 * id 0x00 = Argon2id (t=1, m=64 MiB, p=4) + AES-256-GCM, 0x01 = Argon2id +
 * ChaCha20-Poly1305, 0x02 = PBKDF2-HMAC-SHA256 (8192 rounds) + AES-256-GCM. The server
 * decrypts all three and answers with an Argon2id variant. A 64 MiB Argon2id costs about
 * half a second in JavaScript, so requests are sent with PBKDF2 and only the responses
 * Bulkhead reads are decrypted.
 */
import { argon2id } from "@noble/hashes/argon2.js";
import { pbkdf2 } from "@noble/hashes/pbkdf2.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { aes256gcm, chacha20Poly1305, openStream, sealStream, type StreamCipher } from "./sio.ts";
import { utf8 } from "../../encoding.ts";

export const ADMIN_KDF = {
  argon2idAesGcm: 0x00,
  argon2idChaCha20Poly1305: 0x01,
  pbkdf2AesGcm: 0x02,
} as const;
export type AdminKdf = (typeof ADMIN_KDF)[keyof typeof ADMIN_KDF];

const SALT_SIZE = 32;
const NONCE_SIZE = 8;
const HEADER_SIZE = SALT_SIZE + 1 + NONCE_SIZE;

/** The body is not a valid madmin ciphertext for this secret key (never shows the key). */
export class AdminBodyCryptoError extends Error {
  constructor(message: string) {
    super(`minio admin body: ${message}`);
    this.name = "AdminBodyCryptoError";
  }
}

function deriveCipher(id: number, secretKey: string, salt: Uint8Array): StreamCipher {
  const password = utf8.encode(secretKey);
  switch (id) {
    case ADMIN_KDF.argon2idAesGcm:
    case ADMIN_KDF.argon2idChaCha20Poly1305: {
      const key = argon2id(password, salt, { t: 1, m: 64 * 1024, p: 4, dkLen: 32 });
      return id === ADMIN_KDF.argon2idAesGcm ? aes256gcm(key) : chacha20Poly1305(key);
    }
    case ADMIN_KDF.pbkdf2AesGcm:
      return aes256gcm(pbkdf2(sha256, password, salt, { c: 8192, dkLen: 32 }));
    default:
      throw new AdminBodyCryptoError(`unknown algorithm id 0x${id.toString(16).padStart(2, "0")}`);
  }
}

export interface EncryptOptions {
  kdf?: AdminKdf;
  /** For reproducible tests only; random otherwise. */
  salt?: Uint8Array;
  nonce?: Uint8Array;
}

export function encryptAdminBody(
  secretKey: string,
  plaintext: Uint8Array,
  options: EncryptOptions = {},
): Uint8Array {
  const id = options.kdf ?? ADMIN_KDF.pbkdf2AesGcm;
  const salt = options.salt ?? crypto.getRandomValues(new Uint8Array(SALT_SIZE));
  const nonce = options.nonce ?? crypto.getRandomValues(new Uint8Array(NONCE_SIZE));
  if (salt.length !== SALT_SIZE || nonce.length !== NONCE_SIZE) {
    throw new RangeError("madmin bodies need a 32-byte salt and an 8-byte nonce");
  }
  const stream = sealStream(deriveCipher(id, secretKey, salt), nonce, plaintext);
  const out = new Uint8Array(HEADER_SIZE + stream.length);
  out.set(salt, 0);
  out[SALT_SIZE] = id;
  out.set(nonce, SALT_SIZE + 1);
  out.set(stream, HEADER_SIZE);
  return out;
}

export function decryptAdminBody(secretKey: string, body: Uint8Array): Uint8Array {
  if (body.length < HEADER_SIZE) {
    throw new AdminBodyCryptoError(`${body.length} bytes is shorter than the header`);
  }
  const salt = body.subarray(0, SALT_SIZE);
  const id = body[SALT_SIZE];
  const nonce = body.subarray(SALT_SIZE + 1, HEADER_SIZE);
  try {
    return openStream(deriveCipher(id, secretKey, salt), nonce, body.subarray(HEADER_SIZE));
  } catch (error) {
    if (error instanceof AdminBodyCryptoError) throw error;
    throw new AdminBodyCryptoError(
      `cannot decrypt (wrong secret key or damaged data): ${(error as Error).message}`,
    );
  }
}

export function encryptAdminJson(secretKey: string, value: unknown): Uint8Array {
  return encryptAdminBody(secretKey, utf8.encode(JSON.stringify(value)));
}

export function decryptAdminJson<T>(secretKey: string, body: Uint8Array): T {
  return JSON.parse(utf8.decode(decryptAdminBody(secretKey, body))) as T;
}
