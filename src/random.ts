/**
 * Randomness is injected as a {@link RandomBytes} function so that tests and golden vectors can
 * replay a whole session. The default is the platform CSPRNG (`crypto.getRandomValues`); nothing
 * in secagg ever uses Math.random. The deterministic stream for tests lives in `secagg/testing`
 * (src/testing), which no core module imports.
 */
import { assertInteger } from './_assert.js';
import { SecAggError } from './errors.js';

/** Returns `length` fresh random bytes. Must be cryptographically secure outside tests. */
export type RandomBytes = (length: number) => Uint8Array;

// Web Crypto refuses requests above 65,536 bytes per call.
const GET_RANDOM_VALUES_LIMIT = 65_536;

/**
 * `length` bytes from the platform CSPRNG (`globalThis.crypto.getRandomValues`), available in
 * Node >= 19, browsers and workers.
 *
 * @throws {SecAggError} `UNSUPPORTED_ENVIRONMENT` when no Web Crypto is present.
 * @example
 * ```ts
 * const seed = cryptoRandomBytes(32);
 * ```
 */
export const cryptoRandomBytes: RandomBytes = (length: number): Uint8Array => {
  assertInteger(length, 'length', 0, Number.MAX_SAFE_INTEGER);
  const webCrypto = (globalThis as { crypto?: Crypto }).crypto;
  if (webCrypto === undefined || typeof webCrypto.getRandomValues !== 'function') {
    throw new SecAggError(
      'UNSUPPORTED_ENVIRONMENT',
      'no CSPRNG: globalThis.crypto.getRandomValues is missing; pass an explicit `rng`',
    );
  }
  const out = new Uint8Array(length);
  for (let at = 0; at < length; at += GET_RANDOM_VALUES_LIMIT) {
    webCrypto.getRandomValues(out.subarray(at, Math.min(length, at + GET_RANDOM_VALUES_LIMIT)));
  }
  return out;
};

/**
 * The CSPRNG drawn `chunk` bytes at a time and handed out in order (internal): for callers that
 * draw thousands of small amounts in one job (the dual checks of robust reconstruction draw
 * ~60 bytes per secret; a getRandomValues call costs ~2 us in Node, and 0.11 s for ~9,500
 * secrets in the profile of a 10,000-client round's keys stage; pooled, ~0.3 us). Each amount is
 * a copy; the pool's bytes are zeroed as they are handed out, and bytes left at the end are never
 * handed out.
 */
export function pooledCryptoRandomBytes(chunk = 4096): RandomBytes {
  let pool: Uint8Array = new Uint8Array(0);
  let at = 0;
  return (length: number): Uint8Array => {
    assertInteger(length, 'length', 0, Number.MAX_SAFE_INTEGER);
    if (length > chunk) return cryptoRandomBytes(length);
    if (pool.length - at < length) {
      pool.fill(0);
      pool = cryptoRandomBytes(chunk);
      at = 0;
    }
    const out = pool.slice(at, at + length);
    pool.fill(0, at, at + length);
    at += length;
    return out;
  };
}
