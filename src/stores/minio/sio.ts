/**
 * The "sio" authenticated stream format (secure-io/sio-go) that MinIO's admin API wraps
 * around encrypted request and response bodies. Written from the format's description:
 *
 * - the plaintext is cut into fragments of `bufferSize` bytes (16 KiB for MinIO); each is
 *   sealed with the AEAD and carries its own tag;
 * - fragment i (counting from 1) uses the nonce `streamNonce ‖ uint32LE(i)`;
 * - a header tag T0 = Seal(streamNonce ‖ uint32LE(0), empty, associatedData) binds the
 *   caller's associated data; each fragment is authenticated with `0x00 ‖ T0`, the final
 *   one with `0x80 ‖ T0`, so truncation and reordering are detected;
 * - the final fragment is the last one, full or not (an empty plaintext is one empty final
 *   fragment; a plaintext of an exact multiple of the buffer size ends with a full one).
 */
import { chacha20poly1305 } from "@noble/ciphers/chacha.js";
import { gcm } from "@noble/ciphers/aes.js";

export const SIO_BUFFER_SIZE = 16 * 1024;
export const SIO_TAG_SIZE = 16;

/** An AEAD with a fixed key, as the stream needs it. */
export interface StreamCipher {
  readonly name: string;
  /** The AEAD's nonce size; the stream nonce is 4 bytes shorter (the counter). */
  readonly nonceSize: number;
  seal(nonce: Uint8Array, plaintext: Uint8Array, associatedData: Uint8Array): Uint8Array;
  open(nonce: Uint8Array, ciphertext: Uint8Array, associatedData: Uint8Array): Uint8Array;
}

/** The stream failed authentication: wrong key, or the data was changed or cut. */
export class SioNotAuthenticError extends Error {
  constructor(detail: string) {
    super(`sio: data is not authentic (${detail})`);
    this.name = "SioNotAuthenticError";
  }
}

function requireKeyLength(name: string, key: Uint8Array, length: number): void {
  if (key.length !== length) {
    throw new RangeError(`${name} needs a ${length}-byte key, got ${key.length} bytes`);
  }
}

type NobleAead = (key: Uint8Array, nonce: Uint8Array, aad?: Uint8Array) => {
  encrypt(data: Uint8Array): Uint8Array;
  decrypt(data: Uint8Array): Uint8Array;
};

function nobleCipher(
  name: string,
  aead: NobleAead,
  key: Uint8Array,
  keyLength: number,
  nonceSize: number,
): StreamCipher {
  requireKeyLength(name, key, keyLength);
  return {
    name,
    nonceSize,
    seal: (nonce, plaintext, ad) => aead(key, nonce, ad).encrypt(plaintext),
    open: (nonce, ciphertext, ad) => aead(key, nonce, ad).decrypt(ciphertext),
  };
}

export const aes256gcm = (key: Uint8Array): StreamCipher =>
  nobleCipher("AES-256-GCM", gcm as NobleAead, key, 32, 12);
export const chacha20Poly1305 = (key: Uint8Array): StreamCipher =>
  nobleCipher("ChaCha20-Poly1305", chacha20poly1305 as NobleAead, key, 32, 12);

/** Per-fragment nonces and additional data of one stream. */
class Framing {
  private readonly nonce: Uint8Array;
  private readonly headerTag: Uint8Array;

  constructor(
    private readonly cipher: StreamCipher,
    streamNonce: Uint8Array,
    associatedData: Uint8Array,
    readonly bufferSize: number,
  ) {
    if (streamNonce.length !== cipher.nonceSize - 4) {
      throw new RangeError(
        `sio: ${cipher.name} streams need a ${
          cipher.nonceSize - 4
        }-byte nonce, got ${streamNonce.length}`,
      );
    }
    if (!Number.isInteger(bufferSize) || bufferSize < 1 || bufferSize > (1 << 24) - 1) {
      throw new RangeError(`sio: invalid buffer size ${bufferSize}`);
    }
    this.nonce = new Uint8Array(cipher.nonceSize);
    this.nonce.set(streamNonce);
    this.headerTag = cipher.seal(this.nonceFor(0), new Uint8Array(), associatedData);
  }

  nonceFor(sequence: number): Uint8Array {
    if (sequence > 0xffff_ffff) throw new RangeError("sio: data limit exceeded");
    const nonce = this.nonce.slice();
    new DataView(nonce.buffer).setUint32(nonce.length - 4, sequence, true);
    return nonce;
  }

  additionalData(final: boolean): Uint8Array {
    const ad = new Uint8Array(1 + this.headerTag.length);
    ad[0] = final ? 0x80 : 0x00;
    ad.set(this.headerTag, 1);
    return ad;
  }
}

/** Encrypts `plaintext` into the sio stream format (without any prefix). */
export function sealStream(
  cipher: StreamCipher,
  streamNonce: Uint8Array,
  plaintext: Uint8Array,
  associatedData: Uint8Array = new Uint8Array(),
  bufferSize = SIO_BUFFER_SIZE,
): Uint8Array {
  const framing = new Framing(cipher, streamNonce, associatedData, bufferSize);
  const fragments = Math.max(1, Math.ceil(plaintext.length / bufferSize));
  const out = new Uint8Array(plaintext.length + fragments * SIO_TAG_SIZE);
  let written = 0;
  for (let i = 0; i < fragments; i++) {
    const final = i === fragments - 1;
    const chunk = plaintext.subarray(
      i * bufferSize,
      final ? plaintext.length : (i + 1) * bufferSize,
    );
    const sealed = cipher.seal(framing.nonceFor(i + 1), chunk, framing.additionalData(final));
    out.set(sealed, written);
    written += sealed.length;
  }
  return out;
}

/** Decrypts and verifies a whole sio stream; throws SioNotAuthenticError when it is not authentic. */
export function openStream(
  cipher: StreamCipher,
  streamNonce: Uint8Array,
  ciphertext: Uint8Array,
  associatedData: Uint8Array = new Uint8Array(),
  bufferSize = SIO_BUFFER_SIZE,
): Uint8Array {
  const framing = new Framing(cipher, streamNonce, associatedData, bufferSize);
  const fragmentSize = bufferSize + SIO_TAG_SIZE;
  const fragments = Math.max(1, Math.ceil(ciphertext.length / fragmentSize));
  const lastSize = ciphertext.length - (fragments - 1) * fragmentSize;
  if (lastSize < SIO_TAG_SIZE) {
    throw new SioNotAuthenticError(`final fragment of ${lastSize} bytes is shorter than a tag`);
  }
  const out = new Uint8Array(ciphertext.length - fragments * SIO_TAG_SIZE);
  for (let i = 0; i < fragments; i++) {
    const final = i === fragments - 1;
    const start = i * fragmentSize;
    const fragment = ciphertext.subarray(start, final ? ciphertext.length : start + fragmentSize);
    let plain: Uint8Array;
    try {
      plain = cipher.open(framing.nonceFor(i + 1), fragment, framing.additionalData(final));
    } catch {
      throw new SioNotAuthenticError(`fragment ${i + 1} of ${fragments}`);
    }
    out.set(plain, i * bufferSize);
  }
  return out;
}
