/**
 * Internal: the seeded randomised Hadamard transform that flattens a vector before distributed
 * noise is added (Kairouz, Liu, Steinke, ICML 2021, Section 4.2; TFF's
 * `HadamardTransformFactory`): x in R^d is zero-padded to D = 2^ceil(log2 d), its coordinates'
 * signs are flipped by a public Rademacher diagonal S, and the normalised Walsh-Hadamard matrix
 * H / sqrt(D) is applied: y = (H / sqrt(D)) S x. Both factors are orthogonal and symmetric, so the
 * inverse is x = S (H / sqrt(D)) y and norms are preserved. After rotation every coordinate is
 * sub-Gaussian with variance proxy ||x||^2 / D over the signs (Hoeffding), which is what lets the
 * planner bound a sum's coordinates far below the clip norm.
 *
 * The signs are public and shared by the round's clients and its server: bit i of a ChaCha20
 * keystream (zero nonce) under key = HKDF-SHA-256(ikm = the round value, salt = empty,
 * info = "secagg/v1/dp/hadamard-signs" || u32be(D)), least significant bit first; a set bit
 * flips the sign. The round value must differ between rounds (the protocol's session id does).
 * @module
 */
import { chacha20 } from '@noble/ciphers/chacha.js';
import { hkdfSha256Fast } from '../crypto/_hkdf.js';

const SIGNS_INFO = 'secagg/v1/dp/hadamard-signs';
const NONCE = new Uint8Array(12);
const EMPTY = new Uint8Array(0);

/** Smallest power of two >= d (d >= 1). */
export function _paddedLength(d: number): number {
  let n = 1;
  while (n < d) n *= 2;
  return n;
}

/** The sign bits for a rotation of length `length` (a power of two) in the round `round`. */
export function _rotationSigns(round: Uint8Array, length: number): Uint8Array {
  const info = new Uint8Array(SIGNS_INFO.length + 4);
  for (let i = 0; i < SIGNS_INFO.length; i++) info[i] = SIGNS_INFO.charCodeAt(i);
  new DataView(info.buffer).setUint32(SIGNS_INFO.length, length, false);
  const key = hkdfSha256Fast(round, EMPTY, info, 32);
  const signs = chacha20(key, NONCE, new Uint8Array(Math.ceil(length / 8)));
  key.fill(0);
  return signs;
}

/**
 * In-place normalised fast Walsh-Hadamard transform (Sylvester order): x <- (H / sqrt(n)) x,
 * n = x.length a power of two. O(n log n) additions, no allocation, its own inverse. Two
 * butterfly stages per pass over memory (radix 4), then one radix-2 stage when log2 n is odd:
 * the same additions in the same order as the textbook radix-2 loop (bit-identical results),
 * measured 2-3x faster at n = 2^17 (bench/dp.ts, case mechanismsRotation).
 */
export function _hadamardInPlace(x: Float64Array): void {
  const n = x.length;
  let h = 1;
  for (; 4 * h <= n; h *= 4) {
    for (let i = 0; i < n; i += 4 * h) {
      for (let j = i; j < i + h; j++) {
        const a = x[j] as number;
        const b = x[j + h] as number;
        const c = x[j + 2 * h] as number;
        const d = x[j + 3 * h] as number;
        const s0 = a + b;
        const d0 = a - b;
        const s1 = c + d;
        const d1 = c - d;
        x[j] = s0 + s1;
        x[j + h] = d0 + d1;
        x[j + 2 * h] = s0 - s1;
        x[j + 3 * h] = d0 - d1;
      }
    }
  }
  if (h < n) {
    for (let j = 0; j < h; j++) {
      const a = x[j] as number;
      const b = x[j + h] as number;
      x[j] = a + b;
      x[j + h] = a - b;
    }
  }
  const norm = 1 / Math.sqrt(n);
  for (let i = 0; i < n; i++) x[i] = (x[i] as number) * norm;
}

function flipSigns(x: Float64Array, signs: Uint8Array): void {
  for (let i = 0; i < x.length; i++) {
    if ((((signs[i >>> 3] as number) >>> (i & 7)) & 1) === 1) x[i] = -(x[i] as number);
  }
}

/** y = (H / sqrt(D)) S x, in place (x already padded to a power of two). */
export function _rotateInPlace(x: Float64Array, signs: Uint8Array): void {
  flipSigns(x, signs);
  _hadamardInPlace(x);
}

/** x = S (H / sqrt(D)) y, in place: the inverse of {@link _rotateInPlace}. */
export function _unrotateInPlace(y: Float64Array, signs: Uint8Array): void {
  _hadamardInPlace(y);
  flipSigns(y, signs);
}
