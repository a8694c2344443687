/**
 * secagg/testing: helpers for tests, benchmarks and golden vectors, kept out of the package root
 * so that production code cannot pick one by accident. Nothing here is secure: a stream that
 * anyone who knows its seed can replay is exactly what a test wants and what a session must
 * never use. Only tests, benchmarks and the in-memory harness (`secagg/simulate`) import this
 * subpath; no core module does (`npm run check:layers`).
 * @module
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { assertBytes, assertInteger } from '../_assert.js';
import type { RandomBytes } from '../random.js';

export type { RandomBytes } from '../random.js';

/**
 * A deterministic byte stream (the ChaCha20 keystream under `seed`, nonce zero, from block 0)
 * for tests, benchmarks and golden vectors. **Never use it for real sessions**: anyone who knows
 * the seed knows every key drawn from it. Reads may be split arbitrarily: the concatenated
 * output is the same keystream.
 *
 * @param seed 32 bytes.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad seed; `OUT_OF_RANGE` (from
 *   the returned function) for a length that is not a non-negative safe integer.
 * @example
 * ```ts
 * import { deterministicRandomBytes } from 'secagg/testing';
 * const rng = deterministicRandomBytes(new Uint8Array(32));
 * rng(4); // same 4 bytes on every run
 * ```
 */
export function deterministicRandomBytes(seed: Uint8Array): RandomBytes {
  const key = new Uint8Array(assertBytes(seed, 'seed', 32));
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
