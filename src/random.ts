/**
 * Randomness is injected everywhere as a {@link RandomBytes} function so that tests and golden
 * vectors can replay a whole session. The default is the platform CSPRNG
 * (`crypto.getRandomValues`); nothing in secagg ever uses Math.random.
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { assertBytes, assertInteger } from './_assert.js';
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
 * A deterministic byte stream (ChaCha20 keystream under `seed`) for tests, benchmarks and golden
 * vectors. **Never use it for real sessions**: anyone who knows the seed knows every key.
 *
 * @param seed 32 bytes.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad seed.
 * @example
 * ```ts
 * const rng = deterministicRandomBytes(new Uint8Array(32));
 * rng(4); // same 4 bytes on every run
 * ```
 */
export function deterministicRandomBytes(seed: Uint8Array): RandomBytes {
  const key = Uint8Array.from(assertBytes(seed, 'seed', 32));
  const nonce = new Uint8Array(12);
  // Keystream is produced in whole 64-byte blocks; unread bytes of the last block are kept.
  let buffered: Uint8Array = new Uint8Array(0);
  let block = 0;
  return (length: number): Uint8Array => {
    assertInteger(length, 'length', 0, Number.MAX_SAFE_INTEGER);
    const out = new Uint8Array(length);
    const fromBuffer = Math.min(length, buffered.length);
    out.set(buffered.subarray(0, fromBuffer));
    buffered = buffered.subarray(fromBuffer);
    const missing = length - fromBuffer;
    if (missing > 0) {
      const blocks = Math.ceil(missing / 64);
      const stream = chacha20(key, nonce, new Uint8Array(blocks * 64), undefined, block);
      block += blocks;
      out.set(stream.subarray(0, missing), fromBuffer);
      buffered = stream.subarray(missing);
    }
    return out;
  };
}
