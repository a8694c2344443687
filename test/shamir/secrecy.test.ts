/**
 * Perfect secrecy, checked exactly over one field element (2-byte secrets): fewer than t shares
 * are consistent with every possible secret, each through exactly one sharing polynomial, so
 * with uniform coefficients they are independent of the secret.
 */
import { describe, expect, it } from 'vitest';
import { combineShares, createCombiner, splitSecret, type Share } from '../../src/shamir/index.js';
import { EXP, GROUP_ORDER, LOG, gfMul } from '../../src/shamir/_gf.js';

const inv = (a: number): number => EXP[(GROUP_ORDER - (LOG[a] as number)) % GROUP_ORDER] as number;
const be = (v: number): number[] => [v >>> 8, v & 0xff];
const element = (y: Uint8Array): number => ((y[0] as number) << 8) | (y[1] as number);
/** An rng returning exactly the given bytes for the one draw splitSecret makes. */
const fixed = (bytes: number[]) => (n: number): Uint8Array => {
  if (n !== bytes.length) throw new Error(`expected a draw of ${bytes.length} bytes, got ${n}`);
  return Uint8Array.from(bytes);
};

describe('shamir secrecy (exhaustive over GF(2^16), one element)', () => {
  it('t = 2: for every secret, the single share at x runs over all 65,536 values exactly once', () => {
    for (const s of [0x0000, 0xbeef, 0xffff]) {
      for (const x of [1, 2, 65535]) {
        const seen = new Uint8Array(65536);
        for (let a = 0; a < 65536; a++) {
          const [share] = splitSecret(Uint8Array.from(be(s)), {
            threshold: 2,
            holders: [x, x === 1 ? 2 : 1],
            rng: fixed(be(a)),
          });
          seen[element((share as Share).y)] = (seen[element((share as Share).y)] as number) + 1;
        }
        let notOnce = 0;
        for (let v = 0; v < 65536; v++) if (seen[v] !== 1) notOnce++;
        expect(notOnce).toBe(0);
      }
    }
  });

  it('t = 3: two fixed shares admit exactly one polynomial for each of the 65,536 candidate secrets', () => {
    // The two shares an adversary holds (from an actual sharing of 0x1234).
    const xs = [5, 40000];
    const [s1, s2] = splitSecret(Uint8Array.from(be(0x1234)), { threshold: 3, holders: [...xs, 9] });
    const y1 = element((s1 as Share).y);
    const y2 = element((s2 as Share).y);
    const [x1, x2] = xs as [number, number];
    // For candidate s, p(z) = s + a1 z + a2 z^2 with p(x_i) = y_i: a 2x2 system with matrix
    // [[x1, x1^2], [x2, x2^2]], determinant x1 x2 (x1 + x2) != 0 (Vandermonde): one solution.
    const det = gfMul(gfMul(x1, x2), x1 ^ x2);
    expect(det).not.toBe(0);
    const detInv = inv(det);
    const third = 777;
    const combiner = createCombiner([x1, x2, third], { threshold: 3 });
    const completions = new Uint8Array(65536);
    let failures = 0;
    for (let s = 0; s < 65536; s++) {
      const r1 = y1 ^ s;
      const r2 = y2 ^ s;
      const a1 = gfMul(detInv, gfMul(r1, gfMul(x2, x2)) ^ gfMul(r2, gfMul(x1, x1)));
      const a2 = gfMul(detInv, gfMul(x1, r2) ^ gfMul(x2, r1));
      // Feeding those coefficients to splitSecret with secret s reproduces the adversary's two
      // shares exactly, and the completed sharing reconstructs s.
      const shares = splitSecret(Uint8Array.from(be(s)), {
        threshold: 3,
        holders: [x1, x2, third],
        rng: fixed([...be(a1), ...be(a2)]),
      });
      if (element((shares[0] as Share).y) !== y1 || element((shares[1] as Share).y) !== y2) failures++;
      if (element(combiner.combine(shares)) !== s) failures++;
      const c = element((shares[2] as Share).y);
      completions[c] = (completions[c] as number) + 1;
    }
    expect(failures).toBe(0);
    // Distinct secrets give distinct polynomials (distinct values at the third point).
    let notOnce = 0;
    for (let v = 0; v < 65536; v++) if (completions[v] !== 1) notOnce++;
    expect(notOnce).toBe(0);
  });

  it('t - 1 shares of two different secrets can be identical (same coefficient choice exists)', () => {
    // Direct instance of the above: shares of 0x0000 and of 0xffff that agree at x = 1.
    const a = splitSecret(Uint8Array.from([0, 0]), { threshold: 2, holders: 2, rng: fixed(be(0x0101)) });
    // s + a x at x = 1 is s ^ a: choose a' = a ^ 0xffff for the secret 0xffff.
    const b = splitSecret(Uint8Array.from([0xff, 0xff]), { threshold: 2, holders: 2, rng: fixed(be(0x0101 ^ 0xffff)) });
    expect((a[0] as Share).y).toEqual((b[0] as Share).y);
    expect(combineShares(a, { threshold: 2 })).toEqual(Uint8Array.from([0, 0]));
    expect(combineShares(b, { threshold: 2 })).toEqual(Uint8Array.from([0xff, 0xff]));
  });
});
