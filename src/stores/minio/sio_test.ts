import assert from "node:assert/strict";
import { aes256gcm, openStream, sealStream, SIO_BUFFER_SIZE, SioNotAuthenticError } from "./sio.ts";

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
