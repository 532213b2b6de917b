import assert from "node:assert/strict";
import {
  ADMIN_KDF,
  AdminBodyCryptoError,
  decryptAdminBody,
  encryptAdminBody,
} from "./admin_crypto.ts";
import { decodeHex, encodeHex, sha256Hex, utf8 } from "../../encoding.ts";

/**
 * Vectors made with MinIO's own Go code (madmin-go v3.0.109, the version the pinned
 * server uses; sio-go v0.3.1): the madmin layout with the salt bytes (i*7+3) mod 256, the
 * stream nonce 0102030405060708 and the plaintext bytes (i*7+3) mod 256 of the given
 * length, each checked with madmin.DecryptData; plus one real madmin.EncryptData output.
 */
const SECRET = "minio-secret-key-vector";
const salt = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) % 256);
const nonce = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const plaintext = (n: number) => Uint8Array.from({ length: n }, (_, i) => (i * 7 + 3) % 256);
const HEADER = "030a11181f262d343b424950575e656c737a81888f969da4abb2b9c0c7ced5dc";

const SHORT_VECTORS = [
  {
    kdf: ADMIN_KDF.argon2idAesGcm,
    length: 37,
    ciphertext: HEADER +
      "000102030405060708" +
      "4aeebb2ef8e8ea0b83a11be807209ed4f6690a5e1178528a89a740627fc9286fd362f9fb1ef2f0025e7d609f4d7b826b62e6ef85dd",
  },
  {
    kdf: ADMIN_KDF.argon2idChaCha20Poly1305,
    length: 37,
    ciphertext: HEADER +
      "010102030405060708" +
      "a74f6e0a6904df056cbed847c1e8760d15187165b6529cb7f0171882b9ed5fefd79c72e97d6512df538e34c92ae9da12381e46d423",
  },
  {
    kdf: ADMIN_KDF.pbkdf2AesGcm,
    length: 37,
    ciphertext: HEADER +
      "020102030405060708" +
      "884911be6376360a61198073dc429bbe7cd8329d7ec7c6a1da63665d9b0003a86314dd749b2828682ea8e8900fba3987d68fca78a4",
  },
  {
    kdf: ADMIN_KDF.argon2idAesGcm,
    length: 0,
    ciphertext: HEADER + "000102030405060708" + "379a433e5ff8a145dc90e067b267a98f",
  },
];

Deno.test("admin body crypto: encryption matches madmin's output for all three algorithms", () => {
  for (const v of SHORT_VECTORS) {
    const sealed = encryptAdminBody(SECRET, plaintext(v.length), { kdf: v.kdf, salt, nonce });
    assert.equal(encodeHex(sealed), v.ciphertext, `kdf ${v.kdf}, ${v.length} bytes`);
  }
});

Deno.test("admin body crypto: decrypts madmin's output for all three algorithms", () => {
  for (const v of SHORT_VECTORS) {
    assert.deepEqual(decryptAdminBody(SECRET, decodeHex(v.ciphertext)), plaintext(v.length));
  }
});

Deno.test("admin body crypto: multi-fragment bodies match madmin (PBKDF2 16 KiB, ChaCha 16 KiB + 100)", async () => {
  const pbkdf = encryptAdminBody(SECRET, plaintext(16384), {
    kdf: ADMIN_KDF.pbkdf2AesGcm,
    salt,
    nonce,
  });
  assert.equal(pbkdf.length, 16441);
  assert.equal(
    await sha256Hex(pbkdf),
    "1df6236c746608b03df2ad76cd7f78d9a582ec7b37dbe70f1e90d42a6b66af07",
  );
  const chacha = encryptAdminBody(SECRET, plaintext(16484), {
    kdf: ADMIN_KDF.argon2idChaCha20Poly1305,
    salt,
    nonce,
  });
  assert.equal(chacha.length, 16557);
  assert.equal(
    await sha256Hex(chacha),
    "148fae2ee9ab1f147bb91dd8f855b86523445642a571231cd28b1b9d1f032f64",
  );
  assert.deepEqual(decryptAdminBody(SECRET, chacha), plaintext(16484));
});

Deno.test("admin body crypto: decrypts a real madmin.EncryptData body (random salt and nonce)", () => {
  const body = decodeHex(
    "65b53ce5e2843d950740fe509498b7c713e0596c1d693ab21f47eeb500eb3b170029471729f302f7181f0484f7533b7999f6d12fcca5a652db4b8487b9cee8fd23f88dae1f83a87f8629778f4e36976a6e8f67954fa36185dd311191d2",
  );
  assert.equal(utf8.decode(decryptAdminBody(SECRET, body)), `{"tenant-acme":{"status":"enabled"}}`);
});

Deno.test("admin body crypto: wrong key, unknown id and short bodies fail without naming the key", () => {
  const body = encryptAdminBody(SECRET, utf8.encode("hello"));
  assert.equal(body[32], ADMIN_KDF.pbkdf2AesGcm, "requests use PBKDF2 by default");
  const wrong = (() => {
    try {
      decryptAdminBody("another-secret", body);
    } catch (error) {
      return error as Error;
    }
  })();
  assert.ok(wrong instanceof AdminBodyCryptoError);
  assert.ok(!wrong.message.includes("another-secret") && !wrong.message.includes(SECRET));
  const unknown = new Uint8Array(body);
  unknown[32] = 0x07;
  assert.throws(() => decryptAdminBody(SECRET, unknown), /unknown algorithm id 0x07/);
  assert.throws(() => decryptAdminBody(SECRET, body.subarray(0, 20)), /shorter than the header/);
});
