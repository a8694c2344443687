import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { distributedDiscreteGaussianRdp, skellamRdp, _ddgTau } from '../../src/dp/distributed-rdp.js';
import { distributedDiscreteGaussianEvent, skellamEvent } from '../../src/dp/events.js';
import { expectSecAggError } from '../_hostile.js';

interface DdgVector {
  clients: number;
  localSigma: number;
  l2Sensitivity: number;
  l1Sensitivity: number;
  dimension: number;
  order: number;
  tau: number;
  rdp: number;
}
interface SkVector {
  clients: number;
  localVariance: number;
  l2Sensitivity: number;
  l1Sensitivity: number;
  order: number;
  rdp: number;
}
const vectors = JSON.parse(
  readFileSync(new URL('../vectors/dp-distributed-rdp.json', import.meta.url), 'utf8'),
) as { provenance: string; distributedDiscreteGaussian: DdgVector[]; skellam: SkVector[] };

function rel(a: number, b: number): number {
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-300);
}

describe('distributedDiscreteGaussianRdp (KLS 2021) known answers', () => {
  it('has provenance', () => expect(vectors.provenance).toMatch(/mpmath/));
  for (const v of vectors.distributedDiscreteGaussian) {
    it(`n=${v.clients} s=${v.localSigma} d=${v.dimension} alpha=${v.order}`, () => {
      const { order, tau, rdp, ...fields } = v;
      const e = distributedDiscreteGaussianEvent(fields);
      expect(rel(_ddgTau(v.clients, v.localSigma), tau) < 1e-12 || tau === 0).toBe(true);
      expect(rel(distributedDiscreteGaussianRdp(e, order), rdp)).toBeLessThan(1e-12);
    });
  }

  it('a single client is the discrete Gaussian: alpha Delta^2 / (2 s^2)', () => {
    const e = distributedDiscreteGaussianEvent({ clients: 1, localSigma: 3, l2Sensitivity: 2, l1Sensitivity: 2, dimension: 5 });
    expect(distributedDiscreteGaussianRdp(e, 7)).toBeCloseTo((7 * 4) / 18, 14);
  });

  it('below sigma 1/2 no finite bound is claimed', () => {
    const e = distributedDiscreteGaussianEvent({ clients: 10, localSigma: 0.49, l2Sensitivity: 1, l1Sensitivity: 1, dimension: 1 });
    expect(distributedDiscreteGaussianRdp(e, 2)).toBe(Infinity);
  });

  it('tau for huge n is an upper bound continuing the exact sum', () => {
    const exact = _ddgTau(1_000_001, 0.5);
    const more = _ddgTau(3_000_001, 0.5);
    expect(more).toBeGreaterThan(exact);
    // 2e6 more terms, each <= the millionth term
    expect(more - exact).toBeLessThanOrEqual(2e6 * 10 * Math.exp(-2 * Math.PI ** 2 * 0.25 * (1e6 / (1e6 + 1))) * (1 + 1e-9));
  });

  it('monotone: non-decreasing in order, non-increasing in clients and sigma (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }),
        fc.double({ min: 0.5, max: 50, noNaN: true }),
        fc.double({ min: 0.1, max: 1e3, noNaN: true }),
        fc.integer({ min: 1, max: 10_000 }),
        fc.double({ min: 1.01, max: 200, noNaN: true }),
        (n, s, l2, d, a) => {
          const mk = (nn: number, ss: number) =>
            distributedDiscreteGaussianEvent({ clients: nn, localSigma: ss, l2Sensitivity: l2, l1Sensitivity: l2 * Math.min(Math.sqrt(d), l2), dimension: d });
          const e = mk(n, s);
          const r = distributedDiscreteGaussianRdp(e, a);
          expect(r).toBeGreaterThanOrEqual(0);
          expect(distributedDiscreteGaussianRdp(e, a + 1)).toBeGreaterThanOrEqual(r);
          expect(distributedDiscreteGaussianRdp(mk(n, s * 1.5), a)).toBeLessThanOrEqual(r * (1 + 1e-12));
        },
      ),
    );
  });
});

describe('skellamRdp (AKL 2021) known answers', () => {
  for (const v of vectors.skellam) {
    it(`n=${v.clients} var=${v.localVariance} alpha=${v.order}`, () => {
      const { order, rdp, ...fields } = v;
      expect(rel(skellamRdp(skellamEvent(fields), order), rdp)).toBeLessThan(1e-12);
    });
  }

  it('fractional orders use the bound at the next integer', () => {
    const e = skellamEvent({ clients: 3, localVariance: 10, l2Sensitivity: 2, l1Sensitivity: 4 });
    expect(skellamRdp(e, 4.2)).toBe(skellamRdp(e, 5));
    expect(skellamRdp(e, 5)).toBeGreaterThan(skellamRdp(e, 4));
  });

  it('approaches the Gaussian alpha Delta^2 / (2 mu) at large variance', () => {
    const e = skellamEvent({ clients: 100, localVariance: 1e6, l2Sensitivity: 1000, l1Sensitivity: 1000 });
    const gaussian = (8 * 1e6) / (2 * 1e8);
    expect(rel(skellamRdp(e, 8), gaussian)).toBeLessThan(1e-4);
  });
});

describe('distributed RDP: hostile orders', () => {
  const e = distributedDiscreteGaussianEvent({ clients: 2, localSigma: 1, l2Sensitivity: 1, l1Sensitivity: 1, dimension: 1 });
  const s = skellamEvent({ clients: 2, localVariance: 1, l2Sensitivity: 1, l1Sensitivity: 1 });
  for (const bad of [1, 0.5, -3, Number.NaN, Infinity, '2', undefined, null]) {
    it(`order ${String(bad)}`, () => {
      expectSecAggError(() => distributedDiscreteGaussianRdp(e, bad as number), 'OUT_OF_RANGE');
      expectSecAggError(() => skellamRdp(s, bad as number), 'OUT_OF_RANGE');
    });
  }
});
