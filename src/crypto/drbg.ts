/**
 * A deterministic random bit generator for secrets derived from a secret seed (internal to
 * secagg): the ChaCha20 keystream (RFC 8439 §2.4, nonce zero, from block 0) under the key
 * HKDF-SHA-256(seed, salt, info). It expands CSPRNG output, it does not replace it: the seed
 * must come from a CSPRNG. The protocol draws a client's Shamir coefficients with it, from a
 * seed drawn when the client is created, so that the shares a step makes are a function of
 * the client's state and the session id (docs/protocol.md, "Client linearity").
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { assertInteger, copyBytes } from '../_assert.js';
import { SecAggError } from '../errors.js';
import { hkdfSha256 } from './hash.js';

/** Bytes the stream can give: 2^32 ChaCha20 blocks. */
const MAX_STREAM_BYTES = 2 ** 32 * 64;

/** A `RandomBytes` stream whose key (with a seed's one share, enough to rebuild a secret) can be wiped. */
export interface Drbg {
  (length: number): Uint8Array;
  /** Zeroes the stream's key and its buffered keystream; later reads throw `WRONG_ROUND`. */
  wipe(): void;
}

/**
 * The DRBG of `seed` for `info` bound to `salt` (e.g. a session id): a `RandomBytes`
 * whose concatenated output is one keystream, however the reads are split.
 *
 * @param seed 32 bytes of CSPRNG output (secret).
 * @param salt Any bytes (the context the stream is bound to).
 * @param info Label of the stream's purpose.
 * @throws {SecAggError} `INVALID_TYPE` / `INVALID_LENGTH` for a bad seed or salt; the
 *   returned function throws `OUT_OF_RANGE` for a bad length or past 2^38 bytes, and
 *   `WRONG_ROUND` once wiped. Wipe it when done: its key and one share of a secret drawn
 *   with it give the secret.
 * @example
 * ```ts
 * const rng = createDrbg(shareSeed, sessionId, 'secagg/v2/share-coefficients');
 * const shares = splitSecret(secret, { threshold, holders, rng });
 * ```
 */
export function createDrbg(seed: Uint8Array, salt: Uint8Array, info: string): Drbg {
  const ikm = copyBytes(seed, 'seed', 32);
  const key = hkdfSha256(ikm, copyBytes(salt, 'salt'), info, 32);
  ikm.fill(0);
  const nonce = new Uint8Array(12);
  let buffered: Uint8Array = new Uint8Array(0);
  let block = 0;
  let wiped = false;
  const read = (length: number): Uint8Array => {
    if (wiped) throw new SecAggError('WRONG_ROUND', 'this DRBG was wiped');
    assertInteger(length, 'length', 0, MAX_STREAM_BYTES - 64 * block - buffered.length);
    const out = new Uint8Array(length);
    const fromBuffer = Math.min(length, buffered.length);
    out.set(buffered.subarray(0, fromBuffer));
    buffered.fill(0, 0, fromBuffer);
    buffered = buffered.subarray(fromBuffer);
    const missing = length - fromBuffer;
    if (missing > 0) {
      const blocks = Math.ceil(missing / 64);
      const stream = chacha20(key, nonce, new Uint8Array(blocks * 64), undefined, block);
      block += blocks;
      out.set(stream.subarray(0, missing), fromBuffer);
      stream.fill(0, 0, missing);
      buffered = stream.subarray(missing);
    }
    return out;
  };
  return Object.assign(read, {
    wipe(): void {
      wiped = true;
      key.fill(0);
      buffered.fill(0);
    },
  });
}
