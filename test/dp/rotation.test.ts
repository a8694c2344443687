import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { chacha20 } from '@noble/ciphers/chacha.js';
import {
  _hadamardInPlace,
  _paddedLength,
  _rotateInPlace,
  _rotationSigns,
  _unrotateInPlace,
} from '../../src/dp/_rotation.js';

const ROUND = Uint8Array.from({ length: 32 }, (_, i) => i);

/** L2 norm scaled by the largest magnitude (no underflow for tiny inputs). */
function norm(x: Float64Array): number {
  let max = 0;
  for (const v of x) max = Math.max(max, Math.abs(v));
  if (max === 0) return 0;
  let s = 0;
  for (const v of x) s += (v / max) ** 2;
  return max * Math.sqrt(s);
}

describe('normalised Walsh-Hadamard transform: known answers worked by hand', () => {
  it('H_4 [1, 2, 3, 4] / 2 = [5, -1, -2, 0] (Sylvester rows ++++, +-+-, ++--, +--+)', () => {
    const x = Float64Array.of(1, 2, 3, 4);
    _hadamardInPlace(x);
    expect(Array.from(x)).toEqual([5, -1, -2, 0]);
  });

  it('H_2 [3, 1] / sqrt 2 = [4, 2] / sqrt 2; length 1 is the identity', () => {
    const x = Float64Array.of(3, 1);
    _hadamardInPlace(x);
    expect(x[0]).toBeCloseTo(4 / Math.SQRT2, 15);
    expect(x[1]).toBeCloseTo(2 / Math.SQRT2, 15);
    const one = Float64Array.of(-7.5);
    _hadamardInPlace(one);
    expect(one[0]).toBe(-7.5);
  });

  it('a unit vector spreads to +-1/sqrt(D) everywhere (the flattening rotation buys)', () => {
    const e = new Float64Array(8);
    e[0] = 1;
    _hadamardInPlace(e);
    for (const v of e) expect(v).toBeCloseTo(1 / Math.sqrt(8), 15);
    const f = new Float64Array(8);
    f[5] = 1; // row 5 of H_8: signs (-1)^popcount(5 & j)
    _hadamardInPlace(f);
    const expected = [1, -1, 1, -1, -1, 1, -1, 1].map((s) => s / Math.sqrt(8));
    for (let j = 0; j < 8; j++) expect(f[j]).toBeCloseTo(expected[j]!, 15);
  });

  it('padded lengths: the next power of two', () => {
    expect([1, 2, 3, 4, 5, 1000, 1024, 1025, 2 ** 20 + 1].map(_paddedLength)).toEqual([
      1, 2, 4, 4, 8, 1024, 1024, 2048, 2 ** 21,
    ]);
  });
});

describe('rotation signs: HKDF-SHA-256 + ChaCha20 as documented', () => {
  it('match an independent derivation with @noble/hashes and @noble/ciphers (known answer)', () => {
    const info = new Uint8Array([...new TextEncoder().encode('secagg/v1/dp/hadamard-signs'), 0, 0, 4, 0]);
    const key = hkdf(sha256, ROUND, new Uint8Array(0), info, 32);
    const reference = chacha20(key, new Uint8Array(12), new Uint8Array(128));
    const signs = _rotationSigns(ROUND, 1024);
    expect(signs).toEqual(reference);
    // Recorded from that derivation (round = 00..1f, D = 1024): pins the format.
    expect(Buffer.from(signs.subarray(0, 16)).toString('hex')).toBe('826ebb4c728a7afd6c4a4d3c1bd5875c');
  });

  it('depend on the round and on D; the same round gives the same signs', () => {
    const other = ROUND.slice();
    other[31] = other[31]! ^ 1;
    expect(_rotationSigns(other, 1024)).not.toEqual(_rotationSigns(ROUND, 1024));
    expect(_rotationSigns(ROUND, 2048).subarray(0, 128)).not.toEqual(_rotationSigns(ROUND, 1024));
    expect(_rotationSigns(ROUND, 1024)).toEqual(_rotationSigns(ROUND.slice(), 1024));
    expect(_rotationSigns(ROUND, 4).length).toBe(1);
  });
});

describe('rotation properties (fast-check, fixed seed)', () => {
  it('is orthogonal: unrotate(rotate(x)) = x and the norm is preserved, within float error', () => {
    fc.assert(
      fc.property(
        fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1, maxLength: 2048 }),
        fc.uint8Array({ minLength: 16, maxLength: 16 }),
        (xs, round) => {
          const D = _paddedLength(xs.length);
          const x = new Float64Array(D);
          x.set(xs);
          const original = x.slice();
          const signs = _rotationSigns(round, D);
          _rotateInPlace(x, signs);
          const n0 = norm(original);
          expect(Math.abs(norm(x) - n0)).toBeLessThanOrEqual(1e-13 * n0 + 1e-300);
          _unrotateInPlace(x, signs);
          for (let i = 0; i < D; i++) expect(Math.abs(x[i]! - original[i]!)).toBeLessThanOrEqual(1e-13 * n0 + 1e-300);
        },
      ),
      { seed: 20260501, numRuns: 60 },
    );
  });

  it('is linear (the sum of rotated vectors is the rotated sum: what secure aggregation relies on)', () => {
    const D = 64;
    const signs = _rotationSigns(ROUND, D);
    const a = Float64Array.from({ length: D }, (_, i) => Math.sin(i));
    const b = Float64Array.from({ length: D }, (_, i) => Math.cos(3 * i));
    const sum = a.map((v, i) => v + b[i]!);
    _rotateInPlace(a, signs);
    _rotateInPlace(b, signs);
    _rotateInPlace(sum, signs);
    for (let i = 0; i < D; i++) expect(a[i]! + b[i]!).toBeCloseTo(sum[i]!, 13);
  });

  it('flattens: a spike of norm 1 has every rotated coordinate exactly 1/sqrt(D) in magnitude', () => {
    const D = 4096;
    const x = new Float64Array(D);
    x[1234] = 1;
    _rotateInPlace(x, _rotationSigns(ROUND, D));
    let max = 0;
    for (const v of x) max = Math.max(max, Math.abs(v));
    expect(max).toBeCloseTo(1 / 64, 15);
  });
});
