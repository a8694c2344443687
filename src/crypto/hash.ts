/**
 * SHA-256 and HKDF-SHA-256 (internal to secagg; see ./index.ts). HKDF runs one allocation-free
 * implementation (./_hkdf.ts) on both backends.
 */
import { sha256 as nobleSha256 } from '@noble/hashes/sha2.js';
import { assertBytes, assertInteger } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { hkdfSha256Fast } from './_hkdf.js';
import { sha256Native } from './_native.js';
import { resolveBackend, type CryptoBackend } from './backend.js';

/** Largest HKDF-SHA-256 output (RFC 5869: 255 hash lengths). */
export const HKDF_SHA256_MAX_LENGTH: number = 255 * 32;

const textEncoder = new TextEncoder();

/**
 * SHA-256 (FIPS 180-4).
 *
 * @throws {SecAggError} `INVALID_TYPE` when `data` is not a Uint8Array.
 * @example
 * ```ts
 * const digest = sha256(new TextEncoder().encode('abc'));
 * ```
 */
export function sha256(data: Uint8Array, backend?: CryptoBackend): Uint8Array {
  assertBytes(data, 'data');
  const c = resolveBackend(backend);
  return c === null ? nobleSha256(data) : sha256Native(c, data);
}

/**
 * SHA-256 of the concatenation of `parts`, without concatenating them (a client hashes its
 * whole input vector this way).
 *
 * @throws {SecAggError} `INVALID_TYPE` when `parts` is not an array of Uint8Arrays.
 * @example
 * ```ts
 * const digest = sha256Parts([label, new Uint8Array(vector.buffer)]);
 * ```
 */
export function sha256Parts(parts: readonly Uint8Array[], backend?: CryptoBackend): Uint8Array {
  if (!Array.isArray(parts)) throw new SecAggError('INVALID_TYPE', 'parts must be an array of Uint8Arrays');
  const c = resolveBackend(backend);
  if (c !== null) {
    const h = c.createHash('sha256');
    parts.forEach((p, i) => h.update(assertBytes(p, `parts[${i}]`)));
    return new Uint8Array(h.digest());
  }
  const h = nobleSha256.create();
  parts.forEach((p, i) => h.update(assertBytes(p, `parts[${i}]`)));
  return h.digest();
}

/**
 * HKDF-SHA-256 (RFC 5869): extract with `salt`, expand with `info` to `length` bytes.
 *
 * @param ikm Input keying material.
 * @param salt Any bytes (empty = RFC 5869's default, 32 zero bytes).
 * @param info Context label; a string is UTF-8 encoded.
 * @param length 1..8160 bytes.
 * @throws {SecAggError} `INVALID_TYPE` for bad arguments, `OUT_OF_RANGE` for a bad length.
 * @example
 * ```ts
 * const key = hkdfSha256(sharedSecret, sessionId, 'secagg/v1/share-key', 32);
 * ```
 */
export function hkdfSha256(
  ikm: Uint8Array,
  salt: Uint8Array,
  info: Uint8Array | string,
  length: number,
  backend?: CryptoBackend,
): Uint8Array {
  assertBytes(ikm, 'ikm');
  assertBytes(salt, 'salt');
  const infoBytes = typeof info === 'string' ? textEncoder.encode(info) : assertBytes(info, 'info');
  assertInteger(length, 'length', 1, HKDF_SHA256_MAX_LENGTH);
  resolveBackend(backend); // validates the option; both backends share one implementation
  return hkdfSha256Fast(ikm, salt, infoBytes, length);
}
