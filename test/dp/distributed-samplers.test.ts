import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { sampleDiscreteGaussian } from '../../src/dp/discrete-gaussian.js';
import { sampleSkellam } from '../../src/dp/skellam.js';
import { _BitReader } from '../../src/dp/_bits.js';
import type { RandomBytes } from '../../src/random.js';
import { deterministicRandomBytes } from '../../src/testing/index.js';
import { expectSecAggError, notCounts, notNumbers } from '../_hostile.js';
import { chiSquare } from './_chi2.js';

function seed(byte: number): RandomBytes {
  return deterministicRandomBytes(new Uint8Array(32).fill(byte));
}

/** pmf of N_Z(0, v): exp(-k^2 / (2 v)) normalised over |k| <= 60 sqrt(v) + 20. */
function discreteGaussianPmf(v: number): (k: number) => number {
  const r = Math.ceil(60 * Math.sqrt(v) + 20);
  let z = 0;
  for (let k = -r; k <= r; k++) z += Math.exp((-k * k) / (2 * v));
  return (k) => Math.exp((-k * k) / (2 * v)) / z;
}

function logPoisson(lambda: number, k: number): number {
  let lf = 0;
  for (let i = 2; i <= k; i++) lf += Math.log(i);
  return -lambda + k * Math.log(lambda) - lf;
}

/** pmf of Sk(lambda, lambda) by convolving Poisson pmfs. */
function skellamPmf(lambda: number): (k: number) => number {
  const top = Math.ceil(lambda + 40 * Math.sqrt(lambda) + 40);
  const p = new Float64Array(top + 1);
  for (let j = 0; j <= top; j++) p[j] = Math.exp(logPoisson(lambda, j));
  const cache = new Map<number, number>();
  return (k) => {
    const a = Math.abs(k);
    let v = cache.get(a);
    if (v === undefined) {
      v = 0;
      for (let j = 0; j + a <= top; j++) v += p[j + a]! * p[j]!;
      cache.set(a, v);
    }
    return v;
  };
}

describe('sampleDiscreteGaussian: chi-square against the exact pmf (fixed seed)', () => {
  const cases: { name: string; opts: { sigma?: number; variance?: number }; v: number; n: number }[] = [
    { name: 'sigma 0.5 (variance 1/4)', opts: { variance: 0.25 }, v: 0.25, n: 100_000 },
    { name: 'sigma 1', opts: { sigma: 1 }, v: 1, n: 100_000 },
    { name: 'sigma 1.3 (BigInt path: 104-bit variance)', opts: { sigma: 1.3 }, v: 1.3 * 1.3, n: 60_000 },
    { name: 'sigma 20', opts: { sigma: 20 }, v: 400, n: 150_000 },
    { name: 'variance 4e7 (a^2 beyond 2^53 split in BigInt)', opts: { variance: 40_000_000 }, v: 40_000_000, n: 150_000 },
  ];
  for (const [i, c] of cases.entries()) {
    it(c.name, () => {
      const x = sampleDiscreteGaussian({ ...c.opts, count: c.n, rng: seed(i + 1) });
      const s = Math.sqrt(c.v);
      // Wide integer bins for large sigma: compare on a coarse grid by summing the pmf.
      if (s > 100) {
        const w = Math.ceil(s / 20);
        const binned = Int32Array.from(x, (y) => Math.floor(y / w));
        const pmf = discreteGaussianPmf(c.v);
        const lo = Math.floor((-6 * s) / w);
        const hi = Math.floor((6 * s) / w);
        const binPmf = (b: number): number => {
          let t = 0;
          for (let k = b * w; k < (b + 1) * w; k++) t += pmf(k);
          return t;
        };
        const r = chiSquare(binned, binPmf, lo, hi);
        expect(r.stat).toBeLessThan(r.critical);
        return;
      }
      const r = chiSquare(x, discreteGaussianPmf(c.v), Math.floor(-8 * s) - 2, Math.ceil(8 * s) + 2);
      expect(r.stat).toBeLessThan(r.critical);
    });
  }

  it('the test has power: sigma 20 samples are rejected as sigma 20.6', () => {
    const x = sampleDiscreteGaussian({ sigma: 20, count: 150_000, rng: seed(4) });
    const r = chiSquare(x, discreteGaussianPmf(20.6 * 20.6), -170, 170);
    expect(r.stat).toBeGreaterThan(r.critical);
  });
});

describe('sampleSkellam: chi-square against the exact pmf (fixed seed)', () => {
  const cases = [
    { lambda: 0.3, n: 100_000 },
    { lambda: 1, n: 100_000 },
    { lambda: 2.5, n: 100_000 },
    { lambda: 40, n: 100_000 },
    { lambda: 1500.75, n: 40_000 },
  ];
  for (const [i, c] of cases.entries()) {
    it(`lambda ${c.lambda}`, () => {
      const x = sampleSkellam({ lambda: c.lambda, count: c.n, rng: seed(20 + i) });
      const s = Math.sqrt(2 * c.lambda);
      const r = chiSquare(x, skellamPmf(c.lambda), Math.floor(-7 * s) - 3, Math.ceil(7 * s) + 3);
      expect(r.stat).toBeLessThan(r.critical);
    });
  }

  it('variance option is 2 lambda, and the test has power (lambda 40 vs 42)', () => {
    const x = sampleSkellam({ variance: 80, count: 100_000, rng: seed(23) });
    const r = chiSquare(x, skellamPmf(42), -70, 70);
    expect(r.stat).toBeGreaterThan(r.critical);
    const y = sampleSkellam({ lambda: 40, count: 100_000, rng: seed(23) });
    expect(y).toEqual(x);
  });
});

describe('samplers: determinism, out buffers, properties', () => {
  it('same seed, same samples; out is filled and returned', () => {
    const a = sampleDiscreteGaussian({ variance: 9, count: 1000, rng: seed(7) });
    const out = new Int32Array(1000);
    const b = sampleDiscreteGaussian({ variance: 9, count: 1000, rng: seed(7), out });
    expect(b).toBe(out);
    expect(b).toEqual(a);
    const c = sampleSkellam({ lambda: 3, count: 10, rng: seed(8) });
    expect(sampleSkellam({ lambda: 3, count: 10, rng: seed(8) })).toEqual(c);
    expect(sampleDiscreteGaussian({ variance: 9, count: 0 })).toHaveLength(0);
  });

  it('symmetric and integer-valued for any variance (property)', () => {
    fc.assert(
      fc.property(fc.double({ min: 0.01, max: 1e6, noNaN: true }), fc.integer({ min: 0, max: 255 }), (v, s) => {
        const x = sampleDiscreteGaussian({ variance: v, count: 200, rng: seed(s) });
        let sum = 0;
        for (const y of x) {
          expect(Number.isInteger(y)).toBe(true);
          sum += y;
        }
        // mean of 200 draws within 8 standard errors
        expect(Math.abs(sum / 200)).toBeLessThanOrEqual(8 * Math.sqrt(v / 200) + 1);
      }),
      { numRuns: 40 },
    );
  });

  it('the rng is read in bulk (4 KiB chunks), not per sample', () => {
    let calls = 0;
    const inner = seed(9);
    const rng: RandomBytes = (n) => {
      calls++;
      return inner(n);
    };
    sampleDiscreteGaussian({ variance: 100, count: 10_000, rng });
    expect(calls).toBeLessThan(200);
  });
});

describe('bit reader (internal)', () => {
  it('bits(k) in any chunking reads the same stream as bit() (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 32 }), { minLength: 1, maxLength: 200 }), fc.integer({ min: 0, max: 255 }), (ks, s) => {
        const a = new _BitReader(seed(s));
        const b = new _BitReader(seed(s));
        for (const k of ks) {
          const v = a.bits(k);
          expect(v).toBeGreaterThanOrEqual(0);
          expect(v).toBeLessThan(2 ** k);
          let w = 0;
          for (let i = 0; i < k; i++) w += b.bit() * 2 ** i;
          expect(v).toBe(w);
        }
      }),
    );
  });

  it('uniform(n) is uniform (chi-square, n = 7 and 2^32) and bernoulliRatio has the right mean', () => {
    const r = new _BitReader(seed(99));
    const x = Int32Array.from({ length: 70_000 }, () => r.uniform(7));
    const c = chiSquare(x, () => 1 / 7, 0, 6);
    expect(c.stat).toBeLessThan(c.critical);
    for (let i = 0; i < 100; i++) expect(r.uniform(2 ** 32)).toBeLessThan(2 ** 32);
    let hits = 0;
    for (let i = 0; i < 100_000; i++) if (r.bernoulliRatio(1, 3)) hits++;
    expect(Math.abs(hits / 100_000 - 1 / 3)).toBeLessThan(0.006);
    let big = 0;
    for (let i = 0; i < 100_000; i++) if (r.bernoulliRatioBig(2n ** 80n, 3n * 2n ** 80n)) big++;
    expect(Math.abs(big / 100_000 - 1 / 3)).toBeLessThan(0.006);
  });

  it('exact Bernoulli(exp(-x/y)) on both paths matches exp(-x/y)', () => {
    const r = new _BitReader(seed(98));
    for (const [x, y] of [[1, 1], [3, 7], [5, 2]] as const) {
      let a = 0;
      let b = 0;
      for (let i = 0; i < 60_000; i++) {
        if (r.bernoulliExp(x, y)) a++;
        if (r.bernoulliExpBig(BigInt(x), BigInt(y))) b++;
      }
      const p = Math.exp(-x / y);
      const se = Math.sqrt((p * (1 - p)) / 60_000);
      expect(Math.abs(a / 60_000 - p)).toBeLessThan(5 * se);
      expect(Math.abs(b / 60_000 - p)).toBeLessThan(5 * se);
    }
  });
});

describe('samplers: hostile inputs', () => {
  it('rejects bad options with SecAggError codes', () => {
    for (const v of notNumbers) {
      expectSecAggError(() => sampleDiscreteGaussian({ variance: v as number, count: 1 }));
      expectSecAggError(() => sampleDiscreteGaussian({ sigma: v as number, count: 1 }));
      expectSecAggError(() => sampleSkellam({ lambda: v as number, count: 1 }));
    }
    for (const c of notCounts) {
      expectSecAggError(() => sampleDiscreteGaussian({ variance: 1, count: c as number }));
      expectSecAggError(() => sampleSkellam({ lambda: 1, count: c as number }));
    }
    expectSecAggError(() => sampleDiscreteGaussian({ variance: 0, count: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => sampleDiscreteGaussian({ variance: -1, count: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => sampleDiscreteGaussian({ variance: 2 ** 53, count: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => sampleSkellam({ lambda: 2 ** 25, count: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => sampleDiscreteGaussian({ sigma: 1, variance: 1, count: 1 }), 'INVALID_TYPE');
    expectSecAggError(() => sampleDiscreteGaussian({ count: 1 }), 'INVALID_TYPE');
    expectSecAggError(() => sampleSkellam({ lambda: 1, variance: 2, count: 1 }), 'INVALID_TYPE');
    expectSecAggError(() => sampleDiscreteGaussian({ variance: 1, count: 1, sigmma: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => sampleDiscreteGaussian(null as never), 'INVALID_TYPE');
    expectSecAggError(() => sampleDiscreteGaussian(undefined as never));
    expectSecAggError(() => sampleDiscreteGaussian({ variance: 1, count: 2, out: new Int32Array(3) }), 'LENGTH_MISMATCH');
    expectSecAggError(() => sampleDiscreteGaussian({ variance: 1, count: 2, out: new Uint32Array(2) as never }), 'INVALID_TYPE');
    expectSecAggError(() => sampleDiscreteGaussian({ variance: 1, count: 2, rng: 5 as never }), 'INVALID_TYPE');
    // An rng that returns the wrong thing is caught, never read past its end.
    expectSecAggError(() => sampleDiscreteGaussian({ variance: 1, count: 2, rng: () => new Uint8Array(3) }), 'INVALID_TYPE');
    expectSecAggError(() => sampleSkellam({ lambda: 1, count: 2, rng: (() => 'x') as never }), 'INVALID_TYPE');
  });
});
