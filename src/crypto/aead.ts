/** ChaCha20-Poly1305 (RFC 8439) on both backends (internal to secagg; see ./index.ts). */
import { chacha20poly1305 } from '@noble/ciphers/chacha.js';
import { assertBytes } from '../_assert.js';
import { aeadOpenNative, aeadSealNative } from './_native.js';
import { resolveBackend, type CryptoBackend } from './backend.js';

/** Bytes of a ChaCha20-Poly1305 key. */
export const AEAD_KEY_BYTES = 32;
/** Bytes of a ChaCha20-Poly1305 nonce. */
export const AEAD_NONCE_BYTES = 12;
/** Bytes of a ChaCha20-Poly1305 tag (appended to the ciphertext). */
export const AEAD_TAG_BYTES = 16;

/**
 * ChaCha20-Poly1305 encryption (RFC 8439 §2.8). Returns ciphertext || 16-byte tag.
 * Never reuse a (key, nonce) pair.
 *
 * @param key 32 bytes. @param nonce 12 bytes.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for bad arguments.
 * @example
 * ```ts
 * const sealed = aeadSeal(key, nonce, plaintext, associatedData);
 * ```
 */
export function aeadSeal(
  key: Uint8Array,
  nonce: Uint8Array,
  plaintext: Uint8Array,
  aad: Uint8Array,
  backend?: CryptoBackend,
): Uint8Array {
  assertBytes(key, 'key', AEAD_KEY_BYTES);
  assertBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  assertBytes(plaintext, 'plaintext');
  assertBytes(aad, 'aad');
  const c = resolveBackend(backend);
  return c === null ? chacha20poly1305(key, nonce, aad).encrypt(plaintext) : aeadSealNative(c, key, nonce, plaintext, aad);
}

/**
 * ChaCha20-Poly1305 decryption (RFC 8439 §2.8) of ciphertext || tag. Returns null when the
 * input is shorter than a tag or does not authenticate under (key, nonce, aad): hostile bytes
 * never throw.
 *
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad key, nonce or type.
 * @example
 * ```ts
 * const plaintext = aeadOpen(key, nonce, sealed, associatedData);
 * if (plaintext === null) abort();
 * ```
 */
export function aeadOpen(
  key: Uint8Array,
  nonce: Uint8Array,
  ciphertext: Uint8Array,
  aad: Uint8Array,
  backend?: CryptoBackend,
): Uint8Array | null {
  assertBytes(key, 'key', AEAD_KEY_BYTES);
  assertBytes(nonce, 'nonce', AEAD_NONCE_BYTES);
  assertBytes(ciphertext, 'ciphertext');
  assertBytes(aad, 'aad');
  const c = resolveBackend(backend);
  if (ciphertext.length < AEAD_TAG_BYTES) return null;
  if (c !== null) return aeadOpenNative(c, key, nonce, ciphertext, aad);
  try {
    return chacha20poly1305(key, nonce, aad).decrypt(ciphertext);
  } catch {
    return null;
  }
}
