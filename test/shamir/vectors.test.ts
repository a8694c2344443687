import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bytesToHex, hexToBytes } from '@noble/hashes/utils.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import {
  combineShares,
  createCombiner,
  decodeShare,
  encodeShare,
  splitSecret,
  type Share,
} from '../../src/shamir/index.js';
import { EXP, LOG, gfMul } from '../../src/shamir/_gf.js';

interface VectorCase {
  name: string;
  seed: string;
  secret: string;
  threshold: number;
  holders: number | number[];
  rngBytes: string;
  shares: { x: number; y: string }[];
  encodedFirstShare: string;
}
interface Vectors {
  provenance: string;
  field: { products: { a: number; b: number; product: number }[]; inverses: { a: number; inverse: number }[] };
  cases: VectorCase[];
}

const vectors = JSON.parse(
  readFileSync(new URL('../vectors/shamir-gf65536.json', import.meta.url), 'utf8'),
) as Vectors;

/** All k-subsets of 0..n-1 (small n only). */
function subsets(n: number, k: number): number[][] {
  if (k === 0) return [[]];
  if (n < k) return [];
  return [...subsets(n - 1, k - 1).map((s) => [...s, n - 1]), ...subsets(n - 1, k)];
}

describe('shamir known-answer vectors (test/vectors/shamir-gf65536.json)', () => {
  it('has provenance', () => {
    expect(vectors.provenance).toMatch(/shamir-gen\.py/);
    expect(vectors.cases.length).toBeGreaterThanOrEqual(5);
  });

  it('field products and inverses match the table-free reference', () => {
    for (const { a, b, product } of vectors.field.products) expect(gfMul(a, b)).toBe(product);
    for (const { a, inverse } of vectors.field.inverses) expect(gfMul(a, inverse)).toBe(1);
    // Tables are consistent: EXP[LOG[a]] = a for every non-zero a, and zero reads as zero.
    let bad = 0;
    for (let a = 1; a < 65536; a++) if (EXP[LOG[a] as number] !== a) bad++;
    expect(bad).toBe(0);
    expect(EXP[(LOG[0] as number) + 65534]).toBe(0);
  });

  for (const c of vectors.cases) {
    describe(c.name, () => {
      const secret = hexToBytes(c.secret);

      it('deterministicRandomBytes(seed) yields the recorded coefficient bytes in one draw', () => {
        const rng = deterministicRandomBytes(hexToBytes(c.seed));
        expect(bytesToHex(rng(c.rngBytes.length / 2))).toBe(c.rngBytes);
      });

      it('splitSecret reproduces the shares and draws once', () => {
        const inner = deterministicRandomBytes(hexToBytes(c.seed));
        const calls: number[] = [];
        const rng = (n: number): Uint8Array => {
          calls.push(n);
          return inner(n);
        };
        const shares = splitSecret(secret, { threshold: c.threshold, holders: c.holders, rng });
        expect(calls).toEqual([c.rngBytes.length / 2]);
        expect(shares.map((s) => ({ x: s.x, y: bytesToHex(s.y) }))).toEqual(c.shares);
        expect(bytesToHex(encodeShare(shares[0] as Share))).toBe(c.encodedFirstShare);
      });

      it('every t-subset of the recorded shares combines to the secret', () => {
        const shares: Share[] = c.shares.map((s) => ({ x: s.x, y: hexToBytes(s.y) }));
        for (const idx of subsets(shares.length, c.threshold)) {
          const subset = idx.map((i) => shares[i] as Share);
          expect(bytesToHex(combineShares(subset, { threshold: c.threshold }))).toBe(c.secret);
          const combiner = createCombiner(subset.map((s) => s.x), { threshold: c.threshold });
          expect(bytesToHex(combiner.combine([...subset].reverse()))).toBe(c.secret);
        }
        expect(bytesToHex(combineShares(shares, { threshold: c.threshold }))).toBe(c.secret);
      });

      it('the recorded encoding decodes to the first share', () => {
        const decoded = decodeShare(hexToBytes(c.encodedFirstShare));
        expect({ x: decoded.x, y: bytesToHex(decoded.y) }).toEqual(c.shares[0]);
      });
    });
  }
});
