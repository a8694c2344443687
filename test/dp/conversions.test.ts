import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  analyticGaussianDelta,
  analyticGaussianEpsilon,
  analyticGaussianSigma,
} from '../../src/dp/analytic-gaussian.js';
import { approxDpToZcdp, zcdpDelta, zcdpToApproxDp } from '../../src/dp/zcdp.js';
import { RdpAccountant } from '../../src/dp/rdp.js';
import { gaussianEvent } from '../../src/dp/events.js';
import { expectSecAggError, notNumbers } from '../_hostile.js';
import vectors from '../vectors/dp-conversions.json' with { type: 'json' };

const rel = (a: number, b: number): number => Math.abs(a - b) / Math.abs(b);

describe('analytic Gaussian (Balle-Wang 2018) against mpmath', () => {
  it('epsilon(sigma, delta)', () => {
    for (const [sigma, delta, sensitivity, want] of vectors.analyticGaussianEpsilon as number[][]) {
      const got = analyticGaussianEpsilon({ sigma: sigma!, delta: delta!, sensitivity: sensitivity! });
      expect(rel(got, want!)).toBeLessThan(1e-10);
      // never below the exact value
      expect(got).toBeGreaterThanOrEqual(want! * (1 - 1e-13));
    }
    // The exact value quoted by the PLD issue: sigma 1, delta 1e-5 -> 4.377178.
    expect(analyticGaussianEpsilon({ sigma: 1, delta: 1e-5 })).toBeCloseTo(4.377178, 6);
  });
  it('sigma(epsilon, delta) never overshoots and matches mpmath', () => {
    for (const [epsilon, delta, sensitivity, want] of vectors.analyticGaussianSigma as number[][]) {
      const got = analyticGaussianSigma({ epsilon: epsilon!, delta: delta!, sensitivity: sensitivity! });
      expect(rel(got, want!)).toBeLessThan(1e-10);
      expect(analyticGaussianDelta({ sigma: got, epsilon: epsilon!, sensitivity: sensitivity! })).toBeLessThanOrEqual(delta!);
    }
  });
  it('round trips and monotonicity', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 0.05, max: 30, noNaN: true }),
        fc.double({ min: 1e-12, max: 0.5, noNaN: true }),
        (epsilon, delta) => {
          const sigma = analyticGaussianSigma({ epsilon, delta });
          expect(analyticGaussianDelta({ sigma, epsilon })).toBeLessThanOrEqual(delta);
          expect(analyticGaussianDelta({ sigma: sigma * (1 - 1e-6), epsilon })).toBeGreaterThan(delta * (1 - 1e-3));
          const back = analyticGaussianEpsilon({ sigma, delta });
          expect(back).toBeLessThanOrEqual(epsilon * (1 + 1e-9) + 1e-12);
          expect(back).toBeGreaterThanOrEqual(epsilon * (1 - 1e-6) - 1e-9);
        },
      ),
    );
  });
  it('is tighter than the RDP bound for one Gaussian', () => {
    const exact = analyticGaussianEpsilon({ sigma: 1, delta: 1e-5 });
    const rdp = new RdpAccountant().compose(gaussianEvent(1)).getEpsilon(1e-5);
    expect(exact).toBeLessThan(rdp);
  });
  it('sensitivity scales sigma', () => {
    const a = analyticGaussianSigma({ epsilon: 1, delta: 1e-5 });
    expect(rel(analyticGaussianSigma({ epsilon: 1, delta: 1e-5, sensitivity: 7 }), 7 * a)).toBeLessThan(1e-12);
  });
  it('hostile inputs', () => {
    for (const bad of notNumbers) {
      expectSecAggError(() => analyticGaussianSigma({ epsilon: bad as number, delta: 1e-5 }));
      expectSecAggError(() => analyticGaussianSigma({ epsilon: 1, delta: bad as number }));
      expectSecAggError(() => analyticGaussianDelta({ sigma: bad as number, epsilon: 1 }));
      expectSecAggError(() => analyticGaussianEpsilon({ sigma: 1, delta: bad as number }));
      if (bad !== undefined) expectSecAggError(() => analyticGaussianSigma({ epsilon: 1, delta: 1e-5, sensitivity: bad as number }));
    }
    expectSecAggError(() => analyticGaussianSigma({ epsilon: 1, delta: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(() => analyticGaussianSigma({ epsilon: 1, delta: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => analyticGaussianSigma({ epsilon: -1, delta: 0.1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => analyticGaussianDelta({ sigma: 0, epsilon: 1 }), 'OUT_OF_RANGE');
    expectSecAggError(() => analyticGaussianSigma({ epsilon: 1, delta: 1e-5, sensitivity: 0 }), 'OUT_OF_RANGE');
    expectSecAggError(() => analyticGaussianSigma({ epsilon: 1, delta: 1e-5, sens: 1 } as never), 'UNKNOWN_OPTION');
    expectSecAggError(() => analyticGaussianSigma(null as never), 'INVALID_TYPE');
  });
});

describe('zCDP (CKS 2020 Prop. 12) against mpmath', () => {
  it('rho -> epsilon, rho -> delta, (epsilon, delta) -> rho', () => {
    for (const [rho, delta, want] of vectors.zcdpEpsilon as number[][]) {
      expect(rel(zcdpToApproxDp(rho!, delta!), want!)).toBeLessThan(1e-9);
    }
    for (const [rho, epsilon, want] of vectors.zcdpDelta as number[][]) {
      expect(rel(zcdpDelta(rho!, epsilon!), want!)).toBeLessThan(1e-9);
    }
    for (const [epsilon, delta, want] of vectors.approxDpToZcdp as number[][]) {
      const rho = approxDpToZcdp(epsilon!, delta!);
      expect(rel(rho, want!)).toBeLessThan(1e-9);
      expect(zcdpToApproxDp(rho, delta!)).toBeLessThanOrEqual(epsilon!);
    }
  });
  it('agrees with the RDP accountant on a Gaussian (rho = 1 / (2 z^2)) at its best grid order', () => {
    const z = 2;
    const grid = new RdpAccountant().compose(gaussianEvent(z)).getEpsilon(1e-6);
    const cont = zcdpToApproxDp(1 / (2 * z * z), 1e-6);
    expect(cont).toBeLessThanOrEqual(grid + 1e-12);
    expect(cont).toBeGreaterThan(grid * 0.99);
  });
  it('properties: round trip, monotone', () => {
    fc.assert(
      fc.property(
        fc.double({ min: 1e-6, max: 50, noNaN: true }),
        fc.double({ min: 1e-12, max: 0.5, noNaN: true }),
        (rho, delta) => {
          const eps = zcdpToApproxDp(rho, delta);
          expect(zcdpDelta(rho, eps)).toBeLessThanOrEqual(delta * (1 + 1e-9));
          expect(zcdpToApproxDp(rho * 1.01, delta)).toBeGreaterThanOrEqual(eps);
          if (eps > 0) expect(approxDpToZcdp(eps, delta)).toBeGreaterThanOrEqual(rho * (1 - 1e-6));
        },
      ),
      { numRuns: 50 },
    );
  });
  it('edges and hostile inputs', () => {
    expect(zcdpToApproxDp(0, 1e-5)).toBe(0);
    expect(zcdpDelta(0, 0)).toBe(0);
    expect(zcdpToApproxDp(1, 1)).toBe(0);
    for (const bad of [...notNumbers, -1]) {
      expectSecAggError(() => zcdpToApproxDp(bad as number, 1e-5));
      expectSecAggError(() => zcdpToApproxDp(1, bad as number));
      expectSecAggError(() => zcdpDelta(bad as number, 1));
      expectSecAggError(() => zcdpDelta(1, bad as number));
      expectSecAggError(() => approxDpToZcdp(bad as number, 1e-5));
      expectSecAggError(() => approxDpToZcdp(1, bad as number));
    }
    expectSecAggError(() => zcdpToApproxDp(1, 0), 'OUT_OF_RANGE');
    expectSecAggError(() => approxDpToZcdp(1, 1), 'OUT_OF_RANGE');
  });
});
