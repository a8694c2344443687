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
