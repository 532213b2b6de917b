import assert from "node:assert/strict";
import {
  aes128gcm,
  aes256gcm,
  openStream,
  sealStream,
  SIO_BUFFER_SIZE,
  SioNotAuthenticError,
  type StreamCipher,
  xchacha20Poly1305,
} from "./sio.ts";
import { decodeHex as hex, encodeHex } from "../../encoding.ts";

/**
 * Published test vectors of the format, from secure-io/sio-go's test_vectors.json: small
 * buffer sizes so that several fragments, a full final fragment, an empty plaintext and
 * long associated data are all covered.
 */
const VECTORS: Array<{
  cipher: (key: Uint8Array) => StreamCipher;
  bufferSize: number;
  key: string;
  nonce: string;
  ad: string;
  plaintext: string;
  ciphertext: string;
}> = [
  {
    cipher: aes128gcm,
    bufferSize: 16,
    key: "00000000000000000000000000000001",
    nonce: "2000000000000000",
    ad: "1000000000000000",
    plaintext: "00000000000000000000000000000000",
    ciphertext: "8501dcfa461a0860ef9933655b1e59a9e7db1ed363b6ff80f219ca986dca9ce2",
  },
  {
    cipher: aes128gcm,
    bufferSize: 16,
    key: "10000000000000000000000000000000",
    nonce: "0000000000000002",
    ad: "",
    plaintext: "0000000000000000000000000000000000",
    ciphertext:
      "691deb7b9ccbee91f48d12c7ad5fe3cd4e1e5e7d394f06b91228ec9a5dd2456ac7de9502a0b4010fb1ee1db94e940458fb",
  },
  {
    cipher: aes128gcm,
    bufferSize: 17,
    key: "67fc3ffd5353a432a6cbc982007606c8",
    nonce: "6958a70a975e32c6",
    ad: "",
    plaintext: "",
    ciphertext: "076243570112d32362c1d9e4ab4096ca",
  },
  {
    cipher: aes128gcm,
    bufferSize: 17,
    key: "31dd758d120fd5d30063921a21f723be",
    nonce: "d3794fe387018e32",
    ad: "1d838b6e861ea7576de110e08818de82a27337a99db7b95aa95c3347971ad4cfa0ef0960d6645f5a64f88c7d",
    plaintext: "d0ae0d85e93ed6be853ded2031643116a03215b4fda224d2986d7233039aa47e91b686f4",
    ciphertext:
      "a6fe911b94e0b25a25bf6da71f28ad6a6b6920be01589e9194226f77c164606545d5cbdb76c99415b468c54517f5a8bc8dc8ac13b1b4285fe36f37f7884d5e4bfb32ecef56b4026bf02bfb1d4fce222e01ef9db9",
  },
  {
    cipher: xchacha20Poly1305,
    bufferSize: 16,
    key: "2000000000000000000000000000000000000000000000000000000000000000",
    nonce: "2000000000000000000000000000000000000000",
    ad: "00",
    plaintext: "00000000000000000000000000000000000000000000000000000000",
    ciphertext:
      "06fcbcc30e25e1bc0351343a3ddad0aeaa4ddd106ab64037dea061f44c109b12b43c7a4bd4da0ae8be8e33f1b0f627f2b7a3078c2cf59d4da6974860",
  },
  {
    cipher: xchacha20Poly1305,
    bufferSize: 17,
    key: "d3b90c824d5b012a65be54db6367ba9932d72464e0fe6610135b769365d892e3",
    nonce: "e9052f0751c616d1a2f82983f3935d6970357240",
    ad: "1d838b6e861ea7576de110e08818de82a27337a99db7b95aa95c3347971ad4cfa0ef0960d6645f5a64f88c7d",
    plaintext: "d0ae0d85e93ed6be853ded2031643116a03215b4fda224d2986d7233039aa47e91b686f4",
    ciphertext:
      "1a16520c62486c0a5619ed3653f682471943c5c4bb33818afd4c48af0a8e659e8c97fa927718266c25d0060f053e0eff3ce962d4d9f399494f93ac594e3ab9c13753098a73678c01f82625a103cf56eed15babf4",
  },
];

Deno.test("sio: sealing reproduces sio-go's published test vectors", () => {
  for (const v of VECTORS) {
    const sealed = sealStream(
      v.cipher(hex(v.key)),
      hex(v.nonce),
      hex(v.plaintext),
      hex(v.ad),
      v.bufferSize,
    );
    assert.equal(encodeHex(sealed), v.ciphertext, `${v.key} / ${v.bufferSize}`);
  }
});

Deno.test("sio: opening sio-go's published test vectors gives their plaintexts", () => {
  for (const v of VECTORS) {
    const opened = openStream(
      v.cipher(hex(v.key)),
      hex(v.nonce),
      hex(v.ciphertext),
      hex(v.ad),
      v.bufferSize,
    );
    assert.equal(encodeHex(opened), v.plaintext, `${v.key} / ${v.bufferSize}`);
  }
});

const key = new Uint8Array(32).fill(7);
const nonce = new Uint8Array(8).fill(9);

Deno.test("sio: fragment layout at 16 KiB: exact multiples end with a full final fragment", () => {
  const cipher = aes256gcm(key);
  for (
    const size of [
      0,
      1,
      SIO_BUFFER_SIZE - 1,
      SIO_BUFFER_SIZE,
      SIO_BUFFER_SIZE + 1,
      3 * SIO_BUFFER_SIZE,
    ]
  ) {
    const plain = Uint8Array.from({ length: size }, (_, i) => i % 251);
    const sealed = sealStream(cipher, nonce, plain);
    const fragments = Math.max(1, Math.ceil(size / SIO_BUFFER_SIZE));
    assert.equal(sealed.length, size + 16 * fragments, `size ${size}`);
    assert.deepEqual(openStream(cipher, nonce, sealed), plain, `size ${size}`);
  }
});

Deno.test("sio: truncation, reordering, a flipped bit or another key are refused", () => {
  const cipher = aes256gcm(key);
  const plain = Uint8Array.from({ length: 2 * SIO_BUFFER_SIZE + 10 }, (_, i) => i % 13);
  const sealed = sealStream(cipher, nonce, plain);
  const fragment = SIO_BUFFER_SIZE + 16;
  // Dropping the final fragment leaves a non-final one at the end: its AD says "not final".
  assert.throws(
    () => openStream(cipher, nonce, sealed.subarray(0, 2 * fragment)),
    SioNotAuthenticError,
  );
  const swapped = new Uint8Array(sealed);
  swapped.set(sealed.subarray(fragment, 2 * fragment), 0);
  swapped.set(sealed.subarray(0, fragment), fragment);
  assert.throws(() => openStream(cipher, nonce, swapped), SioNotAuthenticError);
  const flipped = new Uint8Array(sealed);
  flipped[100] ^= 1;
  assert.throws(() => openStream(cipher, nonce, flipped), SioNotAuthenticError);
  assert.throws(
    () => openStream(aes256gcm(new Uint8Array(32)), nonce, sealed),
    SioNotAuthenticError,
  );
  assert.throws(() => openStream(cipher, nonce, sealed.subarray(0, 10)), SioNotAuthenticError);
});

Deno.test("sio: wrong key and nonce sizes are refused before any work", () => {
  assert.throws(() => aes256gcm(new Uint8Array(16)), /32-byte key/);
  assert.throws(
    () => sealStream(aes256gcm(key), new Uint8Array(12), new Uint8Array()),
    /8-byte nonce/,
  );
});
